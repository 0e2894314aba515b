"""Trial reads of the SQL storage for the engine: one trial, a study's trials read
incrementally (finished trials are immutable and cached per study; only trials at or after the
oldest unfinished one are fetched again), counts by state.

Not here: the viewers' bounded reads with a change cursor (``sql_viewer_reads``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, select

from tunecycle.errors import StudyNotFoundError, TrialStateError
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.storage.schema import intermediate, studies, trials
from tunecycle.storage.sql_rows import _float, _trial
from tunecycle.storage.sql_transactions import SQLTransactions


class _StudyCache:
    """Finished trials of one study (immutable, so cached) and where to resume reading.

    ``marker`` is the study's name and creation time when it was last read: SQLite hands the
    id of a deleted study (and of its trials) to the next one made, maybe by another process,
    so a cache whose marker is not the study's any more is dropped, not extended."""

    def __init__(self) -> None:
        self.by_number: list[FrozenTrial | None] = []
        self.frontier = 0  # every trial with a smaller id was finished when last read
        self.marker: tuple[Any, ...] | None = None


class SQLTrialReads(SQLTransactions):
    """The engine's trial reads of ``SQLStorage``, with the per-study cache."""

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
