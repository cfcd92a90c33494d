"""Keep what someone typed when their login expired, until they log in again.

The form's fields (never passwords, tokens or files) are stored under a random token that
only their own session knows, for ``PENDING_FORM_MAX_AGE``. After logging in they land on the
same page with the same values filled in; nothing is submitted on their behalf.
"""
from __future__ import annotations

import json
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.models import PendingForm, utcnow

#: Fields never kept: secrets, and the CSRF token (a new one comes with the new page).
SKIPPED = ("password", "mat-khau", "csrf_token", "token")
MAX_BYTES = 256 * 1024


def stash(session: Session, path: str, form: MultiDict) -> str | None:
    """Keep ``form`` for ``path``; return the token, or None when there is nothing to keep."""
    fields = [(key, value) for key, value in form.items(multi=True)
              if not any(word in key.lower() for word in SKIPPED)]
    data = json.dumps(fields, ensure_ascii=False).encode("utf-8")
    if not fields or len(data) > MAX_BYTES:
        return None
    _forget_old(session)
    token = secrets.token_urlsafe(24)
    session.add(PendingForm(token=token, path=path, data=data))
    return token


def restore(session: Session, token: str | None, path: str) -> MultiDict | None:
    """The fields kept under ``token`` for ``path`` (and forget them), or None."""
    if not token:
        return None
    pending = session.get(PendingForm, token)
    if pending is None or pending.path != path:
        return None
    session.delete(pending)
    if utcnow() - pending.created_at > _max_age():
        return None
    return MultiDict([tuple(pair) for pair in json.loads(pending.data.decode("utf-8"))])


def _forget_old(session: Session) -> None:
    session.execute(delete(PendingForm).where(PendingForm.created_at < utcnow() - _max_age()))


def _max_age() -> timedelta:
    return timedelta(seconds=current_app.config["PENDING_FORM_MAX_AGE"])
