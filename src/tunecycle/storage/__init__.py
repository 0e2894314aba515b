"""Storage backends: in memory (default), SQLite and PostgreSQL through SQLAlchemy.

``get_storage(url)`` picks the backend from a URL; SQLAlchemy is imported only for SQL URLs.
"""

from __future__ import annotations

from tunecycle.errors import StorageURLError
from tunecycle.storage.base import Storage
from tunecycle.storage.memory import InMemoryStorage

SQL_PREFIXES = ("sqlite://", "postgresql://", "postgresql+", "postgres://", "mysql://", "mysql+")


def get_storage(url: str | Storage | None) -> Storage:
    """The storage for ``url``: None or ``memory://`` for a fresh in-memory store,
    ``sqlite:///path.db``, or ``postgresql+psycopg://user@host/db``."""
    if url is None:
        return InMemoryStorage()
    if isinstance(url, Storage):
        return url
    if not isinstance(url, str) or not url.strip():
        raise StorageURLError(f"storage: expected a URL string, got {url!r}")
    url = url.strip()
    if url in ("memory://", ":memory:"):
        return InMemoryStorage()
    if url.startswith(SQL_PREFIXES):
        from tunecycle.storage.sql import SQLStorage

        return SQLStorage(url)
    raise StorageURLError(
        f"storage: {url!r} is not a supported URL; use sqlite:///path.db, "
        "postgresql+psycopg://user@host:5432/db, or leave it out for in-memory"
    )


__all__ = ["InMemoryStorage", "Storage", "get_storage"]
