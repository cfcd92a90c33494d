"""Consultation surveys (khảo sát ý kiến, TT22-PL3-11): what editors do with them.

A survey is a draft until published; once published it is *upcoming* before ``opens_at``,
*open* until ``closes_at`` and *closed* afterwards (its results become public). Every change
keeps a revision of the whole survey (``services.revisions``, kind ``survey``) and an audit
entry. Once anyone has answered, the questions (``survey_questions``) are frozen, so that
every response was given to the same questions; the title, introduction and dates may still
change. Functions never commit. Answering lives in ``survey_answers``, counting in
``survey_results``.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.models import Survey, SurveyResponse, User, utcnow
from portal.services import audit, revisions
from portal.services.content import render_markdown
from portal.text import clean, nfc, slugify

# Audit actions (kept here: the audit module lists the older areas' actions).
SURVEY_CREATED = "survey_created"
SURVEY_UPDATED = "survey_updated"
SURVEY_PUBLISHED = "survey_published"
SURVEY_CLOSED = "survey_closed"
REVISION_KIND = "survey"
#: Closed surveys stay on the public list (with their results) this many days.
RECENT_DAYS = 365


class State(str, enum.Enum):
    """Where a survey is in its life (derived from ``published`` and the dates)."""

    DRAFT = "draft"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    State.DRAFT: _l("Bản nháp"),
    State.UPCOMING: _l("Sắp mở"),
    State.OPEN: _l("Đang lấy ý kiến"),
    State.CLOSED: _l("Đã kết thúc"),
}


class SurveyError(ValueError):
    """A change that cannot be made, with the reason and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class SurveyData:
    """A survey's editable texts and dates (aware UTC datetimes)."""

    title: str
    intro: str
    opens_at: datetime
    closes_at: datetime
    requires_account: bool


def state_of(survey: Survey, now: datetime | None = None) -> State:
    """The survey's state at ``now`` (the current time by default)."""
    now = now or utcnow()
    if not survey.published:
        return State.DRAFT
    if survey.opens_at is not None and now < survey.opens_at:
        return State.UPCOMING
    if survey.closes_at is not None and now >= survey.closes_at:
        return State.CLOSED
    return State.OPEN


# --- Reading ---------------------------------------------------------------------------------


def all_surveys(session: Session) -> list[tuple[Survey, int]]:
    """Every survey, newest first, with its number of responses (editors' list)."""
    counts = (select(SurveyResponse.survey_id, func.count().label("n"))
              .group_by(SurveyResponse.survey_id).subquery())
    rows = session.execute(select(Survey, func.coalesce(counts.c.n, 0))
                           .outerjoin(counts, counts.c.survey_id == Survey.id)
                           .order_by(Survey.created_at.desc(), Survey.id.desc()))
    return [(survey, count) for survey, count in rows]


def public_surveys(session: Session, now: datetime | None = None) -> dict[State, list[Survey]]:
    """Published surveys by state: open, upcoming and those closed in the last year."""
    now = now or utcnow()
    query = select(Survey).where(Survey.published.is_(True), or_(
        Survey.closes_at.is_(None), Survey.closes_at >= now - timedelta(days=RECENT_DAYS)))
    groups: dict[State, list[Survey]] = {State.OPEN: [], State.UPCOMING: [], State.CLOSED: []}
    for survey in session.scalars(query.order_by(Survey.closes_at.desc(), Survey.id.desc())):
        groups[state_of(survey, now)].append(survey)
    groups[State.OPEN].reverse()  # the one closing soonest first
    return groups


def by_slug(session: Session, slug: str) -> Survey | None:
    return session.scalar(select(Survey).where(Survey.slug == slug))


def response_count(session: Session, survey: Survey) -> int:
    return session.scalar(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id)) or 0


def questions_locked(session: Session, survey: Survey) -> bool:
    """True once someone has answered: the questions may no longer change."""
    return response_count(session, survey) > 0


