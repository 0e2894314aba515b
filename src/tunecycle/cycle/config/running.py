"""Running a cycle config: checked again, its trackers made and closed, ``tune`` (or only the
search, for a ``tunecycle worker``), and MLflow's final run with the refitted model.

Not here: the checks (``checks``), the spec (``to_spec``), the tuning itself (``runner``).
"""

from __future__ import annotations

from typing import Any

from tunecycle.cycle.config.checks import check_config
from tunecycle.cycle.config.sections import ConfigError, CycleConfig
from tunecycle.cycle.config.to_spec import config_spec
from tunecycle.cycle.config.tracking import make_trackers


def run_config(cfg: CycleConfig, progress: bool = True, *, search_only: bool = False) -> Any:
    """Run the cycle ``cfg`` describes; returns ``tune``'s :class:`TuneResult`.

    The config is checked again first, so nothing starts for an invalid one.  With a durable
    storage, running the same config again continues its study up to ``study.n_trials``.
    ``search_only``: run trials only (no refit, test or save) and return the study: what a
    ``tunecycle worker`` does beside others on a shared study.  The trackers of the
    ``tracking`` section get every trial; MLflow's also gets the final result (the saved
    model, or the model itself without ``output.dir``, and the test metrics).
    """
    problems = check_config(cfg)
    if problems:
        raise ConfigError(problems)
    trackers = make_trackers(cfg)
    try:
        return _run(cfg, progress, search_only, trackers)
    finally:
        for tracker in trackers:
            close = getattr(tracker, "close", None)
            if close is not None:
                close()


def _run(cfg: CycleConfig, progress: bool, search_only: bool, trackers: list[Any]) -> Any:
    from tunecycle.cycle import runner

    spec = config_spec(cfg, progress, trackers)
    if search_only:
        return runner.run_search(spec)
    result = runner.tune(spec.data, **spec.options())
    for tracker in trackers:  # MLflow: the refitted model and its test metrics
        log_final = getattr(tracker, "log_final", None)
        if log_final is not None:
            log_final(result.study, test_metrics=result.test_metrics,
                      params=result.best_params, family=result.family,
                      model_dir=result.model_path.parent if result.model_path else None,
                      model=None if result.model_path else result.model)
    return result
