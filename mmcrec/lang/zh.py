"""Chinese: the words and rules that read a Chinese turn. Same shape as en.py: `LANGUAGE`,
`read(text, vocab) -> TurnIntent`, `REPLY`.

Budgets (80美元以内, 不超过50刀, 100块以下, 最多80, 80到120美元, 100左右, 便宜点), colours and
materials (红色的, 蓝的, 皮的), exclusions (不要黑色的, 别给我看皮的, 除了红色都行), corrections
(算了, 不对, 还是…吧, 换成…, 其实…) and "像这样" with a photo. Colours and materials come out as the
catalog's English words (red, leather), since the catalog's colour column and titles are read in
English; what kind of thing is asked for is read by meaning, as for every language.

A budget names its currency (美元/刀/$: dollars; 元/块/人民币/¥: yuan; 欧元/€: euros). One that is
not the catalog's is not converted at a guessed rate: the turn asks instead (`currency_asked`).
"""
from __future__ import annotations

import re

from .reading import CatalogWords, TurnIntent, _inside, _strip, normalize_text

LANGUAGE = "zh"

# colour words and the catalog's English colour; a bare one-character colour counts only with 色 or
# 的 after it ("红色的", "蓝的"), since 红茶 is black tea and 白酒 a spirit
COLORS = {
    "红": "red", "蓝": "blue", "黑": "black", "白": "white", "绿": "green", "黄": "yellow", "粉": "pink", "紫": "purple",
    "灰": "grey", "棕": "brown", "褐": "brown", "橙": "orange", "橘": "orange", "金": "gold", "银": "silver",
    "米": "beige", "青": "teal",
}
COLOR_PHRASES = {  # longer names first
    "粉红": "pink", "玫红": "pink", "藏青": "blue", "海军蓝": "blue", "天蓝": "blue", "深蓝": "blue", "浅蓝": "blue",
    "宝蓝": "blue", "墨绿": "green", "军绿": "green", "草绿": "green", "酒红": "red", "大红": "red", "咖啡色": "brown",
    "卡其": "khaki", "米白": "beige", "奶白": "white", "象牙白": "ivory", "银灰": "grey", "深灰": "grey", "浅灰": "grey",
    "金色": "gold", "银色": "silver", "橘色": "orange",
}
MATERIALS = {"真皮": "leather", "皮革": "leather", "皮": "leather", "木头": "wood", "实木": "wood", "木": "wood",
             "纯棉": "cotton", "棉": "cotton", "羊毛": "wool", "金属": "metal", "塑料": "plastic", "陶瓷": "ceramic",
             "玻璃": "glass", "不锈钢": "steel", "丝绸": "silk", "竹": "bamboo"}
CURRENCIES = {"美元": "USD", "美金": "USD", "刀": "USD", "$": "USD", "usd": "USD", "块钱": "CNY", "块": "CNY",
              "元": "CNY", "人民币": "CNY", "rmb": "CNY", "¥": "CNY", "￥": "CNY", "欧元": "EUR", "€": "EUR",
              "英镑": "GBP", "£": "GBP", "日元": "JPY"}

