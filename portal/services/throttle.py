"""Progressive delays after failed logins, kept in the database (shared by all workers).

Two keys are counted for each failure: the identifier tried (protects one account from
guessing) and the client address (slows one machine trying many accounts). The first
``LOGIN_FREE_FAILURES - 1`` failures cost nothing; from then on each failure doubles the wait
(1 s, 2 s, 4 s …), capped at
``LOGIN_MAX_DELAY_SECONDS``, so an attacker cannot lock the owner out for longer than that. A
successful login clears the identifier's count.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.models import LoginThrottle, utcnow


def key(kind: str, value: str) -> str:
    """A stable key that does not store the identifier or the address itself."""
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{secret}|{kind}|{value.strip().lower()}".encode()).hexdigest()


def wait_seconds(session: Session, keys: list[str]) -> int:
    """Seconds to wait before the next attempt is even checked (0 = go ahead)."""
    now = utcnow()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    waits = [(row.blocked_until - now).total_seconds() for row in rows if row.blocked_until]
    return max([0, *(int(w) + 1 for w in waits if w > 0)])


def record_failure(session: Session, keys: list[str]) -> None:
    """Count a failure against each key and set its next allowed time."""
    config = current_app.config
    free, cap = config["LOGIN_FREE_FAILURES"], config["LOGIN_MAX_DELAY_SECONDS"]
    now = utcnow()
    for k in keys:
        row = session.get(LoginThrottle, k) or LoginThrottle(key=k, failures=0)
        # Failures older than a day are forgotten.
        if row.last_failure_at and now - row.last_failure_at > timedelta(days=1):
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        excess = row.failures - free  # from the last free failure on: 1 s, 2 s, 4 s, …
        row.blocked_until = now + timedelta(seconds=min(2 ** excess, cap)) \
            if excess >= 0 else None
        session.add(row)


def clear(session: Session, keys: list[str]) -> None:
    """Forget the failures of these keys (after a successful login)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
