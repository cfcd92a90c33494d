"""Who does the background work of :mod:`portal.services.jobs`, per ``JOBS_RUNNER``.

* ``thread``: a daemon thread in each web process, started by the first request the process
  serves (never at import or app creation: gunicorn's master may create the app with
  ``--preload`` and then fork the workers, and threads do not survive a fork). It is woken by
  :func:`portal.services.jobs.kick` and also looks for work every ``JOBS_POLL_SECONDS``
  (retries, work queued by other processes).
* ``worker``: ``flask jobs worker`` (:func:`work`), a separate process; web processes start
  nothing.
* ``inline``: ``kick()`` does the work in the request (tests).

All state is in the database, so any mix of runners on any number of hosts agrees.
"""
from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
import time
import weakref
from typing import Any

from flask import Flask, current_app

from portal.services.jobs import StopCheck, run_pending

log = logging.getLogger("portal.jobs")

#: Seconds a stopping thread runner may take to finish the item it is doing.
STOP_TIMEOUT = 10.0
EXTENSION_KEY = "portal.jobs"


def init_app(app: Flask) -> None:
    """Start the thread runner with the first request a process serves (``thread`` mode)."""
    from portal.services import access_stats  # noqa: F401 (its periodic task: page views)
    from portal.services import audit  # noqa: F401 (its periodic task: old addresses)
    from portal.services import publishing  # noqa: F401 (registers its periodic task)

    app.before_request(_ensure_thread_runner)


def work(*, once: bool = False) -> int:
    """The ``flask jobs worker`` loop; return how many items were taken.

    Sleeps ``JOBS_POLL_SECONDS`` when idle. SIGTERM or Ctrl-C ends it after the current item
    (a second Ctrl-C stops at once); ``once`` ends it as soon as nothing is due.
    """
    stop = _StopFlag()
    previous = stop.install()
    total = 0
    try:
        while not stop():
            taken = run_pending(stop=stop)
            total += taken
            if not taken:
                if once:
                    break
                _sleep(current_app.config["JOBS_POLL_SECONDS"], stop)
    finally:
        stop.uninstall(previous)
    return total


def thread_runner(app: Flask) -> ThreadRunner:
    """This process's thread runner for ``app``, started on first use (once, under a lock)."""
    runner = app.extensions.get(EXTENSION_KEY)
    if runner is None or not runner.alive():
        with _START_LOCK:
            runner = app.extensions.get(EXTENSION_KEY)
            if runner is None or not runner.alive():
                runner = ThreadRunner(app)
                runner.start()
                app.extensions[EXTENSION_KEY] = runner
    return runner


def stop_thread_runner(app: Flask) -> None:
    """Stop this process's thread runner for ``app``, if it has one (waits a little)."""
    runner = app.extensions.pop(EXTENSION_KEY, None)
    if runner is not None:
        runner.stop()


class ThreadRunner:
    """A daemon thread doing pending work for one app in the process (PID) that started it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pid = os.getpid()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="portal-jobs", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()
        _RUNNERS.add(self)

    def alive(self) -> bool:
        """True if the thread runs in this process (a forked child has no such thread)."""
        return self.pid == os.getpid() and self._thread.is_alive()

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the current item; wait for that at most ``STOP_TIMEOUT`` seconds."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(STOP_TIMEOUT)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            # Cleared before looking, so a kick during a pass makes the next one start at once.
            self._wake.clear()
            try:
                with self.app.app_context():  # a fresh session for each pass
                    taken = run_pending(stop=self._stopping.is_set)
            except Exception:  # e.g. the database is down: log, wait, try again
                log.exception("background runner failed")
                taken = 0
            if not taken:
                self._wake.wait(self.app.config["JOBS_POLL_SECONDS"])


class _StopFlag:
    """Set by SIGTERM or SIGINT; a plain attribute, as a signal handler must take no lock."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def install(self) -> dict[int, Any]:
        """Handle SIGTERM and SIGINT (main thread only); return the handlers replaced."""
        if threading.current_thread() is not threading.main_thread():
            return {}
        return {signum: signal.signal(signum, self._handle)
                for signum in (signal.SIGTERM, signal.SIGINT)}

    def uninstall(self, previous: dict[int, Any]) -> None:
        """Put the replaced handlers back."""
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        log.info("stopping after the current item (signal %d)", signum)
        self.requested = True


def _sleep(seconds: float, stop: StopCheck) -> None:
    deadline = time.monotonic() + seconds
    while not stop() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.25))


def _ensure_thread_runner() -> None:
    if current_app.config["JOBS_RUNNER"] == "thread":
        thread_runner(current_app._get_current_object())


_START_LOCK = threading.Lock()
_RUNNERS: weakref.WeakSet[ThreadRunner] = weakref.WeakSet()


def _reset_after_fork() -> None:
    global _START_LOCK
    _START_LOCK = threading.Lock()  # a thread of the parent may have held it at fork time


def _stop_runners() -> None:
    """At exit, let this process's runners finish their current item (for a while)."""
    for runner in list(_RUNNERS):
        if runner.pid == os.getpid():
            runner.stop()


os.register_at_fork(after_in_child=_reset_after_fork)
atexit.register(_stop_runners)
