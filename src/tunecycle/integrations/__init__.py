"""Integrations that report intermediate values for the user and stop training when the study's
pruner says so, and experiment trackers that receive every finished trial.  Opt-in:
``import tunecycle`` never loads this package, and the library each integration needs loads
only when that integration is used.

| name | module | for |
|---|---|---|
| ``report_and_check``, ``run_steps`` | ``loop.py`` | a hand-written training loop |
| ``XGBoostPruningCallback`` | ``xgboost.py`` | XGBoost boosting rounds (its callback API) |
| ``LightGBMPruningCallback`` | ``lightgbm.py`` | LightGBM boosting rounds (its callbacks) |
| ``CatBoostPruningCallback`` | ``catboost.py`` | CatBoost boosting rounds (stops; ``check_pruned()`` raises) |
| ``fit_incrementally`` | ``sklearn.py`` | scikit-learn estimators with ``partial_fit`` or ``warm_start`` |
| ``EpochMonitor`` | ``torch.py`` | a PyTorch loop: per-epoch reports, early stopping, best weights |
| ``MLflowCallback`` | ``mlflow.py`` | an MLflow run per trial; the cycle's final model and test metrics |
| ``WandbCallback`` | ``wandb.py`` | a Weights & Biases run per trial, grouped by study |
| ``TensorBoardCallback`` | ``tensorboard.py`` | TensorBoard scalars and HParams sessions per trial |

The pruning helpers report at steps ``0, 1, 2, ...`` and raise :class:`tunecycle.TrialPruned`
when the pruner says stop, so the study records the trial as pruned with its last value and step
(CatBoost's callback stops training and raises from ``check_pruned()``, called after ``fit``:
CatBoost wraps exceptions raised inside its callbacks).  The trackers are ``optimize`` callbacks
(``callbacks=[cb]``); what they share, and the rule that a tracker's error logs one warning line
and never ends the study, is in ``tracking.py``.
"""

from __future__ import annotations

import importlib
from typing import Any

from tunecycle.integrations.loop import report_and_check, run_steps

#: name -> the module of this package that holds it (imported on first use)
_LAZY = {
    "XGBoostPruningCallback": "xgboost", "LightGBMPruningCallback": "lightgbm",
    "CatBoostPruningCallback": "catboost", "EpochMonitor": "torch",
    "fit_incrementally": "sklearn", "MLflowCallback": "mlflow", "WandbCallback": "wandb",
    "TensorBoardCallback": "tensorboard",
}


def __getattr__(name: str) -> Any:  # the ones that need another library load on use
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tunecycle.integrations' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tunecycle.integrations.{module}"), name)


__all__ = [
    "CatBoostPruningCallback", "EpochMonitor", "LightGBMPruningCallback", "MLflowCallback",
    "TensorBoardCallback", "WandbCallback", "XGBoostPruningCallback", "fit_incrementally",
    "report_and_check", "run_steps",
]
