"""Parallel and distributed throughput: tunecycle against Optuna on the same database, and the
Ray backend against Ray Tune.

Three measurements, each printed as a markdown table:

* throughput -- trials per second with a fast objective (a few microseconds), W worker
  processes sharing one study in SQLite or PostgreSQL, each process running its library's own
  optimize loop against the shared store (``tunecycle worker`` / ``optuna`` with an RDB
  storage).  Both use their random sampler, so the figure is the store and the loop, not the
  sampler.  Time runs from the first worker's first trial to the last worker's end.
* efficiency -- the same with a slow objective (``sleep(0.5)``): ideal wall time
  (trials x 0.5 s / W) divided by the measured one.
* Ray -- per-trial overhead of ``optimize(backend="ray")`` and of Ray Tune running the same
  trivial function (``Tuner(num_samples=N, max_concurrent_trials=W)``) on the same local Ray
  (pinned to 127.0.0.1), as (wall time - N x work / W) / N.

    .venv/bin/python benchmarks/parallel.py                       # everything
    .venv/bin/python benchmarks/parallel.py --only throughput --trials 400
    .venv/bin/python benchmarks/parallel.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# -- one worker process -------------------------------------------------------------------------
WORKER = r'''
import json, sys, time
lib, url, name, n, sleep = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
def work(x):
    if sleep:
        time.sleep(sleep)
    return (x - 1.0) ** 2
if lib == "tunecycle":
    import tunecycle as tc
    study = tc.load_study(name, url)
    objective = lambda t: work(t.suggest_float("x", -5, 5))
else:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=name, storage=url.replace("+psycopg", "+psycopg"),
                              sampler=optuna.samplers.RandomSampler())
    objective = lambda t: work(t.suggest_float("x", -5, 5))
start = time.time()
study.optimize(objective, n_trials=n)
print(json.dumps({"start": start, "end": time.time()}))
'''


def _create(lib: str, url: str, name: str) -> None:
    if lib == "tunecycle":
        import tunecycle as tc

        tc.create_study(name, storage=url, sampler="random", seed=0)
    else:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        optuna.create_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler())


def _count(lib: str, url: str, name: str) -> int:
    if lib == "tunecycle":
        import tunecycle as tc

        return len(tc.load_study(name, url).get_trials(states=["complete"]))
    import optuna

    s = optuna.load_study(study_name=name, storage=url)
    return len([t for t in s.trials if t.state == optuna.trial.TrialState.COMPLETE])


def run_workers(lib: str, url: str, workers: int, per_worker: int, sleep: float) -> dict:
    name = f"{lib}-{workers}-{sleep}-{time.time_ns()}"
    _create(lib, url, name)
    env = {**os.environ, **THREADS, "PYTHONPATH": str(ROOT / "src")}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, lib, url, name, str(per_worker),
                               str(sleep)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    spans, errors = [], 0
    for p in procs:
        out, err = p.communicate(timeout=1800)
        if p.returncode != 0:
            errors += 1
            print(err[-2000:], file=sys.stderr)
            continue
        spans.append(json.loads(out.strip().splitlines()[-1]))
    wall = max(s["end"] for s in spans) - min(s["start"] for s in spans)
    done = _count(lib, url, name)
    return {"wall": wall, "done": done, "errors": errors}


def _fresh_postgres(url: str) -> str:
    """A new database on the server for one measurement (dropped by _drop_postgres)."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"tc_bench_{time.time_ns()}"
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')


def _stores(args: argparse.Namespace, tmp: Path) -> list[tuple[str, object]]:
    stores: list[tuple[str, object]] = [("sqlite", lambda: f"sqlite:///{tmp / f'{time.time_ns()}.db'}")]
    if args.postgres:
        stores.append(("postgresql", lambda: _fresh_postgres(args.postgres)))
    return stores


