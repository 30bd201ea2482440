#!/usr/bin/env python3
"""Build the mmcrec demo catalog (assets/catalog.csv + assets/images/*.webp).

The product pictures are Microsoft Fluent Emoji 3D renders (MIT) taken from the npm package
@lobehub/fluent-emoji-3d; names/categories for the code points come from emoji-datasource-google
(MIT). Some products are colour variants made here by recolouring the render (see ``recolor``).

Reproduce:

    mkdir -p /tmp/catalogwork && cd /tmp/catalogwork
    npm pack @lobehub/fluent-emoji-3d@1.1.0
    npm pack emoji-datasource-google@16.0.0
    mkdir fluent google
    tar xzf lobehub-fluent-emoji-3d-1.1.0.tgz -C fluent
    tar xzf emoji-datasource-google-16.0.0.tgz -C google
    python assets/build_catalog.py /tmp/catalogwork/fluent/package /tmp/catalogwork/google/package

Needs Pillow and numpy. Output is deterministic for the same inputs. The product table below
also carries a ``ptype`` (product type) that is *not* written to the CSV; assets/build_queries.py
imports it to label the evaluation queries consistently.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
IMAGE_SIZE = 128
WEBP_QUALITY = 80

# --------------------------------------------------------------------------------------------
# colour handling
# --------------------------------------------------------------------------------------------
HUES = {"red": 0, "orange": 28, "yellow": 50, "green": 120, "teal": 178, "blue": 215,
        "purple": 275, "pink": 325, "brown": 25, "beige": 35}


def rgb_to_hsv(a: np.ndarray):
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    mx = a.max(-1)
    mn = a.min(-1)
    d = mx - mn
    h = np.zeros_like(mx)
    m = d > 1e-6
    rm = m & (mx == r)
    gm = m & (mx == g) & ~rm
    bm = m & ~rm & ~gm
    h[rm] = ((g - b)[rm] / d[rm]) % 6
    h[gm] = ((b - r)[gm] / d[gm]) + 2
    h[bm] = ((r - g)[bm] / d[bm]) + 4
    h = h * 60.0
    s = np.where(mx > 1e-6, d / np.maximum(mx, 1e-6), 0)
    return h, s, mx


def hsv_to_rgb(h, s, v):
    h = (h % 360) / 60.0
    i = np.floor(h).astype(int) % 6
    f = h - np.floor(h)
    p = v * (1 - s)
    q = v * (1 - s * f)
    t = v * (1 - s * (1 - f))
    out = np.zeros(h.shape + (3,))
    for k, (r, g, b) in enumerate([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]):
        sel = i == k
        out[sel, 0] = r[sel]
        out[sel, 1] = g[sel]
        out[sel, 2] = b[sel]
    return out


def _hue_name(x, sat, val):
    if x < 12 or x >= 333:
        base = "red"
    elif x < 42:
        base = "orange"
    elif x < 68:
        base = "yellow"
    elif x < 165:
        base = "green"
    elif x < 200:
        base = "teal"
    elif x < 255:
        base = "blue"
    elif x < 290:
        base = "purple"
    else:
        base = "pink"
    if base in ("orange", "red") and (val < 0.62 or (sat < 0.6 and val < 0.8)):
        return "brown"
    if base in ("orange", "yellow") and sat < 0.45 and val > 0.7:
        return "beige"
    if base == "red" and sat < 0.55 and val > 0.8:
        return "pink"
    return base


def colour_shares(img: Image.Image) -> dict[str, float]:
    """Share of the object's pixels (alpha > 0.5) per colour name."""
    a = np.asarray(img.convert("RGBA")).astype(float) / 255
    mask = a[..., 3] > 0.5
    h, s, v = rgb_to_hsv(a[..., :3])
    h, s, v = h[mask], s[mask], v[mask]
    chrom = (s > 0.28) & (v > 0.25)
    names = np.empty(h.shape, dtype=object)
    names[~chrom & (v < 0.35)] = "black"
    names[~chrom & (v >= 0.35) & (v < 0.72)] = "gray"
    names[~chrom & (v >= 0.72)] = "white"
    for i in np.where(chrom)[0]:
        names[i] = _hue_name(h[i], s[i], v[i])
    vals, counts = np.unique(names.astype(str), return_counts=True)
    total = counts.sum()
    return {str(k): float(c) / total for k, c in sorted(zip(vals, counts), key=lambda t: -t[1])}


ACHROMATIC = {"black", "gray", "white"}


def dominant_colour(shares: dict[str, float]) -> str:
    """Chromatic colour if coloured pixels make up >= 25 % of the object, else black/gray/white."""
    chrom = {k: v for k, v in shares.items() if k not in ACHROMATIC}
    if sum(chrom.values()) >= 0.25:
        return max(chrom, key=chrom.get)
    ach = {k: v for k, v in shares.items() if k in ACHROMATIC}
    return max(ach, key=ach.get)


# a declared colour is accepted when the pixels say one of these
COLOUR_ALIASES = {
    "gold": {"yellow", "orange", "beige"},
    "silver": {"gray", "white"},
    "beige": {"beige", "orange", "yellow", "white"},
    "brown": {"brown", "orange"},
    "teal": {"teal", "blue"},
    "blue": {"blue", "teal"},
    "orange": {"orange", "brown"},
    "pink": {"pink", "red", "purple"},
    "purple": {"purple", "pink", "blue"},
}


def colour_matches(declared: str, shares: dict[str, float]) -> bool:
    if declared in ("multicolor", "clear"):
        return True
    ok = COLOUR_ALIASES.get(declared, {declared})
    if dominant_colour(shares) in ok:
        return True
    # or the declared colour covers at least 30 % of the object
    return sum(v for k, v in shares.items() if k in ok) >= 0.30


def recolor(img: Image.Image, target: str, tint: bool = False) -> Image.Image:
    """Recolour an RGBA render to ``target``.

    Default: only the coloured pixels (saturation > 0.18) are moved, so white soles, metal and
    dark details keep their look. ``tint=True`` colours every visible pixel (for silver/white
    objects such as headphones).
    """
    a = np.asarray(img.convert("RGBA")).astype(float) / 255
    rgb, alpha = a[..., :3], a[..., 3]
    h, s, v = rgb_to_hsv(rgb)
    if tint:
        col = alpha > 0.05
        s_eff = np.full_like(s, 0.6)
    else:
        col = (s > 0.18) & (alpha > 0.05)
        s_eff = s
    h2, s2, v2 = h.copy(), s.copy(), v.copy()
    if target == "black":
        s2[col] = s[col] * 0.15
        v2[col] = 0.08 + v[col] * 0.22
    elif target == "white":
        s2[col] = s[col] * 0.06
        v2[col] = 0.82 + v[col] * 0.18
    elif target in ("gray", "silver"):
        s2[col] = s[col] * 0.06
        v2[col] = 0.38 + v[col] * 0.3
    else:
        hue = HUES[target]
        if tint:
            h2[col] = hue
        else:
            w = s[col] * alpha[col]
            ang = np.deg2rad(h[col])
            dom = np.rad2deg(np.arctan2((np.sin(ang) * w).sum(), (np.cos(ang) * w).sum())) % 360
            diff = ((h[col] - dom + 180) % 360) - 180  # keep some of the original hue spread
            h2[col] = hue + diff * 0.35
        s2[col] = np.clip(0.55 + s_eff[col] * 0.45, 0, 1)
        if tint:
            v2[col] = np.clip(0.15 + v[col] * 0.8, 0, 1)
        elif target == "brown":
            s2[col] = np.clip(0.45 + s[col] * 0.3, 0, 1)
            v2[col] = 0.2 + v[col] * 0.38
        elif target == "beige":
            s2[col] = np.clip(0.2 + s[col] * 0.15, 0, 1)
            v2[col] = np.clip(0.72 + v[col] * 0.28, 0, 1)
        elif target == "pink":
            s2[col] = np.clip(0.35 + s[col] * 0.3, 0, 1)
            v2[col] = np.clip(0.55 + v[col] * 0.45, 0, 1)
        elif target == "yellow":
            v2[col] = np.clip(0.6 + v[col] * 0.4, 0, 1)
        elif target in ("red", "orange"):
            v2[col] = np.clip(0.5 + v[col] * 0.5, 0, 1)
        else:
            v2[col] = np.clip(0.25 + v[col] * 0.75, 0, 1)
        if target == "brown" and tint:
            s2[col] = 0.6
            v2[col] = 0.15 + v[col] * 0.45
        if target == "pink" and tint:
            s2[col] = 0.45
            v2[col] = np.clip(0.5 + v[col] * 0.5, 0, 1)
    out = hsv_to_rgb(h2, s2, v2)
    res = np.concatenate([out, alpha[..., None]], -1)
    return Image.fromarray((np.clip(res, 0, 1) * 255).round().astype(np.uint8), "RGBA")


# --------------------------------------------------------------------------------------------
# product table
# --------------------------------------------------------------------------------------------
@dataclass
class Product:
    item_id: str
    title: str
    description: str
    category: str
    price: float
    color: str
    material: str
    brand: str
    ptype: str           # product type (kept in this script, not written to the CSV)
    emoji: str           # emoji-datasource short_name of the source render
    recolor: str | None  # target colour if the render was recoloured
    tint: bool = False
    flip: bool = False
    check_colour: bool = True  # False where the render's dominant pixels are not the product's colour

    @property
    def image(self) -> str:
        return f"images/{self.item_id}.webp"


PREFIX = {
    "clothing": "clo", "shoes": "sho", "bags": "bag", "accessories": "acc",
    "electronics": "ele", "audio": "aud", "kitchen": "kit", "home": "hom",
    "sports": "spo", "toys": "toy", "instruments": "ins", "food": "foo",
    "beauty": "bea", "stationery": "sta", "books": "boo", "garden": "gar",
}

