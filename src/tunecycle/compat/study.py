"""Optuna's study names on tunecycle's ``Study``: ``enqueue_trial``, ``add_trial(s)``,
``trials_dataframe``, the ``optimize`` arguments ``catch``/``gc_after_trial``/
``show_progress_bar``, ``StudyDirection``, ``MaxTrialsCallback`` and the summary records of
``get_all_study_summaries``.

:class:`OptunaStudyMixin` is a base class of :class:`tunecycle.study.Study`; it reaches the
study only through its public attributes and its storage, and imports nothing above
:mod:`tunecycle.storage`, so the native ``Study`` stays as it was.
"""

from __future__ import annotations

import enum
import gc
import math
import numbers
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tunecycle.errors import UserError
from tunecycle.records import Direction, FrozenTrial, TrialState

if TYPE_CHECKING:
    import pandas

    from tunecycle.storage.base import Storage

#: ``trials_dataframe``'s columns when ``attrs`` is not given (Optuna's choice and order)
DEFAULT_ATTRS = (
    "number",
    "value",
    "datetime_start",
    "datetime_complete",
    "duration",
    "params",
    "user_attrs",
    "system_attrs",
    "state",
)

#: Optuna's spelling of each state (``TrialState.FAILED.name`` is ``FAILED``; Optuna's ``FAIL``)
_STATE_NAMES = {
    TrialState.WAITING: "WAITING",
    TrialState.RUNNING: "RUNNING",
    TrialState.COMPLETE: "COMPLETE",
    TrialState.PRUNED: "PRUNED",
    TrialState.FAILED: "FAIL",
}


def optuna_state_name(state: TrialState) -> str:
    """``"COMPLETE"``, ``"PRUNED"``, ``"FAIL"``, ``"RUNNING"`` or ``"WAITING"``."""
    return _STATE_NAMES[state]


class StudyDirection(str, enum.Enum):
    """Optuna's ``StudyDirection``.  Its members equal tunecycle's :class:`Direction` members
    of the same name (``study.direction == StudyDirection.MAXIMIZE`` holds for a maximising
    study) and are accepted wherever a direction is; ``NOT_SET`` is no direction and is
    refused as one."""

    NOT_SET = "not_set"
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


class MaxTrialsCallback:
    """Stop the study once it holds ``n_trials`` trials in ``states`` (complete ones by
    default; ``states=None``: every state), counting trials of every worker and earlier run.
    Pass it in ``optimize(callbacks=[...])``."""

    def __init__(
        self, n_trials: int, states: Container[TrialState] | None = (TrialState.COMPLETE,)
    ):
        if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0:
            raise UserError(f"n_trials: must be a non-negative integer, got {n_trials!r}")
        self._n_trials = n_trials
        self._states = states

    def __call__(self, study: Any, trial: FrozenTrial) -> None:
        trials = study.get_trials(deepcopy=False)
        if self._states is not None:
            trials = [t for t in trials if t.state in self._states]
        if len(trials) >= self._n_trials:
            study.stop()


@dataclass(frozen=True)
class OptunaStudySummary:
    """One study of ``get_all_study_summaries`` under Optuna's attribute names."""

    study_name: str
    directions: tuple[Direction, ...]
    best_trial: FrozenTrial | None
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    system_attrs: Mapping[str, Any] = field(default_factory=dict)
    n_trials: int = 0
    datetime_start: datetime | None = None
    study_id: int = 0

    @property
    def direction(self) -> Direction:
        if len(self.directions) > 1:
            raise UserError(
                f"study {self.study_name!r} has {len(self.directions)} objectives: read directions"
            )
        return self.directions[0]

    @property
    def _study_id(self) -> int:  # Optuna's own attribute name
        return self.study_id


