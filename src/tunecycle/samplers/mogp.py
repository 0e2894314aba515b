"""Gaussian-process BO for several objectives: one GP per objective (and per constraint) and
log expected hypervolume improvement, for small budgets.

How a proposal is made (the model machinery is :mod:`tunecycle.samplers.gp`'s):

- **Start-up.**  As the single-objective GP: the first ``n_startup`` trials (default
  ``min(10, 2 d + 2)``), or any while fewer than two complete trials exist, take the scrambled
  Sobol point of their trial number.
- **Models.**  Each objective's losses over the complete trials (feasible or not) are
  transformed as in ``gp.transform_losses`` and get their own GP (same kernel, priors and MAP
  fit, each with its own warm start).  Each constraint gets a GP of its standardised values;
  the probability that a point is feasible is the product of ``P(c_i <= 0)``.
- **Acquisition.**  The expected hypervolume improvement, in the models' (transformed) loss
  space, over the front of the feasible complete trials, with the reference point 10% of the
  feasible trials' range beyond their worst loss in each objective.  The region the front does
  not dominate is cut into boxes (a grid over the front's coordinates on all but the last
  objective, one interval on the last); with independent Gaussian objectives each box's
  expected improvement is a product of one-dimensional terms ``g(u) - g(l)``, ``g(c) = E[(c -
  Y)^+]``, so the whole is exact and taken in log space (``gp.log_h``): far from the front it
  does not underflow to a flat zero.  Constraints add ``log P(feasible)``; while no trial is
  feasible the acquisition is that log probability alone.  A front too large for the grid
  (more than ``_MAX_BOXES`` boxes) keeps its points of largest hypervolume contribution.
- **Search.**  Scrambled Sobol candidates plus perturbations of front trials, snapped to
  feasible configurations; the best few are refined by L-BFGS-B over their active continuous
  dims (finite-difference gradients of the vectorised acquisition).
- **Parallel.**  As ``gp``: running trials and earlier members of a batch are fantasised
  (objectives: kriging believer no better than the median observation; constraints: their
  posterior mean), and each proposal keeps ``0.05 * sqrt(d)`` from each of them.
- **No repeats**: as ``gp``.

One objective: the proposal is :class:`~tunecycle.samplers.gp.GPSampler`'s.  Not done:
pruned trials, warm starts (``history.prior``) and failed trials are ignored; each ask refits
every model, O(n^3) in the trials, so it is meant for the first hundred or so trials
(``auto`` hands over to MOTPE after that).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.samplers.gp import GPSampler
from tunecycle.samplers.gp_model import (
    GP,
    Encoder,
    Prior,
    believe,
    decode,
    fit_hyperparameters,
    log1mexp,
    log_h,
    transform_losses,
)
from tunecycle.samplers.gp_search import best_untaken, random_untaken
from tunecycle.samplers.observe import Observations, Observer, encode
from tunecycle.samplers.qmc import QMCSampler
from tunecycle.space import Param, ParamValue, Space
from tunecycle.untried import Taken, TakenLog

_N_REFINE = 5  # candidates refined by L-BFGS-B
_N_FRONT = 10  # front trials whose neighbourhoods are searched
_PER_FRONT = 32  # perturbations per front trial
_MAX_BOXES = 2500  # boxes of the non-dominated region at most (the front is cut to fit)
_CHUNK = 256  # candidates per block of the box sums
_FD_STEP = 1e-5  # finite-difference step of the refinement


class MOGPSampler(Sampler):
    """GP BO for several objectives: a GP per objective and constraint, log EHVI."""

    name = "mogp"
    multi_objective = True

    def __init__(
        self,
        seed: int | None = None,
        *,
        n_startup: int | None = None,
        noisy: bool = False,
        n_candidates: int = 2048,
    ):
        super().__init__(seed)
        if n_startup is not None and (isinstance(n_startup, bool) or not isinstance(
                n_startup, int) or n_startup < 0):
            raise ValueError(f"n_startup: must be a non-negative integer, got {n_startup!r}")
        if isinstance(n_candidates, bool) or not isinstance(n_candidates, int) \
                or n_candidates < 1:
            raise ValueError(f"n_candidates: must be a positive integer, got {n_candidates!r}")
        self.n_startup = n_startup
        self.noisy = bool(noisy)
        self.n_candidates = n_candidates
        self._observer = Observer()
        self._qmc: QMCSampler | None = None
        self._single: GPSampler | None = None
        self._warm: dict[tuple[str, str, int], np.ndarray] = {}  # last theta per model
        self._tried = TakenLog()  # configurations not to propose again (as the GP's)

    # -- the interface ---------------------------------------------------------------------
    def parts(self) -> Sequence[Sampler]:
        return [self._single] if self._single is not None else []

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        if len(history.directions) == 1:
            return self._single_sampler().propose(space, history, contexts)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return self._propose(space, history, contexts)

    def propose_param(
        self, name: str, param: Param, history: History, context: TrialContext
    ) -> ParamValue:
        return super().propose_param(name, param, history, context)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "n_startup": self.n_startup,
                "n_candidates": self.n_candidates}

    # -- steps -----------------------------------------------------------------------------
    def _single_sampler(self) -> GPSampler:
        if self._single is None:
            self._single = GPSampler(self.seed, n_startup=self.n_startup, noisy=self.noisy,
                                     n_candidates=self.n_candidates)
        self._single.noisy = self.noisy
        return self._single

    def _propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        if not len(space):
            return [{} for _ in contexts]
        obs = self._observer.observe(space, history)
        enc = Encoder(space)
        taken = self._tried.of(space, history, running_only=self.noisy)
        startup = self.n_startup if self.n_startup is not None else min(10, 2 * len(space) + 2)
        modelled = obs.n >= 2 and any(c.number >= startup for c in contexts)
        model = self._fit(space, enc, obs, history, contexts[0].rng) if modelled else None
        if model is not None and len(obs.pending_x):
            model = model.fantasise(enc.features(enc.snap(obs.pending_x)))
        avoid = [enc.snap(obs.pending_x)] if len(obs.pending_x) else []
        out = []
        for ctx in contexts:
            if model is None or ctx.number < startup:
                u = self._startup_point(space, history, ctx)
            else:
                u = self._best_point(enc, obs, model, taken, ctx.rng,
                                     np.vstack(avoid) if avoid else None)
            if decode(space, u) in taken:
                u = random_untaken(space, enc, taken, ctx.rng)
            taken.add(decode(space, u))
            if model is not None and len(contexts) > 1:
                model = model.fantasise(enc.features(u[None, :]))
                avoid.append(u[None, :])
            out.append(space.from_unit(np.nan_to_num(u, nan=0.5)))
        return out

    def _startup_point(self, space: Space, history: History, ctx: TrialContext) -> np.ndarray:
        if self._qmc is None or self._qmc.seed != self.seed:
            self._qmc = QMCSampler(self.seed)
        return encode(space, self._qmc.propose(space, history, [ctx])[0])

    def _fit(self, space: Space, enc: Encoder, obs: Observations, history: History,
             rng: np.random.Generator) -> _Models:
        x = enc.features(enc.snap(obs.x))
        prior = Prior.make(enc.width, self.noisy)
        key = space.to_json()
        ys = [transform_losses(obs.losses[:, j]) for j in range(obs.losses.shape[1])]
        objectives = [self._gp(x, y, prior, (key, "f", j), rng) for j, y in enumerate(ys)]
        cons, limits = [], []
        values = _constraint_values(obs, history)
        for j in range(values.shape[1]):
            col = values[:, j]
            scale = col.std()
            if scale <= 1e-12 * (1.0 + abs(col.mean())):
                continue  # the same value everywhere: nothing to model
            y = (col - col.mean()) / scale
            cons.append(self._gp(x, y, prior, (key, "c", j), rng))
            limits.append(-col.mean() / scale)
        feasible = obs.violation <= 0
        return _Models(objectives, cons, np.array(limits), np.column_stack(ys)[feasible])

    def _gp(self, x: np.ndarray, y: np.ndarray, prior: Prior, key: tuple[str, str, int],
            rng: np.random.Generator) -> GP:
        starts = [prior.mean, prior.mean + prior.sd * rng.standard_normal(len(prior.mean))]
        if key in self._warm:
            starts.append(self._warm[key])
        theta = fit_hyperparameters(x, y, prior, starts, n_runs=2 if len(y) <= 100 else 1)
        self._warm[key] = theta
        return GP(x, y, theta)

    def _best_point(self, enc: Encoder, obs: Observations, model: _Models, taken: Taken,
                    rng: np.random.Generator, avoid: np.ndarray | None) -> np.ndarray:
        u = enc.snap(self._candidates(enc, obs, rng))
        acq = model.acquisition(enc.features(u))
        return best_untaken(u, acq, taken, avoid, lambda i: _refine(enc, model, u[i], acq[i]),
                            _N_REFINE)

    def _candidates(self, enc: Encoder, obs: Observations, rng: np.random.Generator
                    ) -> np.ndarray:
        """Sobol points over the cube, and perturbations of (up to ``_N_FRONT``) trials of the
        feasible front (of the least violating trials while none is feasible)."""
        from scipy.stats import qmc

        from tunecycle.pareto import nondominated

        d = len(enc.codes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sobol = qmc.Sobol(d, scramble=True, seed=rng).random(self.n_candidates)
        feasible = np.flatnonzero(obs.violation <= 0)
        if len(feasible):
            front = feasible[nondominated(obs.losses[feasible])]
        else:
            front = np.argsort(obs.violation, kind="stable")[:_N_FRONT]
        if len(front) > _N_FRONT:
            front = rng.choice(front, _N_FRONT, replace=False)
        base = np.repeat(obs.x[front], _PER_FRONT, axis=0)
        base = np.where(np.isnan(base), rng.random(base.shape), base)
        scale = rng.choice([0.01, 0.05, 0.2], size=(len(base), 1))
        local = base + scale * rng.standard_normal(base.shape)
        jump = rng.random(base.shape) < 1.0 / d
        local = np.where(jump, rng.random(base.shape), local)
        return np.vstack([sobol, np.clip(local, 0.0, 1.0)])


def _constraint_values(obs: Observations, history: History) -> np.ndarray:
    """The complete trials' constraint values (rows as ``obs.x``; no columns when no trial has
    constraints).  A trial without them counts as satisfying each one (value 0)."""
    by_number = {t.number: t.constraints for t in history.trials}
    rows = [by_number.get(int(n)) for n in obs.numbers]
    width = max((len(r) for r in rows if r is not None), default=0)
    out = np.zeros((len(rows), width))
    for i, r in enumerate(rows):
        if r is not None:
            out[i, : len(r)] = r
    return out


class _Models:
    """The objectives' and constraints' GPs and the feasible observed losses (model space)."""

    def __init__(self, objectives: list[GP], cons: list[GP], limits: np.ndarray,
                 feasible_y: np.ndarray):
        self.objectives, self.cons, self.limits = objectives, cons, limits
        self.lies = [float(np.median(gp.y)) for gp in objectives]
        self.lower, self.upper = box_decomposition(feasible_y)

    def fantasise(self, f: np.ndarray) -> _Models:
        """The models with fantasised observations at rows ``f`` (running trials, earlier
        members of a batch); the front is unchanged."""
        new = object.__new__(_Models)
        new.__dict__.update(self.__dict__)
        new.objectives = [believe(gp, f, lie) for gp, lie in zip(self.objectives, self.lies)]
        new.cons = [gp.condition(f, gp.predict(f)[0]) for gp in self.cons]
        return new

    def acquisition(self, f: np.ndarray) -> np.ndarray:
        """log EHVI + log P(feasible) at rows ``f`` (log P(feasible) alone without a feasible
        trial)."""
        out = np.zeros(len(f))
        for gp, limit in zip(self.cons, self.limits):
            from scipy.special import log_ndtr

            mean, std = gp.predict(f)
            out += log_ndtr((limit - mean) / std)
        if len(self.lower):
            preds = [gp.predict(f) for gp in self.objectives]
            mean = np.column_stack([p[0] for p in preds])
            std = np.column_stack([p[1] for p in preds])
            out += log_ehvi(mean, std, self.lower, self.upper)
        return out


def box_decomposition(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes ``[lower, upper)`` covering the region below the reference point that
    the non-dominated ``points`` (losses) do not dominate; lower bounds may be -inf.  The
    reference is 10% of the points' range beyond their worst value per objective.  Empty
    arrays for no points."""
    from tunecycle.pareto import hypervolume_contributions, nondominated

    pts = np.asarray(points, dtype=float)
    if len(pts) == 0:
        return np.empty((0, 0)), np.empty((0, 0))
    k = pts.shape[1]
    low, high = pts.min(axis=0), pts.max(axis=0)
    ref = high + 0.1 * np.maximum(high - low, 1e-9)
    front = np.unique(pts[nondominated(pts)], axis=0)
    limit = max(1, int(_MAX_BOXES ** (1.0 / max(k - 1, 1))) - 1)
    if len(front) > limit:  # too many boxes: the points that add most
        gain = hypervolume_contributions(front, ref)
        front = front[np.sort(np.argsort(-gain, kind="stable")[:limit])]
    edges = [np.concatenate([[-np.inf], np.unique(front[:, a]), [ref[a]]]) for a in range(k - 1)]
    grids = np.meshgrid(*[e[:-1] for e in edges], indexing="ij")
    tops = np.meshgrid(*[e[1:] for e in edges], indexing="ij")
    lower = np.column_stack([g.ravel() for g in grids] + [np.full(grids[0].size, -np.inf)])
    upper = np.column_stack([t.ravel() for t in tops] + [np.full(grids[0].size, ref[-1])])
    # the last objective's top: below every front point that dominates the cell elsewhere
    covers = np.all(front[None, :, : k - 1] <= lower[:, None, : k - 1], axis=2)
    last = np.where(covers, front[None, :, -1], np.inf).min(axis=1)
    upper[:, -1] = np.minimum(ref[-1], last)
    keep = upper[:, -1] > -np.inf
    return lower[keep], upper[keep]


