"""Warm start across studies (issue 21): a second study on a shifted task, with and without the
first study's trials, and with a misleading prior (an unrelated earlier study).

Each problem is a pair (source task, target task) over (source space, target space):
synthetic functions whose optimum moved, a widened or narrowed space, a new parameter, and two
scikit-learn models on a neighbouring data set.  For each problem a *first study* (TPE, 30
trials, its own seed) runs on the source task; then, for each sampler and seed, the second
study runs 50 trials on the target task:

- ``cold``: no prior;
- ``warm``: ``create_study(warm_start=first)``;
- ``misleading``: warm-started from an unrelated study: the source task mirrored (each
  parameter's unit coordinate u -> 1 - u), so its optimum lies in the opposite corner;
- ``optuna+add_trial`` (TPE only): Optuna's TPESampler with the first study's trials added by
  ``study.add_trials`` (Optuna counts them as its own: they fill its start-up; only its new
  trials are scored here).

Reported: the mean over seeds of the best value among the study's own first 10, 20 and 50
trials (lower is better), and a summary per half: the geometric mean over problems and seeds
of regret ratios against cold, regret = best - (the best value any run found on the problem),
plus a small floor.  Problems are split into a development half (the half life was chosen on
it, ``--sweep``) and a validation half.

    PYTHONPATH=src .venv/bin/python benchmarks/warm_start.py               # both halves
    PYTHONPATH=src .venv/bin/python benchmarks/warm_start.py --sweep 5 20 80   # dev only
"""

from __future__ import annotations

import argparse
import math
import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import tunecycle as tc

BUDGETS = (10, 20, 50)


# -- test functions ---------------------------------------------------------------------------


def branin(x: float, y: float) -> float:
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10


def hartmann3(x: np.ndarray) -> float:
    alpha = np.array([1.0, 1.2, 3.0, 3.2])
    a = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
    p = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470],
                         [1091, 8732, 5547], [381, 5743, 8828]])
    return float(-(alpha * np.exp(-(a * (x - p) ** 2).sum(axis=1))).sum())


def styblinski(x: np.ndarray) -> float:
    return float(0.5 * (x**4 - 16 * x**2 + 5 * x).sum())


