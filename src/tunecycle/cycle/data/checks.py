"""The checks that make a ``Dataset``: the inferred task, a target without missing values (two
classes at least; numbers for regression), string column names without duplicates, feature
columns a model can take (not wholly missing, no infinities, no free text, no unsupported
dtype).

Not here: preprocessing (``tunecycle.cycle.preprocess``); nothing is repaired.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from tunecycle.cycle.data.dataset import Dataset, Task
from tunecycle.cycle.errors import DataError

#: an integer target with at most this many distinct values is inferred to be classification
MAX_INFERRED_CLASSES = 20


#: a text column is free text when it has more distinct values than this ...
FREE_TEXT_MIN_UNIQUE = 100


#: ... and they are more than this fraction of its non-missing values
FREE_TEXT_UNIQUE_FRACTION = 0.5


def _infer_task(y: pd.Series, what: str) -> Task:
    """Classification for labels and few distinct integers, regression for other numbers."""
    dtype = y.dtype
    if (
        ptypes.is_bool_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
        or ptypes.is_object_dtype(dtype)
        or ptypes.is_string_dtype(dtype)
    ):
        return "classification"
    if ptypes.is_integer_dtype(dtype):
        return "classification" if y.nunique() <= MAX_INFERRED_CLASSES else "regression"
    if ptypes.is_float_dtype(dtype):
        return "regression"
    raise DataError(f"{what}: cannot infer the task from dtype {dtype}; pass task= explicitly")


def _build(X: pd.DataFrame, y: pd.Series | None, task: Task, name: str,
           sample_shape: tuple[int, ...] | None = None) -> Dataset:
    X = _with_string_columns(X, "X")
    if len(X) == 0:
        raise DataError("X: the data has no rows")
    if X.shape[1] == 0:
        raise DataError("X: the data has no feature columns")
    labels = None
    if task == "clustering":
        labels, y = y, None
        if labels is not None:
            _check_no_missing(labels, "labels")
    else:
        if y is None:
            raise DataError(f"a {task} data set needs a target", field="target")
        _check_target(y, task)
    for column in X.columns:
        _check_feature(X[column], str(column))
    return Dataset(X=X, y=y, task=task, name=str(name), labels=labels, sample_shape=sample_shape)


def _with_string_columns(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise DataError(f"columns: {what} has duplicated column names {duplicated}")
    return frame


def _check_no_missing(series: pd.Series, what: str) -> None:
    missing = series.isna().to_numpy()
    if missing.any():
        rows = series.index[missing][:5].tolist()
        raise DataError(
            f"{what} {str(series.name)!r}: {int(missing.sum())} missing values (first rows "
            f"{rows}); drop or fill those rows"
        )


def _check_target(y: pd.Series, task: Task) -> None:
    what = f"target {str(y.name)!r}"
    _check_no_missing(y, "target")
    if task == "classification":
        n_classes = y.nunique()
        if n_classes < 2:
            raise DataError(
                f"{what}: classification needs at least 2 classes, got only {_plain(y.iloc[0])!r}"
            )
        if ptypes.is_float_dtype(y.dtype):
            values = y.to_numpy(dtype=float)
            if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
                raise DataError(
                    f"{what}: classification needs class labels, but the target holds "
                    f"continuous values ({n_classes} distinct); use task='regression'"
                )
    else:  # regression
        if ptypes.is_bool_dtype(y.dtype) or not ptypes.is_numeric_dtype(y.dtype):
            raise DataError(
                f"{what}: regression needs a numeric target, got dtype {y.dtype}; "
                "use task='classification'"
            )
        if not np.all(np.isfinite(y.to_numpy(dtype=float))):
            raise DataError(f"{what}: holds infinite values")


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _check_feature(column: pd.Series, name: str) -> None:
    dtype = column.dtype
    n_present = int(column.notna().sum())
    if n_present == 0:
        raise DataError(f"column {name!r}: every value is missing; drop the column")
    if ptypes.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return
    if ptypes.is_numeric_dtype(dtype) and not ptypes.is_complex_dtype(dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(values).any():
            raise DataError(f"column {name!r}: holds infinite values")
        return
    if ptypes.is_object_dtype(dtype) or ptypes.is_string_dtype(dtype):
        try:
            n_unique = column.nunique()
        except TypeError:
            raise DataError(
                f"column {name!r}: holds values that are not labels (lists, dicts, ...)"
            ) from None
        if n_unique > FREE_TEXT_MIN_UNIQUE and n_unique > FREE_TEXT_UNIQUE_FRACTION * n_present:
            raise DataError(
                f"column {name!r}: looks like free text or an identifier ({n_unique} distinct "
                f"values in {n_present} rows), which one-hot encoding cannot use; drop it or "
                "turn it into features first"
            )
        return
    raise DataError(
        f"column {name!r}: dtype {dtype} is not supported; convert it to numbers or labels"
    )
