#!/usr/bin/env python3
"""Build the labelled evaluation queries tests/data/queries.jsonl (CONTRACTS §2).

Relevance is computed from the product table in build_catalog.py (category, colour, price and
the product type ``ptype`` kept there), so the labels are consistent with the catalog:
grade 2 = exactly what was asked, grade 1 = acceptable; hard constraints (price limits, colour
or category exclusions, the last turn's choice) apply to both grades.

Query pictures are Google Noto emoji PNGs (64 px, from emoji-datasource-google 16.0.0; a
different drawing of the same kind of thing than the catalog's Fluent 3D render), upscaled to
128 px and saved under tests/data/query_images/.

    python assets/build_queries.py /tmp/catalogwork/google/package
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import build_catalog as bc  # noqa: E402

DATA = HERE.parent / "tests" / "data"
P = bc.Product
Pred = Callable[[P], bool]


# ---------------------------------------------------------------- predicate helpers
def T(*ptypes: str) -> Pred:
    return lambda p: p.ptype in ptypes


def C(*colors: str) -> Pred:
    return lambda p: p.color in colors


def NOT(f: Pred) -> Pred:
    return lambda p: not f(p)


def AND(*fs: Pred) -> Pred:
    return lambda p: all(f(p) for f in fs)


def OR(*fs: Pred) -> Pred:
    return lambda p: any(f(p) for f in fs)


def UNDER(x: float) -> Pred:
    return lambda p: p.price < x


def BETWEEN(lo: float, hi: float) -> Pred:
    return lambda p: lo <= p.price <= hi


def CAT(*cats: str) -> Pred:
    return lambda p: p.category in cats


def ID(*ids: str) -> Pred:
    return lambda p: p.item_id in ids


WEARABLE: Pred = bc.is_wearable
NOTHING: Pred = lambda p: False
ANY: Pred = lambda p: True


@dataclass
class Q:
    kind: str
    turns: list[str]
    exact: Pred                 # grade 2
    ok: Pred = NOTHING          # grade 1 (if not exact)
    where: Pred = ANY           # hard constraint on both grades
    image: str | None = None    # emoji short_name of the Noto query picture


QUERIES: list[Q] = [
    # ------------------------------------------------------------ text
    Q("text", ["something for jogging on the road"], T("running shoe"), ok=T("sneaker")),
    Q("text", ["a warm thing to wrap around my neck when it's freezing"], T("scarf")),
    Q("text", ["I need to keep my fingers warm on my cold-weather bike commute"], T("gloves")),
    Q("text", ["cordless cans to listen to music on the train"], T("headphones")),
    Q("text", ["a little black number for a cocktail party"], AND(T("dress"), C("black")), ok=T("dress")),
    Q("text", ["blue pants made of jean fabric"], AND(T("jeans"), C("blue")), ok=T("jeans")),
    Q("text", ["something to carry my laptop and papers to the office"], T("briefcase"),
      ok=T("backpack", "handbag")),
    Q("text", ["a pot for brewing loose leaf chai"], T("teapot")),
    Q("text", ["I want to learn to play bluegrass music"], T("banjo"), ok=T("guitar", "violin")),
    Q("text", ["a cuddly stuffed animal for a toddler"], T("teddy bear")),
    Q("text", ["protect my eyes from the glare at the beach"], T("sunglasses"), ok=T("sun hat", "cap")),
    Q("text", ["a hat that costs less than 25 dollars"], T("cap"), where=UNDER(25)),
    Q("text", ["fruit to blend into my morning smoothie"], T("fruit"), ok=T("juice")),
    Q("text", ["something to fry eggs or cook a big rice dish in"], T("pan", "skillet"), ok=T("pot")),
    Q("text", ["footwear I can slip on for the seaside"], T("flip-flops"), ok=T("heeled sandal")),
    Q("text", ["an instrument with black and white keys for my daughter's lessons"], T("piano"),
      ok=T("accordion")),
    Q("text", ["gear for sleeping outdoors on a camping weekend"], T("tent"), ok=T("flashlight")),
    Q("text", ["I need to look sharp for a job interview"], T("dress shirt"),
      ok=T("oxford", "briefcase")),
    Q("text", ["something red to wear for less than 40 dollars"], AND(WEARABLE, C("red")), where=UNDER(40)),
    Q("text", ["something to get a close shave"], T("razor")),
    Q("text", ["a pad for gaming on the sofa"], T("game controller"), ok=T("arcade stick")),

    # ------------------------------------------------------------ image only
    Q("image", [], AND(T("t-shirt"), C("blue")), ok=T("t-shirt", "blouse"), image="shirt"),
    Q("image", [], AND(T("jeans"), C("blue")), ok=T("jeans"), image="jeans"),
    Q("image", [], AND(T("dress"), C("blue")), ok=T("dress"), image="dress"),
    Q("image", [], AND(T("running shoe", "sneaker"), C("blue")), ok=T("running shoe", "sneaker"),
      image="athletic_shoe"),
    Q("image", [], AND(T("heels"), C("red")), ok=T("heels"), image="high_heel"),
    Q("image", [], AND(T("ankle boot"), C("brown")), ok=T("ankle boot", "hiking boot"), image="boot"),
    Q("image", [], AND(T("backpack"), C("red")), ok=T("backpack"), image="school_satchel"),
    Q("image", [], AND(T("handbag"), C("beige")), ok=T("handbag"), image="handbag"),
    Q("image", [], AND(T("suitcase"), C("blue")), ok=T("suitcase"), image="luggage"),
    Q("image", [], AND(T("cap"), C("blue")), ok=T("cap"), image="billed_cap"),
    Q("image", [], AND(T("sunglasses"), C("black")), ok=T("sunglasses"), image="dark_sunglasses"),
    Q("image", [], AND(T("watch"), C("brown")), ok=T("watch"), image="watch"),
    Q("image", [], AND(T("headphones"), C("black")), ok=T("headphones"), image="headphones"),
    Q("image", [], AND(T("guitar"), C("red")), ok=T("guitar"), image="guitar"),
    Q("image", [], T("teapot"), image="teapot"),
    Q("image", [], AND(T("teddy bear"), C("brown")), ok=T("teddy bear"), image="teddy_bear"),
    Q("image", [], T("tennis racket"), ok=T("badminton set", "table tennis"), image="tennis"),
    Q("image", [], AND(T("sofa"), C("blue")), ok=T("sofa"), image="couch_and_lamp"),
    Q("image", [], T("camera"), ok=T("camcorder"), image="camera"),
    Q("image", [], T("violin"), image="violin"),

    # ------------------------------------------------------------ text + image
    Q("text+image", ["like this but in red"], AND(T("t-shirt"), C("red")), ok=AND(T("blouse"), C("red")),
      image="shirt"),
    Q("text+image", ["same thing in black please"], AND(T("t-shirt"), C("black")), image="shirt"),
    Q("text+image", ["this but cheaper than 50 dollars"], T("running shoe", "sneaker"), where=UNDER(50),
      image="athletic_shoe"),
    Q("text+image", ["do you have it in black?"], AND(T("dress"), C("black")), image="dress"),
    Q("text+image", ["I'd like this in pink"], AND(T("cap"), C("pink")), image="billed_cap"),
    Q("text+image", ["same thing but green"], AND(T("backpack"), C("green")), image="school_satchel"),
    Q("text+image", ["something like these but not black, under $42"], T("sunglasses"),
      where=AND(NOT(C("black")), UNDER(42)), image="dark_sunglasses"),
    Q("text+image", ["this one in red"], AND(T("suitcase"), C("red")), image="luggage"),
    Q("text+image", ["a pink version for my kid"], AND(T("headphones"), C("pink")), image="headphones"),
    Q("text+image", ["same trousers in grey"], AND(T("jeans"), C("gray")), image="jeans"),
    Q("text+image", ["this style but with no heel at all"], T("flats"), ok=T("ballet slippers"), image="high_heel"),
    Q("text+image", ["something to wear on top with these"], T("t-shirt", "blouse"),
      ok=T("dress shirt", "coat", "running top"),
      image="jeans"),
    Q("text+image", ["something to go with this to stay warm"], T("scarf", "gloves"), image="coat"),
    Q("text+image", ["this in black"], AND(T("guitar"), C("black")), image="guitar"),
    Q("text+image", ["a one-piece instead, in black"], AND(T("swimsuit"), C("black")), ok=T("swimsuit"),
      image="bikini"),
    Q("text+image", ["the leaves to steep in this"], T("tea"), image="teapot"),
    Q("text+image", ["in blue"], AND(T("boxing gloves"), C("blue")), image="boxing_glove"),
    Q("text+image", ["with a black strap please"], AND(T("watch"), C("black")), image="watch"),
    Q("text+image", ["a white one like this"], AND(T("teddy bear"), C("white")), image="teddy_bear"),
    Q("text+image", ["these in pink"], AND(T("flip-flops"), C("pink")), image="thong_sandal"),

    # ------------------------------------------------------------ multi-turn
    Q("multi-turn", ["show me some hats", "no wait, sunglasses instead"], T("sunglasses")),
    Q("multi-turn", ["I'm looking for a t-shirt", "under $16", "not black"], T("t-shirt"),
      where=AND(UNDER(16), NOT(C("black")))),
    Q("multi-turn", ["I need something to carry my things on a trip", "no backpacks", "under $125"],
      T("suitcase"), ok=T("handbag"), where=UNDER(125)),
    Q("multi-turn", ["I want some trainers", "blue ones", "under $60"], T("sneaker", "running shoe"),
      where=AND(C("blue"), UNDER(60))),
    Q("multi-turn", ["show me jogging shoes", "between 70 and 90 dollars", "not black"], T("running shoe"),
      where=AND(BETWEEN(70, 90), NOT(C("black")))),
    Q("multi-turn", ["a frock for a summer wedding", "not black", "under $60"], T("dress"),
      where=AND(NOT(C("black")), UNDER(60))),
    Q("multi-turn", ["I need a gift for a kid", "something musical", "under $30"], CAT("instruments"),
      ok=T("microphone"), where=UNDER(30)),
    Q("multi-turn", ["I'd like headphones", "no, actually a box that plays music out loud on my shelf", "in black"],
      AND(T("speaker"), C("black"))),
    Q("multi-turn", ["looking for a sporty hat with a visor", "red or blue", "under $25"], T("cap"),
      where=AND(C("red", "blue"), UNDER(25))),
    Q("multi-turn", ["I'd like something to swim in", "no bikinis", "not pink"], T("swimsuit"), ok=T("shorts"),
      where=NOT(C("pink"))),
    Q("multi-turn", ["something warm to wear over everything in winter", "grey or black", "under $150"], T("coat"),
      where=AND(C("gray", "black"), UNDER(150))),
    Q("multi-turn", ["I want to start a band", "a string instrument", "under $250"], T("violin", "banjo", "guitar"),
      where=UNDER(250)),
    Q("multi-turn", ["show me toys", "no, board games instead"], T("chess", "mahjong"),
      ok=T("dice", "playing cards", "puzzle", "darts")),
    Q("multi-turn", ["a bag for going out in the evening", "something small", "not black"],
      T("coin purse"), ok=T("pouch", "handbag"), where=NOT(C("black"))),
    Q("multi-turn", ["I need sports equipment", "something for punching practice", "in black"], AND(T("boxing gloves"), C("black"))),
    Q("multi-turn", ["footwear for mountain trails", "not orange", "under $130"], T("hiking boot"),
      where=AND(NOT(C("orange")), UNDER(130))),
    Q("multi-turn", ["sunglasses please", "actually, something to tell the time instead", "with a leather strap"],
      AND(T("watch"), C("brown")), ok=AND(T("watch"), C("black"))),
    Q("multi-turn", ["show me some hats", "under $35", "no baseball caps"], T("sun hat", "top hat"),
      where=UNDER(35)),
    Q("multi-turn", ["something to read", "for little kids before sleep"], ID("boo-005")),
    Q("multi-turn", ["some fruit", "something red", "under $5"], AND(T("fruit"), C("red")), where=UNDER(5)),
    Q("multi-turn", ["a rucksack for school", "between 40 and 50 dollars", "no pink, no black"], T("backpack"),
      where=AND(BETWEEN(40, 50), NOT(C("pink", "black")))),
]


def labels(q: Q) -> dict[str, int]:
    rel = {}
    for p in bc.PRODUCTS:
        if not q.where(p):
            continue
        if q.exact(p):
            rel[p.item_id] = 2
        elif q.ok(p):
            rel[p.item_id] = 1
    return rel


def save_query_image(name: str, by_name: dict, datasource: Path, out_dir: Path) -> str:
    e = by_name[name]
    src = datasource / "img" / "google" / "64" / e["image"]
    im = Image.open(src).convert("RGBA").resize((128, 128), Image.LANCZOS)
    flat = Image.new("RGB", im.size, (255, 255, 255))
    flat.paste(im, mask=im.getchannel("A"))
    fn = f"{name.replace('_', '-')}.png"
    flat.save(out_dir / fn, optimize=True)
    return fn, e["unified"], e["image"]


STOP = set("""a an the and or but for to of in on at my me i i'd i'm it it's this that these those with
some something thing one ones same like please no not wait want need show looking under than less dollars
do you have be can is are instead actually version what way""".split())
COLOURS = {"red", "blue", "black", "white", "green", "pink", "grey", "gray", "brown", "orange", "yellow", "purple"}


def title_overlap(q: Q, rel: dict[str, int]) -> set[str]:
    words = {w for t in q.turns for w in re.findall(r"[a-z'-]+", t.lower())} - STOP - COLOURS
    by_id = {p.item_id: p for p in bc.PRODUCTS}
    hit = set()
    for iid, g in rel.items():
        if g == 2:
            tw = set(re.findall(r"[a-z'-]+", by_id[iid].title.lower()))
            hit |= words & tw
    return hit


APACHE = Path("/usr/share/common-licenses/Apache-2.0")


def write_license(path: Path, used_images: dict):
    lines = [
        "# Query images: source and license",
        "",
        "The pictures in `tests/data/query_images/` are **Google Noto Color Emoji** images, taken from",
        "the 64 px PNGs in the npm package `emoji-datasource-google@16.0.0` (`img/google/64/`).",
        "They are deliberately a different drawing (flat Noto style) of the same kinds of things as the",
        "catalog's Fluent 3D renders, so image queries cannot match a catalog picture pixel for pixel.",
        "",
        "- The Noto emoji images are licensed under the **Apache License, Version 2.0**",
        "  (Copyright Google Inc.; <https://github.com/googlefonts/noto-emoji>, see its LICENSE; the",
        "  emoji-datasource README states: \"Android/Google/Noto images, are available under the",
        "  Apache License 2.0\"). The Noto Color Emoji *font* is under the SIL Open Font License 1.1;",
        "  the font was not used here.",
        "- The emoji-datasource package itself (data and code) is MIT, Copyright (c) 2013 Cal Henderson.",
        "",
        "Changes made by `assets/build_queries.py`: each 64x64 PNG was upscaled to 128x128 (Lanczos),",
        "flattened onto a white background and saved as PNG.",
        "",
        "| file | code point | source in emoji-datasource-google | emoji |",
        "| --- | --- | --- | --- |",
    ]
    for fn, (uni, src, name) in sorted(used_images.items()):
        lines.append(f"| `query_images/{fn}` | U+{uni} | `img/google/64/{src}` | {name} |")
    lines += ["", "## Apache License 2.0", ""]
    if APACHE.exists():
        lines += ["```", APACHE.read_text(encoding="utf-8").rstrip(), "```"]
    else:
        lines.append("See <https://www.apache.org/licenses/LICENSE-2.0>.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasource_dir", help="extracted emoji-datasource-google package dir")
    ap.add_argument("--out", default=str(DATA))
    args = ap.parse_args(argv)
    out = Path(args.out)
    img_dir = out / "query_images"
    img_dir.mkdir(parents=True, exist_ok=True)
    for old in img_dir.glob("*.png"):
        old.unlink()
    datasource = Path(args.datasource_dir)
    by_name = {e["short_name"]: e for e in json.loads((datasource / "emoji.json").read_text())}

    counters: dict[str, int] = {}
    prefix = {"text": "t", "image": "i", "text+image": "ti", "multi-turn": "m"}
    lines, used_images, warnings = [], {}, []
    for q in QUERIES:
        counters[q.kind] = counters.get(q.kind, 0) + 1
        qid = f"{prefix[q.kind]}{counters[q.kind]:02d}"
        rel = labels(q)
        if not any(g == 2 for g in rel.values()):
            raise SystemExit(f"{qid}: no grade-2 item for {q.turns} / {q.image}")
        rec = {"query_id": qid, "kind": q.kind, "turns": q.turns}
        if q.image:
            fn, uni, src = save_query_image(q.image, by_name, datasource, img_dir)
            used_images[fn] = (uni, src, q.image)
            rec["image"] = f"query_images/{fn}"
        rec["relevant"] = rel
        lines.append(rec)
        ov = title_overlap(q, rel)
        if ov:
            warnings.append(f"{qid} {q.turns}: shares title words {sorted(ov)}")

    with open(out / "queries.jsonl", "w", encoding="utf-8") as f:
        for rec in lines:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    write_license(out / "LICENSE-query-images.md", used_images)
    kinds = {}
    for rec in lines:
        kinds[rec["kind"]] = kinds.get(rec["kind"], 0) + 1
    print(f"wrote {len(lines)} queries {kinds}, {len(used_images)} query images")
    for w in warnings:
        print("note:", w)


if __name__ == "__main__":
    main()
