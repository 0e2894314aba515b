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
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Connection,
    and_,
    column,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.pool import StaticPool

from tunecycle.errors import (
    DuplicatedStudyError,
    SchemaVersionError,
    StorageUnavailableError,
    StorageURLError,
    StudyNotFoundError,
    TrialStateError,
)
from tunecycle.records import (
    Direction,
    FrozenTrial,
    StudyInfo,
    StudySummary,
    TrialChanges,
    TrialPage,
    TrialPoint,
    TrialPoints,
    TrialState,
)
from tunecycle.space import Param, ParamValue
from tunecycle.storage.base import (
    MAX_PAGE,
    Storage,
    check_objective_count,
    check_query,
    dists_from_json,
    dists_to_json,
    dump_json,
    finished_values,
    retry_attrs,
    stale_reason,
)
from tunecycle.storage.outage import (
    LOCK_ATTEMPTS,
    READER_FIRST_CONTACT_SECONDS,
    Outage,
    kind_of,
    reason_of,
    retry_seconds_from,
)
from tunecycle.storage.schema import SCHEMA_HEAD, VERSION_TABLE, intermediate, studies, trials
from tunecycle.storage.urls import StorageURL, parse_storage_url

log = logging.getLogger("tunecycle.storage")
T = TypeVar("T")
_COUNTED = [
    s.value
    for s in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
]
_ADVISORY_KEY = 0x7475_6E65  # "tune"
#: a trial without constraints, or one that satisfies them (what a best value may come from)
_FEASIBLE = or_(trials.c.feasible.is_(None), trials.c.feasible.is_(True))
#: private system attribute: a random token of the write that made or claimed the row, so that
#: a retry after a lost commit finds that row instead of making a second one; never shown
_OP_KEY = "_op"
#: the tables that mark an Optuna database, and what to do with one
_OPTUNA_TABLES = frozenset({"studies", "trials", "version_info"})
_IMPORT_HINT = (
    "copy its studies into a tunecycle storage with `tunecycle import --from URL "
    "--to sqlite:///tunecycle.db`"
)


class _StudyCache:
    """Finished trials of one study (immutable, so cached) and where to resume reading.

    ``marker`` is the study's name and creation time when it was last read: SQLite hands the
    id of a deleted study (and of its trials) to the next one made, maybe by another process,
    so a cache whose marker is not the study's any more is dropped, not extended."""

    def __init__(self) -> None:
        self.by_number: list[FrozenTrial | None] = []
        self.frontier = 0  # every trial with a smaller id was finished when last read
        self.marker: tuple[Any, ...] | None = None


