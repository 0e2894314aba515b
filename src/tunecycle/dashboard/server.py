"""Running the dashboard: open a storage for reading, bind a socket, serve with uvicorn.

``serve`` blocks (the CLI); ``DashboardServer`` runs on a thread and is stopped by its
owner (tests, the screenshot script).  The default address is 127.0.0.1; another host is the
caller's choice and is served as asked.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from typing import Any

from tunecycle.errors import StorageURLError, UserError
from tunecycle.storage import get_storage, parse_storage_url
from tunecycle.storage.base import Storage

log = logging.getLogger("tunecycle.dashboard")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def open_storage(storage: str | Storage) -> Storage:
    """A storage to read from: an existing database with tunecycle's tables.

    It is ``get_storage(url, create=False)``, so it never creates anything: a missing SQLite
    file or a database without the tables is a ``StorageURLError``.  ``memory://`` and an
    in-memory SQLite are refused (they live inside one process, so another process has nothing
    to show)."""
    if isinstance(storage, Storage):
        return storage
    target = parse_storage_url(storage)
    if not target.is_sql:
        raise StorageURLError(
            "storage: memory:// lives inside one process; the dashboard needs a database URL "
            "(sqlite:///path.db or postgresql://user@host:5432/db)"
        )
    if target.backend == "sqlite" and target.path is None:
        raise StorageURLError(
            f"storage: {target.safe!r} is an in-memory SQLite database; the dashboard needs a file"
        )
    return get_storage(target.url, create=False)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _allowed_hosts(host: str) -> list[str]:
    """Host header values to answer: the loopback names when bound to loopback (a defence
    against DNS rebinding), anything otherwise."""
    if _is_loopback(host):
        return ["127.0.0.1", "localhost", "[::1]", "::1", host]
    return ["*"]


def _bind(host: str, port: int) -> socket.socket:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise UserError(f"port: expected an integer from 0 to 65535, got {port!r}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"host: cannot resolve {host!r} ({exc.strerror})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.setblocking(False)
    return sock


def _uvicorn_server(store: Storage, host: str) -> Any:
    try:
        import uvicorn

        from tunecycle.dashboard.app import create_app
    except ModuleNotFoundError as exc:
        raise UserError(
            f"the dashboard needs the dashboard extra ({exc.name} is not installed): "
            "pip install 'tunecycle[dashboard]'"
        ) from None
    app = create_app(store, allowed_hosts=_allowed_hosts(host))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    return uvicorn.Server(config)


class DashboardServer:
    """The dashboard on a background thread: ``start()``, ``url``, ``stop()`` (or ``with``).

    ``port=0`` takes a free port.  The storage is opened here (read-only use) unless a
    ``Storage`` is passed, and closed on ``stop()`` only if it was opened here."""

    def __init__(
        self, storage: str | Storage, *, host: str = DEFAULT_HOST, port: int = 0
    ) -> None:
        self._owns_store = not isinstance(storage, Storage)
        self.store = open_storage(storage)
        self.host = host
        self._sock = _bind(host, port)
        self.port = int(self._sock.getsockname()[1])
        self._server = _uvicorn_server(self.store, host)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self, timeout: float = 10.0) -> DashboardServer:
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True,
            name="tunecycle-dashboard",
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the dashboard did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._sock.close()
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    storage: str | Storage,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    announce: Any = print,
) -> None:
    """Serve the dashboard until interrupted (Ctrl+C); ``announce`` gets the address line."""
    owns = not isinstance(storage, Storage)
    store = open_storage(storage)
    sock = None
    try:
        sock = _bind(host, port)
        server = _uvicorn_server(store, host)
        bound = int(sock.getsockname()[1])
        shown = f"[{host}]" if ":" in host else host
        announce(f"tunecycle dashboard on http://{shown}:{bound}/ (read-only; Ctrl+C stops it)")
        if not _is_loopback(host):
            log.warning("the dashboard listens on %s, not only on this machine", host)
        server.run(sockets=[sock])
    finally:
        if sock is not None:
            sock.close()
        if owns:
            store.close()
