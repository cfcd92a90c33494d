"""Feedback and petitions in a real browser at phone size: sending with and without
JavaScript (a mistake first, then with a file), the confirmation with the code, following it
by code; the public list and the staff pages are axe-clean (TT22-PL3-18, TT22-PL3-11)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Procedure, User
from portal.services import petition_office, petitions, questions
from tests.browser_harness import DESKTOP, PHONE, log_in
from tests.dossier_support import PDF


def _seed(app) -> str:
    """One answered, published petition and one answered question; the petition's code."""
    from sqlalchemy import select

    with app.test_request_context():
        session = db.session
        officer = session.scalar(select(User).where(User.email == "motcua@demo.local"))
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
        petition = petitions.create(session, petitions.Submission(
            subject="Niêm yết lệ phí chưa rõ", name="Vũ Văn Niêm", phone="0977 111 222",
            body="Bảng niêm yết lệ phí ở bộ phận một cửa bị mờ, khó đọc.",
            procedure_id=procedure.id))
        petition_office.answer(session, petition, officer, "Xã đã thay bảng niêm yết mới.")
        petition_office.set_published(session, petition, officer, True)
        question = questions.ask(session, name="Đỗ Thị Hỏi", text="Chứng thực bản sao mất "
                                 "bao lâu?", procedure_id=procedure.id)
        questions.answer(session, question, officer, "Trong ngày làm việc.")
        session.commit()
        return petition.code


def _fill(page, tmp_path) -> None:
    page.locator("#subject").fill("Cán bộ hẹn trả kết quả sai ngày")
    page.locator("#body").fill("Giấy hẹn ghi ngày 10 nhưng đến nơi được bảo chưa có.")
    page.locator("#name").fill("Phan Văn Gửi")
    page.locator("#phone").fill("0903 456 789")
    path = tmp_path / "giay-hen.pdf"
    path.write_bytes(PDF)
    page.locator("#tep").set_input_files(str(path))


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_feedback_is_sent_and_followed_at_phone_size(
        js, open_page, live_server, axe_violations, screenshot, tmp_path):
    _seed(live_server.app)
    page = open_page("/phan-anh-kien-nghi", js=js, viewport=PHONE)
    expect(page.get_by_text("Xã đã thay bảng niêm yết mới.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Vũ Văn Niêm")
    screenshot(page, "public-list")
    if js:
        assert axe_violations(page) == []
    page.get_by_role("link", name="Gửi phản ánh, kiến nghị").click()
    expect(page.locator("h1")).to_have_text("Gửi phản ánh, kiến nghị")
    if js:
        assert axe_violations(page) == []

    _fill(page, tmp_path)
    page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    expect(page.locator(".portal-error-summary")).to_contain_text("Đánh dấu ô đồng ý")
    expect(page.locator("#subject")).to_have_value("Cán bộ hẹn trả kết quả sai ngày")
    expect(page.locator("#tep-again")).to_contain_text("Hãy chọn lại tệp.")
    screenshot(page, "errors")
    if js:
        assert axe_violations(page) == []

    _fill(page, tmp_path)
    page.get_by_label("Tôi đồng ý").check()
    page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    expect(page.locator("h1")).to_have_text("Đã gửi phản ánh, kiến nghị")
    code = page.locator(".portal-confirmation .portal-code").inner_text()
    assert code.startswith("PAKN-")
    screenshot(page, "confirmation")
    if js:
        assert axe_violations(page) == []

    page.get_by_role("link", name="Theo dõi phản ánh, kiến nghị").click()
    expect(page.locator("#ma")).to_have_value(code)
    page.locator("#xac-minh").fill("6789")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("main")).to_contain_text("Cán bộ hẹn trả kết quả sai ngày")
    expect(page.locator("main")).to_contain_text("Đã tiếp nhận, chờ phân loại")
    screenshot(page, "followed")
    if js:
        assert axe_violations(page) == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_pages_are_accessible(viewport, browser, live_server, axe_violations,
                                    screenshot):
    code = _seed(live_server.app)
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="vi-VN")
    page = context.new_page()
    log_in(page, "motcua@demo.local")
    page.goto("/mot-cua")
    main = page.locator("main")
    main.get_by_role("link", name="Phản ánh, kiến nghị").click()
    main.get_by_role("link", name="Đã trả lời").click()
    expect(page.get_by_role("link", name=code)).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "staff-list")
    page.get_by_role("link", name=code).click()
    expect(page.locator("h1")).to_contain_text(code)
    assert axe_violations(page) == []
    screenshot(page, "staff-petition")
    page.goto("/mot-cua/phan-anh-kien-nghi/ghi-nhan")
    page.get_by_role("button", name="Ghi nhận").click()
    expect(page.locator(".portal-error-summary")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "staff-record-errors")
    page.goto("/mot-cua/cau-hoi?tab=da-tra-loi")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Chứng thực bản sao mất bao lâu?").click()
    page.get_by_role("button", name="Công khai").click()
    expect(page.locator("#flash")).to_contain_text("Đã công khai")
    assert axe_violations(page) == []
    screenshot(page, "staff-question")
    page.goto("/hoi-dap/cau-hoi-cong-dan")
    expect(page.locator("main")).to_contain_text("Trong ngày làm việc.")
    assert axe_violations(page) == []
    page.goto("/hoi-dap/dat-cau-hoi")
    assert axe_violations(page) == []
    screenshot(page, "ask")
    context.close()
