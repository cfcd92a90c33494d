"""Mẫu 06, "Sổ theo dõi hồ sơ" (TT01-M06): the desk's register of dossiers for a period.

:func:`register_pdf` prints it on A4 landscape, its column headings repeated on each page and
"Trang x/y" at the foot; :func:`register_xlsx` gives the same columns as a spreadsheet, whose
times are real Excel date-times in the authority's local time (Excel has no time zones).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from portal.services.slips.blocks import _table
from portal.services.slips.layout import (
    FONT, SlipHeader, _centered, _issuer, _local, _nfc, _SlipPDF)

TITLE = "Sổ theo dõi hồ sơ"
A4 = (210, 297)
MARGIN = 10  # left, top and right, in millimetres, so the thirteen columns get room
FOOT = 12  # bottom margin: the page number sits in it
TIME_FORMAT = "dd/mm/yyyy hh:mm"
HEADINGS_ROW = 4  # in the spreadsheet, under the title, the issuer and the period
# (heading, width in mm on the PDF, adding up to its 277 mm of text width; width in characters
# in the spreadsheet; alignment)
COLUMNS = (
    ("TT", 8, 6, "CENTER"),
    ("Mã hồ sơ", 36, 28, "LEFT"),
    ("Tên TTHC", 37, 40, "LEFT"),
    ("Số lượng hồ sơ (bộ)", 11, 10, "CENTER"),
    ("Tên cá nhân, tổ chức", 26, 26, "LEFT"),
    ("Địa chỉ, số điện thoại", 32, 32, "LEFT"),
    ("Cơ quan chủ trì giải quyết", 25, 28, "LEFT"),
    ("Nhận hồ sơ (ngày, giờ)", 17, 17, "CENTER"),
    ("Hẹn trả kết quả", 17, 17, "CENTER"),
    ("Chuyển hồ sơ đến cơ quan giải quyết", 17, 17, "CENTER"),
    ("Nhận kết quả từ cơ quan giải quyết", 17, 17, "CENTER"),
    ("Trả kết quả cho cá nhân, tổ chức (ngày, giờ)", 17, 17, "CENTER"),
    ("Ghi chú", 17, 24, "LEFT"),
)
HEADINGS = tuple(heading for heading, _, _, _ in COLUMNS)
Value = int | str | datetime | None  # what one cell of a row holds


@dataclass(kw_only=True)
class RegisterRow:
    """One dossier in the register. Times are aware; None is a step not taken yet.
    ``number`` is its "Số thứ tự" in the book (Mẫu 01 quotes it); None numbers the rows."""
    number: int | str | None = None
    code: str
    procedure: str
    sets: int = 1
    applicant: str
    address_phone: str
    agency: str
    received_at: datetime
    due_at: datetime | None
    sent_to_agency_at: datetime | None
    result_from_agency_at: datetime | None
    returned_at: datetime | None
    note: str | None = None


@dataclass(kw_only=True)
class RegisterFacts:
    """The register of ``header``'s desk from ``start`` to ``end``, both days included;
    ``book`` is its "Quyển số" when the rows come from one book."""
    header: SlipHeader
    start: date
    end: date
    rows: list[RegisterRow]
    book: str | None = None


def _period(facts: RegisterFacts) -> str:
    """"Từ ngày 01/11/2026 đến ngày 30/11/2026".

    :raises ValueError: if the period ends before it starts.
    """
    if facts.end < facts.start:
        raise ValueError("the register's period ends before it starts")
    book = f" - Quyển số: {facts.book}" if facts.book else ""
    return f"Từ ngày {facts.start:%d/%m/%Y} đến ngày {facts.end:%d/%m/%Y}{book}"


def _values(position: int, row: RegisterRow, zone: tzinfo) -> list[Value]:
    """The cells of one row; times as naive datetimes of ``zone``'s wall clock."""
    times = (row.received_at, row.due_at, row.sent_to_agency_at, row.result_from_agency_at,
             row.returned_at)
    local = [_local(moment, zone).replace(tzinfo=None) if moment else None for moment in times]
    number = position if row.number is None else row.number
    return [number, row.code, row.procedure, row.sets, row.applicant, row.address_phone,
            row.agency, *local, row.note]


