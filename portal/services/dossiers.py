"""Submitting a dossier: completeness, code, official receipt time, due date (ND45-11.1).

``submit`` turns a finished draft into a :class:`Dossier`: it checks every section of the
form and every required paper, gives the dossier its code (``TT01-19.1``: the receiving
agency's identity code, the receipt date and that agency's sequence number for the day),
computes the official receipt time and the due date in working days, keeps the answers and
files as version 1, and writes the first event. Callers start a writing transaction first
(:func:`portal.db.begin_writing`) and commit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.models import (
    Agency,
    Channel,
    Dossier,
    DossierComponent,
    DossierSequence,
    DossierStatus,
    DossierVersion,
    Draft,
    OnlineLevel,
    Procedure,
    TimeUnit,
    User,
    utcnow,
)
from portal.services import attachments, drafts, eforms, workdays, workflow
from portal.text import clean, shorten

CODE_FORMAT = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$"


class Incomplete(Exception):
    """The dossier cannot be submitted yet; ``problems`` says what is missing."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One thing to fix before submitting, and where: a form section or a component."""

    message: str
    section: str | None = None
    component_id: int | None = None


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str | None
    phone: str | None
    email: str | None
    address: str | None


# --- What a dossier needs --------------------------------------------------------------------


def needs_upload(component: DossierComponent, spec: eforms.Spec) -> bool:
    """True for a paper the citizen must attach: required, handed in (not only shown at the
    desk), and not the form they fill in online."""
    return (component.required and not component.presentation_only
            and component.position != spec.component)


def completeness(session: Session, draft: Draft, options: eforms.OptionsFn) -> list[Problem]:
    """Everything that stops ``draft`` from being submitted (empty when it is complete)."""
    from flask_babel import gettext as _, ngettext

    spec = drafts.spec_of(draft.form_spec)
    problems = []
    for section in spec.sections:
        errors = eforms.check_section(spec, section, draft.data, options)[0]
        if errors:
            problems.append(Problem(ngettext(
                "Phần “%(title)s” còn %(num)d chỗ cần sửa hoặc cần điền.",
                "Phần “%(title)s” còn %(num)d chỗ cần sửa hoặc cần điền.", len(errors),
                title=section.title), section=section.key))
    attached = attachments.by_component(attachments.of_draft(session, draft))
    for component in draft.form_spec.procedure.components:
        if needs_upload(component, spec) and not attached.get(component.id):
            problems.append(Problem(
                _("Chưa đính kèm giấy tờ: %(name)s.", name=shorten(component.name)),
                component_id=component.id))
    return problems


def result_channels(procedure: Procedure) -> list[Channel]:
    """How the result may be received: at the desk always, by post when the procedure
    allows it, online when the result is electronic (ND45-14.3) or the service is full."""
    channels = [Channel.IN_PERSON]
    if procedure.online_result or procedure.online_level is OnlineLevel.FULL:
        channels.append(Channel.ONLINE)
    if Channel.POSTAL in procedure.channel_codes:
        channels.append(Channel.POSTAL)
    return channels


# --- The applicant -------------------------------------------------------------------------


def applicant_of(spec: eforms.Spec, data: dict, user: User,
                 options: eforms.OptionsFn) -> Applicant:
    """Who applies, from the form's profile-filled fields, else from the account."""
    found: dict[str, str] = {}
    for section in spec.sections:
        for inst in eforms.instances(section, data):
            key = inst.field.autofill
            if key.startswith("profile.") and key not in found and not inst.prefix:
                value = eforms.display_value(spec, inst, data, options)
                if value:
                    found[key] = value
    profile = user.profile
    address = found.get("profile.current_address") or found.get("profile.permanent_address")
    return Applicant(
        name=found.get("profile.full_name") or (profile and profile.full_name)
        or user.display_name or "",
        id_number=found.get("profile.id_number") or (profile and profile.id_number) or None,
        phone=found.get("profile.phone") or (profile and profile.contact_phone) or user.phone,
        email=found.get("profile.email") or (profile and profile.contact_email) or user.email,
        address=address)


# --- Code, receipt time, due date ---------------------------------------------------------


def receiving_agency(session: Session, procedure: Procedure) -> Agency:
    """The one-stop desk that receives the procedure's dossiers: the nearest agency that
    receives dossiers, looking at the resolving agency, then its siblings and ancestors."""
    node = procedure.agency
    while node is not None:
        if node.receives_dossiers:
            return node
        desk = next((c for c in node.children if c.receives_dossiers), None)
        if desk is not None:
            return desk
        node = node.parent
    desk = session.scalar(select(Agency).where(Agency.receives_dossiers.is_(True))
                          .order_by(Agency.id))
    if desk is None:
        raise LookupError("no agency receives dossiers: mark the one-stop desk in the admin")
    return desk


