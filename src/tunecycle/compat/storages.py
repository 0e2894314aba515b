"""Optuna's ``optuna.storages`` names, as tunecycle stores (re-exported by ``tunecycle.storages``).

``RDBStorage(url, ...)`` is a tunecycle SQL storage of that URL: tunecycle's own schema, not
Optuna's (a database that holds Optuna's tables is refused, with the pointer to ``tunecycle
import``, which copies its studies over).  Its ``heartbeat_interval``, ``grace_period`` and
retry callback become the settings of the studies opened on it: ``create_study`` and
``load_study`` read them from ``Storage.study_defaults``.  ``RetryFailedTrialCallback`` (and
Optuna 5's name for it, ``RetryHeartbeatStaleTrialCallback``) is tunecycle's ``max_retries``;
no other callback can run.  ``InMemoryStorage`` is tunecycle's.  tunecycle has no journal
storage and no gRPC proxy: those names exist so that a script fails at once with what to use
instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from tunecycle.errors import UserError
from tunecycle.records import FrozenTrial
from tunecycle.storage import InMemoryStorage, Storage
from tunecycle.storage.sql import SQLStorage

BaseStorage = Storage
#: what ``RetryFailedTrialCallback(max_retry=None)`` (Optuna: retry without end) becomes
UNLIMITED_RETRIES = 1_000_000


class RetryHeartbeatStaleTrialCallback:
    """Re-queue a trial whose worker died or went silent, up to ``max_retry`` times (None:
    without end): tunecycle's ``max_retries``.  Give it to :class:`RDBStorage`.

    The retry is a waiting trial with the same params whose ``retry_of`` is the failed trial's
    number; unlike Optuna it starts without the failed trial's user attributes, and
    ``inherit_intermediate_values=True`` is not supported (a warning says so)."""

    def __init__(self, max_retry: int | None = None, inherit_intermediate_values: bool = False):
        if max_retry is not None and (
            isinstance(max_retry, bool) or not isinstance(max_retry, int) or max_retry < 0
        ):
            raise UserError(
                f"max_retry: expected a non-negative integer or None, got {max_retry!r}"
            )
        if inherit_intermediate_values:
            warnings.warn(
                "inherit_intermediate_values=True is not supported by tunecycle: a retried "
                "trial starts without the failed trial's intermediate values",
                UserWarning,
                stacklevel=2,
            )
        self.max_retry = max_retry
        self.inherit_intermediate_values = bool(inherit_intermediate_values)

    @property
    def max_retries(self) -> int:
        """The study setting this callback stands for."""
        return UNLIMITED_RETRIES if self.max_retry is None else self.max_retry

    def __call__(self, study: Any, trial: FrozenTrial) -> None:
        raise UserError(
            "RetryFailedTrialCallback is not called in tunecycle: the store "
            "re-queues a stale trial itself (give the callback to RDBStorage)"
        )

    @staticmethod
    def retried_trial_number(trial: FrozenTrial) -> int | None:
        """The number of the failed trial that ``trial`` retries (None if it is no retry).

        tunecycle records the trial retried directly; for a retry of a retry Optuna gives the
        first trial of the chain instead."""
        return trial.retry_of

    @staticmethod
    def retry_history(trial: FrozenTrial) -> list[int]:
        """The trials this one retries, as far as the trial itself records: the one it
        retries directly (Optuna lists the whole chain)."""
        return [] if trial.retry_of is None else [trial.retry_of]


class RetryFailedTrialCallback(RetryHeartbeatStaleTrialCallback):
    """Optuna's older name of :class:`RetryHeartbeatStaleTrialCallback`."""


class RDBStorage(SQLStorage):
    """Optuna's ``RDBStorage(url, ...)``: a tunecycle SQL store (SQLite or PostgreSQL).

    ``heartbeat_interval`` and ``grace_period`` (Optuna's default: twice the interval) and the
    retry callback's ``max_retry`` become the settings of every study opened on this storage,
    unless ``create_study`` / ``load_study`` are given them.  ``skip_table_creation=True``
    opens an existing tunecycle database only; ``skip_compatibility_check`` has no effect (a
    database of another schema version is upgraded with ``tunecycle storage upgrade``)."""

    def __init__(
        self,
        url: str,
        engine_kwargs: Mapping[str, Any] | None = None,
        skip_compatibility_check: bool = False,
        *,
        heartbeat_interval: float | None = None,
        grace_period: float | None = None,
        heartbeat_stale_trial_callback: Any = None,
        failed_trial_callback: Any = None,
        skip_table_creation: bool = False,
    ) -> None:
        defaults = _study_defaults(
            heartbeat_interval, grace_period, heartbeat_stale_trial_callback, failed_trial_callback
        )
        super().__init__(url, engine_kwargs=engine_kwargs, create_schema=not skip_table_creation)
        self.engine_kwargs = dict(engine_kwargs or {})
        self.skip_compatibility_check = skip_compatibility_check
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.heartbeat_stale_trial_callback = (
            heartbeat_stale_trial_callback or failed_trial_callback
        )
        self.failed_trial_callback = self.heartbeat_stale_trial_callback
        self.study_defaults = defaults


