"""The storage contract, checked identically against every backend (memory, SQLite, PostgreSQL).

Each test gets a ``storage_url`` (see ``tests/conftest.py``) and opens stores on it with
``make_storage``; for the SQL backends a second ``make_storage(url)`` is a separate store (its
own engine and trial cache), as another process would be.
"""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time

import pytest

import tunecycle as tc
from tunecycle.errors import (
    DuplicatedStudyError,
    StudyNotFoundError,
    TrialStateError,
    UserError,
)
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.space import Categorical, Float, Int
from tunecycle.storage.base import current_owner

HOST = current_owner().rpartition(":")[0]
OWNER = current_owner()


def snapshot(t: FrozenTrial) -> tuple:
    """What a reader must see of a trial (everything but timestamps and the lease clock)."""
    return (
        t.number,
        t.state,
        t.value,
        dict(t.params),
        dict(t.distributions),
        dict(t.intermediate),
        dict(t.user_attrs),
        dict(t.system_attrs),
        t.fail_reason,
        t.owner,
        t.retry_of,
    )


def dead_pid() -> int:
    """The pid of a process of ours that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# -- studies ----------------------------------------------------------------------------------
def test_create_get_list_delete_study(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    name = unique_name()
    info = store.create_study(name, Direction.MAXIMIZE, system_attrs={"seed": 3, "tag": "a"})
    assert info.name == name
    assert info.direction is Direction.MAXIMIZE
    assert dict(info.system_attrs) == {"seed": 3, "tag": "a"}

    got = make_storage(storage_url).get_study(name)
    assert (got.study_id, got.name, got.direction) == (info.study_id, name, Direction.MAXIMIZE)
    assert dict(got.system_attrs) == {"seed": 3, "tag": "a"}
    assert dict(got.user_attrs) == {}
    assert got.datetime_start is not None

    with pytest.raises(DuplicatedStudyError, match="already exists"):
        store.create_study(name, Direction.MINIMIZE)
    with pytest.raises(StudyNotFoundError, match="no study named"):
        store.get_study(unique_name("missing"))

    other = store.create_study(unique_name("other"), Direction.MINIMIZE)
    assert other.study_id != info.study_id

    # a summary counts states and knows the best value in the study's direction
    for value in (1.0, 3.0):
        t = store.start_trial(info.study_id, OWNER)
        store.finish_trial(t.trial_id, TrialState.COMPLETE, value)
    t = store.start_trial(info.study_id, OWNER)
    store.finish_trial(t.trial_id, TrialState.FAILED, None, "boom")
    store.start_trial(info.study_id, OWNER)
    summaries = {s.info.name: s for s in make_storage(storage_url).list_studies()}
    assert {name, unique_name("other")} <= set(summaries)
    mine = summaries[name]
    assert mine.n_trials == 4
    assert mine.counts[TrialState.COMPLETE] == 2
    assert mine.counts[TrialState.FAILED] == 1
    assert mine.counts[TrialState.RUNNING] == 1
    assert mine.counts[TrialState.WAITING] == 0
    assert mine.best_value == 3.0
    assert summaries[unique_name("other")].n_trials == 0
    assert summaries[unique_name("other")].best_value is None

    store.delete_study(info.study_id)
    with pytest.raises(StudyNotFoundError):
        store.get_study(name)
    with pytest.raises(StudyNotFoundError):
        make_storage(storage_url).get_trials(info.study_id)
    with pytest.raises(StudyNotFoundError):
        store.delete_study(info.study_id)
    assert name not in {s.info.name for s in store.list_studies()}
    # the other study is untouched, and the name can be used again
    assert store.get_study(unique_name("other")).study_id == other.study_id
    again = store.create_study(name, Direction.MINIMIZE)
    assert store.get_trials(again.study_id) == []


def test_a_reader_sees_the_study_made_again_under_a_reused_id(storage_url, make_storage,
                                                               unique_name):
    """A study deleted and made again (same name) by another store: a reader that had read
    the old one's finished trials gets the new study's trials, even where the new study got
    the old one's id (SQLite hands out a deleted study's id, and its trials' ids, again)."""
    reader, writer = make_storage(storage_url), make_storage(storage_url)
    name = unique_name()
    old = writer.create_study(name, Direction.MINIMIZE)
    for value in (1.0, 2.0, 3.0):
        t = writer.start_trial(old.study_id, OWNER)
        writer.report(t.trial_id, 0, value)
        writer.finish_trial(t.trial_id, TrialState.COMPLETE, value)
    assert [t.value for t in reader.get_trials(old.study_id)] == [1.0, 2.0, 3.0]
    writer.delete_study(old.study_id)
    new = writer.create_study(name, Direction.MINIMIZE)
    t = writer.start_trial(new.study_id, OWNER)
    writer.report(t.trial_id, 5, 9.5)
    writer.finish_trial(t.trial_id, TrialState.COMPLETE, 9.0)
    got = reader.get_trials(new.study_id)
    assert [(t.number, t.value, dict(t.intermediate)) for t in got] == [(0, 9.0, {5: 9.5})]
    assert [snapshot(t) for t in got] == [snapshot(t) for t in writer.get_trials(new.study_id)]
    if new.study_id != old.study_id:  # the id was not reused: the old one is gone
        with pytest.raises(StudyNotFoundError):
            reader.get_trials(old.study_id)


def test_unknown_study_id(storage_url, make_storage):
    store = make_storage(storage_url)
    with pytest.raises(StudyNotFoundError):
        store.start_trial(987654, OWNER)
    with pytest.raises(StudyNotFoundError):
        store.enqueue_trial(987654, {"x": 1})
    with pytest.raises(StudyNotFoundError):
        store.set_study_attr(987654, "k", 1)
    with pytest.raises(StudyNotFoundError):
        store.get_trials(987654)


