"""A generated electronic result (ND45-14.3): the decision of the competent agency on the
dossier, coded ``<dossier code>-KQ<n>``, for procedures whose result is a notice or a
confirmation the portal can state itself. Results with their own official form (a birth
certificate, a permit) are issued by the sector's system and uploaded, signed, instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from functools import partial

from fpdf import FPDF

from portal.services.slips.blocks import _labelled, _plain
from portal.services.slips.layout import SlipHeader, _render, _Signer, _Slip

SIGNED_NOTE = "(Đã ký số)"


@dataclass(kw_only=True)
class ResultFacts:
    """What a generated result states: whose dossier, which procedure, the decision."""
    header: SlipHeader
    code: str
    dossier_code: str
    procedure: str
    applicant_name: str
    applicant_address: str | None = None
    content: str
    signer: str | None = None
    day: date


def _result_body(pdf: FPDF, facts: ResultFacts) -> None:
    _labelled(pdf, ("Mã hồ sơ: ", facts.dossier_code))
    _labelled(pdf, ("Người yêu cầu: Ông/Bà ", facts.applicant_name))
    if facts.applicant_address:
        _labelled(pdf, ("Địa chỉ: ", facts.applicant_address))
    _labelled(pdf, ("Thủ tục hành chính: ", facts.procedure))
    _plain(pdf, f"Sau khi xem xét hồ sơ, {facts.header.desk} quyết định:")
    _plain(pdf, facts.content, indent=5)
    _plain(pdf, "Kết quả điện tử này có giá trị như bản giấy; tính toàn vẹn được kiểm tra bằng "
                "mã kết quả và mã băm lưu trên Cổng Dịch vụ công.")


def result_pdf(facts: ResultFacts, zone: tzinfo) -> bytes:
    """The result as one A5 page, signed by the agency's leader (the portal signs the file's
    digest; see :mod:`portal.services.results`).

    ``zone`` is taken for symmetry with the slips; the result shows no clock time.
    """
    return _render(_Slip(
        "Kết quả giải quyết\nthủ tục hành chính", facts.header, facts.day, facts.code, None,
        partial(_result_body, facts=facts),
        (None, _Signer("THỦ TRƯỞNG CƠ QUAN", SIGNED_NOTE, facts.signer or ""))))
