"""The blocks of a slip's body: labelled facts, paragraphs, numbered lists and tables.

Body text is 10 pt Roboto on :data:`~.layout.LINE` mm lines; every text is NFC-normalised
before it is drawn, and wraps between words within the margins.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace

from portal.services.slips.layout import DOTS, FONT, LINE, _nfc

MM_PER_PT = 25.4 / 72
HEADING_FILL = 235  # light grey behind a table's headings


def _labelled(pdf: FPDF, *parts: tuple[str, str | None], tail: str = "") -> None:
    """One paragraph of (label, value) parts: labels plain, values bold, a missing one dots;
    ``tail`` ends it in plain text. It wraps between words, wherever the style changes."""
    with pdf.text_columns(line_height=LINE / (10 * MM_PER_PT)) as columns:
        with columns.paragraph() as paragraph:
            for label, value in parts:
                pdf.set_font(FONT, "", 10)
                paragraph.write(_nfc(label))
                pdf.set_font(FONT, "B" if value else "", 10)
                paragraph.write(_nfc(value or DOTS))
            pdf.set_font(FONT, "", 10)
            paragraph.write(_nfc(tail))
    pdf.set_x(pdf.l_margin)


def _plain(pdf: FPDF, text: str, indent: float = 0) -> None:
    """A paragraph of plain text across the page, its lines ``indent`` mm in from the left."""
    pdf.set_font(FONT, "", 10)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.epw - indent, LINE, _nfc(text), align="J", new_x="LMARGIN",
                   new_y="NEXT")


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


def _table(pdf: FPDF, headings: Sequence[str], rows: Iterable[Sequence[str]],
           widths: Sequence[float], align: Sequence[str], size: float = 8) -> None:
    """A ruled table across the page: bold centred headings, repeated at the top of each
    page it runs onto; ``widths`` are relative; text wraps within its cell."""
    pdf.set_font(FONT, "", size)
    style = FontFace(emphasis="BOLD", size_pt=size, fill_color=HEADING_FILL)
    with pdf.table(width=pdf.epw, col_widths=tuple(widths), text_align=tuple(align),
                   v_align="TOP", line_height=size * 0.45, padding=(0.8, 1),
                   headings_style=style, repeat_headings=1) as table:
        heading = table.row()
        for text in headings:
            heading.cell(_nfc(text), align="C", v_align="MIDDLE")
        for cells in rows:
            row = table.row()
            for text in cells:
                row.cell(_nfc(text))
    pdf.set_x(pdf.l_margin)
