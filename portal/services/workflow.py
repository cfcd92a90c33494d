"""The life of a dossier: one state machine for views, command line and API (TT22-04.2).

Every change goes through :func:`apply` (or the functions built on it for supplements and
withdrawal), which refuses a transition the table does not allow, writes a
:class:`DossierEvent`, an audit entry for staff, and queues the citizen's notification.
Nothing else sets ``Dossier.status``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.db import lock_row
from portal.models import (
    Dossier,
    DossierEvent,
    DossierStatus,
    DossierVersion,
    Draft,
    SupplementRequest,
    Role,
    User,
    utcnow,
)
from portal.services import audit

S = DossierStatus
OPEN = frozenset({S.SUBMITTED, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE})


@dataclass(frozen=True)
class Action:
    """A transition: the statuses it starts from, the status it leads to (None: decided by
    the dossier, e.g. back to where a supplement was asked), and who may take it: staff
    holding one of ``roles``, or the citizen when ``roles`` is empty."""

    sources: frozenset[DossierStatus]
    target: DossierStatus | None
    roles: frozenset[Role]
    label: str
    needs_note: bool = False

    @property
    def by_staff(self) -> bool:
        return bool(self.roles)


CITIZEN: frozenset[Role] = frozenset()
DESK = frozenset({Role.RECEIVER})
HANDLERS = frozenset({Role.RECEIVER, Role.PROCESSOR, Role.APPROVER})
LEADERS = frozenset({Role.APPROVER})

ACTIONS: dict[str, Action] = {
    "submit": Action(frozenset(), S.SUBMITTED, CITIZEN, _l("Nộp hồ sơ trực tuyến")),
    "register": Action(frozenset(), S.SUBMITTED, DESK, _l("Nhận hồ sơ tại Bộ phận Một cửa")),
    "accept": Action(frozenset({S.SUBMITTED}), S.RECEIVED, DESK, _l("Tiếp nhận hồ sơ")),
    "refuse": Action(frozenset({S.SUBMITTED}), S.REFUSED, DESK,
                     _l("Từ chối tiếp nhận hồ sơ"), needs_note=True),
    "assign": Action(frozenset({S.RECEIVED}), S.PROCESSING,
                     frozenset({Role.PROCESSOR, Role.APPROVER}), _l("Chuyển xử lý")),
    "request_supplement": Action(frozenset({S.SUBMITTED, S.RECEIVED, S.PROCESSING}),
                                 S.SUPPLEMENT, HANDLERS, _l("Yêu cầu bổ sung hồ sơ"),
                                 needs_note=True),
    "answer_supplement": Action(frozenset({S.SUPPLEMENT}), None, CITIZEN,
                                _l("Công dân gửi bổ sung hồ sơ")),
    "request_fee": Action(frozenset({S.PROCESSING}), S.FEE,
                          frozenset({Role.PROCESSOR, Role.APPROVER}),
                          _l("Yêu cầu thực hiện nghĩa vụ tài chính"), needs_note=True),
    "fee_paid": Action(frozenset({S.FEE}), S.PROCESSING, HANDLERS,
                       _l("Đã thực hiện nghĩa vụ tài chính")),
    "approve": Action(frozenset({S.PROCESSING}), S.RESOLVED, LEADERS, _l("Đã xử lý xong")),
    "return_result": Action(frozenset({S.RESOLVED}), S.RETURNED, DESK, _l("Trả kết quả")),
    "withdraw": Action(OPEN, S.WITHDRAWN, CITIZEN, _l("Công dân rút hồ sơ"), needs_note=True),
    "stop": Action(frozenset({S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE}), S.STOPPED,
                   LEADERS, _l("Dừng xử lý hồ sơ"), needs_note=True),
}

#: Steps that do not change the status: (label, shown to the citizen).
NOTES: dict[str, tuple[str, bool]] = {
    "note": (_l("Ghi chú nội bộ"), False),
    "reassign": (_l("Phân công lại"), False),
    "consult": (_l("Xin ý kiến cơ quan khác"), False),
    "consult_answer": (_l("Cơ quan được hỏi trả lời"), False),
    "propose": (_l("Trình phê duyệt"), False),
    "next_step": (_l("Chuyển bước xử lý"), False),
    "return_for_rework": (_l("Trả lại để xử lý tiếp"), False),
    "extend": (_l("Gia hạn, hẹn lại ngày trả kết quả"), True),
    "result": (_l("Ban hành kết quả điện tử"), True),
    "scan": (_l("Đính kèm bản quét"), False),
}


class IllegalTransition(ValueError):
    """The action is not allowed from the dossier's status (or by this person)."""


