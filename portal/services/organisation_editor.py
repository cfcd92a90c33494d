"""Editors keep the organisation current: the agency tree and its contact officials
(ND42-04.1e). Every change is audited; :mod:`portal.services.field_editor` does the same for
fields with the helpers below.

An agency still named by procedures, staff accounts, dossiers or sub-units cannot be deleted
(the reasons are given in words). Order is kept in ``sort_order``: moving an item swaps it
with its neighbour.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_babel import ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.models import (
    Agency,
    AgencyLevel,
    Consultation,
    Dossier,
    Field,
    Official,
    Procedure,
    User,
)
from portal.services import audit
from portal.services.content import render_markdown
from portal.text import clean, nfc

#: Agency identity codes in the QCVN 102:2016 style (``000.00.00.H49``).
AGENCY_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")

# Audit actions (stored as is in the audit log).
AGENCY_CREATED = "agency_created"
AGENCY_UPDATED = "agency_updated"
AGENCY_MOVED = "agency_moved"
AGENCY_DELETED = "agency_deleted"
OFFICIAL_CREATED = "official_created"
OFFICIAL_UPDATED = "official_updated"
OFFICIAL_MOVED = "official_moved"
OFFICIAL_DELETED = "official_deleted"

T = TypeVar("T", Agency, Official, Field)


class InUse(Exception):
    """The item is still used; ``reasons`` say by what, in words."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class CycleError(ValueError):
    """The chosen parent is the agency itself or one of its sub-units."""


class ScopeChangeRefused(PermissionError):
    """Only administrators may move an existing agency in the tree or change whether it
    receives dossiers: officers see the dossiers and petitions of their agency's subtree."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


#: The fields of an existing agency that decide which dossiers officers see.
SCOPE_FIELDS = ("parent_id", "receives_dossiers")


@dataclass
class AgencyData:
    """What the agency form gives."""

    code: str
    name: str
    name_en: str | None
    level: AgencyLevel
    parent: Agency | None
    receives_dossiers: bool
    address: str | None
    phone: str | None
    email: str | None
    description: str | None
    description_en: str | None


@dataclass
class OfficialData:
    """What the contact official form gives."""

    name: str
    title: str
    title_en: str | None
    agency: Agency
    phone: str | None
    email: str | None


def markdown_source(text: str | None) -> str | None:
    """Editor Markdown as stored: NFC, Unix line ends, blank lines kept; empty is None."""
    text = nfc(text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32 and ord(ch) != 127)
    return text.strip() or None


# --- Agencies ---------------------------------------------------------------------------------

def agency_tree(session: Session) -> list[tuple[Agency, int]]:
    """Every agency with its depth, parents before their sub-units, in display order."""
    agencies = list(session.scalars(select(Agency).order_by(Agency.sort_order, Agency.name)))
    children: dict[int | None, list[Agency]] = {}
    for agency in agencies:
        children.setdefault(agency.parent_id, []).append(agency)
    flat: list[tuple[Agency, int]] = []

    def visit(parent_id: int | None, depth: int) -> None:
        for agency in children.get(parent_id, []):
            flat.append((agency, depth))
            visit(agency.id, depth + 1)

    visit(None, 0)
    return flat


def subtree_ids(session: Session, agency: Agency) -> set[int]:
    """The agency's id and those of all units below it."""
    rows = session.execute(select(Agency.id, Agency.parent_id)).all()
    found, frontier = {agency.id}, [agency.id]
    while frontier:
        parent = frontier.pop()
        for child, parent_id in rows:
            if parent_id == parent and child not in found:
                found.add(child)
                frontier.append(child)
    return found


def parent_options(session: Session, agency: Agency | None) -> list[tuple[Agency, int]]:
    """Agencies that may be the parent of ``agency`` (never itself nor a unit below it)."""
    excluded = subtree_ids(session, agency) if agency is not None and agency.id else set()
    return [(a, depth) for a, depth in agency_tree(session) if a.id not in excluded]


