"""Run one (problem, sampler, seed) with tunecycle or a peer library and record what happened.

A sampler is named ``library:algorithm`` (see ``SAMPLERS``).  The problem's tunecycle space is
translated automatically for each peer: Optuna gets a define-by-run objective that walks the
flattened space (conditional dims only when active); Hyperopt gets ``hp.uniform``/``loguniform``/
``quniform``/``choice`` expressions, with a nested ``hp.choice`` for conditional branches.  Every
library proposes the same parameter names (``<choice>.<name>`` for sub-parameters) and the same
values, checked against the space before each evaluation.

Timing: the :class:`Recorder` wraps the loss and stamps the start and end of every evaluation.
A trial's *sampler time* is the wall time since the previous evaluation ended (the library's
tell, ask and suggest calls) -- i.e. wall time minus objective time; the time after the last
evaluation is added to the last trial, so the sum is exactly the run's non-objective time.
"""

from __future__ import annotations

import importlib.util
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from problems import PROBLEMS, Params

import tunecycle as tc

perf = time.perf_counter

SAMPLERS: tuple[str, ...] = (
    "tc:random", "tc:qmc", "tc:tpe", "tc:gp", "tc:cmaes", "tc:auto",
    "optuna:random", "optuna:tpe", "optuna:tpe-multivariate", "optuna:gp", "optuna:cmaes",
    "hyperopt:tpe",
)  # fmt: skip


# -- availability ---------------------------------------------------------------------------
def unavailable(sampler: str) -> str | None:
    """Why ``sampler`` cannot run here, or None when it can."""
    lib, _, algo = sampler.partition(":")
    if lib not in RUNNERS or (lib != "tc" and sampler not in SAMPLERS):
        return f"unknown sampler (known: {', '.join(SAMPLERS)})"
    if lib == "tc":
        return _tunecycle_unavailable(algo)
    needs = {"optuna": ["optuna"], "hyperopt": ["hyperopt"]}[lib]
    needs += {"gp": ["torch"], "cmaes": ["cmaes"]}.get(algo, []) if lib == "optuna" else []
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    return f"not installed: {', '.join(missing)}" if missing else None


def _tunecycle_unavailable(algo: str) -> str | None:
    """Build the sampler once: that checks it is registered and that its module imports."""
    try:
        from tunecycle.samplers import make_sampler

        make_sampler(algo, 0)
    except tc.UserError:
        return "not registered in tunecycle.samplers"
    except Exception as exc:  # noqa: BLE001  (a sampler still being written)
        return f"cannot be built: {type(exc).__name__}: {exc}"
    return None


# -- the timed loss --------------------------------------------------------------------------
class Recorder:
    """Wraps a problem's loss: validates params, times every evaluation, keeps the best."""

    def __init__(self, space: tc.Space, fn: Callable[[Params], float]):
        self.space, self.fn = space, fn
        self.losses: list[float] = []
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.best, self.best_params = math.inf, None
        self.t0 = self.t1 = perf()

    def start(self) -> None:
        self.t0 = perf()

    def __call__(self, params: Params) -> float:
        self.starts.append(perf())
        loss = math.nan
        try:
            loss = float(self.fn(self.space.validate(params)))
        finally:
            self.ends.append(perf())
            self.losses.append(loss)
        if loss < self.best:
            self.best, self.best_params = loss, dict(params)
        return loss

    def stop(self) -> None:
        self.t1 = perf()

    def sampler_s(self) -> list[float]:
        prev = [self.t0, *self.ends[:-1]]
        gaps = [s - p for s, p in zip(self.starts, prev)]
        if gaps:
            gaps[-1] += self.t1 - self.ends[-1]
        return gaps

    def curve(self) -> list[float | None]:
        best, out = math.inf, []
        for loss in self.losses:
            if loss < best:  # NaN (a failed evaluation) never improves
                best = loss
            out.append(best if math.isfinite(best) else None)
        return out


# -- tunecycle -------------------------------------------------------------------------------
def run_tunecycle(space: tc.Space, rec: Recorder, algo: str, seed: int, budget: int) -> None:
    if algo == "qmc":
        import scipy.stats  # noqa: F401  (loaded on the first proposal: keep it out of the timing)
    study = tc.create_study(sampler=algo, seed=seed)
    rec.start()
    study.optimize(lambda trial: rec(trial.params), n_trials=budget, space=space)
    rec.stop()


# -- Optuna ----------------------------------------------------------------------------------
def _optuna_sampler(algo: str, seed: int, conditional: bool) -> Any:
    import optuna.samplers as s

    if algo == "random":
        return s.RandomSampler(seed=seed)
    if algo == "tpe":
        return s.TPESampler(seed=seed)
    if algo == "tpe-multivariate":
        return s.TPESampler(seed=seed, multivariate=True, group=conditional)
    if algo == "gp":
        _pin_torch_threads()
        return s.GPSampler(seed=seed, warn_independent_sampling=False)
    if algo == "cmaes":  # numeric dims only: Optuna samples categoricals independently itself
        return s.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    raise ValueError(f"unknown Optuna sampler {algo!r}")


def _pin_torch_threads() -> None:
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass


def _optuna_suggest(trial: Any, name: str, p: tc.Float | tc.Int | tc.Categorical) -> Any:
    if isinstance(p, tc.Float):
        return trial.suggest_float(name, p.low, p.high, log=p.log, step=p.step)
    if isinstance(p, tc.Int):
        return trial.suggest_int(name, p.low, p.high, step=p.step, log=p.log)
    return trial.suggest_categorical(name, list(p.choices))


