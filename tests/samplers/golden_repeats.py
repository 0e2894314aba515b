"""Seeded runs in wholly discrete spaces (where repeat avoidance decides proposals) of every
sampler that avoids repeats (``data/repeats_golden.json``; see ``test_golden_repeats.py``
for when each run was recorded).  Some
trials fail and some are asked in batches, so failed, running and same-batch configurations
all count.  Run this module to re-record (only when a change of proposals is intended)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import tunecycle as tc

GOLDEN = Path(__file__).parent / "data" / "repeats_golden.json"


def _objective(t):
    p = t.params
    if t.number % 7 == 3:
        raise ValueError("a failing trial")
    value = sum(float(v) for k, v in p.items() if isinstance(v, (int, float)))
    return value + (0.3 if p.get("c") == "a" or p.get("m") == "a" else 0.0) + math.log1p(
        t.number % 3)


def _spaces() -> dict[str, dict]:
    return {
        # 2 * 6 * 5 * 32 = 1920 configurations, a log-scaled integer among them
        "wide": {"n": tc.Int(1, 32, log=True), "k": tc.Int(0, 10, step=2),
                 "s": tc.Float(0, 1, step=0.25), "c": tc.Categorical(["a", "b"])},
        # 4 * 2 * 3 = 24 configurations: used up within the run
        "small": {"k": tc.Int(0, 3), "c": tc.Categorical(["a", "b"]),
                  "s": tc.Float(0, 0.5, step=0.25)},
        # 3 * (4 + 8 log-scaled) = 36 configurations, conditional
        "conditional": {"k": tc.Int(0, 2),
                        "m": tc.Categorical({"a": {"i": tc.Int(1, 4)},
                                             "b": {"j": tc.Int(1, 8, log=True)}})},
    }


def runs() -> dict[str, list]:
    out: dict[str, list] = {}
    plan = {"tpe": 36, "gp": 16, "cmaes": 36, "random": 30, "grid": 26}
    for space_name, space in _spaces().items():
        for name, n in plan.items():
            sampler = tc.samplers.GridSampler(shuffle=True) if name == "grid" else name
            study = tc.create_study(sampler=sampler, seed=7)
            study.optimize(_objective, n_trials=n, space=space)
            try:
                batch = study.ask(space, n=4)
            except tc.SearchSpaceExhausted:
                batch = []
            out[f"{name}-{space_name}"] = [dict(t.params) for t in study.trials]
            for t in batch:
                study.tell(t, 1.0)
    return out


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(runs(), indent=0, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
