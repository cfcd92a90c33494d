"""Working days, receipt times and due dates (issue 6 groundwork; deadlines in working days,
Vietnamese holidays, swapped Saturdays, the 15:00 cut-off), and the official 2026 calendar
(HOL-2026, issue 13): the ``holidays`` package with the decisions the portal ships."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import config as defaults
from portal.services import calendar_editor
from portal.services.workdays import WorkCalendar

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CONFIG = {name: getattr(defaults, name) for name in (
    "WORKING_WEEKDAYS", "OFFICE_HOURS", "SAME_DAY_CUTOFF", "BABEL_DEFAULT_TIMEZONE",
    "EXTRA_DAYS_OFF", "EXTRA_WORKING_DAYS")}


#: The 2026 decisions the migration loads (HOL-2026): day → working day or not.
SHIPPED_2026 = {date.fromisoformat(row["day"]): row["kind"] == "working_day"
                for row in calendar_editor.shipped(2026)}


@pytest.fixture
def calendar() -> WorkCalendar:
    """The official calendar: the package with the shipped 2026 decisions."""
    return WorkCalendar(CONFIG, SHIPPED_2026)


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
    (at(2026, 11, 23, 17, 0), at(2026, 11, 24, 7, 0)),  # closed: next working day
    (at(2026, 11, 23, 6, 0), at(2026, 11, 23, 7, 0)),  # before opening: when it opens
    (at(2026, 11, 21, 10, 0), at(2026, 11, 23, 7, 0)),  # Saturday: Monday morning
])
def test_receipt_time_follows_office_hours(calendar, sent, received):
    # 24/11/2026, Vietnam Culture Day, is a day off in the package but not (yet) in law.
    assert calendar.receipt_time(sent) == received


@pytest.mark.parametrize("sent, days, due", [
    (at(2026, 11, 23, 14, 59), 0, date(2026, 11, 23)),  # same day, before the cut-off
    (at(2026, 11, 23, 15, 0), 0, date(2026, 11, 24)),  # at 15:00: next working day
    (at(2026, 11, 23, 15, 0), 3, date(2026, 11, 27)),  # counted from 24/11: 25, 26, 27
    (at(2026, 11, 23, 10, 0), 3, date(2026, 11, 26)),  # 24, 25, 26 (24 is worked)
    (at(2026, 11, 23, 10, 0), Decimal("0.5"), date(2026, 11, 24)),  # half a day: one day
    (at(2026, 11, 21, 10, 0), 1, date(2026, 11, 24)),  # sent Saturday: from Monday
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


# --- The official 2026 calendar (HOL-2026) -------------------------------------------------------

DAYS_OFF_2026 = [date(2026, 1, d) for d in (1, 2)] + [
    date(2026, 2, d) for d in range(16, 21)] + [
    date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1), date(2026, 8, 31), date(2026, 9, 1),
    date(2026, 9, 2)]
WORKED_2026 = [date(2026, 1, 10), date(2026, 8, 22), date(2026, 11, 24)]


def test_the_package_alone_is_wrong_about_2026():
    """What was measured (issue 13): Friday 2/1 counted as worked, Saturday 10/1 not, and
    24/11 (not yet law) as a day off."""
    package = WorkCalendar(CONFIG)
    assert package.is_working_day(date(2026, 1, 2))
    assert not package.is_working_day(date(2026, 1, 10))
    assert not package.is_working_day(date(2026, 11, 24))


@pytest.mark.parametrize("day", DAYS_OFF_2026, ids=str)
def test_official_2026_days_off(calendar, day):
    assert not calendar.is_working_day(day)


@pytest.mark.parametrize("day", WORKED_2026, ids=str)
def test_official_2026_worked_days(calendar, day):
    assert calendar.is_working_day(day)


def test_every_day_of_the_2026_ranges_is_off(calendar):
    """New Year 1–4/1, Tết 14–22/2, 30/4–1/5 and 31/8–2/9, weekends inside them included."""
    for first, last in ((date(2026, 1, 1), date(2026, 1, 4)), (date(2026, 2, 14),
                        date(2026, 2, 22)), (date(2026, 4, 30), date(2026, 5, 1)),
                        (date(2026, 8, 31), date(2026, 9, 2))):
        day = first
        while day <= last:
            assert not calendar.is_working_day(day), day
            day += timedelta(days=1)
    # The days around them are ordinary working days.
    for day in (date(2025, 12, 31), date(2026, 1, 5), date(2026, 2, 13), date(2026, 2, 23),
                date(2026, 4, 24), date(2026, 4, 28), date(2026, 4, 29), date(2026, 5, 4),
                date(2026, 8, 28), date(2026, 9, 3), date(2026, 11, 23), date(2026, 11, 25)):
        assert calendar.is_working_day(day), day


@pytest.mark.parametrize("sent, days, due", [
    # Wednesday 31/12/2025: 1/1 and 2/1 off, 3–4/1 weekend: 5, 6, 7 January.
    (at(2025, 12, 31, 10, 0), 3, date(2026, 1, 7)),
    # Sent on the New Year holiday: received Monday 5/1, due the next working day.
    (at(2026, 1, 2, 9, 0), 1, date(2026, 1, 6)),
    # Friday 9/1: the worked Saturday 10/1 counts.
    (at(2026, 1, 9, 10, 0), 1, date(2026, 1, 10)),
    (at(2026, 1, 9, 10, 0), 2, date(2026, 1, 12)),
    # Friday 13/2 before Tết: 23, 24, 25, 26, 27 February.
    (at(2026, 2, 13, 10, 0), 5, date(2026, 2, 27)),
    # Friday 24/4: Monday 27/4 off (Hùng Kings), 28, 29; then 30/4 and 1/5 off: 4/5.
    (at(2026, 4, 24, 10, 0), 2, date(2026, 4, 29)),
    (at(2026, 4, 24, 10, 0), 3, date(2026, 5, 4)),
    # Friday 21/8: the worked Saturday 22/8; Friday 28/8: 31/8–2/9 off, due 3/9.
    (at(2026, 8, 21, 10, 0), 1, date(2026, 8, 22)),
    (at(2026, 8, 28, 10, 0), 1, date(2026, 9, 3)),
    # Monday 23/11: 24/11 is an ordinary working day.
    (at(2026, 11, 23, 10, 0), 1, date(2026, 11, 24)),
])
def test_due_dates_across_the_2026_holidays(calendar, sent, days, due):
    assert calendar.due_date(sent, days) == due


def test_the_shipped_decisions_name_their_decision():
    rows = {row["day"]: row for row in calendar_editor.shipped(2026)}
    assert rows["2026-01-02"]["decision"] == rows["2026-01-10"]["decision"] == "12729/VPCP-KGVX"
    assert rows["2026-02-16"]["decision"] == rows["2026-08-22"]["decision"] == "9859/VPCP-KGVX"
    assert rows["2026-11-24"]["kind"] == "working_day"
    assert all(row["decision"] and row["note"] for row in rows.values())


def test_national_days_list_what_the_package_changes(calendar):
    national = calendar.national_days(2026)
    assert national[date(2026, 8, 22)] is True and national[date(2026, 11, 24)] is False
    assert date(2026, 4, 26) not in national  # a Sunday: nothing to change
