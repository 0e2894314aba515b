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
repeated), model the budget as an input, warp inputs, model several objectives, scale beyond a few
hundred trials (each fit is O(n^3)) or to high dimensions (no trust region).  Define-by-run
parameters outside the joint space are drawn uniformly at random.  The last fitted
hyperparameters are a warm start only: recomputable state, not persisted.  Nothing global is
pinned (BLAS threads included): products are cut into blocks small enough for OpenBLAS to
run them on one thread, and only the Cholesky work of histories past ~64 trials uses its pool.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tunecycle.compat.samplers import GP_ARGS, optuna_options
from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.samplers.fidelity import RowCache, observations_at
from tunecycle.samplers.observe import Observations, Observer, encode, n_prior
from tunecycle.samplers.qmc import QMCSampler
from tunecycle.space import Categorical, Int, Param, ParamValue, Space
from tunecycle.untried import Taken, TakenLog

_JITTER = 1e-8
_NOISE_MIN = 1e-6
_LOG_2PI = math.log(2 * math.pi)
_SQRT5 = math.sqrt(5.0)
_N_REFINE = 5  # candidates refined by L-BFGS-B
_N_TOP = 5  # best trials whose neighbourhoods are searched
_PER_TOP = 64  # perturbations per best trial
_BATCH_RADIUS = 0.05  # batch members keep this times sqrt(d) apart in the unit cube
_ONE_THREAD = 262_144  # m * n * k under which OpenBLAS multiplies on one thread
_MAX_PRIOR = 100  # a warm start's prior points the GP keeps
_PLATEAU_MIN = 3  # complete trials with one same loss that make a flat stretch (_plateaus)


# -- inputs: unit cube -> model columns ----------------------------------------------------


@dataclass(frozen=True)
class _DimCode:
    kind: str  # "cont" (continuous), "bins" (equal-width bins), "logint", "cat"
    n: int  # bins for "bins"/"cat"
    col: int  # first model column
    lo: float = 0.0  # log bounds of a log-scaled Int
    hi: float = 0.0
    low: int = 0
    high: int = 0
    conds: tuple[tuple[int, int], ...] = ()  # (parent dim index, choice index) that must hold


def _dim_code(param: Param, col: int, conds: tuple[tuple[int, int], ...]) -> _DimCode:
    if isinstance(param, Categorical):
        return _DimCode("cat", param.n_cells, col, conds=conds)
    if isinstance(param, Int) and param.log:
        lo, hi = param.log_scale
        return _DimCode("logint", 0, col, lo, hi, param.low, param.high, conds)
    n = param.n_cells
    if n is not None:
        return _DimCode("bins", n, col, conds=conds)
    return _DimCode("cont", 0, col, conds=conds)


class _Encoder:
    """Snaps unit-cube points to feasible ones and maps them to model columns."""

    def __init__(self, space: Space):
        index = {d.name: i for i, d in enumerate(space.dims)}
        codes, col = [], 0
        for dim in space.dims:
            conds = tuple(
                (index[parent], space[parent].index(choice))  # type: ignore[attr-defined]
                for parent, choice in dim.condition
            )
            code = _dim_code(dim.param, col, conds)
            codes.append(code)
            col += code.n if code.kind == "cat" else 1
        self.codes = codes
        self.params = [dim.param for dim in space.dims]
        self.width = col
        self.continuous = [i for i, c in enumerate(codes) if c.kind == "cont"]

    def snap(self, u: np.ndarray) -> np.ndarray:
        """Points (m, d) moved to bin centres; inactive (or NaN) dims set to NaN."""
        u = np.asarray(u, dtype=float)
        missing = np.isnan(u)
        out = np.clip(np.where(missing, 0.5, u), 0.0, 1.0)
        for j, c in enumerate(self.codes):
            if c.kind != "cont":  # the space's cells
                out[:, j] = self.params[j].snap_column(out[:, j])
        active = ~missing
        for j, c in enumerate(self.codes):
            for parent, choice in c.conds:
                active[:, j] &= _bin(out[:, parent], self.codes[parent].n) == choice
                active[:, j] &= active[:, parent]
        out[~active] = np.nan
        return out

    def features(self, u: np.ndarray) -> np.ndarray:
        """Model columns of snapped points (m, d): one-hot categoricals, NaN filled."""
        f = np.zeros((len(u), self.width))
        for j, c in enumerate(self.codes):
            x = u[:, j]
            if c.kind == "cat":
                ok = ~np.isnan(x)
                f[np.flatnonzero(ok), c.col + _bin(x[ok], c.n)] = 1.0
            else:
                f[:, c.col] = np.where(np.isnan(x), 0.5, x)
        return f

    def columns(self, dims: Sequence[int]) -> list[int]:
        """Model columns of continuous dims."""
        return [self.codes[j].col for j in dims]


