"""Pruning scikit-learn estimators that train step by step (``pip install scikit-learn``).

    from tunecycle.integrations import fit_incrementally

    def objective(trial):
        est = SGDClassifier(alpha=trial.suggest_float("alpha", 1e-6, 1e-1, log=True))
        est = fit_incrementally(trial, est, X_train, y_train, X_valid, y_valid, n_steps=30)
        return est.score(X_valid, y_valid)        # study direction: maximize

:func:`fit_incrementally` trains a clone of the estimator in ``n_steps`` steps; after each it
scores the clone on the validation data, reports the score with ``trial.report(score, step)``
(steps count from 0) and raises :class:`tunecycle.TrialPruned` when ``trial.should_prune()``,
so no step runs after the pruned one.  A step is:

- ``partial_fit``: one call of ``estimator.partial_fit(X, y)`` (one epoch for SGD and MLP
  models).  Classifiers get ``classes`` on the first call (default: the labels of ``y`` and
  ``y_valid``);
- ``warm_start``: for ensembles with ``warm_start`` and ``n_estimators`` (random forests, extra
  trees, gradient boosting, bagging) ``step_size`` more trees: ``n_estimators = step_size *
  (step + 1)``, refitted with ``warm_start=True`` so only the new trees are grown.

``partial_fit`` is used when the estimator has it, ``warm_start`` otherwise; any other
estimator is an error.  ``scoring`` is what scikit-learn's ``check_scoring`` accepts (``None``:
the estimator's ``score``, accuracy or R^2).  Scorers are greater-is-better (losses come
negated, ``neg_log_loss``), so the study's direction should be ``maximize``.  Returns the fitted
clone; the estimator passed in is left untouched.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring

from tunecycle.integrations.loop import report_and_check
from tunecycle.trial import Trial


def _mode(estimator: Any) -> str:
    if callable(getattr(estimator, "partial_fit", None)):
        return "partial_fit"
    params = estimator.get_params(deep=False)
    if "warm_start" in params and "n_estimators" in params:
        return "warm_start"
    raise ValueError(
        f"fit_incrementally: {type(estimator).__name__} has neither partial_fit nor "
        "warm_start with n_estimators; train it in one fit, or write the loop with "
        "tunecycle.integrations.run_steps"
    )


def fit_incrementally(
    trial: Trial,
    estimator: Any,
    X: Any,
    y: Any,
    X_valid: Any,
    y_valid: Any,
    n_steps: int,
    *,
    scoring: Any = None,
    classes: Any = None,
    step_size: int = 10,
) -> Any:
    """Fit a clone of ``estimator`` in ``n_steps`` steps, reporting the validation score after
    each and stopping with ``TrialPruned`` when the pruner says so; returns the fitted clone."""
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
        raise ValueError(f"fit_incrementally: n_steps must be a positive integer, got {n_steps!r}")
    if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
        raise ValueError(
            f"fit_incrementally: step_size must be a positive integer, got {step_size!r}"
        )
    mode = _mode(estimator)
    est = clone(estimator)
    scorer = check_scoring(est, scoring=scoring)
    if mode == "partial_fit" and is_classifier(est) and classes is None:
        classes = np.unique(np.concatenate([np.asarray(y), np.asarray(y_valid)]))
    for step in range(n_steps):
        if mode == "partial_fit":
            if is_classifier(est) and step == 0:
                est.partial_fit(X, y, classes=classes)
            else:
                est.partial_fit(X, y)
        else:
            est.set_params(warm_start=True, n_estimators=step_size * (step + 1))
            est.fit(X, y)
        report_and_check(trial, float(scorer(est, X_valid, y_valid)), step)
    return est
