"""Quasi-random search with scrambled Sobol points (scipy.stats.qmc).

Trial number ``n`` takes the ``n``-th point of the study's sequence, so workers sharing a
store never repeat a point and need no shared counter.  The scramble is fixed by the seed (one
is drawn and stored with the study when none is given).  Define-by-run parameters outside the
joint space fall back to uniform random draws.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.space import ParamValue, Space


class QMCSampler(Sampler):
    name = "qmc"

    def __init__(self, seed: int | None = None):
        super().__init__(seed)
        self._scramble_seed = int(np.random.default_rng(seed).integers(2**31))
        self._points: dict[int, np.ndarray] = {}
        self._engines: dict[int, Any] = {}

    def _point(self, dim: int, index: int) -> np.ndarray:
        pts = self._points.get(dim)
        if pts is None or index >= len(pts):
            from scipy.stats import qmc

            engine = self._engines.get(dim)
            if engine is None:
                engine = self._engines[dim] = qmc.Sobol(
                    dim, scramble=True, seed=self._scramble_seed
                )
                pts = np.empty((0, dim))
            want = max(2 * len(pts), 64, index + 1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # balance warnings for non-powers of two
                more = engine.random(want - len(pts))
            pts = np.vstack([pts, more])
            self._points[dim] = pts
        return pts[index]

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        return [space.from_unit(self._point(len(space), ctx.number)) for ctx in contexts]

