"""Demonstration dossiers of the demo citizen, one in each state of the one-stop process, so
that "Hồ sơ của tôi" and the back office have something to show (``flask seed-demo``).

They are made the way real ones are: a draft filled with valid sample answers, submitted,
then moved on by the demo officers through the same services as the pages use, at times
spread over the last weeks. The notifications they would have sent are dropped.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.models import (
    Channel,
    Dossier,
    FormSpec,
    OutboundMessage,
    Procedure,
    User,
    utcnow,
)
from portal.services import dossiers, drafts, office, sample_answers, workdays, workflow

#: (procedure, working days ago it was sent, what happened next)
SCENARIOS = (
    ("1.004873", 0, ()),
    ("1.001612", 0, ("accept",)),
    ("1.004873", 1, ("accept", "assign")),
    ("1.001612", 2, ("accept", "assign", "propose")),  # due within a working day
    ("1.004873", 1, ("accept", "assign", "supplement")),
    ("1.001612", 1, ("accept", "assign", "fee")),
    ("1.004873", 2, ("accept", "assign", "propose", "approve")),
    ("1.000894", 12, ("accept", "assign", "propose", "approve", "return")),
    ("1.004873", 9, ("refuse",)),
    ("1.001612", 8, ("accept", "assign")),  # overdue
)


def seed(session: Session) -> int:
    """Create the demo dossiers unless there are dossiers already; return how many."""
    if session.scalar(select(func.count()).select_from(Dossier)):
        return 0
    people = {u.email: u for u in session.scalars(select(User).where(User.email.in_((
        "congdan@demo.local", "motcua@demo.local", "chuyenvien@demo.local",
        "lanhdao@demo.local"))))}
    if len(people) < 4:
        return 0
    calendar = workdays.calendar()
    made = 0
    for number, (code, days_ago, steps) in enumerate(SCENARIOS):
        day = calendar.subtract_working_days(calendar.today(), days_ago)
        sent = datetime.combine(day, datetime.min.time(), calendar.zone) + timedelta(hours=8)
        dossier = _submit(session, code, people["congdan@demo.local"], sent, number)
        if dossier is not None:
            _advance(session, dossier, steps, people, sent)
            made += 1
    session.execute(delete(OutboundMessage).where(OutboundMessage.dossier_id.is_not(None)))
    session.flush()
    return made


def _submit(session: Session, code: str, citizen: User, sent: datetime, seed: int):
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    form_spec = procedure and session.scalar(
        select(FormSpec).where(FormSpec.procedure_id == procedure.id))
    if form_spec is None:
        return None
    draft, _token = drafts.start(session, form_spec, citizen)
    draft.data = sample_answers.fill(drafts.spec_of(form_spec), drafts.options_fn(session),
                                     draft.data, seed=seed)
    return dossiers.submit(session, draft, citizen, result_channel=Channel.ONLINE,
                           now=min(sent, utcnow()))


def _advance(session: Session, dossier: Dossier, steps, people: dict, sent: datetime) -> None:
    desk, officer = people["motcua@demo.local"], people["chuyenvien@demo.local"]
    leader = people["lanhdao@demo.local"]
    actions = {
        "accept": lambda at: office.accept(session, dossier, desk, now=at),
        "refuse": lambda at: office.refuse(
            session, dossier, desk, "Hồ sơ nộp nhầm thủ tục (dữ liệu minh họa).", now=at),
        "assign": lambda at: office.assign(session, dossier, leader, officer, now=at),
        "propose": lambda at: office.propose(
            session, dossier, officer, "Đồng ý giải quyết theo đề nghị (dữ liệu minh họa).",
            now=at),
        "supplement": lambda at: workflow.request_supplement(
            session, dossier, officer,
            ["Bản chụp giấy tờ tùy thân rõ nét hơn (dữ liệu minh họa)"], now=at),
        "fee": lambda at: office.request_fee(session, dossier, officer, "100.000",
                                             "Lệ phí đăng ký", now=at),
        "approve": lambda at: office.approve(session, dossier, leader, now=at),
        "return": lambda at: office.return_result(session, dossier, desk, Channel.ONLINE,
                                                  now=at),
    }
    for index, step in enumerate(steps, start=1):
        actions[step](min(sent + timedelta(hours=index), utcnow()))
