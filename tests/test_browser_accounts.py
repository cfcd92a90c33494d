"""Accounts in a real browser: registration, the address picker, idle warning, axe."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from tests.browser_harness import DESKTOP

PASSWORD = "mot buoi sang dep troi o Ha Long"


def _log_in(page, identifier="congdan@demo.local", password="Demo@12345"):
    page.goto("/tai-khoan/dang-nhap")
    page.get_by_label("Thư điện tử, số điện thoại hoặc số định danh cá nhân").fill(identifier)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_register_shows_errors_beside_fields_then_succeeds(open_page, live_server, js,
                                                           axe_violations, screenshot):
    page = open_page("/tai-khoan/dang-ky", js=js)
    page.get_by_label("Họ và tên").fill("Lý Thị Thử")
    page.get_by_label("Thư điện tử").fill("thu@example.com")
    page.get_by_label("Mật khẩu").fill("12345678")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page).to_have_title(re.compile("^Lỗi: "))
    expect(page.locator("#password-error")).to_contain_text("dễ đoán")
    assert page.get_by_label("Thư điện tử").input_value() == "thu@example.com"  # kept
    if js:
        # The summary takes focus so screen readers read it; its link leads to the field.
        expect(page.locator("[data-module='error-summary']")).to_be_focused()
        assert axe_violations(page) == []
        screenshot(page, "errors")
        page.get_by_role("link", name=re.compile("dễ đoán")).click()
        expect(page.locator("#password")).to_be_focused()
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.locator("h1")).to_have_text("Kiểm tra hộp thư của bạn")
    with live_server.app.app_context():
        assert db.session.scalar(select(User).where(User.email == "thu@example.com"))


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_address_picker_works_with_and_without_javascript(open_page, js, screenshot):
    page = open_page("/", js=js)
    _log_in(page)
    page.goto("/tai-khoan/ho-so")
    address = page.locator("#current-address")
    address.get_by_label("Nơi ở hiện tại giống nơi thường trú").uncheck()
    address.get_by_label("Tỉnh, thành phố").select_option(label="Thành phố Hà Nội")
    if js:
        communes = address.get_by_label("Xã, phường, đặc khu")
        communes.locator("option", has_text="Phường Ba Đình").wait_for(state="attached")
        assert not address.get_by_role("button", name="Chọn tỉnh, hiện danh sách xã").is_visible()
    else:
        address.get_by_role("button", name="Chọn tỉnh, hiện danh sách xã").click()
        address = page.locator("#current-address")
        assert page.get_by_label("Họ, chữ đệm và tên").input_value() == "Nguyễn Thị Minh Anh"
    address.get_by_label("Xã, phường, đặc khu").select_option(label="Phường Ba Đình")
    address.get_by_label("Số nhà, đường, thôn, tổ dân phố").fill("Số 5 phố Thử")
    screenshot(page, "address")
    page.get_by_role("button", name="Lưu hồ sơ").click()
    expect(page.locator("#flash")).to_contain_text("Đã lưu hồ sơ cá nhân.")
    assert page.locator("#current-address").get_by_label(
        "Xã, phường, đặc khu").input_value() != ""


def test_account_pages_have_no_axe_violations(open_page, axe_violations):
    found = {}
    for path in ("/tai-khoan/dang-nhap", "/tai-khoan/dang-ky", "/tai-khoan/quen-mat-khau"):
        page = open_page(path)
        found[path] = axe_violations(page)
        page.context.close()
    page = open_page("/", viewport=DESKTOP)
    _log_in(page)
    for path in ("/tai-khoan/", "/tai-khoan/ho-so", "/tai-khoan/doi-mat-khau",
                 "/tai-khoan/xoa-tai-khoan"):
        page.goto(path)
        found[path] = axe_violations(page)
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    _log_in(page, "quantri@demo.local")
    for path in ("/quan-tri/", "/quan-tri/can-bo", "/quan-tri/can-bo/moi", "/quan-tri/nhat-ky"):
        page.goto(path)
        found[path] = axe_violations(page)
    assert {path: v for path, v in found.items() if v} == {}


@pytest.mark.app_config(IDLE_TIMEOUT_MINUTES=1, IDLE_WARNING_MINUTES=0.9)  # warned after 6 s
def test_the_idle_warning_appears_and_keeps_the_login(open_page, screenshot):
    page = open_page("/")
    _log_in(page)
    page.goto("/tai-khoan/")
    dialog = page.get_by_role("alertdialog", name="Bạn sắp bị đăng xuất")
    dialog.wait_for()
    expect(page.locator("#session-timeout")).to_be_focused()
    screenshot(page, "warning")
    dialog.get_by_role("button", name="Tiếp tục làm việc").click()
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.tagName") != "DIV"  # focus went back
