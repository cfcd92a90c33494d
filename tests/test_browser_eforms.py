"""E-forms in a real browser: inline errors, autosave, offline, two tabs, no-JS, axe.

TT32-EF-1 (axe clean), TT32-EF-3 (help at each field), TT32-EF-4 (keep in a file),
TT32-11.2c-2 (format checks inline).
"""
from __future__ import annotations

import json
import re
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Draft
from tests.browser_harness import DESKTOP

BIRTH = "1.001193"
NAME = re.compile("Họ, chữ đệm, tên người yêu cầu")
FORMS = ["1.001193", "1.000894", "1.000656", "1.004873", "1.001612", "1.013225"]


def _start(page, code=BIRTH):
    page.goto(f"/nop-ho-so/{code}")
    page.get_by_role("button", name=re.compile("Bắt đầu khai")).click()
    expect(page.locator("h1")).not_to_have_text(re.compile("Tờ khai|Đơn|Giấy"))
    return page.url.split("?")[0]


def _draft(live_server) -> Draft:
    with live_server.app.app_context():
        draft = db.session.scalars(select(Draft).order_by(Draft.id.desc())).first()
        db.session.expunge(draft)
        return draft


def _saved_on_server(page):
    expect(page.locator("#autosave-status")).to_contain_text("Đã lưu trên hệ thống", timeout=10000)


def test_a_wrong_cccd_shows_an_announced_inline_error_that_goes_when_fixed(
        open_page, axe_violations, screenshot):
    page = open_page("/")
    _start(page)
    page.get_by_label("Giấy tờ tùy thân").select_option("CCCD")
    page.locator("#f-nyc-ngay-sinh").fill("01")
    page.locator("#f-nyc-ngay-sinh-thang").fill("02")
    page.locator("#f-nyc-ngay-sinh-nam").fill("1990")
    number = page.locator("#f-nyc-so-dinh-danh")
    number.fill("12345")
    number.press("Tab")  # leaving the field checks it
    error = page.locator("#f-nyc-so-dinh-danh-error")
    expect(error).to_contain_text("12 chữ số")
    number = page.locator("#f-nyc-so-dinh-danh")
    expect(number).to_have_attribute("aria-invalid", "true")
    assert "f-nyc-so-dinh-danh-error" in number.get_attribute("aria-describedby")
    screenshot(page, "cccd-error")
    assert axe_violations(page) == []
    number.fill("022190012345")
    number.press("Tab")
    expect(page.locator("#f-nyc-so-dinh-danh-error")).to_have_count(0)
    expect(page.locator("#f-nyc-so-dinh-danh")).not_to_have_attribute("aria-invalid", "true")


def test_autosave_then_reload_keeps_values(open_page, live_server):
    page = open_page("/")
    _start(page)
    page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu")).fill("Vũ Thị Hoa")
    _saved_on_server(page)
    assert _draft(live_server).data["nyc_ho_ten"] == "Vũ Thị Hoa"
    page.reload()
    expect(page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu"))).to_have_value(
        "Vũ Thị Hoa")


def test_what_was_typed_before_the_script_ran_is_saved_too(open_page, live_server):
    """A slow phone: the person types before autosave.js has loaded; it saves that anyway."""
    page = open_page("/")
    _start(page)
    release = threading.Event()

    def slow_script(route):
        release.wait(5)
        route.continue_()

    page.route(re.compile(r"/static/js/autosave\.js"), slow_script)
    page.reload(wait_until="commit")
    page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu")).fill("Đào Thị Chậm")
    release.set()
    _saved_on_server(page)
    assert _draft(live_server).data["nyc_ho_ten"] == "Đào Thị Chậm"


def test_typing_offline_is_kept_and_sent_when_back_online(open_page, live_server):
    page = open_page("/")
    _start(page)
    name = page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu"))
    name.fill("Trước")
    _saved_on_server(page)
    page.context.set_offline(True)
    name.fill("Khi mất mạng")
    expect(page.locator("#autosave-status")).to_contain_text("Đã lưu trên máy này",
                                                             timeout=10000)
    assert _draft(live_server).data["nyc_ho_ten"] == "Trước"
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _saved_on_server(page)
    assert _draft(live_server).data["nyc_ho_ten"] == "Khi mất mạng"


def test_values_kept_on_the_device_are_replayed_after_a_reload(open_page, live_server):
    """A value typed while the server cannot be reached survives closing the page."""
    page = open_page("/")
    _start(page)
    page.route("**/luu", lambda route: route.abort())  # the portal cannot be reached
    page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu")).fill("Chưa kịp gửi")
    expect(page.locator("#autosave-status")).to_contain_text("Đã lưu trên máy này",
                                                             timeout=10000)
    assert _draft(live_server).data.get("nyc_ho_ten", "") == ""
    page.unroute("**/luu")
    page.reload()
    expect(page.locator("#autosave-status")).to_contain_text("Đã lưu trên hệ thống",
                                                             timeout=10000)
    assert _draft(live_server).data["nyc_ho_ten"] == "Chưa kịp gửi"


