"""Send trials to TensorBoard (``pip install 'tunecycle[tensorboard]'``; TensorFlow and torch
are not needed).

    from tunecycle.integrations.tensorboard import TensorBoardCallback

    study.optimize(objective, n_trials=50, callbacks=[TensorBoardCallback("tb")])
    # tensorboard --logdir tb        (the HPARAMS tab compares the trials)

The files are written with TensorBoard's own event-file writer and HParams summaries
(``tensorboard.plugins.hparams.summary_v2``), as the HParams plugin reads them:

- ``<log_dir>/trial-<number>/``, one run per finished trial: the session start (the trial's
  params as hparams, its group name ``<study>-trial-<number>``), the scalar ``metric_name``
  (the intermediate values at their steps, then the trial's value at its last step, written
  last, so the plugin's metric is the trial's value; not written again when the last
  intermediate value is it; a failed trial has none), and the session end (status success
  for complete and pruned trials, failure for failed ones); with several objectives one
  scalar per objective at the last step, named by ``study.metric_names`` (else
  ``<metric_name>_<i>``; the intermediate values stay under ``metric_name``); with
  constraints the scalars ``constraint_<i>`` at the last step;
- ``<log_dir>/`` itself: the experiment summary (the hparams config): every param the study's
  trials have had, with its domain (a float or integer interval, or the categorical choices),
  and one metric per objective, its direction in its description (a param seen only with
  fixed, enqueued values has no domain until a sampled trial brings one).  It is written
  again, as a new file replacing the last, whenever a trial brings a param or a domain not
  seen yet, or the objectives' names change (the first call starts from all the study's
  finished trials, so a continued study keeps its params); a TensorBoard already running
  picks it up on restart.

Categorical params whose choices are not all of one type (``[None, "on"]``) are written as
text, all their values alike.  Use one ``log_dir`` per study.  A writing error logs one warning
line on the ``tunecycle.integrations`` logger and the study goes on.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from tunecycle.integrations.tracking import (
    constraint_metrics,
    failure_safe,
    final_points,
    objective_names,
    param_value,
    require,
    run_name,
    trial_what,
)
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.space import Categorical, Float, Int, Param

_EXPERIMENT_SUFFIX = ".tunecycle-hparams"


def _as_text(param: Param | None) -> bool:
    """Whether a param's values go to TensorBoard as text (categorical of mixed types)."""
    if not isinstance(param, Categorical):
        return False
    kinds = {_kind(c) for c in param.choices}
    return len(kinds) != 1 or kinds == {"text"}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return "text"


def _hparam_value(param: Param | None, value: Any) -> bool | float | str:
    if _as_text(param) or param is None and _kind(value) == "text":
        return value if isinstance(value, str) else str(value)
    value = param_value(value)
    return value if isinstance(value, bool) else float(value)


