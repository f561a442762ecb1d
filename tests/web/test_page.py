"""`dldemo serve` in a real headless chromium: each tab does what a visitor expects, bad input gets a message
in the page, and the page never reaches beyond loopback."""

from __future__ import annotations

from urllib.parse import urlparse

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.browser

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
WAIT_MS = 60_000  # a first result on a busy 2-core machine


@pytest.fixture
def page(browser, served_page, tmp_path):
    """A fresh page on the served URL that fails the test on any request leaving loopback."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    outside = []

    def guard(route):
        url = urlparse(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOOPBACK_HOSTS:
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", guard)
    page = context.new_page()
    page.goto(served_page)
    yield page
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    context.close()
    assert outside == [], f"the page requested outside addresses: {outside}"


def open_tab(page, name: str):
    page.get_by_role("tab", name=name).click()
    return page.get_by_role("tabpanel").filter(visible=True)


def shown_image(page, selector: str) -> np.ndarray:
    """What the browser shows in the element at ``selector``, as an RGB array (a screenshot of it)."""
    png = page.locator(selector).screenshot()
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def chroma(rgb: np.ndarray) -> float:
    """Mean distance of the pixels from grey in Lab's ab plane (0 for a grey picture)."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    return float(np.hypot(lab[..., 1] - 128, lab[..., 2] - 128).mean())


def test_colorize_colours_the_webcam_stream(page, tmp_path):
    tab = open_tab(page, "colorize")
    tab.get_by_text("Click to Access Webcam").click()
    page.locator("#colorize-webcam button", has_text="Record").click()
    result = page.locator("#colorize-panels img")
    result.wait_for(timeout=WAIT_MS)
    page.locator("#colorize-timing").get_by_text("model").wait_for(timeout=WAIT_MS)
    shown = shown_image(page, "#colorize-panels img")
    cv2.imwrite(str(tmp_path / "colorize.png"), cv2.cvtColor(shown, cv2.COLOR_RGB2BGR))
    grey, coloured = np.array_split(shown, 3, axis=1)[:2]
    assert chroma(grey) < 3, "the first panel is the grey input"
    assert chroma(coloured) > 8, "the colorized panel has colour"


def test_segment_shows_a_legend_of_street_classes_for_a_sample(page):
    tab = open_tab(page, "segment")
    tab.locator(".gallery-item").first.click()
    legend = page.locator("#segment-legend")
    legend.get_by_text("road").wait_for(timeout=WAIT_MS)
    rows = legend.locator(".dldemo-legend-row").all_inner_texts()
    shares = [int(row.rsplit(" ", 1)[1].rstrip("%")) for row in rows]
    assert len(rows) == 11 and 95 <= sum(shares) <= 105, rows
    assert shares == sorted(shares, reverse=True)


def test_caption_writes_a_caption_and_its_attention_figure(page):
    tab = open_tab(page, "caption")
    tab.locator(".gallery-item").first.click()
    caption = page.locator("#caption-text textarea")
    page.wait_for_function("() => document.querySelector('#caption-text textarea').value.length > 0",
                           timeout=WAIT_MS)  # fmt: skip
    assert len(caption.input_value().split()) >= 3
    page.locator("#caption-attention img").wait_for(timeout=WAIT_MS)


def test_translate_translates_and_refuses_empty_or_huge_input_with_a_message(page):
    open_tab(page, "translate")
    sentence = page.locator("#translate-sentence textarea")
    output = page.locator("#translate-output textarea")
    translate = page.get_by_role("button", name="Translate")

    translate.click()
    page.get_by_text("Type a sentence").first.wait_for(timeout=WAIT_MS)
    sentence.fill("x" * 10_000)
    translate.click()
    page.get_by_text("10,000 characters").first.wait_for(timeout=WAIT_MS)

    sentence.fill("A man is riding a bicycle down the street.")
    translate.click()
    page.wait_for_function("() => document.querySelector('#translate-output textarea').value.length > 0",
                           timeout=WAIT_MS)  # fmt: skip
    german = output.input_value().lower()
    assert "mann" in german and "fahrrad" in german, german
    page.locator("#translate-attention img").wait_for(timeout=WAIT_MS)


def test_a_photo_upload_that_is_not_a_picture_or_far_too_big_gets_a_message(page, tmp_path):
    tab = open_tab(page, "colorize")
    fake = tmp_path / "notes.png"
    fake.write_text("not a picture")
    tab.locator("#colorize-photo input[type=file]").set_input_files(str(fake))
    page.get_by_text("not a picture").first.wait_for(timeout=WAIT_MS)

    huge = tmp_path / "huge.png"
    cv2.imwrite(str(huge), np.zeros((9000, 6000, 3), np.uint8))  # 54 megapixels, a few kilobytes
    page.reload()
    tab = open_tab(page, "colorize")
    tab.locator("#colorize-photo input[type=file]").set_input_files(str(huge))
    page.get_by_text("megapixels").first.wait_for(timeout=WAIT_MS)


def test_atari_plays_a_changing_game_until_stopped(page):
    open_tab(page, "atari")
    page.get_by_role("button", name="Play").click()
    screen = page.locator("#atari-screen img")
    screen.wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(500)
    first = screen.get_attribute("src")
    page.wait_for_function(
        f"() => document.querySelector('#atari-screen img').src !== {first!r}", timeout=WAIT_MS
    )
    page.get_by_role("button", name="Stop").click()
    page.wait_for_timeout(1000)
    stopped = screen.get_attribute("src")
    page.wait_for_timeout(1000)
    assert screen.get_attribute("src") == stopped, "the game goes on after Stop"


def test_a_visitor_who_leaves_mid_game_frees_the_apps_slot(browser, served_page):
    """Atari runs two games at once; after two visitors leave mid-game a third one plays at once."""

    def playing_page():
        context = browser.new_context()
        page = context.new_page()
        page.goto(served_page)
        open_tab(page, "atari")
        page.get_by_role("button", name="Play").click()
        page.locator("#atari-screen img").wait_for(timeout=WAIT_MS)
        return context, page

    for context, _ in [playing_page(), playing_page()]:
        context.close()
    context, page = playing_page()  # waits for a slot: times out if the games above still hold both
    context.close()