PRODUCTS: list[Product] = []
_counters: dict[str, int] = {}


def shop_price(p: float) -> float:
    """Spec prices are round numbers; the shop sells at .99 (a $40 spec is $39.99)."""
    return round(p - 0.01, 2) if p >= 2 else float(p)


def line(category, ptype, emoji, title, material, brand, base, variants, tint=False, flip=False,
         check_colour=True):
    """One product line. ``variants``: (colour, spec price, description). A colour other than
    ``base`` (the render's own colour) is made by recolouring the render. Fluent's red is a
    raspberry (hue ~340) that sits between red and pink; lines with base "raspberry" are
    recoloured to an unambiguous red or pink."""
    for color, price, desc in variants:
        _counters[category] = _counters.get(category, 0) + 1
        item_id = f"{PREFIX[category]}-{_counters[category]:03d}"
        t = f"{title} - {color.capitalize()}" if len(variants) > 1 else title
        PRODUCTS.append(Product(
            item_id=item_id, title=t, description=desc, category=category,
            price=shop_price(price), color=color, material=material, brand=brand, ptype=ptype,
            emoji=emoji, recolor=None if color == base else color, tint=tint, flip=flip,
            check_colour=check_colour))


def one(category, ptype, emoji, title, material, brand, color, price, desc, base=None, check_colour=True):
    line(category, ptype, emoji, title, material, brand, base or color, [(color, price, desc)],
         check_colour=check_colour)


# ---------------------------------------------------------------- clothing
line("clothing", "t-shirt", "shirt", "Everyday Crew Tee", "cotton", "Northline", "green", [
    ("green", 15, "Soft combed-cotton crew neck with a relaxed fit, dyed a fresh grass green."),
    ("red", 15, "Short-sleeve crew neck in breathable jersey; a bright tomato red that keeps its colour wash after wash."),
    ("blue", 15, "Relaxed short-sleeve top in a clear sky blue, easy to pair with denim."),
    ("black", 17, "Go-with-everything black crew neck in heavier cotton that keeps its shape."),
    ("white", 13, "Crisp white basic with a ribbed collar, made for layering or wearing alone."),
    ("yellow", 15, "Sunny short-sleever in light jersey for warm afternoons at the park."),
])
line("clothing", "blouse", "womans_clothes", "Soft V-Neck Blouse", "viscose", "Marlow", "pink", [
    ("pink", 34, "Fluid V-neck top with short sleeves in a rosy shade; dresses up jeans without effort."),
    ("white", 34, "Drapey V-neck top in ivory white that works under a blazer or on its own."),
    ("blue", 36, "Lightweight short-sleeve V-neck in cornflower blue with a gently flowing hem."),
])
one("clothing", "dress shirt", "necktie", "Striped Office Shirt and Tie Set", "cotton", "Marlow", "blue", 55,
    "Pinstriped button-up with a matching silk-look tie, ready for interviews and meetings.")
line("clothing", "jeans", "jeans", "Straight Leg Denim", "denim", "Tidewater", "blue", [
    ("blue", 49, "Mid-wash five-pocket trousers with a straight cut and a touch of stretch."),
    ("black", 52, "Jet-dyed five-pocket trousers, straight through the leg, that stay dark over time."),
    ("gray", 49, "Washed stone-grey five-pockets with a comfortable mid rise."),
])
line("clothing", "dress", "dress", "Skater Dress", "cotton", "Solstice", "blue", [
    ("blue", 59, "Sleeveless fit-and-flare with a scalloped hem and thin waist tie, in cobalt."),
    ("red", 59, "Scarlet fit-and-flare with spaghetti straps and a twirly skirt for parties."),
    ("black", 64, "The classic little black number: fitted bodice, flared skirt, goes from office to dinner."),
    ("white", 54, "Airy knee-length frock in breathable cotton, cut loose for hot summer days."),
    ("yellow", 49, "Buttercup fit-and-flare with thin straps, made for picnics and garden parties."),
])
line("clothing", "kimono", "kimono", "Printed Silk Kimono", "silk", "Kumo", "blue", [
    ("blue", 120, "Wide-sleeved wrap robe with a printed pattern and a contrast obi belt."),
    ("red", 125, "Crimson wrap robe with wide sleeves and a dark sash, for lounging in style."),
])
one("clothing", "sari", "sari", "Embroidered Silk Sari", "silk", "Kumo", "teal", 95,
    "Six yards of lustrous fabric with a contrasting border, worn draped over a fitted blouse.")
line("clothing", "bikini", "bikini", "Polka Dot Bikini", "nylon", "Tidewater", "raspberry", [
    ("red", 29, "Two-piece beach set with tie sides and playful dots, quick drying."),
    ("blue", 29, "Dotted two-piece with a halter top and tie-side bottoms in ocean blue."),
    ("black", 32, "Dotted two-piece in black with adjustable ties, for pool or beach."),
])
line("clothing", "swimsuit", "one-piece_swimsuit", "Racerback Swimsuit", "recycled nylon", "Tidewater", "pink", [
    ("pink", 39, "Chlorine-resistant one-piece with a sporty back and a contrast waist band."),
    ("black", 42, "Sleek black one-piece for laps or lounging, with a supportive racer back."),
    ("blue", 39, "One-piece for lap swimming with a streamlined back and a contrast band, in bright blue."),
])
line("clothing", "shorts", "shorts", "Drawstring Board Shorts", "polyester", "Tidewater", "green", [
    ("green", 25, "Quick-dry trunks with a drawcord waist and side pockets, in lime."),
    ("blue", 25, "Above-the-knee trunks that go from the sea to the snack bar, in azure."),
    ("black", 27, "Dark quick-dry trunks with mesh lining and an elastic waist."),
])
line("clothing", "coat", "coat", "Wool Trench Coat", "wool blend", "Marlow", "beige", [
    ("beige", 149, "Double-breasted camel overcoat with notch lapels and deep pockets for cold mornings."),
    ("black", 159, "Long double-breasted overcoat in black wool blend, warm and sharp."),
    ("gray", 139, "Charcoal-grey double-breasted overcoat, lined for winter commutes."),
])
line("clothing", "scarf", "scarf", "Chunky Knit Scarf", "merino wool", "Northline", "red", [
    ("red", 22, "Long, thick merino wrap with fringed ends to keep the wind off your neck."),
    ("gray", 22, "Heather-grey merino wrap, generously long with fringed ends."),
    ("green", 24, "Forest-toned knitted wrap, warm enough for the coldest walks."),
])
line("clothing", "gloves", "gloves", "Fleece Winter Gloves", "fleece", "Northline", "purple", [
    ("purple", 18, "Five-finger fleece mitts with ribbed cuffs that keep hands toasty."),
    ("black", 18, "Warm fleece five-fingers with knit cuffs, touchscreen-friendly fingertips."),
    ("brown", 45, "Supple leather-look driving pair lined with soft fleece."),
])
line("clothing", "socks", "socks", "Striped Crew Socks 3-Pack", "cotton blend", "Pebble", "multicolor", [
    ("multicolor", 12, "Three cushioned pairs with bold contrasting stripes and heels."),
    ("black", 10, "Three plain dark pairs with reinforced heel and toe, for work or sport."),
    ("white", 9, "Three bright cushioned pairs for the gym and everyday sneakers."),
])
one("clothing", "vest", "safety_vest", "Hi-Vis Safety Vest", "polyester", "Ironwood", "orange", 15,
    "Fluorescent work layer with reflective strips so you are seen on site or on the road.")
line("clothing", "underwear", "briefs", "Cotton Briefs 2-Pack", "cotton", "Pebble", "blue", [
    ("blue", 16, "Two soft stretch-cotton pairs with a comfortable waistband."),
    ("black", 16, "Two dark stretch-cotton pairs, breathable for all-day wear."),
])

