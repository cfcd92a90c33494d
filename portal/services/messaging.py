"""Outgoing e-mail and SMS through an outbox.

A message is written to ``outbound_message`` in the same transaction as the change that
causes it (an account created, a dossier received), and sent right after the commit
(``deliver_pending``); a message the server could not take stays pending for
``flask messages send``. With no mail server configured (``PORTAL_MAIL_SERVER`` empty, the
development default) messages are written to the log instead.

Templates live in ``portal/templates/email/<name>.txt`` (and an optional ``.html``); the
first line of the text template is the subject.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import MessageChannel, OutboundMessage, utcnow

log = logging.getLogger("portal.messaging")


def queue_email(session: Session, recipient: str, template: str, **context) -> OutboundMessage:
    """Render ``email/<template>`` and queue it for ``recipient``."""
    text = render_template(f"email/{template}.txt", **context)
    subject, _, body = text.partition("\n")
    try:
        html = render_template(f"email/{template}.html", **context)
    except TemplateNotFound:
        html = None
    message = OutboundMessage(channel=MessageChannel.EMAIL, recipient=recipient,
                              subject=subject.strip(), body_text=body.strip() + "\n",
                              body_html=html)
    session.add(message)
    return message


def queue_sms(session: Session, recipient: str, text: str) -> OutboundMessage:
    """Queue a short text message."""
    message = OutboundMessage(channel=MessageChannel.SMS, recipient=recipient, body_text=text)
    session.add(message)
    return message


def deliver_pending(session: Session, limit: int = 50) -> int:
    """Send pending messages (oldest first); return how many went out. Commits each one."""
    sent = 0
    pending = session.scalars(
        select(OutboundMessage).where(OutboundMessage.sent_at.is_(None))
        .order_by(OutboundMessage.id).limit(limit)
    ).all()
    for message in pending:
        message.attempts += 1
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = str(error)[:1000]
            log.warning("message %s not sent: %s", message.id, error)
        else:
            message.sent_at, message.last_error = utcnow(), None
            sent += 1
        session.commit()
    return sent


def _send(message: OutboundMessage) -> None:
    if message.channel is MessageChannel.SMS:
        # No SMS gateway is wired in yet: the text goes to the log (see README).
        log.info("sms", extra={"to": message.recipient, "text": message.body_text})
        return
    config = current_app.config
    if not config["MAIL_SERVER"]:
        log.info("email", extra={"to": message.recipient, "subject": message.subject,
                                 "text": message.body_text})
        return
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain=config["MAIL_SENDER"].rpartition("@")[2] or None)
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"],
                    timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
