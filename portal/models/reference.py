"""Shared catalogues (danh mục dùng chung, TT22-PL2-05), each entry with its national code."""
from __future__ import annotations

import enum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base
from portal.models.types import str_enum


class UnitLevel(str, enum.Enum):
    """Tier of an administrative unit."""

    PROVINCE = "province"
    DISTRICT = "district"  # only among legacy units (before 01/07/2025)
    COMMUNE = "commune"


class AdminUnit(Base):
    """A province, district or commune, current or legacy.

    Codes are the General Statistics Office codes (2 digits for provinces, 3 for districts,
    5 for communes). A new commune often kept the code of one of the communes merged into it,
    so the same code can name a legacy and a current unit: ``legacy`` is part of the key.
    Legacy communes point at the current commune that took them over (``successor``).
    """

    __tablename__ = "admin_unit"
    __table_args__ = (
        UniqueConstraint("level", "code", "legacy"),
        Index("ix_admin_unit_parent_name", "parent_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(255))
    #: Name without the kind, e.g. "Hạ Long" for "Phường Hạ Long".
    short_name: Mapped[str] = mapped_column(String(255))
    #: Tỉnh, Thành phố, Xã, Phường, Đặc khu, Quận, Huyện, Thị xã, Thị trấn…
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[UnitLevel] = mapped_column(str_enum(UnitLevel))
    legacy: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_unit.id", ondelete="CASCADE")
    )
    successor_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_unit.id", ondelete="SET NULL")
    )

    parent: Mapped[AdminUnit | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id]
    )
    successor: Mapped[AdminUnit | None] = relationship(
        remote_side=[id], foreign_keys=[successor_id]
    )

    def __repr__(self) -> str:
        state = " legacy" if self.legacy else ""
        return f"<AdminUnit {self.level.value} {self.code} {self.name!r}{state}>"


class CodeList(str, enum.Enum):
    """The small shared catalogues kept in :class:`CodeEntry`."""

    ETHNICITY = "ethnicity"
    NATIONALITY = "nationality"
    GENDER = "gender"
    ID_DOCUMENT = "id_document"


class CodeEntry(Base):
    """An entry of a small shared catalogue: ethnic groups, nationalities, genders, ID types."""

    __tablename__ = "code_entry"
    __table_args__ = (UniqueConstraint("code_list", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_list: Mapped[CodeList] = mapped_column(str_enum(CodeList))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<CodeEntry {self.code_list.value}:{self.code} {self.name!r}>"
