"""What the HTML report costs to build, at 200 and 10,000 trials, with a breakdown per figure.

Each measurement runs in a fresh interpreter (``PYTHONPATH`` picks the checkout), as
``tunecycle report`` does: the first build in the process pays the imports (matplotlib,
scikit-learn) and the first figure's set-up; a second build of the same study in the same
process shows what is left without them.  The study is made in memory by the random sampler
(seeded, so every checkout sees the same trials), one worker, and the report is built from it
(``tunecycle.viz.report.build_report``), so the storage's read is not in the figures.

Two study shapes, decided on the first and checked on the second (so that the changes are not
fitted to one study):

- ``dev``: a conditional space like the built-in example's (a family choice between an SVM
  branch with a log ``C``, an integer degree and a kernel choice, and a k-NN branch with an
  integer ``k``; a global log learning rate), 4 reported steps per trial, a pruner that stops the worst quarter at a step
  (``PercentilePruner(percentile=75)``, as the documentation's pictures).
- ``val``: a flat space of six parameters (two floats, a log float, two integers, a
  categorical), 10 reported steps per trial, no pruner.

The per-figure rows time ``viz.report._figure`` (a plot drawn and turned into an inline PNG) and
the random-forest importance fits (their count, and their seconds, which are also inside the
rows of the figures or sections that asked for them).  Wall and CPU time of the whole build: on
a shared machine the CPU time is the steadier figure.

    PYTHONPATH=src .venv/bin/python benchmarks/report.py                       # this checkout
    .venv/bin/python benchmarks/report.py --peer main=/work/main/src --peer branch=src
    .venv/bin/python benchmarks/report.py --sizes 200 --shapes dev
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from _machine import cpu_model  # benchmarks/ is sys.path[0]

ROOT = Path(__file__).resolve().parents[1]
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")


def _study(shape: str, n: int):
    """The study of ``shape`` with ``n`` trials (random sampler, seed 0, in memory)."""
    import math

    import tunecycle as tc

    if shape == "dev":
        space = {
            "family": tc.Categorical({
                "svm": {"C": tc.Float(1e-3, 1e3, log=True),
                        "kernel": tc.Categorical({"rbf": {}, "poly": {"degree": tc.Int(2, 5)}})},
                "knn": {"k": tc.Int(1, 30)}}),
            "lr": tc.Float(1e-4, 1e-1, log=True),
        }

        def objective(trial):
            p = trial.params
            if p["family"] == "svm":
                bad = p.get("svm.kernel.poly.degree", 2) >= 4 and p["svm.C"] > 10
                value = 0.95 - (0.6 if bad else 0.0) - 0.01 * abs(math.log10(p["svm.C"]))
            else:
                value = 0.9 - abs(p["knn.k"] - 7) / 100
            for step in range(4):
                trial.report(value - 0.02 * (3 - step) - 0.01 * abs(math.log10(p["lr"])), step)
                if trial.should_prune():
                    raise tc.TrialPruned()
            return value

        from tunecycle.pruners import PercentilePruner

        study = tc.create_study(direction="maximize", sampler="random", seed=0,
                                pruner=PercentilePruner(percentile=75.0))
    else:
        space = {"a": tc.Float(-2, 2), "b": tc.Float(0, 1), "lr": tc.Float(1e-5, 1, log=True),
                 "units": tc.Int(8, 512, log=True), "layers": tc.Int(1, 6),
                 "act": tc.Categorical(["relu", "tanh", "gelu"])}

        def objective(trial):
            p = trial.params
            value = (p["a"] - 0.5) ** 2 + p["b"] + (math.log10(p["lr"]) + 3) ** 2 / 10 \
                + abs(p["layers"] - 3) / 5 + {"relu": 0.0, "tanh": 0.3, "gelu": 0.1}[p["act"]] \
                + 10 / p["units"]
            for step in range(10):
                trial.report(value * (1 + (9 - step) / 10), step)
            return value

        study = tc.create_study(direction="minimize", sampler="random", seed=0)
    study.optimize(objective, n_trials=n, space=tc.Space(space))
    return study


def child(shape: str, n: int) -> dict:
    """One measurement in this interpreter (run by the parent in a fresh one)."""
    t0 = time.perf_counter()
    study = _study(shape, n)
    made = time.perf_counter() - t0
    import tunecycle.viz.importance as imp_mod
    from tunecycle.viz import report

    figures: dict[str, float] = {}
    fits = [0, 0.0]  # random-forest importance fits: how many, seconds
    draw_figure, fit = report._figure, imp_mod.param_importances

    def timed_figure(draw, what):
        t = time.perf_counter()
        out = draw_figure(draw, what)
        figures[what] = figures.get(what, 0.0) + time.perf_counter() - t
        return out

    def counted_fit(*args, **kw):
        t = time.perf_counter()
        out = fit(*args, **kw)
        fits[0] += 1
        fits[1] += time.perf_counter() - t
        return out

    report._figure = timed_figure
    imp_mod.param_importances = counted_fit
    t0, c0 = time.perf_counter(), time.process_time()
    page = report.build_report(study)
    first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    first_figures, first_fits = dict(figures), list(fits)
    figures.clear()
    t0, c0 = time.perf_counter(), time.process_time()
    report.build_report(study)
    second, second_cpu = time.perf_counter() - t0, time.process_time() - c0
    first_figures["importance fits (inside the figures above or not)"] = first_fits[1]
    return {"shape": shape, "trials": n, "study_s": made, "first_s": first, "second_s": second,
            "first_cpu_s": first_cpu, "second_cpu_s": second_cpu,
            "bytes": len(page.encode()), "images": page.count("<img "), "fits": first_fits[0],
            "figures": first_figures}


def run(peer: str, src: str, shape: str, n: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
            f"import report as b; print(json.dumps(b.child({shape!r}, {n})))")
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=False)
    wall = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(f"{peer} {shape} {n}: {done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out.update(peer=peer, process_s=wall)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--peer", action="append", metavar="NAME=SRC",
                   help="a checkout's src folder to measure (repeatable); default: this one")
    p.add_argument("--sizes", default="200,10000")
    p.add_argument("--shapes", default="dev,val")
    p.add_argument("--json", help="also write every measurement to this file")
    args = p.parse_args()
    peers = [tuple(x.split("=", 1)) for x in (args.peer or [f"this={ROOT / 'src'}"])]
    sizes = [int(x) for x in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    print(f"# {platform.platform()}, {cpu_model()}, {os.cpu_count()} CPUs (load average "
          f"{os.getloadavg()[0]:.1f} at the start), Python {platform.python_version()}")
    rows = []
    for shape in shapes:
        for n in sizes:
            for name, src in peers:
                rows.append(run(name, src, shape, n))
                r = rows[-1]
                print(f"{name} {shape} {n}: first {r['first_s']:.2f} s, second "
                      f"{r['second_s']:.2f} s", file=sys.stderr, flush=True)
    print("\n| shape | trials | checkout | first build: wall (s) | CPU (s) | second build: wall "
          "(s) | CPU (s) | process (s) | forest fits | images | page (kB) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['shape']} | {r['trials']} | {r['peer']} | {r['first_s']:.2f} | "
              f"{r['first_cpu_s']:.2f} | {r['second_s']:.2f} | {r['second_cpu_s']:.2f} | "
              f"{r['process_s']:.1f} | {r['fits']} | {r['images']} | {r['bytes'] / 1024:.0f} |")
    names = sorted({k for r in rows for k in r["figures"]})
    print("\nPer figure, first build (s): a plot drawn and encoded as PNG\n")
    cols = [f"{r['shape']} {r['trials']} {r['peer']}" for r in rows]
    print("| figure | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for k in names:
        print(f"| {k} | " + " | ".join(
            f"{r['figures'][k]:.2f}" if k in r["figures"] else "-" for r in rows) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
