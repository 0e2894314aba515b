"""One cross-validation fold of one ``TuneSearchCV`` candidate: fit on the train part, score on
the test (and train) part, and the texts scikit-learn's searches print and warn with.

A fold's outcome is a plain dict (it is stored with the trial, so it must be JSON):
``{"status": "ok" | "failed", "fit_time", "score_time", "test": {metric: value},
"train": {metric: value}, "error": traceback text or None}``.  Fit params and score params that
are arrays as long as ``X`` are cut to the fold, the others pass as they are; a pairwise
estimator (precomputed kernel) gets the fold's rows *and* columns.
"""

from __future__ import annotations

import numbers
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.utils import _safe_indexing, get_tags


def n_samples(X: Any) -> int | None:
    """The number of rows of an array-like, None for a scalar or an object without length."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    if isinstance(X, (str, bytes, Mapping)) or not hasattr(X, "__len__"):
        return None
    try:
        return len(X)
    except TypeError:
        return None


def fold_params(params: Mapping[str, Any], n: int | None, indices: Any) -> dict[str, Any]:
    """``params`` for one part of a fold: values with ``n`` rows are indexed, the others
    (scalars, callables, a tuple of validation arrays) pass through unchanged."""
    out = {}
    for key, value in params.items():
        rows = None if isinstance(value, tuple) else n_samples(value)
        if rows is not None and rows == n and (hasattr(value, "shape") or isinstance(value, list)):
            out[key] = _safe_indexing(value, indices)
        else:
            out[key] = value
    return out


def split_xy(estimator: Any, X: Any, y: Any, rows: Any, train: Any) -> tuple[Any, Any]:
    """``X`` and ``y`` of ``rows``; a pairwise estimator's ``X`` keeps the ``train`` columns."""
    if get_tags(estimator).input_tags.pairwise:
        if not (hasattr(X, "shape") or sparse.issparse(X)):
            raise ValueError(
                "a pairwise estimator (precomputed kernel or affinity matrix) needs X as an "
                f"array or sparse matrix, got {type(X).__name__}"
            )
        if X.shape[0] != X.shape[1]:
            raise ValueError(f"X should be a square kernel matrix, got shape {X.shape}")
        part = _safe_indexing(_safe_indexing(X, rows), train, axis=1)
    else:
        part = _safe_indexing(X, rows)
    return part, (None if y is None else _safe_indexing(y, rows))


def _as_scores(raw: Any, scorer: Any, error_score: Any) -> dict[str, float]:
    """A scorer's output as ``{metric: value}``; a failed metric of a multimetric scorer (its
    traceback in place of the value) is set to ``error_score`` with a warning."""
    values = raw if isinstance(raw, Mapping) else {"score": raw}
    out = {}
    for name, value in values.items():
        if isinstance(value, str):  # a multimetric scorer's failed metric (raise_exc=False)
            warnings.warn(
                f"Scoring failed for the metric {name!r}. The score on this train-test "
                f"partition for these parameters will be set to {error_score}. Details:\n"
                f"{value}",
                UserWarning,
                stacklevel=4,
            )
            value = error_score
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if not isinstance(value, numbers.Number):
            raise ValueError(
                f"scoring must return a number, got {value!r} ({type(value).__name__}) "
                f"instead. (scorer={name if isinstance(raw, Mapping) else scorer})"
            )
        out[str(name)] = float(value)
    return out


def _score(
    scorer: Any,
    estimator: Any,
    X: Any,
    y: Any,
    params: Mapping[str, Any],
    error_score: Any,
    names: Sequence[str],
) -> dict[str, float]:
    try:
        raw = scorer(estimator, X, **params) if y is None else scorer(estimator, X, y, **params)
    except Exception:
        if error_score == "raise":
            raise
        warnings.warn(
            "Scoring failed. The score on this train-test partition for these parameters "
            f"will be set to {error_score}. Details:\n{traceback.format_exc()}",
            UserWarning,
            stacklevel=3,
        )
        return {n: float(error_score) for n in names}
    return _as_scores(raw, scorer, error_score)


