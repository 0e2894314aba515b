"""Pruning and multi-fidelity benchmark: tunecycle's pruners (none, median, ASHA, Hyperband) with
random and model-based (TPE) sampling, against Optuna's MedianPruner, SuccessiveHalvingPruner
and HyperbandPruner with Optuna's random and TPE samplers, on two real tuning tasks, in one run.

Problems (the fidelity is the number of training steps a trial runs):

- ``xgb``: XGBoost on a fixed ``make_classification`` set (3,000 rows, 20 features, 10
  informative, 3% flipped labels), 6 hyperparameters; up to 81 boosting rounds; a round is one
  unit of compute; validation log-loss is reported after every round (tunecycle:
  ``XGBoostPruningCallback``; Optuna: an equivalent callback written here).
- ``mlp``: scikit-learn's ``MLPClassifier`` on digits, 4 hyperparameters; up to 27 epochs of
  ``partial_fit``; an epoch is one unit of compute; validation log-loss after every epoch
  (tunecycle: ``fit_incrementally``; Optuna: the same loop written here).

Each seed draws its own stratified 60/20/20 train / validation / test split; models are seeded
with it.  Every arm runs ``n`` trials sequentially (the same trial budget for all); the halving
arms (ASHA, SHA, Hyperband) then go on to ``extend * n`` trials, and every figure "at n trials"
is read from the first ``n`` of them (a sequential run's first ``n`` trials are exactly an
``n``-trial run: neither the samplers nor the pruners know the budget).  Figures per arm:

- compute: rounds or epochs trained, summed over the first ``n`` trials;
- wall: seconds for those trials (shared, busy 2-core machine: indicative only);
- best val: the best validation log-loss of a complete trial among them;
- test acc: test accuracy of that configuration, retrained at full budget on the training part;
- to target: compute until a complete trial first reached the target, the final best
  validation log-loss of tunecycle's unpruned random search of the same seed, over the whole
  (extended) run; with how many seeds reached it.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 10 \\
        .venv/bin/python benchmarks/pruning.py --seeds 5 --jobs 2

Results are appended to ``benchmarks/out/pruning.jsonl`` (finished runs are skipped when the
command is run again) and the markdown report is printed at the end (``--report`` prints it
from the file alone).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import defaultdict  # noqa: E402
from concurrent.futures import ProcessPoolExecutor, as_completed  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from _machine import cpu_model  # noqa: E402

import tunecycle as tc  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "pruning.jsonl"


# -- problems --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    name: str
    max_steps: int  # boosting rounds or epochs of a complete trial
    n_trials: int


PROBLEMS = {"xgb": Problem("xgb", 81, 50), "mlp": Problem("mlp", 27, 25)}


def load(problem: str, seed: int) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if problem == "xgb":
        x, y = make_classification(
            n_samples=3000, n_features=20, n_informative=10, n_redundant=4, flip_y=0.03,
            class_sep=0.8, random_state=0,
        )
    else:
        x, y = load_digits(return_X_y=True)
    x_tr, x_rest, y_tr, y_rest = train_test_split(x, y, test_size=0.4, stratify=y,
                                                  random_state=seed)
    x_va, x_te, y_va, y_te = train_test_split(x_rest, y_rest, test_size=0.5, stratify=y_rest,
                                              random_state=seed)
    if problem == "mlp":
        scaler = StandardScaler().fit(x_tr)
        x_tr, x_va, x_te = (scaler.transform(a) for a in (x_tr, x_va, x_te))
    return x_tr, y_tr, x_va, y_va, x_te, y_te


# the same ranges for both libraries: name -> (low, high, log, integer)
RANGES = {
    "xgb": {
        "learning_rate": (0.005, 0.5, True, False),
        "max_depth": (2, 8, False, True),
        "min_child_weight": (0.1, 20.0, True, False),
        "subsample": (0.5, 1.0, False, False),
        "colsample_bytree": (0.3, 1.0, False, False),
        "reg_lambda": (1e-3, 10.0, True, False),
    },
    "mlp": {
        "hidden": (16, 128, True, True),
        "alpha": (1e-6, 1e-1, True, False),
        "learning_rate_init": (1e-4, 3e-2, True, False),
        "batch_size": (32, 256, True, True),
    },
}


def tc_space(problem: str) -> dict:
    return {
        name: (tc.Int(lo, hi, log=log) if integer else tc.Float(lo, hi, log=log))
        for name, (lo, hi, log, integer) in RANGES[problem].items()
    }


def optuna_params(problem: str, trial) -> dict:
    out = {}
    for name, (lo, hi, log, integer) in RANGES[problem].items():
        out[name] = (trial.suggest_int(name, lo, hi, log=log) if integer
                     else trial.suggest_float(name, lo, hi, log=log))
    return out


def xgb_model(params: dict, seed: int, callbacks=None):
    import xgboost

    return xgboost.XGBClassifier(
        n_estimators=81, n_jobs=1, tree_method="hist", eval_metric="logloss",
        random_state=seed, callbacks=callbacks, **params,
    )


def mlp_model(params: dict, seed: int):
    from sklearn.neural_network import MLPClassifier

    p = dict(params)
    return MLPClassifier(hidden_layer_sizes=(int(p.pop("hidden")),), random_state=seed, **p)


def mlp_steps(est, data, classes):
    """One epoch of ``partial_fit`` per step; yields the validation log-loss after each."""
    from sklearn.metrics import log_loss

    x_tr, y_tr, x_va, y_va = data[:4]
    for step in range(PROBLEMS["mlp"].max_steps):
        if step == 0:
            est.partial_fit(x_tr, y_tr, classes=classes)
        else:
            est.partial_fit(x_tr, y_tr)
        yield log_loss(y_va, est.predict_proba(x_va), labels=classes)


def test_accuracy(problem: str, params: dict, seed: int, data) -> float:
    """The configuration retrained at full budget on the training part, scored on the test."""
    x_tr, y_tr, _, _, x_te, y_te = data
    if problem == "xgb":
        model = xgb_model(params, seed)
        model.fit(x_tr, y_tr, verbose=False)
    else:
        model = mlp_model(params, seed)
        for _ in mlp_steps(model, data, np.unique(y_tr)):
            pass
    return float(model.score(x_te, y_te))


# -- arms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arm:
    library: str  # tunecycle | optuna
    pruner: str  # none | median | asha | sha | hyperband
    sampler: str  # random | tpe | tpe-single (tunecycle TPE with multi_fidelity=False)

    @property
    def key(self) -> str:
        return f"{self.library}/{self.pruner}/{self.sampler}"

    @property
    def halving(self) -> bool:
        return self.pruner in ("asha", "sha", "hyperband")


ARMS = [
    *(Arm("tunecycle", p, s) for p in ("none", "median", "asha", "hyperband")
      for s in ("random", "tpe")),
    Arm("tunecycle", "asha", "tpe-single"),
    Arm("tunecycle", "hyperband", "tpe-single"),
    *(Arm("optuna", p, s) for p in ("none", "median", "sha", "hyperband")
      for s in ("random", "tpe")),
]


#: what the issue's goal is judged on: the target, the halving pruners, random against TPE
CORE = {Arm("tunecycle", "none", "random"),
        *(Arm("tunecycle", p, s) for p in ("asha", "hyperband") for s in ("random", "tpe")),
        *(Arm("optuna", p, s) for p in ("sha", "hyperband") for s in ("random", "tpe"))}


@dataclass(frozen=True)
class TrialRecord:
    state: str  # complete | pruned | failed
    value: float | None  # validation log-loss of a complete trial
    steps: int  # rounds or epochs trained
    end: float  # seconds since the study started, when the trial ended
    params: dict


#: the smallest budget (steps) of the halving pruners, per problem, for both libraries
#: (``--min-resource xgb=9``); set before the worker processes fork
MIN_RESOURCE: dict[str, int] = {}


def run_tunecycle(problem: Problem, arm: Arm, seed: int, n_trials: int, data) -> list[TrialRecord]:
    from sklearn.metrics import log_loss

    from tunecycle.integrations import XGBoostPruningCallback, fit_incrementally
    from tunecycle.pruners import ASHAPruner, HyperbandPruner
    from tunecycle.samplers.tpe import TPESampler

    r = MIN_RESOURCE.get(problem.name, 1)
    pruner = {
        "none": None, "median": "median",
        "asha": ASHAPruner(min_resource=r, reduction_factor=3),
        "hyperband": HyperbandPruner(min_resource=r, max_resource=problem.max_steps,
                                     reduction_factor=3, seed=seed),
    }[arm.pruner]
    sampler = {"random": "random", "tpe": TPESampler(seed=seed),
               "tpe-single": TPESampler(seed=seed, multi_fidelity=False)}[arm.sampler]
    # the MLP reports neg_log_loss (greater is better) through fit_incrementally
    direction = "minimize" if problem.name == "xgb" else "maximize"
    study = tc.create_study(sampler=sampler, seed=seed, pruner=pruner, direction=direction)
    x_tr, y_tr, x_va, y_va = data[:4]
    ends: dict[int, float] = {}
    start = time.perf_counter()

    def objective(trial):
        try:
            if problem.name == "xgb":
                cb = XGBoostPruningCallback(trial, "validation_0-logloss")
                model = xgb_model(dict(trial.params), seed, callbacks=[cb])
                model.fit(x_tr, y_tr, eval_set=[(x_va, y_va)], verbose=False)
                return model.evals_result()["validation_0"]["logloss"][-1]
            est = fit_incrementally(trial, mlp_model(dict(trial.params), seed), x_tr, y_tr,
                                    x_va, y_va, n_steps=problem.max_steps,
                                    scoring="neg_log_loss")
            return -log_loss(y_va, est.predict_proba(x_va), labels=est.classes_)
        finally:
            ends[trial.number] = time.perf_counter() - start

    study.optimize(objective, n_trials=n_trials, space=tc_space(problem.name))
    sign = 1.0 if direction == "minimize" else -1.0
    out = []
    for t in sorted(study.trials, key=lambda t: t.number):
        out.append(TrialRecord(
            t.state.value, None if t.value is None or t.state.value != "complete"
            else sign * t.value, len(t.intermediate), ends.get(t.number, math.nan),
            dict(t.params),
        ))
    return out


class _OptunaXGBCallback:
    """Optuna's side of the XGBoost benchmark: report each round, stop when pruned."""

    def __new__(cls, trial):
        import optuna
        import xgboost

        class _CB(xgboost.callback.TrainingCallback):
            def after_iteration(self, model, epoch, evals_log):
                value = float(evals_log["validation_0"]["logloss"][-1])
                trial.report(value, epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned()
                return False

        return _CB()


def run_optuna(problem: Problem, arm: Arm, seed: int, n_trials: int, data) -> list[TrialRecord]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    r = MIN_RESOURCE.get(problem.name, 1)
    pruner = {
        "none": optuna.pruners.NopPruner(),
        "median": optuna.pruners.MedianPruner(),
        "sha": optuna.pruners.SuccessiveHalvingPruner(min_resource=r, reduction_factor=3),
        "hyperband": optuna.pruners.HyperbandPruner(
            min_resource=r, max_resource=problem.max_steps, reduction_factor=3),
    }[arm.pruner]
    sampler = {"random": optuna.samplers.RandomSampler(seed=seed),
               "tpe": optuna.samplers.TPESampler(seed=seed)}[arm.sampler]
    study = optuna.create_study(sampler=sampler, pruner=pruner, direction="minimize")
    x_tr, y_tr, x_va, y_va = data[:4]
    classes = np.unique(y_tr)
    ends: dict[int, float] = {}
    start = time.perf_counter()

    def objective(trial):
        try:
            params = optuna_params(problem.name, trial)
            if problem.name == "xgb":
                model = xgb_model(params, seed, callbacks=[_OptunaXGBCallback(trial)])
                model.fit(x_tr, y_tr, eval_set=[(x_va, y_va)], verbose=False)
                return model.evals_result()["validation_0"]["logloss"][-1]
            value = math.nan
            for step, value in enumerate(mlp_steps(mlp_model(params, seed), data, classes)):
                trial.report(value, step)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            return value
        finally:
            ends[trial.number] = time.perf_counter() - start

    study.optimize(objective, n_trials=n_trials)
    out = []
    for t in sorted(study.trials, key=lambda t: t.number):
        state = {"COMPLETE": "complete", "PRUNED": "pruned"}.get(t.state.name, "failed")
        out.append(TrialRecord(state, t.value if state == "complete" else None,
                               len(t.intermediate_values), ends.get(t.number, math.nan),
                               dict(t.params)))
    return out


def run_one(problem_name: str, arm: Arm, seed: int, extend: int) -> dict:
    warnings.filterwarnings("ignore")
    problem = PROBLEMS[problem_name]
    data = load(problem_name, seed)
    n_total = problem.n_trials * (extend if arm.halving else 1)
    runner = run_tunecycle if arm.library == "tunecycle" else run_optuna
    t0 = time.perf_counter()
    trials = runner(problem, arm, seed, n_total, data)
    wall_total = time.perf_counter() - t0
    head = trials[: problem.n_trials]
    complete = [t for t in head if t.state == "complete"]
    best = min(complete, key=lambda t: t.value) if complete else None
    return {
        "problem": problem_name, "arm": arm.key, "seed": seed,
        "n_trials": problem.n_trials, "n_total": len(trials), "wall_total": wall_total,
        "compute": sum(t.steps for t in head),
        "wall": head[-1].end if head else math.nan,
        "n_complete": len(complete), "n_pruned": sum(t.state == "pruned" for t in head),
        "best_val": best.value if best else None,
        "test_acc": test_accuracy(problem_name, best.params, seed, data) if best else None,
        "curve": [[t.steps, t.value] for t in trials],  # per trial: steps, value if complete
    }


# -- the report ------------------------------------------------------------------------------


def mean_se(xs: list[float], digits: int = 0) -> str:
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    if not xs:
        return "–"
    m = statistics.fmean(xs)
    se = statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else 0.0
    return f"{m:.{digits}f} ± {se:.{digits}f}"


def compute_to(curve: list[list], target: float) -> float | None:
    used = 0
    for steps, value in curve:
        used += steps
        if value is not None and value <= target + 1e-12:
            return used
    return None


def report(rows: list[dict]) -> str:
    by = defaultdict(dict)
    for r in rows:
        by[(r["problem"], r["seed"])][r["arm"]] = r
    lines = []
    for problem in PROBLEMS:
        base_key = "tunecycle/none/random"
        seeds = sorted(s for (p, s), arms in by.items() if p == problem and base_key in arms)
        if not seeds:
            continue
        pr = PROBLEMS[problem]
        unit = "rounds" if problem == "xgb" else "epochs"
        lines += [
            f"### {problem}: {pr.n_trials} trials, up to {pr.max_steps} {unit} each, "
            f"up to {len(seeds)} seeds (mean ± standard error)", "",
            f"| arm | seeds | compute ({unit}) | compute vs unpruned random | wall s | "
            f"complete/pruned | best val log-loss | test acc | to target ({unit}) | reached |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for arm in ARMS:
            rs = [by[(problem, s)][arm.key] for s in seeds if arm.key in by[(problem, s)]]
            if not rs:
                continue
            base = {s: by[(problem, s)][base_key] for s in seeds}
            ratio = [r["compute"] / base[r["seed"]]["compute"] for r in rs]
            reach = [compute_to(r["curve"], base[r["seed"]]["best_val"]) for r in rs]
            got = [x for x in reach if x is not None]
            ext = f" (of {rs[0]['n_total']})" if rs[0]["n_total"] != rs[0]["n_trials"] else ""
            lines.append(
                f"| {arm.key} | {len(rs)} | {mean_se([r['compute'] for r in rs])} | "
                f"{mean_se(ratio, 3)} | {mean_se([r['wall'] for r in rs], 1)} | "
                f"{statistics.fmean(r['n_complete'] for r in rs):.1f}/"
                f"{statistics.fmean(r['n_pruned'] for r in rs):.1f} | "
                f"{mean_se([r['best_val'] for r in rs], 4)} | "
                f"{mean_se([r['test_acc'] for r in rs], 4)} | "
                f"{mean_se([float(x) for x in got])} | {len(got)}/{len(rs)}{ext} |"
            )
        lines.append("")
    return "\n".join(lines)


def machine() -> str:
    import optuna
    import sklearn
    import xgboost

    cpu = cpu_model()
    return (f"{cpu}, {os.cpu_count()} cores; {platform.platform()}; Python "
            f"{platform.python_version()}; tunecycle {tc.__version__ if hasattr(tc, '__version__') else '0.1.0'}, "
            f"optuna {optuna.__version__}, xgboost {xgboost.__version__}, "
            f"scikit-learn {sklearn.__version__}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--extend", type=int, default=2,
                    help="the halving arms run this many times the trial budget")
    ap.add_argument("--problems", nargs="*", default=list(PROBLEMS))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--report", action="store_true", help="only print the report of --out")
    ap.add_argument("--min-resource", nargs="*", default=[], metavar="PROBLEM=STEPS",
                    help="smallest budget of ASHA/SHA/Hyperband per problem (default 1)")
    ap.add_argument("--arms", nargs="*", choices=[a.key for a in ARMS], metavar="LIB/PRUNER/SAMPLER",
                    help="run only these arms (default all); the report shows what --out holds")
    args = ap.parse_args(argv)
    arms = [a for a in ARMS if not args.arms or a.key in args.arms]
    for item in args.min_resource:
        name, _, steps = item.partition("=")
        MIN_RESOURCE[name] = int(steps)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = ([json.loads(line) for line in args.out.read_text().splitlines() if line.strip()]
            if args.out.exists() else [])
    if not args.report:
        done = {(r["problem"], r["arm"], r["seed"]) for r in rows}
        # the expensive (unpruned) runs first, so that the pool ends on short ones
        # the arms the comparison rests on first, for every seed (the unpruned random search
        # sets the target), then the others, seed by seed; the unpruned (costly) ones first
        todo = sorted(
            ((p, a, s) for s in range(args.seeds) for p in args.problems for a in arms
             if (p, a.key, s) not in done),
            key=lambda run: (run[1] not in CORE, run[2], run[1].pruner != "none", run[0]),
        )
        print(f"{machine()}\n{len(todo)} runs, {args.jobs} processes", flush=True)
        t0 = time.perf_counter()
        with ProcessPoolExecutor(args.jobs) as pool, args.out.open("a") as f:
            futures = {pool.submit(run_one, p, a, s, args.extend): (p, a.key, s)
                       for p, a, s in todo}
            for fut in as_completed(futures):
                row = fut.result()
                rows.append(row)
                f.write(json.dumps(row) + "\n")
                f.flush()
                print(f"[{time.perf_counter() - t0:7.1f} s] {row['problem']} {row['arm']} "
                      f"seed {row['seed']}: compute {row['compute']}, best {row['best_val']}, "
                      f"wall {row['wall_total']:.1f} s", flush=True)
        print(f"total {time.perf_counter() - t0:.0f} s", flush=True)
    print(report(rows))


if __name__ == "__main__":
    main()
