"""Language packs (mmcrec/lang/): a Chinese shopper's budgets, colours, exclusions and corrections,
the other languages' budgets and "not X", and replies in the shopper's language."""
from __future__ import annotations

import pytest

from mmcrec.dialogue import DialogueState, Turn, parse_turn
from mmcrec.reply import plain_reply

from app_support import query_image


@pytest.mark.parametrize("text, lo, hi", [
    ("想买双跑步鞋，80美元以内", None, 80), ("不超过50刀的茶壶", None, 50), ("最多80美元", None, 80),
    ("低于$30的杯子", None, 30), ("８０美元以下", None, 80), ("80到120美元之间的背包", 80, 120),
    ("100美元左右", 75, 125), ("20美元以上", 20, None),
    # amounts in Chinese numerals, and a budget said with "预算…"
    ("三十五刀以下的袜子", None, 35), ("一百二十美元以内", None, 120), ("预算两百到三百美元", 200, 300),
    ("不超过九十九美元", None, 99), ("一百零五美元以下", None, 105), ("预算大概60刀", None, 60),
])
def test_chinese_budgets(text, lo, hi):
    it = parse_turn(text)
    assert it.language == "zh" and it.price_min == lo and it.price_max == hi and not it.currency_asked


def test_a_budget_in_another_currency_is_asked_about_not_guessed(demo_rec):
    it = parse_turn("100块以下的帽子", demo_rec.vocab)  # 块: yuan, in a shop priced in dollars
    assert it.price_max is None and it.currency_asked == "CNY"
    st = DialogueState()
    st.add(Turn("100块以下的帽子"), demo_rec.vocab)
    reply = plain_reply(demo_rec.recommend(st, k=5), st, demo_rec.vocab.categories, demo_rec.vocab.currency)
    assert "美元" in reply and "吗" in reply


@pytest.mark.parametrize("text, field, want", [
    ("不要黑色的", "excluded_colors", ["black"]), ("别给我看皮的", "excluded_kinds", ["leather"]),
    ("除了红色都行", "excluded_colors", ["red"]), ("要蓝色的", "colors", ["blue"]), ("粉红色的", "colors", ["pink"]),
    ("红茶", "colors", []),  # black tea, not something red
])
def test_chinese_colours_materials_and_exclusions(text, field, want):
    assert getattr(parse_turn(text), field) == want


def test_a_budget_leaves_nothing_to_embed_and_a_numeral_elsewhere_is_no_amount():
    assert parse_turn("预算70到90刀").content == ""  # "budget" names no thing
    it = parse_turn("一双袜子")  # 一双: one pair, no amount
    assert it.price_max is None and it.price_min is None
    assert parse_turn("一把好刀").kinds and not parse_turn("预算大概60刀").kinds  # 刀 after an amount is dollars


def test_the_thing_is_named_by_the_noun_that_ends_the_phrase(demo_rec):
    """A Chinese noun phrase ends with its head: "厚一点的外套" is a coat, and "装笔记本电脑的包" a bag
    (the laptop goes in it); the longest word is the noun ("面包", bread, holds no bag)."""
    kinds = lambda t: parse_turn(t, demo_rec.vocab).kinds  # noqa: E731
    assert kinds("想买件厚一点的外套") == ["coat"] and kinds("我要一顶鸭舌帽") == ["cap"]
    assert kinds("用来装笔记本电脑的包") == ["bag"] and "bag" not in kinds("买点面包")
    assert kinds("别给我看双肩包") == [] and parse_turn("别给我看双肩包", demo_rec.vocab).excluded_kinds == ["backpack"]


def test_a_named_thing_leads_and_the_reply_says_it_in_chinese(demo_rec):
    (_, _), (r, a) = chat(demo_rec, "有围巾吗", "不对，我想要太阳镜")
    assert "shades" in r.items[0]["title"].lower() and ("太阳镜" in a or "墨镜" in a), a


def test_an_item_over_budget_says_so_in_the_replies_language():
    from mmcrec.app.chat import item_caption

    item = {"title": "Cloudstep Runner - Green", "price": 84.99, "over_budget": 4.99, "score": 0.1}
    assert "超出预算$4.99" in item_caption(1, item, language="zh")
    assert "$4.99 over budget" in item_caption(1, item) and "超出" not in item_caption(1, item)


@pytest.mark.parametrize("text, excluded, content", [
    ("想要别人一眼就能认出的包", [], "别人"),  # 别人: other people, no "don't"
    ("要办公用的，不是玩游戏用的", None, "办公"),  # 不是: "not"
])
def test_what_chinese_negates_and_what_only_looks_like_it(text, excluded, content):
    it = parse_turn(text)
    assert content in it.content
    if excluded is not None:
        assert it.excluded_kinds == excluded and it.excluded_colors == []
    else:
        assert "游戏" not in it.content  # what is refused is not embedded as wanted
    assert not parse_turn("这双是不是白色的").excluded_colors  # 是不是: "is it", a question


