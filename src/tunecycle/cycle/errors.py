"""Exceptions of the tuning cycle (data, splits, preprocessing, metrics).

Every one is a :class:`tunecycle.errors.UserError` (so a ``ValueError``): the message names the
field and the problem, and the CLI can print it as one line.  Errors of the engine (spaces,
storage, studies) stay in :mod:`tunecycle.errors`; this module holds only what the cycle adds.
"""

from __future__ import annotations

from tunecycle.errors import UserError


class DataError(UserError):
    """A data set, a split of it or a validation scheme cannot be used as asked."""


class MetricError(UserError):
    """A metric is unknown for the task, or cannot be computed for this estimator or data."""
