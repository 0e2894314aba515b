"""``tunecycle run`` (a cycle config, command-line options over its study section, the HTML
report after the cycle) and ``tunecycle demo``.

Not here: the cycle (``tunecycle.cycle``), workers on a shared study (``worker``).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from tunecycle.cli.arguments import CliError, _parallel_overrides
from tunecycle.cli.viz_commands import _viz


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


def _with_study(cfg: Any, changes: dict[str, Any]) -> Any:
    """The config with its ``study`` section changed (command-line options win), re-checked."""
    from tunecycle.cycle.config.loading import parse_config

    if not changes:
        return cfg
    raw = cfg.model_dump(mode="python", exclude_unset=True)
    raw["study"] = {**raw.get("study", {}), **changes}
    return parse_config(raw, source="the command line and the config")


def cmd_demo(args: argparse.Namespace) -> int:
    from tunecycle.examples.demo import run_demo

    run_demo(storage=args.storage, n_trials=args.trials, output_dir=args.output)
    return 0
