"""Help content: guides (hướng dẫn), FAQ entries (hỏi đáp), notices (thông báo), officials.

Markdown is the source; ``*_html`` holds the sanitised rendering, made when the text is saved,
so pages never render Markdown on the request path.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, UTCDateTime
from portal.models.catalog import Agency, Field, Procedure
from portal.models.types import str_enum


class ContentStatus(str, enum.Enum):
    """Life cycle of an editable text."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class NoticeKind(str, enum.Enum):
    """An announcement, or a planned interruption of the online services (TT32-11.x-MAINT)."""

    ANNOUNCEMENT = "announcement"
    MAINTENANCE = "maintenance"


guide_procedure = Table(
    "guide_procedure",
    Base.metadata,
    Column("guide_id", ForeignKey("guide.id", ondelete="CASCADE"), primary_key=True),
    Column("procedure_id", ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

faq_procedure = Table(
    "faq_procedure",
    Base.metadata,
    Column("faq_id", ForeignKey("faq.id", ondelete="CASCADE"), primary_key=True),
    Column("procedure_id", ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Guide(TimestampMixin, Base):
    """A step-by-step guide for a common service (TT32-11.1a)."""

    __tablename__ = "guide"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    field_id: Mapped[int | None] = mapped_column(ForeignKey("field.id", ondelete="SET NULL"))
    status: Mapped[ContentStatus] = mapped_column(
        str_enum(ContentStatus), default=ContentStatus.DRAFT, index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A draft with this time is published by the job runner when it comes.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    field: Mapped[Field | None] = relationship()
    procedures: Mapped[list[Procedure]] = relationship(secondary=guide_procedure)


class Faq(TimestampMixin, Base):
    """A frequently asked question and its answer (TT32-11.1b), linkable by ``slug``."""

    __tablename__ = "faq"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    answer_html: Mapped[str] = mapped_column(Text, default="")
    field_id: Mapped[int | None] = mapped_column(ForeignKey("field.id", ondelete="SET NULL"))
    status: Mapped[ContentStatus] = mapped_column(
        str_enum(ContentStatus), default=ContentStatus.DRAFT, index=True
    )
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    field: Mapped[Field | None] = relationship()
    procedures: Mapped[list[Procedure]] = relationship(secondary=faq_procedure)


class Notice(TimestampMixin, Base):
    """An announcement of the authority shown on the home page."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ContentStatus] = mapped_column(
        str_enum(ContentStatus), default=ContentStatus.DRAFT, index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[NoticeKind] = mapped_column(
        str_enum(NoticeKind), default=NoticeKind.ANNOUNCEMENT, server_default="announcement")
    #: A maintenance window: when the services stop and when they are expected back (shown
    #: in the banner on every page during the window).
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Official(TimestampMixin, Base):
    """A contact official of the authority (ND42-04.1e): name, title, unit, phone, e-mail."""

    __tablename__ = "official"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str | None] = mapped_column(String(255))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(255))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    agency: Mapped[Agency] = relationship()
