"""Time budgets: ``optimize(time_budget="10m")`` spends a wall-clock budget instead of a count.

What this module holds (the study's loop calls it; it never runs a trial itself):

- :func:`parse_budget`: seconds from a number or a duration such as ``"90s"``, ``"10m"``,
  ``"1h30m"`` (one parser for the API, the cycle and the config; mistakes name
  ``time_budget``).
- :class:`TimeBudget`: the budget, the time to keep back after the search (``reserve``: the
  cycle's refit and test), which parameters drive a trial's cost, how many trials start cheap.
- :class:`CostModel`: the predicted duration of a configuration, fitted on the finished
  trials' measured durations: ``log(seconds)`` = a prior (cost grows in proportion to each
  cost-driving parameter's value over its low end) + a ridge regression of what is left on
  the parameters' unit-cube coordinates (one-hot for categorical choices).  Without a
  complete trial, the median duration of the recent finished trials stands in.
- :class:`BudgetClock`: one ``optimize`` call's accounting: time left, whether the cheapest
  trial the model can see still fits (else the loop stops), and the adjustment of proposals
  (cheap first, then no trial predicted past its allowance).

The rules, in words, are in ``docs/howto/time-budget.md``.  This module knows nothing of
samplers or storage; it reads frozen trial records.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from tunecycle.errors import UserError
from tunecycle.progress import format_seconds
from tunecycle.records import Direction, FrozenTrial, TrialState, best_of
from tunecycle.space import Categorical, Float, Int, Param, ParamValue

#: parameter names (the last part of a dotted name) taken as cost-driving unless told otherwise
DEFAULT_COST_NAMES = frozenset({
    "n_estimators", "iterations", "num_boost_round", "n_iter", "max_iter", "epochs",
    "n_epochs", "n_layers", "num_layers", "layers", "width", "units", "hidden_size",
    "hidden_units", "filters", "n_blocks", "dense", "data_fraction", "sample_fraction",
    "fidelity",
})
_UNITS_RE = re.compile(r"^units_\d+$")  # an mlp's per-layer widths
_DURATION_RE = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m(?:in)?)?(?:(?P<s>\d+(?:\.\d+)?)s)?$")
_RIDGE = 0.1  # ridge penalty of the residual regression (features lie in [0, 1])
_RECENT = 8  # finished trials whose median duration is the fallback prediction
_MIN_SECONDS = 1e-3
#: the share of the budget at its end in which a running trial behind the best is stopped
LAST_STRETCH = 0.2


def parse_budget(value: Any, field: str = "time_budget") -> float:
    """Seconds from a positive number or a string: ``"90"``, ``"90s"``, ``"10m"``, ``"1h"``,
    ``"1h30m"``, ``"2m30s"``, ``"1.5h"``.  Anything else raises ``UserError`` naming
    ``field``."""
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        try:
            seconds = float(text)
        except ValueError:
            match = _DURATION_RE.match(text)
            if text and match and any(match.groupdict().values()):
                parts = match.groupdict()
                seconds = (3600 * float(parts["h"] or 0) + 60 * float(parts["m"] or 0)
                           + float(parts["s"] or 0))
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise UserError(f"must be a positive number of seconds or a duration such as "
                        f"'90s', '10m', '1h30m', got {value!r}", field=field)
    return seconds


@dataclass(frozen=True)
class TimeBudget:
    """A wall-clock budget for one ``optimize`` call.

    ``seconds``: the whole budget.  ``reserve()``: seconds to keep back for what follows the
    search (the cycle's refit and test), asked again before each trial.  ``cost_params``:
    names (whole, or the last part of a dotted name) of the parameters that drive a trial's
    cost; None: :data:`DEFAULT_COST_NAMES` and ``units_<k>``.  ``cheap_trials``: while the
    study holds fewer complete trials, proposals take the low end of every cost-driving
    parameter.  ``share``: no trial is allowed more than this share of the time left (and,
    after the cheap start, more than ``growth`` times the longest complete trial so far).
    ``started``: ``time.monotonic()`` when the clock started (None: when ``optimize``
    starts)."""

    seconds: float
    reserve: Callable[[], float] | None = None
    cost_params: tuple[str, ...] | None = None
    cheap_trials: int = 3
    share: float = 0.5
    growth: float = 3.0
    started: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", parse_budget(self.seconds))
        if self.cost_params is not None:
            if isinstance(self.cost_params, str) or not all(
                    isinstance(n, str) and n for n in self.cost_params):
                raise UserError(f"time_budget: cost_params must be a list of parameter names, "
                                f"got {self.cost_params!r}")
            object.__setattr__(self, "cost_params", tuple(self.cost_params))
        if isinstance(self.cheap_trials, bool) or not isinstance(self.cheap_trials, int) or \
                self.cheap_trials < 0:
            raise UserError(f"time_budget: cheap_trials must be a non-negative integer, got "
                            f"{self.cheap_trials!r}")
        if not (isinstance(self.share, (int, float)) and 0 < self.share <= 1):
            raise UserError(f"time_budget: share must be in (0, 1], got {self.share!r}")
        if not (isinstance(self.growth, (int, float)) and self.growth >= 1):
            raise UserError(f"time_budget: growth must be >= 1, got {self.growth!r}")
        if self.reserve is not None and not callable(self.reserve):
            raise UserError(f"time_budget: reserve must be callable, got {self.reserve!r}")

    @classmethod
    def of(cls, value: Any) -> TimeBudget:
        """A budget from a ``TimeBudget``, a number of seconds or a duration string."""
        return value if isinstance(value, TimeBudget) else cls(parse_budget(value))

    def is_cost(self, name: str) -> bool:
        """Whether the parameter ``name`` drives a trial's cost."""
        last = name.rsplit(".", 1)[-1]
        if self.cost_params is not None:
            return name in self.cost_params or last in self.cost_params
        return last in DEFAULT_COST_NAMES or bool(_UNITS_RE.match(last))


def _seconds(t: FrozenTrial) -> float | None:
    d = t.duration
    return None if d is None else max(d.total_seconds(), _MIN_SECONDS)


def _numeric(p: Param | None) -> bool:
    return isinstance(p, (Int, Float))


def _prior(params: Mapping[str, ParamValue], dists: Mapping[str, Param],
           is_cost: Callable[[str], bool]) -> float:
    """log of the cost factor the cost-driving values imply: a trial with twice the trees (or
    epochs, or width) over the low end is taken to cost twice as much."""
    total = 0.0
    for name, value in params.items():
        p = dists.get(name)
        if not (_numeric(p) and is_cost(name)) or value is None:
            continue
        low, high, v = float(p.low), float(p.high), float(value)  # type: ignore[union-attr]
        if low > 0:
            total += math.log(max(v, low) / low)
        else:
            scale = (high - low) / 10 or 1.0
            total += math.log1p(max(v - low, 0.0) / scale)
    return total


def _features(params: Mapping[str, ParamValue], dists: Mapping[str, Param]) -> dict[tuple, float]:
    out: dict[tuple, float] = {}
    for name, value in params.items():
        p = dists.get(name)
        if p is None:
            continue
        if isinstance(p, Categorical):
            out[(name, repr(value))] = 1.0
        elif _numeric(p) and value is not None:
            out[(name, "")] = float(p.to_unit(value))
    return out


@dataclass(frozen=True)
class CostModel:
    """Predicted seconds of a configuration (see the module's docstring)."""

    keys: tuple[tuple, ...]
    weights: np.ndarray
    mean_x: np.ndarray
    mean_y: float  # mean of log(seconds) - prior over the complete trials
    fallback: float | None  # median seconds of recent finished trials (no complete trial)
    cost_dims: Mapping[str, Param]  # cost-driving numeric params seen in the history
    n_complete: int
    longest: float  # the longest complete trial, seconds
    is_cost: Callable[[str], bool]
    spread: float = 0.0  # root mean square of the fit's residuals, in log seconds

    @classmethod
    def fit(cls, trials: Sequence[FrozenTrial], is_cost: Callable[[str], bool]) -> CostModel:
        finished = [(t, s) for t in trials if t.is_finished and (s := _seconds(t)) is not None]
        complete = [(t, s) for t, s in finished if t.state is TrialState.COMPLETE]
        cost_dims: dict[str, Param] = {}
        for t, _ in finished:
            for name, p in t.distributions.items():
                if _numeric(p) and is_cost(name):
                    cost_dims.setdefault(name, p)
        recent = [s for _, s in finished[-_RECENT:]]
        fallback = float(np.median(recent)) if recent else None
        if not complete:
            spread = float(np.std(np.log(recent))) if recent else 0.0
            return cls((), np.zeros(0), np.zeros(0), 0.0, fallback, cost_dims, 0, 0.0, is_cost,
                       spread)
        rows = [_features(t.params, t.distributions) for t, _ in complete]
        keys = tuple(sorted({k for r in rows for k in r}, key=repr))
        x = np.array([[r.get(k, 0.0) for k in keys] for r in rows]).reshape(len(rows), len(keys))
        y = np.array([math.log(s) - _prior(t.params, t.distributions, is_cost)
                      for t, s in complete])
        mean_x, mean_y = x.mean(axis=0), float(y.mean())
        xc = x - mean_x
        weights = np.linalg.solve(xc.T @ xc + _RIDGE * np.eye(len(keys)), xc.T @ (y - mean_y)) \
            if keys else np.zeros(0)
        residuals = (y - mean_y) - (xc @ weights if keys else 0.0)
        spread = float(np.sqrt(np.mean(np.square(residuals))))
        return cls(keys, weights, mean_x, mean_y, fallback, cost_dims, len(complete),
                   max(s for _, s in complete), is_cost, spread)

    @property
    def ready(self) -> bool:
        """True when it can predict anything at all."""
        return self.n_complete > 0 or self.fallback is not None

    def predict(self, params: Mapping[str, ParamValue], dists: Mapping[str, Param],
                partial: bool = False) -> float | None:
        """Seconds for ``params``; ``partial``: params not given (a define-by-run trial's
        later suggestions) count as the history's average.  None when nothing is known."""
        if self.n_complete == 0:
            return self.fallback
        feats = _features(params, dists)
        x = np.array([feats.get(k, self.mean_x[i] if partial and k[0] not in params else 0.0)
                      for i, k in enumerate(self.keys)])
        residual = float((x - self.mean_x) @ self.weights) if len(self.keys) else 0.0
        return math.exp(self.mean_y + residual + _prior(params, dists, self.is_cost))

    def upper(self, params: Mapping[str, ParamValue], dists: Mapping[str, Param],
              partial: bool = False) -> float | None:
        """:meth:`predict` times the fit's spread (one standard deviation of its residuals
        in log seconds): the prediction that the stop rule trusts."""
        pred = self.predict(params, dists, partial)
        return None if pred is None else pred * math.exp(self.spread)

    def floor(self) -> float | None:
        """The cheapest trial in sight: every cost-driving parameter at its low end, the rest
        as the history's average (the upper prediction, :meth:`upper`)."""
        low = {name: p.from_unit(0.0) for name, p in self.cost_dims.items()}
        return self.upper(low, dict(self.cost_dims), partial=True)


def shrink(params: dict[str, ParamValue], dists: Mapping[str, Param], model: CostModel,
           allowance: float, is_cost: Callable[[str], bool],
           partial: bool = False) -> dict[str, ParamValue]:
    """``params`` with each cost-driving value moved toward its low end (the same fraction
    of its unit interval for all of them, found by bisection) until the predicted seconds fit
    ``allowance``; unchanged when they already fit or nothing drives cost."""
    dims = {n: dists[n] for n in params if _numeric(dists.get(n)) and is_cost(n)}
    if not dims:
        return params
    units = {n: float(p.to_unit(params[n])) for n, p in dims.items()}

    def scaled(f: float) -> dict[str, ParamValue]:
        out = dict(params)
        for n, p in dims.items():
            out[n] = p.from_unit(units[n] * f)
        return out

    def fits(f: float) -> bool:
        pred = model.predict(scaled(f), dists, partial)
        return pred is None or pred <= allowance

    if fits(1.0):
        return params
    lo, hi = 0.0, 1.0
    for _ in range(20):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return scaled(lo)


def cheapest(params: dict[str, ParamValue], dists: Mapping[str, Param],
             is_cost: Callable[[str], bool]) -> dict[str, ParamValue]:
    """``params`` with every cost-driving numeric value at its low end."""
    out = dict(params)
    for n in params:
        p = dists.get(n)
        if _numeric(p) and is_cost(n):
            out[n] = p.from_unit(0.0)  # type: ignore[union-attr]
    return out


class BudgetClock:
    """The accounting of one budgeted ``optimize`` call (serial or parallel: each free worker
    asks :meth:`may_start` before its next trial, against the same clock)."""

    def __init__(self, budget: TimeBudget, clock: Callable[[], float] = time.monotonic):
        self.budget = budget
        self._clock = clock
        self.start = budget.started if budget.started is not None else clock()
        self.end = self.start + budget.seconds
        self._model: CostModel | None = None
        self._model_key: tuple = ()
        #: why the clock stopped the loop (None while it has not)
        self.stopped: str | None = None

    def reserved(self) -> float:
        if self.budget.reserve is None:
            return 0.0
        try:
            return max(0.0, float(self.budget.reserve()))
        except Exception:  # a failing estimate must not end the search: keep nothing back
            return 0.0

    def left(self) -> float:
        """Seconds of the whole budget left."""
        return self.end - self._clock()

    def remaining(self) -> float:
        """Seconds left for the search: the budget left less the reserve."""
        return self.left() - self.reserved()

    def used(self) -> float:
        return self._clock() - self.start

    def model(self, trials: Sequence[FrozenTrial]) -> CostModel:
        """The cost model of these trials (refitted when a trial has finished since)."""
        key = tuple(t.trial_id for t in trials if t.is_finished)
        if self._model is None or key != self._model_key:
            self._model = CostModel.fit(trials, self.budget.is_cost)
            self._model_key = key
        return self._model

    def may_start(self, trials: Sequence[FrozenTrial]) -> bool:
        """Whether another trial may start: time is left for the search, and the cheapest
        trial the model can see is predicted to fit in it.  Sets :attr:`stopped`."""
        if self.stopped is not None:
            return False
        rem = self.remaining()
        if rem <= 0:
            self.stopped = (f"time budget {format_seconds(self.budget.seconds)} spent"
                            + (f" (keeping {format_seconds(self.reserved())} for the refit)"
                               if self.budget.reserve is not None else ""))
            return False
        floor = self.model(trials).floor()
        if floor is not None and floor > rem:
            self.stopped = (f"time budget: {format_seconds(rem)} left for the search, the "
                            f"cheapest next trial is predicted to take {format_seconds(floor)}")
            return False
        return True

    def cheap_phase(self, trials: Sequence[FrozenTrial]) -> bool:
        return sum(t.state is TrialState.COMPLETE for t in trials) < self.budget.cheap_trials

    def allowance(self, model: CostModel) -> float:
        """The longest a new trial may be predicted to take."""
        rem = max(self.remaining(), 0.0)
        allowed = rem * self.budget.share
        if model.n_complete:
            allowed = min(allowed, self.budget.growth * model.longest)
        floor = model.floor()
        if floor is not None:  # the cheapest trial is allowed whenever it fits at all
            allowed = max(allowed, min(floor * 1.01, rem))
        return allowed

    def adjust(self, params: dict[str, ParamValue], dists: Mapping[str, Param],
               trials: Sequence[FrozenTrial], partial: bool = False) -> dict[str, ParamValue]:
        """A proposal made affordable: at the cheap start, the cost-driving values at their
        low end; later, moved toward it until the prediction fits :meth:`allowance`."""
        if self.cheap_phase(trials):
            return cheapest(params, dists, self.budget.is_cost)
        model = self.model(trials)
        if model.n_complete == 0:
            return params
        return shrink(params, dists, model, self.allowance(model), self.budget.is_cost,
                      partial)

    def fits(self, params: Mapping[str, ParamValue], dists: Mapping[str, Param],
             trials: Sequence[FrozenTrial], partial: bool = False) -> tuple[bool, float | None]:
        """(whether ``params`` is predicted to fit the time left for the search, the
        prediction; ``partial``: as :meth:`CostModel.predict`)."""
        pred = self.model(trials).upper(params, dists, partial)
        return pred is None or pred <= max(self.remaining(), 0.0), pred

    def nearest_fit(self, name: str, params: Mapping[str, ParamValue],
                    dists: Mapping[str, Param], trials: Sequence[FrozenTrial]) -> ParamValue:
        """The value of the numeric ``name`` closest to ``params[name]`` (on its unit
        interval) with which ``params`` (the rest counted as the history's average) is
        predicted to fit the time left: toward whichever end of its range the model finds
        cheaper, found by bisection; ``params[name]`` itself when it fits, when ``name`` is
        not numeric or when not even that end fits."""
        p, value = dists.get(name), params[name]
        if not _numeric(p) or value is None or self.fits(params, dists, trials, True)[0]:
            return value

        def at(u: float) -> dict[str, ParamValue]:
            return {**params, name: p.from_unit(u)}  # type: ignore[union-attr]

        def fits(u: float) -> bool:
            return self.fits(at(u), dists, trials, partial=True)[0]

        start = float(p.to_unit(value))  # type: ignore[union-attr]
        end = next((u for u in (0.0, 1.0) if fits(u)), None)
        if end is None:
            return value
        near, far = start, end  # near does not fit, far does
        for _ in range(20):
            mid = (near + far) / 2
            near, far = (near, mid) if fits(mid) else (mid, far)
        return at(far)[name]

    def stop_running(self, current: FrozenTrial, trials: Sequence[FrozenTrial],
                     direction: Direction | None, now: datetime | None = None) -> str | None:
        """Why a running trial that reports steps should stop at this check, before the
        budget is spent (None: let it run).  The pace is its seconds so far per reported
        step, and its length the median number of steps the complete trials reported:

        - *it cannot finish*: at that pace, the steps left take longer than the time left
          for the search;
        - *the last stretch*: in the budget's last :data:`LAST_STRETCH` share, when the time
          left holds this trial's rest but not another trial as long as this one, and its
          latest value is worse than the best complete trial's at the same step: it cannot
          change the outcome in time, so its seconds go to the refit (or end the search
          early).  ``direction`` None (several objectives): this rule is off."""
        steps = len(current.intermediate)
        start = current.datetime_start
        lengths = [len(t.intermediate) for t in trials
                   if t.state is TrialState.COMPLETE and t.intermediate]
        if not steps or start is None or not lengths:
            return None
        length = float(np.median(lengths))
        elapsed = ((now or datetime.now(start.tzinfo)) - start).total_seconds()
        total = elapsed * max(length, steps) / steps
        rest, left = total - elapsed, self.remaining()
        if rest > left:
            return (f"time budget: stopped after {steps} of about {length:g} steps, the rest "
                    f"would take {format_seconds(rest)} of the {format_seconds(left)} left")
        if direction is None or left - rest >= total or left > LAST_STRETCH * self.budget.seconds:
            return None
        step = max(current.intermediate)
        best = best_of(trials, direction)
        mark = None if best is None else best.intermediate.get(step)
        value = current.intermediate[step]
        if mark is not None and direction.better(mark, value):
            return (f"time budget: stopped in the last stretch, {value:.6g} at step {step} "
                    f"is behind the best trial's {mark:.6g} there")
        return None

    def hard_end(self, grace: float | None = None) -> float:
        """The ``time.monotonic()`` after which a running trial is stopped: the end of the
        search plus a grace of 5% of the budget (at least one second)."""
        if grace is None:
            grace = max(1.0, 0.05 * self.budget.seconds)
        return self.end - self.reserved() + grace

    def adjust_one(self, name: str, params: dict[str, ParamValue], dists: Mapping[str, Param],
                   trials: Sequence[FrozenTrial]) -> ParamValue:
        """A define-by-run suggestion of the cost-driving ``name`` (``params`` holds it and
        the values suggested before it), made affordable as :meth:`adjust` does."""
        if self.cheap_phase(trials):
            return dists[name].from_unit(0.0)
        model = self.model(trials)
        if model.n_complete == 0:
            return params[name]
        out = shrink(params, dists, model, self.allowance(model), lambda n: n == name,
                     partial=True)
        return out[name]

    def summary(self) -> str:
        """The closing line: budget, time used, time left."""
        text = (f"time budget {format_seconds(self.budget.seconds)}: "
                f"{format_seconds(self.used())} used, {format_seconds(self.left())} left")
        if self.budget.reserve is not None:
            text += f" ({format_seconds(self.reserved())} kept for the refit)"
        return text
