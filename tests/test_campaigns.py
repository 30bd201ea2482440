"""Annotation campaigns (docs/contracts.md §8): the queue and its overlap on both label-store
backends, pooling, status and agreement, the exports (through `mmcrec eval`), the command line,
training on judgements, and four annotators judging concurrently over the Gradio API."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from mmcrec.labels import open_store
from mmcrec.labels.agreement import krippendorff_alpha
from mmcrec.labels.campaigns import Campaign, CampaignError, CampaignRequest, Campaigns, PooledItem, agreed_grade

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "assets" / "catalog.csv"
SHOE = ROOT / "assets" / "images" / "sho-008.webp"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = open_store(tmp_path / "db" / "labels.sqlite")
    else:
        s = open_store(request.getfixturevalue("postgres").create_schema(), images_dir=tmp_path / "images")
    yield s
    s.close()


def requests_of(n: int, items: int = 3, image: Path | None = None) -> list[CampaignRequest]:
    return [CampaignRequest(f"r{i:02d}", [f"request {i}", "in blue"], str(image) if image and i == 0 else None,
                            "multi-turn", [PooledItem(f"it{j}", ["bm25"] if j else ["model", "bm25"])
                                           for j in range(items)]) for i in range(n)]


def judge_all(c: Campaigns, name: str, annotator: str, grade=lambda rid, item: 2) -> int:
    n = 0
    while (req := c.next_request(name, annotator)) is not None:
        for it in req.items:
            c.judge(name, req.request_id, it.item_id, grade(req.request_id, it.item_id), annotator)
        n += 1
    return n


def test_krippendorff_alpha_ordinal_and_interval_textbook():
    # Krippendorff (2011), example C: nominal 0.743, ordinal 0.815, interval 0.849
    n = None
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    assert krippendorff_alpha(data, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(data, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(data, "interval") == pytest.approx(0.849, abs=5e-4)
    assert agreed_grade([0, 2]) == 0 and agreed_grade([1, 2]) == 1 and agreed_grade([2, 2, 1]) == 2


def test_queue_overlap_and_concurrency(store):
    c = Campaigns(store)
    c.create(Campaign("c", "cat", overlap=2, depth=3), requests_of(12, image=SHOE))
    with pytest.raises(CampaignError, match="already exists"):
        c.create(Campaign("c", "cat"), requests_of(1))
    first = c.next_request("c", "ann0")
    assert first.request_id == "r00" and Path(first.image).is_file()
    assert first.to_api() == {"request_id": "r00", "turns": ["request 0", "in blue"], "image": first.image,
                              "items": ["it0", "it1", "it2"]}
    assert c.next_request("c", "ann0").request_id == "r00"  # a reload resumes the claim held
    done: dict[str, int] = {}

    def work(name: str) -> None:
        done[name] = judge_all(c, "c", name)

    threads = [threading.Thread(target=work, args=(f"ann{k}",)) for k in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st = c.status("c")
    assert sum(done.values()) == 24 == st["request_judgings"]
    assert st["complete"] == 12 and st["judgements"] == 72
    assert all(p["finished"] == 2 and len(p["annotators"]) == 2 for p in st["per_request"])
    assert sum(st["by_annotator"].values()) == 72
    assert c.next_request("c", "late") is None
    # a request full of its annotators takes no grade from a third
    with pytest.raises(CampaignError, match="already has its 2 annotator"):
        c.judge("c", "r00", "it0", 1, "late")


def test_judging_again_replaces_keeps_history_and_validates(store):
    c = Campaigns(store)
    c.create(Campaign("c", "cat", overlap=1, depth=2), requests_of(2, items=2))
    req = c.next_request("c", "ada")
    r = c.judge("c", req.request_id, "it0", 2, "ada")
    assert r == {"request_id": "r00", "item_id": "it0", "grade": 2, "judged": 1, "items": 2, "done": False}
    assert c.judge("c", "r00", "it0", "1", "ada")["grade"] == 1
    assert c.grades_of("c", "r00", "ada") == {"it0": 1}
    assert [e["grade"] for e in c.events("c")] == [2, 1]
    for bad in (3, -1, "x", 1.5, None):
        with pytest.raises(CampaignError, match="grade must be 0, 1 or 2"):
            c.judge("c", "r00", "it0", bad, "ada")
    with pytest.raises(CampaignError, match="not in request"):
        c.judge("c", "r00", "nope", 1, "ada")
    with pytest.raises(CampaignError, match="enter your name"):
        c.next_request("c", "  ")
    with pytest.raises(CampaignError, match="no campaign 'x'"):
        c.next_request("x", "ada")
    assert c.judge("c", "r00", "it1", 0, "ada")["done"] is True
    # skipping needs a reason and finishes the request for that annotator
    assert c.next_request("c", "ada").request_id == "r01"
    with pytest.raises(CampaignError, match="say why"):
        c.skip("c", "r01", " ", "ada")
    c.skip("c", "r01", "the request\nis unclear", "ada")
    st = c.status("c")
    assert st["complete"] == 2 and st["annotators"]["ada"]["skipped"] == 1
    assert c.assignments("c")[1]["reason"] == "the request is unclear"
    assert c.next_request("c", "ada") is None


def test_abandoned_claims_expire(store):
    c = Campaigns(store, claim_ttl_s=0.5)
    c.create(Campaign("c", "cat", overlap=1, depth=1), requests_of(2, items=1))
    assert c.next_request("c", "gone").request_id == "r00"
    assert c.next_request("c", "b").request_id == "r01"  # r00's one slot is held
    c.judge("c", "r01", "it0", 2, "b")
    assert c.next_request("c", "b") is None
    time.sleep(0.7)
    assert c.next_request("c", "b").request_id == "r00"  # the claim expired: the slot is free again
    with pytest.raises(CampaignError, match="already has its 1 annotator"):
        c.judge("c", "r00", "it0", 2, "gone")
    assert c.status("c")["annotators"]["gone"]["judgements"] == 0


def test_status_agreement_and_exports(store, tmp_path):
    c = Campaigns(store)
    c.create(Campaign("c", "cat", overlap=2, depth=3), requests_of(3, image=SHOE))
    grades = {"a": {"it0": 2, "it1": 1, "it2": 0}, "b": {"it0": 2, "it1": 2, "it2": 0}}
    for ann, g in grades.items():
        judge_all(c, "c", ann, lambda rid, item, g=g: g[item] if rid != "r02" else 0)
    st = c.status("c")
    assert st["requests"] == 3 and st["complete"] == 3 and st["judgements"] == 18
    assert st["by_annotator"] == {"a": 9, "b": 9}
    a = st["agreement"]
    assert a["items_overlapping"] == 9 and a["annotators"] == 2
    assert 0 < a["krippendorff_alpha_ordinal"] < 1 and 0 < a["krippendorff_alpha_interval"] < 1
    assert {(d["request_id"], d["item_id"]) for d in st["disagreements"]} == {("r00", "it1"), ("r01", "it1")}
    assert st["median_ms_per_judgement"] is not None and st["median_ms_per_judgement"] >= 0
    out = tmp_path / "export" / "judged.jsonl"
    assert c.export_queries("c", out) == 3
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[0]["relevant"] == {"it0": 2, "it1": 1}  # median of (1, 2) is 1; agreed 0 left out
    assert lines[2]["relevant"] == {}
    assert (out.parent / lines[0]["image"]).is_file() and "image" not in lines[1]
    import pandas as pd

    pq = tmp_path / "raw.parquet"
    assert c.export_judgements("c", pq) == 18
    df = pd.read_parquet(pq)
    assert set(df["annotator"]) == {"a", "b"} and list(df[df["item_id"] == "it0"]["systems"].iloc[0]) == ["model", "bm25"]
    assert c.export_judgements("c", tmp_path / "raw.jsonl") == 18
    with pytest.raises(CampaignError, match="jsonl or parquet"):
        c.export_judgements("c", tmp_path / "raw.csv")


def test_cli_create_status_export_eval_and_train_labels(small_catalog, tmp_path, capsys):
    from mmcrec.cli import main

    reqs = tmp_path / "requests.jsonl"
    reqs.write_text(json.dumps({"query_id": "q1", "turns": ["running shoes"]}) + "\n"
                    + json.dumps({"query_id": "q2", "turns": ["a warm jacket"]}) + "\n")
    guide = tmp_path / "g.md"
    guide.write_text("# Grade\n**2** exact <script>alert(1)</script>")
    db = str(tmp_path / "labels.sqlite")
    base = ["campaign", "create", "--db", db, "--catalog", str(small_catalog), "--requests", str(reqs),
            "--name", "shoes", "--depth", "2", "--guidelines", str(guide)]
    assert main(base) == 0
    assert "created campaign 'shoes': 2 requests" in capsys.readouterr().out
    assert main(base) == 2
    err = capsys.readouterr().err.strip()
    assert err == "mmcrec: error: campaign 'shoes' already exists"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    for args, msg in ((["--requests", str(bad), "--name", "x"], "line 1: not a request"),
                      (["--requests", str(tmp_path / "none.jsonl"), "--name", "x"], "requests file not found"),
                      (["--requests", str(reqs), "--name", "x", "--pool", "model,magic"], "unknown pool system")):
        assert main(["campaign", "create", "--db", db, "--catalog", str(small_catalog), *args]) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count("\n") == 1, err
    store = open_store(db)
    try:
        c = Campaigns(store)
        pooled = c.requests("shoes")
        assert all(1 <= len(r.items) <= 6 for r in pooled)
        assert {s for r in pooled for it in r.items for s in it.systems} == {"model", "semantic", "bm25"}
        for ann in ("a", "b"):
            judge_all(c, "shoes", ann, lambda rid, item: 2 if item.startswith("sho") else 0)
    finally:
        store.close()
    assert main(["campaign", "status", "--db", db, "--name", "shoes", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert {"requests", "judgements", "complete", "by_annotator", "agreement"} <= set(st)
    assert st["requests"] == 2 and st["complete"] == 2 and set(st["by_annotator"]) == {"a", "b"}
    out = tmp_path / "judged.jsonl"
    assert main(["campaign", "export", "--db", db, "--name", "shoes", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["eval", "--catalog", str(small_catalog), "--queries", str(out), "--json", "--k", "3"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["overall"]["n"] == 2
    # the shoe request found its judged shoes: the export is an evaluation set
    assert res["overall"]["ndcg"] > 0
    # judgements as training labels: 2/1 up, 0 down, one session per request
    from mmcrec.catalog import load_catalog
    from mmcrec.training import campaign_labels, make_examples

    labels = campaign_labels(db, "shoes")
    assert len(labels) == st["judgements"]
    assert all(lab.grade == (2 if lab.item_id.startswith("sho") else 0) for lab in labels)  # the grades travel
    examples, counts = make_examples(labels, load_catalog(small_catalog))
    assert counts["sessions"] == 2 and counts["up"] > 0 and counts["down"] > 0
    assert counts["exact"] == counts["up"] // 2  # both annotators said 2 for every shoe: all exact
    assert main(["train", "--labels", str(out), "--catalog", str(small_catalog), "--out", str(tmp_path / "m"),
                 "--campaign", "shoes"]) == 2
    assert "give --db" in capsys.readouterr().err


def test_four_annotators_over_the_api(demo_rec, tmp_path):
    """50 requests, overlap 2, four annotators judging at once over /campaign_next and
    /campaign_judge: exactly 100 request-judgings, no request over its overlap."""
    from app_support import client, launch, make_ctx
    from mmcrec.pooling import create_campaign

    reqs = tmp_path / "requests.jsonl"
    words = ["red shoes", "a warm scarf", "headphones", "a dress", "sunglasses", "a backpack", "jeans",
             "a watch", "a hat", "gloves"]
    reqs.write_text("".join(json.dumps({"query_id": f"q{i:02d}", "turns": [words[i % 10], f"variant {i}"]}) + "\n"
                            for i in range(50)))
    ctx = make_ctx(demo_rec, tmp_path)
    create_campaign(ctx.store, demo_rec, "api", reqs, overlap=2, depth=1)
    demo, url = launch(ctx, concurrency=4)
    errors: list[BaseException] = []
    judged: dict[str, list[str]] = {}
    try:
        def annotate(name: str) -> None:
            try:
                c = client(url)
                while (req := c.predict("api", name, api_name="/campaign_next")) is not None:
                    for item in req["items"]:
                        out = c.predict("api", req["request_id"], item, 1 + (hash(item) % 2), name,
                                        api_name="/campaign_judge")
                        assert out["item_id"] == item
                    judged.setdefault(name, []).append(req["request_id"])
            except BaseException as e:  # noqa: BLE001 — reported below
                errors.append(e)

        threads = [threading.Thread(target=annotate, args=(f"ann{k}",)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert not errors, errors
        st = Campaigns(ctx.store).status("api")
        assert sum(len(v) for v in judged.values()) == 100 == st["request_judgings"]
        assert st["complete"] == 50
        assert all(p["finished"] == 2 and len(p["annotators"]) == 2 for p in st["per_request"])
        per_request: dict[str, int] = {}
        for v in judged.values():
            assert len(v) == len(set(v))  # nobody judged a request twice
            for rid in v:
                per_request[rid] = per_request.get(rid, 0) + 1
        assert set(per_request.values()) == {2} and len(per_request) == 50
        assert client(url).predict("api", "ann0", api_name="/campaign_next") is None
    finally:
        demo.close()
        ctx.close()
