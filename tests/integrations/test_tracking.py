"""What the tracker callbacks share (``tunecycle.integrations.tracking``): user attrs flattened
with the values that have no JSON form left out, the point at which a trial's value follows
its intermediate values, each objective's name and value, the guard that turns a tracker's error into one warning line, and the
config's ``tracking`` section building the callbacks."""

from __future__ import annotations

import logging
import math

import pytest

from tests.integrations.trackers import needs
from tunecycle.errors import UserError
from tunecycle.integrations.tracking import (
    constraint_metrics,
    directions_text,
    failure_safe,
    final_point,
    final_points,
    flat_attrs,
    objective_metrics,
    require,
)
from tunecycle.records import FrozenTrial, TrialState


def test_flat_attrs_walks_mappings_and_leaves_out_what_json_cannot_hold():
    attrs = {"a": 1, "b": {"c": "x", "d": {"e": [1, 2]}}, "nan": math.nan, "obj": object(),
             "none": None}
    assert flat_attrs(attrs) == {"a": 1, "b.c": "x", "b.d.e": [1, 2], "none": None}


def trial(value, intermediate):
    return FrozenTrial(trial_id=1, number=0, state=TrialState.COMPLETE, value=value,
                       intermediate=intermediate)


def test_final_point_follows_the_intermediate_values_without_repeating_them():
    assert final_point(trial(0.5, {})) == (0, 0.5)
    assert final_point(trial(0.5, {0: 0.9, 3: 0.7})) == (3, 0.5)
    assert final_point(trial(0.7, {0: 0.9, 3: 0.7})) is None  # the last one already is it
    assert final_point(trial(None, {0: 0.9})) is None


def test_failure_safe_logs_one_line_and_swallows(caplog):
    with caplog.at_level(logging.WARNING, logger="tunecycle.integrations"):
        with failure_safe("mlflow", "trial 3 of study 's'"):
            raise RuntimeError("store gone\nsecond line")
    lines = [r.getMessage() for r in caplog.records if r.name == "tunecycle.integrations"]
    assert lines == ["mlflow: could not log trial 3 of study 's' (RuntimeError: store gone); "
                     "the study goes on"]


def test_require_names_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "wandb", None)
    with pytest.raises(UserError, match=r"^wandb: wandb is not installed: pip install "
                                        r"'tunecycle\[wandb\]'$"):
        require("wandb")


def test_the_config_builds_each_tracker_with_the_config_metric(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # a SQLite store takes seconds
    for module in ("mlflow", "tensorboard", "wandb"):
        needs(module, module)
    from tunecycle.cycle.config import make_trackers, parse_config

    cfg = parse_config({
        "data": {"source": "sklearn:iris"}, "metric": "f1_macro",
        "tracking": {"mlflow": {"tracking_uri": f"file://{tmp_path}/mlruns"},
                     "tensorboard": {"log_dir": str(tmp_path / "tb"), "metric_name": "f1"},
                     "wandb": {"project": "p", "dir": str(tmp_path / "wb")}},
    })
    made = make_trackers(cfg)
    assert [type(cb).__name__ for cb in made] == ["MLflowCallback", "TensorBoardCallback",
                                                  "WandbCallback"]
    assert [cb.metric_name for cb in made] == ["f1_macro", "f1", "f1_macro"]
    assert made[2].mode == "offline" and made[2].project == "p"


def test_objective_metrics_name_each_objective_and_final_points_skip_a_repeat():
    import tunecycle as tc

    one = tc.create_study(direction="maximize")
    t = FrozenTrial(trial_id=1, number=0, state=TrialState.COMPLETE, value=0.7,
                    intermediate={0: 0.5, 1: 0.7}, constraints=(0.5, -1.0))
    assert directions_text(one) == "maximize"
    assert objective_metrics(one, t, "acc") == {"acc": 0.7}
    assert final_points(one, t, "acc") == {}  # the last intermediate value already is it
    assert constraint_metrics(t) == {"constraint_0": 0.5, "constraint_1": -1.0}

    two = tc.create_study(directions=["maximize", "minimize"])
    mo = FrozenTrial(trial_id=2, number=1, state=TrialState.COMPLETE, values=(0.9, 3.0),
                     intermediate={0: 0.5, 2: 0.8})
    assert directions_text(two) == "maximize,minimize"
    assert objective_metrics(two, mo, "acc") == {"acc_0": 0.9, "acc_1": 3.0}
    two.set_metric_names(["acc", "ms"])
    assert objective_metrics(two, mo, "acc") == {"acc": 0.9, "ms": 3.0}
    assert final_points(two, mo, "acc") == {"acc": (2, 0.9), "ms": (2, 3.0)}
    assert constraint_metrics(mo) == {}
    assert objective_metrics(two, FrozenTrial(trial_id=3, number=2, state=TrialState.FAILED),
                             "acc") == {}


def test_the_config_names_the_trackers_metric_after_the_first_objective(tmp_path):
    needs("tensorboard", "tensorboard")
    from tunecycle.cycle.config import check_config, make_trackers, parse_config

    cfg = parse_config({
        "data": {"source": "sklearn:iris"}, "objectives": ["accuracy", "latency_ms"],
        "study": {"sampler": "random"},
        "tracking": {"tensorboard": {"log_dir": str(tmp_path / "tb")}},
    })
    assert check_config(cfg) == []
    assert [cb.metric_name for cb in make_trackers(cfg)] == ["accuracy"]
