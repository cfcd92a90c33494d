"""Background jobs and the outbox sender: claiming, retries, runners, the status fragment."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from portal.extensions import db
from portal.models import Job, JobStatus, MessageChannel, OutboundMessage, User, utcnow
from portal.services import jobs, messaging, runners
from tests.conftest import MailSink, htmx_headers, login

EXECUTIONS: Counter = Counter()
EXECUTIONS_LOCK = threading.Lock()
SEEN_PROGRESS: list[tuple[int, str]] = []


@jobs.handler("test.steps")
def _steps(session, job, progress):
    progress(50, "Đã đọc 3 trên 6 dòng")
    with db.engine.connect() as other:  # what a poller in another process would see
        SEEN_PROGRESS.append(tuple(other.execute(
            text("SELECT progress, progress_text FROM job WHERE id = :id"), {"id": job.id}
        ).one()))
    return {"message": "Đã nhập 6 thủ tục.", "url": "/thu-tuc/"}


@jobs.handler("test.broken")
def _broken(session, job, progress):
    raise RuntimeError("Máy chủ báo cáo không trả lời")


@jobs.handler("test.refused")
def _refused(session, job, progress):
    raise jobs.JobFailed("Tệp không đúng định dạng.")


@jobs.handler("test.overtaken")
def _overtaken(session, job, progress):
    # Another runner claims the job meanwhile (this one seemed to have stopped).
    session.execute(update(Job).where(Job.id == job.id).values(attempts=Job.attempts + 1))
    progress(10, "Sau khi bị lấy mất")


@jobs.handler("test.count")
def _count(session, job, progress):
    with EXECUTIONS_LOCK:
        EXECUTIONS[job.payload["n"]] += 1
    time.sleep(0.001)


class RecordingTextSender:
    """A TextSender for the tests: keeps the texts; fails while ``failing`` is set."""

    sent: list[tuple[str, str]] = []
    failing = False

    def send(self, recipient: str, text: str) -> None:
        if RecordingTextSender.failing:
            raise ConnectionError("nhà mạng không trả lời")
        RecordingTextSender.sent.append((recipient, text))


class SlowMailSink(MailSink):
    """An SMTP sink that takes two seconds to accept each message."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(2)
        return await super().handle_DATA(server, session, envelope)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _email(recipient: str) -> OutboundMessage:
    return OutboundMessage(channel=MessageChannel.EMAIL, recipient=recipient,
                           subject="Thông báo", body_text="Nội dung\n")


def _make_due(session, model) -> None:
    """Pretend the back-off has passed."""
    column = model.run_after if model is Job else model.next_attempt_at
    session.execute(update(model).values({column: utcnow() - timedelta(seconds=1)}))
    session.commit()


def _in_threads(app, count: int, work) -> list[BaseException]:
    """Run ``work()`` in ``count`` threads at once, each with its own app context."""
    barrier, errors = threading.Barrier(count), []

    def target():
        try:
            with app.app_context():
                barrier.wait()
                work()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


# --- Jobs ---------------------------------------------------------------------------------

def test_a_job_reports_progress_and_finishes_with_its_result(session):
    SEEN_PROGRESS.clear()
    job = jobs.enqueue(session, "test.steps", {"file": "a.json"})
    session.commit()
    assert job.status is JobStatus.QUEUED and job.progress == 0
    assert jobs.run_pending() == 1
    session.refresh(job)
    assert SEEN_PROGRESS == [(50, "Đã đọc 3 trên 6 dòng")]  # committed while running
    assert job.status is JobStatus.DONE and job.progress == 100
    assert job.result == {"message": "Đã nhập 6 thủ tục.", "url": "/thu-tuc/"}
    assert job.attempts == 1 and job.finished_at is not None and job.error is None


def test_enqueue_refuses_an_unknown_kind(session):
    with pytest.raises(ValueError, match="no job handler"):
        jobs.enqueue(session, "test.nothing")


def test_a_failing_job_is_retried_then_fails_with_its_error(session, caplog):
    job = jobs.enqueue(session, "test.broken", max_attempts=2)
    session.commit()
    assert jobs.run_pending() == 1
    session.refresh(job)
    assert job.status is JobStatus.QUEUED and job.attempts == 1
    assert job.error == "Máy chủ báo cáo không trả lời"
    assert job.run_after > utcnow() + timedelta(seconds=30)  # waits before the next try
    assert jobs.run_pending() == 0
    _make_due(session, Job)
    assert jobs.run_pending() == 1
    session.refresh(job)
    assert job.status is JobStatus.FAILED and job.attempts == 2 and job.finished_at
    assert job.error == "Máy chủ báo cáo không trả lời"
    assert "Traceback" in caplog.text  # the traceback goes to the log, not to the page


