"""Shared fixtures: the storage backends every storage test runs against.

``storage_url`` is parametrized over ``memory``, ``sqlite`` (a file in the test's tmp_path) and
``postgres``.  PostgreSQL is found through ``TUNECYCLE_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); its reachability is checked once per
session.  When it does not answer, its tests are skipped -- except under CI (``CI`` set), where
they fail, so that a CI run never passes without having tested PostgreSQL.

For isolation each test module gets its own database ``tc_test_<random>`` (created with
``CREATE DATABASE`` and dropped with ``DROP DATABASE ... WITH (FORCE)`` afterwards); tests that
need an empty database of their own use ``fresh_postgres_url``.  Fault tests that stop or
restart the server get one of their own from ``throwaway_postgres`` (``tests/pgserver.py``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tunecycle.storage import InMemoryStorage, Storage, get_storage

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MEMORY_URL = "memory://"

BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
]
SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_url() -> str:
    return os.environ.get("TUNECYCLE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def _libpq_conninfo(url: str, database: str | None = None) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://...``) as a libpq URL for ``psycopg.connect``."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def _with_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _postgres_probe() -> tuple[str, str | None]:
    """(URL, None) when PostgreSQL answers, else (URL, why not).  Runs once per session."""
    url = postgres_url()
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dev dependency
        return url, f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(_libpq_conninfo(url), connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return url, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return url, None


@pytest.fixture(scope="session")
def postgres_server(_postgres_probe: tuple[str, str | None]) -> str:
    """The URL of a PostgreSQL server that answers; skips (fails under CI) otherwise."""
    url, problem = _postgres_probe
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(
                f"PostgreSQL not reachable at {url} ({problem}); CI is set, so the PostgreSQL "
                "tests must run: start the server or set TUNECYCLE_TEST_POSTGRES_URL",
                pytrace=False,
            )
        pytest.skip(
            f"PostgreSQL not reachable at {url} (set TUNECYCLE_TEST_POSTGRES_URL); "
            "skipped outside CI"
        )
    return url


def _create_database(server_url: str) -> str:
    import psycopg

    name = f"tc_test_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq_conninfo(server_url), connect_timeout=3, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_libpq_conninfo(server_url), connect_timeout=3, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _temporary_database(server_url: str) -> Iterator[str]:
    """The URL of a new, empty database on the server, dropped on exit."""
    name = _create_database(server_url)
    try:
        yield _with_database(server_url, name)
    finally:
        _drop_database(server_url, name)


@pytest.fixture(scope="module")
def postgres_db_url(postgres_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test module; dropped when the module is done."""
    with _temporary_database(postgres_server) as url:
        yield url


@pytest.fixture
def fresh_postgres_url(postgres_server: str) -> Iterator[str]:
    """An empty PostgreSQL database of this test's own (no schema yet)."""
    with _temporary_database(postgres_server) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def storage_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A storage URL of each backend: ``memory://``, a SQLite file, a PostgreSQL database.

    The PostgreSQL database is shared by the tests of a module, so tests name their studies
    with ``unique_name``."""
    if request.param == "memory":
        return MEMORY_URL
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/s.db"
    return request.getfixturevalue("postgres_db_url")


@pytest.fixture(params=SQL_BACKENDS)
def fresh_sql_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A URL of an empty SQL database (a new SQLite file, or a new PostgreSQL database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/s.db"
    return request.getfixturevalue("fresh_postgres_url")


@pytest.fixture
def make_storage() -> Iterator[Callable[[str], Storage]]:
    """``make_storage(url)``: ``get_storage(url)``, closed at the end of the test.

    Every call for a SQL URL opens a new storage (its own engine and caches, as another process
    would); ``memory://`` gives the same InMemoryStorage for the whole test."""
    opened: list[Storage] = []
    memory: list[InMemoryStorage] = []

    def make(url: str) -> Storage:
        if url == MEMORY_URL:
            if not memory:
                memory.append(InMemoryStorage())
            return memory[0]
        store = get_storage(url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``unique_name("x")``: a study name no other test uses (databases may be shared)."""
    prefix = f"{request.node.name[:60]}-{secrets.token_hex(4)}"

    def name(suffix: str = "study") -> str:
        return f"{prefix}-{suffix}"

    return name


@pytest.fixture
def throwaway_postgres() -> Iterator[Any]:
    """A PostgreSQL server of this test's own (``tests/pgserver.py``), free to stop and
    restart; skipped where none can be made, except under CI, where that fails the test."""
    from tests.pgserver import PgUnavailable, throwaway_server

    try:
        with throwaway_server() as server:
            yield server
    except PgUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"no throwaway PostgreSQL server: {exc}; CI is set, so the fault "
                        "tests must run", pytrace=False)
        pytest.skip(f"no throwaway PostgreSQL server: {exc}")


# -- fault and load tests: what each injected and what survived, printed after the run ------------
_FAULT_LINES: list[str] = []


@pytest.fixture
def fault_report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """``fault_report("faults injected: 1, trials lost: 0")``: one line in the summary that
    pytest prints at the end of the run (so CI logs show it without ``-s``)."""

    def record(line: str) -> None:
        _FAULT_LINES.append(f"{request.node.nodeid}: {line}")

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FAULT_LINES:
        terminalreporter.section("faults injected and what survived")
        for line in _FAULT_LINES:
            terminalreporter.write_line(line)
