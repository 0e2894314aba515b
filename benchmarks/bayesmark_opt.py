"""The optimisers of ``benchmarks/bayesmark_run.py`` as Bayesmark ``AbstractOptimizer`` wrappers.

Each wrapper turns Bayesmark's ``api_config`` (``{name: {"type": real|int|bool|cat, "space":
linear|log|logit, "range": (lo, hi), "values": [...]}}``) into its library's space, answers
``suggest(n)`` with ``n`` configurations asked at once (a batch: the challenge's 8 parallel
suggestions) and ``observe(X, y)`` with the losses of the last batch.  A non-finite loss (a model
that failed to fit) is told as a failed trial where the library has that state.

Written for this benchmark from the libraries' public APIs; no wrapper code was copied.  Runs only
in the benchmark's own virtual environment (see the header of ``bayesmark_run.py``).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from typing import Any

import numpy as np
from bayesmark.abstract_optimizer import AbstractOptimizer


def _finite(v: float) -> bool:
    return v is not None and math.isfinite(float(v))


def _cast(spec: dict[str, Any], value: Any) -> Any:
    """A suggested value in the Python type Bayesmark's validator wants."""
    kind = spec["type"]
    if kind == "real":
        lo, hi = spec["range"]
        return float(min(max(float(value), lo), hi))
    if kind == "int":
        lo, hi = spec["range"]
        return int(min(max(int(round(float(value))), lo), hi))
    if kind == "bool":
        return value in (True, "True", 1, np.True_)
    return value


def to_bayesmark(api_config: dict, params: dict[str, Any]) -> dict[str, Any]:
    return {k: _cast(spec, params[k]) for k, spec in api_config.items()}


# -- tunecycle ---------------------------------------------------------------------------------


def tunecycle_space(api_config: dict):
    """Bayesmark's space as a tunecycle space.  ``logit`` (only the MLP spaces use it) becomes
    a linear float: tunecycle has no logit scale."""
    import tunecycle as tc

    out = {}
    for name, spec in api_config.items():
        kind, scale = spec["type"], spec.get("space", "linear")
        if kind == "real":
            out[name] = tc.Float(*spec["range"], log=scale == "log")
        elif kind == "int":
            out[name] = tc.Int(*spec["range"], log=scale == "log")
        elif kind == "bool":
            out[name] = tc.Categorical([False, True])
        else:
            out[name] = tc.Categorical(list(spec["values"]))
    return tc.Space(out)


class TunecycleOptimizer(AbstractOptimizer):
    primary_import = "tunecycle"

    def __init__(self, api_config: dict, sampler: str = "auto", seed: int = 0):
        import tunecycle as tc

        super().__init__(api_config)
        self.space = tunecycle_space(api_config)
        self.study = tc.create_study(sampler=sampler, seed=seed)
        self._pending: list = []

    def suggest(self, n_suggestions: int = 1) -> list[dict]:
        trials = self.study.ask(self.space, n=n_suggestions)
        self._pending = list(trials)
        return [to_bayesmark(self.api_config, t.params) for t in trials]

    def observe(self, X: list[dict], y: list[float]) -> None:
        for trial, value in zip(self._pending, y):
            if _finite(value):
                self.study.tell(trial, float(value))
            else:
                self.study.tell(trial, state="fail", reason="non-finite loss")
        self._pending = []


# -- Optuna ------------------------------------------------------------------------------------


def optuna_distributions(api_config: dict) -> dict:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out = {}
    for name, spec in api_config.items():
        kind, log = spec["type"], spec.get("space") == "log"
        if kind == "real":
            out[name] = FloatDistribution(*spec["range"], log=log)
        elif kind == "int":
            out[name] = IntDistribution(*spec["range"], log=log)
        elif kind == "bool":
            out[name] = CategoricalDistribution([False, True])
        else:
            out[name] = CategoricalDistribution(list(spec["values"]))
    return out


class OptunaOptimizer(AbstractOptimizer):
    """Optuna's TPE (constant liar on, its v5 default) or GP; a batch is ``ask`` n times
    before any ``tell`` (the GP sees the earlier members as running trials, as it is)."""

    primary_import = "optuna"

    def __init__(self, api_config: dict, sampler: str = "tpe", seed: int = 0):
        import optuna

        super().__init__(api_config)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        if sampler == "tpe":
            s = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
        else:
            s = optuna.samplers.GPSampler(seed=seed)
        self.study = optuna.create_study(sampler=s)
        self.dists = optuna_distributions(api_config)
        self._pending: list = []

    def suggest(self, n_suggestions: int = 1) -> list[dict]:
        self._pending = [self.study.ask(self.dists) for _ in range(n_suggestions)]
        return [to_bayesmark(self.api_config, t.params) for t in self._pending]

    def observe(self, X: list[dict], y: list[float]) -> None:
        from optuna.trial import TrialState

        for trial, value in zip(self._pending, y):
            if _finite(value):
                self.study.tell(trial, float(value))
            else:
                self.study.tell(trial, state=TrialState.FAIL)
        self._pending = []


# -- HEBO --------------------------------------------------------------------------------------