def issue_code(session: Session, agency: Agency, day: date) -> str:
    """The next dossier code of ``agency`` for receipt day ``day`` (TT01-19.1).

    One atomic UPSERT increments the day's counter: on PostgreSQL concurrent transactions
    wait on the counter's row until the first commits, and SQLite writers are serialised,
    so two dossiers never share a number.
    """
    table = DossierSequence.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(agency_id=agency.id, day=day, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.agency_id, table.c.day],
        set_={"last": table.c.last + 1}).returning(table.c.last)
    number = session.execute(statement).scalar_one()
    if number > 9999:
        raise OverflowError(f"{agency.code}: more than 9999 dossiers on {day}")
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"


def deadline(procedure: Procedure, received: datetime, desk: Agency | None = None
             ) -> tuple[Decimal | None, date | None]:
    """The statutory time in working days and the due date, for a dossier received at
    ``received`` by ``desk`` (its calendar); (None, None) when the procedure states no time
    that can be counted."""
    calendar = workdays.calendar(desk)
    if procedure.processing_unit is TimeUnit.CALENDAR_DAY and procedure.processing_amount:
        day = calendar.counting_start(received) + timedelta(
            days=math.ceil(procedure.processing_amount))
        if not calendar.is_working_day(day):
            day = calendar.next_working_day(day)
        return None, day
    days = procedure.working_days
    if days is None:
        return None, None
    return days, calendar.due_date(received, days)


# --- Submitting --------------------------------------------------------------------------


def submit(session: Session, draft: Draft, user: User, *, result_channel: Channel,
           result_address: str | None = None, now: datetime | None = None) -> Dossier:
    """Make a dossier of a complete draft; :class:`Incomplete` when it is not complete."""
    options = drafts.options_fn(session)
    problems = completeness(session, draft, options)
    if problems:
        raise Incomplete(problems)
    form_spec, procedure = draft.form_spec, draft.form_spec.procedure
    spec = drafts.spec_of(form_spec)
    now = now or utcnow()
    desk = receiving_agency(session, procedure)
    received = workdays.calendar(desk).receipt_time(now)
    days, due = deadline(procedure, received, desk)
    applicant = applicant_of(spec, draft.data, user, options)
    dossier = Dossier(
        code=issue_code(session, desk, received.date()), procedure=procedure,
        agency=procedure.agency, receiving_agency=desk, user=user, channel=Channel.ONLINE,
        status=DossierStatus.SUBMITTED, applicant_name=applicant.name,
        applicant_id_number=applicant.id_number, applicant_phone=applicant.phone,
        applicant_email=applicant.email, applicant_address=applicant.address,
        form_spec=form_spec, spec_version=form_spec.version, data=dict(draft.data),
        version=1, result_channel=result_channel,
        result_address=clean(result_address) if result_channel is Channel.POSTAL else None,
        submitted_at=now, received_at=received, processing_days=days, due_date=due)
    session.add(dossier)
    version = DossierVersion(dossier=dossier, number=1, data=dict(draft.data),
                             spec_version=form_spec.version, created_at=now,
                             created_by_id=user.id)
    session.add(version)
    session.flush()
    attachments.move_to_version(session, draft, version)
    workflow.record(session, dossier, "submit", actor=user, status_to=DossierStatus.SUBMITTED,
                    at=now)
    drafts.discard(session, draft)
    return dossier


# --- Finding dossiers -------------------------------------------------------------------

#: The tabs of "my dossiers" (the groups citizens see on national portals).
GROUPS: dict[str, frozenset[DossierStatus]] = {
    "dang-giai-quyet": frozenset({DossierStatus.SUBMITTED, DossierStatus.RECEIVED,
                                  DossierStatus.PROCESSING, DossierStatus.FEE}),
    "can-bo-sung": frozenset({DossierStatus.SUPPLEMENT}),
    "co-ket-qua": frozenset({DossierStatus.RESOLVED, DossierStatus.RETURNED}),
    "da-dong": frozenset({DossierStatus.REFUSED, DossierStatus.WITHDRAWN,
                          DossierStatus.STOPPED}),
}


def grouped(items: list[Dossier]) -> dict[str, list[Dossier]]:
    """``items`` split into the :data:`GROUPS` (every group present, maybe empty)."""
    return {key: [d for d in items if d.status in statuses] for key, statuses in GROUPS.items()}


def owned_by(session: Session, user: User) -> list[Dossier]:
    """A citizen's dossiers, the latest first."""
    return list(session.scalars(select(Dossier).where(Dossier.user_id == user.id)
                                .order_by(Dossier.submitted_at.desc(), Dossier.id.desc())))


def find_owned(session: Session, code: str, user: User) -> Dossier | None:
    """The dossier with ``code`` if it belongs to ``user`` (None otherwise: another
    citizen's dossier is as unknown as a code that does not exist)."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None or dossier.user_id != user.id:
        return None
    return dossier
