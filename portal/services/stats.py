"""Public statistics of the online services (/thong-ke; TT32-11.x-STAT, TT22-PL3-08/09, QĐ766).

For a calendar year (local days, ``BABEL_DEFAULT_TIMEZONE``), from 1 January to today (the
whole year once it is over), for each **online service** (a procedure with an
``online_level``: toàn trình or một phần), each field, each resolving agency and in all:

* **Received online / offline**: ``received_at`` falls in the period; channel 2, or 1 and 3.
* **Resolved online**: an online dossier whose ``resolved_at`` falls in the period.
* **In time**: of those, the ones whose ``outcome`` is ``early``, ``on_time`` or
  ``no_deadline`` (an extended dossier is ``late``); the share is of the resolved online.
* **Processing time**: median and 90th percentile, in calendar days (fractions kept), of
  ``resolved_at − received_at`` over the dossiers resolved online in the period. Percentiles
  interpolate between the two nearest ranks, like PostgreSQL's ``percentile_cont``.
* **Satisfaction**: the ratings first given in the period (``Rating.created_at``), counted
  per level for the overall rating and each optional item (a share is of the ratings that
  answered that item).

Everything is counted from the rows as stored, when asked (no cache), so the page is right
at any moment; :mod:`portal.services.stats_queries` holds the three reads (one pass over the
dossiers, one over the ratings, one for the processing times). Nothing personal is read.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Agency, Dossier, Field, OnlineLevel, Procedure
from portal.services import stats_queries as queries
from portal.services.ratings import ITEMS
from portal.services.reports import percent

NONE3 = (0, 0, 0)


@dataclass(frozen=True)
class Counts:
    """The additive figures of a group: dossiers, and ratings per item and level (in the
    order of ``RatingLevel``: very satisfied, satisfied, unsatisfied)."""

    received_online: int = 0
    received_offline: int = 0
    resolved_online: int = 0
    in_time_online: int = 0
    overall: tuple[int, int, int] = NONE3
    convenience: tuple[int, int, int] = NONE3
    timeliness: tuple[int, int, int] = NONE3
    attitude: tuple[int, int, int] = NONE3

    def __add__(self, other: Counts) -> Counts:
        def add(a, b):
            return tuple(x + y for x, y in zip(a, b)) if isinstance(a, tuple) else a + b

        return Counts(*(add(getattr(self, f), getattr(other, f))
                        for f in self.__dataclass_fields__))

    @property
    def received(self) -> int:
        return self.received_online + self.received_offline

    @property
    def pct_in_time(self) -> float | None:
        return percent(self.in_time_online, self.resolved_online)

    @property
    def ratings(self) -> int:
        """How many ratings (each has an overall level)."""
        return sum(self.overall)

    @property
    def pct_satisfied(self) -> float | None:
        """Share of the ratings whose overall level is "very satisfied" or "satisfied"."""
        return percent(self.overall[0] + self.overall[1], self.ratings)

    def levels(self, item: str) -> tuple[int, int, int]:
        return getattr(self, item)

    def answered(self, item: str) -> int:
        return sum(self.levels(item))

    def pct_level(self, item: str, index: int) -> float | None:
        """Share of the ratings answering ``item`` at level ``index`` (0: very satisfied)."""
        return percent(self.levels(item)[index], self.answered(item))

    @property
    def empty(self) -> bool:
        return self == Counts()


@dataclass(frozen=True)
class Durations:
    """Processing time of the dossiers resolved online: how many, median, 90th percentile."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class Row:
    """One service, field or agency (key None: no resolving agency yet) and its figures."""

    key: int | None
    code: str
    name: str
    counts: Counts = field(default_factory=Counts)
    durations: Durations = field(default_factory=Durations)
    #: Services only: their field's name and their level (toàn trình / một phần).
    field_name: str = ""
    level: OnlineLevel | None = None


@dataclass(frozen=True)
class YearStats:
    """The figures of a year, up to ``end`` (today for the current year)."""

    year: int
    start: date
    end: date
    services: list[Row]
    fields: list[Row]
    agencies: list[Row]
    total: Row


# --- The period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    begins: datetime  # UTC instant the first day begins
    ends: datetime  # UTC instant the last day ends (excluded)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, _zone()).astimezone(timezone.utc)