def test_a_job_that_cannot_succeed_fails_at_once(session):
    job = jobs.enqueue(session, "test.refused")
    session.commit()
    jobs.run_pending()
    session.refresh(job)
    assert job.status is JobStatus.FAILED and job.attempts == 1
    assert job.error == "Tệp không đúng định dạng."


def test_two_runners_never_run_a_job_twice(app, session):
    EXECUTIONS.clear()
    for n in range(50):
        jobs.enqueue(session, "test.count", {"n": n})
    session.commit()

    def work():
        while jobs.run_pending(limit=5):
            pass

    assert _in_threads(app, 2, work) == []
    assert EXECUTIONS == Counter(range(50))  # each job exactly once
    statuses = session.scalars(select(Job.status)).all()
    assert statuses == [JobStatus.DONE] * 50


def test_a_stale_job_is_taken_again(app, session):
    SEEN_PROGRESS.clear()
    job = jobs.enqueue(session, "test.steps")
    session.commit()
    # A runner took it and then stopped answering (killed mid-job).
    session.execute(update(Job).values(status=JobStatus.RUNNING, attempts=1,
                                       claimed_at=utcnow() - timedelta(hours=1)))
    session.commit()
    assert jobs.run_pending() == 1
    session.refresh(job)
    assert job.status is JobStatus.DONE and job.attempts == 2


def test_a_runner_whose_job_was_taken_over_changes_it_no_more(session, caplog):
    job = jobs.enqueue(session, "test.overtaken")
    session.commit()
    jobs.run_pending()
    session.refresh(job)
    assert job.status is JobStatus.RUNNING and job.attempts == 2  # the other runner's
    assert job.progress == 0 and job.progress_text is None
    assert "taken over" in caplog.text


def test_a_job_interrupted_on_its_last_attempt_fails(session):
    job = jobs.enqueue(session, "test.steps", max_attempts=1)
    session.commit()
    session.execute(update(Job).values(status=JobStatus.RUNNING, attempts=1,
                                       claimed_at=utcnow() - timedelta(hours=1)))
    session.commit()
    jobs.run_pending()
    session.refresh(job)
    assert job.status is JobStatus.FAILED and job.error == "Công việc bị gián đoạn quá nhiều lần."


# --- Messages -----------------------------------------------------------------------------

def test_a_message_is_sent_once_with_two_runners(app, session, mail):
    session.add_all([_email(f"nguoi{n}@example.com") for n in range(10)])
    session.commit()
    counts = []

    def work():
        counts.append(messaging.deliver_pending(db.session))

    assert _in_threads(app, 2, work) == []
    assert sum(counts) == 10
    recipients = sorted(message["To"] for message in mail.messages)
    assert recipients == sorted(f"nguoi{n}@example.com" for n in range(10))


def test_a_failed_send_is_retried_later_and_never_lost(app, session, mail, runner):
    mail_port = app.config["MAIL_PORT"]
    app.config.update(MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)  # nobody listens there
    message = _email("congdan@example.com")
    session.add(message)
    session.commit()
    assert messaging.deliver_pending(session) == 0
    session.refresh(message)
    assert message.sent_at is None and message.attempts == 1 and message.last_error
    assert message.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert messaging.deliver_pending(session) == 0  # not due yet: not even tried
    session.refresh(message)
    assert message.attempts == 1
    for _attempt in range(2, jobs.MESSAGE_MAX_ATTEMPTS + 2):
        _make_due(session, OutboundMessage)
        messaging.deliver_pending(session)
    session.refresh(message)
    assert message.attempts == jobs.MESSAGE_MAX_ATTEMPTS  # then it is no longer tried…
    assert message.sent_at is None and message.last_error  # …but kept, with its error
    app.config.update(MAIL_PORT=mail_port)
    assert "sent 0 messages" in runner.invoke(args=["messages", "send"]).output
    result = runner.invoke(args=["messages", "send", "--all"])
    assert "sent 1 messages" in result.output, result.output
    assert [m["To"] for m in mail.messages] == ["congdan@example.com"]


def test_the_file_text_sender_is_the_default(app, session, caplog):
    with app.app_context():
        assert isinstance(messaging.text_sender(), messaging.FileTextSender)
    messaging.queue_sms(session, "0912345678", "Ma xac nhan 123456")
    session.commit()
    with caplog.at_level("INFO", logger="portal.messaging"):
        assert messaging.deliver_pending(session) == 1
    assert [r.message for r in caplog.records if r.name == "portal.messaging"] == [
        "sms written to the outbox"]
    assert "123456" not in caplog.text


