"""Mẫu 02, 03 and 04: supplement request, refusal, and apology with a new date (TT01-M02..04).

Each is a body and one signer on the shared layout; the applicant is addressed as "Ông/Bà",
as the circular writes it. Times are aware and shown in the ``zone`` given.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import partial

from fpdf import FPDF

from portal.services.slips.blocks import _labelled, _numbered, _plain
from portal.services.slips.layout import (
    DOTS, SIGN_NOTE, SlipHeader, _local, _render, _Signer, _Slip, slip_datetime)

STAMP_NOTE = "(Ký, ghi rõ họ tên và đóng dấu)"
HEAD = "THỦ TRƯỞNG CƠ QUAN"
REVIEWED = "Sau khi xem xét, đối chiếu thành phần hồ sơ, "


@dataclass(kw_only=True)
class SupplementFacts:
    """What Mẫu 02 states: the items to add or correct, each a sentence that may be long;
    ``officer`` guides the applicant (the desk does when None) at ``contact_phone``."""
    header: SlipHeader
    code: str
    procedure: str
    applicant_name: str
    items: list[str]
    reason: str | None = None
    officer: str | None = None
    contact_phone: str | None = None
    day: date
    tracking_url: str


@dataclass(kw_only=True)
class RefusalFacts:
    """What Mẫu 03 states: why the desk will not take the dossier in."""
    header: SlipHeader
    code: str
    procedure: str
    applicant_name: str
    reason: str
    officer: str | None = None
    day: date


@dataclass(kw_only=True)
class ApologyFacts:
    """What Mẫu 04 states. The header is the processing agency's, which may not be the
    desk's; its ``desk`` is the agency that apologises. The head of the agency signs it:
    ``signer_title`` over the signature ("CHỦ TỊCH"; the form's generic "THỦ TRƯỞNG CƠ
    QUAN" when None) and ``signer`` under it (left to write by hand when None)."""
    header: SlipHeader
    code: str
    procedure: str
    applicant_name: str
    received_at: datetime
    old_due_at: datetime
    new_due_at: datetime
    reason: str
    signer: str | None = None
    signer_title: str | None = None
    day: date


def _supplement_body(pdf: FPDF, facts: SupplementFacts) -> None:
    """The body of Mẫu 02: whose dossier, what it asks, what to add, whom to ask."""
    desk = facts.header.desk
    _labelled(pdf, ("Hồ sơ của: Ông/Bà ", facts.applicant_name))
    _labelled(pdf, ("Nội dung yêu cầu giải quyết: ", facts.procedure))
    _plain(pdf, f"{REVIEWED}{desk} đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội "
                "dung sau:")
    _numbered(pdf, facts.items)
    if facts.reason:
        _labelled(pdf, ("Lý do: ", facts.reason))
    _labelled(pdf, ("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với ",
                    facts.officer or desk), (" số điện thoại ", facts.contact_phone),
              tail=" để được hướng dẫn.")


def supplement_pdf(facts: SupplementFacts, zone: tzinfo) -> bytes:
    """Mẫu 02, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ": one A5 slip with the tracking QR.

    ``zone`` is taken for symmetry with the other slips; this one shows no clock time.
    """
    return _render(_Slip(
        "Phiếu yêu cầu bổ sung,\nhoàn thiện hồ sơ", facts.header, facts.day, facts.code,
        facts.tracking_url, partial(_supplement_body, facts=facts),
        (None, _Signer("NGƯỜI HƯỚNG DẪN", SIGN_NOTE, facts.officer or ""))))


def _refusal_body(pdf: FPDF, facts: RefusalFacts) -> None:
    """The body of Mẫu 03: whose dossier, what it asks, and the reason for refusing it."""
    desk = facts.header.desk
    _labelled(pdf, (f"{desk} tiếp nhận hồ sơ của: Ông/Bà ", facts.applicant_name))
    _labelled(pdf, ("Nội dung yêu cầu giải quyết: ", facts.procedure))
    _plain(pdf, f"{REVIEWED}{desk} từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể "
                "như sau:")
    _plain(pdf, facts.reason or DOTS, indent=5)  # an empty reason is left to write in
    _plain(pdf, "Xin thông báo để Ông/Bà được biết và thực hiện.")


def refusal_pdf(facts: RefusalFacts, zone: tzinfo) -> bytes:
    """Mẫu 03, "Phiếu từ chối tiếp nhận giải quyết hồ sơ": one A5 slip, no QR code.

    ``zone`` is taken for symmetry with the other slips; this one shows no clock time.
    """
    return _render(_Slip(
        "Phiếu từ chối tiếp nhận\ngiải quyết hồ sơ", facts.header, facts.day, facts.code, None,
        partial(_refusal_body, facts=facts),
        (None, _Signer("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_NOTE, facts.officer or ""))))


def _apology_body(pdf: FPDF, facts: ApologyFacts, zone: tzinfo) -> None:
    """The body of Mẫu 04: when the dossier came, when it was due, why it is late, and when
    the result will be ready."""
    agency = facts.header.desk
    received = f"{_local(facts.received_at, zone):%d/%m/%Y}"
    _labelled(pdf, ("Ngày ", received),
              (f", {agency} tiếp nhận giải quyết hồ sơ của Ông/Bà ", facts.applicant_name))
    _labelled(pdf, ("Nội dung yêu cầu giải quyết: ", facts.procedure))
    _labelled(pdf, ("Thời hạn giải quyết hồ sơ theo quy định: ",
                    slip_datetime(facts.old_due_at, zone)))
    _labelled(pdf, (f"Tuy nhiên đến nay, {agency} chưa trả kết quả giải quyết hồ sơ của "
                    "Ông/Bà, lý do: ", facts.reason))
    _labelled(pdf, (f"Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {agency} xin lỗi Ông/Bà "
                    "và sẽ trả kết quả vào ", slip_datetime(facts.new_due_at, zone)), tail=".")
    _plain(pdf, "Xin trân trọng cảm ơn sự hợp tác của Ông/Bà.")


def apology_pdf(facts: ApologyFacts, zone: tzinfo) -> bytes:
    """Mẫu 04, "Phiếu xin lỗi và hẹn lại ngày trả kết quả": one A5 slip, no QR code.

    :raises ValueError: unless the new due time is after the old one (ND61-LATE), or if a
        time is naive.
    """
    if _local(facts.new_due_at, zone) <= _local(facts.old_due_at, zone):
        raise ValueError("the new due time must be after the old one")
    return _render(_Slip(
        "Phiếu xin lỗi và hẹn lại\nngày trả kết quả", facts.header, facts.day, facts.code, None,
        partial(_apology_body, facts=facts, zone=zone),
        (None, _Signer((facts.signer_title or HEAD).upper(), STAMP_NOTE, facts.signer or "",
                       room=20))))
