"""Messages between the citizen and the office about a dossier (TT22-PL3-05).

A message has text and may carry files (checked like every upload). Either side may write
while the dossier is open; the other side is notified through the outbox.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from portal.models import Attachment, Dossier, DossierMessage, User
from portal.services import audit, notifications, uploads
from portal.text import clean_block

MAX_BODY = 5000
MAX_FILES = 10


class MessageError(ValueError):
    """A message that cannot be sent; the text says why (for the person writing it)."""


def checked_files(files: list) -> list[uploads.StoredFile]:
    """The chosen files checked and stored (done by views before the transaction that
    records the message; :func:`post` only matches them then).

    :raises MessageError: too many files. :raises uploads.UploadError: a file was refused.
    """
    chosen = [f for f in files if f and f.filename]
    if len(chosen) > MAX_FILES:
        raise MessageError(_("Mỗi tin nhắn gửi kèm tối đa %(n)d tệp.", n=MAX_FILES))
    return [uploads.accept(storage, uploads.rule_for(None)) for storage in chosen]


def post(session: Session, dossier: Dossier, author: User, body: str,
         files: list[FileStorage | uploads.StoredFile] = ()) -> DossierMessage:
    """Add a message (and its files) to the dossier and notify the other side.

    :raises MessageError: empty, too long, or too many files.
    :raises uploads.UploadError: a file was refused; nothing of the message is kept.
    """
    text = clean_block(body) or ""
    chosen = [f for f in files if f and f.filename]
    if not text and not chosen:
        raise MessageError(_("Nhập nội dung tin nhắn hoặc chọn tệp gửi kèm."))
    if len(text) > MAX_BODY:
        raise MessageError(_("Tin nhắn dài quá %(n)d ký tự; hãy chia thành nhiều tin.",
                             n=MAX_BODY))
    if len(chosen) > MAX_FILES:
        raise MessageError(_("Mỗi tin nhắn gửi kèm tối đa %(n)d tệp.", n=MAX_FILES))
    stored = checked_files(chosen)
    from_staff = author.is_staff and author.id != dossier.user_id
    message = DossierMessage(
        dossier=dossier, author_id=author.id, from_staff=from_staff, body=text,
        author_label=((author.agency or dossier.receiving_agency).name if from_staff
                      else author.display_name or dossier.applicant_name))
    session.add(message)
    session.flush()
    for item in stored:
        session.add(Attachment(sha256=item.sha256, filename=item.filename,
                               media_type=item.media_type, size=item.size,
                               message_id=message.id, uploaded_by_id=author.id))
    session.flush()
    session.refresh(message, ["attachments"])
    if from_staff:
        audit.record(session, "dossier_message", actor=author, object_type="dossier",
                     object_id=dossier.code, message=message.id, files=len(stored))
    notifications.message_posted(session, dossier, message)
    return message
