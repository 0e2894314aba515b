"""Transfer learning with a tuned number of frozen blocks: ``python -m tunecycle.examples.transfer``.

A CNN is pretrained where labels are plentiful (the source), then tuned on a target with a few
labelled images per digit two ways, with the same trial budget: fine-tuning the pretrained
network (``freeze``, the number of blocks kept fixed from the input on, and the learning rate
are tuned) and training the same architecture from scratch (the learning rate is tuned).  Each
epoch reports its validation accuracy, so a median pruner stops poor trials early.  Both best
networks are tested once on every unlabelled target image.  One draw of a few labelled images
is noisy, so this is repeated for ``--draws`` draws and the mean and standard error printed.

Two setups (``--setup``):

- ``bold`` (the default): a shifted domain.  The source is half of the digits (all ten
  classes, every label, as scanned); the target is the other half (other images) drawn with a
  bolder pen: each pixel becomes the largest of its 2x2 neighbourhood.  Same classes, other
  images: what fine-tuning is for, and where it helps (``benchmarks/RESULTS.md``).
- ``split``: the digits 0 to 4 are the source, a few labelled images of 5 to 9 the target
  (other classes).  On the 8x8 digits this shows no gain: a small CNN learns 5 to 9 from a few
  images from scratch as well as, or better than, one pretrained on 0 to 4.

Needs ``pip install 'tunecycle[torch]'``.  CPU is enough: about 15 seconds per draw with the
defaults on one core.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import tunecycle as tc
from tunecycle.integrations.loop import report_and_check

#: the network both ways share (the pretrained one imposes it when fine-tuning)
ARCH = {"n_blocks": 2, "filters": 16, "dense": 64, "dropout": 0.25, "batch_norm": True}
SETUPS = ("bold", "split")
WAYS = ("fine-tuned", "from scratch")


@dataclass(frozen=True)
class Outcome:
    """The best configuration of one way on one draw and its accuracy on the held-out images."""

    way: str
    draw: int
    params: dict[str, Any]
    test_accuracy: float
    pruned: int


def bolder(X: np.ndarray) -> np.ndarray:
    """8x8 digit rows drawn with a bolder pen: each pixel the largest of its 2x2 block (the
    pixel, its right, lower and lower-right neighbours)."""
    img = np.pad(X.reshape(-1, 8, 8), ((0, 0), (0, 1), (0, 1)))
    bold = np.maximum.reduce([img[:, :8, :8], img[:, 1:, :8], img[:, :8, 1:], img[:, 1:, 1:]])
    return bold.reshape(len(X), 64)


def domains(setup: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(source rows and labels, target rows and labels) of a setup."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    if setup == "split":
        return (X[y < 5], y[y < 5]), (X[y >= 5], y[y >= 5])
    if setup != "bold":
        raise tc.UserError(f"setup: one of {', '.join(SETUPS)}, got {setup!r}")
    order = np.random.default_rng(0).permutation(len(X))
    source, target = order[: len(X) // 2], order[len(X) // 2:]
    return (X[source], y[source]), (bolder(X[target]), y[target])


def draw(X: np.ndarray, y: np.ndarray, n_per_class: int, seed: int
         ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A few labelled target images per class for training and as many for validation; the
    rest is the test set."""
    rng = np.random.default_rng(seed)
    train, valid, test = [], [], []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        train += list(rows[:n_per_class])
        valid += list(rows[n_per_class:2 * n_per_class])
        test += list(rows[2 * n_per_class:])
    return {"train": (X[train], y[train]), "valid": (X[valid], y[valid]),
            "test": (X[test], y[test])}