# ---------------------------------------------------------------- shoes
line("shoes", "running shoe", "athletic_shoe", "Cloudstep Runner", "mesh", "Fennec", "lavender", [
    ("blue", 89, "Cushioned road trainer with a breathable upper and a springy foam sole, in royal blue."),
    ("red", 89, "Lightweight jogging trainer with a bouncy midsole and a flame-red upper."),
    ("black", 95, "All-black cushioned runner for daily miles, with a grippy rubber outsole."),
    ("white", 79, "Clean white everyday runner with breathable mesh and soft cushioning."),
    ("green", 85, "Neon-green trainer built for tempo runs, light and responsive."),
    ("pink", 85, "Bubblegum-pink jogging trainer with plush cushioning for long runs."),
    ("gray", 69, "Last season's runner in cool grey, same cushioned ride at a lower price."),
])
line("shoes", "sneaker", "athletic_shoe", "Canvas Court Sneaker", "canvas", "Pebble", "lavender", [
    ("blue", 39, "Budget lace-up with a canvas upper and vulcanised sole, in bright blue."),
    ("white", 35, "Minimal lace-up for everyday wear; canvas upper, white rubber sole."),
    ("black", 42, "Low-top lace-up with a dark canvas upper, easy to keep clean."),
    ("red", 39, "Cherry-coloured low-top lace-up with a flexible rubber sole."),
], flip=True)
line("shoes", "oxford", "mans_shoe", "Leather Derby Shoe", "leather", "Marlow", "brown", [
    ("brown", 110, "Polished lace-up with a stacked heel, made for suits and weddings."),
    ("black", 120, "Formal lace-up in smooth black leather with a leather sole."),
])
line("shoes", "heels", "high_heel", "Satin Stiletto Pump", "satin", "Solstice", "raspberry", [
    ("red", 75, "Pointed-toe pump on a slim 9 cm heel, a statement for evenings out."),
    ("black", 79, "Timeless pointed pump on a slim heel that goes with everything."),
    ("pink", 75, "Blush pointed pump on a slender heel, lovely for weddings."),
])
line("shoes", "heeled sandal", "sandal", "Block Heel Mule Sandal", "suede", "Solstice", "raspberry", [
    ("pink", 49, "Open-toe slide on a sturdy low block heel, comfortable all evening."),
    ("black", 52, "Open-toe slip-on with a chunky low heel; elegant and easy to walk in."),
])
line("shoes", "ankle boot", "boot", "Chelsea Ankle Boot", "leather", "Marlow", "raspberry", [
    ("red", 95, "Pull-on leather boot with elastic side panels and a low stacked heel."),
    ("black", 99, "Pull-on black leather boot with a low heel; the autumn staple."),
    ("brown", 105, "Pull-on boot in cognac leather, ages beautifully with wear."),
])
line("shoes", "hiking boot", "hiking_boot", "Trailblazer Hiking Boot", "nubuck", "Ironwood", "orange", [
    ("orange", 130, "Waterproof mid-cut boot with a lugged sole for rocky mountain trails."),
    ("brown", 135, "Waterproof mid-cut boot with ankle support and deep lugs for muddy paths."),
    ("gray", 125, "Lighter mid-cut boot with a grippy outsole for day hikes."),
])
line("shoes", "flats", "womans_flat_shoe", "Pointed Ballet Flat", "leather", "Solstice", "blue", [
    ("blue", 45, "Slip-on flat with a pointed toe and a cushioned insole, in bright blue."),
    ("black", 45, "Slip-on flat for the office: pointed toe, soft leather, no heel."),
    ("red", 45, "Slip-on flat in lipstick red that adds colour to any outfit."),
])
one("shoes", "ballet slippers", "ballet_shoes", "Satin Pointe Shoes", "satin", "Solstice", "pink", 35,
    "Ballerina slippers with crossed ribbons and a reinforced toe box for the studio.")
line("shoes", "flip-flops", "thong_sandal", "Beach Flip-Flops", "rubber", "Tidewater", "blue", [
    ("blue", 12, "Soft foam toe-post slides for the beach and the pool deck."),
    ("pink", 12, "Lightweight toe-post slides in candy pink, quick to dry."),
    ("black", 14, "Toe-post slides with a contoured footbed for summer days."),
])

# ---------------------------------------------------------------- bags
line("bags", "backpack", "school_satchel", "Daypack Backpack", "recycled polyester", "Fennec", "raspberry", [
    ("pink", 45, "20-litre rucksack with a padded laptop sleeve and a zip front pocket."),
    ("black", 49, "Sleek 20-litre rucksack for commuting, water-repellent and padded."),
    ("blue", 45, "Roomy 20-litre rucksack for school, with a front pocket and padded straps."),
    ("red", 45, "Bright 20-litre rucksack that is easy to spot, with a padded back panel."),
    ("green", 45, "Outdoor-ready 20-litre rucksack with a grab handle and zip pocket."),
])
line("bags", "handbag", "handbag", "Structured Tote Handbag", "leather", "Marlow", "beige", [
    ("beige", 89, "Two-tone carryall with rolled top handles and a roomy main compartment."),
    ("black", 95, "Black carryall with sturdy top handles, sized for a tablet and a water bottle."),
    ("red", 89, "Top-handle carryall in a rich red leather that lifts a plain outfit."),
])
line("bags", "coin purse", "purse", "Kiss-Lock Coin Purse", "faux leather", "Pebble", "raspberry", [
    ("pink", 19, "Small clasp pouch with a gold-tone kiss lock for coins and cards."),
    ("red", 19, "Small clasp pouch in red with a snap-shut frame, fits in any pocket."),
    ("black", 21, "Small black clasp pouch with a metal frame closure."),
])
line("bags", "pouch", "pouch", "Zip Cosmetic Pouch", "nylon", "Pebble", "pink", [
    ("pink", 15, "Soft zipped case for make-up or chargers, wipe-clean lining."),
    ("blue", 15, "Soft zipped case in blue for toiletries or cables, with a pull tab."),
])
line("bags", "briefcase", "briefcase", "Leather Briefcase", "leather", "Marlow", "brown", [
    ("brown", 160, "Top-handle business case with a brass-tone clasp and document sections."),
    ("black", 170, "Slim black business case that holds a 15-inch laptop and papers."),
])
line("bags", "suitcase", "luggage", "Hard-Shell Carry-On", "polycarbonate", "Fennec", "blue", [
    ("blue", 120, "Cabin-size roller with spinner wheels and a telescopic handle."),
    ("black", 130, "Cabin-size spinner with a TSA lock and scratch-resistant shell."),
    ("red", 125, "Cabin-size spinner you will spot instantly at the baggage belt."),
    ("gray", 115, "Cabin-size spinner in matte grey with an expandable zip."),
])
one("bags", "tote", "shopping_bags", "Reusable Shopping Tote Set", "coated paper", "Pebble", "multicolor", 18,
    "Pair of sturdy paper carriers with handles, for groceries or gift wrapping.")

# ---------------------------------------------------------------- accessories
line("accessories", "top hat", "tophat", "Felt Top Hat", "wool felt", "Marlow", "purple", [
    ("black", 55, "Tall formal topper with a satin band, for weddings and costume parties."),
    ("gray", 55, "Dove-grey formal topper with a contrasting band, for race days."),
])
one("accessories", "sun hat", "womans_hat", "Straw Sun Hat with Bow", "straw", "Solstice", "beige", 32,
    "Wide-brimmed woven hat with a red ribbon bow that shades face and shoulders at the beach.")
line("accessories", "cap", "billed_cap", "Six-Panel Baseball Cap", "cotton twill", "Northline", "blue", [
    ("blue", 22, "Curved-brim cap with an adjustable strap back, keeps the sun out of your eyes."),
    ("red", 22, "Curved-brim cap in cherry red, adjustable for any head size."),
    ("black", 24, "All-dark curved-brim cap with a buckle strap."),
    ("white", 20, "Clean curved-brim cap in white cotton for sunny days."),
    ("green", 22, "Curved-brim cap in bright green, lightweight and breathable."),
    ("pink", 22, "Curved-brim cap in soft pink with an adjustable back."),
])
one("accessories", "crown", "crown", "Rhinestone Party Crown", "metal", "Pebble", "gold", 25,
    "Jewelled tiara-style headpiece for birthdays, proms and dress-up.")
line("accessories", "glasses", "eyeglasses", "Round Reading Glasses", "acetate", "Vela", "blue", [
    ("blue", 29, "Lightweight frames with blue-light filtering lenses for screen time."),
    ("black", 32, "Classic dark frames with anti-glare lenses for reading."),
    ("red", 29, "Bold red frames with +1.5 magnifying lenses."),
])
line("accessories", "sunglasses", "dark_sunglasses", "Polarized Wayfarer Shades", "acetate", "Vela", "purple", [
    ("black", 45, "Dark-lensed frames with full UV400 protection; glare-free on the water."),
    ("brown", 45, "Tortoise-toned frames with tinted polarized lenses for driving."),
    ("red", 39, "Statement red frames with dark UV-blocking lenses for festivals."),
    ("blue", 39, "Blue frames with dark lenses that block UVA and UVB."),
    ("purple", 35, "Plum-tinted frames with smoky lenses, light enough to forget you're wearing them."),
])
one("accessories", "ring", "ring", "Sapphire Solitaire Ring", "sterling silver", "Vela", "silver", 180,
    "Four-prong setting holding a blue stone on a polished band; an engagement classic.")
one("accessories", "necklace", "prayer_beads", "Wooden Bead Necklace", "sandalwood", "Kumo", "orange", 28,
    "Strand of smooth round beads finished with a small tassel pendant.")
line("accessories", "watch", "watch", "Analog Wrist Watch", "stainless steel", "Vela", "blue", [
    ("blue", 65, "Three-hand quartz timepiece with a silicone strap and a steel case."),
    ("black", 70, "Three-hand quartz timepiece with a dark strap, water resistant to 50 m."),
    ("brown", 75, "Three-hand quartz timepiece on a brown strap, a smart everyday classic."),
])
one("accessories", "hand fan", "folding_hand_fan", "Silk Folding Fan", "silk and bamboo", "Kumo", "red", 18,
    "Pleated fan with bamboo ribs and a tassel that snaps open for hot summer evenings.")
line("accessories", "umbrella", "closed_umbrella", "Compact Travel Umbrella", "polyester", "Northline", "purple", [
    ("purple", 25, "Windproof fold-up canopy with a hook handle, fits in a tote."),
    ("black", 25, "Windproof fold-up canopy in black that opens wide in a downpour."),
    ("blue", 25, "Fold-up rain canopy in blue with a curved handle."),
])
one("accessories", "hair bow", "ribbon", "Satin Hair Bow", "satin", "Pebble", "red", 8,
    "Large bow on a clip to finish a ponytail or a gift.")
one("accessories", "charm", "nazar_amulet", "Evil Eye Charm", "glass", "Kumo", "blue", 12,
    "Hand-blown glass eye charm to hang by a door or on a keyring.")

# ---------------------------------------------------------------- electronics
one("electronics", "laptop", "computer", "14-inch Ultrabook", "aluminium", "Orbit", "silver", 899,
    "Thin and light notebook computer with a bright display, full keyboard and all-day battery.")
