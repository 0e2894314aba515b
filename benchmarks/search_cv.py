"""TuneSearchCV (default sampler) against scikit-learn's RandomizedSearchCV and GridSearchCV,
with the same number of fits, on scikit-learn's bundled data sets.

For each problem and seed: a stratified (classification) train/test split seeded by the seed;
each search gets the same estimator, the same 5-fold CV on the training part and the same
budget of configurations (GridSearchCV: a grid of that many points over the same ranges); the
refitted best model is scored once on the test part.  Prints a markdown table: mean test score
± standard error over seeds, mean CV score of the chosen configuration, and mean wall time.

    PYTHONPATH=src .venv/bin/python benchmarks/search_cv.py --seeds 5
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import loguniform, randint
from sklearn import datasets
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import tunecycle as tc  # noqa: E402


@dataclass(frozen=True)
class Problem:
    name: str
    load: Callable
    estimator: Callable
    tc_space: dict
    random_space: dict
    grid: dict  # its size is the budget
    scoring: str
    classification: bool


def _log_grid(low: float, high: float, n: int) -> list[float]:
    return list(np.geomspace(low, high, n))


def _svm(name: str, load: Callable) -> Problem:
    """An RBF SVM classifier with C in [1e-3, 1e3] and gamma in [1e-5, 10], both log-scaled."""
    return Problem(
        name, load,
        lambda: make_pipeline(StandardScaler(), SVC()),
        {"svc__C": tc.Float(1e-3, 1e3, log=True), "svc__gamma": tc.Float(1e-5, 1e1, log=True)},
        {"svc__C": loguniform(1e-3, 1e3), "svc__gamma": loguniform(1e-5, 1e1)},
        {"svc__C": _log_grid(1e-3, 1e3, 6), "svc__gamma": _log_grid(1e-5, 1e1, 5)},
        "accuracy", True,
    )


PROBLEMS = [
    _svm("svm-breast_cancer", datasets.load_breast_cancer),
    _svm("svm-digits", datasets.load_digits),
    Problem(
        "knn-wine", datasets.load_wine,
        lambda: make_pipeline(StandardScaler(), KNeighborsClassifier()),
        {"kneighborsclassifier__n_neighbors": tc.Int(1, 50),
         "kneighborsclassifier__weights": tc.Categorical(["uniform", "distance"]),
         "kneighborsclassifier__p": tc.Categorical([1, 2])},
        {"kneighborsclassifier__n_neighbors": randint(1, 51),
         "kneighborsclassifier__weights": ["uniform", "distance"],
         "kneighborsclassifier__p": [1, 2]},
        {"kneighborsclassifier__n_neighbors": [1, 3, 7, 15, 30, 50],
         "kneighborsclassifier__weights": ["uniform", "distance"],
         "kneighborsclassifier__p": [1, 2]},
        "accuracy", True,
    ),
    Problem(
        "svr-diabetes", datasets.load_diabetes,
        lambda: make_pipeline(StandardScaler(), SVR()),
        {"svr__C": tc.Float(1e-2, 1e3, log=True), "svr__epsilon": tc.Float(1e-2, 1e2, log=True)},
        {"svr__C": loguniform(1e-2, 1e3), "svr__epsilon": loguniform(1e-2, 1e2)},
        {"svr__C": _log_grid(1e-2, 1e3, 6), "svr__epsilon": _log_grid(1e-2, 1e2, 5)},
        "neg_root_mean_squared_error", False,
    ),
]


def _budget(grid: dict) -> int:
    return int(np.prod([len(v) for v in grid.values()]))


def run_one(problem: Problem, method: str, seed: int) -> tuple[float, float, float]:
    X, y = problem.load(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=y if problem.classification else None)
    n = _budget(problem.grid)
    common = {"scoring": problem.scoring, "cv": 5, "n_jobs": 1}
    if method == "tunecycle":
        search = tc.TuneSearchCV(problem.estimator(), problem.tc_space, n_trials=n,
                                 random_state=seed, **common)
    elif method == "random":
        search = RandomizedSearchCV(problem.estimator(), problem.random_space, n_iter=n,
                                    random_state=seed, **common)
    else:
        search = GridSearchCV(problem.estimator(), problem.grid, **common)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(Xtr, ytr)
    wall = time.perf_counter() - start
    return float(search.score(Xte, yte)), float(search.best_score_), wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args(argv)
    methods = ["tunecycle", "random", "grid"]
    print("## TuneSearchCV against RandomizedSearchCV and GridSearchCV (issue 4)\n")
    print(f"Command: `PYTHONPATH=src .venv/bin/python benchmarks/search_cv.py --seeds {args.seeds}`\n")
    print(f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"tunecycle {tc.__version__}, scikit-learn {__import__('sklearn').__version__}\n")
    print("| problem | fits | search | test score (mean ± se) | CV score of the chosen config | "
          "wall s |")
    print("|---|---:|---|---:|---:|---:|")
    for problem in PROBLEMS:
        for method in methods:
            runs = [run_one(problem, method, seed) for seed in range(args.seeds)]
            test = [r[0] for r in runs]
            se = statistics.stdev(test) / len(test) ** 0.5 if len(test) > 1 else 0.0
            print(f"| {problem.name} | {_budget(problem.grid)} x 5 | {method} | "
                  f"{statistics.mean(test):.4f} ± {se:.4f} | "
                  f"{statistics.mean(r[1] for r in runs):.4f} | "
                  f"{statistics.mean(r[2] for r in runs):.1f} |", flush=True)
    print("\nScores are scikit-learn's: accuracy, or negative RMSE for diabetes (higher is better).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
