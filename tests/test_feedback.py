"""Feedback and petitions (PAKN, TT22-PL3-18, QĐ31-43.2) and citizens' questions
(TT22-PL3-11) through the Flask client: sending without an account, the tracking code,
following it, the staff's triage, answer, publication and closing, entries received off the
portal, the public lists without personal data, promotion to the FAQ, limits and CSRF."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Agency,
    AuditEvent,
    ContentStatus,
    Faq,
    Petition,
    PetitionChannel,
    PetitionStatus,
    Procedure,
    Question,
    Role,
    User,
)
from portal.services import accounts, files
from portal.services.privacy import mask_personal
from tests.conftest import login, make_app
from tests.dossier_support import PDF

SENDER = {
    "subject": "Chậm trả kết quả đăng ký khai sinh",
    "body": "Tôi nộp hồ sơ đã ba tuần chưa có kết quả. Gọi con trai tôi số 0987 654 321.",
    "name": "Trần Thị Bé Ba",
    "phone": "0912 345 678",
    "email": "be.ba@example.com",
    "address": "Số 7 ngõ Hoa Sữa, thôn Đông",
    "dossier_code": "000.01.99.H49-250715-0001",
    "consent": "y",
}


def _as(app, email: str, password: str = "Demo@12345"):
    client = app.test_client()
    login(client, email, password)
    return client


def _send(client, files_=(), **overrides):
    data = {**SENDER, **overrides}
    data["tep"] = [(io.BytesIO(content), name) for name, content in files_]
    return client.post("/phan-anh-kien-nghi/gui", data=data, content_type="multipart/form-data")


def _sent_code(client, response) -> str:
    assert response.status_code == 303, response.text
    assert response.headers["Location"].endswith("/phan-anh-kien-nghi/da-gui")
    page = client.get("/phan-anh-kien-nghi/da-gui")
    assert page.headers["Cache-Control"] == "no-store"
    return re.search(r"PAKN-\d{6}-\d{4,}", page.text).group(0)


def _petition(app, code: str) -> Petition:
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.code == code))
        db.session.expunge(petition)
        return petition


def _id_of(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(select(model.id).filter_by(**where))


def _act(client, code: str, action: str, **data):
    return client.post(f"/mot-cua/phan-anh-kien-nghi/{code}/{action}", data=data)


def _audited(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- End to end ---------------------------------------------------------------------------


def test_feedback_goes_from_the_form_to_a_published_answer(app, client, demo, mail):
    assert "Gửi phản ánh, kiến nghị" in client.get("/phan-anh-kien-nghi").text
    assert client.get("/phan-anh-kien-nghi/gui").status_code == 200
    code = _sent_code(client, _send(client, [("anh-chup.pdf", PDF)]))
    assert mail.messages[-1]["To"] == "be.ba@example.com"
    assert mail.messages[-1]["Subject"] == f"Đã nhận phản ánh, kiến nghị {code}"
    assert f"/phan-anh-kien-nghi/tra-cuu?ma={code}" in mail.text()
    # The address is not checked: the receipt carries nothing the sender typed.
    assert SENDER["name"] not in mail.text() and SENDER["subject"] not in mail.text()
    petition = _petition(app, code)
    assert petition.channel is PetitionChannel.WEB and petition.status is PetitionStatus.NEW
    assert petition.phone == "0912345678" and petition.files[0]["filename"] == "anh-chup.pdf"

    desk = _as(app, "motcua@demo.local")
    listing = desk.get("/mot-cua/phan-anh-kien-nghi")
    assert code in listing.text and "Mới, chờ phân loại <span class=\"portal-count\">(1)" \
        in listing.text
    detail = desk.get(f"/mot-cua/phan-anh-kien-nghi/{code}")
    assert "Trần Thị Bé Ba" in detail.text and "anh-chup.pdf" in detail.text
    download = desk.get(f"/mot-cua/phan-anh-kien-nghi/{code}/tep/1")
    assert download.data == PDF and "attachment" in download.headers["Content-Disposition"]
    download.close()

    office = _id_of(app, Agency, code="000.02.99.H49")
    officer_id = _id_of(app, User, email="chuyenvien@demo.local")
    assert _act(desk, code, "phan-loai", **{"don-vi": office, "can-bo": officer_id}) \
        .status_code == 303
    assert _petition(app, code).status is PetitionStatus.ASSIGNED

    officer = _as(app, "chuyenvien@demo.local")
    answer = "Hồ sơ của bà đã có kết quả, mời bà đến nhận ngày 20/7."
    assert _act(officer, code, "tra-loi", **{"noi-dung": answer}).status_code == 303
    assert mail.messages[-1]["Subject"] == f"Trả lời phản ánh, kiến nghị {code}"
    assert answer in mail.text() and mail.messages[-1]["To"] == "be.ba@example.com"
    assert _act(officer, code, "cong-khai").status_code == 303

    public = client.get("/phan-anh-kien-nghi").text
    assert SENDER["subject"] in public and answer in public and "Tôi nộp hồ sơ" in public
    for private in ("Trần Thị Bé Ba", "0912", "345 678", "be.ba@example.com", "Hoa Sữa",
                    "0987 654 321", "654 321", SENDER["dossier_code"]):
        assert private not in public
    for action in ("assigned", "answered", "published"):
        assert _audited(app, f"petition_{action}")[0].object_id == code
    assert _act(officer, code, "dong").status_code == 303
    assert _petition(app, code).status is PetitionStatus.CLOSED
    assert _audited(app, "petition_closed")


def test_codes_are_unique_and_carry_the_local_day(app, client, demo):
    codes = [_sent_code(client, _send(client)) for _ in range(3)]
    assert len(set(codes)) == 3
    with app.app_context():
        rows = db.session.scalars(select(Petition).order_by(Petition.id)).all()
        from portal.services import workdays

        day = rows[0].created_at.astimezone(workdays.calendar().zone)
        assert [r.code for r in rows] == [f"PAKN-{day:%y%m%d}-{r.id:04d}" for r in rows]


# --- Following it -------------------------------------------------------------------------


def _plain(html: str, code: str) -> str:
    html = re.sub(r""" data-hx-headers='[^']*'""", "", html)
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    return html.replace(code, "CODE")


