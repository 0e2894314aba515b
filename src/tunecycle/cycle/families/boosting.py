"""The gradient-boosting families: ``xgboost``, ``lightgbm``, ``catboost``; their libraries
load only when one of their estimators is built.  :class:`LabelEncodedClassifier` lets
XGBoost and CatBoost classifiers take any labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted

from tunecycle.cycle.families.base import Family, get_family
from tunecycle.cycle.families.builders import CLS_REG, typed
from tunecycle.errors import UserError
from tunecycle.space import Float, Int


def _build_xgboost(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    p = dict(params)
    xgboost = get_family("xgboost").library()
    kw = typed(
        p,
        ints=("max_depth", "n_estimators"),
        floats=(
            "min_child_weight",
            "learning_rate",
            "subsample",
            "colsample_bytree",
            "reg_alpha",
            "reg_lambda",
        ),
    )
    kw.update(n_jobs=1, tree_method="hist", random_state=seed, verbosity=0)
    if task == "regression":
        return xgboost.XGBRegressor(**kw)
    return LabelEncodedClassifier(xgboost.XGBClassifier(**kw))


def _build_lightgbm(
    params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False
) -> Any:
    p = dict(params)
    lightgbm = get_family("lightgbm").library()
    kw = typed(
        p,
        ints=("n_estimators", "num_leaves", "min_child_samples", "max_depth", "max_bin"),
        floats=(
            "learning_rate",
            "subsample",
            "colsample_bytree",
            "reg_alpha",
            "reg_lambda",
            "min_split_gain",
        ),
    )
    # LightGBM bags rows only when subsample_freq > 0 (its default 0 ignores subsample):
    # a share below 1 is drawn afresh every round
    if kw.get("subsample", 1.0) < 1.0:
        kw["subsample_freq"] = 1
    kw.update(n_jobs=1, random_state=seed, verbose=-1)
    cls = lightgbm.LGBMClassifier if task == "classification" else lightgbm.LGBMRegressor
    return cls(**kw)


def _build_catboost(
    params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False
) -> Any:
    p = dict(params)
    catboost = get_family("catboost").library()
    kw = typed(
        p,
        ints=("iterations", "depth", "border_count"),
        floats=("learning_rate", "l2_leaf_reg", "random_strength", "subsample"),
    )
    if "subsample" in kw:  # the share of rows is MVS's (multiclass would default to Bayesian)
        kw["bootstrap_type"] = "MVS"
    # quiet, and no catboost_info/ directory written into the working directory
    kw.update(thread_count=1, random_seed=seed, logging_level="Silent", allow_writing_files=False)
    if task == "regression":
        return catboost.CatBoostRegressor(**kw)
    return LabelEncodedClassifier(catboost.CatBoostClassifier(**kw))


XGBOOST = Family(
    name="xgboost",
    tasks=CLS_REG,
    space={
        "max_depth": Int(1, 12),
        "min_child_weight": Float(1e-2, 1e2, log=True),
        "learning_rate": Float(1e-3, 1.0, log=True),
        "n_estimators": Int(50, 1000, log=True),
        "subsample": Float(0.5, 1.0),
        "colsample_bytree": Float(0.3, 1.0),
        "reg_alpha": Float(1e-8, 10.0, log=True),
        "reg_lambda": Float(1e-8, 10.0, log=True),
    },
    needs_scaling=False,
    builder=_build_xgboost,
    kind="boosting",
    requires=("xgboost", "ml"),
    doc="Gradient-boosted trees (XGBClassifier / XGBRegressor), tree_method='hist', "
    "n_jobs=1. Classifiers are wrapped in LabelEncodedClassifier so that any labels "
    "work. Scale-free.",
    defaults={
        "max_depth": 6,
        "min_child_weight": 1.0,
        "learning_rate": 0.3,
        "n_estimators": 100,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "reg_alpha": 1e-8,
        "reg_lambda": 1.0,
    },
    why={
        "max_depth": "boosted trees are weak learners: stumps to 12 levels; deeper "
        "overfits and is slow",
        "min_child_weight": "minimum hessian per leaf; below 1 matters for "
        "classification (hessians are p(1-p) <= 0.25)",
        "learning_rate": "shrinkage per round, in (0, 1]; small rates need many rounds, "
        "so log scale",
        "n_estimators": "boosting rounds; pairs with learning_rate, log scale because "
        "doubling matters, not +50",
        "subsample": "row sampling per round; below one half the trees see too little",
        "colsample_bytree": "feature sampling per tree; lower values help with many "
        "correlated features",
        "reg_alpha": "L1 on leaf weights; library default 0 recorded as 1e-8 (the same "
        "in effect); log scale for 'off' to strong",
        "reg_lambda": "L2 on leaf weights; default 1 in the middle of 'off' to strong",
    },
)


LIGHTGBM = Family(
    name="lightgbm",
    tasks=CLS_REG,
    space={
        "n_estimators": Int(50, 1000, log=True),
        "learning_rate": Float(5e-3, 0.5, log=True),
        "num_leaves": Int(2, 256, log=True),
        "min_child_samples": Int(2, 100, log=True),
        "subsample": Float(0.5, 1.0),
        "colsample_bytree": Float(0.3, 1.0),
        "reg_alpha": Float(1e-8, 10.0, log=True),
        "reg_lambda": Float(1e-8, 10.0, log=True),
    },
    needs_scaling=False,
    builder=_build_lightgbm,
    kind="boosting",
    requires=("lightgbm", "lightgbm"),
    doc="Gradient-boosted trees grown leaf-wise (LGBMClassifier / LGBMRegressor), "
    "n_jobs=1, verbose=-1. num_leaves, not depth, sets a tree's size (max_depth stays "
    "unlimited unless an override adds it); subsample below 1 bags rows every round. "
    "Takes any labels. Scale-free.",
    defaults={
        "n_estimators": 100,
        "learning_rate": 0.1,
        "num_leaves": 31,
        "min_child_samples": 20,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "reg_alpha": 1e-8,
        "reg_lambda": 1e-8,
    },
    # added by an override only: the tuning guide's depth cap for leaf-wise trees, the
    # least gain a split needs, the histogram's bins per feature (default 255)
    extra_params=frozenset({"max_depth", "min_split_gain", "max_bin"}),
    why={
        "n_estimators": "boosting rounds; pairs with learning_rate, log scale because "
        "doubling matters, not +50",
        "learning_rate": "shrinkage per round; at most 1000 rounds of a rate below 0.005 "
        "add up to under 5 full steps, and above 0.5 leaf-wise trees overshoot",
        "num_leaves": "the size of a leaf-wise tree, LightGBM's main complexity control: "
        "stumps to 256 leaves (a full 8-level tree's); log scale, each doubling a level",
        "min_child_samples": "rows per leaf, the tuning guide's main guard against "
        "overfitting leaf-wise trees: a few for small data; hundreds pay only on large "
        "data (widen with an override)",
        "subsample": "row bagging per round (drawn each round: subsample_freq=1 below 1); "
        "below one half the trees see too little",
        "colsample_bytree": "feature sampling per tree; lower values help with many "
        "correlated features",
        "reg_alpha": "L1 on leaf weights; library default 0 recorded as 1e-8 (the same "
        "in effect); log scale for 'off' to strong",
        "reg_lambda": "L2 on leaf weights; library default 0 recorded as 1e-8, as "
        "reg_alpha",
    },
)


CATBOOST = Family(
    name="catboost",
    tasks=CLS_REG,
    space={
        "iterations": Int(50, 1000, log=True),
        "learning_rate": Float(5e-3, 0.5, log=True),
        "depth": Int(4, 10),
        "l2_leaf_reg": Float(0.1, 100.0, log=True),
        "random_strength": Float(1e-2, 10.0, log=True),
        "subsample": Float(0.5, 1.0),
    },
    needs_scaling=False,
    builder=_build_catboost,
    kind="boosting",
    requires=("catboost", "catboost"),
    doc="Gradient-boosted symmetric (oblivious) trees (CatBoostClassifier / "
    "CatBoostRegressor), thread_count=1, silent, writes no catboost_info/. Classifiers "
    "are wrapped in LabelEncodedClassifier (flat predictions for any number of "
    "classes). A tuned subsample uses MVS row sampling. Scale-free; each level of depth "
    "doubles the cost of a tree.",
    defaults={
        "iterations": 1000,
        "depth": 6,
        "l2_leaf_reg": 3.0,
        "random_strength": 1.0,
        "subsample": 0.8,
    },
    # added by an override only: the number of splits per numeric feature (default 254)
    extra_params=frozenset({"border_count"}),
    why={
        "iterations": "boosting rounds; the library's 1000 at the top (its automatic "
        "learning rate is set for them), log scale because doubling matters",
        "learning_rate": "shrinkage per round; spans what CatBoost's automatic rate "
        "picks (about 0.01 for 1000 rounds on small data, larger for fewer rounds)",
        "depth": "levels of a symmetric tree: the tuning guide's 4 to 10; the cost "
        "doubles with each level",
        "l2_leaf_reg": "L2 on leaf values; the default 3 sits at the log-scale middle of "
        "0.1 to 100",
        "random_strength": "noise added to split scores against overfitting; 0.01 is "
        "almost none, the default 1 in the middle, 10 strong",
        "subsample": "MVS row sampling per tree (CatBoost's CPU default, 0.8, for binary "
        "and regression; multiclass, which would bag the Bayesian way, samples alike "
        "here); below one half the trees see too little",
    },
    default_notes={
        "learning_rate": "auto (set by CatBoost from the data and iterations: left to "
        "the sampler)",
    },
)


class LabelEncodedClassifier(ClassifierMixin, BaseEstimator):
    """Fit ``estimator`` on labels encoded as ``0..k-1``; predict in the original labels.

    XGBoost's classifier accepts only ``0..k-1``; this wrapper lets it take strings or any other
    labels.  CatBoost's takes any labels but predicts a column (``(n, 1)``) for more than two
    classes; the wrapper predicts a flat array for both.  ``classes_`` holds the original labels
    (sorted), ``predict_proba`` columns follow them.  ``eval_set`` given to ``fit`` has its
    labels encoded too.
    """

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit(self, X: Any, y: Any, **fit_params: Any) -> LabelEncodedClassifier:
        if self.estimator is None:
            raise UserError("LabelEncodedClassifier: no estimator to wrap")
        encoder = LabelEncoder().fit(np.ravel(np.asarray(y)))
        if fit_params.get("eval_set") is not None:
            fit_params["eval_set"] = [
                (Xe, encoder.transform(np.ravel(np.asarray(ye))))
                for Xe, ye in fit_params["eval_set"]
            ]
        self.estimator_ = clone(self.estimator).fit(
            X, encoder.transform(np.ravel(np.asarray(y))), **fit_params
        )
        self.label_encoder_ = encoder
        self.classes_ = encoder.classes_
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        codes = np.asarray(self.estimator_.predict(X)).reshape(-1).astype(int)
        return self.classes_[codes]

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return np.asarray(self.estimator_.predict_proba(X))

    @property
    def feature_importances_(self) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return np.asarray(self.estimator_.feature_importances_)
