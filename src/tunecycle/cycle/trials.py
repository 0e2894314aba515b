"""One trial of the cycle, and the refit after the search: the pipeline of a configuration
(the family's estimator behind the preprocessing), the validation splits (a tuned holdout
ratio included), the objective that fits each fold through the family
(:meth:`~tunecycle.cycle.families.Family.fit_fold`), scores it with the study's metric, reports
for the pruner and keeps the measures; the refit through the family
(:meth:`~tunecycle.cycle.families.Family.refit`) and the test metrics.  :mod:`runner` plans the
cycle around them; nothing here opens a study."""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Mapping
from typing import Any

from sklearn.base import clone

from tunecycle.cycle.data.dataset import Dataset
from tunecycle.cycle.errors import DataError
from tunecycle.cycle.families import Family, Fold, FoldFit, build_estimator, get_family
from tunecycle.cycle.metrics import Metric, get_metric, metric_names
from tunecycle.cycle.objectives import MEASURES_ATTR, Goals, measure
from tunecycle.cycle.preprocess import make_pipeline, make_preprocessor
from tunecycle.cycle.splits import Validation, validation_splits
from tunecycle.errors import TrialPruned, UserError
from tunecycle.records import FrozenTrial, TrialState, best_of
from tunecycle.space import Float
from tunecycle.trial import Trial

log = logging.getLogger("tunecycle.cycle")


def pipeline(params: dict[str, Any], ds: Dataset, metric: Metric, single: str | None,
             seed: int, proba: bool = False) -> tuple[str, Any]:
    """``(family, unfitted pipeline)`` of a configuration: the preprocessing the family needs,
    then its estimator, told the data's sample shape."""
    family, estimator = build_estimator(params, ds.task, seed, family=single,
                                        proba=proba or metric.needs_proba)
    fam = get_family(family)
    estimator = fam.for_data(estimator, ds.sample_shape)
    return family, make_pipeline(make_preprocessor(ds.X, scale=fam.needs_scaling), estimator)


def score(pipe: Any, part: Dataset, metric: Metric) -> float:
    """The study's metric of ``pipe`` on ``part`` (cluster labels for clustering)."""
    truth = part.labels if part.task == "clustering" else part.y
    return metric.score(pipe, part.X, truth)


#: the parameter name of a tuned holdout ratio
RATIO = "validation_ratio"


class Splitter:
    """The validation splits of the search part: fixed, or per trial when the holdout ratio is
    tuned (splits cached per ratio)."""

    def __init__(self, search: Dataset, validation: Validation, ratio: Float | None, seed: int):
        if ratio is not None and (not isinstance(ratio, Float) or ratio.log or not (
                0 < ratio.low and ratio.high < 1)):
            raise UserError(
                f"must be a tc.Float inside (0, 1) on a linear scale, "
                f"got {ratio!r}",
                field="validation_ratio",
            )
        self.search, self.validation, self.tuned, self.seed = search, validation, ratio, seed
        self._cache: dict[float, list] = {}
        if ratio is None:
            self._fixed = validation_splits(search, validation, seed)

    def split(self, params: dict[str, Any]) -> tuple[dict[str, Any], list]:
        """(the model's params, the folds to score them on)."""
        if self.tuned is None:
            return params, self._fixed
        model = {k: v for k, v in params.items() if k != RATIO}
        ratio = float(params[RATIO])
        if ratio not in self._cache:
            scheme = Validation("holdout", ratio=ratio, stratified=self.validation.stratified)
            self._cache[ratio] = validation_splits(self.search, scheme, self.seed)
        return model, self._cache[ratio]

    def refit_ratio(self) -> float:
        """The search part's size over a training fold's (how much longer a refit takes than
        one fold's fit, for a model whose cost grows with the rows)."""
        if self.tuned is not None:
            return 1.0 / (1.0 - self.tuned.high)
        sizes = [len(train) for train, _ in self._fixed]
        mean = sum(sizes) / len(sizes) if sizes else 0
        return len(self.search.X) / mean if mean else 1.0


