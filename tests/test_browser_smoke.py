"""The home page in a real browser: phone and desktop, JavaScript on and off, axe-clean."""
from __future__ import annotations

from tests.browser_harness import DESKTOP


def test_home_has_no_axe_violations_on_a_phone(open_page, axe_violations, screenshot):
    page = open_page("/")
    screenshot(page, "phone")
    assert page.locator("h1").inner_text() == "Cổng Dịch vụ công"
    assert axe_violations(page) == []
    # TT32-MOB: no horizontal scrolling at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_home_has_no_axe_violations_on_a_desktop(open_page, axe_violations, screenshot):
    page = open_page("/", viewport=DESKTOP)
    screenshot(page, "desktop")
    assert axe_violations(page) == []


def test_home_works_without_javascript(open_page, screenshot):
    page = open_page("/", js=False)
    screenshot(page, "nojs")
    assert page.locator("h1").inner_text() == "Cổng Dịch vụ công"
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


def test_skip_link_is_first_and_moves_focus_to_main(open_page):
    page = open_page("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Bỏ qua, đến nội dung chính"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_htmx_is_loaded_and_configured_without_csp_violations(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/")
    page.wait_for_load_state("networkidle")
    config = page.evaluate("({styles: htmx.config.includeIndicatorStyles,"
                           " eval: htmx.config.allowEval, self: htmx.config.selfRequestsOnly})")
    assert config == {"styles": False, "eval": False, "self": True}
    assert problems == []  # no CSP violation, no script error
    context.close()
