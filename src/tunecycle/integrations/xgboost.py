"""Pruning XGBoost boosting rounds through its callback API (``pip install xgboost``).

    from tunecycle.integrations import XGBoostPruningCallback

    def objective(trial):
        cb = XGBoostPruningCallback(trial, "validation_0-logloss")
        model = xgboost.XGBClassifier(n_estimators=200, max_depth=trial.suggest_int("d", 2, 8),
                                      callbacks=[cb])
        model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], verbose=False)
        return model.evals_result()["validation_0"]["logloss"][-1]

After each boosting round the callback reads the latest value of the observed metric, reports
it with ``trial.report(value, round)`` (rounds count from 0, as XGBoost's ``epoch`` does) and,
if ``trial.should_prune()``, raises :class:`tunecycle.TrialPruned` from inside the callback.
The exception ends ``fit`` (or ``xgboost.train``) at once: no further round is boosted, and the
study records the trial as pruned with the value and round last reported.  The callback keeps
``pruned_round`` (the round it stopped at, else ``None``) and ``rounds_seen``.

``observation_key`` is ``"<data>-<metric>"``: with the scikit-learn API the data sets of
``eval_set`` are ``validation_0``, ``validation_1``, ...; with ``xgboost.train`` they are the
names given in ``evals``.  The metric is the one XGBoost logs (``eval_metric``, or the
objective's default such as ``logloss`` or ``rmse``).  A key that is not logged is an error
naming the keys that are.  Create a fresh callback per trial (it holds the trial).
"""

from __future__ import annotations

from typing import Any

import xgboost

from tunecycle.errors import TrialPruned
from tunecycle.integrations.loop import split_observation_key
from tunecycle.trial import Trial


class XGBoostPruningCallback(xgboost.callback.TrainingCallback):
    """Report an evaluation metric after each boosting round and stop a pruned trial."""

    def __init__(self, trial: Trial, observation_key: str = "validation_0-logloss"):
        super().__init__()
        self._data, self._metric = split_observation_key(
            "XGBoostPruningCallback", observation_key, "validation_0-logloss")
        self.trial = trial
        self.observation_key = observation_key
        self.pruned_round: int | None = None
        self.rounds_seen = 0

    def _value(self, evals_log: Any) -> float:
        try:
            history = evals_log[self._data][self._metric]
        except (KeyError, TypeError):
            available = sorted(
                f"{data}-{metric}" for data, metrics in (evals_log or {}).items()
                for metric in metrics
            )
            hint = (
                ", ".join(available) if available
                else "none: pass eval_set=[(X_valid, y_valid)] to fit (or evals= to xgboost.train)"
            )
            raise ValueError(
                f"XGBoostPruningCallback: {self.observation_key!r} is not in XGBoost's evaluation "
                f"log; available keys: {hint}"
            ) from None
        last = history[-1]
        if isinstance(last, tuple):  # xgboost.cv logs (mean, std)
            last = last[0]
        return float(last)

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        value = self._value(evals_log)
        self.rounds_seen += 1
        self.trial.report(value, int(epoch))
        if self.trial.should_prune():
            self.pruned_round = int(epoch)
            raise TrialPruned(
                f"trial {self.trial.number} pruned at boosting round {epoch} "
                f"({self.observation_key} = {value!r})"
            )
        return False
