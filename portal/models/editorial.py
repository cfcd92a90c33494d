"""Editors' records (issue 8): the revision history of everything they edit, and the site
settings they may change without a developer (TT22-PL2-01, TT32-11.1, ND42-04.1e)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class Revision(Base):
    """One saved state of an edited object (a procedure, form, guide, FAQ entry, notice),
    as the JSON its editor restores from. ``number`` counts from 1 per object."""

    __tablename__ = "revision"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", "number"),
        Index("ix_revision_kind_object", "kind", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``procedure``, ``form_spec``, ``guide``, ``faq``, ``notice``.
    kind: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: What happened: "tạo mới", "sửa", "xuất bản", "khôi phục phiên bản 3"…
    note: Mapped[str | None] = mapped_column(Text)


class SiteSetting(Base):
    """A setting editors change in the admin pages (authority name, office hours…); it
    overrides the same key of the configuration."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
