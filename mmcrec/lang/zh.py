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
PRICE_MAX_BEFORE = re.compile(rf"(?:不超过|不要超过|别超过|低于|少于|不到|最多|预算(?:大概|大约|是|在|只有|就)?|顶多|小于){_CUR}\s*{_NUM}\s*{_CUR}")
PRICE_MIN_AFTER = re.compile(rf"{_CUR}\s*{_NUM}\s*{_CUR}\s*(?:以上|起)")
PRICE_MIN_BEFORE = re.compile(rf"(?:超过|高于|至少|不低于|起码){_CUR}\s*{_NUM}\s*{_CUR}")
PRICE_AROUND = re.compile(rf"(?:大概|大约|差不多)?{_CUR}\s*{_NUM}\s*{_CUR}\s*(?:左右|上下)")
# amounts in Chinese numerals ("四十刀以内", "一百二十美元", "两百块以下", "一百五左右"): written as digits
# before the budget rules read them. Only a numeral that a budget word or a currency follows or
# precedes is one: 一双, 一点 and 一起 are not amounts
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CN = "零〇一二两三四五六七八九十百千万"
_CN_AMOUNT = re.compile(
    rf"(不超过|不要超过|别超过|低于|少于|不到|最多|预算|顶多|小于|超过|高于|至少|不低于|起码|大概|大约|差不多)([{_CN}]{{1,12}})"
    rf"|()(?<![{_CN}])([{_CN}]{{1,12}})(?=\s*(?:美元|美金|块钱|人民币|欧元|英镑|日元|刀|块|元|以下|以内|之内|左右|上下|以上|到|至))")


