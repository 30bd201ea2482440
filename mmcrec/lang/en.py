"""English: the words and rules that read an English turn (prices, colours, kinds, exclusions,
changes of mind). Plain rules over words: fast, explainable, fuzzed in the tests. A language pack
has this shape: `LANGUAGE`, `read(text, vocab) -> TurnIntent`; dialogue.py's state machine uses
what a pack reads and knows no words of any language."""
from __future__ import annotations

import re

from .reading import CatalogWords, TurnIntent, _inside, _num, _strip, normalize_text

LANGUAGE = "en"

COLORS = {
    "black", "white", "grey", "gray", "silver", "gold", "golden", "red", "blue", "navy", "green",
    "yellow", "orange", "pink", "purple", "violet", "brown", "beige", "tan", "cream", "teal",
    "turquoise", "cyan", "magenta", "maroon", "olive", "khaki", "ivory",
}
COLOR_ALIASES = {"gray": "grey", "golden": "gold", "navy": "blue", "violet": "purple", "tan": "beige"}

# Broad shopper words that name a group of shop categories rather than one product type.
GROUPS: dict[str, set[str]] = {
    "wearable": {"clothing", "clothes", "shoes", "accessories", "apparel", "fashion", "footwear", "jewelry"},
    "food": {"food", "grocery", "groceries", "snacks", "drinks", "beverages"},
    "music": {"instruments", "instrument", "music"},
    "tech": {"electronics", "electronic", "gadgets", "tech", "computers"},
    "sport": {"sports", "sport", "fitness", "outdoor", "outdoors"},
    "toy": {"toys", "toy", "games", "kids"},
    "kitchen": {"kitchen", "cookware", "kitchenware"},
    "home": {"home", "furniture", "decor", "garden"},
}
GROUP_WORDS = {
    "wear": "wearable", "wearable": "wearable", "clothes": "wearable", "clothing": "wearable",
    "outfit": "wearable", "apparel": "wearable", "fashion": "wearable",
    "eat": "food", "food": "food", "snack": "food", "snacks": "food", "drink": "food", "treat": "food",
    "gadget": "tech", "gadgets": "tech", "tech": "tech", "electronics": "tech", "device": "tech",
    "toy": "toy", "toys": "toy",
    "cook": "kitchen", "cooking": "kitchen", "kitchen": "kitchen", "baking": "kitchen",
    "instrument": "music", "instruments": "music",
    "sport": "sport", "sports": "sport", "workout": "sport", "exercise": "sport",
}
# Product-type synonyms: a query word on the left also matches items that say any word on the right.
SYNONYMS: dict[str, set[str]] = {
    "hat": {"hat", "cap", "beanie", "fedora", "helmet"},
    "cap": {"cap", "hat"},
    "sneaker": {"sneaker", "trainer", "runner"},  # athletic shoes; a pump is a shoe, not a sneaker
    "trainer": {"sneaker", "trainer", "runner"},
    "shoe": {"shoe", "sneaker", "boot", "sandal", "heel", "flat", "loafer", "trainer", "slipper"},
    "sunglass": {"sunglass", "sunglasses", "shades"},
    "sunglasses": {"sunglass", "sunglasses", "shades"},
    "shades": {"sunglass", "sunglasses", "shades"},
    "glasses": {"glasses", "eyeglasses", "spectacles", "sunglasses"},
    "bag": {"bag", "backpack", "handbag", "purse", "tote", "clutch", "briefcase", "luggage", "suitcase"},
    "purse": {"purse", "handbag", "clutch", "wallet"},
    "headphone": {"headphone", "headphones", "earbuds", "headset"},
    "phone": {"phone", "smartphone", "mobile"},
    "shirt": {"shirt", "t-shirt", "tee", "blouse", "polo"},
    "tee": {"tee", "t-shirt", "shirt"},
    "jacket": {"jacket", "coat", "parka", "blazer"},
    "coat": {"coat", "jacket", "parka"},
    "pants": {"pants", "trousers", "jeans", "slacks"},
    "trousers": {"pants", "trousers", "jeans"},
}
CHANGE_OF_MIND = re.compile(
    r"\b(no wait|wait|actually|instead|rather|changed my mind|change of plan|forget (that|it|those)|scratch that|"
    r"i mean|i meant|oops|on second thoughts?)\b"
    # "make that a watch", "actually, make it a red one": at the start of a clause only ("I want to
    # make it myself" changes nothing)
    r"|(?:^|(?<=[,.;!?-]))\s*make (?:that|it)\b"
)
INTERJECTION = re.compile(r"^(?:(?:hmm+|um+|uh+|oh|oops|well|ok|okay)(?=[\s,.!]|$)[\s,.!-]*)+")
ONLY = re.compile(r"\bonly\s+(?:the\s+|some\s+)?([\w'-]+)")
ADDITIVE = re.compile(r"\b(also|too|as well|and also|plus)\b")
STOP = {
    "a", "an", "the", "some", "any", "i", "me", "my", "we", "you", "it", "this", "that", "these", "those", "one",
    "ones", "for", "to", "of", "in", "on", "with", "and", "or", "but", "is", "are", "be", "do", "does", "please",
    "show", "need", "want", "looking", "look", "find", "get", "like", "would", "could", "can", "something",
    "anything", "thing", "things", "just", "maybe", "really", "very", "more", "less", "much", "what", "have",
    "has", "got", "give", "let", "see", "s", "m", "im", "i'm", "it's", "no", "not", "wait", "instead", "else",
    "other", "another", "only", "same", "so", "hi", "hello", "hey", "thanks", "ok", "okay", "buy", "shop", "sorry",
    "hmm", "um", "uh", "oh", "oops", "well",
    # words that point at a photo or at what was shown ("this style", "something similar") name nothing
    "style", "similar", "kind", "sort", "type",
    # nor does the word colour without one ("like this in any colour except black")
    "colour", "color", "colours", "colors",
}
# words that shade a colour ("light blue", "dark green") without naming anything else
SHADES = {"light", "dark", "pale", "bright", "deep", "pastel", "neon", "soft", "coloured", "colored", "color", "colour"}
# words that end titles without naming a product kind ("Socks 3-Pack", "Knife Set")
GENERIC = {"pack", "set", "pair", "kit", "trio", "duo", "bundle", "complete", "setting", "head", "edition", "collection",
           "mini", "pro", "max", "plus", "classic", "deluxe", "original", "square"}
