"""The live trial an objective receives: ``suggest_*``, ``report``, ``should_prune``.

The names follow Optuna's, so an Optuna objective migrates by changing its import; Optuna's
other trial names (``create_trial``, ``FixedTrial``, ``BaseTrial``, ``FrozenTrial``,
``TrialState``) are importable from here too (they live in :mod:`tunecycle.compat.trials`).  A trial
asks its driver (the study) for values it does not already have; it buffers define-by-run
suggestions and writes them with the next report, heartbeat or the trial's end, so that a
suggestion costs no database round trip.  This module does not know which sampler or pruner
the study uses.
"""

from __future__ import annotations

import logging
import numbers
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from tunecycle.compat.trials import BaseTrial, FixedTrial, TrialCompatMixin, create_trial
from tunecycle.errors import (
    SpaceError,
    StorageUnavailableError,
    TrialPruned,
    TrialStateError,
    UserError,
)
from tunecycle.protocols import TrialContext
from tunecycle.records import FrozenTrial, TrialState, check_constraints, check_values
from tunecycle.space import Categorical, Float, Int, Param, ParamValue
from tunecycle.storage.base import Storage, dump_json


class TrialDriver(Protocol):
    """What a trial needs from its study."""

    def _suggest(self, trial: Trial, name: str, param: Param) -> ParamValue: ...

    def _should_prune(self, trial: Trial) -> bool: ...


log = logging.getLogger("tunecycle.trial")