def make_objective(search: Dataset, splitter: Splitter, metric: Metric, single: str | None,
               seed: int, goals: Goals, timed: bool = False):
    """The trial's mean validation score (and, with several objectives, its mean measures
    after it); measures and constraint values are kept with the trial.  ``timed`` (a time
    budget): each fold's seconds (fit and score) too, ``user_attrs["fold_seconds"]``."""
    if metric.needs_y and search.task == "clustering" and search.labels is None:
        raise DataError(f"{metric.name} needs known cluster labels; this data has none", field="metric")
    wanted = goals.measured

    def objective(trial: Trial) -> float | tuple[float, ...]:
        params, folds = splitter.split(dict(trial.params))
        family, pipe = pipeline(params, search, metric, single, seed)
        fam = get_family(family)
        steps = Steps(trial)
        scores: list[float] = []
        records: dict[str, list[Any]] = {}
        measured: dict[str, list[float]] = {name: [] for name in wanted}
        fold_seconds: list[float] = []
        with warnings.catch_warnings(record=True) as caught:  # kept with the trial, not printed
            warnings.simplefilter("always")
            for k, (train, valid) in enumerate(folds):
                part = search.take(valid)
                start = time.perf_counter()
                fit = fit_fold(fam, clone(pipe), k, search.take(train), part, metric,
                                steps.report if k == 0 else None)
                seconds = time.perf_counter() - start
                scores.append(score(fit.model, part, metric))
                fold_seconds.append(time.perf_counter() - start)
                if timed:
                    trial.set_user_attr(FOLD_SECONDS_ATTR, fold_seconds)
                for name, v in measure(fit.model, part.X, seconds, wanted).items():
                    measured[name].append(v)
                for key, v in fit.record.items():
                    records.setdefault(key, []).append(v)
                if not steps.used:  # the family reported no steps of its own: the folds are
                    trial.report(sum(scores) / len(scores), k)
                    if trial.should_prune():
                        raise TrialPruned(f"pruned after fold {k}")
        for key, values in records.items():
            trial.set_user_attr(key, values)
        if caught:
            messages = sorted({f"{w.category.__name__}: {w.message}"[:200] for w in caught})
            trial.set_user_attr("warnings", messages[:5])
        value = sum(scores) / len(scores)
        means = {name: sum(vs) / len(vs) for name, vs in measured.items()}
        if means:
            trial.set_user_attr(MEASURES_ATTR, means)
        if goals.constraints:
            trial.set_constraints(goals.constraint_values({metric.name: value, **means}))
        if goals.several:
            return (value, *(means[name] for name in goals.objectives[1:]))
        return value

    return objective


#: the trial attribute that holds, per validation fold, the seconds of its fit and score
#: (recorded under a time budget)
FOLD_SECONDS_ATTR = "fold_seconds"


class Steps:
    """The trial's reports at steps a family counts itself (epochs, rounds), from inside the
    first fold; once it has reported, the folds are not reported as steps too."""

    def __init__(self, trial: Trial) -> None:
        self.trial, self.used = trial, False

    def report(self, step: int, value: float) -> None:
        self.used = True
        self.trial.report(value, step)
        if self.trial.should_prune():
            raise TrialPruned(f"trial {self.trial.number} pruned at step {step} "
                              f"(value {float(value)!r})")


def fit_fold(fam: Family, pipe: Any, k: int, train: Dataset, valid: Dataset, metric: Metric,
              report: Any) -> FoldFit:
    """Fit ``pipe`` on fold ``k`` the family's way (a network scores each epoch on ``valid``
    and reports it through ``report``)."""
    fold = Fold(k, train, valid, lambda model: score(model, valid, metric),
                metric.direction == "maximize", report)
    return fam.fit_fold(pipe, fold)


def fit_final(search: Dataset, params: dict[str, Any], metric: Metric, single: str | None,
               seed: int, trial_attrs: Mapping[str, Any] | None = None) -> tuple[str, Any]:
    """Refit on the whole search part, the family's way for the trial whose user attributes
    are ``trial_attrs`` (a network trains for the mean of the epochs its folds needed)."""
    family, pipe = pipeline(params, search, metric, single, seed)
    return family, get_family(family).refit(pipe, search, trial_attrs or {})


def test_metrics(fitted: Any, test: Dataset, chosen: Metric) -> dict[str, float]:
    """Every metric of the task that this model can be scored by, on the held-out part."""
    scores: dict[str, float] = {}
    truth = test.labels if test.task == "clustering" else test.y
    for name in metric_names(test.task):
        m = get_metric(name, test.task)
        if (m.needs_proba and not hasattr(fitted, "predict_proba")) or (m.needs_y and truth is None):
            continue
        try:
            scores[name] = m.score(fitted, test.X, truth)
        except UserError:
            if name == chosen.name:
                raise
    if chosen.name not in scores:  # a scikit-learn scorer or a callable given as the metric
        scores[chosen.name] = chosen.score(fitted, test.X, truth)
    return scores


def best_to_refit(study: Any) -> FrozenTrial:
    """The trial of a one-objective study whose configuration is refitted: the best complete
    one; when none completed (a time budget shorter than one whole trial, say) the pruned
    trial with the best value on the folds it got through, said in a warning line; when no
    trial has a value, a ``UserError`` that says why."""
    trials = study.trials
    best = best_of(trials, study.direction)
    if best is not None:
        return best
    partial = [t for t in trials if t.state is TrialState.PRUNED
               and t.value is not None and math.isfinite(t.value)]
    if not partial:
        counts = f"{len(trials)} trial(s), none complete or scored on a fold"
        raise UserError(f"study {study.name!r} has {counts}; give a larger time_budget or "
                        "n_trials, or see the failed trials' reasons")
    sign = -1.0 if study.direction.value == "maximize" else 1.0
    best = min(partial, key=lambda t: (sign * float(t.value), t.number))
    steps = len(best.intermediate)
    log.warning("no trial completed; refitting trial %d, the best of %d pruned trials "
                "(validated on %d step(s) only)", best.number, len(partial), steps)
    return best
