"""A store written by the release before several objectives (schema 0003) upgrades to 0004 and
then reads and writes as before: every study, trial, value, state, param, intermediate value
and attribute unchanged, its studies continued, new studies of several objectives beside them.

``data/release-0003.db`` was written by that release (``data/make_release_db.py``); the
PostgreSQL case copies its rows into a PostgreSQL database at schema 0003.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import tunecycle as tc
from tunecycle.cli.main import main
from tunecycle.errors import SchemaVersionError
from tunecycle.records import Direction, TrialState
from tunecycle.storage.schema import SCHEMA_HEAD
from tunecycle.storage.sql import SQLStorage

RELEASE_DB = Path(__file__).with_name("data") / "release-0003.db"
TABLES = ("tc_studies", "tc_trials", "tc_intermediate")


def _rows(table: str) -> tuple[list[str], list[tuple]]:
    with sqlite3.connect(RELEASE_DB) as conn:
        cur = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
        return [d[0] for d in cur.description], cur.fetchall()


def _release_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "release.db"
        shutil.copy(RELEASE_DB, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("fresh_postgres_url")
    SQLStorage(url, check_schema=False)._migrate("0003")  # the release's tables, then its rows
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for table in TABLES:
                columns, rows = _rows(table)
                sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                       f"({', '.join(':' + c for c in columns)})")
                for row in rows:
                    conn.execute(text(sql), dict(zip(columns, row)))
            conn.execute(text("SELECT setval(pg_get_serial_sequence('tc_trials', 'trial_id'), "
                              "(SELECT MAX(trial_id) FROM tc_trials))"))
            conn.execute(text("SELECT setval(pg_get_serial_sequence('tc_studies', 'study_id'), "
                              "(SELECT MAX(study_id) FROM tc_studies))"))
    finally:
        engine.dispose()
    return url


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_release_store_upgrades_and_reads_and_writes_unchanged(request, backend, tmp_path):
    url = _release_url(request, backend, tmp_path)
    with pytest.raises(SchemaVersionError, match="tunecycle storage upgrade"):
        SQLStorage(url)  # an older schema is never changed behind the user's back
    assert main(["storage", "upgrade", "--storage", url]) == 0

    _, release_trials = _rows("tc_trials")
    _, release_steps = _rows("tc_intermediate")
    study = tc.load_study("release", url)
    assert study.directions == (Direction.MINIMIZE,) and study.direction is Direction.MINIMIZE
    assert study.user_attrs == {"note": "made by the 0003 release"}
    trials = study.trials
    by_id = {t.trial_id: t for t in trials}
    columns, _ = _rows("tc_trials")
    for row in release_trials:
        rec = dict(zip(columns, row))
        if rec["study_id"] != study.study_id:
            continue
        t = by_id[rec["trial_id"]]
        assert (t.number, t.state.value, t.value) == (rec["number"], rec["state"], rec["value"])
        assert t.values == (None if rec["value"] is None else (rec["value"],))
        assert t.constraints is None and t.feasible
        assert t.fail_reason == rec["fail_reason"]
    steps = {(tid, step): value for tid, step, value in release_steps}
    for t in trials:
        assert {(t.trial_id, s): v for s, v in t.intermediate.items()} == {
            k: v for k, v in steps.items() if k[0] == t.trial_id}
    states = [t.state for t in trials]
    assert states.count(TrialState.PRUNED) == 1 and states.count(TrialState.FAILED) == 1
    assert states[-1] is TrialState.WAITING  # the enqueued trial, still queued

    best = study.best_trial  # what was best stays best
    assert best.value == min(t.value for t in trials if t.state is TrialState.COMPLETE)

    def objective(trial):
        return trial.suggest_float("x", -3.0, 3.0) ** 2 + (trial.suggest_categorical(
            "kind", ["a", "b"]) == "b")

    study.optimize(objective, n_trials=3)  # writes: the queued trial first, then two more
    after = tc.load_study("release", url).trials
    assert [t.number for t in after] == list(range(len(trials) + 2))
    assert after[len(trials) - 1].params == {"x": 0.5, "kind": "a"}
    assert all(t.state is TrialState.COMPLETE for t in after[len(trials) - 1:])

    other = tc.load_study("release-max", url)
    assert other.directions == (Direction.MAXIMIZE,) and len(other.trials) == 3
    mo = tc.create_study("new-mo", storage=url, directions=["maximize", "minimize"],
                         sampler="random", seed=0)
    mo.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)), n_trials=4)
    assert tc.load_study("new-mo", url).directions == (Direction.MAXIMIZE, Direction.MINIMIZE)
    assert {s.info.name for s in tc.list_studies(url)} == {"release", "release-max", "new-mo"}
    store = SQLStorage(url)
    try:
        assert store._schema_revision() == SCHEMA_HEAD
    finally:
        store.close()