def chinese_number(word: str) -> int | None:
    """四十 → 40, 一百二十 → 120, 一百二 → 120 (the unit after the last one is implied), 两千 → 2000,
    十五 → 15, 五 → 5; None for what is not a number."""
    total, section, digit, last_unit = 0, 0, None, 1
    for ch in word:
        if ch in "零〇" and section:  # 一百零五: the zero holds a place, the digit after it is ones
            last_unit = 1
            continue
        if ch in _DIGITS:
            if digit is not None:  # two digits in a row ("一二") is no amount
                return None
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit == 10000:
                total = (total + section + (digit or 0)) * unit
                section, digit = 0, None
            else:
                section += (1 if digit is None else digit) * unit
                digit = None
            last_unit = unit
        else:
            return None
    if digit is not None:
        # a trailing digit after 百 or 千 is the next unit down: 一百五 = 150, 两千三 = 2300
        section += digit * (last_unit // 10 if last_unit >= 100 and len(word) > 1 and word[-2] in _UNITS else 1)
    return total + section


def _digits(text: str) -> str:
    """The Chinese-numeral amounts of a budget written as digits."""
    def sub(m: re.Match) -> str:
        lead, word = (m.group(1), m.group(2)) if m.group(2) else (m.group(3), m.group(4))
        n = chinese_number(word)
        return m.group(0) if n is None or (len(word) == 1 and word in "一两") else f"{lead}{n}"
    # 三块五 is 3.5 块, as a price is said
    return re.sub(r"(\d+)(块|元)(\d)(?![\d.])", r"\1.\3\2", _CN_AMOUNT.sub(sub, text))


CHEAPER = re.compile(r"便宜(?:一)?点|便宜些|更便宜|再便宜|实惠(?:一)?点|便宜的")
PRICIER = re.compile(r"贵(?:一)?点|更贵|高档(?:一)?点|好(?:一)?点的|高端")
CHANGE_OF_MIND = re.compile(r"(?<!就)算了|不对|还是|换成|改成|其实|不要这个了|换个")
ADDITIVE = re.compile(r"也要|还要|另外|再来")
# "something to go with this": 配这个, 搭配, 跟这件一起穿, 和它搭, 配点什么
GOES_WITH = re.compile(r"配(?:这|它|点|什么)|搭配|搭着|配套|(?:跟|和|同|与)(?:这|它)[^，。,.!！?？；;]{0,6}?(?:一起|搭|配)")
BUDGET_WORDS = re.compile(r"(?:我的)?(?:预算|价格|价位|价钱)(?:是|在|大概|大约|控制在|要)?")
# what is not wanted: 不要X / 别(给我看|要)X / 除了X(都行|以外|之外) / X的不要
NEGATION = re.compile(r"(?:不要|不想要|别给我看|别要|别(?![人的处家])|(?<!是)不是|不喜欢|去掉|排除)([^，。,.!！?？；;]{1,8}?)(?:的|了|[，。,.!！?？；;]|$)")
EXCEPT = re.compile(r"除了([^，。,.!！?？；;]{1,8}?)(?:的)?(?:以外|之外)?(?:都行|都可以|都好|，|,|$)")
# X的不要 / X的都不要 / X就算了 / X就不要了: the negation after what it negates
NOT_AFTER = re.compile(r"([^，。,.!！?？；;不别]{1,10}?)(?:的)?(?:都)?(?:不要|就算了|就不要了|不考虑)(?:了)?(?=$|[，。,.!！?？；;])")
# words that carry no thing: what is left of a turn of only these names nothing ("要蓝色的")
FILLER = set("我想要买个一双件只条台把支套请给看看有没吗呢吧啊呀的了但是还就再来换成改其实算不对这样像种类似款也都行可以或者") | {""}
# how a request starts and ends without naming anything ("我想买件", "有没有…吗"): left out of what is
# embedded, where a short request would otherwise be read as mostly "I want to buy"
LEAD = re.compile(r"^(?:请问|请|麻烦|帮我|给我|我|就|更|还是|宁愿|宁可|倒是|比较|真的)*(?:想要|想买|想找|想|需要|要|买|找|看看|看一下|看|推荐|来|有没有|有)*"
                  r"(?:一|几|点|些)?(?:个|件|双|条|只|台|把|支|套|顶|副|款|种|些|点)?")
TAIL = re.compile(r"(?:吗|呢|吧|啊|呀|的|了)+$")
# the turn points at its photo ("像这样", "这种"): nothing to add, the photo is the target already
LIKE_THIS = re.compile(r"像这样|像这个|这种|类似的|同款|差不多的")

# the things a shop sells, by their common Chinese names, with the English words a catalog may name
# them by (the first one the catalog knows is the kind read). A kind is named when its word ends a
# clause: the head of a Chinese noun phrase comes last ("冬天要件保暖的外套" is a coat, "配这条裤子的上衣"
# a top); one that no catalog word matches is left to the meaning, as every other phrase
KINDS: dict[str, tuple[str, ...]] = {
    # clothing
    "衣服": ("clothing",), "上衣": ("top", "shirt", "blouse"), "t恤": ("tee", "t-shirt", "shirt"), "体恤": ("tee", "shirt"),
    "短袖": ("tee", "shirt"), "衬衫": ("shirt", "blouse"), "衬衣": ("shirt", "blouse"), "卫衣": ("hoodie", "sweatshirt"),
    "毛衣": ("sweater", "knitwear", "jumper"), "针织衫": ("knitwear", "sweater", "cardigan"), "外套": ("coat", "jacket"),
    "大衣": ("coat",), "风衣": ("coat", "trench"), "夹克": ("jacket",), "羽绒服": ("jacket", "coat", "parka"),
    "西装": ("suit", "blazer"), "连衣裙": ("dress",), "裙子": ("dress", "skirt"), "半身裙": ("skirt",), "短裙": ("skirt",),
    "裤子": ("trousers", "pants"), "长裤": ("trousers", "pants"), "牛仔裤": ("jeans", "denim", "trousers", "pants"),
    "短裤": ("shorts",), "泳衣": ("swimsuit", "swimwear"), "泳装": ("swimsuit", "swimwear"), "连体泳衣": ("swimsuit",),
    "比基尼": ("bikini",), "睡衣": ("pajamas", "pyjamas", "robe"), "浴袍": ("robe",), "袜子": ("sock",),
    "内衣": ("underwear",), "和服": ("kimono",), "纱丽": ("sari", "saree"), "背心": ("vest", "singlet"),
    "领带": ("tie",), "围巾": ("scarf",), "手套": ("glove", "mitten"), "帽子": ("hat",), "鸭舌帽": ("cap",),
    "棒球帽": ("cap",), "毛线帽": ("beanie", "hat"), "草帽": ("hat",), "遮阳帽": ("hat",), "头盔": ("helmet",),
    "墨镜": ("sunglasses", "shades"), "太阳镜": ("sunglasses", "shades"), "眼镜": ("glasses",), "手表": ("watch", "wristwatch"),
    "腕表": ("watch", "wristwatch"), "项链": ("necklace",), "戒指": ("ring",), "耳环": ("earring",),
    # shoes
    "鞋": ("shoe",), "鞋子": ("shoe",), "运动鞋": ("sneaker", "trainer"), "球鞋": ("sneaker", "trainer"),
    "跑鞋": ("runner", "sneaker", "trainer"), "跑步鞋": ("runner", "sneaker", "trainer"), "慢跑鞋": ("runner", "sneaker", "trainer"),
    "靴子": ("boot",), "短靴": ("boot",), "登山鞋": ("boot",), "登山靴": ("boot",), "徒步鞋": ("boot",), "凉鞋": ("sandal",),
    "拖鞋": ("slipper", "flip-flop"), "人字拖": ("flip-flop",), "高跟鞋": ("pump", "heel"), "平底鞋": ("flat",),
    # bags
    "包": ("bag",), "包包": ("bag",), "双肩包": ("backpack",), "背包": ("backpack",), "书包": ("backpack",),
    "手提包": ("handbag",), "手袋": ("handbag",), "托特包": ("tote",), "钱包": ("purse", "wallet"), "公文包": ("briefcase",),
    "行李箱": ("carry-on", "suitcase", "luggage"), "拉杆箱": ("carry-on", "suitcase", "luggage"),
    "登机箱": ("carry-on", "suitcase", "luggage"), "化妆包": ("pouch",),
    # electronics
    "耳机": ("headphones", "headphone"), "音箱": ("speaker",), "音响": ("speaker",), "手机": ("smartphone", "phone"),
    "电话": ("telephone", "phone"), "笔记本电脑": ("laptop", "ultrabook"), "电脑": ("computer", "pc", "laptop"),
    "平板": ("tablet",), "平板电脑": ("tablet",), "相机": ("camera",), "照相机": ("camera",), "摄像机": ("camcorder",),
    "键盘": ("keyboard",), "鼠标": ("mouse",), "手柄": ("controller",), "游戏手柄": ("controller",), "收音机": ("radio",),
    "电视": ("tv",), "投影仪": ("projector",), "打印机": ("printer",), "麦克风": ("microphone",), "话筒": ("microphone",),
    "手电筒": ("flashlight",), "灯泡": ("bulb",), "台灯": ("lamp",), "电池": ("battery",), "无人机": ("drone",),
    "望远镜": ("telescope",), "显微镜": ("microscope",),
    # kitchen and table
    "锅": ("pan", "pot", "skillet"), "平底锅": ("pan", "skillet"), "煎锅": ("pan", "skillet"), "汤锅": ("pot",),
    "茶壶": ("teapot",), "杯子": ("cup", "mug"), "马克杯": ("mug",), "碗": ("bowl",), "盘子": ("plate",), "刀": ("knife",),
    "菜刀": ("knife",), "筷子": ("chopstick",), "勺子": ("spoon",), "餐具": ("cutlery",), "保温杯": ("tumbler", "bottle"),
    "水杯": ("tumbler", "cup", "bottle"), "水瓶": ("bottle",), "酒杯": ("glass",),
    # food and drink
    "水果": ("fruit",), "苹果": ("apple",), "香蕉": ("banana",), "草莓": ("strawberry",), "樱桃": ("cherry",),
    "葡萄": ("grape",), "西瓜": ("watermelon",), "菠萝": ("pineapple",), "柠檬": ("lemon",), "面包": ("bread", "loaf"),
    "巧克力": ("chocolate",), "咖啡": ("coffee",), "茶叶": ("tea",), "蜂蜜": ("honey",), "奶酪": ("cheese",),
    "黄油": ("butter",), "饼干": ("cookie", "cooky"), "葡萄酒": ("wine",), "红酒": ("wine",),
    # toys, games, instruments, sport
    "玩具": ("toy",), "泰迪熊": ("bear",), "娃娃": ("doll",), "玩偶": ("doll",), "风筝": ("kite",), "拼图": ("puzzle",),
    "桌游": ("game",), "国际象棋": ("chess",), "象棋": ("chess",), "骰子": ("dice",), "扑克": ("card", "deck"),
    "扑克牌": ("card", "deck"), "气球": ("balloon",), "溜溜球": ("yo-yo",), "滑板车": ("scooter",), "滑板": ("skateboard",),
    "麻将": ("mahjong",), "乐器": ("instrument",), "吉他": ("guitar",), "小提琴": ("violin",), "班卓琴": ("banjo",),
    "鼓": ("drum",), "笛子": ("flute",), "钢琴": ("piano", "keyboard"), "电子琴": ("keyboard", "piano"),
    "手风琴": ("accordion",), "萨克斯": ("saxophone",), "小号": ("trumpet",), "长号": ("trombone",), "竖琴": ("harp",),
    "篮球": ("basketball",), "足球": ("football",), "排球": ("volleyball",), "棒球": ("baseball",), "球拍": ("racket",),
    "滑雪板": ("ski",), "滑雪镜": ("goggle",), "护目镜": ("goggle",), "帐篷": ("tent",), "自行车": ("bicycle", "bike"),
    "单车": ("bicycle", "bike"), "鱼竿": ("rod",), "钓竿": ("rod",),
    # home, garden, care
    "椅子": ("chair",), "沙发": ("sofa",), "桌子": ("table",), "花瓶": ("vase",), "蜡烛": ("candle",), "镜子": ("mirror",),
    "时钟": ("clock",), "闹钟": ("clock",), "挂钟": ("clock",), "伞": ("umbrella",), "雨伞": ("umbrella",),
    "篮子": ("basket",), "毛巾": ("towel",), "香皂": ("soap",), "肥皂": ("soap",), "牙刷": ("toothbrush",),
    "剃须刀": ("razor",), "刮胡刀": ("razor",), "口红": ("lipstick",), "身体乳": ("lotion",), "海绵": ("sponge",),
    "扫帚": ("broom",), "盆栽": ("plant",), "植物": ("plant",), "鲜花": ("bouquet",), "花束": ("bouquet",), "种子": ("seed",),
    # office and tools
    "笔": ("pen",), "钢笔": ("pen",), "铅笔": ("pencil",), "本子": ("notebook",), "笔记本": ("notebook",),
    "手账": ("journal", "notebook"), "日记本": ("journal", "notebook"), "书": ("book",), "小说": ("novel",),
    "日历": ("calendar",), "台历": ("calendar",), "剪刀": ("scissor",), "尺子": ("ruler",), "文件夹": ("folder",),
    "锤子": ("hammer",), "螺丝刀": ("screwdriver",), "扳手": ("spanner",), "梯子": ("ladder",), "工具箱": ("toolbox",),
}
_KIND_WORDS = sorted(KINDS, key=len, reverse=True)
_KIND_LONGEST = len(_KIND_WORDS[0])
# words for a class of things a shop has several kinds of: they name the kind, but what narrows it
# is in the words around them ("有黑白键的乐器" is a keyboard, "走山路穿的鞋" a boot)
BROAD = {"衣服", "上衣", "裤子", "长裤", "裙子", "鞋", "鞋子", "包", "包包", "帽子", "眼镜", "乐器", "玩具", "水果", "锅",
         "刀", "笔", "杯子", "书", "餐具", "电脑", "植物", "盆栽", "种子", "本子", "时钟"}


def named_kind(phrase: str, vocab: CatalogWords | None = None, end: bool = True) -> tuple[str, bool] | None:
    """(the catalog kind, whether the word is a broad one) a Chinese phrase names by its head noun
    (the word that ends it; end=False: anywhere in it, for a short refused phrase such as "双肩包"),
    when the catalog knows the word."""
    phrase = TAIL.sub("", phrase.strip(" ，。,.的"))
    # the words that could end it (a clause may be long: only its last few characters are looked at)
    words = [phrase[-n:] for n in range(_KIND_LONGEST, 0, -1) if phrase[-n:] in KINDS] if end else _KIND_WORDS
    for word in words:
        at = len(phrase) - len(word) if end else phrase.find(word)
        if at >= 0 and not (at > 0 and phrase[at - 1].isdigit()):  # "60刀": an amount
            for english in KINDS[word]:
                if vocab is None or english in vocab.kinds:
                    return english, word in BROAD
            return None  # the longest word is the noun: a shorter one inside it is not ("面包" is no bag)
    return None


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
    "over_caption": "超出预算{amount}",
    "select_hint": "在商品列表里选一件商品，再点 👍 或 👎 评价（再点一次即撤回）。",
    "selected": "**#{n} {title}** — {state}。",
    "rated_up": "您评了 👍",
    "rated_down": "您评了 👎",
    "not_rated": "还没有评价",
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
for _zh, _english in KINDS.items():  # a kind as a Chinese reply says it: the first word that names it
    for _e in _english:
        WORDS_BACK.setdefault(_e, _zh)
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
    low = _digits(text.lower())
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
            else:  # a kind, by name or by meaning: "不要棒球帽" → no cap
                from ..multilingual import catalog_kind

                kind = catalog_kind(phrase, vocab) or (named_kind(phrase, vocab, end=False) or (None,))[0]
                if kind and kind not in it.excluded_kinds:
                    it.excluded_kinds.append(kind)
            consumed.append(m.span())  # a negated phrase is never embedded as something wanted

    rest = _strip(low, consumed)
    if it.price_min is not None or it.price_max is not None or it.currency_asked:
        rest = BUDGET_WORDS.sub(" ", rest)  # "预算70到90刀": the word "budget" names no thing
    for name in sorted(COLOR_PHRASES, key=len, reverse=True):
        if name in rest and COLOR_PHRASES[name] not in it.colors:
            it.colors.append(COLOR_PHRASES[name])
            rest = re.sub(name + "(?:色的|色|的)?", " ", rest)  # "浅蓝色吧": no stray 色 left to read as a thing
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
    narrow = []
    for clause in re.split(r"[，。,.!！?？；;、]", rest):
        kind, broad = named_kind(clause, vocab) or (None, True)
        if kind and kind not in it.kinds and kind not in it.excluded_kinds:
            it.kinds.append(kind)
            narrow += [] if broad else [kind]
    if narrow and it.content:
        # a narrow thing in the catalog's own word as well: the multilingual encoder reads both, and
        # the word pins down what it reads loosely ("墨镜" alone sits nearer reading glasses than shades)
        it.content = f"{it.content} {' '.join(narrow)}"
    it.qualifies = not left and bool(it.colors or it.excluded_colors or LIKE_THIS.search(low))
    return it
