"""Tree-structured Parzen estimator (TPE), multivariate, in the unit cube.

The history is split into a good group (the best ``gamma`` share of the finished trials:
complete ones by loss, then pruned ones by how far they got) and a bad group (the rest, plus,
as a constant liar, the running trials of other workers).  Each group is a
Parzen mixture of product kernels, one component per trial plus a uniform prior component:
truncated Gaussians on [0, 1] for numeric dims, a keep-or-switch kernel for categorical dims.
Candidates are drawn from the good mixture and the one with the highest ratio of good to bad
density wins.  The kernels are joint over the dims that always co-occur.  A conditional space
is proposed top down: first its unconditional dims, then each sub-space that the values so far
make active, each from the trials in which it is active, with its own good/bad split (so a
branch that good trials seldom take still gets its parameters tuned among its own trials).

Scrambled Sobol points are proposed until ``n_startup`` trials have finished with a value
(complete, or pruned after reporting).  The bad group's older finished trials weigh less
(a recency ramp over trial numbers, pruned ones included).  All work is vectorised over
candidates, components and dims; encoded finished trials are cached between asks.

Multi-fidelity (``multi_fidelity=True``, the default): while fewer than ``n_startup`` trials
are complete, the model is fitted on the trials' intermediate values at the largest step that
``n_startup`` trials have reached (rule in :mod:`tunecycle.samplers.fidelity`), so a study whose
pruner stops most trials early still leaves the start-up phase after ``n_startup`` trials and
learns from the pruned ones.  Without intermediate values nothing changes.  Otherwise (feature
off, or enough trials complete) pruned trials are ranked after the complete ones: they join the
good group only when too few trials completed to fill it (as under a halving pruner).

Several objectives (MOTPE, Ozaki et al., 2020/2022): the same model, with the trials ordered
for the split by non-dominated rank (``pareto.front_ranks``) and, inside the front that the
good group's size cuts through, by hypervolume contribution (largest first; each point's
contribution alone to its front, with a reference point 10% of the observed range beyond the
worst loss of each objective; not MOTPE's greedy subset selection, which did no better on the
development half of ``benchmarks/multiobjective.py``).  In the good density each good
trial is weighted by its own hypervolume contribution to the good group (``good_weights``;
dominated and infeasible good trials get a floor of 1e-12, so the good density is in effect the
good group's front).  Multi-fidelity does not apply (pruners are refused there).
The density model (``mo_model``; one objective is always joint): ``pool``, the default,
draws the candidates jointly from the good mixture (each from one good trial's kernel) and
scores each by the product of its per-dim ratios of good to bad density (each dim's own
one-dimensional mixture), so a dim's score does not hang on how near the other dims are to one
trial; ``joint`` scores by the joint densities (the one-objective rule); ``independent`` draws
and scores each dim alone and takes the best per dim (Optuna's univariate TPE: it converges
the dims fastest but pulls every proposal to the same few values, so a front spreads less);
``alternate`` takes turns (independent on even trial numbers).  ``mo_weights="equal"``
leaves the good trials unweighted; ``mo_joint_after`` switches to the joint model from that
many complete trials on.  Measured on the development half: see ``benchmarks/RESULTS.md``.

Constraints (trials whose ``constraints`` are set, one or several objectives): feasible trials
come first in that order and infeasible ones after all of them, the smaller total violation
first (Deb's constrained domination, ``pareto.constrained_ranks``).  So infeasible trials are
bad unless too few trials are feasible to fill the good group; the sampler is drawn to the
feasible region.  A study without constraints (and of one objective) takes exactly the path it
took before either existed (a golden test holds it to its recorded proposals).

Warm start (``history.prior``, one objective): the prior trials that fit the space are split
into good and bad by their own ranking (the same ``gamma`` share, so a new task on another
level of loss does not matter) and join the good and bad mixtures as extra components, each
weighted ``Prior.weight(n)`` against an own trial (fading as own trials arrive, rule in
:mod:`tunecycle.warmstart`); free dims (new parameters) are uniform in them.  Prior trials
count towards ``n_startup``, so a rich prior starts modelling at the first trial; until the
study has ``n_startup`` own trials every odd-numbered trial is still a Sobol point
(``observe.in_startup``), so a misleading prior cannot keep the own trials in its corner.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from tunecycle.compat.samplers import TPE_ARGS, optuna_options
from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.samplers.fidelity import RowCache, observations_at
from tunecycle.samplers.motpe import MO_MODELS, MO_WEIGHTS, choice, good_weights, mo_order
from tunecycle.samplers.observe import Observations, Observer, encode, in_startup
from tunecycle.samplers.qmc import QMCSampler
from tunecycle.space import Categorical, Int, Param, ParamValue, Space
from tunecycle.untried import Taken, TakenLog
from tunecycle.warmstart import TPE_HALF_LIFE, PriorRows

_LOG_EPS = -700.0
_EXP_FLOOR = -708.0  # exp below this is subnormal (under 2.2e-308) or 0
_BATCH_ENTRIES = 1 << 21  # log_pdf_dims: at most this many (dim, point, component) at once


@dataclass(frozen=True)
class _Mixture:
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
        lo, hi = _bin_edges(values[:, None], self.bins[j:j + 1], self.log_ints[j:j + 1])
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

    def column(self, j: int) -> _Mixture:
        """The mixture of dim ``j`` alone."""
        cols = slice(j, j + 1)
        return _Mixture(self.centres[:, cols], self.log_weights, self.sigma[:, cols],
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


class _Rows(NamedTuple):
    """One group of dims' history: complete trials, pruned trials, other bad rows."""

    x: np.ndarray
    loss: np.ndarray
    numbers: np.ndarray
    pruned_x: np.ndarray
    pruned_step: np.ndarray
    pruned_loss: np.ndarray
    pruned_numbers: np.ndarray
    other: np.ndarray  # running trials and this batch's earlier proposals (constant liar)
    losses: np.ndarray | None = None  # complete rows' losses, several objectives only
    violation: np.ndarray | None = None  # complete rows' total violation, with ``losses``
    prior: PriorRows | None = None  # a warm start's prior rows active in these dims

    @property
    def n_finished(self) -> int:
        return len(self.loss) + len(self.pruned_loss)


