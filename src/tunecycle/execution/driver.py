"""The driver of a parallel run: hands trials to workers and answers them.

The driver keeps the sampler, the pruner and the store in this process; workers (forked
processes or Ray tasks, see ``local.py`` and ``ray.py``) only run the objective and ask for
what they lack (``worker.py`` has the messages).  The driver
- starts a trial whenever a worker is free and the limits allow (``Loop.more``);
- answers suggestions, reports and pruning questions, and records each trial's end;
- fails the trial of a worker that died (re-queued when the study has ``max_retries``) or ran
  past ``trial_timeout`` (its worker is killed), and starts a new worker in its place;
- under a time budget (``Loop.budget``), each free worker starts a trial only when the budget's
  clock says the next one fits the time left, and a trial still running at the end of the
  search plus a grace (``BudgetClock.hard_end``) is stopped like one past ``trial_timeout``;
- in a deterministic run, proposes trial k only once trials up to k - n_jobs have finished,
  from those trials only, so that the same seed and n_jobs give the same trials.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from tunecycle.errors import StorageUnavailableError
from tunecycle.execution.options import ParallelOptions
from tunecycle.loop import Loop
from tunecycle.protocols import History
from tunecycle.records import TrialState
from tunecycle.space import Space
from tunecycle.study import Objective, TrialRunner
from tunecycle.trial import Outcome, Trial, handoff

log = logging.getLogger("tunecycle.execution")

_POLL = 0.5  # seconds between checks of the stop flag, deadlines and timeouts
_OPEN, _BLOCKED, _DONE = "open", "blocked", "done"


class Worker(Protocol):
    """One place where trials run, one at a time, talking over ``conn``."""

    conn: Connection

    def waitables(self) -> list[Any]:
        """What ``multiprocessing.connection.wait`` should watch: the connection, and a
        process sentinel where there is one."""

    def exit_description(self) -> str | None:
        """Why the worker is gone ('killed by SIGKILL'), or None while it lives."""

    def kill(self) -> None: ...

    def close(self) -> None:
        """Ask an idle worker to exit, and wait for it briefly."""


class Launcher(Protocol):
    def start(self) -> Worker: ...

    def shutdown(self) -> None: ...


@dataclass
class _Slot:
    worker: Worker | None = None
    trial: Trial | None = None
    started: float = 0.0


@dataclass
class _Order:
    """Deterministic runs: which trials this call started, and which have finished."""

    n_jobs: int
    numbers: list[int] = field(default_factory=list)
    finished: set[int] = field(default_factory=set)

    def may_start(self) -> bool:
        due = len(self.numbers) - self.n_jobs  # trials up to this position must be done
        return all(n in self.finished for n in self.numbers[: max(due + 1, 0)])


def drive(
    runner: TrialRunner,
    objective: Objective,
    loop: Loop,
    space: Space | None,
    options: ParallelOptions,
    launcher: Launcher,
) -> None:
    """Run trials on ``options.n_jobs`` workers from ``launcher`` until ``loop`` says stop."""
    run = _Run(runner, loop, space, options, launcher)
    try:
        run.go()
    except BaseException as exc:
        run.abandon(f"interrupted ({type(exc).__name__})")
        raise
    finally:
        run.close()


class _Run:
    def __init__(
        self,
        runner: TrialRunner,
        loop: Loop,
        space: Space | None,
        options: ParallelOptions,
        launcher: Launcher,
    ):
        self.runner = runner
        self.study = study = runner.study
        self.loop = loop
        self.space = space
        self.options = options
        self.launcher = launcher
        self.slots = [_Slot() for _ in range(options.n_jobs)]
        self.order = _Order(options.n_jobs) if options.deterministic else None
        self.lease = study.storage.shared

    # -- the loop ----------------------------------------------------------------------------
    def go(self) -> None:
        state = _OPEN
        while True:
            if state is _OPEN:
                state = self._fill()
            busy = [s for s in self.slots if s.trial is not None]
            if not busy:
                if state is _BLOCKED and self.loop.more() and self.runner.wait_for_others(
                    self.space, self.loop.max_trials, self.loop.deadline
                ):
                    state = _OPEN
                    continue
                return
            if self._serve(busy):
                state = _OPEN  # a trial ended: the limit may have room again

    def _fill(self) -> str:
        """Start trials on free slots.  Returns _OPEN (more may start later), _BLOCKED (the
        study gave none: its limit is held by running trials, or the sampler ran out) or
        _DONE (the study holds ``max_trials`` finished trials)."""
        for slot in self.slots:
            if slot.trial is not None:
                continue
            running = sum(1 for s in self.slots if s.trial is not None)
            if not self.loop.more(running):
                return _OPEN
            if self.order is not None and not self.order.may_start():
                return _OPEN
            if self.loop.max_trials is not None and self.study.storage.count_trials(
                self.study.study_id, (TrialState.COMPLETE, TrialState.PRUNED)
            ) >= self.loop.max_trials:
                return _DONE
            trials = self.runner.start(
                self.space, 1, lease=self.lease, max_trials=self.loop.max_trials,
                view=self._view if self.order is not None else None,
            )
            if not trials:
                return _BLOCKED
            self._start(slot, trials[0])
        return _OPEN

    def _view(self, number: int) -> History:
        cut = number - self.options.n_jobs
        seen = [t for t in self.study.trials if t.number <= cut and t.is_finished]
        return History.of(seen, self.study.directions, self.study.prior)

    def _start(self, slot: _Slot, trial: Trial) -> None:
        if slot.worker is None:
            slot.worker = self.launcher.start()
        slot.trial, slot.started = trial, time.monotonic()
        if self.order is not None:
            self.order.numbers.append(trial.number)
        try:
            slot.worker.conn.send(("run", handoff(trial)))
        except (OSError, ValueError):
            self._lost(slot, "worker process could not be reached")

    # -- answering workers ---------------------------------------------------------------------
    def _serve(self, busy: list[_Slot]) -> bool:
        """Wait for messages (or a deadline) and handle them; True when a trial ended."""
        watch: dict[Any, _Slot] = {}
        for slot in busy:
            assert slot.worker is not None
            for w in slot.worker.waitables():
                watch[w] = slot
        ready = wait(list(watch), timeout=self._wait_time(busy))
        ended = False
        for slot in {id(watch[r]): watch[r] for r in ready}.values():
            ended |= self._drain(slot)
        return self._expire(busy) or ended

    def _wait_time(self, busy: list[_Slot]) -> float:
        limit = self.options.trial_timeout
        now = time.monotonic()
        ends = [s.started + limit - now for s in busy] if limit is not None else []
        if self.loop.budget is not None:
            ends.append(self.loop.budget.hard_end() - now)
        return max(0.0, min(_POLL, *ends)) if ends else _POLL

    def _drain(self, slot: _Slot) -> bool:
        assert slot.worker is not None
        conn = slot.worker.conn
        read = 0
        while slot.trial is not None:
            try:
                if not conn.poll():
                    break
                msg = conn.recv()
            except (EOFError, OSError):
                self._lost(slot, self._why_gone(slot.worker))
                return True
            read += 1
            if self._handle(slot, msg):
                return True
        if read == 0 and slot.trial is not None:  # woken by the process ending, not a message
            why = slot.worker.exit_description()
            if why is not None:
                self._lost(slot, why)
                return True
        return False

    def _handle(self, slot: _Slot, msg: tuple) -> bool:
        trial = slot.trial
        assert trial is not None and slot.worker is not None
        kind = msg[0]
        if kind == "done":
            self._done(slot, msg[1])
            return True
        if kind == "suggest":
            try:
                reply: tuple = ("ok", trial.suggest(msg[1], msg[2]))
            except StorageUnavailableError:  # the store stayed away: the run ends here
                raise
            except Exception as exc:  # the objective's mistake: raise it there
                reply = ("err", exc)
            slot.worker.conn.send(reply)
        elif kind == "prune?":
            slot.worker.conn.send(("ok", trial.should_prune()))
        elif kind == "report":
            trial.report(msg[2], msg[1])
        elif kind == "attr":
            trial.set_user_attr(msg[1], msg[2])
        elif kind == "params":  # presampled or fixed values the twin used: same values here
            for name, param in msg[1].items():
                trial.suggest(name, param)
        else:
            log.warning("trial %d: unknown message %r from its worker", trial.number, kind)
        return False

    def _done(self, slot: _Slot, outcome: Outcome) -> None:
        trial = slot.trial
        assert trial is not None
        frozen = self.runner.finish(trial, outcome.state, outcome.value, outcome.reason,
                                    values=outcome.values, constraints=outcome.constraints)
        self._release(slot, trial)
        self.loop.record(frozen)
        if outcome.error is not None and self.loop.raises(outcome.error):
            raise outcome.error

    def _expire(self, busy: list[_Slot]) -> bool:
        limit = self.options.trial_timeout
        budget = self.loop.budget
        if limit is None and budget is None:
            return False
        now, ended = time.monotonic(), False
        past_budget = budget is not None and now >= budget.hard_end()
        for slot in busy:
            if slot.trial is None:
                continue
            if limit is not None and now - slot.started >= limit:
                reason = f"timed out after {limit:g} s (trial_timeout)"
            elif past_budget:
                reason = (f"stopped after {now - slot.started:.1f} s: the time budget was "
                          "spent")
            else:
                continue
            assert slot.worker is not None
            slot.worker.kill()
            trial = slot.trial
            frozen = self.runner.finish(trial, TrialState.FAILED, None, reason)
            slot.worker = None
            self._release(slot, trial)
            self.loop.record(frozen)
            ended = True
        return ended

    @staticmethod
    def _why_gone(worker: Worker) -> str:
        """The worker's connection closed: say how it ended, once it has."""
        for _ in range(20):
            why = worker.exit_description()
            if why is not None:
                return why
            time.sleep(0.05)
        return "its connection closed"

    def _lost(self, slot: _Slot, why: str) -> None:
        """The worker of a running trial is gone: fail the trial (and re-queue it)."""
        trial = slot.trial
        assert trial is not None
        if slot.worker is not None:
            slot.worker.kill()
        slot.worker = None
        reason = f"worker lost: {why}"
        frozen = self.runner.finish(trial, TrialState.FAILED, None, reason, retry=True)
        self._release(slot, trial)
        self.loop.record(frozen)

    def _release(self, slot: _Slot, trial: Trial) -> None:
        slot.trial = None
        if self.order is not None:
            self.order.finished.add(trial.number)

    # -- the end -------------------------------------------------------------------------------
    def abandon(self, reason: str) -> None:
        """Fail the trials still running (their workers are killed)."""
        for slot in self.slots:
            if slot.trial is not None:
                if slot.worker is not None:
                    slot.worker.kill()
                    slot.worker = None
                self.runner.abandon(slot.trial.trial_id, reason)
                slot.trial = None

    def close(self) -> None:
        for slot in self.slots:
            if slot.worker is not None:
                slot.worker.close()
                slot.worker = None
        self.launcher.shutdown()

