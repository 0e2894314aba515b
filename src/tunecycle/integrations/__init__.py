"""Integrations that report intermediate values for the user and stop training when the study's
pruner says so, and experiment trackers that receive every finished trial.  Opt-in:
``import tunecycle`` never loads this package, and the library each integration needs loads
only when that integration is used.

| name | module | for |
|---|---|---|
| ``report_and_check``, ``run_steps`` | ``loop.py`` | a hand-written training loop |
| ``XGBoostPruningCallback`` | ``xgboost.py`` | XGBoost boosting rounds (its callback API) |
| ``fit_incrementally`` | ``sklearn.py`` | scikit-learn estimators with ``partial_fit`` or ``warm_start`` |
| ``EpochMonitor`` | ``torch.py`` | a PyTorch loop: per-epoch reports, early stopping, best weights |
| ``MLflowCallback`` | ``mlflow.py`` | an MLflow run per trial; the cycle's final model and test metrics |
| ``WandbCallback`` | ``wandb.py`` | a Weights & Biases run per trial, grouped by study |
| ``TensorBoardCallback`` | ``tensorboard.py`` | TensorBoard scalars and HParams sessions per trial |

The pruning helpers report at steps ``0, 1, 2, ...`` and raises :class:`tunecycle.TrialPruned` when the
pruner says stop, so the study records the trial as pruned with its last value and step.  The trackers are
``optimize`` callbacks (``callbacks=[cb]``); what they share, and the rule that a tracker's
error logs one warning line and never ends the study, is in ``tracking.py``.
"""

from __future__ import annotations

from typing import Any

from tunecycle.integrations.loop import report_and_check, run_steps


def __getattr__(name: str) -> Any:  # the ones that need another library load on use
    if name == "XGBoostPruningCallback":
        from tunecycle.integrations.xgboost import XGBoostPruningCallback

        return XGBoostPruningCallback
    if name == "EpochMonitor":
        from tunecycle.integrations.torch import EpochMonitor

        return EpochMonitor
    if name == "fit_incrementally":
        from tunecycle.integrations.sklearn import fit_incrementally

        return fit_incrementally
    if name == "MLflowCallback":
        from tunecycle.integrations.mlflow import MLflowCallback

        return MLflowCallback
    if name == "WandbCallback":
        from tunecycle.integrations.wandb import WandbCallback

        return WandbCallback
    if name == "TensorBoardCallback":
        from tunecycle.integrations.tensorboard import TensorBoardCallback

        return TensorBoardCallback
    raise AttributeError(f"module 'tunecycle.integrations' has no attribute {name!r}")


__all__ = [
    "EpochMonitor", "MLflowCallback", "TensorBoardCallback", "WandbCallback",
    "XGBoostPruningCallback", "fit_incrementally", "report_and_check", "run_steps",
]
