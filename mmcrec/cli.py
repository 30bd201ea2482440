"""`mmcrec` command line (docs/contracts.md §5). Bad arguments or input: one line on stderr, exit 2."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DEMO_CATALOG = Path(__file__).resolve().parent.parent / "assets" / "catalog.csv"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as for bad input
        print(f"mmcrec: error: {message}", file=sys.stderr)
        sys.exit(2)


def _add_catalog(p, required=True):
    p.add_argument("--catalog", required=required, default=None if required else str(DEMO_CATALOG),
                   help="catalog file (.csv, .jsonl, .parquet)")
    p.add_argument("--encoder", default=None, help="offline | openclip:ARCH/TAG | openclip:ARCH/PATH (env MMCREC_ENCODER)")


def _slice_arg(text: str) -> tuple[int, int]:
    from .embedding_cache import parse_slice

    try:
        return parse_slice(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="mmcrec", description="Multimodal conversational recommendation")
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=_Parser)

    p = sub.add_parser("serve", help="run the Gradio app")
    _add_catalog(p, required=False)
    p.add_argument("--model", default=None, help="model directory to serve (default: newest promoted)")
    p.add_argument("--feedback-db", default=None, help="labels database (env MMCREC_FEEDBACK_DB)")
    p.add_argument("--host", default=None, help="default 127.0.0.1 or GRADIO_SERVER_NAME")
    p.add_argument("--port", type=int, default=None, help="default 7860 or GRADIO_SERVER_PORT")

    p = sub.add_parser("index", help="compute and cache item embeddings")
    _add_catalog(p)
    p.add_argument("--shard", type=_slice_arg, default=None, metavar="I/N",
                   help="embed only slice I of N (0 <= I < N) into the shared cache; "
                        "a plain `mmcrec index` afterwards completes it without re-embedding")

    p = sub.add_parser("recommend", help="one recommendation, with its explanation")
    _add_catalog(p)
    p.add_argument("--turn", action="append", default=[], help="a dialogue turn (repeat for several)")
    p.add_argument("--image", default=None, help="an image that goes with the first turn")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--alpha", type=float, default=None, help="override α (0..1)")
    p.add_argument("--model", default=None)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("eval", help="NDCG@k, Recall@k, MRR on labelled queries")
    _add_catalog(p)
    p.add_argument("--queries", required=True)
    p.add_argument("--model", default=None)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--run-out", default=None, help="write the ranked lists (run file) here")
    p.add_argument("--system", default="model", choices=["model", "semantic", "bm25", "all"],
                   help="the full model (default), a baseline, or all three side by side")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("feedback", help="labels: export, import, stats")
    fsub = p.add_subparsers(dest="fcmd", required=True, parser_class=_Parser)
    q = fsub.add_parser("export")
    q.add_argument("--db", default=None)
    q.add_argument("--format", choices=["jsonl", "csv", "parquet"], default=None)
    q.add_argument("--out", required=True)
    q = fsub.add_parser("import")
    q.add_argument("--db", default=None)
    q.add_argument("--from", dest="src", required=True)
    q = fsub.add_parser("stats")
    q.add_argument("--db", default=None)
    q.add_argument("--json", action="store_true")

    p = sub.add_parser("train", help="train the next model from labels")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--db", default=None)
    g.add_argument("--labels", default=None)
    _add_catalog(p)
    p.add_argument("--out", required=True, help="models directory (a new version is created inside)")
    p.add_argument("--queries", default=None, help="labelled queries to report on too")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default=None, help="current model (default: newest promoted in --out)")
    p.add_argument("--campaign", default=None, metavar="NAME",
                   help="also train on this campaign's graded judgements (2, 1 up, 2 above 1; 0 down) in --db")

    _add_campaign_parser(sub)

    p = sub.add_parser("models", help="model versions: list, promote, roll back")
    p.add_argument("action", choices=["list", "promote", "rollback"])
    p.add_argument("version", nargs="?", help="the version to promote (promote only)")
    p.add_argument("--out", default=None, help="models directory (default MMCREC_MODELS_DIR or <project>/models)")
    return ap


def _add_campaign_parser(sub) -> None:
    """`mmcrec campaign create|status|export` (docs/contracts.md §8)."""
    p = sub.add_parser("campaign", help="annotation campaigns: create, status, export")
    csub = p.add_subparsers(dest="ccmd", required=True, parser_class=_Parser)
    q = csub.add_parser("create", help="pool a request set and open it to annotators")
    q.add_argument("--db", default=None, help="label store (file path or postgresql:// URL)")
    _add_catalog(q)
    q.add_argument("--requests", required=True, help="JSONL of requests (docs/contracts.md §2 without relevant)")
    q.add_argument("--name", required=True)
    q.add_argument("--overlap", type=int, default=2, help="annotators per request (default 2)")
    q.add_argument("--depth", type=int, default=10, help="top items taken from each pooled system (default 10)")
    q.add_argument("--pool", default="model,semantic,bm25", help="systems pooled (default model,semantic,bm25)")
    q.add_argument("--guidelines", default=None, help="guidelines for annotators, a Markdown file")
    q.add_argument("--model", default=None, help="the model pooled as `model` (default: newest promoted)")
    q = csub.add_parser("status", help="progress, agreement, disagreements")
    q.add_argument("--db", default=None)
    q.add_argument("--name", required=True)
    q.add_argument("--json", action="store_true")
    q = csub.add_parser("export", help="judgements as labelled queries (and raw)")
    q.add_argument("--db", default=None)
    q.add_argument("--name", required=True)
    q.add_argument("--out", default=None, help="labelled queries (docs/contracts.md §2 JSONL)")
    q.add_argument("--judgements", default=None, help="raw judgements too: .jsonl or .parquet")


#: command-line options that are also settings (mmcrec/settings.py): they override the environment and mmcrec.toml
SETTING_OPTIONS = ("encoder", "host", "port", "feedback_db")


def main(argv: list[str] | None = None) -> int:
    from . import settings

    args = build_parser().parse_args(argv)
    # process-level, for Gradio itself (it reads this variable when imported): not one of mmcrec's settings
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:  # read once, before anything loads; the previous ones come back after (main() run in-process)
        before = settings.use_settings(settings.load_settings(
            overrides={k: getattr(args, k) for k in SETTING_OPTIONS if getattr(args, k, None) is not None}))
    except settings.SettingsError as e:
        print(f"mmcrec: error: {e}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.cmd](args) or 0
    except KeyboardInterrupt:
        print("mmcrec: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 — user-facing errors become one line and exit 2
        if _is_user_error(e):
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            print(f"mmcrec: error: {msg}", file=sys.stderr)
            return 2
        raise
    finally:
        settings.use_settings(before)


def _user_name() -> str:
    """Who runs this command (the campaign's creator): the login name, "" when there is none."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 — no USER/LOGNAME and no password entry (a bare container)
        return ""


def _is_user_error(e: Exception) -> bool:
    from .catalog import CatalogError
    from .evaluate import QueryFileError
    from .images import ImageError
    from .settings import SettingsError
    from .training import TrainError

    user = (UsageError, CatalogError, ImageError, QueryFileError, TrainError, FileNotFoundError, SettingsError)
    try:
        from .labels import FeedbackError

        user += (FeedbackError,)
    except ImportError:
        pass
    return isinstance(e, user) or (isinstance(e, ValueError) and "encoder" in str(e))


def _report_issues(rec) -> None:
    issues = list(rec.catalog.issues) + list(getattr(rec, "index_issues", []))
    if issues:
        print(f"{len(issues)} catalog row(s) skipped:", file=sys.stderr)
        for i in issues:
            print(f"  {i}", file=sys.stderr)


def _load(args, progress=None):
    from .recommender import load_recommender

    model_dir = getattr(args, "model", None)
    return load_recommender(args.catalog, args.encoder, model_dir, progress=progress)


def cmd_serve(args) -> int:
    from .app import serve
    from .logs import setup_logging

    setup_logging()  # one line per event with its time; MMCREC_LOG_LEVEL=DEBUG for tracebacks

    serve(catalog=args.catalog, encoder=args.encoder, model_dir=args.model, feedback_db=args.feedback_db,
          host=args.host, port=args.port)
    return 0


def cmd_index(args) -> int:
    from .catalog import load_catalog
    from .encoders import create_encoder
    from .embedding_cache import build_index, index_slice, tqdm_progress

    cat = load_catalog(args.catalog)
    enc = create_encoder(args.encoder)
    print(f"encoder {enc.name} ({enc.reason})", file=sys.stderr)
    if args.shard:
        part, parts = args.shard
        s, index_issues = index_slice(cat, enc, part, parts, progress=tqdm_progress(f"slice {part}/{parts}"))
        what = f"slice {part}/{parts}: {s['items']} of {len(cat)} items"
    else:
        ix = build_index(cat, enc, progress=tqdm_progress())
        s, index_issues = ix.stats, ix.issues
        what = f"{s['items']} items"
    for i in cat.issues + index_issues:
        print(f"  skipped {i}", file=sys.stderr)
    print(f"indexed {what} with {enc.name}: {s['embedded']} embedded, {s['reused']} reused "
          f"from cache, {s['seconds']:.1f}s; cache: {s.get('cache_dir', '-')}")
    return 0


def cmd_recommend(args) -> int:
    from .dialogue import DialogueState, Turn
    from .encoders import resolve_encoder
    from .images import open_image
    from .language import unreadable_note
    from .reply import plain_reply

    turns = [t for t in args.turn]
    if not any(t.strip() for t in turns) and not args.image:
        raise UsageError("empty query: give at least one --turn with text, or an --image")
    if args.k < 1:
        raise UsageError("--k must be at least 1")
    if args.alpha is not None and not 0 <= args.alpha <= 1:
        raise UsageError("--alpha must be between 0 and 1")
    encoder, _ = resolve_encoder(args.encoder)
    for j, text in enumerate(turns):  # before loading anything: picks for unreadable text are guesses
        note = unreadable_note(text, encoder)
        if note is not None:
            raise UsageError(note if len(turns) == 1 else f"turn {j + 1}: {note}")
    img = open_image(args.image) if args.image else None
    rec = _load(args)
    _report_issues(rec)
    state = DialogueState()
    if not turns:
        turns = [""]
    result = None
    for j, text in enumerate(turns):
        state.shown_prices = [it["price"] for it in (result.items[:5] if result else []) if it["price"] is not None]
        state.add(Turn(text, img if j == 0 else None), rec.vocab)
        result = rec.recommend(state, k=args.k, alpha=args.alpha)
    if args.json:
        out = result.to_json()
        for it in out["items"]:
            it.pop("image", None)
            it.pop("description", None)
        print(json.dumps(out, indent=2))
        return 0
    print(plain_reply(result, state, rec.vocab.categories, rec.vocab.currency))
    print()
    print(f"model {result.model_version}  α = {result.alpha:.2f}  modality: image {result.modality_weights['image']:.0%}"
          f" / text {result.modality_weights['text']:.0%}")
    print("turn attention: " + "  ".join(f"[{j + 1}] {a:.0%}" for j, a in enumerate(result.turn_attention)))
    print(f"{'#':>2}  {'item':<10} {'title':<34} {'price':>8} {'score':>7} {'α·m_r':>7} {'(1-α)·m_c':>9}")
    for r, it in enumerate(result.items, start=1):
        price = f"{it['price']:.2f}" if it["price"] is not None else "-"
        print(f"{r:>2}  {it['item_id']:<10} {it['title'][:34]:<34} {price:>8} {it['score'] * 100:7.3f} "
              f"{it['alpha_contribution']['m_r'] * 100:7.3f} {it['alpha_contribution']['m_c'] * 100:9.3f}")
    return 0


def cmd_eval(args) -> int:
    from .evaluate import BM25System, ModelSystem, SemanticSystem, evaluate, format_table, load_queries, write_run

    if args.k < 1:
        raise UsageError("--k must be at least 1")
    queries = load_queries(args.queries)
    rec = _load(args)
    _report_issues(rec)
    systems = {
        "model": lambda: ModelSystem(rec),
        "semantic": lambda: SemanticSystem(rec.catalog, rec.index, rec.encoder),
        "bm25": lambda: BM25System(rec.catalog),
    }
    names = ["model", "semantic", "bm25"] if args.system == "all" else [args.system]
    results = [evaluate(systems[n](), queries, k=args.k) for n in names]
    if args.run_out:
        write_run(results[0]["runs"], args.run_out)
    if args.json:
        out = [{k: v for k, v in r.items() if k not in ("runs",)} for r in results]
        print(json.dumps(out[0] if len(out) == 1 else out, indent=2))
    else:
        print(format_table(results))
        for r in results:
            print(f"{r['system']}: latency per query p50 {r['latency_ms']['p50']:.1f} ms, p95 {r['latency_ms']['p95']:.1f} ms")
    return 0


def cmd_feedback(args) -> int:
    from .labels import open_store

    store = open_store(args.db)
    try:
        if args.fcmd == "export":
            n = store.export(args.out, args.format)
            print(f"exported {n} labels to {args.out}")
        elif args.fcmd == "import":
            if not Path(args.src).is_file():
                raise UsageError(f"labels file not found: {args.src}")
            added, updated, skipped = store.import_file(args.src)
            print(f"imported {added} new, {updated} updated, {skipped} unchanged")
        else:
            s = store.stats()
            if args.json:
                print(json.dumps(s, indent=2))
            else:
                print(f"{s['total']} labels: " + ", ".join(f"{k}: {v}" for k, v in s["by_label"].items()))
                for a, n in s["by_annotator"].items():
                    print(f"  {a}: {n}")
                print(f"agreement: {json.dumps(s['agreement'])}")
    finally:
        store.close()
    return 0


def cmd_train(args) -> int:
    from .model import Model
    from .recommender import load_recommender
    from .registry import Registry
    from .training import precheck, read_labels, train_next

    if args.campaign and not args.db:
        raise UsageError("--campaign reads the judgements from the label store: give --db")
    labels, tmp = read_labels(args.db, args.labels)
    if args.campaign:
        from .training import campaign_labels

        labels = labels + campaign_labels(args.db, args.campaign)
    try:
        precheck(labels)
        current = Model.load(args.model) if args.model else None
        queries = None
        if args.queries:
            from .evaluate import load_queries

            queries = load_queries(args.queries)
        rec = load_recommender(args.catalog, args.encoder)  # --model is what the new one is compared with

        def progress(frac: float, msg: str) -> None:
            if frac in (0.02, 0.08, 0.85, 0.9, 1.0):  # the stages, not every epoch
                print(f"[{frac:4.0%}] {msg}", flush=True)

        res = train_next(labels, rec.catalog, rec, Registry(args.out), seed=args.seed, progress=progress,
                         queries=queries, current=current)
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(res.table)
    print(f"saved {res.model_dir}")
    if res.promotable:
        print(f"promote it with: mmcrec models promote {res.version} --out {args.out}")
    return 0


def cmd_campaign(args) -> int:
    from .labels import open_store
    from .labels.campaigns import Campaigns

    if args.ccmd == "create":
        if args.overlap < 1 or args.depth < 1:
            raise UsageError("--overlap and --depth must be at least 1")
        if not Path(args.requests).is_file():
            raise UsageError(f"requests file not found: {args.requests}")
        guidelines = ""
        if args.guidelines:
            try:
                guidelines = Path(args.guidelines).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise UsageError(f"cannot read guidelines {args.guidelines}: {e}") from None
    store = open_store(args.db, create=args.ccmd == "create", sync_repo="")
    try:
        campaigns = Campaigns(store)
        if args.ccmd == "create":
            from .pooling import create_campaign, parse_pool
            from .recommender import load_recommender
            from .registry import resolve_model_dir

            parse_pool(args.pool)
            if campaigns.campaign(args.name.strip()) is not None:  # before any model loads
                raise UsageError(f"campaign {args.name.strip()!r} already exists")
            rec = load_recommender(args.catalog, args.encoder, resolve_model_dir(explicit=args.model))
            _report_issues(rec)
            c = create_campaign(store, rec, args.name, args.requests, overlap=args.overlap, depth=args.depth,
                                pool=args.pool, guidelines=guidelines, created_by=_user_name())
            reqs = campaigns.requests(c.name)
            print(f"created campaign {c.name!r}: {len(reqs)} requests, "
                  f"{sum(len(r.items) for r in reqs)} items to judge, overlap {c.overlap}, "
                  f"pool {'+'.join(c.pool)} at depth {c.depth}")
        elif args.ccmd == "status":
            st = campaigns.status(args.name)
            if args.json:
                print(json.dumps(st, indent=2, ensure_ascii=False))
            else:
                a = st["agreement"]
                print(f"{st['campaign']}: {st['complete']}/{st['requests']} requests complete "
                      f"(overlap {st['overlap']}), {st['judgements']} judgements")
                for name, row in st["annotators"].items():
                    ms = "-" if row["median_ms"] is None else f"{row['median_ms'] / 1000:.1f}s"
                    print(f"  {name}: {row['judgements']} judgements, {row['requests_done']} requests done, "
                          f"{row['skipped']} skipped, median {ms} per judgement")
                print(f"agreement: Krippendorff's alpha (ordinal) {a['krippendorff_alpha_ordinal']} "
                      f"over {a['items_overlapping']} items; {len(st['disagreements'])} disagreements")
        else:
            if not args.out and not args.judgements:
                raise UsageError("give --out (labelled queries) and/or --judgements (raw)")
            campaigns.get(args.name)
            if args.out:
                n = campaigns.export_queries(args.name, args.out)
                print(f"exported {n} labelled queries to {args.out}")
            if args.judgements:
                n = campaigns.export_judgements(args.name, args.judgements)
                print(f"exported {n} judgements to {args.judgements}")
    finally:
        store.close()
    return 0


def cmd_models(args) -> int:
    """`mmcrec models list|promote VERSION|rollback [--out DIR]`: the registry by hand."""
    from .registry import Registry

    reg = Registry(args.out)
    try:
        if args.action == "promote":
            if not args.version:
                raise UsageError("promote needs a VERSION")
            reg.promote(args.version)
        elif args.action == "rollback":
            reg.rollback()
    except ValueError as e:  # RegistryError, or a version directory that does not load
        raise UsageError(str(e).splitlines()[0]) from e
    fmt = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
    for row in reg.metrics_by_version():
        mark = "*" if row["version"] == reg.current() else " "
        print(f"{mark} {row['version']:<5} parent {row['parent'] or '-':<5} NDCG@10 {fmt(row['ndcg'])} "
              f"(parent {fmt(row['parent_ndcg'])}) AUC {fmt(row['auc'])} MRR {fmt(row['mrr'])} "
              f"promotable={row['promotable']} {row['created_at'] or ''}")
    print(f"serving: {reg.current() or 'v0 (built-in defaults)'}")
    return 0


COMMANDS = {
    "serve": cmd_serve,
    "index": cmd_index,
    "recommend": cmd_recommend,
    "eval": cmd_eval,
    "feedback": cmd_feedback,
    "train": cmd_train,
    "models": cmd_models,
    "campaign": cmd_campaign,
}

if __name__ == "__main__":
    sys.exit(main())
