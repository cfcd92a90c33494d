"""Submitting online in a real browser: papers with and without JavaScript (progress, photo
shrinking), check and submit, the receipt, my dossier, tracking; axe-clean at phone size
(TT21-05.1-06, ND45-11.1, TT22-PL3-17, TT32-EF-1)."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Attachment, Dossier
from tests.browser_harness import DESKTOP, log_in
from tests.dossier_support import CITIZEN, PDF, open_papers


def _log_in(page) -> None:
    log_in(page, CITIZEN)


def _papers(page, live_server) -> str:
    return open_papers(page, live_server.app)


def _birth_certificate(page):
    return page.locator("section.portal-component").filter(has_text="Giấy chứng sinh").first


def test_with_javascript_a_paper_uploads_when_chosen_and_the_dossier_is_submitted(
        open_page, live_server, axe_violations, screenshot, tmp_path):
    page = open_page("/")
    _log_in(page)
    _papers(page, live_server)
    assert axe_violations(page) == []
    section = _birth_certificate(page)
    expect(section.get_by_role("button", name="Tải lên")).to_be_hidden()  # not needed
    path = tmp_path / "giay-chung-sinh.pdf"
    path.write_bytes(PDF)
    section.locator("input[type=file]").set_input_files(str(path))
    section = _birth_certificate(page)
    expect(section.get_by_role("link", name="giay-chung-sinh.pdf")).to_be_visible()
    expect(section.locator(".portal-tag").first).to_have_text("Đã đính kèm")
    expect(page.locator("#papers-status")).to_have_text("Đã tải lên 1 tệp.")
    screenshot(page, "papers-uploaded")
    page.get_by_role("link", name="Tiếp tục").click()
    expect(page.locator("h1")).to_have_text("Kiểm tra và nộp hồ sơ")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")
    code = page.locator(".portal-confirmation .portal-code").inner_text()
    assert re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}", code)
    expect(page.locator(".portal-slip svg[role=img]")).to_be_visible()
    screenshot(page, "receipt")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Xem hồ sơ").click()
    expect(page.get_by_role("heading", name="Tiến trình giải quyết")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Tin nhắn của bạn").fill("Xin hỏi khi nào có kết quả?")
    page.get_by_role("button", name="Gửi tin nhắn").click()
    expect(page.locator(".portal-thread")).to_contain_text("Xin hỏi khi nào có kết quả?")


def test_without_javascript_every_step_is_a_plain_form(open_page, live_server, screenshot,
                                                       tmp_path):
    page = open_page("/", js=False)
    _log_in(page)
    _papers(page, live_server)
    section = _birth_certificate(page)
    path = tmp_path / "giay-chung-sinh.pdf"
    path.write_bytes(PDF)
    section.locator("input[type=file]").set_input_files(str(path))
    section.get_by_role("button", name="Tải lên").click()
    expect(page.locator("#flash")).to_contain_text("Đã tải lên 1 tệp.")
    expect(_birth_certificate(page).get_by_role("link", name="giay-chung-sinh.pdf")
           ).to_be_visible()
    assert "#tp-" in page.url
    screenshot(page, "papers-no-js")
    page.get_by_role("link", name="Tiếp tục").click()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")
    code = page.locator(".portal-confirmation .portal-code").inner_text()
    page.goto("/tra-cuu")
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_label("Thông tin xác minh").fill("5678")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("h1")).to_contain_text(code)
    expect(page.locator(".portal-timeline")).to_contain_text("Nộp hồ sơ trực tuyến")


def test_a_bad_file_is_explained_next_to_its_paper_and_focus_stays_usable(
        open_page, live_server, axe_violations, tmp_path):
    page = open_page("/")
    _log_in(page)
    _papers(page, live_server)
    path = tmp_path / "anh.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    _birth_certificate(page).locator("input[type=file]").set_input_files(str(path))
    error = _birth_certificate(page).locator(".portal-error-message")
    expect(error).to_contain_text("SVG")
    file_input = _birth_certificate(page).locator("input[type=file]")
    assert "-error" in file_input.get_attribute("aria-describedby")
    assert axe_violations(page) == []
    with live_server.app.app_context():
        assert db.session.scalar(select(Attachment)) is None


def test_a_large_photo_is_shrunk_in_the_browser_before_it_is_sent(open_page, live_server):
    page = open_page("/", viewport=DESKTOP)
    _log_in(page)
    _papers(page, live_server)
    section = _birth_certificate(page)
    expect(section.locator("[data-shrink-option]")).to_be_visible()
    # A 4000 × 3000 photo, as a phone takes it, made in the page (no image library needed).
    page.evaluate("""async (selector) => {
        const canvas = document.createElement("canvas");
        canvas.width = 4000; canvas.height = 3000;
        const context = canvas.getContext("2d");
        for (let i = 0; i < 400; i++) {
            context.fillStyle = `hsl(${i * 37 % 360}, 60%, ${30 + i % 50}%)`;
            context.fillRect((i * 97) % 4000, (i * 61) % 3000, 300, 200);
        }
        const blob = await new Promise(resolve => canvas.toBlob(resolve, "image/png"));
        const file = new File([blob], "anh-chup.png", {type: "image/png"});
        const input = document.querySelector(selector);
        const transfer = new DataTransfer();
        transfer.items.add(file);
        input.files = transfer.files;
        input.dispatchEvent(new Event("change", {bubbles: true}));
    }""", f"#{section.get_attribute('id')}-tep")
    expect(_birth_certificate(page).get_by_role("link", name="anh-chup.jpg")).to_be_visible(
        timeout=20000)
    with live_server.app.app_context():
        stored = db.session.scalar(select(Attachment))
        assert stored.media_type == "image/jpeg" and stored.size < 1_500_000


def test_the_dossier_pages_are_accessible_on_a_desktop(open_page, live_server,
                                                       axe_violations):
    page = open_page("/", viewport=DESKTOP)
    _log_in(page)
    token = _papers(page, live_server)
    page.goto(f"/nop-ho-so/nhap/{token}/xem-lai")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator(".portal-error-summary")).to_be_focused()
    expect(page.locator(".portal-error-summary")).to_contain_text("Chưa đính kèm giấy tờ")
    assert axe_violations(page) == []
    page.goto("/ho-so")
    assert axe_violations(page) == []
    page.goto("/tra-cuu")
    assert axe_violations(page) == []
    with live_server.app.app_context():
        assert db.session.scalar(select(Dossier)) is None
