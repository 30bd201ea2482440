"""The README's code runs as written, from the repo root, with files the repo ships.

Every ```python block is executed against the real app started on a free loopback port. The
blocks address the app as "http://127.0.0.1:7860/" (its default address); that string, and only
that, is replaced by the test app's address. The `mmcrec recommend` examples of the command-line
section run as written (the `mmcrec` entry point, `mmcrec.cli.main`, in this process).
tests/test_docs_blocks.py runs every block of the README and docs/ in order on a fresh checkout
(the campaign example, which judges campaign 'winter', is in docs/campaigns.md now)."""
from __future__ import annotations

import re
import shlex

from app_support import ROOT, launch, make_ctx

README = ROOT / "README.md"
README_URL = "http://127.0.0.1:7860/"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_readme_python_blocks_run_against_the_app(demo_rec, tmp_path, monkeypatch, capsys):
    code = blocks("python")
    assert code, "the README has no python block"
    ctx = make_ctx(demo_rec, tmp_path)  # what `python app.py` serves: no login, MMCREC_ADMINS unset
    demo, url = launch(ctx)
    monkeypatch.chdir(ROOT)
    try:
        for i, block in enumerate(code, start=1):
            assert README_URL in block or "Client(" not in block, f"block {i} talks to another address"
            exec(compile(block.replace(README_URL, url), f"README.md python block {i}", "exec"), {"__name__": "readme"})
    finally:
        demo.close()
    assert ctx.store.count() >= 1  # the blocks' thumbs reached the label store


def test_readme_recommend_examples_run_as_written(monkeypatch, capsys):
    from mmcrec.cli import main

    lines = [ln for b in blocks("bash") for ln in b.splitlines() if ln.startswith("mmcrec recommend ")]
    assert lines
    monkeypatch.chdir(ROOT)
    for ln in lines:
        assert main(shlex.split(ln)[1:]) == 0, (ln, capsys.readouterr().err)
