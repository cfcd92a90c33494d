"""The one-stop back office: who sees which dossier, the inbox, the procedure's steps and
how close each dossier is to its due date (TT22-PL2-02/07/08, ND61-*).

* An officer acts for an agency and the units below it. A dossier is theirs to see when it
  was received by, or is resolved by, one of those agencies, or when one of them was asked
  for its opinion on it.
* A procedure's plan (``Procedure.process_plan``, else :data:`DEFAULT_PLAN`) orders the
  steps and shares the processing time between them; each step's due date is counted back
  from the dossier's due date, so pauses and extensions move every step with it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.models import (
    Consultation,
    Dossier,
    DossierStatus,
    Procedure,
    Role,
    User,
)
from portal.services import accounts, workdays
from portal.text import fold

S = DossierStatus
PAGE_SIZE = 50
OPEN = (S.SUBMITTED, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE, S.RESOLVED)

#: The steps when a procedure defines none: (name, role, share of the working days).
DEFAULT_PLAN = (
    {"name": "Tiếp nhận hồ sơ", "role": "receiver", "days": 0},
    {"name": "Thẩm định, xử lý hồ sơ", "role": "processor", "days": 7},
    {"name": "Phê duyệt kết quả", "role": "approver", "days": 2},
    {"name": "Trả kết quả", "role": "receiver", "days": 1},
)
STAFF_ROLES = (Role.RECEIVER, Role.PROCESSOR, Role.APPROVER)


# --- Who sees what ------------------------------------------------------------------------


def scope(session: Session, user: User) -> set[int]:
    """The agencies an officer acts for: theirs and every unit below it."""
    return accounts.agency_subtree_ids(session, user.agency)


def visible_clause(agency_ids: set[int]):
    """SQL condition: the dossier concerns one of ``agency_ids``."""
    consulted = select(Consultation.dossier_id).where(Consultation.agency_id.in_(agency_ids))
    return or_(Dossier.receiving_agency_id.in_(agency_ids), Dossier.agency_id.in_(agency_ids),
               Dossier.id.in_(consulted))


def find(session: Session, code: str, user: User) -> Dossier | None:
    """The dossier with ``code`` if ``user`` may handle it (None: as unknown as a typo)."""
    if not user.has_role(*STAFF_ROLES):
        return None
    ids = scope(session, user)
    return session.scalar(select(Dossier).where(Dossier.code == code, visible_clause(ids)))


# --- The inbox ------------------------------------------------------------------------------

#: Inbox tabs: key → condition.
TABS = {
    "cho-tiep-nhan": Dossier.status == S.SUBMITTED,
    "dang-xu-ly": and_(Dossier.status.in_((S.RECEIVED, S.PROCESSING, S.FEE)),
                       Dossier.awaiting_approval.is_(False)),
    "cho-bo-sung": Dossier.status == S.SUPPLEMENT,
    "cho-duyet": and_(Dossier.status == S.PROCESSING, Dossier.awaiting_approval.is_(True)),
    "cho-tra-ket-qua": Dossier.status == S.RESOLVED,
    "da-tra": Dossier.status == S.RETURNED,
    "da-dong": Dossier.status.in_((S.REFUSED, S.WITHDRAWN, S.STOPPED)),
}


#: Finished dossiers: listed newest first, not by due date.
ARCHIVE_TABS = ("da-tra", "da-dong")


@dataclass
class InboxFilters:
    """What the officer narrowed the inbox to (all optional)."""

    tab: str = "cho-tiep-nhan"
    q: str = ""
    procedure_id: int | None = None
    field_id: int | None = None
    channel: int | None = None
    start: date | None = None
    end: date | None = None
    overdue: bool = False
    mine: bool = False
    page: int = 1


@dataclass
class Inbox:
    items: list[Dossier]
    total: int
    page: int
    counts: dict[str, int] = field(default_factory=dict)
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def inbox(session: Session, user: User, filters: InboxFilters, today: date) -> Inbox:
    """One page of the officer's dossiers in a tab, and the count of each tab (under the
    same filters), in two queries: the counts grouped by tab, then the page's ids. Open tabs
    list the nearest due date first; the archive tabs, the newest first."""
    base = _filtered(select(Dossier.id), user, filters, today, session)
    tab_of = case(*[(condition, key) for key, condition in TABS.items()]).label("tab")
    counts = dict.fromkeys(TABS, 0)
    counts.update({key: n for key, n in session.execute(
        base.with_only_columns(tab_of, func.count()).group_by(tab_of)) if key})
    tab = filters.tab if filters.tab in TABS else "cho-tiep-nhan"
    page = max(1, filters.page)
    order = ((Dossier.received_at.desc(), Dossier.id.desc()) if tab in ARCHIVE_TABS
             else (Dossier.due_date.asc().nulls_last(), Dossier.id))
    ids = session.scalars(base.where(TABS[tab]).order_by(*order)
                          .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    rows = session.scalars(select(Dossier).where(Dossier.id.in_(ids)).options(
        selectinload(Dossier.procedure), selectinload(Dossier.assignee)))
    by_id = {d.id: d for d in rows}
    return Inbox([by_id[i] for i in ids], counts[tab], page, counts)


def _filtered(query: Select, user: User, f: InboxFilters, today: date,
              session: Session) -> Select:
    query = query.where(visible_clause(scope(session, user)))
    if f.q:
        query = query.where(Dossier.search_text.contains(fold(f.q), autoescape=True))
    if f.procedure_id:
        query = query.where(Dossier.procedure_id == f.procedure_id)
    if f.field_id:
        query = query.where(Dossier.procedure_id.in_(
            select(Procedure.id).where(Procedure.field_id == f.field_id)))
    if f.channel:
        query = query.where(Dossier.channel == f.channel)
    if f.start:
        query = query.where(Dossier.received_at >= _day_start(f.start))
    if f.end:
        query = query.where(Dossier.received_at < _day_start(f.end, 1))
    if f.overdue:
        query = query.where(Dossier.status.in_(OPEN), Dossier.paused_since.is_(None),
                            Dossier.due_date < today)
    if f.mine:
        query = query.where(Dossier.assignee_id == user.id)
    return query


def _day_start(day: date, offset: int = 0):
    from datetime import datetime, timedelta

    calendar = workdays.calendar()
    return datetime.combine(day + timedelta(days=offset), datetime.min.time(), calendar.zone)


# --- Steps and deadlines --------------------------------------------------------------------


def plan(procedure: Procedure) -> list[dict]:
    """The procedure's steps (its own plan, else the default one)."""
    steps = procedure.process_plan or DEFAULT_PLAN
    return [dict(step) for step in steps]


