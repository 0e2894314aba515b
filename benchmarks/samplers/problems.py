"""Benchmark problems for the sampler suite: every one is a tunecycle declarative space, a loss
to minimise, a trial budget and, where known, the optimal loss.

Four families:

* ``synthetic-low``  -- classic 2-6 D test functions, optima away from the centre of the box;
* ``synthetic-high`` -- 10-20 D functions with shifted optima (and log-scaled dims);
* ``mixed``          -- integers, steps, categoricals that move the optimum, a conditional space;
* ``real``           -- Bayesmark-style: scikit-learn models on bundled data sets, scored by
  3-fold cross-validation with a fixed fold seed (loss = 1 - accuracy, log loss for the random
  forest on wine, or MSE of a standardised target for regression).  Every model is seeded, so a
  loss is a deterministic function of the params.

``PROBLEMS`` maps name -> :class:`Problem`.  Workers look problems up by name, so nothing here has
to be pickled.  scikit-learn is imported only when a ``real`` problem is evaluated.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

import tunecycle as tc

Params = dict[str, Any]
FAMILIES = ("synthetic-low", "synthetic-high", "mixed", "real")


@dataclass(frozen=True)
class Problem:
    name: str
    family: str
    space: dict[str, Any]
    fn: Callable[[Params], float]
    budget: int
    optimum: float | None = None

    @property
    def dims(self) -> int:
        return len(tc.Space(self.space))


def _vec(p: Params, n: int, prefix: str = "x") -> np.ndarray:
    return np.array([p[f"{prefix}{i}"] for i in range(n)], dtype=float)


def _box(n: int, low: float, high: float, **kw: Any) -> dict[str, Any]:
    return {f"x{i}": tc.Float(low, high, **kw) for i in range(n)}


# -- synthetic, low dimension -----------------------------------------------------------------
def branin(p: Params) -> float:
    x1, x2 = p["x0"], p["x1"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(p: Params) -> float:
    x = _vec(p, 6)
    return float(-(_H6_ALPHA * np.exp(-(_H6_A * (x - _H6_P) ** 2).sum(axis=1))).sum())


_ROSEN_SHIFT = np.array([2.2, -1.3])  # the optimum, inside [-5, 5]^2


def rosenbrock2_shifted(p: Params) -> float:
    z = _vec(p, 2) - _ROSEN_SHIFT + 1.0  # Rosenbrock's own optimum is at (1, 1)
    return float(100 * (z[1] - z[0] ** 2) ** 2 + (1 - z[0]) ** 2)


def six_hump_camel(p: Params) -> float:
    x, y = p["x0"], p["x1"]
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


# -- synthetic, high dimension ----------------------------------------------------------------
_SHIFT10 = np.random.default_rng(10).uniform(-2.0, 6.0, size=10)  # optimum of Ackley-10
_LOG_TARGET20 = np.random.default_rng(20).uniform(-3.5, 1.5, size=20)  # log10 of sphere optimum


def ackley10_shifted(p: Params) -> float:
    z = _vec(p, 10) - _SHIFT10
    a = -20 * math.exp(-0.2 * math.sqrt(float(np.mean(z**2))))
    return float(a - math.exp(float(np.mean(np.cos(2 * math.pi * z)))) + 20 + math.e)


def styblinski_tang10(p: Params) -> float:
    x = _vec(p, 10)  # optimum at x_i = -2.903534, off centre in [-5, 5]
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


def sphere20_log(p: Params) -> float:
    return float(np.sum((np.log10(_vec(p, 20)) - _LOG_TARGET20) ** 2))


# -- mixed and conditional --------------------------------------------------------------------
_COLOUR = {"red": (1.5, 0.4), "green": (-2.0, 0.0), "blue": (3.0, 0.2), "yellow": (-0.5, 0.7)}


def mixed_int_cat(p: Params) -> float:
    """The categorical moves the optimum of x and adds an offset; ints and steps have their own."""
    shift, offset = _COLOUR[p["colour"]]
    loss = (p["x"] - shift) ** 2 + (p["y"] - 1.25) ** 2
    loss += ((p["n"] - 13) / 4) ** 2 + ((p["k"] - 35) / 20) ** 2 + ((p["m"] - 64) / 48) ** 2
    return loss + offset + (0.0 if p["flag"] else 0.5)


_KERNEL_PENALTY = {"rbf": 0.0, "poly": 0.3, "sigmoid": 0.6}


def conditional(p: Params) -> float:
    """Three model families, each with its own params; the best sits in the richest branch."""
    family = p["model"]
    if family == "linear":
        loss = 1.0 + 0.1 * (p["linear.w"] - 2) ** 2 + 0.02 * (p["linear.b"] + 3) ** 2
    elif family == "tree":
        loss = 0.4 + 0.02 * (p["tree.depth"] - 7) ** 2
        loss += 0.3 * (math.log10(p["tree.lr"]) + 1.5) ** 2
    else:
        loss = 0.2 * (math.log10(p["kernel.gamma"]) + 2) ** 2
        loss += 0.2 * (math.log10(p["kernel.C"]) - 1.5) ** 2 + _KERNEL_PENALTY[p["kernel.kind"]]
    return loss + (p["scale"] - 0.3) ** 2


# -- real: scikit-learn models with cross-validation -----------------------------------------
@cache
def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    x, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    if name == "diabetes":
        y = (y - y.mean()) / y.std()
    return x, y


def _cv_loss(model: Any, data: str, scoring: str = "accuracy") -> float:
    """3-fold CV loss: 1 - accuracy, or minus a ``neg_*`` score (MSE, log loss)."""
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    x, y = _data(data)
    regression = scoring == "neg_mean_squared_error"
    folds = (KFold if regression else StratifiedKFold)(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings are part of the landscape
        score = float(np.mean(cross_val_score(model, x, y, cv=folds, scoring=scoring, n_jobs=1)))
    return 1.0 - score if scoring == "accuracy" else -score


def _scaled(*steps: Any) -> Any:
    """A pipeline: ``steps`` but the last, then a standard scaler, then the model."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    *pre, model = steps
    return make_pipeline(*pre, StandardScaler(), model)


