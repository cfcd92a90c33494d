"""Progressive delays after failed logins, kept in the database (shared by all workers).

Two keys are counted for each failure: the identifier tried (protects one account from
guessing) and the client address (slows one machine trying many accounts). The first
``LOGIN_FREE_FAILURES - 1`` failures cost nothing; from then on each failure doubles the wait
(1 s, 2 s, 4 s …), capped at
``LOGIN_MAX_DELAY_SECONDS``, so an attacker cannot lock the owner out for longer than that. A
successful login clears the identifier's count.

Public lookups by code and second factor (dossier tracking, petition tracking) use the same
counters, keyed by the code typed (:func:`guarded_lookup`): guessing the 4 digits of one
code slows to one try per ``LOGIN_MAX_DELAY_SECONDS`` after a few failures, however many
addresses try. The key is the code as typed, so unknown and existing codes behave alike.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.db import begin_writing
from portal.models import LoginThrottle, utcnow

T = TypeVar("T")


def key(kind: str, value: str) -> str:
    """A stable key that does not store the identifier or the address itself."""
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{secret}|{kind}|{value.strip().lower()}".encode()).hexdigest()


def wait_seconds(session: Session, keys: list[str]) -> int:
    """Seconds to wait before the next attempt is even checked (0 = go ahead)."""
    now = utcnow()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    return max([0, *(_remaining(row, now) for row in rows)])


def _remaining(row: LoginThrottle, now) -> int:
    """Whole seconds until the key may be tried again (rounded up; 0 = now)."""
    left = (row.blocked_until - now).total_seconds() if row.blocked_until else 0
    return int(left) + 1 if left > 0 else 0


def record_failure(session: Session, keys: list[str]) -> None:
    """Count a failure against each key and set its next allowed time.

    Safe against a parallel failure on the same key: see :func:`_locked_rows`."""
    now = utcnow()
    for row in _locked_rows(session, keys):
        _count_failure(row, now)


def reserve(session: Session, keys: list[str]) -> int:
    """Count an attempt as a failure before it is checked: 0, or (counting nothing) the
    seconds to wait when a key rests.

    Attempts made in parallel are counted one after another, each seeing the ones before
    it, however slow the check that follows: the caller commits the reservation, checks
    (a password hash, outside any transaction), then :func:`release` s it if the attempt
    succeeded. Checking first and counting after let 12 parallel guesses through where 6
    were allowed."""
    now = utcnow()
    rows = _locked_rows(session, keys)
    wait = max([0, *(_remaining(row, now) for row in rows)])
    if not wait:
        for row in rows:
            _count_failure(row, now)
    return wait


def release(session: Session, keys: list[str]) -> None:
    """Take back the failure :func:`reserve` counted for an attempt that succeeded."""
    config = current_app.config
    for row in _locked_rows(session, keys):
        row.failures = max(row.failures - 1, 0)
        excess = row.failures - config["LOGIN_FREE_FAILURES"]
        row.blocked_until = None if excess < 0 or row.last_failure_at is None else (
            row.last_failure_at + _delay(excess))


def _locked_rows(session: Session, keys: list[str]) -> list[LoginThrottle]:
    """The keys' rows, created if missing without a conflict (``ON CONFLICT DO NOTHING``),
    then read locked (``FOR UPDATE`` on PostgreSQL; on SQLite the caller's transaction holds
    the write lock, see :func:`portal.db.begin_writing`)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = []
    for k in sorted(keys):  # one order for every request: no deadlock between two
        session.execute(dialect.insert(LoginThrottle).values(key=k, failures=0)
                        .on_conflict_do_nothing(index_elements=["key"]))
        rows.append(session.scalars(select(LoginThrottle).where(LoginThrottle.key == k)
                                    .with_for_update()
                                    .execution_options(populate_existing=True)).one())
    return rows


def _count_failure(row: LoginThrottle, now) -> None:
    # Failures older than a day are forgotten.
    if row.last_failure_at and now - row.last_failure_at > timedelta(days=1):
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    excess = row.failures - current_app.config["LOGIN_FREE_FAILURES"]
    # From the last free failure on: 1 s, 2 s, 4 s, … up to the cap.
    row.blocked_until = now + _delay(excess) if excess >= 0 else None


def _delay(excess: int) -> timedelta:
    return timedelta(seconds=min(2 ** excess, current_app.config["LOGIN_MAX_DELAY_SECONDS"]))


def clear(session: Session, keys: list[str]) -> None:
    """Forget the failures of these keys (after a successful login)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


def guarded_lookup(session: Session, kind: str, code: str,
                   find: Callable[[], T | None]) -> tuple[T | None, int]:
    """``(find(), 0)`` unless ``code`` rests after failed lookups: then ``(None, seconds to
    wait)`` without looking. A miss counts as a failure (committed at once); a hit clears
    the count. The transaction writes from its start (:func:`portal.db.begin_writing`), so
    on SQLite a parallel lookup of the same code waits instead of failing."""
    begin_writing(session)
    keys = [key(kind, code)]
    wait = wait_seconds(session, keys)
    if wait:
        session.commit()
        return None, wait
    found = find()
    if found is None:
        record_failure(session, keys)
    else:
        clear(session, keys)
    session.commit()
    return found, 0


def resting_message(seconds: int) -> str:
    """What a lookup of a resting code says (the same whether the code exists or not)."""
    return _("Mã này vừa bị tra cứu sai nhiều lần. Hãy thử lại sau %(n)d giây.", n=seconds)
