"""The page in the shopper's language (mmcrec/app/ui_text.py): a Chinese browser sees Chinese tab
names, buttons, labels and help, any other browser English; the header's switch changes it and is
remembered; `?lang=zh` asks for it. With MMCREC_SCREENSHOTS=docs/img the browser test saves the
Chinese page as docs/img/zh-ui.png (a CJK font wanted: Debian's fonts-noto-cjk)."""
from __future__ import annotations

import json
import os
import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from app_support import CHROMIUM, CHROMIUM_FLAGS, ROOT, browser_marks, launch, make_ctx

from mmcrec.app import launch_kwargs, ui_text
from mmcrec.app.ui_text import EN, ZH

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_key_in_both_languages():
    assert EN.keys() == ZH.keys()
    assert all(v.strip() for v in [*EN.values(), *ZH.values()])
    assert all(HAN.search(v) for k, v in ZH.items()), [k for k, v in ZH.items() if not HAN.search(v)]
    assert not any(HAN.search(v) for v in EN.values())
    with pytest.raises(KeyError):
        ui_text.t("no_such_key")
    assert ui_text.known(EN["note_remembered"]).key == "note_remembered"
    assert ui_text.known("typed by someone") == "typed by someone"


def test_page_keys_exist_and_launch_carries_translations(demo_rec, tmp_path):
    """Every key the page's builders ask for (layout.py, header.py, the *_tab.py modules) is
    translated, and launch_kwargs hands the translations to Gradio."""
    builders = [p for p in sorted((ROOT / "mmcrec" / "app").glob("*.py")) if p.name != "ui_text.py"]
    page = "".join(p.read_text(encoding="utf-8") for p in builders)
    used = set(re.findall(r"\bt\(\"([a-z_]+)\"\)", page))
    assert len(used) > 40 and used <= EN.keys(), used - EN.keys()
    ctx = make_ctx(demo_rec, tmp_path)
    assert launch_kwargs(ctx)["i18n"].translations_dict == {"en": EN, "zh": ZH}
    demo, url = launch(ctx)
    try:
        with urllib.request.urlopen(url + "config", timeout=30) as r:
            cfg = json.load(r)
        assert cfg["i18n_translations"] == {"en": EN, "zh": ZH}
        tabs = [c["props"].get("label") for c in cfg["components"] if c["type"] == "tabitem"]
        assert any('"tab_recommend"' in str(label) for label in tabs), tabs
        # the API description still names parameters and results in English (gradio_client reads it)
        with urllib.request.urlopen(url + "gradio_api/info", timeout=30) as r:
            info = json.load(r)
        stats = [part["label"] for part in info["named_endpoints"]["/label_stats"]["returns"]]
        assert EN["per_label"] in stats and EN["per_item"] in stats, stats
        labels = [part["label"] for e in info["named_endpoints"].values() for part in e["parameters"] + e["returns"]]
        assert all(isinstance(label, str) and "__i18n__" not in label for label in labels), labels
    finally:
        demo.close()


def _open(browser, url, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((url.split("?")[0].rstrip("/"), "data:", "blob:"))
            else outside.append(r.url))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#mm-input textarea", timeout=60_000)
    return context, page, outside


def _shown(page, lang: str) -> None:
    """The page's own words are `lang`'s (waits for them: a switch loads Gradio's words a moment later)."""
    words = ZH if lang == "zh" else EN
    page.get_by_role("tab", name=words["tab_recommend"], exact=True).wait_for(timeout=30_000)
    page.wait_for_function("v => document.querySelector('#mm-lang input:checked')?.value === v", arg=lang,
                           timeout=30_000)
    for key in ("tab_recommend", "tab_labels", "tab_campaigns"):  # the last two not opened yet
        page.get_by_role("tab", name=words[key], exact=True).wait_for(timeout=30_000)
    for key in ("new_conversation", "good_match", "not_for_me", "play"):
        assert page.get_by_role("button", name=words[key], exact=True).count() == 1, key
    assert page.get_attribute("#mm-input textarea", "placeholder") == words["input_placeholder"]
    assert page.get_attribute("#mm-annotator input, #mm-annotator textarea", "placeholder") == words["name_placeholder"]
    body = page.inner_text("body")
    for key in ("alpha_label", "my_ratings", "examples_label"):
        assert words[key] in body, key
    assert words["why_heading"].split("\n")[0].lstrip("# ") in body
    other = EN if lang == "zh" else ZH
    for key in ("tab_recommend", "new_conversation", "my_ratings"):
        assert page.get_by_text(other[key], exact=True).count() == 0, key
    assert "__i18n__" not in body and not [k for k in EN if "_" in k and k in body]
    assert (page.get_attribute("html", "lang") or "").startswith("zh") == (lang == "zh")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


def browser_test(fn):
    """Marked slow and browser, skipped where chromium is absent (app_support.browser_marks)."""
    for mark in browser_marks():
        fn = mark(fn)
    return fn


@browser_test
def test_browser_language_follows_locale_and_switch(demo_rec, tmp_path, browser):
    ctx = make_ctx(demo_rec, tmp_path)
    demo, url = launch(ctx)
    outside: list[str] = []
    try:
        # a Chinese browser: Chinese (Gradio's locale zh-CN, so its own words are Chinese too)
        zh, page, out = _open(browser, url, "zh-CN")
        outside += out
        _shown(page, "zh")
        page.wait_for_function("document.querySelector('#mm-header').innerText.includes('Serving')", timeout=60_000)
        page.wait_for_function("!document.querySelector('.progress-text, .eta-bar')", timeout=60_000)
        page.wait_for_timeout(800)  # the page's load events have drawn
        page.screenshot(path=str(tmp_path / "zh-ui.png"), full_page=False)
        # the switch: English at once, and still English after a reload (kept in this browser)
        page.locator("#mm-lang").get_by_text("English", exact=True).click()
        _shown(page, "en")
        page.reload(wait_until="domcontentloaded")
        page.wait_for_selector("#mm-input textarea", timeout=60_000)
        _shown(page, "en")
        zh.close()

        # any other browser: English as before; the switch turns it Chinese; ?lang=zh asks for Chinese
        en, page, out = _open(browser, url, "en-US")
        outside += out
        _shown(page, "en")
        page.locator("#mm-lang").get_by_text("中文", exact=True).click()
        _shown(page, "zh")
        page.get_by_role("tab", name=ZH["tab_labels"], exact=True).click()  # a tab first opened after the switch
        page.get_by_role("button", name=ZH["export_labels"], exact=True).wait_for(timeout=30_000)
        en.close()
        asked, page, out = _open(browser, url + "?lang=zh", "en-US")
        outside += out
        _shown(page, "zh")
        asked.close()
        assert not outside, outside
    finally:
        demo.close()
        keep = os.environ.get("MMCREC_SCREENSHOTS")
        if keep and (tmp_path / "zh-ui.png").exists():
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp_path / "zh-ui.png", Path(keep) / "zh-ui.png")
