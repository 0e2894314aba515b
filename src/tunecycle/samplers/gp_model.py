"""The Gaussian-process model of :mod:`tunecycle.samplers.gp` and
:mod:`tunecycle.samplers.mogp`: the unit cube to model columns (``Encoder``: one-hot
categoricals, a constant for inactive dims, discrete dims snapped to their cells), the loss
transform (``transform_losses``), the Matérn-5/2 kernel with its log-normal priors
(``Prior``) and MAP fit (``fit_hyperparameters``), the posterior (``GP``, with fantasised
observations: ``believe``), and log expected improvement computed stably (``log_h``,
``log_ei``).  The rules behind each choice are in :mod:`tunecycle.samplers.gp`'s docstring.

Not here: histories, candidates, proposals and batches (the samplers' own modules and
:mod:`tunecycle.samplers.gp_search`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tunecycle.space import Categorical, Int, Param, ParamValue, Space

_JITTER = 1e-8
_NOISE_MIN = 1e-6
_LOG_2PI = math.log(2 * math.pi)
_SQRT5 = math.sqrt(5.0)
_ONE_THREAD = 262_144  # m * n * k under which OpenBLAS multiplies on one thread


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


class Encoder:
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


def decode(space: Space, row: np.ndarray) -> dict[str, ParamValue]:
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


def log1mexp(a: np.ndarray) -> np.ndarray:
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
    out[mid] = -0.5 * zm * zm - 0.5 * _LOG_2PI + log1mexp(ratio)
    zf = -z[far]
    out[far] = -0.5 * zf * zf - 0.5 * _LOG_2PI - 2.0 * np.log(zf)
    return out


def log_ei(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """log E[max(best - f, 0)] for f ~ N(mean, std^2) (minimisation)."""
    std = np.asarray(std, dtype=float)
    return log_h((best - np.asarray(mean)) / std) + np.log(std)


def log_ei_grad(mean: float, std: float, best: float) -> tuple[float, float, float]:
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
class Prior:
    """Independent normal priors on the log hyperparameters, and their bounds."""

    mean: np.ndarray
    sd: np.ndarray
    bounds: list[tuple[float, float]]

    @classmethod
    def make(cls, width: int, noisy: bool) -> Prior:
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
    theta: np.ndarray, d2: np.ndarray, y: np.ndarray, prior: Prior,
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
    x: np.ndarray, y: np.ndarray, prior: Prior, starts: Sequence[np.ndarray], n_runs: int = 1,
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


class GP:
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

    def condition(self, x: np.ndarray, y: np.ndarray) -> GP:
        """The same GP with more (e.g. fantasised) observations."""
        extra = None if self.extra is None else np.concatenate([self.extra, np.zeros(len(y))])
        return GP(np.vstack([self.x, x]), np.concatenate([self.y, y]), self.theta, extra,
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


def believe(gp: GP, f: np.ndarray, lie: float) -> GP:
    """The GP with fantasised observations at the rows of ``f``: the posterior mean there,
    but no better than ``lie`` (the median observation), so that a batch spreads out instead
    of piling up where the model is sure of an improvement."""
    return gp.condition(f, np.maximum(gp.predict(f)[0], lie))