_CUR = r"(美元|美金|块钱|人民币|欧元|英镑|日元|刀|块|元|usd|rmb|\$|¥|￥|€|£)?"
_NUM = r"(\d+(?:\.\d+)?)"
PRICE_RANGE = re.compile(rf"{_CUR}\s*{_NUM}\s*{_CUR}\s*(?:到|至|-|~|～)\s*{_CUR}\s*{_NUM}\s*{_CUR}(?:之间)?")
PRICE_MAX_AFTER = re.compile(rf"{_CUR}\s*{_NUM}\s*{_CUR}\s*(?:以下|以内|之内|内|或更少|封顶)")
PRICE_MAX_BEFORE = re.compile(rf"(?:不超过|不要超过|别超过|低于|少于|不到|最多|预算|顶多|小于){_CUR}\s*{_NUM}\s*{_CUR}")
PRICE_MIN_AFTER = re.compile(rf"{_CUR}\s*{_NUM}\s*{_CUR}\s*(?:以上|起)")
PRICE_MIN_BEFORE = re.compile(rf"(?:超过|高于|至少|不低于|起码){_CUR}\s*{_NUM}\s*{_CUR}")
PRICE_AROUND = re.compile(rf"(?:大概|大约|差不多)?{_CUR}\s*{_NUM}\s*{_CUR}\s*(?:左右|上下)")
CHEAPER = re.compile(r"便宜(?:一)?点|便宜些|更便宜|再便宜|实惠(?:一)?点|便宜的")
PRICIER = re.compile(r"贵(?:一)?点|更贵|高档(?:一)?点|好(?:一)?点的|高端")
CHANGE_OF_MIND = re.compile(r"(?<!就)算了|不对|还是|换成|改成|其实|不要这个了|换个")
ADDITIVE = re.compile(r"也要|还要|另外|再来")
GOES_WITH = re.compile(r"配(?:这个|它|这些)|搭配|跟这个配|和这个配|配套")
# what is not wanted: 不要X / 别(给我看|要)X / 除了X(都行|以外|之外) / X的不要
NEGATION = re.compile(r"(?:不要|不想要|别给我看|别要|别|不喜欢|去掉|排除)([^，。,.!！?？；;]{1,8}?)(?:的|了|[，。,.!！?？；;]|$)")
EXCEPT = re.compile(r"除了([^，。,.!！?？；;]{1,8}?)(?:的)?(?:以外|之外)?(?:都行|都可以|都好|，|,|$)")
# X的不要 / X的都不要 / X就算了 / X就不要了: the negation after what it negates
NOT_AFTER = re.compile(r"([^，。,.!！?？；;不别]{1,10}?)(?:的)?(?:都)?(?:不要|就算了|就不要了|不考虑)(?:了)?(?=$|[，。,.!！?？；;])")
# words that carry no thing: what is left of a turn of only these names nothing ("要蓝色的")
FILLER = set("我想要买个一双件只条台把支套请给看看有没吗呢吧啊呀的了但是还就再来换成改其实算不对这样像种类似款也都行可以") | {""}
# how a request starts and ends without naming anything ("我想买件", "有没有…吗"): left out of what is
# embedded, where a short request would otherwise be read as mostly "I want to buy"
LEAD = re.compile(r"^(?:请问|请|麻烦|帮我|给我|我|就)*(?:想要|想买|想找|想|需要|要|买|找|看看|看一下|看|推荐|来|有没有|有)*"
                  r"(?:一|几|点|些)?(?:个|件|双|条|只|台|把|支|套|顶|副|款|种|些|点)?")
TAIL = re.compile(r"(?:吗|呢|吧|啊|呀|的|了)+$")
# the turn points at its photo ("像这样", "这种"): nothing to add, the photo is the target already
LIKE_THIS = re.compile(r"像这样|像这个|这种|类似的|同款|差不多的")

