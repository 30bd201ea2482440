#!/usr/bin/env python3
"""Build the query pictures of the evaluation requests (assets/eval/<catalog>/query_images/).

A shopper's photo is never a picture from the catalog it is searched in:

- requests for the demo catalog (Fluent Emoji 3D items) use OpenMoji drawings (CC BY-SA 4.0)
  and a photograph that ships with scikit-image;
- requests for the OpenMoji catalog use Fluent Emoji 3D renders (MIT), Google Noto emoji
  (Apache-2.0) and the same scikit-image photograph of a coffee cup.

Each folder gets a LICENSE.md listing every picture's source and license.

    mkdir -p /tmp/omwork && cd /tmp/omwork
    npm pack openmoji@17.0.0 @lobehub/fluent-emoji-3d@1.1.0 emoji-datasource-google@16.0.0
    mkdir om fluent google
    tar xzf openmoji-17.0.0.tgz -C om
    tar xzf lobehub-fluent-emoji-3d-1.1.0.tgz -C fluent
    tar xzf emoji-datasource-google-16.0.0.tgz -C google
    python3 -m venv venv && venv/bin/pip install cairosvg==2.9.1 scikit-image==0.26.0 pillow numpy
    venv/bin/python assets/eval/build_query_images.py /tmp/omwork
"""
from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
SIZE = 192

# catalog -> picture name -> (source, code)
PICTURES: dict[str, dict[str, tuple[str, str]]] = {
    "openmoji": {
        "fl-headphones": ("fluent", "1f3a7"),
        "fl-teapot": ("fluent", "1fad6"),
        "fl-backpack": ("fluent", "1f392"),
        "fl-running-shoe": ("fluent", "1f45f"),
        "fl-umbrella": ("fluent", "2614"),
        "fl-guitar": ("fluent", "1f3b8"),
        "fl-laptop": ("fluent", "1f4bb"),
        "fl-camera": ("fluent", "1f4f7"),
        "fl-teddy-bear": ("fluent", "1f9f8"),
        "fl-hammer": ("fluent", "1f528"),
        "fl-toolbox": ("fluent", "1f9f0"),
        "fl-violin": ("fluent", "1f3bb"),
        "fl-high-heel": ("fluent", "1f460"),
        "fl-watch": ("fluent", "231a"),
        "fl-basketball": ("fluent", "1f3c0"),
        "fl-cactus": ("fluent", "1f335"),
        "fl-lipstick": ("fluent", "1f484"),
        "fl-dress": ("fluent", "1f457"),
        "fl-handbag": ("fluent", "1f45c"),
        "fl-cap": ("fluent", "1f9e2"),
        "fl-sunglasses": ("fluent", "1f576-fe0f"),
        "fl-coat": ("fluent", "1f9e5"),
        "fl-phone": ("fluent", "1f4f1"),
        "fl-alarm-clock": ("fluent", "23f0"),
        "fl-tshirt": ("fluent", "1f455"),
        "fl-hiking-boot": ("fluent", "1f97e"),
        "fl-trumpet": ("fluent", "1f3ba"),
        "fl-bicycle": ("fluent", "1f6b2"),
        "fl-radio": ("fluent", "1f4fb"),
        "fl-chair": ("fluent", "1fa91"),
        "fl-telescope": ("fluent", "1f52d"),
        "fl-game-controller": ("fluent", "1f3ae"),
        "fl-boxing-glove": ("fluent", "1f94a"),
        "fl-skateboard": ("fluent", "1f6f9"),
        "fl-kite": ("fluent", "1fa81"),
        "fl-pen": ("fluent", "1f58b-fe0f"),
        "fl-saxophone": ("fluent", "1f3b7"),
        "fl-candle": ("fluent", "1f56f-fe0f"),
        "noto-backpack": ("noto", "1f392"),
        "noto-guitar": ("noto", "1f3b8"),
        "noto-coat": ("noto", "1f9e5"),
        "photo-coffee": ("skimage", "coffee"),
    },
    "demo": {
        "om-shirt": ("openmoji", "1F455"),
        "om-jeans": ("openmoji", "1F456"),
        "om-dress": ("openmoji", "1F457"),
        "om-running-shoe": ("openmoji", "1F45F"),
        "om-high-heel": ("openmoji", "1F460"),
        "om-backpack": ("openmoji", "1F392"),
        "om-handbag": ("openmoji", "1F45C"),
        "om-cap": ("openmoji", "1F9E2"),
        "om-sunglasses": ("openmoji", "1F576"),
        "om-headphones": ("openmoji", "1F3A7"),
        "om-guitar": ("openmoji", "1F3B8"),
        "om-teapot": ("openmoji", "1FAD6"),
        "om-teddy-bear": ("openmoji", "1F9F8"),
        "om-watch": ("openmoji", "231A"),
        "om-umbrella": ("openmoji", "2602"),
        "om-laptop": ("openmoji", "1F4BB"),
        "om-camera": ("openmoji", "1F4F7"),
        "om-luggage": ("openmoji", "1F9F3"),
        "om-game-controller": ("openmoji", "1F3AE"),
        "om-cactus": ("openmoji", "1F335"),
        "om-sofa": ("openmoji", "1F6CB"),
        "om-bikini": ("openmoji", "1F459"),
        "om-scarf": ("openmoji", "1F9E3"),
        "om-skateboard": ("openmoji", "1F6F9"),
        "om-microphone": ("openmoji", "1F3A4"),
        "om-kite": ("openmoji", "1FA81"),
        "om-apple": ("openmoji", "1F34E"),
        "om-basketball": ("openmoji", "1F3C0"),
        "om-boot": ("openmoji", "1F462"),
        "photo-coffee": ("skimage", "coffee"),
    },
}

