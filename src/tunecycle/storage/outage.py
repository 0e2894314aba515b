"""How ``SQLStorage`` tells a database that is away from one that refuses, and waits it out.

Two kinds of error are worth another attempt:

- ``lock``: SQLite's "database is locked"/"busy", PostgreSQL serialisation failures and
  deadlocks (SQLSTATE 40001, 40P01).  The transaction was rolled back; a few quick attempts
  (``LOCK_ATTEMPTS``) settle it.
- ``down``: the connection was lost or refused, or the server is shutting down or starting up
  (SQLSTATE class 08, 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, and
  the libpq messages for the same).  Attempts go on with bounded exponential backoff until the
  store has been unreachable for ``retry_seconds`` (argument, else the environment variable
  ``TUNECYCLE_STORAGE_RETRY_SECONDS``, else 60 s), then ``StorageUnavailableError``.  A
  reader that has not reached the store yet (a CLI command, ``load_study``) stops after at most
  ``READER_FIRST_CONTACT_SECONDS`` instead, so that a mistyped host or port is said at once.

An ``Outage`` is shared by every thread of one storage: the clock starts at the first failure
and stops at the first success, so all operations of one outage share one deadline, one
WARNING line opens the outage and one closes it, and each retry adds an INFO line.  Without
any logging set-up the two WARNING lines reach stderr (Python's last-resort handler), so a
worker's user sees the outage.  Everything
else (a bad password, a missing table, a constraint) is not retried.  This module only decides
and waits; which writes must be read back after a lost commit is ``sql.py``'s business.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Mapping
from typing import Any

from tunecycle.errors import StorageUnavailableError, UserError

log = logging.getLogger("tunecycle.storage")

ENV_RETRY_SECONDS = "TUNECYCLE_STORAGE_RETRY_SECONDS"
DEFAULT_RETRY_SECONDS = 60.0
#: how long a reader (``create_schema=False``: CLI commands, ``load_study``, the dashboard)
#: waits for a store it has not reached yet: a mistyped host or port is said in seconds
READER_FIRST_CONTACT_SECONDS = 5.0
LOCK_ATTEMPTS = 6
_FIRST_DELAY, _MAX_DELAY = 0.1, 2.0

_LOCK_CODES = frozenset({"40001", "40P01"})
_DOWN_CODES = frozenset({"57P01", "57P02", "57P03"})
# libpq and psycopg messages of a server that is away; the first matching one names the reason
_DOWN_TEXTS = (
    "connection refused",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "server closed the connection unexpectedly",
    "terminating connection",
    "consuming input failed",
    "connection already closed",
    "the connection is closed",
    "connection reset by peer",
    "broken pipe",
    "no route to host",
    "network is unreachable",
    "connection timed out",
    "timeout expired",
    "could not receive data from server",
    "could not send data to server",
    "ssl syscall error",
)
_rng = random.Random()


def retry_seconds_from(value: float | None, environ: Mapping[str, str] = os.environ) -> float:
    """How long to wait for an unreachable store: ``value``, else the environment, else 60 s."""
    source = "retry_seconds"
    if value is None:
        raw = environ.get(ENV_RETRY_SECONDS, "").strip()
        if not raw:
            return DEFAULT_RETRY_SECONDS
        source = ENV_RETRY_SECONDS
        try:
            value = float(raw)
        except ValueError:
            raise UserError(f"{source}: must be a number of seconds >= 0, got {raw!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise UserError(f"{source}: must be a number of seconds >= 0, got {value!r}")
    return float(value)


def kind_of(exc: Any) -> str | None:
    """``"lock"``, ``"down"`` or None (not worth retrying) for a SQLAlchemy ``DBAPIError``."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).lower()
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or ""
    if "database is locked" in text or "database is busy" in text or code in _LOCK_CODES:
        return "lock"
    if (
        getattr(exc, "connection_invalidated", False)
        or code in _DOWN_CODES
        or code.startswith("08")
        or any(t in text for t in _DOWN_TEXTS)
    ):
        return "down"
    return None


def reason_of(exc: Any) -> str:
    """A short reason for a log line or an error: the known phrase, else the first line."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    lower = text.lower()
    for phrase in _DOWN_TEXTS:
        if phrase in lower:
            return phrase
    return text.splitlines()[0] if text else type(exc).__name__


class Outage:
    """The unreachable spells of one storage, shared by its threads (see the module doc)."""

    def __init__(self, name: str, limit: float, first_limit: float | None = None):
        self.name = name  # the storage's URL, password hidden
        self.limit = limit
        # before the store has answered once: a reader (a CLI command) with a mistyped host or
        # port should hear so in seconds, not wait a restart's worth of time
        self.first_limit = limit if first_limit is None else min(limit, first_limit)
        self._lock = threading.Lock()
        self._since: float | None = None
        self._reached = False  # the store answered at least once
        self._contact_since: float | None = None  # when the current spell of contact began

    def in_contact_for(self) -> float:
        """Seconds since the store last became reachable (0 while it is away or never was).

        Leases are judged only after a whole grace period of contact: when a store comes back
        from an outage, every lease looks old, and the workers that own them need a heartbeat
        interval to renew theirs before anyone may call them stale."""
        contact = self._contact_since
        if self._since is not None or contact is None:
            return 0.0
        return time.monotonic() - contact

    def wait(self, exc: Any, attempt: int) -> None:
        """A ``down`` error on the ``attempt``-th try (from 0): sleep before the next, or raise
        ``StorageUnavailableError`` once the store has been away for ``limit`` seconds."""
        now = time.monotonic()
        reason = reason_of(exc)
        with self._lock:
            first = self._since is None
            if first:
                self._since = now
            since = self._since
            reached = self._reached
        assert since is not None
        limit = self.limit if reached else self.first_limit
        left = since + limit - now
        if left <= 0:
            raise StorageUnavailableError(
                f"storage {self.name}: unreachable for {max(now - since, limit):.0f} s "
                f"({reason}); giving up."
                + (" Finished trials are kept in the store." if reached else "")
            ) from None
        if first:
            what = "connection lost" if reached else "cannot connect"
            log.warning("storage %s: %s (%s); retrying for up to %g s",
                  self.name, what, reason, limit)
        delay = min(_MAX_DELAY, _FIRST_DELAY * 2**attempt) * _rng.uniform(0.5, 1.0)
        delay = min(delay, left)
        log.info("storage %s: %s; retry %d in %.2f s", self.name, reason, attempt + 1, delay)
        time.sleep(delay)

    def reached(self) -> None:
        """An operation succeeded: end the outage, if there was one."""
        if self._since is None and self._reached:  # the common case, without the lock
            return
        with self._lock:
            since, self._since = self._since, None
            self._reached = True
            self._contact_since = time.monotonic()
        if since is not None:
            log.warning("storage %s: reachable again after %.1f s", self.name,
                        time.monotonic() - since)
