"""What only the SQL backends (SQLite, PostgreSQL) have: the schema and its migrations, URL
errors, and several processes sharing one database from the first moment."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

import tunecycle as tc
from tunecycle.errors import SchemaVersionError, StorageUnavailableError, StorageURLError
from tunecycle.records import Direction, TrialState
from tunecycle.storage import get_storage, parse_storage_url
from tunecycle.storage.base import MAX_STUDY_NAME
from tunecycle.storage.schema import SCHEMA_HEAD, VERSION_TABLE, metadata
from tunecycle.storage.sql import SQLStorage

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "src" / "tunecycle" / "storage" / "migrations"


def _engine(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _versions(url: str) -> list[str]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]
    finally:
        engine.dispose()


# -- schema -------------------------------------------------------------------------------------
def test_schema_is_created_once(fresh_sql_url, monkeypatch):
    first = SQLStorage(fresh_sql_url)
    sid = first.create_study("kept", Direction.MINIMIZE).study_id
    first.start_trial(sid, "h:1")
    first.close()
    assert _versions(fresh_sql_url) == [SCHEMA_HEAD]

    def migrate_again(self):
        raise AssertionError("the schema was migrated a second time")

    monkeypatch.setattr(SQLStorage, "_migrate", migrate_again)
    second = SQLStorage(fresh_sql_url)
    try:
        assert second.get_study("kept").study_id == sid
        assert [t.number for t in second.get_trials(sid)] == [0]
    finally:
        second.close()
    assert _versions(fresh_sql_url) == [SCHEMA_HEAD]


def test_unknown_schema_revision_is_refused(fresh_sql_url):
    SQLStorage(fresh_sql_url).close()
    engine = _engine(fresh_sql_url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    engine.dispose()
    for open_it in (SQLStorage, get_storage, lambda url: tc.create_study(storage=url)):
        with pytest.raises(SchemaVersionError) as info:
            open_it(fresh_sql_url)
        message = str(info.value)
        assert "'9999'" in message and repr(SCHEMA_HEAD) in message
        assert "tunecycle storage upgrade" in message
    assert _versions(fresh_sql_url) == ["9999"]  # and nothing was touched


def test_schema_head_is_alembic_head():
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_heads() == [SCHEMA_HEAD]
    assert script.get_current_head() == SCHEMA_HEAD
    # one linear chain from the first migration to the head
    chain = list(script.walk_revisions())
    assert chain[0].revision == SCHEMA_HEAD and chain[-1].down_revision is None


def test_migrated_tables_match_schema_metadata(fresh_sql_url):
    SQLStorage(fresh_sql_url).close()
    engine = _engine(fresh_sql_url)
    try:
        insp = inspect(engine)
        assert set(insp.get_table_names()) == set(metadata.tables) | {VERSION_TABLE}
        for name, table in metadata.tables.items():
            columns = insp.get_columns(name)
            assert [c["name"] for c in columns] == [c.name for c in table.columns], name
            assert {c["name"]: c["nullable"] for c in columns} == {
                c.name: c.nullable for c in table.columns
            }, name
            assert insp.get_pk_constraint(name)["constrained_columns"] == [
                c.name for c in table.primary_key
            ], name
            assert {
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                )
                for fk in insp.get_foreign_keys(name)
            } == {
                (
                    tuple(fk.parent.name for fk in c.elements),
                    c.referred_table.name,
                    tuple(fk.column.name for fk in c.elements),
                )
                for c in table.foreign_key_constraints
            }, name
            assert {i["name"] for i in insp.get_indexes(name)} >= {i.name for i in table.indexes}
            uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints(name)}
            uniques |= {tuple(i["column_names"]) for i in insp.get_indexes(name) if i["unique"]}
            wanted = {
                tuple(c.name for c in u.columns)
                for u in table.constraints
                if u.__class__.__name__ == "UniqueConstraint"
            }
            wanted |= {(c.name,) for c in table.columns if c.unique}
            assert uniques >= wanted, name
    finally:
        engine.dispose()


def test_the_name_limit_is_the_migrated_column_length(fresh_sql_url):
    """``MAX_STUDY_NAME`` is what the migrations give ``tc_studies.name`` (PostgreSQL enforces
    it; SQLite does not, which is why the storage checks names itself)."""
    get_storage(fresh_sql_url).close()
    engine = _engine(fresh_sql_url)
    try:
        columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("tc_studies")}
    finally:
        engine.dispose()
    assert columns["name"].length == MAX_STUDY_NAME == 512


# -- bad URLs -----------------------------------------------------------------------------------
def test_sqlite_in_a_missing_directory(tmp_path):
    url = f"sqlite:///{tmp_path}/missing/dir/s.db"
    for open_it in (get_storage, lambda u: tc.create_study(storage=u)):
        with pytest.raises(StorageURLError, match="does not exist") as info:
            open_it(url)
        assert str(tmp_path / "missing" / "dir") in str(info.value)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    "url", ["redis://localhost:6379/0", "sqlite3:///x.db", "/tmp/x.db", "memory", "http://db"]
)
def test_unknown_scheme(url):
    with pytest.raises(StorageURLError, match="not a supported URL") as info:
        get_storage(url)
    assert repr(url) in str(info.value)
    assert "sqlite:///" in str(info.value)  # says what would work


@pytest.mark.parametrize("url", ["", "   ", 42])
def test_not_a_url(url):
    with pytest.raises(StorageURLError, match="expected a URL string"):
        get_storage(url)


@pytest.mark.parametrize("given", ["postgres://u:pw@h:5432/db", "postgresql://u:pw@h:5432/db",
                                   "postgresql+psycopg://u:pw@h:5432/db"])
def test_postgres_spellings_are_opened_with_psycopg(given):
    target = parse_storage_url(given)
    assert (target.backend, target.url) == ("postgresql", "postgresql+psycopg://u:pw@h:5432/db")
    assert "pw" not in target.safe and "***" in target.safe


def test_malformed_database_url():
    with pytest.raises(StorageURLError, match="not a valid database URL"):
        get_storage("postgresql+psycopg://u@host:notaport/db")


def test_unreachable_postgres_names_the_server_and_hides_the_password(monkeypatch):
    # a refused connection is waited out (a restarting server refuses too), for as long as
    # TUNECYCLE_STORAGE_RETRY_SECONDS says, then one error names the store and the wait
    monkeypatch.setenv("TUNECYCLE_STORAGE_RETRY_SECONDS", "1")
    start = time.monotonic()
    with pytest.raises(StorageUnavailableError) as info:
        get_storage("postgresql+psycopg://postgres:s3cret@127.0.0.1:1/test")
    message = str(info.value)
    assert "127.0.0.1:1" in message
    assert "connection refused" in message and "unreachable for 1 s" in message
    assert "s3cret" not in message and "\n" not in message
    assert time.monotonic() - start < 20


@pytest.mark.parametrize(
    "url", ["mysql://user@127.0.0.1/db", "mysql+pymysql://user@127.0.0.1/db",
            "postgresql+asyncpg://user@127.0.0.1/db"],
)
def test_backends_the_sql_layer_does_not_speak_are_refused(url):
    with pytest.raises(StorageURLError, match="not a supported URL") as info:
        get_storage(url)
    message = str(info.value)
    assert "sqlite:///" in message and "postgresql://" in message  # what is supported
    assert "\n" not in message


# -- several processes at once ------------------------------------------------------------------
WORKER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path

    import tunecycle as tc
    import tunecycle.storage.sql  # SQLAlchemy and the driver, imported before the start line

    url, name, max_trials, ready, go = sys.argv[1:6]
    Path(ready).touch()
    deadline = time.monotonic() + 60
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            sys.exit("never told to go")
        time.sleep(0.002)

    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        time.sleep(0.01)
        return x * x

    study = tc.create_study(name, storage=url, load_if_exists=True, sampler="random")
    study.optimize(objective, max_trials=int(max_trials))
    print("done", os.getpid(), flush=True)
    """
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    return env


