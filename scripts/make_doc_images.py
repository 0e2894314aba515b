"""Draw one PNG of each plot kind into docs/images/ from a real, demo-like study.

The study is the built-in example's cycle (SVM, k-NN and logistic regression on scikit-learn's
digits, 3-fold cross-validation, a soft-voting ensemble of the five best) with a pruner that
stops trials in the worst quarter at a fold, so that the intermediate-values plot shows pruned
trials.  It runs in memory; nothing else is
written.  Needs the ml and viz extras::

    .venv/bin/python scripts/make_doc_images.py [--trials 40] [--out docs/images]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # a 2-core machine shared with other work
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=40)
    p.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "images"))
    args = p.parse_args()

    from tunecycle.cycle.runner import tune
    from tunecycle.cycle.splits import Validation
    from tunecycle.pruners import PercentilePruner
    from tunecycle.viz.plots import PLOTS, save

    result = tune("sklearn:digits", model=["svm", "knn", "logistic"], n_trials=args.trials,
                  validation=Validation("kfold", folds=3),
                  pruner=PercentilePruner(percentile=75.0),
                  study_name="digits-docs", seed=0, ensemble="voting", ensemble_size=5)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for kind, (draw, _) in PLOTS.items():
        path = save(draw(result.study, None), out / f"{kind}.png")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
