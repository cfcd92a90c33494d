"""Official slips of the one-stop mechanism (Thông tư 01/2018/TT-VPCP) as PDFs.

One module per form, each a small function on the shared layout of :mod:`.layout`:

- Mẫu 01, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả": :func:`receipt_pdf` (:mod:`.receipt`);
- Mẫu 02, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ": :func:`supplement_pdf`;
- Mẫu 03, "Phiếu từ chối tiếp nhận giải quyết hồ sơ": :func:`refusal_pdf`;
- Mẫu 04, "Phiếu xin lỗi và hẹn lại ngày trả kết quả": :func:`apology_pdf` (:mod:`.notices`);
- Mẫu 05, "Phiếu kiểm soát quá trình giải quyết hồ sơ": :func:`control_pdf` (:mod:`.control`);
- Mẫu 06, "Sổ theo dõi hồ sơ": :func:`register_pdf` and :func:`register_xlsx`
  (:mod:`.register`).

Thông tư 03/2025/TT-VPCP keeps these forms' content under slightly different numbers. Slips
01 to 05 are A5 portrait (TT01-SIZE); the register is A4 landscape. Their texts are plain
Vietnamese constants, not gettext messages: a slip is an official document whose wording the
circular fixes, whatever language the reader's interface uses. Text is NFC-normalised, so
each Vietnamese letter is one Roboto glyph; long text wraps, and a long slip flows onto more
pages without repeating the header (a table repeats its headings). Times are aware and shown
in the ``zone`` each function is given.
"""
from __future__ import annotations

from portal.services.slips.control import ControlFacts, HandOver, control_pdf
from portal.services.slips.layout import (
    COPY_APPLICANT, COPY_ARCHIVE, FONT, FONT_FILES, MARGIN_RIGHT, QR_CAPTION, SlipHeader, qr_svg,
    slip_date_line, slip_datetime)
from portal.services.slips.notices import (
    ApologyFacts, RefusalFacts, SupplementFacts, apology_pdf, refusal_pdf, supplement_pdf)
from portal.services.slips.receipt import ReceiptFacts, receipt_pdf
from portal.services.slips.result import ResultFacts, result_pdf
from portal.services.slips.register import (
    RegisterFacts, RegisterRow, register_pdf, register_xlsx)

__all__ = [
    "COPY_APPLICANT", "COPY_ARCHIVE", "FONT", "FONT_FILES", "MARGIN_RIGHT", "QR_CAPTION",
    "ApologyFacts", "ControlFacts", "HandOver", "ReceiptFacts", "RefusalFacts", "RegisterFacts",
    "RegisterRow", "ResultFacts", "SlipHeader", "SupplementFacts", "apology_pdf",
    "control_pdf", "qr_svg", "receipt_pdf", "refusal_pdf", "register_pdf", "register_xlsx",
    "result_pdf", "slip_date_line", "slip_datetime", "supplement_pdf",
]