# the reply's phrases (reply.py), the same keys in every pack
REPLY = {
    "join": "",  # between sentences: Chinese punctuation spaces them
    "clarify": "乐意帮忙！先缩小一下范围：对方喜欢什么，比如{cats}？预算大概多少？先给您看一组不同类型的商品。",
    "understood": "明白了：{summary}。",
    "photo_only": "正在找和您照片相似的商品。",
    "note": "提示：{note}。",
    "nothing": "目录里没有同时满足所有条件的商品，可以放宽一个条件（价格、颜色或种类）。",
    "top": "首选：{title}{price}——{why}。",
    "price": "（{price}）",
    "why_labels": "{reason}",
    "why_photo": "它和您的照片最像",
    "why_photo_text": "它的描述和您的照片最相符",
    "why_direct": "它最直接地符合您的要求",
    "why_whole": "它最符合整段对话",
    "why_color": "它是{color}",
    "no_color": "这里没有{color}的，下面是其他颜色里最接近的。",
    "and": "，而且",
    "moved_up": "{title}排名上升：{reason}。",
    "moved_down": "{title}排名下降：{reason}。",
    "also": "也可以看看：{titles}。",
    "list_sep": "、",
    "fit": "目录{total}件商品中有{n}件符合{what}。",
    "over_budget_none": "这类商品（{kind}）没有在预算内的：下面按价格从近到远排列，最低{cheapest}，每件都标明超出多少。",
    "over_budget_some": "预算内的之后，还有{n}件同类商品（{kind}）超出预算，按价格从近到远排列。",
    "what_budget": "您的预算",
    "what_excluded": "您排除的条件",
    "what_both": "您的预算和排除条件",
    "currency": "本店价格以{catalog}计：您说的{amount}{word}是指{amount}{catalog}吗？先不按价格筛选。",
    "kind": "种类：{v}",
    "price_range": "价格 {lo}–{hi}",
    "price_max": "价格 ≤ {v}",
    "price_min": "价格 ≥ {v}",
    "color": "颜色：{v}",
    "excluded": "不要{v}",
    "only": "只要{v}",
    "looks_like": "看起来像{v}",
    "sure": "{kind}（{p}把握）",
    "sure_within": "{kind}，{within}里最合适的一类（{p}把握）",
    "or": "或",
    "sep": "，",
    "liked": "{n}位有类似需求的顾客喜欢",
    "disliked": "{n}位有类似需求的顾客不喜欢",
    "similar": "（“{said}”，{p}相似）",
    "a_photo": "一张和您类似的照片",
}
# the catalog's English colour and material words, as a Chinese reply says them
WORDS_BACK = {"red": "红色", "blue": "蓝色", "black": "黑色", "white": "白色", "green": "绿色", "yellow": "黄色",
              "pink": "粉色", "purple": "紫色", "grey": "灰色", "brown": "棕色", "orange": "橙色", "gold": "金色",
              "silver": "银色", "beige": "米色", "teal": "青色", "khaki": "卡其色", "ivory": "象牙白", "leather": "皮的",
              "wood": "木的", "cotton": "棉的", "wool": "羊毛的", "metal": "金属的", "plastic": "塑料的",
              "ceramic": "陶瓷的", "glass": "玻璃的", "steel": "不锈钢的", "silk": "丝绸的", "bamboo": "竹的"}
CURRENCY_NAMES = {"USD": "美元", "CNY": "人民币", "EUR": "欧元", "GBP": "英镑", "JPY": "日元"}


_COLOUR_WORD = {}  # catalog colour -> its plain Chinese name (红色), for a turn that says only a colour
for _ch, _c in COLORS.items():
    _COLOUR_WORD.setdefault(_c, _ch + "色")


def _currency(*words: str | None) -> str:
    for w in words:
        if w:
            return CURRENCIES.get(w.lower(), "")
    return ""


def _colour_in(phrase: str) -> str | None:
    for name, c in sorted(COLOR_PHRASES.items(), key=lambda kv: -len(kv[0])):
        if name in phrase:
            return c
    m = re.search("([" + "".join(COLORS) + "])(?:色|的|$)", phrase)
    return COLORS[m.group(1)] if m else None


def _material_in(phrase: str) -> str | None:
    for name, m in sorted(MATERIALS.items(), key=lambda kv: -len(kv[0])):
        if name in phrase:
            return m
    return None


