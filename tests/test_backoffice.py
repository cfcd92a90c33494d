"""The one-stop back office (/mot-cua) through the Flask client: who gets in, the inbox,
receiving, processing, approval, results, slips, the desk, the register (issue 7;
TT22-PL2-02/07/08, ND61-17, ND61-LATE, ND45-14.3, TT01-FORMS)."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import (
    Agency,
    AuditEvent,
    Channel,
    Dossier,
    DossierResult,
    DossierStatus,
    Role,
)
from portal.services import accounts, files
from tests.conftest import htmx_headers, login
from tests.dossier_support import JPEG, PDF, component_ids
from tests.test_dossiers import _submitted

PASSWORD = "Demo@12345"


def _as(app, email: str):
    client = app.test_client()
    login(client, email)
    return client


def _post(client, code: str, action: str, **data):
    return client.post(f"/mot-cua/ho-so/{code}/thao-tac/{action}", data=data)


def _dossier(app, code: str) -> Dossier:
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        db.session.expunge(dossier)
        return dossier


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.data
    response.close()  # stored files are sent from disk
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())  # titles and long lines wrap


def _to_approval(app, client):
    """A dossier submitted online, accepted, assigned and proposed: waiting for approval."""
    dossier = _submitted(app, client)
    assert _post(_as(app, "motcua@demo.local"), dossier.code, "tiep-nhan").status_code == 303
    officer = _as(app, "chuyenvien@demo.local")
    assert _post(officer, dossier.code, "phan-cong").status_code == 303
    assert _post(officer, dossier.code, "trinh-duyet",
                 **{"noi-dung": "Đồng ý đăng ký khai sinh cho cháu."}).status_code == 303
    return dossier, officer


# --- Who gets in -------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["congdan@demo.local", "bientap@demo.local",
                                   "quantri@demo.local"])
def test_only_one_stop_officers_reach_the_back_office(app, demo, email):
    assert _as(app, email).get("/mot-cua").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, demo):
    response = client.get("/mot-cua")
    assert response.status_code in (302, 303) and "/tai-khoan/dang-nhap" in \
        response.headers["Location"]


def test_another_agencys_officer_does_not_see_the_dossier(app, client, demo):
    dossier = _submitted(app, client)
    with app.test_request_context():
        economy = db.session.scalar(select(Agency).where(Agency.code == "000.03.99.H49"))
        accounts.create_staff(db.session, None, email="kinhte@demo.local",
                              display_name="Cán bộ Kinh tế", roles={Role.PROCESSOR},
                              agency=economy, password="Mat-khau-kinh-te-2026")
        db.session.commit()
    other = app.test_client()
    login(other, "kinhte@demo.local", "Mat-khau-kinh-te-2026")
    assert other.get("/mot-cua").status_code == 200
    assert dossier.code not in other.get("/mot-cua?tab=cho-tiep-nhan").text
    for path in ("", "/mau-01.pdf", f"/tep/{1}"):
        assert other.get(f"/mot-cua/ho-so/{dossier.code}{path}").status_code == 404
    assert _post(other, dossier.code, "tiep-nhan").status_code == 404
    assert _as(app, "motcua@demo.local").get(f"/mot-cua/ho-so/{dossier.code}").status_code \
        == 200


# --- The inbox (TT22-PL2-08) ---------------------------------------------------------------


def test_the_inbox_lists_by_tab_with_counts_as_page_and_fragment(app, client, demo):
    dossier = _submitted(app, client)
    desk = _as(app, "motcua@demo.local")
    page = desk.get("/mot-cua")
    assert page.status_code == 200 and dossier.code in page.text
    assert "Chờ tiếp nhận" in page.text and "(1)" in page.text
    fragment = desk.get("/mot-cua?tab=cho-tiep-nhan", headers=htmx_headers())
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert fragment.text.lstrip().startswith('<div id="results">')
    assert dossier.code not in desk.get("/mot-cua?tab=dang-xu-ly").text


def test_search_by_code_or_name_ignores_tone_marks(app, client, demo):
    dossier = _submitted(app, client)
    desk = _as(app, "motcua@demo.local")
    for query in (dossier.code[-11:], "nguyen thi minh anh", "NGUYỄN THỊ", "minh anh"):
        assert dossier.code in desk.get("/mot-cua", query_string={"q": query}).text, query
    assert dossier.code not in desk.get("/mot-cua", query_string={"q": "tran van"}).text


@pytest.mark.dates
def test_overdue_and_near_due_dossiers_stand_out_in_words(app, client, demo):
    dossier = _submitted(app, client)
    with app.app_context():
        row = db.session.get(Dossier, dossier.id)
        row.due_date = clock.today() - timedelta(days=3)
        db.session.commit()
    desk = _as(app, "motcua@demo.local")
    page = desk.get("/mot-cua")
    assert "Quá hạn" in page.text and "portal-row--overdue" in page.text
    assert dossier.code in desk.get("/mot-cua?qua-han=1").text
    assert "Quá hạn" in desk.get(f"/mot-cua/ho-so/{dossier.code}").text


@pytest.mark.dates
def test_filters_narrow_the_inbox(app, client, demo):
    dossier = _submitted(app, client)
    desk = _as(app, "motcua@demo.local")
    assert dossier.code in desk.get("/mot-cua?kenh=2").text
    assert dossier.code not in desk.get("/mot-cua?kenh=1").text
    assert dossier.code not in desk.get("/mot-cua?cua-toi=1").text
    today = clock.today().isoformat()
    assert dossier.code in desk.get(f"/mot-cua?tu={today}&den={today}").text
    assert dossier.code not in desk.get("/mot-cua?tu=2020-01-01&den=2020-01-31").text


# --- From receipt to result --------------------------------------------------------------


def test_a_dossier_goes_from_receipt_to_an_electronic_result(app, client, demo, mail):
    dossier, officer = _to_approval(app, client)
    leader = _as(app, "lanhdao@demo.local")
    assert dossier.code in leader.get("/mot-cua?tab=cho-duyet").text
    assert "Đồng ý đăng ký khai sinh cho cháu." in leader.get(
        f"/mot-cua/ho-so/{dossier.code}").text
    assert _post(leader, dossier.code, "phe-duyet").status_code == 303
    desk = _as(app, "motcua@demo.local")
    assert _post(desk, dossier.code, "tra-ket-qua", **{"hinh-thuc": "2"}).status_code == 303
    with app.app_context():
        done = db.session.get(Dossier, dossier.id)
        assert done.status is DossierStatus.RETURNED and done.returned_via is Channel.ONLINE
        assert done.outcome in ("early", "on_time")
        result = done.results[0]
        assert result.code == f"{dossier.code}-KQ1"
        assert [e.action for e in done.events] == [
            "submit", "accept", "assign", "propose", "approve", "result", "return_result"]
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"dossier_accept", "dossier_assign", "dossier_propose",
                "dossier_approve", "dossier_return_result"} <= actions
    download = client.get(f"/ho-so/{dossier.code}/ket-qua/1")
    text = _pdf_text(download)
    assert result.code in text and "KẾT QUẢ GIẢI QUYẾT" in text
    assert "Đã trả kết quả" in mail.text()
    citizen_page = client.get(f"/ho-so/{dossier.code}")
    assert "Kết quả giải quyết" in citizen_page.text and "Ghi chú nội bộ" not in \
        citizen_page.text


def test_a_tampered_result_is_not_handed_out(app, client, demo):
    dossier, _officer = _to_approval(app, client)
    assert _post(_as(app, "lanhdao@demo.local"), dossier.code, "phe-duyet").status_code == 303
    with app.app_context():
        result = db.session.scalar(select(DossierResult))
        path = files.LocalFileStore(app.instance_path + "/uploads").path(result.sha256)
    path.write_bytes(path.read_bytes() + b"% altered")
    assert client.get(f"/ho-so/{dossier.code}/ket-qua/1").status_code == 409


def test_an_uploaded_signed_result_is_kept_as_it_is(app, client, demo):
    dossier, _officer = _to_approval(app, client)
    leader = _as(app, "lanhdao@demo.local")
    response = leader.post(f"/mot-cua/ho-so/{dossier.code}/thao-tac/phe-duyet",
                           data={"ket-qua": (io.BytesIO(PDF), "giay-khai-sinh-ky-so.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    served = client.get(f"/ho-so/{dossier.code}/ket-qua/1")
    assert served.data == PDF
    served.close()


def test_the_approver_can_send_the_proposal_back(app, client, demo):
    dossier, officer = _to_approval(app, client)
    leader = _as(app, "lanhdao@demo.local")
    refused = _post(leader, dossier.code, "tra-lai", **{"noi-dung": ""})
    assert refused.status_code == 422 and "Nhập ý kiến chỉ đạo" in refused.text
    assert _post(leader, dossier.code, "tra-lai",
                 **{"noi-dung": "Bổ sung căn cứ pháp lý."}).status_code == 303
    assert dossier.code in officer.get("/mot-cua?tab=dang-xu-ly").text
    page = officer.get(f"/mot-cua/ho-so/{dossier.code}")
    assert "Bổ sung căn cứ pháp lý." in page.text and "Trả lại để xử lý tiếp" in page.text


def test_a_refused_action_explains_itself_and_keeps_what_was_typed(app, client, demo):
    dossier = _submitted(app, client)
    desk = _as(app, "motcua@demo.local")
    response = _post(desk, dossier.code, "tu-choi", **{"ly-do": "x"})
    assert response.status_code == 422
    assert 'id="tt-tu-choi-error"' in response.text and "Nhập lý do từ chối." in response.text
    assert ">x</textarea>" in response.text
    officer = _as(app, "chuyenvien@demo.local")
    assert _post(officer, dossier.code, "tiep-nhan").status_code == 422  # not a receiver


def test_refusal_and_supplement_slips(app, client, demo):
    dossier = _submitted(app, client)
    desk = _as(app, "motcua@demo.local")
    assert _post(desk, dossier.code, "yeu-cau-bo-sung", **{
        "noi-dung": "Bản sao Giấy chứng sinh có chứng thực\nẢnh chụp rõ nét",
        "ghi-chu": "Có thể nộp bản điện tử"}).status_code == 303
    text = _pdf_text(desk.get(f"/mot-cua/ho-so/{dossier.code}/mau-02.pdf"))
    assert "PHIẾU YÊU CẦU BỔ SUNG" in text and dossier.code in text
    assert "Bản sao Giấy chứng sinh có chứng thực" in text and "Ảnh chụp rõ nét" in text
    assert "Bản sao Giấy chứng sinh" in _pdf_text(client.get(f"/ho-so/{dossier.code}/mau-02.pdf"))
    second = _submitted(app, client)
    assert _post(desk, second.code, "tu-choi",
                 **{"ly-do": "Thủ tục không thuộc thẩm quyền của xã."}).status_code == 303
    text = _pdf_text(desk.get(f"/mot-cua/ho-so/{second.code}/mau-03.pdf"))
    assert "PHIẾU TỪ CHỐI" in text and "không thuộc thẩm quyền" in text
    assert desk.get(f"/mot-cua/ho-so/{dossier.code}/mau-03.pdf").status_code == 404


def test_receipt_and_control_slips(app, client, demo):
    dossier, _officer = _to_approval(app, client)
    desk = _as(app, "motcua@demo.local")
    receipt = PdfReader(io.BytesIO(desk.get(f"/mot-cua/ho-so/{dossier.code}/mau-01.pdf").data))
    assert len(receipt.pages) == 2  # Liên 1: Lưu; Liên 2: Giao người nộp hồ sơ
    assert "Liên 1" in receipt.pages[0].extract_text()
    text = _pdf_text(desk.get(f"/mot-cua/ho-so/{dossier.code}/mau-05.pdf"))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text and dossier.code in text


def test_an_extension_needs_a_later_working_day_and_sends_the_apology(app, client, demo, mail):
    dossier = _submitted(app, client)
    _post(_as(app, "motcua@demo.local"), dossier.code, "tiep-nhan")
    officer = _as(app, "chuyenvien@demo.local")
    _post(officer, dossier.code, "phan-cong")
    current = _dossier(app, dossier.code).due_date
    earlier = _post(officer, dossier.code, "gia-han", **{"ngay-hen": current.isoformat(),
                                                         "ly-do": "Cần xác minh thêm"})
    assert earlier.status_code == 422 and "phải sau ngày hẹn hiện tại" in earlier.text
    sunday = current + timedelta(days=(6 - current.weekday()) % 7 or 7)
    weekend = _post(officer, dossier.code, "gia-han", **{"ngay-hen": sunday.isoformat(),
                                                         "ly-do": "Cần xác minh thêm"})
    assert weekend.status_code == 422 and "ngày làm việc" in weekend.text
    new_due = current + timedelta(days=7)
    while new_due.weekday() >= 5:
        new_due += timedelta(days=1)
    assert _post(officer, dossier.code, "gia-han", **{
        "ngay-hen": new_due.isoformat(), "ly-do": "Cần xác minh thêm tại nơi cư trú"}
    ).status_code == 303
    moved = _dossier(app, dossier.code)
    assert moved.due_date == new_due and moved.extended_at is not None
    text = _pdf_text(client.get(f"/ho-so/{dossier.code}/mau-04.pdf"))
    assert "PHIẾU XIN LỖI" in text and "Cần xác minh thêm tại nơi cư trú" in text
    assert "Hẹn lại ngày trả kết quả" in mail.text()


def test_fees_and_a_consultation_with_another_agency(app, client, demo):
    dossier = _submitted(app, client)
    _post(_as(app, "motcua@demo.local"), dossier.code, "tiep-nhan")
    officer = _as(app, "chuyenvien@demo.local")
    _post(officer, dossier.code, "phan-cong")
    with app.app_context():
        culture = db.session.scalar(select(Agency.id).where(Agency.code == "000.04.99.H49"))
    assert _post(officer, dossier.code, "xin-y-kien", **{
        "co-quan": str(culture), "so-ngay": "2", "noi-dung": "Xác nhận hộ khẩu"}
    ).status_code == 303
    leader = _as(app, "lanhdao@demo.local")  # the commune's leader oversees every unit
    page = leader.get(f"/mot-cua/ho-so/{dossier.code}")
    assert "Xác nhận hộ khẩu" in page.text and 'name="tra-loi"' in page.text
    consultation_id = re.search(r"/y-kien/(\d+)", page.text).group(1)
    assert leader.post(f"/mot-cua/ho-so/{dossier.code}/y-kien/{consultation_id}",
                       data={"tra-loi": "Đúng người cư trú."}).status_code == 303
    assert _post(officer, dossier.code, "yeu-cau-nop-phi", **{
        "so-tien": "8.000", "noi-dung": "Lệ phí cấp bản sao trích lục"}).status_code == 303
    assert _dossier(app, dossier.code).status is DossierStatus.FEE
    assert "8.000" in client.get(f"/ho-so/{dossier.code}").text
    assert _post(officer, dossier.code, "da-nop-phi").status_code == 303
    assert _dossier(app, dossier.code).status is DossierStatus.PROCESSING


def test_stopping_needs_the_approver_and_a_reason(app, client, demo):
    dossier = _submitted(app, client)
    _post(_as(app, "motcua@demo.local"), dossier.code, "tiep-nhan")
    leader = _as(app, "lanhdao@demo.local")
    assert _post(leader, dossier.code, "dung-xu-ly", **{"ly-do": ""}).status_code == 422
    assert _post(leader, dossier.code, "dung-xu-ly",
                 **{"ly-do": "Người nộp đã chết, không còn đối tượng"}).status_code == 303
    assert _dossier(app, dossier.code).status is DossierStatus.STOPPED


# --- The desk (ND61-16, ND61-17.1) and the register (Mẫu 06) -----------------------------


def test_a_walk_in_dossier_is_registered_scanned_then_accepted(app, demo):
    desk = _as(app, "motcua@demo.local")
    assert desk.get("/mot-cua/tiep-nhan").status_code == 200
    with app.app_context():
        from portal.models import Procedure

        birth = db.session.scalar(select(Procedure.id).where(Procedure.code == "1.001193"))
    bad = desk.post("/mot-cua/tiep-nhan", data={
        "thu-tuc": str(birth), "ho-ten": "", "dien-thoai": "123", "dia-chi": "Thôn Đông"})
    assert bad.status_code == 422 and "Nhập họ và tên người nộp hồ sơ." in bad.text
    assert 'value="Thôn Đông"' in bad.text  # what was typed is kept
    made = desk.post("/mot-cua/tiep-nhan", data={
        "thu-tuc": str(birth), "kenh": "1", "ho-ten": "Đinh Văn Quầy",
        "dien-thoai": "0987 654 321", "dia-chi": "Thôn Đông, xã Minh Họa"})
    assert made.status_code == 303
    code = made.headers["Location"].rsplit("/", 1)[-1]
    assert re.fullmatch(r"000\.01\.99\.H49-\d{6}-\d{4}", code)
    refused = _post(desk, code, "tiep-nhan")
    assert refused.status_code == 422 and "Chưa có bản quét của" in refused.text
    for component in component_ids(app, "1.001193")[:2]:
        scanned = desk.post(f"/mot-cua/ho-so/{code}/ban-quet/{component}",
                            data={"tep": (io.BytesIO(JPEG), "ban-quet.jpg")},
                            content_type="multipart/form-data")
        assert scanned.status_code == 303
    assert _post(desk, code, "tiep-nhan").status_code == 303
    accepted = _dossier(app, code)
    assert accepted.status is DossierStatus.RECEIVED and accepted.channel is Channel.IN_PERSON
    assert accepted.applicant_phone == "0987654321"


@pytest.mark.dates
def test_the_register_shows_a_period_as_page_pdf_and_xlsx(app, client, demo):
    dossier = _submitted(app, client)
    desk = _as(app, "motcua@demo.local")
    today = clock.today().isoformat()
    page = desk.get(f"/mot-cua/so-theo-doi?tu={today}&den={today}")
    assert page.status_code == 200 and dossier.code in page.text
    text = _pdf_text(desk.get(f"/mot-cua/so-theo-doi?tu={today}&den={today}&dang=pdf"))
    assert "SỔ THEO DÕI HỒ SƠ" in text and dossier.code in text
    workbook = load_workbook(io.BytesIO(desk.get(
        f"/mot-cua/so-theo-doi?tu={today}&den={today}&dang=xlsx").data))
    cells = [c.value for row in workbook.active.iter_rows() for c in row]
    assert dossier.code in cells


def test_messages_from_the_office_reach_the_citizen(app, client, demo, mail):
    dossier = _submitted(app, client)
    desk = _as(app, "motcua@demo.local")
    assert desk.post(f"/mot-cua/ho-so/{dossier.code}/tin-nhan",
                     data={"noi-dung": "Mời ông/bà mang bản chính đối chiếu."}
                     ).status_code == 303
    assert "Mời ông/bà mang bản chính đối chiếu." in mail.text()
    assert "Mời ông/bà mang bản chính" in client.get(f"/ho-so/{dossier.code}").text
    empty = desk.post(f"/mot-cua/ho-so/{dossier.code}/tin-nhan", data={"noi-dung": ""})
    assert empty.status_code == 422


def test_an_earlier_e_result_is_offered_for_a_new_dossier(app, client, demo):
    """Once-only (TT21-05.1-17): a Giấy xác nhận tình trạng hôn nhân issued earlier fills the
    component that asks for it in a new application."""
    from tests.dossier_support import MARITAL, complete, start_draft, submit

    login(client, "congdan@demo.local")
    token = start_draft(client, MARITAL)
    complete(app, token)
    code = re.search(r"/ho-so/([^/]+)/", submit(client, token).headers["Location"]).group(1)
    _post(_as(app, "motcua@demo.local"), code, "tiep-nhan")
    officer = _as(app, "chuyenvien@demo.local")
    _post(officer, code, "phan-cong")
    _post(officer, code, "trinh-duyet", **{"noi-dung": "Xác nhận chưa đăng ký kết hôn."})
    assert _post(_as(app, "lanhdao@demo.local"), code, "phe-duyet").status_code == 303
    again = start_draft(client, MARITAL)
    page = client.get(f"/nop-ho-so/nhap/{again}/giay-to")
    assert "Dùng kết quả này, không cần tải lên" in page.text
    with app.app_context():
        result = db.session.scalar(select(DossierResult))
        component = next(c for c in result.dossier.procedure.components
                         if "đã được cấp trước đây" in c.name)
        result_id, component_id, sha = result.id, component.id, result.sha256
    reused = client.post(f"/nop-ho-so/nhap/{again}/giay-to/{component_id}/dung-lai",
                         data={"ket-qua": str(result_id)}, headers=htmx_headers())
    assert reused.status_code == 200 and f"{code}-KQ1.pdf" in reused.text
    with app.app_context():
        from portal.models import Attachment

        copy = db.session.scalar(select(Attachment).where(Attachment.draft_id.is_not(None)))
        assert copy.sha256 == sha and copy.component_id == component_id
