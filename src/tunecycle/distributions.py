"""Optuna's ``optuna.distributions`` under tunecycle's name (see :mod:`tunecycle.compat`)."""

from tunecycle.compat.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
    json_to_distribution,
)

__all__ = [
    "BaseDistribution",
    "CategoricalDistribution",
    "FloatDistribution",
    "IntDistribution",
    "distribution_to_json",
    "json_to_distribution",
]
