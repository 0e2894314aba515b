"""Optuna's ``optuna.storages.journal``: tunecycle has no journal storage, so each name fails
at once, saying what to use instead (see :mod:`tunecycle.compat.storages`)."""

from tunecycle.compat.storages import (
    BaseJournalBackend,
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
    JournalRedisBackend,
    JournalStorage,
)

__all__ = [
    "BaseJournalBackend",
    "JournalFileBackend",
    "JournalFileOpenLock",
    "JournalFileSymlinkLock",
    "JournalRedisBackend",
    "JournalStorage",
]
