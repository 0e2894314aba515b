"""Transactions of the SQL storage: every operation is one read or write transaction that
retries lock errors and waits out a store that is away (``outage.py`` says for how long); a
write whose connection died after COMMIT first asks its ``recover`` whether it happened.

``SQLTransactions`` is the base of the parts of ``SQLStorage`` (``sql.py`` assembles them);
it holds the attributes ``SQLStorage.__init__`` sets.  Not here: what any transaction does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from tunecycle.storage.outage import LOCK_ATTEMPTS, Outage, kind_of, reason_of

log = logging.getLogger("tunecycle.storage")
T = TypeVar("T")


@dataclass(frozen=True)
class _Found(Generic[T]):
    """What a write's ``recover`` found: the result of an earlier attempt that committed."""

    value: T


class SQLTransactions:
    """Read and write transactions over ``self._engine``, the base of ``SQLStorage``'s parts.

    The attributes below are set by ``SQLStorage.__init__``."""

    url: str
    retry_seconds: float
    _safe_url: str
    _outage: Outage
    _engine: Engine
    _is_sqlite: bool
    _seq_sql: tuple[str | None, str, str, str]
    _now_sql: Any
    _caches: dict[int, Any]
    _cache_lock: threading.Lock

    def _read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a read transaction, waiting out a store that is away (``outage.py``)."""
        return self._attempts(fn, write=False)

    def _write(
        self,
        fn: Callable[[Connection], T],
        recover: Callable[[Connection], _Found[T] | None] | None = None,
    ) -> T:
        """Run ``fn`` in a write transaction, retrying lock errors and waiting out a store that
        is away.  Once an attempt has lost its connection, its commit may have happened:
        every later attempt first calls ``recover``, which finds that earlier write (and
        returns it as ``_Found``) or returns None, and ``fn`` runs only when it is None."""
        return self._attempts(fn, write=True, recover=recover)

    def _attempts(
        self,
        fn: Callable[[Connection], T],
        *,
        write: bool,
        recover: Callable[[Connection], _Found[T] | None] | None = None,
    ) -> T:
        lock_tries = down_tries = 0
        lost, lock_delay = False, 0.05
        while True:
            try:
                with self._engine.connect() as conn:
                    if write:
                        conn = conn.execution_options(tc_write=True)
                    with conn.begin():
                        found = recover(conn) if lost and recover is not None else None
                        result = found.value if found is not None else fn(conn)
            except DBAPIError as exc:
                kind = kind_of(exc)
                if kind is None:
                    raise
                if kind == "lock":
                    lock_tries += 1
                    if lock_tries >= LOCK_ATTEMPTS:
                        raise
                    log.info("storage %s: %s; retrying", self._safe_url, reason_of(exc))
                    time.sleep(lock_delay)
                    lock_delay = min(lock_delay * 2, 2.0)
                else:
                    lost = True
                    self._outage.wait(exc, down_tries)  # raises once the limit has passed
                    down_tries += 1
                continue
            self._outage.reached()
            return result

    def close(self) -> None:
        self._engine.dispose()
