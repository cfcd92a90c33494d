"""What every slip shares: the A5 page, the header, the title with its QR code, the text.

:class:`_SlipPDF` is an A5 portrait page in Roboto (TT01-SIZE) with the copy label at the top
right of every page; :func:`_header` sets the issuer and the motto (TT01-19.2); :func:`_title`
the title and dossier code, with the QR code of the tracking URL at its right when there is
one; :func:`_signatures` the signature blocks. :func:`_render` puts a :class:`_Slip`
together, its body drawn with the blocks of :mod:`.blocks`. The names are private to the
package: each form's module builds on them.
"""
from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
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
AS_PROCEDURE = "Theo quy định của thủ tục"
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


@dataclass
class _Signer:
    """One signature block: role in capitals, a note under it, room to sign, then the name."""
    role: str
    note: str
    name: str = ""
    room: float = 15


@dataclass
class _Slip:
    """A slip ready to draw: the body is a function of the PDF, called once per copy.

    ``tracking_url`` None draws no QR code; the empty copy label prints nothing.
    """
    title: str
    header: SlipHeader
    day: date
    code: str
    tracking_url: str | None
    body: Callable[[FPDF], None]
    signers: tuple[_Signer | None, _Signer | None] = (None, None)
    copies: tuple[str, ...] = ("",)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _local(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` as a time in ``zone``.

    :raises ValueError: if ``moment`` is naive, since its zone would be a guess.
    """
    if moment.tzinfo is None:
        raise ValueError("slips need aware datetimes")
    return moment.astimezone(zone)


def slip_datetime(moment: datetime, zone: tzinfo) -> str:
    """"08 giờ 37 phút, ngày 20 tháng 11 năm 2026": ``moment`` as a clock time in ``zone``.

    :raises ValueError: if ``moment`` is naive, since its zone would be a guess.
    """
    local = _local(moment, zone)
    return f"{local:%H} giờ {local:%M} phút, {_day_text(local.date())}"


def _short_datetime(moment: datetime | None, zone: tzinfo) -> str:
    """"20/11/2026 08:37" in ``zone``, for a table's narrow cell; None is empty."""
    return f"{_local(moment, zone):%d/%m/%Y %H:%M}" if moment else ""


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
    """A slip in Roboto, A5 portrait unless told; each copy starts on a page of its own."""

    def __init__(self, title: str, author: str, size: tuple[float, float] = A5,
                 orientation: str = "P") -> None:
        # Sizes given in millimetres: fpdf2 warns on the name "A5", whose size it once changed.
        super().__init__(orientation=orientation, format=size)
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
        if self.copy_label:
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


def _issuer(pdf: FPDF, header: SlipHeader, width: float) -> None:
    """Authority, and the desk in bold under it, in capitals, centred in a column."""
    _centered(pdf, header.authority.upper(), width, size=9)
    _centered(pdf, header.desk.upper(), width, "B", 9)
    _rule(pdf, pdf.get_x() + width / 2, width / 3)


def _header(pdf: FPDF, header: SlipHeader, day: date) -> None:
    """Authority and desk on the left; motto, place and date on the right (TT01-19.2)."""
    top, left_w = pdf.get_y(), pdf.epw - HEADER_RIGHT
    right_w, right_x = HEADER_RIGHT, pdf.l_margin + left_w
    _issuer(pdf, header, left_w)
    left_bottom = pdf.get_y()
    pdf.set_xy(right_x, top)
    _centered(pdf, MOTTO[0], right_w, "B", 9)
    _centered(pdf, MOTTO[1], right_w, "B", 10)
    _rule(pdf, right_x + right_w / 2, pdf.get_string_width(MOTTO[1]))
    pdf.set_xy(right_x, pdf.get_y() + 1.5)
    _centered(pdf, slip_date_line(header.place, day), right_w, "I", 9.5)
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 4)


def _title(pdf: FPDF, title: str, code: str, qr_data: str | None) -> None:
    """Title (a newline marks its best break) and dossier code, centred; any QR at right."""
    top, side = pdf.get_y(), QR_SIZE + 2
    pdf.set_x(pdf.l_margin + side)
    _centered(pdf, title.upper(), pdf.epw - 2 * side, "B", 12, 5.8)
    _centered(pdf, f"Mã hồ sơ: {code}", pdf.epw - 2 * side, "", 10, LINE)
    bottom = pdf.get_y()
    if qr_data:
        _draw_qr(pdf, qr_data, pdf.w - pdf.r_margin - QR_SIZE, top - 1.5)
        bottom = max(bottom, top + QR_SIZE)
    pdf.set_xy(pdf.l_margin, bottom + 2)


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
