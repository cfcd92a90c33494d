"""Editors' settings and organisation pages (issue 8): authority name and contacts, office
hours, logo, agencies, contact officials, fields, shared catalogues; audit and CSRF."""
from __future__ import annotations

import io
import re
from datetime import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.models import (
    AdminUnit,
    Agency,
    AgencyLevel,
    AuditEvent,
    CodeEntry,
    Dossier,
    Field,
    FormFile,
    Job,
    JobStatus,
    Official,
    SiteSetting,
)
from portal.services import receipts, site_settings, workdays
from tests.conftest import htmx_headers, login, make_app
from tests.dossier_support import PDF, PNG

UNIT = "000.03.99.H49"  # Phòng Kinh tế: has procedures
COMMUNE = "000.00.99.H49"
TEXT_SETTINGS = {
    "authority_name": "Ủy ban nhân dân xã Bình Minh",
    "authority_name_en": "Binh Minh Commune People's Committee",
    "authority_address": "Số 9 đường Bến Đò, xã Bình Minh",
    "authority_phone": "0203 3811 111",
    "feedback_email": "GopY@BinhMinh.Example.gov.vn",
    "slip_place": "Bình Minh",
    "head_title": "CHỦ TỊCH",  # the configuration's, as the page shows it
    "head_name": "",
}


@pytest.fixture
def editor(app, demo):
    """A client logged in as the demo editor."""
    client = app.test_client()
    login(client, "bientap@demo.local")
    return client


def _fresh(session):
    session.rollback()  # end the read snapshot: see what requests committed
    return session


def _agency(session, code: str) -> Agency:
    return _fresh(session).scalar(select(Agency).where(Agency.code == code))


def _actions(session) -> list[str]:
    return list(_fresh(session).scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _periods(*pairs: tuple[str, str]) -> dict[str, str]:
    data = {}
    for index, (start, end) in enumerate(pairs):
        data[f"periods-{index}-start"], data[f"periods-{index}-end"] = start, end
    return data


# --- Permissions --------------------------------------------------------------------------------

PAGES = ["/quan-tri/thong-tin", "/quan-tri/co-quan", "/quan-tri/co-quan/moi",
         "/quan-tri/co-quan/{agency}", "/quan-tri/co-quan/{agency}/xoa",
         "/quan-tri/co-quan/{agency}/dau-moi/moi", "/quan-tri/dau-moi/{official}",
         "/quan-tri/dau-moi/{official}/xoa", "/quan-tri/linh-vuc/moi",
         "/quan-tri/linh-vuc/{field}", "/quan-tri/linh-vuc/{field}/xoa"]
ACTIONS = ["/quan-tri/thong-tin/gio-lam-viec", "/quan-tri/thong-tin/bieu-trung",
           "/quan-tri/thong-tin/mac-dinh", "/quan-tri/co-quan/danh-muc",
           "/quan-tri/co-quan/{agency}/di-chuyen", "/quan-tri/dau-moi/{official}/di-chuyen",
           "/quan-tri/linh-vuc/{field}/di-chuyen"]


def _ids(session) -> dict[str, int]:
    return {"agency": _agency(session, UNIT).id,
            "official": session.scalar(select(func.min(Official.id))),
            "field": session.scalar(select(func.min(Field.id)))}


@pytest.mark.parametrize("email", ["congdan@demo.local", "motcua@demo.local"])
def test_citizens_and_one_stop_staff_are_refused_everywhere(client, demo, session, email):
    ids = _ids(session)
    login(client, email)
    for path in [p for p in PAGES if p != "/quan-tri/co-quan"] + ACTIONS:
        assert client.post(path.format(**ids), data={}).status_code == 403, path
    for path in PAGES:
        assert client.get(path.format(**ids)).status_code == 403, path


@pytest.mark.parametrize("email", ["bientap@demo.local", "quantri@demo.local"])
def test_editors_and_administrators_open_every_page(client, demo, session, email):
    ids = _ids(session)
    login(client, email)
    for path in PAGES:
        response = client.get(path.format(**ids))
        assert response.status_code == 200, path
    index = client.get("/quan-tri/").get_data(as_text=True)
    assert 'href="/quan-tri/thong-tin"' in index and 'href="/quan-tri/co-quan"' in index


def test_anonymous_visitors_are_sent_to_log_in(client, demo):
    response = client.get("/quan-tri/thong-tin")
    assert response.status_code == 303 and "/tai-khoan/dang-nhap" in response.headers["Location"]


def test_posts_need_the_csrf_token(request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/tai-khoan/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/tai-khoan/dang-nhap", data={
        "csrf_token": token, "identifier": "bientap@demo.local",
        "password": "Demo@12345"}).status_code == 303
    html = client.get("/quan-tri/thong-tin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/quan-tri/thong-tin", data=TEXT_SETTINGS).status_code == 400
    assert client.post("/quan-tri/co-quan/danh-muc").status_code == 400
    assert client.post("/quan-tri/thong-tin", data={
        **TEXT_SETTINGS, "csrf_token": token}).status_code == 303


