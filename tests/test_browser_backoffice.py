"""The one-stop back office in a real browser: a dossier walks from online submission through
receipt, a supplement, processing, approval and electronic return, with the citizen seeing
each step; staff pages are axe-clean at desktop and phone size (issue 7, TT22-PL2-02/07)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser_harness import DESKTOP, log_in
from tests.dossier_support import PDF, open_papers


def _submit_online(page, live_server, tmp_path) -> str:
    token = open_papers(page, live_server.app)
    path = tmp_path / "giay-chung-sinh.pdf"
    path.write_bytes(PDF)
    section = page.locator("section.portal-component").filter(has_text="Giấy chứng sinh").first
    section.locator("input[type=file]").set_input_files(str(path))
    expect(page.locator("#papers-status")).to_have_text("Đã tải lên 1 tệp.")
    page.goto(f"/nop-ho-so/nhap/{token}/xem-lai")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")
    return page.locator(".portal-confirmation .portal-code").inner_text()


def _act(page, title: str, button: str, done: str, **fields) -> None:
    """Open an action on the staff dossier page, fill it in, send it, wait for ``done``."""
    action = page.locator("details.portal-action").filter(has_text=title).first
    if action.get_attribute("open") is None:
        action.locator("summary").click()
    for label, value in fields.items():
        action.get_by_label(label).fill(value)
    action.get_by_role("button", name=button).click()
    expect(page.locator("#flash")).to_contain_text(done)


def _citizen_sees(citizen, code: str, text: str) -> None:
    citizen.goto(f"/ho-so/{code}")
    expect(citizen.locator("main")).to_contain_text(text)


def test_a_dossier_walks_from_submission_to_an_electronic_result(
        browser, live_server, axe_violations, screenshot, tmp_path):
    def session(email: str, viewport=DESKTOP):
        context = browser.new_context(base_url=live_server.url, viewport=viewport,
                                      locale="vi-VN")
        page = context.new_page()
        log_in(page, email)
        return page

    citizen = session("congdan@demo.local", {"width": 360, "height": 640})
    code = _submit_online(citizen, live_server, tmp_path)

    desk = session("motcua@demo.local")
    desk.goto("/mot-cua")
    assert axe_violations(desk) == []
    desk.get_by_role("link", name=code).click()
    assert axe_violations(desk) == []
    _act(desk, "Yêu cầu bổ sung", "Gửi yêu cầu bổ sung", "Đã gửi yêu cầu bổ sung",
         **{"Những gì cần bổ sung, mỗi dòng một mục": "Ảnh Giấy chứng sinh rõ nét hơn"})
    _citizen_sees(citizen, code, "Ảnh Giấy chứng sinh rõ nét hơn")

    citizen.get_by_role("button", name="Bổ sung hồ sơ").click()
    expect(citizen.locator("h1")).to_have_text("Kiểm tra và gửi bổ sung")
    citizen.get_by_role("button", name="Gửi bổ sung").click()
    expect(citizen.locator("#flash")).to_contain_text("Mã hồ sơ không thay đổi")

    desk.goto(f"/mot-cua/ho-so/{code}")
    _act(desk, "Tiếp nhận hồ sơ", "Tiếp nhận hồ sơ này", "Đã tiếp nhận hồ sơ.")
    _citizen_sees(citizen, code, "Được tiếp nhận")

    officer = session("chuyenvien@demo.local")
    officer.goto(f"/mot-cua/ho-so/{code}")
    _act(officer, "Phân công xử lý", "Phân công", "Đã phân công xử lý.")
    _act(officer, "Ghi chú nội bộ", "Lưu ghi chú", "Đã ghi chú.",
         **{"Nội dung": "Đã đối chiếu sổ hộ tịch"})
    _act(officer, "trình phê duyệt", "Trình", "Đã chuyển bước tiếp theo.",
         **{"Kết quả đề xuất": "Đồng ý đăng ký khai sinh."})
    _citizen_sees(citizen, code, "Đang xử lý")
    expect(citizen.locator("main")).not_to_contain_text("Đã đối chiếu sổ hộ tịch")

    leader = session("lanhdao@demo.local", {"width": 360, "height": 640})
    leader.goto("/mot-cua?tab=cho-duyet")
    leader.get_by_role("link", name=code).click()
    assert axe_violations(leader) == []
    screenshot(leader, "approval-phone")
    _act(leader, "Phê duyệt, ban hành", "Phê duyệt", "Đã phê duyệt")
    _citizen_sees(citizen, code, "Đã xử lý xong")

    desk.goto(f"/mot-cua/ho-so/{code}")
    _act(desk, "Trả kết quả", "Trả kết quả", "Đã trả kết quả.")
    _citizen_sees(citizen, code, "Đã trả kết quả")
    with citizen.expect_download() as download:
        citizen.get_by_role("link", name=re.compile("Tải kết quả điện tử")).click()
    assert download.value.suggested_filename == f"{code}-KQ1.pdf"
    screenshot(citizen, "returned")
    assert axe_violations(citizen) == []


def test_staff_pages_work_without_javascript_and_are_accessible(
        browser, live_server, axe_violations, screenshot):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360,
                                  "height": 640}, locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    log_in(page, "motcua@demo.local")
    page.goto("/mot-cua/tiep-nhan")
    page.get_by_label("Thủ tục hành chính").select_option(
        label="Thủ tục đăng ký khai sinh (1.001193)")
    page.get_by_label("Họ và tên hoặc tên tổ chức").fill("Đinh Văn Quầy")
    page.get_by_label("Số điện thoại").fill("0987654321")
    page.get_by_role("button", name="Lưu và cấp mã hồ sơ").click()
    expect(page.locator("#flash")).to_contain_text("Đã nhận hồ sơ")
    expect(page.locator("main")).to_contain_text("Đính kèm bản quét")
    screenshot(page, "desk-dossier-no-js")
    page.goto("/mot-cua?tab=cho-tiep-nhan&q=dinh+van+quay")
    expect(page.locator("table")).to_contain_text("Đinh Văn Quầy")
    checked = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="vi-VN")
    staff = checked.new_page()
    log_in(staff, "motcua@demo.local")
    for path in ("/mot-cua/tiep-nhan", "/mot-cua/so-theo-doi"):
        staff.goto(path)
        assert axe_violations(staff) == [], path
    context.close()
    checked.close()
