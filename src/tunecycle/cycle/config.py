"""A tuning cycle described in a YAML file: ``tunecycle run cycle.yaml``.

``load_config(path)`` reads and checks a config; ``run_config(cfg)`` runs it through
:func:`~tunecycle.cycle.runner.tune`.  Every mistake is found before any work starts (before a
storage is opened, data loaded or a model fitted) and reported together as one
:class:`ConfigError` whose message lists each problem as ``path: reason``, joined with ``'; '``
(``study.n_trials: must be a positive integer, got 0; models.svm.C: ...``).

```yaml
study:                        # all optional
  name: iris-knn              # default: <data name>-<families>
  storage: sqlite:///tuning.db  # default: in memory (lost on exit)
  sampler: auto               # auto, tpe, gp, cmaes, random, qmc, grid
  pruner: null                # none
  n_trials: 30                # the study holds this many finished trials at the end
                              # (with time_budget and no n_trials: no limit)
  timeout: null               # seconds
  time_budget: null           # the whole cycle's clock: 600, "90s", "10m", "1h30m"
  seed: 0
  warm_start: [sqlite:///tuning.db::iris-knn-v1]  # optional: earlier studies that inform the
                              # sampler (storage-url::name, or a name in study.storage)
data:
  source: sklearn:iris        # or a .csv/.parquet path, or {source: sklearn:make_blobs, n_samples: 300},
                              # or synthetic:sequences (a seeded sequence task for rnn/transformer)
  target: null                # the target column of a file
  task: null                  # classification, regression or clustering (default: inferred)
split:
  test_size: 0.2
  validation: {kind: kfold, folds: 5}     # or {kind: holdout, ratio: 0.2}; stratified: true
metric: accuracy              # default: the task's first metric (or the first objective)
objectives: [accuracy, latency_ms]  # optional: the metric first, then any of latency_ms,
                              # model_size_kb, n_parameters, fit_time_s (each minimised)
constraints:                  # optional, on the metric or any measure, objective or not
  model_size_kb: {max: 500}   # {max: x}, {min: y} or both
select: accuracy              # several objectives: the front member saved (an objective,
                              # or weights {accuracy: 1, latency_ms: 0.5}); default: the metric
front_size: 10                # front members refitted and tested (best metric first)
models:                       # a list of family names, or family -> overrides
  knn: {n_neighbors: {type: int, low: 1, high: 20}, p: null}
  svm: {C: {type: float, low: 0.1, high: 10, log: true}, kernel: [rbf, linear]}
output:
  dir: model                  # where the refitted best model goes (default: not saved)
ensemble:                     # optional (default: none); not for clustering
  kind: voting                # voting, stacking or selection (`ensemble: voting` for short)
  size: 5                     # the best distinct trials it is built from
  keep: best                  # what output.dir gets: best (the single model) or ensemble
tracking:                     # optional: experiment trackers (each needs its extra installed)
  mlflow: {tracking_uri: "sqlite:///mlruns.db", experiment: digits}   # + nest_trials, tags,
                              # artifact_location, metric_name; the refitted model and test
                              # metrics go to a run <study>-final
  tensorboard: {log_dir: tb}  # + metric_name
  wandb: {project: digits, mode: offline}   # + entity, dir, tags, metric_name
```

An override is a spec dict (as in a YAML space file), a list (a categorical), a single value
(fixed) or ``null`` (dropped: the estimator's default applies).  A network family also takes
``init_from`` (a saved network to fine-tune) and ``freeze``, an mlp ``units_0``, ``units_1``,
... (one width per layer); these are judged together with the other overrides.  Relative
paths (data file, SQLite file, output, ``init_from``) are relative to the working directory,
as on the command line.  ``study.resources_per_trial`` (``{cpu: 1, gpu: 0.25}``) goes with
``backend: ray``.

What is checked up front, beyond the types and ranges of each field and unknown keys (every
section is strict): the sampler and pruner names, the study name's length, the storage URL's
form (``tunecycle.storage.parse_storage_url``; an SQLite file's directory must exist), the data source (a scikit-learn set name, or a file that exists, with a
readable suffix and the target column in its header: only the header is read), the metric for
the task, each family for the task, and each override through ``family_space`` (which reads
the checkpoint ``init_from`` names: its family, task and blocks), and that the library of each
tracker named under ``tracking`` is installed (else the extra to install).  When the task
is neither given nor known from a scikit-learn set, the metric's own task stands in for it; with
no metric either, an override must fit one of the family's tasks.  ``objectives``,
``constraints``, ``select`` and ``front_size`` are checked by the rules of
:mod:`tunecycle.cycle.objectives` (known names, numeric bounds with min <= max, a family that
has a parameter count), and several objectives need a sampler that takes them and no pruner
(``study.pruner``) or ensemble.
What only the data can tell
(a class too small for the folds, a free-text column) is still found by ``tune``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tunecycle.budget import parse_budget
from tunecycle.cycle.data import SYNTHETIC, TASKS, file_suffix_problem, sklearn_set_task
from tunecycle.cycle.errors import DataError, MetricError
from tunecycle.cycle.families import family_space, get_family
from tunecycle.cycle.metrics import METRICS, default_metric, get_metric, is_scorer_name
from tunecycle.cycle.objectives import (
    FRONT_SIZE,
    MEASURES,
    Bound,
    bound_problem,
    goal_problems,
    number_problem,
    objective_problems,
)
from tunecycle.cycle.spec import CONFIG_PATHS, TuneSpec, field_problem
from tunecycle.errors import StorageURLError, UserError
from tunecycle.samplers import sampler_class, sampler_names
from tunecycle.space import Float, param_from_dict
from tunecycle.storage import parse_storage_url
from tunecycle.storage.base import study_name_problem
from tunecycle.study import DEFAULT_MAX_CONSECUTIVE_FAILURES

Problem = tuple[str, str]  # (path, reason)


class ConfigError(UserError):
    """A cycle config cannot be used; ``problems`` holds each ``(path, reason)``."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        text = "; ".join(f"{path}: {reason}" if path else reason for path, reason in problems)
        super().__init__(f"{source}: {text}" if source else text)


