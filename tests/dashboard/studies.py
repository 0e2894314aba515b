"""Real studies for the browser tests, the screenshots and the page-load benchmark, run through
tunecycle's own API into a SQLite file: one objective, a conditional space, a pruned study with
learning curves, and two objectives with a constraint.  Small and seeded, so each takes well
under a second or two."""

from __future__ import annotations

import math

import numpy as np

import tunecycle as tc


def single(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", -4.0, 4.0)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    depth = trial.suggest_int("depth", 1, 8)
    trial.set_user_attr("note", f"depth {depth}")
    return (x - 1.0) ** 2 + 0.3 * abs(math.log10(lr) + 2) + 0.05 * depth


def conditional(trial: tc.Trial) -> float:
    family = trial.suggest_categorical("family", ["svm", "forest", "knn"])
    if family == "svm":
        c = trial.suggest_float("svm.C", 1e-3, 1e3, log=True)
        degree = trial.suggest_int("svm.degree", 2, 5)
        return 0.2 + 0.02 * abs(math.log10(c)) + 0.01 * degree
    if family == "forest":
        trees = trial.suggest_int("forest.trees", 10, 300, log=True)
        return 0.15 + 3.0 / trees
    k = trial.suggest_int("knn.k", 1, 30)
    if k > 25:
        raise ValueError(f"k={k} is too large for the smallest class")
    return 0.3 + 0.004 * k


def pruned(trial: tc.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
    width = trial.suggest_int("width", 8, 128, log=True)
    floor = 0.1 + (math.log10(lr) + 1.5) ** 2 / 4 + 0.02 * abs(math.log2(width) - 5)
    rng = np.random.default_rng(trial.number)
    loss = 2.0
    for epoch in range(15):
        loss = floor + (loss - floor) * 0.7 + rng.normal(0, 0.005)
        trial.report(loss, epoch)
        if trial.should_prune():
            raise tc.TrialPruned()
    return loss


def two_objectives(trial: tc.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    trial.set_user_attr("c", x + y - 1.5)
    return x**2 + 0.1 * y, (1 - x) ** 2 + 0.1 * (1 - y)


def make_studies(url: str, n: int = 40) -> dict[str, str]:
    """The four studies in the store at ``url``; returns kind -> study name."""
    names = {"single": "single objective", "conditional": "conditional/space",
             "pruned": "pruned <curves>", "multi": "two objectives"}
    s = tc.create_study(name=names["single"], storage=url, sampler="tpe", seed=1)
    s.optimize(single, n_trials=n)
    s = tc.create_study(name=names["conditional"], storage=url, sampler="random", seed=2)
    s.optimize(conditional, n_trials=n)
    s = tc.create_study(name=names["pruned"], storage=url, sampler="random", seed=3,
                        pruner="median")
    s.optimize(pruned, n_trials=n)
    s = tc.create_study(name=names["multi"], storage=url, sampler="random", seed=4,
                        directions=["minimize", "minimize"],
                        constraints_func=lambda t: (t.user_attrs["c"],))
    s.set_metric_names(["error", "cost"])
    s.optimize(two_objectives, n_trials=n)
    return names