def test_processes_starting_together_on_a_fresh_database(fresh_sql_url, tmp_path):
    n_workers, max_trials = 4, 24
    go = tmp_path / "go"
    readies = [tmp_path / f"ready-{i}" for i in range(n_workers)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, fresh_sql_url, "race", str(max_trials), str(r), str(go)],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in readies
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(r.exists() for r in readies):
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.01)
        go.touch()
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
        assert "done" in out and "Traceback" not in err, err

    store = get_storage(fresh_sql_url)
    try:
        (summary,) = store.list_studies()
        trials = store.get_trials(summary.info.study_id)
    finally:
        store.close()
    assert summary.info.name == "race"
    assert [t.number for t in trials] == list(range(max_trials))
    assert [t.state for t in trials] == [TrialState.COMPLETE] * max_trials
    assert len({t.trial_id for t in trials}) == max_trials
    assert {t.owner.rpartition(":")[2] for t in trials} <= {str(p.pid) for p in procs}
    assert _versions(fresh_sql_url) == [SCHEMA_HEAD]


def test_a_fresh_sqlite_file_is_opened_while_another_connection_holds_its_write_lock(tmp_path):
    # SQLite refuses the switch to WAL at once, busy timeout or not, while another connection
    # holds the write lock of a file still in rollback mode: the race of workers starting
    # together on a new file.  The store must wait for the lock, not fail with "locked".
    path = tmp_path / "s.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE someone_elses (x)")
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, holder.execute, ("COMMIT",))
    release.start()
    try:
        store = SQLStorage(f"sqlite:///{path}")
    finally:
        release.join()
        holder.close()
    try:
        store.create_study("after-the-wait", Direction.MINIMIZE)
        assert [s.info.name for s in store.list_studies()] == ["after-the-wait"]
    finally:
        store.close()
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        check.close()


