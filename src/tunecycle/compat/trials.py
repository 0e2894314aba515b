"""Optuna's trial names on tunecycle's records: ``create_trial``, ``FixedTrial`` and the
extras of Optuna's live ``Trial`` (``trial.study``, ``trial.datetime_start``, the deprecated
``suggest_uniform`` family).

``create_trial`` makes a :class:`~tunecycle.records.FrozenTrial` checked the way Optuna checks
one (for ``study.add_trial``); ``FixedTrial(params)`` is a trial an objective can be called with
outside any study, whose ``suggest_*`` calls return the given values.  This module imports only
the engine below :mod:`tunecycle.trial` (which inherits :class:`TrialCompatMixin`).
"""

from __future__ import annotations

import abc
import math
import numbers
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from tunecycle.compat.replay import LegacySuggestMixin, ReplayMixin, replay_value
from tunecycle.errors import TrialPruned, UserError
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.space import Param, ParamValue


def create_trial(
    *,
    state: TrialState | str = TrialState.COMPLETE,
    value: float | None = None,
    values: Sequence[float] | None = None,
    params: Mapping[str, Any] | None = None,
    distributions: Mapping[str, Param] | None = None,
    user_attrs: Mapping[str, Any] | None = None,
    system_attrs: Mapping[str, Any] | None = None,
    intermediate_values: Mapping[int, float] | None = None,
    constraints: Mapping[str, float] | Sequence[float] | None = None,
) -> FrozenTrial:
    """A trial made by hand, to add to a study with ``study.add_trial``.

    Checked as Optuna checks it: ``value`` or ``values``, not both; a complete trial needs
    them (finite numbers here: tunecycle stores no infinite values), a failed one has none;
    ``params`` and ``distributions`` name the same parameters and each value lies in its
    distribution.  Its times are now (none for a waiting trial); ``number`` and ``trial_id``
    are -1 until a study stores it.  ``constraints`` (Optuna 5: a mapping of name -> value)
    becomes the trial's tuple of constraint values, in the mapping's order.
    """
    st = TrialState.parse(state)
    vals = _values(value, values)
    if st is TrialState.COMPLETE and vals is None:
        raise UserError("values: a complete trial needs value= or values=")
    if st is TrialState.FAILED and vals is not None:
        raise UserError(f"values: a failed trial has none, got {list(vals)}")
    if st in (TrialState.WAITING, TrialState.RUNNING) and vals is not None:
        raise UserError(f"values: a {st.value} trial has none yet, got {list(vals)}")
    prm, dists = _params(params, distributions)
    now = datetime.now()
    return FrozenTrial(
        trial_id=-1,
        number=-1,
        state=st,
        value=vals[0] if vals is not None and len(vals) == 1 else None,
        values=vals,
        params=prm,
        distributions=dists,
        intermediate=_intermediate(intermediate_values),
        user_attrs=dict(user_attrs or {}),
        system_attrs=dict(system_attrs or {}),
        datetime_start=None if st is TrialState.WAITING else now,
        datetime_complete=now if st.is_finished() else None,
        constraints=_constraints(constraints),
    )


def _values(value: Any, values: Any) -> tuple[float, ...] | None:
    if value is not None and values is not None:
        raise UserError("value: give value= (one objective) or values= (several), not both")
    if value is not None:
        values = [value]
    if values is None:
        return None
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
        raise UserError(f"values: expected a list of numbers, got {values!r}")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, (bool, str, bytes)) or not isinstance(v, numbers.Real):
            raise UserError(f"values: objective {i}'s value {v!r} is not a number")
        if math.isnan(v):
            raise UserError(f"values: objective {i}'s value is NaN")
        if math.isinf(v):
            raise UserError(
                f"values: objective {i}'s value is {v}; tunecycle stores finite values only"
            )
        out.append(float(v))
    if not out:
        raise UserError("values: must not be empty")
    return tuple(out)


def _params(
    params: Mapping[str, Any] | None, distributions: Mapping[str, Param] | None
) -> tuple[dict[str, ParamValue], dict[str, Param]]:
    prm = dict(params or {})
    dists = dict(distributions or {})
    if set(prm) != set(dists):
        raise UserError(
            f"params: the parameters {sorted(prm)} and the distributions "
            f"{sorted(dists)} must name the same ones"
        )
    out: dict[str, Param] = {}
    for name, dist in dists.items():
        if not isinstance(dist, Param):
            raise UserError(
                f"distributions: {name!r} is {dist!r}, not a distribution "
                "(FloatDistribution, IntDistribution, CategoricalDistribution)"
            )
        dist = dist.named(name)
        if not dist.contains(prm[name]):
            raise UserError(
                f"params: the value {prm[name]!r} of {name!r} is outside its "
                f"distribution {dist.to_dict()}"
            )
        prm[name] = dist.normalize(prm[name])
        out[name] = dist
    return prm, out


def _intermediate(steps: Mapping[int, float] | None) -> dict[int, float]:
    out: dict[int, float] = {}
    for step, v in (steps or {}).items():
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise UserError(f"intermediate_values: step {step!r} is not an integer")
        if isinstance(v, (bool, str, bytes)) or not isinstance(v, numbers.Real):
            raise UserError(f"intermediate_values: the value at step {step} is {v!r}, not a number")
        out[int(step)] = float(v)
    return out


