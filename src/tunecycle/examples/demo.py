"""The built-in example: tune a polynomial ridge regression on a synthetic data set.

It needs nothing beyond tunecycle's own dependencies (numpy), stores its study in SQLite, and
shows the whole engine at work: a declarative space with a log-scaled float, an int and a
categorical, a held-out validation split, a progress bar, the best trial, and the CLI commands
to look at the result.  Run it with ``make demo``, ``tunecycle demo`` or
``python -m tunecycle.examples.demo``.
"""

from __future__ import annotations

import argparse

import numpy as np

import tunecycle as tc

SPACE = {
    "alpha": tc.Float(1e-6, 1e2, log=True),
    "degree": tc.Int(1, 8),
    "scaling": tc.Categorical(["standard", "minmax", "none"]),
}


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=400)
    y = np.sin(x) * 2 + 0.3 * x**2 + rng.normal(0, 0.4, size=x.size)
    return x, y


def features(x: np.ndarray, degree: int, scaling: str, ref: np.ndarray) -> np.ndarray:
    """Polynomial features, scaled with statistics of the training part ``ref`` only."""
    if scaling == "standard":
        x = (x - ref.mean()) / ref.std()
    elif scaling == "minmax":
        x = (x - ref.min()) / (ref.max() - ref.min()) * 2 - 1
    return np.vander(x, degree + 1, increasing=True)


def validation_rmse(params: dict, x: np.ndarray, y: np.ndarray) -> float:
    n_train = int(0.7 * len(x))
    xt, yt, xv, yv = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    a = features(xt, params["degree"], params["scaling"], xt)
    b = features(xv, params["degree"], params["scaling"], xt)
    reg = params["alpha"] * np.eye(a.shape[1])
    reg[0, 0] = 0.0  # leave the intercept unpenalised
    w = np.linalg.solve(a.T @ a + reg, a.T @ yt)
    return float(np.sqrt(np.mean((b @ w - yv) ** 2)))


def run_demo(storage: str = "sqlite:///tunecycle-demo.db", n_trials: int = 60) -> tc.Study:
    x, y = make_data()
    try:
        tc.delete_study("demo", storage)  # the demo's own study: start afresh each run
    except tc.StudyNotFoundError:
        pass
    study = tc.create_study(name="demo", storage=storage, sampler="qmc", seed=0)
    study.enqueue({"alpha": 1.0, "degree": 1, "scaling": "none"})  # a plain linear baseline

    study.optimize(lambda t: validation_rmse(t.params, x, y), n_trials=n_trials, space=SPACE,
                   progress=True)
    best = study.best_trial
    baseline = study.trials[0]
    print(f"\n{len(study.trials)} trials stored in {storage}")
    print(f"baseline (linear, trial 0): validation RMSE {baseline.value:.4f}")
    print(f"best (trial {best.number}): validation RMSE {best.value:.4f} with {dict(best.params)}")
    print("\nlook at it with:")
    print(f"  tunecycle trials demo --storage {storage}")
    print(f"  tunecycle best demo --storage {storage}")
    return study


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--storage", default="sqlite:///tunecycle-demo.db")
    p.add_argument("--trials", type=int, default=60)
    args = p.parse_args()
    run_demo(args.storage, args.trials)


if __name__ == "__main__":
    main()