one("electronics", "desktop computer", "desktop_computer", "All-in-One Desktop PC", "aluminium", "Orbit", "silver", 1199,
    "24-inch screen with the computer built in, plus a matching wireless keyboard.",
    check_colour=False)  # the blue screen dominates the pixels
one("electronics", "printer", "printer", "Wireless Inkjet Printer", "plastic", "Orbit", "purple", 129,
    "Prints, scans and copies over Wi-Fi; prints photos and homework alike.")
line("electronics", "mouse", "three_button_mouse", "Wireless Mouse", "plastic", "Orbit", "white", [
    ("white", 25, "Quiet-click cordless pointer with a scroll wheel and a 12-month battery."),
    ("black", 25, "Quiet-click cordless pointer in matte black, ambidextrous shape."),
], tint=True)
line("electronics", "keyboard", "keyboard", "Low-Profile Keyboard", "aluminium", "Orbit", "white", [
    ("white", 49, "Slim full-size typing board with scissor keys, pairs with three devices."),
    ("black", 55, "Slim full-size typing board in black with backlit keys."),
], tint=True)
one("electronics", "trackball", "trackball", "Ergonomic Trackball", "plastic", "Orbit", "purple", 59,
    "Thumb-free pointer with a big red ball, easy on the wrist during long work days.")
one("electronics", "battery", "battery", "Rechargeable AA Batteries", "NiMH", "Lumen", "green", 19,
    "Pack of four pre-charged cells that recharge up to 1000 times.")
one("electronics", "cable", "electric_plug", "Two-Prong Power Cord", "copper", "Lumen", "black", 9,
    "Six-foot replacement lead for lamps, radios and small gadgets.")
line("electronics", "smartphone", "iphone", "6.1-inch Smartphone", "glass", "Orbit", "purple", [
    ("purple", 699, "Unlocked handset with a dual camera, 128 GB storage and an edge-to-edge screen."),
    ("black", 699, "Unlocked handset in midnight black, 128 GB, with a bright OLED display."),
])
one("electronics", "telephone", "phone", "Retro Desk Telephone", "plastic", "Lumen", "red", 59,
    "Corded landline with a push-button dial and a real ringing bell.")
one("electronics", "camera", "camera", "Compact Digital Camera", "metal", "Orbit", "silver", 349,
    "Pocketable 20 MP shooter with a zoom lens and 4K video.")
one("electronics", "camcorder", "video_camera", "HD Camcorder", "plastic", "Orbit", "silver", 299,
    "Handheld video recorder with image stabilisation and a flip-out screen.")
one("electronics", "projector", "film_projector", "Vintage-Style Film Projector", "metal", "Lumen", "silver", 210,
    "Twin-reel movie projector for home cinema nights and retro décor.")
one("electronics", "tv", "tv", "Retro Tabletop TV", "plastic", "Lumen", "silver", 180,
    "Compact screen with rabbit-ear antennas and a built-in tuner for the kitchen or a den.")
one("electronics", "arcade stick", "joystick", "Arcade Joystick Controller", "plastic", "Orbit", "purple", 39,
    "Ball-top stick with a heavy base for fighting games and retro consoles.")
line("electronics", "game controller", "video_game", "Wireless Game Controller", "plastic", "Orbit", "purple", [
    ("purple", 59, "Twin-stick gamepad with rumble and a rechargeable battery."),
    ("black", 59, "Twin-stick gamepad in black with textured grips and rumble."),
    ("white", 55, "Twin-stick gamepad in white, Bluetooth and USB-C."),
])
one("electronics", "flashlight", "flashlight", "LED Flashlight", "aluminium", "Lumen", "silver", 19,
    "Bright 1000-lumen torch with a zoom beam, runs on three AAA cells.")
one("electronics", "telescope", "telescope", "Stargazer Telescope", "aluminium", "Lumen", "purple", 149,
    "70 mm refractor on a tripod for viewing the moon, planets and birds.")

# ---------------------------------------------------------------- audio
line("audio", "headphones", "headphones", "Over-Ear Wireless Headphones", "aluminium", "Echo", "silver", [
    ("silver", 129, "Noise-cancelling cans with 30-hour battery and cushioned ear cups."),
    ("black", 139, "Noise-cancelling cans in black with plush cushions and a foldable band."),
    ("blue", 129, "Bluetooth cans in blue, noise-cancelling with a built-in mic for calls."),
    ("pink", 119, "Bluetooth over-ear set in pink, light and comfortable for kids and teens."),
    ("red", 129, "Bluetooth cans in red with punchy bass and 30-hour battery."),
], tint=True)
one("audio", "microphone", "studio_microphone", "USB Condenser Microphone", "metal", "Echo", "silver", 89,
    "Desk mic with a stand for podcasts, streaming and voice-overs.")
line("audio", "microphone", "microphone", "Handheld Karaoke Microphone", "plastic", "Echo", "gray", [
    ("gray", 29, "Wireless sing-along mic with a built-in speaker and echo effect."),
    ("pink", 29, "Wireless sing-along mic in pink for parties and kids."),
], tint=True)
line("audio", "radio", "radio", "AM/FM Tabletop Radio", "wood and metal", "Echo", "silver", [
    ("silver", 45, "Retro-style receiver with an analog dial, telescopic antenna and warm sound."),
    ("red", 49, "Retro-style receiver in red with an analog tuner and a carry handle."),
], tint=True)
line("audio", "speaker", "speaker", "Bookshelf Speaker", "wood", "Echo", "white", [
    ("white", 79, "Compact passive cabinet with a 4-inch woofer, rich sound for small rooms."),
    ("black", 79, "Compact passive cabinet in black for a stereo setup or turntable."),
], tint=True)
one("audio", "megaphone", "loudspeaker", "Handheld Megaphone", "plastic", "Echo", "red", 35,
    "Battery-powered bullhorn with siren mode, heard up to 300 m away.")
one("audio", "midi controller", "control_knobs", "Desktop MIDI Knob Controller", "plastic", "Echo", "silver", 69,
    "Four assignable rotary encoders over USB for DAW mixing and live sets.")
one("audio", "mixer", "level_slider", "Studio Fader Module", "plastic", "Echo", "silver", 49,
    "Single long-throw slider over USB for smooth volume rides while recording.")
one("audio", "cd", "cd", "Greatest Hits Audio CD", "polycarbonate", "Echo", "silver", 12,
    "Compact disc with 18 remastered classics from the seventies.")

# ---------------------------------------------------------------- kitchen
line("kitchen", "teapot", "teapot", "Ceramic Teapot", "stoneware", "Bramble & Co", "raspberry", [
    ("pink", 34, "1-litre glazed brewer with an infuser basket, keeps the brew hot."),
    ("white", 34, "1-litre glazed brewer in white with a built-in strainer."),
    ("blue", 36, "1-litre glazed brewer in blue with a snug lid and a drip-free spout."),
])
one("kitchen", "knife", "hocho", "Chef's Knife", "stainless steel", "Ironwood", "silver", 45,
    "8-inch forged blade with a riveted handle for chopping, slicing and dicing.")
one("kitchen", "cutlery", "fork_and_knife", "Stainless Cutlery Set", "stainless steel", "Ironwood", "silver", 29,
    "Sixteen-piece set of dinner forks and table knives with a satin finish.")
one("kitchen", "plate", "knife_fork_plate", "Dinner Place Setting", "porcelain", "Bramble & Co", "white", 39,
    "Round porcelain plate with matching fork and knife for one guest.")
one("kitchen", "spoon", "spoon", "Stainless Serving Spoon", "stainless steel", "Ironwood", "silver", 8,
    "Long-handled ladle-like server for stews, rice and salads.")
one("kitchen", "chopsticks", "chopsticks", "Lacquered Chopsticks", "wood", "Kumo", "red", 9,
    "Five pairs of glossy reusable eating sticks with dark tips.")
one("kitchen", "jar", "jar", "Glass Storage Jar", "glass", "Bramble & Co", "clear", 11,
    "Airtight 1-litre canister with a label panel for flour, pasta or cookies.")
one("kitchen", "pan", "shallow_pan_of_food", "Two-Handled Paella Pan", "carbon steel", "Ironwood", "purple", 39,
    "Wide, shallow 34 cm cooking vessel for rice dishes and big family meals.")
line("kitchen", "skillet", "fried_egg", "Cast Iron Skillet", "cast iron", "Ironwood", "purple", [
    ("black", 35, "Pre-seasoned 10-inch frying vessel that goes from stove to oven."),
])
line("kitchen", "bowl", "bowl_with_spoon", "Ceramic Cereal Bowl", "ceramic", "Bramble & Co", "blue", [
    ("blue", 12, "Deep glazed dish for breakfast, soup or ramen; dishwasher safe."),
    ("red", 12, "Deep glazed dish in red for porridge, noodles or salad."),
    ("white", 11, "Deep glazed dish in white, stacks neatly in the cupboard."),
])
one("kitchen", "pot", "stew", "Two-Handled Soup Pot", "stainless steel", "Ironwood", "silver", 49,
    "5-quart stockpot with a heavy base for soups, chili and pasta.")
one("kitchen", "wine glass", "wine_glass", "Crystal Wine Glass", "crystal", "Bramble & Co", "clear", 15,
    "Thin-rimmed stemmed goblet that opens up red wines.")
one("kitchen", "cocktail glass", "cocktail", "Martini Glass", "glass", "Bramble & Co", "clear", 12,
    "Cone-shaped stemmed glass for martinis and cosmopolitans.")
one("kitchen", "beer mug", "beer", "Glass Beer Mug", "glass", "Bramble & Co", "clear", 10,
    "Heavy half-litre stein with a thick handle, chills well in the freezer.")
one("kitchen", "tumbler", "tumbler_glass", "Whiskey Tumbler", "glass", "Bramble & Co", "clear", 14,
    "Heavy-based rocks glass for spirits on ice.")
