"""Optuna's ``optuna.importance`` under tunecycle's name (see :mod:`tunecycle.compat.importance`)."""

from tunecycle.compat.importance import (
    BaseImportanceEvaluator,
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)

__all__ = [
    "BaseImportanceEvaluator", "FanovaImportanceEvaluator",
    "MeanDecreaseImpurityImportanceEvaluator", "PedAnovaImportanceEvaluator",
    "get_param_importances",
]
