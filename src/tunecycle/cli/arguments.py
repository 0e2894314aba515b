"""The command line's own pieces: ``CliError`` (a user mistake the CLI finds, one line on
stderr, exit 2), the parser that raises it, the argument types (positive integers, names,
numbers, a port), the shared ``--storage`` and parallel options.

Not here: the commands' parser (``parser``) and the commands.
"""

from __future__ import annotations

import argparse
import math
import os
from typing import Any, NoReturn


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
