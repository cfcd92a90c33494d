"""The database reads behind the public statistics (:mod:`portal.services.stats`).

Each is one pass over a table, from the rows as stored, when the page is asked for:

* :func:`dossier_counts`: one grouped aggregate (``SUM(CASE …)``) of the dossiers per
  (procedure, resolving agency): received online and offline, resolved online, in time.
* :func:`rating_counts`: the same over the ratings: how many at each level, per item.
* :func:`durations`: median and 90th percentile of the processing time per service, field,
  agency and in all. PostgreSQL computes them itself (``percentile_cont`` over
  ``GROUPING SETS``); SQLite has no percentile function, so only the durations are fetched
  (one number per dossier resolved online in the period) and interpolated the same way.

They group by procedure and agency only; which procedures are online services is decided by
the caller from the catalogue, so SQLite never walks the procedure index (see
:func:`_table_order`).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    Float,
    and_,
    case,
    cast,
    extract,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from portal.models import Channel, Dossier, Procedure, Rating
from portal.services.ratings import ITEMS

#: Outcomes that count as resolved in time.
IN_TIME = ("early", "on_time", "no_deadline")
#: The percentiles of the processing time, as (numerator, denominator).
MEDIAN, P90 = (1, 2), (9, 10)
GROUPINGS = ("procedure", "field", "agency", "total")
#: ``GROUPING(procedure_id, field_id, agency_id)`` of each grouping set (1: not grouped on).
_SETS = {0b011: "procedure", 0b101: "field", 0b110: "agency", 0b111: "total"}
#: (count, median, 90th percentile) of a group's processing times in days.
Summary = tuple[int, float, float]


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _table_order(session: Session, keys: tuple, condition) -> tuple[tuple, object]:
    """Keys and a date condition that make SQLite read the table in order.

    Without histograms SQLite guesses that a date range keeps a quarter of the rows and that
    an index on a grouped column saves a sort, and then visits the rows one index entry at a
    time; a year keeps most of them, and reading the table in order is several times faster.
    ``likelihood()`` and ``+ 0`` say so (the documented ways). Other databases plan it well.
    """
    if not _sqlite(session):
        return keys, condition
    return tuple(key + 0 for key in keys), func.likelihood(condition, literal_column("0.9"))


def _sums(conditions: Iterable) -> list:
    return [func.coalesce(func.sum(case((c, 1), else_=0)), 0) for c in conditions]


def dossier_counts(session: Session, begins: datetime, ends: datetime) -> dict[tuple, list]:
    """``(procedure_id, agency_id)`` → [received online, received offline, resolved online,
    of which in time] for the period ``begins``–``ends`` (UTC, end excluded)."""
    received = and_(Dossier.received_at >= begins, Dossier.received_at < ends)
    resolved = and_(Dossier.resolved_at >= begins, Dossier.resolved_at < ends,
                    Dossier.channel == Channel.ONLINE)
    keys, before_end = _table_order(session, (Dossier.procedure_id, Dossier.agency_id),
                                    Dossier.received_at < ends)
    query = (select(*keys, *_sums((and_(received, Dossier.channel == Channel.ONLINE),
                                   and_(received, Dossier.channel != Channel.ONLINE),
                                   resolved, and_(resolved, Dossier.outcome.in_(IN_TIME)))))
             .select_from(Dossier)
             # Only these can count: received before the end, and in the period or resolved
             # after its start.
             .where(before_end, or_(Dossier.received_at >= begins,
                                    Dossier.resolved_at >= begins))
             .group_by(*keys))
    return {(row[0], row[1]): [int(v) for v in row[2:]] for row in session.execute(query)}


def rating_counts(session: Session, begins: datetime, ends: datetime) -> dict[tuple, list]:
    """``(procedure_id, agency_id)`` → how many ratings given in the period chose each
    level of each item: ``[overall 1, 2, 3, convenience 1, 2, 3, …]``."""
    keys, before_end = _table_order(session, (Rating.procedure_id, Rating.agency_id),
                                    Rating.created_at < ends)
    query = (select(*keys, *_sums(getattr(Rating, item) == level
                                  for item in ITEMS for level in (1, 2, 3)))
             .where(before_end, Rating.created_at >= begins)
             .group_by(*keys))
    return {(row[0], row[1]): [int(v) for v in row[2:]] for row in session.execute(query)}


def _days(session: Session):
    """``resolved_at − received_at`` in days (fractions kept), as the database computes it."""
    if _sqlite(session):
        return func.julianday(Dossier.resolved_at) - func.julianday(Dossier.received_at)
    return cast(extract("epoch", Dossier.resolved_at - Dossier.received_at) / 86400, Float)


def _resolved_online(query, begins: datetime, ends: datetime):
    return query.where(Dossier.channel == Channel.ONLINE, Dossier.resolved_at >= begins,
                       Dossier.resolved_at < ends)


def durations(session: Session, begins: datetime, ends: datetime,
              online: dict[int, int]) -> dict[str, dict]:
    """Grouping (:data:`GROUPINGS`) → group key → :data:`Summary` of the online dossiers of
    the online services (``online``: procedure id → field id) resolved in the period."""
    if _sqlite(session):
        return _fetched_durations(session, begins, ends, online)
    return _sql_durations(session, begins, ends)


def _sql_durations(session: Session, begins: datetime, ends: datetime) -> dict[str, dict]:
    days = _days(session)
    keys = (Dossier.procedure_id, Procedure.field_id, Dossier.agency_id)
    query = _resolved_online(
        select(*keys, func.grouping(*keys), func.count(),
               func.percentile_cont(MEDIAN[0] / MEDIAN[1]).within_group(days),
               func.percentile_cont(P90[0] / P90[1]).within_group(days))
        .select_from(Dossier).join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(Procedure.online_level.is_not(None)), begins, ends
    ).group_by(func.grouping_sets(*(tuple_(key) for key in keys), tuple_()))
    found: dict[str, dict] = {name: {} for name in GROUPINGS}
    for procedure_id, field_id, agency_id, sets, n, median, p90 in session.execute(query):
        if not n:
            continue  # the grand total of nothing is still a row
        name = _SETS[sets]
        key = {"procedure": procedure_id, "field": field_id, "agency": agency_id}.get(name)
        found[name][key] = (int(n), float(median), float(p90))
    return found


def _fetched_durations(session: Session, begins: datetime, ends: datetime,
                       online: dict[int, int]) -> dict[str, dict]:
    values: dict[str, dict] = {name: {} for name in GROUPINGS}
    query = _resolved_online(select(Dossier.procedure_id, Dossier.agency_id, _days(session)),
                             begins, ends)
    for procedure_id, agency_id, days in session.execute(query):
        if procedure_id not in online:
            continue
        for name, key in zip(GROUPINGS, (procedure_id, online[procedure_id], agency_id, None)):
            values[name].setdefault(key, []).append(float(days))
    return {name: {key: summary(sorted(found)) for key, found in groups.items()}
            for name, groups in values.items()}


def summary(ordered: list[float]) -> Summary:
    """Count, median and 90th percentile of durations in ascending order."""
    return len(ordered), percentile(ordered, MEDIAN), percentile(ordered, P90)


def percentile(ordered: list[float], fraction: tuple[int, int]) -> float:
    """Interpolate between the closest ranks, like PostgreSQL's ``percentile_cont``: at
    ``h = (n − 1) × p`` (from 0), between ``ordered[floor(h)]`` and the next value."""
    steps = (len(ordered) - 1) * fraction[0]
    lower, remainder = divmod(steps, fraction[1])
    high = ordered[min(lower + 1, len(ordered) - 1)]
    return ordered[lower] + remainder / fraction[1] * (high - ordered[lower])
