"""A throwaway PostgreSQL server for fault tests: ``initdb`` in a temporary directory, a free
loopback port, trust authentication, a database ``test``; stopped (``-m immediate``) and
deleted at the end.  Tests may stop, restart and kill it as they like; never the shared server.

The binaries come from ``/usr/lib/postgresql/<version>/bin`` (the newest), or from
``TUNECYCLE_TEST_PG_BINDIR``.  PostgreSQL refuses to run as root, so as root every command runs
as the ``postgres`` OS user (``runuser -u postgres --``) and the directory belongs to it.
``fsync`` is off: the tests stop the server cleanly or do not look at the data afterwards, and
on a small machine it makes the server much faster.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PgUnavailable(Exception):
    """No throwaway server can be made here; the message says why."""


def find_bindir() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``, or None."""
    env = os.environ.get("TUNECYCLE_TEST_PG_BINDIR")
    if env:
        return Path(env) if (Path(env) / "initdb").exists() else None
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")

    def version(path: str) -> tuple[int, ...]:
        raw = Path(path).parents[1].name
        return tuple(int(p) for p in raw.split(".") if p.isdigit())

    return Path(max(found, key=version)).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One throwaway server; ``url`` reaches its database ``test``."""

    def __init__(self, bindir: Path, root: Path, as_postgres: bool):
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.sockets = root / "sock"
        self.log = root / "server.log"
        self.port = _free_port()
        self._as_postgres = as_postgres

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/test"

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{tool} {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}\n{tail}"
            )

    def _options(self) -> str:
        return (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c max_connections=60")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8")
        self.start()
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True, connect_timeout=10) as conn:
            conn.execute("CREATE DATABASE test")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
                  "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
                  "-m", mode, "-w", "restart")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def throwaway_server() -> Iterator[PgServer]:
    """A started server with an empty database ``test``; raises ``PgUnavailable`` when no
    server can be made here (no binaries, root without a ``postgres`` user or ``runuser``)."""
    bindir = find_bindir()
    if bindir is None:
        raise PgUnavailable("no PostgreSQL binaries (/usr/lib/postgresql/*/bin/initdb); "
                            "install the postgresql server package or set "
                            "TUNECYCLE_TEST_PG_BINDIR")
    as_postgres = os.geteuid() == 0
    if as_postgres:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            raise PgUnavailable("running as root and there is no 'postgres' OS user to run "
                                "the server as") from None
        if shutil.which("runuser") is None:
            raise PgUnavailable("running as root and runuser is missing") from None
    root = Path(tempfile.mkdtemp(prefix="tc-pg-"))
    server = PgServer(bindir, root, as_postgres)
    try:
        server.sockets.mkdir()
        if as_postgres:
            os.chmod(root, 0o755)
            for path in (root, server.sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        server.init()
        yield server
    finally:
        if server.running():
            try:
                server.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        for _ in range(20):  # the postmaster may still be removing its files
            shutil.rmtree(root, ignore_errors=True)
            if not root.exists():
                break
            time.sleep(0.1)
