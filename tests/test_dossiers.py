"""Online submission through the Flask client: papers, check and submit, receipt, my
dossiers, messages, supplements, withdrawal (issue 6; TT21-05.1-06, ND45-11.1, TT01-19,
TT22-PL3-04/05/12, ND45-12)."""
from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Attachment,
    Dossier,
    DossierStatus,
    Draft,
    OutboundMessage,
    User,
)
from portal.services import workflow
from tests.conftest import htmx_headers, login
from tests.dossier_support import (
    BIRTH,
    CITIZEN,
    JPEG,
    MARITAL,
    PDF,
    complete,
    component_ids,
    start_draft,
    submit,
    upload,
)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$")  # TT01-19.1


def _ready_birth_draft(app, client) -> tuple[str, list[int]]:
    """A complete birth-registration draft with the Giấy chứng sinh attached."""
    login(client, CITIZEN)
    token = start_draft(client, BIRTH)
    complete(app, token)
    components = component_ids(app, BIRTH)
    assert upload(client, token, components[1], "giay-chung-sinh.pdf").status_code == 303
    return token, components


def _submitted(app, client) -> Dossier:
    token, _components = _ready_birth_draft(app, client)
    response = submit(client, token)
    assert response.status_code == 303, response.text[:2000]
    code = re.search(r"/ho-so/([^/?]+)/", response.headers["Location"]).group(1)
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        db.session.expunge(dossier)
        return dossier


def _staff(app, email: str = "motcua@demo.local") -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _other_citizen(app) -> None:
    from portal.services import accounts

    with app.test_request_context():
        accounts.register(db.session, email="khac@example.com", phone=None,
                          password="Mat-khau-rat-dai-2026", display_name="Người khác",
                          address=None)
        db.session.commit()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- Papers (TT21-05.1-06) ----------------------------------------------------------------


def test_the_papers_page_shows_each_component_with_its_rules(app, client, demo):
    login(client, CITIZEN)
    token = start_draft(client, BIRTH)
    page = client.get(f"/nop-ho-so/nhap/{token}/giay-to")
    assert page.status_code == 200
    html = page.text
    assert "Giấy chứng sinh" in html and "Bắt buộc" in html and "01 bản chính" in html
    assert "PDF, JPG, PNG, DOCX, ODT; tối đa 10 MB" in html
    assert "Đã kê khai" in html  # the tờ khai itself is the e-form
    assert "Xuất trình" in html  # identity papers are shown at the desk, not uploaded
    assert 'type="file" multiple' in html and 'enctype="multipart/form-data"' in html
    assert 'accept=".pdf,application/pdf' in html


def test_an_upload_answers_htmx_with_the_component_and_a_form_with_a_redirect(
        app, client, demo):
    login(client, CITIZEN)
    token = start_draft(client, BIRTH)
    component = component_ids(app, BIRTH)[1]
    fragment = upload(client, token, component, "anh-chup.jpg", JPEG, headers=htmx_headers())
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in fragment.text and f'id="tp-{component}"' in fragment.text
    assert "anh-chup.jpg" in fragment.text and "Đã đính kèm" in fragment.text
    assert 'id="papers-status"' in fragment.text and "Đã tải lên 1 tệp." in fragment.text
    page = upload(client, token, component, "giay.pdf", PDF)
    assert page.status_code == 303
    assert page.headers["Location"].endswith(f"/giay-to#tp-{component}")
    listed = client.get(page.headers["Location"]).text
    assert "Đã tải lên 1 tệp." in listed and "giay.pdf" in listed and "anh-chup.jpg" in listed


