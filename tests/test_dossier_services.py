"""Dossier services: codes under concurrency (TT01-19.1), deadlines across Tết and swapped
Saturdays, the state machine (TT22-04.2), public tracking (TT22-PL3-17), sample answers."""
from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.db import begin_writing
from portal.extensions import db
from portal.models import (
    Agency,
    Channel,
    Dossier,
    DossierEvent,
    DossierStatus,
    DossierVersion,
    FormSpec,
    Procedure,
    TimeUnit,
    User,
)
from portal.services import dossiers, drafts, eforms, sample_answers, tracking, workflow

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DESK = "000.01.99.H49"


def _desk() -> Agency:
    return db.session.scalar(select(Agency).where(Agency.code == DESK))


# --- Codes ------------------------------------------------------------------------------


@pytest.mark.dates
def test_codes_follow_tt01_and_restart_each_day(app, demo):
    with app.app_context():
        desk = _desk()
        first = dossiers.issue_code(db.session, desk, date(2026, 11, 23))
        second = dossiers.issue_code(db.session, desk, date(2026, 11, 23))
        next_day = dossiers.issue_code(db.session, desk, date(2026, 11, 25))
        other = db.session.scalar(select(Agency).where(Agency.code == "000.02.99.H49"))
        other_desk = dossiers.issue_code(db.session, other, date(2026, 11, 23))
    assert (first, second) == (f"{DESK}-261123-0001", f"{DESK}-261123-0002")
    assert next_day == f"{DESK}-261125-0001"
    assert other_desk == "000.02.99.H49-261123-0001"


def test_concurrent_receipts_never_share_a_code(app, demo):
    """TT01-19.1: 40 receipts at once (threads, each its own session and transaction) get
    40 different, sequential numbers, on SQLite and PostgreSQL."""
    with app.app_context():
        desk_id = _desk().id
    codes, errors = [], []
    start = threading.Barrier(8)

    def receive(count: int) -> None:
        try:
            start.wait()
            for _ in range(count):
                with app.app_context():
                    begin_writing(db.session)
                    code = dossiers.issue_code(db.session, db.session.get(Agency, desk_id),
                                               date(2026, 11, 23))
                    db.session.commit()
                    codes.append(code)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=receive, args=(5,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(codes) == [f"{DESK}-261123-{n:04d}" for n in range(1, 41)]


def _citizen() -> User:
    return db.session.scalar(select(User).where(User.email == "congdan@demo.local"))


def _draft_for(code: str, seed: int = 0):
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == code))
    form_spec = db.session.scalar(select(FormSpec).where(FormSpec.procedure_id == procedure.id))
    draft, _token = drafts.start(db.session, form_spec, _citizen())
    draft.data = sample_answers.fill(drafts.spec_of(form_spec), drafts.options_fn(db.session),
                                     draft.data, seed=seed)
    return draft


def test_concurrent_submissions_of_whole_dossiers_get_distinct_codes(app, demo):
    with app.test_request_context():
        draft_ids = [_draft_for("1.004873", seed).id for seed in range(6)]
        db.session.commit()
    codes, errors = [], []
    start = threading.Barrier(len(draft_ids))

    def send(draft_id: int) -> None:
        try:
            with app.test_request_context():
                start.wait()
                begin_writing(db.session)
                draft = db.session.get(dossiers.Draft, draft_id)
                dossier = dossiers.submit(db.session, draft, _citizen(),
                                          result_channel=Channel.IN_PERSON)
                db.session.commit()
                codes.append(dossier.code)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in draft_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(set(codes)) == len(draft_ids)
    assert sorted(int(code[-4:]) for code in codes) == list(range(1, len(draft_ids) + 1))


# --- Deadlines ------------------------------------------------------------------------------


@pytest.mark.parametrize("sent, amount, unit, due", [
    # 5 working days from Friday 13/02/2026: the Tết week (16–20/02) does not count.
    (datetime(2026, 2, 13, 10, 0, tzinfo=HANOI), 5, TimeUnit.WORKING_DAY, date(2026, 2, 27)),
    # Saturday 22/08/2026 is a working day (swapped for Monday 31/08): received that day.
    (datetime(2026, 8, 22, 9, 30, tzinfo=HANOI), 1, TimeUnit.WORKING_DAY, date(2026, 8, 24)),
    # 2 working days from Friday 28/08: 31/08 is off, 1–2/09 are National Day.
    (datetime(2026, 8, 28, 9, 0, tzinfo=HANOI), 2, TimeUnit.WORKING_DAY, date(2026, 9, 4)),
    # 30/04 and 01/05/2026 (Thursday, Friday) are holidays.
    (datetime(2026, 4, 29, 9, 0, tzinfo=HANOI), 1, TimeUnit.WORKING_DAY, date(2026, 5, 4)),
    # 16 working hours are 2 working days; 24/11 is worked (HOL-2026: not a holiday by law).
    (datetime(2026, 11, 23, 9, 0, tzinfo=HANOI), 16, TimeUnit.WORKING_HOUR, date(2026, 11, 25)),
    # 13 calendar days end on Sunday 06/12: due the next working day.
    (datetime(2026, 11, 23, 9, 0, tzinfo=HANOI), 13, TimeUnit.CALENDAR_DAY, date(2026, 12, 7)),
])
def test_deadlines_in_working_days(app, sent, amount, unit, due):
    procedure = Procedure(code="x", name="x", processing_amount=Decimal(amount),
                          processing_unit=unit)
    with app.app_context():
        received = dossiers.workdays.calendar().receipt_time(sent)
        assert dossiers.deadline(procedure, received)[1] == due


