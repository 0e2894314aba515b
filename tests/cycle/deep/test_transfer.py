"""Transfer learning from a config: ``init_from`` names a saved network, ``freeze`` is tuned
over its blocks; a bad or incompatible checkpoint fails before training, naming the field."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml

import tunecycle as tc
from tunecycle.cycle.config import ConfigError, load_config, parse_config, run_config
from tunecycle.cycle.data import load_data
from tunecycle.cycle.deep.estimator import NetClassifier, NetRegressor
from tunecycle.errors import UserError

SMALL_CNN = {"n_blocks": 2, "filters": 8, "dense": 32, "epochs": 3, "lr": 0.01,
             "batch_size": 50}


@pytest.fixture(scope="module")
def pretrained(digits, tmp_path_factory):
    """A small CNN trained on the digits 0 to 4 and saved as ``tc.load_model`` reads it."""
    X, y, _, _ = digits
    net = NetClassifier(family="cnn", params=SMALL_CNN, seed=1).fit(X[y < 5], y[y < 5])
    return net.save(tmp_path_factory.mktemp("checkpoint") / "digits-0-4.joblib")


def cycle(models: dict, **extra) -> dict:
    return {"study": {"n_trials": 2, "seed": 0}, "data": {"source": "sklearn:digits"},
            "split": {"validation": {"kind": "holdout", "ratio": 0.2}},
            "models": models, **extra}


def problems(doc: dict) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        parse_config(doc)
    return dict(info.value.problems)


def test_a_config_fine_tunes_a_saved_network_with_frozen_blocks(pretrained, tmp_path):
    before = {k: v.clone() for k, v in tc.load_model(pretrained).net_.state_dict().items()}
    doc = cycle({"cnn": {"init_from": str(pretrained), "freeze": 2, "epochs": 3,
                         "lr": 0.01, "batch_size": 64}},
                output={"dir": str(tmp_path / "out")})
    path = tmp_path / "cycle.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = run_config(load_config(path), progress=False)
    for trial in result.study.trials:
        assert trial.params["init_from"] == str(pretrained) and trial.params["freeze"] == 2
        assert "n_blocks" not in trial.params  # the architecture comes from the checkpoint
    net = result.model[-1]
    assert net.n_frozen_ == 2 and net.config_.arch["n_blocks"] == 2
    after = net.net_.state_dict()
    for name, value in before.items():
        if name.startswith(("blocks.0.", "blocks.1.")) or name in ("mean", "std"):
            assert torch.equal(after[name], value), name  # frozen (batch-norm statistics too)
    dense = [n for n in before if n.startswith("blocks.2.") and n.endswith("weight")]
    assert dense and all(not torch.equal(after[n], before[n]) for n in dense)  # fine-tuned
    assert before["head.weight"].shape[0] == 5 and after["head.weight"].shape[0] == 10  # new
    saved = tc.load_model(tmp_path / "out")
    X = load_data("sklearn:digits").X
    assert np.array_equal(saved.predict(X), result.model.predict(X))
    # a cycle's output dir (a pipeline) is a checkpoint too, for the next fine-tuning
    from tunecycle.cycle.families import family_space

    again = family_space("cnn", "classification", {"cnn": {"init_from": str(tmp_path / "out")}})
    assert again["freeze"] == tc.Int(0, 3)


def test_freeze_ranges_over_the_checkpoints_blocks_unless_given(pretrained):
    from tunecycle.cycle.families import family_space

    space = family_space("cnn", "classification", {"cnn": {"init_from": str(pretrained)}})
    assert space["freeze"] == tc.Int(0, 3)  # two convolution blocks and the dense block
    assert space["init_from"] == tc.Categorical([str(pretrained)])
    assert not {"n_blocks", "filters", "kernel_size", "dense", "dropout"} & set(space)
    assert "lr" in space and "augment" in space  # training and augmentation stay tuned
    tuned = family_space("cnn", "classification",
                         {"cnn": {"init_from": str(pretrained),
                                  "freeze": {"type": "int", "low": 1, "high": 3}}})
    assert tuned["freeze"] == tc.Int(1, 3)


def test_a_bad_or_incompatible_checkpoint_is_refused_naming_the_field(pretrained, tmp_path):
    X, y = np.random.default_rng(0).normal(size=(60, 5)), np.arange(60) % 2
    regressor = NetRegressor(family="cnn", params={**SMALL_CNN, "epochs": 1},
                             input_shape=(1, 8, 8)).fit(
        np.random.default_rng(0).normal(size=(40, 64)), np.arange(40.0))
    other_task = regressor.save(tmp_path / "regressor.joblib")
    (tmp_path / "junk.joblib").write_text("not a model")
    mlp = NetClassifier(family="mlp", params={"epochs": 1, "n_layers": 1}).fit(X, y)
    other_family = mlp.save(tmp_path / "mlp.joblib")
    cases = {
        str(tmp_path / "missing.joblib"): "no saved model at",
        str(tmp_path / "junk.joblib"): "cannot read",
        str(other_family): "the saved network is a mlp, not a cnn",
        str(other_task): "does regression, not classification",
    }
    for path, reason in cases.items():
        found = problems(cycle({"cnn": {"init_from": path}}))
        assert list(found) == ["models.cnn.init_from"] and reason in found[
            "models.cnn.init_from"], found
    found = problems(cycle({"cnn": {"init_from": str(pretrained), "freeze": 4}}))
    assert found == {"models.cnn.freeze": "the network in init_from has 3 blocks; freeze goes "
                                          "up to 4"}
    found = problems(cycle({"cnn": {"init_from": str(pretrained), "filters": 16}}))
    assert list(found) == ["models.cnn.filters"] and "comes from the network" in found[
        "models.cnn.filters"]
    found = problems(cycle({"cnn": {"freeze": 1}}))
    assert list(found) == ["models.cnn.freeze"] and "init_from" in found["models.cnn.freeze"]
    found = problems(cycle({"cnn": {"init_from": [str(pretrained), str(other_family)]}}))
    assert list(found) == ["models.cnn.init_from"] and "one path" in found[
        "models.cnn.init_from"]


def test_a_checkpoint_for_other_inputs_fails_before_the_first_trial(pretrained, tmp_path):
    rng = np.random.default_rng(0)
    images = rng.normal(size=(80, 6, 6)).astype(np.float32)  # 6x6 images: not 8x8
    storage = f"sqlite:///{tmp_path}/t.db"
    with pytest.raises(UserError, match=r"parameter 'init_from': the saved network takes "
                                        r"inputs of shape \(1, 8, 8\), this data has "
                                        r"\(1, 6, 6\)"):
        tc.tune((images, np.arange(80) % 2), model="cnn", n_trials=1, storage=storage,
                study_name="shape", space={"cnn": {"init_from": str(pretrained)}})
    assert not (tmp_path / "t.db").exists()  # refused before any study, trial or file


def test_the_cli_exits_2_on_a_bad_checkpoint(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "cycle.yaml"
    path.write_text(yaml.safe_dump(cycle({"cnn": {"init_from": str(tmp_path / "none")}})))
    src = str(Path(__file__).resolve().parents[3] / "src")
    done = subprocess.run([sys.executable, "-m", "tunecycle", "run", str(path)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": src})
    assert done.returncode == 2
    assert "models.cnn.init_from: no saved model at" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
