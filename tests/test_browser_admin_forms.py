"""The form builder in a real browser: a field added without JavaScript, and with it (the
preview follows the editor), axe-clean on a phone and on a desktop (issue 8)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import FormSpec, Procedure
from tests.browser_harness import DESKTOP, PHONE, log_in

MARITAL = "1.004873"
EDITOR = "bientap@demo.local"


def _form_id(live_server, code: str = MARITAL) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(FormSpec.id).join(Procedure).where(
            Procedure.code == code))


def _open_editor(open_page, live_server, js: bool, viewport=PHONE):
    page = open_page("/", js=js, viewport=viewport)
    log_in(page, EDITOR)
    page.goto(f"/quan-tri/bieu-mau/{_form_id(live_server)}")
    expect(page.locator("h1")).to_have_text("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân")
    return page


def test_a_field_is_added_without_javascript(open_page, live_server, screenshot):
    page = _open_editor(open_page, live_server, js=False)
    page.get_by_label("Kiểu của trường mới").select_option("date")
    page.get_by_role("button", name="Thêm trường", exact=True).click()
    expect(page).to_have_url(re.compile(r"mo=8#truong-8$"))
    card = page.locator("#truong-8")
    card.get_by_label("Nhãn").fill("Ngày nộp dự kiến")
    card.get_by_label("Gợi ý").fill("Ví dụ: 15 3 2027")
    card.get_by_role("button", name="Lưu trường 9").click()  # back to this field, open
    expect(page.locator("#xem-truoc")).to_contain_text("Ngày nộp dự kiến")
    expect(page.locator("#truong-8 .admin-forms__field-title")).to_contain_text(
        "Ngày nộp dự kiến")
    # Without JavaScript the preview of unsaved input is one button away.
    page.locator("#truong-8").get_by_label("Nhãn").fill("Ngày dự kiến nộp hồ sơ")
    page.get_by_role("button", name="Xem trước (không lưu)").click()
    expect(page.locator("#xem-truoc")).to_contain_text("Ngày dự kiến nộp hồ sơ")
    screenshot(page, "no-js")


def test_with_javascript_the_preview_follows_the_editor(
        open_page, live_server, screenshot, axe_violations):
    page = _open_editor(open_page, live_server, js=True, viewport=DESKTOP)
    page.get_by_label("Kiểu của trường mới").select_option("radios")
    page.get_by_role("button", name="Thêm trường", exact=True).click()
    card = page.locator("#truong-8")
    expect(card.locator("details").first).to_have_attribute("open", "")
    preview = page.locator("#xem-truoc")
    expect(preview.get_by_text("Trường mới", exact=True)).to_be_visible()
    card.get_by_label("Nhãn").fill("Cách nhận kết quả")
    card.get_by_label("Các lựa chọn").fill("buu-dien|Qua bưu điện\ntai-cho|Tại một cửa")
    card.get_by_label("Các lựa chọn").blur()  # "change": the preview is re-rendered
    expect(preview.get_by_text("Cách nhận kết quả")).to_be_visible()
    expect(preview.get_by_label("Qua bưu điện")).to_be_visible()
    screenshot(page, "desktop")
    assert axe_violations(page) == []
    # A mistake shows in the preview at once, and is refused on saving, beside the input.
    card.get_by_label("Nhãn").fill("")
    card.get_by_label("Nhãn").blur()
    expect(preview).to_contain_text("Chưa xem trước được")
    page.get_by_role("button", name="Lưu bản làm việc").click()
    expect(page.locator("#e-8-label-error")).to_contain_text("Hãy nhập nhãn của trường.")
    expect(card.get_by_label("Các lựa chọn")).to_have_value(
        "buu-dien|Qua bưu điện\ntai-cho|Tại một cửa")
    screenshot(page, "desktop-error")
    assert axe_violations(page) == []


@pytest.mark.parametrize("code, path", [(MARITAL, ""), (MARITAL, "/lich-su"),
                                        ("1.001612", "?phan=thanh-vien-cam-ket&mo=0")])
def test_the_builder_is_axe_clean_on_a_phone(open_page, live_server, axe_violations,
                                             screenshot, code, path):
    page = _open_editor(open_page, live_server, js=True)
    page.goto(f"/quan-tri/bieu-mau/{_form_id(live_server, code)}{path}")
    screenshot(page, "phone")
    assert axe_violations(page) == []
    page.goto("/quan-tri/bieu-mau")
    screenshot(page, "phone-list")
    assert axe_violations(page) == []


def test_publishing_then_comparing_versions(open_page, live_server, screenshot,
                                            axe_violations):
    page = _open_editor(open_page, live_server, js=True, viewport=DESKTOP)
    page.get_by_text("Sửa trường 1", exact=True).click()
    page.locator("#truong-0").get_by_label("Nhãn").fill("Họ và tên người yêu cầu")
    page.get_by_role("button", name="Xoá trường 8").click()
    expect(page.locator("#truong-7")).to_have_count(0)
    page.get_by_role("button", name="Lưu và xuất bản").click()
    expect(page.locator("#flash")).to_contain_text("Đã xuất bản phiên bản 2.")
    page.get_by_role("link", name="Lịch sử phiên bản").click()
    expect(page.get_by_role("cell", name="xuất bản")).to_be_visible()
    page.get_by_role("button", name="So sánh").click()
    expect(page.locator("h1")).to_have_text("Thay đổi từ phiên bản 1 đến phiên bản 2")
    expect(page.locator("main")).to_contain_text("nyc_uy_quyen")
    screenshot(page, "diff")
    assert axe_violations(page) == []
