"""Opening a SQL database: the SQLAlchemy engine for a checked storage URL, SQLite's connection
settings (WAL, ``synchronous=NORMAL``, busy timeout, ``BEGIN IMMEDIATE`` for writes) and a
read-only look at an existing SQLite file's tables.

Not here: transactions and their retries (``sql_transactions``), the schema (``sql_schema``),
anything that reads or writes studies and trials.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from tunecycle.errors import StorageURLError
from tunecycle.storage.urls import StorageURL


def _make_engine(target: StorageURL, kwargs: dict[str, Any], *, create: bool = True) -> Engine:
    """The engine for a checked URL.  With ``create=False`` a SQLite file that does not exist is
    refused rather than created, and an existing one is not switched to WAL (a write)."""
    safe = target.safe
    if target.backend == "memory":
        raise StorageURLError(f"storage: {safe} is not a database URL")
    if target.backend == "sqlite":
        if target.path is None:
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            _check_sqlite_file(target, create)
            kwargs.setdefault("connect_args", {"timeout": 30})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    try:
        engine = create_engine(target.url, **kwargs)
    except ModuleNotFoundError as exc:
        raise StorageURLError(
            f"storage {safe}: the database driver {exc.name!r} is not installed "
            "(for PostgreSQL: pip install 'tunecycle[postgres]')"
        ) from None
    except ArgumentError as exc:
        raise StorageURLError(f"storage: {safe} is not a valid database URL ({exc})") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect if create else _sqlite_on_open)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _check_sqlite_file(target: StorageURL, create: bool) -> None:
    path = target.path
    assert path is not None
    if not create and not path.is_file():
        raise StorageURLError(f"storage {target.safe}: no such database file {str(path)!r}")
    parent = path.resolve().parent
    if not parent.is_dir():
        raise StorageURLError(
            f"storage {target.safe}: the directory {str(parent)!r} does not exist"
        )


def _sqlite_table_names(path: Path) -> set[str]:
    """The tables of an existing SQLite file, read without writing (read-only, no WAL)."""
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error:
        return set()
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {r[0] for r in rows}
    except sqlite3.Error:  # not a database, or locked: the engine will say
        return set()
    finally:
        conn.close()


def _sqlite_on_connect(dbapi_conn: Any, _record: Any, *, wal: bool = True) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_on_begin)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 30000")
    if wal:
        _sqlite_use_wal(cur)
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _sqlite_on_open(dbapi_conn: Any, record: Any) -> None:
    """A connection of a store that creates nothing: the file keeps its journal mode (a
    tunecycle database is in WAL already; switching another file would write to it)."""
    _sqlite_on_connect(dbapi_conn, record, wal=False)


def _sqlite_use_wal(cur: Any, wait: float = 30.0) -> None:
    """Switch the database to WAL, waiting for other connections that hold its write lock.

    The switch needs an exclusive lock.  While another connection holds the write lock of a
    database still in rollback mode (a fresh file that several processes open at once), SQLite
    refuses the switch at once with "database is locked" and skips the busy handler, as it
    would risk a deadlock; so the switch is retried here.  WAL, once set, stays with the file.
    """
    delay, deadline = 0.005, time.monotonic() + wait
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def _sqlite_on_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("tc_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _sqlite_version() -> tuple[int, ...]:
    return sqlite3.sqlite_version_info
