"""One-stop staff pages (/mot-cua): the inbox and a dossier with everything about it.

Only receiving, processing and approving officers come in (a citizen or an editor gets 403);
a dossier outside the officer's agencies is a 404. Every change goes through
``services.office`` (one state machine) and lands in the dossier's events and the audit log.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, request
from flask_login import current_user
from sqlalchemy import select

from portal.edge import arg_int
from portal.extensions import db, login_manager
from portal.htmx import render
from portal.models import (
    Agency,
    Attachment,
    Channel,
    Dossier,
    DossierMessage,
    DossierResult,
    DossierVersion,
    Field,
    Procedure,
    Role,
    User,
    UserRole,
)
from portal.services import (
    backoffice,
    drafts,
    form_versions,
    receipts,
    results,
    uploads,
    workdays,
)
from portal.services.files import download_response

bp = Blueprint("backoffice", __name__, url_prefix="/mot-cua")


@bp.before_request
def _officers_only():
    """Receiving, processing and approving officers only (others: login, or 403)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role(*backoffice.STAFF_ROLES):
        abort(403)
    return None


def today() -> date:
    return workdays.calendar().today()


# --- The inbox ------------------------------------------------------------------------------


def _channel() -> Channel | None:
    """The ``kenh`` filter; one naming no channel is ignored (never a 500)."""
    value = arg_int("kenh")
    return Channel(value) if value in set(Channel) else None


def _filters() -> backoffice.InboxFilters:
    from portal.services.office import parse_day

    args = request.args
    return backoffice.InboxFilters(
        tab=args.get("tab", "cho-tiep-nhan"), q=args.get("q", "").strip()[:100],
        procedure_id=arg_int("thu-tuc"), field_id=arg_int("linh-vuc"), channel=_channel(),
        start=parse_day(args.get("tu")), end=parse_day(args.get("den")),
        overdue=args.get("qua-han") == "1", mine=args.get("cua-toi") == "1",
        page=arg_int("trang", 1, minimum=1))


@bp.get("")
def index():
    """Dossiers by state, due date first, with filters and search; counts per tab."""
    filters = _filters()
    box = backoffice.inbox(db.session, current_user, filters, today())
    procedures = db.session.scalars(select(Procedure).where(Procedure.published.is_(True))
                                    .order_by(Procedure.sort_key)).all()
    fields = db.session.scalars(select(Field).order_by(Field.sort_order, Field.name)).all()
    return render("backoffice/index.html", fragment="results", inbox=box, filters=filters,
                  procedures=procedures, fields=fields, today=today(),
                  urgency=backoffice.urgency)


# --- One dossier ----------------------------------------------------------------------------


def find_or_404(code: str) -> Dossier:
    dossier = backoffice.find(db.session, code, current_user)
    if dossier is None:
        abort(404)
    return dossier


@bp.get("/ho-so/<code>")
def dossier(code: str):
    """Everything about a dossier, and what the officer can do next."""
    return dossier_page(find_or_404(code))


def dossier_page(dossier: Dossier, status: int = 200, errors: dict | None = None,
                 values=None):
    """The dossier page; ``errors`` and ``values`` (what was typed), by action, re-show a
    refused action."""
    answers = form_versions.answers_of(db.session, dossier, dossier.current_version,
                                       drafts.options_fn(db.session))
    from portal.services import counter

    return render(
        "backoffice/dossier.html", status=status, dossier=dossier, answers=answers,
        version=dossier.current_version, errors=errors or {}, values=values or {},
        urgency=backoffice.urgency(dossier, today()), steps=backoffice.plan(dossier.procedure),
        officers=_officers(dossier), agencies=_other_agencies(dossier),
        missing=counter.missing_scans(dossier) if dossier.channel is not Channel.ONLINE
        else [], my_scope=backoffice.scope(db.session, current_user),
        suggested_due=_suggested_due(dossier), channels=list(Channel),
        message_rule=uploads.rule_for(None), Role=Role)


def _officers(dossier: Dossier) -> list[User]:
    """Processing officers of the resolving agency's tree (and the current user)."""
    scope = backoffice.scope(db.session, current_user) | ({dossier.agency_id} - {None})
    query = select(User).join(UserRole).where(
        UserRole.role.in_((Role.PROCESSOR, Role.APPROVER)), User.active.is_(True),
        User.deleted_at.is_(None), User.agency_id.in_(scope)).order_by(User.display_name)
    return list(db.session.scalars(query).unique())


def _other_agencies(dossier: Dossier) -> list[Agency]:
    return list(db.session.scalars(select(Agency).where(
        Agency.id != dossier.agency_id).order_by(Agency.sort_order, Agency.name)))


def _suggested_due(dossier: Dossier):
    from portal.services.office import default_extension

    return default_extension(dossier)


@bp.get("/ho-so/<code>/tep/<int:attachment_id>")
def file(code: str, attachment_id: int):
    """A file of the dossier (any version or message), always as a download."""
    dossier = find_or_404(code)
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    owner = None
    if attachment.version_id is not None:
        owner = db.session.get(DossierVersion, attachment.version_id)
    elif attachment.message_id is not None:
        owner = db.session.get(DossierMessage, attachment.message_id)
    if owner is None or owner.dossier_id != dossier.id:
        abort(404)
    return download_response(attachment.sha256, attachment.filename, attachment.media_type)


@bp.get("/ho-so/<code>/ket-qua/<int:number>")
def result(code: str, number: int):
    """An e-result, only if it is still the file that was issued."""
    dossier = find_or_404(code)
    return result_response(dossier, number)


def result_response(dossier: Dossier, number: int):
    """Send an e-result after checking its digest and signature (409 if tampered with)."""
    found = db.session.scalar(select(DossierResult).where(
        DossierResult.dossier_id == dossier.id, DossierResult.number == number)) or abort(404)
    if not results.verify(found):
        current_app.logger.error("e-result %s failed its integrity check", found.code)
        abort(409)
    return download_response(found.sha256, found.filename, found.media_type)


# --- Slips (TT 01/2018, Mẫu 01–05) ----------------------------------------------------------


@bp.get("/ho-so/<code>/mau-<form>.pdf")
def slip(code: str, form: str):
    """An official slip of the dossier as a PDF (Mẫu 01 with both copies)."""
    dossier = find_or_404(code)
    body = receipts.slip_pdf(dossier, form, copies=2)
    if body is None:
        abort(404)
    response = current_app.response_class(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="mau-{form}-{dossier.code}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
