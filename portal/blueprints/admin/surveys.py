"""Editors' pages for consultation surveys (/quan-tri/khao-sat, TT22-PL3-11): the survey's
texts and dates with a preview of its introduction, its questions (added, edited, moved and
removed with plain forms), publication, and the results with a CSV of every response."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from portal.auth import client_address
from portal.blueprints.admin.access import editor_required
from portal.blueprints.admin.survey_forms import QuestionForm, SurveyForm
from portal.blueprints.admin.views import bp
from portal.extensions import db
from portal.htmx import render
from portal.models import Survey, SurveyQuestion
from portal.services import survey_questions, surveys
from portal.services.content import render_markdown
from portal.services.survey_results import csv_text, tally
from portal.services.surveys import SurveyError
from portal.text import slugify


def _survey_or_404(survey_id: int) -> Survey:
    return db.session.get(Survey, survey_id) or abort(404)


def _question_or_404(survey: Survey, question_id: int) -> SurveyQuestion:
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


def _back(survey: Survey, anchor: str | None = None) -> Response:
    return redirect(url_for("admin.edit_survey", survey_id=survey.id, _anchor=anchor), code=303)


def _refuse(form, error: SurveyError) -> None:
    """Put a refused change's reason beside its field (or above the form)."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.get("/khao-sat", endpoint="surveys")
@editor_required
def surveys_list():
    """Every survey with its state and number of responses."""
    return render("admin/surveys.html", rows=surveys.all_surveys(db.session),
                  state_of=surveys.state_of)


@bp.route("/khao-sat/moi", methods=["GET", "POST"])
@editor_required
def new_survey():
    """A new draft survey; its questions are added on the next page."""
    form = SurveyForm()
    if not _previewing() and form.validate_on_submit():
        try:
            survey = surveys.create(db.session, form.to_data(), current_user, client_address())
        except SurveyError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Đã tạo khảo sát. Thêm các câu hỏi rồi xuất bản."), "success")
            return _back(survey)
    return _survey_page(form, None)


@bp.route("/khao-sat/<int:survey_id>", methods=["GET", "POST"])
@editor_required
def edit_survey(survey_id: int):
    """The survey's texts and dates, its questions and its publication."""
    survey = _survey_or_404(survey_id)
    form = SurveyForm()
    if request.method == "GET":
        form.fill(survey)
    elif not _previewing() and form.validate_on_submit():
        try:
            surveys.update(db.session, survey, form.to_data(), current_user, client_address())
        except SurveyError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Đã lưu khảo sát."), "success")
            return _back(survey)
    return _survey_page(form, survey)


def _previewing() -> bool:
    return request.method == "POST" and request.form.get("action") == "preview"


def _survey_page(form: SurveyForm, survey: Survey | None) -> Response:
    preview = Markup(render_markdown(form.intro.data)) if _previewing() else None
    count = surveys.response_count(db.session, survey) if survey else 0
    return render("admin/survey_form.html", form=form, survey=survey, preview=preview,
                  count=count, state=surveys.state_of(survey) if survey else None,
                  locked_reason=surveys.locked_reason(count) if count else None,
                  kind_labels=survey_questions.KIND_LABELS,
                  scale_labels=survey_questions.scale_labels,
                  slug=survey.slug if survey else slugify(form.title.data or ""),
                  status=422 if form.errors else 200)


@bp.post("/khao-sat/<int:survey_id>/xuat-ban")
@editor_required
def publish_survey(survey_id: int):
    """Publish the survey, or withdraw it from the public pages."""
    survey = _survey_or_404(survey_id)
    publish = request.form.get("action") == "publish"
    try:
        surveys.set_published(db.session, survey, publish, current_user, client_address())
    except SurveyError as error:
        flash(error.message, "error")
        return _back(survey)
    db.session.commit()
    flash(_("Đã xuất bản khảo sát.") if publish else _("Đã ngừng xuất bản khảo sát."),
          "success")
    return _back(survey)