def test_following_needs_the_code_and_a_second_factor(app, client, demo):
    code = _sent_code(client, _send(client))
    for factor in ("5678", "BE.BA@example.com"):
        page = client.post("/phan-anh-kien-nghi/tra-cuu", data={"ma": code.lower(),
                                                                "xac-minh": factor})
        assert page.status_code == 200 and SENDER["subject"] in page.text
        assert "Đã tiếp nhận, chờ phân loại" in page.text
    unknown = code[:-4] + "9999"
    wrong = client.post("/phan-anh-kien-nghi/tra-cuu", data={"ma": code, "xac-minh": "1234"})
    missing = client.post("/phan-anh-kien-nghi/tra-cuu",
                          data={"ma": unknown, "xac-minh": "5678"})
    other_mail = client.post("/phan-anh-kien-nghi/tra-cuu",
                             data={"ma": code, "xac-minh": "khac@example.com"})
    assert wrong.status_code == missing.status_code == other_mail.status_code == 422
    assert _plain(wrong.text, code) == _plain(missing.text, unknown) \
        == _plain(other_mail.text, code)
    assert "Không có phản ánh, kiến nghị nào khớp" in wrong.text
    assert SENDER["subject"] not in wrong.text
    badly = client.post("/phan-anh-kien-nghi/tra-cuu", data={"ma": "abc", "xac-minh": "12"})
    assert badly.status_code == 422 and 'aria-invalid="true"' in badly.text