LICENSES = {
    "openmoji": "OpenMoji, designed by the OpenMoji project (HfG Schwäbisch Gmünd) and contributors, "
                "npm `openmoji@17.0.0`, `color/svg/{code}.svg`; author {author}. "
                "CC BY-SA 4.0 (<https://creativecommons.org/licenses/by-sa/4.0/>); "
                "adapted: rendered with CairoSVG to 192x192 on white (this picture is CC BY-SA 4.0 too)",
    "fluent": "Microsoft Fluent Emoji 3D, npm `@lobehub/fluent-emoji-3d@1.1.0`, `assets/{code}.webp`; "
              "MIT (Copyright (c) Microsoft Corporation, Copyright (c) 2023 LobeHub; the full text is in "
              "`assets/LICENSE-images.md`); resized to 192x192 on white",
    "noto": "Google Noto Color Emoji, npm `emoji-datasource-google@16.0.0`, `img/google/64/{code}.png`; "
            "Apache-2.0 (Copyright Google Inc.; the full text is in `tests/data/LICENSE-query-images.md`); "
            "upscaled to 192x192 on white",
    "skimage": "photograph shipped with scikit-image 0.26.0 (`skimage/data/{code}.png`, BSD-3-Clause "
               "package); {credit}; resized to 320 px wide, JPEG",
}
PHOTO_CREDIT = {
    "coffee": "coffee cup, photograph by Rachel Michetti, courtesy of Pikolo Espresso Bar, released under CC0",
}


def flat(im: Image.Image, size: int = SIZE) -> Image.Image:
    im = im.convert("RGBA").resize((size, size), Image.LANCZOS)
    out = Image.new("RGB", im.size, (255, 255, 255))
    out.paste(im, mask=im.getchannel("A"))
    return out


def load(work: Path, source: str, code: str) -> Image.Image:
    if source == "fluent":
        return flat(Image.open(work / "fluent" / "package" / "assets" / f"{code}.webp"))
    if source == "noto":
        return flat(Image.open(work / "google" / "package" / "img" / "google" / "64" / f"{code}.png"))
    if source == "openmoji":
        import cairosvg

        png = cairosvg.svg2png(url=str(work / "om" / "package" / "color" / "svg" / f"{code}.svg"),
                               output_width=SIZE, output_height=SIZE)
        return flat(Image.open(io.BytesIO(png)))
    if source == "skimage":
        import skimage.data

        im = Image.open(Path(skimage.data.__file__).parent / f"{code}.png").convert("RGB")
        return im.resize((320, round(im.height * 320 / im.width)), Image.LANCZOS)
    raise ValueError(source)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", help="folder with the extracted npm packages om/, fluent/, google/")
    args = ap.parse_args(argv)
    work = Path(args.work)
    authors = {e["hexcode"]: e["openmoji_author"]
               for e in json.loads((work / "om" / "package" / "data" / "openmoji.json").read_text())}
    for catalog, pictures in PICTURES.items():
        d = HERE / catalog / "query_images"
        d.mkdir(parents=True, exist_ok=True)
        for old in list(d.glob("*.png")) + list(d.glob("*.jpg")):
            old.unlink()
        rows = []
        for name, (source, code) in sorted(pictures.items()):
            im = load(work, source, code)
            fn = f"{name}.jpg" if source == "skimage" else f"{name}.png"
            if source == "skimage":
                im.save(d / fn, "JPEG", quality=85)
            else:
                im.save(d / fn, "PNG", optimize=True)
            text = LICENSES[source].format(code=code, author=authors.get(code, ""), credit=PHOTO_CREDIT.get(code, ""))
            rows.append(f"| `{fn}` | {text} |")
        (d / "LICENSE.md").write_text(
            "# Query pictures: sources and licenses\n\n"
            "Pictures a shopper shows in the evaluation requests of this folder. None of them is a picture "
            "of the catalog being searched. Built by `assets/eval/build_query_images.py`.\n\n"
            "| file | source, license, changes |\n| --- | --- |\n" + "\n".join(rows) + "\n",
            encoding="utf-8")
        print(f"{catalog}: {len(rows)} pictures in {d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
