"""My dossiers (/ho-so): list, detail with timeline, versions, files and messages; the
receipt; supplements and withdrawal (TT22-PL3-12, TT22-04.2, TT22-PL3-05, ND45-12).

Only the dossier's owner reaches these pages; anyone else gets 404, as for a code that does
not exist.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.db import release_write_lock
from portal.extensions import config_limit, db
from portal.htmx import render, wants_fragment
from portal.models import (
    Attachment,
    Dossier,
    DossierStatus,
    DossierMessage,
    DossierVersion,
    Draft,
    OutboundMessage,
)
from portal.services import (
    conversation,
    dossiers,
    drafts,
    form_versions,
    jobs,
    receipts,
    uploads,
    workflow,
)
from portal.services.files import download_response

bp = Blueprint("dossiers", __name__, url_prefix="/ho-so")


@bp.get("")
@login_required
def index():
    """The citizen's dossiers by status group, with due dates."""
    mine = dossiers.owned_by(db.session, current_user)
    groups = dossiers.grouped(mine)
    chosen = request.args.get("nhom", "")
    shown = groups[chosen] if chosen in groups else mine
    return render("dossiers/index.html", dossiers=shown, groups=groups, chosen=chosen,
                  total=len(mine))


def _mine(code: str) -> Dossier:
    dossier = dossiers.find_owned(db.session, code, current_user)
    if dossier is None:
        abort(404)
    return dossier


@bp.get("/<code>")
@login_required
def detail(code: str):
    """One dossier: status, due date, what was asked, timeline, answers, files, messages."""
    dossier = _mine(code)
    return _detail_page(dossier)


def _detail_page(dossier: Dossier, status: int = 200, message_error: str | None = None,
                 body: str = ""):
    version = dossier.current_version
    answers = form_versions.answers_of(db.session, dossier, version,
                                       drafts.options_fn(db.session))
    notices = db.session.scalars(select(OutboundMessage).where(
        OutboundMessage.dossier_id == dossier.id).order_by(OutboundMessage.id.desc())).all()
    supplement_draft = db.session.scalar(select(Draft).where(Draft.dossier_id == dossier.id))
    return render("dossiers/detail.html", fragment="messages", status=status,
                  dossier=dossier, version=version, answers=answers,
                  events=[e for e in dossier.events if e.public], notices=notices,
                  supplement_draft=supplement_draft, message_error=message_error, body=body,
                  can_withdraw=workflow.allowed(dossier, "withdraw"),
                  message_rule=uploads.rule_for(None))


@bp.get("/<code>/phien-ban/<int:number>")
@login_required
def version(code: str, number: int):
    """The answers and files of one version as they were sent (ND45-12)."""
    dossier = _mine(code)
    chosen = next((v for v in dossier.versions if v.number == number), None) or abort(404)
    answers = form_versions.answers_of(db.session, dossier, chosen,
                                       drafts.options_fn(db.session))
    return render("dossiers/version.html", dossier=dossier, version=chosen, answers=answers)


@bp.get("/<code>/tep/<int:attachment_id>")
@login_required
def file(code: str, attachment_id: int):
    """A file of the dossier (any version, or a message), always as a download."""
    dossier = _mine(code)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not _belongs(attachment, dossier):
        abort(404)
    return download_response(attachment.sha256, attachment.filename, attachment.media_type)


def _belongs(attachment: Attachment, dossier: Dossier) -> bool:
    if attachment.version_id is not None:
        version = db.session.get(DossierVersion, attachment.version_id)
        return version is not None and version.dossier_id == dossier.id
    if attachment.message_id is not None:
        message = db.session.get(DossierMessage, attachment.message_id)
        return message is not None and message.dossier_id == dossier.id
    return False