def allowed(dossier: Dossier, action: str) -> bool:
    """True when ``action`` may be taken on ``dossier`` now."""
    return dossier.status in ACTIONS[action].sources


def record(session: Session, dossier: Dossier, action: str, *, actor: User | None,
           status_from: DossierStatus | None = None, status_to: DossierStatus | None = None,
           note: str | None = None, public: bool = True,
           at: datetime | None = None) -> DossierEvent:
    """Write an event (and, for a public one, queue the citizen's notification)."""
    from portal.services import notifications

    event = DossierEvent(dossier=dossier, action=action, status_from=status_from,
                         status_to=status_to, actor_id=actor.id if actor else None,
                         actor_label=_actor_label(dossier, actor), note=note,
                         public=public, at=at or utcnow())
    session.add(event)
    session.flush()
    if public:
        notifications.event_recorded(session, dossier, event)
    return event


def _actor_label(dossier: Dossier, actor: User | None) -> str:
    # Citizens see the office, not the officer's name; the officer is kept in actor_id.
    if actor is None:
        return ""
    if actor.is_staff:
        return (actor.agency or dossier.receiving_agency).name
    return actor.display_name or dossier.applicant_name


def apply(session: Session, dossier: Dossier, action: str, actor: User, *,
          note: str | None = None, now: datetime | None = None,
          details: dict | None = None) -> DossierEvent:
    """Take ``action`` on ``dossier``; :class:`IllegalTransition` when not allowed.
    ``details`` go to the audit entry (e.g. what changed besides the status).

    The dossier is read again under a row lock first: of two officers acting on it at
    once, the second sees what the first did (and may be refused), never a stale status.
    """
    lock_row(session, dossier)
    spec = ACTIONS[action]
    if dossier.status not in spec.sources or spec.target is None:
        raise IllegalTransition(f"{action} is not allowed from {dossier.status.name}")
    if spec.roles and not actor.has_role(*spec.roles):
        raise IllegalTransition(f"{action} needs one of {sorted(r.value for r in spec.roles)}")
    if not spec.roles and actor.is_staff:
        raise IllegalTransition(f"{action} is for the citizen")
    if spec.needs_note and not (note or "").strip():
        raise IllegalTransition(f"{action} needs a reason")
    return _move(session, dossier, action, spec.target, actor, note, now or utcnow(),
                 details)


def note(session: Session, dossier: Dossier, action: str, actor: User, text: str | None = None,
         *, now: datetime | None = None, details: dict | None = None) -> DossierEvent:
    """Record a step that does not change the status (:data:`NOTES`): an internal note, a
    consultation, a proposal, an extension… Staff steps go to the audit log too, with
    ``details`` (e.g. the due date before and after)."""
    _label, public = NOTES[action]
    if actor.is_staff:
        audit.record(session, f"dossier_{action}", actor=actor, object_type="dossier",
                     object_id=dossier.code, **(details or {}))
    return record(session, dossier, action, actor=actor, note=text, public=public, at=now)


def _move(session: Session, dossier: Dossier, action: str, target: DossierStatus,
          actor: User, note: str | None, now: datetime,
          details: dict | None = None) -> DossierEvent:
    previous = dossier.status
    dossier.status = target
    _stamp(dossier, target, now)
    if actor.is_staff:
        audit.record(session, f"dossier_{action}", actor=actor, object_type="dossier",
                     object_id=dossier.code, status_from=int(previous), status_to=int(target),
                     **(details or {}))
    return record(session, dossier, action, actor=actor, status_from=previous,
                  status_to=target, note=note, at=now)


def _stamp(dossier: Dossier, status: DossierStatus, now: datetime) -> None:
    if status is S.RECEIVED:
        dossier.accepted_at = now
    elif status is S.RESOLVED:
        dossier.resolved_at = now
        dossier.outcome = outcome(dossier, now)
    elif status is S.RETURNED:
        dossier.returned_at = now
    elif status is S.SUPPLEMENT:
        dossier.paused_since = now
    if status.closed:
        dossier.closed_at = now