def test_guessing_the_second_factor_of_one_petition_code_rests_it(app, client, demo):
    """As for dossiers (test_tracking): after LOGIN_FREE_FAILURES wrong tries a code rests,
    existing or not; the right factor is not even checked until the rest is over."""
    code = _sent_code(client, _send(client))
    free = app.config["LOGIN_FREE_FAILURES"]
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False):
        for target in (code, code[:-4] + "9999"):
            statuses = [client.post("/phan-anh-kien-nghi/tra-cuu", data={
                "ma": target, "xac-minh": f"{n:04d}"}).status_code for n in range(free)]
            assert statuses == [422] * free
        resting = client.post("/phan-anh-kien-nghi/tra-cuu",
                              data={"ma": code, "xac-minh": "5678"})
        assert resting.status_code == 429 and "Hãy thử lại sau" in resting.text
        assert SENDER["subject"] not in resting.text
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        page = client.post("/phan-anh-kien-nghi/tra-cuu", data={"ma": code, "xac-minh": "5678"})
        assert page.status_code == 200 and SENDER["subject"] in page.text


def test_the_sender_sees_the_answer_when_following_it(app, client, demo):
    code = _sent_code(client, _send(client, email=""))
    _act(_as(app, "motcua@demo.local"), code, "tra-loi", **{"noi-dung": "Đã xử lý xong."})
    page = client.post("/phan-anh-kien-nghi/tra-cuu", data={"ma": code, "xac-minh": "5678"})
    assert "Đã xử lý xong." in page.text and "Đã trả lời" in page.text


# --- Entered by staff (QĐ31-43.2) ---------------------------------------------------------


def test_an_officer_records_a_phone_call(app, client, demo, mail):
    desk = _as(app, "motcua@demo.local")
    assert desk.get("/mot-cua/phan-anh-kien-nghi/ghi-nhan").status_code == 200
    response = desk.post("/mot-cua/phan-anh-kien-nghi/ghi-nhan", data={
        "channel": "phone", "subject": "Đường vào UBND xã ngập nước",
        "body": "Người gọi đề nghị xã khơi thông cống trước cổng.", "name": "Ông Hải",
        "phone": "024 3825 1234", "procedure": ""})
    assert response.status_code == 303
    code = re.search(r"PAKN-\d{6}-\d{4,}", response.headers["Location"]).group(0)
    petition = _petition(app, code)
    assert petition.channel is PetitionChannel.PHONE and petition.phone == "02438251234"
    assert petition.recorded_by_id == _id_of(app, User, email="motcua@demo.local")
    assert "Điện thoại" in desk.get(response.headers["Location"]).text
    assert _audited(app, "petition_recorded")[0].object_id == code
    assert not mail.messages  # no e-mail address given, nothing sent
    refused = desk.post("/mot-cua/phan-anh-kien-nghi/ghi-nhan", data={"subject": "x"})
    assert refused.status_code == 422 and "Chọn kênh đã nhận" in refused.text


# --- Who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["congdan@demo.local", "bientap@demo.local"])
def test_citizens_and_editors_cannot_reach_the_staff_pages(app, client, demo, email):
    code = _sent_code(client, _send(client))
    other = _as(app, email)
    for path in ("/mot-cua/phan-anh-kien-nghi", f"/mot-cua/phan-anh-kien-nghi/{code}",
                 "/mot-cua/phan-anh-kien-nghi/ghi-nhan", "/mot-cua/cau-hoi"):
        assert other.get(path).status_code == 403
    assert _act(other, code, "dong").status_code == 403
    assert client.get("/mot-cua/phan-anh-kien-nghi").status_code in (302, 303)


def test_another_agencys_officer_sees_only_untriaged_petitions(app, client, demo):
    code = _sent_code(client, _send(client))
    with app.test_request_context():
        economy = db.session.scalar(select(Agency).where(Agency.code == "000.03.99.H49"))
        accounts.create_staff(db.session, None, email="kinhte@demo.local",
                              display_name="Cán bộ Kinh tế", roles={Role.PROCESSOR},
                              agency=economy, password="Mat-khau-kinh-te-2026")
        db.session.commit()
    other = _as(app, "kinhte@demo.local", "Mat-khau-kinh-te-2026")
    assert other.get(f"/mot-cua/phan-anh-kien-nghi/{code}").status_code == 200  # untriaged
    desk = _as(app, "motcua@demo.local")
    office = _id_of(app, Agency, code="000.02.99.H49")
    response = _act(desk, code, "phan-loai", **{"don-vi": office})
    assert response.headers["Location"].endswith("/mot-cua/phan-anh-kien-nghi")  # handed over
    assert other.get(f"/mot-cua/phan-anh-kien-nghi/{code}").status_code == 404
    assert code not in other.get("/mot-cua/phan-anh-kien-nghi?tab=moi").text
    assert _act(other, code, "tra-loi", **{"noi-dung": "x"}).status_code == 404
    assert other.get(f"/mot-cua/phan-anh-kien-nghi/{code}/tep/1").status_code == 404
    assert _as(app, "chuyenvien@demo.local").get(
        f"/mot-cua/phan-anh-kien-nghi/{code}").status_code == 200
    assert _as(app, "lanhdao@demo.local").get(
        f"/mot-cua/phan-anh-kien-nghi/{code}").status_code == 200


