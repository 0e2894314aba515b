"""``TuneSearchCV``'s ``cv_results_``: each trial's fold outcomes (kept as the trial's user
attribute ``cv_scores``, so they reach the search from any worker) turned into one row, and
the rows into scikit-learn's arrays (split, mean and std scores, ranks, masked param arrays),
with its warning for non-finite means.

Not here: running the folds (``search_cv_trial``, ``cv_fold``), choosing the best row.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from typing import Any

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata

from tunecycle.cycle.space_codec import SpaceCodec

_ROW = "cv_scores"  # trial user attribute: the fold outcomes of one candidate


def _metric_names(folds: list[dict[str, Any]], known: list[str] | None) -> list[str]:
    """The metrics of the search: the scorers' names, or those a callable returned."""
    if known is not None:
        return known
    for fold in folds:
        if fold["status"] == "ok":
            return list(fold["test"])
    return ["score"]


def _row_of(trial: Any, codec: SpaceCodec, names: list[str], n_splits: int,
            error_score: Any) -> dict[str, Any]:
    """One candidate's row of ``cv_results_`` from the fold outcomes its trial recorded:
    a failed fold scores ``error_score``, a fold that did not run (pruned) nan."""
    outcomes = trial.user_attrs[_ROW]
    row: dict[str, Any] = {"number": trial.number, "params": codec.decode(trial.params)}
    for key in ("fit_time", "score_time"):
        row[key] = np.array([np.nan if o is None else o[key] for o in outcomes], dtype=float)
    for part in ("test", "train"):
        for name in names:
            row[f"{part}_{name}"] = np.array(
                [np.nan if o is None else (o[part].get(name, np.nan) if o["status"] == "ok"
                                           else error_score) for o in outcomes],
                dtype=float,
            )
    return row


def _warn_non_finite(results: dict[str, Any], names: list[str], train: bool,
                     ran: np.ndarray) -> None:
    """scikit-learn's warning when a candidate that ran every fold has a non-finite mean."""
    for part in ("test", "train") if train else ("test",):
        for name in names:
            means = results[f"mean_{part}_{name}"]
            if not np.isfinite(means[ran]).all():
                warnings.warn(
                    f"One or more of the {part} scores are non-finite: {means}",
                    category=UserWarning, stacklevel=3,
                )


def _format_results(
    rows: list[dict[str, Any]], names: list[str], n_splits: int, train: bool
) -> dict[str, Any]:
    """``cv_results_`` as scikit-learn's searches build it, one row per trial of this fit."""
    results: dict[str, Any] = {}

    def store(key: str, splits: bool = False, rank: bool = False) -> None:
        array = np.array([r[key] for r in rows], dtype=np.float64).reshape(len(rows), n_splits)
        if splits:
            for k in range(n_splits):
                results[f"split{k}_{key}"] = array[:, k]
        means = array.mean(axis=1)
        results[f"mean_{key}"] = means
        results[f"std_{key}"] = np.sqrt(((array - means[:, None]) ** 2).mean(axis=1))
        if rank:
            if np.isnan(means).all():
                ranks = np.ones(len(means), dtype=np.int32)
            else:  # nan (failed or pruned) ties with the worst
                filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
                ranks = rankdata(-filled, method="min").astype(np.int32)
            results[f"rank_{key}"] = ranks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        store("fit_time")
        store("score_time")
        candidate_params = [r["params"] for r in rows]
        for key, masked in _param_arrays(candidate_params):
            results[key] = masked
        results["params"] = candidate_params
        for name in names:
            store(f"test_{name}", splits=True, rank=True)
            if train:
                store(f"train_{name}", splits=True)
    results["trial_number"] = np.array([r["number"] for r in rows], dtype=np.int64)
    return results


def _param_arrays(candidate_params: list[dict[str, Any]]):
    n = len(candidate_params)
    by_param: dict[str, dict[int, Any]] = defaultdict(dict)
    for i, params in enumerate(candidate_params):
        for name, value in params.items():
            by_param[f"param_{name}"][i] = value
    for key, values in by_param.items():
        try:
            arr = np.array(list(values.values()))
        except ValueError:
            dtype = np.dtype(object)
        else:
            dtype = arr.dtype if arr.dtype.kind != "U" and arr.ndim == 1 else np.dtype(object)
        masked = MaskedArray(np.empty(n, dtype=dtype), mask=True)
        for i, value in values.items():
            masked[i] = value
        yield key, masked