def _two_tabs(open_page):
    """The same draft open in two tabs; the first has saved "Thẻ một" as the name."""
    first = open_page("/")
    url = _start(first)
    second = first.context.new_page()
    second.goto(url)
    first.get_by_label(NAME).fill("Thẻ một")
    _saved_on_server(first)
    return first, second


def test_two_tabs_get_a_conflict_message_not_lost_data(open_page, live_server):
    _first, second = _two_tabs(open_page)
    second.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu")).fill("Thẻ hai")
    status = second.locator("#autosave-status")
    expect(status).to_contain_text("vừa được sửa ở một thẻ hoặc thiết bị khác", timeout=10000)
    assert _draft(live_server).data["nyc_ho_ten"] == "Thẻ một"
    expect(second.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu"))).to_have_value(
        "Thẻ hai")
    expect(status).to_contain_text("Thẻ một")  # what the other tab saved is shown
    status.get_by_role("button", name="Giữ nội dung của tôi").click()
    _saved_on_server(second)
    assert _draft(live_server).data["nyc_ho_ten"] == "Thẻ hai"


def test_a_conflict_can_take_the_other_tab_s_value(open_page, live_server):
    _first, second = _two_tabs(open_page)
    name = second.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu"))
    name.fill("Thẻ hai")
    status = second.locator("#autosave-status")
    status.get_by_role("button", name="Dùng bản đã lưu ở nơi khác").click(timeout=10000)
    expect(name).to_have_value("Thẻ một")
    assert _draft(live_server).data["nyc_ho_ten"] == "Thẻ một"


def test_two_tabs_on_different_fields_are_both_saved_and_shown(open_page, live_server):
    _first, second = _two_tabs(open_page)
    second.locator("#f-nyc-ngay-sinh").fill("17")
    _saved_on_server(second)
    data = _draft(live_server).data
    assert (data["nyc_ho_ten"], data["nyc_ngay_sinh-ngay"]) == ("Thẻ một", "17")
    # The second tab now shows what the first saved: a later save cannot undo it.
    expect(second.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu"))).to_have_value(
        "Thẻ một")


def test_a_section_submitted_while_saving_waits_for_the_save(open_page, live_server):
    """Typing, then "Lưu nháp" at once: the button waits for the autosave on its way and
    goes with the revision it returned (one request at a time: no conflict, no error)."""
    from flask import request

    order = []

    @live_server.app.before_request
    def slow_autosave():  # the server sees the order; the autosave takes its time
        if request.method == "POST" and request.path.endswith("/luu"):
            order.append("autosave arrived")
            threading.Event().wait(1.5)
        elif request.method == "POST" and "/kiem-tra" not in request.path:
            order.append("section arrived")

    @live_server.app.after_request
    def answered(response):
        if request.method == "POST" and request.path.endswith("/luu"):
            order.append("autosave answered")
        return response

    page = open_page("/")
    _start(page)
    del order[:]
    name = page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu"))
    name.fill("Vội vàng")
    name.press("Tab")  # "change": the autosave leaves at once
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.locator(".portal-alert, [role=alert]").first).to_contain_text(
        "Đã lưu bản nháp", timeout=10000)
    assert order[:3] == ["autosave arrived", "autosave answered", "section arrived"], order
    assert _draft(live_server).data["nyc_ho_ten"] == "Vội vàng"


def test_the_whole_first_section_without_javascript(open_page, live_server, screenshot):
    page = open_page("/", js=False)
    _start(page)
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page).to_have_title(re.compile("^Lỗi: "))
    expect(page.locator(".portal-error-summary")).to_contain_text("Hãy nhập họ, chữ đệm, tên")
    screenshot(page, "errors-no-js")
    page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu")).fill("Ngô Văn Bình")
    page.locator("#f-nyc-ngay-sinh").fill("15/8/1988")
    page.get_by_label("Giấy tờ tùy thân").select_option("CCCD")
    page.locator("#f-nyc-so-dinh-danh").fill("022088012345")
    page.locator("#f-nyc-noi-cu-tru").select_option(label="Tỉnh Quảng Ninh")
    page.get_by_role("button", name="Chọn tỉnh, hiện danh sách xã").first.click()
    page.locator("#f-nyc-noi-cu-tru-xa").select_option(index=1)
    page.locator("#f-nyc-noi-cu-tru-duong").fill("Tổ 3, khu 5")
    page.get_by_label("Quan hệ với người được khai sinh").select_option("cha")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.locator("h1")).to_have_text("Người được khai sinh")
    data = _draft(live_server).data
    assert data["nyc_ho_ten"] == "Ngô Văn Bình" and data["nyc_ngay_sinh-thang"] == "8"


