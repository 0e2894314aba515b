"""Plain records that every layer above the space passes around: trial states, directions,
frozen trials and study summaries.

They are immutable snapshots read from storage; nothing here talks to a store or a sampler.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tunecycle.errors import UserError
from tunecycle.space import Param, ParamValue


class TrialState(str, enum.Enum):
    """Life cycle of a trial: waiting (enqueued) -> running -> complete | pruned | failed."""

    WAITING = "waiting"
    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"
    FAILED = "failed"

    @property
    def is_finished(self) -> bool:
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
        try:
            return cls(str(value).lower())
        except ValueError:
            raise UserError(f"direction: {value!r} is not 'minimize' or 'maximize'") from None

    def better(self, a: float, b: float) -> bool:
        """True when value ``a`` is strictly better than ``b``."""
        return a < b if self is Direction.MINIMIZE else a > b

    def sign(self) -> float:
        """+1 for minimize, -1 for maximize: ``sign * value`` is always a loss."""
        return 1.0 if self is Direction.MINIMIZE else -1.0


@dataclass(frozen=True)
class FrozenTrial:
    """A snapshot of one trial as the store holds it."""

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

    @property
    def duration(self) -> timedelta | None:
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate) if self.intermediate else None

    @property
    def is_finished(self) -> bool:
        return self.state.is_finished


@dataclass(frozen=True)
class StudyInfo:
    """What the store knows about a study, without its trials."""

    study_id: int
    name: str
    direction: Direction
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    system_attrs: Mapping[str, Any] = field(default_factory=dict)
    datetime_start: datetime | None = None


@dataclass(frozen=True)
class StudySummary:
    """One line of a study listing."""

    info: StudyInfo
    n_trials: int
    counts: Mapping[TrialState, int]
    best_value: float | None


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
