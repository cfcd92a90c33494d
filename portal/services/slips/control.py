"""Mẫu 05, "Phiếu kiểm soát quá trình giải quyết hồ sơ" (TT01-M05), on A5 portrait.

The slip travels with the dossier: one table row per hand-over, from the desk to the agencies
that process it and back. Its four columns fit A5 portrait when the text wraps in the cells,
so the slip keeps the size of the others; a long table runs onto more pages, its headings
repeated at the top of each.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import partial

from fpdf import FPDF

from portal.services.slips.blocks import _labelled, _table
from portal.services.slips.layout import (
    AS_PROCEDURE, DOTS, SlipHeader, _render, _Slip, slip_datetime)

HEADINGS = ("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ",
            "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)", "GHI CHÚ")
WIDTHS = (33, 46, 24, 18)  # relative; they add up to the A5 text width in millimetres
ALIGN = ("LEFT", "LEFT", "CENTER", "LEFT")


@dataclass(kw_only=True)
class HandOver:
    """One hand-over of the dossier: who gave it to whom, and when (aware). ``outcome`` is
    "Trước hạn", "Đúng hạn", "Quá hạn" or None while the step is open; ``note`` fills the
    "Ghi chú" column."""
    giver: str
    giver_person: str | None
    receiver: str
    receiver_person: str | None
    at: datetime
    outcome: str | None = None
    note: str | None = None


@dataclass(kw_only=True)
class ControlFacts:
    """What Mẫu 05 states. ``due_at`` None means "as the procedure says"."""
    header: SlipHeader
    code: str
    procedure: str
    applicant_name: str
    due_at: datetime | None
    handovers: list[HandOver]
    day: date


def _cells(position: int, step: HandOver, zone: tzinfo) -> tuple[str, str, str, str]:
    """The four cells of one hand-over; a person not named is left as dots to write in."""
    when = slip_datetime(step.at, zone).replace(", ", ",\n", 1)  # the clock, then the day
    return (f"{position}. Giao: {step.giver}\nNhận: {step.receiver}",
            f"{when}\nNgười giao: {step.giver_person or DOTS}\n"
            f"Người nhận: {step.receiver_person or DOTS}",
            step.outcome or "", step.note or "")


def _control_body(pdf: FPDF, facts: ControlFacts, zone: tzinfo) -> None:
    """The body of Mẫu 05: whose dossier, what it asks, when it is due, then its journey."""
    due = slip_datetime(facts.due_at, zone) if facts.due_at else AS_PROCEDURE
    _labelled(pdf, ("Kèm theo hồ sơ của: Ông/Bà ", facts.applicant_name))
    _labelled(pdf, ("Nội dung yêu cầu giải quyết: ", facts.procedure))
    _labelled(pdf, ("Ngày hẹn trả kết quả: ", due))
    pdf.ln(2)
    rows = (_cells(n, step, zone) for n, step in enumerate(facts.handovers, start=1))
    _table(pdf, HEADINGS, rows, WIDTHS, ALIGN)


def control_pdf(facts: ControlFacts, zone: tzinfo) -> bytes:
    """Mẫu 05, "Phiếu kiểm soát quá trình giải quyết hồ sơ": A5 portrait, no QR code, as
    many pages as the hand-overs need. Times are shown in ``zone``."""
    return _render(_Slip(
        "Phiếu kiểm soát quá trình\ngiải quyết hồ sơ", facts.header, facts.day, facts.code,
        None, partial(_control_body, facts=facts, zone=zone)))