def _bin(x: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.floor(x * n), n - 1).astype(int)


def _decode(space: Space, row: np.ndarray) -> dict[str, ParamValue]:
    """The configuration a snapped row proposes (what ``Taken`` compares)."""
    return space.from_unit(np.nan_to_num(row, nan=0.5))


# -- outputs -------------------------------------------------------------------------------


def transform_losses(loss: np.ndarray) -> np.ndarray:
    """Losses -> standardised Yeo-Johnson values (rank-based normal scores if that fails)."""
    from scipy import stats

    loss = np.asarray(loss, dtype=float)
    if len(loss) < 2 or np.all(loss == loss[0]):
        return np.zeros(len(loss))
    y = np.full(len(loss), np.nan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        z = (loss - loss.mean()) / loss.std()  # NaN when the spread overflows
        try:
            if np.all(np.isfinite(z)):
                y, lam = stats.yeojohnson(z)
                if not -3.0 <= lam <= 3.0:
                    y = stats.yeojohnson(z, lmbda=float(np.clip(lam, -3.0, 3.0)))
        except (ValueError, FloatingPointError, OverflowError):
            pass
        if np.all(np.isfinite(y)) and y.std() > 1e-9 * (1 + np.abs(y).max()):
            return (y - y.mean()) / y.std()
    scores = stats.norm.ppf((stats.rankdata(loss) - 0.5) / len(loss))
    return (scores - scores.mean()) / scores.std()


# -- log expected improvement --------------------------------------------------------------


def _log1mexp(a: np.ndarray) -> np.ndarray:
    """log(1 - exp(a)) for a < 0, accurate at both ends."""
    near = a > -math.log(2.0)
    safe_near = np.where(near, a, -1.0)
    safe_far = np.where(near, -1.0, a)
    return np.where(near, np.log(-np.expm1(safe_near)), np.log1p(-np.exp(safe_far)))


def log_h(z: np.ndarray | float) -> np.ndarray:
    """log(z Phi(z) + phi(z)), the log of expected improvement per unit of std, for any z.

    Above z = -1 the direct formula is exact enough.  Below, ``Phi(z) = phi(z) sqrt(pi/2)
    erfcx(-z/sqrt 2)`` gives ``h = phi(z) (1 - |z| sqrt(pi/2) erfcx(|z|/sqrt 2))`` whose second
    factor is taken in log space; far out (|z| > 1/sqrt(eps)) it is ``-2 log|z|``.
    """
    from scipy.special import erfcx, ndtr

    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    out[upper] = np.log(zu * ndtr(zu) + np.exp(-0.5 * zu * zu - 0.5 * _LOG_2PI))
    far = z <= -1.0 / math.sqrt(np.finfo(float).eps)
    mid = ~upper & ~far
    zm = -z[mid]
    ratio = np.log(zm * erfcx(zm / math.sqrt(2.0))) + 0.5 * math.log(math.pi / 2)
    out[mid] = -0.5 * zm * zm - 0.5 * _LOG_2PI + _log1mexp(ratio)
    zf = -z[far]
    out[far] = -0.5 * zf * zf - 0.5 * _LOG_2PI - 2.0 * np.log(zf)
    return out


def log_ei(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """log E[max(best - f, 0)] for f ~ N(mean, std^2) (minimisation)."""
    std = np.asarray(std, dtype=float)
    return log_h((best - np.asarray(mean)) / std) + np.log(std)


def _log_ei_grad(mean: float, std: float, best: float) -> tuple[float, float, float]:
    """log EI and its derivatives with respect to the mean and the std."""
    from scipy.special import log_ndtr

    z = (best - mean) / std
    lh = float(log_h(np.array([z]))[0])
    # d log h / dz = Phi(z) / h(z), which tends to |z| far in the tail (where the difference
    # of two huge logs would lose every digit)
    dz = -z if z < -1e4 else math.exp(float(log_ndtr(z)) - lh)
    return lh + math.log(std), -dz / std, (1.0 - dz * z) / std


# -- the Gaussian process --------------------------------------------------------------------


def _sqdist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def _matern52(r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-variance Matérn-5/2 of squared scaled distances, and its derivative in r2."""
    r = np.sqrt(r2)
    e = np.exp(-_SQRT5 * r)
    return (1.0 + _SQRT5 * r + 5.0 / 3.0 * r2) * e, -5.0 / 6.0 * (1.0 + _SQRT5 * r) * e


def _cholesky(k: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor, adding jitter until it succeeds."""
    from scipy.linalg import lapack

    jitter = _JITTER
    diag = np.arange(len(k))
    while True:
        a = k.copy()
        a[diag, diag] += jitter
        chol, info = lapack.dpotrf(a, lower=1, clean=1, overwrite_a=1)
        if info == 0:
            return chol
        if jitter > 1.0:
            raise np.linalg.LinAlgError("the kernel matrix is not positive definite")
        jitter *= 10.0


def _inverse(chol: np.ndarray) -> np.ndarray:
    """K^-1 from the lower Cholesky factor of K.

    Small matrices go through a triangular inverse and a product, which OpenBLAS runs on one
    thread (waking its thread pool for tiny matrices costs more than the work, and a lot on a
    busy machine); larger ones through LAPACK's dpotri."""
    from scipy.linalg import lapack

    if len(chol) <= 64:
        inv_l, _ = lapack.dtrtri(chol, lower=1)
        return inv_l.T @ inv_l
    inv, _ = lapack.dpotri(chol, lower=1)
    return np.tril(inv) + np.tril(inv, -1).T


@dataclass(frozen=True)
class _Prior:
    """Independent normal priors on the log hyperparameters, and their bounds."""

    mean: np.ndarray
    sd: np.ndarray
    bounds: list[tuple[float, float]]

    @classmethod
    def make(cls, width: int, noisy: bool) -> _Prior:
        ls_mean = math.log(0.5) + 0.25 * math.log(width)
        noise_mean = math.log(1e-2 if noisy else 1e-4)
        mean = np.array([ls_mean] * width + [0.0, noise_mean])
        sd = np.array([1.0] * width + [1.0, 2.0])
        bounds = [(math.log(1e-2), math.log(1e2))] * width
        bounds += [(math.log(1e-2), math.log(1e2)), (math.log(_NOISE_MIN), 0.0)]
        return cls(mean, sd, bounds)

    def logpdf(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        t = (theta - self.mean) / self.sd
        return -0.5 * float(t @ t), -t / self.sd


def _sq_diffs(x: np.ndarray) -> np.ndarray:
    """Squared differences per column, shape (n, n, width): fixed while hyperparameters move."""
    return (x[:, None, :] - x[None, :, :]) ** 2


def _neg_log_posterior(
    theta: np.ndarray, d2: np.ndarray, y: np.ndarray, prior: _Prior,
    extra: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """-(log marginal likelihood + log prior) and its gradient in the log hyperparameters.

    ``d2`` holds the inputs' squared differences per column (:func:`_sq_diffs`); ``extra``:
    noise variance added per observation (a warm start's faded prior points), fixed.
    """
    width, n = d2.shape[2], len(y)
    inv_ls2 = np.exp(-2.0 * theta[:width])
    s2, noise = math.exp(theta[width]), math.exp(theta[width + 1])
    kf, dk = _matern52(np.einsum("abj,j->ab", d2, inv_ls2))
    try:
        chol = _cholesky(s2 * kf + _noise_matrix(noise, n, extra))
    except np.linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    k_inv = _inverse(chol)
    alpha = np.einsum("ab,b->a", k_inv, y)
    w = np.outer(alpha, alpha) - k_inv  # d lml / dK, times 2
    grad = np.empty_like(theta)
    grad[:width] = -np.einsum("ab,abj->j", w * (s2 * dk), d2) * inv_ls2
    grad[width] = 0.5 * float((w * kf).sum()) * s2
    grad[width + 1] = 0.5 * float(np.trace(w)) * noise
    lml = -0.5 * float(y @ alpha) - float(np.log(np.diag(chol)).sum()) - 0.5 * n * _LOG_2PI
    lp, dlp = prior.logpdf(theta)
    return -(lml + lp), -(grad + dlp)


def _noise_matrix(noise: float, n: int, extra: np.ndarray | None) -> np.ndarray:
    return np.diag(noise + extra) if extra is not None else noise * np.eye(n)


def fit_hyperparameters(
    x: np.ndarray, y: np.ndarray, prior: _Prior, starts: Sequence[np.ndarray], n_runs: int = 1,
    extra: np.ndarray | None = None,
) -> np.ndarray:
    """MAP log hyperparameters: L-BFGS-B from the ``n_runs`` starts of highest posterior."""
    from scipy.optimize import minimize

    d2 = _sq_diffs(x)
    lo, hi = np.array(prior.bounds).T
    starts = [np.clip(s, lo, hi) for s in starts]
    starts.sort(key=lambda s: _neg_log_posterior(s, d2, y, prior, extra)[0])
    best, best_val = starts[0], math.inf
    for start in starts[:n_runs]:
        res = minimize(
            _neg_log_posterior,
            start,
            args=(d2, y, prior, extra),
            jac=True,
            method="L-BFGS-B",
            bounds=prior.bounds,
            options={"maxiter": 100},
        )
        if np.isfinite(res.fun) and res.fun < best_val:
            best, best_val = res.x, float(res.fun)
    return best


class _GP:
    """A GP conditioned on (x, y) with fixed log hyperparameters ``theta``; ``extra``: noise
    variance added per observation, ``own_from``: the first row that is not a warm start's
    prior point."""

    def __init__(self, x: np.ndarray, y: np.ndarray, theta: np.ndarray,
                 extra: np.ndarray | None = None, own_from: int = 0):
        from scipy.linalg import cho_solve, lapack

        width = x.shape[1]
        self.x, self.y, self.theta = x, y, theta
        self.extra, self.own_from = extra, own_from
        self.ls = np.exp(theta[:width])
        self.s2, self.noise = math.exp(theta[width]), math.exp(theta[width + 1])
        kf, _ = _matern52(np.einsum("abj,j->ab", _sq_diffs(x), self.ls**-2))
        self.chol = _cholesky(self.s2 * kf + _noise_matrix(self.noise, len(y), extra))
        self.alpha = cho_solve((self.chol, True), y)
        self.inv_chol = lapack.dtrtri(self.chol, lower=1)[0]

    def condition(self, x: np.ndarray, y: np.ndarray) -> _GP:
        """The same GP with more (e.g. fantasised) observations."""
        extra = None if self.extra is None else np.concatenate([self.extra, np.zeros(len(y))])
        return _GP(np.vstack([self.x, x]), np.concatenate([self.y, y]), self.theta, extra,
                   self.own_from)

    def predict(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and std of the latent function at rows of ``f``.

        Rows go in blocks small enough that OpenBLAS multiplies on one thread: waking its
        thread pool costs more than these products, and on a busy machine the woken threads
        slow down everything after them (L-BFGS-B above all)."""
        rows = max(8, _ONE_THREAD // len(self.y) ** 2)
        if len(f) > rows:
            parts = [self.predict(f[i : i + rows]) for i in range(0, len(f), rows)]
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        kf, _ = _matern52(_sqdist(f / self.ls, self.x / self.ls))
        k = self.s2 * kf
        v = k @ self.inv_chol.T
        var = np.maximum(self.s2 - (v * v).sum(1), 1e-12)
        return k @ self.alpha, np.sqrt(var)

    def predict_grad(self, f: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        """Mean and std at one point ``f`` with their gradients in ``f``."""
        from scipy.linalg import cho_solve

        kf, dk = _matern52(_sqdist(f[None, :] / self.ls, self.x / self.ls))
        k, dk = self.s2 * kf[0], self.s2 * dk[0]
        dk_df = (2.0 * dk)[:, None] * (f[None, :] - self.x) / self.ls**2  # (n, width)
        kinv_k = cho_solve((self.chol, True), k)
        var = max(self.s2 - float(k @ kinv_k), 1e-12)
        std = math.sqrt(var)
        return float(k @ self.alpha), std, dk_df.T @ self.alpha, -(dk_df.T @ kinv_k) / std

    def incumbent(self) -> float:
        """The lowest posterior mean at the observations: the best observed value when the
        model fits it exactly, and no lucky draw of a noisy objective.  With a warm start, only
        the own trials count once there are any."""
        own = self.x[self.own_from:] if self.own_from < len(self.x) else self.x
        return float(self.predict(own)[0].min())


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
        enc = _Encoder(space)
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
            gp = _believe(gp, enc.features(enc.snap(obs.pending_x)), lie)
        out = []
        avoid = [enc.snap(obs.pending_x)] if len(obs.pending_x) else []  # kept apart from
        for ctx in contexts:
            if gp is None or ctx.number < startup or _explore(obs, own_startup, ctx.number):
                u = self._startup_point(space, history, ctx)
            else:
                u = self._best_point(enc, obs, gp, taken, ctx.rng,
                                     np.vstack(avoid) if avoid else None)
            if _decode(space, u) in taken:
                u = _random_untaken(space, enc, taken, ctx.rng)
            taken.add(_decode(space, u))
            if gp is not None and len(contexts) > 1:  # the rest of the batch avoids it
                gp = _believe(gp, enc.features(u[None, :]), lie)
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

    def _fit(self, space: Space, enc: _Encoder, obs: Observations, rng: np.random.Generator) -> _GP:
        x = enc.features(enc.snap(obs.x))
        y = transform_losses(obs.loss)
        x, y, extra, own_from = _with_prior(enc, obs, x, y)
        prior = _Prior.make(enc.width, self.noisy)
        starts = [prior.mean, prior.mean + prior.sd * rng.standard_normal(len(prior.mean))]
        key = space.to_json()
        if self._warm is not None and self._warm[0] == key:
            starts.append(self._warm[1])
        # two local fits while they are cheap, then only from the most probable start
        theta = fit_hyperparameters(x, y, prior, starts, n_runs=2 if len(y) <= 100 else 1,
                                    extra=extra)
        self._warm = (key, theta)
        return _GP(x, y, theta, extra, own_from)

    def _best_point(
        self,
        enc: _Encoder,
        obs: Observations,
        gp: _GP,
        taken: Taken,
        rng: np.random.Generator,
        avoid: np.ndarray | None = None,
    ) -> np.ndarray:
        """The untaken point of highest log EI: the best candidates, refined.  With ``avoid``
        (running trials, earlier points of the batch), only points at least a radius away
        from every one of them (:func:`_apart`)."""
        best = gp.incumbent()
        u = enc.snap(self._candidates(enc, obs, rng))
        acq = log_ei(*gp.predict(enc.features(u)), best)
        order = np.argsort(-acq, kind="stable")
        plateaus = _plateaus(enc, obs)
        if plateaus:  # nothing to learn on a known flat stretch
            order = order[~_on_plateau(u, plateaus)[order]]
        radius = 0.0
        if avoid is not None:
            far, radius = _apart(u, avoid)
            order = order[far[order]]
        top = _first_untaken(u, order, taken, _N_REFINE)
        if not top:
            return u[order[0]] if len(order) else u[0]  # all taken: the caller falls back
        refined = [_refine(enc, gp, u[i], acq[i], best) for i in top]
        for point, _ in sorted(refined, key=lambda r: -r[1]):
            if _decode(taken.space, point) in taken:  # a climb can end on a trial
                continue
            if plateaus and _on_plateau(point[None, :], plateaus)[0]:  # or on a plateau's edge
                continue
            if avoid is None or _distances(point[None, :], avoid)[0] >= radius:
                return point
        return u[top[0]]

    def _candidates(self, enc: _Encoder, obs: Observations, rng: np.random.Generator) -> np.ndarray:
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
    enc: _Encoder, obs: Observations, x: np.ndarray, y: np.ndarray
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


def _plateaus(enc: _Encoder, obs: Observations) -> list[_Plateau]:
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


def _distances(u: np.ndarray, avoid: np.ndarray) -> np.ndarray:
    """Each row's Euclidean distance in the unit cube to the nearest row of ``avoid`` (an
    inactive conditional dim counts as 0.5, as the proposal would be)."""
    a, b = np.nan_to_num(u, nan=0.5), np.nan_to_num(avoid, nan=0.5)
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).min(1)


def _apart(u: np.ndarray, avoid: np.ndarray) -> tuple[np.ndarray, float]:
    """Which candidate rows keep ``_BATCH_RADIUS * sqrt(d)`` from every row of ``avoid``, and
    that radius; halved until some candidate does (0: all do)."""
    dist = _distances(u, avoid)
    radius = _BATCH_RADIUS * math.sqrt(u.shape[1])
    while radius > 1e-3:
        far = dist >= radius
        if far.any():
            return far, radius
        radius /= 2
    return np.ones(len(u), dtype=bool), 0.0


def _first_untaken(u: np.ndarray, order: np.ndarray, taken: Taken, k: int) -> list[int]:
    """Indices of the first ``k`` distinct rows of ``u``, in ``order``, that are not taken."""
    picked, seen = [], set()
    for i in order:
        key = taken.key(_decode(taken.space, u[i]))
        if key not in taken.keys and key not in seen:
            seen.add(key)
            picked.append(int(i))
            if len(picked) == k:
                break
    return picked


def _believe(gp: _GP, f: np.ndarray, lie: float) -> _GP:
    """The GP with fantasised observations at the rows of ``f``: the posterior mean there,
    but no better than ``lie`` (the median observation), so that a batch spreads out instead
    of piling up where the model is sure of an improvement."""
    return gp.condition(f, np.maximum(gp.predict(f)[0], lie))


def _refine(
    enc: _Encoder, gp: _GP, u: np.ndarray, acq: float, best: float
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
        value, d_mean, d_std = _log_ei_grad(mean, std, best)
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


def _random_untaken(
    space: Space, enc: _Encoder, taken: Taken, rng: np.random.Generator
) -> np.ndarray:
    """A random configuration no trial has; any random one when the grid is used up."""
    u = enc.snap(rng.random((256, len(space))))
    for row in u:
        if _decode(space, row) not in taken:
            return row
    params = taken.from_grid(rng)
    return u[0] if params is None else encode(space, params)
