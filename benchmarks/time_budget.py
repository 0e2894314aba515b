"""Time-budget benchmark (issue 21): the best test score a cycle reaches within a wall-clock
budget, with ``tune(time_budget=B)`` against plain ``tune(timeout=B)`` with the same sampler,
and against FLAML's ``flaml.tune.run(time_budget_s=B)`` over the same search space and the same
evaluation (the cycle's pipeline scored by the same k-fold splits of the same search part).

Methods, run interleaved per task and seed (A, B, C, then the next) so that the shared
machine's load hits them alike:

- ``budget``: ``tune(..., time_budget=B)``: search, refit and test all planned inside ``B``.
- ``timeout``: ``tune(..., timeout=B, n_trials=10_000)``: trials start until ``B`` seconds of
  search have passed; the last one, the refit and the test come on top.
- ``flaml``: ``flaml.tune.run`` (its default search: BlendSearch/CFO) with
  ``low_cost_partial_config`` at the low end of the cost-driving parameters (what FLAML asks
  its users to give), ``time_budget_s=B``; then the best configuration is refitted on the
  search part and tested once, outside ``B`` as for ``timeout``.

Every method gets the same data, test split (20 %, seeded), 3-fold validation and sampler seed.
Figures: test accuracy of the saved model, validation accuracy of the chosen trial, trials
run, and the wall seconds of the whole call (search + refit + test) against ``B``.

Tasks are split into a development half (used while designing the budget rules) and a
validation half (run only for the report):

- dev: ``digits-rf`` (digits, random forest), ``digits-mlp`` (digits, the cycle's PyTorch
  MLP; FLAML tunes it through the same evaluation function);
- val: ``synth-xgb`` (a covtype-like synthetic set: 6,000 rows, 40 features, 7 classes;
  XGBoost), ``synth2-rf`` (another synthetic set: 5,000 rows, 30 features, 5 classes; random
  forest).

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/time_budget.py --budgets 60 180

Results are appended to ``benchmarks/out/time_budget.jsonl`` (finished runs are skipped when
run again); ``--report`` prints the markdown table from that file alone.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "time_budget.jsonl"
DEV = ("digits-rf", "digits-mlp")
VAL = ("synth-xgb", "synth2-rf")
METHODS = ("budget", "timeout", "flaml")
FOLDS = 3


def _data(task: str) -> Any:
    if task.startswith("digits"):
        return "sklearn:digits"
    if task.startswith("synth2"):
        return {"source": "sklearn:make_classification", "n_samples": 5000, "n_features": 30,
                "n_informative": 15, "n_classes": 5, "n_clusters_per_class": 2,
                "flip_y": 0.03, "random_state": 2, "name": "synth2"}
    return {"source": "sklearn:make_classification", "n_samples": 6000, "n_features": 40,
            "n_informative": 20, "n_classes": 7, "n_clusters_per_class": 2, "flip_y": 0.03,
            "random_state": 1, "name": "synth"}


def _family(task: str) -> str:
    return {"rf": "random_forest", "xgb": "xgboost", "mlp": "mlp"}[task.rsplit("-", 1)[1]]


def _validation():
    from tunecycle.cycle.splits import Validation

    return Validation("kfold", folds=FOLDS)


def run_tunecycle(task: str, method: str, budget: float, seed: int) -> dict[str, Any]:
    import tunecycle as tc

    started = time.monotonic()
    limits = ({"time_budget": budget} if method == "budget"
              else {"timeout": budget, "n_trials": 10_000})
    result = tc.tune(_data(task), model=_family(task), validation=_validation(), seed=seed,
                     sampler="tpe", progress=False, **limits)
    wall = time.monotonic() - started
    trials = result.study.trials
    return {"test": result.test_metrics["accuracy"], "val": result.best_value,
            "trials": len(trials), "wall": wall,
            "complete": sum(t.state.value == "complete" for t in trials)}


def _flaml_space(space: Any) -> tuple[dict, dict]:
    """Our (flattened) space as FLAML's, and the low-cost point of the cost-driving
    parameters.  A conditional parameter's sub-parameters are always sampled and dropped
    when their branch is not chosen (FLAML's ``run`` takes a flat space here)."""
    from flaml import tune as ft

    from tunecycle.budget import TimeBudget
    from tunecycle.space import Categorical, Float, Int

    is_cost = TimeBudget(1).is_cost
    config, low = {}, {}
    for dim in space.dims:
        name, p = dim.name, dim.param
        if isinstance(p, Int):
            config[name] = ft.lograndint(p.low, p.high + 1) if p.log else ft.randint(
                p.low, p.high + 1)
        elif isinstance(p, Float):
            config[name] = ft.loguniform(p.low, p.high) if p.log else ft.uniform(p.low, p.high)
        elif isinstance(p, Categorical):
            config[name] = ft.choice(list(p.choices))
        else:
            config[name] = p
        if is_cost(name) and isinstance(p, (Int, Float)):
            low[name] = p.low
    return config, low


def run_flaml(task: str, budget: float, seed: int) -> dict[str, Any]:
    from flaml import tune as ft
    from sklearn.base import clone

    from tunecycle.cycle import runner
    from tunecycle.cycle import trials as cycle_trials
    from tunecycle.cycle.families import fit_part
    from tunecycle.cycle.spec import TuneSpec
    from tunecycle.space import Space

    started = time.monotonic()
    plan = runner._Plan.make(TuneSpec(_data(task), model=_family(task), test_size=0.2,
                                      validation=_validation(), seed=seed))
    space = Space(plan.tuned)
    config, low = _flaml_space(space)
    count = [0]

    def as_params(cfg: dict) -> dict:
        params: dict = {}
        for dim in space.dims:  # in order: a branch's choice comes before its sub-parameters
            if space.is_active(dim, params):
                params[dim.name] = _cast(dim.param, cfg[dim.name])
        return params

    def evaluate(cfg: dict) -> dict:
        count[0] += 1
        params = as_params(cfg)
        model_params, folds = plan.splitter.split(params)
        _, pipe = cycle_trials.pipeline(model_params, plan.search_part, plan.chosen,
                                        plan.single, plan.seed)
        scores = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for train, valid in folds:
                fitted = fit_part(clone(pipe), plan.search_part.take(train))
                part = plan.search_part.take(valid)
                scores.append(cycle_trials.score(fitted, part, plan.chosen))
        return {"accuracy": sum(scores) / len(scores)}

    analysis = ft.run(evaluate, config=config, low_cost_partial_config=low or None,
                      metric="accuracy", mode="max", time_budget_s=budget, num_samples=-1,
                      verbose=0)
    best = as_params(analysis.best_config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model_params = plan.splitter.split(best)[0]
        _, fitted = cycle_trials.fit_final(plan.search_part, model_params, plan.chosen,
                                           plan.single, plan.seed)
        test = cycle_trials.test_metrics(fitted, plan.test, plan.chosen)
    wall = time.monotonic() - started
    return {"test": test["accuracy"], "val": analysis.best_result["accuracy"],
            "trials": count[0], "wall": wall, "complete": count[0]}


def _cast(param: Any, value: Any) -> Any:
    from tunecycle.space import Float, Int

    if isinstance(param, Int):
        return int(round(float(value)))
    if isinstance(param, Float):
        return float(value)
    return value


def _warm_up(tasks: list[str]) -> None:
    """Import what the methods use before any clock starts (the first run would pay it)."""
    import flaml.tune  # noqa: F401
    import sklearn.ensemble  # noqa: F401

    import tunecycle.cycle.runner  # noqa: F401
    import tunecycle.samplers.tpe  # noqa: F401

    if any(t.endswith("xgb") for t in tasks):
        import xgboost  # noqa: F401
    if any(t.endswith("mlp") for t in tasks):
        import tunecycle.cycle.deep.estimator  # noqa: F401


def _done() -> set[tuple]:
    if not OUT.exists():
        return set()
    return {(r["task"], r["method"], r["budget"], r["seed"])
            for r in map(json.loads, OUT.read_text().splitlines())}


def main(argv: list[str] | None = None) -> int:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budgets", type=float, nargs="+", default=[60.0, 180.0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--tasks", nargs="+", default=[*DEV, *VAL])
    parser.add_argument("--long-tasks", nargs="+", default=None,
                        help="the tasks run at budgets over 60 s (default: all)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--report", action="store_true", help="print the table and exit")
    parser.add_argument("--report-seeds", action="store_true",
                        help="print the table over seeds (mean ± standard error) and exit")
    parser.add_argument("--out", type=Path, default=OUT, help="the results file (JSON lines)")
    args = parser.parse_args(argv)
    OUT = args.out
    if args.report_seeds:
        print(report_seeds())
        return 0
    if not args.report:
        _warm_up(args.tasks)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        done = _done()
        for budget in args.budgets:
            tasks = args.tasks if budget <= 60 or args.long_tasks is None else args.long_tasks
            for seed in range(args.seeds):
                for task in tasks:
                    for method in args.methods:  # interleaved: A, B, C per task and seed
                        if (task, method, budget, seed) in done:
                            continue
                        print(f"{task} {method} {budget:g}s seed {seed} ...", file=sys.stderr,
                              flush=True)
                        row = (run_flaml(task, budget, seed) if method == "flaml"
                               else run_tunecycle(task, method, budget, seed))
                        row.update(task=task, method=method, budget=budget, seed=seed,
                                   half="dev" if task in DEV else "val",
                                   at=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()))
                        with OUT.open("a") as f:
                            f.write(json.dumps(row) + "\n")
                        print(f"  test {row['test']:.4f} val {row['val']:.4f} trials "
                              f"{row['trials']} wall {row['wall']:.1f}s", file=sys.stderr,
                              flush=True)
    print(report())
    return 0


