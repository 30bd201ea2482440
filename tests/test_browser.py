"""The app in a real browser (Debian chromium through Playwright): type, send, upload, see the
gallery and the drawn charts, rate, reload. No request may leave 127.0.0.1."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app_support import CHROMIUM, CHROMIUM_FLAGS, browser_marks, launch, make_ctx, query_image

from mmcrec.labels import Label, make_label_id

pytestmark = browser_marks()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


def _page(browser, width, height, url):
    page = browser.new_page(viewport={"width": width, "height": height})
    outside: list[str] = []
    dialogs: list[str] = []

    def on_request(req):
        u = req.url
        if not (u.startswith(url.rstrip("/")) or u.startswith(("data:", "blob:"))):
            outside.append(u)

    page.on("request", on_request)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#mm-input textarea", timeout=60_000)
    return page, outside, dialogs


def _send(page, text: str, image: Path | None = None, n_user_before: int = 0):
    if image is not None:
        page.set_input_files("#mm-input input[type=file]", str(image))
        page.wait_for_selector("#mm-input img, #mm-input .thumbnail-item", timeout=30_000)
    box = page.locator("#mm-input textarea")
    box.click()
    box.fill(text)
    box.press("Enter")
    # wait until the answer to this turn is in the chat
    page.wait_for_function(
        "n => document.querySelectorAll('#mm-chat .message-row.bot-row, #mm-chat .bot-row').length > n",
        arg=n_user_before, timeout=60_000)


def _wait_results(page):
    page.wait_for_selector("#mm-gallery img", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.main-svg').length >= 4", timeout=60_000)
    page.wait_for_timeout(1200)  # plotly finishes drawing
    # gallery images load lazily: bring them into view once, so full-page screenshots show them
    page.evaluate("document.querySelectorAll('#mm-gallery img').forEach(i => i.loading = 'eager')")
    page.wait_for_function("[...document.querySelectorAll('#mm-gallery img')].every(i => i.complete)", timeout=30_000)


def test_browser_walkthrough(demo_rec, tmp_path, browser):
    ctx = make_ctx(demo_rec, tmp_path)
    demo, url = launch(ctx)
    try:
        page, outside, dialogs = _page(browser, 1280, 800, url)
        page.wait_for_timeout(1500)  # the page's load event has run
        page.fill("#mm-annotator input, #mm-annotator textarea", "Ada")
        page.keyboard.press("Tab")
        _send(page, "show me some hats", n_user_before=0)
        _wait_results(page)
        assert page.locator("#mm-gallery img").count() >= 5
        assert "Serving model" in page.inner_text("#mm-header")
        page.screenshot(path=str(tmp_path / "desktop-text.png"), full_page=False)
        page.screenshot(path=str(tmp_path / "desktop-full.png"), full_page=True)

        _send(page, "like this but in blue", image=query_image("sneaker"), n_user_before=1)
        _wait_results(page)
        page.wait_for_selector("#mm-chat img", timeout=30_000)  # the photo shows as the user's turn
        caption = page.locator("#mm-gallery").inner_text()
        assert "1. " in caption
        # rate the first product
        page.locator("#mm-gallery button").first.click()
        page.wait_for_function("document.querySelector('#mm-selected').innerText.includes('#1')", timeout=20_000)
        page.click("#mm-up")
        page.wait_for_function("document.querySelector('#mm-status').innerText.includes('saved')", timeout=20_000)
        assert ctx.store.count() == 1
        page.screenshot(path=str(tmp_path / "desktop-image-rated.png"), full_page=True)

        # reload: the name and the ratings are still shown
        page.reload(wait_until="domcontentloaded")
        page.wait_for_selector("#mm-input textarea", timeout=60_000)
        page.wait_for_function(
            "() => { const e = document.querySelector('#mm-annotator input, #mm-annotator textarea');"
            " return e && e.value === 'Ada'; }", timeout=30_000)
        page.get_by_text("My ratings").click()
        page.wait_for_function("document.body.innerText.includes('👍')", timeout=30_000)
        page.screenshot(path=str(tmp_path / "desktop-after-reload.png"), full_page=True)
        # the Labels tab: counts, agreement, charts; an annotator's name is drawn as typed, never as markup
        evil = '<b>x</b><a href="http://e.example/">y'
        ctx.store.record(Label(label_id=make_label_id("s-evil", evil, "item", "acc-001", ["hi"]), session_id="s-evil",
                               annotator=evil, catalog_id=ctx.rec().catalog.catalog_id, turns=["hi"],
                               item_id="acc-001", target="item", label=1))
        page.get_by_role("tab", name="Labels").click()
        page.wait_for_function("document.body.innerText.includes('Agreement')", timeout=30_000)
        page.wait_for_function("document.querySelectorAll('.main-svg').length >= 2", timeout=30_000)
        page.wait_for_timeout(1200)
        svg_text = page.evaluate("[...document.querySelectorAll('.main-svg')].map(s => s.textContent).join(' ')")
        assert '<b>x</b><a href="http://e.ex' in svg_text
        assert page.locator(".main-svg a, .main-svg [style*='font-weight:bold']").count() == 0
        page.screenshot(path=str(tmp_path / "desktop-labels.png"), full_page=True)
        page.close()

        # a phone
        phone, outside2, dialogs2 = _page(browser, 390, 844, url)
        _send(phone, "I need a gift for my sister", n_user_before=0)
        _wait_results(phone)
        phone.screenshot(path=str(tmp_path / "phone-top.png"), full_page=False)
        phone.screenshot(path=str(tmp_path / "phone-full.png"), full_page=True)
        phone.close()
        assert not outside and not outside2, outside + outside2
        assert not dialogs and not dialogs2
    finally:
        demo.close()
        keep = os.environ.get("MMCREC_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            for f in tmp_path.glob("*.png"):
                shutil.copy(f, Path(keep) / f.name)


def test_browser_never_renders_catalog_or_user_text_as_html(encoder, tmp_path, browser):
    """A product titled <img src=x onerror=alert(1)> shows as text in the gallery and the chat."""
    import pandas as pd

    from mmcrec.catalog import load_catalog
    from mmcrec.embedding_cache import build_index
    from mmcrec.recommender import Recommender

    src = Path(__file__).resolve().parent.parent / "assets"
    df = pd.read_csv(src / "catalog.csv", dtype=str, keep_default_na=False).head(12).copy()
    evil = "<img src=x onerror=alert(1)> Hat"
    df.loc[0, "title"] = evil
    df.loc[1, "image"] = "images/missing.webp"  # a bad row, listed in the page
    (tmp_path / "images").mkdir()
    for img in df["image"][df["image"] != "images/missing.webp"]:
        shutil.copy(src / img, tmp_path / img)
    path = tmp_path / "evil.csv"
    df.to_csv(path, index=False)
    cat = load_catalog(path)
    rec = Recommender(cat, build_index(cat, encoder), encoder)
    rec.index_issues = []
    ctx = make_ctx(rec, tmp_path)
    demo, url = launch(ctx)
    try:
        page, outside, dialogs = _page(browser, 1280, 800, url)
        _send(page, "<img src=y onerror=alert(2)> t-shirt", n_user_before=0)
        _wait_results(page)
        page.wait_for_timeout(1000)
        assert "<img src=x onerror=alert(1)>" in page.locator("#mm-gallery").inner_text()
        assert "<img src=y onerror=alert(2)>" in page.locator("#mm-chat").inner_text()
        assert page.locator("#mm-chat img[src='y'], #mm-gallery img[src='x']").count() == 0
        page.get_by_text("Catalog issues (1)").click()  # the skipped row is listed, by row number
        page.wait_for_function("document.body.innerText.includes('row 2 (')", timeout=20_000)
        page.screenshot(path=str(tmp_path / "evil.png"), full_page=True)
        assert not dialogs, dialogs
        assert not outside, outside
    finally:
        demo.close()
