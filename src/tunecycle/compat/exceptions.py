"""Optuna's ``optuna.exceptions`` names, mapped onto the errors tunecycle raises.

``OptunaError`` is tunecycle's base error, so ``except optuna.exceptions.OptunaError`` catches
everything tunecycle raises on purpose; the others are tunecycle's own classes under Optuna's
names where one exists (``StorageInternalError`` is a store that stayed unreachable,
``UpdateFinishedTrialError`` a change to a finished trial).  ``CLIUsageError`` and
``ExperimentalWarning`` exist so that code which names them runs: tunecycle raises and emits
neither.
"""

from __future__ import annotations

from tunecycle.errors import (
    DuplicatedStudyError,
    StorageUnavailableError,
    TrialPruned,
    TrialStateError,
    TunecycleError,
    UserError,
)

OptunaError = TunecycleError
StorageInternalError = StorageUnavailableError
UpdateFinishedTrialError = TrialStateError


class CLIUsageError(UserError):
    """A command line was used wrongly (tunecycle's CLI reports such mistakes as a
    ``UserError`` line and exit status 2; this class is here for code that names it)."""


class ExperimentalWarning(UserWarning):
    """Optuna's warning class for experimental features; tunecycle emits none, and a filter
    that names this class (``warnings.simplefilter("ignore", ExperimentalWarning)``) works."""


__all__ = [
    "CLIUsageError",
    "DuplicatedStudyError",
    "ExperimentalWarning",
    "OptunaError",
    "StorageInternalError",
    "TrialPruned",
    "UpdateFinishedTrialError",
]