class OptunaStudyMixin:
    """Optuna's ``Study`` methods that tunecycle's native ``Study`` names otherwise."""

    storage: Storage
    study_id: int
    directions: tuple[Direction, ...]
    metric_names: list[str] | None
    get_trials: Callable[..., list[FrozenTrial]]
    enqueue: Callable[..., int]

    # -- queueing and adding trials ----------------------------------------------------------
    def enqueue_trial(
        self,
        params: Mapping[str, Any],
        user_attrs: Mapping[str, Any] | None = None,
        skip_if_exists: bool = False,
    ) -> int | None:
        """Optuna's name of :meth:`enqueue`: queue ``params`` to run next; returns the trial's
        number.  ``skip_if_exists=True`` queues nothing (and returns None) when a trial of the
        study, in any state, already has the same parameters and values."""
        if not isinstance(params, Mapping):
            raise UserError(
                f"enqueue_trial: params must be a mapping of name -> value, got {params!r}"
            )
        if skip_if_exists and any(_same_params(params, t.params) for t in self.get_trials()):
            return None
        return self.enqueue(params, user_attrs=user_attrs)

    def add_trial(self, trial: FrozenTrial) -> None:
        """Store a finished trial made elsewhere (``create_trial``, another study) as this
        study's next one, with its state, values, params, distributions, intermediate values,
        attributes and times; samplers and pruners read it like any other trial."""
        if not isinstance(trial, FrozenTrial):
            raise UserError(
                f"add_trial: expected a FrozenTrial (create_trial makes one), got "
                f"{type(trial).__name__}"
            )
        if trial.values is not None and len(trial.values) != len(self.directions):
            raise UserError(
                f"add_trial: the trial has {len(trial.values)} values; this study "
                f"has {len(self.directions)} objective(s)"
            )
        self.storage.add_trial(self.study_id, trial)

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """:meth:`add_trial` for each trial, in order."""
        for t in trials:
            self.add_trial(t)

    def _finished_record(self, trial: Any) -> FrozenTrial | None:
        """The stored record of ``trial`` (a live trial or a number) if it has finished, for
        ``tell(skip_if_finished=True)``; None when it is still running (or unknown)."""
        if isinstance(trial, int) and not isinstance(trial, bool):
            found = [t for t in self.get_trials() if t.number == trial]
            record = found[0] if found else None
        else:
            record = self.storage.get_trial(trial.trial_id)
        return record if record is not None and record.is_finished else None

    # -- the data frame ----------------------------------------------------------------------
    def trials_dataframe(
        self, attrs: Sequence[str] = DEFAULT_ATTRS, multi_index: bool = False
    ) -> pandas.DataFrame:
        """Optuna's table of the trials: a column per attribute in ``attrs``, the mappings
        (``params``, ``user_attrs``, ``system_attrs``, ...) one column per key
        (``params_x``), ``values_0``, ``values_1``, ... (or ``values_<metric name>``) for
        several objectives, states spelled ``COMPLETE``, ``PRUNED``, ``FAIL``, ``RUNNING``,
        ``WAITING``.  ``multi_index=True`` keeps the two-level column names.  The native
        :meth:`to_dataframe` is tunecycle's own, shorter table."""
        import pandas as pd

        if isinstance(attrs, str):
            raise UserError(f"trials_dataframe: attrs must be a tuple of names, got {attrs!r}")
        trials = self.get_trials()
        if not trials:
            return pd.DataFrame()
        several = len(self.directions) > 1
        names = tuple("values" if a == "value" and several else a for a in attrs)
        records, columns = _records(trials, names, self.metric_names, len(self.directions))
        frame = pd.DataFrame(records, columns=pd.MultiIndex.from_tuples(columns))
        if not multi_index:
            frame.columns = ["_".join(str(p) for p in col if p != "") for col in columns]
        return frame

    # -- optimize's Optuna arguments ---------------------------------------------------------
    def _optuna_options(
        self,
        catch: Any,
        callbacks: Iterable[Callable[[Any, FrozenTrial], None]] | None,
        gc_after_trial: bool,
        stop_on_error: bool,
    ) -> tuple[bool | Callable[[BaseException], bool], list[Callable[[Any, FrozenTrial], None]]]:
        """``optimize``'s ``stop_on_error`` and callbacks for Optuna's ``catch`` and
        ``gc_after_trial``.  With ``catch`` given (Optuna's spelling), an exception of those
        types fails the trial and the run goes on; any other fails the trial and is raised, as
        in Optuna.  Without it, tunecycle's rule holds: fail, warn and go on."""
        cbs = list(callbacks or ())
        if not all(callable(cb) for cb in cbs):
            raise UserError(f"optimize: callbacks must be callables f(study, trial), got {cbs!r}")
        if gc_after_trial:
            cbs.append(_collect_garbage)
        if catch is None:
            return stop_on_error, cbs
        if stop_on_error:
            raise UserError(
                "optimize: give catch= (Optuna's rule: other exceptions are raised) "
                "or stop_on_error=True (every exception is raised), not both"
            )
        caught = _exception_types(catch)
        return (lambda exc: not isinstance(exc, caught)), cbs


def _collect_garbage(study: Any, trial: FrozenTrial) -> None:
    gc.collect()


def _exception_types(catch: Any) -> tuple[type[BaseException], ...]:
    items = (catch,) if isinstance(catch, type) else catch
    try:
        types = tuple(items)
    except TypeError:
        raise UserError(
            f"optimize: catch must be an exception class or a tuple of them, got {catch!r}"
        ) from None
    bad = [t for t in types if not (isinstance(t, type) and issubclass(t, BaseException))]
    if bad:
        raise UserError(f"optimize: catch must hold exception classes, got {bad!r}")
    return types