def outcome(dossier: Dossier, resolved: datetime) -> str:
    """``early``, ``on_time`` or ``late`` against the due date (an extension makes it late),
    or ``no_deadline``."""
    from portal.services import workdays

    if dossier.due_date is None:
        return "no_deadline"
    day = resolved.astimezone(workdays.calendar().zone).date()
    if dossier.extended_at is not None or day > dossier.due_date:
        return "late"
    return "early" if day < dossier.due_date else "on_time"


# --- Supplements (ND61-17.1a, ND45-12) ------------------------------------------------------


def request_supplement(session: Session, dossier: Dossier, staff: User, items: list[str],
                       note: str | None = None, now: datetime | None = None
                       ) -> SupplementRequest:
    """Ask the citizen, once and in writing, for everything that is missing or wrong."""
    items = [item.strip() for item in items if item and item.strip()]
    if not items:
        raise IllegalTransition("a supplement request lists what is needed")
    request = SupplementRequest(dossier=dossier, requested_by_id=staff.id, items=items,
                                note=(note or "").strip() or None,
                                status_before=dossier.status, requested_at=now or utcnow())
    session.add(request)
    apply(session, dossier, "request_supplement", staff,
          note="\n".join(items + ([request.note] if request.note else [])), now=now)
    return request


def start_supplement(session: Session, dossier: Dossier, user: User) -> Draft:
    """The citizen's working copy for answering the open request (made once, then reused):
    the dossier's answers and files, in the same form as the first submission."""
    from portal.services import attachments, drafts

    if dossier.status is not S.SUPPLEMENT or dossier.form_spec is None:
        raise IllegalTransition("no supplement is asked for")
    existing = session.query(Draft).filter_by(dossier_id=dossier.id).first()
    if existing is not None:
        return existing
    draft, _token = drafts.start(session, dossier.form_spec, user)
    draft.data = dict(dossier.data)
    draft.dossier_id = dossier.id
    attachments.copy_to_draft(session, dossier.current_version, draft)
    session.flush()
    return draft


def answer_supplement(session: Session, dossier: Dossier, draft: Draft, user: User,
                      now: datetime | None = None) -> DossierVersion:
    """Send the amended dossier back: a new version (the old ones are kept), the same code,
    the status it had before, and the due date moved by the days spent waiting."""
    from portal.services import attachments, drafts, workdays

    request = dossier.open_supplement
    if dossier.status is not S.SUPPLEMENT or request is None or draft.dossier_id != dossier.id:
        raise IllegalTransition("no supplement is asked for")
    now = now or utcnow()
    version = DossierVersion(dossier=dossier, number=dossier.version + 1,
                             data=dict(draft.data), spec_version=draft.spec_version,
                             created_at=now, created_by_id=user.id,
                             note=str(_l("Bổ sung theo yêu cầu")))
    session.add(version)
    session.flush()
    attachments.move_to_version(session, draft, version)
    dossier.version, dossier.data = version.number, dict(draft.data)
    dossier.spec_version = draft.spec_version
    request.answered_at, request.answer_version = now, version.number
    if dossier.paused_since is not None and dossier.due_date is not None:
        calendar = workdays.for_dossier(dossier)
        waited = calendar.working_days_between(
            dossier.paused_since.astimezone(calendar.zone).date(),
            now.astimezone(calendar.zone).date())
        dossier.due_date = calendar.add_working_days(dossier.due_date, waited)
    dossier.paused_since = None
    _move(session, dossier, "answer_supplement", request.status_before, user, None, now)
    drafts.discard(session, draft)
    return version


# --- Withdrawal -------------------------------------------------------------------------------


def withdraw(session: Session, dossier: Dossier, user: User, reason: str,
             now: datetime | None = None) -> DossierEvent:
    """The citizen asks to withdraw a dossier not yet resolved (status 7)."""
    event = apply(session, dossier, "withdraw", user, note=reason.strip(), now=now)
    session.query(Draft).filter_by(dossier_id=dossier.id).delete()
    dossier.paused_since = None
    return event
