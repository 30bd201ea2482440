"""Requests the text encoder cannot read are said to be so, not answered with confident noise."""
from __future__ import annotations

import pytest

from app_support import make_ctx

from mmcrec.language import MULTILINGUAL_ENCODER, english_only, foreign_script, unreadable_note

CHINESE_SNEAKERS = "我想要一双红色的运动鞋"  # "I want a pair of red sneakers"
HINDI_SHOES = "मुझे लाल जूते चाहिए"  # "I want red shoes": a script the multilingual encoder does not read


@pytest.mark.parametrize("text, script", [
    (CHINESE_SNEAKERS, "Han"), ("Хочу красные кроссовки", "Cyrillic"), ("أريد حذاء أحمر", "Arabic"),
    ("मुझे लाल जूते चाहिए", "Devanagari"), ("รองเท้าสีแดง", "Thai"), ("빨간 운동화", "Hangul"),
    ("Κόκκινα παπούτσια", "Greek"), ("スニーカーがほしい", "Katakana"),
    # answered: English with accents, fullwidth Latin, a word in another script, no letters at all
    ("a café table", None), ("crème brûlée mug, naïve façade", None), ("ＳＨＯＥＳ in red", None),
    ("show me 运动鞋 please", None), ("under $40", None), ("", None),
])
def test_script_detection(text, script):
    assert foreign_script(text) == script


def test_only_english_only_encoders_refuse():
    assert english_only("offline") and english_only("openclip:ViT-B-32/laion2b_s34b_b79k")
    for multilingual in (MULTILINGUAL_ENCODER, "openclip:xlm-roberta-large-ViT-H-14/frozen_laion5b_s13b_b90k",
                         "openclip:nllb-clip-base/v1", "openclip:ViT-B-16-SigLIP-i18n-256/webli"):
        assert not english_only(multilingual)
        assert unreadable_note(CHINESE_SNEAKERS, multilingual) is None
    assert unreadable_note(CHINESE_SNEAKERS, "offline") is None  # the multilingual encoder reads it
    note = unreadable_note(HINDI_SHOES, "offline")  # no installed encoder reads Devanagari
    assert "Devanagari" in note and "English" in note and f"--encoder {MULTILINGUAL_ENCODER}" in note


@pytest.fixture
def ctx(demo_rec, tmp_path):
    return make_ctx(demo_rec, tmp_path)


def msg(text):
    return {"text": text, "files": []}


def test_chat_says_it_cannot_read_an_unread_script_and_picks_nothing(ctx):
    from mmcrec.app.chat import chat_turn

    s, v = chat_turn(ctx, msg(HINDI_SHOES), [], None)
    reply = v.messages[-1]["content"]
    assert "Devanagari" in reply and "English" in reply and "openclip:xlm" in reply.replace("\\", "")
    assert "Top pick" not in reply
    assert v.gallery == [] and v.explanation == {} and s.last is None
    assert s.texts == [] and not s.dialogue.turns and not s.replies  # not a turn: not scored, not rateable

    s, v = chat_turn(ctx, msg("show me some hats"), v.messages, s)  # the conversation goes on in English
    shown = v.gallery
    s, v = chat_turn(ctx, msg(HINDI_SHOES), v.messages, s)
    assert v.gallery == shown and s.texts == ["show me some hats"] and len(s.dialogue.turns) == 1
    assert len(v.messages) == 6 and "Devanagari" in v.messages[-1]["content"]  # both refusals stay in the chat


def test_chat_answers_chinese(ctx):
    from mmcrec.app.chat import chat_turn

    s, v = chat_turn(ctx, msg(CHINESE_SNEAKERS), [], None)
    assert v.gallery and s.texts == [CHINESE_SNEAKERS] and s.last.items
    assert any(w in it["title"].lower() for it in s.last.items[:5] for w in ("sneaker", "runner", "shoe"))


def test_an_accented_english_request_is_answered(ctx):
    from mmcrec.app.chat import chat_turn

    s, v = chat_turn(ctx, msg("a mug for my café"), [], None)
    assert v.messages[-1]["content"].startswith("Understood") and v.gallery and s.texts == ["a mug for my café"]