VAGUE = {
    "gift", "gifts", "present", "presents", "idea", "ideas", "someone", "somebody", "sister", "brother", "mom",
    "mum", "mother", "dad", "father", "friend", "friends", "wife", "husband", "boyfriend", "girlfriend", "kid",
    "son", "daughter", "colleague", "boss", "birthday", "christmas", "recommend", "recommendation", "suggest",
    "nice", "good", "great", "cool", "help", "her", "him", "them", "he", "she", "they", "our", "your",
}
NUM = r"(\d+(?:[.,]\d+)?)\s*(?:k\b)?"
CUR = r"(?:\$|usd|dollars?|bucks|eur|euros?|€|£|pounds?)?"
PRICE_RANGE = re.compile(rf"(?:between|from)\s*{CUR}\s*{NUM}\s*{CUR}\s*(?:and|to|-|–)\s*{CUR}\s*{NUM}\s*{CUR}")
PRICE_DASH = re.compile(rf"{CUR}\s*(\d+)\s*(?:-|–|to)\s*{CUR}\s*(\d+)\s*(?:\$|usd|dollars?|bucks|€|£)")
# the words that lead into an amount ("budget is below 16 bucks", "spending 40 to 50 dollars", "a hat
# that costs less than 25 dollars", "keep it under $125"): said for the budget, not for the thing
PRICE_LEAD_IN = re.compile(r"(?:\b(?:my|our|the|a)\s+)?\b(?:budget(?:\s+(?:is|of|would be|will be))?|spending|spend|"
                           r"pay|paying|keep it|(?:that|which)\s+costs?|costs?|costing|priced(?:\s+at)?)\s*$")
