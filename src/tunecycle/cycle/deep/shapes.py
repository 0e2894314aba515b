"""The input shape of a network from the data's width: an mlp's rows, a cnn's images (given,
``(H, W)`` with one channel, or a square), a sequence's ``(steps, features)``.

Not here: the networks (``nets``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tunecycle.errors import UserError


def _input_shape(family: str, n_features: int, given: Sequence[int] | None) -> tuple[int, ...]:
    if given is not None:
        shape = tuple(int(s) for s in given)
        if int(np.prod(shape)) != n_features or not shape or min(shape) < 1:
            raise UserError(f"input_shape: {shape} does not hold the {n_features} features")
    else:
        shape = (n_features,)
    if family == "mlp":
        return (n_features,)
    if family == "cnn":
        if len(shape) == 3:
            return shape
        if len(shape) == 2:
            return (1, *shape)
        side = int(round(n_features**0.5))
        if side * side != n_features:
            raise UserError(f"input_shape: a cnn cannot tell the image shape of {n_features} "
                            "features; give input_shape=(C, H, W) or load N x H x W arrays")
        return (1, side, side)
    if len(shape) == 2:
        return shape
    if len(shape) == 1:
        return (shape[0], 1)
    raise UserError(f"input_shape: a sequence is (steps, features), got {shape}")
