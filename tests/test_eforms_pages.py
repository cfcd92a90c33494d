"""E-form pages through the Flask client: start, fill, check, autosave, conflict, file, print.

Requirement IDs: TT32-EF-1..4, TT32-11.2c-1 (auto-fill), TT32-11.2c-2 (format checks),
TT32-11.x-AUTH (submitting needs an account), TT21-05.1-05 (interactive e-forms).
"""
from __future__ import annotations

import json
import re
import unicodedata

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Draft, FormSpec
from tests.conftest import login

BIRTH = "1.001193"
BUSINESS = "1.001612"


def _start(client, code=BIRTH) -> str:
    """Start a draft; return the path of its first page."""
    response = client.post(f"/nop-ho-so/{code}")
    assert response.status_code == 303
    return response.headers["Location"]


def _revision(html: str) -> str:
    return re.search(r'name="_revision" value="(\d+)"', html).group(1)


def _draft(app) -> Draft:
    with app.app_context():
        draft = db.session.scalars(select(Draft).order_by(Draft.id.desc())).first()
        db.session.expunge(draft)
        return draft


def test_six_procedures_have_interactive_forms(app, demo):
    """TT21-05.1-05: the six demo procedures of the issue have their tờ khai as data."""
    with app.app_context():
        codes = set(db.session.scalars(select(FormSpec.procedure).with_only_columns(
            FormSpec.procedure_id)).all())
        specs = db.session.scalars(select(FormSpec)).all()
        assert {s.procedure.code for s in specs} >= {
            "1.001193", "1.000894", "1.000656", "1.004873", "1.001612", "1.013225"}
        assert len(codes) == len(specs)


def test_procedure_page_offers_online_application_where_a_form_exists(client, demo):
    html = client.get(f"/thu-tuc/{BIRTH}").get_data(as_text=True)
    assert f'href="/nop-ho-so/{BIRTH}"' in html
    html = client.get("/thu-tuc/2.000635").get_data(as_text=True)  # no e-form yet
    assert "/nop-ho-so/2.000635" not in html


def test_anyone_can_start_and_the_draft_link_is_secret(client, demo, app):
    start = client.get(f"/nop-ho-so/{BIRTH}")
    assert start.status_code == 200 and "Bắt đầu khai" in start.get_data(as_text=True)
    path = _start(client)
    token = path.rsplit("/", 1)[-1]
    assert len(token) >= 30
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Người yêu cầu" in html and 'name="nyc_ho_ten"' in html
    # Only the hash of the secret is stored.
    assert _draft(app).token_hash != token and len(_draft(app).token_hash) == 64
    assert app.test_client().get("/nop-ho-so/nhap/khong-co-that").status_code == 404


def test_every_input_has_a_visible_hint_linked_by_aria(client, demo):
    """TT32-EF-3: count of inputs = count of help nodes."""
    html = client.get(_start(client)).get_data(as_text=True)
    groups = re.findall(
        r'<div class="portal-form-group portal-eform-field[^"]*" id="([^"]+)-group"', html)
    assert len(groups) >= 6
    for group_id in groups:
        assert f'id="{group_id}-hint"' in html
        assert f'aria-describedby="{group_id}-hint' in html
    assert html.count('<details class="portal-details">') >= 2


def test_catalogue_fields_are_pick_lists(client, demo):
    """TT32-EF-2: known values (ID document type, province) are offered as selections."""
    html = client.get(_start(client)).get_data(as_text=True)
    assert re.search(r'<select[^>]+name="nyc_loai_giay_to"', html)
    assert re.search(r'<select[^>]+name="nyc_noi_cu_tru-tinh"', html)
    assert "Quảng Ninh" in html


