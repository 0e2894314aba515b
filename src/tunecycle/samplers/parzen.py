"""The Parzen mixture of TPE: product kernels over the unit cube (truncated Gaussians for
continuous dims, a discrete numeric dim's mass on its bin, a keep-or-switch kernel for
categorical dims) with a uniform prior component, their log densities (joint, and per dim)
and draws; the neighbour-gap bandwidths; the numerics they need (normal CDF and quantile,
log-sum-exp, a fast stable argsort).

Deliberately not here: which trials are centres and their weights (the good/bad split, the
recency ramp, a warm start's prior rows), a space's kernel settings, scoring candidates and
the no-repeat rule -- all :mod:`tunecycle.samplers.tpe`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tunecycle.space import Int

_LOG_EPS = -700.0
_EXP_FLOOR = -708.0  # exp below this is subnormal (under 2.2e-308) or 0
_BATCH_ENTRIES = 1 << 21  # log_pdf_dims: at most this many (dim, point, component) at once


@dataclass(frozen=True)
class Mixture:
    """A Parzen mixture over the unit cube: centres (n, d) with NaN for absent dims."""

    centres: np.ndarray
    log_weights: np.ndarray  # (n + 1,) the last entry is the uniform prior component
    sigma: np.ndarray  # (n, d) bandwidth per centre and numeric dim
    keep: np.ndarray  # (d,) probability to keep a categorical centre's choice
    n_choices: np.ndarray  # (d,) choices per categorical dim, 0 for numeric dims
    bins: np.ndarray  # (d,) equal-width bins of a discrete numeric dim, 0 otherwise
    log_ints: np.ndarray  # (d, 2) low and high of a log-scaled integer dim, NaN otherwise

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density at points x (m, d); NaN coordinates (inactive dims) are skipped."""
        return logsumexp(self.log_terms(x), axis=1)

    def log_terms(self, x: np.ndarray) -> np.ndarray:
        """(m, n + 1): each component's log weight plus its log kernel (a product over the
        dims both the point and the centre have) at each point, and last the uniform prior's
        log weight (its density is 1).

        A continuous dim's truncated-Gaussian log kernel is a quadratic in the point's
        coordinate, ``-0.5 ((x - c) / s)^2 - log(s sqrt(2 pi) Z)``, and a categorical dim's is
        one of two constants (the point's choice is the centre's, or not), so with the weights
        they are one matrix product of a few features of the points -- (x^2, x, 1) per
        continuous dim, the one-hot choice per categorical dim, zero where the point lacks the
        dim, and a 1 for the weight -- with per-component coefficients (zero where the centre
        lacks the dim): one BLAS call for every component instead of (m, n, d) intermediates.
        Discrete numeric dims (a kernel's mass on the point's bin) are computed directly,
        once per distinct value of the points."""
        n, m = len(self.centres), len(x)
        cont = (self.n_choices == 0) & (self.bins == 0) & np.isnan(self.log_ints[:, 0])
        feats, coefs = [np.ones((m, 1))], [self.log_weights[:-1, None]]
        if cont.any():  # (without, no columns: a categorical space needs no scipy at all)
            feats.append(_quadratic_features(x[:, cont]))
            coefs.append(self._quadratic_coefficients(cont))
        for j in np.flatnonzero(self.n_choices > 0):
            f, w = self._categorical_terms(x[:, j], j)
            feats.append(f)
            coefs.append(w)
        coef = np.concatenate(coefs, axis=1)
        prior = np.zeros((1, coef.shape[1]))
        prior[0, 0] = self.log_weights[-1]
        out = np.concatenate(feats, axis=1) @ np.concatenate([coef, prior]).T
        for j in np.flatnonzero((self.n_choices == 0) & ~cont):
            out[:, :n] += self._log_discrete(x[:, j], j)
        return out

    def _quadratic_coefficients(self, cols: np.ndarray) -> np.ndarray:
        """Per component (n, 3k): the coefficients of x^2, of x and of 1 in the continuous
        dims' log kernels; zero where the centre lacks the dim."""
        c, s = self.centres[:, cols], self.sigma[:, cols]
        with np.errstate(invalid="ignore"):
            inside = ndtr((1 - c) / s) - ndtr(-c / s)
            inv = 1.0 / (s * s)
            coef = np.concatenate(
                [-0.5 * inv, c * inv,
                 -0.5 * c * c * inv - np.log(s * math.sqrt(2 * math.pi) * inside)], axis=1)
        return np.where(np.tile(np.isnan(c), 3), 0.0, coef)

    def _categorical_terms(self, x: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
        """A categorical dim as (points' one-hot choices (m, k), components' log kernel per
        choice (n, k)): the kept choice's density per unit width where it is the centre's,
        the switch density elsewhere, zero rows where a side lacks the dim."""
        k, keep = int(self.n_choices[j]), self.keep[j]
        with np.errstate(divide="ignore"):
            log_same = np.log(keep * k)
            log_other = np.log((1 - keep) / max(k - 1, 1) * k)
        point, centre = _choice_index(x, k), _choice_index(self.centres[:, j], k)
        choices = np.arange(k)
        onehot = (point[:, None] == choices).astype(float)
        w = np.where(centre[:, None] == choices, log_same, log_other)
        w[centre < 0] = 0.0
        return onehot, w

    def _log_discrete(self, x: np.ndarray, j: int) -> np.ndarray:
        """A discrete numeric dim's log kernels (m, n): the kernel's mass on the bin each point
        falls in divided by the bin's width (so that a kernel much narrower than a bin does not
        count as a spike), over the kernel's mass inside the cube."""
        values, back = np.unique(x, return_inverse=True)
        c, s = self.centres[None, :, j], self.sigma[None, :, j]  # (1, n)
        lo, hi = bin_edges(values[:, None], self.bins[j:j + 1], self.log_ints[j:j + 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            inside = ndtr((1 - c) / s) - ndtr(-c / s)
            mass = ndtr((hi - c) / s) - ndtr((lo - c) / s)  # (u, n)
            terms = np.log(np.maximum(mass, 1e-300) / (hi - lo)) - np.log(inside)
        terms = np.where(np.isnan(terms), 0.0, terms)
        return terms[back.reshape(-1)]

    def log_pdf_dims(self, x: np.ndarray) -> np.ndarray:
        """(m, d): each dim's own one-dimensional mixture's log density at the points (the
        same components, weights and kernels, the other dims left out).  The continuous dims
        are done together (``_continuous_log_pdfs``), the others one by one."""
        m, d = x.shape
        out = np.empty((m, d))
        cont = (self.n_choices == 0) & (self.bins == 0) & np.isnan(self.log_ints[:, 0])
        for j in np.flatnonzero(~cont):
            out[:, j] = self.column(j).log_pdf(x[:, j:j + 1])
        cols = np.flatnonzero(cont)
        step = max(1, _BATCH_ENTRIES // max(1, m * (len(self.centres) + 1)))
        for start in range(0, len(cols), step):
            part = cols[start:start + step]
            out[:, part] = self._continuous_log_pdfs(x, part).T
        return out

    def _continuous_log_pdfs(self, x: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """(k, m): the one-dimensional log densities of the continuous dims ``cols`` at the
        points, as ``column(j).log_pdf`` computes them, to the bit: per dim the same features
        (1, x^2, x, present) and coefficients (the weight, then the x^2, x and 1 terms; the
        prior's row last), the same matrix product per dim (a stack of them, which numpy hands
        to BLAS one dim at a time), the same row-wise log-sum-exp."""
        n, m, k = len(self.centres), len(x), len(cols)
        quad = self._quadratic_coefficients(cols)  # (n, 3k): x^2 terms, x terms, constants
        coef = np.zeros((k, n + 1, 4))
        coef[:, :n, 0] = self.log_weights[:-1]
        coef[:, n, 0] = self.log_weights[-1]
        for f in range(3):
            coef[:, :n, f + 1] = quad[:, f * k:(f + 1) * k].T
        quad_x = _quadratic_features(x[:, cols])  # (m, 3k)
        feats = np.empty((k, m, 4))
        feats[:, :, 0] = 1.0
        for f in range(3):
            feats[:, :, f + 1] = quad_x[:, f * k:(f + 1) * k].T
        return logsumexp(np.matmul(feats, coef.transpose(0, 2, 1)), axis=2)

    def column(self, j: int) -> Mixture:
        """The mixture of dim ``j`` alone."""
        cols = slice(j, j + 1)
        return Mixture(self.centres[:, cols], self.log_weights, self.sigma[:, cols],
                        self.keep[cols], self.n_choices[cols], self.bins[cols],
                        self.log_ints[cols])

    def sample(self, rng: np.random.Generator, m: int, per_dim: bool = False) -> np.ndarray:
        """``m`` draws: each from one component, or with ``per_dim`` each dim from its own
        component (the product of the dims' one-dimensional mixtures)."""
        n, d = self.centres.shape
        p = np.exp(self.log_weights - logsumexp(self.log_weights))
        if per_dim:
            comp = rng.choice(n + 1, size=(m, d), p=p)
        else:
            comp = rng.choice(n + 1, size=m, p=p)
        out = rng.random((m, d))  # the prior component and absent dims: uniform
        from_comp = comp < n
        idx = np.minimum(comp, n - 1)
        if per_dim:
            cols = np.arange(d)
            c = self.centres[idx, cols] if n else np.full((m, d), np.nan)
            s = self.sigma[idx, cols] if n else np.ones((m, d))
            use = from_comp & ~np.isnan(c)
        else:
            c = self.centres[idx] if n else np.full((m, d), np.nan)
            s = self.sigma[idx] if n else np.ones((m, d))
            use = from_comp[:, None] & ~np.isnan(c)
        numeric = self.n_choices == 0
        draws = rng.random((m, d))  # drawn with or without numeric dims: the same stream
        if numeric.any():
            # truncated Gaussian around the centre, by inverting the CDF
            with np.errstate(invalid="ignore"):
                lo, hi = ndtr(-c / s), ndtr((1 - c) / s)
                u = lo + draws * (hi - lo)
                tn = np.clip(c + s * ndtri(np.clip(u, 1e-12, 1 - 1e-12)), 0.0, 1.0)
            out = np.where(use & numeric, tn, out)
        keep = rng.random((m, d)) < self.keep
        out = np.where(use & ~numeric & keep, c, out)
        return out


def ndtr(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF (``scipy.special.ndtr``, imported on first use: scipy takes
    most of a second to import, and the start-up trials need none of it)."""
    from scipy.special import ndtr as _ndtr

    return _ndtr(x)


def ndtri(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile (``scipy.special.ndtri``, imported on first use)."""
    from scipy.special import ndtri as _ndtri

    return _ndtri(p)


def logsumexp(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    """log(sum(exp(a))) along ``axis``, stable; scipy's version costs more per call than the
    whole sum at these sizes."""
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    shifted = a - top
    # exp of what would be subnormal or underflow is left at 0: numpy's exp takes a slow path
    # there (tens of times slower), and such terms cannot change a sum that is at least 1
    terms = np.zeros_like(shifted)
    np.exp(shifted, out=terms, where=~(shifted < _EXP_FLOOR))
    out = np.log(np.sum(terms, axis=axis, keepdims=True)) + top
    return np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def stable_argsort(a: np.ndarray) -> np.ndarray:
    """``np.argsort(a, kind="stable")``, about four times faster on floats without ties: the
    default sort's order is the stable one when no two values are equal (with ties, or NaNs,
    the stable sort is run)."""
    order = np.argsort(a)
    v = a[order]
    if len(v) > 1 and (np.isnan(v[-1]) or not np.all(v[1:] != v[:-1])):
        return np.argsort(a, kind="stable")
    return order


def _quadratic_features(x: np.ndarray) -> np.ndarray:
    """Points' (x^2, x, 1) per dim (m, 3k), zero where a point lacks the dim."""
    absent = np.isnan(x)
    v = np.where(absent, 0.0, x)
    return np.concatenate([v * v, v, (~absent).astype(float)], axis=1)


def _choice_index(u: np.ndarray, k: int) -> np.ndarray:
    """The choice that unit coordinates of a categorical with ``k`` choices stand for (-1 for
    NaN)."""
    with np.errstate(invalid="ignore"):
        idx = np.minimum(np.floor(u * k), k - 1)
    return np.where(np.isnan(u), -1, idx).astype(int)


def neighbour_bandwidths(centres: np.ndarray, dims: np.ndarray | None = None) -> np.ndarray:
    """Per centre and dim: the larger gap to its neighbours, clipped to [1 / min(100, n + 2), 1];
    dense regions get narrow kernels.  A lone centre measures to the cube's faces.  ``dims``
    (bool, per dim): the dims to measure (the others, categorical ones, keep 1)."""
    n, d = centres.shape
    sigma = np.ones((n, d))
    for j in range(d) if dims is None else np.flatnonzero(dims):
        col = centres[:, j]
        idx = np.flatnonzero(~np.isnan(col))
        if not len(idx):
            continue
        order = idx[stable_argsort(col[idx])]
        padded = np.concatenate([[0.0], col[order], [1.0]])
        gaps = np.maximum(padded[1:-1] - padded[:-2], padded[2:] - padded[1:-1])
        if len(order) >= 2:  # the outermost centres look inwards only, not at the faces
            gaps[0] = padded[2] - padded[1]
            gaps[-1] = padded[-2] - padded[-3]
        floor = 1.0 / min(100.0, len(idx) + 2.0)
        sigma[order, j] = np.clip(gaps, floor, 1.0)
    return sigma


def bin_edges(x: np.ndarray, bins: np.ndarray, log_ints: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Unit-cube edges of the bin that each point of ``x`` (m, k) falls in, per dim: one of
    ``bins`` equal-width bins, or where ``bins`` is 0 a log-scaled integer's cell
    (``Int.cell_edges``; ``log_ints`` rows hold its low and high)."""
    half = 0.5 / np.maximum(bins, 1)
    lo, hi = x - half, x + half
    for k in np.flatnonzero((bins == 0) & ~np.isnan(log_ints[:, 0])):
        param = Int(int(log_ints[k, 0]), int(log_ints[k, 1]), log=True)
        lo[:, k], hi[:, k] = param.cell_edges(x[:, k])
    return lo, hi
