"""Replaying stored parameter values through ``suggest_*`` calls (Optuna's ``FrozenTrial`` and
``FixedTrial`` behaviour), so that ``objective(study.best_trial)`` runs the objective again
with the best trial's parameters.

``ReplayMixin`` gives a class with ``params`` (and ``distributions``) the three ``suggest_*``
methods.  This module sits just above :mod:`tunecycle.space`: ``tunecycle.records`` imports it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from tunecycle.errors import SpaceError
from tunecycle.space import Categorical, Float, Int, Param, ParamValue


def replay_value(
    params: Mapping[str, Any], known: Mapping[str, Param], name: str, param: Param, what: str
) -> ParamValue:
    """The value stored for ``name``, checked against the ``suggest_*`` call's ``param``.

    A name without a value is a ``SpaceError`` (a ``ValueError``); a value outside the range
    is returned with a warning (as Optuna does); a call whose kind (float, int, categorical)
    or choices differ from the stored distribution's is a ``SpaceError``."""
    if name not in params:
        raise SpaceError(
            f"parameter {name!r}: no value in this {what} (it holds "
            f"{sorted(params)}); give it when the {what} is made"
        )
    value = params[name]
    stored = known.get(name)
    if stored is not None and _incompatible(stored, param):
        raise SpaceError(
            f"parameter {name!r}: suggested as {param.to_dict()}, but this {what} "
            f"holds it as {stored.to_dict()}"
        )
    if not param.contains(value):
        warnings.warn(
            f"parameter {name!r}: the value {value!r} of this {what} is outside {param.to_dict()}",
            UserWarning,
            stacklevel=4,
        )
        return value
    return param.normalize(value)


def _incompatible(a: Param, b: Param) -> bool:
    """Different kinds of parameter, or categoricals with different choices (ranges of floats
    and ints may differ: only the value is checked against the new one)."""
    if type(a) is not type(b):
        return True
    return isinstance(a, Categorical) and a != b


class LegacySuggestMixin:
    """Optuna's deprecated ``suggest_uniform``/``suggest_loguniform``/``suggest_discrete_uniform``
    (still in Optuna 5, with a warning): each warns and calls ``suggest_float``."""

    suggest_float: Any  # the class's own

    def _legacy(self, old: str, new: str) -> None:
        warnings.warn(f"{old} is Optuna's old name; use {new}", FutureWarning, stacklevel=3)

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        self._legacy("suggest_uniform(name, low, high)", "suggest_float(name, low, high)")
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        self._legacy(
            "suggest_loguniform(name, low, high)", "suggest_float(name, low, high, log=True)"
        )
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        self._legacy(
            "suggest_discrete_uniform(name, low, high, q)", "suggest_float(name, low, high, step=q)"
        )
        return self.suggest_float(name, low, high, step=q)


class ReplayMixin(LegacySuggestMixin):
    """``suggest_float``, ``suggest_int`` and ``suggest_categorical`` that return the values
    the object holds in ``params`` (checked against the call's range)."""

    params: Mapping[str, Any]
    distributions: Mapping[str, Param]
    _replay_what = "frozen trial"

    def _replay(self, name: str, param: Param) -> ParamValue:
        return replay_value(
            self.params, self.distributions, name, param.named(name), self._replay_what
        )

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """The stored value of float parameter ``name`` (checked against ``low..high``)."""
        return float(self._replay(name, Float(low, high, log=log, step=step)))  # type: ignore[arg-type]

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """The stored value of integer parameter ``name`` (checked against ``low..high``)."""
        return int(self._replay(name, Int(low, high, log=log, step=step)))  # type: ignore[arg-type]

    def suggest_categorical(self, name: str, choices: Sequence[ParamValue]) -> ParamValue:
        """The stored value of categorical parameter ``name`` (checked against ``choices``)."""
        return self._replay(name, Categorical(list(choices)))

    def report(self, value: float, step: int) -> None:
        """Nothing: a replayed trial is never pruned (as Optuna's ``FrozenTrial``)."""

    def should_prune(self) -> bool:
        """Always False: a replayed trial is never pruned."""
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        """Nothing: the record is immutable, so an attribute set while replaying is not kept
        (Optuna's ``FrozenTrial`` keeps it on the object, never in the study)."""
