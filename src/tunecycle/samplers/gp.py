"""Gaussian-process Bayesian optimisation: a GP surrogate of the loss and log expected
improvement, for small budgets in low-dimensional spaces.

How a proposal is made:

- **Start-up.**  The first ``n_startup`` trials (by trial number; default ``min(10, 2 d + 2)``
  for ``d`` flattened dims), or any trial while fewer than two complete trials exist, take the
  scrambled Sobol point of their trial number, as :class:`~tunecycle.samplers.qmc.QMCSampler`.
- **Inputs.**  Trials live in the space's unit cube (``Space.to_unit``: log parameters already
  in log space).  Each categorical becomes one-hot columns; every other dim is one column.
  An inactive conditional dim is filled with a constant: 0.5 for a numeric dim, all zeros for a
  categorical (so "inactive" is a level of its own, and the parent's one-hot columns already
  tell branches apart).  Integers, stepped floats and categoricals are snapped to the centres
  of their unit-interval bins before the model sees a point, so the acquisition only ever
  scores feasible configurations.
- **Outputs.**  Losses (lower is better) are standardised, Yeo-Johnson transformed with the
  maximum-likelihood lambda (clipped to [-3, 3]) and standardised again, which tames heavy
  tails; when that degenerates, a rank-based normal-scores (copula) transform is used.
- **Model.**  Zero-mean GP, Matérn-5/2 kernel with one length-scale per model column, a signal
  variance and a noise variance.  Hyperparameters (in log space) maximise the log marginal
  likelihood plus Gaussian log-priors: length-scales ~ LogNormal(log 0.5 + log(D)/4, 1) for
  D model columns (on a small suite of test functions this beat the longer dimension-scaled
  prior of Hvarfner et al., 2024, which let the model grow sure of linear trends and stop at
  a bound), signal variance ~ LogNormal(0, 1), noise ~ LogNormal(log 1e-4, 2)
  (``noisy=True``: LogNormal(log 1e-2, 2)), noise >= 1e-6.
  L-BFGS-B with analytic gradients.  Start points: the prior's centre, a draw from the prior
  and the previous fit (a warm start kept in memory); it climbs from the two most probable
  while there are at most 100 trials, from the most probable one after that.  Cholesky with
  jitter.
- **Acquisition.**  Log expected improvement with a formula that stays accurate for very
  negative z.  It is maximised over ``n_candidates`` scrambled Sobol points plus perturbations
  of the best trials, then the best few are refined with L-BFGS-B over their active continuous
  dims (analytic gradients; discrete dims stay on their snapped values).  The incumbent is the
  lowest posterior mean at the trials, which is the best loss when the model fits it and
  does not chase a lucky draw when the objective is noisier than ``noisy`` said.
- **Parallel.**  Running trials of other workers and earlier points of the same batch are
  added as fantasised observations, without refitting hyperparameters: a kriging believer
  (the posterior mean there) that is never more optimistic than the median observation, a
  constant liar; a plain believer lets a confident model pile a batch up within 1e-4 of one
  optimum.  The believer alone still let a batch crowd round the incumbent (on Bayesmark's
  problems the mean minimum pairwise distance in a batch of 8 fell to 0.003-0.07 in the later
  rounds), so each proposal also keeps ``0.05 * sqrt(d)`` (Euclidean, unit cube) from every
  running trial and every earlier member of its batch; where no candidate is that far, the
  radius is halved until one is.  A lone proposal with nothing running is untouched.
- **No repeats.**  A configuration that a trial already has (complete, pruned, failed or
  running) is not proposed again, nor twice in one batch; with ``noisy=True`` only running
  trials and the batch count (the shared rule of :mod:`tunecycle.untried`: the same
  configuration is the same ``Space.config_key`` of the decoded point).  The best untaken
  candidate wins, then a random untaken configuration, then (a discrete space whose grid is
  used up) any.  This matters in wholly
  discrete spaces, and in continuous ones where the optimum sits in a corner.

- **Flat stretches.**  Three or more complete feasible trials with exactly the same loss,
  worse than the best, make a plateau (a decision tree that its split rule stops at the root).
  A stationary GP, whose length-scales are set by the rest of the space, stays unsure on it and
  kept sending proposals there, often to its corner on the box's bounds (Bayesmark's DT
  problems).  A candidate inside a plateau's bounding box and nearer to one of its trials than
  to any other complete trial is not proposed.  Without such ties nothing changes.

- **Multi-fidelity** (``multi_fidelity=True``, the default).  While fewer than the start-up
  count of trials are complete, the GP is fitted on the trials' intermediate values at the
  largest step that that many trials have reached (rule in
  :mod:`tunecycle.samplers.fidelity`), so pruned trials' low-budget values steer it; without
  intermediate values nothing changes.  Once enough trials are complete, pruned trials are
  ignored.

- **Constraints.**  A complete trial that violates a constraint is modelled with the worst
  loss among the complete trials (a penalty, not a probability-of-feasibility model: the
  surrogate learns that the infeasible region is bad, and expected improvement moves away from
  it).  Without constraints nothing changes.

- **Warm start** (``history.prior``, :mod:`tunecycle.warmstart`).  The prior trials that fit
  the space (at most 100: the best 50 and 50 spread over the rest of the ranking) join the
  GP's data with their own transformed losses (the prior and the own trials are each
  standardised on their own, so a task on another level of loss fits; with fewer than three
  own trials they are transformed together), and each prior point carries extra noise variance
  ``n / half_life`` for ``n`` finished own trials: exact at the start, fading as own trials
  arrive.  A free dim (a parameter the prior lacks) takes a fixed random value in the prior
  points.  Prior trials count towards the start-up, so a rich prior models from the first
  trial, but until the study has the start-up's count of own trials every odd-numbered trial
  still takes its Sobol point (a misleading prior locked the GP into its corner on the
  development half of ``benchmarks/warm_start.py`` without it); the incumbent is the best
  posterior mean at the own trials once there are any.

What it deliberately does not do (yet): learn from failed trials (only kept from being
repeated), model the budget as an input, warp inputs, model several objectives (:mod:`tunecycle.samplers.mogp` does), scale beyond a few
hundred trials (each fit is O(n^3)) or to high dimensions (no trust region).  Define-by-run
parameters outside the joint space are drawn uniformly at random.  The last fitted
hyperparameters are a warm start only: recomputable state, not persisted.  Nothing global is
pinned (BLAS threads included): products are cut into blocks small enough for OpenBLAS to
run them on one thread, and only the Cholesky work of histories past ~64 trials uses its pool.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tunecycle.compat.samplers import GP_ARGS, optuna_options
from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.samplers.fidelity import RowCache, observations_at
from tunecycle.samplers.gp_model import (
    GP,
    Encoder,
    Prior,
    believe,
    decode,
    fit_hyperparameters,
    log_ei,
    log_ei_grad,
    transform_losses,
)
from tunecycle.samplers.gp_search import best_untaken, random_untaken
from tunecycle.samplers.observe import Observations, Observer, encode, n_prior
from tunecycle.samplers.qmc import QMCSampler
from tunecycle.space import Param, ParamValue, Space
from tunecycle.untried import Taken, TakenLog

_N_REFINE = 5  # candidates refined by L-BFGS-B
_N_TOP = 5  # best trials whose neighbourhoods are searched
_PER_TOP = 64  # perturbations per best trial
_MAX_PRIOR = 100  # a warm start's prior points the GP keeps
_PLATEAU_MIN = 3  # complete trials with one same loss that make a flat stretch (_plateaus)


# -- the sampler -----------------------------------------------------------------------------


class GPSampler(Sampler):
    """Bayesian optimisation with a Gaussian process and log expected improvement."""

    name = "gp"

    def __init__(
        self,
        seed: int | None = None,
        *,
        n_startup: int | None = None,
        noisy: bool = False,
        n_candidates: int = 2048,
        multi_fidelity: bool = True,
        **optuna: Any,
    ):
        """``**optuna``: Optuna's arguments (``n_startup_trials``, ``constraints_func``,
        ``independent_sampler``, ``deterministic_objective``), mapped by
        ``compat.samplers.GP_ARGS``."""
        super().__init__(seed)
        opts = optuna_options("GPSampler", optuna, GP_ARGS)
        n_startup = opts.get("n_startup", n_startup)
        noisy = opts.get("noisy", noisy)
        self.constraints_func = opts.get("constraints_func")
        #: the sampler of define-by-run parameters outside the joint space (None: uniform)
        self.independent_sampler: Sampler | None = opts.get("independent_sampler")
        if n_startup is not None and (isinstance(n_startup, bool) or n_startup < 0):
            raise ValueError(f"n_startup: must be a non-negative integer, got {n_startup!r}")
        if n_candidates < 1:
            raise ValueError(f"n_candidates: must be positive, got {n_candidates!r}")
        self.n_startup = n_startup
        self.noisy = bool(noisy)
        self.n_candidates = int(n_candidates)
        self.multi_fidelity = bool(multi_fidelity)
        self._observer = Observer()
        self._tried = TakenLog()  # configurations not to propose again (see "No repeats")
        self._rows = RowCache()  # finished trials' encodings for the multi-fidelity model
        self._qmc: QMCSampler | None = None
        self._warm: tuple[str, np.ndarray] | None = None  # (space key, last fitted theta)

    # -- the interface ---------------------------------------------------------------------
    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        # small matrices: BLAS threads only contend (badly, on a loaded 2-core machine);
        # the limit holds for this call only and is restored afterwards
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return self._propose(space, history, contexts)

    def _propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        if not len(space):
            return [{} for _ in contexts]
        obs = self._observer.observe(space, history)
        enc = Encoder(space)
        taken = self._tried.of(space, history, running_only=self.noisy)
        startup = self.n_startup if self.n_startup is not None else min(10, 2 * len(space) + 2)
        if self.multi_fidelity and obs.n < startup:
            at_level = observations_at(space, history, startup, self._rows)
            obs = obs if at_level is None else replace(at_level, prior=obs.prior)
        if obs.violation.any():  # constraints: an infeasible trial counts as the worst seen
            obs = replace(obs, loss=np.where(obs.violation > 0, obs.loss.max(), obs.loss))
        own_startup, startup = startup, max(0, startup - n_prior(obs))  # the prior counts
        modelled = [c for c in contexts if c.number >= startup and obs.n + n_prior(obs) >= 2
                    and not _explore(obs, own_startup, c.number)]
        gp = self._fit(space, enc, obs, contexts[0].rng) if modelled else None
        lie = float(np.median(gp.y)) if gp is not None else 0.0
        if gp is not None and len(obs.pending_x):
            gp = believe(gp, enc.features(enc.snap(obs.pending_x)), lie)
        out = []
        avoid = [enc.snap(obs.pending_x)] if len(obs.pending_x) else []  # kept apart from
        for ctx in contexts:
            if gp is None or ctx.number < startup or _explore(obs, own_startup, ctx.number):
                u = self._startup_point(space, history, ctx)
            else:
                u = self._best_point(enc, obs, gp, taken, ctx.rng,
                                     np.vstack(avoid) if avoid else None)
            if decode(space, u) in taken:
                u = random_untaken(space, enc, taken, ctx.rng)
            taken.add(decode(space, u))
            if gp is not None and len(contexts) > 1:  # the rest of the batch avoids it
                gp = believe(gp, enc.features(u[None, :]), lie)
                avoid.append(u[None, :])
            out.append(space.from_unit(np.nan_to_num(u, nan=0.5)))
        return out


    def propose_param(
        self, name: str, param: Param, history: History, context: TrialContext
    ) -> ParamValue:
        if self.independent_sampler is not None:
            return self.independent_sampler.propose_param(name, param, history, context)
        return super().propose_param(name, param, history, context)

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "n_startup": self.n_startup,
            "n_candidates": self.n_candidates,
            "multi_fidelity": self.multi_fidelity,
        }

    # -- steps -----------------------------------------------------------------------------
    def _startup_point(self, space: Space, history: History, ctx: TrialContext) -> np.ndarray:
        if self._qmc is None or self._qmc.seed != self.seed:
            self._qmc = QMCSampler(self.seed)  # built late: create_study may set the seed
        params = self._qmc.propose(space, history, [ctx])[0]
        return encode(space, params)

    def _fit(self, space: Space, enc: Encoder, obs: Observations, rng: np.random.Generator) -> GP:
        x = enc.features(enc.snap(obs.x))
        y = transform_losses(obs.loss)
        x, y, extra, own_from = _with_prior(enc, obs, x, y)
        prior = Prior.make(enc.width, self.noisy)
        starts = [prior.mean, prior.mean + prior.sd * rng.standard_normal(len(prior.mean))]
        key = space.to_json()
        if self._warm is not None and self._warm[0] == key:
            starts.append(self._warm[1])
        # two local fits while they are cheap, then only from the most probable start
        theta = fit_hyperparameters(x, y, prior, starts, n_runs=2 if len(y) <= 100 else 1,
                                    extra=extra)
        self._warm = (key, theta)
        return GP(x, y, theta, extra, own_from)

    def _best_point(
        self,
        enc: Encoder,
        obs: Observations,
        gp: GP,
        taken: Taken,
        rng: np.random.Generator,
        avoid: np.ndarray | None = None,
    ) -> np.ndarray:
        """The untaken point of highest log EI: the best candidates, refined.  With ``avoid``
        (running trials, earlier points of the batch), only points at least a radius away
        from every one of them (:func:`~tunecycle.samplers.gp_search.best_untaken`)."""
        best = gp.incumbent()
        u = enc.snap(self._candidates(enc, obs, rng))
        acq = log_ei(*gp.predict(enc.features(u)), best)
        plateaus = _plateaus(enc, obs)  # nothing to learn on a known flat stretch (nor its edge)
        return best_untaken(
            u, acq, taken, avoid, lambda i: _refine(enc, gp, u[i], acq[i], best), _N_REFINE,
            allowed=~_on_plateau(u, plateaus) if plateaus else None,
            rejected=(lambda p: bool(_on_plateau(p[None, :], plateaus)[0])) if plateaus else None)

    def _candidates(self, enc: Encoder, obs: Observations, rng: np.random.Generator) -> np.ndarray:
        """Sobol points over the cube, and perturbations of the best trials."""
        from scipy.stats import qmc

        d = len(enc.codes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # balance warnings for non-powers of two
            sobol = qmc.Sobol(d, scramble=True, seed=rng).random(self.n_candidates)
        top = obs.x[np.argsort(obs.loss, kind="stable")[:_N_TOP]]
        if obs.prior is not None and len(top) < _N_TOP:  # a warm start: the prior's best too
            top = np.vstack([top, obs.prior.best(_N_TOP - len(top))])
        base = np.repeat(top, _PER_TOP, axis=0)
        base = np.where(np.isnan(base), rng.random(base.shape), base)
        scale = rng.choice([0.01, 0.05, 0.2], size=(len(base), 1))
        local = base + scale * rng.standard_normal(base.shape)
        jump = rng.random(base.shape) < 1.0 / d  # e.g. another category, another branch
        local = np.where(jump, rng.random(base.shape), local)
        return np.vstack([sobol, np.clip(local, 0.0, 1.0)])


def _explore(obs: Observations, startup: int, number: int) -> bool:
    """A warm start: until the study has ``startup`` own trials, odd-numbered trials take the
    start-up's Sobol point, so that the own data covers the space whatever the prior says."""
    return obs.prior is not None and obs.n < startup and number % 2 == 1


