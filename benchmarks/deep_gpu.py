"""The GPU path and mixed precision of the CNN family: epoch time and accuracy on the 8x8
digits, on the CPU and on a CUDA GPU in fp32, fp16 (autocast + gradient scaler) and bf16
(autocast), with the same seed and configuration.

    PYTHONPATH=src .venv/bin/python benchmarks/deep_gpu.py --epochs 10 --repeat 3

Without a CUDA GPU it says so and exits with status 0 (nothing is measured).  Prints a
markdown table: device, precision, median seconds per epoch (of ``--repeat`` fits; the first,
warm-up fit of each row is not counted), test accuracy, and the speed-up over the CPU row.
The digits are tiled ``--tile`` times (rows repeated) so that a GPU has enough work per epoch
to show; the test split is never tiled.  CPU threads: ``--threads`` (default 1).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time

import numpy as np


def _data(tile: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float32), y, test_size=0.2, stratify=y, random_state=0)
    return np.tile(X_train, (tile, 1)), np.tile(y_train, tile), X_test, y_test


def _fit(device: str, precision: str, epochs: int, data: tuple) -> tuple[float, float]:
    from tunecycle.cycle.deep.estimator import NetClassifier

    X, y, X_test, y_test = data
    params = {"n_blocks": 2, "filters": 64, "dense": 256, "epochs": epochs,
              "batch_size": 256, "lr": 3e-3, "precision": precision}
    est = NetClassifier(family="cnn", params=params, seed=0, device=device,
                        validation_fraction=0.0)
    start = time.perf_counter()
    est.fit(X, y)
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
    per_epoch = (time.perf_counter() - start) / est.n_epochs_
    return per_epoch, float(np.mean(est.predict(X_test) == y_test))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tile", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("deep_gpu: torch is not installed (pip install 'tunecycle[torch]'); nothing run")
        return 0
    if not torch.cuda.is_available():
        print(f"deep_gpu: no CUDA GPU visible to torch {torch.__version__}; nothing measured "
              "(the GPU path is untested on this machine)")
        return 0
    torch.set_num_threads(args.threads)
    data = _data(args.tile)
    rows = [("cpu", "fp32"), ("cuda", "fp32"), ("cuda", "fp16")]
    if torch.cuda.is_bf16_supported():
        rows.append(("cuda", "bf16"))
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}, "
          f"GPU {torch.cuda.get_device_name(0)}, CPU {platform.processor() or platform.machine()}"
          f" with {args.threads} thread(s); {len(data[0])} training rows, {args.epochs} epochs, "
          f"median of {args.repeat} fits after one warm-up fit")
    print("\n| device | precision | s / epoch | test accuracy | speed-up over CPU |")
    print("|---|---|---|---|---|")
    cpu_time = None
    for device, precision in rows:
        _fit(device, precision, 1, data)  # warm-up: CUDA context, kernels, allocator
        runs = [_fit(device, precision, args.epochs, data) for _ in range(args.repeat)]
        per_epoch = statistics.median(r[0] for r in runs)
        accuracy = statistics.median(r[1] for r in runs)
        if device == "cpu":
            cpu_time = per_epoch
        speed = f"{cpu_time / per_epoch:.1f}x" if cpu_time else "—"
        print(f"| {device} | {precision} | {per_epoch:.4f} | {accuracy:.4f} | {speed} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
