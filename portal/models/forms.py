"""Interactive e-forms: their specifications (data, not code) and the citizens' drafts.

A :class:`FormSpec` holds one procedure's tờ khai as JSON (sections, fields, conditions,
groups; see ``portal.services.eforms``). A :class:`Draft` holds what someone has entered so
far, as a flat mapping of input names to the text they typed, and is reached through a
secret link (only its SHA-256 is stored) until it belongs to an account.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import User
from portal.models.base import Base, TimestampMixin, UTCDateTime
from portal.models.catalog import Procedure


class FormSpec(TimestampMixin, Base):
    """The interactive form of a procedure. ``version`` grows with every change of ``spec``."""

    __tablename__ = "form_spec"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedure.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    spec: Mapped[dict] = mapped_column(JSON)

    procedure: Mapped[Procedure] = relationship()

    def __repr__(self) -> str:
        return f"<FormSpec {self.procedure_id} v{self.version} {self.title!r}>"


class Draft(TimestampMixin, Base):
    """A form being filled in (hồ sơ nháp).

    ``revision`` counts saves. A save names the revision it was based on; a field that
    changed since then (another tab, another device) is not overwritten: that save is
    refused with the other value, and the person chooses.
    """

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 (hex) of the secret in the draft's link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    form_spec_id: Mapped[int] = mapped_column(ForeignKey("form_spec.id", ondelete="CASCADE"))
    #: The FormSpec version the values were entered against.
    spec_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    #: Input name → the revision at which its value last changed: a save based on revision
    #: *r* may change a field only if it has not changed since *r* (saves merge by field).
    field_revisions: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    #: The section the person was last on.
    section: Mapped[str] = mapped_column(String(60), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set for the working copy of a submitted dossier that the office asked to supplement:
    #: the citizen amends it with the same form, and sends it back as a new version.
    dossier_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True)

    form_spec: Mapped[FormSpec] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship()
    dossier: Mapped[Dossier | None] = relationship()  # noqa: F821 (models.dossiers)

    def __repr__(self) -> str:
        return f"<Draft {self.id} r{self.revision} user={self.user_id}>"
