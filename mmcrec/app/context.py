"""What all browser sessions share: the recommender (loaded once, in the background), the served
model, the label store, and the folders the app serves (thumbnails, uploads)."""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..reply import ReplyPhraser
from .config import AppConfig, cache_root
from . import identity
from .identity import Access
from .text import md_escape

logger = logging.getLogger(__name__)

THUMB_SIZE = 320


class LoadCancelled(Exception):
    """The app closed while the recommender was still loading."""


class RecommenderLoader:
    """Loads the Recommender once, in a background thread, and reports progress.

    The thread is not a daemon: Python ends daemon threads at exit wherever they are, and one
    ended inside torch's C++ code aborts the process ("terminate called without an active
    exception"). So exit waits for loading, and `close()` cancels it at its next progress step.
    """

    def __init__(self, load: Callable[[Callable[[int, int], None]], Any]):
        self.done, self.total = 0, 0
        self.error: BaseException | None = None
        self.value = None
        self._ready = threading.Event()
        self._cancel = threading.Event()
        self._load = load
        self._thread = threading.Thread(target=self._run, name="mmcrec-load")
        self._thread.start()

    def _progress(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise LoadCancelled("the app closed while the catalog was being indexed")
        self.done, self.total = int(done), int(total)

    def _run(self) -> None:
        try:
            self.value = self._load(self._progress)
        except BaseException as e:  # noqa: BLE001 — reported to every caller
            if not isinstance(e, LoadCancelled):
                logger.exception("loading the recommender failed")
            self.error = e
        finally:
            self._ready.set()

    def close(self, timeout: float | None = None) -> None:
        """Cancel loading (at its next progress step) and wait for the thread."""
        self._cancel.set()
        self._thread.join(timeout)

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
    """An explicit model directory, else the newest promoted version (mmcrec.registry,
    MMCREC_MODELS_DIR or <data root>/models), else None: the built-in defaults (v0)."""
    from ..registry import resolve_model_dir

    return resolve_model_dir(models_root, explicit=explicit)


def warm_up(rec) -> None:
    """Run the encoders once and embed the catalog's kinds, so the first shopper does not pay for
    lazy set-up (the image encoder builds its class-name bridge on first use; a big catalog's
    kinds take seconds)."""
    from PIL import Image

    try:
        rec.encoder.encode_text(["warm up"])
        rec.encoder.encode_image([Image.new("RGB", (64, 64), (200, 200, 200))])
        rec.kinds
        from ..multilingual import available

        if available():  # the multilingual encoder and the catalog in its space: a second or two
            rec.turns.crosslingual.bridge(["热身"], rec.index.text)
            rec.kinds.ml_vectors  # the kinds in its space, for reading a turn in another language
    except Exception:  # noqa: BLE001 — warming up is an optimisation only
        logger.exception("warm-up failed")


class AppContext:
    """What all sessions share: the recommender, the feedback store, the served folders."""

    def __init__(self, config: AppConfig, recommender=None, store=None):
        from ..labels import open_store

        self.config = config
        self.root = cache_root(config.catalog)
        self.thumbs_root = self.root / "thumbs"
        self.uploads_dir = self.root / "uploads"
        self.originals_dir = self.root / "upload-originals"  # never served (allowed_paths)
        for d in (self.thumbs_root, self.uploads_dir, self.originals_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()  # the recommender's turn cache is not thread-safe
        # one model change at a time (promote, roll back, follow the registry); turns never wait on it
        self.model_lock = threading.RLock()
        self.store = store or open_store(config.feedback_db, require_annotator=True)
        # what annotators click while the label store does not answer waits here (labels/outbox.py)
        from ..labels.outbox import Outbox

        self.outbox = Outbox(self.store)
        # the registry pointer as it was when the served model was chosen (before loading, so a
        # promotion made while loading is still seen as a change)
        self._pointer = self.registry.stamp()
        if recommender is not None:
            def given(p):
                p(0, 0)
                warm_up(recommender)
                return recommender

            self.loader = RecommenderLoader(given)
        else:
            from ..recommender import load_recommender

            def load(p):
                rec = load_recommender(config.catalog, config.encoder, served_model_dir(config.model_dir, config.models_dir),
                                       progress=p)
                p(0, 0)
                warm_up(rec)
                return rec

            self.loader = RecommenderLoader(load)
        self._known_items: set[str] | None = None
        self.train_lock = threading.Lock()  # one training run at a time
        self.candidates: dict[str, Any] = {}  # version → ServedModel of a running comparison (compare.py)
        self.phraser: ReplyPhraser | None = ReplyPhraser.from_env(self.root)
        # Hugging Face sign-in on a Space; without gradio[oauth] the typed name is used instead
        self.hf_sign_in = config.on_space and identity.hf_sign_in_available()
        if config.on_space and not self.hf_sign_in:
            logger.warning("Hugging Face sign-in is off: install gradio[oauth] (authlib, itsdangerous)")

    def close(self) -> None:
        """Stop background work (loading, a reply model) and close the label store."""
        self.loader.close()
        if self.phraser is not None:
            self.phraser.close()
        self.outbox.close()
        self.store.close()

    @property
    def access(self) -> Access:
        """Who each request is and what it may do, for the current settings."""
        return Access.of(self.config, self.hf_sign_in)

    # -- the recommender and the served model -------------------------------------------------

    def rec(self, progress: Callable | None = None):
        """The recommender, serving what the registry promotes now (see follow_registry)."""
        rec = self.loader.get(progress)
        self.follow_registry(rec)
        return rec

    def follow_registry(self, rec) -> None:
        """Serve the registry's promoted version when its pointer changed since this replica last
        looked: a promotion or rollback made by another replica or the CLI is served from this
        replica's next turn on. One stat per call when nothing changed. The new model is prepared
        while other turns go on with the old one (a turn that finds another one loading does not
        wait for it), then swapped in with one assignment, so no turn sees half of each."""
        reg = self.registry
        stamp = reg.stamp()
        if stamp == self._pointer or not self.model_lock.acquire(blocking=False):
            return
        try:
            stamp = reg.stamp()  # read before the pointer: a later change is seen next time
            if stamp == self._pointer:
                return
            version = reg.current() or "v0"
            if version != rec.model.version:
                try:
                    model = reg.load(version)
                    problem = self.incompatible(model)
                    if problem:
                        raise ValueError(problem)
                    rec.set_model(model)
                    logger.info("serving %s, promoted in the registry %s", version, reg.root)
                except Exception:  # noqa: BLE001 — a broken promotion elsewhere must not stop serving
                    logger.exception("the registry promotes %s; it cannot be served here, keeping %s",
                                     version, rec.model.version)
            self._pointer = stamp
        finally:
            self.model_lock.release()

    def incompatible(self, model) -> str | None:
        """Why `model` cannot be served here (trained with another encoder), or None."""
        enc = (model.card or {}).get("encoder")
        served = self.loader.get().encoder.name
        if enc and enc != served:
            return f"{model.version} was trained with encoder {enc!r}; this app serves {served!r}."
        return None

    @property
    def ready(self) -> bool:
        """Loaded without an error: the recommender can be used without waiting."""
        return self.loader.ready and self.loader.error is None

    @property
    def known_items(self) -> set[str]:
        if self._known_items is None:
            self._known_items = set(self.rec().catalog.ids)
        return self._known_items

    def set_model(self, model) -> str:
        """Serve another model (promote / roll back) without a restart; returns its version.
        The header shows it on the next turn or page load. Turns go on with the old model while
        the new one is prepared."""
        with self.model_lock:
            rec = self.loader.get()
            rec.set_model(model)
            return rec.model.version

    @property
    def model_version(self) -> str:
        return self.rec().model.version

    @property
    def registry(self):
        """The model registry (mmcrec.registry.Registry): config.models_dir, else MMCREC_MODELS_DIR
        or <project>/models — where `mmcrec serve` looks for the newest promoted model."""
        from ..registry import Registry

        return Registry(self.config.models_dir)

    def item_titles(self, item_ids) -> dict[str, str]:
        """item_id → title for the ids in the catalog (empty while the recommender loads)."""
        if not self.ready:
            return {}
        cat = self.rec().catalog
        titles = {}
        for iid in item_ids:
            try:
                titles[iid] = cat.item(cat.position(iid))["title"]
            except (KeyError, IndexError):
                pass
        return titles

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

        from ..images import ImageError, URLRefused, open_image, thumbnail

        ref = str(item.get("image") or "")
        name = hashlib.sha1(f"{item['item_id']}\0{ref}".encode()).hexdigest()[:20] + ".webp"
        path = self.thumbs_dir / name
        if path.is_file():
            return str(path)
        try:
            img = thumbnail(open_image(ref), THUMB_SIZE) if ref else None
        except URLRefused:  # not kept under the item's name: allowed after an opt-in, it is fetched
            img, path = None, self.thumbs_dir / "refused.webp"
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
        """(sha256 of the original bytes, path of a normalised WebP copy the chat shows). The
        original is kept on disk, not in the session (a label stores it: upload_bytes), in a folder
        the app never serves."""
        from ..images import thumbnail

        sha = hashlib.sha256(data).hexdigest()
        for path, write in ((self.uploads_dir / f"{sha}.webp", lambda t: thumbnail(img, 768).save(t, "WEBP", quality=85)),
                            (self.originals_dir / sha, lambda t: t.write_bytes(data))):
            if not path.is_file():
                tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                write(tmp)
                os.replace(tmp, path)
        return sha, str(self.uploads_dir / f"{sha}.webp")

    def upload_bytes(self, sha: str) -> bytes | None:
        """The original bytes of an upload (save_upload), or None when it is not here."""
        if not (len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
            return None
        try:
            return (self.originals_dir / sha).read_bytes()
        except OSError:
            return None


def header_markdown(ctx: AppContext) -> str:
    """The page header: what is served (model version, catalog, encoder), or the loading state."""
    if not ctx.loader.ready:
        return "## 🛍️ mmcrec — shop by chatting or with a photo\nLoading the catalog and models…"
    if ctx.loader.error is not None:
        return f"## 🛍️ mmcrec\n⚠️ The recommender could not be loaded: {md_escape(ctx.loader.error)}"
    rec = ctx.rec()
    return (
        "## 🛍️ mmcrec — shop by chatting or with a photo\n"
        f"Serving model **{md_escape(rec.model.version)}** · catalog *{md_escape(Path(str(rec.catalog.path)).name)}* "
        f"({len(rec.catalog)} products) · encoder {md_escape(rec.encoder.name)}"
        + (f" ({md_escape(rec.encoder.reason)})" if getattr(rec.encoder, "reason", "") else "")
    )


def issues_markdown(ctx: AppContext) -> str:
    """The catalog rows that were skipped or have no usable image ("" when none)."""
    if not ctx.ready:
        return ""
    rec = ctx.rec()
    issues = list(rec.catalog.issues) + list(getattr(rec, "index_issues", []) or [])
    if not issues:
        return ""
    lines = [f"- {md_escape(str(i))}" for i in issues[:200]]
    more = f"\n- … and {len(issues) - 200} more" if len(issues) > 200 else ""
    return f"**{len(issues)} catalog row(s) were skipped or have no usable image:**\n" + "\n".join(lines) + more
