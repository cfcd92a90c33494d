"""The procedure editor in a real browser (issue 8, TT22-PL2-01): a dossier component row is
added and saved with JavaScript off (plain submit buttons) and on (htmx swaps just the list),
and the list, editor and history pages are axe-clean on a phone and a desktop."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Procedure
from tests.browser_harness import DESKTOP, PHONE, log_in

CODE = "1.001193"
ADD_COMPONENT = "Thêm dòng (Giấy tờ trong hồ sơ)"


def _procedure_id(live_server) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(Procedure.id).where(Procedure.code == CODE))


def _component_names(live_server) -> list[str]:
    with live_server.app.app_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == CODE))
        return [component.name for component in procedure.components]


def _editor(open_page, live_server, *, js: bool, viewport=DESKTOP):
    page = open_page("/", js=js, viewport=viewport)
    log_in(page, "bientap@demo.local")
    page.goto(f"/quan-tri/thu-tuc/{_procedure_id(live_server)}")
    return page


def test_a_component_is_added_and_saved_without_javascript(open_page, live_server, screenshot):
    before = _component_names(live_server)
    page = _editor(open_page, live_server, js=False)
    page.locator("#method_text").fill("Gõ trước khi thêm dòng")
    page.get_by_role("button", name=ADD_COMPONENT).click()
    new = page.locator(f"#components-{len(before)}-name")
    expect(new).to_be_visible()
    assert page.url.endswith(f"#thanh-phan-{len(before) + 1}")  # lands on the new row
    expect(page.locator("#method_text")).to_have_value("Gõ trước khi thêm dòng")
    new.fill("Giấy tờ thêm khi tắt JavaScript")
    screenshot(page, "row-added")
    page.get_by_role("button", name="Lưu", exact=True).first.click()
    expect(page.locator("#flash")).to_contain_text("Đã lưu thủ tục")
    assert _component_names(live_server) == before + ["Giấy tờ thêm khi tắt JavaScript"]


def test_with_javascript_the_row_buttons_swap_only_their_list(
        open_page, live_server, screenshot):
    before = _component_names(live_server)
    page = _editor(open_page, live_server, js=True)
    page.locator("#method_text").fill("Gõ trước khi thêm dòng")
    page.evaluate("window.portalTestMarker = 'same page'")
    page.get_by_role("button", name=ADD_COMPONENT).click()
    new = page.locator(f"#components-{len(before)}-name")
    expect(new).to_be_visible()
    expect(new).to_be_focused()  # focus goes to the new row's first field
    assert page.evaluate("window.portalTestMarker") == "same page"  # no page load
    expect(page.locator("#method_text")).to_have_value("Gõ trước khi thêm dòng")
    new.fill("Giấy tờ thêm bằng htmx")
    page.get_by_role("button", name=f"Lên (Thành phần {len(before) + 1})").click()
    expect(page.locator(f"#components-{len(before) - 1}-name")).to_have_value(
        "Giấy tờ thêm bằng htmx")
    # Focus follows the row: on its "Lên" button in its new place, so pressing it again
    # moves it on.
    expect(page.get_by_role("button", name=f"Lên (Thành phần {len(before)})")).to_be_focused()
    screenshot(page, "row-moved")
    page.get_by_role("button", name="Lưu", exact=True).first.click()
    expect(page.locator("#flash")).to_contain_text("Đã lưu thủ tục")
    names = _component_names(live_server)
    assert names == before[:-1] + ["Giấy tờ thêm bằng htmx", before[-1]]
    # A save refused by the server comes back whole (422 is swapped in), with the summary.
    page.locator("#name").fill("")
    page.get_by_role("button", name="Lưu", exact=True).first.click()
    expect(page.locator(".portal-error-summary")).to_contain_text("Nhập tên thủ tục.")
    expect(page.locator("#method_text")).to_have_value("Gõ trước khi thêm dòng")


def test_the_editors_pages_are_accessible_on_a_phone_and_a_desktop(
        open_page, live_server, axe_violations, screenshot):
    procedure_id = _procedure_id(live_server)
    page = _editor(open_page, live_server, js=True)
    page.locator("#processing_time").fill("05 ngày làm việc")
    page.get_by_role("button", name="Lưu", exact=True).first.click()  # a first revision
    expect(page.locator("#flash")).to_contain_text("Đã lưu thủ tục")
    paths = {
        "list": "/quan-tri/thu-tuc",
        "edit": f"/quan-tri/thu-tuc/{procedure_id}",
        "history": f"/quan-tri/thu-tuc/{procedure_id}/lich-su",
        "diff": f"/quan-tri/thu-tuc/{procedure_id}/so-sanh",
        "preview": f"/quan-tri/thu-tuc/{procedure_id}/xem-truoc",
        "catalogue": "/quan-tri/danh-muc",
        "new": "/quan-tri/thu-tuc/moi",
    }
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        for name, path in paths.items():
            page.goto(path)
            assert axe_violations(page) == [], (size, name)
            screenshot(page, f"{name}-{size}")
        page.goto(paths["new"])
        page.get_by_role("button", name="Lưu", exact=True).first.click()
        expect(page.locator(".portal-error-summary")).to_be_visible()
        assert axe_violations(page) == [], (size, "errors")
        screenshot(page, f"errors-{size}")
