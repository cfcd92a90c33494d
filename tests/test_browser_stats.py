"""Rating a returned dossier and reading the public statistics in a real browser, on a phone
(360 × 640): with and without JavaScript, axe-clean (TT32-12, TT32-11.x-STAT, TT32-18)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_harness import DESKTOP, PHONE, log_in
from tests.dossier_support import CITIZEN
from tests.test_ratings import make_dossier
from tests.test_stats import insert_specs


def _rating_form(page):
    return page.locator("#danh-gia form")


def _choose(page, question: str, level: str) -> None:
    """Tap one level of a question (the label: one tap, a large target)."""
    group = page.get_by_role("group", name=re.compile(question))
    group.get_by_label(level, exact=True).check()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_citizen_rates_a_returned_dossier_on_a_phone(
        browser, live_server, axe_violations, screenshot, js):
    code = make_dossier(live_server.app)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="vi-VN",
                                  java_script_enabled=js)
    page = context.new_page()
    log_in(page, CITIZEN)
    page.goto(f"/ho-so/{code}#danh-gia")
    form = _rating_form(page)
    expect(form).to_be_visible()
    name = "js" if js else "no-js"
    form.scroll_into_view_if_needed()
    screenshot(page, f"{name}-form")

    # Only the details, no overall answer: the error sits by the question, answers kept.
    _choose(page, "Mức độ thuận tiện", "Hài lòng")
    form.get_by_label("Góp ý thêm (không bắt buộc)").fill("Hướng dẫn rõ ràng.")
    form.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator("#danh-gia-tong-the-error")).to_contain_text(
        "Chọn mức độ hài lòng chung về dịch vụ.")
    expect(page).to_have_title(re.compile("^Lỗi: "))
    expect(page.get_by_role("group", name=re.compile("Mức độ thuận tiện"))
           .get_by_label("Hài lòng", exact=True)).to_be_checked()
    expect(form.get_by_label("Góp ý thêm (không bắt buộc)")).to_have_value("Hướng dẫn rõ ràng.")
    screenshot(page, f"{name}-error")
    if js:
        assert axe_violations(page) == []

    _choose(page, "hài lòng với dịch vụ này", "Rất hài lòng")
    _rating_form(page).get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator("#flash")).to_contain_text("Cảm ơn bạn đã đánh giá")
    expect(page.locator("#danh-gia")).to_contain_text("Bạn đã đánh giá ngày")
    expect(page.get_by_role("group", name=re.compile("hài lòng với dịch vụ này"))
           .get_by_label("Rất hài lòng", exact=True)).to_be_checked()
    if js:
        assert axe_violations(page) == []
    screenshot(page, f"{name}-done")
    _no_sideways_scroll(page)
    context.close()


#: What sticks out on the right, to say so when the page scrolls sideways.
WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => `${e.tagName}.${e.className}#${e.id}`)"""


def _no_sideways_scroll(page) -> None:
    wider = page.evaluate(WIDER)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wider


def test_the_statistics_page_on_a_phone_and_a_desktop(
        browser, live_server, axe_violations, screenshot):
    insert_specs(live_server.app)
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(base_url=live_server.url, viewport=viewport,
                                      locale="vi-VN")
        page = context.new_page()
        page.goto("/thong-ke?nam=2025")
        expect(page.locator("h1")).to_have_text("Thống kê dịch vụ công trực tuyến")
        expect(page.locator("svg[role=img]")).to_have_count(5)
        page.locator("details.portal-stats__more summary").click()
        assert axe_violations(page) == []
        screenshot(page, name)
        if viewport is PHONE:
            _no_sideways_scroll(page)
        context.close()


def test_the_year_selector_works_with_and_without_javascript(browser, live_server):
    insert_specs(live_server.app)
    for js in (True, False):
        context = browser.new_context(base_url=live_server.url, viewport=PHONE,
                                      locale="vi-VN", java_script_enabled=js)
        page = context.new_page()
        page.goto("/thong-ke")
        page.get_by_label("Năm").select_option("2025")
        page.get_by_role("button", name="Xem số liệu").click()
        expect(page.locator("#ket-qua h2").first).to_contain_text(
            "từ ngày 01/01/2025 đến ngày 31/12/2025")
        expect(page).to_have_url(re.compile(r"/thong-ke\?nam=2025$"))
        context.close()