def fit_and_score(
    estimator: Any,
    X: Any,
    y: Any,
    train: Any,
    test: Any,
    *,
    fit_params: Mapping[str, Any],
    score_params: Mapping[str, Any],
    scorer: Any,
    names: Sequence[str],
    return_train: bool,
    error_score: Any,
) -> dict[str, Any]:
    """Fit ``estimator`` (a fresh clone with the candidate's params) on ``train`` and score it;
    an exception in ``fit`` is raised with ``error_score="raise"``, else recorded."""
    n = n_samples(X)
    X_train, y_train = split_xy(estimator, X, y, train, train)
    X_test, y_test = split_xy(estimator, X, y, test, train)
    start = time.perf_counter()
    try:
        if y_train is None:
            estimator.fit(X_train, **fold_params(fit_params, n, train))
        else:
            estimator.fit(X_train, y_train, **fold_params(fit_params, n, train))
    except Exception:
        if error_score == "raise":
            raise
        return {
            "status": "failed",
            "fit_time": time.perf_counter() - start,
            "score_time": 0.0,
            "test": {},
            "train": {},
            "error": traceback.format_exc(),
        }
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    test_scores = _score(
        scorer, estimator, X_test, y_test, fold_params(score_params, n, test), error_score, names
    )
    score_time = time.perf_counter() - start
    train_scores = (
        _score(
            scorer,
            estimator,
            X_train,
            y_train,
            fold_params(score_params, n, train),
            error_score,
            names,
        )
        if return_train
        else {}
    )
    return {
        "status": "ok",
        "fit_time": fit_time,
        "score_time": score_time,
        "test": test_scores,
        "train": train_scores,
        "error": None,
    }


def progress_line(
    fold: int,
    n_folds: int,
    candidate: int,
    n_candidates: int,
    params: Mapping[str, Any],
    outcome: dict[str, Any] | None,
    verbose: int,
) -> str:
    """The line printed for one fold at ``verbose`` >= 2 (START) or >= 3 (END with scores)."""
    head = f"[CV {fold + 1}/{n_folds}; {candidate + 1}/{n_candidates}]"
    shown = ", ".join(f"{k}={v}" for k, v in params.items())
    if outcome is None:
        return f"{head} START {shown}"
    elapsed = outcome["fit_time"] + outcome["score_time"]
    if outcome["status"] != "ok":
        return f"{head} END {shown}; failed; total time={elapsed:.1f}s"
    scores = []
    for name, test in outcome["test"].items():
        label = "score" if name == "score" else name
        if name in outcome["train"]:
            scores.append(f"{label}=(train={outcome['train'][name]:.3f}, test={test:.3f})")
        else:
            scores.append(f"{label}={test:.3f}")
    text = f"; {', '.join(scores)}" if verbose > 2 else ""
    return f"{head} END {shown}{text}; total time={elapsed:.1f}s"


def failure_summary(errors: Sequence[str]) -> str:
    """The failed fits grouped by their error, most frequent first (the text of scikit-learn's
    FitFailedWarning lists them the same way)."""
    rule = "-" * 80
    return "\n".join(
        f"{rule}\n{count} fits failed with the following error:\n{error}"
        for error, count in Counter(errors).most_common()
    )


def warn_or_raise_failures(errors: Sequence[str], n_fits: int, error_score: Any) -> None:
    """All fits failed: ValueError; some failed: FitFailedWarning; both list the errors."""
    from sklearn.exceptions import FitFailedWarning

    if not errors:
        return
    summary = failure_summary(errors)
    if len(errors) == n_fits:
        raise ValueError(
            f"\nAll the {n_fits} fits failed.\nIt is very likely that your model is "
            "misconfigured.\nYou can try to debug the error by setting error_score='raise'."
            f"\n\nThe failures:\n{summary}"
        )
    warnings.warn(
        f"\n{len(errors)} fits failed out of a total of {n_fits}.\nThe score on these "
        f"train-test partitions for these parameters will be set to {error_score}.\nIf these "
        "failures are not expected, set error_score='raise' to see the first one raised."
        f"\n\nThe failures:\n{summary}",
        FitFailedWarning,
        stacklevel=3,
    )
