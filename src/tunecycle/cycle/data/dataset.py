"""The ``Dataset`` record (features, target, task, name, labels, the shape of one sample) and
the tasks (``Task``, ``TASKS``).  Its constructor checks only the shape of the record.

Not here: loading and checking the data (``loading``, ``checks``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from tunecycle.cycle.errors import DataError

Task = Literal["classification", "regression", "clustering"]


TASKS: tuple[str, ...] = get_args(Task)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features, target and task of one data set; rows are aligned on ``X.index``.

    ``y`` is the target (``None`` for clustering); ``labels`` holds known ground-truth clusters
    for clustering (``None`` otherwise or when unknown).  The record is frozen (its fields cannot
    be rebound) but pandas objects are mutable: treat them as read-only.  Build one with
    :func:`load_data`, which checks the data; the constructor checks only the shape of the
    record.  ``eq=False``: two data sets compare by identity, never element-wise.
    """

    X: pd.DataFrame
    y: pd.Series | None
    task: Task
    name: str
    labels: pd.Series | None = None
    # the shape of one sample before it was flattened into the columns of X: (C, H, W) or
    # (H, W) for images, (steps, features) for sequences; None for plain tables
    sample_shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(f"task: {self.task!r} is not one of {', '.join(TASKS)}")
        if not isinstance(self.X, pd.DataFrame):
            raise DataError(f"X: must be a pandas DataFrame, got {type(self.X).__name__}")
        if self.sample_shape is not None and int(np.prod(self.sample_shape)) != self.X.shape[1]:
            raise DataError(f"sample_shape: {self.sample_shape} does not hold the "
                            f"{self.X.shape[1]} columns of X")
        if self.task == "clustering":
            if self.y is not None:
                raise DataError(
                    "y: a clustering data set has no target; pass known clusters as labels"
                )
        elif self.y is None:
            raise DataError(f"y: a {self.task} data set needs a target")
        elif self.labels is not None:
            raise DataError("labels: only a clustering data set has labels; use y")
        for field, series in (("y", self.y), ("labels", self.labels)):
            if series is None:
                continue
            if not isinstance(series, pd.Series):
                raise DataError(f"{field}: must be a pandas Series, got {type(series).__name__}")
            if len(series) != len(self.X):
                raise DataError(f"{field}: has {len(series)} rows but X has {len(self.X)}")
            if not series.index.equals(self.X.index):
                raise DataError(f"{field}: its index differs from the index of X")

    @property
    def n_samples(self) -> int:
        return len(self.X)

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def target(self) -> str | None:
        """The name of the target (or of the labels, for clustering), if any."""
        series = self.y if self.y is not None else self.labels
        return None if series is None or series.name is None else str(series.name)

    @property
    def classes(self) -> list[Any]:
        """The sorted distinct target values of a classification set (empty list otherwise)."""
        if self.task != "classification" or self.y is None:
            return []
        values = pd.unique(self.y).tolist()
        try:
            return sorted(values)
        except TypeError:  # labels of mixed types
            return sorted(values, key=repr)

    def take(self, positions: Sequence[int] | np.ndarray) -> Dataset:
        """The rows at these positions (as from :mod:`~tunecycle.cycle.splits`), same name."""
        pos = np.asarray(positions, dtype=np.intp)
        return Dataset(
            X=self.X.iloc[pos],
            y=None if self.y is None else self.y.iloc[pos],
            task=self.task,
            name=self.name,
            labels=None if self.labels is None else self.labels.iloc[pos],
            sample_shape=self.sample_shape,
        )