def _log_g(c: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """log E[(c - Y)^+] for Y ~ N(mean, std^2); -inf where c is -inf."""
    finite = np.isfinite(c)
    z = np.where(finite, (np.where(finite, c, 0.0) - mean) / std, 0.0)
    return np.where(finite, log_h(z) + np.log(std), -np.inf)


def log_ehvi(mean: np.ndarray, std: np.ndarray, lower: np.ndarray, upper: np.ndarray
             ) -> np.ndarray:
    """log expected hypervolume improvement of independent Gaussian losses ``(mean, std)``
    (rows: points, columns: objectives) over the boxes ``[lower, upper)``: per box the product
    over objectives of ``E[(u - max(Y, l))^+] = g(u) - g(l)``, summed over boxes, in logs."""
    from scipy.special import logsumexp

    out = np.empty(len(mean))
    for s in range(0, len(mean), _CHUNK):
        m, sd = mean[s: s + _CHUNK, None, :], std[s: s + _CHUNK, None, :]
        with np.errstate(all="ignore"):
            lu = _log_g(upper[None, :, :], m, sd)
            ll = _log_g(lower[None, :, :], m, sd)
            term = np.where(np.isneginf(lu), -np.inf,
                            lu + log1mexp(np.minimum(ll - lu, -1e-300)))
        out[s: s + _CHUNK] = logsumexp(term.sum(axis=2), axis=1)
    return np.where(np.isnan(out), -np.inf, out)


def _refine(enc: Encoder, model: _Models, u: np.ndarray, acq: float
            ) -> tuple[np.ndarray, float]:
    """Climb the acquisition from ``u`` over its active continuous dims (finite-difference
    gradients, one vectorised evaluation per step); other dims stay fixed."""
    from scipy.optimize import minimize

    dims = [j for j in enc.continuous if not np.isnan(u[j])]
    if not dims or not np.isfinite(acq):
        return u, acq

    def negative(z: np.ndarray) -> tuple[float, np.ndarray]:
        pts = np.repeat(u[None, :], len(dims) + 1, axis=0)
        pts[:, dims] = z
        step = np.where(z + _FD_STEP <= 1.0, _FD_STEP, -_FD_STEP)
        pts[1 + np.arange(len(dims)), dims] += step
        values = model.acquisition(enc.features(pts))
        if not np.all(np.isfinite(values)):
            return -float(values[0]) if np.isfinite(values[0]) else 1e10, np.zeros(len(dims))
        return -float(values[0]), -(values[1:] - values[0]) / step

    res = minimize(negative, u[dims], jac=True, method="L-BFGS-B",
                   bounds=[(0.0, 1.0)] * len(dims), options={"maxiter": 30})
    if not np.isfinite(res.fun) or -res.fun <= acq:
        return u, acq
    point = u.copy()
    point[dims] = np.clip(res.x, 0.0, 1.0)
    return point, float(-res.fun)