def locked_reason(count: int) -> str:
    """Why the questions can no longer change (shown on the editor's page)."""
    return _("Khảo sát đã có %(n)d câu trả lời nên không thể thêm, sửa, xóa hay đổi thứ tự "
             "câu hỏi: mọi người phải trả lời cùng một bộ câu hỏi thì kết quả mới đúng. "
             "Bạn vẫn có thể sửa tiêu đề, lời giới thiệu và thời gian.", n=count)


def snapshot(survey: Survey) -> dict:
    """The survey and its questions as JSON-ready data (what a revision keeps)."""
    return {
        "title": survey.title, "slug": survey.slug, "intro": survey.intro,
        "opens_at": survey.opens_at.isoformat() if survey.opens_at else None,
        "closes_at": survey.closes_at.isoformat() if survey.closes_at else None,
        "published": survey.published, "requires_account": survey.requires_account,
        "questions": [{"kind": q.kind, "text": q.text, "required": q.required,
                       "options": list(q.options), "scale_min": q.scale_min,
                       "scale_max": q.scale_max} for q in survey.questions],
    }


# --- The survey itself -----------------------------------------------------------------------


def create(session: Session, data: SurveyData, editor: User, address: str | None) -> Survey:
    """A new draft survey, its address made from its title."""
    _check_dates(data)
    survey = Survey(slug=free_slug(session, data.title), published=False)
    _apply(survey, data)
    session.add(survey)
    session.flush()
    record_change(session, survey, SURVEY_CREATED, editor, address, _("tạo mới"))
    return survey


def update(session: Session, survey: Survey, data: SurveyData, editor: User,
           address: str | None) -> None:
    """Change the texts and dates (allowed at any time; the questions are separate)."""
    _check_dates(data)
    _apply(survey, data)
    record_change(session, survey, SURVEY_UPDATED, editor, address, _("sửa"))


def set_published(session: Session, survey: Survey, published: bool, editor: User,
                  address: str | None) -> None:
    """Publish (at least one question needed) or withdraw a survey."""
    if published and not survey.questions:
        raise SurveyError(_("Thêm ít nhất một câu hỏi trước khi xuất bản."))
    survey.published = published
    if published:
        record_change(session, survey, SURVEY_PUBLISHED, editor, address, _("xuất bản"))
    else:
        record_change(session, survey, SURVEY_UPDATED, editor, address, _("ngừng xuất bản"))


def close_now(session: Session, survey: Survey, editor: User, address: str | None) -> None:
    """End an open survey now; its results become public."""
    if state_of(survey) is not State.OPEN:
        raise SurveyError(_("Chỉ đóng được khảo sát đang lấy ý kiến."))
    survey.closes_at = utcnow()
    record_change(session, survey, SURVEY_CLOSED, editor, address, _("đóng khảo sát"))


def free_slug(session: Session, title: str) -> str:
    """An address made from ``title`` that no other survey uses (``-2``, ``-3``…)."""
    base = slugify(title, max_length=100)
    slug, number = base, 2
    while session.scalar(select(Survey.id).where(Survey.slug == slug)) is not None:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _check_dates(data: SurveyData) -> None:
    if data.closes_at <= data.opens_at:
        raise SurveyError(_("Thời điểm kết thúc phải sau thời điểm bắt đầu."), "closes_at")


def _apply(survey: Survey, data: SurveyData) -> None:
    survey.title = clean(data.title) or ""
    survey.intro = nfc(data.intro or "").strip()
    survey.intro_html = render_markdown(survey.intro)
    survey.opens_at, survey.closes_at = data.opens_at, data.closes_at
    survey.requires_account = data.requires_account


def record_change(session: Session, survey: Survey, action: str, editor: User,
                  address: str | None, note: str) -> None:
    """Keep a revision of the whole survey and an audit entry for a change."""
    session.flush()
    revisions.record(session, REVISION_KIND, survey.id, snapshot(survey), editor, note)
    audit.record(session, action, actor=editor, object_type="survey", object_id=survey.id,
                 address=address, title=survey.title, note=note)
