"""Optuna's ``optuna.integration`` under tunecycle's name (see
:mod:`tunecycle.compat.integration`).  Nothing heavy loads on import: each name loads its
library (XGBoost, scikit-learn, MLflow, ...) when first used."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for readers and type checkers; at run time __getattr__ loads them
    from tunecycle.compat.integration import (
        CatBoostPruningCallback,
        LightGBMPruningCallback,
        MLflowCallback,
        TensorBoardCallback,
        WeightsAndBiasesCallback,
    )
    from tunecycle.compat.integration_sklearn import OptunaSearchCV
    from tunecycle.integrations.xgboost import XGBoostPruningCallback

__all__ = [
    "CatBoostPruningCallback", "LightGBMPruningCallback", "MLflowCallback", "OptunaSearchCV",
    "TensorBoardCallback", "WeightsAndBiasesCallback", "XGBoostPruningCallback",
]


def __getattr__(name: str) -> Any:
    compat = importlib.import_module("tunecycle.compat.integration")
    if name == "lightgbm":
        raise ImportError("optuna.integration.lightgbm (Optuna's stepwise LightGBM tuner, "
                          "LightGBMTuner / lgb.train drop-in) has no tunecycle counterpart; "
                          "use tunecycle.integration.LightGBMPruningCallback in an objective")
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(compat, name)


def __dir__() -> list[str]:
    return sorted(__all__)
