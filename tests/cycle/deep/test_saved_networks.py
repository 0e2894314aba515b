"""Saved networks: the cycle's networks predict on arrays as on DataFrames; a network is also
saved as JSON plus a weights-only state dict, which ``tc.load_model`` (a network on its own)
and ``init_from`` (any saved network) read without unpickling anything; older joblib-only
files still load."""

from __future__ import annotations

import contextlib
import json
import sys

import joblib
import numpy as np
import pytest
import torch

import tunecycle as tc
from tunecycle.cycle import runner
from tunecycle.cycle.data import load_data
from tunecycle.cycle.deep.estimator import NetClassifier, NetRegressor, load_network
from tunecycle.cycle.metrics import get_metric
from tunecycle.cycle.splits import Validation
from tunecycle.errors import UserError

HOLDOUT = Validation("holdout", ratio=0.2)
TINY_MLP = {"epochs": 2, "n_layers": 1, "width": 16, "lr": 0.01}

_unpickled: list[tuple] = []
_watching: list[bool] = []


def _hook(event: str, args: tuple) -> None:
    if _watching and event == "pickle.find_class":
        _unpickled.append(args)


sys.addaudithook(_hook)  # audit hooks cannot be removed; this one records only when watching


@contextlib.contextmanager
def no_unpickling():
    """Fail if anything in the block makes pickle look up a class (what unpickling does)."""
    _unpickled.clear()
    _watching.append(True)
    try:
        yield
    finally:
        _watching.pop()
    assert _unpickled == [], f"unpickled {_unpickled[:3]}"


def test_the_watch_sees_a_pickle_being_read(tmp_path):
    joblib.dump({"model": get_metric("accuracy", "classification")}, tmp_path / "m.joblib")
    with pytest.raises(AssertionError, match="unpickled"), no_unpickling():
        joblib.load(tmp_path / "m.joblib")


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    """A one-trial mlp cycle on breast_cancer, saved."""
    out = tmp_path_factory.mktemp("mlp") / "out"
    result = tc.tune("sklearn:breast_cancer", model="mlp", n_trials=1, validation=HOLDOUT,
                     space={"mlp": TINY_MLP}, output_dir=out)
    return result, out


def test_a_cycle_mlp_predicts_on_arrays_and_saves_its_network_code_free(mlp_run):
    result, out = mlp_run
    X = load_data("sklearn:breast_cancer").X
    loaded = tc.load_model(out)
    for model in (loaded, result.model):
        assert np.array_equal(model.predict(X.to_numpy()), model.predict(X))
        assert np.allclose(model.predict_proba(X.to_numpy().tolist()), model.predict_proba(X))
    assert np.allclose(loaded.predict_proba(X.to_numpy()), result.model.predict_proba(X))
    with pytest.raises(ValueError, match=r"trained on 30 columns \(mean radius, mean texture, "
                                         r".*\), got 29"):
        loaded.predict(X.to_numpy()[:, :29])
    doc = json.loads((out / "model.net.json").read_text())
    assert doc["in_pipeline"] is True and doc["columns"] == [str(c) for c in X.columns]
    assert doc["arguments"]["family"] == "mlp" and (out / "model.weights.pt").is_file()
    # the pipeline's preprocessing exists only in the pickle: no code-free load of it
    with pytest.raises(UserError, match=r"preprocessing \(a fitted scikit-learn "
                                        r"ColumnTransformer\) is saved only in the pickle"):
        tc.load_model(out, allow_pickle=False)


def test_init_from_reads_a_cycles_network_without_the_pickle(mlp_run, tmp_path):
    result, out = mlp_run
    copy = tmp_path / "checkpoint"
    copy.mkdir()
    for name in ("model.net.json", "model.weights.pt"):  # no model.joblib at all
        (copy / name).write_bytes((out / name).read_bytes())
    with no_unpickling():
        net = load_network(str(copy), "mlp", "classification")
    state, want = net.net_.state_dict(), result.model[-1].net_.state_dict()
    assert all(torch.equal(state[k], want[k]) for k in want)
    rows = result.model[:-1].transform(load_data("sklearn:breast_cancer").X)
    assert np.array_equal(net.predict(rows), result.model[-1].predict(rows))
    tuned = NetClassifier(family="mlp", params={"epochs": 1}, init_from=str(copy), freeze=1)
    tuned.fit(rows, load_data("sklearn:breast_cancer").y)
    assert tuned.n_frozen_ == 1 and tuned.config_.arch == net.config_.arch
    with pytest.raises(UserError, match="init_from: the saved network is a mlp, not a cnn"):
        load_network(str(copy), "cnn", "classification")
    with pytest.raises(UserError, match=r"is the network of a pipeline whose preprocessing is "
                                        r"saved in .*model\.joblib'?, which is missing"):
        tc.load_model(copy)


def test_a_cycle_cnn_on_digits_predicts_on_images_as_rows(tmp_path):
    result = tc.tune("sklearn:digits", model="cnn", n_trials=1, validation=HOLDOUT,
                     space={"cnn": {"epochs": 1, "n_blocks": 1, "filters": 8, "dense": 16}},
                     output_dir=tmp_path)
    X = load_data("sklearn:digits").X
    loaded = tc.load_model(tmp_path)
    rows = X.to_numpy()
    assert np.array_equal(loaded.predict(rows), loaded.predict(X))
    assert np.array_equal(loaded.predict(rows.reshape(-1, 8, 8)), result.model.predict(X))
    assert np.allclose(loaded.predict_proba(rows), result.model.predict_proba(X))
    with pytest.raises(ValueError, match=r"trained on 64 columns \(pixel_0_0, .*\), got 32"):
        loaded.predict(rows[:, :32])


