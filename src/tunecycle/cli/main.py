"""The ``tunecycle`` command: run a tuning cycle from a YAML config; list, inspect, export and
delete studies in a storage; import studies from Optuna; serve the live dashboard over a storage.

User mistakes (a bad URL, a missing study, a bad argument) print one line on stderr and exit
with status 2, without a traceback.  ``--storage`` defaults to ``$TUNECYCLE_STORAGE``.  The
commands that only read (and ``delete``) open it with ``create=False``: a mistyped SQLite path
is an error, never a new empty database; ``run``, ``worker``, ``storage upgrade`` and ``demo``
create what they need.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from tunecycle.api import delete_study, list_studies, load_study
from tunecycle.errors import ConsecutiveFailuresError, TunecycleError, UserError
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.storage import get_storage, parse_storage_url

EXIT_USAGE = 2
EXIT_FAILED = 1  # the run started and could not go on (every trial failing, say)
#: the kinds of ``tunecycle plot`` (tunecycle.viz.plots.PLOTS, named here so that the parser
#: does not import matplotlib)
PLOT_KINDS = ("history", "importance", "parallel", "slice", "contour", "intermediate", "edf",
              "timeline", "confusion", "pareto", "hypervolume", "objectives")


class CliError(Exception):
    """A user mistake found by the CLI itself."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(message)