def rosenbrock(x: np.ndarray) -> float:
    return float((100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum())


def levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    return float(np.sin(math.pi * w[0]) ** 2
                 + ((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2)).sum()
                 + (w[-1] - 1) ** 2 * (1 + np.sin(2 * math.pi * w[-1]) ** 2))


def ackley(x: np.ndarray) -> float:
    d = len(x)
    return float(-20 * np.exp(-0.2 * np.sqrt((x**2).sum() / d))
                 - np.exp(np.cos(2 * math.pi * x).sum() / d) + 20 + math.e)


def box(names: str, low: float, high: float) -> dict[str, tc.Float]:
    return {n: tc.Float(low, high) for n in names}


def vec(p: dict, names: str) -> np.ndarray:
    return np.array([p[n] for n in names])


# -- scikit-learn tasks (small, so that a trial costs tens of milliseconds) -------------------


def _digits(seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    idx = np.random.default_rng(seed).permutation(len(y))[:200]
    return x[idx] / 16.0, y[idx]


def svc_task(seed: int) -> Callable[[dict], float]:
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    x, y = _digits(seed)

    def error(p: dict) -> float:
        model = SVC(C=p["C"], gamma=p["gamma"])
        return 1.0 - float(cross_val_score(model, x, y, cv=3).mean())
    return error


def krr_task(half: int) -> Callable[[dict], float]:
    from sklearn.datasets import load_diabetes
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.model_selection import cross_val_score
    from sklearn.preprocessing import StandardScaler

    x, y = load_diabetes(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    idx = np.random.default_rng(7).permutation(len(y))
    part = idx[: len(y) // 2] if half == 0 else idx[len(y) // 2:]

    def mse(p: dict) -> float:
        model = KernelRidge(alpha=p["alpha"], gamma=p["gamma"], kernel="rbf")
        return -float(cross_val_score(model, x[part], y[part], cv=3,
                                      scoring="neg_mean_squared_error").mean()) / 1000.0
    return mse


# -- problems -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    name: str
    half: str  # "dev" or "val"
    kind: str  # what differs between the studies
    source_space: dict[str, Any]
    target_space: dict[str, Any]
    source: Callable[[], Callable[[dict], float]]
    target: Callable[[], Callable[[dict], float]]


def _fixed(f: Callable[[dict], float]) -> Callable[[], Callable[[dict], float]]:
    return lambda: f


PROBLEMS = [
    Problem("branin-shifted", "dev", "optimum moved by (1, -1)",
            box("xy", -5, 15), box("xy", -5, 15),
            _fixed(lambda p: branin(p["x"], p["y"])),
            _fixed(lambda p: branin(p["x"] - 1.0, p["y"] + 1.0))),
    Problem("hartmann3-shifted", "dev", "optimum moved by 0.08 per dim",
            box("abc", 0, 1), box("abc", 0, 1),
            _fixed(lambda p: hartmann3(vec(p, "abc"))),
            _fixed(lambda p: hartmann3(np.clip(vec(p, "abc") - 0.08, 0, 1)))),
    Problem("styblinski3-widened", "dev", "space widened from [-5,5] to [-6,6], optimum +0.5",
            box("abc", -5, 5), box("abc", -6, 6),
            _fixed(lambda p: styblinski(vec(p, "abc"))),
            _fixed(lambda p: styblinski(vec(p, "abc") - 0.5))),
    Problem("svc-digits-reseeded", "dev", "another sample of digits",
            {"C": tc.Float(1e-2, 1e3, log=True), "gamma": tc.Float(1e-4, 1e1, log=True)},
            {"C": tc.Float(1e-2, 1e3, log=True), "gamma": tc.Float(1e-4, 1e1, log=True)},
            lambda: svc_task(0), lambda: svc_task(1)),
    Problem("rosenbrock3-shifted", "val", "optimum moved from 1 to 1.3 per dim",
            box("abc", -2, 2), box("abc", -2, 2),
            _fixed(lambda p: rosenbrock(vec(p, "abc"))),
            _fixed(lambda p: rosenbrock(vec(p, "abc") - 0.3))),
    Problem("levy2-new-param", "val", "a new parameter z in the target",
            box("xy", -10, 10), {**box("xy", -10, 10), "z": tc.Float(0, 1)},
            _fixed(lambda p: levy(vec(p, "xy"))),
            _fixed(lambda p: levy(vec(p, "xy") - 0.5) + 4 * (p["z"] - 0.3) ** 2)),
    Problem("ackley2-narrowed", "val", "space narrowed from [-5,5] to [-2,3], optimum +0.7",
            box("xy", -5, 5), box("xy", -2, 3),
            _fixed(lambda p: ackley(vec(p, "xy"))),
            _fixed(lambda p: ackley(vec(p, "xy") - 0.7))),
    Problem("krr-diabetes-other-half", "val", "the other half of the diabetes rows",
            {"alpha": tc.Float(1e-4, 1e2, log=True), "gamma": tc.Float(1e-4, 1e1, log=True)},
            {"alpha": tc.Float(1e-4, 1e2, log=True), "gamma": tc.Float(1e-4, 1e1, log=True)},
            lambda: krr_task(0), lambda: krr_task(1)),
]


# -- runs ---------------------------------------------------------------------------------------


def mirrored(space: tc.Space, f: Callable[[dict], float]) -> Callable[[dict], float]:
    """``f`` with every parameter's unit coordinate flipped: an unrelated task whose optimum
    lies in the opposite corner."""
    def g(p: dict) -> float:
        return f({d.name: d.param.from_unit(1 - d.param.to_unit(p[d.name])) for d in space.dims})
    return g


def first_study(prob: Problem, f: Callable[[dict], float], seed: int) -> tc.Study:
    study = tc.create_study(sampler="tpe", seed=seed)
    study.optimize(lambda t: f(t.params), n_trials=30, space=prob.source_space)
    return study


def own_curve(values: list[float]) -> list[float]:
    """The best own value after each budget (NaN past the trials run)."""
    best = np.minimum.accumulate(values)
    return [float(best[b - 1]) if b <= len(best) else math.nan for b in BUDGETS]


#: trials per study for each sampler (``--trials auto=20``: the GP's cost on a busy machine)
TRIALS: dict[str, int] = {}


def run_tunecycle(prob: Problem, f: Callable[[dict], float], sampler: str, seed: int,
                  prior: tc.Study | None, half_life: float | None) -> list[float]:
    study = tc.create_study(sampler=sampler, seed=seed, warm_start=prior,
                            warm_start_half_life=half_life)
    study.optimize(lambda t: f(t.params), n_trials=TRIALS.get(sampler, BUDGETS[-1]),
                   space=prob.target_space)
    return own_curve([t.value for t in study.trials])


def run_optuna(prob: Problem, f: Callable[[dict], float], seed: int,
               prior: tc.Study) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    target = tc.Space(prob.target_space)
    dists = {d.name: optuna.distributions.FloatDistribution(d.param.low, d.param.high,
                                                            log=d.param.log)
             for d in target.dims}
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    added = []
    for t in prior.trials:  # the prior trials that fit the target space, as Optuna's own
        params = {k: v for k, v in t.params.items() if k in dists}
        if set(params) == set(dists) and all(dists[k].low <= v <= dists[k].high
                                              for k, v in params.items()):
            added.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                   value=t.value))
    study.add_trials(added)

    def objective(trial: Any) -> float:
        return f({k: trial.suggest_float(k, d.low, d.high, log=d.log) for k, d in dists.items()})
    study.optimize(objective, n_trials=BUDGETS[-1])
    return own_curve([t.value for t in study.trials[len(added):]])


def run_problem(prob: Problem, samplers: list[str], seeds: int, half_lives: list[float],
                with_optuna: bool) -> dict[str, np.ndarray]:
    source, target = prob.source(), prob.target()
    first = first_study(prob, source, 100)
    unrelated = first_study(prob, mirrored(tc.Space(prob.source_space), source), 200)
    out: dict[str, list[list[float]]] = {}
    for sampler in samplers:
        for seed in range(seeds):
            out.setdefault(f"{sampler} cold", []).append(
                run_tunecycle(prob, target, sampler, seed, None, 20))
            for h in half_lives:
                tag = "" if len(half_lives) == 1 else f" h={h:g}"
                out.setdefault(f"{sampler} warm{tag}", []).append(
                    run_tunecycle(prob, target, sampler, seed, first, h))
                out.setdefault(f"{sampler} misleading{tag}", []).append(
                    run_tunecycle(prob, target, sampler, seed, unrelated, h))
    if with_optuna:
        for seed in range(seeds):
            out.setdefault("optuna tpe + add_trial", []).append(
                run_optuna(prob, target, seed, first))
    return {k: np.array(v) for k, v in out.items()}


# -- report ---------------------------------------------------------------------------------------


def summary(results: dict[str, dict[str, np.ndarray]], probs: list[Problem]) -> list[str]:
    """Geometric mean over problems and seeds of regret(arm) / regret(cold, same sampler)."""
    lines = ["| arm | vs | @10 | @20 | @50 |", "|---|---|---:|---:|---:|"]
    arms = [a for a in results[probs[0].name] if "cold" not in a]
    for arm in arms:
        cold = f"{arm.split()[0]} cold" if not arm.startswith("optuna") else "tpe cold"
        ratios = []
        for p in probs:
            r = results[p.name]
            floor = min(np.nanmin(v) for v in r.values())
            spread = max(v[:, 0].max() for v in r.values()) - floor
            eps = 1e-3 * spread + 1e-12
            ratios.append(np.log((r[arm] - floor + eps) / (r[cold].mean(axis=0) - floor + eps)))
        g = np.exp(np.concatenate(ratios).mean(axis=0))
        lines.append(f"| {arm} | {cold} | " + " | ".join(_num(x, ".2f") for x in g) + " |")
    return lines


def table(prob: Problem, r: dict[str, np.ndarray]) -> list[str]:
    lines = [f"**{prob.name}** ({prob.half}: {prob.kind})", "",
             "| arm | best @10 | best @20 | best @50 |", "|---|---:|---:|---:|"]
    for arm, v in r.items():
        m = v.mean(axis=0)
        lines.append(f"| {arm} | " + " | ".join(_num(x, ".4g") for x in m) + " |")
    return lines + [""]


def _num(x: float, fmt: str) -> str:
    return "—" if math.isnan(x) else format(x, fmt)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--samplers", nargs="+", default=["tpe", "auto"])
    ap.add_argument("--sweep", nargs="+", type=float, default=None,
                    help="half lives to compare on the development half only")
    ap.add_argument("--half-life", type=float, default=None,
                    help="the study's warm_start_half_life (default: each sampler's own)")
    ap.add_argument("--only", nargs="*", default=None, help="problem names")
    ap.add_argument("--trials", nargs="*", default=[], metavar="SAMPLER=N",
                    help="fewer trials for a sampler, e.g. auto=20 (default 50)")
    ap.add_argument("--explore-every", type=int, default=None, metavar="K",
                    help="TPE's warm-start exploration: every K-th trial quasi-random while "
                    "the study has fewer own trials than its start-up (0: none; default: "
                    "tunecycle's own)")
    args = ap.parse_args()
    if args.explore_every is not None:
        from tunecycle.samplers import observe

        observe.PRIOR_EXPLORE_EVERY = args.explore_every
    TRIALS.update({k: int(v) for k, v in (a.split("=") for a in args.trials)})
    warnings.filterwarnings("ignore")
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # a shared 2-core machine: BLAS threads only contend
    halves = ["dev"] if args.sweep else ["dev", "val"]
    half_lives = args.sweep or [args.half_life]
    probs = [p for p in PROBLEMS if p.half in halves and (not args.only or p.name in args.only)]
    t0 = time.time()
    results = {}
    for p in probs:
        t = time.time()
        results[p.name] = run_problem(p, args.samplers, args.seeds, half_lives,
                                      with_optuna=not args.sweep and "tpe" in args.samplers)
        print(f"<!-- {p.name}: {time.time() - t:.0f} s -->", flush=True)
    print(f"\nmachine: {platform.processor() or platform.machine()}, python "
          f"{platform.python_version()}; {args.seeds} seeds; half life {half_lives}; "
          f"explore every {'default' if args.explore_every is None else args.explore_every}; "
          f"trials {TRIALS or 50}; "
          f"{time.time() - t0:.0f} s in all\n")
    for half in halves:
        part = [p for p in probs if p.half == half]
        if part:
            print(f"### {half} half: regret ratio against cold (geometric mean; < 1 is better)\n")
            print("\n".join(summary(results, part)) + "\n")
    for p in probs:
        print("\n".join(table(p, results[p.name])))


if __name__ == "__main__":
    main()
