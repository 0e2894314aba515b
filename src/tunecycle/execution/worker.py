"""The worker side of a parallel run: runs the objective on a twin of the driver's trial.

A worker (a forked process, or a Ray task) receives ``("run", handoff)`` messages over a
``multiprocessing`` connection, rebuilds the trial and calls the objective.  The twin answers
``suggest_*`` for params it already has (proposed up front, enqueued, or presampled); anything
else goes to the driver, which holds the sampler, the pruner and the store:

    worker -> driver   ("suggest", name, param)   reply ("ok", value) | ("err", exception)
                       ("report", step, value)    no reply
                       ("prune?",)                reply ("ok", bool)
                       ("attr", key, value)       no reply
                       ("params", {name: param})  suggestions answered locally; no reply
                       ("done", outcome)          the trial's end; the worker waits for the next
    driver -> worker   ("run", handoff) | ("exit",)

Messages on one connection arrive in order, so a report is stored before the pruner is asked
about it.  This module never touches the store.
"""

from __future__ import annotations

import logging
import pickle
import signal
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from typing import Any

from tunecycle.errors import TunecycleError
from tunecycle.space import Param, ParamValue
from tunecycle.trial import Outcome, Trial, evaluate, flush

log = logging.getLogger("tunecycle.execution")


class WorkerLost(TunecycleError):
    """The driver went away while a trial was waiting for an answer."""


class _Link:
    """Stands in for the study (as the trial's driver) and the store, by messages."""

    def __init__(self, conn: Connection):
        self._conn = conn

    def _call(self, *msg: Any) -> Any:
        self._conn.send(msg)
        try:
            kind, payload = self._conn.recv()
        except EOFError:
            raise WorkerLost("the driver closed the connection") from None
        if kind == "err":
            raise payload
        return payload

    # the trial's driver
    def _suggest(self, trial: Trial, name: str, param: Param) -> ParamValue:
        return self._call("suggest", name, param)

    def _should_prune(self, trial: Trial) -> bool:
        return bool(self._call("prune?"))

    # the store, as far as a trial writes to it
    def report(self, trial_id: int, step: int, value: float) -> None:
        self._conn.send(("report", step, value))

    def set_trial_attr(self, trial_id: int, key: str, value: Any, *, system: bool = False) -> None:
        self._conn.send(("attr", key, value))

    def set_params(self, trial_id: int, params: Mapping[str, Any], dists: Mapping[str, Any]) -> None:
        # suggestions answered here (presampled or fixed values): the driver records them too
        if dists:
            self._conn.send(("params", dict(dists)))


def serve(conn: Connection, objective: Callable[[Trial], Any], *, ignore_sigint: bool = True) -> None:
    """Run trials sent by the driver until it says ``exit`` or goes away."""
    if ignore_sigint:  # Ctrl-C reaches the whole process group: the driver handles it
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    link = _Link(conn)
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg[0] != "run":
            return
        trial = Trial(link, link, **msg[1])  # type: ignore[arg-type]
        try:
            outcome = evaluate(objective, trial)
            flush(trial)
        except WorkerLost:
            return
        conn.send(("done", _portable(outcome)))


def ask_to_exit(conn: Connection) -> None:
    """Tell an idle worker to end (nothing happens if it is gone already)."""
    try:
        conn.send(("exit",))
    except (OSError, ValueError):
        pass


def _portable(outcome: Outcome) -> Outcome:
    """The outcome with an exception that survives pickling (else a stand-in with its text)."""
    if outcome.error is None:
        return outcome
    try:
        pickle.loads(pickle.dumps(outcome.error))
        return outcome
    except Exception:
        return Outcome(outcome.state, outcome.value, outcome.reason, RuntimeError(outcome.reason))
