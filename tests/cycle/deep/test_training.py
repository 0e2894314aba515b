"""Training behaviour of the network estimators: augmentation touches training batches only,
frozen blocks stay fixed while the rest learns, early stopping stops and restores the best
epoch, fits are reproducible, and a saved network reloads and predicts identically."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

import tunecycle as tc
from tunecycle.cycle.deep.estimator import NetClassifier
from tunecycle.cycle.deep.nets import Net
from tunecycle.errors import UserError

SMALL_CNN = {"n_blocks": 1, "filters": 8, "dense": 32, "epochs": 2, "batch_size": 50}


class NetInputs:
    """Every input a :class:`Net` receives, with whether it was training (a real forward
    pre-hook of torch, on every module)."""

    def __init__(self):
        self.seen: list[tuple[bool, torch.Tensor]] = []

    def __enter__(self):
        def hook(module, args):
            if isinstance(module, Net):
                self.seen.append((module.training, args[0].detach().clone()))

        self.handle = torch.nn.modules.module.register_module_forward_pre_hook(hook)
        return self

    def __exit__(self, *exc):
        self.handle.remove()


def as_rows(batch: torch.Tensor) -> np.ndarray:
    return batch.reshape(len(batch), -1).numpy()


def found_in(rows: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """For each row, whether it equals some row of ``pool``."""
    return np.array([np.any(np.all(np.isclose(pool, r), axis=1)) for r in rows])


def test_augmentation_changes_training_batches_only(digits):
    X, y, X_test, _ = digits
    X, y = X[:200], y[:200]
    params = {**SMALL_CNN, "augment": "affine", "affine.rotation": 25.0, "affine.p": 1.0,
              "affine.translate": 0.1, "affine.scale": 0.1, "affine.flip": 0.0}
    est = NetClassifier(family="cnn", params=params, validation_fraction=0.2)
    with NetInputs() as inputs:
        est.fit(X, y)
        est.predict(X_test[:30])
    train = np.concatenate([as_rows(b) for t, b in inputs.seen if t])
    evals = np.concatenate([as_rows(b) for t, b in inputs.seen if not t])
    assert len(train) > 0 and len(evals) > 0
    assert found_in(train, X).mean() < 0.05  # (almost) every training image was transformed
    assert found_in(evals, np.concatenate([X, X_test])).all()  # validation and test: never

    plain = NetClassifier(family="cnn", params=SMALL_CNN, validation_fraction=0.2)
    with NetInputs() as inputs:
        plain.fit(X, y)
    train = np.concatenate([as_rows(b) for t, b in inputs.seen if t])
    assert found_in(train, X).all()  # without augmentation the batches are the images


def test_frozen_blocks_do_not_change_while_the_rest_learns(digits, tmp_path):
    X, y, _, _ = digits
    low, high = y < 5, y >= 5
    params = {**SMALL_CNN, "n_blocks": 2, "epochs": 3, "lr": 0.01}
    source = NetClassifier(family="cnn", params=params, seed=1).fit(X[low], y[low])
    path = source.save(tmp_path / "pretrained.joblib")
    before = {k: v.clone() for k, v in source.net_.state_dict().items()}

    tuned = NetClassifier(family="cnn", params={"epochs": 3, "lr": 0.01, "n_blocks": 1},
                          init_from=str(path), freeze=2, seed=2)
    tuned.fit(X[high][:100], y[high][:100])
    after = tuned.net_.state_dict()
    assert tuned.config_.arch["n_blocks"] == 2  # the architecture comes from the checkpoint
    for name, value in before.items():
        if name.startswith(("blocks.0.", "blocks.1.")):  # frozen, batch-norm statistics too
            assert torch.equal(after[name], value), name
    moved = [n for n in before if n.startswith("blocks.2.") and "weight" in n]
    assert moved and all(not torch.equal(after[n], before[n]) for n in moved)
    assert list(tuned.classes_) == [5, 6, 7, 8, 9]  # a new head for the new classes
    assert all(torch.equal(after[n], before[n]) for n in ("mean", "std"))  # kept

    with pytest.raises(UserError, match="freeze"):
        NetClassifier(family="cnn", params=params, init_from=source, freeze=9).fit(X, y)
    with pytest.raises(UserError, match="init_from"):
        NetClassifier(family="mlp", init_from=source).fit(X[:50], y[:50])


def test_early_stopping_stops_and_restores_the_best_epoch(digits):
    X, y, _, _ = digits
    values = iter([0.5, 0.9, 0.7, 0.6, 0.8, 0.4, 0.3, 0.2])
    snapshots = []

    def monitor(est, epoch):
        snapshots.append(est.predict_proba(X[:20]))
        return next(values)

    est = NetClassifier(family="mlp", params={"epochs": 8, "patience": 3, "n_layers": 1},
                        monitor=monitor)
    est.fit(X[:300], y[:300])
    assert est.n_epochs_ == 5  # best at epoch 1; epochs 2, 3, 4 brought nothing better
    assert est.best_epoch_ == 1 and est.history_ == [0.5, 0.9, 0.7, 0.6, 0.8]
    assert np.allclose(est.predict_proba(X[:20]), snapshots[1])  # the best epoch's weights

    # with no monitor and no holdout every epoch runs
    full = NetClassifier(family="mlp", params={"epochs": 4, "patience": 1, "n_layers": 1},
                         validation_fraction=0).fit(X[:300], y[:300])
    assert full.n_epochs_ == 4


def test_fits_are_seeded_and_reproducible(digits):
    X, y, X_test, _ = digits
    params = {**SMALL_CNN, "augment": "affine", "dropout": 0.3}
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = NetClassifier(family="cnn", params=params, seed=3).fit(X[:300], y[:300])
    assert torch.equal(torch.get_rng_state(), state)  # the caller's generator is left alone
    b = NetClassifier(family="cnn", params=params, seed=3).fit(X[:300], y[:300])
    c = NetClassifier(family="cnn", params=params, seed=4).fit(X[:300], y[:300])
    assert np.array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert not np.allclose(a.predict_proba(X_test), c.predict_proba(X_test))


def test_estimator_contract_and_saving(digits, tmp_path):
    X, y, X_test, _ = digits
    est = NetClassifier(family="mlp", params={"epochs": 3, "n_layers": 1, "width": 16}, seed=5)
    assert est.get_params()["params"] == {"epochs": 3, "n_layers": 1, "width": 16}
    twin = clone(est)
    assert twin.get_params() == est.get_params() and twin.params is not est.params
    est.fit(X[:300], y[:300])
    assert not hasattr(twin, "net_")
    proba = est.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10) and np.allclose(proba.sum(axis=1), 1.0)
    again = pickle.loads(pickle.dumps(est))
    assert np.array_equal(again.predict_proba(X_test), proba)
    path = est.save(tmp_path / "net.joblib")
    loaded = tc.load_model(path)
    assert isinstance(loaded, NetClassifier) and loaded is not est
    assert np.array_equal(loaded.predict(X_test), est.predict(X_test))
    with pytest.raises(UserError, match="no saved model"):
        tc.load_model(tmp_path / "missing")


def test_precision_and_device_settings_on_a_cpu(digits, caplog):
    X, y, X_test, y_test = digits
    params = {"n_layers": 1, "width": 32, "epochs": 3, "lr": 0.01}
    bf16 = NetClassifier(family="mlp", params={**params, "precision": "bf16", "epochs": 2},
                         device="cpu", validation_fraction=0).fit(X[:200], y[:200])
    assert bf16.precision_ == "bf16" and np.mean(bf16.predict(X_test) == y_test) > 0.3
    with caplog.at_level("WARNING", logger="tunecycle.cycle.deep.estimator"):
        fp16 = NetClassifier(family="mlp", params={**params, "precision": "fp16"},
                             device="cpu").fit(X[:300], y[:300])
    assert fp16.precision_ == "fp32" and "fp16 needs a CUDA GPU" in caplog.text
    auto = NetClassifier(family="mlp", params=params).fit(X[:100], y[:100])
    assert auto.device_.type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="device"):
            NetClassifier(family="mlp", params=params, device="cuda").fit(X[:100], y[:100])
    with pytest.raises(UserError, match="device"):
        NetClassifier(family="mlp", params=params, device="abacus").fit(X[:100], y[:100])


def test_the_environment_picks_the_device_of_auto(monkeypatch):
    from tunecycle.cycle.deep.estimator import pick_device

    monkeypatch.setenv("TUNECYCLE_DEVICE", "cpu")
    assert pick_device("auto") == torch.device("cpu")
    monkeypatch.setenv("TUNECYCLE_DEVICE", "abacus")
    with pytest.raises(UserError, match="device"):
        pick_device("auto")
    assert pick_device("cpu") == torch.device("cpu")  # a named device wins


def test_the_transfer_example_runs_both_ways(capsys):
    from tunecycle.examples import transfer

    for setup, first in (("bold", "source: half of the digits"), ("split", "source: the digits 0-4")):
        transfer.main(["--setup", setup, "--per-class", "2", "--trials", "2", "--epochs", "3",
                       "--pretrain-epochs", "2", "--draws", "2"])
        out = capsys.readouterr().out
        assert out.startswith(first)
        rows = [line for line in out.splitlines() if line.startswith(("| 0 |", "| 1 |"))]
        assert len(rows) == 4  # two draws, two ways each
        assert all("freeze=" in r for r in rows if "| fine-tuned |" in r)
        assert not any("freeze=" in r for r in rows if "| from scratch |" in r)
        assert "gain of transfer learning" in out and "of 2 draws" in out


def test_the_bold_target_is_the_other_half_drawn_thicker():
    from tunecycle.examples import transfer

    (Xs, ys), (Xt, yt) = transfer.domains("bold")
    assert len(Xs) + len(Xt) == 1797 and set(ys) == set(yt) == set(range(10))
    X = np.zeros((1, 64), np.float32)
    X[0, 9] = 7.0  # row 1, column 1
    bold = transfer.bolder(X).reshape(8, 8)
    assert {(r, c) for r, c in zip(*np.nonzero(bold))} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert (transfer.bolder(Xs) >= Xs).all()  # strokes only grow
    data = transfer.draw(Xt, yt, 3, seed=0)
    assert len(data["train"][0]) == len(data["valid"][0]) == 30
    assert len(data["test"][0]) == len(Xt) - 60
