"""A form as a document: blank (level 2, TT32-LV2) or filled from a draft (TT32-EF-4).

Both are generated from the same specification as the interactive form, with the official
layout: Quốc hiệu and tiêu ngữ, the title, "Kính gửi", the questions section by section, the
declaration and the signature block. PDF text is set in Roboto (Apache 2.0, shipped by the
``font-roboto`` package), which has every Vietnamese letter.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import font_roboto
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from flask_babel import gettext as _
from fpdf import FPDF

from portal.services import eforms
from portal.services.documents import MOTTO, centered, new_document

FONT_DIR = Path(font_roboto.__file__).resolve().parent / "files"
BLANK = "." * 40


@dataclass
class Line:
    label: str
    answer: str


def _lines(spec: eforms.Spec, data: dict | None, options: eforms.OptionsFn | None):
    """[(section title, [Line])]: the visible answers of a draft, or every question with
    room to write when blank."""
    if data is None:
        result = []
        for section in spec.sections:
            lines = []
            for f in section.fields:
                if f.type == "declaration":
                    continue
                if f.type == "group":
                    lines.append(Line(f.label, ""))
                    lines.extend(Line(f"  {child.label}", BLANK) for child in f.fields)
                else:
                    lines.append(Line(f.label, BLANK))
            result.append((section.title, lines))
        return result
    return [(section.title, [Line(label, answer or BLANK) for label, answer, key in rows
                             if not key.endswith("cam_doan")])
            for section, rows in eforms.answers(spec, data, options)]


def _declaration(spec: eforms.Spec) -> str:
    return spec.declaration or _("Tôi cam đoan những nội dung khai trên đây là đúng sự thật "
                                 "và chịu trách nhiệm trước pháp luật về cam đoan của mình.")


def form_docx(spec: eforms.Spec, authority: str, data: dict | None = None,
              options: eforms.OptionsFn | None = None) -> bytes:
    """The form as a Word document, blank or filled."""
    document = new_document()
    for text in MOTTO:
        centered(document, text, bold=True)
    centered(document, spec.title.upper(), bold=True, size=14)
    if spec.form_number:
        centered(document, spec.form_number, size=11)
    document.add_paragraph(_("Kính gửi: %(authority)s", authority=authority))
    for title, lines in _lines(spec, data, options):
        document.add_heading(title, level=2)
        for line in lines:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{line.label}: " if line.answer else line.label).bold = (
                not line.answer)
            paragraph.add_run(line.answer)
            paragraph.paragraph_format.space_after = Pt(2)
    document.add_paragraph(_declaration(spec))
    document.add_paragraph(_("Làm tại ……………, ngày …… tháng …… năm ……")).alignment = (
        WD_ALIGN_PARAGRAPH.RIGHT)
    signature = document.add_paragraph(_("NGƯỜI YÊU CẦU\n(Ký, ghi rõ họ, chữ đệm, tên)"))
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def form_pdf(spec: eforms.Spec, authority: str, data: dict | None = None,
             options: eforms.OptionsFn | None = None) -> bytes:
    """The form as a PDF (A4), blank or filled, with Vietnamese text embedded as text."""
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("Roboto", "", str(FONT_DIR / "Roboto-Regular.ttf"))
    pdf.add_font("Roboto", "B", str(FONT_DIR / "Roboto-Bold.ttf"))
    pdf.add_font("Roboto", "I", str(FONT_DIR / "Roboto-Italic.ttf"))
    pdf.set_title(spec.title)
    pdf.set_creator(authority)
    pdf.add_page()
    width = pdf.epw

    def middle(text: str, style: str = "", size: int = 11) -> None:
        pdf.set_font("Roboto", style, size)
        pdf.multi_cell(width, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")

    middle(MOTTO[0], "B", 11)
    middle(MOTTO[1], "B", 11)
    pdf.ln(4)
    middle(spec.title.upper(), "B", 13)
    if spec.form_number:
        middle(spec.form_number, "I", 9)
    pdf.ln(3)
    pdf.set_font("Roboto", "", 11)
    pdf.multi_cell(width, 6, _("Kính gửi: %(authority)s", authority=authority),
                   new_x="LMARGIN", new_y="NEXT")
    for title, lines in _lines(spec, data, options):
        pdf.ln(2)
        pdf.set_font("Roboto", "B", 11)
        pdf.multi_cell(width, 6, title, new_x="LMARGIN", new_y="NEXT")
        for line in lines:
            pdf.set_font("Roboto", "", 10.5)
            text = f"{line.label}: {line.answer}" if line.answer else line.label
            pdf.multi_cell(width, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Roboto", "I", 10.5)
    pdf.multi_cell(width, 5.5, _declaration(spec), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Roboto", "", 10.5)
    pdf.multi_cell(width, 5.5, _("Làm tại ……………, ngày …… tháng …… năm ……"), align="R",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "B", 10.5)
    pdf.multi_cell(width, 5.5, _("NGƯỜI YÊU CẦU"), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "I", 10)
    pdf.multi_cell(width, 5.5, _("(Ký, ghi rõ họ, chữ đệm, tên)"), align="R",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
