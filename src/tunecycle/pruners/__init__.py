"""Pruners: when to stop a running trial early.  ``none`` exists now; the median, percentile,
successive-halving, ASHA and Hyperband pruners build on ``tunecycle.protocols.Pruner``."""

from __future__ import annotations

from tunecycle.errors import UserError
from tunecycle.protocols import NopPruner, Pruner

PRUNERS: dict[str, type[Pruner]] = {"none": NopPruner}


def make_pruner(spec: str | Pruner | None) -> Pruner:
    if spec is None:
        return NopPruner()
    if isinstance(spec, Pruner):
        return spec
    if not isinstance(spec, str) or spec.lower() not in PRUNERS:
        raise UserError(f"pruner: {spec!r} is not one of {sorted(PRUNERS)} or a Pruner")
    return PRUNERS[spec.lower()]()


__all__ = ["NopPruner", "PRUNERS", "Pruner", "make_pruner"]
