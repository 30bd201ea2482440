"""Colour names to colour families, so that a shopper's "crimson" finds a catalog's "Burgundy" and
"red", and a catalog's "Charcoal" answers "grey".

Shoppers and shops name colours in more words than a catalog column holds. Every name is placed
in one of the basic colour families by where it sits in colour space: a named colour's sRGB value
(the CSS colour keywords and common retail names) goes to the nearest family centre in CIELAB.
A multi-word name ("Cobalt Blue", "Stone Grey") takes the family its words name, the basic term
first. Names no table knows have no family and match by their words only.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

# the basic colour terms and a typical sRGB value of each (the family centres)
FAMILIES: dict[str, tuple[int, int, int]] = {
    "black": (20, 20, 20), "white": (250, 250, 250), "grey": (128, 128, 128), "red": (200, 30, 40),
    "orange": (245, 130, 30), "yellow": (245, 215, 40), "green": (40, 150, 60), "blue": (30, 80, 200),
    "purple": (120, 50, 160), "pink": (245, 150, 190), "brown": (110, 70, 40), "beige": (220, 200, 160),
    "gold": (212, 175, 55), "silver": (192, 192, 192),
}
# words for a family itself
FAMILY_WORDS = {"gray": "grey", "golden": "gold", "violet": "purple", "navy": "blue", "tan": "beige"}
# named colours (CSS keywords and retail names), sRGB
NAMED: dict[str, tuple[int, int, int]] = {
    "crimson": (220, 20, 60), "scarlet": (255, 36, 0), "maroon": (128, 0, 0), "burgundy": (128, 0, 32),
    "wine": (114, 47, 55), "ruby": (155, 17, 30), "cherry": (210, 4, 45), "cardinal": (196, 30, 58),
    "vermilion": (227, 66, 52), "brick": (170, 74, 68), "oxblood": (74, 0, 0),
    "coral": (255, 127, 80), "salmon": (250, 128, 114), "peach": (255, 203, 164), "apricot": (251, 206, 177),
    "tangerine": (242, 133, 0), "rust": (183, 65, 14), "terracotta": (204, 78, 92), "copper": (184, 115, 51),
    "amber": (255, 191, 0), "mustard": (225, 173, 1), "lemon": (255, 247, 0), "sunflower": (255, 204, 0),
    "ochre": (204, 119, 34), "canary": (255, 239, 0),
    "lime": (50, 205, 50), "olive": (128, 128, 0), "emerald": (80, 200, 120), "jade": (0, 168, 107),
    "mint": (152, 255, 152), "sage": (178, 172, 136), "forest": (34, 139, 34), "khaki": (195, 176, 145),
    "chartreuse": (127, 255, 0), "pistachio": (147, 197, 114),
    "teal": (0, 128, 128), "turquoise": (64, 224, 208), "aqua": (0, 255, 255), "cyan": (0, 255, 255),
    "cobalt": (0, 71, 171), "sky": (135, 206, 235), "azure": (0, 127, 255), "indigo": (75, 0, 130),
    "denim": (21, 96, 189), "sapphire": (15, 82, 186), "royal": (65, 105, 225), "cerulean": (0, 123, 167),
    "lavender": (181, 126, 220), "lilac": (200, 162, 200), "mauve": (224, 176, 255), "plum": (142, 69, 133),
    "magenta": (255, 0, 255), "fuchsia": (255, 0, 255), "aubergine": (97, 64, 81), "eggplant": (97, 64, 81),
    "orchid": (218, 112, 214), "amethyst": (153, 102, 204),
    "blush": (222, 93, 131), "rose": (255, 102, 153), "bubblegum": (255, 193, 204),
    "chocolate": (123, 63, 0), "walnut": (119, 63, 26), "mahogany": (192, 64, 0), "chestnut": (149, 69, 53),
    "coffee": (111, 78, 55), "mocha": (150, 120, 90), "caramel": (175, 111, 9), "cognac": (154, 70, 61),
    "camel": (193, 154, 107), "sand": (194, 178, 128), "cream": (255, 253, 208), "ivory": (255, 255, 240),
    "taupe": (72, 60, 50), "oatmeal": (220, 210, 190), "stone": (140, 135, 125), "ecru": (194, 178, 128),
    "charcoal": (54, 69, 79), "slate": (112, 128, 144), "graphite": (65, 66, 76), "ash": (178, 190, 181),
    "pewter": (150, 168, 161), "steel": (170, 170, 175), "platinum": (229, 228, 226), "chrome": (219, 226, 233),
    "jet": (52, 52, 52), "ebony": (40, 36, 33), "onyx": (53, 56, 57), "snow": (255, 250, 250),
    "brass": (181, 166, 66), "bronze": (205, 127, 50),
}


def _lab(rgb: tuple[int, int, int]) -> np.ndarray:
    """sRGB (0-255) to CIELAB (D65): distances there follow what people see as different."""
    c = np.asarray(rgb, np.float64) / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ c
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


_CENTRES = {k: _lab(v) for k, v in FAMILIES.items()}
CHROMATIC = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "beige")
GREYS = ("black", "grey", "white")
# metals are named, not seen: their colour values would read as yellow or grey
METALS = {"brass": "gold", "bronze": "gold", "steel": "silver", "chrome": "silver", "platinum": "silver",
          "pewter": "silver"}
# names that sit between two families, placed where shoppers put them
BETWEEN = {"teal": "blue", "turquoise": "blue", "aqua": "blue", "cyan": "blue", "olive": "green", "khaki": "beige",
           "mauve": "purple", "lilac": "purple", "charcoal": "grey", "slate": "grey", "graphite": "grey",
           "sky": "blue", "taupe": "brown", "aubergine": "purple", "eggplant": "purple", "mahogany": "brown",
           "caramel": "brown", "sage": "green", "wine": "red", "brick": "red", "oxblood": "red", "oatmeal": "beige"}


def _nearest(rgb: tuple[int, int, int]) -> str:
    """A colour value's family: greys by lightness, other colours by hue (CIELAB distance, lightness
    weighing half: a dark red is still red)."""
    lab = _lab(rgb)
    chroma = float(np.hypot(lab[1], lab[2]))
    pool = GREYS if chroma < 15 else CHROMATIC
    w = np.array([0.5, 1.0, 1.0])
    return min(pool, key=lambda k: float(np.sum(w * (_CENTRES[k] - lab) ** 2)))


@lru_cache(maxsize=4096)
def family(name: str) -> str | None:
    """The colour family of a colour name ("crimson" → red, "Stone Grey" → grey, "Sky Blue" → blue),
    or None when no word of it is a known colour."""
    words = re.findall(r"[a-z]+", str(name).lower())
    for w in reversed(words):  # "Cherry Red", "Sky Blue": the basic term is the last word
        w = FAMILY_WORDS.get(w, w)
        if w in FAMILIES:
            return w
    for w in reversed(words):
        if w in METALS or w in BETWEEN:
            return METALS.get(w) or BETWEEN[w]
        if w in NAMED:
            return _nearest(NAMED[w])
    return None


# names that are colours before anything else: read as a colour in a shopper's words. The rest
# ("coffee", "lemon", "rose", "steel") name things as often, and count as colours only in a
# catalog's colour column
COLOUR_FIRST = frozenset({
    "crimson", "scarlet", "maroon", "burgundy", "vermilion", "tangerine", "mustard", "ochre", "chartreuse",
    "teal", "turquoise", "aqua", "cyan", "cobalt", "azure", "indigo", "cerulean", "lavender", "lilac", "mauve",
    "magenta", "fuchsia", "taupe", "ecru", "khaki",
})