def test_an_officer_of_another_unit_cannot_be_given_the_petition(app, client, demo):
    code = _sent_code(client, _send(client))
    desk = _as(app, "motcua@demo.local")
    economy = _id_of(app, Agency, code="000.03.99.H49")
    officer_id = _id_of(app, User, email="chuyenvien@demo.local")
    refused = _act(desk, code, "phan-loai", **{"don-vi": economy, "can-bo": officer_id})
    assert refused.status_code == 422 and "không thuộc đơn vị đã chọn" in refused.text
    assert f'value="{economy}" selected' in refused.text  # what was chosen is kept
    citizen = _id_of(app, User, email="congdan@demo.local")
    assert _act(desk, code, "phan-loai", **{"can-bo": citizen}).status_code == 422
    empty = _act(desk, code, "tra-loi", **{"noi-dung": "  "})
    assert empty.status_code == 422 and "Nhập nội dung trả lời" in empty.text
    assert _act(desk, code, "cong-khai").status_code == 422  # nothing to publish yet
    assert _act(desk, code, "xoa").status_code == 404


# --- Mistakes, limits, CSRF ------------------------------------------------------------------


def test_mistakes_are_shown_beside_the_fields_and_keep_what_was_typed(app, client, demo):
    response = _send(client, [("anh.pdf", PDF)], phone="", email="", consent="",
                     dossier_code="123")
    assert response.status_code == 422
    page = response.text
    assert page.count('aria-invalid="true"') >= 2 and "<title>Lỗi:" in page
    for message in ("Nhập số điện thoại hoặc thư điện tử để cơ quan trả lời bạn.",
                    "Đánh dấu ô đồng ý", "Mã hồ sơ có dạng như"):
        assert message in page
    assert 'value="Trần Thị Bé Ba"' in page and "Tôi nộp hồ sơ đã ba tuần" in page
    assert "Hãy chọn lại tệp." in page  # the files were not kept
    bad = _send(client, [("thu.pdf", b"<html><script>alert(1)</script></html>")])
    assert bad.status_code == 422 and "trang web" in bad.text and 'id="tep-error"' in bad.text
    with app.app_context():
        assert db.session.scalar(select(Petition.id)) is None
        assert not files.store().exists(hashlib.sha256(PDF).hexdigest())  # never checked


def test_sending_is_rate_limited_but_mistakes_do_not_count(demo, request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, RATELIMIT_ENABLED=True,
                   RATELIMIT_FEEDBACK="2 per hour", RATELIMIT_QUESTION="1 per hour")
    client = app.test_client()
    statuses = [_send(client, consent="").status_code] + [
        _send(client).status_code for _ in range(2)]
    assert statuses == [422, 303, 303]
    # Over the limit: the form again, with what was typed and why it was not sent.
    refused = _send(client, [("don.pdf", PDF)])
    assert refused.status_code == 429
    assert refused.headers["Cache-Control"] == "no-store"
    assert "<title>Lỗi: " in refused.text and "hãy gửi lại sau ít phút" in refused.text
    assert SENDER["body"] in refused.text and f'value="{SENDER["name"]}"' in refused.text
    assert "Hãy chọn lại tệp." in refused.text
    assert client.get("/phan-anh-kien-nghi/gui").status_code == 200  # reading is not limited
    ask = {"name": "An", "text": "Hỏi về lệ phí?", "field": "", "procedure": ""}
    answers = [client.post("/hoi-dap/dat-cau-hoi", data=ask) for _ in range(2)]
    assert [a.status_code for a in answers] == [303, 429]
    assert "Hỏi về lệ phí?" in answers[1].text and "hãy gửi lại sau ít phút" in answers[1].text