def period(year: int, today: date) -> Period:
    """1 January of ``year`` to today, or to 31 December for a past year."""
    start, end = date(year, 1, 1), min(date(year, 12, 31), today)
    return Period(start, end, _instant(start), _instant(end + timedelta(days=1)))


def years(session: Session, today: date) -> list[int]:
    """The years that have dossiers (by local receipt date), and this one; latest first."""
    first, last = session.execute(
        select(func.min(Dossier.received_at), func.max(Dossier.received_at))).one()
    found = {today.year}
    if first is not None:
        zone = _zone()
        for year in range(first.astimezone(zone).year, last.astimezone(zone).year + 1):
            begins, ends = _instant(date(year, 1, 1)), _instant(date(year + 1, 1, 1))
            if session.scalar(select(Dossier.id).where(
                    Dossier.received_at >= begins, Dossier.received_at < ends).limit(1)):
                found.add(year)
    return sorted(found, reverse=True)


# --- The year -------------------------------------------------------------------------------


def year_stats(session: Session, year: int, today: date) -> YearStats:
    """All the figures of ``year`` (see the module's definitions)."""
    p = period(year, today)
    online = dict(session.execute(select(Procedure.id, Procedure.field_id).where(
        Procedure.online_level.is_not(None))).all())
    dossiers = queries.dossier_counts(session, p.begins, p.ends)
    rated = queries.rating_counts(session, p.begins, p.ends)
    pairs = _merge({key: Counts(*values) for key, values in dossiers.items()},
                   {key: Counts(**{item: tuple(values[3 * i:3 * i + 3])
                                   for i, item in enumerate(ITEMS)})
                    for key, values in rated.items()})
    pairs = {key: counts for key, counts in pairs.items() if key[0] in online}
    times = {name: {key: Durations(*found) for key, found in groups.items()}
             for name, groups in queries.durations(session, p.begins, p.ends, online).items()}
    return YearStats(
        year, p.start, p.end,
        _service_rows(session, pairs, times["procedure"]),
        _group_rows(session, Field, _sum(pairs, lambda key: online[key[0]]), times["field"]),
        _group_rows(session, Agency, _sum(pairs, lambda key: key[1]), times["agency"]),
        Row(None, "", "", sum(pairs.values(), Counts()), times["total"].get(None, Durations())))


def _merge(*parts: dict[tuple, Counts]) -> dict[tuple, Counts]:
    merged: dict[tuple, Counts] = {}
    for part in parts:
        for key, counts in part.items():
            merged[key] = merged.get(key, Counts()) + counts
    return merged


def _sum(pairs: dict[tuple, Counts], group_of) -> dict:
    """Add the (procedure, agency) figures up by ``group_of(key)``."""
    return _merge(*({group_of(key): counts} for key, counts in pairs.items()))


def _service_rows(session: Session, pairs: dict[tuple, Counts], times: dict) -> list[Row]:
    """Every online service that is published or has figures, in catalogue order."""
    counts = _sum(pairs, lambda key: key[0])
    query = (select(Procedure.id, Procedure.code, Procedure.name, Procedure.online_level,
                    Procedure.published, Field.name)
             .join(Field, Field.id == Procedure.field_id)
             .where(Procedure.online_level.is_not(None))
             .order_by(Field.sort_order, Field.name, Procedure.sort_key, Procedure.code))
    return [Row(pid, code, name, counts.get(pid, Counts()), times.get(pid, Durations()),
                field_name, level)
            for pid, code, name, level, published, field_name in session.execute(query)
            if published or not counts.get(pid, Counts()).empty or pid in times]


def _group_rows(session: Session, model, counts: dict, times: dict) -> list[Row]:
    """The fields or agencies with figures, in their order; no agency comes last."""
    keys = {k for k, c in counts.items() if not c.empty} | set(times)
    rows = [Row(key, code, name, counts.get(key, Counts()), times.get(key, Durations()))
            for key, code, name in session.execute(
                select(model.id, model.code, model.name).where(model.id.in_(_known(keys)))
                .order_by(model.sort_order, model.name))]
    if None in keys:
        rows.append(Row(None, "", _("Chưa phân công cơ quan giải quyết"),
                        counts.get(None, Counts()), times.get(None, Durations())))
    return rows


def _known(keys: Iterable[int | None]) -> list[int]:
    return [key for key in keys if key is not None]
