"""Optuna's distribution classes as tunecycle's parameter types.

``FloatDistribution(low, high, log=False, step=None)``, ``IntDistribution(low, high, log=False,
step=1)`` and ``CategoricalDistribution(choices)`` take Optuna's arguments and are tunecycle's
``Float``, ``Int`` and ``Categorical`` (the same classes), so a distribution made either way
can be used wherever the other is expected: in ``study.ask({...})``, ``create_trial`` or a
user-written sampler's search space.
"""

from __future__ import annotations

import json
from typing import Any

from tunecycle.space import Categorical, Float, Int, Param, param_from_dict

FloatDistribution = Float
IntDistribution = Int
CategoricalDistribution = Categorical
BaseDistribution = Param


def distribution_to_json(dist: Param) -> str:
    """A distribution as a JSON text (tunecycle's own form, read back by ``json_to_distribution``)."""
    return json.dumps(dist.to_dict())


def json_to_distribution(text: str) -> Param:
    """The distribution written by ``distribution_to_json``."""
    spec: Any = json.loads(text)
    return param_from_dict(spec)


__all__ = [
    "BaseDistribution",
    "CategoricalDistribution",
    "FloatDistribution",
    "IntDistribution",
    "distribution_to_json",
    "json_to_distribution",
]
