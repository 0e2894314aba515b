"""Network tests run on the CPU with one thread, small and seeded."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def digits():
    """The 8x8 digits as rows of 64 pixels: (X_train, y_train, X_test, y_test)."""
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    X, y = X[order].astype(np.float32), y[order]
    return X[:1200], y[:1200], X[1200:], y[1200:]