class TPESampler(Sampler):
    """``sampler="tpe"``: multivariate TPE with quasi-random start-up and a constant liar."""

    name = "tpe"
    multi_objective = True  # MOTPE's split: non-dominated rank, then hypervolume contribution

    def __init__(
        self,
        seed: int | None = None,
        *,
        n_startup: int = 10,
        n_candidates: int = 24,
        gamma: float | Callable[[int], int] = 0.1,
        max_good: int = 25,
        prior_weight: float | None = 1.0,
        noisy: bool = False,
        multi_fidelity: bool = True,
        mo_model: str = "pool",
        mo_weights: str = "hypervolume",
        mo_joint_after: int | None = None,
        **optuna: Any,
    ):
        """``**optuna``: Optuna's arguments (``n_startup_trials``, ``n_ei_candidates``,
        ``constraints_func``, ``multivariate``...), mapped by ``compat.samplers.TPE_ARGS``.
        ``mo_model`` (``pool``, ``joint``, ``independent``, ``alternate``), ``mo_weights``
        (``hypervolume``, ``equal``) and ``mo_joint_after`` (complete trials, or None) apply
        to several objectives only (module docstring).
        ``gamma`` may be Optuna's callable (finished trials -> size of the good group); it is
        not stored, so a study loaded later uses the default share."""
        super().__init__(seed)
        opts = optuna_options("TPESampler", optuna, TPE_ARGS)
        n_startup = opts.get("n_startup", n_startup)
        n_candidates = opts.get("n_candidates", n_candidates)
        self.constraints_func = opts.get("constraints_func")
        self._gamma_func = gamma if callable(gamma) else None
        if callable(gamma):
            gamma = 0.1
        self.n_startup = n_startup
        self.n_candidates = n_candidates
        self.gamma = gamma
        self.max_good = max_good
        self.prior_weight = 1.0 if prior_weight is None else prior_weight
        self.noisy = noisy
        self.multi_fidelity = bool(multi_fidelity)
        self.mo_model = choice("mo_model", mo_model, MO_MODELS)
        self.mo_weights = choice("mo_weights", mo_weights, MO_WEIGHTS)
        if mo_joint_after is not None and (isinstance(mo_joint_after, bool)
                                           or not isinstance(mo_joint_after, int)
                                           or mo_joint_after < 0):
            raise ValueError(f"mo_joint_after must be None or an integer >= 0, "
                             f"got {mo_joint_after!r}")
        self.mo_joint_after = mo_joint_after
        self._startup = QMCSampler(seed)
        self._observer = Observer(half_life=TPE_HALF_LIFE)
        self._rows = RowCache()  # finished trials' encodings for the multi-fidelity model
        self._taken = TakenLog()  # configurations tried (discrete spaces)

    # -- the Sampler contract -----------------------------------------------------------------
    def parts(self) -> Sequence[Sampler]:
        return (self._startup,)

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        obs = self._observer.observe(space, history)
        several = len(history.directions) > 1
        if self.multi_fidelity and obs.n < self.n_startup and not several:
            at_level = observations_at(space, history, self.n_startup, self._rows)
            obs = obs if at_level is None else replace(at_level, prior=obs.prior)
        if several or obs.violation.any():
            obs = replace(obs, loss=self._order(obs, several))
        out: list[dict[str, ParamValue]] = []
        taken = self._taken.of(space, history) if _dedupes(space, self.noisy) else None
        liars: list[np.ndarray] = []
        for ctx in contexts:
            if in_startup(obs, self.n_startup, ctx.number):
                params = self._startup.propose(space, history, [ctx])[0]
            else:
                model = self._model(obs, several, ctx.number)
                params = self._propose_one(space, obs, liars, ctx.rng, taken, model)
            if taken is not None:
                taken.add(params)
            liars.append(encode(space, params))
            out.append(params)
        return out

    def propose_param(
        self, name: str, param: Param, history: History, context: TrialContext
    ) -> ParamValue:
        # a parameter outside the joint space: model it alone from the trials that have it
        space = Space({name: param})
        return self.propose(space, history, [context])[0][name]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "n_startup": self.n_startup,
                "n_candidates": self.n_candidates, "gamma": self.gamma,
                "max_good": self.max_good, "prior_weight": self.prior_weight,
                "multi_fidelity": self.multi_fidelity, "mo_model": self.mo_model,
                "mo_weights": self.mo_weights, "mo_joint_after": self.mo_joint_after}

    def _n_good(self, n_finished: int) -> int:
        if self._gamma_func is not None:  # Optuna's gamma(n): the good group's size
            return int(min(max(1, n_finished), max(1, int(self._gamma_func(n_finished)))))
        return int(min(self.max_good, max(1, math.ceil(self.gamma * n_finished))))

    def _order(self, obs: Observations, several: bool) -> np.ndarray:
        """A stand-in loss for the complete trials whose order is the split's order: feasible
        first (by loss, or for several objectives by rank and hypervolume contribution), then
        infeasible ones by violation.  Only its order counts."""
        if not several:
            return _positions(np.lexsort((obs.loss, obs.violation)))
        return mo_order(obs.losses, obs.violation, self._n_good(obs.n_finished))

    # -- the model ----------------------------------------------------------------------------
    def _propose_one(
        self, space: Space, obs: Observations, liars: list[np.ndarray],
        rng: np.random.Generator, taken: Taken | None, model: str = "joint",
    ) -> dict[str, ParamValue]:
        if space.is_conditional:
            return self._propose_tree(space, obs, liars, rng, model)
        cols = np.arange(len(space))
        rows = self._group_rows(obs, liars, cols)
        return self._propose_group(space, rows, rng, taken, model)

    def _propose_tree(
        self, space: Space, obs: Observations, liars: list[np.ndarray],
        rng: np.random.Generator, model: str = "joint",
    ) -> dict[str, ParamValue]:
        """A conditional space, top down: the unconditional dims first, then each sub-space
        that the values chosen so far make active, each modelled from the trials in which it is
        active (its own good/bad split).  Repeats in discrete spaces are left to the study."""
        params: dict[str, ParamValue] = {}
        done: set[tuple] = set()
        while True:
            conditions = [d.condition for d in space.dims
                          if d.condition not in done and space.is_active(d, params)]
            if not conditions:
                return params
            condition = conditions[0]
            done.add(condition)
            cols = np.array([i for i, d in enumerate(space.dims) if d.condition == condition])
            group = Space({space.dims[i].name: space.dims[i].param for i in cols})
            rows = self._group_rows(obs, liars, cols)
            known = rows.n_finished + (rows.prior.n if rows.prior is not None else 0)
            if known < max(2, self.n_startup // 2):
                params.update(group.from_unit(rng.random(len(group))))  # too few to model
            else:
                params.update(self._propose_group(group, rows, rng, None, model))

    @staticmethod
    def _group_rows(obs: Observations, liars: list[np.ndarray], cols: np.ndarray) -> _Rows:
        """The history restricted to ``cols`` and to the trials in which all of them are
        active."""
        def active(x: np.ndarray) -> np.ndarray:
            return ~np.isnan(x[:, cols]).any(axis=1)

        done, pruned = active(obs.x), active(obs.pruned_x)
        extra = np.vstack([obs.pending_x] + ([np.vstack(liars)] if liars else []))
        several = obs.losses.ndim == 2 and obs.losses.shape[1] > 1
        return _Rows(obs.x[done][:, cols], obs.loss[done], obs.numbers[done],
                     obs.pruned_x[pruned][:, cols], obs.pruned_step[pruned],
                     obs.pruned_loss[pruned], obs.pruned_numbers[pruned],
                     extra[active(extra)][:, cols],
                     obs.losses[done] if several else None,
                     obs.violation[done] if several else None,
                     obs.prior.restrict(cols) if obs.prior is not None else None)

    def _propose_group(
        self, space: Space, rows: _Rows, rng: np.random.Generator, taken: Taken | None,
        model: str = "joint",
    ) -> dict[str, ParamValue]:
        """The best of the good mixture's candidates by density ratio (``model``: joint, or
        with several objectives per dim, see ``_propose_per_dim``)."""
        if taken is not None and taken.full:
            taken = None  # every configuration was tried: a repeat is unavoidable, TPE picks it
        good_rows, bad_rows, n_bad_complete, good_w = self._split(rows)
        if good_w is not None and self.mo_weights == "equal":
            good_w = None
        prior_good, prior_bad = self._prior_split(rows.prior)
        good = self._mixture(space, good_rows, recency=None, weights=good_w, extra=prior_good)
        bad = self._mixture(space, bad_rows, recency=n_bad_complete, extra=prior_bad)
        if model != "joint":
            return self._propose_per_dim(space, good, bad, rng, taken, model)
        discrete = _rows_score_alone(space)
        for attempt in range(4):
            enc = _encoded(space, good.sample(rng, self.n_candidates * (1 + 3 * attempt)))
            score = _score(good, bad, enc, discrete)
            for i in np.argsort(-score):
                params = space.from_unit(np.nan_to_num(enc[i], nan=0.5))
                if taken is None or params not in taken:
                    return params
        return space.from_unit(rng.random(len(space)))  # every candidate taken: explore

    def _model(self, obs: Observations, several: bool, number: int) -> str:
        """The density model for trial ``number``: always joint for one objective, and from
        ``mo_joint_after`` complete trials on; ``alternate``: per dim for even trial numbers,
        joint for odd ones."""
        if not several or (self.mo_joint_after is not None and obs.n >= self.mo_joint_after):
            return "joint"
        if self.mo_model == "alternate":
            return "independent" if number % 2 == 0 else "joint"
        return self.mo_model

    def _propose_per_dim(
        self, space: Space, good: _Mixture, bad: _Mixture, rng: np.random.Generator,
        taken: Taken | None, model: str,
    ) -> dict[str, ParamValue]:
        """Several objectives, each dim scored by its own one-dimensional densities.
        ``independent``: each dim drawn from its own good mixture and the best ratio taken per
        dim (Optuna's univariate TPE); ``pool``: joint draws from the good mixture, the one
        with the best product of the dims' ratios wins."""
        for attempt in range(4):
            m = self.n_candidates * (1 + 3 * attempt)
            enc = _encoded(space, good.sample(rng, m, per_dim=model == "independent"))
            score = good.log_pdf_dims(enc) - bad.log_pdf_dims(enc)  # (m, d)
            if model == "independent":
                best = enc[np.argmax(score, axis=0), np.arange(enc.shape[1])]
                params = space.from_unit(np.nan_to_num(best, nan=0.5))
                if taken is None or params not in taken:
                    return params
            for i in np.argsort(-score.sum(axis=1)):
                params = space.from_unit(np.nan_to_num(enc[i], nan=0.5))
                if taken is None or params not in taken:
                    return params
        return space.from_unit(rng.random(len(space)))  # every candidate taken: explore

    def _split(self, rows: _Rows) -> tuple[np.ndarray, np.ndarray, int, np.ndarray | None]:
        """(good rows, bad rows, how many of the bad rows come first as finished trials, in
        trial-number order: the recency ramp's rows; the good rows' weights for several
        objectives, None otherwise).

        The good group is the best ``gamma`` share of every finished trial, pruned ones
        included: complete trials by loss first, then pruned trials, the ones that got
        further first and, among those stopped at the same step, the lower loss first.  So
        under a halving pruner, where few trials complete, the good group still holds the
        trials that were promoted furthest.  Running trials (the constant liar) are bad."""
        n_good = self._n_good(rows.n_finished)
        order = stable_argsort(rows.loss)
        good_c, bad_c = order[:n_good], order[n_good:]
        p_order = np.lexsort((rows.pruned_loss, -rows.pruned_step))
        fill = n_good - len(good_c)
        good_p, bad_p = p_order[:fill], p_order[fill:]
        good = np.vstack([rows.x[good_c], rows.pruned_x[good_p]])
        bad = np.vstack([rows.x[bad_c], rows.pruned_x[bad_p]])
        # trial numbers are distinct, so any sort is the stable one
        age = np.argsort(np.concatenate([rows.numbers[bad_c], rows.pruned_numbers[bad_p]]))
        weights = None
        if rows.losses is not None:
            weights = np.concatenate([good_weights(rows.losses[good_c], rows.violation[good_c]),
                                      np.ones(len(good_p))])
        return good, np.vstack([bad[age], rows.other]), len(bad), weights

    def _prior_split(self, prior: PriorRows | None
                     ) -> tuple[tuple[np.ndarray, float] | None, tuple[np.ndarray, float] | None]:
        """A warm start's prior rows for the good and the bad mixture, with their weight."""
        if prior is None or not prior.n:
            return None, None
        good, bad = prior.split(self._n_good(prior.n))
        return (good, prior.weight), (bad, prior.weight)

    def _mixture(self, space: Space, centres: np.ndarray, recency: int | None,
                 weights: np.ndarray | None = None,
                 extra: tuple[np.ndarray, float] | None = None) -> _Mixture:
        n, d = centres.shape
        weights = np.ones(n) if weights is None else weights
        if recency is not None and recency > 25:
            # older bad trials count less (the first ``recency`` rows are the finished ones,
            # oldest first)
            ramp = np.ones(n)
            ramp[: recency - 25] = np.linspace(1.0 / recency, 1.0, recency - 25)
            weights = ramp
        if extra is not None and len(extra[0]):  # a warm start's prior rows, faded
            centres = np.vstack([centres, extra[0]])
            weights = np.concatenate([weights, np.full(len(extra[0]), extra[1])])
            n = len(centres)
        log_w = np.log(np.append(weights, self.prior_weight))
        n_choices = np.array(
            [len(dim.param.choices) if isinstance(dim.param, Categorical) else 0
             for dim in space.dims]
        )
        active = np.maximum((~np.isnan(centres)).sum(axis=0), 1)
        sigma = _neighbour_bandwidths(centres, n_choices == 0)
        keep = 1.0 - (n_choices - 1) / np.maximum(n_choices, 1) / np.sqrt(active + 1.0)
        bins = np.array([0 if isinstance(dim.param, Categorical) else _bins(dim.param)
                         for dim in space.dims])
        log_ints = np.array([_log_int(dim.param) for dim in space.dims], dtype=float)
        return _Mixture(centres, log_w, sigma, np.clip(keep, 0.0, 1.0), n_choices, bins,
                        log_ints.reshape(d, 2))


def _rows_score_alone(space: Space) -> bool:
    """Whether a candidate's density in ``space`` comes out to the same bits whatever other
    rows are scored with it: a discrete unconditional space with at most one categorical dim.
    Its log kernels' matrix product then adds at most two non-zero terms per entry (the
    component's weight and the categorical's kernel; discrete numeric dims are added after it,
    entry by entry), which any BLAS kernel rounds alike; with two categorical dims the sum of
    three terms depends on the kernel that the matrix's shape selects (seen: a single row,
    which numpy sends to gemv, differs in the last bit)."""
    return (space.is_discrete and not space.is_conditional
            and sum(isinstance(d.param, Categorical) for d in space.dims) <= 1)


def _score(good: _Mixture, bad: _Mixture, enc: np.ndarray, discrete: bool) -> np.ndarray:
    """Each candidate's log ratio of good to bad density.  In a discrete space the candidates
    repeat (snapped to their bins); where a row's densities do not depend on the other rows
    (``discrete``: ``_rows_score_alone``) each distinct row is scored once (the same numbers,
    a fraction of the work)."""
    if discrete and len(enc) > 1:
        if enc.shape[1] == 1:  # one dim: the plain sort is several times cheaper
            values, back = np.unique(enc[:, 0], return_inverse=True)
            rows = values[:, None]
        else:
            rows, back = np.unique(enc, axis=0, return_inverse=True)
        if len(rows) < len(enc):
            return (good.log_pdf(rows) - bad.log_pdf(rows))[back.reshape(-1)]
    return good.log_pdf(enc) - bad.log_pdf(enc)


def ndtr(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF (``scipy.special.ndtr``, imported on first use: scipy takes
    most of a second to import, and the start-up trials need none of it)."""
    from scipy.special import ndtr as _ndtr

    return _ndtr(x)


def ndtri(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile (``scipy.special.ndtri``, imported on first use)."""
    from scipy.special import ndtri as _ndtri

    return _ndtri(p)


def _positions(order: np.ndarray) -> np.ndarray:
    """The inverse of a permutation, as floats: element i's place in ``order``."""
    out = np.empty(len(order))
    out[order] = np.arange(len(order))
    return out


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


def _neighbour_bandwidths(centres: np.ndarray, dims: np.ndarray | None = None) -> np.ndarray:
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


def _encoded(space: Space, cand: np.ndarray) -> np.ndarray:
    """Candidates as the trials they would become: discrete dims snapped to the centre of
    their bin and, in a conditional space, inactive dims NaN (the densities skip them)."""
    if space.is_conditional:
        return np.vstack([encode(space, space.from_unit(c)) for c in cand])
    out = cand.copy()
    for j, dim in enumerate(space.dims):
        if dim.param.n_cells is not None:
            out[:, j] = dim.param.snap_column(out[:, j])
    return out


def _log_int(param: Param) -> tuple[float, float]:
    """(low, high) of a log-scaled integer parameter, NaNs for any other."""
    if isinstance(param, Int) and param.log:
        return float(param.low), float(param.high)
    return math.nan, math.nan


def _bin_edges(x: np.ndarray, bins: np.ndarray, log_ints: np.ndarray
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


def _bins(param: Param) -> int:
    """How many equal-width cells the unit encoding of ``param`` has (0: continuous, or a
    log-scaled integer)."""
    return (param.n_cells or 0) if param.equal_cells else 0


def _dedupes(space: Space, noisy: bool) -> bool:
    """Whether proposals in ``space`` avoid configurations already tried: a wholly discrete,
    unconditional space and a deterministic objective (a conditional space's repeats are left
    to the study)."""
    return space.is_discrete and not noisy and not space.is_conditional
