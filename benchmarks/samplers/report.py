"""Markdown report of a sampler benchmark run (the JSON lines written by ``run.py``).

Scores are Bayesmark-style, per problem and budget::

    score = 100 * (1 - (best - opt) / (median_random_best - opt))

``opt`` is the problem's known optimum, or else the best loss any run reached on it;
``median_random_best`` is the median over seeds of tunecycle random search's final best at the
same budget (Optuna random's when tunecycle random has no runs).  100 is the optimum, 0 is as
good as typical random search, negative is worse.  Per sampler: mean +- standard error over
seeds per problem, the mean of those per family and over all problems, and the sampler's time
per trial (wall time minus objective time; median and mean over every trial of every run).
``--floor F`` clips every run's score below at F before averaging, so that one heavy-tailed
problem (a run far worse than random) cannot dominate the family and overall means.

    PYTHONPATH=src .venv/bin/python benchmarks/samplers/report.py [benchmarks/out/samplers.jsonl]
    PYTHONPATH=src .venv/bin/python benchmarks/samplers/report.py --floor -100
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import statistics
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINES = ("tc:random", "optuna:random")
FAMILY_ORDER = ("synthetic-low", "synthetic-high", "mixed", "real")
Key = tuple[str, int]  # problem, budget


def load(path: Path) -> tuple[list[dict], list[dict]]:
    """The ``ok`` records and the ``error`` records of a results file."""
    ok, errors = [], []
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            (ok if r.get("status") == "ok" else errors).append(r)
    return ok, errors


def _label(key: Key, budgets: dict[str, set[int]]) -> str:
    problem, n = key
    return problem if len(budgets[problem]) == 1 else f"{problem}@{n}"


def normalise(
    records: list[dict], floor: float | None = None
) -> tuple[dict[Key, dict[str, list[float]]], dict[Key, str]]:
    """Scores per (problem, budget) and sampler, and a note for problems that cannot be scored."""
    by_key: dict[Key, list[dict]] = defaultdict(list)
    for r in records:
        if r["best"] is not None:
            by_key[(r["problem"], r["budget"])].append(r)
    scores: dict[Key, dict[str, list[float]]] = {}
    notes: dict[Key, str] = {}
    for key, runs in by_key.items():
        opt = runs[0]["optimum"]
        opt = min(r["best"] for r in runs) if opt is None else opt
        base = next(([r["best"] for r in runs if r["sampler"] == b] for b in BASELINES
                     if any(r["sampler"] == b for r in runs)), None)  # fmt: skip
        if not base:
            notes[key] = "no random-search runs to normalise against"
            continue
        denom = statistics.median(base) - opt
        per: dict[str, list[float]] = defaultdict(list)
        for r in runs:
            gap = r["best"] - opt
            score = 100.0 * (1 - gap / denom) if denom > 1e-12 else (100.0 if gap <= 1e-12 else 0.0)
            per[r["sampler"]].append(score if floor is None else max(score, floor))
        scores[key] = per
    return scores, notes


def mean_se(xs: list[float]) -> tuple[float, float]:
    m = statistics.fmean(xs)
    return m, (statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else math.nan)


def fmt(m: float, se: float = math.nan) -> str:
    if math.isnan(m):
        return "–"
    m = round(m, 1) + 0.0  # no "-0.0"
    return f"{m:.1f}" if math.isnan(se) else f"{m:.1f} ± {se:.1f}"


def sampler_order(scores: dict[Key, dict[str, list[float]]]) -> list[str]:
    """Samplers by their mean score over all problems, best first."""
    means: dict[str, list[float]] = defaultdict(list)
    for per in scores.values():
        for s, xs in per.items():
            means[s].append(statistics.fmean(xs))
    return sorted(means, key=lambda s: -statistics.fmean(means[s]))


def summary_table(records: list[dict], scores: dict, families: dict[Key, str]) -> list[str]:
    samplers = sampler_order(scores)
    fams = [f for f in FAMILY_ORDER if f in families.values()]
    n_keys = len(scores)
    head = ["sampler", *fams, "all problems", "ms/trial median", "ms/trial mean", "runs"]
    lines = [_row(head), _row(["---"] + ["---:"] * (len(head) - 1))]
    for s in samplers:
        per_problem = {k: statistics.fmean(per[s]) for k, per in scores.items() if s in per}
        cells = [s]
        for f in fams:
            xs = [v for k, v in per_problem.items() if families[k] == f]
            cells.append(fmt(statistics.fmean(xs)) if xs else "–")
        star = "" if len(per_problem) == n_keys else f" ({len(per_problem)}/{n_keys})"
        cells.append(fmt(statistics.fmean(per_problem.values())) + star)
        ms = [t for r in records if r["sampler"] == s for t in r["sampler_ms"]]
        cells += [f"{statistics.median(ms):.2f}", f"{statistics.fmean(ms):.2f}"]
        cells.append(str(sum(r["sampler"] == s for r in records)))
        lines.append(_row(cells))
    return lines


def problem_table(scores: dict, families: dict[Key, str], labels: dict[Key, str]) -> list[str]:
    samplers = sampler_order(scores)
    head = ["problem", "family", *samplers]
    lines = [_row(head), _row(["---", "---"] + ["---:"] * len(samplers))]
    order = sorted(scores, key=lambda k: (FAMILY_ORDER.index(families[k]), k))
    for k in order:
        cells = [labels[k], families[k]]
        cells += [fmt(*mean_se(scores[k][s])) if s in scores[k] else "–" for s in samplers]
        lines.append(_row(cells))
    return lines


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def header(path: Path, records: list[dict], errors: list[dict]) -> list[str]:
    """The commands that produced the file, the machines, and what the runs cover."""
    lines = [f"# Sampler benchmark: `{path}`", ""]
    lines.append("Report: `" + shlex.join([Path(sys.executable).name, *sys.argv]) + "`")
    lines += ["", "Runs produced by:"]
    lines += [f"- `{c}`" for c in dict.fromkeys(r.get("command", "?") for r in records + errors)]
    machines = {json.dumps(r.get("machine", {}), sort_keys=True) for r in records}
    for m in map(json.loads, sorted(machines)):
        vers = ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items() if v)
        lines.append(f"- machine: {m.get('cpu')}, {m.get('cores')} cores, Python "
                     f"{m.get('python')}, {m.get('platform')}; {vers}")  # fmt: skip
    seeds = sorted({r["seed"] for r in records})
    lines.append(f"- {len(records)} runs, seeds {seeds}, {len(errors)} errors")
    ran = {r["sampler"] for r in records}
    skipped = {s: why for r in records + errors for s, why in r.get("unavailable", {}).items()}
    lines += [f"- not run: {s} ({why})" for s, why in skipped.items() if s not in ran]
    return lines


def report(path: Path, floor: float | None = None) -> str:
    records, errors = load(path)
    if not records:
        return f"no results in {path}"
    budgets: dict[str, set[int]] = defaultdict(set)
    for r in records:
        budgets[r["problem"]].add(r["budget"])
    scores, notes = normalise(records, floor)
    families = {(r["problem"], r["budget"]): r["family"] for r in records}
    labels = {k: _label(k, budgets) for k in families}
    out = header(path, records, errors)
    clip = "" if floor is None else f"; each run's score clipped below at {floor:g}"
    out += ["", f"## Normalised score by family (100 = optimum, 0 = median random search{clip})"]
    out += [""]
    out += summary_table(records, scores, families)
    out += ["", "## Score per problem: mean ± standard error over seeds", ""]
    out += problem_table(scores, families, labels)
    out += ["", "Budgets: " + ", ".join(f"{labels[k]} {k[1]}" for k in sorted(scores))]
    out += [f"- {labels[k]}: {why}" for k, why in notes.items()]
    for e in errors:
        out.append(f"- error: {e['problem']} {e['sampler']} seed {e['seed']}: {e['error']}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", nargs="?", type=Path, default=HERE.parent / "out" / "samplers.jsonl")
    ap.add_argument("--floor", type=float, help="clip each run's score below at this value")
    args = ap.parse_args(argv)
    if not args.path.exists():
        print(f"{args.path}: no such file (run benchmarks/samplers/run.py first)", file=sys.stderr)
        return 2
    print(report(args.path, args.floor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