def test_a_procedure_without_a_countable_time_has_no_due_date(app):
    with app.app_context():
        now = datetime(2026, 11, 23, 9, 0, tzinfo=HANOI)
        assert dossiers.deadline(Procedure(code="x", name="x"), now) == (None, None)


def test_waiting_for_a_supplement_moves_the_due_date(app, demo):
    """The clock stops while the citizen supplements: Friday 13/02 to Monday 23/02/2026
    (Tết in between) is one working day, so the due date moves by one."""
    with app.test_request_context():
        draft = _draft_for("1.004873")
        dossier = dossiers.submit(db.session, draft, _citizen(), result_channel=Channel.ONLINE,
                                  now=datetime(2026, 2, 12, 9, 0, tzinfo=HANOI))
        assert dossier.due_date == date(2026, 2, 24)  # 3 working days, Tết excluded
        staff = db.session.scalar(select(User).where(User.email == "motcua@demo.local"))
        workflow.request_supplement(db.session, dossier, staff, ["Ảnh chân dung"],
                                    now=datetime(2026, 2, 13, 9, 0, tzinfo=HANOI))
        working_copy = workflow.start_supplement(db.session, dossier, _citizen())
        workflow.answer_supplement(db.session, dossier, working_copy, _citizen(),
                                   now=datetime(2026, 2, 23, 9, 0, tzinfo=HANOI))
        assert dossier.due_date == date(2026, 2, 25)
        assert dossier.status is DossierStatus.SUBMITTED and dossier.version == 2


@pytest.mark.parametrize("sent, asked, answered, due_before, due_after", [
    # 30/04 and 01/05/2026 are holidays: 3 working days from Tuesday 28/04 end on 05/05;
    # waiting from 29/04 to 04/05 costs one working day (04/05).
    (datetime(2026, 4, 28, 9, 0), datetime(2026, 4, 29, 9, 0), datetime(2026, 5, 4, 9, 0),
     date(2026, 5, 5), date(2026, 5, 6)),
    # National Day: 31/08 (swapped) and 01–02/09/2026 are off; from Friday 28/08, 3 working
    # days end on 07/09; waiting from 28/08 to 03/09 costs one working day (03/09).
    (datetime(2026, 8, 28, 9, 0), datetime(2026, 8, 28, 10, 0), datetime(2026, 9, 3, 9, 0),
     date(2026, 9, 7), date(2026, 9, 8)),
    # Waiting over Tết Bính Ngọ (16–20/02/2026) costs only the working days around it.
    (datetime(2026, 2, 11, 9, 0), datetime(2026, 2, 12, 9, 0), datetime(2026, 2, 24, 9, 0),
     date(2026, 2, 23), date(2026, 2, 26)),
])
def test_deadlines_pause_while_the_citizen_supplements(app, demo, sent, asked, answered,
                                                       due_before, due_after):
    with app.test_request_context():
        dossier = dossiers.submit(db.session, _draft_for("1.004873"), _citizen(),
                                  result_channel=Channel.ONLINE,
                                  now=sent.replace(tzinfo=HANOI))
        assert dossier.due_date == due_before
        staff = db.session.scalar(select(User).where(User.email == "motcua@demo.local"))
        workflow.request_supplement(db.session, dossier, staff, ["Giấy tờ còn thiếu"],
                                    now=asked.replace(tzinfo=HANOI))
        assert dossier.paused_since is not None
        copy = workflow.start_supplement(db.session, dossier, _citizen())
        workflow.answer_supplement(db.session, dossier, copy, _citizen(),
                                   now=answered.replace(tzinfo=HANOI))
        assert dossier.due_date == due_after and dossier.paused_since is None


# --- The state machine ---------------------------------------------------------------------

