"""The commands about a storage as a whole: ``storage upgrade`` (the schema), ``import`` (studies
from an Optuna storage, its errors naming the command's options), ``dashboard`` (serve it).

Not here: one study's commands (``study_commands``).
"""

from __future__ import annotations

import argparse

from tunecycle.cli.arguments import CliError, _storage_url
from tunecycle.errors import UserError
from tunecycle.storage import parse_storage_url


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
