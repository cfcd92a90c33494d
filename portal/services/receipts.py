"""A dossier's official slips (TT 01/2018: Mẫu 01 receipt, 02 supplement request, 03
refusal, 04 apology, 05 control slip) and the register (Mẫu 06), as data for
:mod:`portal.services.slips`, PDF and QR.

The facts come from the dossier as submitted (its current version's papers), so the slip
never changes with the citizen's profile or a later edit of the procedure.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.display import due_moment, result_place
from portal.models import Agency, Channel, Dossier, User
from portal.services import notifications, site_settings, slips, workdays


def header(dossier: Dossier, issuing: Agency | None = None) -> slips.SlipHeader:
    """The authority and the unit issuing the dossier's slips: the receiving desk unless
    another unit is named (the resolving agency signs Mẫu 04 and the result)."""
    unit = issuing or dossier.receiving_agency
    return slips.SlipHeader(authority=site_settings.value("AUTHORITY_NAME"), desk=unit.name,
                            place=site_settings.value("SLIP_PLACE"))


def components(dossier: Dossier) -> list[tuple[str, str]]:
    """The papers received, in the procedure's order: (name, what was received). Online:
    electronic copies; at the desk: the original or a copy as the officer received it, with
    its scans (TT01-M01)."""
    from flask_babel import gettext as _

    files: dict[tuple[str, str | None], int] = {}
    for attachment in dossier.current_version.attachments:
        key = (attachment.component_name or _("Giấy tờ khác"), attachment.paper)
        files[key] = files.get(key, 0) + 1
    rows = []
    if dossier.form_spec is not None:
        rows.append((dossier.form_spec.title, _("tờ khai điện tử")))
    online = dossier.channel is Channel.ONLINE
    rows += [(name, _received(None if online else paper, count))
             for (name, paper), count in files.items()]
    return rows


def _received(paper: str | None, count: int) -> str:
    """"bản điện tử, 2 tệp" (online), "bản chính, 1 tệp bản quét" (at the desk)."""
    from flask_babel import ngettext

    if paper == "original":
        return ngettext("bản chính, %(num)d tệp bản quét", "bản chính, %(num)d tệp bản quét",
                        count)
    if paper == "copy":
        return ngettext("bản sao, %(num)d tệp bản quét", "bản sao, %(num)d tệp bản quét", count)
    return ngettext("bản điện tử, %(num)d tệp", "bản điện tử, %(num)d tệp", count)


#: Who receives an online dossier before an officer has accepted it (Mẫu 01).
ONLINE_PENDING = "Tiếp nhận trực tuyến, chờ cán bộ kiểm tra"


def receiving_officer(dossier: Dossier) -> str | None:
    """Who received the dossier (TT01-M01): the officer who registered it at the desk, or
    who accepted it online; None for an online dossier not yet accepted."""
    action = "accept" if dossier.channel is Channel.ONLINE else "register"
    event = next((e for e in dossier.events if e.action == action), None)
    return _name(event.actor_id) if event else None


def facts(dossier: Dossier) -> slips.ReceiptFacts:
    """What the slip states."""
    from portal.extensions import db
    from portal.templating import processing_summary

    due = due_moment(dossier)
    book, number = register_numbers(db.session, [dossier])[dossier.id]
    return slips.ReceiptFacts(
        header=header(dossier), code=dossier.code, procedure=dossier.procedure.name,
        applicant_name=dossier.applicant_name, applicant_address=dossier.applicant_address,
        applicant_phone=dossier.applicant_phone, applicant_email=dossier.applicant_email,
        components=components(dossier),
        processing_time=processing_summary(dossier.procedure) or "Theo quy định của thủ tục",
        received_at=dossier.received_at, due_at=due, result_place=result_place(dossier),
        tracking_url=notifications.tracking_url(dossier), issued_online=True,
        officer=receiving_officer(dossier) or ONLINE_PENDING, register_book=book,
        register_number=str(number))


def register_numbers(session: Session, found: Iterable[Dossier]) -> dict[int, tuple[str, int]]:
    """Each dossier's place in the register of dossiers (Mẫu 06): the book, one per
    receiving desk and year of receipt ("2026"), and the number in it, in order of receipt
    time (TT01-M01 "Quyển số … Số thứ tự …"). Computed, not stored, so Mẫu 01 and Mẫu 06
    always agree."""
    zone = workdays.calendar().zone
    by_year: dict[int, list[Dossier]] = {}
    for dossier in found:
        by_year.setdefault(dossier.received_at.astimezone(zone).year, []).append(dossier)
    numbers: dict[int, tuple[str, int]] = {}
    for year, dossiers in by_year.items():
        numbered = select(Dossier.id, func.row_number().over(
            partition_by=Dossier.receiving_agency_id,
            order_by=(Dossier.received_at, Dossier.id)).label("n")).where(
            Dossier.receiving_agency_id.in_({d.receiving_agency_id for d in dossiers}),
            Dossier.received_at >= datetime(year, 1, 1, tzinfo=zone),
            Dossier.received_at < datetime(year + 1, 1, 1, tzinfo=zone)).subquery()
        rows = session.execute(select(numbered.c.id, numbered.c.n).where(
            numbered.c.id.in_([d.id for d in dossiers])))
        numbers.update({dossier_id: (str(year), n) for dossier_id, n in rows})
    return numbers


def pdf(dossier: Dossier) -> bytes:
    """The slip as an A5 PDF (the applicant's copy)."""
    return slips.receipt_pdf(facts(dossier), workdays.calendar().zone)


def qr(dossier: Dossier) -> str:
    """A QR code (inline SVG) that opens the public tracking page for the dossier."""
    from flask_babel import gettext as _

    return slips.qr_svg(notifications.tracking_url(dossier),
                        title=_("Mã QR tra cứu hồ sơ %(code)s", code=dossier.code))


# --- The other slips (Mẫu 02–05) and the register (Mẫu 06), for the back office ----------


def slip_pdf(dossier: Dossier, form: str, copies: int = 1) -> bytes | None:
    """Mẫu ``form`` ("01" … "05") of the dossier, None when it does not apply (no
    supplement asked, not refused, never extended)."""
    zone = workdays.calendar().zone
    if form == "01":
        receipt = facts(dossier)
        if copies == 2:
            receipt.copies = (slips.COPY_ARCHIVE, slips.COPY_APPLICANT)
        receipt.issued_online = dossier.channel is Channel.ONLINE
        return slips.receipt_pdf(receipt, zone)
    builders = {"02": _supplement, "03": _refusal, "04": _apology, "05": _control}
    builder = builders.get(form)
    made = builder(dossier) if builder else None
    return None if made is None else made[0](made[1], zone)


def _local_day(moment) -> date:
    return moment.astimezone(workdays.calendar().zone).date()


def _name(session_user_id: int | None) -> str | None:
    from portal.extensions import db

    user = db.session.get(User, session_user_id) if session_user_id else None
    return user.display_name if user else None


def _supplement(dossier: Dossier):
    request = dossier.supplement_requests[-1] if dossier.supplement_requests else None
    if request is None:
        return None
    desk = dossier.receiving_agency
    return slips.supplement_pdf, slips.SupplementFacts(
        header=header(dossier), code=dossier.code, procedure=dossier.procedure.name,
        applicant_name=dossier.applicant_name, items=list(request.items), reason=request.note,
        officer=_name(request.requested_by_id),
        contact_phone=desk.phone or site_settings.value("AUTHORITY_PHONE"),
        day=_local_day(request.requested_at), tracking_url=notifications.tracking_url(dossier))


def _refusal(dossier: Dossier):
    event = next((e for e in reversed(dossier.events) if e.action == "refuse"), None)
    if event is None:
        return None
    return slips.refusal_pdf, slips.RefusalFacts(
        header=header(dossier), code=dossier.code, procedure=dossier.procedure.name,
        applicant_name=dossier.applicant_name, reason=event.note or "",
        officer=_name(event.actor_id), day=_local_day(event.at))


def _apology(dossier: Dossier):
    extension = dossier.extensions[-1] if dossier.extensions else None
    if extension is None:
        return None
    calendar = workdays.calendar()
    return slips.apology_pdf, slips.ApologyFacts(
        header=header(dossier, issuing=dossier.agency), code=dossier.code,
        procedure=dossier.procedure.name, applicant_name=dossier.applicant_name,
        received_at=dossier.received_at, old_due_at=calendar.closing_time(extension.old_due_date),
        new_due_at=calendar.closing_time(extension.new_due_date), reason=extension.reason,
        signer=site_settings.value("HEAD_NAME") or None,
        signer_title=site_settings.value("HEAD_TITLE") or None,
        day=_local_day(extension.created_at))


#: Events that hand the dossier from one side to another, for the control slip (Mẫu 05).
HANDOVERS = ("accept", "assign", "reassign", "propose", "return_for_rework", "approve",
             "return_result")


def _control(dossier: Dossier):
    rows = [_handover(dossier, e) for e in dossier.events if e.action in HANDOVERS]
    return slips.control_pdf, slips.ControlFacts(
        header=header(dossier), code=dossier.code, procedure=dossier.procedure.name,
        applicant_name=dossier.applicant_name, due_at=due_moment(dossier), handovers=rows,
        day=workdays.calendar().today())


def _handover(dossier: Dossier, event) -> slips.HandOver:
    desk, unit = dossier.receiving_agency.name, (dossier.agency or dossier.receiving_agency).name
    sides = {"accept": (dossier.applicant_name, desk), "assign": (desk, unit),
             "reassign": (unit, unit), "propose": (unit, unit),
             "return_for_rework": (unit, unit), "approve": (unit, desk),
             "return_result": (desk, dossier.applicant_name)}
    giver, receiver = sides[event.action]
    return slips.HandOver(giver=giver, giver_person=_name(event.actor_id), receiver=receiver,
                          receiver_person=None, at=event.at, outcome=_outcome(dossier, event.at))


def _outcome(dossier: Dossier, moment) -> str | None:
    if dossier.due_date is None:
        return None
    day = _local_day(moment)
    if day < dossier.due_date:
        return "Trước hạn"
    return "Đúng hạn" if day == dossier.due_date else "Quá hạn"


def register_facts(session: Session, user: User, start: date, end: date) -> slips.RegisterFacts:
    """The register (Mẫu 06) of the dossiers received by the officer's agencies in a period."""
    from datetime import datetime, timedelta

    from portal.services import backoffice

    zone = workdays.calendar().zone
    since = datetime.combine(start, datetime.min.time(), zone)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    found = session.scalars(select(Dossier).where(
        backoffice.visible_clause(backoffice.scope(session, user)),
        Dossier.received_at >= since, Dossier.received_at < until)
        .order_by(Dossier.received_at, Dossier.id)).all()
    desk = user.agency or (found[0].receiving_agency if found else None)
    head = slips.SlipHeader(authority=site_settings.value("AUTHORITY_NAME"),
                            desk=desk.name if desk else "", place=site_settings.value("SLIP_PLACE"))
    numbers = register_numbers(session, found)
    books = {(d.receiving_agency_id, numbers[d.id][0]) for d in found}
    book = numbers[found[0].id][0] if len(books) == 1 else None
    return slips.RegisterFacts(header=head, start=start, end=end, book=book, rows=[
        _register_row(d, numbers[d.id][1] if book else "{1}/{0}".format(*numbers[d.id]))
        for d in found])


def _register_row(dossier: Dossier, number: int | str) -> slips.RegisterRow:
    """A dossier's row; ``number`` is its "Số thứ tự" (with the book, "15/2026", when the
    register shows several books)."""
    sent = next((e.at for e in dossier.events if e.action == "assign"), None)
    contact = ", ".join(p for p in (dossier.applicant_address, dossier.applicant_phone) if p)
    return slips.RegisterRow(
        number=number,
        code=dossier.code, procedure=dossier.procedure.name, applicant=dossier.applicant_name,
        address_phone=contact, agency=(dossier.agency or dossier.receiving_agency).name,
        received_at=dossier.received_at, due_at=due_moment(dossier), sent_to_agency_at=sent,
        result_from_agency_at=dossier.resolved_at, returned_at=dossier.returned_at,
        note=dossier.status.label if dossier.status.closed else None)
