"""The procedure catalogue: agencies, fields and procedures with the 11 basic items of TT32.

Every item a procedure page must show (``TT32-LV1-01`` … ``-11``) is stored as structured data,
next to the original text where the text carries nuance the structure cannot (deadlines, fees).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.models.base import Base, TimestampMixin, UTCDateTime
from portal.models.types import IntEnumType, str_enum
from portal.text import collation_key


class AgencyLevel(str, enum.Enum):
    """Tier of an agency in the tree (2-tier since 01/07/2025; 3-tier still possible)."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    UNIT = "unit"  # a department, office or one-stop desk inside a People's Committee


class Channel(enum.IntEnum):
    """Ways to submit a dossier and receive the result, with their national codes (ND61-16)."""

    IN_PERSON = 1  # Trực tiếp
    ONLINE = 2  # Trực tuyến
    POSTAL = 3  # Qua dịch vụ bưu chính công ích


class OnlineLevel(str, enum.Enum):
    """Online-service level of Decree 42/2022 (ND42-11.1)."""

    FULL = "toan_trinh"  # toàn trình
    PARTIAL = "mot_phan"  # một phần


class TimeUnit(str, enum.Enum):
    """Unit of a procedure's processing time."""

    WORKING_DAY = "working_day"
    CALENDAR_DAY = "calendar_day"
    WORKING_HOUR = "working_hour"


class FeeKind(str, enum.Enum):
    """Phí (a fee for a service) or lệ phí (a charge for a state act)."""

    FEE = "phi"
    CHARGE = "le_phi"


class ApplicantType(str, enum.Enum):
    """Who may use a procedure, as the catalogue filters it (ND42-CAT)."""

    INDIVIDUAL = "individual"  # công dân, người nước ngoài…
    ORGANISATION = "organisation"  # tổ chức, doanh nghiệp, hợp tác xã…