@bp.post("/khao-sat/<int:survey_id>/dong")
@editor_required
def close_survey(survey_id: int):
    """End an open survey now: answers stop and the results become public."""
    survey = _survey_or_404(survey_id)
    try:
        surveys.close_now(db.session, survey, current_user, client_address())
    except SurveyError as error:
        flash(error.message, "error")
        return _back(survey)
    db.session.commit()
    flash(_("Đã đóng khảo sát; kết quả đã được công bố."), "success")
    return _back(survey)


@bp.route("/khao-sat/<int:survey_id>/cau-hoi/moi", methods=["GET", "POST"])
@editor_required
def new_survey_question(survey_id: int):
    """Add a question at the end of the survey."""
    survey = _survey_or_404(survey_id)
    return _question_page(survey, None)


@bp.route("/khao-sat/<int:survey_id>/cau-hoi/<int:question_id>", methods=["GET", "POST"])
@editor_required
def edit_survey_question(survey_id: int, question_id: int):
    """Change one question."""
    survey = _survey_or_404(survey_id)
    return _question_page(survey, _question_or_404(survey, question_id))


def _question_page(survey: Survey, question: SurveyQuestion | None) -> Response:
    """The question form; refused (with the reason) once the survey has responses."""
    count = surveys.response_count(db.session, survey)
    if count:
        flash(surveys.locked_reason(count), "error")
        return _back(survey, "cau-hoi")
    form = QuestionForm()
    if request.method == "GET" and question is not None:
        form.fill(question)
    elif form.validate_on_submit():
        data, address = form.to_data(), client_address()
        try:
            if question is None:
                survey_questions.add_question(db.session, survey, data, current_user, address)
            else:
                survey_questions.update_question(db.session, question, data, current_user,
                                                 address)
        except SurveyError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Đã lưu câu hỏi."), "success")
            return _back(survey, "cau-hoi")
    return render("admin/survey_question.html", form=form, survey=survey, question=question,
                  status=422 if form.errors else 200)


@bp.post("/khao-sat/<int:survey_id>/cau-hoi/<int:question_id>/di-chuyen")
@editor_required
def move_survey_question(survey_id: int, question_id: int):
    """Move a question up (``huong=len``) or down (``huong=xuong``)."""
    survey = _survey_or_404(survey_id)
    question = _question_or_404(survey, question_id)
    step = -1 if request.form.get("huong") == "len" else 1
    try:
        moved = survey_questions.move_question(db.session, question, step, current_user,
                                               client_address())
    except SurveyError as error:
        flash(error.message, "error")
        return _back(survey, "cau-hoi")
    if moved:
        db.session.commit()
        flash(_("Đã đổi thứ tự câu hỏi."), "success")
    return _back(survey, f"cau-hoi-{question.id}")


@bp.post("/khao-sat/<int:survey_id>/cau-hoi/<int:question_id>/xoa")
@editor_required
def delete_survey_question(survey_id: int, question_id: int):
    """Remove a question."""
    survey = _survey_or_404(survey_id)
    question = _question_or_404(survey, question_id)
    try:
        survey_questions.remove_question(db.session, question, current_user, client_address())
    except SurveyError as error:
        flash(error.message, "error")
        return _back(survey, "cau-hoi")
    db.session.commit()
    flash(_("Đã xóa câu hỏi."), "success")
    return _back(survey, "cau-hoi")


@bp.get("/khao-sat/<int:survey_id>/ket-qua")
@editor_required
def survey_results(survey_id: int):
    """Counts, shares and free-text answers, at any time (the public sees them once
    closed)."""
    survey = _survey_or_404(survey_id)
    return render("admin/survey_results.html", survey=survey,
                  state=surveys.state_of(survey),
                  results=tally(db.session, survey))


@bp.get("/khao-sat/<int:survey_id>/ket-qua.csv")
@editor_required
def survey_csv(survey_id: int):
    """Every response, one row each, without the voter hash (UTF-8 with BOM for Excel)."""
    survey = _survey_or_404(survey_id)
    response = Response(csv_text(db.session, survey), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="khao-sat-{survey.slug}.csv"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
