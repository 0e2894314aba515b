"""Write ``optuna-5.0.0.db`` and ``optuna-5.0.0.json`` here: a SQLite database made by
Optuna 5.0.0 itself, and what it holds as plain data.

    python tests/compat/data/make_optuna_db.py

It runs ``tests/compat/optuna_studies.make_optuna_studies`` on a new file (the studies
``single`` and ``multi``: pruned, failed, running and waiting trials, intermediate values,
constraints, attributes, metric names) and records every field as Optuna reads it back.
``tests/compat/test_optuna_import.py`` imports the committed database and compares with the
committed JSON, so that a later Optuna (or none) still tests the 5.0.0 format.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # the repository root: tests.compat is importable


def main() -> None:
    import optuna
    from tests.compat.optuna_studies import make_optuna_studies, optuna_records

    version = optuna.__version__
    db, doc = HERE / f"optuna-{version}.db", HERE / f"optuna-{version}.json"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    make_optuna_studies(url)
    storage = optuna.storages.RDBStorage(url)
    records = optuna_records(storage)
    storage.engine.dispose()
    doc.write_text(json.dumps({"optuna": version, "studies": records}, indent=1) + "\n")
    print(f"wrote {db} and {doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
