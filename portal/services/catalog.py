"""Read side of the procedure catalogue: listing with filters, one procedure, home lists.

Every function loads what its page shows in a fixed number of queries, whatever the number
of rows (no query per row).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.models import (
    Agency,
    ApplicantType,
    ContentStatus,
    Faq,
    Field,
    Guide,
    Notice,
    OnlineLevel,
    Procedure,
    ProcedureApplicant,
    SearchKind,
)
from portal.services import search
from portal.text import sort_key

PAGE_SIZE = 20

#: URL value of the service-level filter → Decree 42 level ("muc-1".."muc-4" select TT32 levels).
LEVELS = {
    "toan-trinh": OnlineLevel.FULL,
    "mot-phan": OnlineLevel.PARTIAL,
}
APPLICANTS = {"ca-nhan": ApplicantType.INDIVIDUAL, "to-chuc": ApplicantType.ORGANISATION}
SORTS = ("lien-quan", "ten", "pho-bien", "moi-cap-nhat", "ma")
#: What a procedure in a list shows (components/_procedure_item.html), loaded up front.
LIST_LOADING = (joinedload(Procedure.field), joinedload(Procedure.agency),
                selectinload(Procedure.channels))


@dataclass(frozen=True)
class FieldCount:
    """A field and how many published procedures it has."""

    field: Field
    count: int


@dataclass
class Filters:
    """The catalogue's filters, as given in the URL (all optional)."""

    q: str = ""
    field: str = ""  # field slug
    agency: str = ""  # agency code
    level: str = ""  # a LEVELS key, or "muc-<1..4>"
    applicant: str = ""  # an APPLICANTS key
    sort: str = ""
    page: int = 1

    def effective_sort(self) -> str:
        """The sort in force: relevance when searching, name otherwise."""
        if self.sort in SORTS and (self.sort != "lien-quan" or self.q):
            return self.sort
        return "lien-quan" if self.q else "ten"

    def url_args(self, **changes) -> dict[str, str | int]:
        """Non-empty filters as URL arguments (Vietnamese names), with ``changes`` applied."""
        values = {"tu-khoa": self.q, "linh-vuc": self.field, "co-quan": self.agency,
                  "muc-do": self.level, "doi-tuong": self.applicant, "sap-xep": self.sort,
                  "trang": self.page if self.page > 1 else ""} | changes
        return {key: value for key, value in values.items() if value not in ("", None, 1)}


@dataclass
class Page:
    """One page of results."""

    items: list
    total: int
    page: int
    size: int = PAGE_SIZE
    relaxed: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def list_procedures(session: Session, filters: Filters,
                    found: search.Found | None = None) -> Page:
    """Published procedures matching ``filters``, one page, in the requested order.

    With a keyword, the full-text index is asked once for every match and its rank (or
    ``found`` gives them); the other filters, the count and the page are then worked out
    from those ids.
    """
    query = _filtered(select(Procedure.id), filters)
    relaxed, ranks = False, None
    if filters.q:
        found = found or search.find(session, filters.q, (SearchKind.PROCEDURE,))
        ranks, relaxed = found.ranks(SearchKind.PROCEDURE), found.relaxed
        if _has_filters(filters):
            allowed = set(session.scalars(query.where(Procedure.id.in_(ranks))))
            ranks = {ref: rank for ref, rank in ranks.items() if ref in allowed}
        total = len(ranks)
    else:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    offset = (page - 1) * PAGE_SIZE
    if ranks is not None and filters.effective_sort() == "lien-quan":
        # Ties keep the index's order (rank, then name order from the title).
        ordered = sorted(ranks, key=ranks.__getitem__)[offset:offset + PAGE_SIZE]
        found = {p.id: p for p in session.scalars(
            select(Procedure).where(Procedure.id.in_(ordered)).options(*LIST_LOADING))}
        items = [found[ref] for ref in ordered if ref in found]
    else:
        listing = _filtered(select(Procedure), filters)
        if ranks is not None:
            listing = listing.where(Procedure.id.in_(ranks))
        items = session.scalars(
            listing.options(*LIST_LOADING).order_by(*ORDERS[filters.effective_sort()])
            .limit(PAGE_SIZE).offset(offset)
        ).all()
    return Page(list(items), total, page, relaxed=relaxed)


ORDERS = {
    "ten": [Procedure.sort_key],
    "lien-quan": [Procedure.sort_key],
    "pho-bien": [Procedure.popularity.desc(), Procedure.sort_key],
    "moi-cap-nhat": [Procedure.updated_at.desc(), Procedure.sort_key],
    "ma": [Procedure.code],
}


