"""The kernel and neighbour families: ``svm`` (SVC / SVR) and ``knn``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunecycle.cycle.families.base import Family
from tunecycle.cycle.families.builders import CLS_REG, pop_branch, typed
from tunecycle.space import Categorical, Float, Int


def _build_svm(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import SVC, SVR

    p = dict(params)
    kernel, sub = pop_branch("svm", p, "kernel", "rbf", ("rbf", "linear", "poly"))
    kw = typed({**p, **sub}, ints=("degree",), floats=("C", "gamma", "coef0", "epsilon"))
    # a bounded solver: a pathological configuration ends with a ConvergenceWarning, not a hang
    kw.update(kernel=kernel, max_iter=1_000_000)
    if task == "regression":
        return SVR(**kw)
    svc = SVC(**kw, random_state=seed)
    if proba:
        return CalibratedClassifierCV(svc, method="sigmoid", cv=5, ensemble=False)
    return svc


def _build_knn(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    p = dict(params)
    kw = typed(p, ints=("n_neighbors", "p"))
    cls = KNeighborsClassifier if task == "classification" else KNeighborsRegressor
    return cls(**kw, n_jobs=1)


SVM = Family(
    name="svm",
    tasks=CLS_REG,
    space={
        "C": Float(1e-3, 1e3, log=True),
        "kernel": Categorical(
            {
                "rbf": {"gamma": Float(1e-5, 1e1, log=True)},
                "linear": {},
                "poly": {
                    "gamma": Float(1e-4, 1.0, log=True),
                    "degree": Int(2, 4),
                    "coef0": Float(0.0, 1.0),
                },
            }
        ),
    },
    task_space={"regression": {"epsilon": Float(1e-3, 1.0, log=True)}},
    needs_scaling=True,
    builder=_build_svm,
    has_proba=False,
    doc="Support vector machine: SVC / SVR (libsvm). Needs scaled features; fit time "
    "grows between quadratically and cubically with the rows, so prefer it below ~20k "
    "rows. predict_proba only when built with proba=True (Platt scaling on 5 folds, so "
    "each class needs at least 5 training rows).",
    defaults={"C": 1.0, "kernel": "rbf"},
    task_defaults={"regression": {"epsilon": 0.1}},
    why={
        "C": "margin vs. training errors; acts multiplicatively, useful values span "
        "decades either side of 1 on scaled data",
        "kernel": "rbf usually wins; linear for many features; poly for low-order "
        "interactions (sigmoid left out: rarely a valid kernel)",
        "rbf.gamma": "kernel width; 1/n_features (the 'scale' value on scaled data) lies "
        "inside up to 1e5 features; above 10 every point is its own island",
        "poly.gamma": "larger values blow up (gamma*<x,y> + coef0)^degree and stall the "
        "solver",
        "poly.degree": "degree 1 is the linear kernel; above 4 is slow and numerically "
        "fragile",
        "poly.coef0": "0 keeps only the top-degree terms, 1 weighs lower-order terms in",
        "epsilon": "width of the loss-free tube, in target units: assumes a target "
        "scaled to about unit variance",
    },
    default_notes={
        "rbf.gamma": "scale (data-dependent: left to the sampler)",
        "poly.gamma": "scale (data-dependent: left to the sampler)",
        "poly.degree": "3",
        "poly.coef0": "0.0",
    },
)


KNN = Family(
    name="knn",
    tasks=CLS_REG,
    space={
        "n_neighbors": Int(1, 50, log=True),
        "weights": Categorical(["uniform", "distance"]),
        "p": Categorical([1, 2]),
    },
    needs_scaling=True,
    builder=_build_knn,
    doc="k nearest neighbours (KNeighborsClassifier / KNeighborsRegressor). Distances "
    "need scaled features; n_neighbors must not exceed the training rows.",
    defaults={"n_neighbors": 5, "weights": "uniform", "p": 2},
    why={
        "n_neighbors": "small k is where the decision changes most, so log scale; past "
        "50 the vote is smoothed to the class prior",
        "weights": "distance weighting helps when classes or targets vary locally",
        "p": "Manhattan or Euclidean; other powers are slower and rarely better",
    },
)