def read(text: str, vocab: CatalogWords | None = None) -> TurnIntent:
    """What one Chinese turn says."""
    text = normalize_text(text)  # NFKC: ８０ is 80, full-width punctuation is plain
    low = text.lower()
    it = TurnIntent(text=text)
    consumed: list[tuple[int, int]] = []
    shop_currency = getattr(vocab, "currency", "USD") if vocab is not None else "USD"

    def budget(lo: float | None, hi: float | None, cur: str, m: re.Match) -> None:
        consumed.append(m.span())
        if cur and cur != shop_currency:  # not converted at a guessed rate: asked about
            it.currency_asked = cur
            return
        if lo is not None:
            it.price_min = lo
        if hi is not None:
            it.price_max = hi

    for m in PRICE_RANGE.finditer(low):
        a, b = float(m.group(2)), float(m.group(5))
        budget(min(a, b), max(a, b), _currency(m.group(1), m.group(3), m.group(4), m.group(6)), m)
    for rx, kind in ((PRICE_AROUND, "around"), (PRICE_MAX_AFTER, "max"), (PRICE_MAX_BEFORE, "max"),
                     (PRICE_MIN_AFTER, "min"), (PRICE_MIN_BEFORE, "min")):
        for m in rx.finditer(low):
            if _inside(m.span(), consumed):
                continue
            v, cur = float(m.group(2)), _currency(m.group(1), m.group(3))
            if kind == "around":
                budget(round(v * 0.75, 2), round(v * 1.25, 2), cur, m)
            elif kind == "max":
                budget(None, v, cur, m)
            else:
                budget(v, None, cur, m)
    if CHEAPER.search(low) and it.price_max is None:
        it.cheaper = True
        consumed.extend(m.span() for m in CHEAPER.finditer(low))
    if PRICIER.search(low) and it.price_min is None:
        it.pricier = True
        consumed.extend(m.span() for m in PRICIER.finditer(low))

    com = list(CHANGE_OF_MIND.finditer(low))
    it.change_of_mind = bool(com)
    consumed.extend(m.span() for m in com)
    it.additive = bool(ADDITIVE.search(low))
    it.goes_with = bool(GOES_WITH.search(low))

    for rx in (NEGATION, EXCEPT, NOT_AFTER):
        for m in rx.finditer(low):
            if _inside(m.span(), consumed):
                continue
            phrase = m.group(1)
            colours = [COLOR_PHRASES[n] for n in COLOR_PHRASES if n in phrase] or [
                COLORS[c] for c in re.findall("([" + "".join(COLORS) + "])(?:色|的)", phrase + "的")]
            material = _material_in(phrase)
            if colours:  # "粉的黑的都不要": every colour named
                it.excluded_colors += [c for c in dict.fromkeys(colours) if c not in it.excluded_colors]
            elif material and material not in it.excluded_kinds:
                it.excluded_kinds.append(material)
            else:  # a kind, by meaning: "不要棒球帽" → no cap
                from ..multilingual import catalog_kind

                kind = catalog_kind(phrase, vocab)
                if kind and kind not in it.excluded_kinds:
                    it.excluded_kinds.append(kind)
            consumed.append(m.span())  # a negated phrase is never embedded as something wanted

    rest = _strip(low, consumed)
    for name in sorted(COLOR_PHRASES, key=len, reverse=True):
        if name in rest and COLOR_PHRASES[name] not in it.colors:
            it.colors.append(COLOR_PHRASES[name])
            rest = rest.replace(name, " ")
    for m in re.finditer("([" + "".join(COLORS) + "])(色的|色|的)", rest):
        c = COLORS[m.group(1)]
        if c not in it.colors and c not in it.excluded_colors:
            it.colors.append(c)
    bare = re.sub("[" + "".join(COLORS) + "](?:色的|色|的)", "", rest)
    bare = LIKE_THIS.sub("", bare)
    left = [ch for ch in re.sub(r"[\s，。,.!！?？；;、~～\-]", "", bare) if ch not in FILLER]
    # the words worth embedding: the whole rest (the multilingual encoder reads phrases), or nothing
    # when only constraints, a colour or filler were said
    content = " ".join(rest.split()).strip(" ，。,.的了吧呢啊")
    core = TAIL.sub("", LEAD.sub("", content)).strip(" ，。,.")
    it.content = (core or content) if left else ""
    if not it.content and it.colors:
        # "要红色的" says a colour and nothing else: the colour is still words worth matching, as
        # "in red" is in the English turn (a bonus alone does not move a photo's own item off the top)
        it.content = "、".join(_COLOUR_WORD[c] for c in it.colors if c in _COLOUR_WORD)
    it.qualifies = not left and bool(it.colors or it.excluded_colors or LIKE_THIS.search(low))
    return it
