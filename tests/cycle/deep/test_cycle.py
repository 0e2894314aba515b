"""The network families in the tuning cycle: a short tuned run on digits, per-epoch reports a
pruner acts on, the refitted best network saved and reloaded, YAML configs, sequence data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml

import tunecycle as tc
from tunecycle.cycle.config import ConfigError, load_config, parse_config, run_config
from tunecycle.cycle.data import load_data
from tunecycle.cycle.errors import DataError
from tunecycle.cycle.splits import Validation
from tunecycle.pruners import MedianPruner
from tunecycle.records import TrialState

HOLDOUT = Validation("holdout", ratio=0.2)


def test_a_short_tuned_cnn_run_on_digits(tmp_path):
    result = tc.tune("sklearn:digits", model="cnn", n_trials=3, validation=HOLDOUT, seed=0,
                     space={"cnn": {"epochs": tc.Int(3, 5), "n_blocks": tc.Int(1, 2),
                                    "filters": tc.Int(8, 16, log=True), "dense": 32,
                                    "lr": tc.Float(1e-3, 1e-2, log=True)}},
                     output_dir=tmp_path / "out")
    assert result.family == "cnn"
    assert result.test_metrics["accuracy"] > 0.9
    for trial in result.study.trials:
        assert trial.state is TrialState.COMPLETE
        steps = sorted(trial.intermediate)  # one report per epoch run, from epoch 0
        assert steps == list(range(len(steps))) and 1 <= len(steps) <= 5
        assert trial.intermediate[steps[0]] <= 1.0
        assert trial.user_attrs["epochs_needed"][0] <= len(steps)
    best = result.study.best_trial
    assert result.model[-1].n_epochs_ == best.user_attrs["epochs_needed"][0]  # refit for that
    loaded = tc.load_model(tmp_path / "out")
    X = load_data("sklearn:digits").X
    assert np.array_equal(loaded.predict(X), result.model.predict(X))
    assert np.allclose(loaded.predict_proba(X), result.model.predict_proba(X))


def test_a_pruned_network_trial_stops_at_the_pruned_epoch(tmp_path):
    storage = f"sqlite:///{tmp_path}/prune.db"
    study = tc.create_study(name="prune", storage=storage, direction="maximize")
    good = {"lr": 0.01, "epochs": 8, "patience": 8, "n_layers": 1, "width": 32}
    bad = {**good, "optimizer": "sgd", "lr": 1e-4}  # learns next to nothing in 8 epochs
    for config in (good, bad):
        study.enqueue(config)
    space = {"mlp": {"lr": tc.Float(1e-4, 0.1, log=True), "epochs": 8, "patience": 8,
                     "n_layers": 1, "width": 32}}
    result = tc.tune("sklearn:digits", model="mlp", n_trials=2, validation=HOLDOUT,
                     storage=storage, study_name="prune", space=space, sampler="random",
                     pruner=MedianPruner(n_startup_trials=1, n_warmup_steps=2))
    first, second = result.study.trials
    assert first.state is TrialState.COMPLETE and sorted(first.intermediate) == list(range(8))
    assert second.params["optimizer"] == "sgd"
    assert second.state is TrialState.PRUNED
    assert sorted(second.intermediate) == [0, 1, 2] and second.last_step == 2


def test_sequence_families_learn_the_synthetic_task():
    data = load_data("synthetic:sequences?n_samples=300&length=16")
    for family, extra in (("rnn", {"hidden_size": 32, "cell": "gru"}),
                          ("transformer", {"d_model": 32, "n_layers": 1})):
        result = tc.tune(data, model=family, n_trials=1, validation=HOLDOUT,
                         space={family: {"epochs": 15, "lr": 0.01, "batch_size": 32, **extra}})
        assert result.model[-1].input_shape_ == (16, 2)
        assert result.test_metrics["accuracy"] > 0.6, family  # 3 classes: chance is 1/3


def test_synthetic_sequences_are_seeded_and_checked():
    a = load_data("synthetic:sequences?n_samples=40&length=10&n_features=3")
    b = load_data({"source": "synthetic:sequences", "n_samples": 40, "length": 10,
                   "n_features": 3})
    assert a.X.shape == (40, 30) and a.sample_shape == (10, 3)
    assert a.X.equals(b.X) and a.y.equals(b.y)
    other = load_data("synthetic:sequences?n_samples=40&length=10&n_features=3&random_state=1")
    assert not a.X.equals(other.X)
    reg = load_data("synthetic:sequences?n_samples=40", task="regression")
    assert reg.task == "regression" and 0 <= reg.y.min() and reg.y.max() <= 1
    for bad, field in (("synthetic:nope", "source"), ("synthetic:sequences?length=0", "length"),
                       ("synthetic:sequences?colour=red", "colour")):
        with pytest.raises(DataError, match=field):
            load_data(bad)


def test_image_arrays_keep_their_shape_into_the_network():
    rng = np.random.default_rng(0)
    images = rng.random((120, 3, 6, 6)).astype(np.float32)
    labels = (images[:, 0].mean(axis=(1, 2)) > images[:, 2].mean(axis=(1, 2))).astype(int)
    data = load_data((images, labels))
    assert data.sample_shape == (3, 6, 6) and data.X.shape == (120, 108)
    assert data.take([0, 1]).sample_shape == (3, 6, 6)
    result = tc.tune(data, model="cnn", n_trials=1, validation=HOLDOUT,
                     space={"cnn": {"epochs": 2, "n_blocks": 1, "filters": 8, "dense": 16}})
    assert result.model[-1].input_shape_ == (3, 6, 6)


def write(tmp_path, doc) -> str:
    path = tmp_path / "cycle.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_a_yaml_config_runs_a_network_family(tmp_path):
    doc = {"study": {"n_trials": 1}, "data": {"source": "sklearn:digits"},
           "split": {"validation": {"kind": "holdout", "ratio": 0.2}},
           "models": {"mlp": {"epochs": 3, "n_layers": 1, "width": 32}},
           "output": {"dir": str(tmp_path / "model")}}
    result = run_config(load_config(write(tmp_path, doc)), progress=False)
    assert result.family == "mlp" and result.test_metrics["accuracy"] > 0.8
    assert (tmp_path / "model" / "model.joblib").is_file()


def test_a_yaml_config_tunes_each_mlp_layers_width(tmp_path):
    doc = {"study": {"n_trials": 3, "sampler": "random"}, "data": {"source": "sklearn:iris"},
           "split": {"validation": {"kind": "holdout", "ratio": 0.3}},
           "models": {"mlp": {"epochs": 2, "n_layers": {"type": "int", "low": 1, "high": 2},
                              "units_0": {"type": "int", "low": 4, "high": 64},
                              "units_1": [3, 5]}}}
    result = run_config(load_config(write(tmp_path, doc)), progress=False)
    for trial in result.study.trials:
        assert {"units_0", "units_1"} <= set(trial.params)
        assert not {"width", "shape"} & set(trial.params)
    best, net = result.study.best_trial.params, result.model[-1].net_
    widths = [m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [best["units_0"], best["units_1"]][:best["n_layers"]] + [3]


def test_a_bad_network_config_fails_before_training_naming_the_field(tmp_path):
    doc = {"data": {"source": "sklearn:digits"},
           "models": {"cnn": {"dropout": -0.1, "optimizer": ["adam", "lbfgs"]},
                      "rnn": {"hidden_size": {"type": "int", "low": 0, "high": 8}}}}
    with pytest.raises(ConfigError) as info:
        parse_config(doc)
    paths = {path for path, _ in info.value.problems}
    assert paths == {"models.cnn.dropout", "models.cnn.optimizer", "models.rnn.hidden_size"}
    assert "dropout must be in [0, 1), got -0.1" in str(info.value)
    assert "lbfgs" in str(info.value)


def test_bundled_example_configs_for_each_family_are_valid():
    from importlib.resources import files

    examples = files("tunecycle.examples")
    for family in ("mlp", "cnn", "rnn", "transformer"):
        cfg = load_config(str(examples / f"{family}.yaml"))
        assert family in (cfg.models or {})


def test_import_tunecycle_and_the_families_without_torch():
    code = ("import sys, tunecycle, tunecycle.cycle.families, tunecycle.cycle.deep.spaces;"
            "import tunecycle.integrations.torch;"
            "assert 'torch' not in sys.modules, 'torch was imported';"
            "assert callable(tunecycle.load_model)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_with_k_folds_the_first_fold_reports_and_the_refit_takes_the_mean_epochs():
    result = tc.tune("sklearn:breast_cancer", model="mlp", n_trials=1,
                     validation=Validation("kfold", folds=2),
                     space={"mlp": {"epochs": 6, "patience": 2, "n_layers": 1, "width": 16,
                                    "lr": 0.01}})
    trial = result.study.trials[0]
    needed = trial.user_attrs["epochs_needed"]
    assert len(needed) == 2 and all(1 <= n <= 6 for n in needed)
    steps = sorted(trial.intermediate)
    assert steps == list(range(len(steps))) and needed[0] <= len(steps) <= 6
    assert result.model[-1].n_epochs_ == max(1, round(sum(needed) / 2))