def code_taken(session: Session, model: type[Agency] | type[Field], code: str,
               exclude_id: int | None = None) -> bool:
    """True when another agency (or field) already has ``code``."""
    query = select(model.id).where(model.code == code)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return session.scalar(query.limit(1)) is not None


def save_agency(session: Session, agency: Agency | None, data: AgencyData,
                user: User | None, *, may_change_scope: bool = True) -> Agency:
    """Create (``agency`` None) or update an agency; descriptions are sanitised to HTML.

    :raises CycleError: the parent is the agency itself or one of its sub-units.
    :raises ScopeChangeRefused: without ``may_change_scope`` (editors), the parent or the
        "receives dossiers" flag of an existing agency would change.
    """
    if agency is not None and data.parent is not None and agency.id and \
            data.parent.id in subtree_ids(session, agency):
        raise CycleError(data.parent.code)
    if agency is not None and not may_change_scope:
        wanted = {"parent_id": data.parent.id if data.parent else None,
                  "receives_dossiers": data.receives_dossiers}
        refused = [name for name in SCOPE_FIELDS if getattr(agency, name) != wanted[name]]
        if refused:
            raise ScopeChangeRefused(refused)
    created = agency is None
    if agency is None:
        parent_id = data.parent.id if data.parent else None
        agency = Agency(sort_order=next_order(session, Agency, _siblings_of(parent_id)))
        session.add(agency)
    changed = assign(agency, {
        "code": data.code, "name": clean(data.name), "name_en": clean(data.name_en),
        "level": data.level, "parent_id": data.parent.id if data.parent else None,
        "receives_dossiers": data.receives_dossiers, "address": clean(data.address),
        "phone": clean(data.phone), "email": clean(data.email),
        "description": markdown_source(data.description),
        "description_en": markdown_source(data.description_en)})
    agency.parent = data.parent
    agency.description_html = render_markdown(agency.description) if agency.description else None
    agency.description_en_html = (render_markdown(agency.description_en)
                                  if agency.description_en else None)
    session.flush()
    if created or changed:
        audit.record(session, AGENCY_CREATED if created else AGENCY_UPDATED, actor=user,
                     object_type="agency", object_id=agency.id, code=agency.code,
                     changed=sorted(changed))
    return agency


