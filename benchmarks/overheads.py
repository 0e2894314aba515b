"""Costs that should stay small as studies grow (issue 16): tunecycle against Optuna, and
against an older tunecycle source ("before"), every measurement in a fresh process.

Four measurements, the same objective throughout (a float, a log-scaled float and a
three-way categorical; a cheap number):

* ``tpe``    -- per-trial overhead of each library's default TPE at 100 / 1,000 / 5,000 trials;
* ``cmaes``  -- CMA-ES with the categorical (tunecycle: its TPE fallback proposes it; Optuna:
  its default independent sampler), at 100 / 1,000 trials;
* ``first``  -- import + create_study + the first trial, each library's default sampler, in a
  fresh process (median of ``--first-runs`` runs);
* ``auto``   -- tunecycle's ``auto`` (quasi-random start, then its GP) against Optuna's
  ``GPSampler`` over 200 trials.

Per-trial overhead is the wall time of ``study.optimize`` minus the objective's own
computation, over all trials (mean) and over the last 10% of them (which shows the growth with
the history); the same in CPU time (``time.process_time``: the process, all threads), which a
machine shared with other work disturbs less than the wall time.  The first-trial figure also
comes as CPU time, and the whole child process's CPU time (``getrusage``) beside its wall time.
A table at the end says which of issue 16's four goals are met, by wall and by CPU time.
Runs are interleaved (after, before, Optuna, then the next cell) so that a machine shared with
other work slows all of them alike; each number is the median of ``--repeat`` runs.  BLAS, OpenMP and torch run one thread each, in every library.

    PYTHONPATH=src .venv/bin/python benchmarks/overheads.py
    PYTHONPATH=src .venv/bin/python benchmarks/overheads.py --before /tmp/main-src --repeat 3
    PYTHONPATH=src .venv/bin/python benchmarks/overheads.py --goals first --first-runs 9

Optuna's ``CmaEsSampler`` needs the ``cmaes`` package (in the ``bench`` extra).
``--before DIR``: a tunecycle ``src`` directory to measure too (e.g. a copy of main's).  Every
tunecycle source measured is byte-compiled first (``compileall``, into its ``__pycache__``), as
an installed package is, so that the first-trial figure is not a compile time.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as _dt
import json
import math
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _machine import cpu_model  # benchmarks/ is sys.path[0]

HERE = Path(__file__).resolve()
SRC = HERE.parents[1] / "src"
CHOICES = ["a", "b", "c"]
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# -- in the child process ------------------------------------------------------------------------
def _objective(work: list[float], ends: list[float], cpu_ends: list[float] | None = None):
    cat = {"a": 0.0, "b": 1.0, "c": 2.0}

    def objective(trial) -> float:
        x = trial.suggest_float("x", -10.0, 10.0)
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        c = trial.suggest_categorical("c", CHOICES)
        t = time.perf_counter()
        value = (x - 2.0) ** 2 + 0.01 * math.log10(lr) ** 2 + cat[c]
        e = time.perf_counter()
        work.append(e - t)
        ends.append(e)
        if cpu_ends is not None:
            cpu_ends.append(time.process_time())
        return value

    return objective


def _study(lib: str, sampler: str | None, seed: int):
    if lib == "optuna":
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        if sampler is None:
            return optuna.create_study()
        make = {"tpe": optuna.samplers.TPESampler, "cmaes": optuna.samplers.CmaEsSampler,
                "gp": optuna.samplers.GPSampler}[sampler]
        return optuna.create_study(sampler=make(seed=seed))
    import tunecycle as tc

    if sampler is None:
        return tc.create_study()
    return tc.create_study(sampler=sampler, seed=seed)


def child(spec: dict) -> dict:
    """One measurement, in this (fresh) process."""
    import warnings

    warnings.simplefilter("ignore")  # Optuna's experimental and independent-sampling warnings
    if spec["kind"] == "first":
        t0, c0 = time.perf_counter(), time.process_time()
        study = _study(spec["lib"], None, spec["seed"])
        study.optimize(_objective([], []), n_trials=1)
        # process_time() at the end also counts the interpreter's own start-up
        return {"first_s": time.perf_counter() - t0, "first_cpu_s": time.process_time() - c0}
    if spec["lib"] == "optuna":
        try:
            import torch

            torch.set_num_threads(1)
        except ImportError:
            pass
    n = spec["n"]
    study = _study(spec["lib"], spec["sampler"], spec["seed"])
    work: list[float] = []
    ends: list[float] = []
    cpu_ends: list[float] = []
    t0, c0 = time.perf_counter(), time.process_time()
    study.optimize(_objective(work, ends, cpu_ends), n_trials=n)
    t_end, c_end = time.perf_counter(), time.process_time()
    if len(ends) != n:
        raise RuntimeError(f"expected {n} objective calls, saw {len(ends)}")
    tail = max(1, n // 10)
    k = n - tail
    start = ends[k - 1] if k > 0 else t0
    cpu_start = cpu_ends[k - 1] if k > 0 else c0
    # CPU time (all threads of the process): the objective's own work is a few microseconds
    # of pure Python, so its wall time stands in for its CPU time
    return {"mean_s": (t_end - t0 - sum(work)) / n,
            "last_s": (t_end - start - sum(work[k:])) / tail,
            "cpu_mean_s": (c_end - c0 - sum(work)) / n,
            "cpu_last_s": (c_end - cpu_start - sum(work[k:])) / tail}


# -- in the parent -------------------------------------------------------------------------------
def run_child(spec: dict, src: Path | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(THREADS)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    t = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, str(HERE), "--child", json.dumps(spec)], env=env,
                         capture_output=True, text=True, cwd=str(Path("/")))
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise RuntimeError(f"{spec}: {out.stderr.strip()[-2000:]}")
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "process_s": wall,
            "process_cpu_s": cpu}


def cells(args: argparse.Namespace) -> list[dict]:
    out: list[dict] = []
    if "first" in args.goals:
        out += [{"kind": "first", "n": 1, "sampler": None, "reps": args.first_runs}]
    if "tpe" in args.goals:
        out += [{"kind": "trials", "sampler": "tpe", "n": n,
                 "reps": 1 if n >= args.once_from else args.repeat} for n in args.tpe_sizes]
    if "cmaes" in args.goals:
        out += [{"kind": "trials", "sampler": "cmaes", "n": n,
                 "reps": 1 if n >= args.once_from else args.repeat} for n in args.cma_sizes]
    if "auto" in args.goals:
        out += [{"kind": "trials", "sampler": "auto", "n": args.auto_trials,
                 "reps": args.auto_repeat}]
    return out


PEER = {"tpe": "tpe", "cmaes": "cmaes", "auto": "gp", None: None}
PEER_LABEL = "optuna"
# (kind, our sampler, trials, factor): Optuna's cost / ours must be at least `factor`
GOALS = [("trials", "tpe", 5000, 5.0), ("trials", "cmaes", 1000, 3.0), ("first", None, 1, 1.0),
         ("trials", "auto", 200, 2.0)]


def variants(args: argparse.Namespace) -> list[tuple[str, str, Path | None]]:
    """(label, library, tunecycle source) for each side measured."""
    out = [("tunecycle", "tunecycle", SRC)]
    if args.before is not None:
        out.append(("tunecycle before", "tunecycle", args.before))
    if not args.no_optuna:
        out.append(("optuna", "optuna", None))
    return out


def versions(before: Path | None) -> list[str]:
    def ask(code: str, src: Path | None) -> str:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        if src is not None:
            env["PYTHONPATH"] = str(src)
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, cwd="/")
        return r.stdout.strip() or "not installed"

    def commit(src: Path) -> str:
        r = subprocess.run(["git", "log", "-1", "--format=%h"], cwd=src, capture_output=True,
                           text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=src,
                               capture_output=True, text=True).stdout.strip()
        if r.returncode:
            return "not a git checkout"
        return f"git {r.stdout.strip()}" + (" + uncommitted changes" if dirty else "")

    lines = [f"tunecycle source: {SRC} ({commit(SRC)})"]
    if before is not None:
        lines.append(f"tunecycle before: {before} ({commit(before)})")
    lines.append("optuna " + ask("import optuna; print(optuna.__version__)", None))
    lines.append("numpy " + ask("import numpy; print(numpy.__version__)", None)
                 + ", scipy " + ask("import scipy; print(scipy.__version__)", None)
                 + ", torch " + ask("import torch; print(torch.__version__)", None))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--goals", nargs="+", choices=["first", "tpe", "cmaes", "auto"],
                    default=["first", "tpe", "cmaes", "auto"])
    ap.add_argument("--before", type=Path, help="another tunecycle src directory to measure")
    ap.add_argument("--no-optuna", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell (median)")
    ap.add_argument("--once-from", type=int, default=5000,
                    help="cells with at least this many trials run once (default 5000)")
    ap.add_argument("--tpe-sizes", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--cma-sizes", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--auto-trials", type=int, default=200)
    ap.add_argument("--auto-repeat", type=int, default=2)
    ap.add_argument("--first-runs", type=int, default=7)
    ap.add_argument("--no-compile", action="store_true", help="do not byte-compile sources")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    sides = variants(args)
    if not args.no_compile:
        for _, _lib, src in sides:
            if src is not None:
                compileall.compile_dir(str(src), quiet=1)
    todo = cells(args)
    results: dict[tuple[int, str], list[dict]] = {}
    started = time.perf_counter()
    for rep in range(max(c["reps"] for c in todo)):
        for i, cell in enumerate(todo):
            if rep >= cell["reps"]:
                continue
            for label, lib, src in sides:
                spec = {"kind": cell["kind"], "lib": lib, "n": cell["n"], "seed": rep,
                        "sampler": cell["sampler"] if lib == "tunecycle" else PEER[cell["sampler"]]}
                r = run_child(spec, src if lib == "tunecycle" else None)
                results.setdefault((i, label), []).append(r)
                shown = ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in r.items())
                print(f"[{time.perf_counter() - started:7.1f}s] rep {rep + 1} {cell['kind']} "
                      f"{cell['sampler']} n={cell['n']} {label}: {shown}", file=sys.stderr,
                      flush=True)
    report(args, todo, sides, results, time.perf_counter() - started)
    return 0


def report(args, todo, sides, results, total: float) -> None:
    prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    print("## Overheads (issue 16)\n")
    print(f"Command: `{prefix}{shlex.join([os.path.relpath(sys.executable), *sys.argv])}`\n")
    print(f"Date: {_dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} cores ({usable} usable); "
          f"Python {platform.python_version()}")
    for line in versions(args.before):
        print(f"- {line}")
    print()
    med = {k: {f: statistics.median(r[f] for r in v) for f in v[0]} for k, v in results.items()}
    labels = [s[0] for s in sides]
    for i, cell in enumerate(todo):
        if cell["kind"] == "first":
            print(f"### Import + create_study + first trial (fresh process, median of "
                  f"{cell['reps']})\n")
            print("| library | import + create + 1 trial, wall ms | same, CPU ms "
                  "| whole process, wall ms | whole process, CPU ms |")
            print("|---|---:|---:|---:|---:|")
            for lab in labels:
                m = med[(i, lab)]
                print(f"| {lab} | {m['first_s'] * 1e3:.0f} | {m['first_cpu_s'] * 1e3:.0f} "
                      f"| {m['process_s'] * 1e3:.0f} | {m['process_cpu_s'] * 1e3:.0f} |")
            print()
    trial_cells = [(i, c) for i, c in enumerate(todo) if c["kind"] == "trials"]
    if trial_cells:
        print("### Per-trial overhead (ms; median of the runs; last-10% = the last tenth of "
              "the trials; CPU = the process's CPU time, all threads)\n")
        print("| sampler (ours / Optuna's) | trials | runs | library | wall mean | wall last-10% "
              "| CPU mean | CPU last-10% | Optuna / this (wall mean, CPU mean) |")
        print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
        for i, cell in trial_cells:
            name = f"{cell['sampler']} / {PEER[cell['sampler']]}"
            for lab in labels:
                m = med[(i, lab)]
                ratio = "—"
                if lab != PEER_LABEL and (i, PEER_LABEL) in med:
                    o = med[(i, PEER_LABEL)]
                    ratio = (f"{o['mean_s'] / m['mean_s']:.1f}x, "
                             f"{o['cpu_mean_s'] / m['cpu_mean_s']:.1f}x")
                print(f"| {name} | {cell['n']} | {cell['reps']} | {lab} | "
                      f"{m['mean_s'] * 1e3:.2f} | {m['last_s'] * 1e3:.2f} | "
                      f"{m['cpu_mean_s'] * 1e3:.2f} | {m['cpu_last_s'] * 1e3:.2f} | {ratio} |")
        print()
    goals_table(todo, med)
    print(f"Total benchmark time: {total:.0f} s")


def goals_table(todo: list[dict], med: dict) -> None:
    """Issue 16's four overhead goals: ours against Optuna's, wall and CPU time."""
    rows = []
    for kind, sampler, n, factor in GOALS:
        hit = [i for i, c in enumerate(todo)
               if c["kind"] == kind and c["sampler"] == sampler and c["n"] == n]
        if not hit or (hit[0], "tunecycle") not in med or (hit[0], PEER_LABEL) not in med:
            continue
        ours, theirs = med[(hit[0], "tunecycle")], med[(hit[0], PEER_LABEL)]
        if kind == "first":
            goal = "import + create_study + first trial no more than Optuna's"
            keys, unit = ("first_s", "first_cpu_s"), "ms"
        else:
            goal = (f"`{sampler}` at {n:,} trials at least {factor:g}x below Optuna's "
                    f"`{PEER[sampler]}` per trial")
            keys, unit = ("mean_s", "cpu_mean_s"), "ms/trial"
        cols = []
        met = True
        for key in keys:
            ratio = theirs[key] / ours[key]
            met = met and ratio >= factor
            cols.append(f"{ours[key] * 1e3:.2f} / {theirs[key] * 1e3:.2f} {unit}, {ratio:.2f}x")
        rows.append(f"| {goal} | {cols[0]} | {cols[1]} | {'met' if met else 'NOT met'} |")
    if rows:
        print("### Goals (ours / Optuna's, and Optuna's / ours)\n")
        print("| goal | wall | CPU | |")
        print("|---|---|---|---|")
        print("\n".join(rows))
        print()


if __name__ == "__main__":
    sys.exit(main())
