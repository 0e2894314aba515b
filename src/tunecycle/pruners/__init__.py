"""Pruners: when to stop a running trial early.

Every pruner is a pure function of the frozen history and the trial (``should_prune(history,
trial)``); whatever it needs is recomputed from the history on each call, so its decisions are
the same in any process and whatever order parallel workers report in.  The rules, each in its
module's docstring:

| name | class | module |
|---|---|---|
| ``none`` | ``NopPruner`` | ``tunecycle.protocols`` |
| ``median`` | ``MedianPruner`` | ``percentile.py`` |
| ``percentile`` | ``PercentilePruner`` (``percentile=25`` by name) | ``percentile.py`` |
| ``patience`` | ``PatiencePruner`` (``patience=5`` by name) | ``patience.py`` |
| ``sha`` | ``SuccessiveHalvingPruner`` | ``halving.py`` |
| ``asha`` | ``ASHAPruner`` | ``halving.py`` |
| ``hyperband`` | ``HyperbandPruner`` | ``halving.py`` |
| ``threshold`` | ``ThresholdPruner`` (``lower``/``upper`` needed) | ``threshold.py`` |
| ``wilcoxon`` | ``WilcoxonPruner`` | ``wilcoxon.py`` |
| ``patient`` | ``PatientPruner`` (Optuna's patience rule) | ``patience.py`` |

Optuna's names: the classes above take Optuna's arguments and defaults (the median, percentile,
halving, threshold, patient and Wilcoxon rules are Optuna's); ``BasePruner``
(``tunecycle.compat.pruners``) adapts a user-written ``prune(study, trial)``.

``create_study(pruner=NAME)`` builds the class with its defaults; pass an instance for other
options.  A study stores ``pruner.describe()``, and ``load_study`` rebuilds it with the same
options.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunecycle.compat.pruners import BasePruner
from tunecycle.errors import UserError
from tunecycle.protocols import NopPruner, Pruner
from tunecycle.pruners.halving import ASHAPruner, HyperbandPruner, SuccessiveHalvingPruner
from tunecycle.pruners.patience import PatiencePruner, PatientPruner
from tunecycle.pruners.percentile import MedianPruner, PercentilePruner
from tunecycle.pruners.threshold import ThresholdPruner
from tunecycle.pruners.wilcoxon import WilcoxonPruner

PRUNERS: dict[str, type[Pruner]] = {
    "none": NopPruner,
    "median": MedianPruner,
    "percentile": PercentilePruner,
    "patience": PatiencePruner,
    "sha": SuccessiveHalvingPruner,
    "asha": ASHAPruner,
    "hyperband": HyperbandPruner,
    "threshold": ThresholdPruner,
    "wilcoxon": WilcoxonPruner,
    "patient": PatientPruner,
}


def make_pruner(spec: str | Mapping[str, Any] | Pruner | None) -> Pruner:
    """A pruner from a name, a stored description (``pruner.describe()``) or an instance."""
    if spec is None:
        return NopPruner()
    if isinstance(spec, Pruner):
        return spec
    if isinstance(spec, Mapping):
        name = str(spec.get("name", "none"))
        if name == BasePruner.name:
            raise UserError(f"pruner: the study was made with a user-written pruner "
                            f"({spec.get('class', '?')}), which is not stored; pass it again "
                            "as pruner=")
        if name not in PRUNERS:
            raise UserError(f"pruner: {name!r} is not one of {sorted(PRUNERS)}")
        return PRUNERS[name].from_description(dict(spec))
    if not isinstance(spec, str) or spec.lower() not in PRUNERS:
        raise UserError(f"pruner: {spec!r} is not one of {sorted(PRUNERS)} or a Pruner")
    cls = PRUNERS[spec.lower()]
    try:
        return cls()
    except TypeError:  # a rule with required options (patient: patience)
        raise UserError(f"pruner: {spec!r} needs options; pass an instance such as "
                        f"{cls.__name__}(...)") from None


__all__ = [
    "ASHAPruner",
    "BasePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PRUNERS",
    "PatiencePruner",
    "PatientPruner",
    "PercentilePruner",
    "Pruner",
    "SuccessiveHalvingPruner",
    "ThresholdPruner",
    "WilcoxonPruner",
    "make_pruner",
]