class Trial(TrialCompatMixin):
    """One evaluation of the objective, live while it runs."""

    def __init__(
        self,
        driver: TrialDriver,
        storage: Storage,
        record: FrozenTrial,
        context: TrialContext,
        *,
        fixed: Mapping[str, ParamValue] | None = None,
        presample: Mapping[str, ParamValue] | None = None,
        n_objectives: int = 1,
    ):
        self._driver = driver
        #: how many numbers the objective returns (one per objective of the study)
        self.n_objectives = n_objectives
        self._constraints: tuple[float, ...] | None = None
        self._storage = storage
        self._record = record
        self.context = context
        self._lock = threading.Lock()
        # params with a recorded type were suggested; the others (enqueued) are fixed values
        # that the objective's suggest_* calls still check against their ranges
        self._dists: dict[str, Param] = dict(record.distributions)
        self._params: dict[str, ParamValue] = {
            k: v for k, v in record.params.items() if k in self._dists
        }
        self._fixed: dict[str, ParamValue] = {
            **{k: v for k, v in record.params.items() if k not in self._dists},
            **(fixed or {}),
        }
        self._presample: dict[str, ParamValue] = dict(presample or {})
        self._pending: dict[str, Param] = {}
        self._user_attrs: dict[str, Any] = dict(record.user_attrs)
        self._intermediate: dict[int, float] = dict(record.intermediate)
        self._ended: TrialState | None = None  # set once the trial is told (finished)

    # -- identity ----------------------------------------------------------------------------
    @property
    def number(self) -> int:
        return self._record.number

    @property
    def trial_id(self) -> int:
        return self._record.trial_id

    @property
    def params(self) -> dict[str, ParamValue]:
        """The parameters fixed so far (all of them for a trial asked with a space)."""
        with self._lock:
            return {**self._fixed, **self._params}

    @property
    def distributions(self) -> dict[str, Param]:
        with self._lock:
            return dict(self._dists)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._user_attrs)

    @property
    def intermediate(self) -> dict[int, float]:
        return dict(self._intermediate)

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params!r})"

    # -- suggestions -------------------------------------------------------------------------
    def suggest_float(
        self, name: str, low: float, high: float, *, log: bool = False, step: float | None = None
    ) -> float:
        return float(self.suggest(name, Float(low, high, log=log, step=step, name=name)))  # type: ignore[arg-type]

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        return int(self.suggest(name, Int(low, high, log=log, step=step, name=name)))  # type: ignore[arg-type]

    def suggest_categorical(self, name: str, choices: Sequence[ParamValue]) -> ParamValue:
        return self.suggest(name, Categorical(list(choices), name=name))

    def suggest(self, name: str, param: Param) -> ParamValue:
        """Suggest a value for ``param``; a second call with the same name returns the same value."""
        self._check_running(f"suggest {name!r}")
        if not isinstance(name, str) or not name:
            raise SpaceError(f"parameter names must be non-empty strings, got {name!r}")
        param = param.named(name)
        with self._lock:
            if name in self._params:
                known = self._dists.get(name)
                if known is not None and known != param:
                    raise SpaceError(
                        f"parameter '{name}': suggested again with a different type or range "
                        f"({param.to_dict()} vs {known.to_dict()})"
                    )
                return self._params[name]
            fixed = self._fixed.get(name, self._presample.get(name))
            has_fixed = name in self._fixed or name in self._presample
        if has_fixed and param.contains(fixed):
            value = param.normalize(fixed)
        elif name in self._fixed:
            raise SpaceError(
                f"parameter '{name}': the fixed value {fixed!r} is outside {param.to_dict()}"
            )
        else:
            value = self._driver._suggest(self, name, param)
        with self._lock:
            self._params[name] = value
            self._dists[name] = param
            if name not in self._fixed:
                self._pending[name] = param
        return value

    # -- reporting ---------------------------------------------------------------------------
    def report(self, value: float, step: int) -> None:
        """Record an intermediate value (a validation score after ``step`` epochs, say)."""
        self._check_running("report")
        step = _report_step(step)
        number = _report_value(value)
        flush(self)
        self._storage.report(self.trial_id, step, number)
        self._intermediate[step] = number

    def should_prune(self) -> bool:
        """True when the study's pruner says this trial should stop (then raise TrialPruned)."""
        return self._driver._should_prune(self)

    def prune(self) -> None:
        """Stop this trial as pruned (shorthand for ``raise TrialPruned()``)."""
        raise TrialPruned(f"trial {self.number} pruned at step {self.last_step}")

    @property
    def last_step(self) -> int | None:
        return max(self._intermediate) if self._intermediate else None

    @property
    def last_value(self) -> float | None:
        """The value reported at the last step (what a pruned trial is recorded with)."""
        step = self.last_step
        return None if step is None else self._intermediate[step]

    def set_constraints(self, values: Sequence[float] | float) -> None:
        """Record this trial's constraint values (each <= 0 is satisfied); an infeasible
        trial is never best nor on the Pareto front.  Kept with the trial when it ends."""
        self._check_running("set constraints")
        try:
            self._constraints = check_constraints(values)
        except ValueError as exc:
            raise UserError(f"set_constraints: {exc}") from None

    @property
    def constraints(self) -> tuple[float, ...] | None:
        return self._constraints

    def set_user_attr(self, key: str, value: Any) -> None:
        self._check_running(f"set user attribute {key!r}")
        dump_json(value, f"user attribute {key!r}")
        self._storage.set_trial_attr(self.trial_id, key, value)
        self._user_attrs[key] = value

    # -- state -------------------------------------------------------------------------------
    def _check_running(self, action: str) -> None:
        if self._ended is not None:
            raise TrialStateError(
                f"trial {self.number}: cannot {action}, it has finished ({self._ended.value}); "
                "a trial takes no suggestions, reports or attributes after tell"
            )


# -- the engine's side of a trial ------------------------------------------------------------
# Functions, not methods: what the study and the executors do with a trial (write its buffered
# suggestions, hand it to another process, close it) stays off the surface a user's objective
# sees (``trial.`` shows only suggest_*, report, should_prune, the attributes and the state).

def take_pending(trial: Trial) -> tuple[dict[str, ParamValue], dict[str, Param]]:
    """The trial's suggestions not yet written, removed from its buffer."""
    with trial._lock:
        dists, trial._pending = trial._pending, {}
        return {n: trial._params[n] for n in dists}, dists


