"""Integrations that report intermediate values for the user and stop training when the study's
pruner says so.  Opt-in: ``import tunecycle`` never loads this package, and the library each
integration needs loads only when that integration is used.

| name | module | for |
|---|---|---|
| ``report_and_check``, ``run_steps`` | ``loop.py`` | a hand-written training loop |
| ``XGBoostPruningCallback`` | ``xgboost.py`` | XGBoost boosting rounds (its callback API) |
| ``LightGBMPruningCallback`` | ``lightgbm.py`` | LightGBM boosting rounds (its callbacks) |
| ``CatBoostPruningCallback`` | ``catboost.py`` | CatBoost boosting rounds (stops; ``check_pruned()`` raises) |
| ``fit_incrementally`` | ``sklearn.py`` | scikit-learn estimators with ``partial_fit`` or ``warm_start`` |
| ``EpochMonitor`` | ``torch.py`` | a PyTorch loop: per-epoch reports, early stopping, best weights |

Each one reports at steps ``0, 1, 2, ...`` and raises :class:`tunecycle.TrialPruned` when the
pruner says stop, so the study records the trial as pruned with its last value and step
(CatBoost's callback stops training and raises from ``check_pruned()``, called after ``fit``:
CatBoost wraps exceptions raised inside its callbacks).
"""

from __future__ import annotations

from typing import Any

from tunecycle.integrations.loop import report_and_check, run_steps


def __getattr__(name: str) -> Any:  # the ones that need xgboost or scikit-learn load on use
    if name == "XGBoostPruningCallback":
        from tunecycle.integrations.xgboost import XGBoostPruningCallback

        return XGBoostPruningCallback
    if name == "LightGBMPruningCallback":
        from tunecycle.integrations.lightgbm import LightGBMPruningCallback

        return LightGBMPruningCallback
    if name == "CatBoostPruningCallback":
        from tunecycle.integrations.catboost import CatBoostPruningCallback

        return CatBoostPruningCallback
    if name == "EpochMonitor":
        from tunecycle.integrations.torch import EpochMonitor

        return EpochMonitor
    if name == "fit_incrementally":
        from tunecycle.integrations.sklearn import fit_incrementally

        return fit_incrementally
    raise AttributeError(f"module 'tunecycle.integrations' has no attribute {name!r}")


__all__ = [
    "CatBoostPruningCallback", "LightGBMPruningCallback",
    "EpochMonitor", "XGBoostPruningCallback", "fit_incrementally", "report_and_check", "run_steps",
]
