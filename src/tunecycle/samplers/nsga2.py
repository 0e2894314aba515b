"""NSGA-II (Deb et al., 2002), with NSGA-III's reference-direction niching (Deb and Jain, 2014)
for three objectives or more: a genetic algorithm over the space's unit cube.

Generations are fixed by trial numbers: trial ``n`` belongs to generation ``n //
population_size``.  Nothing is kept between asks but a cache: the parents of generation ``g``
are recomputed from the history as

    parents(1) = survivors(complete trials of generation 0)
    parents(g) = survivors(parents(g - 1) + complete trials of generation g - 1)

(the elitist (mu + lambda) step of NSGA-II), so the sampler is a pure function of the space, the
history and each trial's generator, and any process asking for the same trial with the same
history proposes the same configuration.  A trial of an earlier generation that is still running
is left out until it completes; failed and pruned trials never count.

- **Generation 0** takes the scrambled Sobol points of its trial numbers (as ``qmc``), and so
  does any trial while no earlier generation has a complete trial.
- **Survival** of ``population_size`` out of the candidates: constrained non-dominated sorting
  (``pareto.constrained_ranks``: feasible trials by Pareto front, each infeasible one after all of
  them, the smaller total constraint violation first; Deb's rule), whole fronts while they fit,
  then the front that does not fit cut by crowding distance (the largest first) for one or two
  objectives, or for three objectives or more by NSGA-III's niching: Das-Dennis reference
  directions (the fewest divisions giving at least ``population_size`` directions), losses
  translated by the ideal point and divided by the first front's range (a simpler normalisation
  than NSGA-III's hyperplane intercepts), each point tied to the nearest direction, and places
  given to the least crowded directions first.  Crowding distance spreads poorly along a 3-D
  front, which is why the niching is there (the benchmark shows DTLZ2 with 3 objectives).
  Random tie-breaks of the niching use a generator fixed by (seed, generation).
- **Parents** by binary tournament: the lower constrained rank wins, then the larger crowding
  distance (NSGA-III: a fair coin).
- **Crossover** (probability ``crossover_prob``): simulated binary crossover (SBX, distribution
  index ``eta_crossover``) on each numeric dim with probability ``swap_prob``; each categorical
  dim from either parent with equal chance.  Dims inactive in a parent (conditional spaces) take
  the other parent's value, or a uniform draw when inactive in both.
- **Mutation**: each dim with probability ``mutation_prob`` (default 1 / dims): polynomial
  mutation (index ``eta_mutation``) for numeric dims, a uniform redraw for categoricals.
  Integers and stepped floats are rounded when the unit point is decoded.

One objective works too (a plain elitist GA).  In a batch (``ask(n=k)``) each trial draws its
own parents and offspring from its own generator, so a batch is diverse and the same for a seed
in any order.  Define-by-run parameters outside the joint space are drawn uniformly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np

from tunecycle.compat.samplers import NSGA_ARGS, optuna_options
from tunecycle.pareto import constrained_ranks, crowding_distance
from tunecycle.protocols import History, Sampler, TrialContext, trial_rng
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.samplers.observe import encode, violation
from tunecycle.samplers.qmc import QMCSampler
from tunecycle.space import Categorical, ParamValue, Space

_NICHING_SALT = 0x3A5


class NSGAIISampler(Sampler):
    """``sampler="nsga2"``: NSGA-II (NSGA-III niching for 3+ objectives), constrained."""

    name = "nsga2"
    multi_objective = True

    def __init__(
        self,
        seed: int | None = None,
        *,
        population_size: int = 24,
        crossover_prob: float = 0.9,
        swap_prob: float = 0.5,
        eta_crossover: float = 15.0,
        eta_mutation: float = 20.0,
        mutation_prob: float | None = None,
        **optuna: Any,
    ):
        """``**optuna``: Optuna's ``swapping_prob`` (our ``swap_prob``) and
        ``constraints_func``; its ``mutation``, ``crossover`` and strategy callables are
        refused (``compat.samplers.NSGA_ARGS``)."""
        super().__init__(seed)
        opts = optuna_options(type(self).__name__, optuna, NSGA_ARGS)
        swap_prob = opts.get("swap_prob", swap_prob)
        self.constraints_func = opts.get("constraints_func")
        if isinstance(population_size, bool) or int(population_size) < 2:
            raise ValueError(f"population_size: must be an integer >= 2, got {population_size!r}")
        for name, p in (("crossover_prob", crossover_prob), ("swap_prob", swap_prob)):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name}: must be in [0, 1], got {p!r}")
        if mutation_prob is not None and not 0.0 <= mutation_prob <= 1.0:
            raise ValueError(f"mutation_prob: must be in [0, 1] or None, got {mutation_prob!r}")
        self.population_size = int(population_size)
        self.crossover_prob = float(crossover_prob)
        self.swap_prob = float(swap_prob)
        self.eta_crossover = float(eta_crossover)
        self.eta_mutation = float(eta_mutation)
        self.mutation_prob = mutation_prob
        self._qmc = QMCSampler(seed)
        self._cache: dict[int, tuple[tuple, _Population]] = {}

    # -- the Sampler contract -----------------------------------------------------------------
    def parts(self) -> Sequence[Sampler]:
        return (self._qmc,)

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        out = []
        for ctx in contexts:
            pop = self.parents(history, ctx.number // self.population_size)
            if pop is None or not len(space):
                out.append(self._qmc.propose(space, history, [ctx])[0])
            else:
                out.append(space.from_unit(self._offspring(space, pop, ctx.rng)))
        return out

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "population_size": self.population_size,
                "crossover_prob": self.crossover_prob, "swap_prob": self.swap_prob,
                "eta_crossover": self.eta_crossover, "eta_mutation": self.eta_mutation,
                "mutation_prob": self.mutation_prob}

    # -- generations --------------------------------------------------------------------------
    def parents(self, history: History, generation: int) -> _Population | None:
        """The parent population of ``generation`` (None for generation 0, or while no earlier
        generation has a complete trial)."""
        size = self.population_size
        usable = [t for t in history.trials if t.number < generation * size and _usable(t, history)]
        pop: _Population | None = None
        for g in range(1, generation + 1):
            members = [t for t in usable if t.number < g * size]
            key = (tuple(t.trial_id for t in members), history.directions, self.seed)
            cached = self._cache.get(g)
            if cached is not None and cached[0] == key:
                pop = cached[1]
                continue
            new = [t for t in members if (g - 1) * size <= t.number]
            candidates = (list(pop.trials) if pop is not None else []) + new
            pop = self._survivors(candidates, history, g) if candidates else None
            if pop is not None:
                self._cache[g] = (key, pop)
        return pop

    def _survivors(self, trials: list[FrozenTrial], history: History, generation: int
                   ) -> _Population:
        signs = np.array([d.sign() for d in history.directions])
        losses = np.array([t.values for t in trials], dtype=float) * signs
        viol = np.array([violation(t) for t in trials])
        ranks = constrained_ranks(losses, viol)
        chosen: list[int] = []
        for r in range(ranks.max() + 1):
            front = np.flatnonzero(ranks == r)
            room = self.population_size - len(chosen)
            if room <= 0:
                break
            if len(front) <= room:
                chosen.extend(front.tolist())
                continue
            if self._niching(losses.shape[1]) and viol[front[0]] <= 0:
                rng = trial_rng(self.seed, generation, _NICHING_SALT)
                chosen.extend(_niche_select(losses, chosen, front, room, rng,
                                            self._references(losses.shape[1])))
            else:
                crowd = crowding_distance(losses[front])
                chosen.extend(front[np.argsort(-crowd, kind="stable")[:room]].tolist())
        chosen_arr = np.array(sorted(chosen))
        ranks_c = ranks[chosen_arr]
        crowd = np.zeros(len(chosen_arr))
        if not self._niching(losses.shape[1]):
            for r in np.unique(ranks_c):
                at = np.flatnonzero(ranks_c == r)
                if viol[chosen_arr[at[0]]] <= 0:
                    crowd[at] = crowding_distance(losses[chosen_arr[at]])
        return _Population(tuple(trials[i] for i in chosen_arr), ranks_c, crowd)

    def _niching(self, n_objectives: int) -> bool:
        """NSGA-III's niching instead of crowding distance (for 3 objectives or more)."""
        return n_objectives >= 3

    def _references(self, n_objectives: int) -> np.ndarray:
        return reference_directions(n_objectives, self.population_size)

    # -- variation ----------------------------------------------------------------------------
    def _offspring(self, space: Space, pop: _Population, rng: np.random.Generator
                   ) -> np.ndarray:
        a, b = pop.tournament(rng), pop.tournament(rng)
        xa, xb = encode(space, dict(pop.trials[a].params)), encode(space, dict(pop.trials[b].params))
        xa = np.where(np.isnan(xa), xb, xa)
        xb = np.where(np.isnan(xb), xa, xb)
        fill = rng.random(len(space))
        xa, xb = np.where(np.isnan(xa), fill, xa), np.where(np.isnan(xb), fill, xb)
        categorical = np.array([isinstance(d.param, Categorical) for d in space.dims])
        child = xa.copy()
        if rng.random() < self.crossover_prob:
            child = _crossover(xa, xb, categorical, self.swap_prob, self.eta_crossover, rng)
        p_mut = self.mutation_prob if self.mutation_prob is not None else 1.0 / len(space)
        return _mutate(child, categorical, p_mut, self.eta_mutation, rng)


