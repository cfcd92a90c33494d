"""Background work: jobs and the outbox sender, claimed safely by any number of runners.

Two kinds of work wait in the database until a runner takes them: **jobs**
(:class:`~portal.models.Job`, done by a function registered with :func:`handler`, their
progress shown by ``components/_job_status.html``) and **outbound messages** (e-mail, SMS,
queued by :mod:`portal.services.messaging`).

A runner *claims* a row with a conditional ``UPDATE … SET attempts = :seen + 1 WHERE id =
:id AND attempts = :seen AND <still claimable>``: only one runner's UPDATE can match, on
SQLite and PostgreSQL alike and without table locks, so any number of runners (threads,
processes, hosts) may run at once. The new ``attempts`` is the runner's token: each later
write about the row checks it, so a runner whose claim was taken over (it gave no sign of
life for ``JOBS_STALE_SECONDS``) can no longer change the row. Each job and each message
has its own transactions; those that write the row start with the write, so that SQLite
takes its write lock at once instead of failing to turn a read into a write.

``JOBS_RUNNER`` says who runs them (:mod:`portal.services.runners`): ``thread`` (a daemon
thread in each web process), ``worker`` (``flask jobs worker``) or ``inline`` (in the
request, for the tests). Views call :func:`kick` after committing work they queued.

Delivery is at least once: a runner killed after the mail server took a message, but before
recording it, sends it again once its claim is stale.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Job, JobStatus, OutboundMessage, Role, User, utcnow
from portal.services import messaging

log = logging.getLogger("portal.jobs")

#: Minutes before the next try after the 1st, 2nd, … failure (the last value repeats).
RETRY_MINUTES = (1, 5, 15, 60, 180, 360, 720, 1440, 1440)
#: A message is tried this many times, then kept unsent with its last error.
MESSAGE_MAX_ATTEMPTS = 10
#: Candidates read per query, then claimed one by one.
BATCH = 10


class Progress(Protocol):
    """Records a job's progress (0–100) and what it is doing, and commits."""

    def __call__(self, percent: int, text: str | None = None) -> None: ...


Handler = Callable[[Session, Job, Progress], dict[str, Any] | None]
StopCheck = Callable[[], bool]
_HANDLERS: dict[str, Handler] = {}
#: True while this thread runs pending work: an inline kick() from a handler does nothing.
_RUNNING: ContextVar[bool] = ContextVar("portal_jobs_running", default=False)


class JobFailed(Exception):
    """Raised by a handler for a failure no retry can fix; its text is shown to the owner."""


class ClaimLost(Exception):
    """Another runner took the job over (this one had given no sign of life for too long)."""


