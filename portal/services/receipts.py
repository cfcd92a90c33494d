"""The receipt and appointment slip of a dossier (Mẫu 01, TT01-M01) as data, PDF and QR.

The facts come from the dossier as submitted (its current version's papers), so the slip
never changes with the citizen's profile or a later edit of the procedure.
"""
from __future__ import annotations

from flask import current_app

from portal.display import due_moment, result_place
from portal.models import Dossier
from portal.services import notifications, slips, workdays


def header(dossier: Dossier) -> slips.SlipHeader:
    """The issuing authority and desk of the dossier's slips."""
    config = current_app.config
    return slips.SlipHeader(authority=config["AUTHORITY_NAME"],
                            desk=dossier.receiving_agency.name, place=config["SLIP_PLACE"])


def components(dossier: Dossier) -> list[tuple[str, str]]:
    """The papers received, in the procedure's order: (name, what was received)."""
    from flask_babel import gettext as _, ngettext

    files: dict[str, int] = {}
    for attachment in dossier.current_version.attachments:
        name = attachment.component_name or _("Giấy tờ khác")
        files[name] = files.get(name, 0) + 1
    rows = []
    if dossier.form_spec is not None:
        rows.append((dossier.form_spec.title, _("tờ khai điện tử")))
    rows += [(name, ngettext("bản điện tử, %(num)d tệp", "bản điện tử, %(num)d tệp", count))
             for name, count in files.items()]
    return rows


def facts(dossier: Dossier) -> slips.ReceiptFacts:
    """What the slip states."""
    from portal.templating import processing_summary

    due = due_moment(dossier)
    return slips.ReceiptFacts(
        header=header(dossier), code=dossier.code, procedure=dossier.procedure.name,
        applicant_name=dossier.applicant_name, applicant_address=dossier.applicant_address,
        applicant_phone=dossier.applicant_phone, applicant_email=dossier.applicant_email,
        components=components(dossier),
        processing_time=processing_summary(dossier.procedure) or "Theo quy định của thủ tục",
        received_at=dossier.received_at, due_at=due, result_place=result_place(dossier),
        tracking_url=notifications.tracking_url(dossier), issued_online=True)


def pdf(dossier: Dossier) -> bytes:
    """The slip as an A5 PDF (the applicant's copy)."""
    return slips.receipt_pdf(facts(dossier), workdays.calendar().zone)


def qr(dossier: Dossier) -> str:
    """A QR code (inline SVG) that opens the public tracking page for the dossier."""
    from flask_babel import gettext as _

    return slips.qr_svg(notifications.tracking_url(dossier),
                        title=_("Mã QR tra cứu hồ sơ %(code)s", code=dossier.code))