def test_a_text_sender_is_loaded_from_the_setting(app, session):
    app.config["TEXT_SENDER"] = "tests.test_jobs:RecordingTextSender"
    RecordingTextSender.sent, RecordingTextSender.failing = [], True
    message = messaging.queue_sms(session, "0912345678", "Ho so da duoc tiep nhan")
    session.commit()
    assert isinstance(messaging.text_sender(), RecordingTextSender)
    assert messaging.deliver_pending(session) == 0  # the provider refused it
    session.refresh(message)
    assert message.last_error == "nhà mạng không trả lời" and message.sent_at is None
    RecordingTextSender.failing = False
    _make_due(session, OutboundMessage)
    assert messaging.deliver_pending(session) == 1
    assert RecordingTextSender.sent == [("0912345678", "Ho so da duoc tiep nhan")]


# --- Runners ------------------------------------------------------------------------------

def test_with_a_thread_runner_a_slow_mail_server_does_not_slow_the_request(app, demo):
    from aiosmtpd.controller import Controller

    sink = SlowMailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(JOBS_RUNNER="thread", JOBS_POLL_SECONDS=0.2, MAIL_SERVER="127.0.0.1",
                      MAIL_PORT=controller.port, MAIL_USE_TLS=False, MAIL_TIMEOUT=10)
    try:
        client = app.test_client()
        started = time.monotonic()
        response = client.post("/tai-khoan/quen-mat-khau",
                               data={"identifier": "congdan@demo.local"})
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed < 1.5  # the mail server takes 2 s; the request did not wait for it
        deadline = time.monotonic() + 20
        while not sink.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [m["To"] for m in sink.messages] == ["congdan@demo.local"]
    finally:
        runners.stop_thread_runner(app)
        controller.stop()


def test_kick_leaves_the_work_to_the_worker_process(app, session, runner):
    app.config["JOBS_RUNNER"] = "worker"
    job = jobs.enqueue(session, "test.steps")
    messaging.queue_sms(session, "0912345678", "Ma xac nhan 123456")
    session.commit()
    with app.test_request_context():
        jobs.kick()
    session.refresh(job)
    assert job.status is JobStatus.QUEUED
    result = runner.invoke(args=["jobs", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 items processed" in result.output
    session.refresh(job)
    assert job.status is JobStatus.DONE
    assert session.scalar(select(OutboundMessage.sent_at)) is not None
    listing = runner.invoke(args=["jobs", "list"]).output
    assert "test.steps" in listing and "done" in listing and "100%" in listing


# --- The status fragment ------------------------------------------------------------------

def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def _job_of(session, email: str) -> Job:
    job = jobs.enqueue(session, "test.steps", owner=_user(session, email))
    session.commit()
    return job


def test_job_status_page_and_fragment_follow_the_job(client, session, demo):
    job = _job_of(session, "congdan@demo.local")
    login(client, "congdan@demo.local")
    url = f"/cong-viec/{job.id}"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "<h1>" in html
    assert '<meta http-equiv="refresh" content="3">' in html
    assert 'hx-trigger="every 1s"' in html and "<progress" in html and "Tải lại" in html

    session.execute(update(Job).values(status=JobStatus.RUNNING, progress=40,
                                       progress_text="Đang đọc tệp"))
    session.commit()
    fragment = client.get(url, headers=htmx_headers())
    html = fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in html and html.lstrip().startswith(f'<div id="job-{job.id}"')
    assert 'hx-trigger="every 1s"' in html and 'value="40"' in html
    assert "40%" in html and "Đang đọc tệp" in html and 'role="status"' in html

    session.execute(update(Job).values(status=JobStatus.DONE, progress=100,
                                       result={"message": "Đã nhập 6 thủ tục."}))
    session.commit()
    html = client.get(url, headers=htmx_headers()).get_data(as_text=True)
    assert "hx-trigger" not in html and "hx-get" not in html  # polling stops
    assert "Đã nhập 6 thủ tục." in html
    assert 'http-equiv="refresh"' not in client.get(url).get_data(as_text=True)

    session.execute(update(Job).values(status=JobStatus.FAILED, error="Tệp hỏng."))
    session.commit()
    html = client.get(url, headers=htmx_headers()).get_data(as_text=True)
    assert "hx-trigger" not in html and "Tệp hỏng." in html and 'role="alert"' in html


def test_a_job_is_seen_only_by_its_owner_and_administrators(app, session, demo):
    citizens_job = _job_of(session, "congdan@demo.local")
    admins_job = _job_of(session, "quantri@demo.local")
    citizen, admin = app.test_client(), app.test_client()
    login(citizen, "congdan@demo.local")
    login(admin, "quantri@demo.local")
    assert citizen.get(f"/cong-viec/{admins_job.id}").status_code == 404
    assert citizen.get("/cong-viec/999999").status_code == 404
    assert admin.get(f"/cong-viec/{citizens_job.id}").status_code == 200


def test_the_job_status_needs_a_login(client, session):
    job = jobs.enqueue(session, "test.steps")
    session.commit()
    response = client.get(f"/cong-viec/{job.id}")
    assert response.status_code in (302, 303)
    assert "/tai-khoan/dang-nhap" in response.headers["Location"]
