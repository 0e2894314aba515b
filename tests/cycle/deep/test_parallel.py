"""Network trials in parallel worker processes: the driver stays free of torch (so it cannot
have started CUDA before forking, and every worker picks its own device, which is how several
trials share one GPU); what each trial asks of Ray comes from a config."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from tunecycle.cycle.config import ConfigError, parse_config

DRIVER = """
import sys
from tunecycle.cycle.runner import search_only
from tunecycle.cycle.splits import Validation

study = search_only("sklearn:breast_cancer", model="mlp", n_trials=2, n_jobs=2, seed=0,
                    validation=Validation("holdout", ratio=0.2),
                    space={"mlp": {"epochs": 2, "n_layers": 1, "width": 8}})
done = [t for t in study.trials if t.state.name == "COMPLETE"]
assert len(done) == 2, [t.state for t in study.trials]
assert all(t.user_attrs["epochs_needed"] for t in done)  # networks were trained...
assert "torch" not in sys.modules, "the driver imported torch"  # ...in the workers only
print("driver without torch")
"""


def test_a_parallel_network_search_trains_in_the_workers_only():
    done = subprocess.run([sys.executable, "-c", DRIVER], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "driver without torch" in done.stdout


def test_resources_per_trial_come_from_the_config_for_ray_only():
    doc = {"data": {"source": "sklearn:digits"}, "models": ["cnn"],
           "study": {"backend": "ray", "n_jobs": 4, "resources_per_trial": {"cpu": 1,
                                                                             "gpu": 0.25}}}
    assert parse_config(doc).study.resources_per_trial == {"cpu": 1.0, "gpu": 0.25}
    for study, reason in (
        ({"n_jobs": 2, "resources_per_trial": {"gpu": 0.5}}, "is used only with backend: ray"),
        ({"backend": "ray", "resources_per_trial": {"gpu": -1}}, "non-negative amounts"),
    ):
        with pytest.raises(ConfigError) as info:
            parse_config({**doc, "study": study})
        assert [p for p, _ in info.value.problems] == ["study.resources_per_trial"]
        assert reason in str(info.value)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_workers_forked_after_the_driver_started_cuda_fall_back_to_the_cpu():
    code = """
import torch
from tunecycle.cycle.runner import search_only
from tunecycle.cycle.splits import Validation

torch.zeros(1, device="cuda")  # the driver starts CUDA before forking: the mistake
study = search_only("sklearn:breast_cancer", model="mlp", n_trials=2, n_jobs=2,
                    validation=Validation("holdout", ratio=0.2),
                    space={"mlp": {"epochs": 2, "n_layers": 1, "width": 8}})
assert all(t.state.name == "COMPLETE" for t in study.trials), study.trials
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