class _Population:
    """Parents: their trials, constrained ranks and crowding distances (0 under niching)."""

    def __init__(self, trials: tuple[FrozenTrial, ...], ranks: np.ndarray, crowd: np.ndarray):
        self.trials, self.ranks, self.crowd = trials, ranks, crowd

    def tournament(self, rng: np.random.Generator) -> int:
        i, j = rng.integers(len(self.trials), size=2)
        if self.ranks[i] != self.ranks[j]:
            return int(i if self.ranks[i] < self.ranks[j] else j)
        if self.crowd[i] != self.crowd[j]:
            return int(i if self.crowd[i] > self.crowd[j] else j)
        return int(i if rng.random() < 0.5 else j)


def _usable(t: FrozenTrial, history: History) -> bool:
    return (t.state is TrialState.COMPLETE and t.values is not None
            and len(t.values) == len(history.directions)
            and all(math.isfinite(v) for v in t.values))


def _crossover(xa: np.ndarray, xb: np.ndarray, categorical: np.ndarray, swap_prob: float,
               eta: float, rng: np.random.Generator) -> np.ndarray:
    """One child: SBX on numeric dims (each with probability ``swap_prob``), uniform crossover
    on categorical dims; values kept in [0, 1]."""
    d = len(xa)
    u, pick, which = rng.random(d), rng.random(d) < swap_prob, rng.random(d) < 0.5
    beta = np.where(u <= 0.5, (2 * u) ** (1 / (eta + 1)), (1 / (2 * (1 - u))) ** (1 / (eta + 1)))
    mid, half = (xa + xb) / 2, np.abs(xb - xa) / 2
    sbx = np.clip(mid + np.where(which, 1, -1) * beta * half, 0.0, 1.0)
    numeric = np.where(pick, sbx, np.where(which, xa, xb))
    return np.where(categorical, np.where(which, xa, xb), numeric)


