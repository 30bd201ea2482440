"""Every python and shell block of the README and the docs runs as written, in order, on a fresh
checkout — or says why not.

A block that is not meant to run (a GPU, a Space, a server of your own, a long install) is marked
by an HTML comment on the lines just before its fence: `<!-- not run: the reason -->`. Every other
```bash block must be `mmcrec ...` commands (a trailing `\\` continues a line, `#` starts a
comment), run through `mmcrec.cli.main` in this process; every other ```python block must be in a
file whose blocks run against the live app (LIVE below), started on a free loopback port with its
label store at `feedback/labels.sqlite` of the working folder. The blocks address the app as
"http://127.0.0.1:7860/"; that string, and only that, is replaced by the test app's address.

Each file runs in its own empty temporary folder holding links to the repo's `assets/`,
`examples/` and `tests/` (what the blocks read), so what they write (`feedback/`, `models/`,
exports) lands there, and one file's blocks see what its earlier blocks wrote."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from app_support import ROOT, launch, make_ctx

DOC_URL = "http://127.0.0.1:7860/"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md",
        ROOT / "examples" / "README.md"]
#: files whose python blocks run against the live app, in order with their shell blocks
LIVE = {"README.md", "docs/api.md", "docs/campaigns.md"}
RUNNABLE = {"python", "bash", "sh", "shell", "console"}
LINKED = ("assets", "examples", "tests")  # what the blocks read, relative to the repo root

FENCE = re.compile(r"(?:<!--\s*not run:(?P<why>[^>]*?)-->[ \t]*\n(?:[ \t]*\n)*)?^```(?P<lang>[\w+-]*)[ \t]*\n"
                   r"(?P<body>.*?)^```[ \t]*$", flags=re.S | re.M)


@dataclass
class Block:
    file: str  # relative to the repo root
    n: int  # 1-based among the file's fenced blocks
    lang: str
    body: str
    why: str | None  # the reason it is not run, or None

    @property
    def id(self) -> str:
        return f"{self.file}#{self.n}:{self.lang}"


def doc_blocks(path: Path) -> list[Block]:
    rel = path.relative_to(ROOT).as_posix()
    text = path.read_text(encoding="utf-8")
    return [Block(rel, i, m["lang"], m["body"], None if m["why"] is None else m["why"].strip())
            for i, m in enumerate(FENCE.finditer(text), start=1)]


def all_blocks() -> list[Block]:
    return [b for p in DOCS if p.exists() for b in doc_blocks(p) if b.lang in RUNNABLE]


def commands(body: str) -> list[str]:
    """A shell block's commands: continuation lines joined, comments and blank lines dropped."""
    out, cur = [], ""
    for line in body.splitlines():
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        if cur.strip() and not cur.strip().startswith("#"):
            out.append(cur.strip())
        cur = ""
    return out


NOT_RUN = [b for b in all_blocks() if b.why is not None]
RUN = [b for b in all_blocks() if b.why is None]


def test_the_docs_have_blocks_that_run():
    assert any(b.file == "README.md" and b.lang == "python" for b in RUN)
    assert {b.file for b in RUN} >= LIVE


@pytest.mark.parametrize("block", NOT_RUN, ids=[b.id for b in NOT_RUN])
def test_a_block_not_run_says_why(block):
    assert len(block.why) >= 10, f"{block.id}: `<!-- not run: ... -->` without a reason"


@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
def test_a_block_without_a_reason_is_one_the_test_runs(block):
    if block.lang == "python":
        assert block.file in LIVE, f"{block.id}: a python block in a file whose blocks are not run; mark it not run"
        assert DOC_URL in block.body or "Client(" not in block.body, f"{block.id} talks to another address"
    else:
        assert block.lang == "bash", f"{block.id}: say ```bash, or mark it not run"
        for cmd in commands(block.body):
            assert cmd.startswith("mmcrec "), f"{block.id}: {cmd!r} is not an mmcrec command; mark the block not run"
            shlex.split(cmd, comments=True)  # parses


def run_file(rel: str, demo_rec, work: Path, monkeypatch, capsys):
    """Runs the file's blocks in order in `work`; returns the app's context when it started one."""
    from mmcrec.cli import main

    for name in LINKED:
        (work / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(work)
    monkeypatch.setenv("MMCREC_DATA_DIR", str(work))
    monkeypatch.setenv("MMCREC_MODELS_DIR", str(work / "models"))
    blocks = [b for b in RUN if b.file == rel]
    assert blocks
    ctx = demo = url = None
    if any(b.lang == "python" for b in blocks):
        ctx = make_ctx(demo_rec, work, feedback_db=work / "feedback" / "labels.sqlite")
        demo, url = launch(ctx)
    try:
        for b in blocks:
            if b.lang == "python":
                exec(compile(b.body.replace(DOC_URL, url), b.id, "exec"), {"__name__": "docs"})
                continue
            for cmd in commands(b.body):
                rc = main(shlex.split(cmd, comments=True)[1:])
                assert rc == 0, (b.id, cmd, capsys.readouterr().err)
    finally:
        if demo is not None:
            demo.close()
    return ctx


FILES_THAT_RUN = sorted({b.file for b in RUN})


@pytest.mark.slow
@pytest.mark.parametrize("rel", FILES_THAT_RUN)
def test_a_files_blocks_run_in_order_on_a_fresh_checkout(rel, demo_rec, tmp_path, monkeypatch, capsys):
    ctx = run_file(rel, demo_rec, tmp_path, monkeypatch, capsys)
    if rel == "docs/campaigns.md":
        from mmcrec.labels.campaigns import Campaigns

        requests = (ROOT / "examples" / "campaign" / "requests.jsonl").read_text().splitlines()
        st = Campaigns(ctx.store).status("winter")
        assert st["complete"] == len(requests) and set(st["by_annotator"]) == {"Ada", "Bo"}
        assert (tmp_path / "winter.jsonl").exists() and (tmp_path / "models" / "v1").is_dir()
    if rel == "README.md":
        assert ctx.store.count() >= 108  # the block's thumbs and the example labels
        assert (tmp_path / "models" / "v1").is_dir()
    if rel == "docs/training.md":
        assert (tmp_path / "models" / "v2").is_dir()