def agency_blockers(session: Session, agency: Agency) -> list[str]:
    """Why the agency cannot be deleted (empty when it can)."""
    def count(model: Any, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    counts = (
        (count(Agency, Agency.parent_id == agency.id),
         lambda n: ngettext("còn %(num)d đơn vị trực thuộc", "còn %(num)d đơn vị trực thuộc", n)),
        (count(Procedure, Procedure.agency_id == agency.id),
         lambda n: ngettext("%(num)d thủ tục hành chính do đơn vị giải quyết",
                            "%(num)d thủ tục hành chính do đơn vị giải quyết", n)),
        (count(User, User.agency_id == agency.id, User.deleted_at.is_(None)),
         lambda n: ngettext("%(num)d tài khoản cán bộ thuộc đơn vị",
                            "%(num)d tài khoản cán bộ thuộc đơn vị", n)),
        (count(Dossier, or_(Dossier.agency_id == agency.id,
                            Dossier.receiving_agency_id == agency.id)),
         lambda n: ngettext("%(num)d hồ sơ do đơn vị tiếp nhận hoặc xử lý",
                            "%(num)d hồ sơ do đơn vị tiếp nhận hoặc xử lý", n)),
        (count(Consultation, Consultation.agency_id == agency.id),
         lambda n: ngettext("%(num)d lần được hỏi ý kiến về hồ sơ",
                            "%(num)d lần được hỏi ý kiến về hồ sơ", n)),
    )
    return [words(n) for n, words in counts if n]


def delete_agency(session: Session, agency: Agency, user: User | None) -> None:
    """Delete an unused agency and its contact officials.

    :raises InUse: procedures, staff, dossiers or sub-units still name it.
    """
    reasons = agency_blockers(session, agency)
    if reasons:
        raise InUse(reasons)
    for official in session.scalars(select(Official).where(Official.agency_id == agency.id)):
        session.delete(official)
    audit.record(session, AGENCY_DELETED, actor=user, object_type="agency",
                 object_id=agency.id, code=agency.code, name=agency.name)
    session.delete(agency)
    session.flush()


def move_agency(session: Session, agency: Agency, step: int, user: User | None) -> bool:
    """Move an agency one place up (``step`` -1) or down (+1) among its siblings."""
    siblings = list(session.scalars(select(Agency).where(_siblings_of(agency.parent_id))
                                    .order_by(Agency.sort_order, Agency.name)))
    return move_among(session, siblings, agency, step, user, AGENCY_MOVED, "agency")


def _siblings_of(parent_id: int | None) -> Any:
    """The SQL condition selecting the agencies under ``parent_id`` (roots for None)."""
    return Agency.parent_id.is_(None) if parent_id is None else Agency.parent_id == parent_id


# --- Contact officials --------------------------------------------------------------------------

def officials_by_agency(session: Session) -> dict[int, list[Official]]:
    """Contact officials grouped by agency id, in display order."""
    grouped: dict[int, list[Official]] = {}
    for official in session.scalars(select(Official).order_by(Official.sort_order,
                                                              Official.id)):
        grouped.setdefault(official.agency_id, []).append(official)
    return grouped


def save_official(session: Session, official: Official | None, data: OfficialData,
                  user: User | None) -> Official:
    """Create (``official`` None) or update a contact official."""
    created = official is None
    if official is None:
        # The public list shows all officials in one order: a new one comes last.
        official = Official(sort_order=next_order(session, Official))
        session.add(official)
    changed = assign(official, {
        "name": clean(data.name), "title": clean(data.title), "title_en": clean(data.title_en),
        "agency_id": data.agency.id, "phone": clean(data.phone), "email": clean(data.email)})
    official.agency = data.agency
    session.flush()
    if created or changed:
        audit.record(session, OFFICIAL_CREATED if created else OFFICIAL_UPDATED, actor=user,
                     object_type="official", object_id=official.id, name=official.name,
                     changed=sorted(changed))
    return official


def delete_official(session: Session, official: Official, user: User | None) -> None:
    """Delete a contact official."""
    audit.record(session, OFFICIAL_DELETED, actor=user, object_type="official",
                 object_id=official.id, name=official.name)
    session.delete(official)
    session.flush()


def move_official(session: Session, official: Official, step: int, user: User | None) -> bool:
    """Move an official one place up or down among those of the same agency.

    The public page lists every official in one table, so the order is kept across agencies
    and the official swaps places with its neighbour of the same agency.
    """
    everyone = list(session.scalars(select(Official).order_by(Official.sort_order, Official.id)))
    return move_among(session, everyone, official, step, user, OFFICIAL_MOVED, "official",
                      same_group=lambda other: other.agency_id == official.agency_id)


# --- Helpers ------------------------------------------------------------------------------------

def assign(obj: Any, values: dict[str, Any]) -> set[str]:
    """Set attributes; return the names of those whose value changed."""
    changed = set()
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.add(name)
    return changed


def next_order(session: Session, model: type[T], *where: Any) -> int:
    """A ``sort_order`` after every existing one (among the rows ``where`` selects)."""
    return (session.scalar(select(func.max(model.sort_order)).where(*where)) or 0) + 1


def move_among(session: Session, ordered: Sequence[T], item: T, step: int, user: User | None,
               action: str, object_type: str,
               same_group: Callable[[T], bool] = lambda _other: True) -> bool:
    """Number ``ordered`` 0, 1, 2…, then swap ``item`` with its neighbour in ``step``'s
    direction among those of ``same_group``; False when it is already first (or last)."""
    for position, each in enumerate(ordered):
        if each.sort_order != position:
            each.sort_order = position
    group = [each for each in ordered if each is item or same_group(each)]
    index = group.index(item) + (1 if step > 0 else -1)
    if not 0 <= index < len(group):
        return False
    other = group[index]
    item.sort_order, other.sort_order = other.sort_order, item.sort_order
    session.flush()
    audit.record(session, action, actor=user, object_type=object_type, object_id=item.id,
                 direction="down" if step > 0 else "up")
    return True
