"""The ``tracking`` section of a cycle config: its check (each tracker's library installed,
usable paths) and the tracker callbacks it builds (MLflow, TensorBoard, Weights & Biases),
each imported only when its section is there.

Not here: the trackers themselves (``tunecycle.integrations``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunecycle.cycle.config.sections import (
    ConfigError,
    CycleConfig,
    MlflowSection,
    Problem,
    TensorBoardSection,
    WandbSection,
    _named_metric,
)


def _check_tracking(cfg: CycleConfig) -> list[Problem]:
    """Each tracker named must have its library installed; paths must be usable."""
    from tunecycle.integrations.tracking import missing_library

    problems: list[Problem] = []
    t = cfg.tracking
    for name in ("mlflow", "tensorboard", "wandb"):
        section = getattr(t, name)
        if section is None:
            continue
        missing = missing_library(name)
        if missing is not None:
            problems.append((f"tracking.{name}", missing))
        if section.metric_name is not None and not section.metric_name.strip():
            problems.append((f"tracking.{name}.metric_name", "is empty"))
    if t.mlflow is not None and t.mlflow.tracking_uri is not None:
        uri = t.mlflow.tracking_uri.strip()
        if not uri:
            problems.append(("tracking.mlflow.tracking_uri", "is empty; leave it out for "
                                                             "MLflow's default"))
        elif uri.startswith("sqlite:///"):
            parent = Path(uri[len("sqlite:///"):].partition("?")[0]).expanduser().parent
            if not parent.is_dir():
                problems.append(("tracking.mlflow.tracking_uri", f"the directory "
                                 f"{str(parent)!r} of the SQLite file does not exist"))
    if t.tensorboard is not None:
        log_dir = Path(t.tensorboard.log_dir).expanduser()
        if not t.tensorboard.log_dir.strip():
            problems.append(("tracking.tensorboard.log_dir", "is empty"))
        elif log_dir.is_file():
            problems.append(("tracking.tensorboard.log_dir",
                             f"{t.tensorboard.log_dir!r} is a file; name a directory"))
    if t.wandb is not None and not t.wandb.project.strip():
        problems.append(("tracking.wandb.project", "is empty"))
    return problems


def make_trackers(cfg: CycleConfig) -> list[Any]:
    """The tracker callbacks the ``tracking`` section names (MLflow's first); a tracker that
    cannot be set up is a :class:`ConfigError` naming its section.  A tracker's
    ``metric_name`` defaults to the config's metric (``metric``, else the first objective)."""
    made: list[Any] = []
    for name, build in (("mlflow", _mlflow_tracker), ("tensorboard", _tensorboard_tracker),
                        ("wandb", _wandb_tracker)):
        section = getattr(cfg.tracking, name)
        if section is None:
            continue
        metric = section.metric_name or _named_metric(cfg)[0] or "value"
        try:
            made.append(build(section, metric))
        except Exception as exc:  # noqa: BLE001 - said as the config's mistake, before any trial
            text = str(exc).strip().splitlines()
            raise ConfigError([(f"tracking.{name}", f"cannot be set up ({type(exc).__name__}: "
                                                    f"{text[0] if text else ''})")]) from None
    return made


def _mlflow_tracker(m: MlflowSection, metric: str) -> Any:
    from tunecycle.integrations.mlflow import MLflowCallback

    return MLflowCallback(tracking_uri=m.tracking_uri, experiment=m.experiment,
                          metric_name=metric, nest_trials=m.nest_trials, tags=m.tags,
                          artifact_location=m.artifact_location)


def _tensorboard_tracker(t: TensorBoardSection, metric: str) -> Any:
    from tunecycle.integrations.tensorboard import TensorBoardCallback

    return TensorBoardCallback(t.log_dir, metric_name=metric)


def _wandb_tracker(w: WandbSection, metric: str) -> Any:
    from tunecycle.integrations.wandb import WandbCallback

    return WandbCallback(project=w.project, entity=w.entity, mode=w.mode, dir=w.dir,
                         metric_name=metric, tags=w.tags or ())
