"""Model families of the tuning cycle: what to build from a trial's params, and where to search.

A :class:`Family` names one kind of model (``svm``, ``logistic``, ``linear``, ``knn``, ``tree``,
``random_forest``, ``xgboost``, ``lightgbm``, ``catboost``, ``kmeans``, and the PyTorch networks
``mlp``, ``cnn``, ``rnn``, ``transformer`` of :mod:`tunecycle.cycle.deep`), the tasks it serves,
a built-in default search space (a plain ``dict`` of :mod:`tunecycle.space` parameters), the
library's own defaults expressed in that space, and ``build``: params + seed + task -> an
unfitted scikit-learn compatible estimator.

    space = family_space(["svm", "xgboost"], "classification")
    # {"model": Categorical({"svm": {...}, "xgboost": {...}})}
    trial = study.ask(space)                 # {"model": "svm", "svm.C": 2.1, "svm.kernel": ...}
    name, est = build_estimator(trial.params, "classification", seed=0)

- One family: ``family_space(["svm"], task)`` is that family's own space and its params carry
  the family's own names (``{"C": 2.1, "kernel": "rbf", "rbf.gamma": 0.01}``); pass
  ``family="svm"`` to :func:`build_estimator`.  Several families: one conditional space
  ``{"model": Categorical({name: space, ...})}``, whose params are prefixed ``"<family>."``.
- ``overrides={"xgboost": {"max_depth": tc.Int(2, 8), "reg_alpha": None}}`` narrows, widens or
  replaces a parameter (a ``Param``, a plain spec dict, a list of choices, or a single value to
  fix it), or removes it with ``None`` (the estimator's own default is then used).  Sub-params of
  a conditional parameter are named as in the params: ``{"logistic": {"elasticnet.l1_ratio":
  ...}}``.  An unknown family or parameter name is an error.
- :func:`family_defaults` gives each family's defaults in the same form, ready for
  ``study.enqueue``; a default that an override pushed out of the space is left to the sampler.

Decisions worth knowing:

- ``build`` never scales: a family with ``needs_scaling`` (svm, logistic, linear, knn, kmeans)
  expects the caller's preprocessing to standardise the features (fitted on training folds).
- Estimators run single-threaded (``n_jobs=1``, CatBoost's ``thread_count=1``): parallelism
  belongs to the executor, which runs trials side by side.  Seeded estimators get
  ``random_state=seed`` (CatBoost's ``random_seed``).  The boosters are quiet: no training log
  (``verbosity=0``, ``verbose=-1``, ``logging_level="Silent"``), and CatBoost writes no
  ``catboost_info/`` (``allow_writing_files=False``).
- Classifiers of every family answer ``predict_proba`` except ``svm``, which does only when
  built with ``proba=True`` (``Family.has_proba``); it is then wrapped in
  ``CalibratedClassifierCV(SVC, ensemble=False)`` (Platt scaling on 5 internal folds, what
  ``SVC(probability=True)`` did before scikit-learn deprecated it).  Metrics such as
  ``log_loss`` need probabilities; ``roc_auc`` can use ``decision_function``.
- ``xgboost`` and ``catboost`` classifiers are wrapped in :class:`LabelEncodedClassifier`, so
  string labels or labels other than ``0..k-1`` work, predictions come back in the original
  labels and as a flat array (CatBoost's own is a column for more than two classes).  LightGBM's
  classifier takes any labels itself.
- ``lightgbm``'s ``subsample`` bags rows only with ``subsample_freq`` > 0 (the library's default
  0 ignores it), so a share below 1 is built with ``subsample_freq=1``.  Its trees grow
  leaf-wise, sized by ``num_leaves``; ``max_depth`` (unlimited by default) would only cut the
  same trees a second way, so it is left out of the default space, like ``min_split_gain`` and
  ``max_bin``: an override may add them (``Family.extra_params``).  ``catboost`` may add
  ``border_count``.  A tuned ``catboost`` ``subsample`` is MVS sampling (``bootstrap_type="MVS"``,
  CatBoost's own default on CPU except for multiclass, which bags the Bayesian way).
- A family's library is looked up (not imported) before any trial (``Family.requires``): a
  missing one is a ``UserError`` naming the extra, ``pip install 'tunecycle[catboost]'``.
- A library default the space cannot hold is left out of ``defaults`` (the sampler proposes
  it): svm's ``gamma="scale"`` (data-dependent), trees' ``max_depth=None``, the forest's
  classification ``max_features="sqrt"``, catboost's automatic ``learning_rate``.  xgboost's
  ``reg_alpha=0`` (and lightgbm's ``reg_alpha=0``, ``reg_lambda=0``) sit on a log scale, so they
  are recorded as the lower bound ``1e-8``, which behaves the same.
- Ranges assume standardised features; svm's regression ``epsilon`` also assumes a target of
  about unit scale (override it for raw targets).  Tiny data sets may need narrower ranges
  (``knn.n_neighbors`` up to 50 needs at least 50 training rows; ``kmeans.n_clusters`` up to
  20 needs 20; a ``lightgbm.min_child_samples`` above half the training rows allows no split).

Deliberately not here: preprocessing, metrics, fitting, early stopping and the choice of which
families to try; this module only maps params to estimators and holds the default spaces.
scikit-learn is imported at module level (this layer needs it anyway); xgboost, lightgbm and
catboost only when one of their estimators is built.  CatBoost gets the preprocessed features
(categorical columns one-hot encoded), not its own categorical handling.

Default spaces (``space_table()`` renders this table from the code; a test keeps it current):

| family | hyperparameter | range | scale | default | why this range |
|---|---|---|---|---|---|
| svm | C | [0.001, 1000] | log | 1.0 | margin vs. training errors; acts multiplicatively, useful values span decades either side of 1 on scaled data |
| svm | kernel | rbf, linear, poly | choice | rbf | rbf usually wins; linear for many features; poly for low-order interactions (sigmoid left out: rarely a valid kernel) |
| svm | rbf.gamma | [1e-05, 10] | log | scale (data-dependent: left to the sampler) | kernel width; 1/n_features (the 'scale' value on scaled data) lies inside up to 1e5 features; above 10 every point is its own island |
| svm | poly.gamma | [0.0001, 1] | log | scale (data-dependent: left to the sampler) | larger values blow up (gamma*<x,y> + coef0)^degree and stall the solver |
| svm | poly.degree | [2, 4] | int | 3 | degree 1 is the linear kernel; above 4 is slow and numerically fragile |
| svm | poly.coef0 | [0, 1] | linear | 0.0 | 0 keeps only the top-degree terms, 1 weighs lower-order terms in |
| svm | epsilon (regression) | [0.001, 1] | log | 0.1 | width of the loss-free tube, in target units: assumes a target scaled to about unit variance |
| logistic | C | [0.001, 1000] | log | 1.0 | inverse regularisation strength; multiplicative, so log scale around the default 1 |
| logistic | penalty | l2, l1, elasticnet | choice | l2 | l2 (lbfgs) shrinks, l1 (saga) selects features, elasticnet (saga) mixes both |
| logistic | elasticnet.l1_ratio | [0.05, 0.95] | linear | — (only under elasticnet) | the mix of L1 in L2; the ends are the pure penalties, already choices of their own |
| linear | kind | ridge, lasso, elasticnet | choice | ridge | ridge shrinks (always well-posed), lasso selects features, elasticnet mixes both |
| linear | ridge.alpha | [0.001, 1000] | log | 1.0 | ridge tolerates strong penalties: from almost least squares to heavy shrinkage |
| linear | lasso.alpha | [0.0001, 100] | log | — (1.0 when chosen) | on a unit-scale target, past about 1 every coefficient is zero; the top leaves room for larger targets |
| linear | elasticnet.alpha | [0.0001, 100] | log | — (1.0 when chosen) | as lasso.alpha |
| linear | elasticnet.l1_ratio | [0.05, 0.95] | linear | — (0.5 when chosen) | the mix of L1 in L2; the ends are ridge and lasso, already choices of their own |
| knn | n_neighbors | [1, 50] | log int | 5 | small k is where the decision changes most, so log scale; past 50 the vote is smoothed to the class prior |
| knn | weights | uniform, distance | choice | uniform | distance weighting helps when classes or targets vary locally |
| knn | p | 1, 2 | choice | 2 | Manhattan or Euclidean; other powers are slower and rarely better |
| tree | max_depth | [1, 32] | log int | None (unlimited: left to the sampler) | from a stump to effectively unlimited; log scale because each level doubles the leaves |
| tree | min_samples_split | [2, 50] | log int | 2 | a split needs at least 2 rows; a few dozen already prunes hard |
| tree | min_samples_leaf | [1, 50] | log int | 1 | the main guard against overfitting a single tree; log scale as small values matter most |
| tree | criterion (classification) | gini, entropy | choice | gini | the two impurity measures; log_loss is entropy under another name |
| tree | criterion (regression) | squared_error, absolute_error | choice | squared_error | mean or median leaves: absolute_error resists outliers but fits several times slower (friedman_mse now equals squared_error) |
| random_forest | n_estimators | [50, 500] | log int | 100 | more trees only reduce variance, with diminishing returns; 500 caps the cost |
| random_forest | max_depth | [2, 32] | log int | None (unlimited: left to the sampler) | forests like deep trees; shallow caps help noisy data |
| random_forest | max_features | [0.1, 1] | linear | 1.0 for regression; sqrt for classification (left to the sampler) | share of features per split: decorrelates the trees; 0.1 covers sqrt(n)/n up to 100 features |
| random_forest | min_samples_leaf | [1, 20] | log int | 1 | averaging already smooths; larger leaves help only on noisy targets |
| random_forest | bootstrap | True, False | choice | True | bootstrap decorrelates trees; without it only feature sampling does |
| xgboost | max_depth | [1, 12] | int | 6 | boosted trees are weak learners: stumps to 12 levels; deeper overfits and is slow |
| xgboost | min_child_weight | [0.01, 100] | log | 1.0 | minimum hessian per leaf; below 1 matters for classification (hessians are p(1-p) <= 0.25) |
| xgboost | learning_rate | [0.001, 1] | log | 0.3 | shrinkage per round, in (0, 1]; small rates need many rounds, so log scale |
| xgboost | n_estimators | [50, 1000] | log int | 100 | boosting rounds; pairs with learning_rate, log scale because doubling matters, not +50 |
| xgboost | subsample | [0.5, 1] | linear | 1.0 | row sampling per round; below one half the trees see too little |
| xgboost | colsample_bytree | [0.3, 1] | linear | 1.0 | feature sampling per tree; lower values help with many correlated features |
| xgboost | reg_alpha | [1e-08, 10] | log | 1e-08 | L1 on leaf weights; library default 0 recorded as 1e-8 (the same in effect); log scale for 'off' to strong |
| xgboost | reg_lambda | [1e-08, 10] | log | 1.0 | L2 on leaf weights; default 1 in the middle of 'off' to strong |
| lightgbm | n_estimators | [50, 1000] | log int | 100 | boosting rounds; pairs with learning_rate, log scale because doubling matters, not +50 |
| lightgbm | learning_rate | [0.005, 0.5] | log | 0.1 | shrinkage per round; at most 1000 rounds of a rate below 0.005 add up to under 5 full steps, and above 0.5 leaf-wise trees overshoot |
| lightgbm | num_leaves | [2, 256] | log int | 31 | the size of a leaf-wise tree, LightGBM's main complexity control: stumps to 256 leaves (a full 8-level tree's); log scale, each doubling a level |
| lightgbm | min_child_samples | [2, 100] | log int | 20 | rows per leaf, the tuning guide's main guard against overfitting leaf-wise trees: a few for small data; hundreds pay only on large data (widen with an override) |
| lightgbm | subsample | [0.5, 1] | linear | 1.0 | row bagging per round (drawn each round: subsample_freq=1 below 1); below one half the trees see too little |
| lightgbm | colsample_bytree | [0.3, 1] | linear | 1.0 | feature sampling per tree; lower values help with many correlated features |
| lightgbm | reg_alpha | [1e-08, 10] | log | 1e-08 | L1 on leaf weights; library default 0 recorded as 1e-8 (the same in effect); log scale for 'off' to strong |
| lightgbm | reg_lambda | [1e-08, 10] | log | 1e-08 | L2 on leaf weights; library default 0 recorded as 1e-8, as reg_alpha |
| catboost | iterations | [50, 1000] | log int | 1000 | boosting rounds; the library's 1000 at the top (its automatic learning rate is set for them), log scale because doubling matters |
| catboost | learning_rate | [0.005, 0.5] | log | auto (set by CatBoost from the data and iterations: left to the sampler) | shrinkage per round; spans what CatBoost's automatic rate picks (about 0.01 for 1000 rounds on small data, larger for fewer rounds) |
| catboost | depth | [4, 10] | int | 6 | levels of a symmetric tree: the tuning guide's 4 to 10; the cost doubles with each level |
| catboost | l2_leaf_reg | [0.1, 100] | log | 3.0 | L2 on leaf values; the default 3 sits at the log-scale middle of 0.1 to 100 |
| catboost | random_strength | [0.01, 10] | log | 1.0 | noise added to split scores against overfitting; 0.01 is almost none, the default 1 in the middle, 10 strong |
| catboost | subsample | [0.5, 1] | linear | 0.8 | MVS row sampling per tree (CatBoost's CPU default, 0.8, for binary and regression; multiclass, which would bag the Bayesian way, samples alike here); below one half the trees see too little |
| kmeans | n_clusters | [2, 20] | int | 8 | 2 is the least that clusters; past 20 a clustering is hard to read (widen with an override) |
| kmeans | init | k-means++, random | choice | k-means++ | k-means++ spreads the seeds; random is cheaper and sometimes escapes a bad optimum |
| kmeans | n_init | [1, 10] | int | 1 | restarts keep the best of n runs; 1 is the library's 'auto' for k-means++, 10 was its old default |
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted

from tunecycle.errors import SpaceError, UserError
from tunecycle.space import Categorical, Float, Int, Param, ParamValue, Space, param_from_dict

TASKS: tuple[str, ...] = ("classification", "regression", "clustering")
MODEL_KEY = "model"  # the top-level choice of a multi-family space


class Builder(Protocol):
    """Build an unfitted estimator from a family's own params, a seed and a task."""

    def __call__(
        self, params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False
    ) -> Any: ...