one("kitchen", "drinking glass", "glass_of_milk", "Tall Drinking Glass", "glass", "Bramble & Co", "clear", 6,
    "Simple straight-sided glass for water, milk or juice.")
line("kitchen", "travel cup", "cup_with_straw", "Reusable Cup with Straw", "BPA-free plastic", "Pebble", "red", [
    ("red", 9, "Lidded take-away style tumbler with a reusable straw, for smoothies and iced drinks."),
    ("blue", 9, "Lidded tumbler in blue with a reusable straw for cold drinks on the go."),
])
one("kitchen", "baby bottle", "baby_bottle", "Baby Feeding Bottle", "BPA-free plastic", "Pebble", "beige", 11,
    "Anti-colic 250 ml bottle with a soft silicone nipple.")
one("kitchen", "salt shaker", "salt", "Glass Salt Shaker", "glass", "Bramble & Co", "clear", 7,
    "Refillable seasoning dispenser with a steel cap.")
one("kitchen", "fondue set", "fondue", "Cheese Fondue Set", "enamelled cast iron", "Bramble & Co", "red", 59,
    "Pot, burner and forks for melting cheese or chocolate at the table.")
one("kitchen", "gourd cup", "mate_drink", "Gourd Mate Cup", "calabash", "Kumo", "brown", 18,
    "Traditional calabash cup with a metal bombilla straw for yerba mate.")

# ---------------------------------------------------------------- home
line("home", "sofa", "couch_and_lamp", "Three-Seat Sofa and Floor Lamp", "linen", "Bramble & Co", "blue", [
    ("blue", 699, "Deep-cushioned couch for three with a matching arc reading light."),
    ("gray", 699, "Deep-cushioned couch for three in slate with an arc reading light."),
    ("green", 749, "Velvet-look couch for three in emerald with an arc reading light."),
])
one("home", "bed", "bed", "Upholstered Platform Bed", "wood and fabric", "Bramble & Co", "blue", 399,
    "Queen frame with a padded headboard; no box spring needed.")
line("home", "chair", "chair", "Wooden Dining Chair", "oak", "Bramble & Co", "brown", [
    ("brown", 79, "Solid oak seat with a slatted back, for the kitchen table."),
    ("black", 79, "Solid wood seat painted black with a slatted back."),
])
one("home", "mirror", "mirror", "Scalloped Wall Mirror", "glass and resin", "Bramble & Co", "gold", 65,
    "Oval looking glass in a wavy gold-tone frame for the hallway.")
one("home", "candle", "candle", "Unscented Pillar Candle", "soy wax", "Lumen", "beige", 12,
    "Slow-burning 40-hour pillar that adds a warm glow to the table.")
one("home", "oil lamp", "diya_lamp", "Clay Diya Oil Lamp", "terracotta", "Kumo", "orange", 9,
    "Hand-painted clay lamp for Diwali and festive evenings.")
one("home", "lantern", "izakaya_lantern", "Paper Lantern", "paper", "Kumo", "orange", 22,
    "Striped hanging lantern that softens a bare bulb.")
one("home", "light bulb", "bulb", "Warm LED Light Bulb", "glass", "Lumen", "yellow", 8,
    "E26 bulb, 60 W equivalent at 9 W, warm white light.")
one("home", "wall art", "frame_with_picture", "Framed Landscape Print", "wood and paper", "Bramble & Co", "multicolor", 45,
    "Sunny hills-and-sky picture in a natural wood frame, ready to hang.")
one("home", "clock", "mantelpiece_clock", "Mantel Clock", "wood", "Bramble & Co", "brown", 85,
    "Shelf timepiece with a walnut case and a quiet quartz movement.")
line("home", "alarm clock", "alarm_clock", "Twin-Bell Alarm Clock", "metal", "Lumen", "red", [
    ("red", 25, "Loud old-school wake-up clock with two bells and a luminous face."),
    ("blue", 25, "Loud old-school wake-up clock in blue with two bells on top."),
])
one("home", "bathtub", "bathtub", "Freestanding Bathtub", "acrylic", "Bramble & Co", "white", 899,
    "Deep-soak tub on feet with a chrome faucet for long relaxing baths.")
one("home", "shower head", "shower", "Rain Shower Head", "chrome", "Ironwood", "silver", 49,
    "Wide overhead sprayer with anti-clog nozzles.")
one("home", "broom", "broom", "Corn Broom", "corn fibre", "Ironwood", "brown", 18,
    "Classic sweeping brush with a wooden handle for porches and kitchens.")
one("home", "basket", "basket", "Woven Storage Basket", "rattan", "Bramble & Co", "brown", 29,
    "Handled hamper for blankets, toys or a picnic.")
one("home", "bucket", "bucket", "Plastic Bucket", "plastic", "Ironwood", "blue", 7,
    "10-litre pail with a steel handle for cleaning and gardening.")
one("home", "toilet paper", "roll_of_paper", "Toilet Paper 12-Pack", "paper", "Pebble", "white", 11,
    "Soft two-ply rolls made from recycled fibres.")
one("home", "sponge", "sponge", "Cleaning Sponges", "cellulose", "Pebble", "orange", 5,
    "Six absorbent scrubbers for dishes and countertops.")
one("home", "vase", "amphora", "Terracotta Amphora Vase", "terracotta", "Kumo", "brown", 55,
    "Two-handled clay vessel with a Greek key band for dried flowers.")
one("home", "wind chime", "wind_chime", "Glass Wind Chime", "glass", "Kumo", "multicolor", 19,
    "Japanese furin bell with a paper strip that rings softly in the breeze.")

# ---------------------------------------------------------------- sports
one("sports", "soccer ball", "soccer", "Match Soccer Ball", "PU leather", "Fennec", "blue", 29,
    "Size-5 stitched football for grass and turf, FIFA-quality bounce.")
one("sports", "basketball", "basketball", "Indoor/Outdoor Basketball", "composite leather", "Fennec", "orange", 32,
    "Official-size ball with deep channels for grip on court or driveway.")
one("sports", "american football", "football", "Leather American Football", "leather", "Fennec", "brown", 35,
    "Full-size pigskin with white laces for backyard passing.")
one("sports", "rugby ball", "rugby_football", "Rugby Training Ball", "rubber", "Fennec", "orange", 30,
    "Size-5 oval ball with a grippy pimpled surface for drills.")
one("sports", "volleyball", "volleyball", "Beach Volleyball", "synthetic leather", "Fennec", "white", 25,
    "Soft-touch ball for sand courts, water resistant.")
one("sports", "baseball", "baseball", "Leather Baseball", "leather", "Fennec", "white", 8,
    "Regulation 9-inch ball with red stitching.")
one("sports", "softball", "softball", "Fastpitch Softball", "leather", "Fennec", "green", 9,
    "12-inch high-visibility ball for league play.")
one("sports", "tennis racket", "tennis", "Graphite Tennis Racket", "graphite", "Fennec", "red", 89,
    "Light 270 g frame with a big sweet spot; comes with a ball.")
one("sports", "badminton set", "badminton_racquet_and_shuttlecock", "Badminton Racquet and Shuttle", "aluminium", "Fennec", "blue", 35,
    "Lightweight racquet with a feather shuttlecock for the garden or gym.")
one("sports", "table tennis", "table_tennis_paddle_and_ball", "Ping Pong Paddle", "wood and rubber", "Fennec", "pink", 19,
    "Spin-friendly bat with a rubber face and a ball.")
one("sports", "cricket bat", "cricket_bat_and_ball", "Willow Cricket Bat", "willow", "Fennec", "beige", 79,
    "Full-size bat with a cane handle, plus a leather ball.")
one("sports", "hockey stick", "field_hockey_stick_and_ball", "Field Hockey Stick", "composite", "Fennec", "pink", 49,
    "Lightweight stick with a hook head for turf, ball included.")
one("sports", "hockey stick", "ice_hockey_stick_and_puck", "Ice Hockey Stick and Puck", "composite", "Fennec", "pink", 59,
    "Taped stick with a rubber puck for the rink or the frozen pond.")
one("sports", "lacrosse stick", "lacrosse", "Lacrosse Stick", "aluminium", "Fennec", "blue", 55,
    "Complete stick with a mesh pocket and a practice ball.")
one("sports", "skis", "ski", "All-Mountain Ski Set", "wood core", "Northline", "multicolor", 399,
    "Orange skis with bindings and a blue boot, for groomed runs and powder alike.")
one("sports", "ice skates", "ice_skate", "Figure Ice Skates", "leather", "Northline", "white", 89,
    "Lace-up skates with stainless blades for the rink.")
line("sports", "roller skates", "roller_skate", "Retro Quad Roller Skates", "synthetic leather", "Fennec", "raspberry", [
    ("pink", 79, "High-top four-wheelers with a toe stop for the roller rink."),
    ("black", 85, "High-top four-wheelers in black with smooth urethane wheels."),
])
line("sports", "boxing gloves", "boxing_glove", "Boxing Gloves", "synthetic leather", "Ironwood", "raspberry", [
    ("red", 45, "12 oz padded mitts with a hook-and-loop strap for bag work and sparring."),
    ("black", 49, "12 oz padded mitts in black with a breathable lining."),
    ("blue", 45, "12 oz padded mitts in blue for fitness kickboxing classes."),
])
one("sports", "goal", "goal_net", "Backyard Soccer Goal", "steel", "Fennec", "red", 89,
    "Pop-up 6 x 4 ft frame with a sturdy net for the garden.")
one("sports", "martial arts uniform", "martial_arts_uniform", "Karate Gi", "cotton", "Ironwood", "white", 39,
    "Mid-weight uniform with a belt, for dojo training.")
