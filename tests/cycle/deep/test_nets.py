"""Each family builds the architecture its hyperparameters describe; each optimiser, loss and
schedule is wired as chosen; a bad configuration fails before training, naming the field."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tunecycle.cycle.deep.estimator import (
    NetClassifier,
    NetRegressor,
    _loss,
    _optimizer,
    _scheduler,
)
from tunecycle.cycle.deep.netconfig import resolve
from tunecycle.cycle.deep.nets import build_net
from tunecycle.errors import UserError


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def lstm_params(n_in: int, hidden: int) -> int:
    return 4 * (hidden * n_in + hidden * hidden + 2 * hidden)


def test_mlp_layers_widths_and_parameter_count():
    cfg = resolve("mlp", {"n_layers": 3, "width": 32, "shape": "funnel", "batch_norm": True,
                          "activation": "gelu", "dropout": 0.2}, "classification")
    net = build_net(cfg, (64,), 10)
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (64, 32), (32, 16), (16, 8), (8, 10)]
    assert len(net.blocks) == 3
    assert sum(isinstance(m, nn.BatchNorm1d) for m in net.modules()) == 3
    assert sum(isinstance(m, nn.GELU) for m in net.modules()) == 3
    assert all(m.p == 0.2 for m in net.modules() if isinstance(m, nn.Dropout))
    expected = (64 * 32 + 32) + (32 * 16 + 16) + (16 * 8 + 8) + (8 * 10 + 10) + 2 * (32 + 16 + 8)
    assert n_params(net) == expected
    assert net(torch.zeros(5, 64)).shape == (5, 10)
    constant = build_net(resolve("mlp", {"n_layers": 2, "width": 20}, "regression"), (7,), 1)
    assert [m.out_features for m in constant.modules() if isinstance(m, nn.Linear)] == [20, 20, 1]


def test_mlp_takes_one_width_per_layer():
    cfg = resolve("mlp", {"n_layers": 3, "units_0": 48, "units_1": 100, "units_2": 7,
                          "units_3": 99, "batch_norm": True}, "classification")
    net = build_net(cfg, (64,), 10)
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (64, 48), (48, 100), (100, 7), (7, 10)]  # units_3: drawn for a deeper net, unused
    assert [m.num_features for m in net.modules() if isinstance(m, nn.BatchNorm1d)] == [
        48, 100, 7]
    expected = (64 * 48 + 48) + (48 * 100 + 100) + (100 * 7 + 7) + (7 * 10 + 10) + 2 * (
        48 + 100 + 7)
    assert n_params(net) == expected
    with pytest.raises(UserError, match="units_1 is missing"):
        resolve("mlp", {"n_layers": 2, "units_0": 8}, "classification")
    with pytest.raises(UserError, match="unknown parameter"):
        resolve("cnn", {"units_0": 8}, "classification")


def test_a_space_tunes_each_mlp_layers_width():
    import tunecycle as tc
    from tunecycle.cycle.families import build_estimator, family_space

    space = family_space("mlp", "classification", {"mlp": {
        "n_layers": {"type": "int", "low": 1, "high": 2}, "units_0": tc.Int(16, 64),
        "units_1": [8, 32]}})
    assert "width" not in space and "shape" not in space  # no say with per-layer widths
    assert space["units_0"] == tc.Int(16, 64) and space["units_1"] == tc.Categorical([8, 32])
    for depth, widths in ((1, [40]), (2, [40, 8])):
        params = {**tc.Space(space).from_unit([0.5] * len(tc.Space(space))), "n_layers": depth,
                  "units_0": 40, "units_1": 8}
        _, est = build_estimator(params, "classification", family="mlp")
        cfg = resolve("mlp", est.params, "classification")
        net = build_net(cfg, (5,), 3)
        assert [m.out_features for m in net.modules() if isinstance(m, nn.Linear)] == [
            *widths, 3]
    with pytest.raises(UserError, match="units_1.*units_0 to units_1"):
        family_space("mlp", "classification", {"mlp": {"n_layers": 2, "units_0": 8}})
    with pytest.raises(UserError, match="'width'.*per-layer widths"):
        family_space("mlp", "classification",
                     {"mlp": {"n_layers": 1, "units_0": 8, "width": 16}})
    with pytest.raises(UserError, match="'units_2'.*never exists"):
        family_space("mlp", "classification",
                     {"mlp": {"n_layers": 2, "units_0": 8, "units_1": 8, "units_2": 8}})


def test_cnn_blocks_kernels_pooling_and_head():
    cfg = resolve("cnn", {"n_blocks": 2, "filters": 8, "kernel_size": 3, "pool": "avg",
                          "pool_size": 2, "batch_norm": False, "dense": 32}, "classification")
    net = build_net(cfg, (1, 8, 8), 10)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [
        (1, 8, (3, 3)), (8, 16, (3, 3))]
    assert sum(isinstance(m, nn.AvgPool2d) for m in net.modules()) == 2
    assert len(net.blocks) == 3  # two convolution blocks and the dense block
    # 8x8 -> 4x4 -> 2x2 with 16 channels: 64 inputs to the dense layer
    expected = (8 * 9 + 8) + (16 * 8 * 9 + 16) + (64 * 32 + 32) + (32 * 10 + 10)
    assert n_params(net) == expected
    assert net(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
    # a third pooling step would shrink 1x1 below a pixel with size 3: it is skipped
    deep = build_net(resolve("cnn", {"n_blocks": 3, "pool_size": 3, "filters": 4},
                             "classification"), (1, 8, 8), 10)
    assert sum(isinstance(m, nn.MaxPool2d) for m in deep.modules()) == 1
    assert deep(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_rnn_cells_layers_and_directions():
    cfg = resolve("rnn", {"cell": "lstm", "n_layers": 2, "hidden_size": 16,
                          "bidirectional": True}, "classification")
    net = build_net(cfg, (24, 2), 3)
    lstms = [m for m in net.modules() if isinstance(m, nn.LSTM)]
    assert len(lstms) == 2 and all(m.bidirectional and m.hidden_size == 16 for m in lstms)
    assert net.head.in_features == 32
    expected = 2 * lstm_params(2, 16) + 2 * lstm_params(32, 16) + (32 * 3 + 3)
    assert n_params(net) == expected
    assert net(torch.zeros(4, 24, 2)).shape == (4, 3)
    gru = build_net(resolve("rnn", {"cell": "gru", "n_layers": 1}, "regression"), (10, 1), 1)
    assert any(isinstance(m, nn.GRU) for m in gru.modules())
    assert gru(torch.zeros(2, 10, 1)).shape == (2, 1)


def test_transformer_layers_heads_and_width():
    cfg = resolve("transformer", {"n_layers": 3, "d_model": 32, "n_heads": 4, "ff_mult": 2,
                                  "dropout": 0.0}, "classification")
    net = build_net(cfg, (24, 2), 3)
    layers = [m for m in net.modules() if isinstance(m, nn.TransformerEncoderLayer)]
    assert len(layers) == 3 and len(net.blocks) == 4
    assert all(m.self_attn.num_heads == 4 and m.linear1.out_features == 64 for m in layers)
    assert net(torch.zeros(2, 24, 2)).shape == (2, 3)
    with pytest.raises(UserError, match="divisible by n_heads"):
        resolve("transformer", {"d_model": 32, "n_heads": 3}, "classification")


@pytest.mark.parametrize("name,cls,check", [
    ("sgd", torch.optim.SGD, lambda g: g["momentum"] == 0),
    ("momentum", torch.optim.SGD, lambda g: g["momentum"] == 0.8 and g["nesterov"]),
    ("adam", torch.optim.Adam, lambda g: g["betas"] == (0.85, 0.95)),
    ("adamw", torch.optim.AdamW, lambda g: g["betas"] == (0.85, 0.95)),
    ("rmsprop", torch.optim.RMSprop, lambda g: g["alpha"] == 0.95),
    ("adagrad", torch.optim.Adagrad, lambda g: True),
])
def test_each_optimiser_is_wired_with_its_knobs(name, cls, check):
    sub = {"momentum": {"momentum.momentum": 0.8, "momentum.nesterov": True},
           "adam": {"adam.beta1": 0.85, "adam.beta2": 0.95},
           "adamw": {"adamw.beta1": 0.85, "adamw.beta2": 0.95},
           "rmsprop": {"rmsprop.alpha": 0.95}}.get(name, {})
    cfg = resolve("mlp", {"optimizer": name, "lr": 0.02, "weight_decay": 1e-3, **sub},
                  "classification")
    opt = _optimizer(cfg, list(nn.Linear(3, 2).parameters()))
    group = opt.param_groups[0]
    assert type(opt) is cls
    assert group["lr"] == 0.02 and group["weight_decay"] == 1e-3 and check(group)


def test_losses_and_schedules_are_wired():
    cls = "classification"
    assert isinstance(_loss(resolve("mlp", {}, cls)), nn.CrossEntropyLoss)
    smooth = _loss(resolve("mlp", {"loss": "label_smoothing",
                                   "label_smoothing.smoothing": 0.2}, cls))
    assert smooth.label_smoothing == 0.2
    reg = "regression"
    assert isinstance(_loss(resolve("mlp", {}, reg)), nn.MSELoss)
    assert isinstance(_loss(resolve("mlp", {"loss": "mae"}, reg)), nn.L1Loss)
    huber = _loss(resolve("mlp", {"loss": "huber", "huber.delta": 2.5}, reg))
    assert isinstance(huber, nn.HuberLoss) and huber.delta == 2.5
    with pytest.raises(UserError, match="loss must be one of"):
        resolve("mlp", {"loss": "mse"}, cls)
    opt = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    step = _scheduler(resolve("mlp", {"schedule": "step", "step.every": 3,
                                      "step.gamma": 0.5}, cls), opt)
    assert isinstance(step, torch.optim.lr_scheduler.StepLR) and step.step_size == 3
    cosine = _scheduler(resolve("mlp", {"schedule": "cosine", "epochs": 7}, cls), opt)
    assert isinstance(cosine, torch.optim.lr_scheduler.CosineAnnealingLR) and cosine.T_max == 7
    assert _scheduler(resolve("mlp", {}, cls), opt) is None


@pytest.mark.parametrize("params,field", [
    ({"dropout": -0.1}, "dropout"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"lr": 0.0}, "lr"),
    ({"batch_size": 0}, "batch_size"),
    ({"activation": "swish"}, "activation"),
    ({"adam.beta2": 1.0}, "beta2"),
    ({"nonsense": 1}, "nonsense"),
    ({"optimizer": "sgd", "adam.beta1": 0.9}, "adam.beta1"),
])
def test_bad_params_are_refused_naming_the_field(params, field):
    with pytest.raises(UserError, match=field):
        resolve("mlp", params, "classification")


def test_a_kernel_larger_than_the_images_fails_before_training(digits):
    X, y, _, _ = digits
    calls = []
    est = NetClassifier(family="cnn", params={"kernel_size": 9, "epochs": 2},
                        monitor=lambda e, epoch: calls.append(epoch) or 0.0)
    with pytest.raises(UserError, match="kernel_size"):
        est.fit(X[:50], y[:50])
    assert calls == [] and not hasattr(est, "net_")


def test_l1_penalty_shrinks_the_weights(digits):
    X, y, _, _ = digits
    base = {"n_layers": 1, "width": 32, "epochs": 5, "lr": 0.01}
    plain = NetClassifier(family="mlp", params={**base, "l1": 1e-8}, validation_fraction=0)
    sparse = NetClassifier(family="mlp", params={**base, "l1": 1e-2}, validation_fraction=0)
    plain.fit(X[:400], y[:400])
    sparse.fit(X[:400], y[:400])
    weight = plain.net_.blocks[0][0].weight.abs().sum()
    assert sparse.net_.blocks[0][0].weight.abs().sum() < 0.5 * weight


def test_regressor_standardises_the_target_and_predicts_in_its_units():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)).astype(np.float32)
    y = 100 + 30 * X[:, 0] - 20 * X[:, 1]
    est = NetRegressor(family="mlp", params={"epochs": 40, "lr": 0.01, "loss": "huber"},
                       validation_fraction=0).fit(X, y)
    pred = est.predict(X)
    assert pred.shape == (300,)
    assert np.corrcoef(pred, y)[0, 1] > 0.95 and abs(pred.mean() - y.mean()) < 5


def test_docstring_table_is_current():
    from tunecycle.cycle import families as fm
    from tunecycle.cycle.deep import spaces

    rows = fm.space_table(list(spaces.DEEP_NAMES)).splitlines()
    shared = [r for r in rows if r.startswith("| mlp |")][6:]  # mlp rows after its own six
    shared_names = {r.split(" | ")[1] for r in shared}
    for row in rows[2:]:
        family, name = row.split(" | ")[:2]
        if family == "| mlp" or name not in shared_names:  # the shared rows: once, for mlp
            assert row in spaces.__doc__, row
    assert "\n".join(rows[:2]) in spaces.__doc__
    assert fm.space_table() in fm.__doc__  # the classical table does not list the networks
