"""Parallel wrong logins all count: each attempt is reserved as a failure before its
(slow) password check, which runs outside any database transaction (issue 13, item 4).

Measured before the fix: 12 guesses sent at once were all checked where LOGIN_FREE_FAILURES
were allowed (the throttle was read before the check and written after it).
"""
from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from sqlalchemy import select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import AuditEvent
from portal.services import accounts, audit, throttle

GUESSES = 12


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 of a successful login is the answer


def _post_login(base: str, password: str) -> int:
    data = urllib.parse.urlencode({"identifier": "congdan@demo.local",
                                   "password": password}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(base + "/tai-khoan/dang-nhap", data, timeout=60) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def _guess_at_once(app, passwords: list[str]) -> list[int]:
    """Send the logins from parallel threads, released together, to a live threaded server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    barrier = threading.Barrier(len(passwords))

    def guess(password: str) -> int:
        barrier.wait()
        return _post_login(base, password)

    try:
        with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
            return list(pool.map(guess, passwords))
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_parallel_wrong_logins_are_checked_at_most_the_free_number_of_times(
        app, demo, session, monkeypatch):
    checks: list[bool] = []  # one per password check: was a transaction open during it?
    original = accounts.check_password

    def counting_check(stored_hash, password):
        checks.append(db.session.in_transaction())
        return original(stored_hash, password)

    monkeypatch.setattr(accounts, "check_password", counting_check)
    # The throttle's clock stands still, so the rest after the free failures cannot end while
    # the guesses are still arriving on a slow machine: the count alone decides.
    now = datetime.now(timezone.utc)
    monkeypatch.setattr(throttle, "utcnow", lambda: now)

    statuses = _guess_at_once(app, [f"sai mat khau {n}" for n in range(GUESSES)])

    assert statuses == [422] * GUESSES  # wrong or resting, never a 500
    assert len(checks) == app.config["LOGIN_FREE_FAILURES"]
    assert not any(checks)  # no transaction (so no write lock) waits for a hash
    session.rollback()
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count(audit.LOGIN_FAILED) == len(checks)
    assert actions.count(audit.LOGIN_THROTTLED) == GUESSES - len(checks)


def test_a_right_password_takes_its_reservation_back(app, demo, session, monkeypatch):
    """A success clears the account's count and leaves the address only its real failures
    (many people log in from one office address)."""
    now = datetime.now(timezone.utc)
    monkeypatch.setattr(throttle, "utcnow", lambda: now)
    statuses = _guess_at_once(app, ["Demo@12345", "sai mat khau"])
    assert sorted(statuses) == [303, 422]
    session.rollback()
    with app.test_request_context():
        keys = [throttle.key("id", "congdan@demo.local"), throttle.key("ip", "127.0.0.1")]
    from portal.models import LoginThrottle

    rows = {row.key: row.failures for row in session.scalars(select(LoginThrottle))}
    assert rows[keys[1]] == 1  # the wrong guess only
    assert rows.get(keys[0], 0) <= 1  # cleared by the success, unless the guess came after