def _mutate(x: np.ndarray, categorical: np.ndarray, p: float, eta: float,
            rng: np.random.Generator) -> np.ndarray:
    """Polynomial mutation (Deb and Goyal's bounded form) on numeric dims, a uniform redraw on
    categorical dims, each dim with probability ``p``."""
    d = len(x)
    hit, u, redraw = rng.random(d) < p, rng.random(d), rng.random(d)
    lo, hi = x, 1.0 - x
    power = 1.0 / (eta + 1)
    delta_lo = (2 * u + (1 - 2 * u) * (1 - lo) ** (eta + 1)) ** power - 1
    delta_hi = 1 - (2 * (1 - u) + 2 * (u - 0.5) * (1 - hi) ** (eta + 1)) ** power
    mutated = np.clip(x + np.where(u < 0.5, delta_lo, delta_hi), 0.0, 1.0)
    return np.where(hit, np.where(categorical, redraw, mutated), x)


def reference_directions(n_objectives: int, at_least: int) -> np.ndarray:
    """Das-Dennis points on the unit simplex with the fewest divisions giving at least
    ``at_least`` of them."""
    divisions = 1
    while math.comb(divisions + n_objectives - 1, n_objectives - 1) < at_least:
        divisions += 1
    return das_dennis(n_objectives, divisions)


