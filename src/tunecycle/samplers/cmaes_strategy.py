"""The CMA-ES strategy's numerics on the unit cube: its constants, the search distribution, one
generation's update from ranked members, the spread kept on discrete dims, IPOP restarts and
the warm-start distribution.

Pure functions of their arguments (a restart's random mean is drawn from the seed and the
restart's number, or from the members when unseeded), so that :mod:`tunecycle.samplers.cmaes`
can rebuild the state by replaying the history.  Deliberately not here: the space (which dims
are searched, the fallback for the rest), the history (which trials are members, checkpoints),
the choice of warm-start trials, and proposals' no-repeat rule -- all the sampler's.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from tunecycle.space import Param

_TOL_X = 1e-11  # restart when every continuous dim's spread is below this (unit cube)
_TOL_FUN = 1e-12  # restart when the best loss is this flat over the recent generations
_MAX_CONDITION = 1e14
_MAX_POPSIZE_FACTOR = 64  # IPOP doubles lambda up to this multiple of the first lambda
_SALT_RESTART = 0x434D41  # "CMA"
_WARM_ALPHA = 0.1  # a warm start's source trials' spread in the unit cube

@dataclass(frozen=True)
class Strategy:
    """The constants of CMA-ES for dimension ``n`` and population ``lam`` (Hansen 2016, table 1)."""

    n: int
    lam: int
    mu: int
    weights: np.ndarray
    mu_eff: float
    cs: float
    ds: float
    cc: float
    c1: float
    cmu: float
    chi_n: float
    c_y: float
    alpha_margin: float

    @classmethod
    def make(cls, n: int, lam: int) -> Strategy:
        mu = lam // 2
        w = math.log((lam + 1) / 2) - np.log(np.arange(1, mu + 1))
        w = w / w.sum()
        mu_eff = float(1.0 / np.sum(w**2))
        cs = (mu_eff + 2) / (n + mu_eff + 5)
        ds = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + cs
        cc = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
        c1 = 2 / ((n + 1.3) ** 2 + mu_eff)
        cmu = min(1 - c1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff))
        chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
        c_y = math.sqrt(n) + 2 * n / (n + 2)
        return cls(n, lam, mu, w, mu_eff, cs, ds, cc, c1, cmu, chi_n, c_y, 1.0 / (n * lam))


@dataclass
class State:
    """The search distribution N(mean, sigma^2 C) and its evolution paths; C = B diag(D^2) B^T."""

    lam: int
    mean: np.ndarray
    sigma: float
    C: np.ndarray
    B: np.ndarray
    D: np.ndarray
    ps: np.ndarray
    pc: np.ndarray
    gen: int = 0  # generations since the last (re)start
    generations: int = 0  # generations replayed in all
    restarts: int = 0
    best_hist: list[float] = field(default_factory=list)
    median_hist: list[float] = field(default_factory=list)

    @classmethod
    def fresh(cls, lam: int, mean: np.ndarray, sigma: float) -> State:
        n = len(mean)
        return cls(
            lam, np.array(mean, dtype=float), float(sigma), np.eye(n), np.eye(n), np.ones(n),
            np.zeros(n), np.zeros(n),
        )

    def copy(self) -> State:
        return State(
            self.lam, self.mean.copy(), self.sigma, self.C.copy(), self.B.copy(), self.D.copy(),
            self.ps.copy(), self.pc.copy(), self.gen, self.generations, self.restarts,
            list(self.best_hist), list(self.median_hist),
        )

    @property
    def inv_sqrt_c(self) -> np.ndarray:
        return (self.B / self.D) @ self.B.T



@dataclass(frozen=True)
class Member:
    """A member of a generation (a usable finished trial): its point in the unit cube and its loss."""

    number: int
    trial_id: int
    x: np.ndarray
    loss: float  # +inf for pruned
    complete: bool


def start(lam: int, mean: np.ndarray, sigma: float, discrete: np.ndarray,
          params: Sequence[Param], cov: np.ndarray | None = None) -> State:
    """A fresh distribution N(mean, sigma^2 cov) (cov the identity when None), with the
    discrete dims' spread floored and B, D computed."""
    state = State.fresh(lam, mean, sigma)
    if cov is not None:
        state.C = cov
    floor_discrete(state, Strategy.make(len(state.mean), lam), discrete, params)
    eigen(state)
    return state


