"""Dates at any hour (issue 13, DESIGN "Time"): the authority's day is not the server's.

From 17:00 to 24:00 UTC it is already tomorrow in Vietnam, so a test that compares "today"
with a dossier code's date, a deadline or "in the future" may pass by day and fail at night.

* Tests marked ``@pytest.mark.dates`` run twice: on the real clock and with the clock at
  23:30 UTC today (06:30 tomorrow in Hà Nội). The clock ticks on from there.
* ``PORTAL_TEST_CLOCK=HH:MM`` (UTC) runs every test of the session at that hour of today:
  ``PORTAL_TEST_CLOCK=23:30 make test`` is the whole suite at night.
"""
from __future__ import annotations

import os
from datetime import datetime, time, timezone

import pytest
import time_machine

NIGHT = "23:30"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "dates: also run with the clock at 23:30 UTC")


def pytest_generate_tests(metafunc) -> None:
    """Give every test marked ``dates`` a second run at 23:30 UTC."""
    if metafunc.definition.get_closest_marker("dates"):
        metafunc.fixturenames.append("utc_clock")
        metafunc.parametrize("utc_clock", ["clock-now", f"clock-{NIGHT}"], indirect=True)


def _travel(hour_minute: str):
    hours, minutes = (int(part) for part in hour_minute.split(":"))
    today = datetime.now(timezone.utc).date()
    return time_machine.travel(datetime.combine(today, time(hours, minutes), timezone.utc),
                               tick=True)


@pytest.fixture
def utc_clock(request):
    """The clock of a ``dates`` test: the real one, or 23:30 UTC today."""
    if request.param == "clock-now":
        yield None
        return
    with _travel(request.param.removeprefix("clock-")) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _session_clock():
    """``PORTAL_TEST_CLOCK=HH:MM``: the whole run at that hour (UTC) of today."""
    wanted = os.environ.get("PORTAL_TEST_CLOCK")
    if not wanted:
        yield
        return
    with _travel(wanted):
        yield
