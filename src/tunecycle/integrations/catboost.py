"""Pruning CatBoost boosting rounds through its callback API (``pip install 'tunecycle[catboost]'``).

    from tunecycle.integrations.catboost import CatBoostPruningCallback

    def objective(trial):
        cb = CatBoostPruningCallback(trial, "validation-Logloss")
        model = catboost.CatBoostClassifier(iterations=300, depth=trial.suggest_int("d", 4, 8),
                                            logging_level="Silent", allow_writing_files=False)
        model.fit(X_train, y_train, eval_set=(X_valid, y_valid), callbacks=[cb])
        cb.check_pruned()  # raises TrialPruned if the callback stopped training
        return model.get_evals_result()["validation"]["Logloss"][-1]

After each boosting round the callback reads the latest value of the observed metric, reports
it with ``trial.report(value, round)`` (rounds count from 0; CatBoost's own ``info.iteration``
counts from 1) and, if ``trial.should_prune()``, tells CatBoost to stop: no further tree is
built and ``fit`` returns normally with the trees so far.  Unlike XGBoost and LightGBM, CatBoost
turns an exception raised inside a callback into its own ``CatBoostError``, so the callback
does not raise: call :meth:`CatBoostPruningCallback.check_pruned` after ``fit``, which raises
:class:`tunecycle.TrialPruned` for a pruned trial (and does nothing otherwise); the study then
records the trial as pruned with the value and round last reported.  The callback keeps
``pruned_round`` (the round it stopped at, else ``None``) and ``rounds_seen``.

``observation_key`` is ``"<data>-<metric>"``, the same form as
:class:`~tunecycle.integrations.xgboost.XGBoostPruningCallback`'s: the data set of one
``eval_set`` is ``validation``, of several ``validation_0``, ``validation_1``, ...; the metric
is the one CatBoost computes (the loss, such as ``Logloss``, ``MultiClass``, ``RMSE``, or an
``eval_metric`` / ``custom_metric``).  With ``metric_period`` above 1 a round is reported only
when CatBoost computed the metric.  A key that is not logged is an error naming the keys that
are (raised by ``check_pruned``, since CatBoost would wrap it too).  Create a fresh callback per
trial (it holds the trial).  This module does not import CatBoost: a callback is any object with
``after_iteration(info)``.
"""

from __future__ import annotations

from typing import Any

from tunecycle.errors import TrialPruned
from tunecycle.integrations.loop import split_observation_key
from tunecycle.trial import Trial


class CatBoostPruningCallback:
    """Report an evaluation metric after each boosting round; stop training when the trial is
    pruned, and raise :class:`~tunecycle.TrialPruned` from :meth:`check_pruned`."""

    def __init__(self, trial: Trial, observation_key: str = "validation-Logloss"):
        self._data, self._metric = split_observation_key(
            "CatBoostPruningCallback", observation_key, "validation-Logloss")
        self.trial = trial
        self.observation_key = observation_key
        self.pruned_round: int | None = None
        self.rounds_seen = 0
        self._message: str | None = None  # why the trial was pruned
        self._error: str | None = None  # a key CatBoost does not log
        self._logged = 0  # values of the observed metric seen so far

    def _history(self, metrics: Any) -> list[float] | None:
        try:
            return list(metrics[self._data][self._metric])
        except (KeyError, TypeError):
            available = sorted(
                f"{data}-{metric}" for data, values in (metrics or {}).items() for metric in values
            )
            hint = ", ".join(available) if available else "none"
            if not any(key.startswith("validation") for key in available):
                hint += " (pass eval_set=(X_valid, y_valid) to fit)"
            self._error = (
                f"CatBoostPruningCallback: {self.observation_key!r} is not in CatBoost's "
                f"evaluation log; available keys: {hint}"
            )
            return None

    def after_iteration(self, info: Any) -> bool:
        """CatBoost's hook: True to go on boosting, False to stop."""
        history = self._history(info.metrics)
        if history is None:
            return False
        if len(history) == self._logged:  # metric_period > 1: nothing new this round
            return True
        self._logged = len(history)
        value = float(history[-1])
        step = int(info.iteration) - 1
        self.rounds_seen += 1
        self.trial.report(value, step)
        if self.trial.should_prune():
            self.pruned_round = step
            self._message = (
                f"trial {self.trial.number} pruned at boosting round {step} "
                f"({self.observation_key} = {value!r})"
            )
            return False
        return True

    def check_pruned(self) -> None:
        """Raise :class:`~tunecycle.TrialPruned` if this callback stopped training (and
        ``ValueError`` if the observed metric was not in CatBoost's log); call it after
        ``fit``."""
        if self._error is not None:
            raise ValueError(self._error)
        if self._message is not None:
            raise TrialPruned(self._message)
