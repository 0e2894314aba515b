"""The dashboard's keyed-study cache (``tunecycle.dashboard.kept``) over a real SQLite store: a
kept study is read once and then follows the changes, a study made again under its name is
read afresh, and the oldest study is forgotten beyond the bound."""

from __future__ import annotations

from tests.dashboard.helpers import add_trial
from tunecycle.dashboard.kept import KeptStudies, KeptStudy
from tunecycle.records import Direction, FrozenTrial, StudyInfo
from tunecycle.storage.base import Storage


class _Values(KeptStudy):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[int, float | None] = {}

    def apply(self, trial: FrozenTrial) -> None:
        self.values[trial.number] = trial.value


def _cache(most: int) -> tuple[KeptStudies[_Values], list[str]]:
    made: list[str] = []

    def make(store: Storage, info: StudyInfo) -> _Values:
        made.append(info.name)
        return _Values()  # cursor 0: the first catch-up brings every trial

    return KeptStudies(make, most=most), made


def test_a_kept_study_follows_the_changes_and_is_read_again_when_made_again(writer):
    cache, made = _cache(most=4)
    sid = writer.create_study("s", Direction.MINIMIZE).study_id
    add_trial(writer, sid, 0.5)
    with cache.lock:
        assert cache.get(writer, "s")[1].values == {0: 0.5}
    add_trial(writer, sid, 0.25)
    with cache.lock:
        info, kept = cache.get(writer, "s")
    assert kept.values == {0: 0.5, 1: 0.25} and info.study_id == sid
    assert made == ["s"]  # read once, then only the changes
    writer.delete_study(sid)
    sid = writer.create_study("s", Direction.MAXIMIZE).study_id
    add_trial(writer, sid, 7.0)
    with cache.lock:
        info, kept = cache.get(writer, "s")
    assert kept.values == {0: 7.0} and info.directions == (Direction.MAXIMIZE,)
    assert made == ["s", "s"]


def test_the_oldest_study_is_forgotten_beyond_the_bound(writer):
    cache, made = _cache(most=2)
    for name in ("a", "b", "c"):
        add_trial(writer, writer.create_study(name, Direction.MINIMIZE).study_id, 1.0)
    with cache.lock:
        for name in ("a", "b", "c", "b", "a"):
            cache.get(writer, name)
    assert made == ["a", "b", "c", "a"]  # "a" was forgotten when "c" came; "b" was still kept
