"""Telling the citizen (and the office) what happened to a dossier.

Every public event and every message queues an e-mail (and, for status changes, a short
unaccented SMS) in the outbox, tied to the dossier so its page can list what was sent. The
outbox is emptied by the job runner (:mod:`portal.services.jobs`), never inside a request,
so a slow mail server cannot slow anyone down.
"""
from __future__ import annotations

from flask import current_app, has_request_context
from sqlalchemy.orm import Session

from portal.links import external_url
from portal.models import Dossier, DossierEvent, DossierMessage, DossierStatus
from portal.services import messaging, ratings
from portal.text import unaccent


def recipient_email(dossier: Dossier) -> str | None:
    """Where the citizen's mail goes: the address on the dossier, else the account's."""
    return dossier.applicant_email or (dossier.user.email if dossier.user else None)


def dossier_url(dossier: Dossier) -> str:
    """The citizen's page of the dossier (absolute when there is a request to build it)."""
    if not has_request_context():
        return f"/ho-so/{dossier.code}"
    return external_url("dossiers.detail", code=dossier.code)


def staff_url(dossier: Dossier) -> str | None:
    """The one-stop staff's page of the dossier, once the back office exists."""
    if not has_request_context() or "backoffice.dossier" not in current_app.view_functions:
        return None
    return external_url("backoffice.dossier", code=dossier.code)


def tracking_url(dossier: Dossier) -> str:
    """The public tracking page with the code filled in (the QR code's target)."""
    if not has_request_context():
        return f"/tra-cuu?ma={dossier.code}"
    return external_url("tracking.index", ma=dossier.code)


def rating_url(dossier: Dossier) -> str:
    """The rating form on the citizen's own page of the dossier (it asks them to log in)."""
    if not has_request_context():
        return f"/ho-so/{dossier.code}#danh-gia"
    return external_url("dossiers.detail", code=dossier.code, _anchor="danh-gia")


def event_recorded(session: Session, dossier: Dossier, event: DossierEvent) -> None:
    """Notify the citizen of a public event: the receipt on submission, else the change;
    once the result is returned, invite the dossier's owner to rate the service (TT32-12)."""
    email = recipient_email(dossier)
    if email:
        template = "dossier_submitted" if event.action == "submit" else "dossier_status"
        messaging.queue_email(session, email, template, dossier=dossier, event=event,
                              link=dossier_url(dossier), tracking=tracking_url(dossier))
        if event.status_to is DossierStatus.RETURNED and dossier.user_id is not None:
            messaging.queue_email(session, email, "rating_invite", dossier=dossier,
                                  event=event, link=rating_url(dossier),
                                  days=ratings.EDIT_DAYS)
    if dossier.applicant_phone and event.status_to is not None:
        status = unaccent(event.status_to.label)
        text = f"Ho so {dossier.code}: {status}. Xem {dossier_url(dossier)}"
        messaging.queue_sms(session, dossier.applicant_phone, text[:320], dossier=dossier)


def message_posted(session: Session, dossier: Dossier, message: DossierMessage) -> None:
    """A message from the office reaches the citizen; one from the citizen, the desk."""
    if message.from_staff:
        email, link = recipient_email(dossier), dossier_url(dossier)
    else:
        email, link = dossier.receiving_agency.email, staff_url(dossier)
    if email:
        messaging.queue_email(session, email, "dossier_message", dossier=dossier,
                              message=message, link=link)
