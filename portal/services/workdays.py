"""Working days, the official receipt time and due dates of dossiers.

* A working day is one of ``WORKING_WEEKDAYS`` that is not a Vietnamese public holiday
  (Tết and the other holidays of the Labour Code, with the days the Government swaps: both
  from the ``holidays`` package), plus the Saturdays the Government declares working days in
  exchange. ``EXTRA_DAYS_OFF`` and ``EXTRA_WORKING_DAYS`` add local decisions (ISO dates).
* A dossier received on a working day before ``SAME_DAY_CUTOFF`` (and after the office
  opens) is received that day; otherwise it counts from the next working day, when the office
  opens.
* A deadline of *n* working days ends on the *n*-th working day after the receipt day.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

MAX_SEARCH_DAYS = 366


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class WorkCalendar:
    """The authority's calendar, read from the app config."""

    def __init__(self, config) -> None:
        self.weekdays = frozenset(config["WORKING_WEEKDAYS"])
        self.opening = _time(config["OFFICE_HOURS"][0][0])
        self.cutoff = _time(config["SAME_DAY_CUTOFF"])
        self.zone = ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"])
        self.days_off = frozenset(date.fromisoformat(d) for d in config["EXTRA_DAYS_OFF"])
        self.working = frozenset(date.fromisoformat(d) for d in config["EXTRA_WORKING_DAYS"])

    @cached_property
    def _public(self) -> holidays.HolidayBase:
        return holidays.country_holidays("VN")

    def is_working_day(self, day: date) -> bool:
        if day in self.days_off:
            return False
        public_holiday = day in self._public  # also loads that year's swapped Saturdays
        if day in self.working or day in self._public.weekend_workdays:
            return True
        return day.weekday() in self.weekdays and not public_holiday

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        for offset in range(1, MAX_SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within a year after {day}")

    def receipt_time(self, moment: datetime) -> datetime:
        """When a dossier sent at ``moment`` (aware) counts as received, in local time."""
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day) and local.time() < self.cutoff:
            if local.time() >= self.opening:
                return local
            return datetime.combine(day, self.opening, self.zone)
        return datetime.combine(self.next_working_day(day), self.opening, self.zone)

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself for 0)."""
        day = start
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def due_date(self, moment: datetime, working_days: int) -> date:
        """The due date of a dossier sent at ``moment`` with a deadline in working days."""
        return self.add_working_days(self.receipt_time(moment).date(), working_days)