def flush(trial: Trial) -> None:
    """Write the trial's buffered suggestions now (kept in the buffer if the write fails)."""
    params, dists = take_pending(trial)
    if params:
        try:
            trial._storage.set_params(trial.trial_id, params, dists)
        except BaseException:
            with trial._lock:
                trial._pending = {**dists, **trial._pending}
            raise


def handoff(trial: Trial) -> dict[str, Any]:
    """What a twin of ``trial`` in another process needs (``Trial(driver, storage,
    **handoff(trial))``): the record with the params fixed so far, the context and the
    presample."""
    with trial._lock:
        params = {**trial._fixed, **trial._params}
        record = replace(trial._record, params=params, distributions=dict(trial._dists),
                         intermediate=dict(trial._intermediate),
                         user_attrs=dict(trial._user_attrs))
        return {"record": record, "context": trial.context, "fixed": dict(trial._fixed),
                "presample": dict(trial._presample), "n_objectives": trial.n_objectives}


def mark_ended(trial: Trial, state: TrialState) -> None:
    """The study has told the trial's end (as ``state``): later changes raise
    TrialStateError."""
    trial._ended = state


def _report_step(step: Any) -> int:
    """``report``'s step as an int: an integer, or a float with an integer value."""
    if not isinstance(step, bool) and isinstance(step, numbers.Integral):
        return int(step)
    if isinstance(step, numbers.Real) and not isinstance(step, bool) and float(step).is_integer():
        return int(step)
    raise UserError(f"report: step must be an integer (the epoch or round), got {step!r}")


def _report_value(value: Any) -> float:
    """``report``'s value as a float; NaN is kept (the pruners treat it as a bad value)."""
    if isinstance(value, (str, bytes, bool)):
        raise UserError(f"report: value must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UserError(f"report: value must be a number, got {value!r}") from None


@dataclass(frozen=True)
class Outcome:
    """How one call of the objective ended: the state to record, its value, the reason of a
    failure, and the exception behind it (re-raised by ``stop_on_error``)."""

    state: TrialState
    value: float | None = None
    reason: str | None = None
    error: BaseException | None = None
    values: tuple[float, ...] | None = None  # one per objective, for a complete trial
    constraints: tuple[float, ...] | None = None  # what the objective set (set_constraints)


def evaluate(objective: Callable[[Trial], Any], trial: Trial) -> Outcome:
    """Call ``objective(trial)``: ``TrialPruned`` gives a pruned outcome with the last reported
    value; an exception or a result that is not a finite number gives a failed one with the
    reason (logged at DEBUG level with the traceback).  ``KeyboardInterrupt``, other
    ``BaseException`` and ``StorageUnavailableError`` (a store that stayed away, met by a
    report inside the objective: not the objective's fault) propagate."""
    try:
        result = objective(trial)
    except TrialPruned:
        last = trial.last_value if trial.n_objectives == 1 else None
        return Outcome(TrialState.PRUNED, last, constraints=trial.constraints)
    except StorageUnavailableError:
        raise
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        # the study's loop warns with the reason; the traceback is there for who asks for it
        log.debug("trial %d failed: %s", trial.number, reason, exc_info=True)
        return Outcome(TrialState.FAILED, None, reason, exc)
    try:
        values = check_values(result, trial.n_objectives)
    except ValueError as exc:
        return Outcome(TrialState.FAILED, None, str(exc))
    return Outcome(TrialState.COMPLETE, values[0] if len(values) == 1 else None, values=values,
                   constraints=trial.constraints)


BaseTrial.register(Trial)

__all__ = [
    "BaseTrial",
    "FixedTrial",
    "FrozenTrial",
    "Outcome",
    "Trial",
    "TrialState",
    "create_trial",
    "evaluate",
]
