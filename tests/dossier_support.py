"""Helpers for the dossier tests: a citizen's complete draft, small real files, submitting."""
from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import select

from portal.extensions import db
from portal.models import Draft, Dossier, User
from portal.services import drafts, sample_answers

#: Cấp Giấy xác nhận tình trạng hôn nhân: a form, then optional papers only.
MARITAL = "1.004873"
#: Đăng ký khai sinh: the Giấy chứng sinh is a required paper.
BIRTH = "1.001193"
CITIZEN = "congdan@demo.local"

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300") + b"\x08" * 64 + \
    bytes.fromhex("ffd9")


def docx_bytes() -> bytes:
    """A small real Word document."""
    from docx import Document

    out = io.BytesIO()
    document = Document()
    document.add_paragraph("Giấy xác nhận")
    document.save(out)
    return out.getvalue()


def odt_bytes() -> bytes:
    """A minimal OpenDocument text (the mimetype entry first, stored)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def start_draft(client, code: str = MARITAL) -> str:
    """Start a draft of ``code`` with the test client; return its link token."""
    response = client.post(f"/nop-ho-so/{code}")
    assert response.status_code == 303, response.status_code
    return re.search(r"/nhap/([^/?#]+)", response.headers["Location"]).group(1)


def complete(app, token: str) -> Draft:
    """Fill every field of the draft with valid answers (as a citizen would)."""
    with app.test_request_context():
        draft = drafts.find(db.session, token)
        spec = drafts.spec_of(draft.form_spec)
        draft.data = sample_answers.fill(spec, drafts.options_fn(db.session), draft.data)
        db.session.commit()
        return draft


def component_ids(app, code: str) -> list[int]:
    """The ids of a procedure's dossier components, in order."""
    from portal.models import Procedure

    with app.app_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == code))
        return [c.id for c in procedure.components]


def upload(client, token: str, component_id: int, name: str = "giay.pdf", data: bytes = PDF,
           **kwargs):
    """Post one file to a component of the draft."""
    return client.post(f"/nop-ho-so/nhap/{token}/giay-to/{component_id}",
                       data={"tep": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", **kwargs)


def submit(client, token: str, channel: str = "1", **extra):
    """Press "Nộp hồ sơ"."""
    return client.post(f"/nop-ho-so/nhap/{token}/nop", data={"nhan-ket-qua": channel, **extra})


def latest_dossier(app) -> Dossier:
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).order_by(Dossier.id.desc()))
        db.session.expunge_all()
        return dossier


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def open_papers(page, app, code: str = BIRTH) -> str:
    """In a browser: start a draft of ``code``, fill it in, open its papers page; its token."""
    page.goto(f"/nop-ho-so/{code}")
    page.get_by_role("button", name=re.compile("Bắt đầu khai|Khai một bản mới")).click()
    page.wait_for_url(re.compile(r"/nhap/"))
    token = re.search(r"/nhap/([^/?#]+)", page.url).group(1)
    complete(app, token)
    page.goto(f"/nop-ho-so/nhap/{token}/giay-to")
    return token