class TensorBoardCallback:
    """Write each finished trial as a TensorBoard run with HParams data (see the module
    docstring)."""

    def __init__(self, log_dir: str | Path, metric_name: str = "value") -> None:
        require("tensorboard")
        if not isinstance(metric_name, str) or not metric_name:
            raise ValueError(f"TensorBoardCallback: metric_name must be a non-empty string, "
                             f"got {metric_name!r}")
        self.log_dir = Path(log_dir)
        self.metric_name = metric_name
        self._params: dict[str, Param | None] | None = None  # None: not read from the study yet
        self._written = 0
        self._names: list[str] = []  # the objectives' metric names the summary declares

    def __call__(self, study: Any, trial: FrozenTrial) -> None:
        with failure_safe("tensorboard", trial_what(study.name, trial)):
            self._log_trial(study, trial)

    # -- one trial -------------------------------------------------------------------------------
    def _log_trial(self, study: Any, trial: FrozenTrial) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.hparams import summary_v2

        names = objective_names(study, self.metric_name)
        if self._grow(study, trial) or names != self._names:
            self._names = names
            self._write_experiment(study)
        start = trial.datetime_start.timestamp() if trial.datetime_start else time.time()
        end = trial.datetime_complete.timestamp() if trial.datetime_complete else time.time()
        hparams = {k: _hparam_value(self._params.get(k), v) for k, v in trial.params.items()}
        session = summary_v2.hparams_pb(hparams, trial_id=run_name(study.name, trial),
                                        start_time_secs=start)
        events = [event_pb2.Event(wall_time=start, step=0, summary=session)]
        points = [(self.metric_name, step, value)
                  for step, value in sorted(trial.intermediate.items())]
        points += [(name, step, value)  # after the intermediate values: the latest ones
                   for name, (step, value) in final_points(study, trial,
                                                           self.metric_name).items()]
        last = trial.last_step if trial.last_step is not None else 0
        points += [(name, last, value) for name, value in constraint_metrics(trial).items()]
        for tag, step, value in points:
            if math.isfinite(value):
                scalar = summary_pb2.Summary(value=[summary_pb2.Summary.Value(
                    tag=tag, simple_value=float(value))])
                events.append(event_pb2.Event(wall_time=start, step=int(step), summary=scalar))
        events.append(event_pb2.Event(wall_time=end, step=0,
                                      summary=self._session_end(trial.state, end)))
        self._write(self.log_dir / f"trial-{trial.number}", events)

    @staticmethod
    def _session_end(state: TrialState, end: float) -> Any:
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

        status = api_pb2.STATUS_FAILURE if state is TrialState.FAILED else api_pb2.STATUS_SUCCESS
        data = plugin_data_pb2.HParamsPluginData(
            session_end_info=plugin_data_pb2.SessionEndInfo(status=status, end_time_secs=end))
        return summary_pb2.Summary(value=[summary_pb2.Summary.Value(
            tag=metadata.SESSION_END_INFO_TAG, metadata=metadata.create_summary_metadata(data))])

    @staticmethod
    def _write(directory: Path, events: list, suffix: str = "") -> None:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        writer = EventFileWriter(str(directory), filename_suffix=suffix)
        try:
            for event in events:
                writer.add_event(event)
        finally:
            writer.close()

    # -- the experiment summary ------------------------------------------------------------------
    def _grow(self, study: Any, trial: FrozenTrial) -> bool:
        """Add the trial's params to those known; True when the experiment summary must be
        written (again)."""
        first = self._params is None
        if self._params is None:
            self._params = {}
            for earlier in study.trials:
                if earlier.is_finished:
                    self._add(earlier)
        return self._add(trial) or first

    def _add(self, trial: FrozenTrial) -> bool:
        """Learn the trial's params (and the domains of those that had none: an enqueued
        trial's fixed values have none); True when something was learnt."""
        assert self._params is not None
        learnt = False
        for name in trial.params:
            if name not in self._params or (self._params[name] is None
                                            and name in trial.distributions):
                self._params[name] = trial.distributions.get(name)
                learnt = True
        return learnt

    def _write_experiment(self, study: Any) -> None:
        from tensorboard.compat.proto import event_pb2
        from tensorboard.plugins.hparams import summary_v2

        assert self._params is not None
        hparams = [summary_v2.HParam(name, _domain(param))
                   for name, param in sorted(self._params.items())]
        metrics = [summary_v2.Metric(name, display_name=name,
                                     description=f"study {study.name!r}, {direction.value}")
                   for name, direction in zip(self._names, study.directions)]
        pb = summary_v2.hparams_config_pb(hparams, metrics, time_created_secs=time.time())
        old = sorted(self.log_dir.glob(f"events.out.tfevents.*{_EXPERIMENT_SUFFIX}*"))
        self._written += 1
        self._write(self.log_dir, [event_pb2.Event(wall_time=time.time(), step=0, summary=pb)],
                    suffix=f"{_EXPERIMENT_SUFFIX}.{self._written}")
        for path in old:  # the plugin reads the first summary it finds: keep the newest only
            path.unlink(missing_ok=True)


def _domain(param: Param | None) -> Any:
    from tensorboard.plugins.hparams import summary_v2

    if isinstance(param, Float):
        return summary_v2.RealInterval(float(param.low), float(param.high))
    if isinstance(param, Int):
        return summary_v2.IntInterval(int(param.low), int(param.high))
    if isinstance(param, Categorical):
        if _as_text(param):
            return summary_v2.Discrete([c if isinstance(c, str) else str(c)
                                        for c in param.choices])
        choices = list(param.choices)
        return summary_v2.Discrete(choices if _kind(choices[0]) == "bool"
                                   else [float(c) for c in choices])
    return None
