"""Pruning LightGBM boosting rounds through its callback API (``pip install 'tunecycle[lightgbm]'``).

    from tunecycle.integrations.lightgbm import LightGBMPruningCallback

    def objective(trial):
        cb = LightGBMPruningCallback(trial, "valid_0-binary_logloss")
        model = lightgbm.LGBMClassifier(n_estimators=200, verbose=-1,
                                        num_leaves=trial.suggest_int("leaves", 4, 64))
        # LightGBM 4.7 takes eval_X / eval_y; older versions eval_set=[(X_valid, y_valid)]
        model.fit(X_train, y_train, eval_X=X_valid, eval_y=y_valid, callbacks=[cb])
        return model.evals_result_["valid_0"]["binary_logloss"][-1]

After each boosting round the callback reads the observed metric from LightGBM's evaluation
results, reports it with ``trial.report(value, round)`` (rounds count from 0, as LightGBM's
``iteration`` does) and, if ``trial.should_prune()``, raises :class:`tunecycle.TrialPruned`
from inside the callback.  LightGBM lets the exception through, so ``fit`` (or
``lightgbm.train`` / ``lightgbm.cv``) ends at once: no further round is boosted, and the study
records the trial as pruned with the value and round last reported.  The callback keeps
``pruned_round`` (the round it stopped at, else ``None``) and ``rounds_seen``.

``observation_key`` is ``"<data>-<metric>"``, the same form as
:class:`~tunecycle.integrations.xgboost.XGBoostPruningCallback`'s: with the scikit-learn API the
data sets of ``eval_X`` / ``eval_set`` are ``valid_0``, ``valid_1``, ... (``eval_names``
renames them); with ``lightgbm.train`` they are the ``valid_names``; ``lightgbm.cv`` calls its
mean over the folds ``valid``.  The metric is the one LightGBM logs (``binary_logloss``,
``multi_logloss``, ``l2``, or the ``metric`` / ``eval_metric`` asked for).  A key that is not
logged is an error naming the keys that are.  Create a fresh callback per trial (it holds the
trial).  This module does not import LightGBM: a callback is a plain callable to it.
"""

from __future__ import annotations

from typing import Any

from tunecycle.errors import TrialPruned
from tunecycle.integrations.loop import split_observation_key
from tunecycle.trial import Trial


class LightGBMPruningCallback:
    """Report an evaluation metric after each boosting round and stop a pruned trial."""

    def __init__(self, trial: Trial, observation_key: str = "valid_0-binary_logloss"):
        self._data, self._metric = split_observation_key(
            "LightGBMPruningCallback", observation_key, "valid_0-binary_logloss")
        self.trial = trial
        self.observation_key = observation_key
        self.pruned_round: int | None = None
        self.rounds_seen = 0
        # after LightGBM's own callbacks of a round (record_evaluation 20, early stopping 30),
        # so a pruned round is still recorded; an instance attribute, as LightGBM sets one on
        # every callback that has none
        self.order = 40

    def _value(self, results: Any) -> float:
        # each entry: (data name, metric name, value, is higher better[, std for lightgbm.cv])
        for entry in results or ():
            if entry[0] == self._data and entry[1] == self._metric:
                return float(entry[2])
        available = sorted(f"{entry[0]}-{entry[1]}" for entry in results or ())
        hint = (
            ", ".join(available) if available
            else "none: pass eval_X= and eval_y= (or eval_set=) to fit, or valid_sets= to "
            "lightgbm.train"
        )
        raise ValueError(
            f"LightGBMPruningCallback: {self.observation_key!r} is not in LightGBM's evaluation "
            f"results; available keys: {hint}"
        )

    def __call__(self, env: Any) -> None:
        value = self._value(env.evaluation_result_list)
        self.rounds_seen += 1
        step = int(env.iteration)
        self.trial.report(value, step)
        if self.trial.should_prune():
            self.pruned_round = step
            raise TrialPruned(
                f"trial {self.trial.number} pruned at boosting round {step} "
                f"({self.observation_key} = {value!r})"
            )
