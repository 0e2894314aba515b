"""The built-in example: the whole tuning cycle on scikit-learn's digits (8x8 images of
handwritten digits, 1797 rows).

Three model families are tuned at once (SVM, k-nearest neighbours, logistic regression: the
family is itself a hyperparameter), each family's library defaults run first as a baseline,
3-fold cross-validation scores each configuration on the search part, and the best
configuration is refitted and tested once on a held-out 20%, beside a soft-voting ensemble of
the five best trials.  The study lives in SQLite,
the fitted model is saved with joblib.  Run it with ``make demo``, ``tunecycle demo`` or
``python -m tunecycle.examples.demo``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import tunecycle as tc

FAMILIES = ["svm", "knn", "logistic"]


def run_demo(
    storage: str = "sqlite:///tunecycle-demo.db",
    n_trials: int = 30,
    output_dir: str | Path = "tunecycle-demo-model",
    progress: bool = True,
):
    from tunecycle.cycle.runner import tune
    from tunecycle.cycle.splits import Validation
    from tunecycle.storage import get_storage

    store = get_storage(storage)  # the demo writes: a new database is created here
    try:
        tc.delete_study("digits-demo", store)  # the demo's own study: start afresh each run
    except tc.StudyNotFoundError:
        pass
    finally:
        store.close()
    result = tune(
        "sklearn:digits", model=FAMILIES, n_trials=n_trials, validation=Validation("kfold", folds=3),
        storage=storage, study_name="digits-demo", seed=0, output_dir=output_dir,
        ensemble="voting", ensemble_size=5, progress=progress,
    )
    from tunecycle.cycle.summary import format_result

    print("\n" + format_result(result))
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--storage", default="sqlite:///tunecycle-demo.db")
    p.add_argument("--trials", type=int, default=30)
    p.add_argument("--output", default="tunecycle-demo-model")
    args = p.parse_args()
    run_demo(args.storage, args.trials, args.output)


if __name__ == "__main__":
    main()
