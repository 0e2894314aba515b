"""Samplers: what to try next.  Each is a pure function of the space, the frozen history and a
seeded generator per trial (see ``tunecycle.protocols.Sampler``).

``make_sampler(name, seed)`` builds one by name; ``auto`` is the default and, until the
model-based samplers land, means random search.
"""

from __future__ import annotations

from typing import Any

from tunecycle.errors import UserError
from tunecycle.protocols import Sampler
from tunecycle.samplers.cmaes import CmaEsSampler
from tunecycle.samplers.grid import GridSampler
from tunecycle.samplers.qmc import QMCSampler
from tunecycle.samplers.random import RandomSampler
from tunecycle.samplers.tpe import TPESampler


class AutoSampler(RandomSampler):
    """The default sampler.  For now: random search (the model-based samplers will take over
    here, chosen by space and budget)."""

    name = "auto"

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "using": "random"}


SAMPLERS: dict[str, type[Sampler]] = {
    "auto": AutoSampler,
    "random": RandomSampler,
    "qmc": QMCSampler,
    "grid": GridSampler,
    "tpe": TPESampler,
    "cmaes": CmaEsSampler,
}


def make_sampler(spec: str | Sampler | None, seed: int | None = None) -> Sampler:
    """A sampler from a name (``"auto"``, ``"random"``, ``"qmc"``, ``"grid"``) or an instance."""
    if spec is None:
        spec = "auto"
    if isinstance(spec, Sampler):
        if spec.seed is None and seed is not None:
            spec.seed = seed
        return spec
    if not isinstance(spec, str) or spec.lower() not in SAMPLERS:
        raise UserError(f"sampler: {spec!r} is not one of {sorted(SAMPLERS)} or a Sampler")
    return SAMPLERS[spec.lower()](seed=seed)


__all__ = [
    "AutoSampler",
    "CmaEsSampler",
    "GridSampler",
    "QMCSampler",
    "RandomSampler",
    "SAMPLERS",
    "TPESampler",
    "make_sampler",
]
