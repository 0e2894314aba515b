"""The sections of a cycle config as strict pydantic models (``CycleConfig`` and one model per
section), each field's own type and range checks, and ``ConfigError``, the one error every
config mistake is raised as (``problems``: each ``(path, reason)``).

Not here: reading YAML (``loading``), the checks that need more than one field or look at
files, registries and installed libraries (``checks``, ``data_check``, ``tracking``), running.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from tunecycle.budget import parse_budget
from tunecycle.cycle.objectives import FRONT_SIZE, MEASURES, bound_problem, number_problem
from tunecycle.cycle.spec import field_problem
from tunecycle.errors import UserError
from tunecycle.space import Float, param_from_dict
from tunecycle.study import DEFAULT_MAX_CONSECUTIVE_FAILURES

Problem = tuple[str, str]  # (path, reason)


class ConfigError(UserError):
    """A cycle config cannot be used; ``problems`` holds each ``(path, reason)``."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        text = "; ".join(f"{path}: {reason}" if path else reason for path, reason in problems)
        super().__init__(f"{source}: {text}" if source else text)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"must be a positive integer, got {value!r}")
    return int(value)


def _spec_field(name: str, value: Any) -> Any:
    """``value``, after the check of the spec field ``name`` (:mod:`tunecycle.cycle.spec`):
    the config's field and ``tune``'s argument are checked by the same rule."""
    problem = field_problem(name, value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


class StudySection(_Section):
    name: str | None = None
    storage: str | None = None
    sampler: str = "auto"
    pruner: str | None = None
    n_trials: int = 30
    timeout: float | None = None
    time_budget: float | None = None  # seconds, from 600 or "10m" (tune's time_budget)
    seed: int = 0
    n_jobs: int = 1  # trials at a time in worker processes (-1: one per core)
    backend: Literal["processes", "ray"] | None = None
    trial_timeout: float | None = None  # seconds; a longer trial fails, the study goes on
    max_retries: int = 0  # re-queue trials whose worker died
    # stop after this many failed trials in a row (0: never)
    max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES
    # backend ray: what each trial's task asks for ({cpu: 1, gpu: 0.25}: four trials a GPU)
    resources_per_trial: dict[str, float] | None = None
    # earlier studies whose trials inform the sampler: "storage-url::name" or a name in storage
    warm_start: list[str] | None = None

    @field_validator("warm_start", mode="before")
    @classmethod
    def _warm_start(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("n_trials", mode="before")
    @classmethod
    def _n_trials(cls, value: Any) -> int:
        return int(_spec_field("n_trials", value))

    @field_validator("n_jobs", mode="before")
    @classmethod
    def _n_jobs(cls, value: Any) -> int:
        return int(_spec_field("n_jobs", value))

    @field_validator("max_retries", "max_consecutive_failures", mode="before")
    @classmethod
    def _max_retries(cls, value: Any, info: ValidationInfo) -> int:
        return int(_spec_field(info.field_name, value))

    @field_validator("resources_per_trial", mode="before")
    @classmethod
    def _resources(cls, value: Any) -> dict[str, float] | None:
        if _spec_field("resources_per_trial", value) is None:
            return None
        return {str(k): float(v) for k, v in value.items()}

    @field_validator("timeout", "trial_timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any, info: ValidationInfo) -> float | None:
        return None if _spec_field(info.field_name, value) is None else float(value)

    @field_validator("time_budget", mode="before")
    @classmethod
    def _time_budget(cls, value: Any) -> float | None:
        if value is None:
            return None
        try:
            return parse_budget(value)
        except UserError as exc:
            raise ValueError(exc.problem) from None

    @field_validator("seed", mode="before")
    @classmethod
    def _seed(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(f"must be an integer in [0, 2**32), got {value!r}")
        return int(_spec_field("seed", value))


class DataSection(_Section):
    source: str | dict[str, Any]
    target: str | None = None
    task: Literal["classification", "regression", "clustering"] | None = None

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, Mapping):
            inner = value.get("source")
            if not isinstance(inner, str) or not inner.strip():
                raise ValueError(
                    "a data mapping needs a 'source' key naming the set or file, got keys "
                    f"{sorted(map(str, value))}"
                )
            return {str(k): v for k, v in value.items()}
        raise ValueError(
            "expected 'sklearn:<name>', a .csv/.parquet path, or a mapping with a 'source' "
            f"key, got {value!r}"
        )


class ValidationSection(_Section):
    kind: Literal["holdout", "kfold"] = "kfold"
    # holdout only; default 0.2; a float spec ({type: float, low: 0.1, high: 0.4}) tunes it
    ratio: float | dict[str, Any] | None = None
    folds: int | None = None  # kfold only; default 5
    stratified: bool = True

    @field_validator("ratio", mode="before")
    @classmethod
    def _ratio(cls, value: Any) -> float | dict[str, Any] | None:
        if isinstance(value, Mapping):
            param = param_from_dict(value, "ratio")
            if not isinstance(param, Float) or param.log or not 0 < param.low <= param.high < 1:
                raise ValueError("a tuned ratio must be a linear float spec inside (0, 1)")
            return dict(value)
        return None if value is None else _fraction(value)

    @field_validator("folds", mode="before")
    @classmethod
    def _folds(cls, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 2:
            raise ValueError(f"must be an integer of at least 2, got {value!r}")
        return int(value)


class SplitSection(_Section):
    test_size: float = 0.2
    validation: ValidationSection = Field(default_factory=ValidationSection)

    @field_validator("test_size", mode="before")
    @classmethod
    def _test_size(cls, value: Any) -> float:
        return float(_spec_field("test_size", value))


class OutputSection(_Section):
    dir: str | None = None


class EnsembleSection(_Section):
    kind: Literal["voting", "stacking", "selection"]
    size: int = 5
    keep: Literal["best", "ensemble"] = "best"

    @field_validator("size", mode="before")
    @classmethod
    def _size(cls, value: Any) -> int:
        return _positive_int(value)


class BoundSection(_Section):
    """A constraint: ``{max: x}``, ``{min: y}`` or both."""

    min: float | None = None
    max: float | None = None

    @field_validator("min", "max", mode="before")
    @classmethod
    def _number(cls, value: Any) -> float | None:
        if value is None:
            return None
        why = number_problem(value)
        if why:
            raise ValueError(why)
        return float(value)

    @model_validator(mode="after")
    def _order(self) -> BoundSection:
        why = bound_problem(self.min, self.max)
        if why:
            raise ValueError(why)
        return self


class MlflowSection(_Section):
    tracking_uri: str | None = None  # default: MLflow's own (MLFLOW_TRACKING_URI)
    experiment: str | None = None  # default: the study's name
    metric_name: str | None = None  # default: the config's metric, else "value"
    nest_trials: bool = False
    tags: dict[str, str] | None = None
    artifact_location: str | None = None  # for an experiment created now


class TensorBoardSection(_Section):
    log_dir: str
    metric_name: str | None = None


class WandbSection(_Section):
    project: str
    entity: str | None = None
    mode: Literal["offline", "online", "disabled"] = "offline"
    dir: str | None = None
    metric_name: str | None = None
    tags: list[str] | None = None


class TrackingSection(_Section):
    mlflow: MlflowSection | None = None
    tensorboard: TensorBoardSection | None = None
    wandb: WandbSection | None = None


class CycleConfig(_Section):
    """One tuning cycle.  ``models`` is kept as ``{family: overrides}`` (``{}``: defaults)."""

    study: StudySection = Field(default_factory=StudySection)
    data: DataSection
    split: SplitSection = Field(default_factory=SplitSection)
    metric: str | None = None
    objectives: list[str] | None = None
    constraints: dict[str, BoundSection] | None = None
    select: str | dict[str, Any] | None = None
    front_size: int = FRONT_SIZE
    models: dict[str, dict[str, Any]] | None = None
    output: OutputSection = Field(default_factory=OutputSection)
    ensemble: EnsembleSection | None = None
    tracking: TrackingSection = Field(default_factory=TrackingSection)

    @field_validator("front_size", mode="before")
    @classmethod
    def _front_size(cls, value: Any) -> int:
        return int(_spec_field("front_size", value))

    @field_validator("objectives", mode="before")
    @classmethod
    def _objectives(cls, value: Any) -> Any:
        return _spec_field("objectives", value)

    @field_validator("select", mode="before")
    @classmethod
    def _select(cls, value: Any) -> Any:
        return _spec_field("select", value)

    @field_validator("models", mode="before")
    @classmethod
    def _models(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if isinstance(value, (list, tuple)):
            bad = [v for v in value if not isinstance(v, str)]
            if bad:
                raise ValueError(f"a list of models holds family names, got {bad[0]!r}")
            dupes = sorted({v for v in value if value.count(v) > 1})
            if dupes:
                raise ValueError(f"{dupes} named more than once")
            value = {name: {} for name in value}
        if isinstance(value, Mapping):
            if not value:
                raise ValueError("give at least one model family (or leave models out)")
            return {k: ({} if v is None else v) for k, v in value.items()}
        raise ValueError(
            f"expected a list of family names or a mapping family -> overrides, got {value!r}"
        )

    @field_validator("output", mode="before")
    @classmethod
    def _output(cls, value: Any) -> Any:
        if value is None:
            return {}
        return {"dir": value} if isinstance(value, str) else value

    @field_validator("ensemble", mode="before")
    @classmethod
    def _ensemble(cls, value: Any) -> Any:
        return {"kind": value} if isinstance(value, str) else value


def _named_metric(cfg: CycleConfig) -> tuple[str | None, str]:
    """The metric the config names (``metric``, else the first objective) and its path."""
    if cfg.metric is not None:
        return cfg.metric, "metric"
    first = cfg.objectives[0] if cfg.objectives else None
    if isinstance(first, str) and first and first not in MEASURES:
        return first, "objectives.0"
    return None, "metric"
