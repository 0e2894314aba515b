"""Preprocessing as the first step of a scikit-learn Pipeline, so it learns from training rows only.

:func:`make_preprocessor` looks at the *columns and dtypes* of a DataFrame (never at its values)
and builds an unfitted ``ColumnTransformer``:

- numeric columns: ``SimpleImputer(strategy="median")``, then ``StandardScaler`` if ``scale``;
- categorical columns (object, string, category, bool): values turned into strings (missing
  stays missing; this makes mixed-type and boolean columns acceptable to the encoder), then
  ``SimpleImputer(strategy="most_frequent")`` and ``OneHotEncoder(handle_unknown="ignore")``:
  a category first seen in validation or test rows becomes all zeros instead of an error.

The output is dense (``sparse_output=False``, ``sparse_threshold=0``) so that every model
family accepts it; free-text columns, which would make it huge, are refused when the data is
loaded (:mod:`tunecycle.cycle.data`).  :func:`make_pipeline` chains the preprocessor and an
estimator as the steps ``"preprocess"`` and ``"model"`` (so model parameters are set as
``model__<name>``), behind a first step ``"columns"`` (:class:`TrainingColumns`) that
remembers the training columns: a fitted pipeline then predicts on a DataFrame with those
names (any order, extra columns ignored) or on a numpy array or list of rows whose columns are
in the training order (images or sequences of more dimensions are flattened into rows), and
refuses a wrong width naming the expected and given widths.  Fitting the pipeline on a
training fold fits the imputers, scaler and encoder on that fold alone: medians, means and
categories of validation or test rows never reach the model.

Deliberately not here: no fitting (the caller fits the pipeline on training rows), no feature
selection or engineering, no target transformation, no choice of ``scale`` (the model family
knows whether its model needs scaled inputs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from tunecycle.cycle.errors import DataError

COLUMNS_STEP = "columns"
PREPROCESS_STEP = "preprocess"
MODEL_STEP = "model"
#: how many column names an error about the width shows
SHOWN_COLUMNS = 5


def column_kinds(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """``(numeric, categorical)`` column names of ``X``, by dtype; booleans are categorical."""
    if not isinstance(X, pd.DataFrame):
        raise DataError(f"X: must be a pandas DataFrame, got {type(X).__name__}")
    numeric: list[str] = []
    categorical: list[str] = []
    for name in X.columns:
        dtype = X[name].dtype
        if (
            ptypes.is_bool_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype)
            or ptypes.is_object_dtype(dtype)
            or ptypes.is_string_dtype(dtype)
        ):
            categorical.append(name)
        elif ptypes.is_numeric_dtype(dtype) and not ptypes.is_complex_dtype(dtype):
            numeric.append(name)
        else:
            raise DataError(
                f"column {name!r}: dtype {dtype} is not supported; convert it to numbers or labels"
            )
    return numeric, categorical


def make_preprocessor(X: pd.DataFrame, *, scale: bool) -> ColumnTransformer:
    """An unfitted ColumnTransformer for the columns of ``X`` (see the module docstring)."""
    numeric, categorical = column_kinds(X)
    if not numeric and not categorical:
        raise DataError("X: has no feature columns to preprocess")
    transformers: list[tuple[str, Any, list[str]]] = []
    if numeric:
        steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
        if scale:
            steps.append(("scale", StandardScaler()))
        transformers.append(("numeric", Pipeline(steps), numeric))
    if categorical:
        transformers.append(
            (
                "categorical",
                Pipeline(
                    [
                        (
                            "as_text",
                            FunctionTransformer(
                                as_text, validate=False, feature_names_out="one-to-one"
                            ),
                        ),
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        (
                            "onehot",
                            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                        ),
                    ]
                ),
                categorical,
            )
        )
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)


def make_pipeline(preprocessor: Any, estimator: Any) -> Pipeline:
    """``Pipeline([("columns", TrainingColumns()), ("preprocess", preprocessor),
    ("model", estimator)])``.

    ``preprocessor=None`` passes the features through unchanged (and has no columns step).
    The objects are used as given, not cloned.
    """
    if preprocessor is None:
        return Pipeline([(PREPROCESS_STEP, "passthrough"), (MODEL_STEP, estimator)])
    return Pipeline([(COLUMNS_STEP, TrainingColumns()), (PREPROCESS_STEP, preprocessor),
                     (MODEL_STEP, estimator)])


class TrainingColumns(TransformerMixin, BaseEstimator):
    """The first step of a cycle pipeline: learns the training columns (names, order, which
    are numeric) and gives the next step a DataFrame with them.

    ``transform`` passes a DataFrame through (after checking that it holds every training
    column) and names the columns of anything else (a numpy array, a list of rows) with the
    training names, in the training order, turning the numeric ones back into numbers.  A
    wrong number of columns raises :class:`~tunecycle.cycle.errors.DataError` (a
    ``ValueError``) naming the expected and given widths and the first column names.
    """

    def fit(self, X: Any, y: Any = None) -> TrainingColumns:
        if not isinstance(X, pd.DataFrame):
            raise DataError(f"X: fit on a pandas DataFrame (the preprocessing picks columns by "
                            f"name), got {type(X).__name__}")
        numeric, _ = column_kinds(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(X.columns)
        self.numeric_ = list(numeric)
        return self

    @classmethod
    def fitted(cls, columns: Any, numeric: Any) -> TrainingColumns:
        """A fitted step for these training ``columns`` (of which ``numeric`` hold numbers),
        without data: what a pipeline saved before this step existed gets on loading."""
        step = cls()
        step.feature_names_in_ = np.asarray(list(columns), dtype=object)
        step.n_features_in_ = len(step.feature_names_in_)
        step.numeric_ = list(numeric)
        return step

    def _shown(self) -> str:
        names = [str(c) for c in self.feature_names_in_[:SHOWN_COLUMNS]]
        more = ", ..." if self.n_features_in_ > SHOWN_COLUMNS else ""
        return ", ".join(names) + more

    def transform(self, X: Any) -> pd.DataFrame:
        if not hasattr(self, "feature_names_in_"):
            raise DataError("X: the pipeline is not fitted yet")
        if isinstance(X, pd.DataFrame):
            missing = [c for c in self.feature_names_in_ if c not in X.columns]
            if missing:
                shown = ", ".join(repr(c) for c in missing[:SHOWN_COLUMNS])
                more = ", ..." if len(missing) > SHOWN_COLUMNS else ""
                raise DataError(f"X: {len(missing)} training column(s) missing from the "
                                f"DataFrame: {shown}{more}")
            return X
        rows = X if isinstance(X, np.ndarray) else np.asarray(X, dtype=object)
        if rows.ndim == 1 or rows.ndim == 0:
            raise DataError(f"X: give rows (a 2-D array or a list of rows), got shape "
                            f"{rows.shape}; one row is X.reshape(1, -1)")
        rows = rows.reshape(len(rows), -1)  # images or sequences: one row each
        if rows.shape[1] != self.n_features_in_:
            raise DataError(f"X: the model was trained on {self.n_features_in_} columns "
                            f"({self._shown()}), got {rows.shape[1]}; give the columns in "
                            "that order, or a DataFrame with those names")
        frame = pd.DataFrame(rows, columns=list(self.feature_names_in_))
        for name in self.numeric_:
            if not ptypes.is_numeric_dtype(frame[name].dtype):
                frame[name] = self._numbers(frame[name])
        return frame

    @staticmethod
    def _numbers(column: pd.Series) -> pd.Series:
        try:
            return pd.to_numeric(column, errors="raise").astype("float64")
        except (TypeError, ValueError) as exc:
            raise DataError(f"X: column {column.name!r} held numbers in training; {exc}"
                            ) from None

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self.feature_names_in_, dtype=object)


def as_text(X: Any) -> pd.DataFrame:
    """Every present value as its string (``True`` -> ``"True"``), every missing one as NaN.

    A module-level function (not a lambda) so that fitted pipelines can be pickled.
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    columns = {}
    for name in frame.columns:
        series = frame[name]
        text = series.astype(object).map(str, na_action="ignore")
        columns[name] = text.where(series.notna().to_numpy(), np.nan).to_numpy(dtype=object)
    return pd.DataFrame(columns, index=frame.index, columns=frame.columns, dtype=object)
