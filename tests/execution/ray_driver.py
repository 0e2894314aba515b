"""A Ray driver in a process of its own (the driver-restart test kills it): joins the Ray at
``argv[1]`` and runs the study ``argv[3]`` in ``argv[2]`` up to ``argv[4]`` trials."""

from __future__ import annotations

import sys

import ray

import tunecycle as tc
from tests.execution.objectives import slow

if __name__ == "__main__":
    address, url, name, max_trials = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ray.init(address=address, include_dashboard=False,
             log_to_driver=False)
    study = tc.load_study(name, url)
    study.optimize(slow, max_trials=max_trials, n_jobs=2, backend="ray")
    print("driver done", flush=True)