@bp.post("/<code>/tin-nhan")
@login_required
@config_limit("RATELIMIT_MESSAGE")
def post_message(code: str):
    """Send the office a message, with files; the thread re-rendered (htmx) or the page."""
    dossier = _mine(code)
    body = request.form.get("noi-dung", "")
    release_write_lock(db.session)  # files are checked and scanned with no lock held
    try:
        files = conversation.checked_files(request.files.getlist("tep"))
        conversation.post(db.session, dossier, current_user, body, files)
    except (conversation.MessageError, uploads.UploadError) as error:
        db.session.rollback()
        return _detail_page(_mine(code), status=422, message_error=str(error), body=body)
    db.session.commit()
    jobs.kick()
    if wants_fragment():
        return _detail_page(dossier)
    flash(_("Đã gửi tin nhắn."), "success")
    return redirect(url_for(".detail", code=code, _anchor="tin-nhan"), code=303)


@bp.post("/<code>/bo-sung")
@login_required
def supplement(code: str):
    """Open the working copy to answer the office's supplement request."""
    dossier = _mine(code)
    try:
        draft = workflow.start_supplement(db.session, dossier, current_user)
    except workflow.IllegalTransition:
        flash(_("Hồ sơ này không có yêu cầu bổ sung nào đang chờ."), "info")
        return redirect(url_for(".detail", code=code), code=303)
    db.session.commit()
    return redirect(url_for("applications.review", token=drafts.link_token(draft)), code=303)


#: The longest reason for a withdrawal kept (a longer one is refused with a message).
WITHDRAW_REASON_LIMIT = 1000


@bp.route("/<code>/rut", methods=["GET", "POST"])
@login_required
def withdraw(code: str):
    """Ask to withdraw a dossier not yet resolved, with a reason (status 7)."""
    dossier = _mine(code)
    if not workflow.allowed(dossier, "withdraw"):
        flash(_("Hồ sơ đã có kết quả hoặc đã kết thúc nên không rút được."), "info")
        return redirect(url_for(".detail", code=code), code=303)
    reason = (request.form.get("ly-do") or "").strip()
    error = None
    if request.method == "POST":
        if len(reason) < 5:
            error = _("Nhập lý do rút hồ sơ (ít nhất 5 ký tự).")
        elif len(reason) > WITHDRAW_REASON_LIMIT:
            error = _("Lý do rút hồ sơ dài tối đa %(n)d ký tự (bạn đã nhập %(m)d). Hãy rút "
                      "gọn.", n=WITHDRAW_REASON_LIMIT, m=len(reason))
        else:
            workflow.withdraw(db.session, dossier, current_user, reason)
            db.session.commit()
            jobs.kick()
            flash(_("Đã gửi yêu cầu rút hồ sơ %(code)s.", code=code), "success")
            return redirect(url_for(".detail", code=code), code=303)
    return render("dossiers/withdraw.html", dossier=dossier, reason=reason, error=error,
                  status=422 if error else 200)


# --- Receipt (Mẫu 01, TT01-M01) ---------------------------------------------------------------


@bp.get("/<code>/giay-tiep-nhan")
@login_required
def receipt(code: str):
    """The receipt and appointment slip as a page (to print or keep)."""
    dossier = _mine(code)
    return render("dossiers/receipt.html", dossier=dossier, new=request.args.get("moi") == "1",
                  qr=receipts.qr(dossier), facts=receipts.facts(dossier))


@bp.get("/<code>/ket-qua/<int:number>")
@login_required
def result(code: str, number: int):
    """An electronic result of the dossier (ND45-14.3), checked before it is handed out."""
    from portal.blueprints.backoffice.views import result_response

    dossier = _mine(code)
    if dossier.status not in (DossierStatus.RESOLVED, DossierStatus.RETURNED):
        abort(404)
    return result_response(dossier, number)


@bp.get("/<code>/mau-<any('02', '03', '04'):form>.pdf")
@login_required
def slip(code: str, form: str):
    """The supplement request, refusal or apology slip the office issued (Mẫu 02–04)."""
    dossier = _mine(code)
    body = receipts.slip_pdf(dossier, form) or abort(404)
    response = current_app.response_class(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="mau-{form}-{code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<code>/giay-tiep-nhan.pdf")
@login_required
def receipt_pdf(code: str):
    """The receipt and appointment slip as an A5 PDF."""
    dossier = _mine(code)
    response = current_app.response_class(receipts.pdf(dossier),
                                          mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="giay-tiep-nhan-{dossier.code}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