PRICE_MAX = re.compile(
    rf"(?:under|below|less than|cheaper than|max(?:imum)?|up to|at most|no more than|within|budget(?: of| is)?|<|≤)\s*{CUR}\s*{NUM}\s*{CUR}"
)
PRICE_MIN = re.compile(rf"(?:over|above|more than|at least|min(?:imum)?|>|≥|starting at)\s*{CUR}\s*{NUM}\s*{CUR}")
# an upper bound said after the amount: "$35 at most", "40 dollars max", "20 bucks or less"
PRICE_MAX_AFTER = re.compile(rf"(?:\$\s*{NUM}\s*{CUR}|{NUM}\s*(?:usd|dollars?|bucks|eur|euros?|€|£|pounds?))\s*"
                             r"(?:at (?:the )?most|max(?:imum)?\b|or less|or under|tops\b)")
# a lower bound said with a "not" is an upper one: "nothing over $200", "not above 30 dollars",
# "I don't want to spend more than 40 dollars", "won't pay over 60"
PRICE_NOT_OVER = re.compile(
    rf"\b(?:not|nothing|no|never|cannot|\w+n't)\s+(?:(?:want|like|going|able|afford|willing)\s+(?:to\s+)?)?"
    rf"(?:(?:spend|pay|go)\s+)?(?:over|above|more than|higher than|beyond)\s*{CUR}\s*{NUM}\s*{CUR}"
)
# amounts in words before a currency: "under fifty bucks", "twenty-five dollars", "a hundred and
# twenty dollars", "between sixty and eighty dollars" (the first of a range takes the second's)
_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_U = "|".join(list(_UNITS)[1:10])
_BELOW_100 = rf"(?:(?:{'|'.join(_TENS)})(?:[\s-]+(?:{_U}))?|{'|'.join(_UNITS)})"
_AMOUNT_WORDS = (rf"\b(?:(?:a|an|{_U})\s+hundred(?:\s+(?:and\s+)?{_BELOW_100})?|(?:a|an|{_BELOW_100})\s+thousand"
                 rf"|{_BELOW_100})\b")
_CURRENCY_WORD = r"(?:dollars?|bucks|usd|euros?|pounds?|quid)\b"
SPELLED_AMOUNT = re.compile(rf"{_AMOUNT_WORDS}(?=\s*(?:{_CURRENCY_WORD}|(?:and|to|-|–)\s*{_AMOUNT_WORDS}\s*{_CURRENCY_WORD}))")
PRICE_AROUND = re.compile(rf"(?:around|about|roughly|approximately|~)\s*{CUR}\s*{NUM}\s*{CUR}")
PRICE_BARE = re.compile(r"(?:\$\s*(\d+(?:\.\d+)?))|(?:(\d+(?:\.\d+)?)\s*(?:\$|dollars|bucks|usd))")
CHEAPER = re.compile(r"\b(cheaper|less expensive|lower price|lower-priced|more affordable|on a budget|budget option|"
                     r"costs? less|costing less|less pricey)\b")
COLOUR_LIST_TAIL = re.compile(r"\s*(?:,|or|nor|and|&)\s*(?:or\s+|and\s+)?(?:no\s+|not\s+)?([\w-]+)")
# a refusal said after the thing: "black is a no", "leather's out", "pink is not an option"
REFUSED_AFTER = re.compile(r"\b([\w-]+)(?:\s+(?:is|are)|'s)\s+(?:a no(?:-go)?|out|off the table|not an option)"
                           r"(?=\s*(?:$|[,.;!?]|and\b|but\b|though\b|too\b|for me\b))")  # not "is out of town"
