"""In-memory inputs as frames: a DataFrame with a target column, ``(X, y)`` arrays (images and
sequences flattened to rows, the shape of one sample kept), ``y`` aligned to ``X``, string
column names.

Not here: the checks of the values (``checks``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tunecycle.cycle.data.checks import _build, _infer_task, _with_string_columns
from tunecycle.cycle.data.dataset import Dataset, Task
from tunecycle.cycle.errors import DataError


def _from_frame(
    frame: pd.DataFrame, target: str | None, task: Task | None, name: str, where: str
) -> Dataset:
    frame = _with_string_columns(frame, "the data")
    if target is None:
        if task != "clustering":
            raise DataError(
                f"{where} needs target=<column name> (columns: "
                f"{_column_list(frame)}), or task='clustering'",
                field="target",
            )
        return _build(frame.copy(), None, task, name)
    target = str(target)
    if target not in frame.columns:
        raise DataError(f"no column {target!r} in {where}; columns: {_column_list(frame)}", field="target")
    y = frame[target].copy()
    X = frame.drop(columns=[target])
    return _build(X, y, task or _infer_task(y, f"target {target!r}"), name)


def _flatten(X: Any) -> tuple[pd.DataFrame, tuple[int, ...] | None]:
    """2-D features as they are; an array of images (N, H, W) / (N, C, H, W) or sequences
    (N, steps, features) flattened to rows, with the shape of one sample."""
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return _as_frame(X), None
    try:
        array = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise DataError(f"X: cannot be read as an array ({exc})") from None
    if array.ndim in (3, 4) and array.shape[0] > 0:
        shape = tuple(int(s) for s in array.shape[1:])
        if min(shape) < 1:
            raise DataError(f"X: every sample dimension must be at least 1, got {array.shape}")
        return _as_frame(array.reshape(array.shape[0], -1)), shape
    return _as_frame(array), None


def _as_frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return _with_string_columns(X, "X").copy()
    if isinstance(X, pd.Series):
        raise DataError("X: is a Series; features must be 2-D (use series.to_frame())")
    try:
        array = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise DataError(f"X: cannot be read as an array ({exc})") from None
    if array.ndim != 2:
        raise DataError(f"X: must be 2-D (rows x features), 3-D (sequences or one-channel "
                        f"images) or 4-D (N, C, H, W images), got shape {array.shape}")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def _as_series(y: Any, X: pd.DataFrame) -> pd.Series | None:
    """``y`` aligned to ``X`` by position (as scikit-learn does), keeping its dtype and name."""
    if y is None:
        return None
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise DataError(f"y: must be one column, got {y.shape[1]}")
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        series = y
    else:
        array = np.asarray(y)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise DataError(f"y: must be 1-D (one target), got shape {array.shape}")
        series = pd.Series(array)
    if len(series) != len(X):
        raise DataError(f"y: has {len(series)} rows but X has {len(X)}")
    name = "target" if series.name is None else str(series.name)
    return series.set_axis(X.index).rename(name)


def _column_list(frame: pd.DataFrame, limit: int = 30) -> str:
    names = [repr(c) for c in frame.columns[:limit]]
    more = len(frame.columns) - limit
    return ", ".join(names) + (f", ... ({more} more)" if more > 0 else "")
