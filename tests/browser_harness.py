"""Browser test harness: the app on a free localhost port, driven by the system Chromium.

* ``live_server``: the app (SQLite, demo seeded) served by a real threaded HTTP server;
  ``@pytest.mark.app_config(KEY=value)`` changes its settings.
* ``browser``: Playwright driving ``/usr/bin/chromium`` (or ``PORTAL_CHROMIUM``). When Chromium
  is missing the browser tests are skipped with the reason, except under CI (``CI`` set),
  where they fail: CI must never go green without having run them.
* ``open_page(path, js=True, viewport=PHONE)``: a new browser context on the live server,
  optionally with JavaScript disabled.
* ``axe_violations(page)``: runs axe-core (``node_modules/axe-core``) on the page for the
  WCAG 2.0/2.1 A and AA rules and returns the violations.
* ``screenshot(page, name)``: saves ``tests/artifacts/<test>-<name>.png`` for a human to look at.
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the browser, so ``-m "not browser"`` can leave them out."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so browser tests may not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the system Chromium, or skip/fail with the reason."""
    path = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(path):
        _unavailable(f"Chromium not found at {path}: install the Debian package 'chromium' "
                     "or set PORTAL_CHROMIUM")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path) -> Iterator:
    """A headless Chromium for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extras not installed
        _unavailable("Playwright for Python is not installed (pip install -e .[dev])")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@dataclass
class LiveServer:
    """A running server and the app behind it."""

    url: str
    app: object


@pytest.fixture
def live_server(request, tmp_path) -> Iterator[LiveServer]:
    """Serve a fresh app (a copy of the demo-seeded SQLite database) on a free localhost port
    in a background thread."""
    from tests.conftest import make_app

    marker = request.node.get_closest_marker("app_config")
    app = make_app("sqlite", request, tmp_path, seeded=True, **(marker.kwargs if marker else {}))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def open_page(browser, live_server) -> Iterator[Callable]:
    """Open a path of the live server in a new context: ``open_page("/", js=False)``."""
    contexts = []

    def _open(path: str = "/", *, js: bool = True, viewport: dict | None = None):
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=js,
            viewport=viewport or PHONE,
            locale="vi-VN",
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        return page

    yield _open
    for context in contexts:
        context.close()


def log_in(page, email: str, password: str = "Demo@12345") -> None:
    """Log in through the login page and wait until it has taken."""
    from playwright.sync_api import expect

    page.goto("/tai-khoan/dang-nhap")
    page.get_by_label("Thư điện tử, số điện thoại hoặc số định danh cá nhân").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


@pytest.fixture
def axe_violations() -> Callable:
    """Run axe-core on a page (JavaScript must be enabled) and return WCAG A/AA violations."""
    if not AXE_JS.exists():
        _unavailable(f"{AXE_JS} is missing: run 'npm ci'")
    source = AXE_JS.read_text(encoding="utf-8")

    def _run(page) -> list[dict]:
        # Evaluated through the DevTools protocol, so the page's CSP does not block it.
        page.evaluate(source)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
        ]

    return _run


@pytest.fixture
def screenshot(request) -> Callable:
    """Save a full-page screenshot under ``tests/artifacts/`` and return its path."""

    def _shot(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        path = ARTIFACTS / f"{test_name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
