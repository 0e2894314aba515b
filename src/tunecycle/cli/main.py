"""The ``tunecycle`` command: run a tuning cycle from a YAML config; list, inspect, export and
delete studies in a storage; import studies from Optuna; serve the live dashboard over a storage.

User mistakes (a bad URL, a missing study, a bad argument) print one line on stderr and exit
with status 2, without a traceback.  ``--storage`` defaults to ``$TUNECYCLE_STORAGE``.  The
commands that only read (and ``delete``) open it with ``create=False``: a mistyped SQLite path
is an error, never a new empty database; ``run``, ``worker``, ``storage upgrade`` and ``demo``
create what they need.

This module is the entry point (``main``: parse, run, turn errors into one line and an exit
status); the parser is in ``parser``, the commands in ``study_commands``,
``storage_commands``, ``viz_commands``, ``run`` and ``worker``, their shared pieces in
``arguments`` and ``output``.  The names it held before are imported here still.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tunecycle.cli.arguments import CliError
from tunecycle.cli.parser import PLOT_KINDS, build_parser
from tunecycle.cli.run import cmd_demo, cmd_run
from tunecycle.cli.storage_commands import cmd_dashboard, cmd_import, cmd_storage
from tunecycle.cli.study_commands import cmd_best, cmd_delete, cmd_export, cmd_studies, cmd_trials
from tunecycle.cli.viz_commands import cmd_plot, cmd_report
from tunecycle.cli.worker import cmd_worker
from tunecycle.errors import ConsecutiveFailuresError, TunecycleError

EXIT_USAGE = 2
EXIT_FAILED = 1  # the run started and could not go on (every trial failing, say)

__all__ = [
    "EXIT_FAILED", "EXIT_USAGE", "PLOT_KINDS", "CliError", "build_parser", "cmd_best",
    "cmd_dashboard", "cmd_delete", "cmd_demo", "cmd_export", "cmd_import", "cmd_plot",
    "cmd_report", "cmd_run", "cmd_storage", "cmd_studies", "cmd_trials", "cmd_worker", "main",
]


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
