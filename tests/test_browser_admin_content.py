"""Editors' pages in a real browser: the Markdown preview follows the typing (JavaScript) or
comes with the "Xem trước" button (no JavaScript); the maintenance banner on a phone; the
editor pages and a public page with the banner are axe-clean (TT32-11.1a/b, TT32-11.x-MAINT)."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Guide, Notice, utcnow
from portal.services import editorial
from tests.browser_harness import DESKTOP, PHONE, log_in


def _editor_page(browser, live_server, *, js: bool = True, viewport=DESKTOP):
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="vi-VN",
                                  java_script_enabled=js)
    page = context.new_page()
    log_in(page, "bientap@demo.local")
    return page


def _guide(live_server) -> tuple[int, str]:
    with live_server.app.app_context():
        guide = db.session.scalars(select(Guide).where(Guide.slug.contains("khai-sinh"))).first()
        return guide.id, guide.slug


def test_the_preview_follows_the_typing(browser, live_server, axe_violations, screenshot):
    guide_id, slug = _guide(live_server)
    page = _editor_page(browser, live_server)
    page.goto("/quan-tri/huong-dan/")
    assert axe_violations(page) == []
    page.goto(f"/quan-tri/huong-dan/{guide_id}")
    body = page.get_by_label("Nội dung (Markdown)")
    body.fill("## Chuẩn bị\n\n1. Mang **Giấy chứng sinh** bản chính.\n2. Đến [Bộ phận Một cửa]"
              "(/thu-tuc/1.001193).\n\n<script>alert(1)</script>")
    preview = page.locator("#preview")
    expect(preview.locator("h2", has_text="Chuẩn bị")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("Giấy chứng sinh")
    expect(preview.locator("a[href='/thu-tuc/1.001193']")).to_have_text("Bộ phận Một cửa")
    assert preview.locator("script").count() == 0
    assert axe_violations(page) == []
    screenshot(page, "guide-editor")
    page.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.locator("#flash")).to_contain_text("Đã lưu")
    page.goto(f"/huong-dan/{slug}")
    expect(page.locator("article strong")).to_have_text("Giấy chứng sinh")
    page.goto(f"/quan-tri/huong-dan/{guide_id}/lich-su")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Phiên bản 1").click()
    expect(page.locator("ins").first).to_be_visible()
    assert axe_violations(page) == []


def test_the_preview_button_works_without_javascript(browser, live_server, screenshot):
    page = _editor_page(browser, live_server, js=False, viewport=PHONE)
    page.goto("/quan-tri/huong-dan/moi")
    page.get_by_label("Tiêu đề").fill("Xin bản sao trích lục")
    page.get_by_label("Nội dung (Markdown)").fill("Bước 1: **đăng nhập** cổng.")
    page.get_by_role("button", name="Xem trước").click()
    expect(page.locator("#preview strong")).to_have_text("đăng nhập")
    expect(page.get_by_label("Nội dung (Markdown)")).to_have_value("Bước 1: **đăng nhập** cổng.")
    expect(page.get_by_label("Tiêu đề")).to_have_value("Xin bản sao trích lục")
    screenshot(page, "guide-preview-no-js")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator("#flash")).to_contain_text("Đã lưu.")
    expect(page.locator("h1")).to_have_text("Sửa: Xin bản sao trích lục")


def test_the_notice_and_faq_editors_are_accessible(browser, live_server, axe_violations,
                                                   screenshot):
    page = _editor_page(browser, live_server)
    page.goto("/quan-tri/thong-bao/moi")
    page.get_by_label("Tạm ngừng dịch vụ để bảo trì").check()
    page.get_by_label("Tiêu đề").fill("Bảo trì")
    page.get_by_label("Nội dung (Markdown)").fill("Nâng cấp.")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator(".portal-error-summary")).to_contain_text("Nhập thời điểm tạm ngừng")
    assert axe_violations(page) == []
    screenshot(page, "notice-editor-error")
    page.goto("/quan-tri/hoi-dap/moi")
    assert axe_violations(page) == []
    page.goto("/quan-tri/lien-ket-thu-tuc?q=khai+sinh")
    assert axe_violations(page) == []


def test_the_maintenance_banner_on_a_phone(open_page, live_server, axe_violations, screenshot):
    now = utcnow()
    with live_server.app.app_context():
        notice = editorial.save(db.session, Notice(), {
            "title": "Tạm ngừng hệ thống để nâng cấp", "kind": "maintenance",
            "body": "Nâng cấp máy chủ.", "starts_at": now - timedelta(hours=1),
            "ends_at": now + timedelta(hours=5), "publish_at": None}, None,
            now=now - timedelta(days=20))
        editorial.publish(db.session, notice, None, now=now - timedelta(days=20))
        db.session.commit()
    for path in ("/", "/thu-tuc/1.001193"):
        page = open_page(path, viewport=PHONE)
        banner = page.get_by_role("region", name="Tạm ngừng hệ thống để nâng cấp")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("đang tạm ngừng từ")
        expect(banner).to_contain_text("Dự kiến hoạt động trở lại lúc")
        assert banner.bounding_box()["width"] <= PHONE["width"]
        assert axe_violations(page) == []
    screenshot(page, "maintenance-banner-phone")
