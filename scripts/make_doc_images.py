"""Draw one PNG of each plot kind into docs/images/ from a real, demo-like study.

The study is the built-in example's cycle (SVM, k-NN and logistic regression on scikit-learn's
digits, 3-fold cross-validation, a soft-voting ensemble of the five best) with a pruner that
stops trials in the worst quarter at a fold, so that the intermediate-values plot shows pruned
trials.  The pictures of several objectives (``front.png``, ``front3.png``,
``hypervolume.png``, ``objectives.png``) come from two small studies of an objective with a
constraint (``--only-multi`` draws just those, in seconds).  It runs in memory; nothing else is
written.  Needs the ml and viz extras::

    .venv/bin/python scripts/make_doc_images.py [--trials 40] [--out docs/images] [--only-multi]
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
    p.add_argument("--only-multi", action="store_true",
                   help="draw only the pictures of several objectives")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    multi_objective_images(out)
    if args.only_multi:
        return

    from tunecycle.cycle.runner import tune
    from tunecycle.cycle.splits import Validation
    from tunecycle.pruners import PercentilePruner
    from tunecycle.viz.plots import PLOTS, save

    result = tune("sklearn:digits", model=["svm", "knn", "logistic"], n_trials=args.trials,
                  validation=Validation("kfold", folds=3),
                  pruner=PercentilePruner(percentile=75.0),
                  study_name="digits-docs", seed=0, ensemble="voting", ensemble_size=5)
    for kind, (draw, _) in PLOTS.items():
        if kind in ("hypervolume", "objectives"):  # pictures of several objectives: above
            continue
        path = save(draw(result.study, None), out / f"{kind}.png")
        print(f"wrote {path}")


def multi_objective_images(out: Path) -> None:
    """A network's accuracy against its size (at most 1 MB: a constraint), and a third
    objective, its latency; random search, 80 trials each."""
    import tunecycle as tc
    from tunecycle.viz import plots

    def objective(trial: tc.Trial) -> tuple[float, float, float]:
        width = trial.suggest_int("width", 8, 512, log=True)
        depth = trial.suggest_int("depth", 1, 6)
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        accuracy = 1 - 1 / width - 0.02 * abs(depth - 3) - (dropout - 0.2) ** 2
        size_kb = 4 * width * depth ** 0.5
        trial.set_constraints([size_kb - 1024])
        return accuracy, size_kb, 0.3 * depth + width / 200

    studies = {}
    for k, names in ((2, ["accuracy", "size_kb"]), (3, ["accuracy", "size_kb", "latency_ms"])):
        study = tc.create_study(directions=["maximize", "minimize", "minimize"][:k],
                                sampler="random", seed=0)
        study.optimize(lambda t, k=k: objective(t)[:k], n_trials=80)
        study.set_metric_names(names)
        studies[k] = study
    for name, fig in (("front", plots.plot_front(studies[2])),
                      ("front3", plots.plot_front(studies[3])),
                      ("hypervolume", plots.plot_hypervolume(studies[2])),
                      ("objectives", plots.plot_objectives(studies[2]))):
        print(f"wrote {plots.save(fig, out / f'{name}.png')}")


if __name__ == "__main__":
    main()
