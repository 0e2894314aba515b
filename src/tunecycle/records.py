"""Plain records that every layer above the space passes around: trial states, directions,
frozen trials and study summaries.

They are immutable snapshots read from storage; nothing here talks to a store or a sampler.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tunecycle.compat.replay import ReplayMixin
from tunecycle.errors import UserError
from tunecycle.space import Param, ParamValue


class TrialState(str, enum.Enum):
    """Life cycle of a trial: waiting (enqueued) -> running -> complete | pruned | failed."""

    WAITING = "waiting"
    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"
    FAILED = "failed"
    FAIL = "failed"  # Optuna's spelling: the same member (``TrialState.FAIL is TrialState.FAILED``)

    def is_finished(self) -> bool:
        """Complete, pruned or failed (a method, as Optuna's ``TrialState.is_finished()``)."""
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)

    @classmethod
    def parse(cls, value: TrialState | str) -> TrialState:
        if isinstance(value, TrialState):
            return value
        aliases = {"fail": "failed", "completed": "complete", "pruned": "pruned"}
        text = aliases.get(str(value).lower(), str(value).lower())
        try:
            return cls(text)
        except ValueError:
            names = [s.value for s in cls]
            raise UserError(f"state: {value!r} is not one of {names}") from None


class Direction(str, enum.Enum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    @classmethod
    def parse(cls, value: Direction | str) -> Direction:
        if isinstance(value, Direction):
            return value
        text = value.value if isinstance(value, enum.Enum) else value  # Optuna's StudyDirection
        try:
            return cls(str(text).lower())
        except ValueError:
            raise UserError(f"direction: {value!r} is not 'minimize' or 'maximize'") from None

    def better(self, a: float, b: float) -> bool:
        """True when value ``a`` is strictly better than ``b``."""
        return a < b if self is Direction.MINIMIZE else a > b

    def sign(self) -> float:
        """+1 for minimize, -1 for maximize: ``sign * value`` is always a loss."""
        return 1.0 if self is Direction.MINIMIZE else -1.0


@dataclass(frozen=True)
class FrozenTrial(ReplayMixin):
    """A snapshot of one trial as the store holds it.

    ``values`` holds one number per objective; ``value`` is the single objective's value, and
    None in a study of several objectives (read ``values`` there).  ``constraints``, where
    given, holds the trial's constraint values: each one <= 0 is satisfied (Optuna's
    convention), and a trial with any above 0 is infeasible: never best, never on the front.

    ``suggest_float``/``suggest_int``/``suggest_categorical`` return the stored params (Optuna's
    replay: ``objective(study.best_trial)`` runs the objective with the best trial's values).
    """

    trial_id: int
    number: int
    state: TrialState
    value: float | None = None
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    distributions: Mapping[str, Param] = field(default_factory=dict)
    intermediate: Mapping[int, float] = field(default_factory=dict)
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    system_attrs: Mapping[str, Any] = field(default_factory=dict)
    datetime_start: datetime | None = None
    datetime_complete: datetime | None = None
    fail_reason: str | None = None
    owner: str | None = None
    heartbeat: float | None = None
    retry_of: int | None = None
    values: tuple[float, ...] | None = None
    constraints: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.values is None and self.value is not None:
            object.__setattr__(self, "values", (float(self.value),))
        elif self.values is not None and not isinstance(self.values, tuple):
            object.__setattr__(self, "values", tuple(float(v) for v in self.values))
        if self.constraints is not None and not isinstance(self.constraints, tuple):
            object.__setattr__(self, "constraints", tuple(float(c) for c in self.constraints))

    @property
    def feasible(self) -> bool:
        """True unless a constraint value is above 0 (a trial without constraints is)."""
        return self.constraints is None or all(c <= 0 for c in self.constraints)

    @property
    def duration(self) -> timedelta | None:
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start

    @property
    def intermediate_values(self) -> Mapping[int, float]:
        """Optuna's name for :attr:`intermediate` (step -> reported value)."""
        return self.intermediate

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate) if self.intermediate else None

    @property
    def is_finished(self) -> bool:
        return self.state.is_finished()


def best_of(trials: Iterable[FrozenTrial], direction: Direction) -> FrozenTrial | None:
    """The feasible complete trial with the best value in ``trials`` (the first of equals), or
    None: what ``Study.best_trial``, the budget's last-stretch rule, the Wilcoxon pruner and
    the report all mean by "the best trial" of one objective."""
    best: FrozenTrial | None = None
    for t in trials:
        if t.state is TrialState.COMPLETE and t.value is not None and t.feasible and (
                best is None or direction.better(t.value, best.value)):  # type: ignore[arg-type]
            best = t
    return best


