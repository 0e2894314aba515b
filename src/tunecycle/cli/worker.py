"""``tunecycle worker``: trials of a shared study, from a cycle config (search only) or a Python
objective named ``module:function``, and the line that says what the study holds after.

Not here: running a whole cycle (``run``).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from tunecycle.api import load_study
from tunecycle.cli.arguments import CliError, _parallel_overrides, _storage_url
from tunecycle.cli.run import _with_study
from tunecycle.records import TrialState


def cmd_worker(args: argparse.Namespace) -> int:
    url = _storage_url(args) if args.storage or args.objective else None
    if args.config is not None:
        return _config_worker(args, url)
    budget = _worker_budget(args)
    if args.max_trials is None and args.n_trials is None and budget is None:
        raise CliError("--objective: give --n-trials, --max-trials or --time-budget, so that "
                       "the worker ends")
    objective = _import_objective(args.objective)
    from tunecycle.space import Space

    space = Space.from_file(args.space) if args.space else None
    study = load_study(args.study, url)
    before = _finished_here(study)
    limit = {} if args.max_consecutive_failures is None else {
        "max_consecutive_failures": args.max_consecutive_failures}
    started = time.monotonic()
    study.optimize(objective, n_trials=args.n_trials, max_trials=args.max_trials,
                   timeout=args.timeout, time_budget=budget, space=space, progress=True,
                   **_parallel_overrides(args), **limit)
    _report_worker(study, before, budget, time.monotonic() - started)
    return 0


def _config_worker(args: argparse.Namespace, url: str | None) -> int:
    try:
        from tunecycle.cycle.config.loading import load_config
        from tunecycle.cycle.config.running import run_config
    except ModuleNotFoundError as exc:
        raise CliError(
            f"worker --config needs the ml extra ({exc.name} is not installed): "
            "pip install 'tunecycle[ml]'"
        ) from None
    if args.space:
        raise CliError("--space goes with --objective; a config declares its own space")
    changes: dict[str, Any] = {"name": args.study, **_parallel_overrides(args)}
    if url:
        changes["storage"] = url
    if args.max_trials:
        changes["n_trials"] = args.max_trials
    if args.timeout:
        changes["timeout"] = args.timeout
    if args.time_budget is not None:  # checked by the config's own rule (study.time_budget)
        changes["time_budget"] = args.time_budget
    if args.max_consecutive_failures is not None:
        changes["max_consecutive_failures"] = args.max_consecutive_failures
    cfg = _with_study(load_config(args.config), changes)
    if not cfg.study.storage:
        raise CliError("--storage is required (or set TUNECYCLE_STORAGE, or study.storage in "
                       "the config): workers share a study through a database")
    started = time.monotonic()
    study = run_config(cfg, progress=True, search_only=True)
    _report_worker(study, 0, cfg.study.time_budget, time.monotonic() - started)
    return 0


def _worker_budget(args: argparse.Namespace) -> float | None:
    """--time-budget in seconds (None when not given); a bad value is one line naming it."""
    if args.time_budget is None:
        return None
    from tunecycle.budget import parse_budget

    return parse_budget(args.time_budget, field="--time-budget")


def _import_objective(spec: str) -> Any:
    import importlib

    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise CliError(f"--objective: expected module:function, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CliError(f"--objective: cannot import {module_name!r} ({exc})") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise CliError(f"--objective: {module_name!r} has no function {attr!r}")
    return fn


def _finished_here(study: Any) -> int:
    return sum(1 for t in study.trials if t.is_finished)


def _report_worker(study: Any, before: int, budget: float | None = None,
                   used: float = 0.0) -> None:
    counts = {s.value: 0 for s in TrialState}
    for t in study.trials:
        counts[t.state.value] += 1
    line = f"worker done; study {study.name!r} now holds " + ", ".join(
        f"{n} {k}" for k, n in counts.items() if n)
    if budget is not None:
        from tunecycle.progress import format_seconds

        line += (f"; time budget {format_seconds(budget)}: {format_seconds(used)} used, "
                 f"{format_seconds(max(budget - used, 0.0))} left")
    print(line)
