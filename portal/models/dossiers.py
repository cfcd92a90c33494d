"""Dossiers (hồ sơ): what a citizen submitted, its files, versions, events and messages.

* A :class:`Dossier` is created when a finished draft is submitted (or, at the desk, when
  staff file one). Its code ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`` (TT01-19) never changes.
* Every submission and every supplement makes a :class:`DossierVersion`: the answers and the
  files as they were sent, kept for good (ND45-12).
* Every status change writes a :class:`DossierEvent` (TT22-04.2); the citizen sees the public
  ones as a timeline.
* An :class:`Attachment` is one uploaded file (its content lives in the file store under its
  SHA-256) and belongs to exactly one draft, dossier version or message.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.models.accounts import User
from portal.models.base import Base, TimestampMixin, UTCDateTime, utcnow
from portal.models.catalog import Agency, Channel, DossierComponent, Procedure
from portal.models.forms import Draft, FormSpec
from portal.models.types import IntEnumType
from portal.text import fold


class DossierStatus(enum.IntEnum):
    """Status of a dossier, with the national status codes (requirements §3)."""

    SUBMITTED = 1  # Mới đăng ký
    RECEIVED = 2  # Được tiếp nhận
    REFUSED = 3  # Không được tiếp nhận
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT = 5  # Yêu cầu bổ sung giấy tờ
    FEE = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    RESOLVED = 9  # Đã xử lý xong
    RETURNED = 10  # Đã trả kết quả

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def closed(self) -> bool:
        """True once nothing more will happen to the dossier."""
        return self in CLOSED_STATUSES


STATUS_LABELS = {
    DossierStatus.SUBMITTED: _l("Mới đăng ký"),
    DossierStatus.RECEIVED: _l("Được tiếp nhận"),
    DossierStatus.REFUSED: _l("Không được tiếp nhận"),
    DossierStatus.PROCESSING: _l("Đang xử lý"),
    DossierStatus.SUPPLEMENT: _l("Yêu cầu bổ sung"),
    DossierStatus.FEE: _l("Yêu cầu thực hiện nghĩa vụ tài chính"),
    DossierStatus.WITHDRAWN: _l("Công dân yêu cầu rút hồ sơ"),
    DossierStatus.STOPPED: _l("Dừng xử lý"),
    DossierStatus.RESOLVED: _l("Đã xử lý xong"),
    DossierStatus.RETURNED: _l("Đã trả kết quả"),
}
CLOSED_STATUSES = frozenset({DossierStatus.REFUSED, DossierStatus.WITHDRAWN,
                             DossierStatus.STOPPED, DossierStatus.RETURNED})


class Dossier(TimestampMixin, Base):
    """An administrative dossier (hồ sơ thủ tục hành chính)."""

    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_user_status", "user_id", "status"),
        Index("ix_dossier_agency_status_due", "receiving_agency_id", "status", "due_date"),
        Index("ix_dossier_unit_status_due", "agency_id", "status", "due_date"),
        Index("ix_dossier_status_due", "status", "due_date"),
        # Covers the inbox's count per tab without reading the table.
        Index("ix_dossier_status_scope", "status", "awaiting_approval", "receiving_agency_id",
              "agency_id"),
        Index("ix_dossier_received_at", "received_at"),
        Index("ix_dossier_resolved_at", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`` (TT01-19.1), issued once, never changed.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedure.id", ondelete="RESTRICT"), index=True)
    #: The agency that resolves it, and the desk that received it (ND118-CENTRE: the two may
    #: differ); the code carries the receiving agency's identity code.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="SET NULL"))
    receiving_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id",
                                                                ondelete="RESTRICT"))
    #: The citizen's account; kept NULL when filed at the desk for someone without one, and
    #: set NULL when an account is deleted (the dossier itself must be kept).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    channel: Mapped[Channel] = mapped_column(IntEnumType(Channel))
    status: Mapped[DossierStatus] = mapped_column(IntEnumType(DossierStatus), index=True)
    #: The applicant as on the form (snapshots: the receipt must not change with the profile).
    applicant_name: Mapped[str] = mapped_column(String(255))
    applicant_id_number: Mapped[str | None] = mapped_column(String(12))
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    applicant_email: Mapped[str | None] = mapped_column(String(255))
    applicant_address: Mapped[str | None] = mapped_column(Text)
    #: The e-form the answers follow, and the current answers (the latest version's).
    form_spec_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_spec.id", ondelete="SET NULL"))
    spec_version: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: How the citizen wants the result: at the desk, online, or by public post (and where).
    result_channel: Mapped[Channel] = mapped_column(IntEnumType(Channel))
    result_address: Mapped[str | None] = mapped_column(Text)
    #: When it was sent, and the official receipt time (ND45-11.1: outside office hours it
    #: counts from the next office period).
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The statutory time in working days (None when the procedure states none), and the due
    #: date it gives, moved on by the time spent waiting for the citizen.
    processing_days: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    due_date: Mapped[date | None] = mapped_column(Date)
    #: While the office waits for the citizen (status 5) the clock is paused.
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Staff accepted it (status 2): from then on its papers count as verified (TT22-PL5-e).
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The applicant's name and the code folded (no tone marks, lower case) for search.
    search_text: Mapped[str] = mapped_column(String(320), default="", server_default="")
    #: Back office: the processing officer, the step of the procedure's plan the dossier is
    #: at and that step's due date, whether a proposed result waits for the approver.
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    step_due_date: Mapped[date | None] = mapped_column(Date)
    awaiting_approval: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default="0")
    proposal: Mapped[str | None] = mapped_column(Text)
    #: Set when the due date was extended (Mẫu 04): the dossier then counts as late.
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When resolved: ``early``, ``on_time`` or ``late`` against the due date (an extended
    #: dossier is late), ``no_deadline`` without one; kept for the statistics.
    outcome: Mapped[str | None] = mapped_column(String(12), index=True)
    #: How the result was handed over (desk, post, online).
    returned_via: Mapped[Channel | None] = mapped_column(IntEnumType(Channel))

    procedure: Mapped[Procedure] = relationship()
    agency: Mapped[Agency | None] = relationship(foreign_keys=[agency_id])
    receiving_agency: Mapped[Agency] = relationship(foreign_keys=[receiving_agency_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    form_spec: Mapped[FormSpec | None] = relationship()
    versions: Mapped[list[DossierVersion]] = relationship(
        back_populates="dossier", order_by="DossierVersion.number",
        cascade="all, delete-orphan")
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", order_by="DossierEvent.id", cascade="all, delete-orphan")
    messages: Mapped[list[DossierMessage]] = relationship(
        back_populates="dossier", order_by="DossierMessage.id", cascade="all, delete-orphan")
    supplement_requests: Mapped[list[SupplementRequest]] = relationship(
        back_populates="dossier", order_by="SupplementRequest.id",
        cascade="all, delete-orphan")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    consultations: Mapped[list[Consultation]] = relationship(  # noqa: F821
        back_populates="dossier", order_by="Consultation.id", cascade="all, delete-orphan")
    extensions: Mapped[list[Extension]] = relationship(  # noqa: F821
        back_populates="dossier", order_by="Extension.id", cascade="all, delete-orphan")
    results: Mapped[list[DossierResult]] = relationship(  # noqa: F821
        back_populates="dossier", order_by="DossierResult.number",
        cascade="all, delete-orphan")
    fee_requests: Mapped[list[FeeRequest]] = relationship(  # noqa: F821
        back_populates="dossier", order_by="FeeRequest.id", cascade="all, delete-orphan")

    @validates("applicant_name", "code")
    def _keep_search_text(self, key: str, value: str) -> str:
        name = value if key == "applicant_name" else self.applicant_name
        code = value if key == "code" else self.code
        self.search_text = fold(f"{name or ''} {code or ''}")[:320]
        return value

    @property
    def current_version(self) -> DossierVersion:
        return next(v for v in self.versions if v.number == self.version)

    @property
    def open_supplement(self) -> SupplementRequest | None:
        """The supplement request the citizen has not answered yet."""
        return next((r for r in reversed(self.supplement_requests) if r.answered_at is None),
                    None)

    def __repr__(self) -> str:
        return f"<Dossier {self.code} {self.status.name}>"


class DossierSequence(Base):
    """The last sequence number issued by an agency on a receipt day (the ``XXXX`` of the
    code). Incremented with one atomic UPSERT, so concurrent submissions never share one."""

    __tablename__ = "dossier_sequence"

    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class DossierVersion(Base):
    """The answers and files of a dossier as sent once (the submission, then each
    supplement). Never changed afterwards."""

    __tablename__ = "dossier_version"
    __table_args__ = (UniqueConstraint("dossier_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    spec_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)

    dossier: Mapped[Dossier] = relationship(back_populates="versions")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="version", order_by="Attachment.id")


class Attachment(Base):
    """One uploaded file and where it belongs (a draft, a dossier version or a message).

    The content is in the file store under ``sha256``; identical content is stored once, so
    reusing a document in a new dossier (once-only, TT21-05.1-17) is a new row, not a copy.
    """

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN draft_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN version_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN message_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner"),
        CheckConstraint("size > 0", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: The sanitised original name, and the type found from the content (not the name).
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    #: The dossier component it is for (its name is kept: procedures change).
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier_component.id", ondelete="SET NULL"))
    component_name: Mapped[str | None] = mapped_column(Text)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier_version.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier_message.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The earlier document this one reuses, if any.
    reused_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachment.id", ondelete="SET NULL"))
    #: Last day the paper is valid, when it expires (a health certificate, a permit).
    valid_until: Mapped[date | None] = mapped_column(Date)
    #: For a scan made at the desk: the paper handed in was an ``original`` (bản chính) or a
    #: ``copy`` (bản sao), as the receiving officer saw it (TT01-M01); None for an upload.
    paper: Mapped[str | None] = mapped_column(String(8))

    component: Mapped[DossierComponent | None] = relationship()
    draft: Mapped[Draft | None] = relationship()
    version: Mapped[DossierVersion | None] = relationship(back_populates="attachments")
    message: Mapped[DossierMessage | None] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename!r}>"


class DossierEvent(Base):
    """One step in the life of a dossier: a status change, a message, a supplement…

    ``public`` events are shown to the citizen (TT22-04.2); internal notes are not.
    """

    __tablename__ = "dossier_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    status_from: Mapped[DossierStatus | None] = mapped_column(IntEnumType(DossierStatus))
    status_to: Mapped[DossierStatus | None] = mapped_column(IntEnumType(DossierStatus))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Who acted, as shown ("Công dân", "Bộ phận Một cửa"); survives account deletion.
    actor_label: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)

    dossier: Mapped[Dossier] = relationship(back_populates="events")


class DossierMessage(Base):
    """A message between the citizen and the office about a dossier (TT22-PL3-05)."""

    __tablename__ = "dossier_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(255), default="")
    #: True when the office wrote it, False when the citizen did.
    from_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)

    dossier: Mapped[Dossier] = relationship(back_populates="messages")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id")


class SupplementRequest(Base):
    """What the office asked the citizen to add or correct (ND61-17.1a, ND45-12), and when
    the citizen answered it (with which version)."""

    __tablename__ = "supplement_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Each thing to add or correct, in words ("Bản sao Giấy chứng sinh rõ nét").
    items: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    #: The status to go back to once the citizen has answered.
    status_before: Mapped[DossierStatus] = mapped_column(IntEnumType(DossierStatus))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_version: Mapped[int | None] = mapped_column(Integer)

    dossier: Mapped[Dossier] = relationship(back_populates="supplement_requests")
