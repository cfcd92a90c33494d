"""Official slips of the one-stop mechanism (Thông tư 01/2018/TT-VPCP) as A5 PDFs.

Mẫu 01, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", is :func:`receipt_pdf` (TT01-M01). What
every slip shares is private: :class:`_SlipPDF` (A5 portrait, TT01-SIZE; Roboto from
``form_documents.FONT_DIR``; the copy label at the top right of every page), :func:`_header`
(TT01-19.2), :func:`_title` with the QR code of the tracking URL at its right, on each copy's
first page, and :func:`_labelled`, :func:`_plain`, :func:`_numbered`, :func:`_signatures`.
Mẫu 02 (supplement request), 03 (refusal), 04 (apology with a new date) and 05 (control slip)
are each a body function and two signers handed to :func:`_render` in a :class:`_Slip`.

The slip texts are plain Vietnamese constants, not gettext messages: a slip is an official
document whose wording the circular fixes, whatever language the reader's interface uses.
Text is NFC-normalised, so each Vietnamese letter is one Roboto glyph; long text wraps within
the margins, and a long slip flows onto more pages without repeating the header.
"""
from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import partial
from itertools import groupby

import segno
from fpdf import FPDF

from portal.services.documents import MOTTO
from portal.services.form_documents import FONT_DIR

COPY_ARCHIVE = "Liên 1: Lưu"
COPY_APPLICANT = "Liên 2: Giao người nộp hồ sơ"
QR_CAPTION = "Quét để tra cứu hồ sơ"
DOTS = "…………………"
SIGN_NOTE = "(Ký và ghi rõ họ tên)"
ONLINE_NOTE = "(Giấy tiếp nhận được cấp điện tử qua Cổng Dịch vụ công, không cần chữ ký)"
FONT = "Roboto"
FONT_FILES = {"": "Regular", "B": "Bold", "I": "Italic", "BI": "BoldItalic"}

# Geometry, in millimetres.
MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM = 15, 12, 12, 10
A5 = (148, 210)
LINE = 5  # body line height, for 10 pt text
HEADER_RIGHT = 63  # the motto's column: its first line in 9 pt bold, with the cell's padding
QR_SIZE = 21  # the code with its quiet zone of QR_QUIET modules on each side
QR_QUIET = 4


@dataclass
class SlipHeader:
    """Who issues a slip, in normal case (the header sets it in capitals), and where."""
    authority: str
    desk: str
    place: str


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


@dataclass
class _Signer:
    """One signature block: role in capitals, a note under it, room to sign, then the name."""
    role: str
    note: str
    name: str = ""
    room: float = 15


@dataclass
class _Slip:
    """A slip ready to draw: the body is a function of the PDF, called once per copy."""
    title: str
    header: SlipHeader
    day: date
    code: str
    tracking_url: str
    copies: tuple[str, ...]
    body: Callable[[FPDF], None]
    signers: tuple[_Signer | None, _Signer | None] = (None, None)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def slip_datetime(moment: datetime, zone: tzinfo) -> str:
    """"08 giờ 37 phút, ngày 20 tháng 11 năm 2026": ``moment`` as a clock time in ``zone``.

    :raises ValueError: if ``moment`` is naive, since its zone would be a guess.
    """
    if moment.tzinfo is None:
        raise ValueError("slip_datetime needs an aware datetime")
    local = moment.astimezone(zone)
    return f"{local:%H} giờ {local:%M} phút, {_day_text(local.date())}"


def _day_text(day: date) -> str:
    return f"ngày {day:%d} tháng {day:%m} năm {day.year}"


def slip_date_line(place: str, day: date) -> str:
    """The place and date under the motto: "Minh Họa, ngày 20 tháng 11 năm 2026"."""
    return f"{place}, {_day_text(day)}"