line("sports", "snorkel", "diving_mask", "Snorkel Mask Set", "silicone", "Tidewater", "raspberry", [
    ("pink", 29, "Tempered-glass dive mask with a dry-top breathing tube."),
    ("blue", 29, "Tempered-glass dive mask in blue with a dry-top breathing tube."),
])
one("sports", "goggles", "goggles", "Anti-Fog Ski Goggles", "polycarbonate", "Northline", "blue", 49,
    "Wide-view snow goggles with a double lens and an adjustable strap.")
one("sports", "bowling", "bowling", "Bowling Ball and Pins Set", "resin", "Fennec", "purple", 69,
    "A 12 lb ball with two practice pins for lane nights.")
one("sports", "frisbee", "flying_disc", "Ultimate Flying Disc", "plastic", "Fennec", "blue", 12,
    "175 g competition disc for ultimate and beach throws.")
one("sports", "fishing rod", "fishing_pole_and_fish", "Telescopic Fishing Rod", "carbon fibre", "Tidewater", "brown", 45,
    "Collapsible rod and reel that packs into a backpack.",
    check_colour=False)  # the blue fish on the line dominates
one("sports", "running top", "running_shirt_with_sash", "Race Day Running Singlet", "polyester", "Fennec", "green", 28,
    "Sleeveless wicking vest for race day, with a diagonal stripe.")
one("sports", "sled", "sled", "Wooden Snow Sled", "wood and steel", "Northline", "beige", 69,
    "Classic slatted toboggan on steel runners for snowy hills.")
one("sports", "stopwatch", "stopwatch", "Sports Stopwatch", "plastic", "Fennec", "black", 15,
    "Lap timer to 1/100 s with a lanyard, for coaches and runners.", base="purple")
one("sports", "tent", "tent", "Two-Person Dome Tent", "nylon", "Northline", "green", 119,
    "Easy-pitch shelter with a rain fly for weekend camping.")
one("sports", "archery", "bow_and_arrow", "Recurve Bow", "wood", "Ironwood", "brown", 99,
    "Takedown archery bow with an arrow for target practice.")
one("sports", "bicycle", "bike", "City Bicycle", "steel", "Fennec", "red", 349,
    "Seven-speed upright commuter bike with a comfy saddle.",
    check_colour=False)  # thin frame, white tyres
one("sports", "skateboard", "skateboard", "Skateboard Deck Complete", "maple", "Fennec", "purple", 59,
    "7-ply complete board with trucks and wheels, ready to ride.")
one("sports", "scooter", "scooter", "Kick Scooter", "aluminium", "Fennec", "blue", 79,
    "Foldable two-wheel push scooter with an adjustable handlebar.")
one("sports", "billiards", "8ball", "Billiard Ball Set", "resin", "Fennec", "black", 49,
    "Full set of 16 pool balls, led by the classic black eight.", base="purple")

# ---------------------------------------------------------------- toys
line("toys", "teddy bear", "teddy_bear", "Plush Teddy Bear", "plush", "Pebble", "brown", [
    ("brown", 24, "Huggable 30 cm stuffed bear with soft fur, safe from birth."),
    ("pink", 24, "Huggable 30 cm stuffed bear in pink, a sweet birthday gift."),
    ("white", 26, "Huggable 30 cm stuffed bear in snowy white fur."),
])
one("toys", "kite", "kite", "Diamond Kite", "ripstop nylon", "Pebble", "multicolor", 19,
    "Easy-flying kite with a bow tail and 50 m of line, for breezy beach days.")
line("toys", "yo-yo", "yo-yo", "Light-Up Yo-Yo", "plastic", "Pebble", "purple", [
    ("purple", 6, "Ball-bearing spinner that glows as it whirls."),
    ("red", 6, "Ball-bearing spinner in red that glows as it whirls."),
])
one("toys", "puzzle", "jigsaw", "500-Piece Jigsaw Puzzle", "cardboard", "Pebble", "green", 18,
    "Colourful picture puzzle for rainy afternoons with the family.")
one("toys", "dice", "game_die", "Dice Set", "acrylic", "Pebble", "white", 5,
    "Ten six-sided dice with rounded corners for board games.")
one("toys", "doll", "nesting_dolls", "Russian Nesting Dolls", "painted wood", "Kumo", "red", 29,
    "Five hand-painted matryoshka figures that fit inside one another.")
one("toys", "doll", "dolls", "Hina Doll Pair", "silk and wood", "Kumo", "multicolor", 45,
    "Emperor and empress figures on a stand for the Girls' Day display.")
one("toys", "pinata", "pinata", "Donkey Pinata", "paper", "Pebble", "multicolor", 25,
    "Rainbow papier-mache burro to fill with sweets for birthday parties.")
one("toys", "magic wand", "magic_wand", "Magician's Wand", "wood", "Pebble", "purple", 10,
    "Star-topped trick wand for young illusionists.")
one("toys", "chess", "chess_pawn", "Classic Chess Set", "wood", "Pebble", "black", 35,
    "Weighted pieces and a folding board for two players.")
line("toys", "balloons", "balloon", "Party Balloons 20-Pack", "latex", "Pebble", "red", [
    ("red", 8, "Glossy 12-inch latex balloons with ribbon, for birthdays."),
    ("blue", 8, "Glossy 12-inch latex balloons in blue, with ribbon."),
])
one("toys", "toy car", "racing_car", "Toy Race Car", "die-cast metal", "Pebble", "red", 15,
    "Die-cast formula racer with free-rolling wheels.",
    check_colour=False)  # dark tyres take as many pixels as the red body
one("toys", "toy car", "blue_car", "Toy Off-Road SUV", "die-cast metal", "Pebble", "blue", 15,
    "Die-cast 4x4 with a roof rack and rubber tyres.")
one("toys", "toy rocket", "rocket", "Toy Space Rocket", "plastic", "Pebble", "white", 18,
    "Stomp-launch foam rocket that flies up to 30 m.")
one("toys", "abacus", "abacus", "Wooden Counting Abacus", "beech wood", "Pebble", "multicolor", 16,
    "Bead frame with 100 colourful beads to learn numbers.")
one("toys", "playing cards", "flower_playing_cards", "Playing Cards Deck", "paper", "Pebble", "red", 5,
    "Linen-finish 54-card deck for poker, solitaire and magic tricks.")
one("toys", "mahjong", "mahjong", "Mahjong Set", "melamine", "Kumo", "white", 59,
    "144 tiles with racks and dice in a carry case.")
one("toys", "boomerang", "boomerang", "Wooden Boomerang", "plywood", "Pebble", "beige", 14,
    "Hand-finished returning thrower for open fields.")
one("toys", "darts", "dart", "Dartboard Set", "sisal", "Pebble", "red", 35,
    "Bristle board with six steel-tip arrows for the game room.")

# ---------------------------------------------------------------- instruments
line("instruments", "guitar", "guitar", "Electric Guitar", "alder", "Sonora", "red", [
    ("red", 299, "Solid-body six-string with two pickups and a maple neck."),
    ("black", 319, "Solid-body six-string in gloss black with a rosewood fretboard."),
    ("blue", 299, "Solid-body six-string in lake blue, a great first axe."),
])
one("instruments", "violin", "violin", "Student Violin", "spruce and maple", "Sonora", "brown", 149,
    "Full-size fiddle outfit with bow, rosin and a case.")
one("instruments", "saxophone", "saxophone", "Alto Saxophone", "brass", "Sonora", "gold", 599,
    "Lacquered E-flat sax with a mouthpiece and a padded case.")
one("instruments", "trumpet", "trumpet", "Brass Trumpet", "brass", "Sonora", "gold", 329,
    "B-flat horn with smooth valves, ideal for school band.")
one("instruments", "piano", "musical_keyboard", "Digital Piano Keyboard", "plastic", "Sonora", "white", 249,
    "61 touch-sensitive keys with built-in speakers and 200 voices.")
one("instruments", "drum", "drum_with_drumsticks", "Snare Drum with Sticks", "birch", "Sonora", "red", 119,
    "14-inch snare with a pair of hickory sticks for practice.",
    check_colour=False)  # the white drum head dominates
one("instruments", "drum", "long_drum", "Djembe Hand Drum", "mahogany and goatskin", "Sonora", "brown", 89,
    "Rope-tuned goblet drum played with bare hands.")
one("instruments", "maracas", "maracas", "Painted Maracas Pair", "wood", "Sonora", "multicolor", 15,
    "Hand-painted shakers for rhythm and fiesta music.")
one("instruments", "flute", "flute", "Bamboo Flute", "bamboo", "Sonora", "orange", 25,
    "Six-hole transverse flute tuned in C with a warm, breathy tone.")
one("instruments", "banjo", "banjo", "5-String Banjo", "mahogany", "Sonora", "brown", 229,
    "Resonator banjo with a bright twang for bluegrass and folk.")
one("instruments", "accordion", "accordion", "Piano Accordion", "celluloid", "Sonora", "red", 449,
    "34-key squeezebox with 48 bass buttons for polkas and tangos.")
one("instruments", "horn", "postal_horn", "Brass Post Horn", "brass", "Sonora", "gold", 159,
    "Coiled valveless horn with a red tassel cord.")
one("instruments", "hand bell", "bell", "Brass Hand Bell", "brass", "Sonora", "gold", 19,
    "Polished ringer with a clear tone for classrooms and choirs.")

# ---------------------------------------------------------------- food
one("food", "coffee", "coffee", "House Blend Coffee", "arabica", "Bramble & Co", "brown", 14,
    "Medium-roast whole beans, 12 oz bag, with notes of cocoa and caramel; brews a rich cup.")
