"""The tree families of scikit-learn: ``tree`` (CART) and ``random_forest``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunecycle.cycle.families.base import Family
from tunecycle.cycle.families.builders import CLS_REG, typed
from tunecycle.space import Categorical, Float, Int


def _build_tree(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    p = dict(params)
    kw = typed(p, ints=("max_depth", "min_samples_split", "min_samples_leaf"))
    cls = DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor
    return cls(**kw, random_state=seed)


def _build_random_forest(
    params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False
) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    p = dict(params)
    kw = typed(p, ints=("n_estimators", "max_depth", "min_samples_leaf"), floats=("max_features",))
    if "bootstrap" in kw:
        kw["bootstrap"] = bool(kw["bootstrap"])
    cls = RandomForestClassifier if task == "classification" else RandomForestRegressor
    return cls(**kw, n_jobs=1, random_state=seed)


TREE = Family(
    name="tree",
    tasks=CLS_REG,
    space={
        "max_depth": Int(1, 32, log=True),
        "min_samples_split": Int(2, 50, log=True),
        "min_samples_leaf": Int(1, 50, log=True),
    },
    task_space={
        "classification": {"criterion": Categorical(["gini", "entropy"])},
        "regression": {"criterion": Categorical(["squared_error", "absolute_error"])},
    },
    needs_scaling=False,
    builder=_build_tree,
    doc="A single decision tree (CART). Scale-free; interpretable, high variance.",
    defaults={"min_samples_split": 2, "min_samples_leaf": 1},
    task_defaults={
        "classification": {"criterion": "gini"},
        "regression": {"criterion": "squared_error"},
    },
    why={
        "max_depth": "from a stump to effectively unlimited; log scale because each "
        "level doubles the leaves",
        "min_samples_split": "a split needs at least 2 rows; a few dozen already prunes "
        "hard",
        "min_samples_leaf": "the main guard against overfitting a single tree; log scale "
        "as small values matter most",
        "criterion (classification)": "the two impurity measures; log_loss is entropy "
        "under another name",
        "criterion (regression)": "mean or median leaves: absolute_error resists "
        "outliers but fits several times slower (friedman_mse now equals squared_error)",
    },
    default_notes={"max_depth": "None (unlimited: left to the sampler)"},
)


RANDOM_FOREST = Family(
    name="random_forest",
    tasks=CLS_REG,
    space={
        "n_estimators": Int(50, 500, log=True),
        "max_depth": Int(2, 32, log=True),
        "max_features": Float(0.1, 1.0),
        "min_samples_leaf": Int(1, 20, log=True),
        "bootstrap": Categorical([True, False]),
    },
    needs_scaling=False,
    builder=_build_random_forest,
    doc="Random forest (RandomForestClassifier / RandomForestRegressor), n_jobs=1. "
    "Scale-free and robust; max_features is a share of the features.",
    defaults={"n_estimators": 100, "min_samples_leaf": 1, "bootstrap": True},
    task_defaults={"regression": {"max_features": 1.0}},
    why={
        "n_estimators": "more trees only reduce variance, with diminishing returns; 500 "
        "caps the cost",
        "max_depth": "forests like deep trees; shallow caps help noisy data",
        "max_features": "share of features per split: decorrelates the trees; 0.1 covers "
        "sqrt(n)/n up to 100 features",
        "min_samples_leaf": "averaging already smooths; larger leaves help only on noisy "
        "targets",
        "bootstrap": "bootstrap decorrelates trees; without it only feature sampling does",
    },
    default_notes={
        "max_depth": "None (unlimited: left to the sampler)",
        "max_features": "1.0 for regression; sqrt for classification (left to the sampler)",
    },
)
