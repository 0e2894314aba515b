"""A study: the ask/tell protocol, the optimisation loop, and read access to its trials.

``Study`` is given its storage, sampler and pruner (``tunecycle.api.create_study`` resolves
names to objects); it never looks inside them.  It runs trials in this process, one after
another; parallel and distributed execution build on the same ask/tell calls.

Optuna's names of this module (``optuna.study``) are here too: ``StudyDirection``,
``MaxTrialsCallback`` (from :mod:`tunecycle.compat.study`), and ``create_study``,
``load_study``, ``delete_study``, ``copy_study``, ``get_all_study_summaries``,
``get_all_study_names`` (read from :mod:`tunecycle.api` on first use).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from tunecycle.budget import BudgetClock, TimeBudget
from tunecycle.compat.study import MaxTrialsCallback, OptunaStudyMixin, StudyDirection
from tunecycle.display import hide_password, study_html
from tunecycle.errors import (
    SearchSpaceExhausted,
    StorageUnavailableError,
    TrialStateError,
    TunecycleError,
    UserError,
)
from tunecycle.loop import Callback, Loop, reraises
from tunecycle.pareto import best_trials as pareto_front
from tunecycle.progress import (
    failure_line,
    format_seconds,
)
from tunecycle.protocols import History, NopPruner, Pruner, Sampler, TrialContext, trial_rng
from tunecycle.records import (
    Direction,
    FrozenTrial,
    StudyInfo,
    TrialState,
    best_of,
    check_constraints,
    check_values,
)
from tunecycle.space import Float, Int, Param, ParamValue, Space, as_space
from tunecycle.storage.base import Storage, current_owner
from tunecycle.trial import Trial, evaluate, flush, mark_ended, take_pending
from tunecycle.untried import Taken, TakenLog
from tunecycle.warmstart import Prior

if TYPE_CHECKING:
    import pandas

log = logging.getLogger("tunecycle.study")

Objective = Callable[[Trial], Any]


class Executor(Protocol):
    """What runs trials outside this process (``tunecycle.execution``, which ``api`` hands
    to every study it opens; this module never imports it)."""

    def options(self, n_jobs: Any, backend: Any, trial_timeout: Any, deterministic: Any,
                resources_per_trial: Any, address: Any) -> Any | None:
        """The checked options of a run elsewhere, or None: the trials run in this process
        (a bad option raises ``UserError`` naming it)."""

    def run(self, runner: TrialRunner, objective: Objective, loop: Loop, space: Space | None,
            options: Any) -> None:
        """Run one ``optimize`` call's trials through ``runner`` as ``options`` say."""
_FINISHED_OK = (TrialState.COMPLETE, TrialState.PRUNED)
_METRIC_NAMES = "metric_names"
#: optimize stops after this many failed trials in a row (a run that can only fail never ends)
DEFAULT_MAX_CONSECUTIVE_FAILURES = 10
#: other proposals tried for a trial whose first one is predicted to overrun a time budget
_BUDGET_RETRIES = 4
_FRAME_COLUMNS = ("number", "state", "value", "datetime_start", "datetime_complete", "duration",
                  "fail_reason")


