"""Run the sampler benchmark: every (problem, sampler, seed) once, side by side, same budgets.

Results are appended to a JSON-lines file as runs finish; a (problem, sampler, seed, budget)
already recorded there with status ``ok`` is skipped, so an interrupted run resumes where it
stopped.  Samplers that cannot run here (a tunecycle name not registered yet, a peer that is
not installed) are listed and skipped.  BLAS and torch run single-threaded in every worker.

    PYTHONPATH=src .venv/bin/python benchmarks/samplers/run.py --quick
    PYTHONPATH=src .venv/bin/python benchmarks/samplers/run.py --seeds 8 --jobs 2
    PYTHONPATH=src .venv/bin/python benchmarks/samplers/run.py --families real \\
        --samplers tc:tpe optuna:tpe hyperopt:tpe --seeds 3 --budget-scale 0.5

Then ``benchmarks/samplers/report.py`` prints the tables.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads: one BLAS thread per worker

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "src")]

from adapters import SAMPLERS, run_one, unavailable  # noqa: E402
from problems import FAMILIES, PROBLEMS  # noqa: E402

DEFAULT_OUT = HERE.parent / "out" / "samplers.jsonl"
QUICK_OUT = HERE.parent / "out" / "samplers-quick.jsonl"
QUICK_PROBLEMS = ("branin", "sphere20-log", "conditional", "knn-wine")
LIBRARIES = ("tunecycle", "optuna", "hyperopt", "scikit-learn", "cmaes", "torch", "numpy")
Task = tuple[str, str, int, int]  # problem, sampler, seed, budget


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", nargs="+", choices=sorted(PROBLEMS), metavar="NAME",
                    help=f"problems to run (default: all): {', '.join(PROBLEMS)}")
    ap.add_argument("--families", nargs="+", choices=FAMILIES, help="families to run")
    ap.add_argument("--samplers", nargs="+", metavar="LIB:ALGO",
                    help=f"samplers (default: all): {' '.join(SAMPLERS)}")
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    ap.add_argument("--first-seed", type=int, default=0,
                    help="start the seeds here instead, for a replicate on other seeds")
    ap.add_argument("--budget-scale", type=float, default=1.0,
                    help="multiply every problem's budget (default 1)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--out", type=Path, help=f"JSON-lines results (default {DEFAULT_OUT})")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 4 problems, 1 seed, budget-scale 0.25, own output file")
    args = ap.parse_args(argv)
    if args.quick:
        args.problems = args.problems or list(QUICK_PROBLEMS)
        args.seeds, args.budget_scale = 1, 0.25
        args.out = args.out or QUICK_OUT
    args.out = args.out or DEFAULT_OUT
    return args


# -- what to run ------------------------------------------------------------------------------
def select_problems(args: argparse.Namespace) -> list[str]:
    names = args.problems or list(PROBLEMS)
    return [n for n in names if not args.families or PROBLEMS[n].family in args.families]


def select_samplers(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The samplers that can run here, and why each of the others cannot."""
    wanted = list(dict.fromkeys(args.samplers or SAMPLERS))
    skipped = {s: why for s in wanted if (why := unavailable(s))}
    return [s for s in wanted if s not in skipped], skipped


def budget(problem: str, scale: float) -> int:
    return max(4, round(PROBLEMS[problem].budget * scale))


def done_keys(out: Path) -> set[Task]:
    if not out.exists():
        return set()
    keys = set()
    for line in out.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            if r.get("status") == "ok":
                keys.add((r["problem"], r["sampler"], r["seed"], r["budget"]))
    return keys


def cost_guess(task: Task) -> float:
    """A rough relative cost, to start the slow runs first and balance the workers."""
    problem, sampler, _, n = task
    per_trial = 0.15 if PROBLEMS[problem].family == "real" else 0.001
    if sampler.endswith(":gp"):
        per_trial += 0.3
    return n * per_trial


def plan(args: argparse.Namespace, samplers: list[str]) -> tuple[list[Task], int]:
    """Tasks still to run (slowest first), and how many were already in the output."""
    every = [
        (p, s, seed, budget(p, args.budget_scale))
        for p in select_problems(args)
        for s in samplers
        for seed in range(args.first_seed, args.first_seed + args.seeds)
    ]
    done = done_keys(args.out)
    todo = [t for t in every if t not in done]
    return sorted(todo, key=cost_guess, reverse=True), len(every) - len(todo)


# -- running -----------------------------------------------------------------------------------
def machine_info() -> dict[str, object]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    return {"host": platform.node(), "cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_version(), "platform": platform.platform(),
            "versions": versions}  # fmt: skip


def run_task(task: Task) -> dict[str, object]:
    """One run in a worker; an exception becomes an ``error`` record (retried on resume)."""
    problem, sampler, seed, n = task
    try:
        return run_one(problem, sampler, seed, n)
    except Exception as exc:  # noqa: BLE001
        return {"problem": problem, "sampler": sampler, "seed": seed, "budget": n,
                "status": "error", "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=5)}  # fmt: skip


def results(tasks: list[Task], jobs: int):
    """Yield records as runs finish: in this process for one job, else in a process pool."""
    if jobs <= 1:
        yield from map(run_task, tasks)
        return
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no inherited state
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        pending = {pool.submit(run_task, t) for t in tasks}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                yield fut.result()


def log_line(i: int, n: int, r: dict[str, object], t0: float) -> str:
    head = f"[{i}/{n} {time.monotonic() - t0:6.0f}s] {r['problem']:20s} {r['sampler']:24s} seed {r['seed']}"
    if r["status"] != "ok":
        return f"{head} ERROR {r['error']}"
    return f"{head} best {r['best']:.6g}  ({r['wall_s']:.1f}s)"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    samplers, skipped = select_samplers(args)
    for s, why in skipped.items():
        print(f"unavailable, skipped: {s}: {why}")
    tasks, n_done = plan(args, samplers)
    print(f"{len(tasks)} runs to do ({n_done} already in {args.out}), {args.jobs} jobs")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"command": shlex.join([Path(sys.executable).name, *sys.argv]),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "budget_scale": args.budget_scale, "unavailable": skipped,
            "machine": machine_info()}  # fmt: skip
    t0, errors = time.monotonic(), 0
    with args.out.open("a") as fh:
        for i, rec in enumerate(results(tasks, args.jobs), 1):
            errors += rec["status"] != "ok"
            fh.write(json.dumps({**rec, **meta}) + "\n")
            fh.flush()
            print(log_line(i, len(tasks), rec, t0), flush=True)
    print(f"done in {time.monotonic() - t0:.0f}s, {errors} errors; results in {args.out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