def qr_svg(data: str, title: str = QR_CAPTION) -> str:
    """``data`` as an inline SVG QR code, fit for a strict CSP and scaled by CSS.

    No XML declaration, no ``style`` attribute, no script; a ``viewBox`` and no size;
    ``role="img"`` with ``title`` as its ``aria-label`` and ``<title>``.
    """
    svg = segno.make_qr(data, error="m").svg_inline(
        title=title, svgclass="portal-qr", lineclass=None, omitsize=True, light="#fff")
    label = html.escape(title, quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


class _SlipPDF(FPDF):
    """An A5 slip in Roboto; each copy starts with :meth:`new_copy` on a page of its own."""

    def __init__(self, title: str, author: str) -> None:
        # A5 given in millimetres: fpdf2 warns on the name "A5", whose size it once changed.
        super().__init__(format=A5)
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(True, MARGIN_BOTTOM)
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, str(FONT_DIR / f"Roboto-{name}.ttf"))
        self.set_title(_nfc(title))
        self.set_author(_nfc(author))
        self.set_lang("vi")
        self.copy_label = ""

    def new_copy(self, label: str) -> None:
        """Start the copy called ``label`` ("Liên 1: Lưu") on a new page."""
        self.copy_label = label
        self.add_page()

    def header(self) -> None:
        """The copy label at the top right of every page."""
        self.set_font(FONT, "I", 8)
        self.set_xy(self.l_margin, 5)
        self.cell(self.epw, 4, _nfc(self.copy_label), align="R")
        self.set_xy(self.l_margin, self.t_margin)


def _draw_qr(pdf: FPDF, data: str, left: float, top: float) -> None:
    """The QR code of ``data`` drawn from segno's module matrix, with its caption under it.

    Each run of dark modules in a row is one filled rectangle; the quiet zone stays blank.
    """
    matrix = segno.make_qr(data, error="m").matrix
    module = QR_SIZE / (len(matrix) + 2 * QR_QUIET)
    pdf.set_fill_color(0)
    for number, row in enumerate(matrix):
        y, col = top + (QR_QUIET + number) * module, 0
        for dark, run in groupby(row):
            length = len(list(run))
            if dark:
                pdf.rect(left + (QR_QUIET + col) * module, y, length * module, module, "F")
            col += length
    pdf.set_font(FONT, "", 6)
    pdf.set_xy(left - 3, top + QR_SIZE - 0.8)
    pdf.cell(QR_SIZE + 6, 2.5, _nfc(QR_CAPTION), align="C")


def _centered(pdf: FPDF, text: str, width: float, style: str = "", size: float = 10,
              height: float = 4.6) -> None:
    """Centred text in a column starting at the current x; the next line starts there too."""
    pdf.set_font(FONT, style, size)
    text = _balanced(pdf, _nfc(text), width)
    pdf.multi_cell(width, height, text, align="C", new_x="LEFT", new_y="NEXT")


def _balanced(pdf: FPDF, text: str, width: float) -> str:
    """``text`` as two lines of about equal width if it needs two, as a typesetter breaks it."""
    words, room = text.split(" "), width - 2 * pdf.c_margin
    if len(words) < 2 or "\n" in text or not room < pdf.get_string_width(text) <= 2 * room:
        return text
    halves = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    first, last = min(halves, key=lambda pair: max(map(pdf.get_string_width, pair)))
    return f"{first}\n{last}"


def _rule(pdf: FPDF, centre: float, width: float) -> None:
    """A short line under the text above, centred on ``centre``."""
    y = pdf.get_y() + 0.6
    pdf.set_line_width(0.25)
    pdf.line(centre - width / 2, y, centre + width / 2, y)
    pdf.set_y(y + 1.5)


def _header(pdf: FPDF, header: SlipHeader, day: date) -> None:
    """Authority and desk on the left; motto, place and date on the right (TT01-19.2)."""
    top, left_w = pdf.get_y(), pdf.epw - HEADER_RIGHT
    right_w, right_x = HEADER_RIGHT, pdf.l_margin + left_w
    _centered(pdf, header.authority.upper(), left_w, size=9)
    _centered(pdf, header.desk.upper(), left_w, "B", 9)
    _rule(pdf, pdf.l_margin + left_w / 2, left_w / 3)
    left_bottom = pdf.get_y()
    pdf.set_xy(right_x, top)
    _centered(pdf, MOTTO[0], right_w, "B", 9)
    _centered(pdf, MOTTO[1], right_w, "B", 10)
    _rule(pdf, right_x + right_w / 2, pdf.get_string_width(MOTTO[1]))
    pdf.set_xy(right_x, pdf.get_y() + 1.5)
    _centered(pdf, slip_date_line(header.place, day), right_w, "I", 9.5)
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 4)