# -- the schema --------------------------------------------------------------------------------


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


# -- loading -----------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, Mapping | list):
            continue  # unhashable: the constructor itself reports it
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"key {key!r} is given twice",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def load_config(path: str | Path) -> CycleConfig:
    """Read, parse and check the YAML cycle config at ``path``; raise :class:`ConfigError`."""
    where = str(path)
    p = Path(path).expanduser()
    if not p.is_file():
        reason = "is not a file" if p.exists() else "no such config file"
        raise ConfigError([("", reason)], where)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([("", f"cannot read it ({exc})")], where) from None
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError([("", f"invalid YAML: {_yaml_problem(exc)}")], where) from None
    return parse_config(raw, where)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{problem}{at}".replace("\n", " ")


def parse_config(raw: Any, source: str | None = None) -> CycleConfig:
    """A checked :class:`CycleConfig` from plain data (as YAML gives it)."""
    if raw is None:
        raise ConfigError([("", "the config is empty; it needs at least a data section")], source)
    if not isinstance(raw, Mapping):
        raise ConfigError(
            [("", f"expected a mapping of sections (study, data, split, metric, "
                  f"objectives, constraints, models, output, ensemble, tracking), got "
                  f"{type(raw).__name__}")],
            source,
        )
    try:
        cfg = CycleConfig.model_validate(dict(raw))
    except ValidationError as exc:
        problems = [_pydantic_problem(e) for e in exc.errors()]
        problems += _checks_of_the_rest(raw, exc, {path for path, _ in problems})
        raise ConfigError(problems, source) from None
    problems = check_config(cfg)
    if problems:
        raise ConfigError(problems, source)
    return cfg


def _checks_of_the_rest(raw: Mapping[str, Any], exc: ValidationError,
                        reported: set[str]) -> list[Problem]:
    """So that one run reports every mistake: drop the fields pydantic refused (their defaults
    apply) and run :func:`check_config` on the rest, when what is left is a valid config."""
    import copy

    doc: Any = copy.deepcopy(dict(raw))
    for err in exc.errors():
        *parents, last = tuple(err.get("loc", ())) or ("",)
        node = doc
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            return []
        del node[last]
    try:
        cfg = CycleConfig.model_validate(doc)
    except ValidationError:
        return []
    return [(path, reason) for path, reason in check_config(cfg)
            if not any(path == r or path.startswith(r + ".") for r in reported)]