def test_posts_need_the_csrf_token(demo, request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/phan-anh-kien-nghi/gui")
    assert _send(client).status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    assert _send(client, csrf_token=token).status_code == 303
    assert client.post("/phan-anh-kien-nghi/tra-cuu", data={"ma": "x"}).status_code == 400
    assert client.post("/hoi-dap/dat-cau-hoi", data={"name": "A", "text": "?"}) \
        .status_code == 400


# --- Questions (hỏi đáp) -------------------------------------------------------------------


def _ask(app, client, **data) -> int:
    procedure = _id_of(app, Procedure, code="1.004873")
    form = {"name": "Lê Văn Hỏi", "email": "hoi@example.com", "field": "", "procedure":
            str(procedure), "text": "Làm lại giấy khai sinh bị mất cần gì? Số tôi 0911 222 333.",
            **data}
    response = client.post("/hoi-dap/dat-cau-hoi", data=form)
    assert response.status_code == 303, response.text
    assert "Đã gửi câu hỏi" in client.get(response.headers["Location"]).text
    with app.app_context():
        return db.session.scalar(select(Question.id).order_by(Question.id.desc()))


def test_a_question_is_answered_by_e_mail_and_published(app, client, demo, mail):
    assert "Đặt câu hỏi" in client.get("/hoi-dap/").text
    assert client.get("/hoi-dap/dat-cau-hoi").status_code == 200
    question_id = _ask(app, client)
    desk = _as(app, "motcua@demo.local")
    assert "Lê Văn Hỏi" in desk.get("/mot-cua/cau-hoi").text
    answer = "Bạn mang căn cước đến bộ phận một cửa để đăng ký lại khai sinh."
    assert desk.post(f"/mot-cua/cau-hoi/{question_id}/tra-loi",
                     data={"noi-dung": answer}).status_code == 303
    assert mail.messages[-1]["To"] == "hoi@example.com" and answer in mail.text()
    assert "Làm lại giấy khai sinh" not in client.get("/hoi-dap/cau-hoi-cong-dan").text
    assert desk.post(f"/mot-cua/cau-hoi/{question_id}/cong-khai").status_code == 303
    public = client.get("/hoi-dap/cau-hoi-cong-dan").text
    assert "Làm lại giấy khai sinh bị mất cần gì?" in public and answer in public
    for private in ("Lê Văn Hỏi", "hoi@example.com", "0911 222 333"):
        assert private not in public
    assert [e.object_id for e in _audited(app, "question_answered")] == [str(question_id)]
    assert _audited(app, "question_published")


def test_asking_keeps_what_was_typed_when_something_is_wrong(app, client, demo):
    response = client.post("/hoi-dap/dat-cau-hoi", data={
        "name": "", "email": "khong-phai-thu", "text": "Câu hỏi dở dang", "field": "99999",
        "procedure": ""})
    assert response.status_code == 422 and "Câu hỏi dở dang" in response.text
    assert "Nhập họ và tên." in response.text and "Chọn một mục trong danh sách." \
        in response.text and 'aria-invalid="true"' in response.text


def test_promoting_an_answer_makes_a_sanitised_draft_faq(app, client, demo):
    question_id = _ask(app, client)
    desk = _as(app, "motcua@demo.local")
    refused = desk.post(f"/mot-cua/cau-hoi/{question_id}/dua-vao-hoi-dap")
    assert refused.status_code == 422 and "Trả lời câu hỏi trước" in refused.text
    desk.post(f"/mot-cua/cau-hoi/{question_id}/tra-loi", data={
        "noi-dung": "Mang **căn cước** <script>alert('x')</script> tới bộ phận một cửa."})
    assert desk.post(f"/mot-cua/cau-hoi/{question_id}/dua-vao-hoi-dap").status_code == 303
    with app.app_context():
        question = db.session.get(Question, question_id)
        faq = db.session.get(Faq, question.faq_id)
        assert faq.status is ContentStatus.DRAFT and "<script" not in faq.answer_html
        assert "&lt;script&gt;" in faq.answer_html and "<strong>căn cước</strong>" \
            in faq.answer_html
        assert "0911 222 333" not in faq.question and faq.procedures[0].code == "1.004873"
        slug = faq.slug
    assert client.get(f"/hoi-dap/{slug}").status_code == 404  # a draft until an editor acts
    assert _audited(app, "question_promoted")[0].details["faq_id"] is not None
    again = desk.post(f"/mot-cua/cau-hoi/{question_id}/dua-vao-hoi-dap")
    assert again.status_code == 422 and "đã được đưa vào" in again.text


# --- Masking ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "gọi 0912 345 678", "gọi +84 912.345.678", "thư a.b@example.com", "CCCD 001090123456",
    "hồ sơ 000.01.99.H49-250715-0001", "nhà bà Ba Trần", "gọi (0203) 3800 000",
    "CCCD: 001 234 567 890", "CCCD 0012-3456-7890", "số 7 ngõ hoa sua",
    # The sender's name without tone marks, in capitals, or two of its words.
    "gặp chị Tran Thi Be Ba", "CHỊ TRẦN THỊ BÉ BA", "hỏi chị Bé Ba", "gặp Trần Thị",
])
def test_personal_data_is_masked(app, text):
    with app.test_request_context():
        masked = mask_personal(text, ["Số 7 ngõ Hoa Sữa"], names=["Trần Thị Bé Ba", "Ba Trần"])
    assert masked.endswith("[đã ẩn]"), masked
    assert not any(ch.isdigit() for ch in masked.replace("[đã ẩn]", "")), masked