def _text(value: Value) -> str:
    """A cell as the printed register shows it: the day over the time, a blank for None."""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}\n{value:%H:%M}"
    return "" if value is None else str(value)


class _RegisterPDF(_SlipPDF):
    """The register on A4 landscape, "Trang x/y" centred at the foot of every page."""

    def __init__(self, author: str) -> None:
        super().__init__(TITLE, author, A4, "L")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, FOOT)

    def footer(self) -> None:
        """The page number out of the total, which fpdf2 fills in at the end."""
        self.set_y(-FOOT + 3)
        self.set_font(FONT, "I", 8)
        self.cell(self.epw, 4, f"Trang {self.page_no()}/{self.str_alias_nb_pages}", align="C")


def register_pdf(facts: RegisterFacts, zone: tzinfo) -> bytes:
    """Mẫu 06 on A4 landscape: issuer, title, period, then one table row per dossier."""
    period = _period(facts)
    pdf = _RegisterPDF(facts.header.authority)
    pdf.add_page()
    _issuer(pdf, facts.header, 90)
    pdf.set_xy(pdf.l_margin, pdf.get_y() + 2)
    _centered(pdf, TITLE.upper(), pdf.epw, "B", 14, 7)
    _centered(pdf, period, pdf.epw, "I", 10, 5)
    pdf.ln(3)
    rows = ([_text(value) for value in _values(n, row, zone)]
            for n, row in enumerate(facts.rows, start=1))
    _table(pdf, HEADINGS, rows, [width for _, width, _, _ in COLUMNS],
           [align for _, _, _, align in COLUMNS], size=7.5)
    return bytes(pdf.output())


def _xlsx_title(sheet: Worksheet, facts: RegisterFacts) -> None:
    """Rows 1 to 3, across the table: the title, the issuer, the period."""
    lines = ((TITLE.upper(), Font(bold=True, size=14)),
             (f"{facts.header.authority} - {facts.header.desk}", Font(bold=True)),
             (_period(facts), Font(italic=True)))
    for number, (text, font) in enumerate(lines, start=1):
        sheet.merge_cells(start_row=number, start_column=1, end_row=number,
                          end_column=len(COLUMNS))
        cell = sheet.cell(number, 1, _nfc(text))
        cell.font, cell.alignment = font, Alignment(horizontal="center")


def _xlsx_cell(sheet: Worksheet, row: int, column: int, value: Value) -> None:
    """One cell, wrapped and top-aligned; text stays text, even if it starts with "="."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", _nfc(value))
    cell = sheet.cell(row, column, value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula: names and addresses come from applicants
    elif isinstance(value, datetime):
        cell.number_format = TIME_FORMAT
    horizontal = COLUMNS[column - 1][3].lower()
    cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=True)
    cell.border = Border(*(Side(style="thin"),) * 4)


def _xlsx_headings(sheet: Worksheet, row: int) -> None:
    """The column headings on ``row``, bold on grey, and each column's width."""
    fill = PatternFill("solid", fgColor="EBEBEB")
    for column, (heading, _, width, _) in enumerate(COLUMNS, start=1):
        _xlsx_cell(sheet, row, column, heading)
        cell = sheet.cell(row, column)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.row_dimensions[row].height = 45  # three lines: Excel does not fit it on opening


def _xlsx_print_setup(sheet: Worksheet, headings_row: int) -> None:
    """Panes frozen below the headings and right of the code; printed on A4 landscape, one
    page wide, the headings repeated on each page."""
    sheet.freeze_panes = sheet.cell(headings_row + 1, 3).coordinate
    sheet.print_title_rows = f"{headings_row}:{headings_row}"
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0


def register_xlsx(facts: RegisterFacts, zone: tzinfo) -> bytes:
    """Mẫu 06 as an .xlsx workbook: the title on rows 1 to 3, bold headings on row 4, then one
    row per dossier, its times as Excel date-times of ``zone``'s wall clock."""
    book = Workbook()
    sheet = book.active
    sheet.title = TITLE
    _xlsx_title(sheet, facts)
    _xlsx_headings(sheet, HEADINGS_ROW)
    for number, row in enumerate(facts.rows, start=1):
        for column, value in enumerate(_values(number, row, zone), start=1):
            _xlsx_cell(sheet, HEADINGS_ROW + number, column, value)
    _xlsx_print_setup(sheet, HEADINGS_ROW)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
