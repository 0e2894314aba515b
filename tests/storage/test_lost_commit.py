"""A connection that dies around COMMIT, on a real SQLite file and a real PostgreSQL server.

``lose_connection`` wraps the dialect's commit of one storage: once, the connection is really
killed (PostgreSQL: the backend terminates itself with ``pg_terminate_backend``; SQLite: the
file's connection is closed and then used), either just after the real COMMIT (the caller
cannot know that it happened: an ambiguous commit) or just before it (nothing was written).
The storage must retry, and after an ambiguous commit find its own write instead of making a
second one or refusing its own result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tunecycle.errors import DuplicatedStudyError, StudyNotFoundError, TrialStateError, UserError
from tunecycle.records import Direction, TrialState
from tunecycle.space import Float
from tunecycle.storage.outage import ENV_RETRY_SECONDS
from tunecycle.storage.sql import SQLStorage


def _kill(dialect_name: str, dbapi_conn: Any) -> None:
    """Really break the connection; raises the driver's own error."""
    if dialect_name == "postgresql":
        cur = dbapi_conn.cursor()
        cur.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        cur.fetchall()
    else:
        raw = dbapi_conn.dbapi_connection
        raw.close()  # an open transaction is rolled back
        raw.execute("SELECT 1")  # sqlite3.ProgrammingError: a closed database
    raise AssertionError("the connection survived")


@contextmanager
def lose_connection(store: SQLStorage, *, after_commit: bool = True) -> Iterator[list[int]]:
    """Kill the connection at the next commit of ``store`` (once); yields [kills so far]."""
    dialect = store._engine.dialect
    real = dialect.do_commit
    kills = [0]

    def do_commit(dbapi_conn: Any) -> None:
        if kills[0]:
            return real(dbapi_conn)
        kills[0] += 1
        if after_commit:
            real(dbapi_conn)
        _kill(dialect.name, dbapi_conn)

    dialect.do_commit = do_commit
    try:
        yield kills
    finally:
        del dialect.do_commit


@pytest.fixture
def store(fresh_sql_url: str) -> Iterator[SQLStorage]:
    s = SQLStorage(fresh_sql_url, retry_seconds=20)
    yield s
    s.close()


@pytest.fixture
def study_id(store: SQLStorage) -> int:
    return store.create_study("lost", Direction.MINIMIZE).study_id


def _numbers(store: SQLStorage, study_id: int) -> list[int]:
    return [t.number for t in store.get_trials(study_id)]


def test_start_trial_after_a_lost_commit_returns_its_own_trial(store, study_id):
    with lose_connection(store) as kills:
        t = store.start_trial(study_id, "me:1", lease=True)
    assert kills == [1]
    assert t is not None and t.number == 0 and t.state is TrialState.RUNNING
    assert _numbers(store, study_id) == [0]  # not a second trial
    assert store.start_trial(study_id, "me:1").number == 1  # numbering goes on, no gap
    assert store.get_trial(t.trial_id).system_attrs == {}  # the token is private


def test_start_trial_lost_before_commit_is_simply_done_again(store, study_id):
    with lose_connection(store, after_commit=False) as kills:
        t = store.start_trial(study_id, "me:1")
    assert kills == [1] and t is not None and t.number == 0
    assert _numbers(store, study_id) == [0]


def test_claiming_an_enqueued_trial_after_a_lost_commit_claims_it_once(store, study_id):
    first = store.enqueue_trial(study_id, {"x": 1.0}, system_attrs={"origin": "me"})
    second = store.enqueue_trial(study_id, {"x": 2.0})
    with lose_connection(store) as kills:
        t = store.start_trial(study_id, "me:1")
    assert kills == [1] and t.trial_id == first.trial_id
    states = {x.number: x.state for x in store.get_trials(study_id)}
    assert states == {first.number: TrialState.RUNNING, second.number: TrialState.WAITING}
    assert store.get_trial(t.trial_id).system_attrs == {"origin": "me"}


def test_enqueue_after_a_lost_commit_queues_one_trial(store, study_id):
    with lose_connection(store) as kills:
        t = store.enqueue_trial(study_id, {"x": 0.5}, user_attrs={"why": "seed"})
    assert kills == [1] and t.number == 0 and t.state is TrialState.WAITING
    trials = store.get_trials(study_id)
    assert len(trials) == 1 and trials[0].params == {"x": 0.5}
    assert trials[0].system_attrs == {}


def test_finish_after_a_lost_commit_returns_the_finished_trial(store, study_id):
    t = store.start_trial(study_id, "me:1")
    with lose_connection(store) as kills:
        done = store.finish_trial(t.trial_id, TrialState.COMPLETE, 0.25, None,
                                  {"x": 0.5}, {"x": Float(0, 1)})
    assert kills == [1]
    assert done.state is TrialState.COMPLETE and done.value == 0.25 and done.params == {"x": 0.5}
    # only this call's own write is taken for done: another finish is still refused
    with pytest.raises(TrialStateError, match="cannot finish"):
        store.finish_trial(t.trial_id, TrialState.COMPLETE, 0.25)


def test_failing_with_retries_after_a_lost_commit_requeues_once(store, study_id):
    t = store.start_trial(study_id, "me:1")
    with lose_connection(store) as kills:
        done = store.finish_trial(t.trial_id, TrialState.FAILED, None, "boom", max_retries=3)
    assert kills == [1] and done.state is TrialState.FAILED and done.fail_reason == "boom"
    trials = store.get_trials(study_id)
    assert [(x.number, x.state, x.retry_of) for x in trials] == [
        (0, TrialState.FAILED, None), (1, TrialState.WAITING, 0)
    ]
    assert trials[1].system_attrs == {"retry": 1}  # the token is not copied into the retry


