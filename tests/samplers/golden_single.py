"""Seeded single-objective runs of TPE, GP and auto, recorded before multi-objective support was
added (``tests/samplers/data/single_objective_golden.json``), so that the multi-objective and
constraint paths provably leave single-objective proposals unchanged.  Run this module to
re-record (only when a single-objective change is intended)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import tunecycle as tc

GOLDEN = Path(__file__).parent / "data" / "single_objective_golden.json"


def _mixed(t):
    x, n, c = t.params["x"], t.params["n"], t.params["c"]
    return (x - 0.7) ** 2 + math.log(n) / 5 + (0.0 if c == "b" else 0.5)


def _conditional(trial):
    kind = trial.suggest_categorical("kind", ["lin", "rbf"])
    c = trial.suggest_float("C", 1e-3, 1e3, log=True)
    if kind == "rbf":
        g = trial.suggest_float("gamma", 1e-4, 1.0, log=True)
        return abs(math.log10(c)) + abs(math.log10(g) + 2)
    return abs(math.log10(c) - 1)


def _pruned(trial):
    x = trial.params["x"]
    for step in range(3):
        trial.report(x + (3 - step) * 0.1, step)
        if trial.number % 3 == 1 and step == 1:
            raise tc.TrialPruned()
    return x * x


def runs() -> dict[str, list]:
    mixed = {"x": tc.Float(-3, 3), "n": tc.Int(1, 64, log=True),
             "c": tc.Categorical(["a", "b", "c"])}
    out: dict[str, list] = {}
    for name, n in (("tpe", 40), ("gp", 18), ("auto", 18)):
        study = tc.create_study(sampler=name, seed=11)
        study.optimize(_mixed, n_trials=n, space=mixed)
        batch = study.ask(mixed, n=3)
        out[f"{name}-mixed"] = [dict(t.params) for t in study.trials]
        for t in batch:
            study.tell(t, 1.0)
    study = tc.create_study(sampler="tpe", seed=5, direction="maximize")
    study.optimize(lambda t: -_conditional(t), n_trials=40)
    out["tpe-conditional-max"] = [dict(t.params) for t in study.trials]
    study = tc.create_study(sampler="tpe", seed=3)
    study.optimize(_pruned, n_trials=30, space={"x": tc.Float(-1, 1)})
    out["tpe-pruned"] = [dict(t.params) for t in study.trials]
    return out


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(runs(), indent=0, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
