"""The working-day calendar page in a real browser (HOL-2026, issue 13 item 6): a commune's
day off added without JavaScript, a mistake shown beside its field, and axe-clean pages at
phone and desktop size."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_harness import DESKTOP, PHONE, log_in


def test_a_day_off_is_added_without_javascript(open_page, screenshot):
    page = open_page("/", js=False)
    log_in(page, "quantri@demo.local")
    page.goto("/quan-tri/lich-lam-viec?nam=2026")
    expect(page.locator("main")).to_contain_text("12729/VPCP-KGVX")
    page.get_by_role("link", name="Thêm ngày nghỉ, ngày làm bù").click()
    page.get_by_label("Văn bản quyết định").fill("")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".portal-error-summary")).to_contain_text("Nhập ngày")
    expect(page.locator("#van-ban-error")).to_contain_text("Nhập số, ký hiệu văn bản")
    screenshot(page, "errors")
    page.get_by_label("Ngày", exact=True).fill("7")
    page.get_by_label("Tháng").fill("12")
    page.get_by_label("Năm", exact=True).fill("2026")
    page.get_by_label("Ngày nghỉ", exact=True).check()
    page.get_by_label("Văn bản quyết định").fill("05/QĐ-UBND")
    page.get_by_label("Ghi chú").fill("Lễ hội truyền thống của xã")
    page.get_by_label("Áp dụng cho").select_option(label="— Ủy ban nhân dân xã Minh Họa "
                                                         "(đơn vị minh họa)")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("#flash")).to_contain_text("Đã lưu ngày 07/12/2026.")
    expect(page.locator("#flash")).to_contain_text("Ngày hẹn trả kết quả đã tính giữ nguyên")
    row = page.locator("tr", has_text="07/12/2026")
    expect(row).to_contain_text("05/QĐ-UBND")
    expect(row).to_contain_text("Ủy ban nhân dân xã Minh Họa")
    screenshot(page, "saved")
    row.get_by_role("link", name="Xóa").click()
    expect(page.locator("h1")).to_contain_text("Xóa ngày 07/12/2026 khỏi lịch?")
    page.get_by_role("button", name="Xóa").click()
    expect(page.locator("#flash")).to_contain_text("Đã xóa ngày 07/12/2026 khỏi lịch.")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_calendar_pages_are_axe_clean(open_page, axe_violations, screenshot, viewport):
    page = open_page("/", viewport=viewport)
    log_in(page, "quantri@demo.local")
    for path, name in (("/quan-tri/lich-lam-viec?nam=2026", "year"),
                       ("/quan-tri/lich-lam-viec/moi?ngay=2026-11-24", "form")):
        page.goto(path)
        assert axe_violations(page) == [], path
        screenshot(page, name)
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".portal-error-summary")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "form-errors")
