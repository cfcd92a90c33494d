"""Editors keep the fields of administration (lĩnh vực) current: code (TT 01/2018 Art. 20),
name, description and order. A field that procedures belong to cannot be deleted. Every
change is audited."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Field, Procedure, User
from portal.services import audit
from portal.services.organisation_editor import (
    InUse,
    assign,
    markdown_source,
    move_among,
    next_order,
)
from portal.text import clean, slugify

#: Field (sector) codes in the TT 01/2018 Art. 20 style (``H49-HT``).
FIELD_CODE = re.compile(r"^[A-Z]\d{2}-[A-Z0-9]+$")

FIELD_CREATED = "field_created"
FIELD_UPDATED = "field_updated"
FIELD_MOVED = "field_moved"
FIELD_DELETED = "field_deleted"


@dataclass
class FieldData:
    """What the field form gives (the slug is made from the name)."""

    code: str
    name: str
    description: str | None


def fields_with_procedure_counts(session: Session) -> list[tuple[Field, int]]:
    """Every field with how many procedures belong to it, in display order."""
    rows = session.execute(
        select(Field, func.count(Procedure.id)).outerjoin(Procedure, Procedure.field_id ==
                                                          Field.id)
        .group_by(Field.id).order_by(Field.sort_order, Field.name))
    return [(field, count) for field, count in rows]


def name_taken(session: Session, name: str, exclude_id: int | None = None) -> bool:
    """True when another field is already called ``name``."""
    query = select(Field.id).where(Field.name == clean(name))
    if exclude_id is not None:
        query = query.where(Field.id != exclude_id)
    return session.scalar(query.limit(1)) is not None


def save_field(session: Session, field: Field | None, data: FieldData,
               user: User | None) -> Field:
    """Create (``field`` None) or update a field. A new field's slug is made from its name;
    an existing slug stays, so links to the catalogue filtered by it keep working."""
    created = field is None
    if field is None:
        field = Field(sort_order=next_order(session, Field),
                      slug=_unique_slug(session, data.name))
        session.add(field)
    changed = assign(field, {"code": data.code, "name": clean(data.name),
                             "description": markdown_source(data.description)})
    session.flush()
    if created or changed:
        audit.record(session, FIELD_CREATED if created else FIELD_UPDATED, actor=user,
                     object_type="field", object_id=field.id, code=field.code,
                     changed=sorted(changed))
    return field


def field_blockers(session: Session, field: Field) -> list[str]:
    """Why the field cannot be deleted (empty when it can)."""
    count = session.scalar(select(func.count()).select_from(Procedure)
                           .where(Procedure.field_id == field.id)) or 0
    if not count:
        return []
    return [ngettext("%(num)d thủ tục hành chính thuộc lĩnh vực này",
                     "%(num)d thủ tục hành chính thuộc lĩnh vực này", count)]


def delete_field(session: Session, field: Field, user: User | None) -> None:
    """Delete a field no procedure belongs to.

    :raises InUse: procedures belong to it.
    """
    reasons = field_blockers(session, field)
    if reasons:
        raise InUse(reasons)
    audit.record(session, FIELD_DELETED, actor=user, object_type="field", object_id=field.id,
                 code=field.code, name=field.name)
    session.delete(field)
    session.flush()


def move_field(session: Session, field: Field, step: int, user: User | None) -> bool:
    """Move a field one place up or down."""
    fields = list(session.scalars(select(Field).order_by(Field.sort_order, Field.name)))
    return move_among(session, fields, field, step, user, FIELD_MOVED, "field")


def _unique_slug(session: Session, name: str) -> str:
    base = slugify(name)
    taken = set(session.scalars(select(Field.slug)))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
