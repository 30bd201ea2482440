"""Property-based fuzzing of the whole API surface, in the spirit of schemathesis: every event the
page wires (named endpoints and hidden ones alike, found in /config as a client finds them) is
called through the queue with hostile values built by hypothesis. Whatever comes in:

- no answer carries Python's own words or a server path in its error;
- the app still answers a normal chat correctly afterwards;
- the label store holds exactly what was acknowledged, every stored label valid.

Admin actions are refused here (MMCREC_ADMINS is set and there is no login), so the fuzz never
trains a model; their role check is what it exercises."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app_support import ROOT, chat, client, hidden_event, launch, make_ctx

PYTHON_WORDS = re.compile(r"Traceback|object has no attribute|NoneType|not subscriptable|invalid literal|"
                          r"could not convert|unsupported operand|KeyError|TypeError|ValueError|IndexError|"
                          r"AttributeError|Exception|File \"")
EXAMPLES = 300  # calls; about a minute on two cores
OUTCOMES: dict = {}  # (event, answered) → calls: printed at the end, to see what the fuzz reached

HOSTILE_TEXT = ["\ud800", "a\x00b", "x" * 5000, "../../etc/passwd", "/etc/passwd", "<img src=x onerror=alert(1)>",
                "1e308", "NaN", "", " ", "ü" * 3, "🙂", "\u202e", "v999999", "winter"]
values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40), st.sampled_from(HOSTILE_TEXT),
              st.just({"path": "/etc/passwd"}), st.just({"text": "\ud800 like this", "files": ["/etc/passwd"]}),
              st.just({"text": "red running shoes", "files": []})),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)


hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=60))
hostile_number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70),
                           st.sampled_from([0, 1, -1, 0.5, 2, 1e308, -1e308]))
#: values of the right shape for each kind of input, hostile inside (what gets past Gradio's own
#: checks and reaches the handlers), or anything at all one time in five
BY_COMPONENT = {
    "textbox": hostile_text, "dropdown": hostile_text, "radio": hostile_text, "markdown": hostile_text,
    "number": hostile_number, "slider": hostile_number,
    "multimodaltextbox": st.fixed_dictionaries({"text": hostile_text, "files": st.just([])}),
    "chatbot": st.one_of(st.just([]), st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]),
                                                                     "content": hostile_text}), max_size=3)),
    "state": st.none(), "browserstate": st.one_of(st.none(), st.dictionaries(hostile_text, values, max_size=3)),
    "checkboxgroup": st.lists(hostile_text, max_size=3),
}


def argument(kind: str):
    return st.one_of(values, BY_COMPONENT[kind], BY_COMPONENT[kind], BY_COMPONENT[kind], BY_COMPONENT[kind]) \
        if kind in BY_COMPONENT else values


@pytest.fixture(scope="module")
def fuzzed(demo_rec, tmp_path_factory):
    ctx = make_ctx(demo_rec, tmp_path_factory.mktemp("fuzz"), admins=["boss"])
    demo, url = launch(ctx)
    with urllib.request.urlopen(url + "config", timeout=30) as r:
        cfg = json.load(r)
    kind = {c["id"]: c["type"] for c in cfg["components"]}
    events = [(d["id"], tuple(kind.get(i, "") for i in d["inputs"]), d.get("api_name") or "")
              for d in cfg["dependencies"] if d.get("backend_fn")]
    yield ctx, url, events, []
    demo.close()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_values_on_every_event(fuzzed, data):
    ctx, url, events, acknowledged = fuzzed
    fn, kinds, name = data.draw(st.sampled_from(events), label="event")
    args = data.draw(st.tuples(*[argument(k) for k in kinds]), label="args") if kinds else ()
    args = list(args)
    msg = hidden_event(url, fn, args)
    OUTCOMES[(name or str(fn), bool(msg.get("success")))] = OUTCOMES.get((name or str(fn), bool(msg.get("success"))), 0) + 1
    if not msg.get("success"):
        err = str((msg.get("output") or {}).get("error") or "")
        assert not PYTHON_WORDS.search(err), (name, args, err)
        assert str(ROOT) not in err and "/tmp/" not in err and "/root" not in err, (name, args, err)
    else:
        text = json.dumps(msg["output"].get("data"))
        assert "Traceback" not in text, (name, text[:300])
        if name == "feedback":
            acknowledged += [d for d in msg["output"]["data"] if isinstance(d, dict) and "label_id" in d]


def test_after_the_fuzz_the_app_answers_and_the_store_holds_what_was_acknowledged(fuzzed):
    from mmcrec.labels.schema import validate_label

    ctx, url, _events, acknowledged = fuzzed
    print("fuzz outcomes (event, answered): calls", sorted(OUTCOMES.items()))
    assert sum(n for (_e, ok), n in OUTCOMES.items() if ok) >= 10 and sum(OUTCOMES.values()) >= EXAMPLES
    v = chat(client(url), "red running shoes")
    assert any(w in it["title"].lower() for it in v["explanation"]["items"][:5] for w in ("runner", "shoe", "sneaker"))
    stored = {lab.label_id: lab for lab in ctx.store.labels()}
    for ack in acknowledged:  # every acknowledged label is there (its latest value: a later call may change it)
        assert ack["label_id"] in stored
    for lab in stored.values():
        validate_label(lab)  # whatever came in, what is kept is valid
