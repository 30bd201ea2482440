"""The other languages the multilingual encoder reads: what every shopper needs at least, a budget
("menos de 80 dólares", "unter 80 Euro", "до 80 долларов", "80ドル以下") and "not X" ("sin negro",
"ohne Leder", "без чёрного"), each language in one row of `WORDS`. A pack per language, of the same
shape as en.py and zh.py (`pack(code).read(text, vocab)`); what kind of thing is asked for is read
by meaning, as for every language. A negated colour is excluded; any other negated phrase is taken
out of what is embedded, so "sin cuero" never pulls towards leather.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

from . import en
from .reading import CatalogWords, TurnIntent, _inside, _strip, normalize_text

_NUM = r"(\d+(?:[.,]\d+)?)"
_CUR = r"(?:\s*(?:\$|€|£|¥|usd|euros?|eur|dollars?|dólares?|dolares|dollari|dólar|dolarów|dolar|долл\w*|евро|ドル|ユーロ|円|달러|유로|دولار|يورو|ดอลลาร์|บาท))?"
# per language: words before a number that cap the price, words after it that cap it, words that
# negate what follows, and colour words → the catalog's English colour
WORDS: dict[str, dict] = {
    "es": {"max_before": "menos de|por menos de|máximo|hasta|por debajo de|no más de", "max_after": "como máximo|o menos",
           "not": "sin|no|nada de", "colors": {"rojo": "red", "roja": "red", "azul": "blue", "negro": "black", "negra": "black",
           "blanco": "white", "blanca": "white", "verde": "green", "rosa": "pink", "gris": "grey", "amarillo": "yellow"}},
    "fr": {"max_before": "moins de|pas plus de|maximum|max|jusqu'à|en dessous de|sous", "max_after": "maximum|max|ou moins",
           "not": "sans|pas de|pas en|pas", "colors": {"rouge": "red", "bleu": "blue", "bleue": "blue", "noir": "black",
           "noire": "black", "blanc": "white", "blanche": "white", "vert": "green", "verte": "green", "rose": "pink", "gris": "grey"}},
    "de": {"max_before": "unter|bis|höchstens|maximal|weniger als|nicht mehr als", "max_after": "maximal|oder weniger",
           "not": "ohne|kein|keine|keinen|nicht", "colors": {"rot": "red", "rote": "red", "roten": "red", "blau": "blue",
           "blaue": "blue", "schwarz": "black", "schwarze": "black", "weiß": "white", "weisse": "white", "grün": "green",
           "rosa": "pink", "grau": "grey"}},
    "it": {"max_before": "meno di|massimo|fino a|sotto i|sotto|non più di", "max_after": "al massimo|o meno",
           "not": "senza|non|niente", "colors": {"rosso": "red", "rossa": "red", "blu": "blue", "azzurro": "blue",
           "nero": "black", "nera": "black", "bianco": "white", "bianca": "white", "verde": "green", "rosa": "pink"}},
    "pt": {"max_before": "menos de|até|no máximo|abaixo de|não mais de", "max_after": "no máximo|ou menos",
           "not": "sem|não|nada de", "colors": {"vermelho": "red", "vermelha": "red", "azul": "blue", "preto": "black",
           "preta": "black", "branco": "white", "branca": "white", "verde": "green", "rosa": "pink", "cinza": "grey"}},
    "nl": {"max_before": "onder|minder dan|maximaal|tot|niet meer dan", "max_after": "maximaal|of minder",
           "not": "zonder|geen|niet", "colors": {"rood": "red", "rode": "red", "blauw": "blue", "blauwe": "blue",
           "zwart": "black", "zwarte": "black", "wit": "white", "witte": "white", "groen": "green", "roze": "pink"}},
    "pl": {"max_before": "poniżej|do|maksymalnie|mniej niż|nie więcej niż", "max_after": "maksymalnie",
           "not": "bez|nie", "colors": {"czerwony": "red", "czerwone": "red", "niebieski": "blue", "czarny": "black",
           "czarne": "black", "biały": "white", "zielony": "green", "różowy": "pink"}},
    "tr": {"max_before": "en fazla|maksimum|en çok", "max_after": "altında|altı|dan az|den az|e kadar|a kadar",
           "not": "olmasın|istemiyorum|hariç|değil", "not_after": True, "colors": {"kırmızı": "red", "mavi": "blue",
           "siyah": "black", "beyaz": "white", "yeşil": "green", "pembe": "pink"}},
    "ru": {"max_before": "до|дешевле|не дороже|меньше|максимум|не больше|ниже", "max_after": "максимум",
           "not": "без|не|кроме", "colors": {"красн": "red", "син": "blue", "голуб": "blue", "чёрн": "black",
           "черн": "black", "бел": "white", "зелён": "green", "зелен": "green", "розов": "pink", "сер": "grey"}},
    "ja": {"max_before": "最大", "max_after": "以下|以内|まで|未満", "not": "以外|じゃない|ではない|なし|いらない",
           "not_after": True, "colors": {"赤": "red", "青": "blue", "黒": "black", "白": "white", "緑": "green",
           "ピンク": "pink", "グレー": "grey"}},
    "ko": {"max_before": "최대", "max_after": "이하|까지|미만|이내", "not": "말고|빼고|없는|아닌", "not_after": True,
           "colors": {"빨간": "red", "빨강": "red", "파란": "blue", "파랑": "blue", "검은": "black", "검정": "black",
                      "흰": "white", "하얀": "white", "초록": "green", "분홍": "pink"}},
    "ar": {"max_before": "أقل من|حتى|بحد أقصى|لا يزيد عن", "max_after": "كحد أقصى", "not": "بدون|ليس|لا|غير",
           "colors": {"أحمر": "red", "حمراء": "red", "أزرق": "blue", "زرقاء": "blue", "أسود": "black", "سوداء": "black",
                      "أبيض": "white", "بيضاء": "white", "أخضر": "green", "وردي": "pink"}},
    "th": {"max_before": "ไม่เกิน|ต่ำกว่า|ราคาไม่เกิน|สูงสุด", "max_after": "ลงมา", "not": "ไม่เอา|ไม่ใช่|ไม่",
           "colors": {"แดง": "red", "น้ำเงิน": "blue", "ฟ้า": "blue", "ดำ": "black", "ขาว": "white", "เขียว": "green",
                      "ชมพู": "pink"}},
}
LANGUAGES = tuple(WORDS)


def pack(code: str) -> SimpleNamespace:
    """The pack of one language: `LANGUAGE` and `read(text, vocab)`."""
    w = WORDS[code]
    max_before = re.compile(rf"(?:{w['max_before']})\s*{_CUR}\s*{_NUM}{_CUR}")
    max_after = re.compile(rf"{_CUR}\s*{_NUM}{_CUR}\s*(?:{w['max_after']})")
    bare = re.compile(rf"(?:\$|€|£)\s*{_NUM}|{_NUM}\s*(?:\$|€|£|usd|euros?|eur|dollars?|dólares|долл\w*|евро|ドル|달러)")
    if w.get("not_after"):  # the negation follows what it negates (Japanese, Korean, Turkish)
        negation = re.compile(rf"(\S{{1,12}}?)\s*(?:{w['not']})")
    else:
        negation = re.compile(rf"(?<!\w)(?:{w['not']})\s+((?:\S+\s*){{1,2}})")
    colors = w["colors"]

    def colour_of(phrase: str) -> str | None:
        for word, c in colors.items():
            if word in phrase:
                return c
        return None

    def read(text: str, vocab: CatalogWords | None = None) -> TurnIntent:
        text = normalize_text(text)
        low = text.lower()
        it = TurnIntent(text=text)
        consumed: list[tuple[int, int]] = []
        for rx in (max_before, max_after):
            for m in rx.finditer(low):
                it.price_max = float(m.group(1).replace(",", "."))
                consumed.append(m.span())
        if it.price_max is None:
            for m in bare.finditer(low):
                if not _inside(m.span(), consumed):
                    it.price_max = float((m.group(1) or m.group(2)).replace(",", "."))
                    consumed.append(m.span())
        for m in negation.finditer(low):
            if _inside(m.span(), consumed):
                continue
            c = colour_of(m.group(1))
            if c and c not in it.excluded_colors:
                it.excluded_colors.append(c)
            consumed.append(m.span())
        rest = _strip(low, consumed)
        for word, c in colors.items():
            if word in rest and c not in it.colors and c not in it.excluded_colors:
                it.colors.append(c)
        it.content = " ".join(rest.split()).strip(" ,.;:!?¿¡")
        return it

    # replies: English until the language has phrases of its own
    return SimpleNamespace(LANGUAGE=code, read=read, REPLY=en.REPLY, WORDS_BACK=en.WORDS_BACK, CURRENCY_NAMES=en.CURRENCY_NAMES)