class Study(OptunaStudyMixin):
    """A named search for the best configuration, persisted in a storage.

    Optuna's other names for the same things (``enqueue_trial``, ``add_trial``,
    ``trials_dataframe``, ...) come from :class:`tunecycle.compat.study.OptunaStudyMixin`."""

    def __init__(
        self,
        storage: Storage,
        info: StudyInfo,
        sampler: Sampler,
        pruner: Pruner | None = None,
        *,
        heartbeat_interval: float = 10.0,
        grace_period: float | None = None,
        max_retries: int = 0,
        executor: Executor | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        prior: Prior | None = None,
    ):
        if heartbeat_interval <= 0:
            raise UserError(f"heartbeat_interval: must be > 0, got {heartbeat_interval!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise UserError(f"max_retries: must be a non-negative integer, got {max_retries!r}")
        self.storage = storage
        self._info = info
        self.sampler = sampler
        self.pruner = pruner or NopPruner()
        self._taken = TakenLog()  # configurations tried, for the no-repeats guard
        sampler.attach(self)
        self.pruner.attach(self)
        self.heartbeat_interval = float(heartbeat_interval)
        self.grace_period = float(
            grace_period if grace_period is not None else 6 * heartbeat_interval
        )
        self.max_retries = max_retries
        if constraints_func is not None and not callable(constraints_func):
            raise UserError(f"constraints_func: must be callable, got {constraints_func!r}")
        #: ``f(trial) -> [c1, c2, ...]`` called on each trial that completes (each value <= 0
        #: is satisfied); Optuna's convention.  Not stored: pass it again to ``load_study``
        self.constraints_func = constraints_func
        #: earlier studies' trials that inform the sampler (``create_study(warm_start=...)``);
        #: never this study's trials, never counted, never best
        self.prior = prior if prior is not None and len(prior) else None
        #: True when ``create_study`` made this study now (not when it loaded an existing one)
        self.created = False
        self._executor = executor
        self._owner = current_owner()
        self._live: dict[int, Trial] = {}
        # deterministic parallel runs: the history each live trial may see (by trial id)
        self._views: dict[int, History] = {}
        self._stop = threading.Event()
        #: the time budget of the running ``optimize`` call (None without one)
        self._budget: BudgetClock | None = None
        self._over_budget: dict[int, str] = {}  # trial id -> why it may not run

    # -- identity ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._info.name

    @property
    def study_id(self) -> int:
        return self._info.study_id

    @property
    def direction(self) -> Direction:
        """The direction of a study's one objective (see :attr:`directions` for several)."""
        if len(self._info.directions) > 1:
            raise UserError(
                f"study {self.name!r} has {len(self._info.directions)} objectives: read "
                "study.directions"
            )
        return self._info.direction

    @property
    def directions(self) -> tuple[Direction, ...]:
        """One direction per objective."""
        return self._info.directions

    @property
    def n_objectives(self) -> int:
        return len(self._info.directions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self.storage.get_study(self.name).user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self.storage.get_study(self.name).system_attrs)

    def set_user_attr(self, key: str, value: Any) -> None:
        self.storage.set_study_attr(self.study_id, key, value)

    def __repr__(self) -> str:
        dirs = [d.value for d in self.directions]
        shown = f"direction={dirs[0]!r}" if len(dirs) == 1 else f"directions={dirs!r}"
        url = hide_password(self.storage.url)
        return f"Study(name={self.name!r}, {shown}, storage={url!r})"

    def _repr_html_(self) -> str:
        """The notebook summary (:mod:`tunecycle.display`), from bounded reads (for several
        objectives, the size of the Pareto front instead of a best trial and a chart)."""
        points = self.storage.get_trial_points(self.study_id).points
        if self.n_objectives > 1:
            return study_html(self.name, self.directions, self.storage.url, points, None,
                              front=len(self.best_trials))
        page = self.storage.query_trials(
            self.study_id, states=[TrialState.COMPLETE], sort="value",
            descending=self.direction is Direction.MAXIMIZE, limit=1)
        best = page.trials[0] if page.trials else None
        return study_html(self.name, self.directions, self.storage.url, points, best)

    # -- reading -----------------------------------------------------------------------------
    @property
    def trials(self) -> list[FrozenTrial]:
        return self.storage.get_trials(self.study_id)

    def get_trials(
        self, deepcopy: bool = True, states: Sequence[TrialState | str] | None = None
    ) -> list[FrozenTrial]:
        """The study's trials, optionally only those in ``states``.  ``deepcopy`` is Optuna's
        argument and changes nothing here: the records are frozen, never shared live."""
        trials = self.storage.get_trials(self.study_id)
        if states is None:
            return trials
        wanted = {TrialState.parse(s) for s in states}
        return [t for t in trials if t.state in wanted]

    def history(self) -> History:
        return History(lambda: self.storage.get_trials(self.study_id), self.directions,
                       self.prior)

    @property
    def runner(self) -> TrialRunner:
        """The port through which an executor (``tunecycle.execution``) runs this study's
        trials elsewhere: start them, record their ends, wait for other processes'."""
        return TrialRunner(self)

    @property
    def best_trial(self) -> FrozenTrial:
        """The feasible complete trial with the best value (the first of equals); a study of
        several objectives has :attr:`best_trials` instead."""
        if self.n_objectives > 1:
            raise UserError(
                f"study {self.name!r} has {self.n_objectives} objectives, so no single best "
                "trial: read study.best_trials (the Pareto front)"
            )
        trials = self.storage.get_trials(self.study_id)
        best = best_of(trials, self.direction)
        if best is None:
            infeasible = sum(t.state is TrialState.COMPLETE and t.value is not None
                             and not t.feasible for t in trials)
            if infeasible:
                raise UserError(f"study {self.name!r} has no feasible complete trial yet "
                                f"({infeasible} complete but infeasible)")
            raise UserError(f"study {self.name!r} has no complete trial yet")
        return best

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The Pareto front: the feasible complete trials that no other one dominates (for
        one objective, every trial tied for the best value), in number order."""
        return pareto_front(self.storage.get_trials(self.study_id), self.directions)

    @property
    def metric_names(self) -> list[str] | None:
        """The objectives' names, if set with :meth:`set_metric_names`."""
        names = self.system_attrs.get(_METRIC_NAMES)
        return list(names) if names else None

    def set_metric_names(self, names: Sequence[str]) -> None:
        """Name the objectives (columns of ``to_dataframe``, axes of the plots)."""
        if isinstance(names, str) or len(names) != self.n_objectives or not all(
                isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
            raise UserError(f"metric_names: expected {self.n_objectives} distinct non-empty "
                            f"names, got {names!r}")
        self.storage.set_study_attr(self.study_id, _METRIC_NAMES, list(names), system=True)

    @property
    def best_value(self) -> float:
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_params(self) -> dict[str, ParamValue]:
        return dict(self.best_trial.params)

    def to_dataframe(self) -> pandas.DataFrame:
        """One row per trial: number, state, value, times, ``params_*``, ``user_attrs_*``."""
        import pandas as pd

        objectives = self._value_columns()
        columns = [*_FRAME_COLUMNS[:2], *objectives, *_FRAME_COLUMNS[3:]]
        rows = []
        for t in self.storage.get_trials(self.study_id):
            vals = list(t.values) if t.values else [None] * len(objectives)
            row: dict[str, Any] = dict(zip(columns, (
                t.number, t.state.value, *vals, t.datetime_start, t.datetime_complete,
                t.duration, t.fail_reason)))
            if t.constraints is not None:
                row.update({f"constraints_{i}": c for i, c in enumerate(t.constraints)})
            row.update({f"params_{k}": v for k, v in t.params.items()})
            row.update({f"user_attrs_{k}": v for k, v in t.user_attrs.items()})
            rows.append(row)
        return pd.DataFrame(rows, columns=None if rows else columns)

    def _value_columns(self) -> list[str]:
        """``value`` for one objective; ``values_<name>`` (or ``values_0``...) for several."""
        if self.n_objectives == 1:
            return ["value"]
        names = self.metric_names or [str(i) for i in range(self.n_objectives)]
        return [f"values_{n}" for n in names]

    # -- ask / tell --------------------------------------------------------------------------
    def enqueue(
        self, params: Mapping[str, Any], user_attrs: Mapping[str, Any] | None = None
    ) -> int:
        """Queue a configuration to run before any proposed one; returns its trial number."""
        if not isinstance(params, Mapping):
            raise UserError(f"enqueue: params must be a mapping of name -> value, got {params!r}")
        t = self.storage.enqueue_trial(self.study_id, dict(params), user_attrs=user_attrs)
        return t.number

    def enqueue_prior(self, k: int, space: Mapping[str, Any] | Space | None = None) -> list[int]:
        """Queue the ``k`` best configurations of a warm start's prior (``create_study(
        warm_start=...)``) as this study's own next trials; returns their numbers.  With
        ``space``, each is mapped onto it first (shared parameters by name; a trial whose
        values the space cannot hold is skipped; new parameters are left to the sampler);
        without, they are queued as they were."""
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise UserError(f"enqueue_prior: k must be a non-negative integer, got {k!r}")
        if self.prior is None:
            raise UserError(f"enqueue_prior: study {self.name!r} has no warm start prior")
        target = as_space(space) if space is not None else None
        return [self.enqueue(params, user_attrs={"warm_start": "enqueued from the prior"})
                for params in self.prior.best_params(target, k)]

    def ask(
        self, space: Mapping[str, Any] | Space | None = None, n: int | None = None
    ) -> Trial | list[Trial]:
        """Start trials.  With a space, their params are proposed now (``trial.params``);
        without one, the objective's ``suggest_*`` calls fix them (define-by-run).  With ``n``,
        a list of ``n`` diverse trials is returned."""
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise UserError(f"ask: n must be a positive integer, got {n!r}")
        trials = self._ask(as_space(space) if space is not None else None, n or 1, lease=False)
        if not trials:
            raise SearchSpaceExhausted(
                f"study {self.name!r}: the sampler has nothing left to propose"
            )
        return trials if n is not None else trials[0]

    def _ask(
        self,
        space: Space | None,
        n: int,
        *,
        lease: bool,
        max_trials: int | None = None,
        view: Callable[[int], History] | None = None,
    ) -> list[Trial]:
        """Start up to ``n`` trials.  With ``view``, the sampler (and later the pruner) of a
        trial numbered k sees ``view(k)`` instead of the whole history (deterministic runs)."""
        history = self.history()
        if self.sampler.exhausted(space, history):
            return []
        records: list[FrozenTrial] = []
        for _ in range(n):
            rec = self.storage.start_trial(
                self.study_id, self._owner, lease=lease, max_trials=max_trials
            )
            if rec is None:
                break
            records.append(rec)
        if not records:
            return []
        if view is not None:
            history = view(records[0].number)
        contexts = [TrialContext(r.number, trial_rng(self.sampler.seed, r.number)) for r in records]
        try:
            if space is None:
                presamples = self._presample(history, records, contexts)
                trials = [
                    Trial(self, self.storage, r, c, fixed=r.params, presample=p,
                          n_objectives=self.n_objectives)
                    for r, c, p in zip(records, contexts, presamples)
                ]
            else:
                trials = self._propose(space, history, records, contexts)
        except BaseException as exc:
            for r in records:
                self._fail_quietly(r.trial_id, f"the sampler failed: {type(exc).__name__}: {exc}")
            raise
        for t in trials:
            self._live[t.trial_id] = t
            if view is not None:
                self._views[t.trial_id] = history
        return self._drop_over_budget(trials)

    def _drop_over_budget(self, trials: list[Trial]) -> list[Trial]:
        """Under a time budget, a trial for which no proposal was predicted to fit the time
        left is failed with the reason (one warning line) before it runs; the budget's clock
        then stops the loop."""
        if not self._over_budget:
            return trials
        kept = []
        for t in trials:
            reason = self._over_budget.pop(t.trial_id, None)
            if reason is None:
                kept.append(t)
                continue
            frozen = self._finish(t, TrialState.FAILED, None, reason)
            log.warning("%s", failure_line(frozen))
            if self._budget is not None:
                self._budget.stopped = reason
        return kept

    def _presample(self, history: History, records: list[FrozenTrial],
                   contexts: list[TrialContext]) -> list[dict]:
        """A define-by-run trial's values of the joint space, proposed together; under a
        time budget made affordable as a declared space's proposals are (``_afford``, the
        parameters outside the joint space counted as the history's average); an enqueued
        trial (its fixed values win) runs, as in a declared space, its other values only
        moved toward the cheap end (``BudgetClock.adjust``)."""
        joint = self.sampler.joint_space(history)
        if joint is None or not len(joint):
            return [{} for _ in contexts]
        proposals = self.sampler.propose(joint, history, contexts)
        if self._budget is None:
            return proposals
        dists = {d.name: d.param for d in joint.dims}
        return [self._budget.adjust(dict(p), dists, history.trials, partial=True) if r.params
                else self._afford(joint, history, p, r, c, partial=True)
                for p, r, c in zip(proposals, records, contexts)]

    def _propose(
        self,
        space: Space,
        history: History,
        records: list[FrozenTrial],
        contexts: list[TrialContext],
    ) -> list[Trial]:
        fresh = [i for i, r in enumerate(records) if not r.params]
        proposals = self.sampler.propose(space, history, [contexts[i] for i in fresh])
        if self._budget is not None:
            proposals = [self._afford(space, history, p, records[i], contexts[i])
                         for p, i in zip(proposals, fresh)]
        if space.is_discrete and not self.sampler.noisy:
            taken = self._taken.of(space, history)
            proposals = _without_repeats(taken, proposals, [contexts[i] for i in fresh])
        by_index = dict(zip(fresh, proposals))
        trials = []
        for i, (rec, ctx) in enumerate(zip(records, contexts)):
            if i in by_index:
                params = space.validate(by_index[i])
            else:  # an enqueued trial: its fixed values win, the sampler fills the rest
                params = self._complete(space, dict(rec.params), history, ctx)
            dists = {d.name: d.param for d in space.dims if d.name in params}
            self.storage.set_params(rec.trial_id, params, dists)
            rec = replace(rec, params=params, distributions=dists)
            trials.append(Trial(self, self.storage, rec, ctx, fixed=params,
                                n_objectives=self.n_objectives))
        return trials

    def _afford(self, space: Space, history: History, params: dict, record: FrozenTrial,
                ctx: TrialContext, partial: bool = False) -> dict:
        """Under a time budget: the proposal made affordable (``BudgetClock.adjust``); when
        it is still predicted to overrun the time left, up to ``_BUDGET_RETRIES`` other
        proposals (the same trial, other random streams) are tried, and if none fits the
        cheapest is kept and the trial marked not to run.  ``partial``: ``params`` are a
        define-by-run trial's presampled values, the rest of its parameters unknown."""
        clock = self._budget
        assert clock is not None
        dists = {d.name: d.param for d in space.dims}
        trials = history.trials
        params = clock.adjust(dict(params), dists, trials, partial=partial)
        fits, pred = clock.fits(params, dists, trials, partial=partial)
        best = (pred if pred is not None else 0.0, params)
        for salt in range(1, _BUDGET_RETRIES + 1):
            if fits:
                return params
            ctx2 = TrialContext(ctx.number, trial_rng(self.sampler.seed, ctx.number, salt))
            alt = clock.adjust(dict(self.sampler.propose(space, history, [ctx2])[0]), dists,
                               trials, partial=partial)
            fits, pred = clock.fits(alt, dists, trials, partial=partial)
            params = alt
            if pred is not None and pred < best[0]:
                best = (pred, alt)
        if fits:
            return params
        self._over_budget[record.trial_id] = (
            f"time budget: not run, no proposal fits the {format_seconds(clock.remaining())} "
            f"left (the cheapest was predicted to take {format_seconds(best[0])})")
        return best[1]

    def _complete(
        self, space: Space, fixed: dict[str, Any], history: History, ctx: TrialContext
    ) -> dict[str, ParamValue]:
        space.validate(fixed, partial=True)
        params: dict[str, ParamValue] = {}
        for dim in space.dims:
            if not space.is_active(dim, params):
                continue
            if dim.name in fixed:
                params[dim.name] = dim.param.normalize(fixed[dim.name])
            else:
                params[dim.name] = self.sampler.propose_param(dim.name, dim.param, history, ctx)
        return params

    def tell(
        self,
        trial: Trial | int,
        value: float | None = None,
        state: TrialState | str | None = None,
        *,
        reason: str | None = None,
        constraints: Sequence[float] | None = None,
        values: float | Sequence[float] | None = None,
        skip_if_finished: bool = False,
    ) -> FrozenTrial:
        """Finish a trial: ``tell(t, 0.93)``, ``tell(t, [0.93, 12.5])`` (several objectives),
        ``tell(t, state="pruned")``, ``tell(t, state="fail")``; ``constraints=[...]`` records
        its constraint values (each <= 0 is satisfied).

        A value that is not a finite number (or not one per objective) fails the trial with the
        reason.  Optuna's keywords: ``values=`` is ``value``; ``skip_if_finished=True`` returns
        an already finished trial as it is instead of raising ``TrialStateError``.
        """
        if values is not None:
            if value is not None:
                raise UserError("tell: give value= or values= (Optuna's name), not both")
            value = values  # type: ignore[assignment]
        if skip_if_finished:
            done = self._finished_record(trial)
            if done is not None:
                return done
        live = trial if isinstance(trial, Trial) else self._live_by_number(trial)
        if constraints is not None:
            live.set_constraints(constraints)
        st = (
            TrialState.parse(state)
            if state is not None
            else (TrialState.COMPLETE if value is not None else None)
        )
        if st is None:
            raise UserError("tell: give a value, or a state of 'pruned' or 'failed'")
        if st in (TrialState.RUNNING, TrialState.WAITING):
            raise UserError(f"tell: state must be complete, pruned or failed, not {st.value!r}")
        number: float | None = None
        values: tuple[float, ...] | None = None
        if st is TrialState.COMPLETE:
            try:
                values = check_values(value, self.n_objectives)
            except ValueError as exc:
                st, reason = TrialState.FAILED, str(exc)
                log.warning("trial %d failed: %s", live.number, reason)
        elif st is TrialState.PRUNED and self.n_objectives == 1:
            number = float(value) if value is not None else live.last_value
        try:
            return self._end(live, st, number, reason, values=values)
        finally:
            self._forget(live.trial_id, st)

    def _live_by_number(self, number: int) -> Trial:
        for t in self._live.values():
            if t.number == number:
                return t
        raise TrialStateError(
            f"tell: trial {number} is not running in this process (asked elsewhere, or told already)"
        )

    def _fail_quietly(self, trial_id: int, reason: str) -> None:
        try:
            self.storage.finish_trial(trial_id, TrialState.FAILED, None, reason)
        except TrialStateError:
            pass
        except StorageUnavailableError:  # the store is gone: the trial goes stale there, and
            pass  # whoever next reaches the store fails it; the error in flight says why
        self._forget(trial_id, TrialState.FAILED)

    def _forget(self, trial_id: int, state: TrialState) -> None:
        """The trial has ended (as ``state``): drop it from the live ones, and make its
        ``Trial`` refuse further suggestions and reports."""
        live = self._live.pop(trial_id, None)
        if live is not None:
            mark_ended(live, state)
        self._views.pop(trial_id, None)

    def _fail_stale(self) -> list[int]:
        return self.storage.fail_stale_trials(
            self.study_id, self.grace_period, max_retries=self.max_retries
        )

    # -- driver hooks used by Trial ------------------------------------------------------------
    def _suggest(self, trial: Trial, name: str, param: Param) -> ParamValue:
        history = self._views.get(trial.trial_id) or self.history()
        value = self.sampler.propose_param(name, param, history, trial.context)
        if self._budget is None:
            return value
        return self._afford_one(trial, name, param, history, value)

    def _afford_one(self, trial: Trial, name: str, param: Param, history: History,
                    value: ParamValue) -> ParamValue:
        """Under a time budget, a define-by-run suggestion made affordable as a declared
        space's proposal is (``_afford``): a cost-driving value moved toward its low end;
        then, while the trial's values so far (the rest counted as the history's average)
        are predicted to overrun the time left, up to ``_BUDGET_RETRIES`` other draws of
        this parameter, keeping the first that fits; if none does, the cheapest, moved
        toward the cheaper end of a numeric range until it fits (``BudgetClock.nearest_fit``).
        The trial has started already: if not even that fits, it runs as it is."""
        clock = self._budget
        assert clock is not None
        dists = {**trial.distributions, name: param}
        trials = history.trials

        def afford(v: ParamValue) -> tuple[ParamValue, bool, float | None]:
            if clock.budget.is_cost(name) and isinstance(param, (Int, Float)):
                v = clock.adjust_one(name, {**trial.params, name: v}, dists, trials)
            fits, pred = clock.fits({**trial.params, name: v}, dists, trials, partial=True)
            return v, fits, pred

        value, fits, pred = afford(value)
        best = (pred if pred is not None else 0.0, value)
        salt = 1 + zlib.crc32(name.encode())  # this parameter's own streams
        for k in range(_BUDGET_RETRIES):
            if fits:
                return value
            ctx = TrialContext(trial.number, trial_rng(self.sampler.seed, trial.number, salt + k))
            value, fits, pred = afford(self.sampler.propose_param(name, param, history, ctx))
            if pred is not None and pred < best[0]:
                best = (pred, value)
        if fits:
            return value
        return clock.nearest_fit(name, {**trial.params, name: best[1]}, dists, trials)

    def _should_prune(self, trial: Trial) -> bool:
        clock = self._budget
        if clock is not None and clock.remaining() <= 0:
            return True  # the time budget is spent: stop at the trial's next check
        nop = isinstance(self.pruner, NopPruner)
        if nop and clock is None:
            return False
        if self.n_objectives > 1 and not nop:  # create_study refuses this; a hand-built Study too
            raise UserError(f"pruner: {self.pruner.name!r} compares one objective; a study of "
                            f"{self.n_objectives} objectives prunes nothing (pruner='none')")
        flush(trial)
        current = self.storage.get_trial(trial.trial_id)
        view = self._views.get(trial.trial_id)
        history = (
            self.history() if view is None else History.of([*view.trials, current], self.directions)
        )
        if clock is not None:
            reason = clock.stop_running(
                current, history.trials, self.direction if self.n_objectives == 1 else None)
            if reason is not None:
                log.info("trial %d: %s", current.number, reason)
                return True
        return not nop and self.pruner.should_prune(history, current)

    # -- the loop ----------------------------------------------------------------------------
    def optimize(
        self,
        objective: Objective,
        n_trials: int | None = None,
        timeout: float | None = None,
        *,
        max_trials: int | None = None,
        space: Mapping[str, Any] | Space | None = None,
        stop_on_error: bool = False,
        callbacks: Sequence[Callback] | None = (),
        progress: bool = False,
        n_jobs: int = 1,
        backend: str | None = None,
        trial_timeout: float | None = None,
        deterministic: bool = False,
        resources_per_trial: Mapping[str, float] | None = None,
        address: str | None = None,
        max_consecutive_failures: int | None = DEFAULT_MAX_CONSECUTIVE_FAILURES,
        catch: type[BaseException] | Sequence[type[BaseException]] | None = None,
        gc_after_trial: bool = False,
        show_progress_bar: bool | None = None,
        time_budget: float | str | TimeBudget | None = None,
    ) -> None:
        """Run trials until ``n_trials`` have run in this call, ``timeout`` seconds have passed,
        the study holds ``max_trials`` complete or pruned trials, the sampler runs out of
        configurations, or :meth:`stop` is called.

        A trial whose objective raises, or returns something other than a finite number, is
        recorded as failed with the reason, one warning line says so, and the loop goes on
        (``stop_on_error=True`` re-raises instead).  After ``max_consecutive_failures`` failed
        trials in a row (default 10; None or 0: never) the run stops with
        ``ConsecutiveFailuresError``, which quotes the first of them.  ``KeyboardInterrupt`` fails the running trials and propagates;
        every finished trial is kept.  With ``space``, params are proposed up front and the
        objective reads ``trial.params``.

        Parallel runs: ``n_jobs=N`` runs N trials at a time in worker processes (``-1``: one
        per core); ``backend="ray"`` runs them as Ray tasks (``address`` of a cluster,
        ``resources_per_trial`` such as ``{"cpu": 1, "gpu": 0.5}``).  The sampler stays in
        this process.  ``trial_timeout`` fails a trial that runs longer (its worker is
        killed); ``deterministic=True`` makes a seeded parallel run repeatable: trial k is
        proposed from the trials numbered up to k - n_jobs only, once they have all finished.

        ``time_budget`` (seconds, or ``"90s"``, ``"10m"``, ``"1h30m"``, or a
        :class:`~tunecycle.budget.TimeBudget`): spend a wall-clock budget, unlike ``timeout``,
        which only stops starting trials.  Each trial's measured duration feeds a cost model;
        no trial starts whose predicted cost overruns the time left (the loop stops instead),
        the first trials take the low end of the cost-driving parameters (trees, epochs,
        width...) and later ones are moved toward it when predicted past their allowance; a
        running trial's ``should_prune()`` returns True once the budget is spent, and in a
        parallel run a trial still running shortly after that is stopped (failed).  The
        rules are in ``docs/howto/time-budget.md``.

        Optuna's arguments: ``show_progress_bar`` is ``progress``; ``gc_after_trial=True``
        collects garbage after each trial; ``catch=(ValueError, ...)`` switches to Optuna's
        rule: an exception of those types fails its trial and the run goes on, any other
        fails its trial and is raised (without ``catch``, tunecycle's rule above holds).
        """
        _check_limit("n_trials", n_trials)
        _check_limit("max_trials", max_trials)
        _check_limit("max_consecutive_failures", max_consecutive_failures)
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise UserError(
                f"optimize: timeout must be a positive number of seconds, got {timeout!r}"
            )
        if not callable(objective):
            raise UserError(f"optimize: objective must be callable, got {objective!r}")
        budget = TimeBudget.of(time_budget) if time_budget is not None else None
        options = self._run_options(n_jobs, backend, trial_timeout, deterministic,
                                    resources_per_trial, address)
        rule, callbacks = self._optuna_options(catch, callbacks, gc_after_trial, stop_on_error)
        progress = bool(progress or show_progress_bar)
        declared = as_space(space) if space is not None else None
        self._stop.clear()
        self._fail_stale()
        self._budget = BudgetClock(budget) if budget is not None else None
        self._over_budget.clear()
        loop = Loop(self, n_trials, timeout, max_trials, rule, callbacks, progress,
                    max_consecutive_failures, budget=self._budget)
        beat = _Heartbeat(self) if self.storage.shared else None
        try:
            if options is not None:
                assert self._executor is not None
                self._executor.run(self.runner, objective, loop, declared, options)
            else:
                self._serial(objective, loop, declared, lease=beat is not None)
        finally:
            if beat is not None:
                beat.stop()
            loop.close()
            self._budget = None

    def _run_options(self, n_jobs: Any, backend: Any, trial_timeout: Any, deterministic: Any,
                     resources: Any, address: Any) -> Any | None:
        """The executor's options for a run elsewhere (None: run here)."""
        if self._executor is not None:
            return self._executor.options(n_jobs, backend, trial_timeout, deterministic,
                                          resources, address)
        if (n_jobs, backend, trial_timeout, resources, address) != (1, None, None, None, None):
            raise UserError(
                "optimize: n_jobs, backend and trial_timeout need a study made by "
                "tunecycle.create_study or load_study"
            )
        return None

    def _serial(self, objective: Objective, loop: Loop, space: Space | None, lease: bool) -> None:
        while loop.more():
            trial = self._next_trial(space, loop.max_trials, loop.deadline, lease)
            if trial is None:
                break
            loop.record(self._run(objective, trial, loop.stop_on_error))

    def stop(self) -> None:
        """Ask a running :meth:`optimize` to finish its current trials and return."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called during the running :meth:`optimize`."""
        return self._stop.is_set()

    def _next_trial(
        self, space: Space | None, max_trials: int | None, deadline: float | None, lease: bool
    ) -> Trial | None:
        while True:
            if max_trials is not None:
                if self.storage.count_trials(self.study_id, _FINISHED_OK) >= max_trials:
                    return None
            trials = self._ask(space, 1, lease=lease, max_trials=max_trials)
            if trials:
                return trials[0]
            if not self._wait_for_others(space, max_trials, deadline):
                return None

    def _wait_for_others(
        self, space: Space | None, max_trials: int | None, deadline: float | None
    ) -> bool:
        """Nothing could be asked: if the limit is held by trials running elsewhere, wait a
        little for them to end or go stale and return True (ask again); else False."""
        if max_trials is None or self.sampler.exhausted(space, self.history()):
            return False
        if self._budget is not None and self._budget.stopped is not None:
            return False
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if self._stop.wait(min(1.0, self.heartbeat_interval)):
            return False
        self._fail_stale()
        return True

    def _run(self, objective: Objective, trial: Trial,
             stop_on_error: bool | Callable[[BaseException], bool]) -> FrozenTrial:
        try:
            out = evaluate(objective, trial)
        except KeyboardInterrupt:
            self._finish(trial, TrialState.FAILED, None, "interrupted (KeyboardInterrupt)")
            raise
        except BaseException as exc:
            self._finish(trial, TrialState.FAILED, None, f"{type(exc).__name__}: {exc}")
            raise
        frozen = self._finish(trial, out.state, out.value, out.reason, values=out.values,
                              constraints=out.constraints)
        if out.error is not None and reraises(stop_on_error, out.error):
            raise out.error
        return frozen

    def _finish(
        self,
        trial: Trial,
        state: TrialState,
        value: float | None,
        reason: str | None,
        retries: int = 0,
        *,
        values: Sequence[float] | None = None,
        constraints: Sequence[float] | None = None,
    ) -> FrozenTrial:
        """Record the end of a trial this process ran; ``retries``: re-queue a failed one (a
        worker that died).  A trial failed as stale by another worker meanwhile stays so."""
        try:
            return self._end(trial, state, value, reason, retries, values=values,
                             constraints=constraints)
        except TrialStateError as exc:  # failed as stale by another worker meanwhile
            log.warning("trial %d could not be recorded: %s", trial.number, exc)
            return self.storage.get_trial(trial.trial_id)
        finally:
            self._forget(trial.trial_id, state)

    def _end(
        self,
        trial: Trial,
        state: TrialState,
        value: float | None,
        reason: str | None,
        retries: int = 0,
        *,
        values: Sequence[float] | None = None,
        constraints: Sequence[float] | None = None,
    ) -> FrozenTrial:
        """Write a trial's end.  A complete trial gets its constraint values: those the
        objective set, else those of ``constraints_func`` (whose failure fails the trial, with
        the reason)."""
        if constraints is None:
            constraints = trial.constraints
        if state is TrialState.COMPLETE and constraints is None and self.constraints_func:
            try:
                constraints = self._constraints_of(trial, value, values)
            except ValueError as exc:
                state, value, values, reason = TrialState.FAILED, None, None, str(exc)
            else:  # also where Optuna's constraints_func puts them (scripts read it there)
                self.storage.set_trial_attr(trial.trial_id, "constraints", list(constraints),
                                            system=True)
        params, dists = take_pending(trial)
        mark_ended(trial, state)
        frozen = self.storage.finish_trial(
            trial.trial_id, state, value, reason, params, dists, max_retries=retries,
            values=values, constraints=constraints,
        )
        self.sampler.trial_ended(frozen)
        return frozen

    def _constraints_of(self, trial: Trial, value: float | None,
                        values: Sequence[float] | None) -> tuple[float, ...]:
        """``constraints_func`` on a snapshot of the ending trial, checked."""
        assert self.constraints_func is not None
        snapshot = FrozenTrial(
            trial.trial_id, trial.number, TrialState.COMPLETE, value, params=trial.params,
            distributions=trial.distributions, intermediate=trial.intermediate,
            user_attrs=trial.user_attrs, values=None if values is None else tuple(values))
        try:
            result = self.constraints_func(snapshot)
        except Exception as exc:  # the user's function: its failure fails the trial
            raise ValueError(f"constraints_func raised {type(exc).__name__}: {exc}") from None
        try:
            return check_constraints(result)
        except ValueError as exc:
            raise ValueError(f"constraints_func: {exc}") from None


def _without_repeats(
    taken: Taken, proposals: list[dict], contexts: Sequence[TrialContext]
) -> list[dict]:
    """In a wholly discrete space, replace proposals that repeat a trial's configuration (or
    an earlier one of the batch) with an untried one (``Taken.draw``).  Once every
    configuration is taken, repeats are allowed: the sampler's choice stands."""
    out = []
    for params, ctx in zip(proposals, contexts):
        if params in taken:
            params = taken.draw(ctx.rng) or params
        taken.add(params)
        out.append(params)
    return out


def _check_limit(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise UserError(f"optimize: {name} must be a non-negative integer, got {value!r}")


class TrialRunner:
    """What runs a study's trials outside its ``optimize`` loop may do with the study (the
    parallel driver of ``tunecycle.execution``; ``study.runner``): the study keeps the
    sampler, the pruner, the budget and the store, the runner only moves trials along."""

    def __init__(self, study: Study) -> None:
        self.study = study

    def start(self, space: Space | None, n: int = 1, *, lease: bool,
              max_trials: int | None = None,
              view: Callable[[int], History] | None = None) -> list[Trial]:
        """Start up to ``n`` trials (fewer when ``max_trials`` or the sampler says so);
        ``view(k)``: the history trial k's sampler and pruner see (deterministic runs)."""
        return self.study._ask(space, n, lease=lease, max_trials=max_trials, view=view)

    def finish(self, trial: Trial, state: TrialState, value: float | None,
               reason: str | None = None, *, retry: bool = False,
               values: Sequence[float] | None = None,
               constraints: Sequence[float] | None = None) -> FrozenTrial:
        """Record how ``trial`` ended; ``retry``: a failed trial is queued again within the
        study's ``max_retries``."""
        return self.study._finish(trial, state, value, reason,
                                  self.study.max_retries if retry else 0,
                                  values=values, constraints=constraints)

    def abandon(self, trial_id: int, reason: str) -> None:
        """Fail a trial that cannot be told normally (its worker is gone, the run stops),
        ignoring a store that is already gone or a trial already ended."""
        self.study._fail_quietly(trial_id, reason)

    def wait_for_others(self, space: Space | None, max_trials: int | None,
                        deadline: float | None) -> bool:
        """Nothing could be started: True after a short wait when trials running elsewhere
        hold the trial limit (start again), False when the run should end."""
        return self.study._wait_for_others(space, max_trials, deadline)


class _Heartbeat:
    """Renews the leases of this study's live trials, writes their buffered suggestions, and
    fails stale trials of other workers, every ``heartbeat_interval`` seconds."""

    def __init__(self, study: Study):
        self._study = study
        self._halt = threading.Event()
        self._unreachable = False  # said once per outage, not at every beat
        self._thread = threading.Thread(target=self._loop, name="tunecycle-heartbeat", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        study = self._study
        while not self._halt.wait(study.heartbeat_interval):
            try:
                live = list(study._live.values())
                study.storage.heartbeat([t.trial_id for t in live])
                for t in live:
                    flush(t)
                study._fail_stale()
                self._unreachable = False
            except StorageUnavailableError:  # the store said why (outage.py); the trial's
                if not self._unreachable:  # own next write raises the error itself
                    log.warning("heartbeat: the store is unreachable; leases are not renewed")
                self._unreachable = True
            except TunecycleError as exc:
                log.warning("heartbeat failed: %s", exc)
            except Exception:  # a hiccup of the store must not kill the trial
                log.warning("heartbeat failed", exc_info=True)

    def stop(self) -> None:
        self._halt.set()
        self._thread.join(timeout=5)


#: Optuna's functions of ``optuna.study``: tunecycle.api's, read on first use (api imports
#: this module, so they cannot be imported here at load time)
_API_NAMES = ("copy_study", "create_study", "delete_study", "get_all_study_names",
              "get_all_study_summaries", "load_study")


def __getattr__(name: str) -> Any:
    if name in _API_NAMES:
        return getattr(importlib.import_module("tunecycle.api"), name)
    raise AttributeError(f"module 'tunecycle.study' has no attribute {name!r}")


__all__ = ["Executor", "Loop", "MaxTrialsCallback", "Study", "StudyDirection",
           "TrialRunner",
           *_API_NAMES]
