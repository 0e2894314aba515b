"""Every check of scikit-learn's ``check_estimator`` on ``TuneSearchCV``.

``RandomizedSearchCV(LogisticRegression(), {"C": [...]}, n_iter=2, cv=2)`` passes all of them
with scikit-learn 1.9.1 (53 run; the array-API checks are skipped unless the array libraries and
``SCIPY_ARRAY_API=1`` are there), so none is expected to fail here.
"""

from __future__ import annotations

import warnings

from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

import tunecycle as tc
from tunecycle.cycle.search_cv import TuneSearchCV

SEARCH = TuneSearchCV(
    LogisticRegression(), {"C": tc.Float(0.1, 10, log=True)}, n_trials=2, cv=2, random_state=0
)


@parametrize_with_checks([SEARCH])
def test_check_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)
