"""The app's API surface does not change by accident: every event a client can call by name (the
ones /config does not mark private), with its api_name and the component types it takes and
returns, equals tests/data/api_surface.json. A refactor of the page keeps it as it is; a change
meant to alter the API rewrites the file on purpose:

    python tests/test_api_surface.py        # from the repo root: writes tests/data/api_surface.json
"""
from __future__ import annotations

import json
import sys
import typing
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SURFACE = TESTS / "data" / "api_surface.json"


def api_surface(demo) -> list[dict]:
    """The callable events of a built page, sorted by api_name: what gradio_client and
    /gradio_api/call/<name> see (hidden events are the page's own business)."""
    config = demo.config
    kind = {c["id"]: c["type"] for c in config["components"]}
    events = [{"api_name": d["api_name"], "visibility": d["api_visibility"],
               "inputs": [kind[i] for i in d["inputs"]], "outputs": [kind[o] for o in d["outputs"]]}
              for d in config["dependencies"] if d.get("api_visibility") != "private"]
    return sorted(events, key=lambda e: e["api_name"])


def built_page(rec, folder: Path):
    from app_support import make_ctx

    from mmcrec.app import with_queue
    from mmcrec.app.layout import build_app

    return with_queue(build_app(make_ctx(rec, folder)))


@pytest.fixture(scope="module")
def page(demo_rec, tmp_path_factory):
    return built_page(demo_rec, tmp_path_factory.mktemp("surface"))


def test_api_surface_is_the_recorded_one(page):
    surface = api_surface(page)
    names = [e["api_name"] for e in surface]
    assert len(names) == len(set(names)), names  # one event per name
    recorded = json.loads(SURFACE.read_text(encoding="utf-8"))
    assert surface == recorded, ("the API surface changed; if on purpose, run python tests/test_api_surface.py "
                                 "and commit tests/data/api_surface.json")


def test_every_handler_has_type_hints_gradio_can_read(page):
    """Gradio passes gr.Request, gr.OAuthProfile, gr.SelectData… to a handler by its type hints; a
    hint it cannot resolve (a name missing from the handler's module, with `from __future__ import
    annotations`) makes it pass none of them, silently: every handler's hints must resolve."""
    handlers = [f.fn for f in page.fns.values() if f.fn is not None]
    assert len(handlers) > 40
    for fn in handlers:
        typing.get_type_hints(fn)  # NameError names the culprit


def test_every_handler_is_guarded(page):
    """Every handler goes through boundary.guarded (a failure answers one clear line), but Gradio's
    own example loader and the α slider's starting value (a value function Gradio calls on load)."""
    from mmcrec.app.boundary import guarded

    wrapper = guarded(lambda: None).__code__  # what every guarded handler runs
    unguarded = sorted(f.name for f in page.fns.values() if f.fn is not None and f.fn.__code__ is not wrapper)
    assert unguarded == ["load_example", "served_alpha"], unguarded


def test_the_readme_names_are_in_the_surface():
    """The stable names the README promises (layout.py's docstring lists them too)."""
    recorded = {e["api_name"] for e in json.loads(SURFACE.read_text(encoding="utf-8"))}
    stable = {"chat", "rerank", "reset", "explanation", "feedback", "my_ratings", "label_stats", "export_labels",
              "train_model", "promote_model", "rollback_model", "model_versions", "compare_start", "compare_stop",
              "compare_status", "campaign_next", "campaign_judge"}
    assert stable <= recorded, stable - recorded


if __name__ == "__main__":  # rewrite the recorded surface from the code as it is now
    import tempfile

    sys.path[:0] = [str(TESTS.parent), str(TESTS)]  # this checkout's mmcrec, whatever is installed
    from app_support import DEMO_CATALOG

    from mmcrec.recommender import load_recommender

    with tempfile.TemporaryDirectory() as folder:
        surface = api_surface(built_page(load_recommender(DEMO_CATALOG, "offline"), Path(folder)))
    SURFACE.write_text(json.dumps(surface, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(surface)} events to {SURFACE}")
