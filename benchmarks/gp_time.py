"""Sampler time per trial of tunecycle's GP and Optuna's GPSampler as the history grows to 200
trials, same problem (Hartmann-6 on [0, 1]^6), same seed, one process, one after the other.

    PYTHONPATH=src .venv/bin/python benchmarks/gp_time.py --trials 200
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import tunecycle as tc  # noqa: E402

A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
              [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(x: np.ndarray) -> float:
    return float(-np.sum(ALPHA * np.exp(-np.sum(A * (x - P) ** 2, axis=1))))


def timed(run) -> list[float]:
    """Seconds between the end of one objective call and the start of the next."""
    gaps: list[float] = []
    last = [time.perf_counter()]

    def objective(x: np.ndarray) -> float:
        gaps.append(time.perf_counter() - last[0])
        value = hartmann6(x)
        last[0] = time.perf_counter()
        return value

    run(objective)
    return gaps


def run_tunecycle(n: int, seed: int):
    space = {f"x{i}": tc.Float(0, 1) for i in range(6)}
    study = tc.create_study(sampler="gp", seed=seed)
    return lambda f: study.optimize(lambda t: f(np.array([t.params[k] for k in space])),
                                    n_trials=n, space=space)


def run_optuna(n: int, seed: int):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
    return lambda f: study.optimize(
        lambda t: f(np.array([t.suggest_float(f"x{i}", 0, 1) for i in range(6)])), n_trials=n)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)  # as the sampler benchmark does: no thread oversubscription
    print(f"Command: `PYTHONPATH=src .venv/bin/python benchmarks/gp_time.py --trials {args.trials}`\n")
    print("| sampler | ms/trial, trials 1-50 | 51-100 | 101-150 | 151-200 (median) | total s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, make in (("tunecycle gp", run_tunecycle), ("optuna GPSampler", run_optuna)):
        gaps = timed(make(args.trials, args.seed))
        cells = [statistics.median(gaps[i:i + 50]) * 1e3 for i in range(0, args.trials, 50)]
        print(f"| {name} | " + " | ".join(f"{c:.1f}" for c in cells) + f" | {sum(gaps):.1f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
