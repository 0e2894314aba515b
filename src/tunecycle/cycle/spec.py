"""One tuning cycle's options, declared, defaulted and checked once: :class:`TuneSpec`.

:func:`~tunecycle.cycle.runner.tune` and :func:`~tunecycle.cycle.runner.search_only` build a
``TuneSpec`` from their keyword arguments and hand it down (``_Plan.make(spec)``); the YAML
config (:mod:`tunecycle.cycle.config`) builds the same spec from its sections
(:data:`CONFIG_PATHS` maps each field to its config path) instead of listing the options again.

Each field has its default here and one check, in :data:`CHECKS`, that needs nothing but the
value (and, for a few, the fields it goes with): a bad value raises
:class:`~tunecycle.errors.UserError` whose ``field`` is the option's name, so a caller that
names the option its own way (a config's ``study.n_trials``, the CLI's ``--n-trials``) uses
``exc.field`` and ``exc.problem`` instead of parsing the message.  What only the data can tell
(a family or a metric for the data's task, a space's parameters, the objectives' names and
bounds) is checked when the plan is made, by the modules that know it, with the same field.
``time_budget`` is kept in seconds (``"10m"`` reads as 600.0); ``n_trials=None`` means 30,
or no limit with a time budget (:attr:`TuneSpec.trial_limit`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tunecycle.budget import parse_budget
from tunecycle.cycle.data.dataset import TASKS
from tunecycle.cycle.ensemble import check_ensemble
from tunecycle.cycle.objectives import FRONT_SIZE
from tunecycle.cycle.splits import Validation
from tunecycle.errors import StorageURLError, UserError
from tunecycle.pruners import PRUNERS
from tunecycle.samplers import sampler_names
from tunecycle.space import Float
from tunecycle.storage import parse_storage_url
from tunecycle.storage.base import study_name_problem
from tunecycle.study import DEFAULT_MAX_CONSECUTIVE_FAILURES, Callback

#: trials when neither ``n_trials`` nor a ``time_budget`` is given
DEFAULT_TRIALS = 30


@dataclass(frozen=True)
class TuneSpec:
    """Every option of one tuning cycle (:func:`~tunecycle.cycle.runner.tune` says what each
    does), checked when it is built."""

    data: Any
    model: str | Sequence[str] | None = None
    target: Any = None
    task: str | None = None
    metric: Any = None
    n_trials: int | None = None
    timeout: float | None = None
    time_budget: float | None = None  # seconds (a duration string is read once, here)
    test_size: float = 0.2
    validation: Validation | None = None
    validation_ratio: Float | None = None
    space: Mapping[str, Mapping[str, Any]] | None = None
    sampler: Any = "auto"
    pruner: Any = None
    storage: str | None = None
    study_name: str | None = None
    seed: int = 0
    output_dir: str | Path | None = None
    progress: bool = True
    ensemble: str | None = None
    ensemble_size: int = 5
    ensemble_keep: str = "best"
    n_jobs: int = 1
    backend: str | None = None
    trial_timeout: float | None = None
    max_retries: int = 0
    resources_per_trial: Mapping[str, float] | None = None
    max_consecutive_failures: int | None = DEFAULT_MAX_CONSECUTIVE_FAILURES
    callbacks: Sequence[Callback] = ()
    objectives: Sequence[str] | None = None
    constraints: Mapping[str, Mapping[str, float]] | None = None
    select: str | Mapping[str, float] | None = None
    front_size: int = FRONT_SIZE
    warm_start: Any = None

    def __post_init__(self) -> None:
        if self.time_budget is not None:
            object.__setattr__(self, "time_budget", parse_budget(self.time_budget))
        for f in fields(self):
            problem = field_problem(f.name, getattr(self, f.name))
            if problem is not None:
                raise UserError(problem, field=f.name)
        if self.resources_per_trial is not None and self.backend != "ray":
            raise UserError("is used only with backend='ray'", field="resources_per_trial")
        check_ensemble(self.ensemble, self.ensemble_size, self.ensemble_keep)

    def options(self) -> dict[str, Any]:
        """Every field but the data, by name: ``tune(spec.data, **spec.options())`` builds
        this spec again."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "data"}

    @property
    def trial_limit(self) -> int | None:
        """The trials the study holds at the end: ``n_trials``; 30 when neither it nor a
        time budget is given; no limit (None) with a time budget alone."""
        if self.n_trials is None and self.time_budget is None:
            return DEFAULT_TRIALS
        return self.n_trials


Check = Callable[[Any], "str | None"]