def test_finish_with_another_outcome_than_the_stored_one_still_fails(store, study_id):
    t = store.start_trial(study_id, "me:1")
    store.finish_trial(t.trial_id, TrialState.PRUNED, 1.0)
    with lose_connection(store, after_commit=False), pytest.raises(TrialStateError):
        store.finish_trial(t.trial_id, TrialState.COMPLETE, 1.0)


def test_create_study_after_a_lost_commit_is_not_a_duplicate(store):
    with lose_connection(store) as kills:
        info = store.create_study("made-once", Direction.MAXIMIZE, {"sampler": "tpe"})
    assert kills == [1]
    assert store.get_study("made-once").study_id == info.study_id
    assert store.get_study("made-once").system_attrs == {"sampler": "tpe"}
    assert [s.info.name for s in store.list_studies()] == ["made-once"]
    with pytest.raises(DuplicatedStudyError):  # another caller still gets the refusal
        store.create_study("made-once", Direction.MAXIMIZE)


def test_delete_study_after_a_lost_commit_is_not_a_missing_study(store, study_id):
    store.start_trial(study_id, "me:1")
    with lose_connection(store) as kills:
        store.delete_study(study_id)
    assert kills == [1] and store.list_studies() == []
    with pytest.raises(StudyNotFoundError):  # a second delete is still refused
        store.delete_study(study_id)


def test_reads_and_idempotent_writes_ride_through(store, study_id):
    t = store.start_trial(study_id, "me:1", lease=True)
    for write in (
        lambda: store.report(t.trial_id, 0, 0.5),
        lambda: store.set_trial_attr(t.trial_id, "k", 1),
        lambda: store.set_study_attr(study_id, "k", 2),
        lambda: store.heartbeat([t.trial_id]),
        lambda: store.set_params(t.trial_id, {"x": 0.1}, {"x": Float(0, 1)}),
    ):
        with lose_connection(store) as kills:
            write()
        assert kills == [1]
    for read in (
        lambda: store.count_trials(study_id, [TrialState.RUNNING]),
        lambda: store.get_trials(study_id)[0].intermediate,
        lambda: store.get_trial(t.trial_id).user_attrs,
        lambda: store.get_study("lost").user_attrs,
        lambda: store.get_study_summary(study_id).n_trials,
        lambda: store.query_trials(study_id).total,
        lambda: len(store.trials_changed_since(study_id, 0).trials),
        lambda: len(store.get_trial_points(study_id).points),
        lambda: store.fail_stale_trials(study_id, 60.0),
    ):
        want = read()
        with lose_connection(store) as kills:
            assert read() == want
        assert kills == [1]
    assert store.get_trial(t.trial_id).intermediate == {0: 0.5}


def test_an_outage_is_one_warning_then_one_line_when_it_ends(store, study_id, caplog):
    caplog.set_level(logging.INFO, logger="tunecycle.storage")
    with lose_connection(store):
        store.start_trial(study_id, "me:1")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings
    assert "connection lost" in warnings[0] and "retrying for up to 20 s" in warnings[0]
    assert "reachable again" in warnings[1]
    assert any(r.levelno == logging.INFO and "retry 1" in r.getMessage() for r in caplog.records)


def test_retry_seconds_come_from_the_argument_or_the_environment(fresh_sql_url, monkeypatch):
    monkeypatch.setenv(ENV_RETRY_SECONDS, "7.5")
    s = SQLStorage(fresh_sql_url)
    assert s.retry_seconds == 7.5
    s.close()
    s = SQLStorage(fresh_sql_url, retry_seconds=0)
    assert s.retry_seconds == 0
    s.close()
    monkeypatch.setenv(ENV_RETRY_SECONDS, "soon")
    with pytest.raises(UserError, match=f"{ENV_RETRY_SECONDS}: must be a number.*'soon'"):
        SQLStorage(fresh_sql_url)
    with pytest.raises(UserError, match="retry_seconds: must be a number"):
        SQLStorage(fresh_sql_url, retry_seconds=-1)


def test_add_trial_after_a_lost_commit_adds_one_trial(store, study_id):
    from tunecycle.records import FrozenTrial

    made = FrozenTrial(0, 0, TrialState.COMPLETE, value=0.5, intermediate={0: 1.0, 1: 0.5},
                       system_attrs={"origin": "elsewhere"})
    with lose_connection(store) as kills:
        t = store.add_trial(study_id, made)
    assert kills == [1] and t.number == 0 and t.value == 0.5
    trials = store.get_trials(study_id)
    assert len(trials) == 1 and trials[0].intermediate == {0: 1.0, 1: 0.5}
    assert trials[0].system_attrs == {"origin": "elsewhere"}  # the token is private
    assert store.start_trial(study_id, "me:1").number == 1  # no gap


def test_add_trial_lost_before_commit_is_simply_done_again(store, study_id):
    from tunecycle.records import FrozenTrial

    with lose_connection(store, after_commit=False) as kills:
        t = store.add_trial(study_id, FrozenTrial(0, 0, TrialState.FAILED, fail_reason="x"))
    assert kills == [1] and t.number == 0
    assert [x.fail_reason for x in store.get_trials(study_id)] == ["x"]
