"""Take down what Optuna's scripts do under real Optuna: writes ``expectations.json``.

    .venv/bin/python tests/compat/optuna_scripts/record.py [--extra-path DIR] [NAME ...]

Each script of this folder runs unchanged (no import swap) under the installed Optuna 5, in a
fresh directory, through ``_runner.py``; its exit status, printed lines and the runner's report
(studies summed up from their trials, figures shown, files left) are stored per script.
``tests/compat/test_optuna_scripts.py`` compares tunecycle's runs with these, script by script,
under the rules it states for each.

Four scripts need packages that tunecycle's own environment does not carry: Optuna's
``optuna_integration`` (OptunaSearchCV, the XGBoost and LightGBM pruning callbacks) and
``cmaes`` (Optuna's CmaEsSampler).  Install them outside the project and point at them:

    .venv/bin/pip install --no-deps --target /tmp/optuna-extra optuna-integration==5.0.0 cmaes
    .venv/bin/python tests/compat/optuna_scripts/record.py --extra-path /tmp/optuna-extra

With names, only those scripts are recorded again and the others are kept.  ``--backend
tunecycle`` instead prints how each script fares under tunecycle now (no file is written).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _runner import FOLDER, launch, script_names  # noqa: E402

EXPECTATIONS = FOLDER / "expectations.json"
MAX_LINES, MAX_CHARS = 400, 400


def _lines(text: str) -> list[str]:
    return [line[:MAX_CHARS] for line in text.splitlines()[:MAX_LINES]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="scripts to record (default: all)")
    parser.add_argument("--extra-path", help="a folder with optuna_integration and cmaes")
    parser.add_argument("--backend", choices=["optuna", "tunecycle"], default="optuna")
    args = parser.parse_args(argv)
    import optuna

    names = args.names or script_names()
    unknown = sorted(set(names) - set(script_names()))
    if unknown:
        parser.error(f"no such script in {FOLDER}: {', '.join(unknown)}")
    recorded = json.loads(EXPECTATIONS.read_text()) if EXPECTATIONS.exists() else {}
    total = 0.0
    for name in names:
        run = launch(name, args.backend, timeout=600, extra_path=args.extra_path)
        total += run.cpu_s
        error = (run.report or {}).get("error") or {}
        print(
            f"{name:48s} rc={run.returncode:<3d} cpu {run.cpu_s:5.1f}s  "
            f"{error.get('type', '')} {error.get('message', '')[:90]}",
            flush=True,
        )
        if args.backend == "tunecycle":
            continue
        if run.returncode != 0:
            print(run.stderr[-3000:], file=sys.stderr)
            return 1
        recorded[name] = {
            "optuna": optuna.__version__,
            "stdout": _lines(run.stdout),
            "report": run.report,
            "cpu_s": round(run.cpu_s, 1),
        }
    print(f"total cpu {total:.0f}s")
    if args.backend == "optuna":
        EXPECTATIONS.write_text(json.dumps(dict(sorted(recorded.items())), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
