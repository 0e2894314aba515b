"""Transfer learning with a tuned number of frozen blocks: ``python -m tunecycle.examples.transfer``.

1. Pretrain a CNN on the digits 0 to 4 (every row of them).
2. Take a few labelled images of each of the digits 5 to 9 (``--per-class``, default 10 for
   training and as many for validation).
3. Tune two ways with the same trial budget: fine-tuning the pretrained network (``freeze``,
   the number of blocks kept fixed from the input on, and the learning rate are tuned) and
   training the same architecture from scratch (learning rate tuned).  Each epoch reports its
   validation accuracy, so a median pruner stops poor trials early.
4. Test both best networks once on every other image of 5 to 9, and print the gain.

Needs ``pip install 'tunecycle[torch]'``.  CPU is enough (about a minute with the defaults).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import numpy as np

import tunecycle as tc
from tunecycle.integrations.loop import report_and_check

#: the network both ways share (the pretrained one imposes it when fine-tuning)
ARCH = {"n_blocks": 2, "filters": 16, "dense": 64, "dropout": 0.25, "batch_norm": True}


@dataclass(frozen=True)
class Outcome:
    """The best configuration of one way and its accuracy on the held-out images."""

    way: str
    params: dict[str, Any]
    test_accuracy: float
    pruned: int


def _split(n_per_class: int, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    rng = np.random.default_rng(seed)
    low = y < 5
    train, valid, test = [], [], []
    for digit in range(5, 10):
        rows = rng.permutation(np.flatnonzero(y == digit))
        train += list(rows[:n_per_class])
        valid += list(rows[n_per_class:2 * n_per_class])
        test += list(rows[2 * n_per_class:])
    return {"pretrain": (X[low], y[low]), "train": (X[train], y[train]),
            "valid": (X[valid], y[valid]), "test": (X[test], y[test])}


def _tune(way: str, data: dict, source: Any, trials: int, epochs: int, seed: int) -> Outcome:
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
    return Outcome(way, dict(best.params), accuracy, pruned)


def run(n_per_class: int = 10, trials: int = 8, epochs: int = 30, seed: int = 0,
        pretrain_epochs: int = 15) -> list[Outcome]:
    """Pretrain on 0-4, then tune fine-tuning and training from scratch on a few 5-9 images."""
    import torch

    from tunecycle.cycle.deep.estimator import NetClassifier

    torch.set_num_threads(1)
    data = _split(n_per_class, seed)
    source = NetClassifier(family="cnn", params={**ARCH, "epochs": pretrain_epochs, "lr": 3e-3},
                           seed=seed).fit(*data["pretrain"])
    return [_tune("fine-tuned (pretrained on 0-4)", data, source, trials, epochs, seed),
            _tune("from scratch", data, None, trials, epochs, seed)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=10, help="labelled images per digit")
    parser.add_argument("--trials", type=int, default=8, help="trials per way")
    parser.add_argument("--epochs", type=int, default=30, help="most epochs per trial")
    parser.add_argument("--pretrain-epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    outcomes = run(args.per_class, args.trials, args.epochs, args.seed, args.pretrain_epochs)
    print(f"digits 5-9 with {args.per_class} labelled images per digit "
          f"(+{args.per_class} for validation), {args.trials} trials each\n")
    print("| way | test accuracy | best params | pruned trials |")
    print("|---|---|---|---|")
    for o in outcomes:
        shown = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in o.params.items())
        print(f"| {o.way} | {o.test_accuracy:.3f} | {shown} | {o.pruned} |")
    gain = outcomes[0].test_accuracy - outcomes[1].test_accuracy
    print(f"\ngain of transfer learning: {gain:+.3f} accuracy")


if __name__ == "__main__":
    main()