@pytest.mark.parametrize("name, content, message", [
    ("giay.pdf", b"MZ\x90\x00" + b"\x00" * 200, "chương trình máy tính"),
    ("anh.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "SVG"),
    ("trong.pdf", b"", "trống"),
    ("../../etc/passwd.pdf", PDF, "ký tự điều khiển"),
    ("anh.php.jpg", JPEG, ".php"),
    ("giay.jpg", PDF, "nội dung thực ra là"),
])
def test_bad_files_are_refused_beside_the_component_and_nothing_is_kept(
        app, client, demo, name, content, message):
    login(client, CITIZEN)
    token = start_draft(client, BIRTH)
    component = component_ids(app, BIRTH)[1]
    uploads_dir = app.instance_path + "/uploads"
    import os

    before = sum(len(files) for _r, _d, files in os.walk(uploads_dir))
    for headers in ({}, htmx_headers()):
        response = upload(client, token, component, name, content, headers=headers)
        assert response.status_code == 422
        section = response.text.split(f'id="tp-{component}"', 1)[1].split("</section>", 1)[0]
        assert message in section and "portal-error-message" in section
        assert f'aria-describedby="tp-{component}-hint tp-{component}-error"' in section
    assert _count(app, Attachment) == 0
    assert sum(len(files) for _r, _d, files in os.walk(uploads_dir)) == before


def test_a_file_can_be_removed_and_the_same_file_twice_is_kept_once(app, client, demo):
    login(client, CITIZEN)
    token = start_draft(client, BIRTH)
    component = component_ids(app, BIRTH)[1]
    upload(client, token, component, "a.pdf", PDF)
    upload(client, token, component, "a-lan-hai.pdf", PDF)
    assert _count(app, Attachment) == 1
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    removed = client.post(f"/nop-ho-so/nhap/{token}/giay-to/xoa/{attachment_id}",
                          headers=htmx_headers())
    assert removed.status_code == 200 and "Đã bỏ tệp a.pdf." in removed.text
    assert _count(app, Attachment) == 0


def test_someone_elses_draft_file_is_not_reachable(app, client, demo):
    login(client, CITIZEN)
    token = start_draft(client, BIRTH)
    upload(client, token, component_ids(app, BIRTH)[1], "a.pdf", PDF)
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    download = client.get(f"/nop-ho-so/nhap/{token}/tep/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    other = app.test_client()
    other_token = start_draft(other, BIRTH)
    assert other.get(f"/nop-ho-so/nhap/{other_token}/tep/{attachment_id}").status_code == 404
    assert other.post(f"/nop-ho-so/nhap/{other_token}/giay-to/xoa/{attachment_id}"
                      ).status_code == 404


# --- Check your answers and submit (ND45-11.1, TT01-19) -----------------------------------


def test_an_incomplete_dossier_is_not_submitted_and_nothing_is_lost(app, client, demo):
    login(client, CITIZEN)
    token = start_draft(client, BIRTH)
    complete(app, token)
    response = submit(client, token)
    assert response.status_code == 422
    assert "Chưa nộp được hồ sơ" in response.text and 'role="alert"' in response.text
    assert "Chưa đính kèm giấy tờ: Giấy chứng sinh" in response.text
    assert f"/giay-to#tp-{component_ids(app, BIRTH)[1]}" in response.text
    assert _count(app, Dossier) == 0 and _count(app, Draft) == 1


def test_unfinished_form_sections_are_listed_with_links(app, client, demo):
    login(client, CITIZEN)
    token = start_draft(client, MARITAL)
    response = submit(client, token)
    assert response.status_code == 422
    assert re.search(r"Phần “[^”]+” còn \d+ chỗ cần sửa", response.text)
    assert f"/nop-ho-so/nhap/{token}?phan=" in response.text


def test_submitting_needs_a_login_and_keeps_the_draft(app, client, demo):
    token = start_draft(client, MARITAL)
    response = submit(client, token)
    assert response.status_code == 303 and "/tai-khoan/dang-nhap" in response.headers["Location"]
    assert _count(app, Dossier) == 0 and _count(app, Draft) == 1


@pytest.mark.dates
def test_submission_gives_code_receipt_time_due_date_and_version(app, client, demo, mail):
    # Monday 23/11/2026 10:00 in Hà Nội; 1.001193 is resolved "in the day" (0 working days).
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=HANOI), tick=False):
        dossier = _submitted(app, client)
    assert CODE.match(dossier.code)
    assert dossier.code == "000.01.99.H49-261123-0001"  # the desk's code, receipt day, no. 1
    with app.app_context():
        dossier = db.session.get(Dossier, dossier.id)
        assert dossier.status is DossierStatus.SUBMITTED and dossier.version == 1
        assert dossier.received_at == datetime(2026, 11, 23, 10, 0, tzinfo=HANOI)
        assert dossier.due_date.isoformat() == "2026-11-23"
        assert [a.filename for a in dossier.current_version.attachments] == [
            "giay-chung-sinh.pdf"]
        assert [e.action for e in dossier.events] == ["submit"]
        assert dossier.applicant_name and dossier.applicant_email == CITIZEN
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
        sent = db.session.scalars(select(OutboundMessage).where(
            OutboundMessage.dossier_id == dossier.id)).all()
        assert {m.channel.value for m in sent} >= {"email"}
    body = mail.text()
    assert dossier.code in body and "Thời gian nhận hồ sơ: 10 giờ 00 phút, ngày 23 tháng 11" \
        " năm 2026" in body


