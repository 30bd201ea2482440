"""Opening images that strangers hand us: bounded, normalised, with a clear message on failure.

Every picture the model sees goes through `open_image`, so catalog rows and uploads get the same
treatment: size limits before decoding, EXIF rotation applied, any mode (CMYK, 16-bit, palette,
alpha, animated) turned into plain RGB on white. URLs are downloaded by `fetch.fetch`, which
refuses addresses on the app's own machine or network.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from . import settings
from .fetch import FetchError, Refused, fetch

# The limits are settings (max_image_bytes, max_image_pixels: MMCREC_MAX_IMAGE_BYTES/_PIXELS), read at
# each use. Pillow's own guard warns at MAX_IMAGE_PIXELS and raises at twice that; we check the
# header ourselves first so a bomb is refused before any pixel is decoded.
ImageFile.LOAD_TRUNCATED_IMAGES = False
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")


class ImageError(ValueError):
    """An image that cannot be used, with a message fit for the user."""


class URLRefused(ImageError):
    """An image URL pointing at an address the fetch policy refuses: nothing was sent to it."""


def _read(src: str | os.PathLike | bytes) -> bytes:
    limit = settings.current().max_image_bytes
    if isinstance(src, (bytes, bytearray)):
        data = bytes(src)
    elif str(src).startswith(("http://", "https://")):
        data = _download(str(src), limit)
    else:
        p = Path(src)
        try:
            size = p.stat().st_size
        except OSError as e:
            raise ImageError(f"cannot read image {p.name}: {e.strerror or e}") from e
        if size > limit:
            raise ImageError(f"image {p.name} is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB")
        data = p.read_bytes()
    if len(data) > limit:
        raise ImageError(f"image is {len(data) / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB")
    if not data:
        raise ImageError("image file is empty")
    return data


def _download(url: str, limit: int) -> bytes:
    try:
        return fetch(url, max_bytes=limit)
    except Refused as e:
        raise URLRefused(str(e)) from None
    except FetchError as e:
        raise ImageError(str(e)) from None


def open_image(src: str | os.PathLike | bytes, *, verify_only: bool = False) -> Image.Image:
    """Decode an image safely and return it as RGB (alpha composited on white)."""
    data = _read(src)
    max_pixels = settings.current().max_image_pixels
    if Image.MAX_IMAGE_PIXELS != max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or head.startswith(b"<?xml") or b"<svg" in head:
        raise ImageError("SVG images are not accepted; upload a PNG, JPEG or WebP")
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as e:
        raise ImageError("this file is not an image Pillow can read (PNG, JPEG, WebP, GIF, BMP, TIFF)") from e
    except (OSError, Image.DecompressionBombError, ValueError) as e:
        raise ImageError(f"cannot read image: {e}") from e
    if img.format not in FORMATS:
        raise ImageError(f"image format {img.format} is not accepted")
    w, h = img.size
    if w * h > max_pixels:
        raise ImageError(f"image is {w}×{h} pixels; the limit is {max_pixels / 1e6:.0f} megapixels")
    if w < 1 or h < 1:
        raise ImageError("image has no pixels")
    try:
        if verify_only:
            img.verify()
            return img
        img.seek(0)  # animated: the first frame stands for the picture
        img.load()
        img = ImageOps.exif_transpose(img)
        return to_rgb(img)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, EOFError) as e:
        raise ImageError(f"image is damaged or truncated: {e}") from e


def to_rgb(img: Image.Image) -> Image.Image:
    """Any mode to 8-bit RGB; transparency becomes white, as product shots usually are."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit greyscale: scale to 8 bits rather than clip
        import numpy as np

        a = np.asarray(img, dtype=np.float32)
        hi = float(a.max()) or 1.0
        img = Image.fromarray((a / hi * 255).astype("uint8"), "L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    return img.convert("RGB")


def thumbnail(img: Image.Image, size: int = 256) -> Image.Image:
    """A copy at most `size` pixels on its longer side (aspect kept). Made by resizing, with a fast
    reduction first, never by copying the full image (108 MB for a 6000×6000 photo)."""
    w, h = img.size
    if max(w, h) <= size:
        return img.copy()
    scale = size / max(w, h)
    return img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BICUBIC, reducing_gap=2.0)


def release_freed_memory() -> None:
    """Give the heap that decoding a big picture freed back to the system. glibc keeps freed memory
    in per-thread arenas: after a 6000×6000 photo, ~100 MB per worker thread stays with the process
    (measured: 40 such photos in 4 threads left +660 MB; a trim, +3 MB). A no-op off glibc."""
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.malloc_trim  # noqa: B018 — glibc only
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)


_LIBC = None
