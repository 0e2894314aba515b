"""Fixtures for the dashboard tests: a SQLite database, a storage writing to it as a worker
would, and a dashboard server on 127.0.0.1 with a free port plus a client for it.

The server runs in this process on a thread (``DashboardServer``) and is stopped by the fixture
that started it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

pytest.importorskip("starlette", reason="the dashboard extra is not installed")
pytest.importorskip("uvicorn", reason="the dashboard extra is not installed")

from tests.dashboard.helpers import Client  # noqa: E402
from tunecycle.dashboard import DashboardServer  # noqa: E402
from tunecycle.storage.sql import SQLStorage  # noqa: E402


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/dash.db"


@pytest.fixture
def writer(db_url) -> Iterator[SQLStorage]:
    """A storage on the test database, as a worker process would hold it."""
    store = SQLStorage(db_url)
    yield store
    store.close()


@pytest.fixture
def serve() -> Iterator[Callable[[str], tuple[DashboardServer, Client]]]:
    """``serve(url)``: a started dashboard on 127.0.0.1 and a client for it; stopped after."""
    started: list[DashboardServer] = []

    def start(url: str) -> tuple[DashboardServer, Client]:
        server = DashboardServer(url, host="127.0.0.1", port=0).start()
        started.append(server)
        return server, Client(server.url)

    yield start
    for server in started:
        server.stop()