PRICIER = re.compile(r"\b(pricier|more expensive|higher end|high-end|fancier|premium)\b")
# "something to go with this", "cups to go with it", "the leaves to steep in this": with a photo,
# the photo shows what the shopper has, not what they want ("in this colour" is not one of them)
GOES_WITH = re.compile(
    r"\b(?:go(?:es)? with|to match|matching|(?:with|for|in|into|on) (?:this|these|it|them|that|those))\b"
    r"(?!\s+(?:colou?r|style|shade|pattern|material|design|size|shape|one|ones|kind|type|look|version|fabric|print))"
)
NEGATION = re.compile(
    r"\b(?:not|no|without|except|excluding|anything but|nothing|none of the|avoid|hate|don't want|dont want|"
    r"don't like|dont like|no more)\s+(?:a |an |any |the |in |more )?((?:(?!and\b|or\b|but\b)[\w'-]+\s*){1,3})"
)


def spelled_number(phrase: str) -> int | None:
    """The number a phrase of number words says ("twenty-five", "a hundred and fifty"), None when
    it says none."""
    total = current = 0
    seen = False
    for w in re.split(r"[\s-]+", phrase.strip()):
        if w == "and":
            continue
        if w in ("a", "an"):
            current = 1  # only counts before "hundred" or "thousand"
        elif w in _UNITS:
            current = (0 if not seen else current) + _UNITS[w]
            seen = True
        elif w in _TENS:
            current = (0 if not seen else current) + _TENS[w]
            seen = True
        elif w == "hundred":
            current, seen = max(current, 1) * 100, True
        elif w == "thousand":
            total, current, seen = total + max(current, 1) * 1000, 0, True
    return total + current if seen else None


def _digits(m: re.Match) -> str:
    n = spelled_number(m.group(0))
    return m.group(0) if n is None else str(n)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'-]+", text.lower())


def singular(w: str) -> str:
    if w in ("glasses", "sunglasses", "pants", "trousers", "jeans", "shorts", "headphones", "earbuds", "clothes",
             "shades", "accessories", "electronics", "sports", "leggings"):
        return w
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "xes", "sses")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us")):
        return w[:-1]
    return w


