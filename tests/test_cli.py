"""The command line as a user runs it: real subprocesses, real models, the demo catalog."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import DATA, DEMO_CATALOG, ROOT


def mmcrec_subprocess(*args: str) -> subprocess.CompletedProcess:
    """As a user runs it; used where the process boundary matters (console entry, clean stdout)."""
    e = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "mmcrec", *args], capture_output=True, text=True, env=e,
                          cwd=ROOT, timeout=600)


@pytest.fixture
def mmcrec(capsys, monkeypatch):
    """The same `main()` in this process (models loaded once for the whole test session)."""
    from mmcrec.cli import main

    def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse errors
            code = e.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


def test_recommend_json_follows_the_contract():
    p = mmcrec_subprocess("recommend", "--catalog", str(DEMO_CATALOG), "--turn", "show me some hats",
               "--turn", "no wait, sunglasses instead", "--k", "5", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["model_version"] and 0 <= d["alpha"] <= 1
    assert len(d["turn_attention"]) == 2 and sum(d["turn_attention"]) == pytest.approx(1)
    assert sum(d["modality_weights"].values()) == pytest.approx(1)
    assert len(d["items"]) == 5
    for it in d["items"]:
        assert it["score"] == pytest.approx(d["alpha"] * it["m_r"] + (1 - d["alpha"]) * it["m_c"])
        assert it["alpha_contribution"]["m_r"] + it["alpha_contribution"]["m_c"] == pytest.approx(it["score"])
        assert "sunglasses" in it["title"].lower() or "shades" in it["title"].lower()


def test_recommend_with_an_image_and_plain_output(mmcrec):
    img = next((DATA / "query_images").glob("*.png"))
    p = mmcrec("recommend", "--catalog", str(DEMO_CATALOG), "--image", str(img), "--turn", "like this but in blue")
    assert p.returncode == 0, p.stderr
    assert "Understood" in p.stdout and "turn attention" in p.stdout


def test_eval_json_and_run_file(mmcrec, tmp_path):
    queries = tmp_path / "q.jsonl"
    lines = (DATA / "queries.jsonl").read_text().splitlines()
    picked = [ln for ln in lines if '"kind": "text"' in ln][:3] + [ln for ln in lines if '"kind": "image"' in ln][:2]
    queries.write_text("\n".join(picked) + "\n")
    # images in the queries are relative to the queries file
    (tmp_path / "query_images").symlink_to(DATA / "query_images")
    run = tmp_path / "run.jsonl"
    p = mmcrec("eval", "--catalog", str(DEMO_CATALOG), "--queries", str(queries), "--run-out", str(run), "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["k"] == 10 and d["overall"]["n"] == 5
    assert set(d["by_kind"]) == {"text", "image"}
    assert 0 <= d["overall"]["ndcg"] <= 1 and d["latency_ms"]["p95"] >= d["latency_ms"]["p50"] > 0
    rows = [json.loads(x) for x in run.read_text().splitlines()]
    assert len(rows) == 5 and all(len(r["ranked"]) == 10 for r in rows)


@pytest.mark.parametrize(
    "args, message",
    [
        (["recommend", "--catalog", "nope.csv", "--turn", "hi"], "catalog not found"),
        (["recommend", "--catalog", str(DEMO_CATALOG)], "empty query"),
        (["recommend", "--catalog", str(DEMO_CATALOG), "--turn", "   "], "empty query"),
        (["recommend", "--catalog", str(DEMO_CATALOG), "--image", str(DATA / "not_an_image.png")], "not an image"),
        (["recommend", "--catalog", str(DEMO_CATALOG), "--turn", "x", "--k", "0"], "--k"),
        (["eval", "--catalog", str(DEMO_CATALOG), "--queries", "missing.jsonl"], "queries file not found"),
        (["index", "--catalog", str(DEMO_CATALOG), "--encoder", "clip-please"], "unknown encoder"),
        (["frobnicate"], "invalid choice"),
        (["feedback", "stats", "--db", "mysql://u@127.0.0.1/labels"], "unsupported label store URL scheme mysql://"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(mmcrec, args, message):
    p = mmcrec(*args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    last = p.stderr.strip().splitlines()[-1]
    assert message in last and "Traceback" not in p.stderr


def test_malformed_catalog_rows_are_listed_and_the_rest_loads(mmcrec, tmp_path):
    p = mmcrec("recommend", "--catalog", str(DATA / "catalog_bad.csv"), "--turn", "anything nice", "--json",
               env={"MMCREC_CACHE_DIR": str(tmp_path)})
    assert p.returncode == 0, p.stderr
    for row in (2, 3, 4, 5, 6):
        assert f"row {row}" in p.stderr
    assert len(json.loads(p.stdout)["items"]) == 3


def test_index_shows_progress_and_writes_the_cache(mmcrec, tmp_path):
    p = mmcrec("index", "--catalog", str(DATA / "catalog_bad.csv"), env={"MMCREC_CACHE_DIR": str(tmp_path)})
    assert p.returncode == 0, p.stderr
    assert "item" in p.stderr and "%" in p.stderr  # tqdm bar
    assert "3 embedded" in p.stdout
    assert list(tmp_path.rglob("shard-*.npz"))
    again = mmcrec("index", "--catalog", str(DATA / "catalog_bad.csv"), env={"MMCREC_CACHE_DIR": str(tmp_path)})
    assert "0 embedded, 3 reused" in again.stdout


def test_models_list_promote_rollback(mmcrec, tmp_path):
    from mmcrec.model import Model, ModelParams

    out = str(tmp_path / "models")
    for v in ("v1", "v2"):
        Model(ModelParams(alpha=0.3), card={"version": v, "parent": "v0"}).save(tmp_path / "models" / v)
    p = mmcrec("models", "list", "--out", out)
    assert p.returncode == 0, p.stderr
    assert "  v1" in p.stdout and "  v2" in p.stdout and "serving: v0" in p.stdout
    p = mmcrec("models", "promote", "v2", "--out", out)
    assert p.returncode == 0 and "* v2" in p.stdout and "serving: v2" in p.stdout
    assert mmcrec("models", "promote", "v1", "--out", out).stdout.strip().endswith("serving: v1")
    p = mmcrec("models", "rollback", "--out", out)
    assert p.returncode == 0 and "serving: v2" in p.stdout
    mmcrec("models", "rollback", "--out", out)
    for args, message in ((["rollback"], "nothing to roll back"), (["promote"], "promote needs a VERSION"),
                          (["promote", "v9"], "not a model directory")):
        p = mmcrec("models", *args, "--out", out)
        assert p.returncode == 2 and message in p.stderr.strip().splitlines()[-1], p.stderr
    assert "serving: v0" in mmcrec("models", "list", "--out", out).stdout


def test_recommend_refuses_a_script_no_encoder_reads_and_answers_chinese(mmcrec):
    for extra in ([], ["--json"]):
        p = mmcrec("recommend", "--catalog", str(DEMO_CATALOG), "--turn", "मुझे लाल जूते चाहिए", *extra)
        assert p.returncode == 2 and p.stdout == ""
        (line,) = p.stderr.strip().splitlines()
        assert "Devanagari" in line and "--encoder openclip:xlm-roberta-base-ViT-B-32/laion5b_s13b_b90k" in line
    p = mmcrec("recommend", "--catalog", str(DEMO_CATALOG), "--turn", "我想要一双红色的运动鞋", "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["items"]
    p = mmcrec("recommend", "--catalog", str(DEMO_CATALOG), "--turn", "a mug for my café", "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["items"]
