"""The storage interface: the single source of truth for studies and trials.

Every backend (in memory, SQLite, PostgreSQL) implements this small set of atomic operations.
A trial's number is assigned inside the store, unique and gap-free per study.  Liveness is part
of the contract: a running trial records its owner (``host:pid``) and, when it holds a lease, a
heartbeat; :meth:`Storage.fail_stale_trials` fails those whose owner is gone.

This module defines the contract and the helpers the backends share; it knows nothing of
samplers or of how trials are scheduled.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import socket
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from tunecycle.errors import StudyNotFoundError, UserError
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
    check_constraints,
)
from tunecycle.space import Categorical, Param, ParamValue, param_from_dict

_HOST = socket.gethostname()


def current_owner() -> str:
    """This process as a trial owner: ``host:pid``."""
    return f"{_HOST}:{os.getpid()}"


def owner_is_gone(owner: str | None) -> bool:
    """True when ``owner`` names a process on this host that no longer exists."""
    if not owner or ":" not in owner:
        return False
    host, _, pid_text = owner.rpartition(":")
    if host != _HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by someone else
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def dump_json(value: Any, what: str) -> str:
    """Serialise ``value`` for the store, or raise a ``UserError`` naming ``what``."""
    try:
        return json.dumps(value, allow_nan=True, default=_json_default)
    except (TypeError, ValueError) as exc:
        if isinstance(value, Mapping):  # name the offending entry: "params['lr']"
            for key, item in value.items():
                try:
                    json.dumps(item, allow_nan=True, default=_json_default)
                except (TypeError, ValueError):
                    what = f"{what}[{key!r}]"
                    break
        raise UserError(f"{what}: value is not JSON-serialisable ({exc})") from None


def _json_default(obj: Any) -> Any:
    # numpy scalars and arrays, without importing numpy here
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def dists_to_json(dists: Mapping[str, Param]) -> str:
    return json.dumps({name: p.to_dict() for name, p in dists.items()})


_PARAM_MEMO: dict[str, Param] = {}


def dists_from_json(text: str | None) -> dict[str, Param]:
    """Parse stored parameter types, memoising each type's JSON (they repeat in every trial)."""
    if not text:
        return {}
    out: dict[str, Param] = {}
    for name, spec in json.loads(text).items():
        key = name + "\0" + json.dumps(spec, sort_keys=True)
        p = _PARAM_MEMO.get(key)
        if p is None:
            p = param_from_dict(spec, name)
            if len(_PARAM_MEMO) < 100_000:
                _PARAM_MEMO[key] = p
        out[name] = p
    return out


#: what ``Storage.query_trials`` can sort by
TRIAL_SORT_KEYS = ("number", "value", "state", "datetime_start", "datetime_complete")
#: the largest page ``query_trials`` and ``trials_changed_since`` return at once
MAX_PAGE = 1000
#: the longest study name, in characters: the length of ``tc_studies.name`` (``schema.py`` sizes
#: the column from it) and the limit every backend checks, memory included
MAX_STUDY_NAME = 512


def study_name_problem(name: object) -> str | None:
    """What is wrong with ``name`` as a study name, or None when it is a good one."""
    if not isinstance(name, str) or not name.strip():
        return f"a study name must be a non-empty string, got {name!r}"
    if len(name) > MAX_STUDY_NAME:
        return f"a study name is at most {MAX_STUDY_NAME} characters, got {len(name)}"
    return None


def check_study_name(name: object) -> str:
    """``name``, or a ``UserError`` (``name: ...``) when no backend could store it."""
    problem = study_name_problem(name)
    if problem is not None:
        raise UserError(f"name: {problem}")
    return name  # type: ignore[return-value]


