"""Exceptions that tunecycle raises on purpose.

User mistakes are ``ValueError`` subclasses whose message names the field and the problem, so
that callers (and the CLI, which prints them as one line and exits 2) never need a traceback.
This module imports nothing from the rest of the package.
"""

from __future__ import annotations


class TunecycleError(Exception):
    """Base class of every error tunecycle raises deliberately."""


class UserError(TunecycleError, ValueError):
    """The caller asked for something invalid; the message says what and where.

    ``UserError(problem, field="time_budget")`` reads ``"time_budget: <problem>"`` and keeps
    both as data: ``field`` (the argument, option or config field at fault) and ``problem``
    (the message without it), so that a caller naming the field its own way (the CLI's
    ``--time-budget``, a config's ``study.time_budget``) never parses the text.  Raised with
    a whole message alone, ``field`` is None and ``problem`` the message."""

    def __init__(self, message: str = "", *args: object, field: str | None = None) -> None:
        self.field = field
        self.problem = message
        super().__init__(f"{field}: {message}" if field else message, *args)

    def named(self, field: str) -> str:
        """The message with ``field`` in place of this error's own field name."""
        return f"{field}: {self.problem}" if self.field else str(self)


class SpaceError(UserError):
    """A search-space definition or a parameter value is invalid."""


class StorageURLError(UserError):
    """A storage URL cannot be understood or reached."""


class StudyNotFoundError(UserError, KeyError):
    """No study has the given name in the given storage."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else "study not found"


class DuplicatedStudyError(UserError):
    """A study with that name already exists and ``load_if_exists`` was not set."""


class TrialStateError(UserError):
    """The trial is not in a state that allows the operation (for example telling it twice)."""


class SchemaVersionError(TunecycleError):
    """The database was written by another schema version; it must be upgraded first."""


class StorageUnavailableError(TunecycleError):
    """The store stayed unreachable (connection lost or refused, server down) for longer than
    its retry limit; the message names the storage (password hidden) and the wait."""


class SearchSpaceExhausted(TunecycleError):
    """The sampler has no configuration left to propose (a finished grid, say)."""


class TrialPruned(TunecycleError):
    """Raised inside an objective to stop the trial early and record it as pruned."""


class ConsecutiveFailuresError(TunecycleError):
    """Too many trials in a row failed (``max_consecutive_failures``): the run stopped, as a
    run whose every trial fails would otherwise never end.  The message quotes the first of
    them."""