def warm_distribution(top: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """A warm start's initial (mean, sigma, C) from the best source points ``top`` (rows in the
    unit cube), each taken as a small Gaussian (standard deviation ``_WARM_ALPHA``), summarised
    by one Gaussian with their mean and the mixture's covariance; ``sigma`` is that
    covariance's geometric-mean scale and ``C`` the rest."""
    n = top.shape[1]
    mean = top.mean(axis=0)
    dev = top - mean
    cov = _WARM_ALPHA**2 * np.eye(n) + dev.T @ dev / len(top)
    sign_det, logdet = np.linalg.slogdet(cov)
    sigma = float(np.exp(logdet / (2 * n))) if sign_det > 0 else _WARM_ALPHA
    return mean, sigma, cov / (sigma * sigma)


def draw(state: State, rng: np.random.Generator, widen: float = 1.0) -> np.ndarray:
    """A sample of the distribution (step widened by ``widen``), mirrored into the unit cube."""
    z = rng.standard_normal(len(state.mean))
    x = state.mean + widen * state.sigma * (state.B @ (state.D * z))
    return reflect(x)


def tell(st: State, block: list[Member], discrete: np.ndarray, params: Sequence[Param]
         ) -> tuple[Strategy, np.ndarray, bool] | None:
    """One generation of CMA-ES from the finished members ``block`` (len == lambda): the
    strategy's constants, the complete members' losses (best first) and whether C is still a
    usable covariance, for the restart test; None when no member is complete (nothing but the
    generation count changes)."""
    n = len(st.mean)
    s = Strategy.make(n, st.lam)
    order = sorted(
        range(len(block)),
        key=lambda i: (not block[i].complete, block[i].loss if block[i].complete else 0.0, i),
    )
    ranked = [block[i] for i in order]
    losses = np.array([e.loss for e in ranked if e.complete])
    st.generations += 1
    k = min(s.mu, len(losses))
    if k == 0:  # nothing but pruned members: no information on what is better
        return None
    X = np.vstack([e.x for e in ranked[:k]])
    Y = (X - st.mean) / st.sigma
    inv_sqrt_c = st.inv_sqrt_c
    # shorten steps that N(m, sigma^2 C) would hardly produce (injected or stale points)
    lengths = np.linalg.norm(Y @ inv_sqrt_c, axis=1)
    with np.errstate(divide="ignore"):
        Y *= np.minimum(1.0, s.c_y / lengths)[:, None]
    w = s.weights[:k] / s.weights[:k].sum()
    mu_eff = float(1.0 / np.sum(w**2))
    y_w = w @ Y
    st.mean = np.clip(st.mean + st.sigma * y_w, 0.0, 1.0)
    st.ps = (1 - s.cs) * st.ps + math.sqrt(s.cs * (2 - s.cs) * mu_eff) * (inv_sqrt_c @ y_w)
    ps_norm = float(np.linalg.norm(st.ps))
    h_sigma = ps_norm / math.sqrt(1 - (1 - s.cs) ** (2 * (st.gen + 1))) < (
        1.4 + 2 / (n + 1)
    ) * s.chi_n
    st.pc = (1 - s.cc) * st.pc + h_sigma * math.sqrt(s.cc * (2 - s.cc) * mu_eff) * y_w
    rank_mu = (Y.T * w) @ Y
    decay = 1 - s.c1 - s.cmu + (0.0 if h_sigma else s.c1 * s.cc * (2 - s.cc))
    st.C = decay * st.C + s.c1 * np.outer(st.pc, st.pc) + s.cmu * rank_mu
    st.sigma *= math.exp(min(1.0, (s.cs / s.ds) * (ps_norm / s.chi_n - 1)))
    if len(losses) >= 2 and losses[0] == losses[max(1, math.ceil(0.7 * len(losses))) - 1]:
        st.sigma *= math.exp(0.2 + s.cs / s.ds)  # flat fitness: widen
    floor_discrete(st, s, discrete, params)
    st.gen += 1
    st.best_hist.append(float(losses[0]))
    st.median_hist.append(float(np.median(losses)))
    return s, losses, eigen(st)


def floor_discrete(st: State, s: Strategy, discrete: np.ndarray, params: Sequence[Param]) -> None:
    """Cap every dim's spread at the unit range, then keep each discrete dim's spread wide
    enough to leave its value with probability at least alpha (when the mean is mid-cell)."""
    top = float(np.max(np.diag(st.C)))
    if st.sigma * st.sigma * top > 1.0:
        st.sigma = 1.0 / math.sqrt(top)
    if discrete.any():
        z = NormalDist().inv_cdf(1 - s.alpha_margin / 2)
        for i in np.flatnonzero(discrete):
            floor = params[i].cell_width(float(st.mean[i])) / (2 * z)
            var = floor * floor / (st.sigma * st.sigma)
            if st.C[i, i] < var:
                st.C[i, i] = var


def eigen(st: State) -> bool:
    """Refresh B and D from C; False when C is no longer a usable covariance."""
    C = (st.C + st.C.T) / 2
    if not np.all(np.isfinite(C)) or not math.isfinite(st.sigma) or st.sigma <= 0:
        return False
    vals, vecs = np.linalg.eigh(C)
    if vals.max() <= 0:
        return False
    vals = np.maximum(vals, vals.max() * 1e-20)
    st.C, st.B, st.D = C, vecs, np.sqrt(vals)
    return True


def needs_restart(st: State, s: Strategy, losses: np.ndarray, discrete: np.ndarray) -> bool:
    """Whether IPOP should restart after this generation (the tests in the sampler's docstring)."""
    n = len(st.mean)
    spread = st.sigma * np.sqrt(np.diag(st.C))
    continuous = ~discrete
    if continuous.any() and float(spread[continuous].max()) < _TOL_X:
        return True
    if (st.D.max() / st.D.min()) ** 2 > _MAX_CONDITION:
        return True
    flat_window = 10 + math.ceil(30 * n / st.lam)
    if (
        len(st.best_hist) >= flat_window
        and np.ptp(st.best_hist[-flat_window:]) < _TOL_FUN
        and np.ptp(losses) < _TOL_FUN
    ):
        return True
    window = min(20000, max(120 + math.ceil(30 * n / st.lam), math.ceil(0.2 * st.gen)))
    if st.gen >= window:
        part = math.ceil(0.3 * window)
        recent = slice(len(st.best_hist) - part, None)
        old = slice(len(st.best_hist) - window, len(st.best_hist) - window + part)
        best, med = np.array(st.best_hist), np.array(st.median_hist)
        if np.median(best[recent]) >= np.median(best[old]) and np.median(
            med[recent]
        ) >= np.median(med[old]):
            return True
    return False


def restart(st: State, block: list[Member], first_lam: int, sigma0: float, seed: int | None,
            discrete: np.ndarray, params: Sequence[Param]) -> None:
    """Restart ``st`` in place (IPOP): lambda doubled (at most ``_MAX_POPSIZE_FACTOR`` times
    ``first_lam``), step ``sigma0``, a uniform random mean drawn from ``(seed, restart)`` or,
    unseeded, from the generation's members."""
    n = len(st.mean)
    lam = min(st.lam * 2, first_lam * _MAX_POPSIZE_FACTOR)
    if seed is not None:
        material = [int(seed), st.restarts + 1, _SALT_RESTART]
    else:  # unseeded: still a function of the history
        material = [zlib.crc32(np.vstack([e.x for e in block]).tobytes()), st.restarts + 1]
    mean = np.random.default_rng(material).random(n)
    fresh = start(lam, mean, sigma0, discrete, params)
    fresh.generations, fresh.restarts = st.generations, st.restarts + 1
    st.__dict__.update(fresh.__dict__)


def reflect(x: np.ndarray) -> np.ndarray:
    """Mirror a point into [0, 1] in every coordinate (period 2)."""
    r = np.mod(np.abs(x), 2.0)
    return np.where(r > 1.0, 2.0 - r, r)
