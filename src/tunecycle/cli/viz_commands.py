"""The commands that draw a study: ``plot`` (one plot to PNG, SVG or HTML) and ``report`` (one
HTML file, interactive or not); the check that the viz extra is installed.

Not here: the plots themselves (``tunecycle.viz``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tunecycle.api import load_study
from tunecycle.cli.arguments import CliError, _storage_url


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
