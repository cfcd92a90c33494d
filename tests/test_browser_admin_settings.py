"""The editors' settings and organisation pages in a real browser: office hours changed
without JavaScript, the logo and "back to the default" with it, and axe-clean pages at phone
and desktop size (issue 8)."""
from __future__ import annotations

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from tests.browser_harness import DESKTOP, PHONE, log_in


def _square_png(side: int = 64, rgb: tuple[int, int, int] = (255, 205, 0)) -> bytes:
    """A plain yellow square, as a real (visible) PNG picture."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + bytes(rgb) * side
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * side)) + chunk(b"IEND", b""))


def test_office_hours_change_without_javascript(open_page, screenshot):
    page = open_page("/", js=False)
    log_in(page, "bientap@demo.local")
    page.goto("/quan-tri/thong-tin")
    hours = page.locator("#gio-lam-viec")
    expect(hours.locator("#periods-1-end")).to_have_value("17:00")
    hours.get_by_role("button", name="Thêm khoảng thời gian").click()
    expect(hours.locator("#periods-2-start")).to_have_value("")
    hours.locator("#periods-2-start").fill("17:30")
    hours.locator("#periods-2-end").fill("19:00")
    screenshot(page, "added-period")
    hours.get_by_role("button", name="Lưu giờ làm việc").click()
    expect(page.locator("#flash")).to_contain_text("Đã lưu giờ làm việc.")
    expect(page.locator("#gio-lam-viec-state")).to_contain_text("17:30–19:00")
    page.goto("/lien-he")
    expect(page.locator("main")).to_contain_text("07:00–11:30, 13:30–17:00, 17:30–19:00")

    # A mistake comes back beside the period, as typed.
    page.goto("/quan-tri/thong-tin")
    page.locator("#periods-2-start").fill("16:00")
    page.locator("#gio-lam-viec").get_by_role("button", name="Lưu giờ làm việc").click()
    expect(page.locator(".portal-error-summary")).to_contain_text("trùng với khoảng phía trên")
    expect(page.locator("#periods-2-start-error")).to_be_visible()
    expect(page.locator("#periods-2-start")).to_have_value("16:00")
    screenshot(page, "overlap-error")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_settings_and_organisation_pages_are_axe_clean(open_page, axe_violations, screenshot,
                                                       viewport):
    page = open_page("/", viewport=viewport)
    log_in(page, "bientap@demo.local")
    for path, name in (("/quan-tri/thong-tin", "settings"), ("/quan-tri/co-quan", "agencies"),
                       ("/quan-tri/co-quan/moi", "agency-form")):
        page.goto(path)
        assert axe_violations(page) == [], path
        screenshot(page, name)
    page.get_by_label("Mã định danh").fill("000.05")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".portal-error-summary")).to_contain_text("Nhập tên cơ quan, đơn vị.")
    assert axe_violations(page) == []
    screenshot(page, "agency-errors")


def test_logo_and_back_to_the_default_with_javascript(open_page, screenshot, tmp_path):
    page = open_page("/", viewport=DESKTOP)
    log_in(page, "bientap@demo.local")
    page.goto("/quan-tri/thong-tin")
    page.locator("#authority_name").fill("Ủy ban nhân dân xã Bình Minh")
    page.get_by_role("button", name="Lưu thông tin").click()
    expect(page.locator(".portal-header__name")).to_contain_text("Ủy ban nhân dân xã Bình Minh")

    logo = tmp_path / "logo.png"
    logo.write_bytes(_square_png())
    page.get_by_label("Tệp ảnh biểu trưng").set_input_files(str(logo))
    page.get_by_role("button", name="Tải lên và dùng biểu trưng này").click()
    expect(page.locator("#flash")).to_contain_text("Đã thay biểu trưng.")
    header_logo = page.locator(".portal-header__logo")
    expect(header_logo).to_have_attribute("src", re.compile(r"^/logo/[0-9a-f]{64}$"))
    expect(page.locator(".portal-settings__logo img")).to_have_attribute(
        "src", re.compile(r"^/logo/[0-9a-f]{64}$"))
    screenshot(page, "logo")

    page.get_by_role("button", name="Dùng giá trị mặc định (Tên cơ quan)").click()
    expect(page.locator("#flash")).to_contain_text("“Tên cơ quan” đã trở về giá trị mặc định.")
    expect(page.locator(".portal-header__name")).to_contain_text("Ủy ban nhân dân xã Minh Họa")
    page.get_by_role("button", name="Bỏ biểu trưng đã tải lên").click()
    expect(header_logo).to_have_attribute("src", re.compile(r"img/logo\.svg"))


def test_agencies_move_and_the_catalogues_reload(open_page, screenshot):
    page = open_page("/", viewport=DESKTOP)
    log_in(page, "bientap@demo.local")
    page.goto("/quan-tri/co-quan")
    commune = page.locator("li.portal-tree__item").filter(has=page.get_by_role(
        "heading", name="Ủy ban nhân dân xã Minh Họa (đơn vị minh họa)", exact=True)).last
    units = commune.locator(":scope > ul > li > .portal-tree__node > .portal-tree__name")
    second = units.nth(1).inner_text()
    page.get_by_role("button", name=re.compile(rf"^Lên\W+{re.escape(second)}$")).click()
    expect(units.first).to_have_text(second)
    assert "#co-quan-" in page.url  # back at the unit moved

    page.get_by_role("button", name="Cập nhật từ gói dữ liệu").click()
    expect(page.locator("#reference-job")).to_contain_text("Đã xong.", timeout=60_000)
    screenshot(page, "catalogues")
