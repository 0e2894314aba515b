"""Optuna's ``optuna.exceptions`` under tunecycle's name (see :mod:`tunecycle.compat`)."""

from tunecycle.compat.exceptions import (
    CLIUsageError,
    DuplicatedStudyError,
    ExperimentalWarning,
    OptunaError,
    StorageInternalError,
    TrialPruned,
    UpdateFinishedTrialError,
)

__all__ = [
    "CLIUsageError",
    "DuplicatedStudyError",
    "ExperimentalWarning",
    "OptunaError",
    "StorageInternalError",
    "TrialPruned",
    "UpdateFinishedTrialError",
]