ACTIONS = sorted(a for a in workflow.ACTIONS if a not in ("submit", "answer_supplement"))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(ACTIONS + ["supplement_round_trip"]), max_size=12))
def test_random_actions_never_reach_an_illegal_state(app, demo, actions):
    """Whatever is tried (each staff action by an officer holding its role), a dossier only
    moves along the table, and every move writes one event; refused actions change
    nothing."""
    with app.test_request_context():
        dossier = dossiers.submit(db.session, _draft_for("1.004873"), _citizen(),
                                  result_channel=Channel.IN_PERSON)
        staff = db.session.scalar(select(User).where(User.email == "motcua@demo.local"))
        for action in actions:
            before, events = dossier.status, len(dossier.events)
            try:
                _try(dossier, action, staff)
            except workflow.IllegalTransition:
                assert dossier.status is before and len(dossier.events) == events
                continue
            assert len(dossier.events) > events
            last = dossier.events[-1]
            assert last.status_from is before and last.status_to is dossier.status
            if action in workflow.ACTIONS:
                assert before in workflow.ACTIONS[action].sources
            assert (dossier.closed_at is not None) == dossier.status.closed
        db.session.rollback()


def _try(dossier: Dossier, action: str, staff: User) -> None:
    if action == "supplement_round_trip":
        if dossier.status is not DossierStatus.SUPPLEMENT:
            workflow.request_supplement(db.session, dossier, staff, ["Giấy tờ còn thiếu"])
            return
        working_copy = workflow.start_supplement(db.session, dossier, _citizen())
        workflow.answer_supplement(db.session, dossier, working_copy, _citizen())
        return
    roles = workflow.ACTIONS[action].roles
    actor = next((u for u in _officers() if u.has_role(*roles)), None) if roles else _citizen()
    workflow.apply(db.session, dossier, action, actor, note="Lý do")


def _officers() -> list[User]:
    """The demo receiver, processor and approver."""
    return list(db.session.scalars(select(User).where(User.email.in_(
        ("motcua@demo.local", "chuyenvien@demo.local", "lanhdao@demo.local")))))


def test_citizens_cannot_take_staff_actions_and_reasons_are_required(app, demo):
    with app.test_request_context():
        dossier = dossiers.submit(db.session, _draft_for("1.004873"), _citizen(),
                                  result_channel=Channel.IN_PERSON)
        with pytest.raises(workflow.IllegalTransition):
            workflow.apply(db.session, dossier, "accept", _citizen())
        staff = db.session.scalar(select(User).where(User.email == "motcua@demo.local"))
        with pytest.raises(workflow.IllegalTransition):
            workflow.apply(db.session, dossier, "refuse", staff, note=" ")
        with pytest.raises(workflow.IllegalTransition):
            workflow.request_supplement(db.session, dossier, staff, ["", "  "])
        workflow.apply(db.session, dossier, "accept", staff)
        assert dossier.accepted_at is not None
        from portal.models import AuditEvent

        audit = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "dossier_accept"))
        assert audit.object_id == dossier.code and audit.actor_id == staff.id
        assert db.session.scalar(select(func.count()).select_from(DossierEvent)) == 2
        assert db.session.scalar(select(func.count()).select_from(DossierVersion)) == 1


# --- Tracking -------------------------------------------------------------------------------


def test_tracking_needs_the_right_second_factor(app, demo):
    with app.test_request_context():
        dossier = dossiers.submit(db.session, _draft_for("1.004873"), _citizen(),
                                  result_channel=Channel.IN_PERSON)
        dossier.applicant_phone, dossier.applicant_id_number = "0912345678", "022190012345"
        db.session.flush()
        code = dossier.code
        assert tracking.lookup(db.session, code, "5678") is dossier
        assert tracking.lookup(db.session, code.lower(), " 56 78 ") is dossier
        assert tracking.lookup(db.session, code, "022190012345") is dossier
        for factor in ("1234", "678", "0912345678", "022190012346", "", "abcd"):
            assert tracking.lookup(db.session, code, factor) is None
        assert tracking.lookup(db.session, code[:-1] + "9", "5678") is None
        dossier.applicant_phone = None
        assert tracking.lookup(db.session, code, "\0\0\0\0") is None


# --- Sample answers --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_sample_answers_are_valid_for_every_shipped_form(app, demo, seed):
    with app.test_request_context():
        options = drafts.options_fn(db.session)
        for form_spec in db.session.scalars(select(FormSpec)):
            spec = drafts.spec_of(form_spec)
            data = sample_answers.fill(spec, options, seed=seed)
            for section in spec.sections:
                assert eforms.check_section(spec, section, data, options)[0] == {}, (
                    form_spec.procedure.code, section.key)
