"""CMA-ES: the covariance matrix adaptation evolution strategy over the numeric dims of a space.

The (mu/mu_w, lambda)-CMA-ES of Hansen's tutorial ("The CMA Evolution Strategy: A Tutorial",
2016): weighted recombination of the best half, cumulative step-size adaptation, rank-one and
rank-mu covariance updates, an eigendecomposition every generation, and optional IPOP restarts
(population doubled each time).  It searches the unit cube of the space's *numeric,
unconditional* dims (``Float`` and ``Int``, log and step included).  Everything else --
categorical dims and the dims of conditional sub-spaces -- is proposed by a fallback sampler
(TPE when ``tunecycle.samplers.tpe`` is importable, otherwise random search) over the rest of
the space, and the two parts are merged.  The fallback also proposes whole configurations while
fewer than ``n_startup`` usable trials have finished.

**State is a pure function of the history.**  Nothing is written to trials and nothing is
pickled: the distribution is rebuilt by replaying the history.  The usable finished trials
(complete with a finite value, or pruned, whose numeric params all fit the space), taken in
trial-number order, are cut into generations: the first ``n_startup`` of them are the start-up
trials (the best complete one becomes the initial mean), then each following block of ``lambda``
trials is one generation (``lambda`` doubles after an IPOP restart).  A block whose trials were
sampled from an older distribution, proposed by someone else, or enqueued by hand is used all
the same: every step ``y = (x - m) / sigma`` is shortened to Mahalanobis length at most
``sqrt(n) + 2n / (n + 2)``, as recommended for injected solutions, so stray points cannot blow
up the update.  The state after each generation is kept as a checkpoint keyed by the trial ids
consumed, so an ask only replays the generations completed since the last one; a trial that
finishes late and lands inside an already replayed block rewinds to the last checkpoint before
it (or to the start) and replays from there.  ``distribution(space, history)`` shows the
result, JSON-safe.

Trials: failed trials are skipped.  Pruned trials count as members of their generation ranked
below every complete one (in number order), so they take a slot but never a recombination
weight; when fewer complete members than ``mu`` remain, the weights of the complete ones are
renormalised (and the variance-effective selection mass recomputed); a generation without a
complete member changes nothing.

Sampling: trial ``n`` draws ``z ~ N(0, I)`` from a generator taken off its context's ``rng``
(itself fixed by ``(seed, n)``), so every worker and every member of a batch gets an independent
sample of the current distribution -- parallel workers asking for different trial numbers get
different points, and a seeded study is reproducible given the same history.  The sample
``m + sigma * B D z`` is mirrored (reflected) into [0, 1]; the update then uses the unit-cube
encoding of the recorded params (the mirrored point; for discrete dims the centre of the chosen
value's cell), because the unrounded sample is not in the history and the state must not depend
on anything else.  Discrete dims (``Int``, stepped ``Float``) would collapse onto one value, so
their standard deviation is kept at least ``w / (2 z_{1 - alpha/2})`` with ``w`` the width of
the cell at the mean and ``alpha = 1 / (n lambda)``: the chance to leave a value stays at least
``alpha`` (the idea of CMA-ES with margin, Hamano et al. 2022, in a simpler form).  When every
numeric dim is discrete a sample that repeats a finished, running or same-batch configuration
is redrawn (with a wider step each time, up to 8 times).

Restarts (``restart="ipop"``): when the spread falls under 1e-11 in every continuous dim, the
covariance condition number exceeds 1e14, the best loss has stayed flat (range < 1e-12) over
``10 + 30 n / lambda`` generations, or the best and median losses have stagnated (the median of
the newest 30% of a window of at least ``120 + 30 n / lambda`` generations no better than the
oldest 30%), the strategy restarts from a uniform random mean (drawn from ``(seed, restart)``
or, unseeded, from a hash of the history) with ``sigma0`` and ``lambda`` doubled (at most 64
times the initial ``lambda``).  ``restart=None`` never restarts.

Where to start: the mean is the centre of the cube, or ``x0`` (a value per parameter, in the
parameters' own units), or the best of the ``n_startup`` trials; ``sigma0`` is the step.  A
*warm start* from an earlier study (``source_trials``, a list of its trials) replaces both:
the best ``source_k`` of the source's complete trials (10% of them, at least 2), ranked in this
study's direction, each taken as a small Gaussian (spread 0.1 in the unit cube), give the
initial distribution, whose mean is theirs and whose covariance is that mixture's (after the
warm-starting CMA-ES of Nomura et al., 2021); the source trials need the same parameters.  Only
the two ends of the source's ranking are kept, so the study stores them with its sampler.
A warm-started study (``history.prior``, :mod:`tunecycle.warmstart`) takes the same path with
the prior trials that hold every numeric parameter (mapped onto them) when ``source_trials``
is not given; after that start CMA-ES learns from the study's own trials only.
Optuna's argument names are accepted too (``compat.samplers.CMAES_ARGS``).

Deliberately not here: negative (active) weights, separable or diagonal variants for very large
dimensions, constraint handling beyond the box, and multi-objective selection.  Define-by-run
parameters met outside the joint space are drawn uniformly at random.
"""