def read(text: str, vocab: CatalogWords | None = None) -> TurnIntent:
    """What one English turn says: prices, colours, kinds, exclusions, changes of mind."""
    text = normalize_text(text)
    low = SPELLED_AMOUNT.sub(_digits, text.lower().replace("’", "'"))
    it = TurnIntent(text=text)
    kinds = vocab.kinds if vocab else set(SYNONYMS)
    # membership tests, not a union: a 1M-item catalog's vocabulary has millions of words
    excludable = (lambda w: w in vocab.excludable or w in kinds) if vocab else kinds.__contains__
    colors = vocab.colors if vocab else COLORS
    consumed: list[tuple[int, int]] = []

    def take(m: re.Match) -> None:
        consumed.append(m.span())

    # prices
    for m in PRICE_RANGE.finditer(low):
        a, b = _num(m.group(1)), _num(m.group(2))
        it.price_min, it.price_max = min(a, b), max(a, b)
        take(m)
    if it.price_max is None:
        for m in PRICE_DASH.finditer(low):
            a, b = _num(m.group(1)), _num(m.group(2))
            it.price_min, it.price_max = min(a, b), max(a, b)
            take(m)
    for m in PRICE_MAX_AFTER.finditer(low):
        if not _inside(m.span(), consumed):
            it.price_max = _num(m.group(1) or m.group(2))
            take(m)
    for m in PRICE_NOT_OVER.finditer(low):
        if not _inside(m.span(), consumed):
            it.price_max = _num(m.group(1))
            take(m)
    for m in PRICE_MAX.finditer(low):
        if not _inside(m.span(), consumed):
            it.price_max = _num(m.group(1))
            take(m)
    for m in PRICE_MIN.finditer(low):
        if not _inside(m.span(), consumed):
            it.price_min = _num(m.group(1))
            take(m)
    for m in PRICE_AROUND.finditer(low):
        if not _inside(m.span(), consumed):
            v = _num(m.group(1))
            it.price_min, it.price_max = round(v * 0.75, 2), round(v * 1.25, 2)
            take(m)
    if it.price_max is None and it.price_min is None:
        for m in PRICE_BARE.finditer(low):
            if not _inside(m.span(), consumed):
                it.price_max = _num(m.group(1) or m.group(2))
                take(m)
    for a_, _b in list(consumed):
        lead = PRICE_LEAD_IN.search(low[:a_])
        if lead:
            consumed.append(lead.span())
    if it.price_min is not None and it.price_max is not None and it.price_min > it.price_max:
        it.price_min, it.price_max = it.price_max, it.price_min  # "under 20 over 40": read as a range
    if CHEAPER.search(low) and it.price_max is None:
        it.cheaper = True
        consumed.extend(m.span() for m in CHEAPER.finditer(low))
    if PRICIER.search(low) and it.price_min is None:
        it.pricier = True
        consumed.extend(m.span() for m in PRICIER.finditer(low))

    # change of mind ("no wait, sunglasses instead") before negation, so "no wait" is not "no <thing>"
    com = list(CHANGE_OF_MIND.finditer(low))
    it.change_of_mind = bool(com)
    consumed.extend(m.span() for m in com)
    it.additive = bool(ADDITIVE.search(low))
    it.goes_with = bool(GOES_WITH.search(low))

    for m in REFUSED_AFTER.finditer(low):
        if _inside(m.span(), consumed):
            continue
        w = singular(m.group(1))
        if m.group(1) in colors:
            it.excluded_colors.append(COLOR_ALIASES.get(m.group(1), m.group(1)))
        elif excludable(w):
            it.excluded_kinds.append(w)
        else:
            continue
        take(m)

    # negations: "not black", "no backpacks", "without a hood"
    for m in NEGATION.finditer(low):
        if _inside(m.span(), consumed):
            continue
        negated = [singular(w) for w in _words(m.group(1)) if any(ch.isalpha() for ch in w)]  # "no - I wanted ...": no word
        hit = False
        for w in negated:
            if w in ("wait",):
                break
            c = COLOR_ALIASES.get(w, w)
            if w in colors:
                it.excluded_colors.append(c)
                hit = True
            elif excludable(w):
                it.excluded_kinds.append(w)
                hit = True
            if hit and w not in colors:
                break
        # a negated phrase is never embedded as something wanted: "for filming, not photos"
        # must not pull toward photo cameras, even where "photos" names no kind to exclude
        take(m)
        # "not pink or black", "no red, orange or yellow": the colours listed on are refused too
        end = m.end()
        while negated and negated[-1] in colors:
            more = COLOUR_LIST_TAIL.match(low, end)
            if not more or more.group(1) not in colors:
                break
            it.excluded_colors.append(COLOR_ALIASES.get(more.group(1), more.group(1)))
            consumed.append(more.span())
            end = more.end()

    # what remains: colours and kinds asked for, and the content words
    rest = _strip(low, consumed)
    # "a case for my phone": the kind is the case, not the phone
    head = re.split(r"\b(?:for|to go with|that goes with|to match|matching|with)\b", rest)[0]
    # a colour that qualifies a noun after "for" or "to go with" is that other thing's colour, not
    # the item's: "a vase for red roses", "socks to go with black and white shoes"; "a case for my
    # phone in black" keeps it, and so does "with a black strap" (a part of the item itself)
    own = re.split(r"\b(?:for|to go with|that goes with|to match|matching)\b", rest)[0]
    tail = _words(rest[len(own):])
    is_colour = lambda w: w in colors or singular(w) in colors  # noqa: E731
    attached: set[int] = set()
    for k in range(len(tail) - 1, -1, -1):  # from the right: "black and white keys" are both the keys'
        nxt = tail[k + 1] if k + 1 < len(tail) else ""
        if is_colour(tail[k]) and nxt and (k + 1 in attached or nxt in ("and", "or", "&")
                                           and k + 2 in attached or not is_colour(nxt) and nxt not in SHADES
                                           and nxt not in STOP):
            attached.add(k)
    for w in _words(own) + [w for k, w in enumerate(tail) if k not in attached]:
        s = singular(w)
        if w in colors or s in colors:
            c = COLOR_ALIASES.get(w, w)
            if c not in it.colors and c not in it.excluded_colors:
                it.colors.append(c)
    hw = _words(head)
    for k, w in enumerate(hw):
        s = singular(w)
        if _used_as_verb(hw, k):
            continue  # "print your system prompt", "watch the game": a verb that is also a product
        # a noun compound names the kind by its last noun: a "notebook computer" is a computer,
        # a "watch party snack bowl" a bowl; the nouns before it only say which (and stay in the
        # content). "hats and scarves" are two phrases, two kinds.
        modifier = any(singular(x) in kinds for x in _phrase_after(hw, k))
        if s in kinds and not modifier and s not in it.kinds and s not in it.excluded_kinds:
            it.kinds.append(s)
        elif s in kinds and modifier and s not in it.modifiers:
            it.modifiers.append(s)
        g = GROUP_WORDS.get(w) or GROUP_WORDS.get(s)
        if g and g not in it.groups:
            it.groups.append(g)
    if it.kinds:  # "I'd rather wear trousers": the trousers say more than "wear" does
        it.groups = []
        # only when the named kind heads its phrase: in "a portable notebook computer for work" the
        # thing is a computer (no kind of this shop's), not the notebook its words also name
        if hw and singular(hw[-1]) in it.kinds:
            it.purpose = " ".join(_words(rest[len(head):]))
    for m in ONLY.finditer(low):
        s = singular(m.group(1))
        if s in kinds and vocab is not None and s in vocab.postings:  # clearly one of the catalog's kinds
            it.only_kinds.append(s)
            if s not in it.kinds:
                it.kinds.append(s)
    if not it.kinds and not it.groups:  # "something for running": no head noun, take the rest
        for w in _words(rest):
            g = GROUP_WORDS.get(w) or GROUP_WORDS.get(singular(w))
            if g and g not in it.groups:
                it.groups.append(g)
    # the sentence encoder reads whole phrases ("a pad for gaming on the sofa"), so content keeps
    # the function words; it is empty when only constraints and filler were said
    meaningful = [w for w in re.findall(r"[\w'-]+", rest) if w not in STOP and any(ch.isalnum() for ch in w)]
    it.content = " ".join(re.sub(r"[\s,;:.!?]+", " ", rest).split()).strip(" ,.") if meaningful else ""
    it.content = INTERJECTION.sub("", it.content).strip(" -")  # "hmm - pale blue": the colour is what was said
    only_colours = bool(it.colors) and all(w in colors or singular(w) in colors or w in SHADES for w in meaningful)
    it.qualifies = not (it.kinds or it.groups) and (only_colours or _points_back(_words(rest)))
    return it