def test_ordinary_numbers_and_words_are_kept(app):
    with app.test_request_context():
        assert mask_personal("lệ phí 15.000.000 đồng, năm 2025; vốn 100.000.000 đồng") == \
            "lệ phí 15.000.000 đồng, năm 2025; vốn 100.000.000 đồng"
        # One word of a name alone is not masked: "An" is also "an toàn".
        assert mask_personal("An toàn giao thông", names=["Nguyễn Văn An"]) == \
            "An toàn giao thông"


# --- Valid HTML ---------------------------------------------------------------------------


def test_the_pages_are_valid_html(app, client, demo, tmp_path):
    from tests.test_html_valid import validate

    pages = {path: client.get(path).text for path in (
        "/phan-anh-kien-nghi", "/phan-anh-kien-nghi/gui", "/phan-anh-kien-nghi/tra-cuu",
        "/hoi-dap/dat-cau-hoi", "/hoi-dap/cau-hoi-cong-dan", "/hoi-dap/")}
    pages["send (errors)"] = _send(client, consent="", phone="", email="").text
    code = _sent_code(client, _send(client, [("a.pdf", PDF)]))
    pages["sent"] = client.get("/phan-anh-kien-nghi/da-gui").text
    pages["followed"] = client.post("/phan-anh-kien-nghi/tra-cuu",
                                    data={"ma": code, "xac-minh": "5678"}).text
    pages["boosted"] = client.get("/phan-anh-kien-nghi", headers={
        "HX-Request": "true", "HX-Boosted": "true"}).text
    question_id = _ask(app, client)
    desk = _as(app, "motcua@demo.local")
    for path in ("/mot-cua/phan-anh-kien-nghi", f"/mot-cua/phan-anh-kien-nghi/{code}",
                 "/mot-cua/phan-anh-kien-nghi/ghi-nhan", "/mot-cua/cau-hoi",
                 f"/mot-cua/cau-hoi/{question_id}"):
        pages[path] = desk.get(path).text
    pages["staff error"] = _act(desk, code, "tra-loi", **{"noi-dung": ""}).text
    assert validate(pages, tmp_path) == {}
