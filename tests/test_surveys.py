"""Consultation surveys (TT22-PL3-11): editors' pages, answering once per person with nothing
personal stored, results and their CSV, rate limit and CSRF."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select

from portal.models import AuditEvent, Revision, Survey, SurveyQuestion, SurveyResponse, User
from portal.services import survey_answers, surveys
from tests.conftest import login, make_app

EDITOR = "bientap@demo.local"
CITIZEN = "congdan@demo.local"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(days: float = 0) -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=days)


def _local(moment: datetime) -> str:
    """A moment as ``<input type="datetime-local">`` sends it."""
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def make_survey(session, *, slug: str = "hai-long", opens: float = -1, closes: float = 7,
                published: bool = True, requires_account: bool = False) -> Survey:
    """A survey with one question of each kind: single (required), multiple, scale 1–5
    (required) and free text."""
    survey = Survey(slug=slug, title="Mức độ hài lòng với bộ phận một cửa", intro="Xin chào",
                    intro_html="<p>Xin chào</p>", opens_at=_at(opens), closes_at=_at(closes),
                    published=published, requires_account=requires_account, questions=[
                        SurveyQuestion(position=1, kind="single", text="Bạn biết cổng qua đâu?",
                                       options=["Báo chí", "Bạn bè", "Mạng xã hội"]),
                        SurveyQuestion(position=2, kind="multiple", required=False,
                                       text="Bạn đã làm thủ tục nào?",
                                       options=["Khai sinh", "Kết hôn", "Chứng thực"]),
                        SurveyQuestion(position=3, kind="scale", text="Bạn hài lòng đến đâu?",
                                       scale_min=1, scale_max=5,
                                       options=["Rất không hài lòng", "Rất hài lòng"]),
                        SurveyQuestion(position=4, kind="text", required=False,
                                       text="Góp ý thêm"),
                    ])
    session.add(survey)
    session.commit()
    return survey


def _answers(survey: Survey, single="Bạn bè", multiple=("Khai sinh",), scale="4",
             text="") -> dict:
    q = survey.questions
    return {f"q{q[0].id}": single, f"q{q[1].id}": list(multiple), f"q{q[2].id}": scale,
            f"q{q[3].id}": text}


def _responses(session, survey: Survey) -> list[SurveyResponse]:
    session.rollback()  # end the read snapshot; see the requests' commits
    return list(session.scalars(select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.id)))


def _editor(client):
    assert login(client, EDITOR).status_code == 303
    return client


def _survey_form(**overrides) -> dict:
    return {"title": "Khảo sát mức độ hài lòng năm 2026", "intro": "Mời bạn **góp ý**.",
            "opens_at": _local(_at(1)), "closes_at": _local(_at(30)), **overrides}


# --- Editors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [CITIZEN, "motcua@demo.local", "chuyenvien@demo.local"])
def test_only_editors_and_administrators_manage_surveys(client, demo, session, email):
    survey = make_survey(session)
    login(client, email)
    for path in ("/quan-tri/khao-sat", "/quan-tri/khao-sat/moi",
                 f"/quan-tri/khao-sat/{survey.id}", f"/quan-tri/khao-sat/{survey.id}/ket-qua",
                 f"/quan-tri/khao-sat/{survey.id}/ket-qua.csv"):
        assert client.get(path).status_code == 403, path
    assert client.post("/quan-tri/khao-sat/moi", data=_survey_form()).status_code == 403
    assert client.post(f"/quan-tri/khao-sat/{survey.id}/xuat-ban",
                       data={"action": "unpublish"}).status_code == 403
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Survey)) == 1


def test_anonymous_visitors_are_sent_to_log_in(client, demo):
    response = client.get("/quan-tri/khao-sat")
    assert response.status_code == 303 and "/tai-khoan/dang-nhap" in response.headers["Location"]


def test_administrators_may_manage_surveys_and_the_area_is_linked(client, demo):
    login(client, "quantri@demo.local")
    assert client.get("/quan-tri/khao-sat").status_code == 200
    assert 'href="/quan-tri/khao-sat"' in client.get("/quan-tri/").text


def test_an_editor_creates_a_survey_adds_questions_and_publishes_it(client, demo, session):
    _editor(client)
    response = client.post("/quan-tri/khao-sat/moi", data=_survey_form())
    assert response.status_code == 303
    session.rollback()
    survey = session.scalar(select(Survey))
    assert survey.slug == "khao-sat-muc-do-hai-long-nam-2026" and not survey.published
    assert survey.intro_html == "<p>Mời bạn <strong>góp ý</strong>.</p>\n"
    assert response.headers["Location"].endswith(f"/quan-tri/khao-sat/{survey.id}")
    # Local times typed by the editor are stored in UTC.
    assert _local(survey.opens_at) == _survey_form()["opens_at"]
    base = f"/quan-tri/khao-sat/{survey.id}"
    refused = client.post(f"{base}/xuat-ban", data={"action": "publish"}, follow_redirects=True)
    assert "Thêm ít nhất một câu hỏi trước khi xuất bản." in refused.text
    assert client.post(f"{base}/cau-hoi/moi", data={
        "text": "Bạn biết cổng qua đâu?", "kind": "single", "required": "y",
        "options": "Báo chí\n\n  Bạn bè  \nMạng xã hội\n", "scale_min": "1",
        "scale_max": "5"}).status_code == 303
    assert client.post(f"{base}/cau-hoi/moi", data={
        "text": "Bạn hài lòng đến đâu?", "kind": "scale", "scale_min": "0", "scale_max": "10",
        "scale_low": "Rất tệ", "scale_high": ""}).status_code == 303
    assert client.post(f"{base}/xuat-ban", data={"action": "publish"}).status_code == 303
    session.rollback()
    survey = session.get(Survey, survey.id)
    single, scale = survey.questions
    assert single.options == ["Báo chí", "Bạn bè", "Mạng xã hội"] and single.required
    assert (scale.kind, scale.scale_min, scale.scale_max, scale.options, scale.required) == (
        "scale", 0, 10, ["Rất tệ", ""], False)
    assert survey.published
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "survey")).all()
    assert actions == ["survey_created", "survey_updated", "survey_updated", "survey_published"]
    revisions = session.scalars(select(Revision).where(Revision.kind == "survey")
                                .order_by(Revision.number)).all()
    assert len(revisions[-1].data["questions"]) == 2 and revisions[-1].data["published"]
    listing = client.get("/quan-tri/khao-sat").text
    assert "Khảo sát mức độ hài lòng năm 2026" in listing and "Sắp mở" in listing


def test_survey_titles_make_distinct_addresses(client, demo, session):
    _editor(client)
    for _ in range(2):
        assert client.post("/quan-tri/khao-sat/moi", data=_survey_form()).status_code == 303
    session.rollback()
    assert sorted(session.scalars(select(Survey.slug))) == [
        "khao-sat-muc-do-hai-long-nam-2026", "khao-sat-muc-do-hai-long-nam-2026-2"]


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "Nhập tiêu đề khảo sát."),
    ({"opens_at": ""}, "Nhập ngày và giờ bắt đầu."),
    ({"closes_at": "ngày mai"}, "Nhập ngày và giờ kết thúc."),
    ({"closes_at": _local(_at(0.5))}, "Thời điểm kết thúc phải sau thời điểm bắt đầu."),
])
def test_a_survey_needs_a_title_and_a_period(client, demo, session, overrides, message):
    _editor(client)
    response = client.post("/quan-tri/khao-sat/moi", data=_survey_form(**overrides))
    assert response.status_code == 422 and message in response.text
    assert "<title>Lỗi: " in response.text and 'aria-invalid="true"' in response.text
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Survey)) == 0


def test_the_introduction_is_previewed_sanitised_without_saving(client, demo, session):
    _editor(client)
    response = client.post("/quan-tri/khao-sat/moi", data=_survey_form(
        action="preview", intro="## Mục đích\n\n**Đậm** <script>alert(1)</script>"))
    assert response.status_code == 200
    assert "<h2>Mục đích</h2>" in response.text and "<strong>Đậm</strong>" in response.text
    assert "<script>alert" not in response.text
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Survey)) == 0


def test_questions_are_edited_moved_and_removed(client, demo, session):
    survey = make_survey(session, published=False)
    first, second, third, fourth = (q.id for q in survey.questions)
    _editor(client)
    base = f"/quan-tri/khao-sat/{survey.id}/cau-hoi"
    page = client.get(f"{base}/{first}")
    assert "Báo chí\nBạn bè\nMạng xã hội</textarea>" in page.text
    assert client.post(f"{base}/{third}/di-chuyen", data={"huong": "len"}).status_code == 303
    assert client.post(f"{base}/{first}/di-chuyen", data={"huong": "len"}).status_code == 303
    assert client.post(f"{base}/{second}/xoa").status_code == 303
    assert client.post(f"{base}/{fourth}", data={
        "text": "Bạn muốn góp ý gì thêm?", "kind": "text"}).status_code == 303
    session.rollback()
    survey = session.get(Survey, survey.id)
    assert [q.id for q in survey.questions] == [first, third, fourth]
    assert survey.questions[-1].text == "Bạn muốn góp ý gì thêm?"
    assert not survey.questions[-1].required and survey.questions[-1].options == []
    assert client.get(f"{base}/{second}").status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"text": "", "kind": "single", "options": "A\nB"}, "Nhập câu hỏi."),
    ({"text": "Chọn", "kind": "single", "options": "Chỉ một"}, "Nhập ít nhất hai lựa chọn"),
    ({"text": "Chọn", "kind": "multiple", "options": "A\nA"}, "Hai lựa chọn trùng nhau"),
    ({"text": "Chọn", "kind": "khac"}, "Chọn kiểu câu hỏi."),
])
def test_questions_that_cannot_be_answered_are_refused(client, demo, session, data, message):
    survey = make_survey(session, published=False)
    _editor(client)
    response = client.post(f"/quan-tri/khao-sat/{survey.id}/cau-hoi/moi",
                           data={"scale_min": "1", "scale_max": "5", **data})
    assert response.status_code == 422 and message in response.text


def test_questions_are_frozen_once_answered(client, demo, session):
    survey = make_survey(session)
    ids = [q.id for q in survey.questions]
    _answered(session, survey, {str(ids[0]): "Bạn bè"})
    _editor(client)
    base = f"/quan-tri/khao-sat/{survey.id}"
    page = client.get(base).text
    assert "đã có 1 câu trả lời nên không thể thêm, sửa, xóa hay đổi thứ tự" in page
    assert "Thêm câu hỏi" not in page and f"{base}/cau-hoi/{ids[0]}/xoa" not in page
    for path, data in ((f"{base}/cau-hoi/moi", {"text": "Mới", "kind": "text"}),
                       (f"{base}/cau-hoi/{ids[0]}", {"text": "Đổi", "kind": "text"}),
                       (f"{base}/cau-hoi/{ids[1]}/di-chuyen", {"huong": "len"}),
                       (f"{base}/cau-hoi/{ids[2]}/xoa", {})):
        refused = client.post(path, data=data, follow_redirects=True)
        assert "không thể thêm, sửa, xóa hay đổi thứ tự" in refused.text, path
    # Texts and dates may still change.
    assert client.post(base, data=_survey_form(
        title="Tiêu đề mới", opens_at=_local(_at(-1)))).status_code == 303
    session.rollback()
    survey = session.get(Survey, survey.id)
    assert [q.id for q in survey.questions] == ids and survey.questions[0].text != "Đổi"
    assert survey.title == "Tiêu đề mới" and survey.slug == "hai-long"


def test_an_open_survey_is_closed_and_unpublished_by_editors(client, demo, session):
    survey = make_survey(session)
    _editor(client)
    assert client.post(f"/quan-tri/khao-sat/{survey.id}/dong").status_code == 303
    session.rollback()
    assert surveys.state_of(session.get(Survey, survey.id)) is surveys.State.CLOSED
    assert "survey_closed" in session.scalars(select(AuditEvent.action)).all()
    assert client.post(f"/quan-tri/khao-sat/{survey.id}/xuat-ban",
                       data={"action": "unpublish"}).status_code == 303
    client.post("/tai-khoan/dang-xuat")
    assert client.get("/khao-sat/hai-long").status_code == 404


# --- Answering -------------------------------------------------------------------------------


def test_the_survey_page_is_an_accessible_form(client, demo, session):
    survey = make_survey(session)
    page = client.get("/khao-sat/hai-long")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    html = page.text
    assert html.count("<fieldset") == 3 and html.count("<legend") == 3
    text_id = survey.questions[3].id
    assert f'<label class="portal-label portal-survey-question__text" for="q{text_id}"' in html
    assert "1 – Rất không hài lòng" in html and "5 – Rất hài lòng" in html
    assert 'name="csrf_token"' in html and 'href="/khao-sat/"' in html


@pytest.mark.parametrize("change, index, message", [
    ({"single": ""}, 0, "Chọn một câu trả lời cho câu hỏi này."),
    ({"single": "Ti vi"}, 0, "Chọn một trong các lựa chọn đã cho."),
    ({"multiple": ("Khai sinh", "Nhận nuôi")}, 1, "Chỉ chọn trong các lựa chọn đã cho."),
    ({"scale": ""}, 2, "Chọn một mức cho câu hỏi này."),
    ({"scale": "6"}, 2, "Chọn một mức từ 1 đến 5."),
    ({"scale": "0"}, 2, "Chọn một mức từ 1 đến 5."),
    ({"scale": "bốn"}, 2, "Chọn một mức từ 1 đến 5."),
    ({"text": "x" * 2001}, 3, "Câu trả lời dài tối đa 2.000 ký tự"),
])
def test_wrong_answers_are_refused_beside_their_question(client, demo, session, change, index,
                                                         message):
    survey = make_survey(session)
    data = _answers(survey, **{"text": "Giữ lại câu này", **change})
    response = client.post("/khao-sat/hai-long", data=data)
    assert response.status_code == 422
    question = survey.questions[index]
    error = re.search(rf'<p class="portal-error-message" id="q{question.id}-error">(.*?)</p>',
                      response.text, re.S)
    assert error and message in error.group(1)
    assert f'href="#q{question.id}"' in response.text  # the summary links to the question
    if index != 3:
        assert "Giữ lại câu này</textarea>" in response.text  # what was typed is kept
    assert _responses(session, survey) == []


def test_answers_are_stored_as_given(client, demo, session):
    survey = make_survey(session)
    data = _answers(survey, multiple=("Chứng thực", "Khai sinh"), text="  Nhanh  \n\n gọn ")
    response = client.post("/khao-sat/hai-long", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/khao-sat/hai-long"
    (stored,) = _responses(session, survey)
    q = survey.questions
    assert stored.answers == {str(q[0].id): "Bạn bè", str(q[1].id): ["Khai sinh", "Chứng thực"],
                              str(q[2].id): "4", str(q[3].id): "Nhanh\ngọn"}
    page = client.get("/khao-sat/hai-long").text
    assert "Cảm ơn bạn đã trả lời khảo sát." in page and "Bạn đã trả lời khảo sát này" in page
    assert "<form class=\"portal-survey\"" not in page


def test_optional_questions_may_be_skipped(client, demo, session):
    survey = make_survey(session)
    data = _answers(survey, multiple=(), text="")
    assert client.post("/khao-sat/hai-long", data=data).status_code == 303
    (stored,) = _responses(session, survey)
    assert set(stored.answers) == {str(survey.questions[0].id), str(survey.questions[2].id)}


def test_a_logged_in_person_answers_once(client, demo, session):
    survey = make_survey(session)
    login(client, CITIZEN)
    assert client.post("/khao-sat/hai-long", data=_answers(survey)).status_code == 303
    again = client.post("/khao-sat/hai-long", data=_answers(survey, single="Báo chí"))
    assert again.status_code == 409 and "Bạn đã trả lời khảo sát này" in again.text
    # Even from another browser (a new login, no cookie).
    other = client.application.test_client()
    login(other, CITIZEN)
    assert other.post("/khao-sat/hai-long", data=_answers(survey)).status_code == 409
    assert [r.answers[str(survey.questions[0].id)] for r in _responses(session, survey)] == [
        "Bạn bè"]


def test_an_anonymous_browser_answers_once_by_its_cookie(client, demo, session):
    survey = make_survey(session)
    response = client.post("/khao-sat/hai-long", data=_answers(survey))
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith(survey_answers.COOKIE_NAME + "="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/khao-sat/" in cookie
    assert "Max-Age=34560000" in cookie
    again = client.post("/khao-sat/hai-long", data=_answers(survey))
    assert again.status_code == 409 and "Bạn đã trả lời khảo sát này" in again.text
    for _ in range(2):  # two other browsers
        assert client.application.test_client().post(
            "/khao-sat/hai-long", data=_answers(survey)).status_code == 303
    assert len(_responses(session, survey)) == 3


def test_a_browser_that_answered_anonymously_cannot_answer_again_after_logging_in(
        client, demo, session):
    survey = make_survey(session)
    assert client.post("/khao-sat/hai-long", data=_answers(survey)).status_code == 303
    login(client, CITIZEN)
    assert client.post("/khao-sat/hai-long", data=_answers(survey)).status_code == 409


def test_an_account_only_survey_sends_visitors_to_log_in_and_keeps_their_answers(
        client, demo, session):
    survey = make_survey(session, requires_account=True)
    page = client.get("/khao-sat/hai-long").text
    assert "Đăng nhập để trả lời" in page and "/tai-khoan/dang-nhap?next=/khao-sat/hai-long" in page
    assert "<form class=\"portal-survey\"" not in page
    response = client.post("/khao-sat/hai-long", data=_answers(survey, single="Báo chí"))
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/tai-khoan/dang-nhap?next=")
    assert _responses(session, survey) == []
    login(client, CITIZEN)
    page = client.get("/khao-sat/hai-long").text  # the answers come back, ready to send
    assert re.search(r'value="Báo chí" checked', page)
    assert client.post("/khao-sat/hai-long", data=_answers(survey)).status_code == 303
    assert len(_responses(session, survey)) == 1


@pytest.mark.parametrize("opens, closes, status_text, refusal", [
    (2, 9, "Khảo sát chưa mở, mở lúc", "Khảo sát chưa mở; bạn có thể trả lời từ"),
    (-9, -2, "Chưa có ai trả lời khảo sát này.", "Khảo sát đã kết thúc lúc"),
])
def test_surveys_take_answers_only_while_open(client, demo, session, opens, closes,
                                              status_text, refusal):
    survey = make_survey(session, opens=opens, closes=closes)
    page = client.get("/khao-sat/hai-long")
    assert page.status_code == 200 and status_text in page.text
    assert "<form class=\"portal-survey\"" not in page.text
    response = client.post("/khao-sat/hai-long", data=_answers(survey))
    assert response.status_code == 409 and refusal in response.text
    assert _responses(session, survey) == []


def test_drafts_are_hidden_from_the_public_and_previewed_by_editors(client, demo, session):
    survey = make_survey(session, published=False)
    assert client.get("/khao-sat/hai-long").status_code == 404
    assert client.post("/khao-sat/hai-long", data=_answers(survey)).status_code == 404
    assert "hai-long" not in client.get("/khao-sat/").text
    _editor(client)
    page = client.get("/khao-sat/hai-long")
    assert page.status_code == 200 and "Bản xem trước" in page.text
    assert client.post("/khao-sat/hai-long", data=_answers(survey)).status_code == 409
    assert _responses(session, survey) == []


def test_the_list_shows_open_upcoming_and_recently_closed_surveys(client, demo, session):
    make_survey(session, slug="dang-mo")
    make_survey(session, slug="sap-mo", opens=3, closes=10)
    make_survey(session, slug="vua-xong", opens=-20, closes=-3)
    make_survey(session, slug="lau-roi", opens=-800, closes=-700)
    html = client.get("/khao-sat/").text
    open_at, soon_at, done_at = (html.index(f'href="/khao-sat/{slug}"')
                                 for slug in ("dang-mo", "sap-mo", "vua-xong"))
    assert open_at < soon_at < done_at and "lau-roi" not in html
    assert 'href="/khao-sat/vua-xong#ket-qua"' in html
    assert 'href="/khao-sat/"' in client.get("/").text  # linked from the footer


# --- Results ---------------------------------------------------------------------------------


def _answered(session, survey: Survey, *answer_sets: dict) -> None:
    for number, answers in enumerate(answer_sets):
        survey_answers.submit(session, survey, f"{number:064d}", answers)
    session.commit()


def test_results_count_and_share_each_option(app, client, demo, session):
    survey = make_survey(session, opens=-9, closes=-1)
    q = [str(question.id) for question in survey.questions]
    _answered(session, survey,
              {q[0]: "Bạn bè", q[1]: ["Khai sinh", "Kết hôn"], q[2]: "5", q[3]: "<b>Tốt</b>"},
              {q[0]: "Bạn bè", q[1]: ["Khai sinh"], q[2]: "4",
               q[3]: "Gọi tôi: 0912 345 678"},
              {q[0]: "Báo chí", q[2]: "5"})
    from portal.services import survey_results

    with app.test_request_context():
        results = survey_results.tally(session, survey)
    single, multiple, scale, text = results.questions
    assert results.total == 3
    assert [(r.label, r.count, round(r.share, 3)) for r in single.rows] == [
        ("Báo chí", 1, 0.333), ("Bạn bè", 2, 0.667), ("Mạng xã hội", 0, 0)]
    assert multiple.answered == 2 and [(r.count, r.share) for r in multiple.rows] == [
        (2, 1.0), (1, 0.5), (0, 0.0)]
    assert [r.label for r in scale.rows] == [
        "1 – Rất không hài lòng", "2", "3", "4", "5 – Rất hài lòng"]
    assert [r.count for r in scale.rows] == [0, 0, 0, 1, 2]
    assert text.texts == ["<b>Tốt</b>", "Gọi tôi: 0912 345 678"] and text.chart is None
    html = client.get("/khao-sat/hai-long").text
    assert "3 người đã trả lời." in html and "2 (66,7%)" in html and "1 (33,3%)" in html
    assert "tổng tỉ lệ có thể lớn hơn 100%" in html
    assert "&lt;b&gt;Tốt&lt;/b&gt;" in html and "<b>Tốt</b>" not in html
    # Published free text has contact details masked; editors still read it as written.
    assert "Gọi tôi: [đã ẩn]" in html and "0912 345 678" not in html
    assert html.count('role="img"') == 3  # one chart per choice or scale question


def test_editors_see_results_before_the_survey_closes(client, demo, session):
    survey = make_survey(session)
    _answered(session, survey, {str(survey.questions[0].id): "Bạn bè"})
    assert 'id="ket-qua"' not in client.get("/khao-sat/hai-long").text
    _editor(client)
    page = client.get(f"/quan-tri/khao-sat/{survey.id}/ket-qua")
    assert page.status_code == 200 and "1 người đã trả lời." in page.text
    assert "Kết quả tạm thời" in page.text and "1 (100%)" in page.text


def test_responses_download_as_csv_without_voters(client, demo, session):
    survey = make_survey(session)
    q = [str(question.id) for question in survey.questions]
    _answered(session, survey,
              {q[0]: "Bạn bè", q[1]: ["Khai sinh", "Kết hôn"], q[2]: "5",
               q[3]: "=HYPERLINK(\"http://x\")"},
              {q[0]: "Báo chí", q[2]: "3", q[3]: "Dòng 1\nDòng 2"})
    _editor(client)
    response = client.get(f"/quan-tri/khao-sat/{survey.id}/ket-qua.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="khao-sat-hai-long.csv"' in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == ["STT", "Ngày trả lời", "Câu 1: Bạn biết cổng qua đâu?",
                       "Câu 2: Bạn đã làm thủ tục nào?", "Câu 3: Bạn hài lòng đến đâu?",
                       "Câu 4: Góp ý thêm"]
    today = datetime.now(ZONE).strftime("%d/%m/%Y")
    assert rows[1] == ["1", today, "Bạn bè", "Khai sinh; Kết hôn", "5",
                       "'=HYPERLINK(\"http://x\")"]
    assert rows[2] == ["2", today, "Báo chí", "", "3", "Dòng 1\nDòng 2"]
    assert "0" * 64 not in body and len(rows) == 3


# --- Privacy and abuse -----------------------------------------------------------------------


def test_nothing_personal_is_stored_with_a_response(app, client, demo, session):
    survey = make_survey(session)
    other = make_survey(session, slug="khac")
    login(client, CITIZEN)
    client.post("/khao-sat/hai-long", data=_answers(survey, text="Ổn"))
    client.post("/khao-sat/khac", data=_answers(other))
    columns = {column["name"] for column in inspect(session.get_bind()).get_columns(
        "survey_response")}
    assert columns == {"id", "survey_id", "voter", "created_at", "answers"}
    citizen = session.scalar(select(User).where(User.email == CITIZEN))
    (first,), (second,) = _responses(session, survey), _responses(session, other)
    assert re.fullmatch(r"[0-9a-f]{64}", first.voter)
    # A keyed hash: nothing about the account in it, and unlinkable between surveys.
    assert citizen.email not in first.voter
    assert first.voter != second.voter
    import hashlib
    assert first.voter != hashlib.sha256(f"user:{citizen.id}".encode()).hexdigest()
    assert "127.0.0.1" not in repr(first.answers) and CITIZEN not in repr(first.answers)


def test_answers_are_rate_limited_per_address(demo, request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, RATELIMIT_ENABLED=True,
                   RATELIMIT_SURVEY="2 per minute")
    from portal.extensions import db

    with app.app_context():
        survey = make_survey(db.session)
        data = _answers(survey)
    statuses = [app.test_client().post("/khao-sat/hai-long", data=data).status_code
                for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert app.test_client().get("/khao-sat/hai-long").status_code == 200  # reading is free


def test_answers_need_the_csrf_token(demo, request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, WTF_CSRF_ENABLED=True)
    from portal.extensions import db

    with app.app_context():
        survey = make_survey(db.session)
        data = _answers(survey)
    client = app.test_client()
    page = client.get("/khao-sat/hai-long").text
    assert client.post("/khao-sat/hai-long", data=data).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/khao-sat/hai-long", data={**data, "csrf_token": token}).status_code == 303


def test_survey_pages_are_valid_html(client, demo, session, tmp_path):
    from tests.test_html_valid import validate

    survey = make_survey(session)
    make_survey(session, slug="xong", opens=-9, closes=-1)
    _answered(session, survey, {str(survey.questions[0].id): "Bạn bè"})
    documents = {path: client.get(path).text for path in ("/khao-sat/", "/khao-sat/hai-long",
                                                          "/khao-sat/xong")}
    documents["errors"] = client.post("/khao-sat/hai-long", data={}).text
    _editor(client)
    for path in ("/quan-tri/khao-sat", "/quan-tri/khao-sat/moi",
                 f"/quan-tri/khao-sat/{survey.id}", f"/quan-tri/khao-sat/{survey.id}/ket-qua",
                 f"/quan-tri/khao-sat/{survey.id + 1}/cau-hoi/moi"):
        documents[path] = client.get(path).text
    assert validate(documents, tmp_path) == {}