def _study_defaults(
    heartbeat_interval: float | None,
    grace_period: float | None,
    stale_callback: Any,
    failed_callback: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in (("heartbeat_interval", heartbeat_interval), ("grace_period", grace_period)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise UserError(f"{name}: expected a positive number of seconds, got {value!r}")
        out[name] = float(value)
    if "heartbeat_interval" in out and "grace_period" not in out:
        out["grace_period"] = 2 * out["heartbeat_interval"]  # Optuna's default
    if stale_callback is not None and failed_callback is not None:
        raise UserError(
            "heartbeat_stale_trial_callback: give it or failed_trial_callback, not both"
        )
    callback = stale_callback if stale_callback is not None else failed_callback
    if callback is not None:
        if not isinstance(callback, RetryHeartbeatStaleTrialCallback):
            field = (
                "heartbeat_stale_trial_callback"
                if stale_callback is not None
                else "failed_trial_callback"
            )
            raise UserError(
                f"{field}: tunecycle runs no function of yours when a stale trial fails; it "
                "can re-queue it: pass RetryFailedTrialCallback(max_retry=N) (or "
                "create_study(max_retries=N))"
            )
        out["max_retries"] = callback.max_retries
    return out


def fail_stale_trials(study: Any) -> None:
    """Fail the study's trials whose worker died or went silent past the grace period (and
    re-queue them, with ``max_retries``), as every tunecycle worker does on its own."""
    study.storage.fail_stale_trials(
        study.study_id, study.grace_period, max_retries=study.max_retries
    )


# -- names tunecycle does not have: they fail at once, saying what to use ------------------------
NO_JOURNAL = (
    "tunecycle has no journal storage: use a SQLite file (storage='sqlite:///study.db'; "
    "PostgreSQL for workers on several machines), and bring a journal study over with "
    "`tunecycle import --from journal:PATH --to sqlite:///study.db`"
)
NO_GRPC = (
    "tunecycle has no gRPC storage proxy: every worker reaches the database itself "
    "(sqlite:///study.db on one machine, postgresql://... across machines)"
)


def _refused(name: str, why: str) -> type:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        raise UserError(f"{name}: {why}")

    return type(
        name,
        (),
        {"__init__": __init__, "__doc__": f"Not in tunecycle: {why}.", "__module__": __name__},
    )


JournalStorage = _refused("JournalStorage", NO_JOURNAL)
JournalFileBackend = _refused("JournalFileBackend", NO_JOURNAL)
JournalRedisBackend = _refused("JournalRedisBackend", NO_JOURNAL)
JournalFileStorage = _refused("JournalFileStorage", NO_JOURNAL)
JournalRedisStorage = _refused("JournalRedisStorage", NO_JOURNAL)
JournalFileSymlinkLock = _refused("JournalFileSymlinkLock", NO_JOURNAL)
JournalFileOpenLock = _refused("JournalFileOpenLock", NO_JOURNAL)
BaseJournalBackend = _refused("BaseJournalBackend", NO_JOURNAL)
BaseJournalLogStorage = BaseJournalBackend
GrpcStorageProxy = _refused("GrpcStorageProxy", NO_GRPC)


def run_grpc_proxy_server(*args: Any, **kwargs: Any) -> None:
    """Not in tunecycle (see ``NO_GRPC``)."""
    raise UserError(f"run_grpc_proxy_server: {NO_GRPC}")


__all__ = [
    "BaseJournalBackend",
    "BaseJournalLogStorage",
    "BaseStorage",
    "GrpcStorageProxy",
    "InMemoryStorage",
    "JournalFileBackend",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalRedisBackend",
    "JournalRedisStorage",
    "JournalStorage",
    "RDBStorage",
    "RetryFailedTrialCallback",
    "RetryHeartbeatStaleTrialCallback",
    "fail_stale_trials",
    "run_grpc_proxy_server",
]
