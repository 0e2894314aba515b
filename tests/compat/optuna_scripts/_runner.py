"""Run one Optuna example script and write down what it did, as JSON.

    python _runner.py --backend tunecycle|optuna SCRIPT REPORT.json

The script runs as ``__main__`` in the current directory (the caller gives it a fresh one).
With ``--backend tunecycle`` its import statements are rewritten first, the way a user would
switch (``import optuna`` -> ``import tunecycle as optuna``, ``from optuna.x import`` ->
``from tunecycle.x import``, ``optuna_integration`` -> ``tunecycle.integration``); nothing
else in the script changes.  With ``--backend optuna`` it runs as written, under real Optuna:
that is how ``record.py`` takes down the behaviour the test compares against.

What the report holds:

* ``error``: the first exception that ended the script (type, message, the script's line);
* ``studies``: every study the script made through ``create_study`` / ``load_study`` (the
  runner wraps those two functions of the imported package, so studies a script drops or
  replaces are still seen), each summed up from its trials alone -- counts by state, the best
  value, the Pareto-front size, the first trials' parameters, user attributes -- so the summary
  reads the same few trial fields under both packages and does not depend on ``best_value``
  or ``trials_dataframe`` (the script itself exercises those);
* ``figures``: the plotly figures the script showed (``fig.show()`` goes to a renderer that
  takes a note of the figure instead of opening a browser), and ``mpl_figures``, the number
  of matplotlib figures left open (``MPLBACKEND=Agg`` is set by the caller);
* ``files``: what the script left in its working directory.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import traceback
import types
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent

# The environment every script runs in: no plot windows, one thread per library, so that the
# scripts' own n_jobs=-1 and the BLAS/OpenMP pools do not fight over a small CI machine.
SCRIPT_ENV = {
    "MPLBACKEND": "Agg",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "LOKY_MAX_CPU_COUNT": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def script_names() -> list[str]:
    """The scripts of the folder (ex_*: optuna-examples, tut_*: Optuna's tutorial)."""
    return sorted(p.stem for p in FOLDER.glob("*.py") if p.stem.startswith(("ex_", "tut_")))


@dataclass(frozen=True)
class Run:
    """One script's run: exit status, output, the runner's report and the CPU seconds used."""

    name: str
    backend: str
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    wall_s: float
    cpu_s: float


def launch(name: str, backend: str, timeout: float = 120.0, extra_path: str | None = None) -> Run:
    """Run the folder's script ``name`` under ``backend`` in a fresh directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(SCRIPT_ENV)
    if extra_path:
        env["PYTHONPATH"] = extra_path
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"optuna-script-{name}-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        report_path = Path(tmp) / "report.json"
        try:
            done = subprocess.run(
                [
                    sys.executable,
                    str(FOLDER / "_runner.py"),
                    "--backend",
                    backend,
                    str(FOLDER / f"{name}.py"),
                    str(report_path),
                ],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as exc:
            returncode = -9
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            stderr = f"timed out after {timeout} s"
        report = json.loads(report_path.read_text()) if report_path.exists() else None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(name, backend, returncode, stdout, stderr, report, time.perf_counter() - start, cpu)


IMPORT_RULES: list[tuple[re.Pattern[str], str]] = [
    # optuna_integration first: "optuna" is a prefix of it
    (
        re.compile(r"^(\s*)import optuna_integration\s*$"),
        r"\1import tunecycle.integration as optuna_integration",
    ),
    (
        re.compile(r"^(\s*)from optuna_integration(\.[\w.]+)? import "),
        r"\1from tunecycle.integration\2 import ",
    ),
    (
        re.compile(r"^(\s*)import optuna(\s+as\s+\w+)?\s*$"),
        lambda m: f"{m.group(1)}import tunecycle{m.group(2) or ' as optuna'}",
    ),
    (
        re.compile(r"^(\s*)import optuna(\.[\w.]+)\s*$"),
        r"\1import tunecycle\2; import tunecycle as optuna",
    ),
    (re.compile(r"^(\s*)from optuna(\.[\w.]+)? import "), r"\1from tunecycle\2 import "),
]


def swap_imports(source: str) -> tuple[str, int]:
    """The script with its Optuna imports pointed at tunecycle, and how many lines changed."""
    out, changed = [], 0
    for line in source.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        end = line[len(body) :]
        for pattern, repl in IMPORT_RULES:
            new = pattern.sub(repl, body, count=1)
            if new != body:
                body, changed = new, changed + 1
                break
        out.append(body + end)
    return "".join(out), changed


def _state(trial: Any) -> str:
    name = getattr(trial.state, "name", str(trial.state)).upper()
    return "FAIL" if name == "FAILED" else name


def _directions(study: Any) -> list[str]:
    dirs = getattr(study, "directions", None) or [study.direction]
    return [getattr(d, "name", str(d)).upper() for d in dirs]


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def _values(trial: Any) -> list[float] | None:
    values = getattr(trial, "values", None)
    if values is None and getattr(trial, "value", None) is not None:
        values = [trial.value]
    return None if values is None else [float(v) for v in values]


def _pareto_size(points: list[list[float]], directions: list[str]) -> int:
    signed = [[v if d == "MINIMIZE" else -v for v, d in zip(p, directions)] for p in points]

    def dominated(p: list[float]) -> bool:
        return any(all(a <= b for a, b in zip(q, p)) and q != p for q in signed)

    return len({tuple(p) for p in signed if not dominated(p)})


def summarise(study: Any) -> dict[str, Any]:
    """What a study did, read from its trials."""
    trials = list(study.trials)
    directions = _directions(study)
    complete = [t for t in trials if _state(t) == "COMPLETE"]
    points = [v for v in (_values(t) for t in complete) if v is not None]
    finite = [p for p in points if all(math.isfinite(x) for x in p)]
    best = None
    if len(directions) == 1 and finite:
        pick = min if directions[0] == "MINIMIZE" else max
        best = pick(p[0] for p in finite)
    return {
        "name": getattr(study, "study_name", None) or getattr(study, "name", None),
        "directions": directions,
        "n_trials": len(trials),
        "states": dict(Counter(_state(t) for t in trials)),
        "best": best,
        "pareto": _pareto_size(finite, directions) if len(directions) > 1 else None,
        "first_params": [_jsonable(dict(t.params)) for t in trials[:3]],
        "user_attrs": _jsonable(dict(getattr(study, "user_attrs", {}) or {})),
        "trial_user_attr_keys": sorted({k for t in trials for k in (t.user_attrs or {})}),
        "n_reports": sum(len(t.intermediate_values) for t in trials),
        "sampler": type(getattr(study, "sampler", None)).__name__,
    }


class _Recorder:
    """Keeps every study that ``create_study`` / ``load_study`` of the package hand out."""

    def __init__(self, package: types.ModuleType) -> None:
        self.studies: list[Any] = []
        for name in ("create_study", "load_study"):
            original = getattr(package, name, None)
            if original is not None:
                setattr(package, name, self._wrap(original))

    def _wrap(self, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            study = function(*args, **kwargs)
            if all(s is not study for s in self.studies):
                self.studies.append(study)
            return study

        wrapper.__wrapped__ = function  # type: ignore[attr-defined]
        wrapper.__doc__ = function.__doc__
        wrapper.__name__ = function.__name__
        return wrapper


def _capture_plotly(shown: list[dict[str, Any]]) -> None:
    import plotly.io as pio
    from plotly.io.base_renderers import ExternalRenderer

    class Capture(ExternalRenderer):
        def render(self, fig_dict: dict[str, Any]) -> None:
            title = fig_dict.get("layout", {}).get("title") or {}
            shown.append(
                {
                    "traces": len(fig_dict.get("data", [])),
                    "title": title.get("text") if isinstance(title, dict) else title,
                }
            )

    pio.renderers["tunecycle_capture"] = Capture()
    pio.renderers.default = "tunecycle_capture"


def _files(root: str) -> list[str]:
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            found.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


def _error(exc: BaseException, script: str) -> dict[str, Any]:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == script]
    last = frames[-1] if frames else None
    return {
        "type": type(exc).__name__,
        "message": str(exc).splitlines()[0] if str(exc) else "",
        "line": last.lineno if last else None,
        "code": last.line if last else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["tunecycle", "optuna"], required=True)
    parser.add_argument("script")
    parser.add_argument("report")
    args = parser.parse_args(argv)
    script = os.path.abspath(args.script)
    with open(script, encoding="utf-8") as handle:
        source = handle.read()
    swaps = 0
    if args.backend == "tunecycle":
        source, swaps = swap_imports(source)
    report: dict[str, Any] = {
        "backend": args.backend,
        "swapped_lines": swaps,
        "error": None,
        "figures": [],
        "studies": [],
    }
    package = __import__(args.backend)
    recorder = _Recorder(package)
    if re.search(r"plotly|visualization", source):
        _capture_plotly(report["figures"])
    module = types.ModuleType("__main__")
    module.__file__ = script
    sys.modules["__main__"] = module
    sys.argv = [script]
    status = 0
    try:
        exec(compile(source, script, "exec"), module.__dict__)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # noqa: BLE001 - the report says what ended the script
        traceback.print_exc()
        report["error"] = _error(exc, script)
        status = 1
    for study in recorder.studies:
        try:
            report["studies"].append(summarise(study))
        except Exception as exc:  # noqa: BLE001
            report["studies"].append({"summary_error": f"{type(exc).__name__}: {exc}"})
    if "matplotlib.pyplot" in sys.modules:
        report["mpl_figures"] = len(sys.modules["matplotlib.pyplot"].get_fignums())
    report["files"] = _files(os.getcwd())
    with open(args.report, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1, default=repr)
    return status


if __name__ == "__main__":
    sys.exit(main())
