"""Citizens' questions on the staff side (/mot-cua/cau-hoi, TT22-PL3-11): waiting and
answered questions, the answer (e-mailed to the asker), publication, and "promote to FAQ",
which makes a draft FAQ entry for the editors. Every action is audited.

Questions belong to no agency: every one-stop officer sees them all.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.backoffice.views import bp
from portal.blueprints.feedback.views import page_number
from portal.extensions import db
from portal.htmx import render
from portal.models import Faq, Question
from portal.services import jobs, questions

#: List tabs: URL key → answered or not.
TABS = {"cho-tra-loi": False, "da-tra-loi": True}


@bp.get("/cau-hoi")
def questions_index():
    """Questions waiting for an answer (oldest first) or answered, with both counts."""
    tab = request.args.get("tab", "cho-tra-loi")
    tab = tab if tab in TABS else "cho-tra-loi"
    results, counts = questions.inbox(db.session, TABS[tab], page_number())
    return render("feedback/office_questions.html", tab=tab, tabs=TABS, results=results,
                  counts=counts)


def _find_or_404(question_id: int) -> Question:
    return db.session.get(Question, question_id) or abort(404)


@bp.get("/cau-hoi/<int:question_id>")
def question(question_id: int):
    """One question, its answer and what can be done with it."""
    return _question_page(_find_or_404(question_id))


def _question_page(question: Question, status: int = 200, errors: dict | None = None,
                   values=None):
    faq = db.session.get(Faq, question.faq_id) if question.faq_id else None
    return render("feedback/office_question.html", status=status, question=question, faq=faq,
                  errors=errors or {}, values=values or {})


def _answer(question: Question) -> str:
    questions.answer(db.session, question, current_user, request.form.get("noi-dung", ""))
    if question.email:
        return _("Đã trả lời; người hỏi nhận câu trả lời qua thư điện tử.")
    return _("Đã lưu câu trả lời.")


def _publish(question: Question) -> str:
    questions.set_published(db.session, question, current_user, True)
    return _("Đã công khai câu hỏi và câu trả lời (không kèm thông tin cá nhân).")


def _unpublish(question: Question) -> str:
    questions.set_published(db.session, question, current_user, False)
    return _("Đã thôi công khai.")


def _promote(question: Question) -> str:
    questions.promote(db.session, question, current_user)
    return _("Đã tạo bản nháp câu hỏi thường gặp; biên tập viên sẽ xem lại và đăng.")


ACTIONS: dict[str, Callable[[Question], str]] = {
    "tra-loi": _answer, "cong-khai": _publish, "thoi-cong-khai": _unpublish,
    "dua-vao-hoi-dap": _promote}


@bp.post("/cau-hoi/<int:question_id>/<action>")
def question_act(question_id: int, action: str):
    """Do one action on the question; a refused one is shown again with its reason."""
    question = _find_or_404(question_id)
    handler = ACTIONS.get(action) or abort(404)
    try:
        done = handler(question)
    except questions.QuestionError as error:
        db.session.rollback()
        return _question_page(_find_or_404(question_id), 422, {action: str(error)},
                              {action: request.form})
    db.session.commit()
    jobs.kick()
    flash(done, "success")
    return redirect(url_for(".question", question_id=question_id), code=303)