def das_dennis(n_objectives: int, divisions: int) -> np.ndarray:
    """The Das-Dennis points on the unit simplex with ``divisions`` divisions per side."""
    points = []
    for bars in combinations(range(divisions + n_objectives - 1), n_objectives - 1):
        edges = (-1, *bars, divisions + n_objectives - 1)
        points.append([edges[i + 1] - edges[i] - 1 for i in range(n_objectives)])
    return np.array(points, dtype=float) / divisions


def _niche_select(losses: np.ndarray, chosen: list[int], front: np.ndarray, room: int,
                  rng: np.random.Generator, refs: np.ndarray) -> list[int]:
    """NSGA-III's niching: ``room`` members of ``front`` for the least crowded reference
    directions, given the members already ``chosen``."""
    pool = np.array(chosen + front.tolist())
    pts = losses[pool]
    ideal = pts.min(axis=0)
    first = pts[: len(chosen)] if chosen else pts
    span = first.max(axis=0) - ideal
    span = np.where(span > 1e-12, span, np.maximum(pts.max(axis=0) - ideal, 1e-12))
    normed = (pts - ideal) / span
    unit = refs / np.linalg.norm(refs, axis=1, keepdims=True)
    along = normed @ unit.T  # (n, r) projections
    dist = np.sqrt(np.maximum((normed ** 2).sum(axis=1, keepdims=True) - along ** 2, 0.0))
    nearest = dist.argmin(axis=1)
    near_dist = dist[np.arange(len(pool)), nearest]
    counts = np.bincount(nearest[: len(chosen)], minlength=len(refs)).astype(float)
    left = list(range(len(chosen), len(pool)))
    open_refs = np.ones(len(refs), dtype=bool)
    picked: list[int] = []
    while len(picked) < room and left:
        low = np.flatnonzero(open_refs & (counts == counts[open_refs].min()))
        j = int(rng.choice(low))
        mine = [i for i in left if nearest[i] == j]
        if not mine:
            open_refs[j] = False
            continue
        i = min(mine, key=lambda m: near_dist[m]) if counts[j] == 0 else int(rng.choice(mine))
        picked.append(int(pool[i]))
        left.remove(i)
        counts[j] += 1
    return picked


class NSGAIIISampler(NSGAIISampler):
    """``sampler="nsga3"``: NSGA-III, the same sampler with reference-direction niching for any
    number of objectives: ``reference_points`` (one row per direction, one column per
    objective) or the Das-Dennis points of ``dividing_parameter`` divisions (Optuna's
    arguments and defaults)."""

    name = "nsga3"

    def __init__(
        self,
        seed: int | None = None,
        *,
        reference_points: Any = None,
        dividing_parameter: int = 3,
        **kwargs: Any,
    ):
        super().__init__(seed, **kwargs)
        if isinstance(dividing_parameter, bool) or not isinstance(dividing_parameter, int) or (
                dividing_parameter < 1):
            raise ValueError(f"dividing_parameter: must be an integer >= 1, got "
                             f"{dividing_parameter!r}")
        self.dividing_parameter = dividing_parameter
        self.reference_points: list[list[float]] | None = None
        if reference_points is not None:
            refs = np.asarray(reference_points, dtype=float)
            if refs.ndim != 2 or len(refs) < 1 or not np.isfinite(refs).all() or (
                    refs < 0).any() or (refs.sum(axis=1) <= 0).any():
                raise ValueError("reference_points: must be a 2-D array of non-negative "
                                 "directions, one row each, not all zero")
            self.reference_points = refs.tolist()

    def _niching(self, n_objectives: int) -> bool:
        return n_objectives >= 2

    def _references(self, n_objectives: int) -> np.ndarray:
        if self.reference_points is not None:
            refs = np.asarray(self.reference_points, dtype=float)
            if refs.shape[1] != n_objectives:
                raise ValueError(f"reference_points: {refs.shape[1]} columns for a study of "
                                 f"{n_objectives} objectives")
            return refs
        return das_dennis(n_objectives, self.dividing_parameter)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "reference_points": self.reference_points,
                "dividing_parameter": self.dividing_parameter}