one("food", "tea", "tea", "Jasmine Green Tea", "tea leaves", "Kumo", "white", 9,
    "Twenty fragrant sachets of floral leaves for a calming afternoon brew.")
one("food", "bread", "bread", "Sourdough Sandwich Loaf", "wheat", "Bramble & Co", "orange", 6,
    "Slow-fermented sliced loaf with a soft crumb for toast and sandwiches.")
one("food", "bread", "baguette_bread", "French Baguette", "wheat", "Bramble & Co", "orange", 3,
    "Crusty stick baked this morning, crisp outside and airy inside.")
one("food", "pastry", "croissant", "Butter Croissants 4-Pack", "wheat", "Bramble & Co", "orange", 7,
    "Flaky crescent rolls laminated with real butter.")
one("food", "cheese", "cheese_wedge", "Aged Swiss Cheese", "cow's milk", "Bramble & Co", "yellow", 9,
    "Nutty wedge with big holes, great melted or on a board.")
one("food", "honey", "honey_pot", "Wildflower Honey", "honey", "Bramble & Co", "brown", 12,
    "Raw, unfiltered golden spread in a 500 g pot from local hives.")
one("food", "chocolate", "chocolate_bar", "Dark Chocolate Bar", "cocoa", "Bramble & Co", "brown", 4,
    "70 % cocoa tablet with a snap, single-origin beans.")
one("food", "cookies", "cookie", "Chocolate Chip Cookies", "wheat", "Bramble & Co", "beige", 5,
    "Dozen chewy bakes loaded with dark chunks.")
one("food", "donut", "doughnut", "Glazed Sprinkle Donuts", "wheat", "Bramble & Co", "brown", 6,
    "Box of six ring doughnuts dipped in chocolate with sprinkles.")
one("food", "fruit", "apple", "Crisp Red Apples", "fruit", "Greenway", "red", 4,
    "Two pounds of sweet, crunchy orchard fruit.")
one("food", "fruit", "green_apple", "Tart Green Apples", "fruit", "Greenway", "green", 4,
    "Two pounds of sour, crunchy Granny Smiths, perfect for pies.")
one("food", "fruit", "banana", "Organic Bananas", "fruit", "Greenway", "yellow", 2,
    "A bunch of ripe, sweet fruit for smoothies and snacks.",
    check_colour=False)  # golden render reads as orange
one("food", "fruit", "strawberry", "Fresh Strawberries", "fruit", "Greenway", "red", 5,
    "A pound of juicy red berries, picked ripe.")
one("food", "fruit", "grapes", "Seedless Grapes", "fruit", "Greenway", "purple", 4,
    "A bag of sweet, snappy purple grapes.")
one("food", "fruit", "cherries", "Sweet Cherries", "fruit", "Greenway", "red", 6,
    "A pound of dark, juicy stone fruit in season.")
one("food", "fruit", "pineapple", "Golden Pineapple", "fruit", "Greenway", "orange", 4,
    "Whole tropical fruit, extra sweet and ready to cut.")
one("food", "fruit", "watermelon", "Seedless Watermelon", "fruit", "Greenway", "red", 7,
    "Half a refreshing melon with a bright crimson inside.")
one("food", "fruit", "lemon", "Unwaxed Lemons", "fruit", "Greenway", "yellow", 3,
    "Bag of five zesty citrus fruit for cooking and drinks.")
one("food", "fruit", "avocado", "Ripe Avocados", "fruit", "Greenway", "green", 5,
    "Pack of three creamy Hass fruit, ready for guacamole.")
one("food", "fruit", "blueberries", "Wild Blueberries", "fruit", "Greenway", "purple", 5,
    "Pint of small, intense berries for pancakes and yogurt.")
one("food", "butter", "butter", "Salted Butter", "cream", "Bramble & Co", "yellow", 5,
    "Creamy churned block, 250 g, for baking and spreading.")
one("food", "canned food", "canned_food", "Canned Tomatoes", "tomatoes", "Greenway", "red", 2,
    "Peeled plum tomatoes in juice for sauces and stews, 400 g tin.")
one("food", "popcorn", "popcorn", "Movie Night Popcorn", "corn", "Bramble & Co", "white", 4,
    "Ready-to-eat lightly salted kernels in a striped tub.")
one("food", "bubble tea", "bubble_tea", "Brown Sugar Milk Tea Kit", "tea and tapioca", "Kumo", "beige", 12,
    "Make six boba drinks at home: tapioca pearls, syrup and tea.")
one("food", "juice", "beverage_box", "Apple Juice Boxes 8-Pack", "apple juice", "Greenway", "green", 5,
    "Lunchbox-size cartons of 100 % pressed fruit juice with straws.")
one("food", "wine", "champagne", "Sparkling Brut Wine", "grapes", "Greenway", "green", 25,
    "Dry bubbly with fine bubbles for toasts and celebrations.")

# ---------------------------------------------------------------- beauty
line("beauty", "lipstick", "lipstick", "Satin Lipstick", "wax and pigment", "Vela", "raspberry", [
    ("pink", 18, "Creamy lip colour with a satin finish that lasts through coffee."),
    ("red", 18, "Creamy classic red lip colour with a satin finish."),
    ("purple", 18, "Creamy berry-toned lip colour for a bold evening look."),
])
one("beauty", "nail polish", "nail_care", "Gel-Effect Nail Polish", "lacquer", "Vela", "purple", 9,
    "Chip-resistant lacquer with a high-shine finish, dries in a minute.",
    check_colour=False)  # the painted hand dominates the pixels
one("beauty", "lotion", "lotion_bottle", "Shea Body Lotion", "shea butter", "Vela", "pink", 14,
    "Pump bottle of light, fast-absorbing moisturiser for dry skin.",
    check_colour=False)  # pale pink reads as white
one("beauty", "soap", "soap", "Rose Bar Soap", "glycerin", "Vela", "pink", 6,
    "Gentle foaming bar with a soft floral scent.")
one("beauty", "razor", "razor", "Five-Blade Razor", "plastic and steel", "Vela", "blue", 22,
    "Smooth-gliding shaver with a pivoting head and two refills.")
line("beauty", "toothbrush", "toothbrush", "Soft Bristle Toothbrush", "bamboo fibre", "Vela", "raspberry", [
    ("pink", 4, "Gentle-bristled brush for sensitive gums."),
    ("blue", 4, "Gentle-bristled brush in blue with a slim handle."),
])
one("beauty", "comb", "hair_pick", "Wide-Tooth Hair Pick", "plastic", "Vela", "purple", 7,
    "Long-tooth comb that lifts curls and detangles without frizz.")

# ---------------------------------------------------------------- stationery
one("stationery", "pencil", "pencil2", "Graphite Pencils 12-Pack", "cedar", "Inkwell", "orange", 6,
    "HB writers with erasers on top, pre-sharpened.")
one("stationery", "pen", "lower_left_ballpoint_pen", "Retractable Ballpoint Pen", "plastic", "Inkwell", "blue", 3,
    "Smooth click writer with blue ink and a rubber grip.")
one("stationery", "pen", "lower_left_fountain_pen", "Fountain Pen", "brass", "Inkwell", "blue", 45,
    "Medium-nib ink writer with a converter and two cartridges.")
one("stationery", "crayons", "lower_left_crayon", "Wax Crayons 24-Pack", "wax", "Inkwell", "green", 5,
    "Bright, non-toxic colouring sticks for kids.")
one("stationery", "paintbrush", "lower_left_paintbrush", "Watercolor Paintbrush", "synthetic bristle", "Inkwell", "red", 7,
    "Round size-8 brush that holds plenty of paint.")
one("stationery", "notebook", "notebook", "Hardcover Dot Grid Journal", "paper", "Inkwell", "black", 15,
    "A5 journal with an elastic band and 180 dotted pages.", base="purple")
one("stationery", "notebook", "notebook_with_decorative_cover", "Confetti Cover Journal", "paper", "Inkwell", "purple", 12,
    "A5 lined journal with a playful sprinkle-pattern cover.")
one("stationery", "notebook", "ledger", "Spiral Notebook", "paper", "Inkwell", "yellow", 6,
    "College-ruled 100-sheet wirebound pad.")
one("stationery", "notepad", "spiral_note_pad", "Top-Bound Notepad", "paper", "Inkwell", "white", 3,
    "Pocket-size flip pad for lists and quick notes.")
one("stationery", "scissors", "scissors", "Craft Scissors", "steel", "Inkwell", "red", 8,
    "Sharp all-purpose shears with comfy soft-grip handles.")
one("stationery", "ruler", "straight_ruler", "30 cm Ruler", "aluminium", "Inkwell", "silver", 2,
    "Straight-edge measure with metric and imperial marks.")
one("stationery", "ruler", "triangular_ruler", "Set Square", "aluminium", "Inkwell", "silver", 3,
    "45-degree triangle for technical drawing.")
one("stationery", "paper clips", "paperclip", "Paper Clips 100-Pack", "steel", "Inkwell", "silver", 2,
    "Standard silver clips to keep papers together.")
one("stationery", "push pins", "pushpin", "Push Pins 50-Pack", "plastic and steel", "Inkwell", "red", 3,
    "Red-headed thumbtacks for corkboards.")
one("stationery", "calendar", "calendar", "Desk Calendar", "paper", "Inkwell", "white", 12,
    "Twelve-month tear-off planner for the desk.")
one("stationery", "clipboard", "clipboard", "Hardboard Clipboard", "hardboard", "Inkwell", "orange", 5,
    "Letter-size writing board with a strong spring clip.")