def _rows(n: int = 160, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)).astype(np.float32)
    return X, X[:, 0] - 0.5 * X[:, 1]


def test_a_network_saved_on_its_own_loads_without_pickle(tmp_path):
    X, t = _rows()
    labels = np.where(t > 0, "high", "low")
    params = {"epochs": 2, "n_layers": 2, "units_0": 8, "units_1": 4}  # per-layer widths
    clf = NetClassifier(family="mlp", params=params, seed=1).fit(X, labels)
    reg = NetRegressor(family="mlp", params=TINY_MLP, seed=1).fit(X, t)
    for est, name in ((clf, "clf"), (reg, "reg")):
        path = est.save(tmp_path / f"{name}.joblib")
        assert (tmp_path / f"{name}.net.json").is_file()
        with no_unpickling():
            loaded = tc.load_model(path, allow_pickle=False)
        assert type(loaded) is type(est) and np.array_equal(loaded.predict(X), est.predict(X))
        assert loaded.config_ == est.config_ and loaded.history_ == est.history_
        (tmp_path / f"{name}.joblib").unlink()  # the code-free files alone are enough
        again = tc.load_model(tmp_path / f"{name}.net.json")
        assert np.array_equal(again.predict(X), est.predict(X))
    assert np.allclose(again.predict(X), reg.predict(X))
    assert tc.load_model(tmp_path / "clf.net.json").classes_.tolist() == ["high", "low"]
    with pytest.raises(ValueError, match=r"trained on rows of 6 features .* shape \(160, 5\)"):
        again.predict(X[:, :5])


def test_tampered_stale_and_old_files(tmp_path):
    X, t = _rows()
    est = NetClassifier(family="mlp", params=TINY_MLP, seed=2).fit(X, t > 0)
    path = est.save(tmp_path / "net.joblib")
    weights = tmp_path / "net.weights.pt"
    good = weights.read_bytes()
    other = NetClassifier(family="mlp", params=TINY_MLP, seed=3).fit(X, t > 0)
    torch.save(other.net_.state_dict(), weights)
    with pytest.raises(UserError, match=r"is not the weights file .* SHA-256 differs"):
        tc.load_model(path)
    weights.write_bytes(good)
    # the joblib file rewritten by hand since: the JSON beside it is stale, the joblib wins
    joblib.dump({"model": other}, path)
    assert np.array_equal(tc.load_model(path).predict_proba(X), other.predict_proba(X))
    # a network saved as current main saved it: one joblib file, nothing beside it
    for name in ("net.net.json", "net.weights.pt"):
        (tmp_path / name).unlink()
    joblib.dump({"model": est, "family": "mlp", "params": TINY_MLP}, path)
    assert np.array_equal(tc.load_model(path).predict(X), est.predict(X))
    assert load_network(str(path), "mlp", "classification").n_epochs_ == est.n_epochs_
    with pytest.raises(UserError, match="allow_pickle is False; there is no pickle-free copy"):
        tc.load_model(path, allow_pickle=False)


def test_saving_a_non_network_over_a_network_removes_its_stale_files(mlp_run, tmp_path):
    result, out = mlp_run
    target = tmp_path / "out"
    target.mkdir()
    for name in ("model.net.json", "model.weights.pt"):
        (target / name).write_bytes((out / name).read_bytes())
    logistic = tc.tune("sklearn:breast_cancer", model="logistic", n_trials=1,
                       validation=HOLDOUT).model
    runner._save(target, logistic, "logistic", {}, {}, get_metric("accuracy",
                                                                  "classification"))
    assert sorted(p.name for p in target.iterdir()) == ["model.joblib", "summary.json"]
    assert type(tc.load_model(target)[-1]).__name__ == "LogisticRegression"


@pytest.mark.parametrize("family, params, shape", [
    ("cnn", {"n_blocks": 1, "filters": 4, "dense": 8, "augment": "affine",
             "optimizer": "momentum"}, (1, 4, 4)),
    ("rnn", {"hidden_size": 8, "cell": "gru", "bidirectional": True}, (8, 2)),
    ("transformer", {"n_layers": 1, "d_model": 32, "n_heads": 2, "schedule": "step"}, (4, 4)),
])
def test_every_family_round_trips_through_the_code_free_files(family, params, shape, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 16)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    est = NetClassifier(family=family, params={**params, "epochs": 1}, input_shape=shape,
                        seed=0).fit(X, y)
    est.save(tmp_path / "net.joblib")
    (tmp_path / "net.joblib").unlink()
    with no_unpickling():
        loaded = tc.load_model(tmp_path / "net.net.json", allow_pickle=False)
    assert loaded.config_ == est.config_ and loaded.input_shape_ == est.input_shape_
    assert np.allclose(loaded.predict_proba(X), est.predict_proba(X))


def test_labels_without_a_faithful_json_form_keep_the_joblib_only(tmp_path, caplog):
    from decimal import Decimal

    X, t = _rows(60)
    labels = np.array([Decimal("0.5") if v > 0 else Decimal("1.5") for v in t], dtype=object)
    est = NetClassifier(family="mlp", params=TINY_MLP, seed=0).fit(X, labels)
    path = est.save(tmp_path / "net.joblib")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.joblib"]
    assert "saved as joblib only" in caplog.text
    assert np.array_equal(tc.load_model(path).predict(X), est.predict(X))