def step_index(procedure: Procedure, role: str, after: int = -1) -> int:
    """The first step after ``after`` done by ``role`` (the last step if there is none)."""
    steps = plan(procedure)
    return next((i for i, s in enumerate(steps) if i > after and s["role"] == role),
                len(steps) - 1)


def step_due(dossier: Dossier, index: int) -> date | None:
    """When step ``index`` must be done: the working days of the later steps, counted back
    from the dossier's due date."""
    if dossier.due_date is None:
        return None
    steps = plan(dossier.procedure)
    weights = [Decimal(str(s.get("days") or 0)) for s in steps]
    total_weight = sum(weights) or Decimal(1)
    days = dossier.processing_days or Decimal(0)
    later = sum(weights[index + 1:])
    return workdays.for_dossier(dossier).subtract_working_days(
        dossier.due_date, math.floor(days * later / total_weight))


def urgency(dossier: Dossier, today: date) -> str | None:
    """``overdue``, ``near`` (due within one working day) or None, for open dossiers whose
    clock is running."""
    if dossier.status not in OPEN or dossier.due_date is None or dossier.paused_since:
        return None
    if dossier.due_date < today:
        return "overdue"
    if workdays.for_dossier(dossier).working_days_between(today, dossier.due_date) <= 1:
        return "near"
    return None
