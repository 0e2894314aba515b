"""Optuna's ``optuna.storages`` under tunecycle's name (see :mod:`tunecycle.compat.storages`)."""

from tunecycle.compat.storages import (
    BaseJournalBackend,
    BaseJournalLogStorage,
    BaseStorage,
    GrpcStorageProxy,
    InMemoryStorage,
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileStorage,
    JournalFileSymlinkLock,
    JournalRedisBackend,
    JournalRedisStorage,
    JournalStorage,
    RDBStorage,
    RetryFailedTrialCallback,
    RetryHeartbeatStaleTrialCallback,
    fail_stale_trials,
    run_grpc_proxy_server,
)
from tunecycle.storages import journal

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
    "journal",
    "run_grpc_proxy_server",
]
