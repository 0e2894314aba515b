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
``model__<name>``).  Fitting the pipeline on a training fold fits the imputers, scaler and
encoder on that fold alone: medians, means and categories of validation or test rows never
reach the model.

Deliberately not here: no fitting (the caller fits the pipeline on training rows), no feature
selection or engineering, no target transformation, no choice of ``scale`` (the model family
knows whether its model needs scaled inputs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from tunecycle.cycle.errors import DataError

PREPROCESS_STEP = "preprocess"
MODEL_STEP = "model"


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
    """``Pipeline([("preprocess", preprocessor), ("model", estimator)])``.

    ``preprocessor=None`` passes the features through unchanged.  The objects are used as
    given, not cloned.
    """
    first = "passthrough" if preprocessor is None else preprocessor
    return Pipeline([(PREPROCESS_STEP, first), (MODEL_STEP, estimator)])


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
