"""The ``tunecycle`` command: run a tuning cycle from a YAML config; list, inspect, export and
delete studies in a storage; serve the live dashboard over a storage.

User mistakes (a bad URL, a missing study, a bad argument) print one line on stderr and exit
with status 2, without a traceback.  ``--storage`` defaults to ``$TUNECYCLE_STORAGE``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from tunecycle.api import delete_study, list_studies, load_study
from tunecycle.errors import TunecycleError
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.storage import get_storage

EXIT_USAGE = 2


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
    p.set_defaults(func=cmd_run)

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
            "direction": s.info.direction.value,
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
    trials = study.get_trials(args.state) if args.state else study.trials
    if args.limit:
        trials = trials[-args.limit:]
    if not trials:
        print(f"study {args.name!r} has no trials" + (" in those states" if args.state else ""))
        return 0
    names = sorted({k for t in trials for k in t.params})
    rows = []
    for t in trials:
        row: dict[str, Any] = {"number": t.number, "state": t.state.value, "value": _fmt(t.value)}
        d = t.duration
        row["duration_s"] = "" if d is None else f"{d.total_seconds():.3f}"
        row.update({n: _fmt(t.params[n]) if n in t.params else "" for n in names})
        if any(x.fail_reason for x in trials):
            row["reason"] = (t.fail_reason or "")[:60]
        rows.append(row)
    _print_table(rows)
    return 0


def cmd_best(args: argparse.Namespace) -> int:
    study = load_study(args.name, _storage_url(args))
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
        doc = {"study": study.name, "direction": study.direction.value,
               "trials": [_trial_json(t) for t in study.trials]}
        tmp.write_text(json.dumps(doc, indent=1, default=str))
    os.replace(tmp, out)  # never leave a half-written file under the asked name
    print(f"wrote {len(study.trials)} trials of {study.name!r} to {out}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    url = _storage_url(args)
    store = get_storage(url)
    n = len(store.get_trials(store.get_study(args.name).study_id))
    delete_study(args.name, store)
    print(f"deleted study {args.name!r} ({n} trials)")
    return 0


def cmd_storage(args: argparse.Namespace) -> int:
    from tunecycle.storage.sql import SQLStorage

    url = _storage_url(args)
    if not url.startswith(("sqlite", "postgres", "mysql")):
        raise CliError(f"--storage: {url!r} is not a database URL; nothing to upgrade")
    SQLStorage.upgrade_url(url)
    print(f"storage {url.split('@')[-1]} is at the current schema")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from tunecycle.dashboard import serve

    serve(_storage_url(args), host=args.host, port=args.port,
          announce=lambda line: print(line, flush=True))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    try:
        from tunecycle.cycle.config import load_config, run_config
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
    result = run_config(cfg, progress=True)
    print("\n" + format_result(result))
    return 0


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
        "number": t.number, "state": t.state.value, "value": t.value, "params": dict(t.params),
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
