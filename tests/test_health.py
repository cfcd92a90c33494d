"""``/healthz`` reports each dependency with the time its check took (issue 13): 503 when the
database, the file store or a configured ClamAV is down, 200 "degraded" when only Redis is."""
from __future__ import annotations

import socket
import threading

import pytest

from portal import create_app
from portal.extensions import limiter
from tests.conftest import base_config
from tests.support import pgcluster, redisserver, require


def _checks(response) -> dict:
    return response.get_json()["checks"]


def test_each_dependency_is_reported_with_its_time(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    assert set(_checks(response)) == {"database", "file_store"}  # no Redis, no ClamAV set
    for check in _checks(response).values():
        assert check["status"] == "ok" and 0 <= check["ms"] < 2000


def test_the_answer_is_never_cached(client):
    first = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Cache-Control"] == "no-store" and "ETag" not in first.headers
    assert client.get("/healthz", headers={"If-None-Match": "*"}).status_code == 200


def test_a_broken_database_is_503(tmp_path):
    broken = tmp_path / "missing-dir" / "nope" / "db.sqlite3"
    app = create_app(base_config(tmp_path, f"sqlite:///{broken}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "error"
    assert _checks(response)["database"]["status"] == "error"
    assert _checks(response)["file_store"]["status"] == "ok"
    assert "nope" not in response.text  # reasons are logged, never shown


def test_a_file_store_that_cannot_take_a_file_is_503(app, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the upload folder should be")
    app.extensions["portal.files"].root = blocked / "uploads"
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and _checks(response)["file_store"]["status"] == "error"


def test_writing_the_probe_leaves_nothing_behind(app, client):
    client.get("/healthz")
    root = app.extensions["portal.files"].root
    assert root.is_dir() and not any(root.iterdir())


class PongServer:
    """Answers clamd's PING (on TCP) with ``reply``."""

    def __init__(self, reply: bytes = b"PONG\0") -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.reply = reply
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _peer = self.listener.accept()
            except OSError:
                return  # closed
            with connection:
                if connection.recv(64) == b"zPING\0":
                    connection.sendall(self.reply)

    def close(self) -> None:
        self.listener.close()


@pytest.mark.parametrize("reply, status", [(b"PONG\0", 200), (b"?\0", 503)])
def test_a_configured_clamav_is_pinged(app, reply, status):
    server = PongServer(reply)
    app.config["CLAMAV_ADDRESS"] = server.address
    try:
        response = app.test_client().get("/healthz")
    finally:
        server.close()
    assert response.status_code == status
    assert _checks(response)["clamav"]["status"] == ("ok" if status == 200 else "error")


def test_a_configured_clamav_that_does_not_answer_is_503(app):
    app.config["CLAMAV_ADDRESS"] = f"127.0.0.1:{pgcluster.free_port()}"
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and _checks(response)["clamav"]["status"] == "error"


@pytest.fixture
def limiter_state():
    """Flask-Limiter is one object for every app of the process: forget that Redis died."""
    yield
    limiter._storage_dead = False


@pytest.mark.usefixtures("limiter_state")
def test_redis_down_is_degraded_not_down(tmp_path):
    app = create_app(base_config(
        tmp_path, "sqlite://", REDIS_URL=f"redis://127.0.0.1:{pgcluster.free_port()}/0"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "degraded"
    assert _checks(response)["redis"]["status"] == "error"
    assert _checks(response)["redis"]["ms"] < 1000  # short timeouts, no retries with back-off


@pytest.mark.usefixtures("limiter_state")
def test_a_running_redis_is_ok(tmp_path):
    require(redisserver.unavailable_reason())
    with redisserver.RedisServer() as server:
        app = create_app(base_config(tmp_path, "sqlite://", REDIS_URL=server.url))
        response = app.test_client().get("/healthz")
        assert response.status_code == 200 and _checks(response)["redis"]["status"] == "ok"
        server.kill()
        assert _checks(app.test_client().get("/healthz"))["redis"]["status"] == "error"