from __future__ import annotations

import math
import operator
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tunecycle.compat.samplers import CMAES_ARGS, optuna_options
from tunecycle.errors import UserError
from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.records import TrialState
from tunecycle.samplers.cmaes_strategy import (
    Member,
    State,
    draw,
    needs_restart,
    restart,
    start,
    tell,
    warm_distribution,
)
from tunecycle.space import Float, Int, Param, ParamValue, Space
from tunecycle.untried import TakenLog
from tunecycle.warmstart import Prior

_KEEP_CHECKPOINTS = 64  # recent per-generation states kept for cheap rewinds
_DEDUPE_TRIES = 8
_WARM_GAMMA = 0.1  # the share of source trials a warm start is built from
_FINISHED = frozenset({TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED})
_MISSING = object()
_by_number = operator.attrgetter("number")


@dataclass(frozen=True)
class _Plan:
    """How one space splits between CMA-ES and the fallback."""

    key: str
    numeric: tuple[int, ...]  # indices into space.dims handled by CMA-ES
    params: tuple[Param, ...]
    names: tuple[str, ...]
    rest: Space | None  # the part the fallback proposes (None: nothing left)
    discrete: np.ndarray  # (n,) bool
    all_discrete: bool



class _Cache:
    def __init__(self, key: str):
        self.key = key
        self.entries: dict[int, Member | None] = {}
        self.ids = np.empty(0, dtype=np.int64)  # trial ids consumed, in order
        self.checkpoints: list[tuple[int, State]] = []  # (trials consumed, state after them)
        self.prefix = _Prefix()


class _Prefix:
    """The usable entries of the longest run of finished trials at the start of the history
    (as in ``observe.Observer``: histories come in trial-number order and finished trials never
    change), so that an ask walks only the trials after it."""

    def __init__(self) -> None:
        self.length, self.last_id = 0, -1  # trials walked; the last one's id
        self.usable: list[Member] = []
        self.ids = np.empty(16, dtype=np.int64)  # the usable entries' trial ids (a buffer)
        self.in_order = True  # the usable entries are in trial-number order

    def add(self, e: Member) -> None:
        n = len(self.usable)
        if n and e.number <= self.usable[-1].number:
            self.in_order = False
        if n == len(self.ids):
            self.ids = np.concatenate([self.ids, np.empty(n, dtype=np.int64)])
        self.ids[n] = e.trial_id
        self.usable.append(e)