def _int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _seconds(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


def _positive_int(value: Any) -> str | None:
    return None if _int(value) and value >= 1 else f"must be a positive integer, got {value!r}"


def _optional_count(value: Any) -> str | None:
    return None if value is None else _positive_int(value)


def _non_negative(value: Any) -> str | None:
    return None if _int(value) and value >= 0 else (
        f"must be a non-negative integer, got {value!r}")


def _optional_non_negative(value: Any) -> str | None:
    return None if value is None else _non_negative(value)


def _optional_seconds(value: Any) -> str | None:
    if value is None or _seconds(value):
        return None
    return f"must be a positive number of seconds, got {value!r}"


def _model(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return "give at least one model family"
        if all(isinstance(v, str) and v for v in value):
            return None
    return f"expected a family name or a list of them, got {value!r}"


def _task(value: Any) -> str | None:
    if value is None or value in TASKS:
        return None
    return f"{value!r} is not one of {', '.join(TASKS)}"


def _test_size(value: Any) -> str | None:
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value < 1:
        return None
    return f"must be a number strictly between 0 and 1, got {value!r}"


def _validation(value: Any) -> str | None:
    if value is None or isinstance(value, Validation):
        return None
    return f"must be a Validation, got {type(value).__name__}"


def _mapping_of_mappings(value: Any) -> str | None:
    if value is None or (isinstance(value, Mapping)
                         and all(isinstance(v, Mapping) for v in value.values())):
        return None
    return f"expected a mapping family -> {{parameter: range}}, got {value!r}"


def _sampler(value: Any) -> str | None:
    if not isinstance(value, str) or value.lower() in sampler_names():
        return None  # a Sampler object: the study checks it
    return f"unknown sampler {value!r}; choose one of {', '.join(sampler_names())}"


def _pruner(value: Any) -> str | None:
    if not isinstance(value, str) or value.lower() in PRUNERS:
        return None  # None (no pruner) or a Pruner object: the study checks it
    return f"unknown pruner {value!r}; choose one of {', '.join(sorted(PRUNERS))} (or null)"


def _storage(value: Any) -> str | None:
    if value is None:
        return None
    try:
        parse_storage_url(value)
    except StorageURLError as exc:
        return exc.problem
    return None


def _study_name(value: Any) -> str | None:
    return None if value is None else study_name_problem(value)


def _seed(value: Any) -> str | None:
    if _int(value) and not 0 <= value < 2**32:
        return f"must be an integer in [0, 2**32), got {value!r}"
    return None


def _output_dir(value: Any) -> str | None:
    if value is None or isinstance(value, (str, Path)):
        return None
    return f"expected a directory path, got {value!r}"


def _progress(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be True or False, got {value!r}"


def _n_jobs(value: Any) -> str | None:
    if _int(value) and value == -1:
        return None
    return None if _positive_int(value) is None else (
        f"must be a positive integer or -1, got {value!r}")


def _backend(value: Any) -> str | None:
    if value in (None, "processes", "ray"):
        return None
    return f"must be 'processes' or 'ray' (or None), got {value!r}"


def _resources(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not value or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
            and v >= 0 for v in value.values()):
        return ("must map resource names (cpu, gpu, ...) to non-negative amounts, "
                f"got {value!r}")
    return None


def _callbacks(value: Any) -> str | None:
    if isinstance(value, Sequence) and not isinstance(value, str) and all(
            callable(cb) for cb in value):
        return None
    return f"expected a list of callables cb(study, trial), got {value!r}"


def _objectives(value: Any) -> str | None:
    if value is None or (isinstance(value, (list, tuple)) and value):
        return None
    return f"expected a list of names, the metric first, got {value!r}"


def _constraints(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping):
        return None
    return f"expected a mapping name -> {{min: x}} / {{max: y}}, got {value!r}"


def _select(value: Any) -> str | None:
    if value is None or isinstance(value, (str, Mapping)):
        return None
    return f"expected an objective's name or {{objective: weight}}, got {value!r}"


#: each field's one check: ``check(value) -> problem or None``; fields without one are
#: checked with the data (model families, metric, space contents, goals, warm start) by the
#: modules that know them, with the same field (target: a column of the data)
CHECKS: dict[str, Check] = {
    "model": _model, "task": _task, "n_trials": _optional_count,
    "timeout": _optional_seconds, "test_size": _test_size, "validation": _validation,
    "space": _mapping_of_mappings, "sampler": _sampler, "pruner": _pruner, "storage": _storage, "study_name": _study_name,
    "seed": _seed, "output_dir": _output_dir, "progress": _progress, "n_jobs": _n_jobs,
    "backend": _backend, "trial_timeout": _optional_seconds, "max_retries": _non_negative,
    "resources_per_trial": _resources, "max_consecutive_failures": _optional_non_negative,
    "callbacks": _callbacks, "objectives": _objectives, "constraints": _constraints,
    "select": _select, "front_size": _positive_int,
}

def field_problem(name: str, value: Any) -> str | None:
    """What is wrong with ``value`` as the spec field ``name`` (None: nothing, or a field
    checked with the data); the check the YAML config's fields use too."""
    check = CHECKS.get(name)
    return None if check is None else check(value)


#: the config path of each field a YAML cycle config sets (:mod:`tunecycle.cycle.config`)
CONFIG_PATHS: dict[str, str] = {
    "data": "data.source", "model": "models", "target": "data.target", "task": "data.task",
    "metric": "metric", "n_trials": "study.n_trials", "timeout": "study.timeout",
    "time_budget": "study.time_budget", "test_size": "split.test_size",
    "validation": "split.validation", "validation_ratio": "split.validation.ratio",
    "space": "models", "sampler": "study.sampler", "pruner": "study.pruner",
    "storage": "study.storage", "study_name": "study.name", "seed": "study.seed",
    "output_dir": "output.dir", "ensemble": "ensemble.kind", "ensemble_size": "ensemble.size",
    "ensemble_keep": "ensemble.keep", "n_jobs": "study.n_jobs", "backend": "study.backend",
    "trial_timeout": "study.trial_timeout", "max_retries": "study.max_retries",
    "resources_per_trial": "study.resources_per_trial",
    "max_consecutive_failures": "study.max_consecutive_failures", "callbacks": "tracking",
    "objectives": "objectives", "constraints": "constraints", "select": "select",
    "front_size": "front_size", "warm_start": "study.warm_start",
}
