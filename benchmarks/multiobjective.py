"""Multi-objective and constrained samplers against Optuna's: normalised hypervolume after 100
and 300 trials, and the sampler's cost per trial.

    PYTHONPATH=src .venv/bin/python benchmarks/multiobjective.py --seeds 5 --jobs 2

Problems (losses, everything minimised), with a fixed reference point each:

- development half (defaults were chosen on these only): ZDT1 (30 dims), DTLZ2 (3 objectives,
  12 dims), BNH (Binh and Korn: 2 dims, 2 constraints), OSY (Osyczka and Kundu: 6 dims, 6
  constraints, a front made of several pieces);
- validation half: ZDT2 and ZDT3 (30 dims), C2-DTLZ2 (3 objectives, 7 dims, one constraint
  r = 0.4), digits (a scikit-learn decision tree on the digits data: holdout error against
  log2 of its leaves; mixed space: criterion, depth, leaf size, feature share, log-scaled
  pruning alpha).

Hypervolume of the feasible Pareto front of the first N complete trials, divided by the
hypervolume of the true front (ZDT1-3, DTLZ2: known in closed form or on a 20,000-point grid)
or, where the front is not known (BNH, OSY, C2-DTLZ2, digits), of the non-dominated union of every
run of every method on that problem.  Overhead: the ask and tell time per trial, without the
objective, averaged over trials 251-300 (the GPs, ``optuna-gp`` and our ``mogp``: 81-100,
since they run ``--gp-trials`` trials only).

Every run is an ask-and-tell loop in one process: ``--jobs`` runs in parallel processes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from _machine import cpu_model  # benchmarks/ is sys.path[0]

HERE_DEV = ("zdt1", "dtlz2", "bnh", "osy")
CONSTRAINED = ("bnh", "osy", "c2dtlz2")
HERE_VAL = ("zdt2", "zdt3", "c2dtlz2", "digits")
#: methods that run ``--gp-trials`` trials only (a GP per trial grows as O(n^3))
GP_METHODS = ("optuna-gp", "mogp")


@dataclass(frozen=True)
class Problem:
    name: str
    dims: tuple[tuple[str, str, tuple], ...]  # (name, kind, args): float/int/logfloat/cat
    n_obj: int
    reference: tuple[float, ...]
    evaluate: Callable[[dict], tuple[tuple[float, ...], tuple[float, ...] | None]]
    true_hv: float | None = None


def _unit_floats(n: int) -> tuple:
    return tuple((f"x{i}", "float", (0.0, 1.0)) for i in range(n))


def _zdt(kind: int) -> Callable:
    def evaluate(p: dict) -> tuple:
        x = np.array([p[f"x{i}"] for i in range(30)])
        f1, g = x[0], 1 + 9 * x[1:].mean()
        if kind == 1:
            h = 1 - math.sqrt(f1 / g)
        elif kind == 2:
            h = 1 - (f1 / g) ** 2
        else:
            h = 1 - math.sqrt(f1 / g) - f1 / g * math.sin(10 * math.pi * f1)
        return (float(f1), float(g * h)), None
    return evaluate


def _dtlz2_f(x: np.ndarray, m: int) -> np.ndarray:
    g = float(np.sum((x[m - 1:] - 0.5) ** 2))
    f = np.full(m, 1 + g)
    for i in range(m):
        f[i] *= np.prod(np.cos(x[: m - 1 - i] * math.pi / 2))
        if i > 0:
            f[i] *= math.sin(x[m - 1 - i] * math.pi / 2)
    return f


def _dtlz2(p: dict) -> tuple:
    return tuple(_dtlz2_f(np.array([p[f"x{i}"] for i in range(12)]), 3).tolist()), None


def _c2dtlz2(p: dict) -> tuple:
    f = _dtlz2_f(np.array([p[f"x{i}"] for i in range(7)]), 3)
    r, m = 0.4, 3
    corner = min((f[i] - 1) ** 2 + np.sum(np.delete(f, i) ** 2) - r * r for i in range(m))
    centre = float(np.sum((f - 1 / math.sqrt(m)) ** 2) - r * r)
    return tuple(f.tolist()), (float(min(corner, centre)),)


def _bnh(p: dict) -> tuple:
    x, y = p["x"], p["y"]
    f1, f2 = 4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2
    return (f1, f2), ((x - 5) ** 2 + y * y - 25, 7.7 - (x - 8) ** 2 - (y + 3) ** 2)


def _osy(p: dict) -> tuple:
    x = [p[f"x{i}"] for i in range(1, 7)]
    f1 = -(25 * (x[0] - 2) ** 2 + (x[1] - 2) ** 2 + (x[2] - 1) ** 2 + (x[3] - 4) ** 2
           + (x[4] - 1) ** 2)
    f2 = sum(v * v for v in x)
    g = (x[0] + x[1] - 2, 6 - x[0] - x[1], 2 - x[1] + x[0], 2 - x[0] + 3 * x[1],
         4 - (x[2] - 3) ** 2 - x[3], (x[4] - 3) ** 2 + x[5] - 4)  # feasible where g >= 0
    return (f1, f2), tuple(-v for v in g)


@lru_cache(maxsize=1)
def _digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    return train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)


@lru_cache(maxsize=4096)
def _tree(criterion: str, depth: int, leaf: int, share: float, alpha: float) -> tuple:
    from sklearn.tree import DecisionTreeClassifier

    xa, xb, ya, yb = _digits()
    model = DecisionTreeClassifier(criterion=criterion, max_depth=depth, min_samples_leaf=leaf,
                                   max_features=share, ccp_alpha=alpha, random_state=0)
    model.fit(xa, ya)
    return 1.0 - float(model.score(xb, yb)), math.log2(model.get_n_leaves())


def _digits_task(p: dict) -> tuple:
    return _tree(p["criterion"], p["depth"], p["leaf"], round(p["share"], 6),
                 round(p["alpha"], 9)), None


def _front_hv_2d(f1: np.ndarray, f2: np.ndarray, ref: tuple) -> float:
    from tunecycle.pareto import hypervolume

    return hypervolume(np.column_stack([f1, f2]), np.array(ref))


def problems() -> dict[str, Problem]:
    grid = np.linspace(0, 1, 20001)
    zref = (1.1, 6.0)
    zdt3_f2 = 1 - np.sqrt(grid) - grid * np.sin(10 * math.pi * grid)
    return {
        "zdt1": Problem("zdt1", _unit_floats(30), 2, zref, _zdt(1),
                        _front_hv_2d(grid, 1 - np.sqrt(grid), zref)),
        "zdt2": Problem("zdt2", _unit_floats(30), 2, zref, _zdt(2),
                        _front_hv_2d(grid, 1 - grid ** 2, zref)),
        "zdt3": Problem("zdt3", _unit_floats(30), 2, zref, _zdt(3),
                        _front_hv_2d(grid, zdt3_f2, zref)),
        "dtlz2": Problem("dtlz2", _unit_floats(12), 3, (1.5, 1.5, 1.5), _dtlz2,
                         1.5 ** 3 - math.pi / 6),
        "c2dtlz2": Problem("c2dtlz2", _unit_floats(7), 3, (1.5, 1.5, 1.5), _c2dtlz2),
        "bnh": Problem("bnh", (("x", "float", (0.0, 5.0)), ("y", "float", (0.0, 3.0))), 2,
                       (140.0, 50.0), _bnh),
        "osy": Problem("osy", (("x1", "float", (0.0, 10.0)), ("x2", "float", (0.0, 10.0)),
                               ("x3", "float", (1.0, 5.0)), ("x4", "float", (0.0, 6.0)),
                               ("x5", "float", (1.0, 5.0)), ("x6", "float", (0.0, 10.0))), 2,
                       (0.0, 80.0), _osy),
        "digits": Problem("digits", (("criterion", "cat", ("gini", "entropy")),
                                     ("depth", "int", (1, 20)), ("leaf", "int", (1, 40)),
                                     ("share", "float", (0.1, 1.0)),
                                     ("alpha", "logfloat", (1e-6, 0.1))), 2,
                          (1.0, 11.0), _digits_task),
    }


# -- one run ----------------------------------------------------------------------------------
def _tc_space(problem: Problem) -> dict:
    import tunecycle as tc

    make = {"float": lambda a: tc.Float(*a), "logfloat": lambda a: tc.Float(*a, log=True),
            "int": lambda a: tc.Int(*a), "cat": lambda a: tc.Categorical(list(a))}
    return {n: make[k](a) for n, k, a in problem.dims}


def _optuna_space(problem: Problem) -> dict:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    make = {"float": lambda a: FloatDistribution(*a),
            "logfloat": lambda a: FloatDistribution(*a, log=True),
            "int": lambda a: IntDistribution(*a), "cat": lambda a: CategoricalDistribution(a)}
    return {n: make[k](a) for n, k, a in problem.dims}


def _tc_sampler(method: str, seed: int) -> Any:
    """A method name, or ``name:option=value,option=value`` for a variant of a sampler's
    options (``tpe:mo_model=independent``; integers are read as such)."""
    from tunecycle.samplers import sampler_class

    if ":" not in method:
        return method
    name, _, spec = method.partition(":")
    opts: dict[str, Any] = {}
    for item in filter(None, spec.split(",")):
        key, _, value = item.partition("=")
        opts[key] = int(value) if value.lstrip("-").isdigit() else value
    return sampler_class(name)(seed, **opts)


def run_tunecycle(problem: Problem, sampler: str, seed: int, n_trials: int) -> dict:
    import tunecycle as tc

    study = tc.create_study(sampler=_tc_sampler(sampler, seed), seed=seed,
                            directions=["minimize"] * problem.n_obj)
    space = _tc_space(problem)

    def tell(trial: Any, values: Any, cons: Any) -> None:
        study.tell(trial, list(values), constraints=cons)

    return _ask_tell_loop(problem, n_trials, lambda: study.ask(space), tell)


def run_optuna(problem: Problem, sampler: str, seed: int, n_trials: int) -> dict:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    constrained = problem.name in CONSTRAINED
    cf = (lambda t: t.user_attrs["c"]) if constrained else None
    make = {"optuna-nsga2": lambda: optuna.samplers.NSGAIISampler(seed=seed, constraints_func=cf),
            "optuna-tpe": lambda: optuna.samplers.TPESampler(seed=seed, constraints_func=cf),
            "optuna-gp": lambda: optuna.samplers.GPSampler(seed=seed, constraints_func=cf)}
    study = optuna.create_study(directions=["minimize"] * problem.n_obj, sampler=make[sampler]())
    space = _optuna_space(problem)

    def tell(trial: Any, values: Any, cons: Any) -> None:
        if cons is not None:
            trial.set_user_attr("c", list(cons))
        study.tell(trial, list(values))

    return _ask_tell_loop(problem, n_trials, lambda: study.ask(space), tell)


def _ask_tell_loop(problem: Problem, n_trials: int, ask: Any, tell: Any) -> dict:
    """``n_trials`` rounds of ask, evaluate, tell; the overhead is the ask and tell time."""
    rows, overhead = [], []
    for _ in range(n_trials):
        t0 = time.perf_counter()
        trial = ask()
        t1 = time.perf_counter()
        values, cons = problem.evaluate(dict(trial.params))
        t2 = time.perf_counter()
        tell(trial, values, cons)
        overhead.append((t1 - t0) + (time.perf_counter() - t2))
        rows.append((values, cons))
    return {"rows": rows, "overhead": overhead}


def one_run(job: tuple[str, str, int, int]) -> tuple[tuple[str, str, int], dict]:
    name, method, seed, n_trials = job
    problem = problems()[name]
    runner = run_optuna if method.startswith("optuna-") else run_tunecycle
    return (name, method, seed), runner(problem, method, seed, n_trials)


# -- scoring ----------------------------------------------------------------------------------
def feasible_losses(rows: list, upto: int) -> np.ndarray:
    pts = [v for v, c in rows[:upto] if c is None or all(x <= 0 for x in c)]
    return np.array(pts, dtype=float).reshape(-1, len(rows[0][0]))


def score(results: dict, budgets: list[int]) -> tuple[dict, dict]:
    """(normalised hypervolume per (problem, method, seed, budget), normaliser per problem)."""
    from tunecycle.pareto import hypervolume, nondominated

    probs = problems()
    norm: dict[str, float] = {}
    for name in {k[0] for k in results}:
        p = probs[name]
        if p.true_hv is not None:
            norm[name] = p.true_hv
            continue
        union = np.vstack([feasible_losses(r["rows"], len(r["rows"]))
                           for k, r in results.items() if k[0] == name])
        union = union[nondominated(union)] if len(union) else union
        norm[name] = max(hypervolume(union, np.array(p.reference)), 1e-12)
    out = {}
    for (name, method, seed), r in results.items():
        ref = np.array(probs[name].reference)
        for b in budgets:
            if b <= len(r["rows"]):
                hv = hypervolume(feasible_losses(r["rows"], b), ref)
                out[(name, method, seed, b)] = hv / norm[name]
    return out, norm


def overhead_ms(results: dict, method: str) -> float:
    per = []
    for (_, m, _), r in results.items():
        if m == method:
            o = r["overhead"]
            lo = 250 if len(o) >= 300 else int(len(o) * 0.8)
            per.append(1000 * float(np.mean(o[lo:])))
    return float(np.mean(per)) if per else math.nan


def table(results: dict, methods: list[str], budgets: list[int]) -> str:
    hv, _ = score(results, budgets)
    names = [n for n in (*HERE_DEV, *HERE_VAL) if any(k[0] == n for k in results)]
    lines = ["| problem | half | trials | " + " | ".join(methods) + " |",
             "|---|---|---:|" + "---:|" * len(methods)]

    def cell(vals: list[float]) -> str:
        return f"{np.mean(vals):.3f} ± {np.std(vals):.3f}" if vals else "—"

    for half, group in (("dev", HERE_DEV), ("val", HERE_VAL)):
        for b in budgets:
            for n in [n for n in names if n in group]:
                cells = [cell([v for (pn, m, _, bb), v in hv.items()
                               if pn == n and m == meth and bb == b]) for meth in methods]
                lines.append(f"| {n} | {half} | {b} | " + " | ".join(cells) + " |")
    for half, group in (("dev", HERE_DEV), ("val", HERE_VAL)):
        for b in budgets:
            means = []
            for meth in methods:
                per_problem = [np.mean([v for (pn, m, _, bb), v in hv.items()
                                        if pn == n and m == meth and bb == b])
                               for n in names if n in group
                               and any(k[0] == n and k[1] == meth and k[3] == b for k in hv)]
                means.append(f"**{np.mean(per_problem):.3f}**" if per_problem else "—")
            lines.append(f"| mean of {half} half | {half} | {b} | " + " | ".join(means) + " |")
    lines.append("| sampler ms/trial (trials 251-300; optuna-gp, mogp: 81-100) | | | "
                 + " | ".join(f"{overhead_ms(results, m):.1f}" for m in methods) + " |")
    return "\n".join(lines)


def feasible_share(results: dict, methods: list[str], budget: int) -> str:
    lines = ["| problem | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
    for n in CONSTRAINED:
        cells = []
        for meth in methods:
            shares = [np.mean([c is None or all(x <= 0 for x in c) for _, c in r["rows"][:budget]])
                      for (pn, m, _), r in results.items() if pn == n and m == meth
                      and len(r["rows"]) >= budget]
            cells.append(f"{np.mean(shares):.2f}" if shares else "—")
        if any(c != "—" for c in cells):
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _save(results: dict, path: str) -> None:
    with open(path + ".tmp", "w") as fh:
        json.dump({"|".join(map(str, k)): v for k, v in results.items()}, fh)
    os.replace(path + ".tmp", path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first-seed, ... (--seeds)")
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--gp-trials", type=int, default=100)
    ap.add_argument("--problems", nargs="*", default=[*HERE_DEV, *HERE_VAL])
    ap.add_argument("--methods", nargs="*", default=["nsga2", "tpe", "auto", "random",
                                                     "optuna-nsga2", "optuna-tpe", "optuna-gp"])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--save", help="write the raw runs to this JSON file")
    ap.add_argument("--load", nargs="*", help="score runs saved by --save instead of running")
    args = ap.parse_args()
    if args.load:
        results = {}
        for path in args.load:
            with open(path) as fh:
                for k, v in json.load(fh).items():
                    name, method, seed = k.split("|")
                    results[(name, method, int(seed))] = v
        methods = [m for m in args.methods if any(k[1] == m for k in results)]
        print(table(results, methods, sorted({100, args.trials})))
        print("\nFeasible share of the first 100 trials:\n")
        print(feasible_share(results, methods, 100))
        return
    jobs = [(p, m, s, args.gp_trials if m.split(":")[0] in GP_METHODS else args.trials)
            for p in args.problems for m in args.methods
            for s in range(args.first_seed, args.first_seed + args.seeds)]
    # the slow ones first; seed by seed, so that a run stopped early has every problem
    jobs.sort(key=lambda j: (-(j[1].split(":")[0] in GP_METHODS), j[2]))
    started = time.time()
    results = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        for key, run in pool.map(one_run, jobs):
            results[key] = run
            if args.save:  # after every run: a stopped benchmark keeps what it finished
                _save(results, args.save)
    budgets = sorted({100, args.trials})
    import optuna
    import sklearn

    import tunecycle
    print(f"# {len(jobs)} runs in {time.time() - started:.0f} s; {cpu_model()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end, "
          f"Python {platform.python_version()}, tunecycle {tunecycle.__version__}, "
          f"optuna {optuna.__version__}, scikit-learn {sklearn.__version__}; "
          f"{', '.join(GP_METHODS)} ran {args.gp_trials} trials", file=sys.stderr)
    print(table(results, args.methods, budgets))
    print()
    print("Feasible share of the first 100 trials:\n")
    print(feasible_share(results, args.methods, min(args.trials, 100)))


if __name__ == "__main__":
    main()
