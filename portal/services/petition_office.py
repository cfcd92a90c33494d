"""Feedback and petitions on the staff side (TT22-PL3-18): the officer's list, triage,
answer (e-mailed to the sender), publication and closing; every action is audited.

**Who sees which petition.** One nobody has triaged yet (no agency) is seen by every one-stop
officer, so the desk can triage it. Once it has an agency, only the officers of that agency
or of a unit above it (:func:`portal.services.backoffice.scope`) and its assignee see it; for
anyone else it is as unknown as a typo (404). An officer may be given a petition only within
the chosen agency's tree.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from portal.models import Agency, Petition, PetitionStatus, User, UserRole, utcnow
from portal.services import accounts, audit, backoffice, messaging
from portal.services.catalog import Page
from portal.services.petitions import normalize_code, tracking_url
from portal.text import clean_block

MAX_ANSWER = 10000


class PetitionError(ValueError):
    """A staff action that cannot be done; the text says why."""


def visible_clause(session: Session, user: User):
    """SQL condition: ``user`` may see the petition (see the module's scoping rule)."""
    return or_(Petition.agency_id.is_(None),
               Petition.agency_id.in_(backoffice.scope(session, user)),
               Petition.assignee_id == user.id)


def find(session: Session, code: str, user: User) -> Petition | None:
    """The petition with ``code`` if ``user`` may handle it, else None."""
    if not user.has_role(*backoffice.STAFF_ROLES):
        return None
    return session.scalar(select(Petition).where(
        Petition.code == normalize_code(code), visible_clause(session, user)))


def inbox(session: Session, user: User, status: PetitionStatus,
          page: int = 1) -> tuple[Page, dict[PetitionStatus, int]]:
    """One page of the officer's petitions with ``status`` (oldest first while open), and
    how many there are in each status."""
    visible = visible_clause(session, user)
    counts = dict.fromkeys(PetitionStatus, 0)
    counts.update(session.execute(select(Petition.status, func.count()).where(visible)
                                  .group_by(Petition.status)).all())
    order = (Petition.created_at.desc() if status in (PetitionStatus.ANSWERED,
                                                      PetitionStatus.CLOSED)
             else Petition.created_at.asc())
    page = max(1, page)
    rows = session.scalars(
        select(Petition).where(visible, Petition.status == status)
        .options(joinedload(Petition.agency), joinedload(Petition.procedure))
        .order_by(order, Petition.id).limit(backoffice.PAGE_SIZE)
        .offset((page - 1) * backoffice.PAGE_SIZE)).all()
    return Page(list(rows), counts[status], page, backoffice.PAGE_SIZE), counts


def _open(petition: Petition) -> None:
    if petition.status is PetitionStatus.CLOSED:
        raise PetitionError(_("Phản ánh, kiến nghị này đã đóng."))


def _record(session: Session, action: str, petition: Petition, actor: User, **details) -> None:
    audit.record(session, f"petition_{action}", actor=actor, object_type="petition",
                 object_id=petition.code, **details)


def officers(session: Session) -> list[User]:
    """Active one-stop officers, by name: who a petition can be assigned to."""
    return list(session.scalars(
        select(User).join(UserRole).where(
            UserRole.role.in_(backoffice.STAFF_ROLES), User.active.is_(True),
            User.deleted_at.is_(None))
        .options(joinedload(User.agency)).order_by(User.display_name)).unique())


def triage(session: Session, petition: Petition, actor: User, agency: Agency | None,
           assignee: User | None) -> None:
    """Give the petition to an agency and, if chosen, an officer (of that agency's tree);
    with an officer and no agency, the officer's agency."""
    _open(petition)
    if agency is None and assignee is None:
        raise PetitionError(_("Chọn đơn vị hoặc cán bộ xử lý."))
    if assignee is not None and assignee not in officers(session):
        raise PetitionError(_("Chỉ giao được cho cán bộ một cửa, chuyên viên hoặc lãnh đạo."))
    agency = agency or (assignee.agency if assignee else None)
    if assignee is not None and agency is not None and (
            assignee.agency_id not in accounts.agency_subtree_ids(session, agency)):
        raise PetitionError(_("Cán bộ %(name)s không thuộc đơn vị đã chọn.",
                              name=assignee.display_name))
    petition.agency = agency
    petition.assignee_id = assignee.id if assignee else None
    if petition.status is PetitionStatus.NEW:  # triaged: now the agency's to handle
        petition.status = PetitionStatus.ASSIGNED
    _record(session, "assigned", petition, actor, agency=agency.code if agency else None,
            assignee_id=assignee.id if assignee else None)


def answer(session: Session, petition: Petition, actor: User, text: str) -> None:
    """Answer the petition (or correct the answer) and e-mail it to the sender."""
    _open(petition)
    text = clean_block(text) or ""
    if not text:
        raise PetitionError(_("Nhập nội dung trả lời."))
    if len(text) > MAX_ANSWER:
        raise PetitionError(_("Nội dung trả lời dài quá %(n)d ký tự.", n=MAX_ANSWER))
    petition.answer, petition.answered_at, petition.answered_by_id = text, utcnow(), actor.id
    petition.status = PetitionStatus.ANSWERED
    _record(session, "answered", petition, actor)
    if petition.email:
        messaging.queue_email(session, petition.email, "petition_answered", petition=petition,
                              tracking=tracking_url(petition))


def set_published(session: Session, petition: Petition, actor: User, publish: bool) -> None:
    """Show the question and answer on the public list (masked), or take them off it."""
    if publish and not petition.answer:
        raise PetitionError(_("Chỉ công khai được phản ánh, kiến nghị đã có câu trả lời."))
    petition.published = publish
    petition.published_at = utcnow() if publish else None
    _record(session, "published" if publish else "unpublished", petition, actor)


def close(session: Session, petition: Petition, actor: User) -> None:
    """Close the petition: handled (or not to be handled: a duplicate, a test)."""
    _open(petition)
    petition.status = PetitionStatus.CLOSED
    _record(session, "closed", petition, actor)