def _has_filters(filters: Filters) -> bool:
    return bool(filters.field or filters.agency or filters.level or filters.applicant)


def _filtered(query: Select, filters: Filters) -> Select:
    """``query`` over published procedures narrowed by every filter except the keyword."""
    query = query.where(Procedure.published.is_(True))
    if filters.field:
        query = query.join(Field, Field.id == Procedure.field_id).where(Field.slug == filters.field)
    if filters.agency:
        query = query.join(Agency, Agency.id == Procedure.agency_id).where(
            Agency.code == filters.agency)
    if filters.level in LEVELS:
        query = query.where(Procedure.online_level == LEVELS[filters.level])
    elif match := re.fullmatch(r"muc-([1-4])", filters.level):
        query = query.where(Procedure.tt32_level == int(match.group(1)))
    if filters.applicant in APPLICANTS:
        query = query.where(Procedure.id.in_(
            select(ProcedureApplicant.procedure_id).where(
                ProcedureApplicant.applicant_type == APPLICANTS[filters.applicant])))
    return query


def filter_options(session: Session) -> dict[str, list]:
    """Choices for the filter form: fields, agencies and TT32 levels present in the catalogue."""
    published = Procedure.published.is_(True)
    agencies = session.scalars(
        select(Agency).where(Agency.id.in_(select(Procedure.agency_id).where(published)))
    ).all()
    tt32_levels = session.scalars(
        select(Procedure.tt32_level).where(published, Procedure.tt32_level.is_not(None))
        .distinct().order_by(Procedure.tt32_level.desc())
    ).all()
    return {
        "fields": [fc.field for fc in fields_with_counts(session)],
        "agencies": sorted(agencies, key=lambda a: (a.sort_order, sort_key(a.name))),
        "tt32_levels": list(tt32_levels),
    }


def fields_with_counts(session: Session) -> list[FieldCount]:
    """Fields having published procedures, with their counts, in display order."""
    rows = session.execute(
        select(Field, func.count(Procedure.id))
        .join(Procedure, Procedure.field_id == Field.id)
        .where(Procedure.published.is_(True))
        .group_by(Field.id)
    )
    counts = [FieldCount(field, count) for field, count in rows]
    return sorted(counts, key=lambda fc: (fc.field.sort_order, sort_key(fc.field.name)))


def get_procedure(session: Session, code: str, *,
                  unpublished: bool = False) -> Procedure | None:
    """A published procedure (any, with ``unpublished``) with everything its page shows, or
    None."""
    shown = Procedure.code == code
    if not unpublished:
        shown = shown & Procedure.published.is_(True)
    return session.scalar(
        select(Procedure)
        .where(shown)
        .options(
            joinedload(Procedure.field), joinedload(Procedure.agency),
            selectinload(Procedure.steps), selectinload(Procedure.components),
            selectinload(Procedure.fees), selectinload(Procedure.legal_bases),
            selectinload(Procedure.channels), selectinload(Procedure.form_files),
            selectinload(Procedure.applicant_types),
        )
    )


def related_content(session: Session, procedure: Procedure) -> tuple[list[Guide], list[Faq]]:
    """Published guides and FAQ entries linked to a procedure."""
    guides = session.scalars(
        select(Guide).where(Guide.procedures.contains(procedure),
                            Guide.status == ContentStatus.PUBLISHED).order_by(Guide.title)
    ).all()
    faqs = session.scalars(
        select(Faq).where(Faq.procedures.contains(procedure),
                          Faq.status == ContentStatus.PUBLISHED).order_by(Faq.sort_order)
    ).all()
    return list(guides), list(faqs)


def most_used(session: Session, limit: int = 8) -> list[Procedure]:
    """The most used published services."""
    return list(session.scalars(
        select(Procedure).where(Procedure.published.is_(True), Procedure.popularity > 0)
        .options(*LIST_LOADING)
        .order_by(Procedure.popularity.desc(), Procedure.sort_key).limit(limit)
    ))


def latest_notices(session: Session, limit: int = 3) -> list[Notice]:
    """The newest published notices."""
    return list(session.scalars(
        select(Notice).where(Notice.status == ContentStatus.PUBLISHED)
        .order_by(Notice.published_at.desc()).limit(limit)
    ))


def latest_guides(session: Session, limit: int = 4) -> list[Guide]:
    """The most recently updated published guides."""
    return list(session.scalars(
        select(Guide).where(Guide.status == ContentStatus.PUBLISHED)
        .order_by(Guide.updated_at.desc(), Guide.title).limit(limit)
    ))


def last_change(session: Session) -> datetime | None:
    """When the public catalogue last changed (for sitemaps)."""
    return session.scalar(select(func.max(Procedure.updated_at)))