class CmaEsSampler(Sampler):
    """``sampler="cmaes"``: CMA-ES on the numeric dims, a fallback sampler for the rest.

    ``popsize``: lambda (default ``4 + floor(3 ln n)``); ``sigma0``: the initial step in the unit
    cube (default 1/6); ``n_startup``: finished trials proposed by the fallback before CMA-ES
    starts from the best of them (default 0: start at the centre); ``fallback``: the sampler for
    categorical and conditional dims (default TPE, or random search when TPE is unavailable);
    ``restart``: ``"ipop"`` (default) or None.
    """

    name = "cmaes"

    def __init__(
        self,
        seed: int | None = None,
        *,
        popsize: int | None = None,
        sigma0: float | None = None,
        n_startup: int = 0,
        fallback: Sampler | None = None,
        restart: str | None = "ipop",
        x0: Mapping[str, Any] | None = None,
        source_trials: Sequence[Any] | None = None,
        source_k: int | None = None,
        **optuna: Any,
    ):
        super().__init__(seed)
        opts = optuna_options("CmaEsSampler", optuna, CMAES_ARGS)
        n_startup = opts.get("n_startup", n_startup)
        fallback = opts.get("fallback", fallback)
        restart = opts.get("restart", restart)
        if source_trials is not None and (x0 is not None or sigma0 is not None):
            raise UserError("CmaEsSampler: source_trials sets the initial mean and step "
                            "itself; give it without x0 and sigma0")
        if x0 is not None and not isinstance(x0, Mapping):
            raise UserError(f"CmaEsSampler: x0 must be a mapping of parameter name -> "
                            f"value, got {x0!r}")
        self.x0 = dict(x0) if x0 is not None else None
        self.source_trials, self.source_k = _warm_source(source_trials, source_k)
        if popsize is not None and (
            isinstance(popsize, bool) or not isinstance(popsize, int) or popsize < 2
        ):
            raise UserError(f"CmaEsSampler: popsize must be an integer >= 2, got {popsize!r}")
        if sigma0 is not None and not (
            isinstance(sigma0, (int, float)) and not isinstance(sigma0, bool) and 0 < sigma0 <= 1
        ):
            raise UserError(f"CmaEsSampler: sigma0 must be in (0, 1], got {sigma0!r}")
        if isinstance(n_startup, bool) or not isinstance(n_startup, int) or n_startup < 0:
            raise UserError(f"CmaEsSampler: n_startup must be an integer >= 0, got {n_startup!r}")
        if fallback is not None and not isinstance(fallback, Sampler):
            raise UserError(f"CmaEsSampler: fallback must be a Sampler, got {fallback!r}")
        if restart not in ("ipop", None):
            raise UserError(f"CmaEsSampler: restart must be 'ipop' or None, got {restart!r}")
        self.popsize = popsize
        self.sigma0 = float(sigma0) if sigma0 is not None else 1.0 / 6.0
        self.n_startup = n_startup
        self.restart = restart
        self._fallback = fallback
        self._own_fallback: Sampler | None = None
        self._lock = threading.Lock()
        self._plans: dict[str, _Plan] = {}
        self._cache: _Cache | None = None
        self._taken = TakenLog()  # configurations tried (spaces whose numeric dims are discrete)

    # -- the Sampler contract -----------------------------------------------------------------
    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        if not contexts:
            return []
        with self._lock:
            plan = self._plan(space)
            state = self._replay(plan, history) if plan.numeric else None
        if state is None:  # no numeric dim, or still starting up
            return self.fallback.propose(space, history, contexts)
        # take CMA-ES's generators first, so the fallback's use of ctx.rng cannot shift them
        rngs = [np.random.default_rng(int(ctx.rng.integers(2**63))) for ctx in contexts]
        rest = (
            self.fallback.propose(plan.rest, history, contexts)
            if plan.rest is not None
            else [{} for _ in contexts]
        )
        taken = self._taken.of(space, history) if plan.all_discrete else None
        out = []
        for rng, other in zip(rngs, rest):
            tries = _DEDUPE_TRIES if taken is not None else 1
            for attempt in range(tries):
                u = draw(state, rng, 1.5**attempt)
                params = self._merge(plan, space, u, other)
                if taken is None or params not in taken:
                    break
            if taken is not None:
                taken.add(params)
            out.append(params)
        return out


    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "popsize": self.popsize,
            "sigma0": self.sigma0,
            "n_startup": self.n_startup,
            "restart": self.restart,
            "fallback": self.fallback.describe(),
            "x0": self.x0,
            "source_trials": self.source_trials,
            "source_k": self.source_k,
        }

    @classmethod
    def from_description(cls, desc: dict[str, Any]) -> CmaEsSampler:
        """Rebuild from ``describe()``; a named ``"random"`` fallback is restored, any other
        fallback is the default one."""
        fallback: Sampler | None = None
        if (desc.get("fallback") or {}).get("name") == "random":
            from tunecycle.samplers.random import RandomSampler

            fallback = RandomSampler(desc.get("seed"))
        sampler = cls(
            desc.get("seed"),
            popsize=desc.get("popsize"),
            sigma0=desc.get("sigma0"),
            n_startup=desc.get("n_startup", 0),
            fallback=fallback,
            restart=desc.get("restart", "ipop"),
            x0=desc.get("x0"),
            source_trials=desc.get("source_trials"),
            source_k=desc.get("source_k"),
        )
        sampler.noisy = bool(desc.get("noisy", False))
        return sampler

    # -- inspection ---------------------------------------------------------------------------
    def distribution(self, space: Space, history: History) -> dict[str, Any] | None:
        """The current search distribution over the numeric dims, JSON-safe; None while the
        fallback is in charge (no numeric dim, or start-up)."""
        with self._lock:
            plan = self._plan(space)
            state = self._replay(plan, history) if plan.numeric else None
        if state is None:
            return None
        return {
            "version": 1,
            "dims": list(plan.names),
            "mean": state.mean.tolist(),
            "sigma": state.sigma,
            "cov": state.C.tolist(),
            "popsize": state.lam,
            "generation": state.generations,
            "generation_since_restart": state.gen,
            "restarts": state.restarts,
        }

    # -- the fallback -------------------------------------------------------------------------
    @property
    def fallback(self) -> Sampler:
        """The sampler for what CMA-ES does not handle; built lazily so that it gets the seed
        ``create_study`` may set after construction."""
        if self._fallback is not None:
            if self._fallback.seed is None and self.seed is not None:
                self._fallback.seed = self.seed
            return self._fallback
        own = self._own_fallback
        if own is None or own.seed != self.seed:
            try:
                from tunecycle.samplers.tpe import TPESampler
            except ImportError:  # TPE not available: random search
                from tunecycle.samplers.random import RandomSampler

                own = RandomSampler(self.seed)
            else:
                own = TPESampler(self.seed)
            self._own_fallback = own
        return own

    # -- space split --------------------------------------------------------------------------
    def _plan(self, space: Space) -> _Plan:
        key = space.to_json()
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        numeric = tuple(
            i
            for i, d in enumerate(space.dims)
            if not d.condition and isinstance(d.param, (Float, Int)) and d.param.low < d.param.high
        )
        names = tuple(space.dims[i].name for i in numeric)
        params = tuple(space.dims[i].param for i in numeric)
        top = space.to_dict()
        rest_dict = {k: v for k, v in top.items() if k not in names}
        rest = Space(rest_dict) if rest_dict else None
        discrete = np.array([p.is_discrete for p in params], dtype=bool)
        plan = _Plan(
            key=key + "|" + ",".join(names),
            numeric=numeric,
            params=params,
            names=names,
            rest=rest,
            discrete=discrete,
            all_discrete=bool(discrete.all()) and len(params) > 0,
        )
        if len(self._plans) > 16:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    def _merge(
        self, plan: _Plan, space: Space, u: np.ndarray, other: dict[str, ParamValue]
    ) -> dict[str, ParamValue]:
        mine = {name: p.from_unit(x) for name, p, x in zip(plan.names, plan.params, u)}
        out: dict[str, ParamValue] = {}
        for d in space.dims:
            if d.name in mine:
                out[d.name] = mine[d.name]
            elif d.name in other:
                out[d.name] = other[d.name]
        return out

    # -- sampling -----------------------------------------------------------------------------
    # -- replaying the history ----------------------------------------------------------------
    @staticmethod
    def _entry(plan: _Plan, t: Any, sign: float) -> Member | None:
        if t.state is TrialState.COMPLETE:
            if t.value is None or not math.isfinite(t.value):
                return None
            loss, complete = sign * float(t.value), True
        elif t.state is TrialState.PRUNED:
            loss, complete = math.inf, False
        else:
            return None
        x = np.empty(len(plan.params))
        for i, (name, p) in enumerate(zip(plan.names, plan.params)):
            v = t.params.get(name)
            if v is None or not p.contains(v):
                return None
            x[i] = p.to_unit(v)
        np.clip(x, 0.0, 1.0, out=x)
        return Member(t.number, t.trial_id, x, loss, complete)

    def _replay(self, plan: _Plan, history: History) -> State | None:
        """The distribution after every complete generation of the history (None in start-up)."""
        cache = self._cache
        if cache is None or cache.key != plan.key + "|" + history.direction.value:
            cache = self._cache = _Cache(plan.key + "|" + history.direction.value)
        sign = history.direction.sign()
        usable, ids = self._usable(plan, history, cache)
        if len(usable) < self.n_startup:
            return None
        # how much of what was replayed before still stands
        common = min(len(cache.ids), len(ids))
        diff = np.flatnonzero(cache.ids[:common] != ids[:common])
        same = int(diff[0]) if len(diff) else common
        while cache.checkpoints and cache.checkpoints[-1][0] > same:
            cache.checkpoints.pop()
        if not cache.checkpoints:
            cache.checkpoints.append(
                (self.n_startup, self._initial_state(plan, usable, sign, history.prior)))
        pos, state = cache.checkpoints[-1]
        while pos + state.lam <= len(usable):
            block = usable[pos : pos + state.lam]
            state = state.copy()
            self._tell(plan, state, block)
            pos += len(block)
            cache.checkpoints.append((pos, state))
        if len(cache.checkpoints) > _KEEP_CHECKPOINTS + 1:  # keep the initial one and the newest
            del cache.checkpoints[1 : len(cache.checkpoints) - _KEEP_CHECKPOINTS]
        cache.ids = ids[:pos]
        return state

    def _usable(self, plan: _Plan, history: History, cache: _Cache
                ) -> tuple[list[Member], np.ndarray]:
        """The usable finished trials in trial-number order, and their trial ids."""
        sign = history.direction.sign()
        entries = cache.entries
        trials = history.trials
        prefix = cache.prefix
        if prefix.length > len(trials) or (
            prefix.length and trials[prefix.length - 1].trial_id != prefix.last_id
        ):
            prefix = cache.prefix = _Prefix()  # a different history: start again
        i = prefix.length
        while i < len(trials) and trials[i].state in _FINISHED:
            t = trials[i]
            e = entries.get(t.trial_id, _MISSING)
            if e is _MISSING:
                e = entries[t.trial_id] = self._entry(plan, t, sign)
            if e is not None:
                prefix.add(e)
            prefix.length, prefix.last_id = i + 1, t.trial_id
            i += 1
        tail: list[Member] = []
        for t in trials[i:]:
            e = entries.get(t.trial_id, _MISSING)
            if e is _MISSING:  # not seen finished before
                if t.state not in _FINISHED:
                    continue
                e = entries[t.trial_id] = self._entry(plan, t, sign)
            if e is not None:
                tail.append(e)
        n = len(prefix.usable)
        if not tail and prefix.in_order:
            return prefix.usable, prefix.ids[:n]
        usable = prefix.usable + tail
        if not (prefix.in_order and (not n or prefix.usable[-1].number < tail[0].number)
                and all(a.number < b.number for a, b in zip(tail, tail[1:]))):
            usable.sort(key=_by_number)
        return usable, np.array([e.trial_id for e in usable], dtype=np.int64)

    def _initial_popsize(self, n: int) -> int:
        return self.popsize if self.popsize is not None else 4 + int(3 * math.log(n))

    def _initial_state(self, plan: _Plan, usable: list[Member], sign: float = 1.0,
                       prior: Prior | None = None) -> State:
        n = len(plan.params)
        mean = np.full(n, 0.5)
        startup = [e for e in usable[: self.n_startup] if e.complete]
        source, k = self.source_trials, self.source_k
        if not source and prior is not None:  # a warm start's prior
            source, k = prior.as_source(Space(dict(zip(plan.names, plan.params))))
        warm = self._warm_start(plan, sign, source, k) if source else None
        if warm is not None:
            mean, sigma, cov = warm
            return start(self._initial_popsize(n), mean, sigma, plan.discrete, plan.params, cov)
        if self.x0 is not None:
            mean = np.array([
                p.to_unit(p.normalize(self.x0[name])) if name in self.x0 else 0.5
                for name, p in zip(plan.names, plan.params)
            ])
        elif startup:
            best = min(startup, key=lambda e: (e.loss, e.number))
            mean = best.x.copy()
        return start(self._initial_popsize(n), mean, self.sigma0, plan.discrete, plan.params)

    def _warm_start(self, plan: _Plan, sign: float, source: Sequence[Mapping[str, Any]],
                    k: int | None) -> tuple[np.ndarray, float, np.ndarray] | None:
        """The initial distribution from earlier trials (``source_trials``), after the
        warm-starting idea of Nomura et al. (2021): the best ``source_k`` of them, summarised
        by ``cmaes_strategy.warm_distribution``.  None when no source trial has every numeric
        parameter of the space."""
        rows: list[tuple[float, np.ndarray]] = []
        for src in source:
            params = src["params"]
            try:
                x = np.array([p.to_unit(p.normalize(params[name]))
                              for name, p in zip(plan.names, plan.params)])
            except (KeyError, ValueError):
                continue
            rows.append((sign * float(src["value"]), np.clip(x, 0.0, 1.0)))
        if not rows:
            return None
        rows.sort(key=lambda r: r[0])
        return warm_distribution(np.vstack([x for _, x in rows[: k or 1]]))

    def _tell(self, plan: _Plan, st: State, block: list[Member]) -> None:
        """One generation from ``block`` (len == lambda), then an IPOP restart when due."""
        told = tell(st, block, plan.discrete, plan.params)
        if told is None or self.restart != "ipop":
            return
        s, losses, healthy = told
        if not healthy or needs_restart(st, s, losses, plan.discrete):
            restart(st, block, self._initial_popsize(len(st.mean)), self.sigma0, self.seed,
                    plan.discrete, plan.params)


