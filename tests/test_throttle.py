"""Progressive delays after failed logins: slow for attackers, short for owners."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from portal.services import throttle


def test_delays_double_and_are_capped(app, session):
    keys = ["a" * 64]
    cap = app.config["LOGIN_MAX_DELAY_SECONDS"]
    with app.test_request_context(), time_machine.travel(0, tick=False):
        waits = []
        for _ in range(16):
            throttle.record_failure(session, keys)
            waits.append(throttle.wait_seconds(session, keys))
    free = app.config["LOGIN_FREE_FAILURES"]
    assert waits[:free - 1] == [0] * (free - 1)
    assert waits[free - 1:free + 3] == [2, 3, 5, 9]  # 1, 2, 4, 8 s, rounded up
    assert max(waits) == cap + 1


def test_old_failures_are_forgotten_and_success_clears(app, session):
    keys = ["b" * 64]
    with app.test_request_context():
        with time_machine.travel(0, tick=False):
            for _ in range(8):
                throttle.record_failure(session, keys)
        with time_machine.travel(timedelta(days=2).total_seconds(), tick=False):
            throttle.record_failure(session, keys)
            assert throttle.wait_seconds(session, keys) == 0
            throttle.clear(session, keys)
            assert throttle.wait_seconds(session, keys) == 0


def test_keys_do_not_hold_the_identifier(app):
    with app.test_request_context():
        key = throttle.key("id", "congdan@demo.local")
    assert "congdan" not in key and len(key) == 64