_BEFORE_COMPARATIVE = {"something", "anything", "bit", "slightly", "much", "even", "way", "lot", "little", "somewhat"}


def _points_back(words: list[str]) -> bool:
    """"a big one", "something warmer", "a bit smaller", "lighter than that": points back at the
    thing asked for ("one") or compares with it — "a blender" names a new thing, even where the
    catalog has none."""
    for k, w in enumerate(words):
        if w in ("one", "ones"):
            return True
        before = words[k - 1] if k else ""
        after = words[k + 1] if k + 1 < len(words) else ""
        if len(w) > 4 and w.endswith("er") and (before in _BEFORE_COMPARATIVE or after in ("one", "ones", "than")):
            return True
    return False


# a word followed by one of these and not preceded by a determiner is read as a verb ("print your
# photos", "watch the match"), not as the product of the same name ("a watch for my dad")
_VERB_OBJECTS = {"your", "my", "the", "this", "that", "these", "those", "it", "me", "them", "our", "his", "her",
                 "us", "all", "every"}
_DETERMINERS = {"a", "an", "the", "my", "this", "that", "some", "any", "your", "our", "his", "her", "their", "one",
                "new", "another"}


# words that end a noun phrase: what follows says what for, with what, or adds another thing
_PHRASE_ENDS = {"and", "or", "&", "plus", "but", "to", "that", "which", "who", "so", "for", "with", "in", "on", "at",
                "of", "from", "by", "like", "as"}


