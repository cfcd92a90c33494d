"""A throw-away ``redis-server`` on a free port, for tests that kill Redis mid-run.

The machine's Redis (6379) is shared and must never be stopped. This one keeps nothing on
disk (no RDB, no AOF) and is killed by :meth:`RedisServer.kill`, the ``with`` block or at
interpreter exit::

    with RedisServer() as server:
        app = create_app({..., "REDIS_URL": server.url})
        server.kill()          # SIGKILL: connections drop, the port refuses
        server.start()         # the same port again
"""
from __future__ import annotations

import shutil
import subprocess
import time
import weakref

from tests.support.pgcluster import free_port


def unavailable_reason() -> str | None:
    """Why no Redis server can be started here, or None."""
    if shutil.which("redis-server") is None:
        return "redis-server not found: install the Debian package 'redis-server'"
    return None


class RedisServer:
    """One private ``redis-server``: :meth:`start`, :meth:`kill`, :attr:`url`."""

    def __init__(self) -> None:
        reason = unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._finalizer = weakref.finalize(self, _kill, None)

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        """Start the server (on the same port as before) and wait until it answers PING."""
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _kill, self.process)  # at exit, if forgotten
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                client.close()
                return
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the server (as a crash would) and wait until it is gone."""
        _kill(self.process)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.kill()


def _kill(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.kill()
        process.wait(timeout=10)
