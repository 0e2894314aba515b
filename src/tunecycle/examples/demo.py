"""The built-in example: the whole tuning cycle on scikit-learn's digits (8x8 images of
handwritten digits, 1797 rows).

Three model families are tuned at once (SVM, k-nearest neighbours, logistic regression: the
family is itself a hyperparameter), each family's library defaults run first as a baseline,
3-fold cross-validation scores each configuration on the search part, and the best
configuration is refitted and tested once on a held-out 20%.  The study lives in SQLite,
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

    try:
        tc.delete_study("digits-demo", storage)  # the demo's own study: start afresh each run
    except tc.StudyNotFoundError:
        pass
    result = tune(
        "sklearn:digits", model=FAMILIES, n_trials=n_trials, validation=Validation("kfold", folds=3),
        storage=storage, study_name="digits-demo", seed=0, output_dir=output_dir,
        progress=progress,
    )
    _print_result(result, storage)
    return result


def _print_result(result, storage: str) -> None:
    done = sorted(result.study.get_trials(["complete"]), key=lambda t: -t.value)
    print(f"\n{len(result.study.trials)} trials, metric {result.metric} (3-fold CV), "
          f"stored in {storage}\n")
    print("leaderboard (top 5):")
    for t in done[:5]:
        params = {k: round(v, 4) if isinstance(v, float) else v for k, v in t.params.items()}
        print(f"  #{t.number:<3} {t.value:.4f}  {params}")
    print(f"\nbest configuration: {result.best_params}")
    print("test metrics (held-out 20%, used once):")
    for name, value in result.test_metrics.items():
        print(f"  {name}: {value:.4f}")
    print("confusion matrix (rows: true digit, columns: predicted):")
    for label, row in zip(result.confusion["labels"], result.confusion["matrix"]):
        print(f"  {label}: " + " ".join(f"{n:3d}" for n in row))
    print(f"\nmodel saved to {result.model_path}")
    print(f"look at the study with: tunecycle trials digits-demo --storage {storage}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--storage", default="sqlite:///tunecycle-demo.db")
    p.add_argument("--trials", type=int, default=30)
    p.add_argument("--output", default="tunecycle-demo-model")
    args = p.parse_args()
    run_demo(args.storage, args.trials, args.output)


if __name__ == "__main__":
    main()
