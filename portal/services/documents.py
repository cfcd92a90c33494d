"""Word documents: a procedure's information to keep, and printable forms.

Generated with python-docx, so citizens can save, print or fill them offline (ND42-07.1c,
TT32-LV2).
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from flask import Response, current_app
from flask_babel import gettext as _

from portal.models import Procedure
from portal.services.files import DOCX
from portal.text import slugify

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def new_document() -> Document:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    return document


def centered(document: Document, text: str, *, bold: bool = False, size: int | None = None):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return paragraph


def procedure_docx(procedure: Procedure) -> bytes:
    """The procedure's 11 basic items as a .docx."""
    document = new_document()
    centered(document, procedure.name, bold=True, size=15)
    centered(document, _("Mã thủ tục: %(code)s", code=procedure.code))
    sections = [
        (_("Trình tự thực hiện"), [s.text for s in procedure.steps]),
        (_("Thành phần hồ sơ"), [
            _("%(name)s (bản chính: %(originals)d, bản sao: %(copies)d)", name=c.name,
              originals=c.originals, copies=c.copies) for c in procedure.components]),
        (_("Thời hạn giải quyết"), [procedure.processing_time_text]),
        (_("Đối tượng thực hiện"), [procedure.subjects_text]),
        (_("Cơ quan thực hiện"), [procedure.agency.name if procedure.agency else None,
                                  procedure.authority_text]),
        (_("Kết quả thực hiện"), [procedure.result_text]),
        (_("Phí, lệ phí"), [f.description for f in procedure.fees] or [procedure.fees_text]),
        (_("Yêu cầu, điều kiện"), [procedure.requirements_text]),
        (_("Căn cứ pháp lý"), [f"{b.number or ''} {b.title or ''}".strip()
                               for b in procedure.legal_bases]),
    ]
    for heading, lines in sections:
        document.add_heading(heading, level=2)
        for line in (line for line in lines if line):
            document.add_paragraph(line, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def procedure_docx_response(procedure: Procedure) -> Response:
    """Send the procedure's .docx as a download."""
    response = current_app.response_class(procedure_docx(procedure), mimetype=DOCX)
    filename = f"thu-tuc-{procedure.code}-{slugify(procedure.name, 50)}.docx"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def blank_form_docx(title: str, authority: str, lines: list[str], note: str = "") -> bytes:
    """A printable application form: national motto, title, addressee, lines to fill."""
    document = new_document()
    for text in MOTTO:
        centered(document, text, bold=True)
    centered(document, title.upper(), bold=True, size=14)
    if note:
        centered(document, note, size=11)
    document.add_paragraph(_("Kính gửi: %(authority)s", authority=authority))
    for line in lines:
        document.add_paragraph(f"{line}: " + "." * 60)
    document.add_paragraph(_("Tôi cam đoan những nội dung khai trên đây là đúng sự thật và "
                             "chịu trách nhiệm trước pháp luật về cam đoan của mình."))
    signature = document.add_paragraph(_("NGƯỜI YÊU CẦU\n(Ký, ghi rõ họ, chữ đệm, tên)"))
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
