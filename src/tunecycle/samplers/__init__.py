"""Samplers: what to try next.  Each is a pure function of the space, the frozen history and a
seeded generator per trial (see ``tunecycle.protocols.Sampler``).

``make_sampler(name, seed)`` builds one by name; ``auto`` is the default and picks among the
others by space and budget (see ``samplers/auto.py``).  Sampler modules load on first use, so
that ``import tunecycle`` does not pay for scipy.

Optuna's names are here too: the built-in classes take Optuna's constructor arguments
(``TPESampler(n_startup_trials=..., multivariate=True)``), and ``BaseSampler``,
``PartialFixedSampler`` and ``BruteForceSampler`` come from ``tunecycle.compat.samplers``.
"""

from __future__ import annotations

import importlib
from typing import Any

from tunecycle.errors import UserError
from tunecycle.protocols import Sampler

#: name -> "module:Class"; a new sampler adds one line here
_REGISTRY: dict[str, str] = {
    "auto": "auto:AutoSampler",
    "random": "random:RandomSampler",
    "qmc": "qmc:QMCSampler",
    "grid": "grid:GridSampler",
    "tpe": "tpe:TPESampler",
    "gp": "gp:GPSampler",
    "mogp": "mogp:MOGPSampler",
    "cmaes": "cmaes:CmaEsSampler",
    "nsga2": "nsga2:NSGAIISampler",
    "nsga3": "nsga2:NSGAIIISampler",
    "brute_force": "tunecycle.compat.samplers:BruteForceSampler",
}
#: Optuna's names that only the compatibility layer has (not buildable by a name alone)
_COMPAT = {
    "BaseSampler": "tunecycle.compat.samplers:BaseSampler",
    "PartialFixedSampler": "tunecycle.compat.samplers:PartialFixedSampler",
}
_CLASSES = {**{ref.split(":")[1]: ref for ref in _REGISTRY.values()}, **_COMPAT}


def _load(ref: str) -> Any:
    module, cls = ref.split(":")
    if "." not in module:
        module = f"tunecycle.samplers.{module}"
    return getattr(importlib.import_module(module), cls)


def sampler_class(name: str) -> type[Sampler]:
    """The sampler class registered under ``name``."""
    return _load(_REGISTRY[name])


def sampler_names() -> list[str]:
    return sorted(_REGISTRY)


def make_sampler(spec: str | Sampler | None, seed: int | None = None) -> Sampler:
    """A sampler from a registered name (see ``sampler_names()``) or an instance."""
    if spec is None:
        spec = "auto"
    if isinstance(spec, Sampler):
        if spec.seed is None and seed is not None:
            spec.seed = seed
        return spec
    if not isinstance(spec, str) or spec.lower() not in _REGISTRY:
        raise UserError(f"sampler: {spec!r} is not one of {sampler_names()} or a Sampler")
    return sampler_class(spec.lower())(seed=seed)


def __getattr__(name: str) -> Any:  # TPESampler and friends, imported when first named
    if name in _CLASSES:
        return _load(_CLASSES[name])
    raise AttributeError(f"module 'tunecycle.samplers' has no attribute {name!r}")


__all__ = [*sorted(_CLASSES), "make_sampler", "sampler_class", "sampler_names"]
