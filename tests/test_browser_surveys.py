"""Surveys in a real browser at phone size: answering with and without JavaScript, an editor
building a survey without JavaScript, and axe on the survey, results and editors' pages."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Survey, SurveyResponse
from portal.services import survey_answers
from tests.browser_harness import log_in
from tests.test_surveys import make_survey


def _survey(live_server, **kwargs) -> Survey:
    with live_server.app.app_context():
        survey = make_survey(db.session, **kwargs)
        assert all(q.id for q in survey.questions)  # loaded before leaving the session
        db.session.expunge(survey)
        return survey


def _stored(live_server) -> list[dict]:
    with live_server.app.app_context():
        return list(db.session.scalars(select(SurveyResponse.answers)))


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_visitor_answers_a_survey(open_page, live_server, js, axe_violations, screenshot):
    _survey(live_server)
    page = open_page("/khao-sat/hai-long", js=js)
    if js:
        assert axe_violations(page) == []
    screenshot(page, "form")
    page.get_by_label("Góp ý thêm").fill("Cán bộ nhiệt tình.")
    assert page.get_by_label("6", exact=True).count() == 0  # the scale stops at 5
    page.get_by_role("button", name="Gửi ý kiến").click()
    expect(page).to_have_title(re.compile("^Lỗi: "))
    expect(page.locator(".portal-error-summary")).to_contain_text(
        "Câu 1: Chọn một câu trả lời cho câu hỏi này.")
    expect(page.locator(".portal-error-summary")).to_contain_text(
        "Câu 3: Chọn một mức cho câu hỏi này.")
    assert page.get_by_label("Góp ý thêm").input_value() == "Cán bộ nhiệt tình."  # kept
    if js:
        # Focus moves once htmx has settled the swapped page: wait for it.
        expect(page.locator("[data-module='error-summary']")).to_be_focused()
        assert axe_violations(page) == []
        page.get_by_role("link", name=re.compile("Câu 1:")).click()
        expect(page.locator(":focus")).to_have_attribute("type", "radio")
    screenshot(page, "errors")
    page.get_by_label("Bạn bè").check()
    page.get_by_label("Khai sinh").check()
    page.get_by_label("Chứng thực").check()
    page.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Gửi ý kiến").click()
    expect(page.locator("#flash")).to_contain_text("Cảm ơn bạn đã trả lời khảo sát.")
    expect(page.get_by_role("heading", name="Bạn đã trả lời khảo sát này")).to_be_visible()
    screenshot(page, "done")
    (answers,) = _stored(live_server)
    assert sorted(map(str, answers.values())) == sorted(
        ["4", "Bạn bè", "Cán bộ nhiệt tình.", "['Khai sinh', 'Chứng thực']"])
    cookie = next(c for c in page.context.cookies() if c["name"] == survey_answers.COOKIE_NAME)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.reload()  # the same browser is recognised: no form any more
    expect(page.get_by_role("button", name="Gửi ý kiến")).to_have_count(0)


def test_an_editor_builds_and_publishes_a_survey_without_javascript(open_page, live_server,
                                                                    screenshot):
    page = open_page("/", js=False)
    log_in(page, "bientap@demo.local")
    page.goto("/quan-tri/")
    page.get_by_role("link", name="Khảo sát ý kiến").first.click()
    page.get_by_role("link", name="Tạo khảo sát").click()
    page.get_by_label("Tiêu đề").fill("Ý kiến về giờ làm việc")
    page.get_by_label("Lời giới thiệu").fill("Bạn muốn **làm thủ tục** vào giờ nào?")
    page.get_by_role("button", name="Xem trước lời giới thiệu").click()
    expect(page.locator(".portal-survey-preview strong")).to_have_text("làm thủ tục")
    page.get_by_label("Bắt đầu nhận ý kiến").fill("2020-01-01T08:00")
    page.get_by_label("Kết thúc nhận ý kiến").fill("2099-12-31T17:00")
    page.get_by_role("button", name="Tạo khảo sát").click()
    expect(page.locator("#flash")).to_contain_text("Đã tạo khảo sát.")
    for text, options in (("Bạn thường đến vào buổi nào?", "Sáng\nChiều"),
                          ("Bạn muốn làm thêm thứ Bảy không?", "Có\nKhông")):
        page.get_by_role("link", name="Thêm câu hỏi").click()
        page.locator("#text").fill(text)
        page.get_by_label("Các lựa chọn").fill(options)
        page.get_by_role("button", name="Lưu câu hỏi").click()
        expect(page.locator("#flash")).to_contain_text("Đã lưu câu hỏi.")
    page.get_by_role("button", name="Lên câu hỏi 2").click()
    expect(page.locator(".portal-survey-questions__text").first).to_have_text(
        "Bạn muốn làm thêm thứ Bảy không?")
    page.get_by_role("button", name="Xuất bản").click()
    expect(page.locator("#flash")).to_contain_text("Đã xuất bản khảo sát.")
    screenshot(page, "editor")
    page.get_by_role("link", name="Xem trang công khai").click()
    expect(page.locator("legend").first).to_contain_text("Bạn muốn làm thêm thứ Bảy không?")


def test_survey_results_and_editors_pages_have_no_axe_violations(
        open_page, live_server, axe_violations, screenshot):
    survey = _survey(live_server, slug="da-xong", opens=-9, closes=-1)
    draft = _survey(live_server, slug="nhap", published=False)
    q = [str(question.id) for question in survey.questions]
    with live_server.app.app_context():
        closed = db.session.get(Survey, survey.id)
        for n, (single, scale, text) in enumerate((("Bạn bè", "5", "Rất nhanh gọn."),
                                                   ("Báo chí", "4", ""), ("Bạn bè", "2", ""))):
            survey_answers.submit(db.session, closed, f"{n:064d}", {
                q[0]: single, q[1]: ["Khai sinh"], q[2]: scale, **({q[3]: text} if text else {})})
        db.session.commit()
    found = {}
    page = open_page("/khao-sat/da-xong")
    expect(page.locator("#ket-qua")).to_have_text("Kết quả")
    page.get_by_text("Xem 1 ý kiến").click()
    found["results"] = axe_violations(page)
    screenshot(page, "results")
    page.goto("/khao-sat/")
    found["list"] = axe_violations(page)
    screenshot(page, "list")
    log_in(page, "bientap@demo.local")
    for name, path in (("editor-list", "/quan-tri/khao-sat"),
                       ("editor-survey", f"/quan-tri/khao-sat/{survey.id}"),
                       ("editor-draft", f"/quan-tri/khao-sat/{draft.id}"),
                       ("editor-question", f"/quan-tri/khao-sat/{draft.id}/cau-hoi/moi"),
                       ("editor-results", f"/quan-tri/khao-sat/{survey.id}/ket-qua")):
        page.goto(path)
        found[name] = axe_violations(page)
        screenshot(page, name)
    assert found == {name: [] for name in found}
