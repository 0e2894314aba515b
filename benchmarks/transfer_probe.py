"""Where does a pretrained CNN help on a few labelled digits?  Fixed hyperparameters, no tuning:
the quick look behind the defaults of ``python -m tunecycle.examples.transfer``.

For each setup of the example (``split``: pretrain on 0-4, target 5-9; ``bold``: pretrain on
half of the digits, target the other half drawn bolder), each number of labelled target images
per class and each of ``--draws`` draws of them, train the example's CNN from scratch and
fine-tune the pretrained one with ``freeze`` 0 (all blocks train), 2 (the convolution blocks
fixed) and 3 (only the new output layer trains), at two learning rates, for a fixed number of
epochs with no validation, and test on every other target image.  Prints a markdown table:
mean test accuracy and standard error over the draws.

    PYTHONPATH=src .venv/bin/python benchmarks/transfer_probe.py --setup split --per-class 1 3 10
    PYTHONPATH=src .venv/bin/python benchmarks/transfer_probe.py --setup split --pretrain-augment

Threads are pinned to one.
"""

from __future__ import annotations

import argparse
import os
import platform

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from tunecycle.cycle.deep.estimator import NetClassifier  # noqa: E402
from tunecycle.examples.transfer import ARCH, SETUPS, domains, draw, mean_se  # noqa: E402

WAYS = {"scratch": None, "freeze=0": 0, "freeze=2": 2, "freeze=3": 3}
AUGMENT = {"augment": "affine", "affine.rotation": 15.0, "affine.translate": 0.1,
           "affine.scale": 0.1, "affine.flip": 0.0, "affine.p": 0.8}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=SETUPS, default="split")
    parser.add_argument("--per-class", type=int, nargs="+", default=[1, 3, 10])
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--lrs", type=float, nargs="+", default=[1e-3, 1e-2])
    parser.add_argument("--pretrain-epochs", type=int, default=30)
    parser.add_argument("--pretrain-augment", action="store_true",
                        help="random affine augmentation while pretraining")
    args = parser.parse_args()
    torch.set_num_threads(1)
    (Xs, ys), (Xt, yt) = domains(args.setup)
    pre = {**ARCH, "epochs": args.pretrain_epochs, "lr": 3e-3,
           **(AUGMENT if args.pretrain_augment else {})}
    source = NetClassifier(family="cnn", params=pre, seed=0, validation_fraction=0).fit(Xs, ys)
    zero_shot = ""
    if args.setup == "bold":  # same classes: the pretrained network can be tested as it is
        zero_shot = f"; the pretrained network as it is: {np.mean(source.predict(Xt) == yt):.3f}"
    print(f"setup {args.setup}, pretrain {args.pretrain_epochs} epochs"
          f"{' with augmentation' if args.pretrain_augment else ''}, {args.epochs} epochs per "
          f"fit, {args.draws} draws; {platform.processor() or platform.machine()}{zero_shot}\n")
    print("| labelled per class | way | lr | test accuracy (mean ± se) |")
    print("|---|---|---|---|")
    for k in args.per_class:
        for way, freeze in WAYS.items():
            for lr in args.lrs:
                scores = []
                for n in range(args.draws):
                    data = draw(Xt, yt, k, 1000 * n)
                    (X, y), (X_test, y_test) = data["train"], data["test"]
                    X_test = np.concatenate([X_test, data["valid"][0]])  # no validation here
                    y_test = np.concatenate([y_test, data["valid"][1]])
                    params = {**ARCH, "epochs": args.epochs, "lr": lr, "batch_size": 16}
                    transfer = {} if freeze is None else {"init_from": source,
                                                          "freeze": freeze}
                    est = NetClassifier(family="cnn", params=params, seed=n,
                                        validation_fraction=0, **transfer).fit(X, y)
                    scores.append(float(np.mean(est.predict(X_test) == y_test)))
                mean, se = mean_se(scores)
                print(f"| {k} | {way} | {lr:g} | {mean:.3f} ± {se:.3f} |", flush=True)


if __name__ == "__main__":
    main()