def test_an_older_schema_is_refused_then_upgraded_with_its_data(fresh_sql_url):
    old = SQLStorage(fresh_sql_url, check_schema=False)
    old._migrate("0001")  # a database written by the first release, with its columns only
    old.close()
    engine = _engine(fresh_sql_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO tc_studies (name, direction, user_attrs, system_attrs, next_number,"
                " datetime_start) VALUES ('old', 'maximize', '{}', '{}', 2, CURRENT_TIMESTAMP)"
            ))
            for number, value in ((0, 0.75), (1, 0.5)):
                conn.execute(text(
                    "INSERT INTO tc_trials (study_id, number, state, value, params,"
                    " distributions, user_attrs, system_attrs, owner, datetime_start,"
                    " datetime_complete) SELECT study_id, :n, 'complete', :v, '{}', '{}', '{}',"
                    " '{}', 'h:1', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM tc_studies"
                ), {"n": number, "v": value})
    finally:
        engine.dispose()
    assert _versions(fresh_sql_url) == ["0001"]
    with pytest.raises(SchemaVersionError, match="tunecycle storage upgrade"):
        SQLStorage(fresh_sql_url)

    from tunecycle.cli.main import main

    assert main(["storage", "upgrade", "--storage", fresh_sql_url]) == 0
    assert _versions(fresh_sql_url) == [SCHEMA_HEAD]
    study = tc.load_study("old", fresh_sql_url)
    assert [(t.number, t.value) for t in study.trials] == [(0, 0.75), (1, 0.5)]
    # 0003 gave the old trials change numbers: a reader from 0 sees each once, and new writes
    # come after them
    store = SQLStorage(fresh_sql_url)
    try:
        sid = store.get_study("old").study_id
        seen = store.trials_changed_since(sid, 0)
        assert [t.number for t in seen.trials] == [0, 1] and seen.cursor == 2
        trial = store.start_trial(sid, "h:2")
        later = store.trials_changed_since(sid, seen.cursor)
        assert [t.number for t in later.trials] == [trial.number] == [2]
    finally:
        store.close()
    engine = _engine(fresh_sql_url)
    try:
        names = {i["name"] for i in inspect(engine).get_indexes("tc_trials")}
    finally:
        engine.dispose()
    assert "ix_tc_trials_study_state_number" in names
    assert "ix_tc_trials_study_state" not in names


def test_change_numbers_without_returning(tmp_path):
    """SQLite before 3.35 has no RETURNING: the change numbers take two statements there."""
    store = SQLStorage(f"sqlite:///{tmp_path}/old-sqlite.db")
    try:
        store._seq_sql = (None, *store._seq_sql[1:])  # as on such a SQLite: no RETURNING
        sid = store.create_study("s", Direction.MINIMIZE).study_id
        t = store.start_trial(sid, "h:1")
        store.report(t.trial_id, 0, 1.0)
        mid = store.trials_changed_since(sid, 0).cursor
        store.finish_trial(t.trial_id, TrialState.COMPLETE, 1.0)
        u = store.start_trial(sid, "h:1")
        later = store.trials_changed_since(sid, mid)
        assert (mid, later.cursor) == (2, 4)
        assert [(x.number, x.state) for x in later.trials] == [
            (t.number, TrialState.COMPLETE),
            (u.number, TrialState.RUNNING),
        ]
    finally:
        store.close()


def test_a_reader_that_never_reached_the_store_gives_up_after_a_few_seconds(monkeypatch):
    """A mistyped host or port on a read command is said in seconds, not after the minute a
    writer waits for a restarting server (a refused port on 127.0.0.1)."""
    from tunecycle.errors import StorageUnavailableError
    from tunecycle.storage import get_storage
    from tunecycle.storage.outage import READER_FIRST_CONTACT_SECONDS

    monkeypatch.setenv("TUNECYCLE_STORAGE_RETRY_SECONDS", "60")
    with pytest.raises(StorageUnavailableError) as info:
        get_storage("postgresql://postgres@127.0.0.1:1/test", create=False)
    message = str(info.value)
    assert f"unreachable for {READER_FIRST_CONTACT_SECONDS:.0f} s (connection refused)" in message
    assert "Finished trials" not in message  # it never reached a store that could hold any