class SQLStorage(Storage):
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

    # -- plumbing -----------------------------------------------------------------------------
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

    # -- schema -------------------------------------------------------------------------------
    def _ensure_schema(self, create: bool = True) -> None:
        current = self._schema_revision()
        if current == SCHEMA_HEAD:
            return
        if current is None:
            if self._holds_optuna_tables():
                self.close()
                raise StorageURLError(_optuna_refusal(self._safe_url, create))
            if not create:  # a reader (the dashboard) does not write a schema
                self.close()
                raise StorageURLError(
                    f"storage {self._safe_url}: the database holds no tunecycle studies "
                    "(it has no tunecycle tables)"
                )
            self._migrate()
            return
        raise SchemaVersionError(
            f"storage {self._safe_url}: the database has schema {current!r} and this tunecycle "
            f"uses {SCHEMA_HEAD!r}; run `tunecycle storage upgrade --storage URL` "
            "(with the newer of the two tunecycle versions)"
        )

    def _refuse_optuna_file(self, path: Path, create: bool) -> None:
        """Refuse an Optuna SQLite file before the first connection (which would switch it
        to WAL, a write)."""
        names = _sqlite_table_names(path)
        if _OPTUNA_TABLES <= names and VERSION_TABLE not in names:
            self.close()
            raise StorageURLError(_optuna_refusal(self._safe_url, create))

    def _holds_optuna_tables(self) -> bool:
        """True when the database has Optuna's tables (a user's Optuna database)."""
        from sqlalchemy import inspect

        names = set(self._read(lambda conn: inspect(conn).get_table_names()))
        return _OPTUNA_TABLES <= names

    def _schema_revision(self) -> str | None:
        def read(conn: Connection) -> str | None:
            return conn.execute(
                select(column("version_num")).select_from(table(VERSION_TABLE))
            ).scalar()

        try:
            return self._read(read)
        except DBAPIError as exc:  # not a passing one: those were waited out
            if _missing_table(exc):
                return None
            raise StorageURLError(f"storage {self._safe_url}: {_reason(exc)}") from None

    def _migrate(self, target: str = "head") -> None:
        """Create or upgrade the schema with Alembic, under a lock that serialises workers."""
        from alembic import command
        from alembic.config import Config

        def run(conn: Connection) -> None:
            if not self._is_sqlite:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_KEY})")
            cfg = Config()
            cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)

        self._write(run)

    @classmethod
    def upgrade_url(cls, url: str) -> None:
        """Create or upgrade the schema of the database at ``url`` to this version's."""
        store = cls(url, check_schema=False)
        try:
            current = store._schema_revision()
            if current is not None and not _known_revision(current):
                raise SchemaVersionError(
                    f"storage {store._safe_url}: schema {current!r} is newer than this "
                    f"tunecycle ({SCHEMA_HEAD!r}); upgrade tunecycle instead"
                )
            store._migrate()
        finally:
            store.close()

    # -- studies ------------------------------------------------------------------------------
    def _create_study(
        self, name: str, directions: tuple[Direction, ...], system_attrs: Mapping[str, Any] | None
    ) -> StudyInfo:
        dump_json(dict(system_attrs or {}), "study attributes")
        token = _new_token()  # finds this call's study again after a lost commit
        attrs = dump_json({**(system_attrs or {}), _OP_KEY: token}, "study attributes")
        now = datetime.now()

        def run(conn: Connection) -> int:
            exists = conn.execute(
                select(studies.c.study_id, studies.c.system_attrs).where(studies.c.name == name)
            ).first()
            if exists and _op_of(exists.system_attrs) == token:
                return int(exists.study_id)
            if exists:
                raise DuplicatedStudyError(f"study {name!r} already exists")
            res = conn.execute(
                insert(studies).values(
                    name=name,
                    direction=directions[0].value,
                    directions=json.dumps([d.value for d in directions]),
                    user_attrs="{}",
                    system_attrs=attrs,
                    next_number=0,
                    datetime_start=now,
                )
            )
            return int(res.inserted_primary_key[0])

        try:
            sid = self._write(run)
        except IntegrityError:  # created between our check and insert: by another worker, or
            # by this call, when a lost commit had happened after all and its retry then waited
            row = self._read(
                lambda conn: conn.execute(select(studies).where(studies.c.name == name)).first()
            )
            if row is None or _op_of(row.system_attrs) != token:
                raise DuplicatedStudyError(f"study {name!r} already exists") from None
            sid = int(row.study_id)
        return StudyInfo(sid, name, directions[0], {}, dict(system_attrs or {}), now,
                         directions)

    def get_study(self, name: str) -> StudyInfo:
        row = self._read(
            lambda conn: conn.execute(select(studies).where(studies.c.name == name)).first()
        )
        if row is None:
            raise StudyNotFoundError(f"no study named {name!r} in {self._safe_url}")
        return _study_info(row)

    def list_studies(self) -> list[StudySummary]:
        def read(conn: Connection) -> tuple[list[StudyInfo], Sequence[Any], Sequence[Any]]:
            infos = [
                _study_info(r) for r in conn.execute(select(studies).order_by(studies.c.study_id))
            ]
            counts = conn.execute(
                select(trials.c.study_id, trials.c.state, func.count()).group_by(
                    trials.c.study_id, trials.c.state
                )
            ).all()
            bests = conn.execute(
                select(trials.c.study_id, func.min(trials.c.value), func.max(trials.c.value))
                .where(and_(trials.c.state == TrialState.COMPLETE.value, _FEASIBLE))
                .group_by(trials.c.study_id)
            ).all()
            return infos, counts, bests

        infos, counts, bests = self._read(read)
        per_study: dict[int, dict[TrialState, int]] = {}
        for sid, state, n in counts:
            per_study.setdefault(sid, {s: 0 for s in TrialState})[TrialState(state)] = n
        best = {sid: (lo, hi) for sid, lo, hi in bests}
        out = []
        for info in infos:
            c = per_study.get(info.study_id, {s: 0 for s in TrialState})
            lo_hi = best.get(info.study_id)
            value = (
                None
                if lo_hi is None
                else (lo_hi[0] if info.direction is Direction.MINIMIZE else lo_hi[1])
            )
            out.append(StudySummary(info, sum(c.values()), c, value))
        return out

    def delete_study(self, study_id: int) -> None:
        def run(conn: Connection) -> None:
            ids = select(trials.c.trial_id).where(trials.c.study_id == study_id)
            conn.execute(delete(intermediate).where(intermediate.c.trial_id.in_(ids)))
            conn.execute(delete(trials).where(trials.c.study_id == study_id))
            gone = conn.execute(delete(studies).where(studies.c.study_id == study_id)).rowcount
            if not gone:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")

        def recover(conn: Connection) -> _Found[None] | None:
            # the study is gone after a lost commit: this call deleted it (FOR UPDATE waits
            # for a delete still in flight on the server)
            left = conn.execute(
                select(studies.c.study_id).where(studies.c.study_id == study_id).with_for_update()
            ).first()
            return _Found(None) if left is None else None

        self._write(run, recover)
        with self._cache_lock:
            self._caches.pop(study_id, None)

    def set_study_attr(self, study_id: int, key: str, value: Any, *, system: bool = False) -> None:
        dump_json(value, f"study attribute {key!r}")
        col = studies.c.system_attrs if system else studies.c.user_attrs

        def run(conn: Connection) -> None:
            row = conn.execute(
                select(col).where(studies.c.study_id == study_id).with_for_update()
            ).first()
            if row is None:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
            attrs = {**json.loads(row[0]), key: value}
            conn.execute(
                update(studies)
                .where(studies.c.study_id == study_id)
                .values({col.name: dump_json(attrs, "study attributes")})
            )

        self._write(run)

    # -- trials -------------------------------------------------------------------------------
    def enqueue_trial(
        self,
        study_id: int,
        params: Mapping[str, ParamValue],
        distributions: Mapping[str, Param] | None = None,
        user_attrs: Mapping[str, Any] | None = None,
        system_attrs: Mapping[str, Any] | None = None,
        retry_of: int | None = None,
    ) -> FrozenTrial:
        dump_json(dict(system_attrs or {}), "system attributes")
        token = _new_token()
        values = dict(
            state=TrialState.WAITING.value,
            params=dump_json(dict(params), "params"),
            distributions=dists_to_json(distributions or {}),
            user_attrs=dump_json(dict(user_attrs or {}), "user attributes"),
            system_attrs=dump_json({**(system_attrs or {}), _OP_KEY: token}, "system attributes"),
            retry_of=retry_of,
        )

        def run(conn: Connection) -> FrozenTrial:
            number = self._next_number(conn, study_id)
            seq = self._next_seq(conn, study_id)
            tid = conn.execute(
                insert(trials).values(study_id=study_id, number=number, seq=seq, **values)
            ).inserted_primary_key[0]
            return self._trial_in(conn, int(tid))

        return self._write(run, lambda conn: self._written_by(conn, study_id, token))

    def _add_trial(self, study_id: int, trial: FrozenTrial) -> FrozenTrial:
        token = _new_token()  # finds this call's trial again after a lost commit
        cons = trial.constraints
        values = dict(
            state=trial.state.value,
            value=trial.value,
            params=dump_json(dict(trial.params), "trial.params"),
            distributions=dists_to_json(trial.distributions),
            user_attrs=dump_json(dict(trial.user_attrs), "trial.user_attrs"),
            system_attrs=dump_json({**trial.system_attrs, _OP_KEY: token}, "trial.system_attrs"),
            fail_reason=trial.fail_reason,
            datetime_start=trial.datetime_start,
            datetime_complete=trial.datetime_complete,
            objective_values=_json_list(trial.values),
            constraint_values=_json_list(cons),
            feasible=None if cons is None else all(c <= 0 for c in cons),
        )

        def run(conn: Connection) -> FrozenTrial:
            row = conn.execute(
                select(studies.c.directions).where(studies.c.study_id == study_id)
            ).first()
            if row is None:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
            check_objective_count(trial, len(json.loads(row.directions)) if row.directions else 1)
            number = self._next_number(conn, study_id)
            seq = self._next_seq(conn, study_id)
            tid = int(
                conn.execute(
                    insert(trials).values(study_id=study_id, number=number, seq=seq, **values)
                ).inserted_primary_key[0]
            )
            if trial.intermediate:
                conn.execute(
                    insert(intermediate),
                    [dict(trial_id=tid, step=s, value=v) for s, v in trial.intermediate.items()],
                )
            return self._trial_in(conn, tid)

        return self._write(run, lambda conn: self._written_by(conn, study_id, token))

    def _written_by(self, conn: Connection, study_id: int, token: str) -> _Found[FrozenTrial] | None:
        """The trial that the write tagged ``token`` made, if it was committed after all.

        The study row is locked first: every trial-creating write holds that lock until it
        ends, so a write whose commit is still in flight on the server is waited for."""
        conn.execute(
            select(studies.c.study_id).where(studies.c.study_id == study_id).with_for_update()
        ).first()
        tid = conn.execute(
            select(trials.c.trial_id).where(
                and_(trials.c.study_id == study_id, trials.c.system_attrs.contains(token))
            )
        ).scalar()
        return None if tid is None else _Found(self._trial_in(conn, int(tid)))

    def _next_number(self, conn: Connection, study_id: int, limit: int | None = None) -> int | None:
        """Take the study's next trial number (the study row is locked until commit)."""
        row = conn.execute(
            select(studies.c.next_number).where(studies.c.study_id == study_id).with_for_update()
        ).first()
        if row is None:
            raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
        if limit is not None:
            n = conn.execute(
                select(func.count())
                .select_from(trials)
                .where(and_(trials.c.study_id == study_id, trials.c.state.in_(_COUNTED)))
            ).scalar_one()
            if n >= limit:
                return None
        conn.execute(
            update(studies).where(studies.c.study_id == study_id).values(next_number=row[0] + 1)
        )
        return int(row[0])

    def _next_seq(self, conn: Connection, study_id: int, count: int = 1) -> int:
        """Take ``count`` change numbers of the study and return the first.

        The study row stays locked until commit, so change numbers become visible in the order
        they were taken and a reader never passes one that is still to be committed.  Writers
        lock trial rows before the study row (never the other way round), so this cannot
        deadlock with another writer."""
        take, bump, read, _ = self._seq_sql
        if take is not None:
            head = conn.exec_driver_sql(take, (count, study_id)).scalar_one()
        else:  # SQLite before 3.35 has no RETURNING; its write lock is held all the same
            conn.exec_driver_sql(bump, (count, study_id))
            head = conn.exec_driver_sql(read, (study_id,)).scalar_one()
        return int(head) - count + 1

    def _set_seq(self, conn: Connection, trial_id: int, seq: int) -> None:
        conn.exec_driver_sql(self._seq_sql[3], (seq, trial_id))

    def start_trial(
        self, study_id: int, owner: str, *, lease: bool = False, max_trials: int | None = None
    ) -> FrozenTrial | None:
        now = datetime.now()
        beat = self._now_sql if lease else None
        token = _new_token()  # finds this call's trial again after a lost commit

        def run(conn: Connection) -> FrozenTrial | None:
            waiting = conn.execute(
                select(trials.c.trial_id, trials.c.system_attrs)
                .where(
                    and_(trials.c.study_id == study_id, trials.c.state == TrialState.WAITING.value)
                )
                .order_by(trials.c.number)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if waiting is not None:
                attrs = {**json.loads(waiting.system_attrs or "{}"), _OP_KEY: token}
                conn.execute(
                    update(trials)
                    .where(trials.c.trial_id == waiting.trial_id)
                    .values(
                        state=TrialState.RUNNING.value,
                        owner=owner,
                        heartbeat=beat,
                        datetime_start=now,
                        system_attrs=dump_json(attrs, "system attributes"),
                        seq=self._next_seq(conn, study_id),
                    )
                )
                return self._trial_in(conn, int(waiting.trial_id))
            number = self._next_number(conn, study_id, max_trials)
            if number is None:
                return None
            tid = conn.execute(
                insert(trials).values(
                    study_id=study_id,
                    number=number,
                    state=TrialState.RUNNING.value,
                    params="{}",
                    distributions="{}",
                    user_attrs="{}",
                    system_attrs=json.dumps({_OP_KEY: token}),
                    owner=owner,
                    heartbeat=beat,
                    datetime_start=now,
                    seq=self._next_seq(conn, study_id),
                )
            ).inserted_primary_key[0]
            return FrozenTrial(
                int(tid),
                number,
                TrialState.RUNNING,
                owner=owner,
                heartbeat=time.time() if lease else None,
                datetime_start=now,
            )

        return self._write(run, lambda conn: self._written_by(conn, study_id, token))

    def _locked_running(self, conn: Connection, trial_id: int, action: str) -> Any:
        row = conn.execute(
            select(trials).where(trials.c.trial_id == trial_id).with_for_update()
        ).first()
        if row is None:
            raise TrialStateError(f"no trial with id {trial_id} in {self._safe_url}")
        if row.state != TrialState.RUNNING.value:
            reason = f" ({row.fail_reason})" if row.fail_reason else ""
            raise TrialStateError(f"trial {row.number}: cannot {action}, it is {row.state}{reason}")
        return row

    def set_params(
        self, trial_id: int, params: Mapping[str, ParamValue], distributions: Mapping[str, Param]
    ) -> None:
        dump_json(dict(params), "params")

        def run(conn: Connection) -> None:
            row = self._locked_running(conn, trial_id, "set params")
            conn.execute(
                update(trials)
                .where(trials.c.trial_id == trial_id)
                .values(
                    **_merged(row, params, distributions), seq=self._next_seq(conn, row.study_id)
                )
            )

        self._write(run)

    def report(self, trial_id: int, step: int, value: float) -> None:
        def run(conn: Connection) -> None:
            row = self._locked_running(conn, trial_id, "report")
            seq = self._next_seq(conn, row.study_id)
            self._set_seq(conn, trial_id, seq)
            conn.execute(
                delete(intermediate).where(
                    and_(intermediate.c.trial_id == trial_id, intermediate.c.step == step)
                )
            )
            conn.execute(insert(intermediate).values(trial_id=trial_id, step=step, value=value))

        self._write(run)

    def set_trial_attr(self, trial_id: int, key: str, value: Any, *, system: bool = False) -> None:
        dump_json(value, f"trial attribute {key!r}")
        col = trials.c.system_attrs if system else trials.c.user_attrs

        def run(conn: Connection) -> None:
            row = self._locked_running(conn, trial_id, f"set attribute {key!r}")
            attrs = {**json.loads(getattr(row, col.name)), key: value}
            conn.execute(
                update(trials)
                .where(trials.c.trial_id == trial_id)
                .values(
                    {
                        col.name: dump_json(attrs, "trial attributes"),
                        "seq": self._next_seq(conn, row.study_id),
                    }
                )
            )

        self._write(run)

    def finish_trial(
        self,
        trial_id: int,
        state: TrialState,
        value: float | None = None,
        reason: str | None = None,
        params: Mapping[str, ParamValue] | None = None,
        distributions: Mapping[str, Param] | None = None,
        *,
        max_retries: int = 0,
        values: Sequence[float] | None = None,
        constraints: Sequence[float] | None = None,
    ) -> FrozenTrial:
        if params:
            dump_json(dict(params), "params")
        value, vals = finished_values(value, values)

        def run(conn: Connection) -> FrozenTrial:
            row = self._locked_running(conn, trial_id, f"finish as {state.value}")
            changes: dict[str, Any] = dict(
                state=state.value, value=value, fail_reason=reason, datetime_complete=datetime.now(),
                objective_values=_json_list(vals), constraint_values=_json_list(constraints),
                feasible=None if constraints is None else all(c <= 0 for c in constraints),
            )
            if params:
                changes.update(_merged(row, params, distributions or {}))
            changes["seq"] = self._next_seq(conn, row.study_id)
            conn.execute(update(trials).where(trials.c.trial_id == trial_id).values(**changes))
            if state is TrialState.FAILED and max_retries:
                self._retry(conn, trial_id, max_retries)
            return self._trial_in(conn, trial_id)

        def recover(conn: Connection) -> _Found[FrozenTrial] | None:
            # already ended just as asked: this call's commit happened before the loss
            row = conn.execute(
                select(trials.c.state, trials.c.value, trials.c.fail_reason)
                .where(trials.c.trial_id == trial_id)
                .with_for_update()
            ).first()
            if row is None or not _same_end(row, state, value, reason):
                return None
            return _Found(self._trial_in(conn, trial_id))

        return self._write(run, recover)

    def heartbeat(self, trial_ids: Sequence[int]) -> None:
        if not trial_ids:
            return
        self._write(
            lambda conn: conn.execute(
                update(trials)
                .where(
                    and_(
                        trials.c.trial_id.in_(list(trial_ids)),
                        trials.c.state == TrialState.RUNNING.value,
                        trials.c.heartbeat.is_not(None),
                    )
                )
                .values(heartbeat=self._now_sql)
            )
        )

    def _retry(self, conn: Connection, trial_id: int, max_retries: int) -> None:
        """Re-queue a trial just failed in this transaction, if it has retries left."""
        row = conn.execute(select(trials).where(trials.c.trial_id == trial_id)).one()
        old = {k: v for k, v in json.loads(row.system_attrs or "{}").items() if k != _OP_KEY}
        attrs = retry_attrs(old, max_retries)
        if attrs is None:
            return
        number = self._next_number(conn, row.study_id)
        conn.execute(
            insert(trials).values(
                study_id=row.study_id,
                number=number,
                state=TrialState.WAITING.value,
                params=row.params,
                distributions=row.distributions,
                user_attrs="{}",
                system_attrs=dump_json(attrs, "system attributes"),
                retry_of=row.number,
                seq=self._next_seq(conn, row.study_id),
            )
        )

    def fail_stale_trials(
        self, study_id: int, grace_seconds: float, *, max_retries: int = 0
    ) -> list[int]:
        def read(conn: Connection) -> tuple[float, Sequence[Any]]:
            now = float(conn.execute(select(self._now_sql)).scalar_one())
            rows = conn.execute(
                select(
                    trials.c.trial_id, trials.c.number, trials.c.owner, trials.c.heartbeat
                ).where(
                    and_(trials.c.study_id == study_id, trials.c.state == TrialState.RUNNING.value)
                )
            ).all()
            return now, rows

        now, rows = self._read(read)
        # after an outage (or right after opening) every lease looks old: judge leases only
        # once this store has been reachable for a whole grace period (owners renew by then)
        lease_grace = grace_seconds if self._outage.in_contact_for() >= grace_seconds else math.inf
        stale = []
        for tid, number, owner, beat in rows:
            probe = FrozenTrial(tid, number, TrialState.RUNNING, owner=owner, heartbeat=beat)
            reason = stale_reason(probe, now, lease_grace)
            if reason:
                stale.append((tid, number, reason))
        if not stale:
            return []

        def run(conn: Connection) -> list[int]:
            done = []
            for tid, number, reason in stale:
                n = conn.execute(
                    update(trials)
                    .where(
                        and_(trials.c.trial_id == tid, trials.c.state == TrialState.RUNNING.value)
                    )
                    .values(
                        state=TrialState.FAILED.value,
                        fail_reason=reason,
                        datetime_complete=datetime.now(),
                    )
                ).rowcount
                if n:
                    done.append((tid, number))
            if done:  # trial rows first, then the study row (see _next_seq)
                first = self._next_seq(conn, study_id, len(done))
                for i, (tid, _) in enumerate(done):
                    self._set_seq(conn, tid, first + i)
                for tid, _ in done if max_retries else ():
                    self._retry(conn, tid, max_retries)
            return [number for _, number in done]

        failed = self._write(run)
        for number in failed:
            log.warning("trial %d of study %d failed: abandoned by its owner", number, study_id)
        return failed

    def get_trial(self, trial_id: int) -> FrozenTrial:
        return self._read(lambda conn: self._trial_in(conn, trial_id))

    def _trial_in(self, conn: Connection, trial_id: int) -> FrozenTrial:
        row = conn.execute(select(trials).where(trials.c.trial_id == trial_id)).first()
        if row is None:
            raise TrialStateError(f"no trial with id {trial_id} in {self._safe_url}")
        steps = conn.execute(
            select(intermediate.c.step, intermediate.c.value).where(
                intermediate.c.trial_id == trial_id
            )
        ).all()
        return _trial(row, {s: _float(v) for s, v in steps})

    def get_trials(self, study_id: int) -> list[FrozenTrial]:
        with self._cache_lock:
            cache = self._caches.setdefault(study_id, _StudyCache())
            frontier, marker = cache.frontier, cache.marker

        def read(conn: Connection) -> tuple[tuple[Any, ...], Sequence[Any], Sequence[Any]]:
            study = conn.execute(
                select(studies.c.name, studies.c.datetime_start).where(
                    studies.c.study_id == study_id
                )
            ).first()
            if study is None:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
            seen = tuple(study)
            start = frontier if seen == marker else 0  # another study under this id: all of it
            rows = conn.execute(
                select(trials)
                .where(and_(trials.c.study_id == study_id, trials.c.trial_id >= start))
                .order_by(trials.c.trial_id)
            ).all()
            steps = conn.execute(
                select(intermediate.c.trial_id, intermediate.c.step, intermediate.c.value)
                .join(trials, trials.c.trial_id == intermediate.c.trial_id)
                .where(and_(trials.c.study_id == study_id, trials.c.trial_id >= start))
                .order_by(intermediate.c.trial_id, intermediate.c.step)
            ).all()
            return seen, rows, steps

        seen, rows, steps = self._read(read)
        per_trial: dict[int, dict[int, float]] = {}
        for tid, step, value in steps:
            per_trial.setdefault(tid, {})[step] = _float(value)
        with self._cache_lock:
            if cache.marker != seen:  # first read, or the id now names another study
                cache.by_number, cache.frontier, cache.marker = [], 0, seen
            new_frontier = None
            for row in rows:
                t = _trial(row, per_trial.get(row.trial_id, {}))
                while len(cache.by_number) <= t.number:
                    cache.by_number.append(None)
                cache.by_number[t.number] = t
                if new_frontier is None and not t.is_finished:
                    new_frontier = t.trial_id
            if rows:
                cache.frontier = max(
                    cache.frontier,
                    new_frontier if new_frontier is not None else rows[-1].trial_id + 1,
                )
            return [t for t in cache.by_number if t is not None]

    def count_trials(self, study_id: int, states: Sequence[TrialState]) -> int:
        query = (
            select(func.count())
            .select_from(trials)
            .where(
                and_(trials.c.study_id == study_id, trials.c.state.in_([s.value for s in states]))
            )
        )
        return int(self._read(lambda conn: conn.execute(query).scalar_one()))


    # -- reads for viewers: short read transactions, bounded results ---------------------------
    def _cursor(self, conn: Connection, study_id: int) -> int:
        head = conn.execute(
            select(studies.c.change_seq).where(studies.c.study_id == study_id)
        ).scalar()
        if head is None:
            raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
        return int(head)

    def _with_steps(self, conn: Connection, rows: Sequence[Any]) -> list[FrozenTrial]:
        ids = [r.trial_id for r in rows]
        per_trial: dict[int, dict[int, float]] = {}
        if ids:
            steps = conn.execute(
                select(intermediate.c.trial_id, intermediate.c.step, intermediate.c.value)
                .where(intermediate.c.trial_id.in_(ids))
                .order_by(intermediate.c.trial_id, intermediate.c.step)
            ).all()
            for tid, step, value in steps:
                per_trial.setdefault(tid, {})[step] = _float(value)
        return [_trial(r, per_trial.get(r.trial_id, {})) for r in rows]

    def get_study_summary(self, study_id: int) -> StudySummary:
        def read(conn: Connection) -> tuple[Any, Sequence[Any], Any, Any]:
            row = conn.execute(select(studies).where(studies.c.study_id == study_id)).first()
            if row is None:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
            counts = conn.execute(
                select(trials.c.state, func.count())
                .where(trials.c.study_id == study_id)
                .group_by(trials.c.state)
            ).all()
            lo, hi = conn.execute(
                select(func.min(trials.c.value), func.max(trials.c.value)).where(
                    and_(
                        trials.c.study_id == study_id,
                        trials.c.state == TrialState.COMPLETE.value,
                        _FEASIBLE,
                    )
                )
            ).one()
            return row, counts, lo, hi

        row, counts, lo, hi = self._read(read)
        info = _study_info(row)
        c = {s: 0 for s in TrialState}
        for state, n in counts:
            c[TrialState(state)] = int(n)
        best = lo if info.direction is Direction.MINIMIZE else hi
        return StudySummary(info, sum(c.values()), c, None if best is None else float(best))

    def query_trials(
        self,
        study_id: int,
        *,
        states: Sequence[TrialState] | None = None,
        value_min: float | None = None,
        value_max: float | None = None,
        sort: str = "number",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> TrialPage:
        check_query(sort, offset, limit)
        where = [trials.c.study_id == study_id]
        if states is not None:
            where.append(trials.c.state.in_([TrialState.parse(s).value for s in states]))
        if value_min is not None:
            where.append(trials.c.value >= float(value_min))
        if value_max is not None:
            where.append(trials.c.value <= float(value_max))
        col = trials.c[sort]
        order: list[Any] = [col.is_(None)] if col.nullable else []  # missing values last
        order += [col.desc() if descending else col.asc(), trials.c.number]

        def read(conn: Connection) -> tuple[int, int, list[int], dict[int, FrozenTrial]]:
            cursor = self._cursor(conn, study_id)  # first: later changes are not missed
            total = conn.execute(
                select(func.count()).select_from(trials).where(and_(*where))
            ).scalar_one()
            ids = (
                conn.execute(
                    select(trials.c.trial_id)
                    .where(and_(*where))
                    .order_by(*order)
                    .offset(offset)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            rows = conn.execute(select(trials).where(trials.c.trial_id.in_(ids))).all()
            found = {t.trial_id: t for t in self._with_steps(conn, rows)} if ids else {}
            return cursor, int(total), list(ids), found

        cursor, total, ids, found = self._read(read)
        page = tuple(found[i] for i in ids if i in found)
        return TrialPage(page, int(total), cursor)

    def trials_changed_since(
        self, study_id: int, cursor: int, *, limit: int = MAX_PAGE
    ) -> TrialChanges:
        check_query("number", 0, limit)

        def read(conn: Connection) -> TrialChanges:
            head = self._cursor(conn, study_id)
            # up to head only: a change committed after head was read comes next time
            rows = conn.execute(
                select(trials)
                .where(
                    and_(
                        trials.c.study_id == study_id,
                        trials.c.seq > int(cursor),
                        trials.c.seq <= head,
                    )
                )
                .order_by(trials.c.seq)
                .limit(limit + 1)
            ).all()
            more = len(rows) > limit
            rows = rows[:limit]
            changed = self._with_steps(conn, rows)
            return TrialChanges(tuple(changed), int(rows[-1].seq) if more else head, more)

        return self._read(read)

    def get_trial_points(self, study_id: int) -> TrialPoints:
        def read(conn: Connection) -> tuple[int, Sequence[Any]]:
            head = self._cursor(conn, study_id)
            rows = conn.execute(
                select(trials.c.number, trials.c.state, trials.c.value)
                .where(trials.c.study_id == study_id)
                .order_by(trials.c.number)
            ).all()
            return head, rows

        head, rows = self._read(read)
        states = {s.value: s for s in TrialState}
        points = tuple(
            TrialPoint(n, states[st], None if v is None else float(v)) for n, st, v in rows
        )
        return TrialPoints(points, head)


# -- helpers -----------------------------------------------------------------------------------
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


def _optuna_refusal(safe_url: str, create: bool) -> str:
    """Why a database of Optuna's is not opened as a tunecycle store (a user switching from
    Optuna expects their history there, not a new empty study beside it)."""
    if not create:
        return (f"storage {safe_url}: the database holds no tunecycle studies (it has no "
                f"tunecycle tables; it holds Optuna's: {_IMPORT_HINT})")
    return (f"storage {safe_url}: the database holds Optuna's tables, not tunecycle's, and "
            f"tunecycle does not use Optuna's schema: {_IMPORT_HINT}; or, to keep tunecycle's "
            "tables in this same database, run `tunecycle storage upgrade --storage URL` "
            "once first")


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


@dataclass(frozen=True)
class _Found(Generic[T]):
    """What a write's ``recover`` found: the result of an earlier attempt that committed."""

    value: T


def _new_token() -> str:
    return secrets.token_hex(16)


def _op_of(system_attrs: str | None) -> str | None:
    """The token of the write that made (or claimed) a row, from its stored system attrs."""
    return json.loads(system_attrs or "{}").get(_OP_KEY)


def _public(system_attrs: str | None) -> dict[str, Any]:
    attrs = json.loads(system_attrs or "{}")
    attrs.pop(_OP_KEY, None)
    return attrs


def _same_end(row: Any, state: TrialState, value: float | None, reason: str | None) -> bool:
    """True when a trial row already ended exactly as ``finish_trial`` was asked to end it."""
    if row.state != state.value or row.fail_reason != reason:
        return False
    if row.value is None or value is None:
        return row.value is None and value is None
    return float(row.value) == float(value) or (math.isnan(row.value) and math.isnan(value))


def _missing_table(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "no such table" in text or ("does not exist" in text and "relation" in text)


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


def _known_revision(revision: str) -> bool:
    versions = Path(__file__).parent / "migrations" / "versions"
    return any(p.name.startswith(revision + "_") for p in versions.glob("*.py"))


def _float(v: Any) -> float:
    return float("nan") if v is None else float(v)


def _merged(row: Any, params: Mapping[str, Any], dists: Mapping[str, Param]) -> dict[str, str]:
    old_params = json.loads(row.params)
    old_dists = json.loads(row.distributions)
    old_params.update(params)
    old_dists.update({n: p.to_dict() for n, p in dists.items()})
    return {"params": dump_json(old_params, "params"), "distributions": json.dumps(old_dists)}


def _study_info(row: Any) -> StudyInfo:
    directions = tuple(Direction(d) for d in json.loads(row.directions)) if row.directions else ()
    return StudyInfo(
        study_id=row.study_id,
        name=row.name,
        direction=Direction(row.direction),
        user_attrs=json.loads(row.user_attrs),
        system_attrs=_public(row.system_attrs),
        datetime_start=row.datetime_start,
        directions=directions,
    )


def _json_list(numbers: Sequence[float] | None) -> str | None:
    return None if numbers is None else json.dumps([float(x) for x in numbers])


def _numbers(text: str | None) -> tuple[float, ...] | None:
    return None if text is None else tuple(float(x) for x in json.loads(text))


def _trial(row: Any, steps: dict[int, float]) -> FrozenTrial:
    return FrozenTrial(
        trial_id=row.trial_id,
        number=row.number,
        state=TrialState(row.state),
        value=row.value,
        params=json.loads(row.params),
        distributions=dists_from_json(row.distributions),
        intermediate=steps,
        user_attrs=json.loads(row.user_attrs),
        system_attrs=_public(row.system_attrs),
        datetime_start=row.datetime_start,
        datetime_complete=row.datetime_complete,
        fail_reason=row.fail_reason,
        owner=row.owner,
        heartbeat=row.heartbeat,
        retry_of=row.retry_of,
        values=_numbers(row.objective_values),
        constraints=_numbers(row.constraint_values),
    )
