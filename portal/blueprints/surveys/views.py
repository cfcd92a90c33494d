"""The list of surveys and one survey: a notice before it opens, its form while open (one
response per person), its results once closed. Never cached: the page depends on whether
this visitor has answered."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.auth import restored_form
from portal.extensions import config_limit, db, login_manager
from portal.htmx import render
from portal.models import Role, Survey
from portal.services import survey_answers, survey_questions, survey_results, surveys
from portal.services.survey_answers import COOKIE_MAX_AGE, COOKIE_NAME, AlreadyAnswered
from portal.services.surveys import State
from portal.templating import local_date

bp = Blueprint("surveys", __name__, url_prefix="/khao-sat")


@bp.get("/")
def index():
    """Open and upcoming surveys, and those closed in the last year with their results."""
    return render("surveys/index.html", groups=surveys.public_surveys(db.session), State=State)


@bp.route("/<slug>", methods=["GET", "POST"])
@config_limit("RATELIMIT_SURVEY")
def detail(slug: str):
    """The survey; POST answers it (CSRF-checked, rate-limited per address)."""
    survey = _visible_or_404(slug)
    state = surveys.state_of(survey)
    if request.method == "POST":
        return _answer(survey, state)
    # Answers sent while logged out (of an account-only survey) come back after logging in.
    restored = restored_form() if state is State.OPEN and current_user.is_authenticated else None
    return _page(survey, state, submitted=restored)


def _visible_or_404(slug: str) -> Survey:
    """A published survey; editors may also open a draft to preview it."""
    survey = surveys.by_slug(db.session, slug)
    editor = current_user.is_authenticated and current_user.has_role(Role.EDITOR, Role.ADMIN)
    if survey is None or not (survey.published or editor):
        abort(404)
    return survey


def _hashes(survey: Survey) -> list[str]:
    """The voter hashes this visitor may have answered under (account, browser)."""
    user_id = current_user.id if current_user.is_authenticated else None
    return survey_answers.voters(survey, user_id, request.cookies.get(COOKIE_NAME))


def _answer(survey: Survey, state: State) -> Response:
    if state is not State.OPEN:
        return _page(survey, state, refused=_closed_message(survey, state), status=409)
    if survey.requires_account and not current_user.is_authenticated:
        return login_manager.unauthorized()
    if survey_answers.has_answered(db.session, survey, _hashes(survey)):
        return _page(survey, state, refused=_already(), status=409)
    answers, errors = survey_answers.check(survey, request.form)
    if errors:
        return _page(survey, state, submitted=request.form, errors=errors, status=422)
    return _store(survey, state, answers)


def _store(survey: Survey, state: State, answers: dict) -> Response:
    """Keep the response under the account's hash, or the browser's (a new token if none)."""
    token: str | None = request.cookies.get(COOKIE_NAME)
    if current_user.is_authenticated:
        user_id, token = current_user.id, None
    else:
        user_id = None
        token = token if survey_answers.valid_token(token) else survey_answers.new_token()
    voter = survey_answers.voters(survey, user_id, token)[0]
    try:
        survey_answers.submit(db.session, survey, voter, answers)
    except AlreadyAnswered:
        db.session.rollback()
        return _page(survey, state, refused=_already(), status=409)
    db.session.commit()
    flash(_("Cảm ơn bạn đã trả lời khảo sát. Ý kiến của bạn đã được ghi nhận."), "success")
    response = redirect(url_for("surveys.detail", slug=survey.slug), code=303)
    if token:
        _remember_browser(response, token)
    return response


def _remember_browser(response: Response, token: str) -> None:
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    response.set_cookie(COOKIE_NAME, token, max_age=COOKIE_MAX_AGE,
                        path=url_for("surveys.index"), httponly=True, samesite="Lax",
                        secure=request.is_secure if secure is None else secure)


def _already() -> str:
    return _("Bạn đã trả lời khảo sát này. Mỗi người chỉ trả lời một lần.")


def _closed_message(survey: Survey, state: State) -> str:
    if state is State.UPCOMING:
        return _("Khảo sát chưa mở; bạn có thể trả lời từ %(time)s.",
                 time=local_date(survey.opens_at))
    if state is State.CLOSED:
        return _("Khảo sát đã kết thúc lúc %(time)s nên không nhận thêm ý kiến.",
                 time=local_date(survey.closes_at))
    return _("Đây là bản xem trước: khảo sát chưa xuất bản nên chưa nhận ý kiến.")


def _page(survey: Survey, state: State, *, submitted: MultiDict | None = None,
          errors: dict[int, str] | None = None, refused: str | None = None,
          status: int = 200) -> Response:
    context = {
        "survey": survey, "state": state, "State": State, "errors": errors or {},
        "submitted": submitted or MultiDict(), "refused": refused,
        "field_name": survey_answers.field_name, "scale_labels": survey_questions.scale_labels,
        "text_limit": survey_answers.TEXT_LIMIT,
        "needs_login": survey.requires_account and not current_user.is_authenticated,
    }
    if state is State.CLOSED:
        context["results"] = survey_results.tally(db.session, survey, public=True)
    else:
        context["answered"] = survey_answers.has_answered(db.session, survey, _hashes(survey))
    response = render("surveys/detail.html", status=status, **context)
    response.headers["Cache-Control"] = "private, no-store"
    return response
