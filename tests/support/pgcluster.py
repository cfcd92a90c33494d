"""A throw-away PostgreSQL cluster that tests and benchmarks may stop, restart or crash.

The machine's PostgreSQL server is shared and must never be stopped, so whatever needs the
database to go away (the outage tests, ``bench_durability``) starts its own cluster here:
``initdb`` into a fresh temporary folder, ``pg_ctl`` on a free port of 127.0.0.1, its Unix
socket inside that folder, trust authentication for the ``postgres`` role::

    with PgCluster(durable=False) as cluster:       # initdb + start; stop + delete on exit
        url = cluster.create_database("portal")     # a SQLAlchemy URL
        cluster.restart()                           # or stop(), start(), stop("immediate")

PostgreSQL refuses to run as root: when this process is root, every server command runs as
the ``postgres`` OS user (``runuser``), which is given the folder. The port stays the same
across restarts, so an app keeps its URL. The cluster is stopped and deleted by
:meth:`PgCluster.cleanup`, by the ``with`` block, or at interpreter exit if its owner forgot.
:func:`unavailable_reason` says why no cluster can be made here (no ``initdb``), for a skip.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Mapping
from pathlib import Path

SERVER_USER = "postgres"
#: Where Debian and Ubuntu install the server programs, one folder per major version.
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
#: Settings that trade durability for speed: harmless when only the server process stops or
#: crashes (the operating system still has the data), wrong for power-cut experiments.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
BASE_SETTINGS = {"listen_addresses": "'127.0.0.1'", "shared_buffers": "32MB",
                 "max_connections": "100", "logging_collector": "off"}


class ClusterError(RuntimeError):
    """A server command failed; the message ends with the server log's last lines."""


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``PORTAL_PG_BIN``, the newest Debian
    ``/usr/lib/postgresql/<version>/bin``, or the ``PATH``; None when there is none."""
    candidates = [Path(os.environ["PORTAL_PG_BIN"])] if os.environ.get("PORTAL_PG_BIN") else []
    candidates += sorted((Path(found) for found in glob.glob(DEBIAN_BIN_GLOB)),
                         key=_major_version, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def unavailable_reason() -> str | None:
    """Why a cluster cannot be started on this machine, or None when it can."""
    if find_bin_dir() is None:
        return ("PostgreSQL server programs (initdb, pg_ctl) not found: install the Debian "
                "package 'postgresql' or set PORTAL_PG_BIN")
    if os.geteuid() == 0 and (_server_uid() is None or shutil.which("runuser") is None):
        return f"running as root without a '{SERVER_USER}' OS user (or runuser) to run it as"
    return None


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgCluster:
    """One private PostgreSQL cluster: :meth:`start`, :meth:`stop`, :meth:`restart`,
    :attr:`url`, :meth:`create_database`, :meth:`cleanup` (also a context manager).

    :param durable: False adds :data:`FAST_SETTINGS` (no fsync), fine for tests.
    :param settings: more ``postgresql.conf`` lines, e.g. ``{"max_connections": "200"}``.
    :param base_dir: where the cluster's folder is made (default: the system's temporary
        folder); the ``postgres`` user must be able to reach it when this process is root.
    """

    def __init__(self, *, durable: bool = True, settings: Mapping[str, str] | None = None,
                 base_dir: str | os.PathLike | None = None) -> None:
        reason = unavailable_reason()
        if reason:
            raise ClusterError(reason)
        self.bin_dir = find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="portal-pg-", dir=base_dir))
        self.data, self.socket_dir = self.root / "data", self.root / "socket"
        self.log_path = self.root / "server.log"
        self.port = free_port()
        self.settings = {**BASE_SETTINGS, **({} if durable else FAST_SETTINGS), **(settings or {})}
        self._prefix = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
        self._initialised = self._started_once = False
        # Stops the server and deletes the folder once, whichever comes first: cleanup(),
        # garbage collection or interpreter exit (it must not hold a reference to self).
        self._finalizer = weakref.finalize(self, _teardown, self._prefix, self._pg_ctl_path,
                                           self.data, self.root)

    # --- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database (psycopg 3, over TCP)."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this cluster."""
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    @property
    def dsn(self) -> str:
        """libpq connection string of the ``postgres`` database (for psycopg directly)."""
        return f"host=127.0.0.1 port={self.port} user={SERVER_USER} dbname=postgres"

    # --- life cycle --------------------------------------------------------------------------

    def start(self, timeout: float = 60) -> None:
        """Start the server (creating the cluster the first time) and wait until it accepts
        connections."""
        if not self._initialised:
            self._initdb()
        for _attempt in range(3):
            result = self._pg_ctl("start", "-w", "-t", str(int(timeout)), "-l",
                                  str(self.log_path), "-o", f"-p {self.port}")
            if result.returncode == 0:
                break
            # Another program took the port between free_port() and the start: before the
            # first start a new port is harmless; afterwards the URL must not change.
            if self._started_once or "could not bind" not in self.server_log():
                raise ClusterError(self._failure("pg_ctl start", result))
            self.port = free_port()
        else:
            raise ClusterError(self._failure("pg_ctl start", result))
        self._started_once = True
        self.wait_until_ready(timeout)

    def stop(self, mode: str = "fast", timeout: float = 60) -> None:
        """Stop the server: ``fast`` (sessions are told "administrator command"), ``smart``
        (waits for them) or ``immediate`` (a crash: WAL recovery at the next start)."""
        if not self.running:
            return
        result = self._pg_ctl("stop", "-w", "-t", str(int(timeout)), "-m", mode)
        if result.returncode != 0:
            raise ClusterError(self._failure("pg_ctl stop", result))

    def restart(self, mode: str = "fast", down_for: float = 0.0, timeout: float = 60) -> None:
        """Stop the server, stay down for ``down_for`` seconds, start it again."""
        self.stop(mode, timeout)
        time.sleep(down_for)
        self.start(timeout)

    @property
    def running(self) -> bool:
        """True while the server process runs."""
        return self._initialised and self._pg_ctl("status").returncode == 0

    @property
    def pid(self) -> int | None:
        """Process id of the postmaster, None when it is not running."""
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return None

    def wait_until_ready(self, timeout: float = 60) -> None:
        """Return once a connection succeeds; ClusterError after ``timeout`` seconds."""
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.dsn, connect_timeout=2).close()
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise ClusterError(f"server not ready after {timeout} s: {error}\n"
                                       f"{self.server_log()[-2000:]}") from error
                time.sleep(0.1)

    def cleanup(self) -> None:
        """Stop the server at once and delete the cluster's folder (safe to call twice)."""
        self._finalizer()

    def __enter__(self) -> PgCluster:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.cleanup()

    # --- databases ---------------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """Create database ``name`` (a plain identifier) and return its SQLAlchemy URL."""
        import psycopg

        if not name.isidentifier():
            raise ValueError(f"not a plain database name: {name!r}")
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def server_log(self) -> str:
        """The server's log so far (startup, shutdown and errors)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # --- internals ---------------------------------------------------------------------------

    @property
    def _pg_ctl_path(self) -> str:
        return str(self.bin_dir / "pg_ctl")

    def _initdb(self) -> None:
        self.socket_dir.mkdir()
        if self._prefix:
            uid = _server_uid()
            for path in (self.root, self.socket_dir):
                os.chown(path, uid, -1)
        result = self._run([str(self.bin_dir / "initdb"), "-D", str(self.data), "-U",
                            SERVER_USER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        if result.returncode != 0:
            raise ClusterError(self._failure("initdb", result))
        settings = {**self.settings, "unix_socket_directories": f"'{self.socket_dir}'"}
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# portal test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self._initialised = True

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        return self._run([self._pg_ctl_path, "-D", str(self.data), *args])

    def _run(self, command: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(self._prefix + command, cwd=self.root, env=_server_env(),
                              capture_output=True, text=True, check=False)

    def _failure(self, what: str, result: subprocess.CompletedProcess) -> str:
        return (f"{what} failed ({result.returncode}): {result.stderr.strip()}\n"
                f"--- server log ---\n{self.server_log()[-2000:]}")


def _teardown(prefix: list[str], pg_ctl: str, data: Path, root: Path) -> None:
    """Stop the server immediately if it runs, then delete its folder."""
    if (data / "postmaster.pid").exists():
        subprocess.run(prefix + [pg_ctl, "-D", str(data), "stop", "-m", "immediate", "-w"],
                       cwd=root, env=_server_env(), capture_output=True, check=False)
    shutil.rmtree(root, ignore_errors=True)


def _server_env() -> dict[str, str]:
    # A predictable locale and no PG* variables of the caller's (PGPORT, PGDATA…).
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    return env


def _server_uid() -> int | None:
    try:
        return pwd.getpwnam(SERVER_USER).pw_uid
    except KeyError:
        return None


def _major_version(folder: Path) -> int:
    name = folder.parent.name
    return int(name) if name.isdigit() else 0
