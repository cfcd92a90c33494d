"""Mẫu 01, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" (TT01-M01)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial

from fpdf import FPDF

from portal.services.slips.blocks import _labelled, _numbered, _plain
from portal.services.slips.layout import (
    AS_PROCEDURE, COPY_APPLICANT, SIGN_NOTE, SlipHeader, _local, _render, _Signer, _Slip,
    slip_datetime)

ONLINE_NOTE = "(Giấy tiếp nhận được cấp điện tử qua Cổng Dịch vụ công, không cần chữ ký)"


@dataclass(kw_only=True)
class ReceiptFacts:
    """What Mẫu 01 states. Times are aware; ``due_at`` None means "as the procedure says";
    ``components`` are (name, count) pairs such as ("Tờ khai", "01 bản chính")."""
    header: SlipHeader
    code: str
    procedure: str
    applicant_name: str
    applicant_address: str | None
    applicant_phone: str | None
    applicant_email: str | None
    components: list[tuple[str, str]]
    sets: int = 1
    processing_time: str
    received_at: datetime
    due_at: datetime | None
    result_place: str
    tracking_url: str
    issued_online: bool = True
    officer: str | None = None
    register_book: str | None = None
    register_number: str | None = None
    copies: tuple[str, ...] = (COPY_APPLICANT,)


def _receipt_body(pdf: FPDF, facts: ReceiptFacts, zone: tzinfo) -> None:
    """The body of Mẫu 01, in the circular's order."""
    due = slip_datetime(facts.due_at, zone) if facts.due_at else AS_PROCEDURE
    _labelled(pdf, (f"{facts.header.desk} tiếp nhận hồ sơ của: Ông/Bà ", facts.applicant_name))
    _labelled(pdf, ("Địa chỉ: ", facts.applicant_address))
    _labelled(pdf, ("Số điện thoại: ", facts.applicant_phone),
              ("    Email: ", facts.applicant_email))
    _labelled(pdf, ("Nội dung yêu cầu giải quyết: ", facts.procedure))
    _plain(pdf, "1. Thành phần hồ sơ nộp gồm:")
    _numbered(pdf, [f"{name} ({count})" for name, count in facts.components])
    _labelled(pdf, ("2. Số lượng hồ sơ: ", f"{facts.sets:02d} bộ"))
    _labelled(pdf, ("3. Thời gian giải quyết hồ sơ theo quy định là: ", facts.processing_time))
    _labelled(pdf, ("4. Thời gian nhận hồ sơ: ", slip_datetime(facts.received_at, zone)))
    _labelled(pdf, ("5. Thời gian trả kết quả giải quyết hồ sơ: ", due))
    _labelled(pdf, ("6. Đăng ký nhận kết quả tại: ", facts.result_place))
    _labelled(pdf, ("Vào Sổ theo dõi hồ sơ, Quyển số: ", facts.register_book),
              ("    Số thứ tự: ", facts.register_number))


def _receipt_signers(facts: ReceiptFacts) -> tuple[_Signer | None, _Signer | None]:
    """Applicant and officer; online, no signatures, and a note that the portal issued it."""
    officer = facts.officer or ""
    if facts.issued_online:
        return None, _Signer("NGƯỜI TIẾP NHẬN HỒ SƠ", ONLINE_NOTE, officer, room=3)
    return (_Signer("NGƯỜI NỘP HỒ SƠ", SIGN_NOTE, facts.applicant_name),
            _Signer("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_NOTE, officer))


def receipt_pdf(facts: ReceiptFacts, zone: tzinfo) -> bytes:
    """Mẫu 01, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả": one A5 slip per copy requested.

    Times are shown in ``zone`` (the authority's, e.g. ``ZoneInfo("Asia/Ho_Chi_Minh")``).
    """
    return _render(_Slip(
        "Giấy tiếp nhận hồ sơ\nvà hẹn trả kết quả", facts.header,
        _local(facts.received_at, zone).date(), facts.code, facts.tracking_url,
        partial(_receipt_body, facts=facts, zone=zone), _receipt_signers(facts), facts.copies))