def _constraints(given: Mapping[str, float] | Sequence[float] | None) -> tuple[float, ...] | None:
    if given is None:
        return None
    items = list(given.values()) if isinstance(given, Mapping) else list(given)
    out = []
    for i, c in enumerate(items):
        if (
            isinstance(c, (bool, str, bytes))
            or not isinstance(c, numbers.Real)
            or not math.isfinite(c)
        ):
            raise UserError(f"constraints: constraint {i} is {c!r}, not a finite number")
        out.append(float(c))
    return tuple(out)


class BaseTrial(abc.ABC):  # noqa: B024 (a marker: Trial and FixedTrial are registered)
    """What an objective may be given: tunecycle's ``Trial`` and ``FixedTrial`` (registered
    as virtual subclasses, so ``isinstance(trial, BaseTrial)`` holds for both)."""


class FixedTrial(ReplayMixin):
    """A trial outside any study whose ``suggest_*`` calls return the values given here:
    ``objective(FixedTrial({"x": 1.5, "n": 3}))`` runs the objective once with them.

    A name missing from ``params`` is a ``ValueError``; a value outside the call's range is
    returned with a warning (as in Optuna).  ``report`` keeps the values, ``should_prune`` is
    always False, ``set_user_attr`` keeps the attribute; ``params`` holds the parameters
    suggested so far."""

    _replay_what = "FixedTrial"

    def __init__(self, params: Mapping[str, Any], number: int = 0):
        if not isinstance(params, Mapping):
            raise UserError(f"params: expected a mapping of name -> value, got {params!r}")
        if isinstance(number, bool) or not isinstance(number, int):
            raise UserError(f"number: expected an integer, got {number!r}")
        self._given = dict(params)
        self._suggested: dict[str, ParamValue] = {}
        self._dists: dict[str, Param] = {}
        self._user_attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self._intermediate: dict[int, float] = {}
        self._constraints: tuple[float, ...] | None = None
        self._number = number
        self._datetime_start = datetime.now()

    def _replay(self, name: str, param: Param) -> ParamValue:
        param = param.named(name)
        value = replay_value(self._given, self._dists, name, param, self._replay_what)
        self._suggested[name] = value
        self._dists[name] = param
        return value

    def suggest(self, name: str, param: Param) -> ParamValue:
        """tunecycle's ``trial.suggest(name, tc.Float(...))``, from the given values."""
        return self._replay(name, param)

    @property
    def params(self) -> dict[str, ParamValue]:  # type: ignore[override]
        return dict(self._suggested)

    @property
    def distributions(self) -> dict[str, Param]:  # type: ignore[override]
        return dict(self._dists)

    @property
    def number(self) -> int:
        return self._number

    @property
    def datetime_start(self) -> datetime:
        return self._datetime_start

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self._system_attrs)

    @property
    def intermediate(self) -> dict[int, float]:
        return dict(self._intermediate)

    @property
    def last_step(self) -> int | None:
        return max(self._intermediate) if self._intermediate else None

    @property
    def last_value(self) -> float | None:
        step = self.last_step
        return None if step is None else self._intermediate[step]

    @property
    def constraints(self) -> tuple[float, ...] | None:
        return self._constraints

    def report(self, value: float, step: int) -> None:
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise UserError(f"report: step must be an integer (the epoch or round), got {step!r}")
        if isinstance(value, (bool, str, bytes)) or not isinstance(value, numbers.Real):
            raise UserError(f"report: value must be a number, got {value!r}")
        self._intermediate[int(step)] = float(value)

    def should_prune(self) -> bool:
        return False

    def prune(self) -> None:
        raise TrialPruned(f"trial {self.number} pruned at step {self.last_step}")

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def set_constraints(self, values: Sequence[float] | float) -> None:
        self._constraints = _constraints([values] if isinstance(values, numbers.Real) else values)

    def __repr__(self) -> str:
        return f"FixedTrial(number={self.number}, params={self._given!r})"


class TrialCompatMixin(LegacySuggestMixin):
    """What Optuna 5's live ``Trial`` has beyond tunecycle's own names: ``study`` (the study
    running the trial), ``datetime_start`` and the deprecated ``suggest_uniform`` family."""

    _driver: Any
    _record: FrozenTrial

    @property
    def study(self) -> Any:
        """The study this trial belongs to (in a worker process: the worker's driver)."""
        return self._driver

    @property
    def datetime_start(self) -> datetime | None:
        return self._record.datetime_start

    def set_constraint(self, key: str, value: float) -> None:
        """Optuna 5's named constraint (<= 0 is satisfied): the trial's constraint values are
        the named ones in the order first set (``trial.constraints`` is that tuple)."""
        if not isinstance(key, str) or not key:
            raise UserError(f"set_constraint: key must be a non-empty string, got {key!r}")
        named: dict[str, float] = getattr(self, "_named_constraints", None) or {}
        named = {**named, key: value}
        self.set_constraints(list(named.values()))  # checks the values
        self._named_constraints = named

    set_constraints: Any  # the live trial's own


BaseTrial.register(FixedTrial)

__all__ = ["BaseTrial", "FixedTrial", "TrialCompatMixin", "create_trial"]
