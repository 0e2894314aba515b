"""A tuning run of the CNN family on scikit-learn's 8x8 digits: test accuracy against trials and
wall time.

The cycle as a user runs it (``tc.tune``, held-out test split of 20%, holdout validation of 20%
of the rest, per-epoch reports with the median pruner) with a budget of ``--trials`` trials;
after every ``--every`` trials the best configuration so far is refitted on the search part
and tested once on the held-out split.  Prints a markdown table: trials, search wall time, best validation accuracy,
its test accuracy, epochs run by all trials, pruned trials so far.  The search wall time
is the sum of the trials' own durations (start to finish, as stored); the refit and test of
each row are not in it.

    PYTHONPATH=src .venv/bin/python benchmarks/deep_cnn.py --trials 20 --every 5 --max-epochs 15

Threads are pinned to one (``torch.set_num_threads(1)``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

import tunecycle as tc  # noqa: E402
from tunecycle.cycle.data import load_data  # noqa: E402
from tunecycle.cycle.splits import Validation  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data = load_data("sklearn:digits")
    space = {"cnn": {"epochs": tc.Int(3, args.max_epochs, log=True), "affine.flip": 0.0}}
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"torch threads {torch.get_num_threads()}")
    print("\n| trials | search wall time (s) | best validation accuracy | its test accuracy "
          "| epochs run (all trials) | pruned so far |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        common = dict(model="cnn", validation=Validation("holdout", ratio=0.2), space=space,
                      seed=args.seed, pruner="median", storage=f"sqlite:///{tmp}/bench.db",
                      study_name="bench-cnn")
        done = 0
        while done < args.trials:
            done = min(done + args.every, args.trials)
            result = tc.tune(data, n_trials=done, **common)  # continues the same study
            trials = result.study.trials
            search_time = sum((t.datetime_complete - t.datetime_start).total_seconds()
                              for t in trials)
            pruned = sum(t.state.name == "PRUNED" for t in trials)
            epochs = sum(len(t.intermediate) for t in trials)
            print(f"| {done} | {search_time:.1f} | {result.best_value:.4f} | "
                  f"{result.test_metrics['accuracy']:.4f} | {epochs} | {pruned} |", flush=True)


if __name__ == "__main__":
    main()
