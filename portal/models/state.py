"""Small counters the whole deployment shares (all workers, all hosts)."""
from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base


class SiteState(Base):
    """A named counter, e.g. ``content``: bumped whenever public content changes."""

    __tablename__ = "site_state"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