class Tally(NamedTuple):
    """How many items a pass took, and how many of them succeeded."""

    processed: int
    succeeded: int


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``fn(session, job, progress)`` as the handler of jobs of ``kind``.

    The handler returns a JSON-able dict, kept as ``job.result`` (its ``message`` and ``url``
    are shown on the status page), or None. ``progress(percent, text)`` records progress,
    tells other runners the job is alive and **commits the session**: what the handler did
    before is kept even if it fails later, so handlers must be safe to run again. Call it at
    least every ``JOBS_STALE_SECONDS`` (better: every second or so), or another runner takes
    the job over. Raise :class:`JobFailed` for a failure retrying cannot fix (its text is
    shown to the owner); any other exception is logged and the job retried.
    """
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn
    return register


#: Tasks every runner does now and then (publishing what was scheduled…), each at most
#: once per ``PERIODIC_SECONDS`` per process: ``fn(session) -> int`` (how much it did).
_PERIODIC: list[Callable[[Session], int]] = []
PERIODIC_SECONDS = 30.0
_last_periodic = [0.0]


def periodic(fn: Callable[[Session], int]) -> Callable[[Session], int]:
    """Register a periodic task (it commits its own work)."""
    _PERIODIC.append(fn)
    return fn


def run_periodic(session: Session, force: bool = False) -> int:
    """Run the periodic tasks if they are due in this process (or ``force``)."""
    import time

    if not force and time.monotonic() - _last_periodic[0] < PERIODIC_SECONDS:
        return 0
    _last_periodic[0] = time.monotonic()
    done = 0
    for task in _PERIODIC:
        try:
            done += task(session)
        except Exception:  # one failing task must not stop the others, nor the runner
            session.rollback()
            log.exception("periodic task %s failed", task.__name__)
    return done


def enqueue(session: Session, kind: str, payload: dict[str, Any] | None = None,
            owner: User | None = None, run_after: datetime | None = None,
            max_attempts: int = 3) -> Job:
    """Queue a job; the caller's commit saves it, then the caller calls :func:`kick`.

    :raises ValueError: no handler is registered for ``kind``.
    """
    if kind not in _HANDLERS:
        raise ValueError(f"no job handler registered for {kind!r}")
    job = Job(kind=kind, payload=payload or {}, owner_id=owner.id if owner else None,
              run_after=run_after or utcnow(), max_attempts=max_attempts)
    session.add(job)
    return job


def job_for(session: Session, job_id: int, user: User) -> Job | None:
    """The job, if ``user`` may see it: its owner or an administrator."""
    job = session.get(Job, job_id)
    if job is None or (job.owner_id != user.id and not user.has_role(Role.ADMIN)):
        return None
    return job


def kick() -> None:
    """Have queued work done soon; call it right after committing work a view queued."""
    mode = current_app.config["JOBS_RUNNER"]
    if mode == "inline":
        if not _RUNNING.get():
            run_pending()
    elif mode == "thread":
        from portal.services import runners  # runners imports this module

        runners.thread_runner(current_app._get_current_object()).wake()
    elif mode != "worker":
        raise ValueError(f"unknown JOBS_RUNNER {mode!r}")


def run_pending(limit: int = 50, *, session: Session | None = None,
                stop: StopCheck | None = None) -> int:
    """Send due messages and run due jobs (up to ``limit`` jobs); return how many were taken.

    Messages are sent again after each job, so a long job delays them little. It commits
    (each item in its own transactions): call it with nothing pending in ``session``.
    ``stop`` is asked between items (a worker told to stop finishes the current one only).
    """
    session = session or db.session
    stop = stop or _never
    token = _RUNNING.set(True)
    try:
        run_periodic(session)
        taken = send_messages(session, limit, stop=stop).processed
        for job_id, claim in _claims(session, Job, _claimable_job, limit, stop):
            _run_job(session, job_id, claim)
            taken += 1 + send_messages(session, limit, stop=stop).processed
    finally:
        _RUNNING.reset(token)
    return taken


def send_messages(session: Session, limit: int = 50, *, include_waiting: bool = False,
                  stop: StopCheck | None = None) -> Tally:
    """Send due outbox messages, each claimed first; ``include_waiting`` also takes those
    waiting for their next try or given up on (an administrator's ``messages send --all``).
    """
    def claimable(now: datetime) -> ColumnElement[bool]:
        return _claimable_message(now, include_waiting)

    processed = succeeded = 0
    for message_id, claim in _claims(session, OutboundMessage, claimable, limit, stop or _never):
        processed += 1
        succeeded += _send_message(session, message_id, claim)
    return Tally(processed, succeeded)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure."""
    return timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


# --- Claiming -----------------------------------------------------------------------------

def _never() -> bool:
    return False


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"])


def _claimable_job(now: datetime) -> ColumnElement[bool]:
    return or_(and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
               and_(Job.status == JobStatus.RUNNING, Job.claimed_at < _stale_before(now)))


def _claimable_message(now: datetime, include_waiting: bool = False) -> ColumnElement[bool]:
    free = and_(OutboundMessage.sent_at.is_(None),
                or_(OutboundMessage.claimed_at.is_(None),
                    OutboundMessage.claimed_at < _stale_before(now)))
    if include_waiting:
        return free
    return and_(free, OutboundMessage.attempts < MESSAGE_MAX_ATTEMPTS,
                or_(OutboundMessage.next_attempt_at.is_(None),
                    OutboundMessage.next_attempt_at <= now))


def _claims(session: Session, model: type[Job] | type[OutboundMessage],
            claimable: Callable[[datetime], ColumnElement[bool]], limit: int,
            stop: StopCheck) -> Iterator[tuple[int, int]]:
    """Claim claimable rows one by one, oldest first; yield ``(id, token)`` of each taken."""
    taken = 0
    while taken < limit and not stop():
        candidates = session.execute(
            select(model.id, model.attempts).where(claimable(utcnow()))
            .order_by(model.id).limit(min(BATCH, limit - taken))
        ).all()
        session.commit()  # end the read: each claim below is a transaction of its own
        if not candidates:
            return
        for row_id, seen in candidates:
            if taken >= limit or stop():
                return
            if _claim(session, model, claimable, row_id, seen):
                taken += 1
                yield row_id, seen + 1


def _claim(session: Session, model: type[Job] | type[OutboundMessage],
           claimable: Callable[[datetime], ColumnElement[bool]], row_id: int,
           seen: int) -> bool:
    """Take one row; True when this runner's conditional UPDATE matched it."""
    now = utcnow()
    values: dict[str, Any] = {"attempts": seen + 1, "claimed_at": now}
    if model is Job:
        values["status"] = JobStatus.RUNNING
    result = session.execute(
        update(model).where(model.id == row_id, model.attempts == seen, claimable(now))
        .values(**values).execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


def _write_claimed(session: Session, model: type[Job] | type[OutboundMessage], row_id: int,
                   claim: int, **values: Any) -> bool:
    """Update a row this runner claimed (not committed); False if it is no longer ours."""
    result = session.execute(
        update(model).where(model.id == row_id, model.attempts == claim)
        .values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1


# --- Messages -----------------------------------------------------------------------------

def _send_message(session: Session, message_id: int, claim: int) -> bool:
    """Send one claimed message and record the outcome; True if it went out."""
    columns = [getattr(OutboundMessage, name) for name in messaging.Envelope._fields]
    row = session.execute(select(*columns).where(OutboundMessage.id == message_id)).first()
    session.commit()  # nothing stays open while the mail server takes its time
    if row is None:  # deleted since it was claimed
        return False
    try:
        messaging.send(messaging.Envelope(*row))
    except Exception as error:  # a provider may raise anything: retry, never lose it
        _message_failed(session, message_id, claim, error)
        return False
    _write_claimed(session, OutboundMessage, message_id, claim, sent_at=utcnow(),
                   claimed_at=None, last_error=None, next_attempt_at=None)
    session.commit()
    return True


def _message_failed(session: Session, message_id: int, claim: int, error: Exception) -> None:
    session.rollback()
    now = utcnow()
    _write_claimed(session, OutboundMessage, message_id, claim, claimed_at=None,
                   last_error=_error_text(error)[:1000],
                   next_attempt_at=now + retry_delay(claim))
    session.commit()
    if claim >= MESSAGE_MAX_ATTEMPTS:
        log.error("message %s not sent after %d attempts; kept in the outbox: %s",
                  message_id, claim, error)
    else:
        log.warning("message %s not sent (attempt %d): %s", message_id, claim, error)


# --- Jobs ---------------------------------------------------------------------------------

def _run_job(session: Session, job_id: int, claim: int) -> bool:
    """Run one claimed job to its end (done, queued again, or failed); True if done.

    The handler's work is committed when it returns, then the outcome is written in a
    transaction of its own: on SQLite a handler that only read is never asked to turn its
    read into a write (which fails if anyone wrote meanwhile), and holds no lock while it
    reads. Handlers are safe to run again anyway (see :func:`handler`).
    """
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        return False
    may_retry = claim < job.max_attempts
    try:
        result = _call_handler(session, job, claim)
        session.commit()
        if not _write_claimed(session, Job, job_id, claim, status=JobStatus.DONE, progress=100,
                              result=result, error=None, finished_at=utcnow()):
            raise ClaimLost(job_id)
        session.commit()
        return True
    except ClaimLost:
        session.rollback()
        log.warning("job %s was taken over by another runner", job_id)
    except Exception as error:  # a handler may raise anything: record it, keep running
        session.rollback()
        _job_failed(session, job_id, claim, error,
                    retry=may_retry and not isinstance(error, JobFailed))
    return False


def _call_handler(session: Session, job: Job, claim: int) -> dict[str, Any] | None:
    if claim > job.max_attempts:  # claimed again after its runner stopped on the last try
        raise JobFailed(_("Công việc bị gián đoạn quá nhiều lần."))
    function = _HANDLERS.get(job.kind)
    if function is None:
        log.error("no handler for jobs of kind %r", job.kind)
        raise JobFailed(_("Hệ thống chưa làm được loại công việc này."))
    return function(session, job, _progress_writer(session, job.id, claim))


def _progress_writer(session: Session, job_id: int, claim: int) -> Progress:
    def progress(percent: int, text: str | None = None) -> None:
        percent = max(0, min(100, int(percent)))
        session.commit()  # the handler's work so far; the progress is a write of its own
        if not _write_claimed(session, Job, job_id, claim, progress=percent,
                              progress_text=text, claimed_at=utcnow()):
            raise ClaimLost(job_id)
        session.commit()
    return progress


def _job_failed(session: Session, job_id: int, claim: int, error: Exception, *,
                retry: bool) -> None:
    text = _error_text(error)
    if retry:
        values: dict[str, Any] = {"status": JobStatus.QUEUED, "claimed_at": None,
                                  "run_after": utcnow() + retry_delay(claim)}
        log.warning("job %s failed (attempt %d), will retry", job_id, claim, exc_info=error)
    else:
        values = {"status": JobStatus.FAILED, "finished_at": utcnow()}
        log.error("job %s failed (attempt %d)", job_id, claim,
                  exc_info=None if isinstance(error, JobFailed) else error)
    _write_claimed(session, Job, job_id, claim, error=text, **values)
    session.commit()


def _error_text(error: Exception) -> str:
    """The first line of an error, for people (the traceback goes to the log only)."""
    lines = str(error).strip().splitlines()
    return lines[0][:500] if lines else type(error).__name__