def test_a_submission_after_hours_counts_from_the_next_working_day(app, client, demo):
    # Friday 13/02/2026 18:30, just before Tết Bính Ngọ (16–20/02): received Monday 23/02.
    with time_machine.travel(datetime(2026, 2, 13, 18, 30, tzinfo=HANOI), tick=False):
        login(client, CITIZEN)
        token = start_draft(client, MARITAL)
        complete(app, token)
        response = submit(client, token)
    assert response.status_code == 303
    with app.app_context():
        dossier = db.session.scalar(select(Dossier))
        assert dossier.code.endswith("-260223-0001")
        assert dossier.received_at == datetime(2026, 2, 23, 7, 0, tzinfo=HANOI)
        assert dossier.due_date.isoformat() == "2026-02-26"  # 03 ngày làm việc


def test_result_by_post_needs_an_address(app, client, demo):
    token, _components = _ready_birth_draft(app, client)
    response = submit(client, token, channel="3", **{"dia-chi-nhan": ""})
    assert response.status_code == 422 and "Nhập địa chỉ nhận kết quả qua bưu điện" \
        in response.text
    assert _count(app, Dossier) == 0
    too_long = "Số 5 phố Hạ Long " * 40
    response = submit(client, token, channel="3", **{"dia-chi-nhan": too_long})
    assert response.status_code == 422 and "dài tối đa 500 ký tự" in response.text
    assert too_long.strip() in response.text  # kept as typed, never cut
    response = submit(client, token, channel="3",
                      **{"dia-chi-nhan": "Số 5 phố Hạ Long, phường Hạ Long, Quảng Ninh"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Qua dịch vụ bưu chính công ích, gửi tới: Số 5 phố Hạ Long" in page.text


@pytest.mark.dates
def test_the_receipt_page_and_pdf_carry_the_code_and_a_qr_code(app, client, demo):
    dossier = _submitted(app, client)
    page = client.get(f"/ho-so/{dossier.code}/giay-tiep-nhan?moi=1")
    assert page.status_code == 200
    assert "Đã nộp hồ sơ" in page.text and dossier.code in page.text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in page.text
    assert '<svg role="img"' in page.text and "style=" not in page.text.split("<svg", 1)[1]
    pdf = client.get(f"/ho-so/{dossier.code}/giay-tiep-nhan.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert dossier.code in text
    for words in ("GIẤY TIẾP NHẬN HỒ SƠ", "Thành phần hồ sơ", "Giấy chứng sinh",
                  "Độc lập - Tự do - Hạnh phúc", "Thủ tục đăng ký khai sinh"):
        assert words in text


# --- My dossiers (TT22-PL3-12, TT22-04.2) -------------------------------------------------


def test_my_dossiers_lists_them_by_status_with_due_dates(app, client, demo):
    dossier = _submitted(app, client)
    page = client.get("/ho-so")
    assert page.status_code == 200
    assert dossier.code in page.text and "Mới đăng ký" in page.text and "Hẹn trả" in page.text
    assert "Đang giải quyết (1)" in page.text and "Cần bổ sung (0)" in page.text
    empty = client.get("/ho-so?nhom=co-ket-qua")
    assert dossier.code not in empty.text and "Không có hồ sơ nào trong mục này" in empty.text


def test_the_dossier_page_shows_timeline_answers_and_files(app, client, demo):
    dossier = _submitted(app, client)
    page = client.get(f"/ho-so/{dossier.code}")
    assert page.status_code == 200
    assert "Tiến trình giải quyết" in page.text and "Nộp hồ sơ trực tuyến" in page.text
    assert "Nội dung hồ sơ" in page.text and "giay-chung-sinh.pdf" in page.text
    assert "Thông báo đã gửi cho bạn" in page.text


@pytest.mark.parametrize("path", ["", "/giay-tiep-nhan", "/giay-tiep-nhan.pdf", "/rut",
                                  "/phien-ban/1"])
def test_another_citizens_dossier_is_404(app, client, demo, path):
    dossier = _submitted(app, client)
    other = app.test_client()
    _other_citizen(app)
    login(other, "khac@example.com", "Mat-khau-rat-dai-2026")
    assert other.get(f"/ho-so/{dossier.code}{path}").status_code == 404
    assert other.post(f"/ho-so/{dossier.code}/tin-nhan", data={"noi-dung": "x"}).status_code \
        == 404
    assert client.get(f"/ho-so/{dossier.code}{path}").status_code == 200


def test_my_dossiers_need_a_login(client, demo):
    response = client.get("/ho-so")
    assert response.status_code in (302, 303) and "/tai-khoan/dang-nhap" in \
        response.headers["Location"]


# --- Messages (TT22-PL3-05) ---------------------------------------------------------------


def test_a_message_with_a_file_as_fragment_and_as_page(app, client, demo):
    dossier = _submitted(app, client)
    fragment = client.post(f"/ho-so/{dossier.code}/tin-nhan", headers=htmx_headers(),
                           data={"noi-dung": "Tôi gửi thêm bản chụp.",
                                 "tep": (io.BytesIO(PDF), "bo-sung.pdf")},
                           content_type="multipart/form-data")
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert fragment.text.lstrip().startswith('<section class="portal-messages"')
    assert "Tôi gửi thêm bản chụp." in fragment.text and "bo-sung.pdf" in fragment.text
    page = client.post(f"/ho-so/{dossier.code}/tin-nhan", data={"noi-dung": "Cảm ơn."})
    assert page.status_code == 303 and page.headers["Location"].endswith("#tin-nhan")


def test_a_bad_message_keeps_what_was_typed(app, client, demo):
    dossier = _submitted(app, client)
    response = client.post(f"/ho-so/{dossier.code}/tin-nhan",
                           data={"noi-dung": "Nội dung quan trọng",
                                 "tep": (io.BytesIO(b""), "rong.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "trống" in response.text and "Nội dung quan trọng</textarea>" in response.text
    empty = client.post(f"/ho-so/{dossier.code}/tin-nhan", data={"noi-dung": "  "})
    assert empty.status_code == 422 and "Nhập nội dung tin nhắn" in empty.text


def test_the_office_message_reaches_the_citizen_by_mail(app, client, demo, mail):
    dossier = _submitted(app, client)
    from portal.services import conversation, jobs

    with app.test_request_context():
        staff = _staff(app)
        conversation.post(db.session, db.session.get(Dossier, dossier.id), staff,
                          "Vui lòng mang bản chính Giấy chứng sinh khi nhận kết quả.")
        db.session.commit()
        jobs.kick()
    assert "Vui lòng mang bản chính" in mail.text()
    page = client.get(f"/ho-so/{dossier.code}")
    assert "Trung tâm Phục vụ hành chính công" in page.text
    assert "Vui lòng mang bản chính" in page.text


# --- Supplements (ND45-12) and withdrawal ---------------------------------------------------


def test_a_supplement_keeps_the_code_and_every_version(app, client, demo):
    dossier = _submitted(app, client)
    with app.test_request_context():
        workflow.request_supplement(db.session, db.session.get(Dossier, dossier.id),
                                    _staff(app), ["Bản chụp Giấy chứng sinh rõ nét hơn"])
        db.session.commit()
    page = client.get(f"/ho-so/{dossier.code}")
    assert "Cơ quan yêu cầu bạn bổ sung hồ sơ" in page.text
    assert "Bản chụp Giấy chứng sinh rõ nét hơn" in page.text
    opened = client.post(f"/ho-so/{dossier.code}/bo-sung")
    assert opened.status_code == 303
    token = re.search(r"/nhap/([^/]+)/xem-lai", opened.headers["Location"]).group(1)
    review = client.get(opened.headers["Location"])
    assert "Gửi bổ sung" in review.text and "Bản chụp Giấy chứng sinh rõ nét hơn" in review.text
    assert upload(client, token, component_ids(app, BIRTH)[1], "ro-hon.jpg", JPEG
                  ).status_code == 303
    sent = client.post(f"/nop-ho-so/nhap/{token}/nop")
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/ho-so/{dossier.code}")
    with app.app_context():
        again = db.session.get(Dossier, dossier.id)
        assert again.code == dossier.code and again.version == 2
        assert again.status is DossierStatus.SUBMITTED
        first, second = again.versions
        assert [a.filename for a in first.attachments] == ["giay-chung-sinh.pdf"]
        assert sorted(a.filename for a in second.attachments) == [
            "giay-chung-sinh.pdf", "ro-hon.jpg"]
        assert again.open_supplement is None and again.paused_since is None
    old = client.get(f"/ho-so/{dossier.code}/phien-ban/1")
    assert old.status_code == 200 and "ro-hon.jpg" not in old.text


def test_withdrawal_needs_a_reason_and_closes_the_dossier(app, client, demo):
    dossier = _submitted(app, client)
    form = client.get(f"/ho-so/{dossier.code}/rut")
    assert form.status_code == 200 and "Lý do rút hồ sơ" in form.text
    refused = client.post(f"/ho-so/{dossier.code}/rut", data={"ly-do": ""})
    assert refused.status_code == 422 and "Nhập lý do rút hồ sơ" in refused.text
    done = client.post(f"/ho-so/{dossier.code}/rut", data={"ly-do": "Nộp nhầm thủ tục"})
    assert done.status_code == 303
    with app.app_context():
        closed = db.session.get(Dossier, dossier.id)
        assert closed.status is DossierStatus.WITHDRAWN and closed.closed_at is not None
        assert closed.events[-1].note == "Nộp nhầm thủ tục"
    again = client.post(f"/ho-so/{dossier.code}/rut", data={"ly-do": "Lần nữa"})
    assert again.status_code == 303  # not allowed any more: back to the dossier
    assert "Rút hồ sơ này" not in client.get(f"/ho-so/{dossier.code}").text


# --- Reuse of accepted papers (once-only, TT22-PL5-e, TT21-05.1-17) -------------------------


def test_papers_of_an_accepted_dossier_are_offered_again(app, client, demo):
    dossier = _submitted(app, client)
    token = start_draft(client, BIRTH)
    component = component_ids(app, BIRTH)[1]
    assert "Dùng lại" not in client.get(f"/nop-ho-so/nhap/{token}/giay-to").text
    with app.test_request_context():
        workflow.apply(db.session, db.session.get(Dossier, dossier.id), "accept", _staff(app))
        db.session.commit()
        source = db.session.scalar(select(Attachment.id).where(
            Attachment.version_id.is_not(None)))
    page = client.get(f"/nop-ho-so/nhap/{token}/giay-to")
    assert "Dùng lại, không cần tải lên" in page.text and "giay-chung-sinh.pdf" in page.text
    reused = client.post(f"/nop-ho-so/nhap/{token}/giay-to/{component}/dung-lai",
                         data={"tai-lieu": str(source)}, headers=htmx_headers())
    assert reused.status_code == 200 and "Đã dùng lại giay-chung-sinh.pdf." in reused.text
    with app.app_context():
        copy = db.session.scalar(select(Attachment).where(Attachment.draft_id.is_not(None)))
        original = db.session.get(Attachment, source)
        assert copy.reused_from_id == source and copy.sha256 == original.sha256
    foreign = client.post(f"/nop-ho-so/nhap/{token}/giay-to/{component}/dung-lai",
                          data={"tai-lieu": "999999"})
    assert foreign.status_code == 422 and "Không dùng lại được" in foreign.text
