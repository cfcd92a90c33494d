"""Dossiers filed at the desk (ND61-16, ND61-17.1): a walk-in citizen's papers (channel 1
Trực tiếp) or a dossier that came by public post (channel 3).

The officer registers the dossier (it gets its code and receipt time at once, status 1),
attaches a scan of each paper, then accepts it like an online one; acceptance needs a scan
of every required paper. A dossier registered and left unfinished stays in the inbox under
"Chờ tiếp nhận", so nothing typed or scanned is lost.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from portal.models import (
    Attachment,
    Channel,
    Dossier,
    DossierComponent,
    DossierStatus,
    DossierVersion,
    Procedure,
    User,
    utcnow,
)
from portal.services import audit, dossiers, uploads, workdays, workflow
from portal.services.identity import normalize_email, normalize_phone
from portal.services.office import OfficeError
from portal.text import clean


@dataclass
class Applicant:
    """Who brought or sent the dossier, as the officer typed it."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


def check_applicant(applicant: Applicant) -> dict[str, str]:
    """Problems with what was typed, by field (empty when all is well)."""
    errors = {}
    if not clean(applicant.name):
        errors["ho-ten"] = _("Nhập họ và tên người nộp hồ sơ.")
    if applicant.id_number and not re.fullmatch(r"\d{12}", applicant.id_number.strip()):
        errors["so-dinh-danh"] = _("Số định danh cá nhân gồm 12 chữ số.")
    if applicant.phone and normalize_phone(applicant.phone) is None:
        errors["dien-thoai"] = _("Số điện thoại di động gồm 10 chữ số, ví dụ 0912 345 678.")
    if applicant.email and normalize_email(applicant.email) is None:
        errors["thu-dien-tu"] = _("Nhập thư điện tử đúng dạng, ví dụ ten@example.com.")
    return errors


def register(session: Session, staff: User, procedure: Procedure, applicant: Applicant,
             channel: Channel, now: datetime | None = None) -> Dossier:
    """Register a paper dossier: code, receipt time, due date, status 1, an empty version 1
    for its scans. Raises :class:`OfficeError` for a bad channel or applicant."""
    if channel is Channel.ONLINE or check_applicant(applicant):
        raise OfficeError(_("Kiểm tra lại thông tin người nộp hồ sơ."))
    now = now or utcnow()
    desk = staff.agency if staff.agency and staff.agency.receives_dossiers else \
        dossiers.receiving_agency(session, procedure)
    received = workdays.calendar(desk).receipt_time(now)
    days, due = dossiers.deadline(procedure, received, desk)
    dossier = Dossier(
        code=dossiers.issue_code(session, desk, received.date()), procedure=procedure,
        agency=procedure.agency, receiving_agency=desk, channel=channel,
        status=DossierStatus.SUBMITTED, applicant_name=clean(applicant.name),
        applicant_id_number=applicant.id_number.strip() or None,
        applicant_phone=normalize_phone(applicant.phone) if applicant.phone else None,
        applicant_email=normalize_email(applicant.email) if applicant.email else None,
        applicant_address=clean(applicant.address), data={}, version=1,
        result_channel=Channel.POSTAL if channel is Channel.POSTAL else Channel.IN_PERSON,
        result_address=clean(applicant.address) if channel is Channel.POSTAL else None,
        submitted_at=now, received_at=received, processing_days=days, due_date=due)
    session.add(dossier)
    session.add(DossierVersion(dossier=dossier, number=1, data={}, created_at=now,
                               created_by_id=staff.id))
    session.flush()
    workflow.record(session, dossier, "register", actor=staff,
                    status_to=DossierStatus.SUBMITTED, at=now)
    audit.record(session, "dossier_register", actor=staff, object_type="dossier",
                 object_id=dossier.code, status_to=int(DossierStatus.SUBMITTED),
                 channel=int(channel), procedure=procedure.code,
                 due_date=due.isoformat() if due else None)
    return dossier


#: What a paper handed in at the desk was (TT01-M01: Mẫu 01 lists it so).
PAPERS = ("original", "copy")


def paper_for(component: DossierComponent) -> str:
    """What the procedure asks for: an original unless it asks for copies only."""
    return "copy" if component.copies and not component.originals else "original"


def add_scan(session: Session, dossier: Dossier, component: DossierComponent,
             storage: FileStorage, staff: User, paper: str | None = None) -> Attachment:
    """Attach a scan of a paper to a desk dossier not yet accepted; ``paper`` says whether
    the officer received the original or a copy (what the procedure asks for by default)."""
    if dossier.channel is Channel.ONLINE or dossier.status is not DossierStatus.SUBMITTED:
        raise OfficeError(_("Chỉ đính kèm bản quét cho hồ sơ nộp tại Bộ phận Một cửa, trước "
                            "khi tiếp nhận."))
    if component.procedure_id != dossier.procedure_id:
        raise OfficeError(_("Giấy tờ này không thuộc thủ tục của hồ sơ."))
    stored = uploads.accept(storage, uploads.rule_for(component))
    attachment = Attachment(sha256=stored.sha256, filename=stored.filename,
                            media_type=stored.media_type, size=stored.size,
                            component_id=component.id, component_name=component.name,
                            version_id=dossier.current_version.id, uploaded_by_id=staff.id,
                            paper=paper if paper in PAPERS else paper_for(component))
    session.add(attachment)
    session.flush()
    session.expire(dossier.current_version, ["attachments"])
    workflow.note(session, dossier, "scan", staff, f"{component.name}: {attachment.filename}",
                  details={"component": component.name[:200], "file": attachment.filename,
                           "sha256": attachment.sha256, "paper": attachment.paper})
    return attachment


def missing_scans(dossier: Dossier) -> list[DossierComponent]:
    """Required papers (handed in, not only shown) that have no scan yet."""
    scanned = {a.component_id for a in dossier.current_version.attachments}
    return [c for c in dossier.procedure.components
            if c.required and not c.presentation_only and c.id not in scanned]
