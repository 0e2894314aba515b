"""The checks of a (type-valid) cycle config that need more than one field, a registry or the
file system, all before any work: the study (sampler, pruner, name, storage URL, warm start),
the split, the metric for the task, the objectives and constraints, each family and its
overrides (through ``family_space``), the output directory, and what the ``TuneSpec`` refuses.

Not here: the data source (``data_check``), the trackers (``tracking``), pydantic's own field
checks (``sections``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tunecycle.cycle.config.data_check import _check_data
from tunecycle.cycle.config.sections import ConfigError, CycleConfig, Problem, _named_metric
from tunecycle.cycle.config.to_spec import config_spec
from tunecycle.cycle.config.tracking import _check_tracking
from tunecycle.cycle.errors import MetricError
from tunecycle.cycle.families import family_space, get_family
from tunecycle.cycle.metrics import METRICS, default_metric, get_metric, is_scorer_name
from tunecycle.cycle.objectives import Bound, goal_problems, objective_problems
from tunecycle.cycle.spec import field_problem
from tunecycle.errors import StorageURLError, UserError
from tunecycle.samplers import sampler_class, sampler_names
from tunecycle.storage import parse_storage_url
from tunecycle.storage.base import study_name_problem


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