def bench_store(args: argparse.Namespace, sleep: float, total: int) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for store, make in _stores(args, Path(d)):
            for workers in args.workers:
                per = max(1, total // workers)
                for lib in args.libs:
                    url = make()  # type: ignore[operator]
                    try:
                        r = run_workers(lib, url, workers, per, sleep)
                    finally:
                        if store == "postgresql":
                            _drop_postgres(url)
                    n = per * workers
                    if sleep:
                        ideal = n * sleep / workers
                        rows.append(f"| {store} | {workers} | {lib} | {n} | {r['done']} | "
                                    f"{r['wall']:.2f} | {ideal / r['wall']:.3f} |")
                    else:
                        rows.append(f"| {store} | {workers} | {lib} | {n} | {r['done']} | "
                                    f"{r['wall']:.2f} | {r['done'] / r['wall']:.0f} |")
                    print(rows[-1], flush=True)
    return rows


# -- Ray --------------------------------------------------------------------------------------
def bench_ray(args: argparse.Namespace) -> list[str]:
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # loopback only
    import ray

    import tunecycle as tc

    n, w, work = args.ray_trials, 2, 0.01
    ray.init(num_cpus=w, include_dashboard=False, log_to_driver=False)
    rows = []
    try:
        def tc_objective(trial):
            x = trial.suggest_float("x", -5, 5)
            time.sleep(work)
            return (x - 1.0) ** 2

        study = tc.create_study(sampler="random", seed=0)
        study.optimize(tc_objective, n_trials=4, n_jobs=w, backend="ray")  # warm the workers
        t0 = time.perf_counter()
        study.optimize(tc_objective, n_trials=n, n_jobs=w, backend="ray")
        wall = time.perf_counter() - t0
        rows.append(_ray_row("tunecycle optimize(backend='ray')", n, w, work, wall))
        print(rows[-1], flush=True)

        from ray import tune

        def trainable(config):
            time.sleep(work)
            return {"loss": (config["x"] - 1.0) ** 2}

        with tempfile.TemporaryDirectory() as d:
            for label, count in (("warm-up", 4), ("run", n)):
                tuner = tune.Tuner(
                    trainable,
                    param_space={"x": tune.uniform(-5, 5)},
                    tune_config=tune.TuneConfig(num_samples=count, max_concurrent_trials=w,
                                                metric="loss", mode="min"),
                    run_config=tune.RunConfig(storage_path=d, name=f"bench-{label}",
                                              verbose=0),
                )
                t0 = time.perf_counter()
                results = tuner.fit()
                wall = time.perf_counter() - t0
            assert len(results) == n
        rows.append(_ray_row("Ray Tune Tuner.fit", n, w, work, wall))
        print(rows[-1], flush=True)
    finally:
        ray.shutdown()
    return rows


def _ray_row(label: str, n: int, w: int, work: float, wall: float) -> str:
    overhead = (wall - n * work / w) / n * 1000
    return f"| {label} | {n} | {w} | {wall:.2f} | {n / wall:.1f} | {overhead:.1f} |"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=["throughput", "efficiency", "ray"], action="append")
    p.add_argument("--trials", type=int, default=800, help="fast-objective trials per run")
    p.add_argument("--slow-trials", type=int, default=16, help="slow-objective trials per run")
    p.add_argument("--ray-trials", type=int, default=50)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--libs", nargs="+", default=["tunecycle", "optuna"])
    p.add_argument("--postgres", default=PG_DEFAULT, help="server URL ('' to skip PostgreSQL)")
    args = p.parse_args()
    parts = args.only or ["throughput", "efficiency", "ray"]
    print(f"command: {' '.join(shlex.quote(a) for a in sys.argv)}")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if "throughput" in parts:
        print("\n### Throughput, fast objective\n")
        print("| store | workers | library | trials | complete | wall s | trials/s |")
        print("|---|---|---|---|---|---|---|")
        bench_store(args, 0.0, args.trials)
    if "efficiency" in parts:
        print("\n### Parallel efficiency, objective = sleep(0.5 s)\n")
        print("| store | workers | library | trials | complete | wall s | efficiency |")
        print("|---|---|---|---|---|---|---|")
        bench_store(args, 0.5, args.slow_trials)
    if "ray" in parts:
        print("\n### Ray: overhead per trial, objective = sleep(10 ms), 2 concurrent\n")
        print("| runner | trials | concurrent | wall s | trials/s | overhead ms/trial |")
        print("|---|---|---|---|---|---|")
        bench_ray(args)


if __name__ == "__main__":
    main()
