"""A cycle config as the ``TuneSpec`` it describes (each field from its config path), a field
the spec refuses as a ``ConfigError`` under that path.

Not here: running the spec (``running``).
"""

from __future__ import annotations

from typing import Any

from tunecycle.cycle.config.sections import ConfigError, CycleConfig
from tunecycle.cycle.spec import CONFIG_PATHS, TuneSpec
from tunecycle.errors import UserError
from tunecycle.space import param_from_dict


def config_spec(cfg: CycleConfig, progress: bool = True, callbacks: Any = ()) -> TuneSpec:
    """The :class:`~tunecycle.cycle.spec.TuneSpec` the config describes: each field from its
    config path (:data:`~tunecycle.cycle.spec.CONFIG_PATHS`); a field the spec refuses is a
    :class:`ConfigError` under that path (the error's ``field``, not its text)."""
    from tunecycle.cycle.splits import Validation

    v = cfg.split.validation
    tuned_ratio = isinstance(v.ratio, dict)
    models = cfg.models or {}
    s = cfg.study
    try:
        return TuneSpec(
            cfg.data.source, model=list(models) or None, target=cfg.data.target,
            task=cfg.data.task, metric=cfg.metric,
            # a time budget without n_trials: no trial limit
            n_trials=s.n_trials if s.time_budget is None or "n_trials" in s.model_fields_set
            else None,
            timeout=s.timeout, time_budget=s.time_budget, test_size=cfg.split.test_size,
            validation=Validation(v.kind, ratio=0.2 if v.ratio is None or tuned_ratio
                                  else v.ratio, folds=5 if v.folds is None else v.folds,
                                  stratified=v.stratified),
            validation_ratio=param_from_dict(v.ratio, "validation_ratio") if tuned_ratio
            else None,
            space={name: dict(o) for name, o in models.items() if o} or None,
            sampler=s.sampler, pruner=s.pruner, storage=s.storage, study_name=s.name,
            seed=s.seed, output_dir=cfg.output.dir, progress=progress,
            ensemble=cfg.ensemble.kind if cfg.ensemble else None,
            ensemble_size=cfg.ensemble.size if cfg.ensemble else 5,
            ensemble_keep=cfg.ensemble.keep if cfg.ensemble else "best",
            n_jobs=s.n_jobs, backend=s.backend, trial_timeout=s.trial_timeout,
            max_retries=s.max_retries, resources_per_trial=s.resources_per_trial,
            max_consecutive_failures=s.max_consecutive_failures, callbacks=tuple(callbacks),
            objectives=cfg.objectives,
            constraints={name: b.model_dump(exclude_none=True)
                         for name, b in (cfg.constraints or {}).items()} or None,
            select=cfg.select, front_size=cfg.front_size, warm_start=s.warm_start)
    except UserError as exc:
        if exc.field is None:
            raise
        raise ConfigError([(CONFIG_PATHS.get(exc.field, exc.field), exc.problem)]) from None
