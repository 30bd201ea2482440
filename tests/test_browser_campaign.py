"""The Campaigns tab in a real browser (Debian chromium through Playwright): an annotator judges a
request with the keyboard only (2/1/0, arrows, Enter); the admin's dashboard shows it.  Screenshots
of both land in the test's folder (the README's come from here)."""
from __future__ import annotations

import json

import pytest

from app_support import CHROMIUM, CHROMIUM_FLAGS, browser_marks, launch, make_ctx, query_image

from mmcrec.labels.campaigns import Campaigns

pytestmark = browser_marks()

GUIDELINES = ("# How to grade\n- **2**: exactly what was asked\n- **1**: acceptable\n- **0**: not relevant\n\n"
              "<img src=x onerror=alert(1)> stays text")


def test_keyboard_judging_and_dashboard(demo_rec, tmp_path):
    from playwright.sync_api import sync_playwright

    from mmcrec.pooling import create_campaign

    reqs = tmp_path / "requests.jsonl"
    reqs.write_text(json.dumps({"query_id": "sneaker-photo", "turns": ["like this but in blue"],
                                "image": str(query_image("sneaker"))}) + "\n"
                    + json.dumps({"query_id": "scarf", "turns": ["a warm scarf", "not black"]}) + "\n")
    ctx = make_ctx(demo_rec, tmp_path)
    create_campaign(ctx.store, demo_rec, "winter", reqs, overlap=2, depth=3, guidelines=GUIDELINES)
    c = Campaigns(ctx.store)
    other = c.next_request("winter", "Bo")  # another annotator, so the dashboard has agreement to show
    for k, it in enumerate(other.items):
        c.judge("winter", other.request_id, it.item_id, k % 3, "Bo")
    demo, url = launch(ctx)
    dialogs: list[str] = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            page = b.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_selector("#mm-annotator textarea, #mm-annotator input", timeout=60_000)
            name = page.locator("#mm-annotator textarea, #mm-annotator input").first
            name.fill("Ada")
            name.press("Tab")
            page.get_by_role("tab", name="Campaigns").click()
            page.wait_for_function("document.querySelector('#mm-camp-name input')?.value === 'winter'",
                                   timeout=30_000)
            page.evaluate("document.activeElement.blur()")  # away from any text box: keys go to the grid
            page.keyboard.press("Enter")
            page.wait_for_selector("#mm-camp-grid .mm-slot img", timeout=60_000)
            req = c.next_request("winter", "Ada")  # the request Ada holds (what the page shows)
            n = len(req.items)
            page.wait_for_function(
                "n => [...document.querySelectorAll('#mm-camp-grid .mm-slot')].filter(e => e.offsetParent).length === n",
                arg=n, timeout=30_000)
            assert page.locator("#mm-camp-request").inner_text().count("like this but in blue") == 1
            for item in req.items:  # the system that pooled an item is never on the page
                assert "bm25" not in page.locator("#mm-camp-grid").inner_text()
            # 2, 1, 0, 2, ... on the items in order; then back with the arrows to change the first
            keys = ["2", "1", "0"] * n
            for key in keys[:n]:
                page.keyboard.press(key)
                page.wait_for_timeout(150)
            want = {it.item_id: int(keys[i]) for i, it in enumerate(req.items)}
            deadline = 40
            while c.grades_of("winter", req.request_id, "Ada") != want and deadline:
                page.wait_for_timeout(250)
                deadline -= 1
            assert c.grades_of("winter", req.request_id, "Ada") == want
            for _ in range(n):
                page.keyboard.press("ArrowLeft")
            page.keyboard.press("1")
            want[req.items[0].item_id] = 1
            page.wait_for_function("document.querySelector('#mm-camp-status').innerText.includes('All items graded')",
                                   timeout=30_000)
            deadline = 40
            while c.grades_of("winter", req.request_id, "Ada") != want and deadline:
                page.wait_for_timeout(250)
                deadline -= 1
            assert c.grades_of("winter", req.request_id, "Ada") == want
            page.keyboard.press("ArrowRight")  # the highlight on the second item, for the screenshot
            page.wait_for_timeout(300)
            page.set_viewport_size({"width": 1280, "height": 1250})
            page.locator("#mm-camp-name").scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "campaign_annotator.png"), full_page=False)
            # Enter: the next request
            page.keyboard.press("Enter")
            page.wait_for_function(
                "r => !document.querySelector('#mm-camp-status').innerText.includes(r) && "
                "document.querySelector('#mm-camp-status').innerText.includes('items to grade')",
                arg=req.request_id, timeout=30_000)
            assert c.status("winter")["annotators"]["Ada"]["requests_done"] == 1
            # the admin's dashboard (a local run without a login: everyone is an admin)
            page.locator("#mm-camp-refresh").click()
            page.wait_for_function("document.querySelector('#mm-camp-summary').innerText.includes('Krippendorff')",
                                   timeout=30_000)
            summary = page.locator("#mm-camp-summary").inner_text()
            assert "1/2 requests complete" in summary or "0/2 requests complete" in summary
            page.evaluate("document.querySelector('#mm-camp-summary').scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)
            page.screenshot(path=str(tmp_path / "campaign_dashboard.png"), full_page=False)
            # guidelines: Markdown, with the raw HTML shown as text
            page.get_by_text("Guidelines").first.click()
            page.wait_for_selector("#mm-camp-guidelines h1", timeout=10_000)
            assert "<img" in page.locator("#mm-camp-guidelines").inner_text()
            assert page.locator("#mm-camp-guidelines img").count() == 0
            b.close()
        assert not dialogs
    finally:
        demo.close()
        ctx.close()
