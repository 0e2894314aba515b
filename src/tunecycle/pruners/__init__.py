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

``create_study(pruner=NAME)`` builds the class with its defaults; pass an instance for other
options.  A study stores ``pruner.describe()``, and ``load_study`` rebuilds it with the same
options.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunecycle.errors import UserError
from tunecycle.protocols import NopPruner, Pruner
from tunecycle.pruners.halving import ASHAPruner, HyperbandPruner, SuccessiveHalvingPruner
from tunecycle.pruners.patience import PatiencePruner
from tunecycle.pruners.percentile import MedianPruner, PercentilePruner

PRUNERS: dict[str, type[Pruner]] = {
    "none": NopPruner,
    "median": MedianPruner,
    "percentile": PercentilePruner,
    "patience": PatiencePruner,
    "sha": SuccessiveHalvingPruner,
    "asha": ASHAPruner,
    "hyperband": HyperbandPruner,
}


def make_pruner(spec: str | Mapping[str, Any] | Pruner | None) -> Pruner:
    """A pruner from a name, a stored description (``pruner.describe()``) or an instance."""
    if spec is None:
        return NopPruner()
    if isinstance(spec, Pruner):
        return spec
    if isinstance(spec, Mapping):
        name = str(spec.get("name", "none"))
        if name not in PRUNERS:
            raise UserError(f"pruner: {name!r} is not one of {sorted(PRUNERS)}")
        return PRUNERS[name].from_description(dict(spec))
    if not isinstance(spec, str) or spec.lower() not in PRUNERS:
        raise UserError(f"pruner: {spec!r} is not one of {sorted(PRUNERS)} or a Pruner")
    return PRUNERS[spec.lower()]()


__all__ = [
    "ASHAPruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PRUNERS",
    "PatiencePruner",
    "PercentilePruner",
    "Pruner",
    "SuccessiveHalvingPruner",
    "make_pruner",
]
