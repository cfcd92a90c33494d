"""Accounts: users and their roles, citizen profiles, and what keeps them safe.

A person logs in with e-mail, phone or personal ID number (CCCD). Staff belong to an agency
and act within its subtree. Sessions carry the user's ``session_version``; bumping it ends
every session of that user (log out everywhere, password change).
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, UTCDateTime, utcnow
from portal.models.catalog import Agency
from portal.models.reference import AdminUnit
from portal.models.types import str_enum


class Role(str, enum.Enum):
    """What a person may do. Staff roles come with an agency."""

    CITIZEN = "citizen"
    EDITOR = "editor"  # biên tập viên
    RECEIVER = "receiver"  # cán bộ một cửa (receiving officer)
    PROCESSOR = "processor"  # chuyên viên (processing officer)
    APPROVER = "approver"  # lãnh đạo
    ADMIN = "admin"  # quản trị

    @property
    def is_staff(self) -> bool:
        return self is not Role.CITIZEN


class User(TimestampMixin, Base):
    """Someone who can log in. E-mail and phone are stored normalised (lower case; 0xxxxxxxxx)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Shown in greetings and the audit log; the citizen's legal name lives in the profile.
    display_name: Mapped[str] = mapped_column(String(255), default="")
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Staff act for this agency and the units below it.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Part of every session; incremented to end all sessions of this user.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the person deleted the account: identifiers and profile are gone.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    profile: Mapped[Profile | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", uselist=False
    )

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        """True if the user holds any of ``roles``."""
        return bool(self.roles & set(roles))

    @property
    def is_staff(self) -> bool:
        return any(role.is_staff for role in self.roles)

    @property
    def verified(self) -> bool:
        """True once the e-mail or the phone has been confirmed."""
        return bool(self.email_verified_at or self.phone_verified_at)

    # Flask-Login interface ------------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.deleted_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """``"<id>:<session version>"``: sessions of an older version are no longer valid."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email or self.phone}>"


class UserRole(Base):
    """One role of a user."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role), primary_key=True)


class Profile(TimestampMixin, Base):
    """A citizen's personal details, reused to fill every form (TT32-11.2c-1, TT32-PRINC)."""

    __tablename__ = "profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    full_name: Mapped[str | None] = mapped_column(String(255))
    birth_date: Mapped[date | None] = mapped_column(Date)
    #: National gender code (code list "gender").
    gender: Mapped[str | None] = mapped_column(String(2))
    #: Personal identification number (số định danh cá nhân / CCCD), 12 digits, unique.
    id_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    #: Contact details for the authority (may differ from the login identifiers).
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    permanent_street: Mapped[str | None] = mapped_column(String(255))
    permanent_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_unit.id", ondelete="SET NULL")
    )
    current_street: Mapped[str | None] = mapped_column(String(255))
    current_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_unit.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(back_populates="profile")
    permanent_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[permanent_unit_id])
    current_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[current_unit_id])


class LoginThrottle(Base):
    """Failed logins against one key (an identifier's hash, or an address's hash).

    Each failure past the free ones doubles the wait before the next attempt, up to a cap,
    so guessing is slow while the owner is never locked out for long.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """An append-only record of a security-relevant action (TT22-PL5-b).

    The migration adds database triggers that refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who did it (None for anonymous attempts); the label survives account deletion.
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_label: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    #: The client address the request came from.
    address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class MessageChannel(str, enum.Enum):
    """How an outbound message travels."""

    EMAIL = "email"
    SMS = "sms"


class OutboundMessage(Base):
    """A message queued in the same transaction as the change that caused it.

    Sent right after the commit; if the mail server is down, ``flask messages send`` sends
    it later. Nothing is silently lost.
    """

    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[MessageChannel] = mapped_column(str_enum(MessageChannel))
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Not before this time (a failed message waits longer after each attempt).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by the sender that is sending it, so two senders never send it twice.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The dossier it is about, for the dossier's notification log.
    dossier_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier.id", ondelete="SET NULL"), index=True)


class PendingForm(Base):
    """What someone typed into a form when their login had expired, kept until they log in.

    Keyed by a random token held in their session; shown again, never submitted for them.
    """

    __tablename__ = "pending_form"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    #: The form fields as JSON bytes (passwords and files are never kept).
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class PhoneCode(Base):
    """A one-time code sent by SMS to confirm a phone number (stored hashed, short-lived)."""

    __tablename__ = "phone_code"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