# --- Authority name and contacts ----------------------------------------------------------------

def test_the_new_name_shows_in_the_header_footer_slips_and_cached_pages(app, editor, client,
                                                                        session):
    before = client.get("/").get_data(as_text=True)  # an anonymous visit fills the page cache
    assert "Ủy ban nhân dân xã Minh Họa" in before
    response = editor.post("/quan-tri/thong-tin", data=TEXT_SETTINGS)
    assert response.status_code == 303
    html = client.get("/").get_data(as_text=True)
    header = html.split('class="portal-header"')[1].split("</header>")[0]
    footer = html.split('class="portal-footer"')[1]
    assert "Ủy ban nhân dân xã Bình Minh" in header and "Ủy ban nhân dân xã Bình Minh" in footer
    assert "Số 9 đường Bến Đò" in footer and "mailto:gopy@binhminh.example.gov.vn" in footer
    assert "tel:02033811111" in footer
    assert "Số 9 đường Bến Đò" in client.get("/lien-he").get_data(as_text=True)
    with app.test_request_context("/"):
        assert site_settings.value("SLIP_PLACE") == "Bình Minh"
        slip = receipts.header(Dossier(receiving_agency=_agency(session, UNIT)))
        assert slip.authority == "Ủy ban nhân dân xã Bình Minh" and slip.place == "Bình Minh"
    page = editor.get("/quan-tri/thong-tin").get_data(as_text=True)
    assert "do biên tập viên đặt lúc" in page and "Dùng giá trị mặc định" in page
    event = _fresh(session).scalar(select(AuditEvent).where(
        AuditEvent.action == "settings_updated"))
    assert "AUTHORITY_NAME" in event.details["keys"] and event.actor_label == "Hoàng Thị Biên"