@dataclass(frozen=True)
class Family:
    """One model family: its tasks, default search space, library defaults and builder.

    ``space`` and ``defaults`` hold what every task shares; ``task_space`` and
    ``task_defaults`` add the task-specific part (a tree's ``criterion``, svm's regression
    ``epsilon``).  Use :meth:`space_for` and :meth:`defaults_for` for one task.  Params use the
    family's own names; a sub-param of a conditional parameter is ``"<choice>.<name>"``.
    ``has_proba`` is False where a classifier answers ``predict_proba`` only when built with
    ``proba=True`` (svm).  ``why`` (per param: why this range) and ``default_notes`` (the library
    default where ``defaults`` cannot hold it) feed :func:`space_table`.
    """

    name: str
    tasks: frozenset[str]
    space: dict[str, Param] = field(compare=False)
    needs_scaling: bool
    build: Builder = field(compare=False)
    doc: str
    defaults: dict[str, ParamValue] = field(default_factory=dict, compare=False)
    task_space: dict[str, dict[str, Param]] = field(default_factory=dict, compare=False)
    task_defaults: dict[str, dict[str, ParamValue]] = field(default_factory=dict, compare=False)
    has_proba: bool = True
    why: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    default_notes: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # a network trained by epochs (tunecycle.cycle.deep): the cycle reports each epoch
    deep: bool = False
    # why an overridden range is out of the parameter's limits (None when it is fine)
    check_override: Any = field(default=None, compare=False, repr=False)
    # params outside the default space that an override may add (a network's ``init_from``,
    # ``freeze``, an mlp's ``units_0``...); they are judged together with the other overrides
    extra_params: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # (space, overrides, task) -> space, after the overrides: what one override does to the
    # others (a checkpoint brings its own architecture; per-layer units replace the width)
    finish_space: Any = field(default=None, compare=False, repr=False)
    # (module, extra): the library the builder imports and the tunecycle extra that installs it
    requires: tuple[str, str] | None = None

    def supports(self, task: str) -> bool:
        return task in self.tasks

    def check_installed(self) -> None:
        """Raise ``UserError`` naming the extra to install when the family's library is
        missing (looked up without importing it)."""
        if self.requires is None:
            return
        module, _ = self.requires
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a parent package missing, or a blocked import
            found = False
        if not found:
            raise UserError(_missing_library(self))

    def check_task(self, task: str) -> None:
        _check_task(task)
        if task not in self.tasks:
            others = sorted(n for n, f in FAMILIES.items() if task in f.tasks)
            raise UserError(
                f"model family {self.name!r} does not do {task}; it does "
                f"{', '.join(sorted(self.tasks))}. Families for {task}: {', '.join(others)}"
            )

    def space_for(self, task: str) -> dict[str, Param]:
        """The default space for ``task`` (a fresh dict: changing it changes nothing here)."""
        self.check_task(task)
        return {**self.space, **self.task_space.get(task, {})}

    def defaults_for(self, task: str) -> dict[str, ParamValue]:
        """The library defaults for ``task`` that the default space can hold."""
        self.check_task(task)
        return {**self.defaults, **self.task_defaults.get(task, {})}

    @property
    def param_names(self) -> frozenset[str]:
        """Every param name ``build`` accepts (flattened, all tasks)."""
        names: set[str] = set()
        for task in self.tasks:
            names.update(Space(self.space_for(task)).names)
        return frozenset(names)


