"""The ``tunecycle`` command's argument parser: every subcommand, its options and help, and the
function that runs it.

Not here: what the commands do (one module per kind of command) and the entry point (``main``).
"""

from __future__ import annotations

import argparse
import os

from tunecycle.cli.arguments import (
    _add_parallel,
    _add_storage,
    _name_list,
    _non_negative_int,
    _number_list,
    _Parser,
    _port,
    _positive_float,
    _positive_int,
)
from tunecycle.cli.run import cmd_demo, cmd_run
from tunecycle.cli.storage_commands import cmd_dashboard, cmd_import, cmd_storage
from tunecycle.cli.study_commands import cmd_best, cmd_delete, cmd_export, cmd_studies, cmd_trials
from tunecycle.cli.viz_commands import cmd_plot, cmd_report
from tunecycle.cli.worker import cmd_worker
from tunecycle.records import TrialState

#: the kinds of ``tunecycle plot`` (tunecycle.viz.plots.PLOTS, named here so that the parser
#: does not import matplotlib)
PLOT_KINDS = ("history", "importance", "parallel", "slice", "contour", "intermediate", "edf",
              "timeline", "confusion", "pareto", "hypervolume", "objectives")


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
