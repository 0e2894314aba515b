"""Framework overhead per trial: tunecycle vs Optuna, random or TPE sampler, in memory and SQLite.

Overhead is the time a run spends *outside* the user's own computation: wall time of
``study.optimize`` minus the time the objective spends computing its (trivial) value.  The
``suggest_*`` calls are framework calls, so they count as overhead.

The objective suggests three parameters (a float, a log-scaled float, a categorical) and
returns a cheap number.  For each run two numbers are reported:

* mean ms/trial      -- overhead of the whole run divided by the number of trials;
* last-10% ms/trial  -- overhead of the last 10% of trials only (their ask, suggestions and
  tell), which shows how the cost grows with the size of the history.

Both libraries run side by side in the same process, interleaved, each SQLite run on a fresh
file in a temporary directory.  With ``--repeat K`` each number is the median of K runs.  An
extra in-memory row uses the ask/tell interface with a declared space (``study.ask(space)`` /
``study.tell``; Optuna: ``study.ask(fixed_distributions)``).

    PYTHONPATH=src .venv/bin/python benchmarks/overhead.py                 # 100 1000 5000
    PYTHONPATH=src .venv/bin/python benchmarks/overhead.py --quick         # 100 300
    PYTHONPATH=src .venv/bin/python benchmarks/overhead.py --sizes 1000 --repeat 3 --only tunecycle
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import math
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tunecycle as tc
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import tunecycle as tc

from _machine import cpu_model  # noqa: E402  (benchmarks/ is sys.path[0])

perf = time.perf_counter
LIBS = ("tunecycle", "optuna")
STORAGES = ("memory", "sqlite")
CHOICES = ["a", "b", "c"]
_CAT = {"a": 0.0, "b": 1.0, "c": 2.0}


# -- timing --------------------------------------------------------------------------------------
@dataclass
class Recorder:
    """Timestamps of the end of each objective computation, and the computation's own time."""

    work: list[float] = field(default_factory=list)
    t_out: list[float] = field(default_factory=list)
    t0: float = 0.0
    t_end: float = 0.0

    def compute(self, x: float, lr: float, c: str) -> float:
        t = perf()
        value = (x - 2.0) ** 2 + 0.01 * math.log10(lr) ** 2 + _CAT[c]
        e = perf()
        self.work.append(e - t)
        self.t_out.append(e)
        return value

    def result(self, n: int) -> tuple[float, float]:
        """(mean overhead per trial, overhead per trial over the last 10%), in seconds."""
        if len(self.t_out) != n:
            raise RuntimeError(f"expected {n} objective calls, saw {len(self.t_out)}")
        mean = (self.t_end - self.t0 - sum(self.work)) / n
        tail = max(1, n // 10)
        k = n - tail  # first trial of the last 10%
        start = self.t_out[k - 1] if k > 0 else self.t0
        # from the end of trial k-1's computation to the end of the run: tell(k-1) + for each
        # later trial its ask, suggestions and tell -- minus their own computation
        last = (self.t_end - start - sum(self.work[k:])) / tail
        return mean, last


def _objective(rec: Recorder) -> Callable[[object], float]:
    def objective(trial) -> float:  # same code for both libraries
        x = trial.suggest_float("x", -10.0, 10.0)
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        c = trial.suggest_categorical("c", CHOICES)
        return rec.compute(x, lr, c)

    return objective


SAMPLER = "random"  # --sampler: "random" or "tpe", the same for both libraries


def _optuna_sampler(optuna, seed: int):
    if SAMPLER == "tpe":
        return optuna.samplers.TPESampler(seed=seed)  # Optuna's defaults
    return optuna.samplers.RandomSampler(seed=seed)


# -- one run per library / interface -------------------------------------------------------------
def run_tunecycle(n: int, url: str | None, seed: int) -> Recorder:
    study = tc.create_study(
        name="bench", direction="minimize", sampler=SAMPLER, storage=url, seed=seed
    )
    rec = Recorder()
    obj = _objective(rec)
    rec.t0 = perf()
    study.optimize(obj, n_trials=n)
    rec.t_end = perf()
    _check(len(study.get_trials(states=["complete"])), n, "tunecycle")
    _close_tunecycle(study)
    return rec


def run_tunecycle_asktell(n: int, url: str | None, seed: int) -> Recorder:
    study = tc.create_study(
        name="bench", direction="minimize", sampler=SAMPLER, storage=url, seed=seed
    )
    space = {
        "x": tc.Float(-10.0, 10.0),
        "lr": tc.Float(1e-5, 1e-1, log=True),
        "c": tc.Categorical(CHOICES),
    }
    rec = Recorder()
    rec.t0 = perf()
    for _ in range(n):
        trial = study.ask(space)
        p = trial.params
        study.tell(trial, rec.compute(p["x"], p["lr"], p["c"]))
    rec.t_end = perf()
    _check(len(study.get_trials(states=["complete"])), n, "tunecycle ask/tell")
    _close_tunecycle(study)
    return rec


def run_optuna(n: int, url: str | None, seed: int) -> Recorder:
    import optuna

    study = optuna.create_study(
        study_name="bench",
        direction="minimize",
        storage=url,
        sampler=_optuna_sampler(optuna, seed),
    )
    rec = Recorder()
    obj = _objective(rec)
    rec.t0 = perf()
    study.optimize(obj, n_trials=n)
    rec.t_end = perf()
    _check(len(study.get_trials(states=[optuna.trial.TrialState.COMPLETE])), n, "optuna")
    _close_optuna(study)
    return rec


def run_optuna_asktell(n: int, url: str | None, seed: int) -> Recorder:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    study = optuna.create_study(
        study_name="bench",
        direction="minimize",
        storage=url,
        sampler=_optuna_sampler(optuna, seed),
    )
    dists = {
        "x": FloatDistribution(-10.0, 10.0),
        "lr": FloatDistribution(1e-5, 1e-1, log=True),
        "c": CategoricalDistribution(CHOICES),
    }
    rec = Recorder()
    rec.t0 = perf()
    for _ in range(n):
        trial = study.ask(dists)
        p = trial.params
        study.tell(trial, rec.compute(p["x"], p["lr"], p["c"]))
    rec.t_end = perf()
    _check(len(study.get_trials(states=[optuna.trial.TrialState.COMPLETE])), n, "optuna ask/tell")
    _close_optuna(study)
    return rec


def _check(got: int, n: int, what: str) -> None:
    if got != n:
        raise RuntimeError(f"{what}: {got} of {n} trials complete")


def _close_tunecycle(study) -> None:
    study.storage.close()


def _close_optuna(study) -> None:
    engine = getattr(study._storage, "engine", None)
    if engine is None:  # optuna wraps RDBStorage in a cache
        engine = getattr(getattr(study._storage, "_backend", None), "engine", None)
    if engine is not None:
        engine.dispose()


RUNNERS = {
    ("tunecycle", "optimize"): run_tunecycle,
    ("optuna", "optimize"): run_optuna,
    ("tunecycle", "ask/tell"): run_tunecycle_asktell,
    ("optuna", "ask/tell"): run_optuna_asktell,
}


# -- machine -------------------------------------------------------------------------------------


def machine(libs: tuple[str, ...]) -> list[str]:
    import sqlite3

    versions = [f"tunecycle {tc.__version__}"]
    if "optuna" in libs:
        import optuna

        versions.append(f"optuna {optuna.__version__}")
    try:
        import sqlalchemy

        versions.append(f"SQLAlchemy {sqlalchemy.__version__}")
    except ImportError:
        pass
    versions.append(f"SQLite {sqlite3.sqlite_version}")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return [
        f"CPU: {cpu_model()}, {os.cpu_count()} cores ({usable} usable)",
        f"OS: {platform.platform()}",
        f"Python {platform.python_version()} ({platform.python_implementation()})",
        "Versions: " + ", ".join(versions),
        f"tunecycle source: {source_version()}",
    ]


def source_version() -> str:
    """The git commit of the tunecycle source that was imported, and whether src/ was edited."""
    import subprocess

    src = Path(tc.__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=src,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "."],
            cwd=src,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"git {head}" + (" + uncommitted changes in src/tunecycle" if dirty else "")


def command_line() -> str:
    exe = sys.executable
    try:
        rel = os.path.relpath(exe)
        if not rel.startswith(".."):
            exe = rel
    except ValueError:
        pass
    prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    return prefix + shlex.join([exe, *sys.argv])


# -- main ----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[100, 1000, 5000],
        help="numbers of trials (default: 100 1000 5000)",
    )
    ap.add_argument("--quick", action="store_true", help="sizes 100 300")
    ap.add_argument("--repeat", type=int, default=1, help="runs per cell; the median is reported")
    ap.add_argument("--only", choices=LIBS, help="run one library only")
    ap.add_argument("--storages", nargs="+", choices=STORAGES, default=list(STORAGES))
    ap.add_argument("--no-ask-tell", action="store_true", help="skip the in-memory ask/tell rows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sampler", choices=["random", "tpe"], default="random",
                    help="sampler for both libraries (tpe: each library's default TPE)")
    args = ap.parse_args(argv)
    global SAMPLER
    SAMPLER = args.sampler
    sizes = [100, 300] if args.quick else args.sizes
    if any(s < 1 for s in sizes) or args.repeat < 1:
        ap.error("sizes and --repeat must be positive")
    libs = (args.only,) if args.only else LIBS
    if "optuna" in libs:
        try:
            import optuna
        except ImportError:
            ap.error(
                "optuna is not installed (pip install -e '.[bench]'), or pass --only tunecycle"
            )
        optuna.logging.set_verbosity(optuna.logging.WARNING)

    info = machine(libs)  # now: the source may change on disk during a long run
    cells: list[tuple[str, str, str, int]] = []  # (lib, interface, storage, n)
    for storage in args.storages:
        for n in sizes:
            cells += [(lib, "optimize", storage, n) for lib in libs]
    if not args.no_ask_tell and "memory" in args.storages:
        for n in sizes:
            cells += [(lib, "ask/tell", "memory", n) for lib in libs]

    results: dict[tuple[str, str, str, int], list[tuple[float, float]]] = {c: [] for c in cells}
    started = perf()
    with tempfile.TemporaryDirectory(prefix="tc-overhead-") as tmp:
        counter = 0

        def url_for(storage: str) -> str | None:
            nonlocal counter
            if storage == "memory":
                return None
            counter += 1
            return f"sqlite:///{Path(tmp) / f'run{counter}.db'}"

        # warm-up (untimed): lazy imports, SQLAlchemy dialects, Optuna's schema code
        for cell in dict.fromkeys((lib, itf, st) for lib, itf, st, _ in cells):
            lib, itf, st = cell
            RUNNERS[(lib, itf)](5, url_for(st), args.seed)

        for rep in range(args.repeat):
            for cell in cells:  # libraries interleaved, so drift hits both alike
                lib, itf, st, n = cell
                gc.collect()
                t = perf()
                rec = RUNNERS[(lib, itf)](n, url_for(st), args.seed + rep)
                results[cell].append(rec.result(n))
                mean, last = results[cell][-1]
                print(
                    f"[{perf() - started:7.1f}s] rep {rep + 1}/{args.repeat} {lib:9} {itf:8} "
                    f"{st:6} n={n:<5} mean {mean * 1e3:7.3f} ms  last-10% {last * 1e3:7.3f} ms"
                    f"  ({perf() - t:.1f}s)",
                    file=sys.stderr,
                    flush=True,
                )

    med = {
        c: (statistics.median(m for m, _ in r), statistics.median(t for _, t in r))
        for c, r in results.items()
    }

    print(f"## Framework overhead per trial ({SAMPLER} sampler)")
    print()
    print(f"Command: `{command_line()}`")
    print()
    print(f"Date: {_dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print()
    for line in info:
        print(f"- {line}")
    print()
    print(
        f"{SAMPLER} sampler; 3 params (float, log float, categorical); median of {args.repeat} "
        f"run(s) per cell; overhead = wall time minus the objective's own computation."
    )
    print()
    print(
        "| library | storage | trials | mean ms/trial | last-10% ms/trial "
        "| ratio optuna/tunecycle (mean / last-10%) |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for cell in cells:
        lib, itf, st, n = cell
        mean, last = med[cell]
        ratio = "—"
        other = ("optuna", itf, st, n)
        if lib == "tunecycle" and other in med:
            om, ol = med[other]
            ratio = f"{om / mean:.1f}x / {ol / last:.1f}x"
        name = lib if itf == "optimize" else f"{lib} (ask/tell)"
        print(f"| {name} | {st} | {n} | {mean * 1e3:.3f} | {last * 1e3:.3f} | {ratio} |")
    print()
    print(f"Total benchmark time: {perf() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