# -- helpers for the builders ---------------------------------------------------------------------


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise UserError(f"task must be one of {', '.join(TASKS)}; got {task!r}")


def _own_params(family: str, params: Mapping[str, Any], task: str) -> dict[str, Any]:
    """Check the task and that every key is one of the family's params (or of the optional
    ones an override may add); return a copy."""
    fam = FAMILIES[family]
    fam.check_task(task)
    if not isinstance(params, Mapping):
        raise UserError(f"model family {family!r}: params must be a mapping, got {params!r}")
    known = fam.param_names | fam.extra_params
    unknown = sorted(set(params) - known)
    if unknown:
        raise UserError(
            f"model family {family!r}: unknown parameter(s) {unknown}; it takes {sorted(known)}"
        )
    return dict(params)


def _missing_library(fam: Family) -> str:
    assert fam.requires is not None
    module, extra = fam.requires
    return f"model family {fam.name!r} needs {module}: pip install 'tunecycle[{extra}]'"


def _library(family: str) -> Any:
    """Import the library of ``family`` (its ``requires``), or say which extra installs it."""
    fam = FAMILIES[family]
    assert fam.requires is not None
    try:
        return importlib.import_module(fam.requires[0])
    except ImportError:
        raise UserError(_missing_library(fam)) from None


