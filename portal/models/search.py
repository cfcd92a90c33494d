"""The search index: one row per published procedure, guide or FAQ entry, in folded text.

SQLite indexes it with an FTS5 table kept in sync by triggers, PostgreSQL with a generated
``tsvector`` column and a GIN index; both are created by the migration (see
``portal.services.search`` for the queries). Titles weigh more than bodies in the ranking.
"""
from __future__ import annotations

import enum

from sqlalchemy import Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base
from portal.models.types import str_enum


class SearchKind(str, enum.Enum):
    """What a search document points at."""

    PROCEDURE = "procedure"
    GUIDE = "guide"
    FAQ = "faq"


class SearchDocument(Base):
    """Folded (lower case, no tone marks) title and body of something searchable."""

    __tablename__ = "search_document"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SearchKind] = mapped_column(str_enum(SearchKind))
    ref_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
