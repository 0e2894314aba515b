"""Send trials to MLflow (``pip install 'tunecycle[mlflow]'``, which installs ``mlflow-skinny``).

    from tunecycle.integrations.mlflow import MLflowCallback

    cb = MLflowCallback(tracking_uri="sqlite:///mlruns.db", experiment="digits")
    study.optimize(objective, n_trials=50, callbacks=[cb])
    cb.close()                      # ends the study's parent run (nest_trials=True only)

Every finished trial becomes one MLflow run named ``<study>-trial-<number>``, in the
``experiment`` (default: the study's name; created when missing, with ``artifact_location``):

- params: the trial's params (``knn.n_neighbors``; None and other values as text);
- metric ``metric_name``: the intermediate values at their steps, then the trial's value at
  its last step (step 0 without intermediate values), logged last, so the run's latest value
  of the metric is the trial's value (not logged again when the last intermediate value is it;
  a failed trial has none);
- several objectives: one metric per objective at the last step, named by
  ``study.metric_names`` (else ``<metric_name>_<i>``); the intermediate values stay under
  ``metric_name`` (an objective of that name follows them as above);
- constraints, when the trial has them: metrics ``constraint_<i>`` at the last step and the
  tag ``tunecycle.feasible`` (``true``, ``false``);
- tags: ``tunecycle.study``, ``tunecycle.trial_number``, ``tunecycle.state`` (complete,
  pruned, failed), ``tunecycle.duration_s``, ``tunecycle.fail_reason``, ``tunecycle.direction``
  (``minimize``; for several objectives their directions in order, ``maximize,minimize``,
  and ``tunecycle.objectives``, their names, ``accuracy,latency_ms``), the user attrs as ``user_attrs.<key>`` (nested mappings flattened to ``a.b``, values that
  are not JSON-safe left out; text as it is, other values as JSON), and ``tags`` given here;
- the run's start and end times are the trial's; its status FINISHED (complete), KILLED
  (pruned) or FAILED.

``nest_trials=True`` puts the trial runs under one parent run for the study (tag
``tunecycle.role = study``), found again by a later call on the same experiment, so a continued
study keeps one parent.  :meth:`MLflowCallback.log_final` logs what a finished cycle gives: a
run ``<study>-final`` (tag ``tunecycle.role = final``) with the best params, the family, the
test metrics as ``test_<name>`` (with several objectives: those of the saved model, the
front member the cycle saved) and the saved model directory as the artifact folder ``model``
(``model/model.joblib``, ``model/summary.json``, ...).

The callback talks to MLflow through an ``MlflowClient`` of its own: it never touches the
global tracking URI or the active run of the process.  A tracker error (a store that cannot be
reached, a value MLflow refuses) logs one warning line on the ``tunecycle.integrations`` logger
and the study goes on.  Params and tags longer than MLflow takes are cut.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tunecycle.integrations.tracking import (
    as_text,
    constraint_metrics,
    directions_text,
    duration_seconds,
    failure_safe,
    final_points,
    flat_attrs,
    objective_names,
    param_value,
    require,
    run_name,
    trial_what,
)
from tunecycle.records import FrozenTrial, TrialState

_STATUS = {TrialState.COMPLETE: "FINISHED", TrialState.PRUNED: "KILLED",
           TrialState.FAILED: "FAILED"}
_MAX_PARAM = 6000  # MLflow's limits on a param's and a tag's value
_MAX_TAG = 8000
_BATCH = 100  # MLflow takes at most this many params (or tags) in one log_batch


def _key(name: str) -> str:
    """A name as MLflow takes it (letters, digits, ``_ - . space / :``)."""
    return re.sub(r"[^\w\-. /:]", "_", str(name))[:250] or "_"


def _ms(moment: Any) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


class MLflowCallback:
    """Log each finished trial as an MLflow run (see the module docstring)."""

    def __init__(self, tracking_uri: str | None = None, experiment: str | None = None,
                 metric_name: str = "value", nest_trials: bool = False,
                 tags: Mapping[str, Any] | None = None,
                 artifact_location: str | None = None) -> None:
        require("mlflow")
        from mlflow.tracking import MlflowClient

        if not isinstance(metric_name, str) or not metric_name:
            raise ValueError(f"MLflowCallback: metric_name must be a non-empty string, "
                             f"got {metric_name!r}")
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.metric_name = metric_name
        self.nest_trials = bool(nest_trials)
        self.tags = {str(k): as_text(v) for k, v in (tags or {}).items()}
        self.artifact_location = artifact_location
        self.client = MlflowClient(tracking_uri=tracking_uri)
        self._experiments: dict[str, str] = {}  # experiment name -> id
        self._parents: dict[str, str] = {}  # study name -> parent run id

    # -- the callback --------------------------------------------------------------------------
    def __call__(self, study: Any, trial: FrozenTrial) -> None:
        with failure_safe("mlflow", trial_what(study.name, trial)):
            self._log_trial(study, trial)

    def _log_trial(self, study: Any, trial: FrozenTrial) -> None:
        from mlflow.entities import Metric, Param, RunTag

        exp = self._experiment_id(study.name)
        tags = {**self._trial_tags(study, trial), **self.tags}
        if self.nest_trials:
            tags["mlflow.parentRunId"] = self._parent(study, exp)
        start = _ms(trial.datetime_start) or int(time.time() * 1000)
        run_id = self._trial_run(exp, start, study, trial)
        try:
            params = [Param(_key(k), str(param_value(v))[:_MAX_PARAM])
                      for k, v in trial.params.items()]
            metrics = [Metric(self.metric_name, float(v), start, int(step))
                       for step, v in sorted(trial.intermediate.items())]
            # logged after the intermediate values: each metric's latest value is the trial's
            end = max(_ms(trial.datetime_complete) or start, start + 1)
            for name, (step, value) in final_points(study, trial, self.metric_name).items():
                metrics.append(Metric(_key(name), value, end, step))
            last = trial.last_step if trial.last_step is not None else 0
            for name, value in constraint_metrics(trial).items():
                metrics.append(Metric(name, value, end, last))
            run_tags = [RunTag(_key(k), str(v)[:_MAX_TAG]) for k, v in tags.items()]
            self._log_batch(run_id, metrics, params, run_tags)
        finally:
            self.client.set_terminated(run_id, status=_STATUS.get(trial.state, "FAILED"),
                                       end_time=_ms(trial.datetime_complete))

    def _trial_run(self, exp: str, start: int, study: Any, trial: FrozenTrial) -> str:
        """The id of the run a trial is logged to (a new one here)."""
        run = self.client.create_run(exp, start_time=start, run_name=run_name(study.name, trial))
        return run.info.run_id

    def _log_batch(self, run_id: str, metrics: list, params: list, tags: list) -> None:
        for i in range(0, max(len(params), len(tags), 1), _BATCH):
            self.client.log_batch(run_id, params=params[i:i + _BATCH], tags=tags[i:i + _BATCH])
        for i in range(0, len(metrics), 1000):
            self.client.log_batch(run_id, metrics=metrics[i:i + 1000])

    def _trial_tags(self, study: Any, trial: FrozenTrial) -> dict[str, str]:
        tags = {"tunecycle.study": study.name, "tunecycle.trial_number": str(trial.number),
                "tunecycle.state": trial.state.value, **self._study_tags(study)}
        if trial.constraints is not None:
            tags["tunecycle.feasible"] = "true" if trial.feasible else "false"
        seconds = duration_seconds(trial)
        if seconds is not None:
            tags["tunecycle.duration_s"] = f"{seconds:.3f}"
        if trial.fail_reason:
            tags["tunecycle.fail_reason"] = trial.fail_reason
        for key, value in flat_attrs(trial.user_attrs).items():
            tags[f"user_attrs.{key}"] = as_text(value)
        return tags

    def _study_tags(self, study: Any) -> dict[str, str]:
        """``tunecycle.direction`` (the directions' text), and for several objectives
        ``tunecycle.objectives`` (the names their metrics have)."""
        tags = {"tunecycle.direction": directions_text(study)}
        if study.n_objectives > 1:
            tags["tunecycle.objectives"] = ",".join(objective_names(study, self.metric_name))
        return tags

    # -- experiments and parent runs -------------------------------------------------------------
    def _experiment_id(self, study_name: str) -> str:
        name = self.experiment or study_name
        if name not in self._experiments:
            found = self.client.get_experiment_by_name(name)
            if found is None:
                try:
                    self._experiments[name] = self.client.create_experiment(
                        name, artifact_location=self.artifact_location)
                except Exception:  # another process made it meanwhile
                    found = self.client.get_experiment_by_name(name)
                    if found is None:
                        raise
            if found is not None:
                self._experiments[name] = found.experiment_id
        return self._experiments[name]

    def _parent(self, study: Any, exp: str) -> str:
        """The run of the study that trial runs nest under: found, or made now."""
        if study.name not in self._parents:
            found = self.client.search_runs(
                [exp], filter_string=f"tags.`tunecycle.study` = '{_quoted(study.name)}' and "
                                     "tags.`tunecycle.role` = 'study'", max_results=1)
            if found:
                self._parents[study.name] = found[0].info.run_id
            else:
                run = self.client.create_run(
                    exp, run_name=study.name,
                    tags={"tunecycle.study": study.name, "tunecycle.role": "study",
                          **self._study_tags(study), **self.tags})
                self._parents[study.name] = run.info.run_id
        return self._parents[study.name]

    def close(self) -> None:
        """End the parent runs this callback made or found (nothing without nest_trials)."""
        for study_name, run_id in list(self._parents.items()):
            with failure_safe("mlflow", f"the end of study {study_name!r}"):
                self.client.set_terminated(run_id, status="FINISHED")

    # -- the cycle's result ----------------------------------------------------------------------
    def log_final(self, study: Any, *, test_metrics: Mapping[str, float],
                  params: Mapping[str, Any] | None = None, family: str | None = None,
                  model_dir: str | Path | None = None, model: Any = None) -> str | None:
        """Log a finished cycle's result as the run ``<study>-final``: the best params, the
        family, ``test_<metric>`` for each test metric, and the saved model directory
        ``model_dir`` (or, without one, ``model`` dumped with joblib) as the artifact folder
        ``model``.  Returns the run id (None when MLflow refused; one warning line says why)."""
        done: list[str] = []
        with failure_safe("mlflow", f"the final result of study {study.name!r}"):
            done.append(self._log_final(study, test_metrics, params or {}, family,
                                        model_dir, model))
        return done[0] if done else None

    def _log_final(self, study: Any, test_metrics: Mapping[str, float],
                   params: Mapping[str, Any], family: str | None,
                   model_dir: str | Path | None, model: Any) -> str:
        from mlflow.entities import Metric, Param, RunTag

        exp = self._experiment_id(study.name)
        tags = {"tunecycle.study": study.name, "tunecycle.role": "final",
                **self._study_tags(study), **self.tags}
        if family:
            tags["tunecycle.family"] = family
        if self.nest_trials:
            tags["mlflow.parentRunId"] = self._parent(study, exp)
        run = self.client.create_run(exp, run_name=f"{study.name}-final")
        run_id = run.info.run_id
        status = "FAILED"
        try:
            now = int(time.time() * 1000)
            self._log_batch(
                run_id,
                [Metric(_key(f"test_{k}"), float(v), now, 0) for k, v in test_metrics.items()],
                [Param(_key(k), str(param_value(v))[:_MAX_PARAM]) for k, v in params.items()],
                [RunTag(_key(k), str(v)[:_MAX_TAG]) for k, v in tags.items()],
            )
            self._log_model(run_id, model_dir, model)
            status = "FINISHED"
        finally:
            self.client.set_terminated(run_id, status=status)
        return run_id

    def _log_model(self, run_id: str, model_dir: str | Path | None, model: Any) -> None:
        if model_dir is not None:
            self.client.log_artifacts(run_id, str(model_dir), artifact_path="model")
        elif model is not None:
            import tempfile

            import joblib

            with tempfile.TemporaryDirectory(prefix="tunecycle-mlflow-") as tmp:
                joblib.dump(model, Path(tmp) / "model.joblib")
                self.client.log_artifacts(run_id, tmp, artifact_path="model")


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")