def check_query(sort: str, offset: int, limit: int) -> None:
    """Raise a ``UserError`` naming the argument when a trial query asks for nonsense."""
    if sort not in TRIAL_SORT_KEYS:
        raise UserError(f"sort: {sort!r} is not one of {list(TRIAL_SORT_KEYS)}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise UserError(f"offset: expected an integer >= 0, got {offset!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise UserError(f"limit: expected an integer from 1 to {MAX_PAGE}, got {limit!r}")


def finished_values(
    value: float | None, values: Sequence[float] | None
) -> tuple[float | None, tuple[float, ...] | None]:
    """``(value, values)`` as stored: a single objective's value fills both; several leave
    ``value`` None."""
    if values is None:
        return value, None if value is None else (float(value),)
    vals = tuple(float(v) for v in values)
    return (vals[0] if len(vals) == 1 else None), vals


def summarize(info: StudyInfo, trials: Sequence[FrozenTrial]) -> StudySummary:
    counts = {s: 0 for s in TrialState}
    best: float | None = None
    for t in trials:
        counts[t.state] += 1
        if t.state is TrialState.COMPLETE and t.value is not None and t.feasible:
            if best is None or info.direction.better(t.value, best):
                best = t.value
    return StudySummary(info=info, n_trials=len(trials), counts=counts, best_value=best)


class Storage(ABC):
    """Persistence of studies and trials.  All methods are atomic; all are safe to call from
    several threads, and (for the SQL backends) from several processes and machines."""

    url: str = ""
    #: True when other processes may share this store (then running trials hold a lease)
    shared: bool = False
    #: settings of the studies opened on this store, where the store carries them (Optuna's
    #: ``RDBStorage(heartbeat_interval=, grace_period=, failed_trial_callback=)`` does):
    #: ``heartbeat_interval``, ``grace_period``, ``max_retries``; ``create_study`` and
    #: ``load_study`` use each one unless their caller gives it
    study_defaults: Mapping[str, Any] = MappingProxyType({})

    # -- studies ------------------------------------------------------------------------------
    def create_study(
        self,
        name: str,
        direction: Direction | Sequence[Direction],
        system_attrs: Mapping[str, Any] | None = None,
    ) -> StudyInfo:
        """Create a study of one objective (``direction``) or several (a sequence of them);
        raise ``DuplicatedStudyError`` if the name is taken.

        The name is checked here, the same way for every backend and before anything is
        written (a ``UserError`` naming the limit); the backend's ``_create_study`` stores it."""
        directions = (direction,) if isinstance(direction, Direction) else tuple(direction)
        if not directions or not all(isinstance(d, Direction) for d in directions):
            raise UserError(f"directions: expected Direction values, got {direction!r}")
        return self._create_study(check_study_name(name), directions, system_attrs)

    @abstractmethod
    def _create_study(
        self, name: str, directions: tuple[Direction, ...], system_attrs: Mapping[str, Any] | None
    ) -> StudyInfo:
        """Store a new study under a checked name; ``DuplicatedStudyError`` if it is taken."""

    @abstractmethod
    def get_study(self, name: str) -> StudyInfo:
        """Return the study named ``name``; raise ``StudyNotFoundError`` if there is none."""

    @abstractmethod
    def list_studies(self) -> list[StudySummary]: ...

    @abstractmethod
    def delete_study(self, study_id: int) -> None:
        """Delete a study and all its trials, in one transaction."""

    @abstractmethod
    def set_study_attr(
        self, study_id: int, key: str, value: Any, *, system: bool = False
    ) -> None: ...

    # -- trials -------------------------------------------------------------------------------
    @abstractmethod
    def enqueue_trial(
        self,
        study_id: int,
        params: Mapping[str, ParamValue],
        distributions: Mapping[str, Param] | None = None,
        user_attrs: Mapping[str, Any] | None = None,
        system_attrs: Mapping[str, Any] | None = None,
        retry_of: int | None = None,
    ) -> FrozenTrial:
        """Add a waiting trial with fixed params; the next ``start_trial`` claims it."""

    def add_trial(self, study_id: int, trial: FrozenTrial) -> FrozenTrial:
        """Store a trial made elsewhere (another study, another store, by hand) as the study's
        next one, and return it as stored.

        ``trial`` is complete, pruned or failed (or waiting: then it is queued like
        :meth:`enqueue_trial`), and keeps its values, constraints, params, distributions,
        intermediate values, attributes, fail reason and its own start and end times (a
        finished trial without them gets the current time).  Its ``trial_id`` and ``number``
        are ignored: the store numbers it next in the study, atomically and without gaps,
        like :meth:`start_trial`.  Everything is checked before anything is written (a
        ``UserError`` naming the field): the state, one finite value per objective for a
        complete trial, finite constraints, each param inside its distribution."""
        return self._add_trial(study_id, check_added_trial(trial))

    @abstractmethod
    def _add_trial(self, study_id: int, trial: FrozenTrial) -> FrozenTrial:
        """Store a trial checked by :func:`check_added_trial`; the backend checks its number
        of values against the study's objectives (:func:`check_objective_count`) in the same
        transaction that numbers and writes it."""

    @abstractmethod
    def start_trial(
        self,
        study_id: int,
        owner: str,
        *,
        lease: bool = False,
        max_trials: int | None = None,
    ) -> FrozenTrial | None:
        """Claim the oldest waiting trial, or create a new running one.

        With ``max_trials``, create nothing (and return None) once the study holds that many
        complete, pruned, running and waiting trials together.  With ``lease`` the trial's
        heartbeat starts now and must be renewed with :meth:`heartbeat`.
        """

    @abstractmethod
    def set_params(
        self, trial_id: int, params: Mapping[str, ParamValue], distributions: Mapping[str, Param]
    ) -> None:
        """Add params to a running trial (merged with those it has)."""

    @abstractmethod
    def report(self, trial_id: int, step: int, value: float) -> None:
        """Store an intermediate value; a second report for the same step replaces the first."""

    @abstractmethod
    def set_trial_attr(
        self, trial_id: int, key: str, value: Any, *, system: bool = False
    ) -> None: ...

    @abstractmethod
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
        """Move a running trial to a finished state, merging any params not yet written.

        ``values`` holds one number per objective (a study of one objective may give ``value``
        instead; both are stored for it); ``constraints`` the trial's constraint values.

        A trial failed with ``max_retries > 0`` is re-queued in the same transaction (see
        :func:`retry_attrs`).  Raises ``TrialStateError`` if the trial is not running (told
        twice, or failed as stale).
        """

    @abstractmethod
    def heartbeat(self, trial_ids: Sequence[int]) -> None:
        """Renew the lease of running trials."""

    @abstractmethod
    def fail_stale_trials(
        self, study_id: int, grace_seconds: float, *, max_retries: int = 0
    ) -> list[int]:
        """Fail running trials whose owner process on this host is gone, or whose lease is
        older than ``grace_seconds`` by the store's clock; return their numbers.  With
        ``max_retries``, each is re-queued in the same transaction (see :func:`retry_attrs`)."""

    @abstractmethod
    def get_trials(self, study_id: int) -> list[FrozenTrial]:
        """All trials of a study, in number order (backends may cache finished trials)."""

    @abstractmethod
    def get_trial(self, trial_id: int) -> FrozenTrial: ...

    def count_trials(self, study_id: int, states: Sequence[TrialState]) -> int:
        wanted = set(states)
        return sum(1 for t in self.get_trials(study_id) if t.state in wanted)

    # -- reads for viewers (the dashboard): bounded, and incremental by a change cursor ----------
    #
    # Every write that changes a trial (enqueue, start, params, report, attribute, finish, stale
    # failure; not a lease renewal) gives it the study's next change number.  A reader keeps the
    # cursor it was handed and asks for what changed after it: the cost of a refresh follows
    # what changed, not the size of the study.

    # These have defaults built on ``get_trials`` (and ``list_studies``), so that a new backend
    # needs none of them to work with the dashboard; SQL overrides every one with a query, the
    # in-memory store its cursor.

    def change_cursor(self, study_id: int) -> int:
        """The study's latest change number; 0 for a backend that keeps none (its readers then
        re-read every trial on each refresh: correct, not incremental)."""
        return 0

    def get_study_summary(self, study_id: int) -> StudySummary:
        """Counts by state and the best value of one study, without reading its trials."""
        for summary in self.list_studies():
            if summary.info.study_id == study_id:
                return summarize(summary.info, self.get_trials(study_id))
        raise StudyNotFoundError(f"study: no study with id {study_id}")

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
        """One page of trials: those in ``states`` (all when None) whose value lies within
        ``[value_min, value_max]`` (a bound excludes trials without a value), sorted by ``sort``
        (one of ``TRIAL_SORT_KEYS``; trials without that field come last either way, ties
        in number order), ``limit`` (at most ``MAX_PAGE``) from ``offset``."""
        check_query(sort, offset, limit)
        cursor = self.change_cursor(study_id)
        rows = self.get_trials(study_id)
        wanted = None if states is None else {TrialState.parse(s) for s in states}
        rows = [t for t in rows if _matches(t, wanted, value_min, value_max)]
        present = [t for t in rows if _sort_key(t, sort) is not None]
        missing = [t for t in rows if _sort_key(t, sort) is None]  # already in number order
        present.sort(key=lambda t: t.number)
        # a stable sort, reversed or not, keeps ties in number order
        present.sort(key=lambda t: _sort_key(t, sort), reverse=descending)
        ordered = present + missing
        return TrialPage(tuple(ordered[offset : offset + limit]), len(ordered), cursor)

    def trials_changed_since(
        self, study_id: int, cursor: int, *, limit: int = MAX_PAGE
    ) -> TrialChanges:
        """Trials changed after ``cursor`` (0: every trial), at most ``limit`` of them.

        A cursor larger than the study's own (the study was deleted and made again) returns
        no trials and the study's cursor, which is then smaller than the one passed.  The
        default (no change numbers kept): every trial, the cursor 0."""
        check_query("number", 0, limit)
        head = self.change_cursor(study_id)
        if cursor > head:
            return TrialChanges((), head, False)
        trials = self.get_trials(study_id)
        return TrialChanges(tuple(trials[:limit]), head, len(trials) > limit)

    def get_trial_points(self, study_id: int) -> TrialPoints:
        """Number, state and value of every trial (no params or attributes)."""
        cursor = self.change_cursor(study_id)
        points = tuple(TrialPoint(t.number, t.state, t.value) for t in self.get_trials(study_id))
        return TrialPoints(points, cursor)

    def close(self) -> None:
        """Release connections; the storage must not be used afterwards."""


RETRY_KEY = "retry"  # system attribute: how many times this trial's configuration was retried


def retry_attrs(system_attrs: Mapping[str, Any], max_retries: int) -> dict[str, Any] | None:
    """The system attributes of the retry of a failed trial, or None when its retries are
    used up.  A retry is a waiting trial with the same params, ``retry_of`` the failed trial's
    number and ``system_attrs["retry"]`` one more than the failed trial's."""
    done = int(system_attrs.get(RETRY_KEY, 0))
    if done >= max_retries:
        return None
    return {**system_attrs, RETRY_KEY: done + 1}


def stale_reason(t: FrozenTrial, now: float, grace_seconds: float) -> str | None:
    """Why a running trial counts as abandoned, or None if it may still be alive."""
    if owner_is_gone(t.owner):
        return f"abandoned: its owner process {t.owner} is gone"
    if t.heartbeat is not None and now - t.heartbeat > grace_seconds:
        return (
            f"abandoned: no heartbeat from {t.owner} for {now - t.heartbeat:.0f} s "
            f"(grace {grace_seconds:g} s)"
        )
    return None


#: the states a trial may have when it is added with ``Storage.add_trial``
ADDABLE_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED, TrialState.WAITING)


def check_added_trial(trial: Any) -> FrozenTrial:
    """``trial`` as ``Storage.add_trial`` stores it (params normalised, values as floats,
    missing times filled in), or a ``UserError`` naming the field that is wrong."""
    if not isinstance(trial, FrozenTrial):
        raise UserError(f"trial: expected a FrozenTrial, got {type(trial).__name__}")
    state = trial.state
    if state not in ADDABLE_STATES:
        raise UserError(
            f"trial.state: only a complete, pruned, failed or waiting trial can be added, "
            f"got {getattr(state, 'value', state)!r}"
        )
    values = _checked_values(trial)
    constraints = None
    if trial.constraints is not None:
        try:
            constraints = check_constraints(trial.constraints)
        except ValueError as exc:
            raise UserError(f"trial.constraints: {exc}") from None
    params, dists = _checked_params(trial)
    steps = _checked_steps(trial.intermediate)
    dump_json(dict(trial.user_attrs), "trial.user_attrs")
    dump_json(dict(trial.system_attrs), "trial.system_attrs")
    if trial.fail_reason is not None and not isinstance(trial.fail_reason, str):
        raise UserError(f"trial.fail_reason: expected a string, got {trial.fail_reason!r}")
    now = datetime.now()
    start = _naive(trial.datetime_start, "trial.datetime_start")
    end = _naive(trial.datetime_complete, "trial.datetime_complete")
    if state is TrialState.WAITING:
        end = None
    else:
        start = start or now
        end = end or now
    value = values[0] if values is not None and len(values) == 1 else None
    return replace(
        trial,
        value=value,
        values=values,
        constraints=constraints,
        params=params,
        distributions=dists,
        intermediate=steps,
        user_attrs=dict(trial.user_attrs),
        system_attrs=dict(trial.system_attrs),
        datetime_start=start,
        datetime_complete=end,
        owner=None,
        heartbeat=None,
        retry_of=None,
    )


def check_objective_count(trial: FrozenTrial, n_objectives: int) -> None:
    """A ``UserError`` when an added trial's values do not match the study's objectives."""
    if trial.values is not None and len(trial.values) != n_objectives:
        raise UserError(
            f"trial.values: the study has {n_objectives} objective"
            f"{'s' if n_objectives != 1 else ''}, the trial has {len(trial.values)} values"
        )


def _checked_values(trial: FrozenTrial) -> tuple[float, ...] | None:
    values = trial.values
    if values is None:
        if trial.state is TrialState.COMPLETE:
            raise UserError("trial.values: a complete trial needs its value(s)")
        return None
    if trial.state in (TrialState.FAILED, TrialState.WAITING):
        raise UserError(f"trial.values: a {trial.state.value} trial has no values, got {values!r}")
    out = []
    for i, v in enumerate(values):
        if not _is_real(v) or not math.isfinite(float(v)):
            raise UserError(f"trial.values[{i}]: {v!r} is not a finite number")
        out.append(float(v))
    return tuple(out)


def _checked_params(trial: FrozenTrial) -> tuple[dict[str, ParamValue], dict[str, Param]]:
    params = dict(trial.params)
    dists: dict[str, Param] = {}
    for name, dist in trial.distributions.items():
        if not isinstance(dist, Param):
            raise UserError(
                f"trial.distributions[{name!r}]: expected a distribution (Float, Int or "
                f"Categorical), got {type(dist).__name__}"
            )
        if name not in params:
            raise UserError(f"trial.distributions[{name!r}]: the trial has no param {name!r}")
        if not dist.contains(params[name]):
            raise UserError(
                f"trial.params[{name!r}]: {params[name]!r} is not in its distribution {dist!r}"
            )
        params[name] = dist.normalize(params[name])
        dists[name] = dist.flat() if isinstance(dist, Categorical) else dist
    dump_json(params, "trial.params")
    return params, dists


def _checked_steps(steps: Mapping[Any, Any]) -> dict[int, float]:
    out: dict[int, float] = {}
    for step, value in steps.items():
        if not isinstance(step, numbers.Integral) or isinstance(step, bool):
            raise UserError(f"trial.intermediate: step {step!r} is not an integer")
        if not _is_real(value):
            raise UserError(f"trial.intermediate[{step}]: {value!r} is not a number")
        out[int(step)] = float(value)
    return out


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _naive(when: Any, what: str) -> datetime | None:
    """A datetime as the stores keep it: naive, in local time."""
    if when is None:
        return None
    if not isinstance(when, datetime):
        raise UserError(f"{what}: expected a datetime, got {when!r}")
    return when if when.tzinfo is None else when.astimezone().replace(tzinfo=None)


def _matches(
    t: FrozenTrial,
    states: set[TrialState] | None,
    value_min: float | None,
    value_max: float | None,
) -> bool:
    if states is not None and t.state not in states:
        return False
    if value_min is None and value_max is None:
        return True
    if t.value is None or math.isnan(t.value):
        return False
    return (value_min is None or t.value >= value_min) and (
        value_max is None or t.value <= value_max
    )


def _sort_key(t: FrozenTrial, sort: str) -> Any:
    if sort == "state":
        return t.state.value
    value = getattr(t, sort)
    if sort == "value" and value is not None and math.isnan(value):
        return None
    return value
