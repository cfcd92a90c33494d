"""Citizens' questions (hỏi đáp, TT22-PL3-11): asked without an account, answered by the
one-stop officers, e-mailed back, and, if the authority chooses, published (masked) or
turned into a draft FAQ entry for the editors to publish.

Questions carry no agency, so every one-stop officer sees all of them.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from portal.links import external_url
from portal.models import ContentStatus, Faq, Field, Procedure, Question, User, utcnow
from portal.services import audit, messaging
from portal.services.catalog import Page
from portal.services.content import render_markdown
from portal.services.identity import email_key
from portal.services.privacy import mask_personal
from portal.text import clean, clean_block, shorten, slugify

MAX_ANSWER = 10000
PAGE_SIZE = 20


class QuestionError(ValueError):
    """A staff action that cannot be done; the text says why."""


@dataclass(frozen=True)
class PublicQuestion:
    """A published question as the public sees it: no name, no address, data masked."""

    text: str
    answer: str
    answered_at: object
    field: Field | None
    procedure: Procedure | None


def ask(session: Session, *, name: str, text: str, email: str | None = None,
        field_id: int | None = None, procedure_id: int | None = None,
        user: User | None = None) -> Question:
    """Record a question (checked by the form)."""
    question = Question(name=clean(name) or "", email=email_key(email), text=clean_block(text),
                        field_id=field_id, procedure_id=procedure_id,
                        user_id=user.id if user else None)
    session.add(question)
    session.flush()
    return question


def inbox(session: Session, answered: bool, page: int = 1) -> tuple[Page, dict[bool, int]]:
    """One page of questions waiting for an answer (oldest first) or answered (newest
    first), and how many of each there are."""
    counts = {False: 0, True: 0}
    is_answered = Question.answered_at.is_not(None)
    for done, count in session.execute(select(is_answered, func.count()).group_by(is_answered)):
        counts[bool(done)] = count
    order = Question.answered_at.desc() if answered else Question.created_at.asc()
    page = max(1, page)
    rows = session.scalars(
        select(Question).where(is_answered if answered else Question.answered_at.is_(None))
        .options(joinedload(Question.field), joinedload(Question.procedure))
        .order_by(order, Question.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return Page(list(rows), counts[answered], page, PAGE_SIZE), counts


def answer(session: Session, question: Question, actor: User, text: str) -> None:
    """Answer (or correct the answer) and e-mail it to the asker if they gave an address."""
    text = clean_block(text) or ""
    if not text:
        raise QuestionError(_("Nhập nội dung trả lời."))
    if len(text) > MAX_ANSWER:
        raise QuestionError(_("Nội dung trả lời dài quá %(n)d ký tự.", n=MAX_ANSWER))
    question.answer, question.answered_at, question.answered_by_id = text, utcnow(), actor.id
    _record(session, "answered", question, actor)
    if question.email:
        messaging.queue_email(session, question.email, "question_answered", question=question,
                              link=_public_url())


def set_published(session: Session, question: Question, actor: User, publish: bool) -> None:
    """Show the question and its answer on the public list (masked), or take them off."""
    if publish and not question.answer:
        raise QuestionError(_("Chỉ công khai được câu hỏi đã có câu trả lời."))
    question.published = publish
    _record(session, "published" if publish else "unpublished", question, actor)


def promote(session: Session, question: Question, actor: User) -> Faq:
    """Make a draft FAQ entry of the answered question (masked, the answer rendered as
    sanitised Markdown) for the editors to review and publish; linked from the question."""
    if not question.answer:
        raise QuestionError(_("Trả lời câu hỏi trước khi đưa vào câu hỏi thường gặp."))
    if question.faq_id is not None:
        raise QuestionError(_("Câu hỏi này đã được đưa vào câu hỏi thường gặp."))
    known, names = [question.email], [question.name]
    text, reply = (mask_personal(question.text, known, names),
                   mask_personal(question.answer, known, names))
    faq = Faq(slug=_free_slug(session, text, question.id), question=text, answer=reply,
              answer_html=render_markdown(reply), field_id=question.field_id,
              status=ContentStatus.DRAFT,
              procedures=[question.procedure] if question.procedure else [])
    session.add(faq)
    session.flush()
    question.faq_id = faq.id
    _record(session, "promoted", question, actor, faq_id=faq.id)
    return faq


def _free_slug(session: Session, text: str, number: int) -> str:
    base = f"{slugify(shorten(text, 80), 80)}-{number}"
    slug, n = base, 1
    while session.scalar(select(Faq.id).where(Faq.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def public_page(session: Session, page: int = 1) -> Page:
    """Published, answered questions, newest answer first, masked (:class:`PublicQuestion`)."""
    condition = (Question.published.is_(True), Question.answer.is_not(None))
    total = session.scalar(select(func.count()).select_from(Question).where(*condition))
    page = max(1, page)
    rows = session.scalars(
        select(Question).where(*condition)
        .options(joinedload(Question.field), joinedload(Question.procedure))
        .order_by(Question.answered_at.desc(), Question.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return Page([public_view(q) for q in rows], total or 0, page, PAGE_SIZE)


def public_view(question: Question) -> PublicQuestion:
    """The question without the asker's name and address, contact details masked."""
    known, names = [question.email], [question.name]
    return PublicQuestion(mask_personal(question.text, known, names),
                          mask_personal(question.answer, known, names), question.answered_at,
                          question.field, question.procedure)


def _public_url() -> str:
    if not has_request_context():
        return "/hoi-dap/cau-hoi-cong-dan"
    return external_url("faq.citizen_questions")


def _record(session: Session, action: str, question: Question, actor: User, **details) -> None:
    audit.record(session, f"question_{action}", actor=actor, object_type="question",
                 object_id=question.id, **details)