def _tune(way: str, data: dict, source: Any, trials: int, epochs: int, seed: int,
          n_draw: int) -> Outcome:
    from tunecycle.cycle.deep.estimator import NetClassifier
    from tunecycle.pruners import MedianPruner

    (X, y), (Xv, yv) = data["train"], data["valid"]

    def network(trial: Any) -> Any:
        lr = trial.suggest_float("lr", 1e-4, 3e-2, log=True)
        freeze = trial.suggest_int("freeze", 0, 3) if source is not None else 0

        def monitor(est: Any, epoch: int) -> float:
            accuracy = float(np.mean(est.predict(Xv) == yv))
            report_and_check(trial, accuracy, epoch)
            return accuracy

        params = {**ARCH, "lr": lr, "epochs": epochs, "patience": epochs, "batch_size": 16}
        return NetClassifier(family="cnn", params=params, seed=seed, monitor=monitor,
                             init_from=source, freeze=freeze).fit(X, y)

    nets: dict[int, Any] = {}

    def objective(trial: Any) -> float:
        nets[trial.number] = network(trial)  # the best epoch's weights, kept for the test
        return float(np.mean(nets[trial.number].predict(Xv) == yv))

    study = tc.create_study(direction="maximize", sampler="tpe", seed=seed,
                            pruner=MedianPruner(n_startup_trials=2, n_warmup_steps=3))
    study.optimize(objective, n_trials=trials)
    best = study.best_trial
    pruned = sum(t.state.name == "PRUNED" for t in study.trials)
    X_test, y_test = data["test"]
    accuracy = float(np.mean(nets[best.number].predict(X_test) == y_test))  # tested once
    return Outcome(way, n_draw, dict(best.params), accuracy, pruned)


def run(setup: str = "bold", n_per_class: int = 3, trials: int = 8, epochs: int = 40,
        draws: int = 5, seed: int = 0, pretrain_epochs: int = 30) -> list[Outcome]:
    """Pretrain on the source, then for each draw of a few labelled target images tune
    fine-tuning and training from scratch with the same budget, and test both once."""
    import torch

    from tunecycle.cycle.deep.estimator import NetClassifier

    torch.set_num_threads(1)
    (Xs, ys), (Xt, yt) = domains(setup)
    source = NetClassifier(family="cnn", params={**ARCH, "epochs": pretrain_epochs, "lr": 3e-3},
                           seed=seed, validation_fraction=0).fit(Xs, ys)
    outcomes = []
    for n in range(draws):
        data = draw(Xt, yt, n_per_class, seed + 1000 * n)
        outcomes.append(_tune(WAYS[0], data, source, trials, epochs, seed + n, n))
        outcomes.append(_tune(WAYS[1], data, None, trials, epochs, seed + n, n))
    return outcomes


def mean_se(values: list[float]) -> tuple[float, float]:
    """Mean and standard error (0 for a single value)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var / len(values))


def _shown(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in params.items())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=SETUPS, default="bold",
                        help="bold: a shifted domain (default); split: digits 0-4 -> 5-9")
    parser.add_argument("--per-class", type=int, default=3, help="labelled images per digit "
                        "for training (as many again for validation)")
    parser.add_argument("--draws", type=int, default=5, help="draws of the labelled images")
    parser.add_argument("--trials", type=int, default=8, help="trials per way and draw")
    parser.add_argument("--epochs", type=int, default=40, help="most epochs per trial")
    parser.add_argument("--pretrain-epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    outcomes = run(args.setup, args.per_class, args.trials, args.epochs, args.draws, args.seed,
                   args.pretrain_epochs)
    what = {"bold": "source: half of the digits as scanned; target: the other half drawn "
                    "bolder",
            "split": "source: the digits 0-4; target: the digits 5-9"}[args.setup]
    print(f"{what}; {args.per_class} labelled target images per digit (+{args.per_class} for "
          f"validation), {args.trials} trials per way, {args.draws} draws\n")
    print("| draw | way | test accuracy | best params | pruned trials |")
    print("|---|---|---|---|---|")
    for o in outcomes:
        print(f"| {o.draw} | {o.way} | {o.test_accuracy:.3f} | {_shown(o.params)} | "
              f"{o.pruned} |")
    print("\n| way | mean test accuracy ± se |")
    print("|---|---|")
    for way in WAYS:
        mean, se = mean_se([o.test_accuracy for o in outcomes if o.way == way])
        print(f"| {way} | {mean:.3f} ± {se:.3f} |")
    gains = [a.test_accuracy - b.test_accuracy for a, b in zip(outcomes[::2], outcomes[1::2])]
    mean, se = mean_se(gains)
    wins = sum(g > 0 for g in gains)
    print(f"\ngain of transfer learning: {mean:+.3f} ± {se:.3f} accuracy "
          f"(fine-tuning ahead in {wins} of {len(gains)} draws)")


if __name__ == "__main__":
    main()
