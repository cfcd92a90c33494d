"""What citizens tell the authority (issue 9): satisfaction ratings (TT32-12), feedback and
petitions (PAKN, TT22-PL3-18, QĐ31-43.2), questions (TT22-PL3-11), consultation surveys,
and the anonymous page-view counts (TT22-PL3-14)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, UTCDateTime, utcnow
from portal.models.catalog import Agency, Field, Procedure
from portal.models.types import IntEnumType, str_enum


class RatingLevel(enum.IntEnum):
    """The three levels of TT32-12.1: nothing else is offered."""

    VERY_SATISFIED = 1
    SATISFIED = 2
    UNSATISFIED = 3

    @property
    def label(self) -> str:
        return str(RATING_LABELS[self])


RATING_LABELS = {
    RatingLevel.VERY_SATISFIED: _l("Rất hài lòng"),
    RatingLevel.SATISFIED: _l("Hài lòng"),
    RatingLevel.UNSATISFIED: _l("Chưa hài lòng"),
}


class Rating(TimestampMixin, Base):
    """The citizen's satisfaction with a returned dossier: overall (required) and, if they
    wish, convenience, timeliness and staff attitude; one per dossier, editable 30 days."""

    __tablename__ = "rating"
    __table_args__ = (
        # TT32-12.1c: exactly the three levels, enforced by the database too.
        CheckConstraint("overall BETWEEN 1 AND 3", name="overall_level"),
        CheckConstraint("convenience IS NULL OR convenience BETWEEN 1 AND 3",
                        name="convenience_level"),
        CheckConstraint("timeliness IS NULL OR timeliness BETWEEN 1 AND 3",
                        name="timeliness_level"),
        CheckConstraint("attitude IS NULL OR attitude BETWEEN 1 AND 3", name="attitude_level"),
        Index("ix_rating_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Copied from the dossier so that statistics need no join.
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedure.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="SET NULL"))
    overall: Mapped[RatingLevel] = mapped_column(IntEnumType(RatingLevel))
    convenience: Mapped[RatingLevel | None] = mapped_column(IntEnumType(RatingLevel))
    timeliness: Mapped[RatingLevel | None] = mapped_column(IntEnumType(RatingLevel))
    attitude: Mapped[RatingLevel | None] = mapped_column(IntEnumType(RatingLevel))
    comment: Mapped[str | None] = mapped_column(Text)


class PetitionStatus(str, enum.Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    CLOSED = "closed"


class PetitionChannel(str, enum.Enum):
    """How the feedback arrived (QĐ31-43.2: letters, calls and e-mails are entered too)."""

    WEB = "web"
    PHONE = "phone"
    LETTER = "letter"
    EMAIL = "email"
    IN_PERSON = "in_person"


class Petition(TimestampMixin, Base):
    """A piece of feedback or a petition (phản ánh, kiến nghị) and the authority's answer."""

    __tablename__ = "petition"
    __table_args__ = (Index("ix_petition_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``PAKN-YYMMDD-XXXX``, given to the sender to follow it.
    code: Mapped[str] = mapped_column(String(30), unique=True)
    channel: Mapped[PetitionChannel] = mapped_column(str_enum(PetitionChannel))
    status: Mapped[PetitionStatus] = mapped_column(
        str_enum(PetitionStatus), default=PetitionStatus.NEW)
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    procedure_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure.id", ondelete="SET NULL"))
    dossier_code: Mapped[str | None] = mapped_column(String(40))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="SET NULL"))
    #: The sender (kept private: never shown publicly).
    name: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Files sent with it: [{"sha256", "filename", "media_type", "size"}].
    files: Mapped[list] = mapped_column(JSON, default=list)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    #: The authority chose to publish the question and answer (personal data left out).
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    procedure: Mapped[Procedure | None] = relationship()
    agency: Mapped[Agency | None] = relationship()


class Question(TimestampMixin, Base):
    """A citizen's question (hỏi đáp) and the staff's answer, which may become a FAQ entry."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    field_id: Mapped[int | None] = mapped_column(ForeignKey("field.id", ondelete="SET NULL"))
    procedure_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    faq_id: Mapped[int | None] = mapped_column(ForeignKey("faq.id", ondelete="SET NULL"))

    field: Mapped[Field | None] = relationship()
    procedure: Mapped[Procedure | None] = relationship()


class Survey(TimestampMixin, Base):
    """A consultation survey (khảo sát) open between two dates."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    intro: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_account: Mapped[bool] = mapped_column(Boolean, default=False)

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position",
        cascade="all, delete-orphan")


class SurveyQuestion(Base):
    """A question of a survey: ``single``, ``multiple`` (choices), ``scale`` or ``text``."""

    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("survey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    scale_min: Mapped[int] = mapped_column(Integer, default=1)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyResponse(Base):
    """One person's answers to a survey. ``voter`` is a keyed hash (of the account, or of a
    random token kept in the browser): one response each, and no identity stored."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"),
                                           index=True)
    voter: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: question id (as text) → the answer: a string, or a list for multiple choice.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)


class PageView(Base):
    """Page views per page and day (TT22-PL3-14): a counter, nothing about the visitor."""

    __tablename__ = "page_view"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: The page's route ("/thu-tuc/<code>" is counted per procedure: its real path).
    path: Mapped[str] = mapped_column(String(255), primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
