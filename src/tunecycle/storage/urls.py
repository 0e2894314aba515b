"""Storage URLs, understood in one place: which backend a URL names, and whether it is usable.

``parse_storage_url(url)`` checks a URL's form without opening anything and returns a
:class:`StorageURL`; every mistake is one ``StorageURLError`` line (``storage: ...``), never a
SQLAlchemy traceback.  What is accepted is what the SQL layer really speaks:

- ``memory://`` (or ``:memory:``): a fresh in-memory store;
- ``sqlite:///path.db`` (``sqlite+pysqlite://`` too; ``sqlite://`` is an in-memory SQLite);
- ``postgresql://``, ``postgres://`` (the spelling many hosts give) and
  ``postgresql+psycopg://``, all opened with the psycopg driver; a database name is required.

Anything else (MySQL, other PostgreSQL drivers, unknown schemes) is refused with a line naming
what is supported.  Reaching the server, and what the database holds, are the storage's business
(``tunecycle.storage.sql``), not this module's.  SQLAlchemy's URL parser is imported only for
SQL URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tunecycle.errors import StorageURLError

Backend = Literal["memory", "sqlite", "postgresql"]

MEMORY_URLS = ("memory://", ":memory:")
SUPPORTED = (
    "sqlite:///path.db, postgresql://user@host:5432/db (psycopg), "
    "or leave it out for in-memory"
)
_SQLITE_SCHEMES = ("sqlite", "sqlite+pysqlite")
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
#: the driver every PostgreSQL URL is opened with
POSTGRES_DRIVER = "postgresql+psycopg"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")


@dataclass(frozen=True)
class StorageURL:
    """A storage URL that passed the checks of its form.

    ``url`` is what the backend opens (``postgres://`` rewritten to ``postgresql+psycopg://``),
    ``safe`` the same with any password hidden (for messages); ``path`` is the SQLite file
    (None for memory, in-memory SQLite and PostgreSQL)."""

    backend: Backend
    url: str
    safe: str
    path: Path | None = None

    @property
    def is_sql(self) -> bool:
        return self.backend != "memory"


def hide_password(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", url)


def parse_storage_url(url: object) -> StorageURL:
    """Check ``url``'s form and say which backend it names; raise ``StorageURLError``."""
    if not isinstance(url, str) or not url.strip():
        raise StorageURLError(f"expected a URL string, got {url!r}", field="storage")
    url = url.strip()
    if url in MEMORY_URLS:
        return StorageURL("memory", "memory://", "memory://")
    safe = hide_password(url)
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else ""
    if scheme in _SQLITE_SCHEMES:
        return _sqlite(scheme + url[len(scheme):], safe)
    if scheme in _POSTGRES_SCHEMES:
        return _postgres(POSTGRES_DRIVER + url[len(scheme):], safe)
    raise StorageURLError(f"{safe!r} is not a supported URL{_why_not(scheme)}; use {SUPPORTED}",
                          field="storage")


def _why_not(scheme: str) -> str:
    backend = scheme.partition("+")[0]
    if backend in ("postgresql", "postgres"):
        return f" (the {scheme.partition('+')[2]!r} driver is not supported, only psycopg)"
    if backend in ("mysql", "mariadb", "mssql", "oracle"):
        return f" (tunecycle's SQL is written for SQLite and PostgreSQL, not {backend})"
    return ""


def _parsed(url: str, safe: str):  # -> sqlalchemy.engine.URL
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ValueError:  # the port is not a number
        port = _port_text(url)
        why = f" (the port {port!r} is not a number)" if port else ""
        raise StorageURLError(f"{safe!r} is not a valid database URL{why}",
                              field="storage") from None
    except ArgumentError:
        raise StorageURLError(f"{safe!r} is not a valid database URL", field="storage") from None


def _port_text(url: str) -> str:
    """What stands where the port goes in ``scheme://user:pw@host:PORT/db``."""
    netloc = url.partition("://")[2].partition("/")[0].rpartition("@")[2]
    return netloc.rpartition("]")[2].partition(":")[2]


def _sqlite(url: str, safe: str) -> StorageURL:
    parsed = _parsed(url, safe)
    if parsed.host or parsed.port or parsed.username:
        raise StorageURLError(
            f"{safe!r} is not a valid SQLite URL: a file takes three slashes, "
            "sqlite:///relative/path.db or sqlite:////absolute/path.db", field="storage"
        )
    db = parsed.database or ""
    path = None if db in ("", ":memory:") else Path(db)
    return StorageURL("sqlite", url, safe, path)


def _postgres(url: str, safe: str) -> StorageURL:
    parsed = _parsed(url, safe)
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise StorageURLError(
            f"{safe!r} is not a valid database URL (the port must be from 1 to 65535, "
            f"got {parsed.port})", field="storage"
        )
    if not parsed.database:
        raise StorageURLError(
            f"{safe!r} names no database; add its name: "
            "postgresql://user@host:5432/dbname", field="storage"
        )
    return StorageURL("postgresql", url, safe)