def test_download_then_restore_gives_the_same_values(open_page, live_server, tmp_path):
    page = open_page("/")
    _start(page)
    page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu")).fill("Lò Thị Mai")
    _saved_on_server(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Tải về máy")).click()
    path = tmp_path / "draft.json"
    download_info.value.save_as(path)
    assert json.loads(path.read_text(encoding="utf-8"))["values"]["nyc_ho_ten"] == "Lò Thị Mai"
    page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu")).fill("Đổi rồi")
    _saved_on_server(page)
    page.get_by_role("link", name="Xem lại toàn bộ tờ khai").click()
    page.get_by_label("Mở từ tệp đã tải về").set_input_files(str(path))
    page.get_by_role("button", name="Mở từ tệp", exact=True).click()
    expect(page.locator(".portal-flash")).to_contain_text("Đã mở bản nháp từ tệp")
    assert _draft(live_server).data["nyc_ho_ten"] == "Lò Thị Mai"


def test_conditional_fields_show_and_hide_with_javascript(open_page):
    page = open_page("/")
    _start(page)
    passport = page.locator("#f-nyc-so-giay-to-group")
    cccd = page.locator("#f-nyc-so-dinh-danh-group")
    page.get_by_label("Giấy tờ tùy thân").select_option("HC")
    expect(passport).to_be_visible()
    expect(cccd).to_be_hidden()
    page.get_by_label("Giấy tờ tùy thân").select_option("CCCD")
    expect(cccd).to_be_visible()
    expect(passport).to_be_hidden()


@pytest.mark.parametrize("code", FORMS)
def test_every_form_page_is_axe_clean_on_a_phone(open_page, axe_violations, screenshot, code):
    """TT32-EF-1 at 360×640, every section of the six forms."""
    page = open_page("/")
    _start(page, code)
    sections = page.locator(".portal-steps a")
    links = [sections.nth(i).get_attribute("href") for i in range(sections.count())]
    for index, href in enumerate(links):
        page.goto(href)
        violations = axe_violations(page)
        assert violations == [], (href, violations)
        if index == 0:
            screenshot(page, f"{code}-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "no sideways scrolling on a phone"


def test_review_page_on_desktop(open_page, axe_violations, screenshot):
    page = open_page("/", viewport=DESKTOP)
    _start(page)
    page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu")).fill("Hà Văn Sơn")
    _saved_on_server(page)
    page.get_by_role("link", name="Xem lại toàn bộ tờ khai").click()
    expect(page.locator("h1")).to_have_text("Kiểm tra và nộp hồ sơ")
    expect(page.locator("main")).to_contain_text("Hà Văn Sơn")
    assert axe_violations(page) == []
    screenshot(page, "review-desktop")


def test_a_draft_survives_an_expired_login(open_page, live_server):
    """Typed after the login ended: kept on the device, saved once the person logs in again."""
    page = open_page("/")
    page.goto("/tai-khoan/dang-nhap")
    page.get_by_label("Thư điện tử, số điện thoại hoặc số định danh cá nhân").fill(
        "congdan@demo.local")
    page.locator("#password").fill("Demo@12345")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    _start(page)
    draft_url = page.url
    # Every response refreshes the login cookie: one still on its way (a style sheet, a font)
    # would bring the login back after it is cleared, so let the page finish loading first.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()  # the login ends (idle timeout, another device logged out)
    page.get_by_label(re.compile("Họ, chữ đệm, tên người yêu cầu")).fill("Sau khi hết phiên")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("Đã lưu trên máy này", timeout=10000)
    expect(status.get_by_role("link", name="Đăng nhập lại")).to_be_visible()
    status.get_by_role("link", name="Đăng nhập lại").click()
    page.get_by_label("Thư điện tử, số điện thoại hoặc số định danh cá nhân").fill(
        "congdan@demo.local")
    page.locator("#password").fill("Demo@12345")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(re.escape(draft_url.split("?")[0])))
    expect(status).to_contain_text("Đã lưu trên hệ thống", timeout=10000)
    assert _draft(live_server).data["nyc_ho_ten"] == "Sau khi hết phiên"


def test_keyboard_only_help_errors_and_focus(open_page):
    """Help opens from the keyboard; after a failed submit the summary has focus and its
    links move focus to the field."""
    page = open_page("/")
    _start(page)
    summary = page.locator(".portal-details__summary").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".portal-details").first).to_have_attribute("open", "")
    page.get_by_role("button", name="Lưu và tiếp tục").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_title(re.compile("^Lỗi: "))
    expect(page.locator("[data-module='error-summary']")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the first error link
    expect(page.locator("#f-nyc-ho-ten")).to_be_focused()