def optuna_objective(space: tc.Space, rec: Recorder) -> Callable[[Any], float]:
    """A define-by-run objective that suggests every active dim of ``space`` in order."""

    def objective(trial: Any) -> float:
        params: Params = {}
        for dim in space.dims:  # parents come before their sub-parameters
            if space.is_active(dim, params):
                params[dim.name] = _optuna_suggest(trial, dim.name, dim.param)
        return rec(params)

    return objective


def run_optuna(space: tc.Space, rec: Recorder, algo: str, seed: int, budget: int) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    sampler = _optuna_sampler(algo, seed, space.is_conditional)
    study = optuna.create_study(sampler=sampler)
    rec.start()
    study.optimize(optuna_objective(space, rec), n_trials=budget, catch=(Exception,))
    rec.stop()


# -- Hyperopt --------------------------------------------------------------------------------
def _hp_expr(name: str, p: tc.Float | tc.Int | tc.Categorical) -> Any:
    """One dim as a Hyperopt expression; stepped dims are sampled as a grid index."""
    from hyperopt import hp

    if isinstance(p, tc.Categorical):
        return hp.choice(name, list(p.choices))
    if isinstance(p, tc.Float) and p.step is None:
        if p.log:
            return hp.loguniform(name, math.log(p.low), math.log(p.high))
        return hp.uniform(name, p.low, p.high)
    if p.log:  # a log-scaled Int
        return hp.qloguniform(name, math.log(p.low - 0.5), math.log(p.high + 0.5), 1)
    return hp.quniform(name, -0.5, len(p.grid()) - 0.5, 1)


def hyperopt_space(space: tc.Space, condition: tuple = ()) -> dict[str, Any]:
    """The dims under ``condition``; a conditional categorical becomes a nested ``hp.choice``
    whose options are dicts holding the choice itself and its branch's dims."""
    from hyperopt import hp

    out: dict[str, Any] = {}
    for dim in (d for d in space.dims if d.condition == condition):
        under = [condition + ((dim.name, c),) for c in getattr(dim.param, "choices", ())]
        if any(d.condition in under for d in space.dims):
            options = [
                {dim.name: cond[-1][1], **hyperopt_space(space, cond)} for cond in under
            ]
            out[dim.name] = hp.choice(dim.name, options)
        else:
            out[dim.name] = _hp_expr(dim.name, dim.param)
    return out


def _hp_flatten(sample: dict[str, Any], out: Params) -> Params:
    for key, value in sample.items():
        if isinstance(value, dict):
            _hp_flatten(value, out)
        else:
            out[key] = value
    return out


def _hp_decode(p: tc.Float | tc.Int | tc.Categorical, value: Any) -> Any:
    if isinstance(p, tc.Categorical):
        return value
    if isinstance(p, tc.Float) and p.step is None:
        return min(max(float(value), p.low), p.high)
    if p.log:
        return min(max(int(round(float(value))), p.low), p.high)
    n = len(p.grid())
    i = min(max(int(round(float(value))), 0), n - 1)
    return p.from_unit((i + 0.5) / n)


def hyperopt_params(space: tc.Space, sample: dict[str, Any]) -> Params:
    """A Hyperopt sample (nested dicts, grid indices) as tunecycle params."""
    raw = _hp_flatten(sample, {})
    return {d.name: _hp_decode(d.param, raw[d.name]) for d in space.dims if d.name in raw}


def run_hyperopt(space: tc.Space, rec: Recorder, algo: str, seed: int, budget: int) -> None:
    import hyperopt

    if algo != "tpe":
        raise ValueError(f"unknown Hyperopt sampler {algo!r}")

    def objective(sample: dict[str, Any]) -> dict[str, Any]:
        params = hyperopt_params(space, sample)
        try:
            return {"loss": rec(params), "status": hyperopt.STATUS_OK}
        except Exception:  # noqa: BLE001  (a failed trial, as in the other libraries)
            return {"status": hyperopt.STATUS_FAIL}

    rec.start()
    hyperopt.fmin(
        objective, hyperopt_space(space), algo=hyperopt.tpe.suggest, max_evals=budget,
        trials=hyperopt.Trials(), rstate=np.random.default_rng(seed), show_progressbar=False,
    )  # fmt: skip
    rec.stop()


# -- one run ---------------------------------------------------------------------------------
RUNNERS = {"tc": run_tunecycle, "optuna": run_optuna, "hyperopt": run_hyperopt}


def _ms(seconds: list[float]) -> list[float]:
    return [round(s * 1000, 3) for s in seconds]


def run_one(problem: str, sampler: str, seed: int, budget: int) -> dict[str, Any]:
    """Optimise ``problem`` with ``sampler`` for ``budget`` trials; a JSON-safe record."""
    prob = PROBLEMS[problem]
    space = tc.Space(prob.space)
    lib, _, algo = sampler.partition(":")
    rec = Recorder(space, prob.fn)
    t = perf()
    RUNNERS[lib](space, rec, algo, seed, budget)
    wall = perf() - t
    if len(rec.losses) != budget:  # a proposal that never reached the loss: a translator bug
        raise RuntimeError(f"{len(rec.losses)} of {budget} trials were evaluated")
    return {
        "problem": problem, "family": prob.family, "sampler": sampler, "seed": seed,
        "budget": budget, "dims": len(space), "optimum": prob.optimum, "status": "ok",
        "best": rec.best if math.isfinite(rec.best) else None, "best_params": rec.best_params,
        "n_trials": len(rec.losses), "n_failed": sum(not math.isfinite(v) for v in rec.losses),
        "curve": rec.curve(), "sampler_ms": _ms(rec.sampler_s()),
        "objective_ms": _ms([e - s for s, e in zip(rec.starts, rec.ends)]),
        "wall_s": round(wall, 3),
    }  # fmt: skip
