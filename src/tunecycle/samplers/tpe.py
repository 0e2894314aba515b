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
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np

from tunecycle.compat.samplers import TPE_ARGS, optuna_options
from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.samplers.fidelity import RowCache, observations_at
from tunecycle.samplers.motpe import MO_MODELS, MO_WEIGHTS, choice, good_weights, mo_order
from tunecycle.samplers.observe import Observations, Observer, encode, in_startup
from tunecycle.samplers.parzen import Mixture, neighbour_bandwidths, stable_argsort
from tunecycle.samplers.qmc import QMCSampler
from tunecycle.space import Categorical, Int, Param, ParamValue, Space
from tunecycle.untried import Taken, TakenLog
from tunecycle.warmstart import TPE_HALF_LIFE, PriorRows


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
        self, space: Space, good: Mixture, bad: Mixture, rng: np.random.Generator,
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
                 extra: tuple[np.ndarray, float] | None = None) -> Mixture:
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
        sigma = neighbour_bandwidths(centres, n_choices == 0)
        keep = 1.0 - (n_choices - 1) / np.maximum(n_choices, 1) / np.sqrt(active + 1.0)
        bins = np.array([0 if isinstance(dim.param, Categorical) else _bins(dim.param)
                         for dim in space.dims])
        log_ints = np.array([_log_int(dim.param) for dim in space.dims], dtype=float)
        return Mixture(centres, log_w, sigma, np.clip(keep, 0.0, 1.0), n_choices, bins,
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


def _score(good: Mixture, bad: Mixture, enc: np.ndarray, discrete: bool) -> np.ndarray:
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


def _positions(order: np.ndarray) -> np.ndarray:
    """The inverse of a permutation, as floats: element i's place in ``order``."""
    out = np.empty(len(order))
    out[order] = np.arange(len(order))
    return out


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


def _bins(param: Param) -> int:
    """How many equal-width cells the unit encoding of ``param`` has (0: continuous, or a
    log-scaled integer)."""
    return (param.n_cells or 0) if param.equal_cells else 0


def _dedupes(space: Space, noisy: bool) -> bool:
    """Whether proposals in ``space`` avoid configurations already tried: a wholly discrete,
    unconditional space and a deterministic objective (a conditional space's repeats are left
    to the study)."""
    return space.is_discrete and not noisy and not space.is_conditional
