"""Public tracking (/tra-cuu, TT22-PL3-17): status, timeline and due date of a dossier for
whoever has its code and a second factor, without logging in."""
from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _

from portal.extensions import config_limit, db
from portal.htmx import render
from portal.services import throttle, tracking

bp = Blueprint("tracking", __name__, url_prefix="/tra-cuu")


@bp.route("", methods=["GET", "POST"])
@config_limit("RATELIMIT_LOOKUP")
def index():
    """The lookup form (the QR code on a receipt fills in the code); POST shows the dossier
    or one message that never says whether the code exists."""
    code = tracking.normalize_code(request.values.get("ma"))
    factor = request.form.get("xac-minh", "")
    if request.method == "GET":
        return _page(code=code)
    errors = {}
    if not code:
        errors["ma"] = _("Nhập mã hồ sơ, ví dụ 000.01.99.H49-250715-0001.")
    if len(tracking.normalize_factor(factor)) not in (4, 12):
        errors["xac-minh"] = _("Nhập 4 số cuối số điện thoại đã khai trong hồ sơ, hoặc số "
                               "căn cước (12 chữ số) của người nộp.")
    if errors:
        return _page(code=code, errors=errors, status=422)
    dossier, wait = throttle.guarded_lookup(
        db.session, "tracking", code, lambda: tracking.lookup(db.session, code, factor))
    if wait:
        return _page(code=code, errors={"ma": throttle.resting_message(wait)}, status=429)
    if dossier is None:
        return _page(code=code, not_found=True, status=422)
    return _page(code=code, dossier=dossier,
                 events=[e for e in dossier.events if e.public])


def _page(status: int = 200, **context):
    response = render("tracking/index.html", status=status,
                      **{"errors": {}, "not_found": False, "dossier": None, **context})
    response.headers["Cache-Control"] = "no-store"
    return response
