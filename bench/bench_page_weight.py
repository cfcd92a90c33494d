"""Bytes a first visit costs on a phone: the page and everything it loads, as transferred.

Measured in the system Chromium (Playwright) at 360x640 with an empty cache; sizes are the
compressed bodies plus headers of every response.
"""
from __future__ import annotations

from pathlib import Path

from bench.support import build_instance, live_app

TARGETS = {"home_kb": 60.0, "procedure_kb": 60.0, "catalogue_kb": 60.0, "search_kb": 60.0}
PAGES = {"home": "/", "procedure": "/thu-tuc/1.001193", "catalogue": "/thu-tuc/",
         "search": "/tim-kiem/?q=dang+ky+khai+sinh"}


def run(workdir: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    instance = build_instance(workdir / "instance")
    results = {}
    with live_app(instance) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for name, path in PAGES.items():
            context = browser.new_context(viewport={"width": 360, "height": 640})
            page = context.new_page()
            finished = []
            page.on("requestfinished", lambda request: finished.append(request))
            page.goto(url + path, wait_until="networkidle")
            total = 0
            for request in finished:
                sizes = request.sizes()
                total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            results[f"{name}_kb"] = total / 1024
            context.close()
        browser.close()
    return results
