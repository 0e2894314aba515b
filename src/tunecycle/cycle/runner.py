"""The tuning cycle, as one call: ``tune(data, ...)``.

master data -> held-out test split (never seen by the search) -> validation scheme on the rest
-> the study proposes a family and its hyperparameters -> a pipeline (preprocessing fitted on
the training fold only, then the model) is trained and scored on each validation fold, the
running mean reported per fold so a pruner can stop it -> the mean validation score goes back
to the study -> ... -> the best configuration is refitted on the whole search part, tested
once on the held-out part, saved (:mod:`tunecycle.cycle.saved`), and its test metrics are
stored with the study.

The cycle is a client of the engine like any user: it builds an objective and calls
``create_study`` / ``optimize``.  Rerunning with the same storage and study name continues the
study up to ``n_trials`` finished trials.  ``ensemble=`` also builds an ensemble of the top
trials (:mod:`tunecycle.cycle.ensemble`) on the search part and tests it once beside the best
model.  Every family, classical, boosting, network or registered by the user, goes through the
same steps, asked through the :class:`~tunecycle.cycle.families.Family` interface: its data
check before the first trial, its fit of each fold (a network scores every epoch on its
validation fold with the study's metric, and the first fold's values are reported at steps 0,
1, 2, ... so that a pruner can stop a bad trial early; a family that reports no steps of its
own has the running mean over the folds reported), its refit (a network for the epochs its
trial needed) and its saved form.  One trial's work is in :mod:`tunecycle.cycle.trials`; the
files written and :func:`load_model`, which reads a saved model back, are in
:mod:`tunecycle.cycle.saved`.

``objectives=`` and ``constraints=`` (:mod:`tunecycle.cycle.objectives`) add measured costs of
a model (latency, size, parameters, fit time) as further objectives or as bounds; a search of
several objectives refits and tests its feasible Pareto front (``TuneResult.front``) and saves
the member its selection rule picks.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tunecycle.api import create_study
from tunecycle.budget import TimeBudget
from tunecycle.cycle.data.dataset import Dataset
from tunecycle.cycle.data.loading import load_data
from tunecycle.cycle.ensemble import Ensemble, build_ensemble, check_ensemble, top_trials
from tunecycle.cycle.families import (
    family_defaults,
    family_space,
    get_family,
    own_space,
)
from tunecycle.cycle.metrics import (
    Metric,
    as_metric,
    confusion,
    default_metric,
    get_metric,
)
from tunecycle.cycle.objectives import (
    FRONT_SIZE,
    MEASURES,
    Goals,
    make_goals,
    measure,
    trial_values,
)
from tunecycle.cycle.result import FrontMember, TuneResult
from tunecycle.cycle.saved import load_model, save_model  # noqa: F401 - load_model re-exported
from tunecycle.cycle.spec import TuneSpec
from tunecycle.cycle.splits import Validation, split_test
from tunecycle.cycle.trials import (
    FOLD_SECONDS_ATTR,
    RATIO,
    Splitter,
    best_to_refit,
    fit_final,
    make_objective,
    pipeline,
    test_metrics,
)
from tunecycle.errors import UserError
from tunecycle.records import FrozenTrial
from tunecycle.space import Float
from tunecycle.study import DEFAULT_MAX_CONSECUTIVE_FAILURES, Callback, Study

#: the families tried when the caller names none
DEFAULT_FAMILIES = {
    "classification": ["logistic", "svm", "knn", "random_forest"],
    "regression": ["linear", "svm", "knn", "random_forest"],
    "clustering": ["kmeans"],
}


def tune(
    data: Any,
    *,
    model: str | Sequence[str] | None = None,
    target: str | None = None,
    task: str | None = None,
    metric: str | Callable[..., float] | None = None,
    n_trials: int | None = None,
    timeout: float | None = None,
    test_size: float = 0.2,
    validation: Validation | None = None,
    validation_ratio: Float | None = None,
    space: Mapping[str, Mapping[str, Any]] | None = None,
    sampler: str | Any = "auto",
    pruner: str | Any | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    seed: int = 0,
    time_budget: float | str | None = None,
    output_dir: str | Path | None = None,
    progress: bool = True,
    ensemble: str | None = None,
    ensemble_size: int = 5,
    ensemble_keep: str = "best",
    n_jobs: int = 1,
    backend: str | None = None,
    trial_timeout: float | None = None,
    max_retries: int = 0,
    resources_per_trial: Mapping[str, float] | None = None,
    max_consecutive_failures: int | None = DEFAULT_MAX_CONSECUTIVE_FAILURES,
    callbacks: Sequence[Callback] = (),
    objectives: Sequence[str] | None = None,
    constraints: Mapping[str, Mapping[str, float]] | None = None,
    select: str | Mapping[str, float] | None = None,
    front_size: int = FRONT_SIZE,
    warm_start: Any = None,
) -> TuneResult:
    """Tune ``model`` (a family name, a list of them, or None for the task's defaults) on
    ``data`` (anything :func:`~tunecycle.cycle.data.load_data` takes, or a ``Dataset``).

    ``metric``: a metric name (:mod:`tunecycle.cycle.metrics`, or any scikit-learn scorer
    name such as ``"neg_log_loss"``), a scikit-learn scorer (``make_scorer(f1_score,
    average="macro")``; one made with ``greater_is_better=False`` is minimised and reported by
    its natural value) or a callable ``scorer(estimator, X, y) -> float`` (greater is better,
    as scikit-learn's scorers are); reports name it after its function.
    ``n_trials``: the study holds this many complete or pruned trials at the end (default
    30; with a ``time_budget``, no limit unless given).  ``time_budget`` (seconds, or
    ``"90s"``, ``"10m"``, ``"1h30m"``): the whole call, search, refit and test, is planned to
    fit it: the search keeps back the predicted refit and test time (the best trial's
    measured fold time, scaled to the whole search part, with a margin), starts with the
    cheap end of the cost-driving parameters (trees, epochs, width), never starts a trial
    predicted to overrun (see ``docs/howto/time-budget.md``); each family's enqueued
    library defaults still run first, as they are (a known-good baseline).  ``TuneResult.time_used`` and
    ``time_left`` say how it went.  Unlike ``timeout`` (stop starting trials after that many
    seconds of search), it counts the refit.
    ``space`` overrides the default spaces per family (``{"svm": {"C": tc.Float(0.1, 10)}}``).
    ``validation`` defaults to 5-fold cross-validation (stratified for classification).
    ``validation_ratio=tc.Float(0.1, 0.4)`` makes the holdout ratio a tuned hyperparameter
    (``params["validation_ratio"]``): each trial is scored on its own holdout split of the
    search part.  The test split is never tuned.
    ``ensemble`` (``"voting"``, ``"stacking"`` or ``"selection"``) also fits an ensemble of the
    ``ensemble_size`` best distinct trials on the search part and tests it once, beside the best
    model; ``ensemble_keep="ensemble"`` saves it instead of the best model.  Not for clustering.
    ``progress`` (on by default) shows a progress bar on a terminal or in a notebook, and
    nothing when the output goes to a file or a pipe.
    ``n_jobs``, ``backend``, ``trial_timeout``: where trials run (see ``Study.optimize``);
    ``max_retries``: re-queue the trials of workers that died; ``resources_per_trial``
    (``backend="ray"``): what each trial's Ray task asks for, ``{"cpu": 1, "gpu": 0.25}``
    runs four network trials on one GPU.  ``max_consecutive_failures``: stop the search
    (``ConsecutiveFailuresError``) after that many failed trials in a row.  Other processes may work on
    the same study meanwhile (``tunecycle worker``); the refit uses every trial in the store.
    The network families (``"mlp"``, ``"cnn"``, ``"rnn"``, ``"transformer"``; needs
    ``tunecycle[torch]``) report their validation score after every epoch (steps are epochs),
    so ``pruner="median"`` stops poor trials early; holdout validation suits them best.
    ``callbacks``: called as ``cb(study, frozen_trial)`` after each trial of the search (the
    experiment trackers of :mod:`tunecycle.integrations` are such callbacks).

    Several objectives and constraints (:mod:`tunecycle.cycle.objectives` says how each
    measure is taken): ``objectives=["accuracy", "latency_ms"]`` optimises the metric (first;
    ``metric`` may be left out) and the built-in measures ``latency_ms``, ``model_size_kb``,
    ``n_parameters``, ``fit_time_s`` (each minimised) together; ``constraints={"latency_ms":
    {"max": 2}, "accuracy": {"min": 0.9}}`` bounds the metric or any measure, with one
    objective too (infeasible trials are never chosen).  Each trial keeps its measures in
    ``user_attrs["measures"]``.  A search of several objectives takes no pruner and builds no
    ensemble (nor does a constrained one: an ensemble's costs add up over its members).
    After it, the feasible Pareto front (its ``front_size`` best trials by the metric, always
    with the selected one) is refitted on the search part and tested once, each member with
    its test metrics and its measures taken again on the refitted model (latency on the test
    part's first rows, size and parameters of the refitted pipeline, fit time of the refit).
    The saved model is the front member best by ``select``: an objective's name (default: the
    metric, i.e. the best metric within the constraints) or ``{objective: weight}`` (losses
    scaled to [0, 1] over the front, lowest weighted sum).  The constraints are judged when a
    trial ends: continuing a study with other bounds does not judge its old trials again.

    ``warm_start``: earlier studies (a ``Study``, ``"storage-url::name"``, a name in
    ``storage``, or a list of them) whose trials inform the sampler of this search without
    being its trials, e.g. the study of a first run on older data or on a narrower space
    (``create_study(warm_start=...)``; rules in ``docs/howto/warm-start.md``).  One objective
    only.
    """
    return run(TuneSpec(**locals()))  # the arguments, as they are: each one a spec field


def run(spec: TuneSpec) -> TuneResult:
    """The cycle :func:`tune` describes, for a built :class:`TuneSpec`."""
    started = time.monotonic()
    budget_s = spec.time_budget
    plan = _Plan.make(spec)
    study = plan.open_study(spec)
    budget = plan.budget(study, budget_s, started)
    plan.search(study, spec, budget)
    ensemble, ensemble_keep, output_dir = spec.ensemble, spec.ensemble_keep, spec.output_dir
    test_size, seed, ensemble_size = spec.test_size, spec.seed, spec.ensemble_size
    ds, chosen, search, test = plan.ds, plan.chosen, plan.search_part, plan.test
    splitter, single, validation, goals = plan.splitter, plan.single, plan.validation, plan.goals

    best, kept, n_infeasible = _chosen_trials(study, goals)
    best_folds = splitter.split(dict(best.params))[1]
    front: list[FrontMember] = []
    for t in kept:  # the front, best metric first; the selected member's refit is the model
        fam, model_t, scores_t, measures_t = _refit_and_test(plan, t)
        front.append(FrontMember(t.number, fam, dict(t.params),
                                 trial_values(goals, t.value, t.values, t.user_attrs),
                                 scores_t, measures_t, t.number == best.number))
        if t.number == best.number:
            family, fitted, scores, measures = fam, model_t, scores_t, measures_t
    if not kept:
        family, fitted, scores, measures = _refit_and_test(plan, best)
    matrix = confusion(fitted, test.X, test.y) if ds.task == "classification" else None
    study.set_user_attr("test_metrics", scores)
    study.set_user_attr("best_family", family)
    if matrix is not None:
        study.set_user_attr("confusion_matrix", matrix)
    values = trial_values(goals, best.value, best.values, best.user_attrs)
    extra: dict[str, Any] = {}
    if not goals.plain:
        extra = {"goals": goals.describe(), "trial": best.number, "values": values,
                 "test_measures": measures, "n_infeasible": n_infeasible}
        if front:
            extra["front"] = [m.describe() for m in front]
        for key, value in extra.items():
            study.set_user_attr(key, value)
    built, ens_scores = None, None
    if ensemble is not None:
        def member(params: dict[str, Any]) -> Any:
            model_params = splitter.split(params)[0]
            return pipeline(model_params, search, chosen, single, seed, proba=True)[1]

        built = build_ensemble(ensemble, top_trials(study, ensemble_size), search, best_folds,
                               chosen, member)
        ens_scores = test_metrics(built.model, test, chosen)
        study.set_user_attr("ensemble_test_metrics", ens_scores)
        study.set_user_attr("ensemble_kind", ensemble)
        study.set_user_attr("ensemble", {**built.describe(), "kept": ensemble_keep == "ensemble"})
    path = None
    if output_dir:
        path = _save(output_dir, fitted, family, dict(best.params), scores, chosen,
                     built, ens_scores, keep_ensemble=ensemble_keep == "ensemble", extra=extra)
    return TuneResult(study, family, dict(best.params), float(values[chosen.name]),
                      chosen.name, fitted, scores, matrix, path, validation, test_size, built,
                      ens_scores, ensemble, goals.objectives,
                      {b.name: b.describe() for b in goals.constraints}, tuple(front),
                      n_infeasible, values, measures, best.number, budget_s,
                      time.monotonic() - started if budget_s is not None else None)


def _chosen_trials(study: Study, goals: Goals) -> tuple[FrozenTrial, list[FrozenTrial], int]:
    """The trial whose refit is saved, the front members to refit and test (none for one
    objective) and how many complete trials are infeasible."""
    if goals.plain:
        return best_to_refit(study), [], 0
    complete = study.get_trials(states=["complete"])
    n_infeasible = sum(not t.feasible for t in complete)
    if len(complete) == n_infeasible:
        said = ", ".join(b.said() for b in goals.constraints)
        raise UserError(f"constraints: none of the {len(complete)} complete trials satisfies "
                        f"{said}; loosen the constraints or run more trials")
    if not goals.several:
        return study.best_trial, [], n_infeasible
    front = study.best_trials
    best = front[goals.choose([trial_values(goals, t.value, t.values, t.user_attrs)
                               for t in front])]
    sign = goals.sign(goals.metric)
    ranked = sorted(front, key=lambda t: (sign * t.values[0], t.number))
    kept = ranked[:goals.front_size]
    if best not in kept:
        kept = sorted([*ranked[:goals.front_size - 1], best],
                      key=lambda t: (sign * t.values[0], t.number))
    return best, kept, n_infeasible


def _refit_and_test(plan: _Plan, trial: FrozenTrial
                    ) -> tuple[str, Any, dict[str, float], dict[str, float]]:
    """Refit ``trial``'s configuration on the whole search part, test it once; with its
    measures taken on the refitted model (latency on the test part's first rows)."""
    params = plan.splitter.split(dict(trial.params))[0]
    start = time.perf_counter()
    family, fitted = fit_final(plan.search_part, params, plan.chosen, plan.single, plan.seed,
                                trial.user_attrs)
    seconds = time.perf_counter() - start
    scores = test_metrics(fitted, plan.test, plan.chosen)
    return family, fitted, scores, measure(fitted, plan.test.X, seconds, plan.goals.measured)


@dataclass(frozen=True)
class _Plan:
    """What a search needs, from the caller's arguments: the data and its split, the
    families and their space, the metric and the objective."""

    ds: Dataset
    names: list[str]
    chosen: Metric
    search_part: Dataset
    test: Dataset
    validation: Validation
    splitter: Splitter
    tuned: dict[str, Any]
    single: str | None
    space: Mapping[str, Mapping[str, Any]] | None
    seed: int
    goals: Goals
    ensemble: str | None = None  # the ensemble built after the refit (None: none)
    ensemble_size: int = 5

    @classmethod
    def make(cls, spec: TuneSpec) -> _Plan:
        """The plan of ``spec``'s search: its options were checked when it was built; what
        only the data tells (the task's families and metric, the space, the goals) is
        checked here."""
        data = spec.data
        ds = data if isinstance(data, Dataset) else load_data(data, target=spec.target,
                                                             task=spec.task)
        check_ensemble(spec.ensemble, spec.ensemble_size, spec.ensemble_keep, ds.task)
        names = _family_names(spec.model, ds.task)
        chosen = _metric(spec.metric, spec.objectives, ds.task)
        goals = make_goals(spec.objectives, spec.constraints, spec.select, spec.front_size,
                           chosen.name, chosen.direction, names, spec.pruner, spec.ensemble)
        search, test = split_test(ds, spec.test_size, spec.seed)
        validation = spec.validation or Validation("kfold")
        splitter = Splitter(search, validation, spec.validation_ratio, spec.seed)
        tuned = family_space(names, ds.task, spec.space)
        _check_data(names, tuned, search)
        if spec.validation_ratio is not None:
            tuned = {**tuned, RATIO: spec.validation_ratio}
        single = names[0] if len(names) == 1 else None
        return cls(ds, names, chosen, search, test, validation, splitter, tuned, single,
                   spec.space, spec.seed, goals, spec.ensemble, spec.ensemble_size)

    def open_study(self, spec: TuneSpec) -> Study:
        """Create the study, or continue the one of that name (its directions must match);
        a study of several objectives is named after them (``set_metric_names``)."""
        several = self.goals.several
        study = create_study(
            name=spec.study_name or f"{self.ds.name}-{'+'.join(self.names)}",
            direction=None if several else self.chosen.direction,
            directions=self.goals.directions if several else None, sampler=spec.sampler,
            # no pruner unless asked for (the study's own default is the median rule)
            pruner=spec.pruner if spec.pruner is not None else "none", storage=spec.storage,
            seed=self.seed, load_if_exists=True, max_retries=spec.max_retries,
            warm_start=spec.warm_start,
        )
        if several:
            study.set_metric_names(list(self.goals.objectives))
        if study.created:  # each family's library defaults first: a known-good baseline
            for params in family_defaults(self.names, self.ds.task, self.space):
                study.enqueue(params)
        return study

    def budget(self, study: Study, seconds: float | None, started: float) -> TimeBudget | None:
        """The search's time budget: the whole call's, counted from ``started``, keeping
        back the predicted refit and test (:meth:`refit_reserve`)."""
        if seconds is None:
            return None
        return TimeBudget(seconds, reserve=lambda: self.refit_reserve(study), started=started)

    def refit_reserve(self, study: Study) -> float:
        """Predicted seconds of the refit and test after the search: the best complete
        trial's median fold time (fit and score, ``user_attrs["fold_seconds"]``; the median,
        because a first fold may pay one-off costs) times the whole search part's size over a
        training fold's, times 1.25, plus one second; for several objectives, once per front
        member refitted.  With an ensemble, its members' fits come on top (each member's
        refit, and for ``stacking`` and ``selection`` its out-of-fold fits, about the
        member's whole trial)."""
        complete = [t for t in study.get_trials(states=["complete"])
                    if t.user_attrs.get(FOLD_SECONDS_ATTR)]
        if not complete:
            return 0.0
        if self.goals.several:
            chosen = complete
        else:
            sign = 1.0 if self.chosen.direction == "maximize" else -1.0
            chosen = [max(complete, key=lambda t: sign * float(t.value or 0.0))]
        per = [statistics.median(t.user_attrs[FOLD_SECONDS_ATTR]) for t in chosen]
        members = min(len(chosen), self.goals.front_size) if self.goals.several else 1
        refit = self.splitter.refit_ratio() * max(per) * members
        return 1.25 * (refit + self._ensemble_seconds(study)) + 1.0

    def _ensemble_seconds(self, study: Study) -> float:
        """Predicted seconds of fitting the ensemble's members (0 without an ensemble)."""
        if self.ensemble is None or self.goals.several:
            return 0.0
        total = 0.0
        for t in top_trials(study, self.ensemble_size):
            folds = t.user_attrs.get(FOLD_SECONDS_ATTR) or []
            if folds:
                total += self.splitter.refit_ratio() * statistics.median(folds)
                if self.ensemble != "voting":  # the out-of-fold predictions fit every fold
                    total += sum(folds)
        return total

    def search(self, study: Study, spec: TuneSpec, budget: TimeBudget | None = None) -> None:
        """Run trials until the study holds ``spec.trial_limit`` complete or pruned ones (or
        the time budget says stop)."""
        objective = make_objective(self.search_part, self.splitter, self.chosen, self.single,
                                   self.seed, self.goals, timed=budget is not None)
        study.optimize(objective, max_trials=spec.trial_limit, timeout=spec.timeout,
                       space=self.tuned, progress=spec.progress, n_jobs=spec.n_jobs,
                       backend=spec.backend, trial_timeout=spec.trial_timeout,
                       resources_per_trial=spec.resources_per_trial,
                       max_consecutive_failures=spec.max_consecutive_failures,
                       callbacks=spec.callbacks, time_budget=budget)


def search_only(data: Any, *, model: Any = None, target: str | None = None,
                task: str | None = None, metric: Any = None, n_trials: int | None = None,
                timeout: float | None = None, test_size: float = 0.2,
                validation: Validation | None = None, validation_ratio: Float | None = None,
                space: Mapping[str, Mapping[str, Any]] | None = None, sampler: Any = "auto",
                pruner: Any = None, storage: str | None = None, study_name: str | None = None,
                seed: int = 0, progress: bool = False, n_jobs: int = 1,
                backend: str | None = None, trial_timeout: float | None = None,
                max_retries: int = 0, resources_per_trial: Mapping[str, float] | None = None,
                max_consecutive_failures: int | None = DEFAULT_MAX_CONSECUTIVE_FAILURES,
                callbacks: Sequence[Callback] = (), objectives: Sequence[str] | None = None,
                constraints: Mapping[str, Mapping[str, float]] | None = None,
                warm_start: Any = None,
                time_budget: float | str | None = None) -> Study:
    """The search part of :func:`tune` only, for a worker that shares a study with others
    (``tunecycle worker --config``): no refit, no test (so no refit time is kept back from a
    ``time_budget``); returns the study."""
    return run_search(TuneSpec(**locals()))  # the arguments, as they are: each one a spec field


def run_search(spec: TuneSpec) -> Study:
    """:func:`search_only` for a built :class:`TuneSpec`: its refit, test, ensemble and
    output options are not used."""
    started = time.monotonic()
    spec = replace(spec, ensemble=None, ensemble_keep="best", select=None,
                   front_size=FRONT_SIZE, output_dir=None)
    plan = _Plan.make(spec)
    study = plan.open_study(spec)
    budget = None if spec.time_budget is None else TimeBudget(spec.time_budget,
                                                               started=started)
    plan.search(study, spec, budget)
    return study


def _check_data(names: list[str], tuned: Mapping[str, Any], search: Dataset) -> None:
    """Each family's check that its tuned space can work on this data (a network that starts
    from a saved one must take the data's rows): before the first trial."""
    for name in names:
        get_family(name).check_data(own_space(tuned, name, len(names) > 1), search)


def _metric(metric: Any, objectives: Any, task: str) -> Metric:
    """The metric asked for (a name, a scikit-learn scorer or a callable), else the first
    objective (its mistakes said as objectives.0), else the task's default."""
    if metric is not None and not (isinstance(metric, str) and not metric):
        return as_metric(metric, task)
    first = objectives[0] if isinstance(objectives, (list, tuple)) and objectives else None
    if isinstance(first, str) and first:
        try:
            return get_metric(first, task)
        except UserError as exc:
            if first in MEASURES:
                raise UserError(f"objectives.0: the first objective is the metric (a score "
                                f"of the task), not the measure {first!r}") from None
            raise UserError(exc.problem, field="objectives.0") from None
    return default_metric(task)


def _family_names(model: str | Sequence[str] | None, task: str) -> list[str]:
    if model is None:
        return list(DEFAULT_FAMILIES[task])
    names = [model] if isinstance(model, str) else list(model)
    if not names:
        raise UserError("model: give at least one model family")
    for name in names:
        get_family(name, task)  # raises, naming the families that do support the task
    return names


def _save(output_dir: str | Path, fitted: Any, family: str, params: dict[str, Any],
          scores: dict[str, float], metric: Metric, ensemble: Ensemble | None = None,
          ensemble_scores: dict[str, float] | None = None, keep_ensemble: bool = False,
          extra: Mapping[str, Any] | None = None) -> Path:
    """``model.joblib`` (the best model, or the ensemble when ``keep_ensemble``),
    ``summary.json`` and the family's code-free files, if it has some (:mod:`tunecycle.cycle.saved`);
    ``family``/``params``/``test_metrics`` always describe the best model.  ``extra``: with
    several objectives or constraints, ``goals``, ``trial`` (the saved one), ``values``,
    ``test_measures``, ``n_infeasible`` and ``front``."""
    summary: dict[str, Any] = {"family": family, "params": params, "metric": metric.name,
                               "test_metrics": scores, **(extra or {})}
    if ensemble is not None:
        summary["ensemble"] = {**ensemble.describe(), "test_metrics": ensemble_scores,
                               "kept": keep_ensemble}
    if keep_ensemble and ensemble is not None:
        return save_model(output_dir, ensemble.model, summary)
    return save_model(output_dir, fitted, summary, get_family(family))
