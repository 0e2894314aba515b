"""Quasi-random search with scrambled Sobol points (those of scipy.stats.qmc, computed by
:mod:`tunecycle.samplers.sobol` without importing scipy) or Halton points (scipy.stats.qmc).

Trial number ``n`` takes the ``n``-th point of the study's sequence, so workers sharing a
store never repeat a point and need no shared counter.  The scramble is fixed by the seed (one
is drawn and stored with the study when none is given).  Define-by-run parameters outside the
joint space fall back to uniform random draws.  The scramble is derived from the seed when
the first point is drawn (and again if the seed changes), so a seed that ``create_study`` gives
an instance made without one counts.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunecycle.compat.samplers import QMC_ARGS, optuna_options
from tunecycle.errors import UserError
from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.samplers.sobol import ScrambledSobol, sobol_engine
from tunecycle.space import Param, ParamValue, Space


class QMCSampler(Sampler):
    name = "qmc"
    multi_objective = True  # it never reads the values

    def __init__(
        self,
        seed: int | None = None,
        *,
        qmc_type: str = "sobol",
        scramble: bool = True,
        **optuna: Any,
    ):
        """``qmc_type``: ``"sobol"`` or ``"halton"``; ``scramble``: randomise the sequence by
        the seed (tunecycle's default; Optuna's is ``scramble=False``, which starts at the
        lower bounds).  ``**optuna``: Optuna's ``independent_sampler`` (for define-by-run
        parameters outside the joint space) and its warning switches."""
        super().__init__(seed)
        opts = optuna_options("QMCSampler", optuna, QMC_ARGS)
        if not isinstance(qmc_type, str) or qmc_type.lower() not in ("sobol", "halton"):
            raise UserError(f"QMCSampler: qmc_type must be 'sobol' or 'halton', got "
                            f"{qmc_type!r}")
        if not isinstance(scramble, bool):
            raise UserError(f"QMCSampler: scramble must be True or False, got {scramble!r}")
        self.qmc_type = qmc_type.lower()
        self.scramble = scramble
        #: the sampler of define-by-run parameters outside the joint space (None: uniform)
        self.independent_sampler: Sampler | None = opts.get("independent_sampler")
        self._scramble: tuple[int | None, int] | None = None  # (seed it came from, scramble)
        self._points: dict[int, np.ndarray] = {}
        self._engines: dict[int, Any] = {}

    def _scramble_seed(self) -> int:
        if self._scramble is None or self._scramble[0] != self.seed:
            self._scramble = (self.seed, int(np.random.default_rng(self.seed).integers(2**31)))
            self._points.clear()
            self._engines.clear()
        return self._scramble[1]

    def _point(self, dim: int, index: int) -> np.ndarray:
        scramble = self._scramble_seed()
        pts = self._points.get(dim)
        if pts is None or index >= len(pts):
            engine = self._engines.get(dim)
            if engine is None:
                engine = self._engines[dim] = self._engine(dim, scramble)
                pts = np.empty((0, dim))
            want = max(2 * len(pts), 64, index + 1)
            if isinstance(engine, ScrambledSobol):
                more = engine.points(np.arange(len(pts), want))
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # balance warnings for non-powers of two
                    more = engine.random(want - len(pts))
            pts = np.vstack([pts, more])
            self._points[dim] = pts
        return pts[index]

    def _engine(self, dim: int, scramble: int) -> Any:
        """Sobol points from :mod:`tunecycle.samplers.sobol` (the same as scipy's, without
        importing ``scipy.stats``); Halton points, or Sobol where its table cannot be read,
        from ``scipy.stats.qmc``."""
        if self.qmc_type == "sobol":
            engine = sobol_engine(dim, scramble, self.scramble)
            if engine is not None:
                return engine
        from scipy.stats import qmc

        kind = qmc.Sobol if self.qmc_type == "sobol" else qmc.Halton
        return kind(dim, scramble=self.scramble, seed=scramble)

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        return [space.from_unit(self._point(len(space), ctx.number)) for ctx in contexts]

    def propose_param(
        self, name: str, param: Param, history: History, context: TrialContext
    ) -> ParamValue:
        if self.independent_sampler is not None:
            return self.independent_sampler.propose_param(name, param, history, context)
        return super().propose_param(name, param, history, context)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "qmc_type": self.qmc_type, "scramble": self.scramble}
