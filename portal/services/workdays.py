"""Working days, the official receipt time and due dates of dossiers.

* A working day is one of ``WORKING_WEEKDAYS`` that is not a Vietnamese public holiday
  (Tết and the other holidays of the Labour Code, with the days the Government swaps: both
  from the ``holidays`` package), plus the Saturdays the Government declares working days in
  exchange. ``EXTRA_DAYS_OFF`` and ``EXTRA_WORKING_DAYS`` add local decisions (ISO dates).
* Over both, the calendar exceptions administrators keep at /quan-tri/lich-lam-viec
  (:class:`~portal.models.CalendarException`, HOL-2026): a day off or a worked day, with the
  decision that set it, for the whole deployment or for one agency. A dossier follows the
  calendar of the desk that received it: the general exceptions, then those of each agency
  above the desk, then the desk's own (the nearest agency decides).
* The official receipt time of a dossier sent online is the moment it was sent when that
  falls within ``OFFICE_HOURS`` of a working day; otherwise the start of the next office
  period (after lunch, the next morning, or the next working day).
* A deadline of *n* working days ends on the *n*-th working day after the receipt day; a
  dossier received at or after ``SAME_DAY_CUTOFF`` counts from the next working day (so a
  same-day procedure received at 15:30 is due the next working day).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import math
from decimal import Decimal

import holidays

if TYPE_CHECKING:
    from portal.models import Agency, Dossier

MAX_SEARCH_DAYS = 366
#: The ``site_state`` counter bumped by every change of the calendar exceptions.
VERSION_KEY = "calendar"
CACHE_KEY = "portal.calendar"
#: Deeper agency trees than this are taken as a loop (a corrupt tree), not walked further.
MAX_DEPTH = 20


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class WorkCalendar:
    """The authority's calendar, read from the app config; ``exceptions`` (day → True for a
    working day, False for a day off) win over the config and the ``holidays`` package."""

    def __init__(self, config, exceptions: Mapping[date, bool] | None = None) -> None:
        self.weekdays = frozenset(config["WORKING_WEEKDAYS"])
        self.periods = tuple((_time(start), _time(end)) for start, end in config["OFFICE_HOURS"])
        self.opening = self.periods[0][0]
        self.closing = self.periods[-1][1]
        self.cutoff = _time(config["SAME_DAY_CUTOFF"])
        self.zone = ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"])
        self.days_off = frozenset(date.fromisoformat(d) for d in config["EXTRA_DAYS_OFF"])
        self.working = frozenset(date.fromisoformat(d) for d in config["EXTRA_WORKING_DAYS"])
        # Later layers win: the settings' local decisions (a day off over a worked day), then
        # the exceptions of the calendar table.
        self.overrides: dict[date, bool] = {
            **dict.fromkeys(self.working, True), **dict.fromkeys(self.days_off, False),
            **(exceptions or {})}

    @cached_property
    def _public(self) -> holidays.HolidayBase:
        return holidays.country_holidays("VN")

    def is_working_day(self, day: date) -> bool:
        decided = self.overrides.get(day)
        if decided is not None:
            return decided
        public_holiday = day in self._public  # also loads that year's swapped Saturdays
        if day in self._public.weekend_workdays:
            return True
        return day.weekday() in self.weekdays and not public_holiday

    def national_days(self, year: int) -> dict[date, bool]:
        """The days of ``year`` the ``holidays`` package makes differ from the working week:
        public holidays on working weekdays (False) and swapped working Saturdays (True)."""
        public = holidays.country_holidays("VN", years=year)
        days = {day: False for day in public if day.weekday() in self.weekdays}
        days.update({day: True for day in public.weekend_workdays if day.year == year})
        return dict(sorted(days.items()))

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


@dataclass
class _Cache:
    """One app's calendars for one office-hours setting and one version of the exceptions."""

    key: tuple
    #: The exceptions by agency id (None: everywhere), each day → working day or not.
    rows: dict[int | None, dict[date, bool]]
    calendars: dict[tuple[int, ...], WorkCalendar] = field(default_factory=dict)

    def overrides(self, chain: tuple[int, ...]) -> dict[date, bool]:
        """The general exceptions, then those of each agency of ``chain`` (root first)."""
        merged = dict(self.rows.get(None, {}))
        for agency_id in chain:
            merged.update(self.rows[agency_id])
        return merged


def calendar(agency: Agency | int | None = None) -> WorkCalendar:
    """The current app's calendar, built from its settings (office hours as editors set
    them) and the calendar exceptions in force for ``agency`` (the general ones when None);
    built again only when those change.

    The exceptions' version is read once per request (one small query): a change made on
    any worker or host is followed by every other from its next request on.
    """
    from flask import current_app

    from portal.services.site_settings import value

    hours = tuple(tuple(period) for period in value("OFFICE_HOURS"))
    key = (hours, _version())
    cache = current_app.extensions.get(CACHE_KEY)
    if cache is None or cache.key != key:
        cache = _Cache(key, _exception_rows())
        current_app.extensions[CACHE_KEY] = cache  # replaced whole: other threads keep theirs
    chain = _chain(cache, agency)
    made = cache.calendars.get(chain)
    if made is None:
        config = {**current_app.config, "OFFICE_HOURS": hours}
        made = cache.calendars[chain] = WorkCalendar(config, cache.overrides(chain))
    return made


def for_dossier(dossier: Dossier) -> WorkCalendar:
    """The calendar a dossier's deadlines follow: its receiving desk's."""
    return calendar(dossier.receiving_agency_id)


def _version() -> int:
    """The exceptions' version (once per request or app context)."""
    from flask import g
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from portal.extensions import db
    from portal.models import SiteState

    if "calendar_version" not in g:
        try:
            g.calendar_version = db.session.scalar(
                select(SiteState.value).where(SiteState.key == VERSION_KEY)) or 0
        except SQLAlchemyError:  # not migrated yet (first start): no exceptions
            db.session.rollback()
            g.calendar_version = -1
    return g.calendar_version


def _exception_rows() -> dict[int | None, dict[date, bool]]:
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from portal.extensions import db
    from portal.models import CalendarException, DayKind

    rows: dict[int | None, dict[date, bool]] = {}
    try:
        found = db.session.execute(select(
            CalendarException.agency_id, CalendarException.day, CalendarException.kind)).all()
    except SQLAlchemyError:  # not migrated yet
        db.session.rollback()
        return rows
    for agency_id, day, kind in found:
        rows.setdefault(agency_id, {})[day] = kind is DayKind.WORKING_DAY
    return rows


def _chain(cache: _Cache, agency: Agency | int | None) -> tuple[int, ...]:
    """The agencies from the root down to ``agency`` that hold exceptions of their own."""
    if agency is None or cache.rows.keys() <= {None}:
        return ()
    from portal.extensions import db
    from portal.models import Agency

    node = db.session.get(Agency, agency) if isinstance(agency, int) else agency
    found: list[int] = []
    for _ in range(MAX_DEPTH):
        if node is None:
            break
        if node.id in cache.rows:
            found.append(node.id)
        node = node.parent
    return tuple(reversed(found))
