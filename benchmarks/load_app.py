"""Load test: the real app, N concurrent gradio_client users doing realistic sessions.

    python benchmarks/load_app.py [--users 1 10 50] [--out benchmarks/results/load.md]

Starts the app as `mmcrec serve` builds it (mmcrec.app.create_app, demo catalog, offline encoder, a
fresh label store in a temp folder) on a free loopback port. Each user, with its own client and
annotator name: a text turn, a refining text turn, a photo upload (tests/data/query_images) with
words, an α change (/rerank), and three thumbs (/feedback) on what it was shown. Reports throughput
and p50/p95 latency per action for each N, errors, and checks that the store holds exactly the
labels sent. Targets: 50 users, no errors, p95 < 2 s for text turns, no label lost.
"""
from __future__ import annotations

import argparse
import random
import concurrent.futures as cf
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

DEMO = ROOT / "assets" / "catalog.csv"
PHOTOS = sorted(p for p in (ROOT / "tests" / "data" / "query_images").iterdir() if p.suffix == ".png")
ASKS = [("running shoes", "under $80"), ("a warm coat for winter", "in brown"), ("headphones for the train", "cheaper"),
        ("something for the kitchen", "not black"), ("a gift for my sister", "something to wear, under $40")]
CHAT_OUT = ["message", "chatbot", "gallery", "plot_turns", "plot_alpha", "plot_modality", "plot_items",
            "explanation", "selected", "status", "header"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(tmp: Path, port: int) -> subprocess.Popen:
    """The app in its own process, as deployed (`mmcrec serve`): the clients must not share its GIL."""
    env = dict(os.environ, MMCREC_FEEDBACK_DB=str(tmp / "labels.sqlite"), PYTHONUNBUFFERED="1")
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "mmcrec", "serve", "--catalog", str(DEMO), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"the app exited: see {tmp / 'server.log'}\n" + (tmp / "server.log").read_text()[-3000:])
        try:
            urllib.request.urlopen(url + "config", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the app did not come up in 300 s")


def stored_labels(db: Path) -> int:
    from mmcrec.labels import open_store

    return open_store(db).count()  # WAL: reading beside the running app is safe


# One TLS context for every client: gradio_client otherwise builds one per HTTP request (~30 ms of
# CPU each, a third of the load generator's time), which on a shared 2-core machine slows the app.
SSL = ssl.create_default_context()


def session(url: str, u: int, tag: str, rec: dict, lock: threading.Lock, think: tuple[float, float] = (0, 0)) -> int:
    """One user's session; returns the number of thumbs the app confirmed. `think`: the range of a
    user's pause (seconds) before typing a turn; pauses before α changes and thumbs are a third of it."""
    from gradio_client import Client, handle_file

    rng = random.Random(u)

    def pause(scale: float = 1.0) -> None:
        if think[1] > 0:
            time.sleep(scale * rng.uniform(*think))

    def timed(action: str, fn):
        t0 = time.perf_counter()
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 - counted, reported
            with lock:
                rec.setdefault("errors", []).append(f"{action}: {type(e).__name__}: {e}")
            raise
        with lock:
            rec.setdefault(action, []).append(time.perf_counter() - t0)
        return out

    c = timed("connect", lambda: Client(url, verbose=False, download_files=False, ssl_verify=SSL))
    first, second = ASKS[u % len(ASKS)]
    chat = lambda text, hist, files=(): dict(zip(CHAT_OUT, c.predict(  # noqa: E731
        {"text": text, "files": [handle_file(str(f)) for f in files]}, hist, api_name="/chat")))
    pause()
    v = timed("text turn", lambda: chat(first, []))
    pause()
    v = timed("text turn", lambda: chat(second, v["chatbot"]))
    shown = [it["item_id"] for it in v["explanation"]["items"]]
    photo = PHOTOS[u % len(PHOTOS)]
    pause()
    v = timed("photo turn", lambda: chat("like this", v["chatbot"], [photo]))
    shown += [it["item_id"] for it in v["explanation"]["items"]]
    pause(1 / 3)
    timed("α change", lambda: c.predict(0.2 + 0.6 * (u % 5) / 4, api_name="/rerank"))
    sent = 0
    for j, item in enumerate(dict.fromkeys(shown).keys()):
        if j == 3:
            break
        pause(1 / 3)
        stored = timed("thumbs", lambda: c.predict("item", item, 1 if (u + j) % 3 else -1, f"{tag}-u{u:02d}",
                                                   api_name="/feedback")[0])
        sent += int(bool(stored.get("label_id")))
    return sent


def run(url: str, db: Path, n: int, think: tuple[float, float]) -> dict:
    rec: dict = {}
    lock = threading.Lock()
    before = stored_labels(db)
    t0 = time.perf_counter()
    confirmed = 0
    attempted = 3 * n
    with cf.ThreadPoolExecutor(n) as pool:
        futs = [pool.submit(session, url, u, f"n{n}", rec, lock, think) for u in range(n)]
        for f in futs:
            try:
                confirmed += f.result()
            except Exception:  # noqa: BLE001 - already in rec["errors"], with the action it failed on
                rec["sessions failed"] = rec.get("sessions failed", 0) + 1
    wall = time.perf_counter() - t0
    stored = stored_labels(db) - before
    return {"n": n, "wall": wall, "rec": rec, "confirmed": confirmed, "stored": stored, "attempted": attempted}


def pct(x, q):
    x = sorted(x)
    return x[min(len(x) - 1, int(q * len(x)))]


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    if pid is None:
        return None
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def table(results: list[dict]) -> str:
    lines = ["| users | action | requests | p50 s | p95 s | max s |", "|---|---|---|---|---|---|"]
    for r in results:
        for action in ("connect", "text turn", "photo turn", "α change", "thumbs"):
            ts = r["rec"].get(action, [])
            if ts:
                lines.append(f"| {r['n']} | {action} | {len(ts)} | {statistics.median(ts):.2f} | {pct(ts, .95):.2f} | "
                             f"{max(ts):.2f} |")
    lines += ["", "| users | wall s | requests/s | app CPU ms/request | errors | thumbs sent | labels stored |",
              "|---|---|---|---|---|---|---|"]
    for r in results:
        nreq = sum(len(v) for k, v in r["rec"].items() if k not in ("errors", "sessions failed", "connect"))
        errs = len(r["rec"].get("errors", []))
        cpu = f"{1000 * r['app_cpu'] / (nreq + r['n']):.0f}" if r.get("app_cpu") is not None else "-"
        lines.append(f"| {r['n']} | {r['wall']:.1f} | {nreq / r['wall']:.1f} | {cpu} | {errs} | "
                     f"{r['confirmed']} | {r['stored']} |")
    lines.append("\n(app CPU: the app process's CPU time over the run divided by its requests, idle work such as "
                 "heartbeats included — which dominates the paced single-user run)")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="*", default=[1, 10, 50])
    ap.add_argument("--think", type=float, nargs=2, default=[3.0, 8.0], metavar=("MIN", "MAX"),
                    help="seconds a user pauses before typing a turn (a third of that before α changes and thumbs)")
    ap.add_argument("--stress-users", type=int, nargs="*", default=[10, 50],
                    help="then these N again with no pauses at all (the app's saturation point)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--url", default=None, help="drive an app already running here instead of starting one")
    ap.add_argument("--db", default=None, help="with --url: that app's label store (to count stored labels)")
    args = ap.parse_args()
    think = tuple(args.think)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.url:
            url, db, proc = args.url, Path(args.db), None
        else:
            port = free_port()
            proc, url, db = start_app(tmp, port), f"http://127.0.0.1:{port}/", tmp / "labels.sqlite"
        pid = proc.pid if proc is not None else None
        try:
            session(url, 0, "warmup", {}, threading.Lock())  # first-request costs (model warm-up) not counted
            paced, stress = [], []
            for runs, ns, th in ((paced, args.users, think), (stress, args.stress_users, (0.0, 0.0))):
                for n in ns:
                    c0 = cpu_seconds(pid)
                    r = run(url, db, n, th)
                    c1 = cpu_seconds(pid)
                    r["app_cpu"] = None if c0 is None or c1 is None else c1 - c0
                    runs.append(r)
                    print(f"N={n} think={th}: {r['wall']:.1f} s", file=sys.stderr, flush=True)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(30)
    head = (f"## Load test: the app with N concurrent gradio_client users ({os.cpu_count()} CPUs shared by the app and "
            f"all the clients, offline encoder, demo catalog, queue concurrency 4)\n\n"
            f"Session per user: 2 text turns, a photo upload with words, an α change, 3 thumbs (distinct annotator "
            f"names). All users start at once. Latency is per request as the client sees it, queueing included. "
            f"The app runs in its own process (`mmcrec serve`), as deployed.\n\n")
    text = (f"### Paced as people use it: {think[0]:g}–{think[1]:g} s before each turn (reading, typing), "
            f"a third of that before an α change or a thumb\n\n" + table(paced))
    if stress:
        text += ("\n\n### No pauses at all (every user fires its next request the moment the last one returns): "
                 "the saturation point\n\n" + table(stress))
    print(head + text)
    bad = []
    for r in paced + stress:
        errs = r["rec"].get("errors", [])
        for e in dict.fromkeys(errs):
            bad.append(f"- N={r['n']}: {errs.count(e)}× {e}")
        if r["stored"] != r["confirmed"] or r["confirmed"] != r["attempted"]:
            bad.append(f"- N={r['n']}: {r['attempted']} thumbs attempted, {r['confirmed']} confirmed, {r['stored']} stored")
    if bad:
        print("\nProblems:\n" + "\n".join(bad))
    if args.out:
        Path(args.out).write_text(head + text + ("\n\nProblems:\n" + "\n".join(bad) if bad else
                                                 "\n\nNo errors; every thumb sent is in the store.") + "\n")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
