"""Writes ``release-0003.db``: a SQLite store made by the tunecycle release whose schema is 0003
(before several objectives), for the migration test (``tests/storage/test_migration.py``).

Run it with that release on the path, not with this checkout:
``git worktree add /tmp/rel 5822d3c && PYTHONPATH=/tmp/rel/src python make_release_db.py``.
The file is committed; it is not rebuilt by the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import tunecycle as tc

OUT = Path(__file__).with_name("release-0003.db")


def objective(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    for step in range(3):
        trial.report(x * x + step, step)
    trial.set_user_attr("kind_again", kind)
    if trial.number == 4:
        raise tc.TrialPruned()
    if trial.number == 5:
        raise ValueError("a failed trial")
    return x * x + (kind == "b")


def main() -> None:
    from tunecycle.storage.schema import SCHEMA_HEAD

    assert SCHEMA_HEAD == "0003", f"run this with the 0003 release, not {SCHEMA_HEAD}"
    OUT.unlink(missing_ok=True)
    url = f"sqlite:///{OUT}"
    study = tc.create_study("release", direction="minimize", storage=url, sampler="random",
                            seed=3)
    study.set_user_attr("note", "made by the 0003 release")
    study.optimize(objective, n_trials=8, max_consecutive_failures=0)
    study.enqueue({"x": 0.5, "kind": "a"})
    tc.create_study("release-max", direction="maximize", storage=url, seed=1).optimize(
        lambda t: t.suggest_int("k", 1, 9), n_trials=3)
    print(f"wrote {OUT} ({len(study.trials)} trials)", file=sys.stderr)


if __name__ == "__main__":
    main()