class HeboOptimizer(AbstractOptimizer):
    """HEBO 0.3.6 with its defaults (MACE acquisition, NSGA-II over it, batch suggest)."""

    primary_import = "hebo"

    def __init__(self, api_config: dict, seed: int = 0):
        import torch
        from hebo.design_space.design_space import DesignSpace
        from hebo.optimizers.hebo import HEBO

        super().__init__(api_config)
        np.random.seed(seed)  # HEBO draws from the global generators
        torch.manual_seed(seed)
        specs = []
        for name, spec in api_config.items():
            kind, log = spec["type"], spec.get("space") == "log"
            if kind in ("real", "int"):
                lo, hi = spec["range"]
                t = {"real": "pow" if log else "num", "int": "pow_int" if log else "int"}[kind]
                specs.append({"name": name, "type": t, "lb": lo, "ub": hi})
            elif kind == "bool":
                specs.append({"name": name, "type": "bool"})
            else:
                specs.append({"name": name, "type": "cat", "categories": list(spec["values"])})
        self.names = [s["name"] for s in specs]
        self.opt = HEBO(DesignSpace().parse(specs), scramble_seed=seed)

    def suggest(self, n_suggestions: int = 1) -> list[dict]:
        df = self.opt.suggest(n_suggestions=n_suggestions)
        return [to_bayesmark(self.api_config, row) for row in df.to_dict("records")]

    def observe(self, X: list[dict], y: list[float]) -> None:
        import pandas as pd

        y_arr = np.asarray(y, dtype=float).reshape(-1, 1)
        self.opt.observe(pd.DataFrame(X)[self.names], y_arr)  # HEBO drops non-finite rows


# -- SMAC3 -------------------------------------------------------------------------------------


class SmacOptimizer(AbstractOptimizer):
    """SMAC3's hyperparameter-optimisation facade (random forest, its defaults); a batch is
    ``ask`` n times before any ``tell``."""

    primary_import = "smac"

    def __init__(self, api_config: dict, seed: int = 0, n_trials: int = 128):
        from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer
        from smac import HyperparameterOptimizationFacade, Scenario

        super().__init__(api_config)
        cs = ConfigurationSpace(seed=seed)
        for name, spec in api_config.items():
            kind, log = spec["type"], spec.get("space") == "log"
            if kind == "real":
                cs.add(Float(name, tuple(spec["range"]), log=log))
            elif kind == "int":
                cs.add(Integer(name, tuple(spec["range"]), log=log))
            elif kind == "bool":
                cs.add(Categorical(name, ["False", "True"]))
            else:
                cs.add(Categorical(name, [str(v) for v in spec["values"]]))
        self._dir = tempfile.mkdtemp(prefix="bm-smac-")
        scenario = Scenario(cs, deterministic=True, n_trials=n_trials + 64, seed=seed,
                            output_directory=self._dir)
        self.smac = HyperparameterOptimizationFacade(
            scenario, lambda config, seed=0: 0.0, overwrite=True, logging_level=40
        )
        self._pending: list = []

    def suggest(self, n_suggestions: int = 1) -> list[dict]:
        self._pending = [self.smac.ask() for _ in range(n_suggestions)]
        out = []
        for info in self._pending:
            cfg = dict(info.config)
            for name, spec in self.api_config.items():
                if spec["type"] == "cat":
                    cfg[name] = {str(v): v for v in spec["values"]}[cfg[name]]
            out.append(to_bayesmark(self.api_config, cfg))
        return out

    def observe(self, X: list[dict], y: list[float]) -> None:
        from smac.runhistory.dataclasses import TrialValue

        worst = max((float(v) for v in y if _finite(v)), default=1e9)
        for info, value in zip(self._pending, y):
            cost = float(value) if _finite(value) else worst  # SMAC has no failed state here
            self.smac.tell(info, TrialValue(cost=cost))
        self._pending = []

    def __del__(self) -> None:
        shutil.rmtree(getattr(self, "_dir", ""), ignore_errors=True)


# -- the registry ------------------------------------------------------------------------------

#: method name -> (wrapper factory(api_config, seed))
OPTIMIZERS: dict[str, Any] = {
    "tc-auto": lambda api, seed: TunecycleOptimizer(api, "auto", seed),
    "tc-gp": lambda api, seed: TunecycleOptimizer(api, "gp", seed),
    "tc-tpe": lambda api, seed: TunecycleOptimizer(api, "tpe", seed),
    "optuna-tpe": lambda api, seed: OptunaOptimizer(api, "tpe", seed),
    "optuna-gp": lambda api, seed: OptunaOptimizer(api, "gp", seed),
    "hebo": lambda api, seed: HeboOptimizer(api, seed),
    "smac": lambda api, seed: SmacOptimizer(api, seed),
}


def make_optimizer(method: str, api_config: dict, seed: int) -> AbstractOptimizer:
    if method == "random":
        from bayesmark.builtin_opt.random_optimizer import RandomOptimizer

        return RandomOptimizer(api_config, random=np.random.RandomState(seed))
    return OPTIMIZERS[method](api_config, seed)


def unit_rows(api_config: dict, points: list[dict]) -> np.ndarray:
    """The points in tunecycle's unit cube (log dims in log space, a categorical at the centre
    of its bin): the common ground on which every optimiser's batch spread is measured."""
    from tunecycle.samplers.observe import encode

    space = tunecycle_space(api_config)
    return np.array([encode(space, dict(p)) for p in points])


def min_pairwise_distance(u: np.ndarray) -> float:
    diffs = u[:, None, :] - u[None, :, :]
    d = np.sqrt((diffs**2).sum(-1))
    d[np.diag_indices(len(u))] = np.inf
    return float(d.min())
