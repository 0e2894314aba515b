"""The penalised linear families: ``logistic`` (classification) and ``linear`` (regression).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from tunecycle.cycle.families.base import Family
from tunecycle.cycle.families.builders import one_of, pop_branch, typed
from tunecycle.space import Categorical, Float


def _logistic_takes_penalty() -> bool:
    """scikit-learn 1.8 deprecated ``penalty`` in favour of ``l1_ratio`` alone."""
    from sklearn.linear_model import LogisticRegression

    param = inspect.signature(LogisticRegression).parameters.get("penalty")
    return param is not None and param.default != "deprecated"


def _build_logistic(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.linear_model import LogisticRegression

    p = dict(params)
    penalty, sub = pop_branch("logistic", p, "penalty", "l2", ("l2", "l1", "elasticnet"))
    one_of("logistic", "penalty", penalty, ("l2", "l1", "elasticnet"))
    kw = typed(p, floats=("C",))
    l1_ratio = {"l2": 0.0, "l1": 1.0}.get(penalty, float(sub.get("l1_ratio", 0.5)))
    # lbfgs is the fast, robust choice for l2; only saga handles l1 and elasticnet for any
    # number of classes (liblinear is binary only, and fits one-vs-rest).  saga stops at
    # tol=1e-3: on the digits its default 1e-4 took 3-4 times longer (up to 26 s a trial, most
    # of the demo) for cross-validated scores within 0.001 of each other
    kw.update(solver="lbfgs" if penalty == "l2" else "saga", max_iter=1000, random_state=seed)
    if penalty != "l2":
        kw["tol"] = 1e-3
    if _logistic_takes_penalty():
        kw["penalty"] = penalty
        if penalty == "elasticnet":
            kw["l1_ratio"] = l1_ratio
    else:
        kw["l1_ratio"] = l1_ratio
    return LogisticRegression(**kw)


def _build_linear(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.linear_model import ElasticNet, Lasso, Ridge

    p = dict(params)
    kind, sub = pop_branch("linear", p, "kind", "ridge", ("ridge", "lasso", "elasticnet"))
    one_of("linear", "kind", kind, ("ridge", "lasso", "elasticnet"))
    kw = typed(sub, floats=("alpha", "l1_ratio"))
    if kind == "ridge":
        return Ridge(**kw)
    # coordinate descent is cheap per pass; 5x the library's 1000 passes for weak penalties
    if kind == "lasso":
        return Lasso(**kw, max_iter=5000)
    return ElasticNet(**kw, max_iter=5000)


LOGISTIC = Family(
    name="logistic",
    tasks=frozenset({"classification"}),
    space={
        "C": Float(1e-3, 1e3, log=True),
        "penalty": Categorical(
            {"l2": {}, "l1": {}, "elasticnet": {"l1_ratio": Float(0.05, 0.95)}}
        ),
    },
    needs_scaling=True,
    builder=_build_logistic,
    doc="Logistic regression: l2 with lbfgs, l1 and elasticnet with saga (any number "
    "of classes), max_iter 1000. Needs scaled features (saga converges slowly without).",
    defaults={"C": 1.0, "penalty": "l2"},
    why={
        "C": "inverse regularisation strength; multiplicative, so log scale around the "
        "default 1",
        "penalty": "l2 (lbfgs) shrinks, l1 (saga) selects features, elasticnet (saga) "
        "mixes both",
        "elasticnet.l1_ratio": "the mix of L1 in L2; the ends are the pure penalties, "
        "already choices of their own",
    },
    default_notes={"elasticnet.l1_ratio": "— (only under elasticnet)"},
)


LINEAR = Family(
    name="linear",
    tasks=frozenset({"regression"}),
    space={
        "kind": Categorical(
            {
                "ridge": {"alpha": Float(1e-3, 1e3, log=True)},
                "lasso": {"alpha": Float(1e-4, 1e2, log=True)},
                "elasticnet": {
                    "alpha": Float(1e-4, 1e2, log=True),
                    "l1_ratio": Float(0.05, 0.95),
                },
            }
        ),
    },
    needs_scaling=True,
    builder=_build_linear,
    doc="Penalised linear regression: Ridge, Lasso or ElasticNet (coordinate descent, "
    "max_iter 5000). Needs scaled features: the penalty treats every coefficient alike.",
    defaults={"kind": "ridge", "ridge.alpha": 1.0},
    why={
        "kind": "ridge shrinks (always well-posed), lasso selects features, elasticnet "
        "mixes both",
        "ridge.alpha": "ridge tolerates strong penalties: from almost least squares to "
        "heavy shrinkage",
        "lasso.alpha": "on a unit-scale target, past about 1 every coefficient is zero; "
        "the top leaves room for larger targets",
        "elasticnet.alpha": "as lasso.alpha",
        "elasticnet.l1_ratio": "the mix of L1 in L2; the ends are ridge and lasso, "
        "already choices of their own",
    },
    default_notes={
        "lasso.alpha": "— (1.0 when chosen)",
        "elasticnet.alpha": "— (1.0 when chosen)",
        "elasticnet.l1_ratio": "— (0.5 when chosen)",
    },
)