def _groups() -> Iterator[tuple[str, str, float, str, list[dict]]]:
    """The rows of ``OUT`` by half, task, budget and method (dev first, then by budget)."""
    rows = [json.loads(line) for line in OUT.read_text().splitlines()] if OUT.exists() else []
    keys = sorted({(r["half"], r["task"], r["budget"]) for r in rows},
                  key=lambda k: (k[0] != "dev", k[2], k[1]))
    for half, task, budget in keys:
        for method in METHODS:
            mine = [r for r in rows if (r["task"], r["budget"], r["method"]) ==
                    (task, budget, method)]
            if mine:
                yield half, task, budget, method, mine


def report() -> str:
    lines = [f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}", "",
             "| half | task | budget | method | test acc | val acc | trials | wall s (all) |",
             "|---|---|---:|---|---:|---:|---:|---:|"]
    for half, task, budget, method, mine in _groups():

        def mean(key: str, mine: list = mine) -> float:
            return statistics.fmean(r[key] for r in mine)

        lines.append(f"| {half} | {task} | {budget:g} s | {method} | {mean('test'):.4f} | "
                     f"{mean('val'):.4f} | {mean('trials'):.0f} | {mean('wall'):.1f} |")
    return "\n".join(lines)


def report_seeds() -> str:
    """The table over seeds, per half, task, budget and method: the mean test accuracy ±
    its standard error, the mean validation accuracy and trials, the wall seconds of the
    whole call (mean and largest) and the seeds run."""
    lines = ["| half | task | budget | method | seeds | test acc | val acc | trials | "
             "wall s mean | wall s max |", "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for half, task, budget, method, mine in _groups():
        tests = [r["test"] for r in mine]
        se = (statistics.stdev(tests) / len(tests) ** 0.5) if len(tests) > 1 else None
        test = f"{statistics.fmean(tests):.4f}" + (f" ± {se:.4f}" if se is not None else "")
        walls = [r["wall"] for r in mine]
        lines.append(
            f"| {half} | {task} | {budget:g} s | {method} | {len(mine)} | {test} | "
            f"{statistics.fmean(r['val'] for r in mine):.4f} | "
            f"{statistics.fmean(r['trials'] for r in mine):.0f} | "
            f"{statistics.fmean(walls):.1f} | {max(walls):.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
