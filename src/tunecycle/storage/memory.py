"""In-memory storage: the default when ``storage=None``.  Fast, single process, gone on exit.

It keeps the same contract as the SQL backends (gap-free numbers, owners, leases, stale-trial
failure), guarded by one lock so that threads may share it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from tunecycle.errors import DuplicatedStudyError, StudyNotFoundError, TrialStateError
from tunecycle.records import (
    Direction,
    FrozenTrial,
    StudyInfo,
    StudySummary,
    TrialChanges,
    TrialState,
)
from tunecycle.space import Param, ParamValue
from tunecycle.storage.base import (
    MAX_PAGE,
    Storage,
    check_objective_count,
    check_query,
    dump_json,
    finished_values,
    retry_attrs,
    stale_reason,
    summarize,
)

_COUNTED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)


class InMemoryStorage(Storage):
    url = "memory://"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[int, StudyInfo] = {}
        self._by_name: dict[str, int] = {}
        self._trials: dict[int, list[FrozenTrial]] = {}
        self._where: dict[int, tuple[int, int]] = {}  # trial_id -> (study_id, number)
        self._waiting: dict[int, deque[int]] = {}  # study_id -> numbers of enqueued trials
        # study_id -> {trial number: its change number}, oldest change first
        self._changes: dict[int, OrderedDict[int, int]] = {}
        self._cursor: dict[int, int] = {}  # study_id -> its last change number
        self._next_study = 1
        self._next_trial = 1

    # -- studies ------------------------------------------------------------------------------
    def _create_study(
        self, name: str, directions: tuple[Direction, ...], system_attrs: Mapping[str, Any] | None
    ) -> StudyInfo:
        with self._lock:
            if name in self._by_name:
                raise DuplicatedStudyError(f"study {name!r} already exists")
            dump_json(dict(system_attrs or {}), "study attributes")
            info = StudyInfo(
                study_id=self._next_study,
                name=name,
                direction=directions[0],
                directions=directions,
                system_attrs=dict(system_attrs or {}),
                datetime_start=datetime.now(),
            )
            self._next_study += 1
            self._studies[info.study_id] = info
            self._by_name[name] = info.study_id
            self._trials[info.study_id] = []
            self._changes[info.study_id] = OrderedDict()
            self._cursor[info.study_id] = 0
            return info

    def get_study(self, name: str) -> StudyInfo:
        with self._lock:
            if name not in self._by_name:
                raise StudyNotFoundError(f"no study named {name!r} in {self.url}")
            return self._studies[self._by_name[name]]

    def list_studies(self) -> list[StudySummary]:
        with self._lock:
            return [summarize(info, self._trials[sid]) for sid, info in self._studies.items()]

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            info = self._study(study_id)
            del self._by_name[info.name]
            del self._studies[study_id]
            self._waiting.pop(study_id, None)
            self._changes.pop(study_id, None)
            self._cursor.pop(study_id, None)
            for t in self._trials.pop(study_id):
                self._where.pop(t.trial_id, None)

    def set_study_attr(self, study_id: int, key: str, value: Any, *, system: bool = False) -> None:
        dump_json(value, f"study attribute {key!r}")
        with self._lock:
            info = self._study(study_id)
            field = "system_attrs" if system else "user_attrs"
            attrs = {**getattr(info, field), key: value}
            self._studies[study_id] = replace(info, **{field: attrs})

    def _study(self, study_id: int) -> StudyInfo:
        try:
            return self._studies[study_id]
        except KeyError:
            raise StudyNotFoundError(f"no study with id {study_id} in {self.url}") from None

    # -- trials -------------------------------------------------------------------------------
    def _add(self, study_id: int, **fields: Any) -> FrozenTrial:
        trials = self._trials[study_id]
        t = FrozenTrial(trial_id=self._next_trial, number=len(trials), **fields)
        self._next_trial += 1
        trials.append(t)
        self._where[t.trial_id] = (study_id, t.number)
        self._changed(study_id, t.number)
        return t

    def _changed(self, study_id: int, number: int) -> None:
        seq = self._cursor[study_id] + 1
        self._cursor[study_id] = seq
        changes = self._changes[study_id]
        changes[number] = seq
        changes.move_to_end(number)

    def _get(self, trial_id: int) -> FrozenTrial:
        try:
            sid, num = self._where[trial_id]
        except KeyError:
            raise TrialStateError(f"no trial with id {trial_id}") from None
        return self._trials[sid][num]

    def _put(self, t: FrozenTrial, *, change: bool = True) -> FrozenTrial:
        sid, num = self._where[t.trial_id]
        self._trials[sid][num] = t
        if change:
            self._changed(sid, num)
        return t

    def _running(self, trial_id: int, action: str) -> FrozenTrial:
        t = self._get(trial_id)
        if t.state is not TrialState.RUNNING:
            raise TrialStateError(
                f"trial {t.number}: cannot {action}, it is {t.state.value}"
                + (f" ({t.fail_reason})" if t.fail_reason else "")
            )
        return t

    def enqueue_trial(
        self,
        study_id: int,
        params: Mapping[str, ParamValue],
        distributions: Mapping[str, Param] | None = None,
        user_attrs: Mapping[str, Any] | None = None,
        system_attrs: Mapping[str, Any] | None = None,
        retry_of: int | None = None,
    ) -> FrozenTrial:
        dump_json(dict(params), "params")
        dump_json(dict(user_attrs or {}), "user attributes")
        dump_json(dict(system_attrs or {}), "system attributes")
        with self._lock:
            self._study(study_id)
            t = self._add(
                study_id,
                state=TrialState.WAITING,
                params=dict(params),
                distributions=dict(distributions or {}),
                user_attrs=dict(user_attrs or {}),
                system_attrs=dict(system_attrs or {}),
                retry_of=retry_of,
            )
            self._waiting.setdefault(study_id, deque()).append(t.number)
            return t

    def _add_trial(self, study_id: int, trial: FrozenTrial) -> FrozenTrial:
        with self._lock:
            check_objective_count(trial, len(self._study(study_id).directions))
            t = self._add(
                study_id,
                state=trial.state,
                value=trial.value,
                values=trial.values,
                constraints=trial.constraints,
                params=dict(trial.params),
                distributions=dict(trial.distributions),
                intermediate=dict(trial.intermediate),
                user_attrs=dict(trial.user_attrs),
                system_attrs=dict(trial.system_attrs),
                fail_reason=trial.fail_reason,
                datetime_start=trial.datetime_start,
                datetime_complete=trial.datetime_complete,
            )
            if t.state is TrialState.WAITING:
                self._waiting.setdefault(study_id, deque()).append(t.number)
            return t

    def start_trial(
        self, study_id: int, owner: str, *, lease: bool = False, max_trials: int | None = None
    ) -> FrozenTrial | None:
        with self._lock:
            self._study(study_id)
            trials = self._trials[study_id]
            now = datetime.now()
            beat = time.time() if lease else None
            waiting = self._waiting.get(study_id)
            if waiting:
                t = trials[waiting.popleft()]
                return self._put(
                    replace(t, state=TrialState.RUNNING, owner=owner, heartbeat=beat,
                            datetime_start=now)
                )
            if max_trials is not None:
                if sum(1 for t in trials if t.state in _COUNTED) >= max_trials:
                    return None
            return self._add(
                study_id, state=TrialState.RUNNING, owner=owner, heartbeat=beat, datetime_start=now
            )

    def set_params(
        self, trial_id: int, params: Mapping[str, ParamValue], distributions: Mapping[str, Param]
    ) -> None:
        dump_json(dict(params), "params")
        with self._lock:
            t = self._running(trial_id, "set params")
            self._put(
                replace(
                    t,
                    params={**t.params, **params},
                    distributions={**t.distributions, **distributions},
                )
            )

    def report(self, trial_id: int, step: int, value: float) -> None:
        with self._lock:
            t = self._running(trial_id, "report")
            self._put(replace(t, intermediate={**t.intermediate, int(step): float(value)}))

    def set_trial_attr(self, trial_id: int, key: str, value: Any, *, system: bool = False) -> None:
        dump_json(value, f"trial attribute {key!r}")
        with self._lock:
            t = self._running(trial_id, f"set attribute {key!r}")
            field = "system_attrs" if system else "user_attrs"
            self._put(replace(t, **{field: {**getattr(t, field), key: value}}))

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
        with self._lock:
            t = self._running(trial_id, f"finish as {state.value}")
            done = self._put(
                replace(
                    t,
                    state=state,
                    value=value,
                    values=vals,
                    constraints=None if constraints is None else tuple(constraints),
                    fail_reason=reason,
                    datetime_complete=datetime.now(),
                    params={**t.params, **(params or {})},
                    distributions={**t.distributions, **(distributions or {})},
                )
            )
            if state is TrialState.FAILED and max_retries:
                self._retry(done, max_retries)
            return done

    def _retry(self, failed: FrozenTrial, max_retries: int) -> None:
        attrs = retry_attrs(failed.system_attrs, max_retries)
        if attrs is None:
            return
        study_id = self._where[failed.trial_id][0]
        t = self._add(
            study_id,
            state=TrialState.WAITING,
            params=dict(failed.params),
            distributions=dict(failed.distributions),
            user_attrs={},
            system_attrs=attrs,
            retry_of=failed.number,
        )
        self._waiting.setdefault(study_id, deque()).append(t.number)

    def heartbeat(self, trial_ids: Sequence[int]) -> None:
        now = time.time()
        with self._lock:
            for tid in trial_ids:
                t = self._get(tid)
                if t.state is TrialState.RUNNING and t.heartbeat is not None:
                    self._put(replace(t, heartbeat=now), change=False)

    def fail_stale_trials(
        self, study_id: int, grace_seconds: float, *, max_retries: int = 0
    ) -> list[int]:
        now = time.time()
        failed = []
        with self._lock:
            for t in list(self._trials.get(study_id, [])):
                if t.state is not TrialState.RUNNING:
                    continue
                reason = stale_reason(t, now, grace_seconds)
                if reason:
                    done = self._put(
                        replace(
                            t,
                            state=TrialState.FAILED,
                            fail_reason=reason,
                            datetime_complete=datetime.now(),
                        )
                    )
                    if max_retries:
                        self._retry(done, max_retries)
                    failed.append(t.number)
        return failed

    def get_trials(self, study_id: int) -> list[FrozenTrial]:
        with self._lock:
            self._study(study_id)
            return list(self._trials[study_id])

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            return self._get(trial_id)

    # -- reads for viewers ----------------------------------------------------------------------
    def get_study_summary(self, study_id: int) -> StudySummary:
        with self._lock:
            return summarize(self._study(study_id), self._trials[study_id])

    def trials_changed_since(
        self, study_id: int, cursor: int, *, limit: int = MAX_PAGE
    ) -> TrialChanges:
        check_query("number", 0, limit)
        with self._lock:
            self._study(study_id)
            head = self._cursor[study_id]
            newer: list[tuple[int, int]] = []
            for number, seq in reversed(self._changes[study_id].items()):
                if seq <= cursor:
                    break
                newer.append((seq, number))
            newer.reverse()
            more = len(newer) > limit
            newer = newer[:limit]
            trials = tuple(self._trials[study_id][number] for _, number in newer)
        return TrialChanges(trials, newer[-1][0] if more else head, more)

    def change_cursor(self, study_id: int) -> int:
        with self._lock:
            self._study(study_id)
            return self._cursor[study_id]
