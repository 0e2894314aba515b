"""Send trials to Weights & Biases (``pip install 'tunecycle[wandb]'``).

    from tunecycle.integrations.wandb import WandbCallback

    cb = WandbCallback(project="digits")              # offline: wandb sync uploads later
    study.optimize(objective, n_trials=50, callbacks=[cb])

One W&B run per finished trial, named ``<study>-trial-<number>`` and grouped by the study
(``group=<study>``), as W&B Sweeps and Ray Tune's W&B logger make them: W&B compares
hyperparameters across runs (the parallel-coordinates and parameter-importance panels read
each run's config and summary), so a run per trial is what those panels, run filters and
``wandb sweep`` users expect.  (Optuna's callback logs one run with a step per trial unless
``as_multirun=True``; there each trial is a row of one run, and those panels have nothing to
compare.)  Each run holds:

- config: the trial's params (plus ``trial_number``), values as they are;
- history: ``metric_name`` at the trial's intermediate steps;
- summary: ``metric_name`` (the trial's value; absent for a failed trial), ``state``,
  ``study``, ``direction`` (``minimize``; for several objectives their directions in order,
  ``maximize,minimize``), ``duration_s``, ``fail_reason``, the user attrs flattened
  (``user_attrs.info.family``; values that are not JSON-safe left out); with several
  objectives one value per objective, named by ``study.metric_names`` (else
  ``<metric_name>_<i>``), and ``objectives`` (those names, in order); with constraints
  ``constraint_<i>`` and ``feasible`` (true or false);
- tags: the state (``complete``, ``pruned``, ``failed``) and ``tags`` given here.

``mode`` is ``"offline"`` unless told otherwise: runs are written under ``dir`` (or
``WANDB_DIR``) and nothing goes over the network until ``wandb sync``; ``mode="online"`` streams
them (with the account ``wandb login`` set up).  A run is opened after its trial has ended
(so its start time is then; ``duration_s`` is the trial's) and costs a fraction of a second; W&B's
service may finish writing the last run's file after ``finish`` returns (``wandb.teardown()``,
or the end of the process, waits for it).  A W&B error logs one warning line on the ``tunecycle.integrations`` logger and the study goes on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tunecycle.integrations.tracking import (
    constraint_metrics,
    directions_text,
    duration_seconds,
    failure_safe,
    flat_attrs,
    objective_metrics,
    objective_names,
    param_value,
    require,
    run_name,
    trial_what,
)
from tunecycle.records import FrozenTrial

MODES = ("offline", "online", "disabled")


class WandbCallback:
    """Log each finished trial as a W&B run grouped by study (see the module docstring)."""

    def __init__(self, project: str, *, entity: str | None = None, mode: str = "offline",
                 dir: str | Path | None = None, metric_name: str = "value",
                 tags: Sequence[str] = (), config: Mapping[str, Any] | None = None) -> None:
        require("wandb")
        if not isinstance(project, str) or not project:
            raise ValueError(f"WandbCallback: project must be a non-empty string, got {project!r}")
        if mode not in MODES:
            raise ValueError(f"WandbCallback: mode must be one of {', '.join(MODES)}, "
                             f"got {mode!r}")
        if not isinstance(metric_name, str) or not metric_name:
            raise ValueError(f"WandbCallback: metric_name must be a non-empty string, "
                             f"got {metric_name!r}")
        self.project, self.entity, self.mode = project, entity, mode
        self.dir = None if dir is None else Path(dir)
        self.metric_name = metric_name
        self.tags = tuple(str(t) for t in tags)
        self.config = dict(config or {})

    def __call__(self, study: Any, trial: FrozenTrial) -> None:
        with failure_safe("wandb", trial_what(study.name, trial)):
            self._log_trial(study, trial)

    def _log_trial(self, study: Any, trial: FrozenTrial) -> None:
        import wandb

        if self.dir is not None:
            self.dir.mkdir(parents=True, exist_ok=True)
        settings = wandb.Settings(silent=True, console="off", disable_git=True,
                                  save_code=False, x_disable_stats=True,
                                  x_disable_machine_info=True, disable_job_creation=True)
        config = {**self.config, **{k: param_value(v) for k, v in trial.params.items()},
                  "trial_number": trial.number}
        run = wandb.init(project=self.project, entity=self.entity, mode=self.mode,
                         dir=str(self.dir) if self.dir is not None else None,
                         name=run_name(study.name, trial), group=study.name,
                         job_type="trial", tags=[trial.state.value, *self.tags],
                         config=config, settings=settings, reinit="create_new")
        exit_code = 0
        try:  # the summary's metric is the trial's value, not the last one logged
            run.define_metric(self.metric_name, summary="none")
            for step, value in sorted(trial.intermediate.items()):
                run.log({self.metric_name: float(value)}, step=int(step), commit=True)
            run.summary.update(self._summary(study, trial))
        except BaseException:
            exit_code = 1
            raise
        finally:
            run.finish(exit_code=exit_code)

    def _summary(self, study: Any, trial: FrozenTrial) -> dict[str, Any]:
        summary: dict[str, Any] = {"state": trial.state.value, "study": study.name,
                                   "direction": directions_text(study)}
        names = objective_names(study, self.metric_name)
        if len(names) > 1:
            summary["objectives"] = names
        summary.update(objective_metrics(study, trial, self.metric_name, names))
        summary.update(constraint_metrics(trial))
        if trial.constraints is not None:
            summary["feasible"] = trial.feasible
        seconds = duration_seconds(trial)
        if seconds is not None:
            summary["duration_s"] = seconds
        if trial.fail_reason:
            summary["fail_reason"] = trial.fail_reason
        for key, value in flat_attrs(trial.user_attrs).items():
            summary[f"user_attrs.{key}"] = value
        return summary
