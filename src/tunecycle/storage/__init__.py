"""Storage backends: in memory (default), SQLite and PostgreSQL through SQLAlchemy.

``get_storage(url)`` picks the backend from a URL (``storage.urls`` says which URLs are
understood); SQLAlchemy is imported only for SQL URLs.  ``get_storage(url, create=False)`` is
for commands that only read (or delete): it never creates a database file or writes a schema.
"""

from __future__ import annotations

from tunecycle.errors import StorageURLError
from tunecycle.storage.base import Storage
from tunecycle.storage.memory import InMemoryStorage
from tunecycle.storage.urls import StorageURL, parse_storage_url


def get_storage(url: str | Storage | None, *, create: bool = True) -> Storage:
    """The storage for ``url``: None or ``memory://`` for a fresh in-memory store,
    ``sqlite:///path.db``, or ``postgresql://user@host/db`` (``postgres://`` too).

    With ``create=False`` nothing is created: a SQLite file that does not exist, or a database
    without tunecycle's tables, is a ``StorageURLError`` and is left as it was."""
    if url is None:
        return InMemoryStorage()
    if isinstance(url, Storage):
        return url
    target = parse_storage_url(url)
    if not target.is_sql:
        return InMemoryStorage()
    from tunecycle.storage.sql import SQLStorage

    return SQLStorage(target.url, create_schema=create)


__all__ = [
    "InMemoryStorage",
    "Storage",
    "StorageURL",
    "StorageURLError",
    "get_storage",
    "parse_storage_url",
]
