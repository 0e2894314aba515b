"""SQL storage (SQLite, PostgreSQL) with SQLAlchemy 2 Core.

Costs per trial are kept flat: a trial is one write transaction to start and one to finish;
reads of the history are incremental (only trials at or after the oldest one not yet finished
are fetched again; finished trials are immutable and cached).

SQLite runs in WAL mode with ``synchronous=NORMAL`` (a committed trial survives a killed
process; a power cut may lose the last few commits but never corrupts the file), a busy timeout,
and ``BEGIN IMMEDIATE`` for writes, so writers queue instead of failing with "database is
locked".  PostgreSQL serialises trial numbering on the study row (``SELECT ... FOR UPDATE``).
Schema creation takes a lock (PostgreSQL advisory lock, SQLite write lock), so workers starting
together on an empty database do not race; the switch of a new SQLite file to WAL is retried,
as SQLite refuses it without waiting while another connection holds the write lock.  Heartbeats
use the database server's clock.

Every operation is one transaction that waits out a store that is away (``outage.py`` says
what is retried and for how long).  A write whose connection died after COMMIT was sent reads
back before writing again: trial-making writes carry a random token (system attribute ``_op``,
hidden from records), ``finish_trial`` recognises its own outcome, so nothing is done twice.

This module assembles ``SQLStorage`` from its parts, one module each, and opens the store:
``sql_transactions`` (the read and write transactions, their retries), ``sql_engine`` (the
engine, SQLite's connection settings), ``sql_schema`` (revision check, migrations, refusing an
Optuna database), ``sql_studies``, ``sql_trial_writes`` (numbering, change numbers),
``sql_leases`` (heartbeats, stale trials, retries), ``sql_trial_reads`` (the engine's cached
history read), ``sql_viewer_reads`` (the viewers' bounded reads) and ``sql_rows`` (rows to
records).  It deliberately reads and writes nothing itself.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from sqlalchemy import literal_column

from tunecycle.errors import StorageUnavailableError
from tunecycle.storage.base import Storage
from tunecycle.storage.outage import READER_FIRST_CONTACT_SECONDS, Outage, retry_seconds_from
from tunecycle.storage.sql_engine import _make_engine, _sqlite_version
from tunecycle.storage.sql_leases import SQLLeases
from tunecycle.storage.sql_schema import SQLSchema
from tunecycle.storage.sql_studies import SQLStudies
from tunecycle.storage.sql_transactions import SQLTransactions
from tunecycle.storage.sql_trial_reads import SQLTrialReads, _StudyCache
from tunecycle.storage.sql_trial_writes import SQLTrialWrites
from tunecycle.storage.sql_viewer_reads import SQLViewerReads
from tunecycle.storage.urls import parse_storage_url


class SQLStorage(
    SQLSchema,
    SQLStudies,
    SQLTrialWrites,
    SQLLeases,
    SQLTrialReads,
    SQLViewerReads,
    SQLTransactions,
    Storage,
):
    """Storage in a SQL database reached by a SQLAlchemy URL.

    With ``create_schema=False`` nothing is created, for readers (``get_storage(url,
    create=False)``): a SQLite file that does not exist and a database without the tables are
    refused (``StorageURLError``) instead of created or given the tables.  ``retry_seconds``
    (default: the environment variable ``TUNECYCLE_STORAGE_RETRY_SECONDS``, else 60) is how long
    every operation waits for a store that is away before ``StorageUnavailableError``.
    """

    shared = True

    def __init__(
        self,
        url: str,
        *,
        engine_kwargs: Mapping[str, Any] | None = None,
        check_schema: bool = True,
        create_schema: bool = True,
        retry_seconds: float | None = None,
    ):
        self.url = url
        target = parse_storage_url(url)
        self._safe_url = target.safe
        #: how long an operation waits for a store that is away (see ``outage.py``)
        self.retry_seconds = retry_seconds_from(retry_seconds)
        # a reader that never reached the store (a CLI command, load_study) gives up sooner
        self._outage = Outage(self._safe_url, self.retry_seconds,
                              None if create_schema else READER_FIRST_CONTACT_SECONDS)
        self._engine = _make_engine(target, dict(engine_kwargs or {}), create=create_schema)
        self._is_sqlite = self._engine.dialect.name == "sqlite"
        # the statements of every change number, in the driver's own parameter style: they
        # run in every write transaction, so they skip SQLAlchemy's compilation
        mark = "?" if self._engine.dialect.paramstyle == "qmark" else "%s"
        returning = not self._is_sqlite or _sqlite_version() >= (3, 35)
        bump = f"UPDATE tc_studies SET change_seq = change_seq + {mark} WHERE study_id = {mark}"
        self._seq_sql = (
            bump + " RETURNING change_seq" if returning else None,
            bump,
            f"SELECT change_seq FROM tc_studies WHERE study_id = {mark}",
            f"UPDATE tc_trials SET seq = {mark} WHERE trial_id = {mark}",
        )
        self._now_sql = literal_column(
            "(julianday('now') - 2440587.5) * 86400.0"
            if self._is_sqlite
            else "extract(epoch from clock_timestamp())"
        )
        self._caches: dict[int, _StudyCache] = {}
        self._cache_lock = threading.Lock()
        if check_schema:
            if target.backend == "sqlite" and target.path is not None:
                self._refuse_optuna_file(target.path, create_schema)
            try:
                self._ensure_schema(create_schema)
            except StorageUnavailableError:
                self.close()
                raise