def _with_prior(
    enc: Encoder, obs: Observations, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """The GP's data with a warm start's prior points first: (x, y, extra noise per row, the
    first own row).  Unchanged without a prior."""
    prior = obs.prior
    if prior is None or not prior.n:
        return x, y, None, 0
    order = np.argsort(prior.loss, kind="stable")
    if len(order) > _MAX_PRIOR:  # the best half, and an even spread over the rest
        half = _MAX_PRIOR // 2
        rest = order[half:][np.linspace(0, len(order) - half - 1, half).astype(int)]
        order = np.concatenate([order[:half], rest])
    u = prior.x[order].copy()
    free = prior.active[order] & np.isnan(u)
    u[free] = np.random.default_rng(0).random(u.shape)[free]  # fixed: the same every ask
    xp = enc.features(enc.snap(u))
    loss_p = prior.loss[order]
    if len(y) < 3:  # too few own trials to know their own scale
        joint = transform_losses(np.concatenate([loss_p, obs.loss]))
        yp, y = joint[: len(loss_p)], joint[len(loss_p):]
    else:
        yp = transform_losses(loss_p)
    extra = np.concatenate([np.full(len(yp), 1.0 / prior.fade - 1.0), np.zeros(len(y))])
    return np.vstack([xp, x]), np.concatenate([yp, y]), extra, len(yp)


@dataclass(frozen=True)
class _Plateau:
    """Complete trials that share one loss, worse than the best: a flat stretch.  ``x``: every
    complete trial (snapped, inactive dims at 0.5); ``members``: which rows are on it;
    ``lo``/``hi``: their bounding box."""

    x: np.ndarray
    members: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def _plateaus(enc: Encoder, obs: Observations) -> list[_Plateau]:
    """The flat stretches seen so far: ``_PLATEAU_MIN`` or more complete trials with exactly the
    same loss, above the lowest.  A tree whose split rule stops it at the root, a model that
    failed the same way: the loss does not move while several dims do, and a stationary GP,
    whose length-scales are set by the rest of the space, stays unsure there and keeps sending
    proposals to it, often to its corner on the box's bounds."""
    if obs.n < _PLATEAU_MIN:
        return []
    values, inverse, counts = np.unique(obs.loss, return_inverse=True, return_counts=True)
    inverse = np.where(obs.violation > 0, -1, inverse.reshape(-1))  # infeasible: not flat
    counts = np.bincount(inverse[inverse >= 0], minlength=len(values))
    flat = [k for k in np.flatnonzero(counts >= _PLATEAU_MIN) if values[k] > values[0]]
    if not flat:
        return []
    x = np.nan_to_num(enc.snap(obs.x), nan=0.5)
    out = []
    for k in flat:
        members = inverse == k
        out.append(_Plateau(x, members, x[members].min(0), x[members].max(0)))
    return out


def _on_plateau(u: np.ndarray, plateaus: Sequence[_Plateau]) -> np.ndarray:
    """Which rows of ``u`` (snapped) lie on a known flat stretch: inside its trials' bounding
    box and nearer to one of them than to any other complete trial (so a box that spans a
    good region elsewhere does not shut it)."""
    a = np.nan_to_num(u, nan=0.5)
    x = plateaus[0].x
    nearest = np.argmin(((a[:, None, :] - x[None, :, :]) ** 2).sum(-1), axis=1)
    out = np.zeros(len(u), dtype=bool)
    for p in plateaus:
        inside = np.all((a >= p.lo - 1e-9) & (a <= p.hi + 1e-9), axis=1)
        out |= inside & p.members[nearest]
    return out


def _refine(
    enc: Encoder, gp: GP, u: np.ndarray, acq: float, best: float
) -> tuple[np.ndarray, float]:
    """Climb log EI from ``u`` over its active continuous dims; other dims stay fixed."""
    from scipy.optimize import minimize

    dims = [j for j in enc.continuous if not np.isnan(u[j])]
    if not dims:
        return u, acq
    cols = enc.columns(dims)

    def negative(z: np.ndarray) -> tuple[float, np.ndarray]:
        point = u.copy()
        point[dims] = z
        f = enc.features(point[None, :])[0]
        mean, std, dmean, dstd = gp.predict_grad(f)
        value, d_mean, d_std = log_ei_grad(mean, std, best)
        grad = d_mean * dmean + d_std * dstd
        return -value, -grad[cols]

    res = minimize(
        negative,
        u[dims],
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * len(dims),
        options={"maxiter": 50},
    )
    if not np.isfinite(res.fun) or -res.fun <= acq:
        return u, acq
    point = u.copy()
    point[dims] = np.clip(res.x, 0.0, 1.0)
    return point, float(-res.fun)