def _branch(
    family: str, p: dict[str, Any], parent: str, default: str, choices: Sequence[str]
) -> tuple[str, dict[str, Any]]:
    """Pop a conditional parameter and its active sub-params (``"<choice>.<name>"``).

    The choice itself is not checked here: svm passes any kernel on to scikit-learn, while
    logistic and linear check theirs with :func:`_one_of`.
    """
    choice = p.pop(parent, default)
    sub: dict[str, Any] = {}
    for key in [k for k in p if k.partition(".")[0] in choices and "." in k]:
        head, _, rest = key.partition(".")
        value = p.pop(key)
        if head != choice:
            raise UserError(
                f"model family {family!r}: parameter {key!r} is inactive when {parent}={choice!r}"
            )
        sub[rest] = value
    return choice, sub


def _typed(
    p: Mapping[str, Any], ints: Sequence[str] = (), floats: Sequence[str] = ()
) -> dict[str, Any]:
    """The given params with ints and floats cast (JSON may hand back 100.0 for an int)."""
    out = dict(p)
    for k in ints:
        if k in out:
            out[k] = int(out[k])
    for k in floats:
        if k in out:
            out[k] = float(out[k])
    return out


def _one_of(family: str, parent: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise UserError(
            f"model family {family!r}: {parent} must be one of {list(choices)}, got {value!r}"
        )


# -- builders ---------------------------------------------------------------------------------


def _build_svm(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import SVC, SVR

    p = _own_params("svm", params, task)
    kernel, sub = _branch("svm", p, "kernel", "rbf", ("rbf", "linear", "poly"))
    kw = _typed({**p, **sub}, ints=("degree",), floats=("C", "gamma", "coef0", "epsilon"))
    # a bounded solver: a pathological configuration ends with a ConvergenceWarning, not a hang
    kw.update(kernel=kernel, max_iter=1_000_000)
    if task == "regression":
        return SVR(**kw)
    svc = SVC(**kw, random_state=seed)
    if proba:
        return CalibratedClassifierCV(svc, method="sigmoid", cv=5, ensemble=False)
    return svc


def _logistic_takes_penalty() -> bool:
    """scikit-learn 1.8 deprecated ``penalty`` in favour of ``l1_ratio`` alone."""
    from sklearn.linear_model import LogisticRegression

    param = inspect.signature(LogisticRegression).parameters.get("penalty")
    return param is not None and param.default != "deprecated"


def _build_logistic(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.linear_model import LogisticRegression

    p = _own_params("logistic", params, task)
    penalty, sub = _branch("logistic", p, "penalty", "l2", ("l2", "l1", "elasticnet"))
    _one_of("logistic", "penalty", penalty, ("l2", "l1", "elasticnet"))
    kw = _typed(p, floats=("C",))
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

    p = _own_params("linear", params, task)
    kind, sub = _branch("linear", p, "kind", "ridge", ("ridge", "lasso", "elasticnet"))
    _one_of("linear", "kind", kind, ("ridge", "lasso", "elasticnet"))
    kw = _typed(sub, floats=("alpha", "l1_ratio"))
    if kind == "ridge":
        return Ridge(**kw)
    # coordinate descent is cheap per pass; 5x the library's 1000 passes for weak penalties
    if kind == "lasso":
        return Lasso(**kw, max_iter=5000)
    return ElasticNet(**kw, max_iter=5000)


def _build_knn(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    p = _own_params("knn", params, task)
    kw = _typed(p, ints=("n_neighbors", "p"))
    cls = KNeighborsClassifier if task == "classification" else KNeighborsRegressor
    return cls(**kw, n_jobs=1)


def _build_tree(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    p = _own_params("tree", params, task)
    kw = _typed(p, ints=("max_depth", "min_samples_split", "min_samples_leaf"))
    cls = DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor
    return cls(**kw, random_state=seed)


def _build_random_forest(
    params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False
) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    p = _own_params("random_forest", params, task)
    kw = _typed(p, ints=("n_estimators", "max_depth", "min_samples_leaf"), floats=("max_features",))
    if "bootstrap" in kw:
        kw["bootstrap"] = bool(kw["bootstrap"])
    cls = RandomForestClassifier if task == "classification" else RandomForestRegressor
    return cls(**kw, n_jobs=1, random_state=seed)


def _build_xgboost(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    p = _own_params("xgboost", params, task)
    xgboost = _library("xgboost")
    kw = _typed(
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
    p = _own_params("lightgbm", params, task)
    lightgbm = _library("lightgbm")
    kw = _typed(
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
    p = _own_params("catboost", params, task)
    catboost = _library("catboost")
    kw = _typed(
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


def _build_kmeans(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.cluster import KMeans

    p = _own_params("kmeans", params, task)
    kw = _typed(p, ints=("n_clusters", "n_init"))
    kw.setdefault("n_init", "auto")
    return KMeans(**kw, random_state=seed)


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


# -- the families -----------------------------------------------------------------------------

_CLS_REG = frozenset({"classification", "regression"})

def _build_network(name: str) -> Builder:
    """The builder of a deep family: torch loads only when a network is built."""

    def build(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
        from tunecycle.cycle.deep.estimator import build_network_estimator

        return build_network_estimator(name, params, seed, task)

    build.__name__ = f"_build_{name}"
    return build


def _deep_families() -> dict[str, Family]:
    from tunecycle.cycle.deep.spaces import check_override, family_specs

    return {name: Family(**spec, build=_build_network(name), deep=True,
                         check_override=check_override)
            for name, spec in family_specs().items()}


FAMILIES: Mapping[str, Family] = MappingProxyType(
    {
        "svm": Family(
            name="svm",
            tasks=_CLS_REG,
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
            build=_build_svm,
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
        ),
        "logistic": Family(
            name="logistic",
            tasks=frozenset({"classification"}),
            space={
                "C": Float(1e-3, 1e3, log=True),
                "penalty": Categorical(
                    {"l2": {}, "l1": {}, "elasticnet": {"l1_ratio": Float(0.05, 0.95)}}
                ),
            },
            needs_scaling=True,
            build=_build_logistic,
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
        ),
        "linear": Family(
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
            build=_build_linear,
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
        ),
        "knn": Family(
            name="knn",
            tasks=_CLS_REG,
            space={
                "n_neighbors": Int(1, 50, log=True),
                "weights": Categorical(["uniform", "distance"]),
                "p": Categorical([1, 2]),
            },
            needs_scaling=True,
            build=_build_knn,
            doc="k nearest neighbours (KNeighborsClassifier / KNeighborsRegressor). Distances "
            "need scaled features; n_neighbors must not exceed the training rows.",
            defaults={"n_neighbors": 5, "weights": "uniform", "p": 2},
            why={
                "n_neighbors": "small k is where the decision changes most, so log scale; past "
                "50 the vote is smoothed to the class prior",
                "weights": "distance weighting helps when classes or targets vary locally",
                "p": "Manhattan or Euclidean; other powers are slower and rarely better",
            },
        ),
        "tree": Family(
            name="tree",
            tasks=_CLS_REG,
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
            build=_build_tree,
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
        ),
        "random_forest": Family(
            name="random_forest",
            tasks=_CLS_REG,
            space={
                "n_estimators": Int(50, 500, log=True),
                "max_depth": Int(2, 32, log=True),
                "max_features": Float(0.1, 1.0),
                "min_samples_leaf": Int(1, 20, log=True),
                "bootstrap": Categorical([True, False]),
            },
            needs_scaling=False,
            build=_build_random_forest,
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
        ),
        "xgboost": Family(
            name="xgboost",
            tasks=_CLS_REG,
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
            build=_build_xgboost,
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
        ),
        "lightgbm": Family(
            name="lightgbm",
            tasks=_CLS_REG,
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
            build=_build_lightgbm,
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
        ),
        "catboost": Family(
            name="catboost",
            tasks=_CLS_REG,
            space={
                "iterations": Int(50, 1000, log=True),
                "learning_rate": Float(5e-3, 0.5, log=True),
                "depth": Int(4, 10),
                "l2_leaf_reg": Float(0.1, 100.0, log=True),
                "random_strength": Float(1e-2, 10.0, log=True),
                "subsample": Float(0.5, 1.0),
            },
            needs_scaling=False,
            build=_build_catboost,
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
        ),
        "kmeans": Family(
            name="kmeans",
            tasks=frozenset({"clustering"}),
            space={
                "n_clusters": Int(2, 20),
                "init": Categorical(["k-means++", "random"]),
                "n_init": Int(1, 10),
            },
            needs_scaling=True,
            build=_build_kmeans,
            doc="k-means (Lloyd). Euclidean, so it needs scaled features. Inertia always falls "
            "as n_clusters grows: tune n_clusters against a score such as silhouette.",
            defaults={"n_clusters": 8, "init": "k-means++", "n_init": 1},
            why={
                "n_clusters": "2 is the least that clusters; past 20 a clustering is hard to "
                "read (widen with an override)",
                "init": "k-means++ spreads the seeds; random is cheaper and sometimes escapes a "
                "bad optimum",
                "n_init": "restarts keep the best of n runs; 1 is the library's 'auto' for "
                "k-means++, 10 was its old default",
            },
        ),
        **_deep_families(),
    }
)


# -- public functions -------------------------------------------------------------------------


def get_family(name: str, task: str | None = None) -> Family:
    """The family called ``name``; with ``task``, also check that it serves that task."""
    if not isinstance(name, str) or name not in FAMILIES:
        raise UserError(f"unknown model family {name!r}; known families: {', '.join(FAMILIES)}")
    family = FAMILIES[name]
    if task is not None:
        family.check_task(task)
    return family


def _names(names: str | Sequence[str]) -> list[str]:
    listed = [names] if isinstance(names, str) else list(names)
    if not listed:
        raise UserError("model families: give at least one family name")
    dupes = sorted({n for n in listed if listed.count(n) > 1})
    if dupes:
        raise UserError(f"model families: {dupes} named more than once")
    return listed


def _plain(space: Space) -> dict[str, Param]:
    """A sub-space as a plain dict of params (through its public, plain form)."""
    return {name: param_from_dict(spec) for name, spec in space.to_dict().items()}


def _override_param(value: Any) -> Param:
    if isinstance(value, Param):
        return value
    if isinstance(value, Mapping):
        return param_from_dict(value)
    if isinstance(value, (list, tuple)):
        return Categorical(list(value))
    return Categorical([value])  # a single value fixes the parameter


def _apply(space: dict[str, Param], key: str, value: Any, extra: frozenset[str] = frozenset()
           ) -> bool:
    """Replace (or, for ``None``, remove) ``key`` in ``space``; False when there is no such key
    (a key of ``extra``, the family's optional params, is added).

    ``key`` may name a sub-param of a conditional parameter (``"elasticnet.l1_ratio"``); the
    conditional parameter is then rebuilt with the changed sub-space.
    """
    if key in space:
        if value is None:
            del space[key]
        else:
            space[key] = _override_param(value)
        return True
    for parent, param in list(space.items()):
        if not isinstance(param, Categorical) or not param.branches:
            continue
        subs = {choice: _plain(sub) for choice, sub in param.branches}
        for choice, inner in subs.items():
            prefix = f"{choice}."
            if key.startswith(prefix) and _apply(inner, key[len(prefix) :], value):
                space[parent] = Categorical({c: subs.get(c, {}) for c in param.choices})
                return True
    if key in extra:
        if value is not None:
            space[key] = _override_param(value)
        return True
    return False


def _fixed_values(value: Any) -> list[Any] | None:
    """The values an override fixes (one value, or a list of choices); None for a range."""
    if value is None or isinstance(value, (Param, Mapping)):
        return None
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _check_fixed(family: Family, task: str, space: Mapping[str, Param], key: str,
                 value: Any) -> None:
    """Fixed values of a parameter in the default space must be of its type (an integer for
    an ``Int``, a number for a ``Float``) and pass the library's own check of the estimator's
    parameter (its range: ``n_neighbors`` >= 1, say), so that a typo fails before any trial
    instead of failing every trial."""
    values = _fixed_values(value)
    param = space.get(key)
    if values is None or param is None:
        return
    for v in values:
        if isinstance(param, Int) and (isinstance(v, bool) or not isinstance(v, numbers.Integral)):
            raise SpaceError(f"{v!r} is not an integer (the parameter is {_kind(param)})")
        if isinstance(param, Float) and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
            raise SpaceError(f"{v!r} is not a number (the parameter is {_kind(param)})")
        if not family.deep:
            _check_with_library(family, task, key, v)


def _kind(param: Param) -> str:
    kind = "an integer" if isinstance(param, Int) else "a number"
    return f"{kind}, tuned over {param.low}..{param.high} by default"  # type: ignore[union-attr]


def _check_with_library(family: Family, task: str, key: str, value: Any) -> None:
    """Build the estimator with ``key=value`` and let scikit-learn validate its parameters
    (estimators without that check, such as XGBoost's, are left to the first trial)."""
    try:
        estimator = family.build({key: value}, 0, task)
    except (TypeError, ValueError) as exc:
        raise SpaceError(f"{value!r} is refused: {exc}") from None
    validate = getattr(estimator, "_validate_params", None)
    if validate is None or not hasattr(type(estimator), "_parameter_constraints"):
        return
    try:
        validate()
    except (TypeError, ValueError) as exc:  # sklearn's InvalidParameterError is both
        raise SpaceError(f"{value!r} is refused: {exc}") from None


def _family_space(family: Family, task: str, overrides: Mapping[str, Any]) -> dict[str, Param]:
    space = family.space_for(task)
    if not isinstance(overrides, Mapping):
        raise UserError(
            f"overrides for model family {family.name!r} must be a mapping of parameter -> "
            f"new range (or None), got {overrides!r}"
        )
    known = Space(space).names
    for key, value in overrides.items():
        try:
            _check_fixed(family, task, space, key, value)
            found = _apply(space, key, value, family.extra_params)
        except SpaceError as exc:
            raise UserError(f"model family {family.name!r}, parameter {key!r}: {exc}") from None
        if not found:
            optional = sorted(family.extra_params)
            raise UserError(
                f"model family {family.name!r} has no parameter {key!r} to override; it has {known}"
                + (f" (and may add {optional})" if optional else "")
            )
        if family.check_override is not None and value is not None:
            reason = family.check_override(key, _override_param(value))
            if reason is not None:
                raise UserError(f"model family {family.name!r}, parameter {key!r}: {reason}")
    if family.finish_space is not None:
        space = family.finish_space(space, overrides, task)
    try:
        Space(space)
    except SpaceError as exc:
        raise UserError(f"model family {family.name!r}: {exc}") from None
    return space


def family_space(
    names: str | Sequence[str],
    task: str,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The search space for ``names`` on ``task``, with ``overrides`` applied.

    One family gives its own space (params named as the family names them); several give
    ``{"model": Categorical({name: space, ...})}``, whose params come back as
    ``{"model": "svm", "svm.C": ...}``.  ``overrides`` maps a family to ``{param: value}``:
    a ``Param``, a plain spec dict or a list of choices replaces the parameter, a single value
    fixes it, ``None`` removes it (the estimator's default applies).
    """
    _check_task(task)
    listed = _names(names)
    families = [get_family(n, task) for n in listed]
    for fam in families:  # before any trial: a missing library names the extra to install
        fam.check_installed()
    overrides = dict(overrides or {})
    stray = sorted(set(overrides) - set(listed))
    if stray:
        raise UserError(
            f"overrides name model families {stray} that are not among those tuned ({listed})"
        )
    spaces = {f.name: _family_space(f, task, overrides.get(f.name, {})) for f in families}
    if len(spaces) == 1:
        return next(iter(spaces.values()))
    return {MODEL_KEY: Categorical(spaces)}


def family_defaults(
    names: str | Sequence[str],
    task: str,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, ParamValue]]:
    """Each family's library defaults, in the form of ``family_space``'s params.

    Ready for ``study.enqueue``: one configuration per family (prefixed, with ``"model"``, when
    several families are tuned).  A default that the (overridden) space does not contain is
    left out, for the sampler to propose.
    """
    listed = _names(names)
    space = Space(family_space(listed, task, overrides))
    out: list[dict[str, ParamValue]] = []
    for name in listed:
        defaults = get_family(name, task).defaults_for(task)
        if len(listed) > 1:
            config: dict[str, ParamValue] = {MODEL_KEY: name}
            config.update({f"{name}.{k}": v for k, v in defaults.items()})
        else:
            config = dict(defaults)
        kept: dict[str, ParamValue] = {}
        for dim in space.dims:  # in space order, so that conditions are seen before their subs
            if dim.name in config and space.is_active(dim, kept):
                if dim.param.contains(config[dim.name]):
                    kept[dim.name] = dim.param.normalize(config[dim.name])
        out.append(kept)
    return out


def build_estimator(
    params: Mapping[str, Any],
    task: str,
    seed: int = 0,
    family: str | None = None,
    *,
    proba: bool = False,
) -> tuple[str, Any]:
    """Build the unfitted estimator that ``params`` describe; returns ``(family, estimator)``.

    ``params`` is either one family's own params (then name it with ``family``) or the params
    of a multi-family space: ``{"model": "svm", "svm.C": ...}``, whose ``"<family>."`` prefixes
    are stripped.  Missing params take the estimator's defaults.  ``proba=True`` asks for a
    classifier with ``predict_proba`` (it changes only svm; see ``Family.has_proba``).
    """
    _check_task(task)
    if not isinstance(params, Mapping):
        raise UserError(f"build_estimator: params must be a mapping, got {params!r}")
    own: Mapping[str, Any]
    if MODEL_KEY in params:
        chosen = params[MODEL_KEY]
        if family is not None and family != chosen:
            raise UserError(
                f"build_estimator: family={family!r} but params choose model={chosen!r}"
            )
        fam = get_family(chosen, task)
        prefix = f"{fam.name}."
        stray = sorted(k for k in params if k != MODEL_KEY and not k.startswith(prefix))
        if stray:
            raise UserError(
                f"build_estimator: params {stray} do not belong to the chosen model "
                f"{fam.name!r} (its params start with {prefix!r})"
            )
        own = {k[len(prefix) :]: v for k, v in params.items() if k != MODEL_KEY}
    else:
        if family is None:
            raise UserError(
                "build_estimator: name the family (family='svm') or give params with a "
                f"{MODEL_KEY!r} key"
            )
        fam = get_family(family, task)
        own = params
    return fam.name, fam.build(own, int(seed), task, proba=proba)


def families_for(task: str) -> list[str]:
    """Names of the families that serve ``task``."""
    _check_task(task)
    return [n for n, f in FAMILIES.items() if task in f.tasks]


# -- documentation ----------------------------------------------------------------------------


def _range(param: Param) -> tuple[str, str]:
    if isinstance(param, Categorical):
        return ", ".join(str(c) for c in param.choices), "choice"
    if isinstance(param, Int):
        return f"[{param.low}, {param.high}]", "log int" if param.log else "int"
    assert isinstance(param, Float)
    return f"[{param.low:g}, {param.high:g}]", "log" if param.log else "linear"


def space_table(names: Sequence[str] | None = None) -> str:
    """The default spaces as a markdown table: family, hyperparameter, range, scale, default, why.

    ``names``: the families to show (default: every family that is not a network; the
    networks' table is in :mod:`tunecycle.cycle.deep.spaces`)."""
    rows = [
        "| family | hyperparameter | range | scale | default | why this range |",
        "|---|---|---|---|---|---|",
    ]
    chosen = [f for f in FAMILIES.values() if not f.deep] if names is None else [
        get_family(n) for n in names]
    for fam in chosen:
        entries: list[tuple[str, str, Param, dict[str, ParamValue]]] = [
            (d.name, d.name, d.param, fam.defaults) for d in Space(fam.space).dims
        ]
        for task in TASKS:
            extra = fam.task_space.get(task, {})
            for d in Space(extra).dims if extra else ():
                defaults = fam.task_defaults.get(task, {})
                entries.append((f"{d.name} ({task})", d.name, d.param, defaults))
        for label, name, param, defaults in entries:
            rng, scale = _range(param)
            if name in defaults:
                default = str(defaults[name])
            else:
                default = fam.default_notes.get(name) or "—"
            why = fam.why.get(label) or fam.why.get(name, "")
            rows.append(f"| {fam.name} | {label} | {rng} | {scale} | {default} | {why} |")
    return "\n".join(rows)


__all__ = [
    "FAMILIES",
    "MODEL_KEY",
    "TASKS",
    "Builder",
    "Family",
    "LabelEncodedClassifier",
    "build_estimator",
    "families_for",
    "family_defaults",
    "family_space",
    "get_family",
    "space_table",
]
