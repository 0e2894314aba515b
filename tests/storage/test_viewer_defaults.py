"""The viewer reads' defaults on ``Storage`` (built on ``get_trials``): a backend that writes
none of them answers the dashboard's queries as the contract says, only not incrementally."""

from __future__ import annotations

from tests.storage import test_contract as contract
from tunecycle.records import Direction, TrialState
from tunecycle.storage.base import Storage
from tunecycle.storage.memory import InMemoryStorage


class BareStorage(InMemoryStorage):
    """The in-memory store with the base class's viewer reads (no change numbers)."""

    change_cursor = Storage.change_cursor
    get_study_summary = Storage.get_study_summary
    trials_changed_since = Storage.trials_changed_since


def _names(suffix: str = "") -> str:
    return f"bare{suffix}"


def test_the_default_query_and_summary_answer_the_contract():
    store = BareStorage()
    contract.test_query_trials_filters_sorts_and_pages("memory://", lambda url: store, _names)
    store = BareStorage()
    contract.test_study_summary_and_points("memory://", lambda url: store, _names)


def test_the_default_changes_are_every_trial_with_cursor_zero():
    store = BareStorage()
    sid = store.create_study("s", Direction.MINIMIZE).study_id
    for _ in range(5):
        t = store.start_trial(sid, contract.OWNER)
        store.finish_trial(t.trial_id, TrialState.COMPLETE, 1.0)
    changes = store.trials_changed_since(sid, 0)
    assert [t.number for t in changes.trials] == list(range(5))
    assert (changes.cursor, changes.more) == (0, False)
    page = store.trials_changed_since(sid, 0, limit=2)
    assert [t.number for t in page.trials] == [0, 1] and page.more
    # a reader holding a cursor from a store that keeps them starts over
    assert store.trials_changed_since(sid, 7).trials == () and store.change_cursor(sid) == 0
    # the in-memory store's own cursor moves with every change
    real = InMemoryStorage()
    rid = real.create_study("s", Direction.MINIMIZE).study_id
    before = real.change_cursor(rid)
    real.start_trial(rid, contract.OWNER)
    assert real.change_cursor(rid) > before
