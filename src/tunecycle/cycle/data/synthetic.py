"""Synthetic sets generated here, seeded and offline: ``synthetic:sequences`` (a sequence task
that needs the order of the steps), its options and their checks.

Not here: scikit-learn's sets (``sklearn_sets``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tunecycle.cycle.data.dataset import Task
from tunecycle.cycle.data.query import _parse_query
from tunecycle.cycle.errors import DataError

#: synthetic sets generated here (seeded, offline): name -> (task, options and defaults)
SYNTHETIC: dict[str, dict[str, Any]] = {
    "sequences": {"n_samples": 600, "length": 24, "n_features": 2, "n_classes": 3,
                  "noise": 0.3, "random_state": 0},
}


def _load_synthetic(source: str, options: dict[str, Any], task: Task | None
                    ) -> tuple[pd.DataFrame, pd.Series, tuple[int, ...], Task]:
    base, _, query = source.partition("?")
    set_name = base[len("synthetic:"):]
    if set_name not in SYNTHETIC:
        raise DataError(f"source: unknown synthetic set {set_name!r}; known: "
                        + ", ".join(f"synthetic:{k}" for k in SYNTHETIC))
    if query:
        for key, value in _parse_query(source, query).items():
            if key in options:
                raise DataError(f"{key}: given both in the query string and as an option")
            options[key] = value
    unknown = sorted(set(options) - set(SYNTHETIC[set_name]))
    if unknown:
        raise DataError(f"{unknown[0]}: not an option of {base}; options are "
                        f"{', '.join(SYNTHETIC[set_name])}")
    kw = {**SYNTHETIC[set_name], **options}
    for key in ("n_samples", "length", "n_features", "n_classes", "random_state"):
        value = kw[key]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0 or (
                key != "random_state" and value < (2 if key == "n_classes" else 1)):
            raise DataError(f"{key}: must be a positive integer (n_classes at least 2), "
                            f"got {value!r}")
    if not isinstance(kw["noise"], (int, float)) or isinstance(kw["noise"], bool) or not (
            0 <= kw["noise"] < 10):
        raise DataError(f"noise: must be a number in [0, 10), got {kw['noise']!r}")
    if task not in (None, "classification", "regression"):
        raise DataError(f"task: {base} is a classification or regression set, not {task}")
    X, y = sequences(kw["n_samples"], kw["length"], kw["n_features"], kw["n_classes"],
                     float(kw["noise"]), np.random.default_rng(kw["random_state"]),
                     regression=task == "regression")
    frame = pd.DataFrame(X.reshape(len(X), -1),
                         columns=[f"t{t}_f{f}" for t in range(kw["length"])
                                  for f in range(kw["n_features"])])
    return frame, pd.Series(y, name="target"), (kw["length"], kw["n_features"]), (
        task or "classification")


def sequences(n_samples: int, length: int, n_features: int, n_classes: int, noise: float,
              rng: np.random.Generator, regression: bool = False) -> tuple[np.ndarray, Any]:
    """A sequence task that needs the order of the steps: each sequence is noise plus one bump
    (a short pulse on feature 0, an echo of it on the others); the class is the part of the
    sequence (first, second, ... of ``n_classes`` equal parts) where the bump sits, and for
    regression the target is the bump's position as a share of the length.  Shape
    ``(n_samples, length, n_features)``."""
    X = rng.normal(0.0, noise, size=(n_samples, length, n_features))
    position = rng.integers(0, length, size=n_samples)
    width = max(1, length // 12)
    steps = np.arange(length)
    for i, pos in enumerate(position):
        bump = np.exp(-0.5 * ((steps - pos) / width) ** 2)
        X[i, :, 0] += bump
        for f in range(1, n_features):
            X[i, :, f] += 0.5 * np.roll(bump, f)
    if regression:
        return X, position / max(length - 1, 1)
    return X, np.minimum(position * n_classes // length, n_classes - 1)
