"""Model families of the tuning cycle: what to build from a trial's params, and where to search.

A :class:`Family` (:mod:`~tunecycle.cycle.families.base`: the interface every family
implements, and the registry) names one kind of model (``svm``, ``logistic``, ``linear``, ``knn``, ``tree``,
``random_forest``, ``xgboost``, ``lightgbm``, ``catboost``, ``kmeans``, and the PyTorch networks
``mlp``, ``cnn``, ``rnn``, ``transformer`` of :mod:`tunecycle.cycle.deep`), the tasks it serves,
a built-in default search space (a plain ``dict`` of :mod:`tunecycle.space` parameters), the
library's own defaults expressed in that space, ``build``: params + seed + task -> an
unfitted scikit-learn compatible estimator, and how to fit one fold, refit and save.  The
built-in families are registry entries like a user's: :func:`register_family` adds one
(``docs/howto/families.md``).  One module per kind: ``linear`` (logistic, linear),
``svm_knn``, ``trees`` (tree, random_forest), ``boosting``, ``clustering`` (kmeans),
``networks``; ``spaces`` holds ``family_space``, ``family_defaults``, ``build_estimator``.

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

Deliberately not here: preprocessing, metrics, the search and the choice of which families to
try; a family maps params to estimators, holds its default space and says how it fits.
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

from tunecycle.cycle.families import boosting, clustering, linear, networks, svm_knn, trees
from tunecycle.cycle.families.base import (
    FAMILIES,
    MODEL_KEY,
    TASKS,
    Builder,
    Family,
    Fold,
    FoldFit,
    Report,
    families_for,
    fit_part,
    get_family,
    register_family,
    unregister_family,
)
from tunecycle.cycle.families.boosting import LabelEncodedClassifier
from tunecycle.cycle.families.networks import EPOCHS_ATTR, NetworkFamily
from tunecycle.cycle.families.spaces import (
    build_estimator,
    family_defaults,
    family_space,
    own_space,
    space_table,
)

for _family in (svm_knn.SVM, linear.LOGISTIC, linear.LINEAR, svm_knn.KNN, trees.TREE,
                trees.RANDOM_FOREST, boosting.XGBOOST, boosting.LIGHTGBM, boosting.CATBOOST,
                clustering.KMEANS, *networks.BUILTIN):
    register_family(_family, builtin=True)
del _family

__all__ = [
    "EPOCHS_ATTR",
    "FAMILIES",
    "MODEL_KEY",
    "TASKS",
    "Builder",
    "Family",
    "Fold",
    "FoldFit",
    "LabelEncodedClassifier",
    "NetworkFamily",
    "Report",
    "build_estimator",
    "families_for",
    "family_defaults",
    "family_space",
    "fit_part",
    "get_family",
    "own_space",
    "register_family",
    "space_table",
    "unregister_family",
]