class Agency(TimestampMixin, Base):
    """A state agency or one of its units (cơ quan, đơn vị), arranged as a tree."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Identity code in the QCVN 102:2016 style, e.g. ``000.00.00.H49``.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    level: Mapped[AgencyLevel] = mapped_column(str_enum(AgencyLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    #: National code of the administrative unit the agency governs (province or commune).
    admin_unit_code: Mapped[str | None] = mapped_column(String(10))
    #: True for a one-stop desk (Bộ phận Một cửa / Trung tâm Phục vụ hành chính công).
    receives_dossiers: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(255))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    #: Functions and duties (Markdown, with its sanitised HTML), in Vietnamese and English.
    description: Mapped[str | None] = mapped_column(Text)
    description_html: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    description_en_html: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(
        back_populates="parent", order_by="Agency.sort_order, Agency.name"
    )

    def lineage(self) -> list[Agency]:
        """Return the agencies from the root of the tree down to this one."""
        chain: list[Agency] = []
        node: Agency | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def __repr__(self) -> str:
        return f"<Agency {self.code} {self.name!r}>"


class Field(TimestampMixin, Base):
    """A field of administration (lĩnh vực), e.g. Hộ tịch, Chứng thực."""

    __tablename__ = "field"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sector code ``MX1X2-LV`` (TT01-20), e.g. ``H49-HT``.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    procedures: Mapped[list[Procedure]] = relationship(back_populates="field")

    def __repr__(self) -> str:
        return f"<Field {self.code} {self.name!r}>"


class Procedure(TimestampMixin, Base):
    """An administrative procedure (thủ tục hành chính) with the 11 basic items of TT32."""

    __tablename__ = "procedure"
    __table_args__ = (
        CheckConstraint("tt32_level BETWEEN 1 AND 4", name="tt32_level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: National code in the national procedure database, e.g. ``1.001193``.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: TT32-LV1-01
    name: Mapped[str] = mapped_column(Text)
    #: Vietnamese dictionary order of the name, sortable in SQL (kept by a validator).
    sort_key: Mapped[str] = mapped_column(String(255), default="", server_default="",
                                          index=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("field.id", ondelete="RESTRICT"), index=True)
    #: TT32-LV1-07: the agency of this deployment that resolves the procedure.
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agency.id", ondelete="SET NULL"), index=True
    )
    #: TT32-LV1-07 as published nationally: "Ủy ban nhân dân cấp xã", and its level.
    authority_text: Mapped[str | None] = mapped_column(Text)
    competent_authority_text: Mapped[str | None] = mapped_column(Text)
    agency_level_text: Mapped[str | None] = mapped_column(String(255))
    #: TT32-LV1-06
    subjects_text: Mapped[str | None] = mapped_column(Text)
    #: TT32-LV1-03: free-text description of how to carry it out, beside the channels.
    method_text: Mapped[str | None] = mapped_column(Text)
    #: TT32-LV1-05: the official wording, and what could be parsed from it.
    processing_time_text: Mapped[str | None] = mapped_column(Text)
    processing_amount: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    processing_unit: Mapped[TimeUnit | None] = mapped_column(str_enum(TimeUnit))
    #: TT32-LV1-08
    result_text: Mapped[str | None] = mapped_column(Text)
    #: TT32-LV1-09: requirements and conditions ("Không có" is stored, not left empty).
    requirements_text: Mapped[str | None] = mapped_column(Text)
    #: TT32-LV1-09: fees as published; ``fee_free`` is True only when it says so explicitly.
    fees_text: Mapped[str | None] = mapped_column(Text)
    fee_free: Mapped[bool | None] = mapped_column(Boolean)
    #: TT32-LV1-11: the decision publishing the procedure.
    announcing_decision: Mapped[str | None] = mapped_column(Text)
    procedure_type: Mapped[str | None] = mapped_column(String(255))
    #: Service level: TT32 levels 1–4 and/or Decree 42/2022 toàn trình / một phần.
    tt32_level: Mapped[int | None] = mapped_column(Integer)
    online_level: Mapped[OnlineLevel | None] = mapped_column(str_enum(OnlineLevel))
    #: The result can be returned electronically (ND45-14.3).
    online_result: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How much the service is used (dossiers over the last year); orders "most used".
    popularity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: How the one-stop office handles it: ``[{"name", "role", "days"}]`` in order, ``role``
    #: one of receiver / processor / approver, ``days`` the share of the processing time
    #: (working days). None: the default plan of ``services.backoffice``.
    process_plan: Mapped[list | None] = mapped_column(JSON)

    field: Mapped[Field] = relationship(back_populates="procedures")
    agency: Mapped[Agency | None] = relationship()
    steps: Mapped[list[ProcedureStep]] = relationship(
        order_by="ProcedureStep.position", cascade="all, delete-orphan"
    )
    components: Mapped[list[DossierComponent]] = relationship(
        order_by="DossierComponent.position", cascade="all, delete-orphan"
    )
    fees: Mapped[list[FeeItem]] = relationship(
        order_by="FeeItem.position", cascade="all, delete-orphan"
    )
    legal_bases: Mapped[list[LegalBasis]] = relationship(
        order_by="LegalBasis.position", cascade="all, delete-orphan"
    )
    channels: Mapped[list[ProcedureChannel]] = relationship(
        order_by="ProcedureChannel.channel", cascade="all, delete-orphan"
    )
    form_files: Mapped[list[FormFile]] = relationship(
        order_by="FormFile.position", cascade="all, delete-orphan"
    )
    applicant_types: Mapped[list[ProcedureApplicant]] = relationship(
        cascade="all, delete-orphan"
    )

    @validates("name")
    def _keep_sort_key(self, _key: str, name: str) -> str:
        self.sort_key = collation_key(name)
        return name

    @property
    def working_days(self) -> Decimal | None:
        """Processing time in working days (hours count as eighths of a day), if known."""
        if self.processing_amount is None or self.processing_unit is None:
            return None
        if self.processing_unit is TimeUnit.WORKING_DAY:
            return self.processing_amount
        if self.processing_unit is TimeUnit.WORKING_HOUR:
            return self.processing_amount / 8
        return None

    @property
    def channel_codes(self) -> set[Channel]:
        """The channels (TT32-LV1-10) as a set of :class:`Channel`."""
        return {row.channel for row in self.channels}

    def __repr__(self) -> str:
        return f"<Procedure {self.code}>"


class ProcedureStep(Base):
    """One step of the sequence of a procedure (TT32-LV1-02), in order."""

    __tablename__ = "procedure_step"
    __table_args__ = (UniqueConstraint("procedure_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class DossierComponent(Base):
    """A paper of the dossier (thành phần hồ sơ, TT32-LV1-04) and the rules for its files."""

    __tablename__ = "dossier_component"
    __table_args__ = (
        UniqueConstraint("procedure_id", "position"),
        CheckConstraint("originals >= 0 AND copies >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    #: Number of originals (bản chính) and copies (bản sao) to hand in.
    originals: Mapped[int] = mapped_column(Integer, default=1)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Shown to the desk only (xuất trình), never kept.
    presentation_only: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    #: Accepted file types as extensions ("pdf,jpg,png"); None means the portal default.
    accepted_types: Mapped[str | None] = mapped_column(String(200))
    max_size_mb: Mapped[int | None] = mapped_column(Integer)


class FeeItem(Base):
    """One fee or charge (TT32-LV1-09); an amount of 0 means explicitly free."""

    __tablename__ = "fee_item"
    __table_args__ = (
        UniqueConstraint("procedure_id", "position"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[FeeKind] = mapped_column(str_enum(FeeKind))
    #: None when the amount is set elsewhere (e.g. by the provincial People's Council).
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="VND")
    description: Mapped[str | None] = mapped_column(Text)


class LegalBasis(Base):
    """A legal document governing the procedure (TT32-LV1-11)."""

    __tablename__ = "legal_basis"
    __table_args__ = (
        UniqueConstraint("procedure_id", "position"),
        CheckConstraint("number IS NOT NULL OR title IS NOT NULL", name="number_or_title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    #: Document number as written, e.g. ``60/2014/QH13``, ``123/2015/NĐ-CP``.
    number: Mapped[str | None] = mapped_column(String(100))
    issued: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)


class ProcedureChannel(Base):
    """A channel for submitting and receiving results (TT32-LV1-10), with its own details."""

    __tablename__ = "procedure_channel"
    __table_args__ = (UniqueConstraint("procedure_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(IntEnumType(Channel))
    processing_time_text: Mapped[str | None] = mapped_column(Text)
    fee_text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class FormFile(Base):
    """A downloadable form (mẫu đơn, tờ khai) of a procedure (TT32-LV1-09, TT32-LV2).

    ``sha256`` points into the file store; a form known only by its name has none.
    """

    __tablename__ = "form_file"
    __table_args__ = (UniqueConstraint("procedure_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    media_type: Mapped[str | None] = mapped_column(String(127))
    size: Mapped[int | None] = mapped_column(Integer)


class ProcedureApplicant(Base):
    """An applicant type a procedure serves (one row per type)."""

    __tablename__ = "procedure_applicant"

    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True
    )
    applicant_type: Mapped[ApplicantType] = mapped_column(
        str_enum(ApplicantType), primary_key=True, index=True
    )
