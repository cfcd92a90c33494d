"""Secret tokens, reset and verification links and one-time codes never reach a log; without
a mail server or SMS gateway, messages go to private files under instance/outbox/
(issue 13, item 4; TT22-PL5-b).

SQLite only: what is logged does not depend on the database.
"""
from __future__ import annotations

import io
import logging
import re
import stat
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import request

from tests.conftest import make_app
from tests.dossier_support import start_draft

STRONG = "ca phe buoi sang ben song Hong"


@pytest.fixture
def logged_app(request, tmp_path):
    """The demo portal writing its JSON log to a file, request lines included."""
    return make_app("sqlite", request, tmp_path, seeded=True, LOG_FILE="logs/portal.log",
                    LOG_REQUESTS=True, LOG_LEVEL="DEBUG")


@pytest.fixture
def every_log(logged_app):
    """Whatever reaches a handler someone added to the portal's or werkzeug's logger."""
    stream = io.StringIO()
    extra = logging.StreamHandler(stream)
    extra.setFormatter(logging.Formatter("%(name)s %(message)s %(exc_text)s"))
    loggers = [logging.getLogger("portal"), logging.getLogger("werkzeug")]
    for logger in loggers:
        logger.addHandler(extra)
    yield stream
    for logger in loggers:
        logger.removeHandler(extra)


def _outbox(app, kind: str) -> list[Path]:
    return sorted(Path(app.instance_path, "outbox", kind).glob("*"))


def _mail_link(app) -> str:
    message = message_from_bytes(_outbox(app, "mail")[-1].read_bytes(), policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/\S+)", text).group(1)


def test_no_secret_reaches_a_log(logged_app, every_log, capfd, caplog, monkeypatch):
    client = logged_app.test_client()
    secrets: list[str] = []

    # A password reset, its link opened and used.
    client.post("/tai-khoan/quen-mat-khau", data={"identifier": "congdan@demo.local"})
    reset = _mail_link(logged_app)
    secrets.append(reset.rsplit("/", 1)[1])
    client.get(reset)
    client.post(reset, data={"password": STRONG})
    # An e-mail verification and a phone code.
    client.post("/tai-khoan/dang-ky", data={"display_name": "Trần Thị Bình",
                                            "email": "binh@example.com", "password": STRONG})
    verify = _mail_link(logged_app)
    secrets.append(verify.rsplit("/", 1)[1])
    client.get(verify)
    client.post("/tai-khoan/dang-ky", data={"display_name": "Lê Văn Cường",
                                            "phone": "0912000111", "password": STRONG})
    sms = _outbox(logged_app, "sms")[-1].read_text(encoding="utf-8")
    code = re.search(r"\b(\d{6})\b", sms).group(1)
    # A draft started, a 404 below its link, and a 500 on its page naming its path.
    token = start_draft(client)
    secrets.append(token)
    client.get(f"/nop-ho-so/nhap/{token}")
    client.get(f"/nop-ho-so/nhap/{token}/khong-co")

    def broken_page(*_args, **_kwargs):
        raise RuntimeError(f"drawing {request.path} failed")

    monkeypatch.setattr("portal.blueprints.applications.views._page", broken_page)
    assert client.get(f"/nop-ho-so/nhap/{token}").status_code == 500
    # The development server's request line (make run) is logged after the request.
    logging.getLogger("werkzeug").info('127.0.0.1 - - "%s" 200 -',
                                       f"GET /nop-ho-so/nhap/{token} HTTP/1.1")

    logs = "\n".join([Path(logged_app.instance_path, "logs", "portal.log").read_text("utf-8"),
                      every_log.getvalue(), caplog.text, *capfd.readouterr()])
    assert "unhandled error on /nop-ho-so/nhap/<token>" in logs  # the 500 was logged…
    assert "/nop-ho-so/nhap/<token>/khong-co" in logs  # …and so were the requests
    for secret in secrets:
        assert len(secret) >= 16 and secret not in logs
    assert "Ma xac nhan" not in logs and not re.search(rf"(?<![\d.:]){code}(?!\d)", logs)


def test_outbox_files_are_private(logged_app):
    client = logged_app.test_client()
    client.post("/tai-khoan/quen-mat-khau", data={"identifier": "congdan@demo.local"})
    client.post("/tai-khoan/dang-ky", data={"display_name": "Lê Văn Cường",
                                            "phone": "0912000111", "password": STRONG})
    written = _outbox(logged_app, "mail") + _outbox(logged_app, "sms")
    assert len(written) == 2
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "/tai-khoan/dat-lai-mat-khau/" in _mail_link(logged_app)
    assert _outbox(logged_app, "sms")[0].read_text("utf-8").startswith("To: 0912000111\n\n")
