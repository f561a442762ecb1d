"""Measures `dldemo serve` as a visitor sees it: frames/s of each stream and the round trip of one request.

    dldemo serve --no-browser &  python -m tests.web.measure_page [URL]   # needs the system chromium

Each image tab streams the fake webcam (a bundled photo) for 20 s and counts the results the page shows;
a sample click and a translation are timed from click to result (median of 3); atari counts its frames.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dldemo.shared.data.samples import sample_photos
from tests.web.conftest import system_chromium, webcam_browser_args

STREAM_SECONDS = 20


def count_updates(page, selector: str, seconds: float) -> float:
    """How often per second the picture in ``selector`` changes, over ``seconds``."""
    changes, last, end = 0, None, time.monotonic() + seconds
    while time.monotonic() < end:
        source = page.locator(selector).get_attribute("src")
        changes += last is not None and source != last
        last = source
        page.wait_for_timeout(10)
    return changes / seconds


def timed_click(page, click, selector: str, wait_ms: int = 60_000) -> float:
    """Seconds from ``click()`` until the picture in ``selector`` changes."""
    before = page.locator(selector).get_attribute("src") if page.locator(selector).count() else None
    start = time.perf_counter()
    click()
    page.wait_for_function(
        "([s, b]) => { const e = document.querySelector(s); return e && e.src && e.src !== b; }",
        arg=[selector, before],
        timeout=wait_ms,
    )
    return time.perf_counter() - start


def measure(url: str, chromium) -> dict:
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    results = {}
    for app, image in (
        ("colorize", "colorize-panels"),
        ("segment", "segment-painted"),
        ("caption", "caption-attention"),
    ):
        page.get_by_role("tab", name=app).click()
        samples = page.get_by_role("tabpanel").filter(visible=True).locator(".gallery-item")
        trips = [
            timed_click(page, samples.nth(i % samples.count()).click, f"#{image} img") for i in range(1, 4)
        ]
        page.locator(f"#{app}-webcam").get_by_text("Click to Access Webcam").click()
        page.locator(f"#{app}-webcam button", has_text="Record").click()
        page.wait_for_timeout(3000)
        fps = count_updates(page, f"#{image} img", STREAM_SECONDS)
        page.locator(f"#{app}-webcam button", has_text="Stop").click()
        results[app] = {
            "webcam_results_per_s": round(fps, 1),
            "sample_round_trip_s": round(statistics.median(trips), 2),
        }
    page.get_by_role("tab", name="translate").click()
    button, trips = page.get_by_role("button", name="Translate"), []
    for sentence in ("A man is riding a bicycle.", "Two dogs play in the snow.", "A woman reads a book."):
        page.locator("#translate-sentence textarea").fill(sentence)
        before = page.locator("#translate-output textarea").input_value()
        start = time.perf_counter()
        button.click()
        page.wait_for_function(
            "b => document.querySelector('#translate-output textarea').value !== b", arg=before, timeout=60000
        )
        trips.append(time.perf_counter() - start)
    results["translate"] = {"round_trip_s": round(statistics.median(trips), 2)}
    page.get_by_role("tab", name="atari").click()
    page.get_by_role("button", name="Play").click()
    page.locator("#atari-screen img").wait_for(timeout=60_000)
    results["atari"] = {"frames_per_s": round(count_updates(page, "#atari-screen img", STREAM_SECONDS), 1)}
    page.get_by_role("button", name="Stop").click()
    return results


def main() -> None:
    from playwright.sync_api import sync_playwright

    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860/"
    _, coffee = sample_photos(("coffee",))[0]
    args = webcam_browser_args(coffee, Path(tempfile.mkdtemp()))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=system_chromium(), args=args)
        print(json.dumps(measure(url, chromium), indent=2))
        chromium.close()


if __name__ == "__main__":
    main()