def test_study_attrs(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    info = store.create_study(unique_name(), Direction.MINIMIZE, system_attrs={"sampler": "x"})
    store.set_study_attr(info.study_id, "team", "vision")
    store.set_study_attr(info.study_id, "budget", 12)
    store.set_study_attr(info.study_id, "team", "nlp")  # replaces
    store.set_study_attr(info.study_id, "note", {"a": [1, 2]}, system=True)
    got = make_storage(storage_url).get_study(info.name)
    assert dict(got.user_attrs) == {"team": "nlp", "budget": 12}
    assert dict(got.system_attrs) == {"sampler": "x", "note": {"a": [1, 2]}}


# -- starting trials --------------------------------------------------------------------------
def test_enqueued_trials_are_claimed_first(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    first = store.enqueue_trial(
        sid, {"x": 1.5}, {"x": Float(0, 2)}, user_attrs={"why": "baseline"}, system_attrs={"s": 1}
    )
    second = store.enqueue_trial(sid, {"x": 0.5}, retry_of=first.number)
    assert (first.number, second.number) == (0, 1)
    assert first.state is TrialState.WAITING and second.state is TrialState.WAITING
    assert first.owner is None

    a = store.start_trial(sid, OWNER)
    assert (a.trial_id, a.number, a.state) == (first.trial_id, 0, TrialState.RUNNING)
    assert dict(a.params) == {"x": 1.5}
    assert dict(a.distributions) == {"x": Float(0, 2)}
    assert dict(a.user_attrs) == {"why": "baseline"}
    assert dict(a.system_attrs) == {"s": 1}
    assert a.owner == OWNER
    assert a.datetime_start is not None

    b = store.start_trial(sid, "elsewhere:1")
    assert (b.number, dict(b.params), b.retry_of, b.owner) == (1, {"x": 0.5}, 0, "elsewhere:1")

    c = store.start_trial(sid, OWNER)
    assert (c.number, c.state, dict(c.params)) == (2, TrialState.RUNNING, {})
    # waiting trials enqueued later are still claimed before a new one is made
    store.enqueue_trial(sid, {"x": 0.25})
    assert dict(store.start_trial(sid, OWNER).params) == {"x": 0.25}
    states = [t.state for t in make_storage(storage_url).get_trials(sid)]
    assert states == [TrialState.RUNNING] * 4


def test_numbers_are_unique_and_gap_free_under_concurrency(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    stores = [make_storage(storage_url) for _ in range(4)]
    enqueued: list[int] = []
    started: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    go = threading.Barrier(len(stores))

    def work(s, k):
        try:
            go.wait()
            for i in range(12):
                if (i + k) % 4 == 0:
                    n, out = s.enqueue_trial(sid, {"i": i}).number, enqueued
                else:
                    n, out = s.start_trial(sid, OWNER).number, started
                with lock:
                    out.append(n)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, k)) for k, s in enumerate(stores)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors, errors
    # no number given twice, no trial claimed twice, no gap
    assert len(set(enqueued)) == len(enqueued) == 12
    assert len(set(started)) == len(started) == 36
    trials = make_storage(storage_url).get_trials(sid)
    assert [t.number for t in trials] == list(range(len(trials)))
    assert {t.number for t in trials} == set(enqueued) | set(started)
    running = [t.number for t in trials if t.state is TrialState.RUNNING]
    assert sorted(running) == sorted(started)
    waiting = [t.number for t in trials if t.state is TrialState.WAITING]
    assert sorted(waiting) == sorted(set(enqueued) - set(started))


def test_max_trials_limit(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    t = [store.start_trial(sid, OWNER, max_trials=3) for _ in range(3)]
    assert [x.number for x in t] == [0, 1, 2]
    assert store.start_trial(sid, OWNER, max_trials=3) is None
    # a failed trial does not count against the limit
    store.finish_trial(t[1].trial_id, TrialState.FAILED, None, "boom")
    t3 = store.start_trial(sid, OWNER, max_trials=3)
    assert t3 is not None and t3.number == 3
    assert store.start_trial(sid, OWNER, max_trials=3) is None
    # complete and pruned ones do
    store.finish_trial(t[0].trial_id, TrialState.COMPLETE, 1.0)
    store.finish_trial(t[2].trial_id, TrialState.PRUNED, 2.0)
    assert store.start_trial(sid, OWNER, max_trials=3) is None
    assert store.start_trial(sid, OWNER, max_trials=4).number == 4
    # a waiting trial is claimed even at the limit (claiming creates nothing) ...
    store.enqueue_trial(sid, {"x": 1})
    claimed = store.start_trial(sid, OWNER, max_trials=3)
    assert (claimed.number, dict(claimed.params)) == (5, {"x": 1})
    # ... and counts against it once running
    assert store.start_trial(sid, OWNER, max_trials=5) is None
    assert store.start_trial(sid, OWNER, max_trials=0) is None
    assert store.count_trials(sid, [TrialState.RUNNING]) == 3
    assert store.count_trials(sid, [TrialState.COMPLETE, TrialState.PRUNED]) == 2
    assert [x.number for x in make_storage(storage_url).get_trials(sid)] == list(range(6))


# -- a running trial --------------------------------------------------------------------------
def test_set_params_merges(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    t = store.start_trial(sid, OWNER)
    store.set_params(t.trial_id, {"x": 0.5}, {"x": Float(0, 1)})
    store.set_params(
        t.trial_id, {"opt": "adam", "n": 3}, {"opt": Categorical(["sgd", "adam"]), "n": Int(1, 5)}
    )
    store.set_params(t.trial_id, {"x": 0.75}, {"x": Float(0, 1)})  # a name again: replaced
    got = make_storage(storage_url).get_trial(t.trial_id)
    assert dict(got.params) == {"x": 0.75, "opt": "adam", "n": 3}
    assert dict(got.distributions) == {
        "x": Float(0, 1),
        "opt": Categorical(["sgd", "adam"]),
        "n": Int(1, 5),
    }
    # finish_trial merges the params not yet written
    done = store.finish_trial(
        t.trial_id, TrialState.COMPLETE, 0.1, None, {"lr": 0.01}, {"lr": Float(1e-4, 1, log=True)}
    )
    assert dict(done.params) == {"x": 0.75, "opt": "adam", "n": 3, "lr": 0.01}
    assert done.distributions["lr"] == Float(1e-4, 1, log=True)


def test_report_replaces_a_step(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    t = store.start_trial(sid, OWNER)
    store.report(t.trial_id, 0, 1.0)
    store.report(t.trial_id, 1, 0.5)
    store.report(t.trial_id, 0, 0.9)
    store.report(t.trial_id, 10, -2.5)
    assert dict(store.get_trial(t.trial_id).intermediate) == {0: 0.9, 1: 0.5, 10: -2.5}
    (seen,) = make_storage(storage_url).get_trials(sid)
    assert dict(seen.intermediate) == {0: 0.9, 1: 0.5, 10: -2.5}
    assert seen.last_step == 10


def test_set_trial_attr(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    t = store.start_trial(sid, OWNER)
    store.set_trial_attr(t.trial_id, "epochs", 3)
    store.set_trial_attr(t.trial_id, "epochs", 4)
    store.set_trial_attr(t.trial_id, "notes", ["a", None])
    store.set_trial_attr(t.trial_id, "worker", "w1", system=True)
    got = make_storage(storage_url).get_trial(t.trial_id)
    assert dict(got.user_attrs) == {"epochs": 4, "notes": ["a", None]}
    assert dict(got.system_attrs) == {"worker": "w1"}


def test_finish_trial_and_finished_trials_are_final(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    ok = store.start_trial(sid, OWNER)
    done = store.finish_trial(ok.trial_id, TrialState.COMPLETE, 0.25)
    assert (done.number, done.state, done.value) == (0, TrialState.COMPLETE, 0.25)
    assert done.datetime_complete is not None and done.duration is not None

    bad = store.start_trial(sid, OWNER)
    failed = store.finish_trial(bad.trial_id, TrialState.FAILED, None, "ValueError: nope")
    assert (failed.state, failed.value, failed.fail_reason) == (
        TrialState.FAILED,
        None,
        "ValueError: nope",
    )

    for tid in (ok.trial_id, bad.trial_id):
        with pytest.raises(TrialStateError, match="cannot finish"):
            store.finish_trial(tid, TrialState.COMPLETE, 1.0)
        with pytest.raises(TrialStateError, match="cannot report"):
            store.report(tid, 0, 1.0)
        with pytest.raises(TrialStateError, match="cannot set params"):
            store.set_params(tid, {"x": 1.0}, {"x": Float(0, 2)})
        with pytest.raises(TrialStateError):
            store.set_trial_attr(tid, "late", 1)
    with pytest.raises(TrialStateError, match="nope"):  # says why it is not running
        store.report(bad.trial_id, 0, 1.0)
    with pytest.raises(TrialStateError):
        store.finish_trial(123456789, TrialState.COMPLETE, 1.0)

    # nothing changed by the refused calls
    got = make_storage(storage_url).get_trials(sid)
    assert [(t.state, t.value, dict(t.intermediate), dict(t.user_attrs)) for t in got] == [
        (TrialState.COMPLETE, 0.25, {}, {}),
        (TrialState.FAILED, None, {}, {}),
    ]


def test_heartbeat(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    leased = store.start_trial(sid, OWNER, lease=True)
    plain = store.start_trial(sid, OWNER)
    first = store.get_trial(leased.trial_id).heartbeat
    assert first is not None
    assert abs(first - time.time()) < 60  # the store's clock, in epoch seconds
    assert store.get_trial(plain.trial_id).heartbeat is None
    time.sleep(0.05)
    store.heartbeat([leased.trial_id, plain.trial_id])
    store.heartbeat([])
    assert store.get_trial(leased.trial_id).heartbeat > first
    assert store.get_trial(plain.trial_id).heartbeat is None  # no lease, none started
    store.finish_trial(leased.trial_id, TrialState.COMPLETE, 1.0)
    store.heartbeat([leased.trial_id])  # a finished trial is left alone
    assert store.get_trial(leased.trial_id).state is TrialState.COMPLETE


def test_fail_stale_trials(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    gone_owner = f"{HOST}:{dead_pid()}"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live_owner = f"{HOST}:{sleeper.pid}"
        gone = store.start_trial(sid, gone_owner)  # no lease: only the pid tells
        gone_leased = store.start_trial(sid, gone_owner, lease=True)
        remote_stale = store.start_trial(sid, "some-other-host:42", lease=True)
        remote_unleased = store.start_trial(sid, "some-other-host:43")  # cannot be judged
        mine = store.start_trial(sid, OWNER, lease=True)
        other_live = store.start_trial(sid, live_owner, lease=True)
        waiting = store.enqueue_trial(sid, {"x": 1})

        # with a long grace only the dead owner's trials go, at once
        assert sorted(store.fail_stale_trials(sid, 3600.0)) == [gone.number, gone_leased.number]
        got = store.get_trial(gone.trial_id)
        assert got.state is TrialState.FAILED
        assert gone_owner in got.fail_reason and "gone" in got.fail_reason
        assert got.datetime_complete is not None

        time.sleep(0.6)
        store.heartbeat([mine.trial_id, other_live.trial_id])
        assert store.fail_stale_trials(sid, 0.4) == [remote_stale.number]
        got = store.get_trial(remote_stale.trial_id)
        assert got.state is TrialState.FAILED
        assert "no heartbeat" in got.fail_reason and "some-other-host:42" in got.fail_reason
        assert store.fail_stale_trials(sid, 0.4) == []  # nothing twice

        states = {t.number: t.state for t in make_storage(storage_url).get_trials(sid)}
        assert states[remote_unleased.number] is TrialState.RUNNING
        assert states[mine.number] is TrialState.RUNNING
        assert states[other_live.number] is TrialState.RUNNING
        assert states[waiting.number] is TrialState.WAITING
        # a stale trial cannot be finished by its late owner
        with pytest.raises(TrialStateError, match="abandoned"):
            store.finish_trial(remote_stale.trial_id, TrialState.COMPLETE, 1.0)
        store.finish_trial(mine.trial_id, TrialState.COMPLETE, 1.0)
    finally:
        sleeper.kill()
        sleeper.wait()
    # once the live owner is gone, its trial goes too
    assert store.fail_stale_trials(sid, 3600.0) == [other_live.number]


def test_failed_trials_are_retried_up_to_max_retries(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    dists = {"x": Float(0, 1), "k": Int(1, 5)}
    first = store.start_trial(sid, OWNER)
    store.set_params(first.trial_id, {"x": 0.25}, {"x": dists["x"]})
    store.finish_trial(first.trial_id, TrialState.FAILED, reason="worker died",
                       params={"k": 3}, distributions={"k": dists["k"]}, max_retries=2)
    chain = [store.get_trial(first.trial_id)]
    for _ in range(3):  # the retry is claimed like an enqueued trial, fails again, ...
        t = store.start_trial(sid, OWNER)
        assert t.state is TrialState.RUNNING
        if t.retry_of is None:  # retries used up: a fresh trial
            fresh = t
            break
        chain.append(t)
        store.finish_trial(t.trial_id, TrialState.FAILED, reason="again", max_retries=2)
    assert [c.retry_of for c in chain] == [None, chain[0].number, chain[1].number]
    assert [c.system_attrs.get("retry") for c in chain] == [None, 1, 2]
    assert all(dict(c.params) == {"x": 0.25, "k": 3} for c in chain)
    assert all(dict(c.distributions) == dists for c in chain[1:])
    assert fresh.params == {} and fresh.number == chain[-1].number + 1
    # other states, and failures without max_retries, are never re-queued
    store.finish_trial(fresh.trial_id, TrialState.FAILED, reason="plain")
    done = store.start_trial(sid, OWNER)
    store.finish_trial(done.trial_id, TrialState.COMPLETE, 1.0, max_retries=2)
    assert [t.state for t in store.get_trials(sid)].count(TrialState.WAITING) == 0


def test_stale_trials_are_retried_in_the_same_step(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    gone = store.start_trial(sid, f"{HOST}:{dead_pid()}")
    store.set_params(gone.trial_id, {"x": 0.5}, {"x": Float(0, 1)})
    assert store.fail_stale_trials(sid, 3600.0, max_retries=1) == [gone.number]
    trials = make_storage(storage_url).get_trials(sid)
    assert [(t.number, t.state, t.retry_of) for t in trials] == [
        (0, TrialState.FAILED, None), (1, TrialState.WAITING, 0)]
    assert dict(trials[1].params) == {"x": 0.5}
    # the retry counts towards max_trials like any queued trial
    assert store.start_trial(sid, OWNER, max_trials=1).retry_of == 0
    assert store.start_trial(sid, OWNER, max_trials=1) is None


def test_get_trials_incremental_reads(storage_url, make_storage, unique_name):
    writer = make_storage(storage_url)
    reader = make_storage(storage_url)  # keeps its cache across rounds
    sid = writer.create_study(unique_name(), Direction.MINIMIZE).study_id

    def check() -> list[FrozenTrial]:
        seen = reader.get_trials(sid)
        truth = make_storage(storage_url).get_trials(sid)  # a cold read
        assert [snapshot(t) for t in seen] == [snapshot(t) for t in truth]
        assert [t.number for t in seen] == list(range(len(seen)))
        return seen

    assert check() == []
    t0 = writer.start_trial(sid, OWNER)
    t1 = writer.start_trial(sid, OWNER)
    t2 = writer.start_trial(sid, OWNER)
    writer.finish_trial(t1.trial_id, TrialState.COMPLETE, 1.0)
    assert [t.state.value for t in check()] == ["running", "complete", "running"]

    writer.report(t0.trial_id, 0, 5.0)
    writer.finish_trial(t0.trial_id, TrialState.PRUNED, 5.0)
    writer.report(t2.trial_id, 0, 3.0)
    writer.set_params(t2.trial_id, {"x": 0.5}, {"x": Float(0, 1)})
    writer.set_trial_attr(t2.trial_id, "k", "v")
    t3 = writer.start_trial(sid, OWNER)
    seen = check()
    assert [t.state.value for t in seen] == ["pruned", "complete", "running", "running"]
    assert dict(seen[2].intermediate) == {0: 3.0}

    # t2, running at both earlier reads, finishes now; t3 fails; a trial is enqueued
    writer.report(t2.trial_id, 1, 2.0)
    writer.finish_trial(t2.trial_id, TrialState.COMPLETE, 2.0)
    writer.finish_trial(t3.trial_id, TrialState.FAILED, None, "boom")
    w4 = writer.enqueue_trial(sid, {"x": 0.1})
    seen = check()
    assert [t.state.value for t in seen] == ["pruned", "complete", "complete", "failed", "waiting"]
    assert (seen[2].value, dict(seen[2].intermediate), dict(seen[2].params)) == (
        2.0,
        {0: 3.0, 1: 2.0},
        {"x": 0.5},
    )
    assert dict(seen[2].user_attrs) == {"k": "v"}

    # nothing changed: same answer
    assert [snapshot(t) for t in reader.get_trials(sid)] == [snapshot(t) for t in seen]

    # the waiting trial is claimed and finished; another starts and is failed as stale
    t4 = writer.start_trial(sid, OWNER)
    assert t4.trial_id == w4.trial_id
    assert check()[4].state is TrialState.RUNNING
    writer.finish_trial(t4.trial_id, TrialState.COMPLETE, 0.5)
    t5 = writer.start_trial(sid, f"{HOST}:{dead_pid()}")
    assert check()[5].state is TrialState.RUNNING
    writer.fail_stale_trials(sid, 3600.0)
    seen = check()
    assert [t.state.value for t in seen] == [
        "pruned",
        "complete",
        "complete",
        "failed",
        "complete",
        "failed",
    ]
    assert seen[5].trial_id == t5.trial_id and "gone" in seen[5].fail_reason


# -- values -----------------------------------------------------------------------------------
class Opaque:
    pass


def test_json_safety_errors_name_the_field(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    with pytest.raises(UserError, match=r"study attributes\['x'\]"):
        store.create_study(unique_name("bad"), Direction.MINIMIZE, system_attrs={"x": Opaque()})
    with pytest.raises(StudyNotFoundError):
        store.get_study(unique_name("bad"))  # nothing was created
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    with pytest.raises(UserError, match="study attribute 'owner_obj'"):
        store.set_study_attr(sid, "owner_obj", Opaque())
    with pytest.raises(UserError, match=r"params\['lr'\]: value is not JSON-serialisable"):
        store.enqueue_trial(sid, {"ok": 1, "lr": Opaque()})
    with pytest.raises(UserError, match=r"user attributes\['blob'\]"):
        store.enqueue_trial(sid, {"x": 1}, user_attrs={"blob": {1, 2}})
    with pytest.raises(UserError, match=r"system attributes\['blob'\]"):
        store.enqueue_trial(sid, {"x": 1}, system_attrs={"blob": Opaque()})
    t = store.start_trial(sid, OWNER)
    with pytest.raises(UserError, match=r"params\['lr'\]: value is not JSON-serialisable"):
        store.set_params(t.trial_id, {"lr": Opaque()}, {})
    with pytest.raises(UserError, match="trial attribute 'model'"):
        store.set_trial_attr(t.trial_id, "model", Opaque())
    with pytest.raises(UserError, match=r"params\['lr'\]: value is not JSON-serialisable"):
        store.finish_trial(t.trial_id, TrialState.COMPLETE, 1.0, None, {"lr": Opaque()}, {})
    # every refused call left the store as it was: one running trial, no attrs, no params
    (only,) = make_storage(storage_url).get_trials(sid)
    assert (only.number, only.state, dict(only.params), dict(only.user_attrs)) == (
        0,
        TrialState.RUNNING,
        {},
        {},
    )
    assert dict(store.get_study(unique_name()).user_attrs) == {}
    # the error message says what the value was
    with pytest.raises(UserError, match="Opaque"):
        store.set_trial_attr(t.trial_id, "model", Opaque())


def test_values_round_trip(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    choices = [None, True, False, 0, 1, 2.5, "1", "adam", ""]
    cat = Categorical(choices)
    for i, choice in enumerate(choices):
        t = store.start_trial(sid, OWNER)
        params = {
            "c": choice,
            "f": 0.1 + i,
            "tiny": 5e-324,
            "big": 1.7976931348623157e308,
            "neg": -0.0,
            "i": 2**40 + i,
            "flag": i % 2 == 0,
            "s": "ünïcode ✓ 'quoted' \"double\"",
        }
        dists = {
            "c": cat,
            "f": Float(0.1, 10),
            "i": Int(0, 2**41),
            "flag": Categorical([True, False]),
        }
        store.set_params(t.trial_id, params, dists)
        store.set_trial_attr(t.trial_id, "nested", {"a": [1, 2.0, None, True, "x"]})
        store.report(t.trial_id, 0, float("nan"))
        store.report(t.trial_id, 1, 1e-300)
        store.finish_trial(t.trial_id, TrialState.COMPLETE, 0.1 * (i + 1) - 1e-17)
    seen = make_storage(storage_url).get_trials(sid)
    assert len(seen) == len(choices)
    for i, (t, choice) in enumerate(zip(seen, choices)):
        c = t.params["c"]
        assert c == choice and type(c) is type(choice), (c, choice)
        assert t.params["f"] == 0.1 + i and type(t.params["f"]) is float
        assert t.params["tiny"] == 5e-324
        assert t.params["big"] == 1.7976931348623157e308
        assert t.params["i"] == 2**40 + i and type(t.params["i"]) is int
        assert t.params["flag"] is (i % 2 == 0)
        assert t.params["s"] == "ünïcode ✓ 'quoted' \"double\""
        assert t.distributions["c"] == cat
        assert [type(x) for x in t.distributions["c"].choices] == [type(x) for x in choices]
        assert t.distributions["i"] == Int(0, 2**41)
        assert dict(t.user_attrs) == {"nested": {"a": [1, 2.0, None, True, "x"]}}
        assert type(t.user_attrs["nested"]["a"][1]) is float
        assert math.isnan(t.intermediate[0])
        assert t.intermediate[1] == 1e-300
        assert t.value == 0.1 * (i + 1) - 1e-17 and type(t.value) is float


# -- the study on top of each store -------------------------------------------------------------
@pytest.fixture
def study_storage(storage_url, make_storage):
    """What to pass as ``storage=``: the URL, or for memory the one store of this test."""
    return make_storage(storage_url) if storage_url == "memory://" else storage_url


def _objective(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    opt = trial.suggest_categorical("opt", ["sgd", "adam", None])
    trial.set_user_attr("opt_was", opt)
    if trial.number % 5 == 3:
        raise ValueError(f"trial {trial.number} blew up")
    if trial.number % 5 == 4:
        trial.report(x * x + 1, 0)
        trial.report(x * x, 1)
        raise tc.TrialPruned()
    return (x - 1) ** 2


def test_study_optimize_then_load(study_storage, unique_name):
    name = unique_name()
    study = tc.create_study(name, storage=study_storage, sampler="random", seed=7)
    study.optimize(_objective, n_trials=10)
    trials = study.trials
    assert [t.number for t in trials] == list(range(10))
    by_state = {s: [t.number for t in trials if t.state is s] for s in TrialState}
    assert by_state[TrialState.FAILED] == [3, 8]
    assert by_state[TrialState.PRUNED] == [4, 9]
    assert by_state[TrialState.COMPLETE] == [0, 1, 2, 5, 6, 7]
    assert "ValueError: trial 3 blew up" in trials[3].fail_reason
    assert trials[4].value == trials[4].params["x"] ** 2  # the last reported value
    assert dict(trials[4].intermediate) == {0: trials[4].value + 1, 1: trials[4].value}
    for t in trials:
        assert set(t.params) == {"x", "opt"}
        assert t.user_attrs["opt_was"] == t.params["opt"]
    assert all(t.owner == OWNER for t in trials)

    loaded = tc.load_study(name, storage=study_storage)
    assert loaded.direction is Direction.MINIMIZE
    assert [snapshot(t) for t in loaded.trials] == [snapshot(t) for t in trials]
    assert loaded.best_trial.number == study.best_trial.number
    assert loaded.best_value == min(t.value for t in trials if t.state is TrialState.COMPLETE)
    assert loaded.system_attrs["seed"] == 7

    # the loaded study continues the numbering
    loaded.optimize(_objective, n_trials=2)
    assert [t.number for t in study.trials] == list(range(12))

    df = loaded.to_dataframe()
    assert list(df.columns) == [
        "number",
        "state",
        "value",
        "datetime_start",
        "datetime_complete",
        "duration",
        "fail_reason",
        "params_x",
        "params_opt",
        "user_attrs_opt_was",
    ]
    assert list(df["number"]) == list(range(12))
    assert list(df["state"][:5]) == ["complete", "complete", "complete", "failed", "pruned"]
    summary = {s.info.name: s for s in tc.list_studies(study_storage)}[name]
    assert summary.n_trials == 12

    with pytest.raises(DuplicatedStudyError, match="load_if_exists"):
        tc.create_study(name, storage=study_storage)
    again = tc.create_study(name, storage=study_storage, load_if_exists=True)
    assert again.study_id == study.study_id
    tc.delete_study(name, storage=study_storage)
    with pytest.raises(StudyNotFoundError):
        tc.load_study(name, storage=study_storage)


def test_empty_study_dataframe(study_storage, unique_name):
    study = tc.create_study(unique_name(), storage=study_storage)
    df = study.to_dataframe()
    assert len(df) == 0
    assert list(df.columns) == [
        "number",
        "state",
        "value",
        "datetime_start",
        "datetime_complete",
        "duration",
        "fail_reason",
    ]


# -- reads for viewers: pages, summaries, changes since a cursor --------------------------------
def _finished(store, sid, value, state=TrialState.COMPLETE, reason=None):
    t = store.start_trial(sid, OWNER)
    return store.finish_trial(t.trial_id, state, value, reason)


def test_changes_since_a_cursor_follow_every_kind_of_write(storage_url, make_storage, unique_name):
    writer = make_storage(storage_url)
    reader = make_storage(storage_url)
    sid = writer.create_study(unique_name(), Direction.MINIMIZE).study_id
    first = reader.trials_changed_since(sid, 0)
    assert (first.trials, first.more) == ((), False)
    cursor = first.cursor
    mirror: dict[int, FrozenTrial] = {}

    def changed() -> list[int]:
        nonlocal cursor
        got = reader.trials_changed_since(sid, cursor)
        assert not got.more
        assert got.cursor >= cursor
        numbers = [t.number for t in got.trials]
        assert len(numbers) == len(set(numbers))  # each changed trial once
        mirror.update({t.number: t for t in got.trials})
        cursor = got.cursor
        return sorted(numbers)

    assert changed() == []
    t0 = writer.start_trial(sid, OWNER, lease=True)
    w1 = writer.enqueue_trial(sid, {"x": 0.25})
    assert changed() == [0, 1]
    assert changed() == []  # nothing new: nothing returned
    writer.heartbeat([t0.trial_id])  # a lease renewal is not a change
    assert changed() == []
    writer.set_params(t0.trial_id, {"x": 0.5}, {"x": Float(0, 1)})
    assert changed() == [0]
    writer.report(t0.trial_id, 0, 4.0)
    assert changed() == [0]
    assert dict(mirror[0].intermediate) == {0: 4.0}
    writer.set_trial_attr(t0.trial_id, "k", "v")
    assert changed() == [0]
    t1 = writer.start_trial(sid, OWNER)  # claims the enqueued trial
    assert t1.trial_id == w1.trial_id
    assert changed() == [1]
    writer.finish_trial(t0.trial_id, TrialState.COMPLETE, 1.5)
    writer.finish_trial(t1.trial_id, TrialState.PRUNED, 2.5)
    t2 = writer.start_trial(sid, f"{HOST}:{dead_pid()}")
    t3 = writer.start_trial(sid, f"{HOST}:{dead_pid()}")
    assert changed() == [0, 1, 2, 3]
    assert sorted(writer.fail_stale_trials(sid, 3600.0)) == [t2.number, t3.number]
    assert changed() == [2, 3]
    truth = make_storage(storage_url).get_trials(sid)
    assert [snapshot(mirror[n]) for n in sorted(mirror)] == [snapshot(t) for t in truth]

    # the oldest change first, and a limit hands out the rest on the next call
    page = reader.trials_changed_since(sid, 0, limit=3)
    assert page.more and len(page.trials) == 3
    rest = reader.trials_changed_since(sid, page.cursor, limit=3)
    assert not rest.more and rest.cursor == cursor
    assert sorted(t.number for t in page.trials + rest.trials) == [0, 1, 2, 3]
    assert [t.number for t in page.trials][0] == 0  # trial 0's last change was the oldest
    # a cursor from a study made again under the same name is older than the one passed
    ahead = reader.trials_changed_since(sid, cursor + 100)
    assert ahead.trials == () and ahead.cursor == cursor
    with pytest.raises(UserError, match="limit"):
        reader.trials_changed_since(sid, 0, limit=0)
    with pytest.raises(StudyNotFoundError):
        reader.trials_changed_since(987654, 0)


def test_changes_while_writers_run(storage_url, make_storage, unique_name):
    """A reader polling its cursor while two writers work ends with exactly the stored trials."""
    sid = make_storage(storage_url).create_study(unique_name(), Direction.MINIMIZE).study_id
    reader = make_storage(storage_url)
    writers = [make_storage(storage_url) for _ in range(2)]
    done = threading.Event()

    def work(store):
        for i in range(15):
            t = store.start_trial(sid, OWNER)
            store.report(t.trial_id, 0, float(i))
            store.finish_trial(t.trial_id, TrialState.COMPLETE, float(i))

    threads = [threading.Thread(target=work, args=(w,)) for w in writers]
    for th in threads:
        th.start()
    mirror: dict[int, FrozenTrial] = {}
    cursor = 0
    while True:
        finished = done.is_set()
        got = reader.trials_changed_since(sid, cursor, limit=7)
        mirror.update({t.number: t for t in got.trials})
        cursor = got.cursor
        if finished and not got.more:
            break
        if all(not th.is_alive() for th in threads):
            done.set()
        time.sleep(0.005)
    for th in threads:
        th.join()
    truth = make_storage(storage_url).get_trials(sid)
    assert len(truth) == 30
    assert [snapshot(mirror[n]) for n in sorted(mirror)] == [snapshot(t) for t in truth]


def test_query_trials_filters_sorts_and_pages(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MAXIMIZE).study_id
    _finished(store, sid, 3.0)  # 0
    _finished(store, sid, 1.0)  # 1
    _finished(store, sid, None, TrialState.FAILED, "boom")  # 2
    _finished(store, sid, 3.0)  # 3: ties with 0
    store.start_trial(sid, OWNER)  # 4: running
    _finished(store, sid, 5.0, TrialState.PRUNED)  # 5
    store.enqueue_trial(sid, {"x": 1})  # 6: waiting
    reader = make_storage(storage_url)

    def numbers(**kw) -> list[int]:
        return [t.number for t in reader.query_trials(sid, **kw).trials]

    everything = reader.query_trials(sid)
    assert everything.total == 7 and [t.number for t in everything.trials] == list(range(7))
    assert everything.cursor == reader.trials_changed_since(sid, 0).cursor
    assert numbers(descending=True) == [6, 5, 4, 3, 2, 1, 0]
    # trials without a value come last either way; ties stay in number order
    assert numbers(sort="value") == [1, 0, 3, 5, 2, 4, 6]
    assert numbers(sort="value", descending=True) == [5, 0, 3, 1, 2, 4, 6]
    assert numbers(sort="datetime_complete")[-2:] == [4, 6]
    assert numbers(sort="state") == [0, 1, 3, 2, 5, 4, 6]  # alphabetical state names
    # filters, and the total counts every match while the page holds `limit`
    page = reader.query_trials(sid, states=[TrialState.COMPLETE], sort="value", limit=2)
    assert (page.total, [t.number for t in page.trials]) == (3, [1, 0])
    page = reader.query_trials(sid, states=["complete", "pruned"], offset=2, limit=2)
    assert (page.total, [t.number for t in page.trials]) == (4, [3, 5])
    assert numbers(value_min=2.0) == [0, 3, 5]
    assert numbers(value_min=2.0, value_max=4.0, states=["complete"]) == [0, 3]
    assert numbers(offset=10) == []
    assert reader.query_trials(sid, states=[]).total == 0
    failed = reader.query_trials(sid, states=["failed"]).trials[0]
    assert failed.fail_reason == "boom"
    with pytest.raises(UserError, match="sort"):
        reader.query_trials(sid, sort="params")
    with pytest.raises(UserError, match="offset"):
        reader.query_trials(sid, offset=-1)
    with pytest.raises(UserError, match="limit"):
        reader.query_trials(sid, limit=100_000)
    with pytest.raises(UserError, match="state"):
        reader.query_trials(sid, states=["finished"])
    with pytest.raises(StudyNotFoundError):
        reader.query_trials(987654)


def test_study_summary_and_points(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    for direction, best in ((Direction.MINIMIZE, 1.0), (Direction.MAXIMIZE, 3.0)):
        sid = store.create_study(unique_name(direction.value), direction).study_id
        empty = make_storage(storage_url).get_study_summary(sid)
        assert (empty.n_trials, empty.best_value) == (0, None)
        _finished(store, sid, 3.0)
        _finished(store, sid, 1.0)
        _finished(store, sid, 0.5, TrialState.PRUNED)  # never the best
        _finished(store, sid, None, TrialState.FAILED)
        store.start_trial(sid, OWNER)
        summary = make_storage(storage_url).get_study_summary(sid)
        assert summary.info.name == unique_name(direction.value)
        assert summary.n_trials == 5 and summary.best_value == best
        assert summary.counts[TrialState.COMPLETE] == 2
        assert summary.counts[TrialState.RUNNING] == 1
        assert summary.counts[TrialState.WAITING] == 0
        points = make_storage(storage_url).get_trial_points(sid)
        assert [(p.number, p.state.value, p.value) for p in points.points] == [
            (0, "complete", 3.0),
            (1, "complete", 1.0),
            (2, "pruned", 0.5),
            (3, "failed", None),
            (4, "running", None),
        ]
        assert points.cursor == store.trials_changed_since(sid, 0).cursor
    with pytest.raises(StudyNotFoundError):
        store.get_study_summary(987654)
    with pytest.raises(StudyNotFoundError):
        store.get_trial_points(987654)


# -- trials made elsewhere: add_trial ------------------------------------------------------------
def _made(state, number=99, **fields):
    """A trial as another store or a user would hand it over (its id and number are ignored)."""
    return FrozenTrial(trial_id=12345, number=number, state=state, **fields)


def test_add_trial_keeps_every_field_and_numbers_it_next(storage_url, make_storage, unique_name):
    from datetime import datetime

    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    started = store.start_trial(sid, OWNER)  # number 0, still running
    start, end = datetime(2024, 5, 6, 7, 8, 9, 123456), datetime(2024, 5, 6, 7, 9, 10, 654321)
    dists = {
        "lr": Float(1e-5, 1e-1, log=True),
        "width": Float(0.0, 1.0, step=0.25),
        "layers": Int(1, 9, step=2),
        "opt": Categorical(["adam", "sgd", None]),
    }
    params = {"lr": 3e-4, "width": 0.75, "layers": 5, "opt": None}
    done = store.add_trial(
        sid,
        _made(
            TrialState.COMPLETE,
            value=0.125,
            params=params,
            distributions=dists,
            intermediate={0: 0.9, 3: 0.4, 7: 0.125},
            user_attrs={"note": "from a notebook", "nested": [1, {"a": None}]},
            system_attrs={"origin": "optuna"},
            datetime_start=start,
            datetime_complete=end,
            constraints=(-1.0, 0.0),
        ),
    )
    assert (done.number, done.state, done.value, done.values) == (1, TrialState.COMPLETE, 0.125,
                                                                  (0.125,))
    pruned = store.add_trial(
        sid, _made(TrialState.PRUNED, value=0.5, intermediate={0: 0.7, 1: 0.5},
                   params={"lr": 1e-2}, distributions={"lr": dists["lr"]})
    )
    failed = store.add_trial(
        sid, _made(TrialState.FAILED, fail_reason="ValueError: boom", params={"layers": 3},
                   distributions={"layers": dists["layers"]}, constraints=(2.0,))
    )
    after = store.start_trial(sid, OWNER)  # numbering goes on without a gap
    assert [pruned.number, failed.number, after.number] == [2, 3, 4]

    seen = {t.number: t for t in make_storage(storage_url).get_trials(sid)}
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert seen[0].trial_id == started.trial_id and seen[0].state is TrialState.RUNNING
    t = seen[1]
    assert snapshot(t) == snapshot(done)
    assert dict(t.params) == params and dict(t.distributions) == dists
    assert dict(t.intermediate) == {0: 0.9, 3: 0.4, 7: 0.125}
    assert dict(t.user_attrs) == {"note": "from a notebook", "nested": [1, {"a": None}]}
    assert dict(t.system_attrs) == {"origin": "optuna"}
    assert (t.datetime_start, t.datetime_complete) == (start, end)
    assert t.constraints == (-1.0, 0.0) and t.feasible and t.owner is None
    p = seen[2]
    assert (p.state, p.value, dict(p.intermediate)) == (TrialState.PRUNED, 0.5, {0: 0.7, 1: 0.5})
    assert p.datetime_start is not None and p.datetime_complete is not None  # filled in: now
    f = seen[3]
    assert (f.state, f.value, f.values, f.fail_reason) == (
        TrialState.FAILED, None, None, "ValueError: boom"
    )
    assert f.constraints == (2.0,) and not f.feasible
    # an added trial counts like any other: summaries, queries and the change cursor see it
    summary = store.get_study_summary(sid)
    assert summary.counts[TrialState.COMPLETE] == 1 and summary.best_value == 0.125
    assert [x.number for x in store.query_trials(sid, states=["pruned"]).trials] == [2]
    changed = {x.number for x in store.trials_changed_since(sid, 0).trials}
    assert changed == {0, 1, 2, 3, 4}
    # a finished added trial is final
    with pytest.raises(TrialStateError):
        store.finish_trial(done.trial_id, TrialState.COMPLETE, 1.0)


def test_add_trial_to_a_study_of_several_objectives(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), [Direction.MINIMIZE, Direction.MAXIMIZE]).study_id
    t = store.add_trial(sid, _made(TrialState.COMPLETE, values=[1.5, -2]))
    assert (t.value, t.values) == (None, (1.5, -2.0))
    got = make_storage(storage_url).get_trials(sid)[0]
    assert (got.value, got.values) == (None, (1.5, -2.0))
    with pytest.raises(UserError, match=r"trial.values: the study has 2 objectives, the trial "
                                        r"has 1 values"):
        store.add_trial(sid, _made(TrialState.COMPLETE, value=1.0))
    with pytest.raises(UserError, match="trial.values: the study has 2 objectives"):
        store.add_trial(sid, _made(TrialState.COMPLETE, values=(1.0, 2.0, 3.0)))
    assert len(make_storage(storage_url).get_trials(sid)) == 1


def test_add_trial_waiting_is_queued(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    queued = store.add_trial(
        sid, _made(TrialState.WAITING, params={"x": 2}, distributions={"x": Int(0, 4)},
                   user_attrs={"why": "a guess"})
    )
    assert (queued.number, queued.state, queued.datetime_complete) == (0, TrialState.WAITING, None)
    claimed = store.start_trial(sid, OWNER)
    assert (claimed.trial_id, dict(claimed.params), dict(claimed.user_attrs)) == (
        queued.trial_id, {"x": 2}, {"why": "a guess"}
    )


@pytest.mark.parametrize(
    ("trial", "message"),
    [
        (_made(TrialState.RUNNING), r"trial.state: only a complete, pruned, failed or waiting"),
        (_made(TrialState.COMPLETE), r"trial.values: a complete trial needs its value"),
        (_made(TrialState.COMPLETE, value=float("nan")), r"trial.values\[0\]: nan is not a finite"),
        (_made(TrialState.COMPLETE, values=(1.0, float("inf"))), r"trial.values\[1\]: inf"),
        (_made(TrialState.COMPLETE, values=("1",)), r"trial.values\[0\]: '1' is not a finite"),
        (_made(TrialState.FAILED, value=1.0), r"trial.values: a failed trial has no values"),
        (_made(TrialState.COMPLETE, value=1.0, constraints=(float("nan"),)),
         r"trial.constraints: constraint 0: nan is not a finite number"),
        (_made(TrialState.COMPLETE, value=1.0, params={"x": 5}, distributions={"x": Int(0, 4)}),
         r"trial.params\['x'\]: 5 is not in its distribution Int"),
        (_made(TrialState.COMPLETE, value=1.0, params={"x": "b"},
               distributions={"x": Categorical(["a"])}), r"trial.params\['x'\]: 'b' is not in"),
        (_made(TrialState.COMPLETE, value=1.0, distributions={"x": Int(0, 4)}),
         r"trial.distributions\['x'\]: the trial has no param 'x'"),
        (_made(TrialState.COMPLETE, value=1.0, params={"x": 1}, distributions={"x": (0, 4)}),
         r"trial.distributions\['x'\]: expected a distribution"),
        (_made(TrialState.PRUNED, intermediate={"a": 1.0}), r"trial.intermediate: step 'a'"),
        (_made(TrialState.PRUNED, intermediate={1: "x"}), r"trial.intermediate\[1\]: 'x' is not"),
        (_made(TrialState.COMPLETE, value=1.0, user_attrs={"o": Opaque()}),
         r"trial.user_attrs\['o'\]: value is not JSON-serialisable"),
        (_made(TrialState.COMPLETE, value=1.0, datetime_start="yesterday"),
         r"trial.datetime_start: expected a datetime"),
        ("not a trial", r"trial: expected a FrozenTrial, got str"),
    ],
)
def test_add_trial_refuses_a_bad_trial_and_writes_nothing(
    storage_url, make_storage, unique_name, trial, message
):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    with pytest.raises(UserError, match=message):
        store.add_trial(sid, trial)
    assert make_storage(storage_url).get_trials(sid) == []
    assert store.add_trial(sid, _made(TrialState.COMPLETE, value=1.0)).number == 0


def test_add_trial_to_an_unknown_study(storage_url, make_storage):
    with pytest.raises(StudyNotFoundError):
        make_storage(storage_url).add_trial(987654, _made(TrialState.COMPLETE, value=1.0))


def test_add_trial_numbers_stay_gap_free_under_concurrency(storage_url, make_storage, unique_name):
    store = make_storage(storage_url)
    sid = store.create_study(unique_name(), Direction.MINIMIZE).study_id
    stores = [make_storage(storage_url) for _ in range(3)]
    added: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    go = threading.Barrier(len(stores))

    def work(s, k):
        try:
            go.wait()
            for i in range(10):
                if (i + k) % 2:
                    n = s.add_trial(sid, _made(TrialState.COMPLETE, value=float(i),
                                               intermediate={0: 1.0, 1: float(i)})).number
                    with lock:
                        added.append(n)
                else:
                    s.start_trial(sid, OWNER)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, k)) for k, s in enumerate(stores)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors, errors
    trials = make_storage(storage_url).get_trials(sid)
    assert [t.number for t in trials] == list(range(30))
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    assert sorted(t.number for t in complete) == sorted(added) and len(added) == 15
    assert all(t.intermediate == {0: 1.0, 1: t.value} for t in complete)