one("stationery", "folder", "file_folder", "File Folders 10-Pack", "card", "Inkwell", "yellow", 8,
    "Manila-coloured tabbed sleeves for organising documents.")
one("stationery", "paint palette", "art", "Watercolor Paint Palette", "plastic", "Inkwell", "beige", 15,
    "Palette with five pans of pigment for painting on the go.")

# ---------------------------------------------------------------- books
one("books", "book", "closed_book", "The Red Harbour (Mystery Novel)", "hardcover", "Inkwell Press", "red", 18,
    "A gripping whodunit set in a foggy fishing town.")
one("books", "book", "green_book", "Field Guide to Forest Plants", "paperback", "Inkwell Press", "green", 22,
    "Illustrated handbook for identifying trees, ferns and mushrooms on a hike.")
one("books", "book", "blue_book", "Ocean Cookbook", "hardcover", "Inkwell Press", "blue", 29,
    "Seventy seafood recipes from coastal kitchens around the world.")
one("books", "book", "orange_book", "Sunset Poems", "paperback", "Inkwell Press", "orange", 14,
    "A slim collection of verse about summer evenings.")
one("books", "book", "books", "Kids' Bedtime Story Trio", "hardcover", "Inkwell Press", "multicolor", 32,
    "Three illustrated picture stories bundled together for reading aloud before sleep.")

# ---------------------------------------------------------------- garden
one("garden", "plant", "potted_plant", "Potted Herb Plant", "terracotta", "Greenway", "green", 15,
    "Young basil in a clay pot, ready for a sunny windowsill.")
one("garden", "plant", "cactus", "Saguaro Cactus", "ceramic pot", "Greenway", "green", 19,
    "Low-maintenance succulent that thrives on neglect and sunlight.")
one("garden", "flowers", "tulip", "Tulip Bulbs 10-Pack", "bulbs", "Greenway", "pink", 12,
    "Plant in autumn for a spring show of cup-shaped blooms.")
one("garden", "flowers", "rose", "Red Rose Bush", "live plant", "Greenway", "red", 19,
    "Fragrant climbing shrub with deep crimson blooms.")
one("garden", "seeds", "sunflower", "Giant Sunflower Seeds", "seeds", "Greenway", "yellow", 4,
    "Packet of seeds that grow two-metre golden flower heads.")
one("garden", "flowers", "bouquet", "Mixed Flower Bouquet", "cut flowers", "Greenway", "multicolor", 35,
    "Hand-tied bunch of seasonal blooms wrapped in paper.")
one("garden", "plant", "hibiscus", "Tropical Hibiscus Plant", "live plant", "Greenway", "pink", 25,
    "Potted shrub with large showy blossoms all summer.")
one("garden", "seeds", "seedling", "Seed Starter Kit", "peat", "Greenway", "green", 5,
    "Sprouting pots and compost to start vegetables indoors.")
one("garden", "plant", "evergreen_tree", "Dwarf Spruce Sapling", "live plant", "Greenway", "green", 29,
    "Small conifer for a patio pot or a living holiday tree.")

# --------------------------------------------------------------------------------------------
# product-type groups used for labelling queries (not in the CSV)
# --------------------------------------------------------------------------------------------
WEARABLE_CATEGORIES = {"clothing", "shoes"}
WEARABLE_ACCESSORY_TYPES = {"top hat", "sun hat", "cap", "crown", "glasses", "sunglasses", "ring",
                            "necklace", "watch", "hair bow", "gloves", "scarf"}
HAT_TYPES = {"top hat", "sun hat", "cap"}
SNEAKER_TYPES = {"running shoe", "sneaker"}


def is_wearable(p: Product) -> bool:
    return p.category in WEARABLE_CATEGORIES or p.ptype in WEARABLE_ACCESSORY_TYPES


# --------------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------------
def find_render(fluent_assets: Path, unified: str) -> Path:
    u = unified.lower()
    cands = [u, u.replace("-fe0f", ""), u.split("-")[0] + "-fe0f", u.split("-")[0]]
    for c in cands:
        p = fluent_assets / f"{c}.webp"
        if p.exists():
            return p
    raise FileNotFoundError(f"no Fluent render for {unified}")


def render(p: Product, src: Path) -> tuple[Image.Image, dict[str, float]]:
    im = Image.open(src).convert("RGBA")
    if p.flip:
        im = im.transpose(Image.FLIP_LEFT_RIGHT)
    if p.recolor:
        im = recolor(im, p.recolor, tint=p.tint)
    im = im.resize((IMAGE_SIZE, IMAGE_SIZE), Image.LANCZOS)
    shares = colour_shares(im)
    flat = Image.new("RGB", im.size, (255, 255, 255))
    flat.paste(im, mask=im.getchannel("A"))
    return flat, shares


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("fluent_dir", help="extracted @lobehub/fluent-emoji-3d package dir (has assets/)")
    ap.add_argument("datasource_dir", help="extracted emoji-datasource-google package dir (has emoji.json)")
    ap.add_argument("--out", default=str(HERE), help="output dir (default: this script's dir)")
    args = ap.parse_args(argv)

    fluent_assets = Path(args.fluent_dir) / "assets"
    meta = json.loads((Path(args.datasource_dir) / "emoji.json").read_text())
    by_name = {e["short_name"]: e for e in meta}
    out = Path(args.out)
    img_dir = out / "images"
    img_dir.mkdir(parents=True, exist_ok=True)
    for old in img_dir.glob("*.webp"):
        old.unlink()

    problems = []
    used = {}
    for p in PRODUCTS:
        e = by_name[p.emoji]
        src = find_render(fluent_assets, e["unified"])
        used.setdefault(src.name, (e["unified"], e["name"], []))[2].append(p.item_id)
        flat, shares = render(p, src)
        flat.save(img_dir / f"{p.item_id}.webp", "WEBP", quality=WEBP_QUALITY, method=6)
        if p.check_colour and not colour_matches(p.color, shares):
            top = ", ".join(f"{k} {v:.2f}" for k, v in list(shares.items())[:3])
            problems.append(f"{p.item_id} {p.title!r}: declared {p.color}, pixels say {dominant_colour(shares)} ({top})")

    cols = ["item_id", "title", "image", "description", "category", "price", "color", "material", "brand"]
    with open(out / "catalog.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for p in PRODUCTS:
            w.writerow([p.item_id, p.title, p.image, p.description, p.category, f"{p.price:.2f}",
                        p.color, p.material, p.brand])

    recoloured = {p.item_id for p in PRODUCTS if p.recolor}
    flipped = {p.item_id for p in PRODUCTS if p.flip}
    write_license(out / "LICENSE-images.md", used, recoloured, flipped)

    validate(out)
    if problems:
        print("colour check failed:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"wrote {len(PRODUCTS)} products, {len(used)} source renders")
    return 0


MIT_TEXT = """Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""


def write_license(path: Path, used: dict, recoloured: set, flipped: set):
    lines = [
        "# Product images: source and license",
        "",
        "Every picture in `assets/images/` is derived from **Microsoft Fluent Emoji** (the 3D style),",
        "as packaged on npm by LobeHub: `@lobehub/fluent-emoji-3d@1.1.0`",
        "(<https://github.com/lobehub/fluent-emoji>, upstream <https://github.com/microsoft/fluentui-emoji>).",
        "Both the upstream artwork and the npm package are released under the MIT license (below).",
        "Emoji names and categories used to pick the renders came from `emoji-datasource-google@16.0.0`",
        "(`emoji.json`, MIT, Copyright (c) 2013 Cal Henderson); none of its images are used here.",
        "",
        "Changes made by `assets/build_catalog.py`: each 256x256 WebP render was resized to 128x128,",
        "flattened onto a white background and re-encoded as WebP (quality 80). Items marked `*` below",
        "were also **recoloured** (hue/saturation/brightness of the coloured pixels changed with Pillow",
        "and numpy, to make colour variants); items marked `~` were mirrored left-right.",
        "The renders are emoji artwork, not photographs of real products; product names, brands,",
        "prices and descriptions in `catalog.csv` are fictitious.",
        "",
        "## MIT License",
        "",
        "```",
        "MIT License",
        "",
        "Copyright (c) Microsoft Corporation.",
        "Copyright (c) 2023 LobeHub",
        "",
        MIT_TEXT,
        "```",
        "",
        f"## Renders used ({len(used)} files)",
        "",
        "| Fluent file | code point | emoji name | catalog items |",
        "| --- | --- | --- | --- |",
    ]
    for fn, (uni, name, ids) in sorted(used.items()):
        marks = " ".join(i + ("*" if i in recoloured else "") + ("~" if i in flipped else "") for i in ids)
        lines.append(f"| `assets/{fn}` | U+{uni.replace('-', ' U+')} | {name.title()} | {marks} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def validate(out: Path):
    rows = list(csv.DictReader(open(out / "catalog.csv", encoding="utf-8")))
    ids = [r["item_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate item_id"
    assert len(rows) >= 220, len(rows)
    cats = {r["category"] for r in rows}
    assert len(cats) >= 12, cats
    for r in rows:
        assert float(r["price"]) >= 0, r
        assert r["title"].strip(), r
        assert "<" not in r["title"] + r["description"], r
        assert r["category"] not in r["description"].lower().split(), (r["item_id"], "description repeats category")
        with Image.open(out / r["image"]) as im:
            im.verify()
        with Image.open(out / r["image"]) as im:
            assert im.size == (IMAGE_SIZE, IMAGE_SIZE), (r["image"], im.size)
    total = sum(f.stat().st_size for f in (out / "images").glob("*.webp"))
    print(f"validated {len(rows)} rows, {len(cats)} categories, images {total / 1e6:.2f} MB")


if __name__ == "__main__":
    sys.exit(main())
