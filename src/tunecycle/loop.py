"""The bookkeeping of one ``optimize`` call (:class:`Loop`), shared by the study's serial loop
and the parallel executors: when to stop (trial counts, ``timeout``, the time budget, a run of
failures), what the user sees (the progress bar, the log lines of ``tunecycle.progress``), and
the callbacks.  It reads the study through its public surface only."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tunecycle.budget import BudgetClock
from tunecycle.errors import ConsecutiveFailuresError, UserError
from tunecycle.progress import ProgressBar, failure_line, finished_line, summary_line
from tunecycle.records import FrozenTrial, TrialState

if TYPE_CHECKING:
    from tunecycle.study import Study

log = logging.getLogger("tunecycle.study")  # the lines users know, under the study's logger

#: called after each trial of ``optimize``: ``callback(study, frozen_trial)``
Callback = Callable[["Study", FrozenTrial], None]
_FINISHED_OK = (TrialState.COMPLETE, TrialState.PRUNED)


class Loop:
    """The bookkeeping of one ``optimize`` call, shared by the serial loop and the parallel
    executors: when to stop, what the user sees (``tunecycle.progress``), callbacks."""

    def __init__(
        self,
        study: Study,
        n_trials: int | None,
        timeout: float | None,
        max_trials: int | None,
        stop_on_error: bool | Callable[[BaseException], bool],
        callbacks: Sequence[Callback],
        progress: bool,
        max_consecutive_failures: int | None = None,
        budget: BudgetClock | None = None,
    ):
        self.study = study
        #: the time budget's clock (None without one): ``more`` asks it too
        self.budget = budget
        self.n_trials = n_trials
        self.max_trials = max_trials
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.stop_on_error = stop_on_error
        self.callbacks = tuple(callbacks)
        self.max_consecutive_failures = max_consecutive_failures
        self.done = 0  # trials finished in this call
        self.counts: Counter[TrialState] = Counter()
        self._failing: list[FrozenTrial] = []  # the current run of consecutive failures
        self._bar = _progress_bar(study, n_trials, max_trials) if progress else None
        if self._bar is not None and budget is not None:
            self._bar.set_time_left(budget.left())

    def more(self, running: int = 0) -> bool:
        """May another trial start, with ``running`` trials of this call still going?"""
        if self.study.stopping:
            return False
        if self.n_trials is not None and self.done + running >= self.n_trials:
            return False
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        if self.budget is not None:
            if self.budget.stopped is not None:
                return False
            if not self.budget.may_start(self.study.history().trials):
                log.info("%s", self.budget.stopped)  # once: the clock stays stopped
                return False
        return True

    def record(self, frozen: FrozenTrial) -> None:
        """A trial of this call ended: count it, show it, call the callbacks; raise
        ``ConsecutiveFailuresError`` once too many trials in a row have failed."""
        self.done += 1
        self.counts[frozen.state] += 1
        if frozen.state is TrialState.FAILED:
            log.warning("%s", failure_line(frozen))
            self._failing.append(frozen)
        else:
            self._failing.clear()
            if log.isEnabledFor(logging.INFO):  # tunecycle.logging.set_verbosity(INFO)
                log.info("%s", finished_line(frozen, self._best_for_log()))
        if self._bar is not None:
            if self.budget is not None:
                self._bar.set_time_left(self.budget.left())
            self._bar.update(frozen, self.counts)
        for cb in self.callbacks:
            cb(self.study, frozen)
        limit = self.max_consecutive_failures
        if limit and len(self._failing) >= limit:
            first = self._failing[0]
            raise ConsecutiveFailuresError(
                f"optimize: {len(self._failing)} trials in a row failed, so the run stopped "
                f"(max_consecutive_failures={limit}); the first of them, "
                f"{failure_line(first)}"
            )

    def raises(self, error: BaseException) -> bool:
        """Whether the exception that failed a trial of this call is raised (see
        :func:`reraises`)."""
        return reraises(self.stop_on_error, error)

    def _best_for_log(self) -> FrozenTrial | None:
        if self.study.n_objectives > 1:
            return None
        try:
            return self.study.best_trial
        except UserError:  # no feasible complete trial yet
            return None

    def close(self) -> None:
        summary = summary_line(self.counts)
        if self.budget is not None:
            summary += f"; {self.budget.summary()}"
            if self.budget.stopped:
                summary += f"; stopped: {self.budget.stopped}"
        if self._bar is not None:
            self._bar.close(summary)
            if self._bar.visible:
                return
        if self.counts[TrialState.FAILED]:
            log.warning("%s", summary)


def _progress_bar(study: Study, n_trials: int | None, max_trials: int | None) -> ProgressBar:
    """A bar of trials done: of ``n_trials``, or of ``max_trials`` counting the complete and
    pruned trials the study already holds; it starts with the study's best trial."""
    counts_study = n_trials is None and max_trials is not None
    done = study.storage.count_trials(study.study_id, _FINISHED_OK) if counts_study else 0
    bar = ProgressBar(n_trials if n_trials is not None else max_trials,
                      min(done, max_trials or 0), study.directions[0],
                      counts_all=not counts_study)
    if bar.visible:
        try:
            bar.show_best(study.best_trial)
        except UserError:  # no complete trial yet
            pass
    return bar


def reraises(rule: bool | Callable[[BaseException], bool], error: BaseException) -> bool:
    """Whether ``optimize`` raises the exception that failed a trial: ``stop_on_error``, or
    the rule made from Optuna's ``catch`` (True for a type not caught)."""
    return bool(rule(error)) if callable(rule) else bool(rule)
