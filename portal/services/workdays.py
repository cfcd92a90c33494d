"""Working days, the official receipt time and due dates of dossiers.

* A working day is one of ``WORKING_WEEKDAYS`` that is not a Vietnamese public holiday
  (Tết and the other holidays of the Labour Code, with the days the Government swaps: both
  from the ``holidays`` package), plus the Saturdays the Government declares working days in
  exchange. ``EXTRA_DAYS_OFF`` and ``EXTRA_WORKING_DAYS`` add local decisions (ISO dates).
* The official receipt time of a dossier sent online is the moment it was sent when that
  falls within ``OFFICE_HOURS`` of a working day; otherwise the start of the next office
  period (after lunch, the next morning, or the next working day).
* A deadline of *n* working days ends on the *n*-th working day after the receipt day; a
  dossier received at or after ``SAME_DAY_CUTOFF`` counts from the next working day (so a
  same-day procedure received at 15:30 is due the next working day).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

import math
from decimal import Decimal

import holidays

MAX_SEARCH_DAYS = 366


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class WorkCalendar:
    """The authority's calendar, read from the app config."""

    def __init__(self, config) -> None:
        self.weekdays = frozenset(config["WORKING_WEEKDAYS"])
        self.periods = tuple((_time(start), _time(end)) for start, end in config["OFFICE_HOURS"])
        self.opening = self.periods[0][0]
        self.closing = self.periods[-1][1]
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

    def previous_working_day(self, day: date) -> date:
        """The last working day before ``day``."""
        for offset in range(1, MAX_SEARCH_DAYS):
            candidate = day - timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within a year before {day}")

    def subtract_working_days(self, end: date, count: int) -> date:
        """The working day ``count`` working days before ``end`` (``end`` itself for 0)."""
        day = end
        for _ in range(count):
            day = self.previous_working_day(day)
        return day

    def receipt_time(self, moment: datetime) -> datetime:
        """When a dossier sent at ``moment`` (aware) counts as received, in local time."""
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day):
            for start, end in self.periods:
                if local.time() < start:
                    return datetime.combine(day, start, self.zone)
                if local.time() < end:
                    return local
        return datetime.combine(self.next_working_day(day), self.opening, self.zone)

    def counting_start(self, received: datetime) -> date:
        """The day a deadline counts from: the receipt day, or the next working day when the
        dossier was received at or after the same-day cut-off."""
        local = received.astimezone(self.zone)
        if local.time() >= self.cutoff:
            return self.next_working_day(local.date())
        return local.date()

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself for 0)."""
        day = start
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def due_date(self, moment: datetime, working_days: Decimal | int) -> date:
        """The due date of a dossier sent (or received) at ``moment`` with a deadline in
        working days (a part of a day counts as a whole one)."""
        return self.add_working_days(self.counting_start(self.receipt_time(moment)),
                                     math.ceil(Decimal(working_days)))

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after ``start`` up to and including ``end``."""
        return sum(1 for offset in range(1, (end - start).days + 1)
                   if self.is_working_day(start + timedelta(days=offset)))

    def today(self) -> date:
        """Today's date where the authority is."""
        return datetime.now(timezone.utc).astimezone(self.zone).date()

    def closing_time(self, day: date) -> datetime:
        """When the office closes on ``day`` (the hour a result is due)."""
        return datetime.combine(day, self.closing, self.zone)


def calendar() -> WorkCalendar:
    """The current app's calendar, built from its settings (office hours as editors set
    them), and built again only when those change."""
    from flask import current_app

    from portal.services.site_settings import value

    hours = tuple(tuple(period) for period in value("OFFICE_HOURS"))
    cached = current_app.extensions.get("portal.calendar")
    if cached is None or cached[0] != hours:
        config = {**current_app.config, "OFFICE_HOURS": hours}
        cached = current_app.extensions["portal.calendar"] = (hours, WorkCalendar(config))
    return cached[1]
