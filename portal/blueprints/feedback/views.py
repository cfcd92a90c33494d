"""Feedback and petitions (/phan-anh-kien-nghi, TT22-PL3-18): the answers the authority
published, the form anyone can send (no account needed), its confirmation with the tracking
code, and following it by code and a second factor."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.blueprints.feedback.forms import SendForm
from portal.edge import arg_int
from portal.db import release_write_lock
from portal.extensions import config_limit, db, limiter
from portal.htmx import render
from portal.models import Petition, PetitionChannel, Procedure
from portal.services import jobs, petitions, throttle, uploads

bp = Blueprint("feedback", __name__, url_prefix="/phan-anh-kien-nghi")

#: Where the confirmation page finds the code just issued (this browser only).
SENT_KEY = "feedback_sent"


def sending_limit(key: str, refused_page: Callable[[str], Response]):
    """The rate limit ``key`` on sending (POST). A form sent back only to correct what was
    typed does not count; one whose files were checked does, since it cost storage. Over
    the limit, ``refused_page(message)`` shows the form again with what was typed (429)."""
    def breached(_limit) -> Response:
        return refused_page(_(
            "Đã có nhiều lần gửi từ địa chỉ mạng của bạn trong một giờ qua (có thể từ người "
            "khác dùng chung mạng). Nội dung bạn nhập vẫn còn dưới đây: hãy gửi lại sau ít "
            "phút."))

    return limiter.limit(lambda: current_app.config[key], methods=["POST"],
                         deduct_when=lambda response: (response.status_code != 422
                                                       or g.get("files_checked", False)),
                         on_breach=breached)


def page_number() -> int:
    """The ``trang`` argument (1 when missing or not a number)."""
    return arg_int("trang", 1, minimum=1, maximum=9999)


def published_procedures() -> list[Procedure]:
    """The procedures a petition or question can be about."""
    return list(db.session.scalars(select(Procedure).where(Procedure.published.is_(True))
                                   .order_by(Procedure.sort_key)))


@bp.get("")
def index():
    """Send feedback, follow it, and read the answers the authority chose to publish."""
    results = petitions.public_page(db.session, page_number())
    return render("feedback/index.html", results=results)


def _refused(message: str) -> Response:
    form = SendForm()  # what was sent, not checked: shown again as typed
    form.set_procedures(published_procedures())
    return _form_page(form, 429, refused=message)


@bp.route("/gui", methods=["GET", "POST"])
@sending_limit("RATELIMIT_FEEDBACK", _refused)
def send():
    """The feedback form; a sent one gets its code (shown, and e-mailed if possible)."""
    form = SendForm()
    form.set_procedures(published_procedures())
    if not form.validate_on_submit():
        return _form_page(form, 422 if form.errors else 200)
    g.files_checked = True
    release_write_lock(db.session)  # files are checked and scanned with no lock held
    try:
        stored = petitions.store_files(request.files.getlist(form.tep.name))
    except uploads.UploadError as error:
        form.tep.errors = [str(error)]
        return _form_page(form, 422)
    user = current_user if current_user.is_authenticated else None
    petition = petitions.create(db.session, form.submission(PetitionChannel.WEB), stored,
                                user=user)
    db.session.commit()
    jobs.kick()
    session[SENT_KEY] = petition.code
    return redirect(url_for(".sent"), code=303)


def _form_page(form: SendForm, status: int, refused: str | None = None):
    chosen = any(f and f.filename for f in request.files.getlist(form.tep.name))
    response = render("feedback/send.html", form=form, status=status, refused=refused,
                      files_dropped=chosen and status in (422, 429) and not form.tep.errors,
                      rule=uploads.rule_for(None), max_files=petitions.MAX_FILES)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/da-gui")
def sent():
    """The confirmation, with the code (for this browser, which sent it)."""
    code = session.get(SENT_KEY)
    if not code:
        return redirect(url_for(".send"), code=303)
    petition = db.session.scalar(select(Petition).where(Petition.code == code))
    if petition is None:
        return redirect(url_for(".send"), code=303)
    response = render("feedback/sent.html", petition=petition)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tra-cuu", methods=["GET", "POST"])
@config_limit("RATELIMIT_LOOKUP")
def track():
    """Follow a petition by its code and the phone's last 4 digits or the e-mail address;
    the same message whether the code is unknown or the second factor wrong."""
    code = petitions.normalize_code(request.values.get("ma"))
    if request.method == "GET":
        return _track_page(code=code)
    errors = {}
    if not petitions.CODE_PATTERN.fullmatch(code):
        errors["ma"] = _("Nhập mã phản ánh, kiến nghị, ví dụ PAKN-250715-0001.")
    factor = request.form.get("xac-minh", "")
    if not petitions.factor_valid(factor):
        errors["xac-minh"] = _("Nhập 4 số cuối số điện thoại hoặc địa chỉ thư điện tử bạn đã "
                               "khai khi gửi.")
    if errors:
        return _track_page(code=code, errors=errors, status=422)
    petition, wait = throttle.guarded_lookup(
        db.session, "petition", code, lambda: petitions.lookup(db.session, code, factor))
    if wait:
        return _track_page(code=code, errors={"ma": throttle.resting_message(wait)}, status=429)
    if petition is None:
        return _track_page(code=code, not_found=True, status=422)
    return _track_page(code=code, petition=petition)


def _track_page(status: int = 200, **context):
    response = render("feedback/track.html", status=status,
                      **{"errors": {}, "not_found": False, "petition": None, **context})
    response.headers["Cache-Control"] = "no-store"
    return response
