"""Filing a dossier at the desk (/mot-cua/tiep-nhan, ND61-16/17.1) and the register of
dossiers (/mot-cua/so-theo-doi, Mẫu 06) for a period, as PDF or XLSX."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.blueprints.backoffice.views import bp, today
from portal.db import begin_writing
from portal.edge import parse_int
from portal.extensions import db
from portal.htmx import render
from portal.models import Channel, Procedure, Role
from portal.services import counter, office, receipts


@bp.route("/tiep-nhan", methods=["GET", "POST"])
def intake():
    """Register a walk-in or postal dossier: the procedure and the applicant; the scans are
    attached on the dossier's page, then it is accepted."""
    if not current_user.has_role(Role.RECEIVER):
        abort(403)
    procedures = db.session.scalars(select(Procedure).where(Procedure.published.is_(True))
                                    .order_by(Procedure.sort_key)).all()
    form = request.form
    applicant = counter.Applicant(
        name=form.get("ho-ten", ""), id_number=form.get("so-dinh-danh", ""),
        phone=form.get("dien-thoai", ""), email=form.get("thu-dien-tu", ""),
        address=form.get("dia-chi", ""))
    if request.method == "GET":
        return render("backoffice/intake.html", procedures=procedures, errors={}, values={})
    errors = counter.check_applicant(applicant)
    procedure = _procedure(form.get("thu-tuc", ""))
    if procedure is None:
        errors["thu-tuc"] = _("Chọn thủ tục hành chính.")
    channel = Channel.POSTAL if form.get("kenh") == "3" else Channel.IN_PERSON
    if errors:
        return render("backoffice/intake.html", status=422, procedures=procedures,
                      errors=errors, values=form)
    begin_writing(db.session)
    dossier = counter.register(db.session, current_user, db.session.get(Procedure, procedure.id),
                               applicant, channel)
    db.session.commit()
    flash(_("Đã nhận hồ sơ %(code)s. Đính kèm bản quét từng giấy tờ rồi bấm “Tiếp nhận hồ sơ này”.",
            code=dossier.code), "success")
    return redirect(url_for(".dossier", code=dossier.code), code=303)


def _procedure(raw: str) -> Procedure | None:
    procedure_id = parse_int(raw)
    if procedure_id is None:
        return None
    return db.session.scalar(select(Procedure).where(Procedure.id == procedure_id,
                                                     Procedure.published.is_(True)))


@bp.get("/so-theo-doi")
def register():
    """The register of dossiers received in a period (Mẫu 06): on screen, PDF or XLSX."""
    start = office.parse_day(request.args.get("tu")) or today().replace(day=1)
    end = office.parse_day(request.args.get("den")) or today()
    if end < start:
        start, end = end, start
    end = min(end, start + timedelta(days=366))
    facts = receipts.register_facts(db.session, current_user, start, end)
    kind = request.args.get("dang")
    if kind in ("pdf", "xlsx"):
        return _register_file(facts, kind)
    return render("backoffice/register.html", facts=facts, start=start, end=end)


def _register_file(facts, kind: str):
    from portal.services import slips, workdays

    zone = workdays.calendar().zone
    if kind == "pdf":
        body, mimetype = slips.register_pdf(facts, zone), "application/pdf"
    else:
        body = slips.register_xlsx(facts, zone)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="so-theo-doi-{facts.start:%Y%m%d}-{facts.end:%Y%m%d}.{kind}"')
    return response