def _phrase_after(words: list[str], k: int) -> list[str]:
    """The words after words[k] in its noun phrase ("a teapot to brew loose leaf tea": none)."""
    out = []
    for w in words[k + 1 :]:
        if w in _PHRASE_ENDS or w in STOP:  # "what hats do you sell": "do" ends the phrase
            break
        out.append(w)
    return out


def _used_as_verb(words: list[str], k: int) -> bool:
    nxt = words[k + 1] if k + 1 < len(words) else ""
    return nxt in _VERB_OBJECTS and (k == 0 or words[k - 1] not in _DETERMINERS)


# the reply's phrases (reply.py), the same keys in every pack
REPLY = {
    "join": " ",  # between sentences
    "clarify": ("Happy to help! To narrow it down: what are they into — for example {cats}? And is there a budget "
                "I should stay under? Meanwhile, here is a varied first selection."),
    "understood": "Understood: {summary}.",
    "photo_only": "Looking for things like your photo.",
    "note": "Note: {note}.",
    "nothing": "Nothing in the catalog fits all of that. Try loosening a constraint (price, colour or kind).",
    "top": "Top pick: {title}{price} — {why}.",
    "price": " ({price})",
    "why_labels": "it was {reason}",
    "why_photo": "it looks most like your photo",
    "why_photo_text": "its description matches your photo",
    "why_direct": "it matches what you asked for most directly",
    "why_whole": "it fits the whole conversation best",
    "why_color": "it is {color}",
    "no_color": "Nothing here is {color}, so these are the closest matches in other colours.",
    "and": " and ",
    "moved_up": "{title} moved up: {reason}.",
    "moved_down": "{title} moved down: {reason}.",
    "also": "Also worth a look: {titles}.",
    "list_sep": ", ",
    "over_caption": "{amount} over budget",
    "select_hint": "Select a product in the gallery, then rate it with 👍 or 👎 (a second click takes it back).",
    "selected": "**#{n} {title}** — {state}.",
    "rated_up": "you rated it 👍",
    "rated_down": "you rated it 👎",
    "not_rated": "not rated yet",
    "fit": "{n} of the catalog's {total} items meet {what}.",
    "over_budget_none": ("Nothing of that kind ({kind}) is within your budget: these are the nearest prices, from "
                         "{cheapest}, each marked with how far over it is."),
    "over_budget_some": "After what fits your budget, {n} more of that kind ({kind}) over it, nearest price first.",
    "what_budget": "your budget",
    "what_excluded": "your exclusions",
    "what_both": "your budget and exclusions",
    "currency": ("Prices here are in {catalog}: did you mean {amount} {catalog} by {amount}{word}? I have not "
                 "filtered by price yet."),
    "kind": "kind = {v}",
    "price_range": "price {lo}–{hi}",
    "price_max": "price ≤ {v}",
    "price_min": "price ≥ {v}",
    "color": "color = {v}",
    "excluded": "not {v}",
    "only": "only {v}",
    "looks_like": "looks like {v}",
    "sure": "{kind} ({p} sure)",
    "sure_within": "{kind}, the kind of {within} that fits best ({p} sure)",
    "or": " or ",
    "sep": ", ",
    "liked": "liked by {n} shopper{s}",
    "disliked": "disliked by {n} shopper{s}",
    "similar": " with a similar request (“{said}”, {p} alike)",
    "a_photo": "a photo like yours",
}
WORDS_BACK: dict[str, str] = {}  # the catalog's words are English already
CURRENCY_NAMES = {"USD": "US dollars", "CNY": "yuan", "EUR": "euros", "GBP": "pounds", "JPY": "yen"}
