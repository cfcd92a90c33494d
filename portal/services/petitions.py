"""Feedback and petitions (phản ánh, kiến nghị – PAKN; TT22-PL3-18, QĐ31-43.2).

* Anyone sends one from the portal, without an account; one-stop officers also enter those
  received by phone, letter, e-mail or in person, with the channel and the sender's details
  as given. Each gets a code ``PAKN-YYMMDD-NNNN`` to follow it.
* **The code** is the local day of receipt and the row's id (at least 4 digits). The row is
  inserted with a provisional random code, flushed, and given its code in the same
  transaction: the database hands out ids atomically (a PostgreSQL identity, SQLite's rowid
  under its single writer), so two petitions never share a number and no counter row is
  locked or read-then-written. The number counts petitions overall, not per day.
* **Staff handling** (triage, answer, publication, who sees which) is in
  :mod:`portal.services.petition_office`.
* **Following it** needs the code and the last 4 digits of the phone number or the e-mail
  address given; a wrong factor and an unknown code give the same answer after the same work.
* **Publishing** shows the subject, content and answer only, with personal data masked.
"""
from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import FileStorage

from portal.links import external_url
from portal.models import Petition, PetitionChannel, PetitionStatus, Procedure, User, utcnow
from portal.services import audit, messaging, uploads, workdays
from portal.services.catalog import Page
from portal.services.identity import email_key
from portal.services.privacy import mask_personal
from portal.text import clean, clean_block

MAX_FILES = 5
PAGE_SIZE = 20
CODE_PATTERN = re.compile(r"PAKN-\d{6}-\d{4,}")


@dataclass(frozen=True)
class Submission:
    """What a sender said (already checked by the form), and how it arrived."""

    subject: str
    body: str
    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    procedure_id: int | None = None
    dossier_code: str | None = None
    channel: PetitionChannel = PetitionChannel.WEB


@dataclass(frozen=True)
class PublicPetition:
    """A published petition as the public sees it: no sender, no dossier, data masked."""

    subject: str
    body: str
    answer: str
    received_at: object
    answered_at: object
    procedure: Procedure | None


# --- Phone numbers and codes ------------------------------------------------------------


def normalize_phone(raw: str | None) -> str | None:
    """A Vietnamese mobile or landline number as 10–11 digits from 0; None if not one."""
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if len(digits) in (10, 11) and digits.startswith("0") else None


def normalize_code(raw: str | None) -> str:
    """A typed code without spaces, in capitals (``pakn-250715-0001`` works)."""
    return re.sub(r"\s+", "", raw or "").upper()[:30]


def _code(petition: Petition) -> str:
    day = petition.created_at.astimezone(workdays.calendar().zone)
    return f"PAKN-{day:%y%m%d}-{petition.id:04d}"


# --- Receiving ----------------------------------------------------------------------------


def store_files(storages: list[FileStorage]) -> list[uploads.StoredFile]:
    """Check and keep the chosen files (at most :data:`MAX_FILES`), as dossier files are.

    :raises uploads.UploadError: a file was refused, or too many were chosen.
    """
    chosen = [f for f in storages if f and f.filename]
    if len(chosen) > MAX_FILES:
        raise uploads.UploadError(_("Gửi kèm tối đa %(n)d tệp.", n=MAX_FILES))
    rule = uploads.rule_for(None)
    return [uploads.accept(storage, rule) for storage in chosen]


def create(session: Session, submission: Submission, files: list[uploads.StoredFile] = (),
           *, user: User | None = None, recorded_by: User | None = None) -> Petition:
    """Record a petition, give it its code and send the sender its receipt by e-mail.

    ``recorded_by`` is the officer who entered one received off the portal (audited).
    """
    petition = Petition(
        code=f"new-{secrets.token_hex(12)}", channel=submission.channel,
        status=PetitionStatus.NEW, subject=clean(submission.subject) or "",
        body=clean_block(submission.body) or "", procedure_id=submission.procedure_id,
        dossier_code=clean(submission.dossier_code), name=clean(submission.name) or "",
        phone=normalize_phone(submission.phone), email=email_key(submission.email),
        address=clean_block(submission.address), user_id=user.id if user else None,
        files=[{"sha256": f.sha256, "filename": f.filename, "media_type": f.media_type,
                "size": f.size} for f in files],
        recorded_by_id=recorded_by.id if recorded_by else None, created_at=utcnow())
    session.add(petition)
    session.flush()
    petition.code = _code(petition)
    if recorded_by is not None:
        audit.record(session, "petition_recorded", actor=recorded_by, object_type="petition",
                     object_id=petition.code, channel=submission.channel.value)
    if petition.email:
        messaging.queue_email(session, petition.email, "petition_received", petition=petition,
                              tracking=tracking_url(petition))
    return petition


def tracking_url(petition: Petition) -> str:
    """The public follow-up page with the code filled in."""
    if not has_request_context():
        return f"/phan-anh-kien-nghi/tra-cuu?ma={petition.code}"
    return external_url("feedback.track", ma=petition.code)


# --- Following it (the sender) ------------------------------------------------------------


def lookup(session: Session, code: str, factor: str) -> Petition | None:
    """The petition when ``code`` exists and ``factor`` (4 last phone digits or the e-mail
    address) matches; None otherwise, after the same comparison."""
    code, given = normalize_code(code), _factor(factor)
    petition = None
    if CODE_PATTERN.fullmatch(code):
        petition = session.scalar(select(Petition).where(Petition.code == code))
    expected = _expected(petition, given)
    matches = hmac.compare_digest(expected.encode(), given.encode())
    return petition if matches else None


def factor_valid(raw: str | None) -> bool:
    """True when the second factor has a usable shape (4 digits or an e-mail address)."""
    given = _factor(raw)
    return "@" in given or len(given) == 4


def _factor(raw: str | None) -> str:
    raw = (raw or "").strip()
    if "@" in raw:
        return email_key(raw) or ""
    return re.sub(r"\D", "", raw)[:12]


def _expected(petition: Petition | None, given: str) -> str:
    """What ``given`` must equal; NUL characters (which no factor holds) when nothing can."""
    never = "\0" * max(len(given), 4)
    if petition is None:
        return never
    if "@" in given:
        return petition.email or never
    phone = petition.phone or ""
    return phone[-4:] if len(given) == 4 and len(phone) >= 4 else never


# --- What the public sees -----------------------------------------------------------------


def public_page(session: Session, page: int = 1) -> Page:
    """Published, answered petitions, newest answer first, masked (:class:`PublicPetition`)."""
    condition = (Petition.published.is_(True), Petition.answer.is_not(None))
    total = session.scalar(select(func.count()).select_from(Petition).where(*condition))
    page = max(1, page)
    rows = session.scalars(
        select(Petition).where(*condition)
        .options(joinedload(Petition.procedure).joinedload(Procedure.field))
        .order_by(Petition.published_at.desc(), Petition.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return Page([public_view(p) for p in rows], total or 0, page, PAGE_SIZE)


def public_view(petition: Petition) -> PublicPetition:
    """The petition with the sender, the dossier code and contact details left out."""
    known = [petition.email, petition.phone, petition.address, petition.dossier_code]

    def hide(text: str | None) -> str:
        return mask_personal(text, known, names=[petition.name])

    return PublicPetition(
        subject=hide(petition.subject), body=hide(petition.body),
        answer=hide(petition.answer), received_at=petition.created_at,
        answered_at=petition.answered_at, procedure=petition.procedure)