def test_unchanged_values_keep_following_the_configuration(app, editor, session):
    page = editor.get("/quan-tri/thong-tin").get_data(as_text=True)
    assert "Đang dùng giá trị mặc định trong cấu hình" in page
    current = {name: app.config.get(name.upper()) or "" for name in TEXT_SETTINGS}
    assert editor.post("/quan-tri/thong-tin", data=current).status_code == 303
    assert _fresh(session).scalar(select(func.count()).select_from(SiteSetting)) == 0
    assert "settings_updated" not in _actions(session)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("authority_name", "  ", "Nhập tên cơ quan."),
    ("feedback_email", "gop y@", "Nhập địa chỉ thư điện tử đúng dạng"),
    ("authority_phone", "gọi 0203", "Số điện thoại chỉ gồm chữ số"),
])
def test_invalid_settings_are_refused_with_the_input_kept(editor, session, name, value,
                                                          message):
    response = editor.post("/quan-tri/thong-tin", data={**TEXT_SETTINGS, name: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert f'id="{name}-error"' in html and "<title>Lỗi:" in html
    assert 'value="Số 9 đường Bến Đò, xã Bình Minh"' in html  # the rest is kept as typed
    assert _fresh(session).scalar(select(func.count()).select_from(SiteSetting)) == 0


def test_a_setting_goes_back_to_the_configuration(app, editor, session):
    editor.post("/quan-tri/thong-tin", data=TEXT_SETTINGS)
    response = editor.post("/quan-tri/thong-tin/mac-dinh", data={"key": "AUTHORITY_NAME"})
    assert response.status_code == 303
    with app.test_request_context("/"):
        assert site_settings.value("AUTHORITY_NAME") == app.config["AUTHORITY_NAME"]
        assert site_settings.value("SLIP_PLACE") == "Bình Minh"
    assert editor.post("/quan-tri/thong-tin/mac-dinh", data={"key": "SECRET_KEY"}
                       ).status_code == 400


# --- Office hours -------------------------------------------------------------------------------

def test_office_hours_change_the_contact_page_and_the_calendar(app, editor, client, session):
    client.get("/lien-he")  # cached for anonymous visitors
    response = editor.post("/quan-tri/thong-tin/gio-lam-viec", data=_periods(
        ("7:30", "11:30"), ("13h00", "16:30"), ("", ""), ("17:00", "18:00")))
    assert response.status_code == 303
    html = client.get("/lien-he").get_data(as_text=True)
    assert "07:30–11:30, 13:00–16:30, 17:00–18:00" in html
    with app.test_request_context("/"):
        assert workdays.calendar().periods == ((time(7, 30), time(11, 30)),
                                               (time(13), time(16, 30)), (time(17), time(18)))
    assert "settings_updated" in _actions(session)


@pytest.mark.parametrize(("pairs", "message"), [
    ((("11:30", "07:00"),), "Giờ kết thúc phải sau giờ bắt đầu."),
    ((("07:00", "11:30"), ("11:00", "17:00")), "trùng với khoảng phía trên (kết thúc lúc 11:30)"),
    ((("13:30", "17:00"), ("07:00", "11:30")), "Các khoảng phải theo thứ tự trong ngày"),
    ((("25:00", "11:30"),), "Nhập giờ bắt đầu dạng giờ:phút"),
    ((("07:00", ""),), "Nhập giờ kết thúc dạng giờ:phút"),
    ((("", ""),), "Nhập ít nhất một khoảng giờ làm việc."),
])
def test_invalid_office_hours_are_refused(app, editor, session, pairs, message):
    response = editor.post("/quan-tri/thong-tin/gio-lam-viec", data=_periods(*pairs))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert 'class="portal-error-summary"' in html and 'href="#periods-' in html
    for start, end in pairs:
        assert f'value="{start}"' in html or not start
    with app.test_request_context("/"):
        assert site_settings.value("OFFICE_HOURS") == app.config["OFFICE_HOURS"]


def test_a_period_can_be_added_without_javascript(editor, session):
    response = editor.post("/quan-tri/thong-tin/gio-lam-viec", data={
        **_periods(("07:00", "11:30"), ("13:30", "17:00")), "them-khoang": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="periods-2-start"' in html
    assert 'value="13:30"' in html
    assert _fresh(session).scalar(select(func.count()).select_from(SiteSetting)) == 0


# --- Logo ---------------------------------------------------------------------------------------

def _upload(client, data: bytes, name: str):
    # Encoded here, in memory: the test client would spool a large body to a temporary file
    # it never closes.
    boundary, body = encode_multipart({"logo": FileStorage(io.BytesIO(data), filename=name)})
    return client.post("/quan-tri/thong-tin/bieu-trung", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_a_png_logo_is_used_and_served_as_an_image(editor, client, session):
    client.get("/")  # cached for anonymous visitors
    assert _upload(editor, PNG, "logo.png").status_code == 303
    sha = _fresh(session).get(SiteSetting, "LOGO_SHA256").value
    assert f'src="/logo/{sha}"' in client.get("/").get_data(as_text=True)
    response = client.get(f"/logo/{sha}")
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get(f"/logo/{sha}", headers={"If-None-Match": response.headers["ETag"]}
                      ).status_code == 304
    # Only the logo in use is served there, never another stored file.
    other = _fresh(session).scalar(select(FormFile.sha256).where(FormFile.sha256.is_not(None)))
    assert client.get(f"/logo/{other}").status_code == 404
    assert client.get("/logo/not-a-digest").status_code == 404
    editor.post("/quan-tri/thong-tin/mac-dinh", data={"key": "LOGO_SHA256"})
    assert "img/logo.svg" in client.get("/").get_data(as_text=True)
    assert client.get(f"/logo/{sha}").status_code == 404


@pytest.mark.parametrize(("data", "name", "message"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg",
     "ảnh SVG"),
    (b"<!doctype html><html><body>hi</body></html>", "logo.png", "trang web"),
    (PDF, "logo.pdf", "tài liệu PDF"),
    (PNG + b"\0" * (1024 * 1024), "big.png", "lớn hơn 1 MB"),
])
def test_other_files_are_refused_as_logos(editor, session, data, name, message):
    response = _upload(editor, data, name)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and 'id="logo-error"' in html
    assert _fresh(session).get(SiteSetting, "LOGO_SHA256") is None


# --- Agencies -----------------------------------------------------------------------------------

def _agency_data(session, **overrides) -> dict:
    return {"code": "000.05.99.H49", "name": "Phòng Nội vụ", "name_en": "Home Affairs Division",
            "level": "unit", "parent": str(_agency(session, COMMUNE).id),
            "receives_dossiers": "", "address": "Tầng 2, trụ sở xã", "phone": "0203 3800 005",
            "email": "noivu@minhhoa.example.gov.vn",
            "description": "**Tham mưu** về tổ chức.\n\n<script>alert(1)</script>",
            "description_en": "", **overrides}


def test_an_agency_is_created_edited_and_shown_publicly(editor, client, session):
    client.get("/gioi-thieu")
    response = editor.post("/quan-tri/co-quan/moi", data=_agency_data(session))
    assert response.status_code == 303 and "#co-quan-" in response.headers["Location"]
    agency = _agency(session, "000.05.99.H49")
    assert agency.parent.code == COMMUNE and agency.level is AgencyLevel.UNIT
    assert "<strong>Tham mưu</strong>" in agency.description_html
    assert "<script" not in agency.description_html
    assert "Phòng Nội vụ" in client.get("/gioi-thieu").get_data(as_text=True)
    assert "noivu@minhhoa.example.gov.vn" in client.get("/lien-he").get_data(as_text=True)
    response = editor.post(f"/quan-tri/co-quan/{agency.id}", data=_agency_data(
        session, name="Phòng Nội vụ và Tổ chức", code="000.05.99.h49"))
    assert response.status_code == 303
    agency = _agency(session, "000.05.99.H49")
    assert agency.name == "Phòng Nội vụ và Tổ chức" and not agency.receives_dossiers
    assert "Phòng Nội vụ và Tổ chức" in client.get("/gioi-thieu").get_data(as_text=True)
    assert {"agency_created", "agency_updated"} <= set(_actions(session))


def test_only_administrators_change_what_decides_officers_dossier_scope(editor, app, session):
    """Officers see the dossiers of their agency's subtree: moving an agency in the tree or
    making it receive dossiers widens what someone sees, so editors may not do it."""
    unit = _agency(session, UNIT)
    other = _agency(session, "000.02.99.H49")
    data = _agency_data(session, code=unit.code, name=unit.name, level=unit.level.value,
                        parent=str(unit.parent_id),
                        receives_dossiers="y" if unit.receives_dossiers else "")
    page = editor.get(f"/quan-tri/co-quan/{unit.id}").get_data(as_text=True)
    assert "chỉ quản trị viên được thay đổi" in page
    for change in ({"parent": str(other.id)},
                   {"receives_dossiers": "" if unit.receives_dossiers else "y"}):
        response = editor.post(f"/quan-tri/co-quan/{unit.id}", data={**data, **change})
        assert response.status_code == 422, change
        assert "Chỉ quản trị viên được thay đổi mục này" in response.get_data(as_text=True)
    assert (_agency(session, UNIT).parent_id, _agency(session, UNIT).receives_dossiers) == (
        unit.parent_id, unit.receives_dossiers)
    admin = app.test_client()
    login(admin, "quantri@demo.local")
    assert admin.get(f"/quan-tri/co-quan/{unit.id}").status_code == 200
    response = admin.post(f"/quan-tri/co-quan/{unit.id}", data={**data, "parent": str(other.id)})
    assert response.status_code == 303
    assert _agency(session, UNIT).parent_id == other.id
    assert _fresh(session).scalars(select(AuditEvent).where(
        AuditEvent.action == "agency_updated")).all()[-1].details["changed"].count("parent_id") == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"code": "000.05.99"}, "Nhập mã định danh đúng dạng 000.00.00.H49"),
    ({"code": "H49.05.99.000"}, "Nhập mã định danh đúng dạng 000.00.00.H49"),
    ({"code": UNIT}, "Mã định danh này đã dùng cho một cơ quan, đơn vị khác."),
    ({"name": ""}, "Nhập tên cơ quan, đơn vị."),
    ({"email": "noivu@"}, "Nhập địa chỉ thư điện tử đúng dạng"),
    ({"parent": "999999"}, "Chọn cơ quan cấp trên trong danh sách."),
])
def test_invalid_agencies_are_refused(editor, session, overrides, message):
    response = editor.post("/quan-tri/co-quan/moi", data=_agency_data(session, **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert 'value="Tầng 2, trụ sở xã"' in html
    assert _agency(session, "000.05.99.H49") is None


def test_an_agency_cannot_be_placed_under_itself_or_its_units(editor, session):
    commune = _agency(session, COMMUNE)
    data = _agency_data(session, code=COMMUNE, name=commune.name, level="commune")
    for parent in (commune.id, _agency(session, UNIT).id):
        response = editor.post(f"/quan-tri/co-quan/{commune.id}", data={
            **data, "parent": str(parent)})
        assert response.status_code == 422
        assert "làm cơ quan cấp trên" in response.get_data(as_text=True)
    assert _agency(session, COMMUNE).parent.code == "000.00.00.H49"
    page = editor.get(f"/quan-tri/co-quan/{commune.id}").get_data(as_text=True)
    assert f'<option value="{_agency(session, UNIT).id}"' not in page  # not even offered


def test_an_agency_in_use_is_kept_and_the_page_says_why(editor, session):
    unit = _agency(session, UNIT)
    page = editor.get(f"/quan-tri/co-quan/{unit.id}/xoa").get_data(as_text=True)
    assert "Chưa xóa được" in page and "thủ tục hành chính do đơn vị giải quyết" in page
    response = editor.post(f"/quan-tri/co-quan/{unit.id}/xoa")
    assert response.status_code == 409 and _agency(session, UNIT) is not None
    commune = _agency(session, COMMUNE)
    text = editor.get(f"/quan-tri/co-quan/{commune.id}/xoa").get_data(as_text=True)
    assert "đơn vị trực thuộc" in text and "tài khoản cán bộ" in text


def test_an_unused_agency_and_its_officials_are_deleted(editor, session):
    editor.post("/quan-tri/co-quan/moi", data=_agency_data(session))
    agency = _agency(session, "000.05.99.H49")
    editor.post(f"/quan-tri/co-quan/{agency.id}/dau-moi/moi", data={
        "name": "Lò Văn Tạm", "title": "Trưởng phòng", "agency": str(agency.id)})
    assert "Xóa cơ quan, đơn vị" in editor.get(
        f"/quan-tri/co-quan/{agency.id}/xoa").get_data(as_text=True)
    assert editor.post(f"/quan-tri/co-quan/{agency.id}/xoa").status_code == 303
    assert _agency(session, "000.05.99.H49") is None
    assert session.scalar(select(Official).where(Official.name == "Lò Văn Tạm")) is None
    assert "agency_deleted" in _actions(session)


def test_agencies_move_up_and_down_among_their_siblings(editor, session):
    def order() -> list[str]:
        commune = _agency(session, COMMUNE)
        return [a.code for a in sorted(commune.children, key=lambda a: a.sort_order)]

    before = order()
    moved = _agency(session, before[2])
    response = editor.post(f"/quan-tri/co-quan/{moved.id}/di-chuyen", data={"huong": "len"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#co-quan-{moved.id}")
    assert order() == [before[0], before[2], before[1], *before[3:]]
    editor.post(f"/quan-tri/co-quan/{moved.id}/di-chuyen", data={"huong": "xuong"})
    assert order() == before
    first = _agency(session, before[0])
    editor.post(f"/quan-tri/co-quan/{first.id}/di-chuyen", data={"huong": "len"})
    assert order() == before  # already first
    assert editor.post(f"/quan-tri/co-quan/{first.id}/di-chuyen").status_code == 400
    assert "agency_moved" in _actions(session)


# --- Contact officials --------------------------------------------------------------------------

def test_officials_are_created_edited_reordered_and_deleted(editor, client, session):
    unit = _agency(session, UNIT)
    response = editor.post(f"/quan-tri/co-quan/{unit.id}/dau-moi/moi", data={
        "name": "Đặng Thị Mới", "title": "Trưởng phòng", "title_en": "Head of Division",
        "agency": str(unit.id), "phone": "0203 3800 003", "email": "moi@minhhoa.example.gov.vn"})
    assert response.status_code == 303
    official = _fresh(session).scalar(select(Official).where(Official.name == "Đặng Thị Mới"))
    html = client.get("/gioi-thieu").get_data(as_text=True)
    assert "Đặng Thị Mới" in html and "tel:02033800003" in html
    assert "Head of Division" in client.get("/gioi-thieu?lang=en").get_data(as_text=True)
    assert "Đặng Thị Mới" in editor.get("/quan-tri/co-quan").get_data(as_text=True)
    response = editor.post(f"/quan-tri/dau-moi/{official.id}", data={
        "name": "Đặng Thị Mới", "title": "Phó Trưởng phòng", "agency": str(unit.id),
        "email": "sai@"})
    assert response.status_code == 422 and 'value="Phó Trưởng phòng"' in response.get_data(
        as_text=True)
    editor.post(f"/quan-tri/dau-moi/{official.id}", data={
        "name": "Đặng Thị Mới", "title": "Phó Trưởng phòng", "agency": str(unit.id)})
    assert "Phó Trưởng phòng" in client.get("/gioi-thieu").get_data(as_text=True)
    _move_official_up_within_its_agency(editor, session, unit)
    assert editor.post(f"/quan-tri/dau-moi/{official.id}/xoa").status_code == 303
    assert "Đặng Thị Mới" not in client.get("/gioi-thieu").get_data(as_text=True)
    assert {"official_created", "official_updated", "official_moved",
            "official_deleted"} <= set(_actions(session))


def _move_official_up_within_its_agency(editor, session, unit) -> None:
    editor.post(f"/quan-tri/co-quan/{unit.id}/dau-moi/moi", data={
        "name": "Vi Văn Sau", "title": "Chuyên viên", "agency": str(unit.id)})
    people = list(_fresh(session).scalars(select(Official).where(
        Official.agency_id == unit.id).order_by(Official.sort_order)))
    last = people[-1]
    assert last.name == "Vi Văn Sau"
    editor.post(f"/quan-tri/dau-moi/{last.id}/di-chuyen", data={"huong": "len"})
    people = list(_fresh(session).scalars(select(Official).where(
        Official.agency_id == unit.id).order_by(Official.sort_order)))
    assert people[-2].name == "Vi Văn Sau"


# --- Fields -------------------------------------------------------------------------------------

def test_fields_are_created_edited_reordered_and_deleted(editor, session):
    response = editor.post("/quan-tri/linh-vuc/moi", data={
        "code": "h49-tn", "name": "Tài nguyên nước", "description": "Cấp phép khai thác."})
    assert response.status_code == 303
    field = _fresh(session).scalar(select(Field).where(Field.code == "H49-TN"))
    field_id = field.id
    assert field.slug == "tai-nguyen-nuoc" and field.name == "Tài nguyên nước"
    editor.post(f"/quan-tri/linh-vuc/{field.id}", data={
        "code": "H49-TNN", "name": "Tài nguyên nước ngầm", "description": ""})
    field = _fresh(session).get(Field, field.id)
    assert (field.code, field.name, field.slug) == ("H49-TNN", "Tài nguyên nước ngầm",
                                                    "tai-nguyen-nuoc")
    editor.post(f"/quan-tri/linh-vuc/{field.id}/di-chuyen", data={"huong": "len"})
    ordered = list(_fresh(session).scalars(select(Field).order_by(Field.sort_order)))
    assert ordered[-2].id == field.id
    assert editor.post(f"/quan-tri/linh-vuc/{field.id}/xoa").status_code == 303
    assert _fresh(session).get(Field, field_id) is None
    assert {"field_created", "field_updated", "field_moved",
            "field_deleted"} <= set(_actions(session))


@pytest.mark.parametrize(("data", "message"), [
    ({"code": "HT", "name": "Mới"}, "Nhập mã lĩnh vực đúng dạng H49-HT"),
    ({"code": "H49-", "name": "Mới"}, "Nhập mã lĩnh vực đúng dạng H49-HT"),
    ({"code": "H49-HT", "name": "Mới"}, "Mã lĩnh vực này đã dùng cho một lĩnh vực khác."),
    ({"code": "H49-XX", "name": "Hộ tịch"}, "Đã có lĩnh vực mang tên này."),
])
def test_invalid_fields_are_refused(editor, session, data, message):
    response = editor.post("/quan-tri/linh-vuc/moi", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_field_with_procedures_is_kept(editor, session):
    field = _fresh(session).scalar(select(Field).where(Field.code == "H49-HT"))
    page = editor.get(f"/quan-tri/linh-vuc/{field.id}/xoa").get_data(as_text=True)
    assert "Chưa xóa được" in page and "thủ tục hành chính thuộc lĩnh vực này" in page
    assert editor.post(f"/quan-tri/linh-vuc/{field.id}/xoa").status_code == 409
    assert _fresh(session).get(Field, field.id) is not None


# --- Shared catalogues --------------------------------------------------------------------------

def test_the_shared_catalogues_reload_as_a_background_job(editor, session):
    units = _fresh(session).scalar(select(func.count()).select_from(AdminUnit))
    entries = session.scalar(select(func.count()).select_from(CodeEntry))
    page = editor.get("/quan-tri/co-quan").get_data(as_text=True)
    assert "Cập nhật từ gói dữ liệu" in page and "3.321" in page
    response = editor.post("/quan-tri/co-quan/danh-muc", headers=htmx_headers())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "Đã xong." in html
    job = _fresh(session).scalar(select(Job).where(Job.kind == "reference.reload"))
    assert job.status is JobStatus.DONE and job.result["admin_units"] == units
    # Loading again changed nothing: the loaders are upserts.
    assert session.scalar(select(func.count()).select_from(AdminUnit)) == units
    assert session.scalar(select(func.count()).select_from(CodeEntry)) == entries
    assert "reference_reload_requested" in _actions(session)
    assert "Đã xong." in editor.get("/quan-tri/co-quan").get_data(as_text=True)


# --- Markup -------------------------------------------------------------------------------------

def test_the_pages_are_valid_html(editor, session, tmp_path):
    from tests.test_html_valid import validate

    ids = _ids(session)
    documents = {path: editor.get(path.format(**ids)).get_data(as_text=True) for path in PAGES}
    documents["settings with errors"] = editor.post(
        "/quan-tri/thong-tin/gio-lam-viec",
        data=_periods(("07:00", "11:30"), ("11:00", "x"))).get_data(as_text=True)
    documents["agency with errors"] = editor.post("/quan-tri/co-quan/moi", data={
        "code": "x"}).get_data(as_text=True)
    assert validate(documents, tmp_path) == {}
