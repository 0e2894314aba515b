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
the history).  Runs are interleaved (after, before, Optuna, then the next cell) so that a
machine shared with other work slows all of them alike; each number is the median of
``--repeat`` runs.  BLAS, OpenMP and torch run one thread each, in every library.

    PYTHONPATH=src .venv/bin/python benchmarks/overheads.py
    PYTHONPATH=src .venv/bin/python benchmarks/overheads.py --before /tmp/main-src --repeat 3
    PYTHONPATH=src .venv/bin/python benchmarks/overheads.py --goals first --first-runs 9

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
def _objective(work: list[float], ends: list[float]):
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
        t0 = time.perf_counter()
        study = _study(spec["lib"], None, spec["seed"])
        study.optimize(_objective([], []), n_trials=1)
        return {"first_s": time.perf_counter() - t0}
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
    t0 = time.perf_counter()
    study.optimize(_objective(work, ends), n_trials=n)
    t_end = time.perf_counter()
    if len(ends) != n:
        raise RuntimeError(f"expected {n} objective calls, saw {len(ends)}")
    tail = max(1, n // 10)
    k = n - tail
    start = ends[k - 1] if k > 0 else t0
    return {"mean_s": (t_end - t0 - sum(work)) / n,
            "last_s": (t_end - start - sum(work[k:])) / tail}


# -- in the parent -------------------------------------------------------------------------------
def run_child(spec: dict, src: Path | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(THREADS)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, str(HERE), "--child", json.dumps(spec)], env=env,
                         capture_output=True, text=True, cwd=str(Path("/")))
    wall = time.perf_counter() - t
    if out.returncode:
        raise RuntimeError(f"{spec}: {out.stderr.strip()[-2000:]}")
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "process_s": wall}


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
    peer = "optuna"
    for i, cell in enumerate(todo):
        if cell["kind"] == "first":
            print(f"### Import + create_study + first trial (fresh process, median of "
                  f"{cell['reps']})\n")
            print("| library | import + create + 1 trial, ms | whole process, ms |")
            print("|---|---:|---:|")
            for lab in labels:
                m = med[(i, lab)]
                print(f"| {lab} | {m['first_s'] * 1e3:.0f} | {m['process_s'] * 1e3:.0f} |")
            print()
    trial_cells = [(i, c) for i, c in enumerate(todo) if c["kind"] == "trials"]
    if trial_cells:
        print("### Per-trial overhead (ms; median of the runs; last-10% = the last tenth of "
              "the trials)\n")
        print("| sampler (ours / Optuna's) | trials | runs | library | mean | last-10% "
              "| Optuna / this (mean, last-10%) |")
        print("|---|---:|---:|---|---:|---:|---:|")
        for i, cell in trial_cells:
            name = f"{cell['sampler']} / {PEER[cell['sampler']]}"
            for lab in labels:
                m = med[(i, lab)]
                ratio = "—"
                if lab != peer and (i, peer) in med:
                    o = med[(i, peer)]
                    ratio = f"{o['mean_s'] / m['mean_s']:.1f}x, {o['last_s'] / m['last_s']:.1f}x"
                print(f"| {name} | {cell['n']} | {cell['reps']} | {lab} | "
                      f"{m['mean_s'] * 1e3:.2f} | {m['last_s'] * 1e3:.2f} | {ratio} |")
        print()
    print(f"Total benchmark time: {total:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