@pytest.mark.parametrize("value, message", [
    ("12345", "Số định danh cá nhân gồm đúng 12 chữ số."),
    ("001099012345", "không khớp với ngày sinh"),
])
def test_a_wrong_cccd_gets_an_inline_error_as_fragment_and_page(client, demo, value, message):
    """TT32-11.2c-2: a single field is checked by htmx with the same rules as the page."""
    path = _start(client)
    data = {"nyc_loai_giay_to": "CCCD", "nyc_so_dinh_danh": value, "nyc_ngay_sinh-ngay": "1",
            "nyc_ngay_sinh-thang": "2", "nyc_ngay_sinh-nam": "1990"}
    url = f"{path}/kiem-tra?phan=nguoi-yeu-cau&truong=nyc_so_dinh_danh"
    fragment = client.post(url, data=data, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert html.startswith(
        '<div class="portal-form-group portal-eform-field portal-form-group--error"')
    assert message in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="f-nyc-so-dinh-danh-hint f-nyc-so-dinh-danh-error"' in html
    assert f'value="{value}"' in html  # what was typed is kept
    # The same check on the whole page (no JavaScript): error summary, "Lỗi:" title.
    page = client.post(f"{path}?phan=nguoi-yeu-cau", data={**data, "action": "tiep-tuc"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "<title>Lỗi: " in html and 'data-module="error-summary"' in html
    assert message in html and f'value="{value}"' in html


def test_field_check_and_commune_list_without_htmx_give_the_whole_page(client, demo, app):
    path = _start(client)
    page = client.post(f"{path}/kiem-tra?phan=nguoi-yeu-cau&truong=nyc_dien_thoai_khong_co")
    assert page.status_code == 404
    page = client.post(f"{path}/kiem-tra?phan=nguoi-yeu-cau&truong=nyc_ho_ten",
                       data={"nyc_ho_ten": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "<html" in html and "Hãy nhập họ, chữ đệm, tên" in html
    with app.app_context():
        from portal.services import profiles
        province = profiles.provinces(db.session)[0]
    html = client.get(f"{path}/xa?phan=nguoi-yeu-cau&truong=nyc_noi_cu_tru"
                      f"&nyc_noi_cu_tru-tinh={province.id}").get_data(as_text=True)
    assert "<html" in html
    options = re.search(r'name="nyc_noi_cu_tru-xa">(.*?)</select>', html, re.S).group(1)
    assert options.count("<option") > 5


def test_a_valid_field_is_normalised_and_the_error_goes(client, demo):
    path = _start(client)
    data = {"nyc_loai_giay_to": "CCCD", "nyc_so_dinh_danh": "022 190 012 345",
            "nyc_ngay_sinh-ngay": "1", "nyc_ngay_sinh-thang": "2", "nyc_ngay_sinh-nam": "1990"}
    html = client.post(f"{path}/kiem-tra?phan=nguoi-yeu-cau&truong=nyc_so_dinh_danh",
                       data=data, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "portal-form-group--error" not in html and 'value="022190012345"' in html


def test_no_js_path_saves_checks_and_moves_on(client, demo, app):
    path = _start(client)
    page = client.get(path).get_data(as_text=True)
    form = {"_revision": _revision(page), "action": "luu-nhap", "nyc_ho_ten": "Trần Thị Lan"}
    saved = client.post(f"{path}?phan=nguoi-yeu-cau", data=form)
    assert saved.status_code == 303
    again = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert 'value="Trần Thị Lan"' in again and "Đã lưu bản nháp lúc" in again
    # "Lưu và tiếp tục" with every required field of the first section filled.
    form = {"_revision": _revision(again), "action": "tiep-tuc", "nyc_ho_ten": "Trần Thị Lan",
            "nyc_ngay_sinh-ngay": "27-03-1990", "nyc_loai_giay_to": "CCCD",
            "nyc_so_dinh_danh": "022190012345", "nyc_quan_he": "me"}
    with app.app_context():
        from portal.services import profiles
        province = profiles.provinces(db.session)[0]
        commune = profiles.communes(db.session, province.id)[0]
    form.update({"nyc_noi_cu_tru-tinh": str(province.id), "nyc_noi_cu_tru-xa": str(commune.id),
                 "nyc_noi_cu_tru-duong": "Số 3, tổ 5"})
    moved = client.post(f"{path}?phan=nguoi-yeu-cau", data=form)
    html = moved.get_data(as_text=True)
    assert moved.status_code == 303, re.findall(r'portal-error-message[^>]*>(.*?)</p>', html)
    assert "phan=" in moved.headers["Location"]
    data = _draft(app).data
    # dd-mm-yyyy typed in the day box is spread over day, month and year.
    assert (data["nyc_ngay_sinh-ngay"], data["nyc_ngay_sinh-thang"],
            data["nyc_ngay_sinh-nam"]) == ("27", "3", "1990")


def test_no_js_province_step_lists_the_communes(client, demo, app):
    path = _start(client)
    page = client.get(path).get_data(as_text=True)
    with app.app_context():
        from portal.services import profiles
        province = profiles.provinces(db.session)[0]
    response = client.post(f"{path}?phan=nguoi-yeu-cau", data={
        "_revision": _revision(page), "action": "chon-tinh:nyc_noi_cu_tru",
        "nyc_noi_cu_tru-tinh": str(province.id), "nyc_ho_ten": "Giữ lại"})
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "#f-nyc-noi-cu-tru-xa")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    options = re.search(r'name="nyc_noi_cu_tru-xa">(.*?)</select>', html, re.S).group(1)
    assert options.count("<option") > 5 and 'value="Giữ lại"' in html


def test_communes_fragment_follows_the_province(client, demo, app):
    path = _start(client)
    with app.app_context():
        from portal.services import profiles
        province = profiles.provinces(db.session)[0]
    url = (f"{path}/xa?phan=nguoi-yeu-cau&truong=nyc_noi_cu_tru"
           f"&nyc_noi_cu_tru-tinh={province.id}")
    html = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.startswith('<div class="portal-form-group" id="f-nyc-noi-cu-tru-xa-wrap">')
    assert html.count("<option") > 5


def test_autosave_saves_and_detects_stale_writes(client, demo, app):
    path = _start(client)
    revision = int(_revision(client.get(path).get_data(as_text=True)))
    first = client.post(f"{path}/luu", data={"_revision": revision, "nyc_ho_ten": "Lan"})
    assert first.status_code == 200 and first.get_json()["revision"] == revision + 1
    # Another tab, still at the old revision, is told, not silently applied.
    stale = client.post(f"{path}/luu", data={"_revision": revision, "nyc_ho_ten": "Khác"})
    assert stale.status_code == 409 and stale.get_json()["error"] == "conflict"
    assert _draft(app).data["nyc_ho_ten"] == "Lan"
    # ... unless the person chooses to overwrite.
    forced = client.post(f"{path}/luu", data={"_revision": revision, "_force": "1",
                                              "nyc_ho_ten": "Khác"})
    assert forced.status_code == 200 and _draft(app).data["nyc_ho_ten"] == "Khác"
    # Unknown names are not stored.
    client.post(f"{path}/luu", data={"_revision": forced.get_json()["revision"],
                                     "la": "x" * 10})
    assert "la" not in _draft(app).data


def test_no_js_save_from_a_stale_page_keeps_the_input_and_explains(client, demo):
    path = _start(client)
    revision = _revision(client.get(path).get_data(as_text=True))
    client.post(f"{path}/luu", data={"_revision": revision, "nyc_ho_ten": "Tab một"})
    response = client.post(f"{path}?phan=nguoi-yeu-cau", data={
        "_revision": revision, "action": "luu-nhap", "nyc_ho_ten": "Tab hai"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Bản nháp vừa được sửa ở nơi khác" in html and 'value="Tab hai"' in html


def test_conditional_fields_are_ignored_when_hidden(client, demo):
    """A passport holder is not asked for the 12-digit number (show_if)."""
    path = _start(client)
    html = client.post(f"{path}?phan=nguoi-yeu-cau", data={
        "action": "tiep-tuc", "nyc_loai_giay_to": "HC", "nyc_so_dinh_danh": "sai"}
    ).get_data(as_text=True)
    assert "Số định danh cá nhân gồm đúng 12 chữ số." not in html
    assert "Hãy nhập số, ngày cấp, cơ quan cấp giấy tờ." in html


def test_groups_grow_and_shrink_without_javascript(client, demo):
    path = _start(client, BUSINESS)
    spec_page = client.get(path).get_data(as_text=True)
    sections = re.findall(r'phan=([a-z0-9-]+)"', spec_page)
    for key in dict.fromkeys(sections):
        html = client.get(f"{path}?phan={key}").get_data(as_text=True)
        match = re.search(r'value="them:([a-z0-9_]+)"', html)
        if match:
            break
    group = match.group(1)
    before = html.count('class="portal-fieldset portal-group__item"')
    added = client.post(f"{path}?phan={key}", data={"_revision": _revision(html),
                                                    "action": f"them:{group}"})
    assert added.headers["Location"].endswith(f"#nhom-{group}")
    html = client.get(added.headers["Location"]).get_data(as_text=True)
    assert html.count('class="portal-fieldset portal-group__item"') == before + 1
    removed = client.post(f"{path}?phan={key}", data={"_revision": _revision(html),
                                                      "action": f"xoa:{group}:{before}"})
    html = client.get(removed.headers["Location"]).get_data(as_text=True)
    assert html.count('class="portal-fieldset portal-group__item"') == before


def test_download_and_restore_give_the_same_values(client, demo, app):
    """TT32-EF-4: the entered data as a file the portal reads back."""
    path = _start(client)
    revision = _revision(client.get(path).get_data(as_text=True))
    client.post(f"{path}/luu", data={"_revision": revision, "nyc_ho_ten": "Đỗ Thị Hà",
                                     "ks_ho_ten": "Đỗ Minh Khôi"})
    download = client.get(f"{path}/tai-ve.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    document = json.loads(download.data)
    assert document["procedure"] == BIRTH and document["version"] == 1
    assert document["values"]["nyc_ho_ten"] == "Đỗ Thị Hà" and len(document["checksum"]) == 64
    saved = _draft(app).data
    client.post(f"{path}/luu", data={"_revision": _draft(app).revision, "nyc_ho_ten": "Đã đổi"})
    from io import BytesIO

    restored = client.post(f"{path}/mo-tu-tep", data={"tep": (BytesIO(download.data), "a.json")},
                           content_type="multipart/form-data")
    assert restored.status_code == 303
    assert _draft(app).data == saved


@pytest.mark.parametrize("content, message", [
    (b"not json", "không phải tệp hồ sơ nháp"),
    (b'{"format": "khac"}', "không phải tệp hồ sơ nháp"),
    (None, "mã kiểm tra không khớp"),
])
def test_a_damaged_or_foreign_file_is_refused_and_the_draft_is_untouched(
        client, demo, app, content, message):
    from io import BytesIO

    path = _start(client)
    revision = _revision(client.get(path).get_data(as_text=True))
    client.post(f"{path}/luu", data={"_revision": revision, "nyc_ho_ten": "Giữ nguyên"})
    if content is None:  # a real file, edited by hand
        content = client.get(f"{path}/tai-ve.json").data.replace(
            "Giữ nguyên".encode(), "Sửa tay".encode())
    before = _draft(app)
    response = client.post(f"{path}/mo-tu-tep", data={"tep": (BytesIO(content), "x.json")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert message in response.get_data(as_text=True)
    after = _draft(app)
    assert after.data == before.data and after.revision == before.revision


def test_print_view_has_the_official_headings(client, demo):
    path = _start(client)
    revision = _revision(client.get(path).get_data(as_text=True))
    client.post(f"{path}/luu", data={"_revision": revision, "nyc_ho_ten": "Phạm Thu Trang"})
    html = client.get(f"{path}/ban-in").get_data(as_text=True)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Độc lập - Tự do - Hạnh phúc" in html
    assert "Kính gửi" in html and "Phạm Thu Trang" in html
    assert "(Ký, ghi rõ họ, chữ đệm, tên)" in html


def test_logged_in_citizen_gets_the_profile_filled_in(client, demo):
    """TT32-11.2c-1: name, ID number, address and phone come from the profile."""
    login(client, "congdan@demo.local")
    html = client.get(_start(client)).get_data(as_text=True)
    assert 'name="nyc_ho_ten" type="text" inputmode="text" value="Nguyễn Thị Minh Anh"' in html
    assert re.search(r'name="nyc_so_dinh_danh"[^>]*value="\d{12}"', html)


def test_logging_in_attaches_the_draft_and_then_only_its_owner_opens_it(client, demo, app):
    path = _start(client)
    revision = _revision(client.get(path).get_data(as_text=True))
    client.post(f"{path}/luu", data={"_revision": revision, "ks_ho_ten": "Bé Na"})
    login(client, "congdan@demo.local")
    draft = _draft(app)
    assert draft.user_id is not None and draft.data["ks_ho_ten"] == "Bé Na"
    assert draft.data["nyc_ho_ten"] == "Nguyễn Thị Minh Anh"  # empty fields filled in
    listed = client.get("/nop-ho-so/ban-nhap").get_data(as_text=True)
    assert f"/nop-ho-so/ban-nhap/{draft.id}" in listed
    # Someone else with the link: not found; nobody logged in: asked to log in.
    stranger = app.test_client()
    assert stranger.get(path).status_code in (302, 303)
    assert stranger.post(f"{path}/luu", data={"nyc_ho_ten": "x"}).status_code == 401
    login(stranger, "motcua@demo.local")
    assert stranger.get(path).status_code == 404


def test_earlier_answers_are_offered_again(client, demo, app):
    """Once-only: applicant data given in one draft fills the next form."""
    login(client, "congdan@demo.local")
    path = _start(client)
    revision = _revision(client.get(path).get_data(as_text=True))
    client.post(f"{path}/luu", data={"_revision": revision, "nyc_loai_giay_to": "HC",
                                     "nyc_so_giay_to": "Hộ chiếu C1234567"})
    html = client.get(_start(client, "1.000656")).get_data(as_text=True)
    selected = re.search(r'<option value="HC" selected>', html)
    assert selected, "the ID-document type of the earlier draft is pre-selected"


def test_account_deletion_removes_drafts(client, demo, app):
    login(client, "congdan@demo.local")
    _start(client)
    response = client.post("/tai-khoan/xoa-tai-khoan", data={
        "current_password": "Demo@12345", "confirm": "y"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Draft)) is None


def test_filled_pdf_contains_the_vietnamese_text(client, demo):
    """TT32-EF-4: the printable PDF renders Vietnamese (checked by extracting its text)."""
    from io import BytesIO

    from pypdf import PdfReader

    path = _start(client)
    revision = _revision(client.get(path).get_data(as_text=True))
    client.post(f"{path}/luu", data={"_revision": revision,
                                     "nyc_ho_ten": "Nguyễn Thị Thủy Tiên",
                                     "ks_ho_ten": "Trương Đức Huỳnh"})
    response = client.get(f"{path}/ban-in.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    for expected in ("Nguyễn Thị Thủy Tiên", "Trương Đức Huỳnh", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA",
                     "Kính gửi", "Độc lập - Tự do - Hạnh phúc"):
        assert expected in unicodedata.normalize("NFC", text), expected


@pytest.mark.parametrize("code", ["1.001193", "1.000894", "1.000656", "1.004873", "1.001612",
                                  "1.013225"])
def test_blank_forms_download_as_docx_and_pdf(client, demo, code):
    """TT32-LV2: every e-form is also a non-interactive form with the official headings."""
    from io import BytesIO

    from docx import Document
    from pypdf import PdfReader

    page = client.get(f"/thu-tuc/{code}").get_data(as_text=True)
    assert f"/nop-ho-so/{code}/to-khai.pdf" in page and f"/nop-ho-so/{code}/to-khai.docx" in page
    pdf = client.get(f"/nop-ho-so/{code}/to-khai.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = unicodedata.normalize("NFC", PdfReader(BytesIO(pdf.data)).pages[0].extract_text())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Kính gửi" in text
    docx = client.get(f"/nop-ho-so/{code}/to-khai.docx")
    assert docx.status_code == 200 and docx.mimetype.endswith("wordprocessingml.document")
    paragraphs = [p.text for p in Document(BytesIO(docx.data)).paragraphs]
    assert "Độc lập - Tự do - Hạnh phúc" in paragraphs
    assert any(p.startswith("NGƯỜI YÊU CẦU") for p in paragraphs)


def test_the_draft_link_can_be_emailed(client, demo, mail):
    path = _start(client)
    response = client.post(f"{path}/gui-lien-ket", data={"email": "ban@example.com"},
                           follow_redirects=True)
    assert "Đã gửi đường dẫn tới ban@example.com." in response.get_data(as_text=True)
    assert mail.messages[-1]["To"] == "ban@example.com"
    assert mail.link() == path
    assert client.get(mail.link()).status_code == 200


def test_housekeeping_warns_then_deletes_expired_drafts(app, demo, runner):
    from datetime import timedelta

    from portal.models import OutboundMessage, User, utcnow

    client = app.test_client()
    login(client, "congdan@demo.local")
    _start(client)
    _start(client)
    with app.app_context():
        soon, gone = db.session.scalars(select(Draft).order_by(Draft.id)).all()
        soon.expires_at = utcnow() + timedelta(days=10)
        gone.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["drafts", "housekeeping"])
    assert "1 owners warned, 1 expired drafts deleted" in result.output
    with app.app_context():
        assert [d.reminded_at is not None for d in db.session.scalars(select(Draft))] == [True]
        email = db.session.scalar(select(User.email).where(User.email == "congdan@demo.local"))
        sent = db.session.scalars(select(OutboundMessage).where(
            OutboundMessage.recipient == email)).all()
        assert any("sắp bị xoá" in m.subject for m in sent)
    # A second run does not warn again.
    assert "0 owners warned" in runner.invoke(args=["drafts", "housekeeping"]).output