def test_a_colour_name_leaves_nothing_behind():
    """"还是要深蓝色吧" changes the colour only: no stray 色 read as a new thing to replace the request."""
    it = parse_turn("还是要深蓝色吧")
    assert it.colors == ["blue"] and it.qualifies and it.change_of_mind


def test_something_to_go_with_this_in_chinese():
    assert parse_turn("能和这条裙子一起穿的鞋").goes_with and parse_turn("还能配点什么").goes_with
    assert not parse_turn("和朋友一起玩的").goes_with


@pytest.mark.parametrize("text", ["算了，换成帽子吧", "不对，我要的是背包", "还是要耳机吧", "其实我想要个杯子"])
def test_chinese_corrections_are_a_change_of_mind(text):
    assert parse_turn(text).change_of_mind


def test_cheaper_and_like_this():
    assert parse_turn("便宜点").cheaper
    it = parse_turn("像这样但要蓝色的")
    # names no new thing (the photo does): only the colour is matched, as "in blue" is in English
    assert it.colors == ["blue"] and it.qualifies and it.content == "蓝色" and not it.kinds


@pytest.mark.parametrize("text, lang, hi, excluded", [
    ("zapatillas para correr por menos de 80 dólares", "es", 80, []), ("sin negro", "es", None, ["black"]),
    ("Turnschuhe unter 80 Euro, ohne Schwarz", "de", 80, ["black"]), ("кроссовки до 80 долларов, без чёрного", "ru", 80, ["black"]),
    ("80ドル以下の靴", "ja", 80, []), ("chaussures de course moins de 80 dollars", "fr", 80, []),
])
def test_other_languages_get_budgets_and_not_x(text, lang, hi, excluded):
    it = parse_turn(text)
    assert (it.language, it.price_max, it.excluded_colors) == (lang, hi, excluded)


def chat(rec, *turns):
    st = DialogueState()
    out = []
    for t in turns:
        text, photo = t if isinstance(t, tuple) else (t, None)
        from PIL import Image

        st.add(Turn(text, Image.open(photo).convert("RGB") if photo else None, "f" * 64 if photo else ""), rec.vocab)
        r = rec.recommend(st, k=8)
        out.append((r, plain_reply(r, st, rec.vocab.categories, rec.vocab.currency)))
    return out


def test_the_chinese_shopper_walkthrough(demo_rec):
    """想买双跑步鞋，80美元以内 → 不要黑色的 → a photo with 像这样但要蓝色的: running shoes under $80,
    none black, then blue ones like the photo; every reply in Chinese. As in English, the budget
    orders the page: the runners within it first, then runners over it, each labelled, in Chinese."""
    (r1, a1), (r2, a2), (r3, a3) = chat(demo_rec, "想买双跑步鞋，80美元以内", "不要黑色的",
                                        ("像这样但要蓝色的", query_image("athletic-shoe")))
    for r in (r1, r2):
        assert "runner" in r.items[0]["title"].lower() and r.items[0]["price"] <= 80
        assert all(bool(it.get("over_budget")) == (it["price"] > 80) for it in r.items)
        assert all("runner" in it["title"].lower() for it in r.items if it.get("over_budget"))
    assert "超出预算" in a1 and "跑鞋" in a1  # says so, and names the kind in Chinese
    assert all(it["color"] != "black" for it in r2.items)
    assert r3.items[0]["color"] == "blue" and any(w in r3.items[0]["title"].lower() for w in ("sneaker", "runner", "shoe"))
    for a in (a1, a2, a3):
        assert "首选" in a and "Top pick" not in a
    assert "不要黑色" in a2 and "蓝色" in a3


def test_replies_say_what_is_true(demo_rec):
    (_, a), = chat(demo_rec, "a watch party snack bowl")
    assert "kind = bowl" in a and "watch, bowl" not in a  # the bowl is the thing; the watch party says which
    (_, a1), (_, a2) = chat(demo_rec, "a cap", "no wait, a cap instead")
    assert "of the catalog's" not in a2  # nothing filters: no count of "fitting" items that is the whole catalog
    (r, a), = chat(demo_rec, "a cap under $20")
    assert f"{r.n_candidates} of the catalog's {r.n_items} items meet your budget" in a


@pytest.mark.parametrize("text", ["🙂🙂🙂", "红色 sneakers 便宜点", "أريد حذاء أحمر بأقل من 50 دولار", "８０美元以内的ｓｈｏｅｓ", "\u202eseohs der"])
def test_odd_input_gets_an_answer(demo_rec, text):
    (r, a), = chat(demo_rec, text)
    assert a and isinstance(r.items, list)


def test_a_purpose_clause_is_not_part_of_the_thing(demo_rec):
    """A noun compound's kind is its last noun, but "to brew …" starts a purpose: the teapot stays."""
    assert parse_turn("a teapot to brew loose leaf tea", demo_rec.vocab).kinds[0] == "teapot"
    assert parse_turn("a mug that keeps coffee hot", demo_rec.vocab).kinds[:1] == ["mug"]
