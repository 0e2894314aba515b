"""Bayesmark (the NeurIPS 2020 black-box optimisation challenge's harness): tunecycle against
HEBO, Optuna TPE and GP, SMAC3 and random search on the challenge's scikit-learn problems, in its
setting of 16 rounds of 8 parallel suggestions (``--batch``) and sequentially (``--sequential``,
128 rounds of 1), scored by Bayesmark's own baseline and aggregates: 100 x (1 - mean normalised
loss), the loss clipped at random search's median.

Each (problem, optimiser, mode, seed) is one in-process ``bayesmark.experiment.run_study``; its
record goes to ``--out`` as JSON (a rerun skips what is there), and ``--score`` turns the records
into tables.  Seed ``s`` shuffles the data split of every optimiser alike (``shuffle_seed=s``).

Development / validation split, fixed before any result was seen: a problem (model, data set,
metric) is in the development half when the sum of its model's, data set's and metric's positions
in Bayesmark's own lists (``constants.MODEL_NAMES``, ``DATA_LOADER_NAMES``, ``SCORERS_CLF`` or
``SCORERS_REG``) is even, else in the validation half.  Each model, data set and metric thus has
half its problems in each half.

Install (its own venv: HEBO needs numpy < 1.25; do not use tunecycle's venv)::

    python3 -m venv /work/bmvenv
    /work/bmvenv/bin/pip install numpy==1.24.4 scipy==1.13.1 scikit-learn==1.6.1 pandas==2.2.3 \
        torch==2.13.0 gpytorch optuna pymoo==0.6.0 xarray catboost disjoint-set greenlet \
        sqlalchemy alembic pyyaml tqdm threadpoolctl gitpython pathvalidate importlib-metadata
    /work/bmvenv/bin/pip install --no-deps bayesmark==0.0.8 hebo==0.3.6
    /work/bmvenv/bin/pip install smac          # SMAC3 2.4.1: installed cleanly beside numpy 1.24
    /work/bmvenv/bin/pip install --no-deps -e .   # tunecycle from this checkout

Rebuilt exactly so on 2026-12-04 (Python 3.11.7; about 3 minutes): every step passed as written.
pymoo 0.6.0 builds from its source archive without its compiled modules (it warns so at import:
harmless, only slower); ``pip check`` then reports that hebo requires GPy, which HEBO's default
model never imports (leave it out); ``smac`` brings dask and ConfigSpace 1.2.2 and leaves numpy
at 1.24.4.  An editable install of a worktree (``-e /work/wt-NAME``) points the venv at that
worktree's ``src``: one venv serves one checkout at a time.

Bayesmark 0.0.8 needs three fixes on current scikit-learn, applied at run time by
``patch_bayesmark`` (site-packages untouched): ``bayesmark.data`` reads ``datasets.load_boston``
at import (gone from scikit-learn: a stub that raises when asked for is put there first, so the
boston problems are not run); ``SklearnModel.evaluate`` calls ``.item()`` on scores that are now
plain floats (every evaluation would fail and count as inf: the scorer is wrapped to return a
numpy float); and the regression ``lasso``/``linear`` spaces have ``normalize``, which
scikit-learn removed (dropped from those two spaces, so they have one dimension fewer than in
2020).

Example::

    /work/bmvenv/bin/python benchmarks/bayesmark_run.py --half dev --models DT,kNN \\
        --data wine,iris --seeds 0,1,2 --batch --jobs 2 --out /tmp/bm
    /work/bmvenv/bin/python benchmarks/bayesmark_run.py --score --out /tmp/bm
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread per run: --jobs runs them side by side

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

N_CALLS, N_BATCH = 16, 8  # the challenge: 16 rounds of 8
ALL_METHODS = ("tc-auto", "tc-gp", "tc-tpe", "optuna-tpe", "optuna-gp", "hebo", "smac", "random")
RANDOM_LABEL = "RandomSearch_bayesmark"  # compute_baseline finds random search by this prefix


def patch_bayesmark() -> None:
    """The three run-time fixes described in the module docstring."""
    import sklearn.datasets as datasets

    def no_boston(*args, **kwargs):
        raise ImportError("load_boston was removed from scikit-learn; boston is not run")

    if "load_boston" not in vars(datasets):
        datasets.load_boston = no_boston
    import bayesmark.sklearn_funcs as sf

    if not getattr(sf, "_tunecycle_patched", False):
        original = sf.get_scorer

        def numpy_float_scorer(name):
            scorer = original(name)
            return lambda est, x, y: np.float64(scorer(est, x, y))

        sf.get_scorer = numpy_float_scorer
        for model in ("lasso", "linear"):
            sf.MODELS_REG[model][2].pop("normalize", None)
        sf._tunecycle_patched = True


def all_problems() -> list[tuple[str, str, str, str]]:
    """(name, model, data set, metric) of every problem this scikit-learn can run, with its half
    (see the module docstring): 9 models x 5 data sets (no boston) x 2 metrics."""
    from bayesmark import constants as c
    from bayesmark.sklearn_funcs import SklearnModel

    out = []
    for i, model in enumerate(c.MODEL_NAMES):
        for j, data in enumerate(c.DATA_LOADER_NAMES):
            if data == "boston":
                continue
            metrics = c.SCORERS_REG if data == "diabetes" else c.SCORERS_CLF
            for k, metric in enumerate(metrics):
                half = "dev" if (i + j + k) % 2 == 0 else "val"
                out.append((SklearnModel.test_case_str(model, data, metric), model, data, metric,
                            half))
    return out


def select(args: argparse.Namespace) -> list[tuple[str, str, str, str]]:
    rows = all_problems()
    if args.problems:
        wanted = set(args.problems.split(","))
        return [r[:4] for r in rows if r[0] in wanted]
    models = set(args.models.split(",")) if args.models else None
    data = set(args.data.split(",")) if args.data else None
    return [r[:4] for r in rows
            if (args.half in ("all", r[4])) and (models is None or r[1] in models)
            and (data is None or r[2] in data)]


# -- one run ---------------------------------------------------------------------------------


def run_one(job: dict) -> dict:
    """One study; the record of it."""
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    patch_bayesmark()
    from bayesmark.experiment import run_study
    from bayesmark.sklearn_funcs import SklearnModel
    from bayesmark_opt import make_optimizer, min_pairwise_distance, unit_rows

    problem = SklearnModel(job["model"], job["data"], job["metric"], shuffle_seed=job["seed"])
    api = problem.get_api_config()
    opt = make_optimizer(job["method"], api, job["seed"])
    n_calls, n_sugg = (N_CALLS, N_BATCH) if job["mode"] == "b8" else (N_CALLS * N_BATCH, 1)
    start = time.perf_counter()
    evals, (t_suggest, _, _), log = run_study(opt, problem, n_calls, n_sugg, n_obj=2)
    wall = time.perf_counter() - start
    spread = [min_pairwise_distance(unit_rows(api, batch)) for batch in log] if n_sugg > 1 else []
    flat = evals.reshape(N_CALLS * N_BATCH, 2)  # sequential: 8 evaluations make one "round"
    return {**job, "visible": flat[:, 0].tolist(), "generalization": flat[:, 1].tolist(),
            "suggest_s": float(np.sum(t_suggest)), "wall_s": wall, "spread": spread,
            "dims": len(api)}


def job_path(out: Path, job: dict) -> Path:
    return out / f"{job['problem']}__{job['method']}__{job['mode']}__{job['seed']}{job['tag']}.json"


def _work(job_and_out: tuple[dict, str]) -> str:
    job, out = job_and_out
    path = job_path(Path(out), job)
    try:
        rec = run_one(job)
    except Exception as exc:  # a failed run is reported, not silently scored
        return f"FAILED {path.name}: {type(exc).__name__}: {exc}"
    path.write_text(json.dumps(rec))
    return f"{path.name}: {rec['wall_s']:.1f} s"


def run_jobs(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    modes = (["b8"] if args.batch else []) + (["seq"] if args.sequential else [])
    methods = args.optimizers.split(",")
    jobs = []
    for name, model, data, metric in select(args):
        for seed in (int(s) for s in args.seeds.split(",")):
            for method in methods:
                for mode in modes:
                    if method == "random" and mode == "seq":
                        continue  # random search is the same in either mode
                    job = {"problem": name, "model": model, "data": data, "metric": metric,
                           "method": method, "mode": mode, "seed": seed, "tag": args.tag}
                    if not job_path(out, job).exists():
                        jobs.append(job)
    print(f"{len(jobs)} runs to do", flush=True)
    costly = {"hebo": 0, "smac": 1, "optuna-gp": 2}
    jobs.sort(key=lambda j: (costly.get(j["method"], 3), j["problem"]))
    if args.jobs <= 1:
        for job in jobs:
            print(_work((job, str(out))), flush=True)
        return
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(args.jobs) as pool:
        for line in pool.imap_unordered(_work, [(j, str(out)) for j in jobs]):
            print(line, flush=True)


# -- scoring ---------------------------------------------------------------------------------


def load_records(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]


def label(rec: dict) -> str:
    """The method's name in the tables.  The tag (code version) names only tunecycle's batches:
    the peers do not change, and tunecycle's sequential proposals are the same in every
    version (tests/samplers/test_golden.py)."""
    if rec["method"] == "random":
        return RANDOM_LABEL
    tag = rec["tag"] if rec["method"].startswith("tc-") and rec["mode"] == "b8" else ""
    return f"{rec['method']}/{rec['mode']}{tag}"


def score(records: list[dict], half_of: dict[str, str]) -> dict:
    """Bayesmark's normalised scores of every method on the problems all of them ran with the
    same seeds: {"overall": {method: score}, "per_problem": {method: {problem: score}}}."""
    import xarray as xr
    from bayesmark import constants as c
    from bayesmark.experiment_analysis import compute_aggregates
    from bayesmark.experiment_baseline import compute_baseline

    by = {(r["problem"], label(r), r["seed"]): r for r in records}
    problems = sorted({k[0] for k in by})
    methods = sorted({k[1] for k in by})
    seeds = sorted({k[2] for k in by})
    complete = [p for p in problems if all((p, m, s) in by for m in methods for s in seeds)]
    values = np.zeros((N_CALLS, N_BATCH, len(complete), len(methods), len(seeds)))
    for a, p in enumerate(complete):
        for b, m in enumerate(methods):
            for k, s in enumerate(seeds):
                values[:, :, a, b, k] = np.reshape(by[(p, m, s)]["visible"], (N_CALLS, N_BATCH))
    coords = {c.ITER: np.arange(N_CALLS), c.SUGGEST: np.arange(N_BATCH), c.TEST_CASE: complete,
              c.METHOD: methods, c.TRIAL: np.arange(len(seeds))}
    perf = xr.DataArray(values, coords=coords,
                        dims=(c.ITER, c.SUGGEST, c.TEST_CASE, c.METHOD, c.TRIAL))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        baseline = compute_baseline(perf)
        agg, summary = compute_aggregates(perf, baseline)
    final = agg[c.NORMED_MEAN].isel({c.ITER: -1})
    per_problem = {m: {p: 100 * (1 - float(final.sel({c.METHOD: m, c.TEST_CASE: p})))
                       for p in complete} for m in methods}
    overall = {m: 100 * (1 - float(summary[c.PERF_MEAN].isel({c.ITER: -1}).sel({c.METHOD: m})))
               for m in methods}
    return {"overall": overall, "per_problem": per_problem, "problems": complete,
            "seeds": seeds, "methods": methods}


def print_tables(records: list[dict]) -> None:
    halves = {r[0]: r[4] for r in all_problems()}
    for half in ("dev", "val"):
        recs = [r for r in records if halves.get(r["problem"]) == half]
        if not recs:
            continue
        res = score(recs, halves)
        models = sorted({p.split("_")[0] for p in res["problems"]})
        print(f"\n### {half} half: {len(res['problems'])} problems x {len(res['seeds'])} seeds\n")
        print("| method | score | +- se (problems) | " + " | ".join(models)
              + " | min dist: all / rounds 9-16 | suggest s/run |")
        print("|---|---:|---:|" + "---:|" * len(models) + "---:|---:|")
        for m in sorted(res["methods"], key=lambda m: -res["overall"][m]):
            fam = [np.mean([v for p, v in res["per_problem"][m].items()
                            if p.split("_")[0] == model]) for model in models]
            mine = [r for r in recs if label(r) == m and r["problem"] in res["problems"]]
            spread = [r["spread"] for r in mine if r["spread"]]
            sp = (f"{np.mean(spread):.3f} / {np.mean([s[N_CALLS // 2:] for s in spread]):.3f}"
                  if spread else "-")
            sug = np.mean([r["suggest_s"] for r in mine])
            per = np.array(list(res["per_problem"][m].values()))
            se = per.std(ddof=1) / np.sqrt(len(per)) if len(per) > 1 else float("nan")
            print(f"| {m} | {res['overall'][m]:.2f} | {se:.2f} | "
                  + " | ".join(f"{v:.1f}" for v in fam)
                  + f" | {sp} | {sug:.1f} |")
        print("\nproblems: " + ", ".join(res["problems"]))
        print("\nper problem (mean over seeds):")
        for m in sorted(res["methods"], key=lambda m: -res["overall"][m]):
            print(f"  {m}: " + ", ".join(f"{p} {v:.1f}" for p, v in res["per_problem"][m].items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", default="", help="comma-separated problem names (DT_wine_nll)")
    ap.add_argument("--models", default="", help="comma-separated Bayesmark model names")
    ap.add_argument("--data", default="", help="comma-separated data set names")
    ap.add_argument("--half", default="dev", choices=("dev", "val", "all"))
    ap.add_argument("--optimizers", default=",".join(ALL_METHODS))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--batch", action="store_true", help="16 rounds of 8 (the challenge)")
    ap.add_argument("--sequential", action="store_true", help="128 rounds of 1")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--tag", default="", help="suffix of the method labels, e.g. @old")
    ap.add_argument("--out", default="bayesmark-out")
    ap.add_argument("--score", action="store_true", help="print the tables of --out's records")
    args = ap.parse_args(argv)
    unknown = set(args.optimizers.split(",")) - set(ALL_METHODS)
    if unknown:
        print(f"--optimizers: unknown {sorted(unknown)}; known: {', '.join(ALL_METHODS)}",
              file=sys.stderr)
        return 2
    patch_bayesmark()
    if args.score:
        print_tables(load_records(Path(args.out)))
        return 0
    if not (args.batch or args.sequential):
        print("--batch and/or --sequential: say which mode to run", file=sys.stderr)
        return 2
    run_jobs(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
