"""Working days, receipt times and due dates (issue 6 groundwork; deadlines in working days,
Vietnamese holidays, swapped Saturdays, the 15:00 cut-off)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import config as defaults
from portal.services.workdays import WorkCalendar

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CONFIG = {name: getattr(defaults, name) for name in (
    "WORKING_WEEKDAYS", "OFFICE_HOURS", "SAME_DAY_CUTOFF", "BABEL_DEFAULT_TIMEZONE",
    "EXTRA_DAYS_OFF", "EXTRA_WORKING_DAYS")}


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar(CONFIG)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=HANOI)


def test_tet_2026_is_not_worked(calendar):
    for day in range(16, 21):  # Mon 16 to Fri 20 February 2026: Tết Bính Ngọ
        assert not calendar.is_working_day(date(2026, 2, day))
    assert calendar.is_working_day(date(2026, 2, 13)) and calendar.is_working_day(
        date(2026, 2, 23))


def test_a_deadline_across_tet_2026(calendar):
    # Received Friday 13/02/2026 at 10:00 with 5 working days: Tết week does not count.
    assert calendar.due_date(at(2026, 2, 13, 10, 0), 5) == date(2026, 2, 27)


def test_a_swapped_working_saturday_counts(calendar):
    # Saturday 22/08/2026 is worked in exchange for Monday 31/08/2026.
    assert calendar.is_working_day(date(2026, 8, 22))
    assert not calendar.is_working_day(date(2026, 8, 31))
    received = calendar.receipt_time(at(2026, 8, 22, 9, 30))
    assert received == at(2026, 8, 22, 9, 30)
    # Friday 21/08 + 3 working days: Sat 22, Mon 24, Tue 25.
    assert calendar.add_working_days(date(2026, 8, 21), 3) == date(2026, 8, 25)
    # Friday 28/08 + 1: Monday 31 is the swapped day off, 1 and 2 September are National Day.
    assert calendar.add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)


@pytest.mark.parametrize("sent, received", [
    (at(2026, 11, 23, 14, 59), at(2026, 11, 23, 14, 59)),  # office hours: that moment
    (at(2026, 11, 23, 15, 30), at(2026, 11, 23, 15, 30)),  # after the cut-off, still open
    (at(2026, 11, 23, 12, 0), at(2026, 11, 23, 13, 30)),  # lunch break: when it reopens
    (at(2026, 11, 23, 17, 0), at(2026, 11, 25, 7, 0)),  # closed: next working day (24 off)
    (at(2026, 11, 23, 6, 0), at(2026, 11, 23, 7, 0)),  # before opening: when it opens
    (at(2026, 11, 21, 10, 0), at(2026, 11, 23, 7, 0)),  # Saturday: Monday morning
])
def test_receipt_time_follows_office_hours(calendar, sent, received):
    # 24/11/2026 is Vietnam Culture Day, a public holiday from 2026.
    assert calendar.receipt_time(sent) == received


@pytest.mark.parametrize("sent, days, due", [
    (at(2026, 11, 23, 14, 59), 0, date(2026, 11, 23)),  # same day, before the cut-off
    (at(2026, 11, 23, 15, 0), 0, date(2026, 11, 25)),  # at 15:00: next working day
    (at(2026, 11, 23, 15, 0), 3, date(2026, 11, 30)),  # counted from 25/11: 26, 27, 30
    (at(2026, 11, 23, 10, 0), 3, date(2026, 11, 27)),  # 25, 26, 27 (24 is a holiday)
    (at(2026, 11, 23, 10, 0), Decimal("0.5"), date(2026, 11, 25)),  # half a day: one day
    (at(2026, 11, 21, 10, 0), 1, date(2026, 11, 25)),  # sent Saturday: from Monday
])
def test_due_dates_count_from_the_receipt_day_or_after_the_cut_off(
        calendar, sent, days, due):
    assert calendar.due_date(sent, days) == due


def test_working_days_between_and_closing_time(calendar):
    # 13/02/2026 (Friday) to 23/02/2026 (Monday after Tết): only Monday 23 is worked.
    assert calendar.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert calendar.working_days_between(date(2026, 2, 23), date(2026, 2, 23)) == 0
    assert calendar.closing_time(date(2026, 2, 23)) == at(2026, 2, 23, 17, 0)


def test_receipt_time_accepts_utc(calendar):
    sent = datetime(2026, 11, 23, 2, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Hà Nội
    assert calendar.receipt_time(sent) == at(2026, 11, 23, 9, 0)


def test_local_decisions_override_the_national_calendar():
    calendar = WorkCalendar({**CONFIG, "EXTRA_DAYS_OFF": ("2026-11-23",),
                             "EXTRA_WORKING_DAYS": ("2026-11-28",)})
    assert not calendar.is_working_day(date(2026, 11, 23))
    assert calendar.is_working_day(date(2026, 11, 28))


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
       st.integers(min_value=0, max_value=40))
def test_due_dates_are_working_days_with_exactly_n_between(start, count):
    calendar = WorkCalendar(CONFIG)
    due = calendar.add_working_days(start, count)
    if count:
        assert calendar.is_working_day(due)
    between = sum(calendar.is_working_day(start + timedelta(days=i))
                  for i in range(1, (due - start).days + 1))
    assert between == count
