"""Outgoing e-mail and SMS through an outbox.

A message is written to ``outbound_message`` in the same transaction as the change that
causes it (an account created, a dossier received); a background runner
(:mod:`portal.services.jobs`) sends it after the commit, so a slow mail server never slows a
request. A message the server could not take is tried again later with a growing back-off
and is never dropped (``flask messages send --all`` retries the ones given up on). With no
mail server configured (``PORTAL_MAIL_SERVER`` empty, the development default) each e-mail
is written to a file instead, ``instance/outbox/mail/<time>-<random>.eml``.

Texts (SMS, Zalo) go through a :class:`TextSender` named by the ``TEXT_SENDER`` setting
(``"module:Class"``). The default, :class:`FileTextSender`, writes each text to
``instance/outbox/sms/<time>-<random>.txt``. Messages carry reset and verification links and
one-time codes, so they never go to the log: the outbox files are readable by the portal's
user only (mode 0600). An SMS
gateway or a Zalo ZNS provider plugs in by implementing ``TextSender``: a class created once
per application with no arguments (it reads its keys from ``current_app.config``) whose
``send(recipient, text)`` returns once the provider has accepted the text and raises
otherwise (the message is then retried).

Templates live in ``portal/templates/email/<name>.txt`` (and an optional ``.html``); the
first line of the text template is the subject.
"""
from __future__ import annotations

import logging
import os
import secrets
import smtplib
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import NamedTuple, Protocol

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

from portal.models import Dossier, MessageChannel, OutboundMessage

log = logging.getLogger("portal.messaging")


class TextSender(Protocol):
    """Sends a short text to a phone number (SMS gateway, Zalo ZNS, …)."""

    def send(self, recipient: str, text: str) -> None:
        """Hand ``text`` to the provider; raise if it was not accepted."""


class FileTextSender:
    """The default text sender (no provider configured): each text becomes a file in
    ``<OUTBOX_FOLDER>/sms/``, never a log line (texts carry one-time codes)."""

    def send(self, recipient: str, text: str) -> None:
        """Write ``To: <number>``, a blank line and the text to a new file."""
        path = outbox_file("sms", "txt", f"To: {recipient}\n\n{text}\n".encode())
        log.info("sms written to the outbox", extra={"file": path.name})


#: The former name of :class:`FileTextSender` (it wrote texts to the log), for settings that
#: still name it.
LogTextSender = FileTextSender


class Envelope(NamedTuple):
    """What sending a message needs: a snapshot of an ``outbound_message`` row."""

    channel: MessageChannel
    recipient: str
    subject: str
    body_text: str
    body_html: str | None


def queue_email(session: Session, recipient: str, template: str, *,
                dossier: Dossier | None = None, **context) -> OutboundMessage:
    """Render ``email/<template>`` and queue it for ``recipient``.

    ``dossier``, if given, is recorded for the dossier's notification log and is also
    available to the template.
    """
    if dossier is not None:
        context.setdefault("dossier", dossier)
    text = render_template(f"email/{template}.txt", **context)
    subject, _, body = text.partition("\n")
    try:
        html = render_template(f"email/{template}.html", **context)
    except TemplateNotFound:
        html = None
    message = OutboundMessage(channel=MessageChannel.EMAIL, recipient=recipient,
                              subject=subject.strip(), body_text=body.strip() + "\n",
                              body_html=html, dossier_id=_dossier_id(session, dossier))
    session.add(message)
    return message


def queue_sms(session: Session, recipient: str, text: str, *,
              dossier: Dossier | None = None) -> OutboundMessage:
    """Queue a short text message (about ``dossier``, if any)."""
    message = OutboundMessage(channel=MessageChannel.SMS, recipient=recipient, body_text=text,
                              dossier_id=_dossier_id(session, dossier))
    session.add(message)
    return message


def deliver_pending(session: Session, limit: int = 50) -> int:
    """Send the messages due now, in this process; return how many went out.

    Goes through the same claiming sender as the background runners, so it never sends a
    message another runner is sending. Commits each message.
    """
    from portal.services import jobs  # jobs imports this module

    return jobs.send_messages(session, limit).succeeded


def send(envelope: Envelope) -> None:
    """Send one message now; raises (``OSError``, ``SMTPException``, provider errors) if not."""
    if envelope.channel is MessageChannel.SMS:
        text_sender().send(envelope.recipient, envelope.body_text)
    elif current_app.config["MAIL_SERVER"]:
        _send_email(envelope)
    else:
        path = outbox_file("mail", "eml", _email(envelope).as_bytes())
        log.info("email written to the outbox", extra={"file": path.name})


def outbox_file(kind: str, suffix: str, content: bytes) -> Path:
    """Write a message that no server took to a new file of ``<OUTBOX_FOLDER>/<kind>/``,
    readable by the portal's user only; its path."""
    folder = Path(current_app.instance_path, current_app.config["OUTBOX_FOLDER"], kind)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{secrets.token_hex(4)}.{suffix}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    return path


def text_sender() -> TextSender:
    """The app's :class:`TextSender`, created from ``TEXT_SENDER`` on first use."""
    setting = current_app.config["TEXT_SENDER"]
    cached = current_app.extensions.get("portal.text_sender")
    if cached is None or cached[0] != setting:
        cached = (setting, import_string(setting)())
        current_app.extensions["portal.text_sender"] = cached
    return cached[1]


def _dossier_id(session: Session, dossier: Dossier | None) -> int | None:
    if dossier is None:
        return None
    if dossier.id is None:
        session.flush([dossier])
    return dossier.id


def _email(envelope: Envelope) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = envelope.recipient
    email["Subject"] = envelope.subject
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain=config["MAIL_SENDER"].rpartition("@")[2] or None)
    email.set_content(envelope.body_text)
    if envelope.body_html:
        email.add_alternative(envelope.body_html, subtype="html")
    return email


def _send_email(envelope: Envelope) -> None:
    config = current_app.config
    email = _email(envelope)
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"],
                    timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