def svm_breast_cancer(p: Params) -> float:
    from sklearn.svm import SVC

    return _cv_loss(_scaled(SVC(C=p["C"], gamma=p["gamma"])), "breast_cancer")


def rf_wine(p: Params) -> float:
    """Scored by log loss: on 178 samples CV accuracy moves in steps of one sample, and random
    search's median best was one hundredth of a step from the best any run found, so a run
    one sample behind scored about -5,900 and decided every overall mean."""
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(
        n_estimators=p["n_estimators"],
        max_depth=p["max_depth"],
        min_samples_split=p["min_samples_split"],
        max_features=p["max_features"],
        random_state=0,
        n_jobs=1,
    )
    return _cv_loss(model, "wine", scoring="neg_log_loss")


def hgb_breast_cancer(p: Params) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        learning_rate=p["learning_rate"],
        max_depth=p["max_depth"],
        max_leaf_nodes=p["max_leaf_nodes"],
        l2_regularization=p["l2"],
        max_iter=50,
        early_stopping=False,
        random_state=0,
    )
    return _cv_loss(model, "breast_cancer")


def knn_wine(p: Params) -> float:
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(n_neighbors=p["n_neighbors"], weights=p["weights"], p=p["p"])
    return _cv_loss(_scaled(model), "wine")


def linear_diabetes(p: Params) -> float:
    """Ridge, lasso or elastic net on polynomial features: the degree and the regularisation
    interact (plain linear models on diabetes are too flat to tell samplers apart)."""
    from sklearn.linear_model import ElasticNet, Lasso, Ridge
    from sklearn.preprocessing import PolynomialFeatures

    kind, fit = p["model"], {"max_iter": 2000, "tol": 1e-3}
    if kind == "ridge":
        model = Ridge(alpha=p["ridge.alpha"])
    elif kind == "lasso":
        model = Lasso(alpha=p["lasso.alpha"], **fit)
    else:
        model = ElasticNet(alpha=p["elasticnet.alpha"], l1_ratio=p["elasticnet.l1_ratio"], **fit)
    poly = PolynomialFeatures(p["degree"], interaction_only=p["interaction_only"],
                              include_bias=False)  # fmt: skip
    return _cv_loss(_scaled(poly, model), "diabetes", scoring="neg_mean_squared_error")


def mlp_digits(p: Params) -> float:
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=(p["hidden"],),
        alpha=p["alpha"],
        learning_rate_init=p["learning_rate_init"],
        max_iter=p["max_iter"],
        random_state=0,
    )
    return _cv_loss(_scaled(model), "digits")