def _title(pdf: FPDF, title: str, code: str, qr_data: str) -> None:
    """Title (a newline marks its best break) and dossier code, centred; the QR at right."""
    top, side = pdf.get_y(), QR_SIZE + 2
    pdf.set_x(pdf.l_margin + side)
    _centered(pdf, title.upper(), pdf.epw - 2 * side, "B", 12, 5.8)
    _centered(pdf, f"Mã hồ sơ: {code}", pdf.epw - 2 * side, "", 10, LINE)
    text_bottom = pdf.get_y()
    _draw_qr(pdf, qr_data, pdf.w - pdf.r_margin - QR_SIZE, top - 1.5)
    pdf.set_xy(pdf.l_margin, max(text_bottom, top + QR_SIZE) + 2)


def _labelled(pdf: FPDF, *parts: tuple[str, str | None]) -> None:
    """One paragraph of (label, value) parts: labels plain, values bold, a missing one dots."""
    pdf.set_x(pdf.l_margin)
    for label, value in parts:
        pdf.set_font(FONT, "", 10)
        pdf.write(LINE, _nfc(label))
        pdf.set_font(FONT, "B" if value else "", 10)
        pdf.write(LINE, _nfc(value or DOTS))
    pdf.ln(LINE)


def _plain(pdf: FPDF, text: str) -> None:
    """A paragraph of plain text across the page."""
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(pdf.epw, LINE, _nfc(text), align="J", new_x="LMARGIN", new_y="NEXT")


def _numbered(pdf: FPDF, items: list[str], indent: float = 5, number: float = 7) -> None:
    """A numbered list with hanging lines, each item kept from starting at a page's foot."""
    pdf.set_font(FONT, "", 10)
    for position, text in enumerate(items, start=1):
        if pdf.will_page_break(LINE):
            pdf.add_page()
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(number, LINE, f"{position}.")
        pdf.multi_cell(pdf.epw - indent - number, LINE, _nfc(text), align="J",
                       new_x="LMARGIN", new_y="NEXT")


def _signatures(pdf: FPDF, left: _Signer | None, right: _Signer | None) -> None:
    """Two signature blocks side by side, moved whole to a new page if they do not fit."""
    pdf.ln(3)
    blocks = [signer for signer in (left, right) if signer]
    if blocks and pdf.will_page_break(max(signer.room for signer in blocks) + 20):
        pdf.add_page()
    top, half = pdf.get_y(), pdf.epw / 2
    bottom = top
    for column, signer in enumerate((left, right)):
        if signer is None:
            continue
        pdf.set_xy(pdf.l_margin + column * half, top)
        _centered(pdf, signer.role, half, "B", 10)
        _centered(pdf, signer.note, half, "I", 8.5, 4)
        pdf.set_xy(pdf.l_margin + column * half, pdf.get_y() + signer.room)
        _centered(pdf, signer.name, half, "B", 10)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom)


def _render(slip: _Slip) -> bytes:
    """Every copy of ``slip``: header, title, body and signatures, each copy from a new page."""
    pdf = _SlipPDF(" ".join(slip.title.split()), slip.header.authority)
    for label in slip.copies:
        pdf.new_copy(label)
        _header(pdf, slip.header, slip.day)
        _title(pdf, slip.title, slip.code, slip.tracking_url)
        slip.body(pdf)
        _signatures(pdf, *slip.signers)
    return bytes(pdf.output())


def _receipt_body(pdf: FPDF, facts: ReceiptFacts, zone: tzinfo) -> None:
    """The body of Mẫu 01, in the circular's order."""
    due = slip_datetime(facts.due_at, zone) if facts.due_at else "Theo quy định của thủ tục"
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
        facts.received_at.astimezone(zone).date(), facts.code, facts.tracking_url, facts.copies,
        partial(_receipt_body, facts=facts, zone=zone), _receipt_signers(facts)))
