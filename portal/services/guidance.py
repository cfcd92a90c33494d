"""Read side of guidance (hướng dẫn) and FAQ (hỏi đáp): published entries only."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.models import ContentStatus, Faq, Field, Guide, SearchKind
from portal.services import search
from portal.services.catalog import LIST_LOADING
from portal.text import sort_key


@dataclass
class FaqGroup:
    """The FAQ entries of one field (``field`` is None for general questions)."""

    field: Field | None
    entries: list[Faq]


def list_guides(session: Session) -> list[Guide]:
    """Published guides, by title."""
    guides = session.scalars(
        select(Guide).where(Guide.status == ContentStatus.PUBLISHED)
        .options(joinedload(Guide.field))
    ).all()
    return sorted(guides, key=lambda g: sort_key(g.title))


def get_guide(session: Session, slug: str) -> Guide | None:
    """A published guide with its procedures, or None."""
    return session.scalar(
        select(Guide).where(Guide.slug == slug, Guide.status == ContentStatus.PUBLISHED)
        .options(joinedload(Guide.field),
                 selectinload(Guide.procedures).options(*LIST_LOADING))
    )


def faq_groups(session: Session, q: str = "") -> tuple[list[FaqGroup], bool]:
    """Published FAQ entries grouped by field (general questions first); filtered by ``q``.

    Returns the groups and whether the search had to be relaxed to "any word".
    """
    query = select(Faq).where(Faq.status == ContentStatus.PUBLISHED).options(
        joinedload(Faq.field))
    relaxed = False
    order: dict[int, int] = {}
    if q:
        found = search.find(session, q, (SearchKind.FAQ,))
        ids, relaxed = found.ids(SearchKind.FAQ), found.relaxed
        order = {faq_id: position for position, faq_id in enumerate(ids)}
        query = query.where(Faq.id.in_(ids))
    entries = session.scalars(query).all()
    groups: dict[int | None, FaqGroup] = {}
    for faq in sorted(entries, key=lambda f: (order.get(f.id, 0), f.sort_order)):
        groups.setdefault(faq.field_id, FaqGroup(faq.field, [])).entries.append(faq)
    if q:  # best match first
        return list(groups.values()), relaxed
    ordered = sorted(groups.values(), key=lambda g: (g.field is not None,
                                                     sort_key(g.field.name if g.field else "")))
    return ordered, relaxed


def get_faq(session: Session, slug: str) -> Faq | None:
    """A published FAQ entry, or None."""
    return session.scalar(
        select(Faq).where(Faq.slug == slug, Faq.status == ContentStatus.PUBLISHED)
        .options(joinedload(Faq.field), selectinload(Faq.procedures))
    )


def guides_by_ids(session: Session, ids: list[int]) -> list[Guide]:
    """Published guides with these ids, in the given order (search results)."""
    return _in_order(session, Guide, ids)


def faqs_by_ids(session: Session, ids: list[int]) -> list[Faq]:
    """Published FAQ entries with these ids, in the given order (search results)."""
    return _in_order(session, Faq, ids)


def _in_order(session: Session, model, ids: list[int]) -> list:
    if not ids:
        return []
    found = {item.id: item for item in session.scalars(
        select(model).where(model.id.in_(ids), model.status == ContentStatus.PUBLISHED))}
    return [found[i] for i in ids if i in found]