# -- the registry -----------------------------------------------------------------------------
def _problems() -> list[Problem]:
    alpha = tc.Float(1e-4, 1e3, log=True)
    return [
        Problem("branin", "synthetic-low",
                {"x0": tc.Float(-5, 10), "x1": tc.Float(0, 15)}, branin, 60, 0.397887357729738),
        Problem("hartmann6", "synthetic-low", _box(6, 0, 1), hartmann6, 80, -3.32236801141551),
        Problem("rosenbrock2-shifted", "synthetic-low", _box(2, -5, 5), rosenbrock2_shifted, 60,
                0.0),
        Problem("six-hump-camel", "synthetic-low",
                {"x0": tc.Float(-3, 3), "x1": tc.Float(-2, 2)}, six_hump_camel, 60,
                -1.031628453489877),
        Problem("ackley10-shifted", "synthetic-high", _box(10, -5, 10), ackley10_shifted, 100,
                0.0),
        Problem("styblinski-tang10", "synthetic-high", _box(10, -5, 5), styblinski_tang10, 100,
                -39.16616570377142 * 10),
        Problem("sphere20-log", "synthetic-high", _box(20, 1e-4, 1e2, log=True), sphere20_log,
                100, 0.0),
        Problem("mixed-int-cat", "mixed", {
            "x": tc.Float(-4, 4),
            "y": tc.Float(-5, 5, step=0.25),
            "n": tc.Int(1, 20),
            "k": tc.Int(0, 100, step=5),
            "m": tc.Int(1, 1024, log=True),
            "colour": tc.Categorical(list(_COLOUR)),
            "flag": tc.Categorical([True, False]),
        }, mixed_int_cat, 80, 0.0),
        Problem("conditional", "mixed", {
            "model": tc.Categorical({
                "linear": {"w": tc.Float(-5, 5), "b": tc.Int(-10, 10)},
                "tree": {"depth": tc.Int(1, 12), "lr": tc.Float(1e-3, 1, log=True)},
                "kernel": {"gamma": tc.Float(1e-4, 10, log=True),
                           "C": tc.Float(1e-2, 1e3, log=True),
                           "kind": tc.Categorical(list(_KERNEL_PENALTY))},
            }),
            "scale": tc.Float(0, 1),
        }, conditional, 80, 0.0),
        Problem("svm-breast_cancer", "real", {
            "C": tc.Float(1e-2, 1e3, log=True),
            "gamma": tc.Float(1e-5, 1e1, log=True),
        }, svm_breast_cancer, 50),
        Problem("rf-wine-logloss", "real", {
            "n_estimators": tc.Int(10, 100),
            "max_depth": tc.Int(1, 12),
            "min_samples_split": tc.Int(2, 20),
            "max_features": tc.Float(0.05, 1.0),
        }, rf_wine, 40),
        Problem("hgb-breast_cancer", "real", {
            "learning_rate": tc.Float(1e-3, 1.0, log=True),
            "max_depth": tc.Int(1, 10),
            "max_leaf_nodes": tc.Int(2, 64, log=True),
            "l2": tc.Float(1e-4, 10.0, log=True),
        }, hgb_breast_cancer, 40),
        Problem("knn-wine", "real", {
            "n_neighbors": tc.Int(1, 50),
            "weights": tc.Categorical(["uniform", "distance"]),
            "p": tc.Int(1, 3),
        }, knn_wine, 40),
        Problem("linear-diabetes", "real", {
            "model": tc.Categorical({
                "ridge": {"alpha": alpha},
                "lasso": {"alpha": alpha},
                "elasticnet": {"alpha": alpha, "l1_ratio": tc.Float(0.01, 1.0)},
            }),
            "degree": tc.Int(1, 3),
            "interaction_only": tc.Categorical([True, False]),
        }, linear_diabetes, 50),
        Problem("mlp-digits", "real", {
            "hidden": tc.Int(16, 128, log=True),
            "alpha": tc.Float(1e-6, 1.0, log=True),
            "learning_rate_init": tc.Float(1e-4, 1e-1, log=True),
            "max_iter": tc.Int(5, 30, step=5),
        }, mlp_digits, 40),
    ]


PROBLEMS: dict[str, Problem] = {p.name: p for p in _problems()}