def _same_params(wanted: Mapping[str, Any], have: Mapping[str, Any]) -> bool:
    """The same names, and each value equal (numbers within a relative 1e-5, as Optuna)."""
    if set(wanted) != set(have):
        return False
    for name, v in wanted.items():
        w = have[name]
        if (
            isinstance(v, bool)
            or isinstance(w, bool)
            or not (isinstance(v, numbers.Real) and isinstance(w, numbers.Real))
        ):
            if type(v) is not type(w) or v != w:
                return False
        elif not (
            math.isclose(float(v), float(w), rel_tol=1e-5, abs_tol=0.0)
            or (math.isnan(v) and math.isnan(w))
        ):
            return False
    return True


def _attr(trial: FrozenTrial, name: str) -> Any:
    if name == "state":
        return optuna_state_name(trial.state)
    attr = name[1:] if name.startswith("_") else name
    try:
        return getattr(trial, attr)
    except AttributeError:
        raise UserError(f"trials_dataframe: a trial has no attribute {name!r}") from None


def _records(
    trials: Sequence[FrozenTrial],
    attrs: Sequence[str],
    metric_names: list[str] | None,
    n_objectives: int,
) -> tuple[list[dict[tuple[str, Any], Any]], list[tuple[str, Any]]]:
    """One row per trial keyed by (column, sub-column), and the columns in ``attrs`` order
    (keys of a mapping sorted; the values in objective order)."""
    seen: dict[str, set[tuple[str, Any]]] = {a: set() for a in attrs}
    ordered_values: dict[str, list[tuple[str, Any]]] = {}
    rows = []
    for t in trials:
        row: dict[tuple[str, Any], Any] = {}
        for a in attrs:
            col = a[1:] if a.startswith("_") else a
            value = _attr(t, a)
            if a == "values":
                vals = list(value) if value is not None else [None] * n_objectives
                keys = metric_names or list(range(n_objectives))
                cells = [((col, k), v) for k, v in zip(keys, vals)]
                ordered_values[a] = [c for c, _ in cells]
            elif a == "value":
                cells = [((col, metric_names[0] if metric_names else ""), value)]
            elif isinstance(value, Mapping):
                cells = [((col, k), v) for k, v in value.items()]
            elif isinstance(value, (list, tuple)):
                cells = [((col, i), v) for i, v in enumerate(value)]
            else:
                cells = [((col, ""), value)]
            for key, v in cells:
                row[key] = v
                seen[a].add(key)
        rows.append(row)
    columns: list[tuple[str, Any]] = []
    for a in attrs:
        if a in ordered_values:
            columns.extend(ordered_values[a])
        else:
            columns.extend(sorted(seen[a], key=lambda c: (str(type(c[1])), c[1])))
    return rows, columns


def summaries(storage: Storage, include_best_trial: bool = True) -> list[OptunaStudySummary]:
    """Every study in ``storage`` as an :class:`OptunaStudySummary`, in creation order; with
    ``include_best_trial``, a one-objective study's best feasible complete trial."""
    out = []
    for s in storage.list_studies():
        info = s.info
        best = _best(storage, info.study_id, info.directions) if include_best_trial else None
        out.append(
            OptunaStudySummary(
                study_name=info.name,
                directions=tuple(info.directions),
                best_trial=best,
                user_attrs=dict(info.user_attrs),
                system_attrs=dict(info.system_attrs),
                n_trials=s.n_trials,
                datetime_start=_first_start(storage, info.study_id),
                study_id=info.study_id,
            )
        )
    return sorted(out, key=lambda r: r.study_id)


def _best(storage: Storage, study_id: int, directions: Sequence[Direction]) -> FrozenTrial | None:
    if len(directions) != 1:
        return None
    offset = 0
    while True:  # the best value first; an infeasible trial is never best
        page = storage.query_trials(
            study_id,
            states=[TrialState.COMPLETE],
            sort="value",
            descending=directions[0] is Direction.MAXIMIZE,
            offset=offset,
            limit=100,
        )
        found = next((t for t in page.trials if t.feasible and t.value is not None), None)
        if found is not None or len(page.trials) < 100:
            return found
        offset += 100


def _first_start(storage: Storage, study_id: int) -> datetime | None:
    """When the study's first trial started (Optuna's ``datetime_start`` of a summary)."""
    page = storage.query_trials(study_id, sort="number", limit=1)
    return page.trials[0].datetime_start if page.trials else None


__all__ = [
    "DEFAULT_ATTRS",
    "MaxTrialsCallback",
    "OptunaStudyMixin",
    "OptunaStudySummary",
    "StudyDirection",
    "optuna_state_name",
    "summaries",
]