def _add_storage(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--storage",
        default=os.environ.get("TUNECYCLE_STORAGE"),
        help="storage URL, e.g. sqlite:///tuning.db (default: $TUNECYCLE_STORAGE)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tunecycle", description="Hyperparameter tuning: inspect and manage studies.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("studies", help="list the studies in a storage")
    _add_storage(p)
    p.set_defaults(func=cmd_studies)

    p = sub.add_parser("trials", help="show a study's trials as a table")
    p.add_argument("name", help="study name")
    _add_storage(p)
    p.add_argument("--state", action="append", choices=[s.value for s in TrialState],
                   help="only trials in this state (repeatable)")
    p.add_argument("--limit", type=_positive_int, help="show only the last N trials")
    p.set_defaults(func=cmd_trials)

    p = sub.add_parser("best", help="show a study's best trial")
    p.add_argument("name", help="study name")
    _add_storage(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_best)

    p = sub.add_parser("export", help="write a study's trials to CSV or JSON")
    p.add_argument("name", help="study name")
    _add_storage(p)
    p.add_argument("-o", "--output", required=True, help="output file, .csv or .json")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("delete", help="delete a study and all its trials")
    p.add_argument("name", help="study name")
    _add_storage(p)
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("storage", help="manage a storage (schema upgrades)")
    p.add_argument("action", choices=["upgrade"], help="upgrade: bring the schema to this version")
    _add_storage(p)
    p.set_defaults(func=cmd_storage)

    p = sub.add_parser("import", help="copy studies, with their trials, from an Optuna "
                                      "storage into a tunecycle storage")
    p.add_argument("--from", dest="source", required=True, metavar="URL",
                   help="the Optuna storage: sqlite:///optuna.db, postgresql://..., or "
                        "journal:PATH (a JournalFileBackend file); a plain path to a SQLite "
                        "or journal file is recognised")
    p.add_argument("--study", action="append", metavar="NAME",
                   help="a study to import (repeatable; default: every study)")
    p.add_argument("--to", dest="target", default=os.environ.get("TUNECYCLE_STORAGE"),
                   metavar="URL", help="the tunecycle storage (default: $TUNECYCLE_STORAGE)")
    p.add_argument("--as", dest="to_name", metavar="NAME",
                   help="the name in the target (one study; default: its Optuna name)")
    p.add_argument("--if-exists", choices=["error", "skip", "rename"], default="error",
                   help="when the target holds the name already: refuse before writing "
                        "anything (default), skip that study, or import it as NAME-2")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("plot", help="draw one plot of a study to PNG, SVG or HTML")
    p.add_argument("kind", choices=PLOT_KINDS, help="which plot")
    p.add_argument("name", help="study name")
    _add_storage(p)
    p.add_argument("-o", "--output", required=True, help="output file: .png, .svg or .html")
    p.add_argument("--params", type=_name_list,
                   help="comma-separated parameters (importance, parallel, slice, contour) or "
                        "objectives (pareto: in a study of several objectives, some of its "
                        "objectives; else value, duration or numeric user attributes, "
                        "default value,duration)")
    p.add_argument("--objective", metavar="NAME",
                   help="in a study of several objectives, the one to draw (history, "
                        "importance, parallel, slice, contour, edf): a metric name, values_I "
                        "or a number from 0")
    p.add_argument("--reference", type=_number_list, metavar="V1,V2,...",
                   help="hypervolume: the reference point, one value per objective (default: "
                        "the worst feasible value of each plus 10%% of its range)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("report", help="write a study's report: one self-contained HTML file")
    p.add_argument("name", help="study name")
    _add_storage(p)
    p.add_argument("-o", "--output", required=True, help="output file (.html)")
    p.add_argument("--top", type=_positive_int, default=10, help="leaderboard length")
    p.add_argument("--interactive", action="store_true",
                   help="add the dashboard's views (hover, zoom, brushing; scripts inlined, "
                        "still one file that opens offline)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("dashboard", help="serve a live, read-only web dashboard of a storage")
    _add_storage(p)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_port, default=8080, help="port (default 8080; 0: any free one)")
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("run", help="run a tuning cycle described in a YAML config")
    p.add_argument("config", nargs="?",
                   help="the cycle config (YAML); default: the built-in digits example "
                        "(tunecycle/examples/digits.yaml)")
    _add_parallel(p)
    p.add_argument("--time-budget", metavar="DURATION",
                   help="the whole cycle's time budget: seconds, or 90s, 10m, 1h30m (the "
                        "config's study.time_budget)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--report", metavar="PATH",
                       help="where the HTML report goes (default: report.html in the config's "
                            "output dir, else <study>-report.html here)")
    where.add_argument("--no-report", action="store_true", help="do not write the HTML report")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "worker",
        help="run trials of a shared study; start any number of workers, on any machines",
    )
    p.add_argument("--study", required=True, help="study name")
    _add_storage(p)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--config", help="a cycle config (YAML): run its trials (the refit and "
                                       "test are left to `tunecycle run`)")
    what.add_argument("--objective", help="a Python objective as module:function, importable "
                                          "here; the study must exist")
    p.add_argument("--space", help="with --objective: a declared space (YAML or JSON file)")
    p.add_argument("--n-trials", type=_positive_int, help="run at most this many trials here")
    p.add_argument("--max-trials", type=_positive_int,
                   help="stop once the study holds this many complete or pruned trials "
                        "(with --config, default: its study.n_trials)")
    p.add_argument("--timeout", type=_positive_float, help="stop starting trials after S seconds")
    p.add_argument("--time-budget", metavar="DURATION",
                   help="this worker's time budget: seconds, or 90s, 10m, 1h30m; it starts only "
                        "trials predicted to fit (cheap first) and ends when the budget is spent")
    p.add_argument("--max-consecutive-failures", type=_non_negative_int,
                   help="stop after N failed trials in a row (default 10, or the config's "
                        "study.max_consecutive_failures; 0: never)")
    _add_parallel(p)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("demo", help="run the built-in example study")
    p.add_argument("--storage", default="sqlite:///tunecycle-demo.db", help="storage URL")
    p.add_argument("--trials", type=_positive_int, default=30, help="number of trials")
    p.add_argument("--output", default="tunecycle-demo-model", help="where the model goes")
    p.set_defaults(func=cmd_demo)
    return parser


def _version() -> str:
    from tunecycle import __version__

    return f"tunecycle {__version__}"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _n_jobs(text: str) -> int:
    return -1 if text.strip() == "-1" else _positive_int(text)


def _add_parallel(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-jobs", type=_n_jobs, help="trials at a time in worker processes "
                                                  "(-1: one per core)")
    p.add_argument("--backend", choices=["processes", "ray"],
                   help="where trials run: local worker processes, or Ray tasks")
    p.add_argument("--trial-timeout", type=_positive_float,
                   help="fail a trial that runs longer than S seconds")


def _parallel_overrides(args: argparse.Namespace) -> dict[str, Any]:
    given = {"n_jobs": args.n_jobs, "backend": args.backend, "trial_timeout": args.trial_timeout}
    return {k: v for k, v in given.items() if v is not None}
def _name_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names


def _number_list(text: str) -> list[float]:
    try:
        numbers = [float(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") \
            from None
    if not all(math.isfinite(n) for n in numbers):
        raise argparse.ArgumentTypeError(f"expected finite numbers, got {text!r}")
    return numbers


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return value


def _storage_url(args: argparse.Namespace) -> str:
    if not args.storage:
        raise CliError("--storage is required (or set TUNECYCLE_STORAGE)")
    return args.storage


# -- commands ------------------------------------------------------------------------------------
def cmd_studies(args: argparse.Namespace) -> int:
    summaries = list_studies(_storage_url(args))
    if not summaries:
        print("no studies")
        return 0
    rows = [
        {
            "name": s.info.name,
            "direction": ",".join(d.value for d in s.info.directions),
            "trials": s.n_trials,
            **{st.value: s.counts.get(st, 0) for st in
               (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED, TrialState.RUNNING)},
            "best": _fmt(s.best_value),
            "started": f"{s.info.datetime_start:%Y-%m-%d %H:%M}" if s.info.datetime_start else "",
        }
        for s in summaries
    ]
    _print_table(rows)
    return 0


def cmd_trials(args: argparse.Namespace) -> int:
    study = load_study(args.name, _storage_url(args))
    trials = study.get_trials(states=args.state) if args.state else study.trials
    if args.limit:
        trials = trials[-args.limit:]
    if not trials:
        print(f"study {args.name!r} has no trials" + (" in those states" if args.state else ""))
        return 0
    names = sorted({k for t in trials for k in t.params})
    objectives = _objective_names(study)
    rows = []
    for t in trials:
        row: dict[str, Any] = {"number": t.number, "state": t.state.value}
        row.update(_value_cells(objectives, t))
        if t.constraints is not None:
            row["feasible"] = "yes" if t.feasible else "no"
        d = t.duration
        row["duration_s"] = "" if d is None else f"{d.total_seconds():.3f}"
        row.update({n: _fmt(t.params[n]) if n in t.params else "" for n in names})
        if any(x.fail_reason for x in trials):
            row["reason"] = (t.fail_reason or "")[:60]
        rows.append(row)
    _print_table(rows)
    return 0


def _objective_names(study: Any) -> list[str]:
    """``["value"]``, or one name per objective (the metric names, else ``value_0``...)."""
    if study.n_objectives == 1:
        return ["value"]
    return study.metric_names or [f"value_{i}" for i in range(study.n_objectives)]


def _value_cells(names: Sequence[str], t: FrozenTrial) -> dict[str, str]:
    values = list(t.values) if t.values else [None] * len(names)
    return {n: _fmt(v) for n, v in zip(names, values)}


def cmd_best(args: argparse.Namespace) -> int:
    study = load_study(args.name, _storage_url(args))
    if study.n_objectives > 1:
        return _print_front(study, args.json)
    best = study.best_trial
    if args.json:
        print(json.dumps({"number": best.number, "value": best.value, "params": dict(best.params)}))
        return 0
    print(f"best trial: {best.number}")
    print(f"value: {_fmt(best.value)} ({study.direction.value})")
    print("params:")
    for k, v in best.params.items():
        print(f"  {k}: {_fmt(v)}")
    return 0


def _print_front(study: Any, as_json: bool) -> int:
    """``tunecycle best`` of a study of several objectives: its Pareto front."""
    front = study.best_trials
    names = _objective_names(study)
    if as_json:
        print(json.dumps([{"number": t.number, "values": list(t.values), "params": dict(t.params)}
                          for t in front]))
        return 0
    if not front:
        print(f"study {study.name!r} has no feasible complete trial yet")
        return 0
    said = ", ".join(f"{n} ({d.value})" for n, d in zip(names, study.directions))
    print(f"Pareto front: {len(front)} trials; objectives {said}")
    _print_table([{"number": t.number, **_value_cells(names, t),
                   **{k: _fmt(v) for k, v in t.params.items()}} for t in front])
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise CliError(f"--output: {args.output!r} must end in .csv or .json")
    if not out.parent.exists():
        raise CliError(f"--output: the directory {str(out.parent)!r} does not exist")
    study = load_study(args.name, _storage_url(args))
    tmp = out.with_name(out.name + ".part")
    if suffix == ".csv":
        study.to_dataframe().to_csv(tmp, index=False)
    else:
        doc = {"study": study.name, "direction": study.directions[0].value,
               "directions": [d.value for d in study.directions],
               "trials": [_trial_json(t) for t in study.trials]}
        tmp.write_text(json.dumps(doc, indent=1, default=str))
    os.replace(tmp, out)  # never leave a half-written file under the asked name
    print(f"wrote {len(study.trials)} trials of {study.name!r} to {out}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    url = _storage_url(args)
    store = get_storage(url, create=False)
    n = len(store.get_trials(store.get_study(args.name).study_id))
    delete_study(args.name, store)
    print(f"deleted study {args.name!r} ({n} trials)")
    return 0


def cmd_storage(args: argparse.Namespace) -> int:
    from tunecycle.storage.sql import SQLStorage

    target = parse_storage_url(_storage_url(args))
    if not target.is_sql:
        raise CliError(f"--storage: {target.url!r} is not a database URL; nothing to upgrade")
    SQLStorage.upgrade_url(target.url)
    print(f"storage {target.safe} is at the current schema")
    return 0


#: the arguments of import_optuna_study, as the import command spells them
_IMPORT_OPTIONS = {"from_url": "--from", "study_name": "--study", "to_storage": "--to",
                   "to_name": "--as", "if_exists": "--if-exists"}


def cmd_import(args: argparse.Namespace) -> int:
    from tunecycle.compat.optuna_db import import_optuna_study

    if not args.target:
        raise CliError("--to is required (or set TUNECYCLE_STORAGE)")
    try:
        results = import_optuna_study(args.source, args.study, args.target, args.to_name,
                                      if_exists=args.if_exists)
    except UserError as exc:  # name the option, not the Python argument
        option = _IMPORT_OPTIONS.get(exc.field or "")
        raise CliError(exc.named(option) if option else str(exc)) from None
    for result in results:
        print(result.describe())
    print(f"into {parse_storage_url(args.target).safe}")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from tunecycle.dashboard import serve

    serve(_storage_url(args), host=args.host, port=args.port,
          announce=lambda line: print(line, flush=True))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    try:
        from tunecycle.cycle.config.loading import load_config
        from tunecycle.cycle.config.running import run_config
        from tunecycle.cycle.summary import format_result
    except ModuleNotFoundError as exc:
        raise CliError(
            f"run needs the ml extra ({exc.name} is not installed): pip install 'tunecycle[ml]'"
        ) from None
    if args.config is None:  # the built-in example: the demo's job
        from importlib.resources import as_file, files

        with as_file(files("tunecycle.examples") / "digits.yaml") as path:
            cfg = load_config(path)
    else:
        cfg = load_config(args.config)
    changes = _parallel_overrides(args)
    if args.time_budget is not None:
        changes["time_budget"] = args.time_budget
    cfg = _with_study(cfg, changes)
    report = _checked_report_path(args.report) if args.report else None
    result = run_config(cfg, progress=True)
    print("\n" + format_result(result))
    if args.no_report:
        return 0
    try:
        _viz()
    except CliError as exc:  # the cycle succeeded: say why there is no report, exit 0
        print(f"report not written: {exc}", file=sys.stderr)
        return 0
    from tunecycle.viz.report import write_report

    if report is None:  # report.html beside the saved model, else <study>-report.html here
        report = (Path(cfg.output.dir) / "report.html" if cfg.output.dir
                  else Path(re.sub(r"[^\w.-]+", "_", result.study.name) + "-report.html"))
    print(f"report written to {write_report(result.study, report)}")
    return 0


def _checked_report_path(given: str) -> Path:
    """``run --report PATH``, checked before the cycle starts."""
    path = Path(given)
    if path.suffix.lower() not in (".html", ".htm"):
        raise CliError(f"--report: {given!r} must end in .html")
    if not path.parent.exists():
        raise CliError(f"--report: the directory {str(path.parent)!r} does not exist")
    return path


def _viz() -> None:
    """Raise a one-line CliError when the viz extra is missing."""
    try:
        import matplotlib  # noqa: F401
        import sklearn  # noqa: F401
    except ModuleNotFoundError as exc:
        raise CliError(
            f"plots need the viz extra ({exc.name} is not installed): pip install 'tunecycle[viz]'"
        ) from None


def _output(path_text: str, suffixes: Sequence[str]) -> Path:
    out = Path(path_text)
    if out.suffix.lower() not in suffixes:
        raise CliError(f"--output: {path_text!r} must end in {', '.join(suffixes)}")
    if not out.parent.exists():
        raise CliError(f"--output: the directory {str(out.parent)!r} does not exist")
    return out


def cmd_plot(args: argparse.Namespace) -> int:
    out = _output(args.output, (".png", ".svg", ".html"))
    _viz()
    study = load_study(args.name, _storage_url(args))
    from tunecycle.viz.plots import ONE_OBJECTIVE, PLOTS, save

    draw, takes_params = PLOTS[args.kind]
    if args.params and not takes_params:
        raise CliError(f"--params: the {args.kind} plot takes no parameters")
    options: dict[str, Any] = {}
    if args.objective is not None:
        if args.kind not in ONE_OBJECTIVE:
            raise CliError(f"--objective: the {args.kind} plot takes no objective (the plots "
                           f"of one objective: {', '.join(ONE_OBJECTIVE)})")
        options["objective"] = args.objective
    if args.reference is not None:
        if args.kind != "hypervolume":
            raise CliError(f"--reference: only the hypervolume plot takes one, not {args.kind}")
        options["reference"] = args.reference
    save(draw(study, args.params, **options), out, title=f"{study.name}: {args.kind}")
    print(f"wrote the {args.kind} plot of {study.name!r} to {out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    out = _output(args.output, (".html", ".htm"))
    _viz()
    study = load_study(args.name, _storage_url(args))
    if args.interactive:
        from tunecycle.dashboard.embed import write_interactive_report as write_report
    else:
        from tunecycle.viz.report import write_report

    write_report(study, out, top=args.top)
    print(f"wrote the report of {study.name!r} ({len(study.trials)} trials) to {out}")
    return 0


def _with_study(cfg: Any, changes: dict[str, Any]) -> Any:
    """The config with its ``study`` section changed (command-line options win), re-checked."""
    from tunecycle.cycle.config.loading import parse_config

    if not changes:
        return cfg
    raw = cfg.model_dump(mode="python", exclude_unset=True)
    raw["study"] = {**raw.get("study", {}), **changes}
    return parse_config(raw, source="the command line and the config")


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


def cmd_demo(args: argparse.Namespace) -> int:
    from tunecycle.examples.demo import run_demo

    run_demo(storage=args.storage, n_trials=args.trials, output_dir=args.output)
    return 0


# -- output helpers ------------------------------------------------------------------------------
def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}" if math.isfinite(v) else str(v)
    return str(v)


def _trial_json(t: FrozenTrial) -> dict[str, Any]:
    return {
        "number": t.number, "state": t.state.value, "value": t.value,
        "values": None if t.values is None else list(t.values),
        "constraints": None if t.constraints is None else list(t.constraints),
        "params": dict(t.params),
        "intermediate": {str(k): v for k, v in t.intermediate.items()},
        "user_attrs": dict(t.user_attrs), "datetime_start": t.datetime_start,
        "datetime_complete": t.datetime_complete, "fail_reason": t.fail_reason,
    }


def _print_table(rows: Sequence[dict[str, Any]]) -> None:
    import pandas as pd

    frame = pd.DataFrame(rows)
    print(frame.to_string(index=False))


# -- entry point ---------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"tunecycle: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConsecutiveFailuresError as exc:  # the trials' own failure, not a usage mistake
        print(f"tunecycle: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (TunecycleError, ValueError) as exc:
        print(f"tunecycle: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tunecycle: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