def _warm_source(
    trials: Sequence[Any] | None, k: int | None
) -> tuple[list[dict[str, Any]] | None, int | None]:
    """The source trials kept for a warm start, JSON-safe (stored with the study): the
    complete ones with a finite value; only the best and the worst ``k`` are needed (the
    study's direction picks one end), with ``k`` the top ``_WARM_GAMMA`` share, at least 2."""
    if trials is None:
        return None, None
    if isinstance(trials, (str, bytes)) or not isinstance(trials, Sequence):
        raise UserError(f"CmaEsSampler: source_trials must be a list of trials, got {trials!r}")
    rows = []
    for t in trials:
        if isinstance(t, Mapping):  # a stored description
            params, value = t.get("params"), t.get("value")
        else:
            if getattr(t, "state", None) is not TrialState.COMPLETE:
                continue
            params, value = getattr(t, "params", None), getattr(t, "value", None)
        if not isinstance(params, Mapping) or value is None or not math.isfinite(float(value)):
            continue
        rows.append({"params": dict(params), "value": float(value)})
    if not rows:
        raise UserError("CmaEsSampler: source_trials holds no complete trial with a value")
    if k is None:
        k = max(min(2, len(rows)), math.ceil(_WARM_GAMMA * len(rows)))
    rows.sort(key=lambda r: r["value"])
    kept = rows if len(rows) <= 2 * k else [*rows[:k], *rows[-k:]]
    return kept, int(k)



__all__ = ["CmaEsSampler"]