@dataclass(frozen=True)
class StudyInfo:
    """What the store knows about a study, without its trials."""

    study_id: int
    name: str
    direction: Direction  # the first objective's (the only one, in most studies)
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    system_attrs: Mapping[str, Any] = field(default_factory=dict)
    datetime_start: datetime | None = None
    directions: tuple[Direction, ...] = ()  # one per objective

    def __post_init__(self) -> None:
        if not self.directions:
            object.__setattr__(self, "directions", (self.direction,))
        elif not isinstance(self.directions, tuple):
            object.__setattr__(self, "directions", tuple(self.directions))


@dataclass(frozen=True)
class StudySummary:
    """One line of a study listing."""

    info: StudyInfo
    n_trials: int
    counts: Mapping[TrialState, int]
    best_value: float | None


def parse_directions(
    direction: Direction | str | None, directions: Sequence[Direction | str] | None
) -> tuple[Direction, ...]:
    """The objectives' directions from ``direction=`` or ``directions=`` (not both)."""
    if directions is None:
        return (Direction.parse(direction if direction is not None else "minimize"),)
    if direction is not None:
        raise UserError("directions: give direction= (one objective) or directions= "
                        "(several), not both")
    if isinstance(directions, (str, bytes)) or not isinstance(directions, Sequence) \
            or not directions:
        raise UserError(f"directions: expected a non-empty list such as ['maximize', "
                        f"'minimize'], got {directions!r}")
    return tuple(Direction.parse(d) for d in directions)


def check_values(result: Any, n_objectives: int) -> tuple[float, ...]:
    """An objective's result as one finite float per objective, or ``ValueError`` saying
    why not (a study of one objective takes a plain number, as before several existed)."""
    if n_objectives == 1:
        return (check_value(result),)
    if not _is_sequence(result):
        raise ValueError(f"the objective returned {_short(result)}; this study has "
                         f"{n_objectives} objectives, so it must return {n_objectives} numbers")
    items = list(result)
    if len(items) != n_objectives:
        raise ValueError(f"the objective returned {len(items)} values; this study has "
                         f"{n_objectives} objective{'s' if n_objectives != 1 else ''}")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(check_value(item))
        except ValueError as exc:
            raise ValueError(f"objective {i}: {exc}") from None
    return tuple(out)


def check_constraints(values: Any) -> tuple[float, ...]:
    """Constraint values as finite floats (each <= 0 is satisfied), or ``ValueError``."""
    if not _is_sequence(values):
        values = [values]
    out = []
    for i, v in enumerate(values):
        if isinstance(v, (bool, str, bytes)):
            raise ValueError(f"constraint {i}: {v!r} is not a number")
        try:
            number = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"constraint {i}: {v!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"constraint {i}: {number} is not a finite number")
        out.append(number)
    return tuple(out)


def _is_sequence(value: Any) -> bool:
    if isinstance(value, (str, bytes, Mapping)):
        return False
    if isinstance(value, Sequence):
        return True
    shape = getattr(value, "shape", None)  # a numpy array (not a numpy scalar)
    return shape is not None and len(shape) == 1


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_value(value: Any) -> float:
    """Return an objective's result as a finite float, or raise ``ValueError`` saying why not."""
    if value is None:
        raise ValueError("the objective returned None; it must return a number")
    if isinstance(value, bool) or isinstance(value, (str, bytes)):
        raise ValueError(
            f"the objective returned a {type(value).__name__} ({value!r}); it must return a number"
        )
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"the objective returned a {type(value).__name__}; it must return a number"
        ) from None
    if math.isnan(number):
        raise ValueError("the objective returned NaN")
    if math.isinf(number):
        raise ValueError(f"the objective returned {number}")
    return number


@dataclass(frozen=True)
class TrialPage:
    """One page of a study's trials, filtered and sorted by the store.

    ``total`` counts every trial that matches the filter (not only this page); ``cursor`` is the
    study's change cursor, read before the trials, so that changes after the read are all
    returned by a later ``trials_changed_since(cursor)``.
    """

    trials: tuple[FrozenTrial, ...]
    total: int
    cursor: int


@dataclass(frozen=True)
class TrialChanges:
    """Trials changed since a cursor, each once in its latest state, oldest change first.

    Pass ``cursor`` to the next call.  ``more`` is True when ``limit`` cut the list short (ask
    again at once for the rest).
    """

    trials: tuple[FrozenTrial, ...]
    cursor: int
    more: bool


@dataclass(frozen=True)
class TrialPoint:
    """The little of a trial that a plot of the whole study needs."""

    number: int
    state: TrialState
    value: float | None


@dataclass(frozen=True)
class TrialPoints:
    """Every trial of a study as points, in number order, with the change cursor read first."""

    points: tuple[TrialPoint, ...]
    cursor: int