def _pydantic_problem(err: Mapping[str, Any]) -> Problem:
    loc = tuple(err.get("loc", ()))
    path = ".".join(str(part) for part in loc)
    kind = err.get("type")
    if kind == "extra_forbidden":
        allowed = (["min", "max"] if len(loc) == 3 and loc[0] == "constraints"
                   else _allowed_keys(loc[:-1]))
        return path, "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    if kind == "missing":
        return path, "is required"
    if kind == "value_error":
        return path, str(err.get("ctx", {}).get("error", err.get("msg")))
    reason = str(err.get("msg", "is invalid"))
    shown = repr(err.get("input"))
    if "input" in err and len(shown) <= 80:
        reason += f", got {shown}"
    return path, reason


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = CycleConfig
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return []
        inner = field.annotation
        if get_origin(inner) in (Union, UnionType):  # an optional section: its model
            inner = next((a for a in get_args(inner)
                          if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            return []
        model = inner
    return list(model.model_fields)


# -- the checks that need more than one field --------------------------------------------------


def _strip(message: str, *prefixes: str) -> str:
    for prefix in prefixes:
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def check_config(cfg: CycleConfig) -> list[Problem]:
    """Every problem of a (type-valid) config that can be found without loading the data."""
    problems: list[Problem] = []
    problems += _check_study(cfg)
    task, data_problems = _check_data(cfg)
    problems += data_problems
    v = cfg.split.validation
    if v.kind == "kfold" and v.ratio is not None:
        problems.append(("split.validation.ratio", "is used only with kind: holdout"))
    if v.kind == "holdout" and v.folds is not None:
        problems.append(("split.validation.folds", "is used only with kind: kfold"))

    metric, where = _named_metric(cfg)
    if metric is not None:
        if task is not None:
            try:
                get_metric(metric, task)
            except MetricError as exc:
                problems.append((where, exc.problem))
        elif metric in METRICS:
            task = METRICS[metric].task  # the metric tells the task the data must have
        elif is_scorer_name(metric):
            pass  # a scikit-learn scorer name: it fits the task the data turns out to have
        else:
            problems.append((where, f"unknown metric {metric!r}; choose one of "
                                    f"{', '.join(METRICS)} or a scikit-learn scorer name"))
    problems += _check_goals(cfg, task, metric)
    problems += _check_models(cfg, task)
    out = cfg.output.dir
    if out is not None and Path(out).expanduser().is_file():
        problems.append(("output.dir", f"{out!r} is a file; name a directory"))
    if cfg.ensemble is not None and task == "clustering":
        problems.append(("ensemble", "ensembles are not supported for clustering; leave it out"))
    problems += _check_tracking(cfg)
    return problems + _spec_problems(cfg, {path for path, _ in problems})


def _spec_problems(cfg: CycleConfig, reported: set[str]) -> list[Problem]:
    """What the :class:`~tunecycle.cycle.spec.TuneSpec` of ``cfg`` refuses, under its config
    path, unless a check above said it already."""
    try:
        config_spec(cfg, progress=False)
    except ConfigError as exc:
        return [(path, why) for path, why in exc.problems if path not in reported]
    except UserError:  # a problem of no spec field (a validation scheme's): said above
        return []
    return []


def _named_metric(cfg: CycleConfig) -> tuple[str | None, str]:
    """The metric the config names (``metric``, else the first objective) and its path."""
    if cfg.metric is not None:
        return cfg.metric, "metric"
    first = cfg.objectives[0] if cfg.objectives else None
    if isinstance(first, str) and first and first not in MEASURES:
        return first, "objectives.0"
    return None, "metric"


def _check_goals(cfg: CycleConfig, task: str | None, metric: str | None) -> list[Problem]:
    """Objectives, constraints, select and front_size, and what several objectives need of
    the study (a sampler that takes them, no pruner) and of the ensemble (none)."""
    problems = objective_problems(cfg.objectives, cfg.metric)
    if problems:
        return problems
    if metric is None and task is not None:
        metric = default_metric(task).name
    bounds = [Bound(name, b.min, b.max) for name, b in (cfg.constraints or {}).items()]
    if metric is None:  # the task is unknown: any metric's name may be the one constrained
        bounds = [b for b in bounds if b.name not in METRICS]
    families = list(cfg.models) if cfg.models else None
    if families is None and task is not None:
        from tunecycle.cycle.runner import DEFAULT_FAMILIES

        families = DEFAULT_FAMILIES[task]
    found = goal_problems(cfg.objectives, bounds, metric or "", cfg.select, cfg.front_size,
                          families, cfg.study.pruner, cfg.ensemble)
    problems += [("study.pruner" if path == "pruner" else path, why) for path, why in found]
    several = cfg.objectives is not None and len(cfg.objectives) > 1
    name = cfg.study.sampler.lower()
    if several and name in sampler_names() and not sampler_class(name).multi_objective:
        able = [n for n in sampler_names() if sampler_class(n).multi_objective]
        problems.append(("study.sampler", f"{name!r} optimises one objective; for "
                                          f"{len(cfg.objectives)} use one of "
                                          f"{', '.join(able)}"))
    return problems


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


def _check_study(cfg: CycleConfig) -> list[Problem]:
    problems: list[Problem] = []
    s = cfg.study
    for name, value in (("sampler", s.sampler), ("pruner", s.pruner)):
        if (why := field_problem(name, value)) is not None:
            problems.append((f"study.{name}", why))
    if s.resources_per_trial is not None and s.backend != "ray":
        problems.append(("study.resources_per_trial", "is used only with backend: ray"))
    if s.name is not None and (why := study_name_problem(s.name)) is not None:
        problems.append(("study.name", why))
    if s.storage is not None:
        problems.extend(("study.storage", why) for why in _storage_problems(s.storage))
    problems.extend(_warm_start_problems(cfg))
    return problems


def _warm_start_problems(cfg: CycleConfig) -> list[Problem]:
    """``study.warm_start``: each entry a study name or ``storage-url::name`` whose URL reads;
    one objective only.  Whether the studies exist is known when the storage opens."""
    problems: list[Problem] = []
    refs = cfg.study.warm_start
    if refs is None:
        return problems
    if not refs:
        problems.append(("study.warm_start", "is empty; leave it out for a cold start"))
    if cfg.objectives is not None and len(cfg.objectives) > 1:
        problems.append(("study.warm_start", "only a study of one objective can be "
                                             f"warm-started; objectives has {len(cfg.objectives)}"))
    for i, ref in enumerate(refs):
        url, sep, name = ref.rpartition("::")
        if not (name if sep else ref).strip():
            problems.append((f"study.warm_start.{i}", f"{ref!r} names no study"))
        elif sep:
            problems.extend((f"study.warm_start.{i}", why) for why in _storage_problems(url))
        elif (why := study_name_problem(ref)) is not None:
            problems.append((f"study.warm_start.{i}", why))
    return problems


def _storage_problems(url: str) -> list[str]:
    """What is wrong with a storage URL, found without opening it (``storage.urls``)."""
    if not url.strip():
        return ["is empty; leave it out for an in-memory study"]
    try:
        target = parse_storage_url(url)
    except StorageURLError as exc:
        return [exc.problem]
    if target.path is not None and not target.path.resolve().parent.is_dir():
        return [f"the directory {str(target.path.parent)!r} of the SQLite file does not exist"]
    return []


def _check_data(cfg: CycleConfig) -> tuple[str | None, list[Problem]]:
    """The task the data will have (when it is known without loading it), and problems."""
    d = cfg.data
    source = d.source["source"] if isinstance(d.source, Mapping) else d.source
    extra = ({k: v for k, v in d.source.items() if k != "source"}
             if isinstance(d.source, Mapping) else {})
    task = d.task or extra.get("task")
    if "task" in extra and extra["task"] not in TASKS:
        return None, [("data.source.task", f"{extra['task']!r} is not one of {', '.join(TASKS)}")]
    target = d.target or extra.get("target")
    if source.startswith("sklearn:"):
        name = source[len("sklearn:"):].partition("?")[0]
        try:
            known_task = sklearn_set_task(name)
        except DataError as exc:
            return None, [("data.source", exc.problem)]
        if target is not None:
            return None, [("data.target", f"sklearn:{name} comes with its own target; "
                                          "leave target out")]
        return task or known_task, []

    if source.startswith("synthetic:"):
        name = source[len("synthetic:"):].partition("?")[0]
        if name not in SYNTHETIC:
            listed = ", ".join(f"synthetic:{k}" for k in SYNTHETIC)
            return None, [("data.source", f"unknown synthetic set {name!r}; known: {listed}")]
        if target is not None:
            return None, [("data.target", f"synthetic:{name} comes with its own target; "
                                          "leave target out")]
        return task or "classification", []

    path = Path(source).expanduser()
    where = "data.source"
    if extra.keys() - {"task", "target", "name"}:
        return task, [(where, "options apply to generated scikit-learn sets only, not to "
                              f"files: {', '.join(sorted(extra.keys() - {'task', 'target', 'name'}))}")]
    if not path.exists():
        return task, [(where, f"file not found: {str(path)!r}")]
    if not path.is_file():
        return task, [(where, f"{str(path)!r} is not a file")]
    if (why := file_suffix_problem(path)) is not None:
        return task, [(where, why)]
    if target is None:
        if task != "clustering":
            return task, [("data.target", "a data file needs target: <column name> (or "
                                          "task: clustering)")]
        return task, []
    columns = _columns(path)
    if columns is not None and str(target) not in columns:
        shown = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
        return task, [("data.target", f"no column {target!r} in {str(path)!r}; columns: {shown}")]
    return task, []


def _columns(path: Path) -> list[str] | None:
    """The column names of a data file, from its header only (None if that cannot be read)."""
    try:
        if path.suffix.lower() == ".csv":
            import pandas as pd

            return [str(c) for c in pd.read_csv(path, nrows=0).columns]
        import pyarrow.parquet as pq

        return [str(c) for c in pq.read_schema(path).names]
    except Exception:  # noqa: BLE001 - unreadable here: load_data will say why, with the path
        return None


def _check_models(cfg: CycleConfig, task: str | None) -> list[Problem]:
    problems: list[Problem] = []
    for name, overrides in (cfg.models or {}).items():
        path = f"models.{name}"
        try:
            family = get_family(name, task)
        except UserError as exc:
            problems.append((path, str(exc)))
            continue
        tasks = [task] if task is not None else sorted(family.tasks)
        if not isinstance(overrides, Mapping):  # pydantic already refused it; kept for safety
            problems.append((path, "overrides must be a mapping of parameter -> range"))
            continue
        found = False
        for key, value in overrides.items():
            if str(key) in family.extra_params:
                continue  # init_from, freeze, units_0...: judged with the others, below
            reason = _first_error(name, tasks, {str(key): value})
            if reason is not None:
                prefix = f"model family {name!r}, parameter {str(key)!r}: "
                problems.append((f"{path}.{key}", _strip(reason, prefix)))
                found = True
        if not found and overrides:
            reason = _first_error(name, tasks, overrides)  # the overrides together
            if reason is not None:
                key = _named_parameter(reason, name)
                if key is not None:
                    prefix = f"model family {name!r}, parameter {key!r}: "
                    problems.append((f"{path}.{key}", _strip(reason, prefix)))
                else:
                    problems.append((path, _strip(reason, f"model family {name!r}: ")))
    return problems


def _named_parameter(reason: str, family: str) -> str | None:
    """The parameter an error of the overrides together names, if it names one."""
    head = f"model family {family!r}, parameter '"
    if not reason.startswith(head):
        return None
    key, sep, _ = reason[len(head):].partition("': ")
    return key if sep else None


def _first_error(family: str, tasks: list[str], overrides: Mapping[str, Any]) -> str | None:
    """None when the overrides fit the family for one of ``tasks``; else the first error."""
    first: str | None = None
    for task in tasks:
        try:
            family_space([family], task, {family: overrides})
            return None
        except (UserError, TypeError) as exc:
            first = first or str(exc)
    return first


# -- running -----------------------------------------------------------------------------------


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
