"""Exceptions to the working-day calendar (HOL-2026): days off and worked days that the
Government, the province or a commune decided, on top of the ``holidays`` package."""
from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin
from portal.models.catalog import Agency
from portal.models.types import str_enum


class DayKind(str, enum.Enum):
    """What a decision makes of a day."""

    DAY_OFF = "day_off"  # ngày nghỉ (a holiday, a bridge day)
    WORKING_DAY = "working_day"  # ngày làm việc (a swapped Saturday, or a holiday cancelled)


class CalendarException(TimestampMixin, Base):
    """One day that differs from the national calendar, and the decision behind it.

    ``agency`` None applies everywhere; an agency's exception applies to the dossiers
    received by that agency or by any unit below it, and wins over its parents' (the
    nearest agency decides).
    """

    __tablename__ = "calendar_exception"
    # One row per day and agency; and per day for the whole deployment (agency NULL), which
    # needs a partial index: a unique constraint never sees two NULLs as equal.
    __table_args__ = (
        UniqueConstraint("day", "agency_id"),
        Index("uq_calendar_exception_general_day", "day", unique=True,
              sqlite_where=text("agency_id IS NULL"),
              postgresql_where=text("agency_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[DayKind] = mapped_column(str_enum(DayKind))
    #: The decision that set it, e.g. "12729/VPCP-KGVX".
    decision: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agency.id", ondelete="CASCADE"), index=True)

    agency: Mapped[Agency | None] = relationship()

    def __repr__(self) -> str:
        return f"<CalendarException {self.day} {self.kind.value} {self.agency_id}>"
