"""Administrators keep the working-day calendar's exceptions (HOL-2026): the days off and
worked days the Government, the province or a commune decided, with the decision, on top of
the ``holidays`` package (:mod:`portal.services.workdays`).

* The known decisions ship as data (``portal/data/calendar/<year>.json``), loaded by the
  migration that brought them; administrators change them like any other day.
* An exception of an agency applies to the dossiers received by it or by a unit below it;
  an administrator attached to an agency keeps only the exceptions of that part of the tree.
* A change is audited (before and after) and bumps the calendar's version, so every worker
  follows it from its next request. Due dates already computed stay as they are: the page
  says so, and how many open dossiers fall due on or after the day changed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import g
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import Agency, CalendarException, DayKind, Dossier, SiteState, User
from portal.services import accounts, audit, organisation_editor, workdays
from portal.services.workflow import OPEN
from portal.text import clean

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "calendar"
CREATED = "calendar_exception_created"
UPDATED = "calendar_exception_updated"
DELETED = "calendar_exception_deleted"


class DayTaken(ValueError):
    """The day already has an exception for that agency (or for the whole deployment)."""


@dataclass
class DayData:
    """What the calendar form gives."""

    day: date
    kind: DayKind
    decision: str
    note: str | None
    agency: Agency | None


@dataclass(frozen=True)
class YearDay:
    """A day of the year that is not an ordinary one, as the calendar page lists it: an
    exception (``item``), or a day of the ``holidays`` package no general exception
    replaces (``item`` None); ``national`` is what the package says of the day (None:
    nothing, an ordinary day)."""

    day: date
    working: bool
    item: CalendarException | None = None
    national: bool | None = None


# --- Shipped decisions -----------------------------------------------------------------------


def shipped(year: int) -> list[dict[str, Any]]:
    """The decisions shipped for ``year`` (``day``, ``kind``, ``decision``, ``note``)."""
    return json.loads((SHIPPED / f"{year}.json").read_text(encoding="utf-8"))


def load_shipped(session: Session, year: int) -> int:
    """Add the shipped decisions of ``year`` whose day has no general exception yet."""
    taken = set(session.scalars(select(CalendarException.day).where(
        CalendarException.agency_id.is_(None))))
    added = 0
    for row in shipped(year):
        day = date.fromisoformat(row["day"])
        if day not in taken:
            session.add(CalendarException(day=day, kind=DayKind(row["kind"]),
                                          decision=row["decision"], note=row["note"]))
            added += 1
    session.flush()
    return added


# --- Reading ------------------------------------------------------------------------------------


def agency_options(session: Session, scope: set[int] | None) -> list[tuple[Agency, int]]:
    """The agencies an administrator may hold exceptions for (every one when ``scope`` is
    None), in the tree's order, with their depth."""
    return [(agency, depth) for agency, depth in organisation_editor.agency_tree(session)
            if scope is None or agency.id in scope]


def manageable(item: CalendarException, scope: set[int] | None) -> bool:
    """True when an administrator of ``scope`` (None: every agency) may change ``item``."""
    return scope is None or item.agency_id in scope


def year_days(session: Session, year: int, scope: set[int] | None) -> list[YearDay]:
    """The package's days and the exceptions of ``year`` an administrator sees (the general
    ones, and those of the agencies in ``scope``), by date."""
    query = select(CalendarException).where(
        CalendarException.day >= date(year, 1, 1), CalendarException.day <= date(year, 12, 31))
    if scope is not None:
        query = query.where(CalendarException.agency_id.is_(None)
                            | CalendarException.agency_id.in_(scope))
    items = list(session.scalars(query))
    general = {item.day for item in items if item.agency_id is None}
    national = workdays.calendar().national_days(year)
    rows = [YearDay(day, working, national=working) for day, working in national.items()
            if day not in general]
    rows += [YearDay(item.day, item.kind is DayKind.WORKING_DAY, item, national.get(item.day))
             for item in items]
    return sorted(rows, key=lambda row: (row.day, row.item is not None,
                                         row.item.agency_id or 0 if row.item else 0))


def open_dossiers_due_from(session: Session, day: date, agency: Agency | None) -> int:
    """How many open dossiers fall due on or after ``day`` (of ``agency``'s desks, or
    everywhere): their due dates were computed before the change and stay as they are."""
    query = select(func.count()).select_from(Dossier).where(
        Dossier.status.in_(OPEN), Dossier.due_date >= day)
    if agency is not None:
        query = query.where(Dossier.receiving_agency_id.in_(
            accounts.agency_subtree_ids(session, agency)))
    return session.scalar(query) or 0


# --- Changing -----------------------------------------------------------------------------------


def save(session: Session, item: CalendarException | None, data: DayData,
         user: User | None) -> CalendarException:
    """Create (``item`` None) or change an exception; audited with before and after.

    :raises DayTaken: the day already has an exception for that agency.
    """
    agency_id = data.agency.id if data.agency else None
    if _taken(session, data.day, agency_id, item.id if item else None):
        raise DayTaken(data.day)
    before = snapshot(item) if item else {}
    if item is None:
        item = CalendarException()
        session.add(item)
    item.day, item.kind, item.agency = data.day, data.kind, data.agency
    item.decision, item.note = clean(data.decision), clean(data.note or "") or None
    try:
        session.flush()
    except IntegrityError as error:  # a parallel request took the day first
        raise DayTaken(data.day) from error
    after = snapshot(item)
    if before != after:
        audit.record(session, UPDATED if before else CREATED, actor=user,
                     object_type="calendar_exception", object_id=item.id, day=after["day"],
                     changes=audit.changes(before, after))
        bump_version(session)
    return item


def delete(session: Session, item: CalendarException, user: User | None) -> None:
    """Delete an exception (the day follows the package again); audited."""
    audit.record(session, DELETED, actor=user, object_type="calendar_exception",
                 object_id=item.id, day=item.day.isoformat(),
                 changes=audit.changes(snapshot(item), {}))
    session.delete(item)
    session.flush()
    bump_version(session)


def snapshot(item: CalendarException) -> dict[str, Any]:
    """The exception as the audit log keeps it."""
    return {"day": item.day.isoformat(), "kind": item.kind.value, "decision": item.decision,
            "note": item.note, "agency": item.agency.code if item.agency else None}


def bump_version(session: Session) -> None:
    """Tell every worker the exceptions changed (they read the version once per request)."""
    bumped = session.execute(update(SiteState).where(SiteState.key == workdays.VERSION_KEY)
                             .values(value=SiteState.value + 1)).rowcount
    if not bumped:
        session.add(SiteState(key=workdays.VERSION_KEY, value=1))
        session.flush()
    g.pop("calendar_version", None)  # this request too follows the change from now on


def _taken(session: Session, day: date, agency_id: int | None, exclude_id: int | None) -> bool:
    query = select(CalendarException.id).where(CalendarException.day == day)
    query = query.where(CalendarException.agency_id.is_(None) if agency_id is None
                        else CalendarException.agency_id == agency_id)
    if exclude_id is not None:
        query = query.where(CalendarException.id != exclude_id)
    return session.scalar(query.limit(1)) is not None
