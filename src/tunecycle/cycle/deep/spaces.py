"""Default search spaces of the deep-learning families, and the checks of a configuration.

No torch here, and nothing above it in the cycle: the network families
(:mod:`tunecycle.cycle.families.networks`) read these specs when they are registered, and the
config checks of ``tunecycle run`` use them before anything is trained.

Every network family shares the *training* hyperparameters (optimiser and its knobs, learning
rate, L2 and L1 penalties, batch size, epochs with early stopping, learning-rate schedule,
loss, precision) and adds its architecture.  Conditional parameters are named
``"<choice>.<name>"`` as elsewhere in the cycle: ``optimizer="adam"`` activates
``adam.beta1`` and ``adam.beta2``; ``augment="affine"`` activates ``affine.rotation`` and the
other magnitudes.

Beyond the default space, an override may add (:func:`finish_space` and the network family's
``finish_space`` say what they do to the rest): ``init_from``, one path to a network tunecycle saved, whose architecture then replaces
the family's architecture parameters (read from the network's ``.net.json`` and
``.weights.pt`` without unpickling when they are there, else from its joblib pickle), and ``freeze``, the blocks of it kept fixed (tuned over
all of them unless given); and for an mlp ``units_0`` ... ``units_7``, one width per hidden
layer, for every depth ``n_layers`` can reach, in place of ``width`` and its ``shape`` rule.

:func:`~tunecycle.cycle.deep.netconfig.resolve` (in ``netconfig``, from the spaces and limits
here) turns a trial's params (any subset: missing ones take the defaults below) into
a checked ``NetConfig``, raising :class:`~tunecycle.errors.UserError` that names the
field (``model family 'cnn': dropout must be in [0, 1), got -0.1``) before any network is
built.  :func:`check_override` does the same for a range given as an override, so a config
file with ``dropout: -0.1`` or ``optimizer: [adam, lbfgs]`` is refused up front.

Default spaces (``space_table()`` in :mod:`tunecycle.cycle.families` renders this table; a
test keeps it current):

| family | hyperparameter | range | scale | default | why this range |
|---|---|---|---|---|---|
| mlp | n_layers | [1, 4] | int | 2 | tabular data rarely gains from more than a few hidden layers |
| mlp | width | [16, 512] | log int | 128 | units of the first hidden layer; log scale because doubling matters |
| mlp | shape | constant, funnel | choice | constant | every layer as wide as the first, or each half as wide as the one before |
| mlp | activation | relu, leaky_relu, gelu, tanh, sigmoid | choice | relu | the usual non-linearities; sigmoid and tanh saturate and train slower |
| mlp | dropout | [0, 0.5] | linear | 0.0 | share of units dropped in training; above one half the network starves |
| mlp | batch_norm | False, True | choice | False | normalising each layer's input steadies training of deeper stacks |
| mlp | optimizer | sgd, momentum, adam, adamw, rmsprop, adagrad | choice | adam | plain SGD, SGD with (Nesterov) momentum, the adaptive methods |
| mlp | momentum.momentum | [0.5, 0.99] | linear | — (only under momentum) | below 0.5 it is close to plain SGD; 0.9 is the common value |
| mlp | momentum.nesterov | False, True | choice | — (only under momentum) | Nesterov's look-ahead often converges a little faster |
| mlp | adam.beta1 | [0.8, 0.99] | linear | 0.9 | decay of the first-moment (momentum) average |
| mlp | adam.beta2 | [0.9, 0.9999] | linear | 0.999 | decay of the second-moment average; lower values adapt faster |
| mlp | adamw.beta1 | [0.8, 0.99] | linear | — (only under adamw) | as adam.beta1 |
| mlp | adamw.beta2 | [0.9, 0.9999] | linear | — (only under adamw) | as adam.beta2 |
| mlp | rmsprop.alpha | [0.9, 0.999] | linear | — (only under rmsprop) | decay of the squared-gradient average |
| mlp | lr | [0.0001, 0.3] | log | 0.001 | learning rate; adaptive methods like 1e-4..1e-2, SGD 1e-2..0.3 |
| mlp | weight_decay | [1e-08, 0.01] | log | 1e-08 | L2 penalty (decoupled for adamw); 1e-8 is off in effect |
| mlp | l1 | [1e-08, 0.001] | log | 1e-08 | L1 penalty on the weights, added to the loss; 1e-8 is off in effect |
| mlp | batch_size | [16, 256] | log int | 64 | small batches regularise by noise, large ones are faster per epoch |
| mlp | epochs | [5, 100] | log int | 30 | the most epochs; early stopping usually ends training sooner |
| mlp | patience | [2, 20] | int | 5 | epochs without a better validation value before training stops |
| mlp | schedule | none, cosine, step | choice | none | constant rate, cosine decay to zero, or a step decay |
| mlp | step.every | [2, 30] | int | — (only under step) | epochs between two decays |
| mlp | step.gamma | [0.1, 0.9] | linear | — (only under step) | factor of each decay |
| mlp | precision | fp32 | choice | fp32 | fixed at fp32; override with [fp32, fp16] or bf16 to use mixed precision on a GPU |
| mlp | loss (classification) | cross_entropy, label_smoothing | choice | cross_entropy | label smoothing keeps the network from becoming over-confident |
| mlp | label_smoothing.smoothing (classification) | [0.01, 0.3] | linear | — (only under label_smoothing) | share of the target spread over the other classes |
| mlp | loss (regression) | mse, mae, huber | choice | mse | squared error, absolute error (robust), or Huber (both) |
| mlp | huber.delta (regression) | [0.1, 10] | log | — (only under huber) | where Huber turns from squared to absolute, in standard deviations of the target |
| cnn | n_blocks | [1, 3] | int | 2 | convolution blocks (conv, norm, activation, pooling); small images allow few poolings |
| cnn | filters | [8, 64] | log int | 32 | filters of the first block; each further block doubles them |
| cnn | kernel_size | 3, 5 | choice | 3 | the receptive field of one convolution; 3 stacked twice sees as far as 5 |
| cnn | pool | max, avg | choice | max | max pooling keeps the strongest response, average pooling smooths |
| cnn | pool_size | 2, 3 | choice | 2 | how much each block shrinks the image; 2 halves it |
| cnn | activation | relu, leaky_relu, gelu, tanh, sigmoid | choice | relu | as for mlp |
| cnn | dropout | [0, 0.5] | linear | 0.25 | dropout before the dense head and inside it |
| cnn | batch_norm | False, True | choice | True | batch normalisation after each convolution |
| cnn | dense | [16, 256] | log int | 128 | units of the dense layer of the head |
| cnn | augment | none, affine | choice | none | random affine transforms of the training images only |
| cnn | affine.rotation | [0, 30] | linear | — (only under affine) | largest rotation, in degrees |
| cnn | affine.translate | [0, 0.25] | linear | — (only under affine) | largest shift, as a share of the image size |
| cnn | affine.scale | [0, 0.25] | linear | — (only under affine) | largest zoom in or out, as a share |
| cnn | affine.flip | [0, 0.5] | linear | — (only under affine) | probability of a left-right flip (keep 0 for digits and text) |
| cnn | affine.p | [0.1, 1] | linear | — (only under affine) | probability that an image is transformed at all |
| rnn | cell | lstm, gru | choice | lstm | LSTM or the lighter GRU |
| rnn | n_layers | [1, 3] | int | 1 | stacked recurrent layers |
| rnn | hidden_size | [16, 256] | log int | 64 | state size of each layer (each direction) |
| rnn | bidirectional | False, True | choice | False | read the sequence both ways (whole sequences only) |
| rnn | dropout | [0, 0.5] | linear | 0.0 | between stacked layers and before the head |
| transformer | n_layers | [1, 4] | int | 2 | encoder layers |
| transformer | d_model | 32, 64, 128 | choice | 64 | model width; every choice is divisible by every head count |
| transformer | n_heads | 1, 2, 4, 8 | choice | 4 | attention heads; each sees d_model / n_heads dimensions |
| transformer | ff_mult | 2, 4 | choice | 4 | width of the feed-forward block, as a multiple of d_model |
| transformer | dropout | [0, 0.3] | linear | 0.1 | inside attention and feed-forward blocks |

The training rows (optimizer to loss) are the same for every family; only mlp's are shown.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from tunecycle.errors import UserError
from tunecycle.space import Categorical, Float, Int, Param, ParamValue

DEEP_NAMES: tuple[str, ...] = ("mlp", "cnn", "rnn", "transformer")
ACTIVATIONS: tuple[str, ...] = ("relu", "leaky_relu", "gelu", "tanh", "sigmoid")
OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULES: tuple[str, ...] = ("none", "cosine", "step")
LOSSES: dict[str, tuple[str, ...]] = {
    "classification": ("cross_entropy", "label_smoothing"),
    "regression": ("mse", "mae", "huber"),
}
PRECISIONS: tuple[str, ...] = ("fp32", "fp16", "bf16")
CHOICES: dict[str, tuple[Any, ...]] = {
    "activation": ACTIVATIONS,
    "optimizer": OPTIMIZERS,
    "schedule": SCHEDULES,
    "loss": LOSSES["classification"] + LOSSES["regression"],
    "precision": PRECISIONS,
    "shape": ("constant", "funnel"),
    "pool": ("max", "avg"),
    "augment": ("none", "affine"),
    "cell": ("lstm", "gru"),
    "batch_norm": (False, True),
    "bidirectional": (False, True),
    "nesterov": (False, True),
}
# name -> (low, high, low_closed, high_closed, integer); None: unbounded on that side
_LIMITS: dict[str, tuple[float | None, float | None, bool, bool, bool]] = {
    "dropout": (0.0, 1.0, True, False, False),
    "lr": (0.0, None, False, False, False),
    "weight_decay": (0.0, None, True, False, False),
    "l1": (0.0, None, True, False, False),
    "batch_size": (1, None, True, False, True),
    "epochs": (1, None, True, False, True),
    "patience": (1, None, True, False, True),
    "n_layers": (1, None, True, False, True),
    "n_blocks": (1, None, True, False, True),
    "width": (1, None, True, False, True),
    "filters": (1, None, True, False, True),
    "dense": (1, None, True, False, True),
    "hidden_size": (1, None, True, False, True),
    "kernel_size": (1, None, True, False, True),
    "pool_size": (1, None, True, False, True),
    "d_model": (1, None, True, False, True),
    "n_heads": (1, None, True, False, True),
    "ff_mult": (1, None, True, False, True),
    "momentum": (0.0, 1.0, True, False, False),
    "beta1": (0.0, 1.0, True, False, False),
    "beta2": (0.0, 1.0, True, False, False),
    "alpha": (0.0, 1.0, False, False, False),
    "smoothing": (0.0, 1.0, True, False, False),
    "delta": (0.0, None, False, False, False),
    "every": (1, None, True, False, True),
    "gamma": (0.0, 1.0, False, True, False),
    "rotation": (0.0, 180.0, True, True, False),
    "translate": (0.0, 1.0, True, False, False),
    "scale": (0.0, 1.0, True, False, False),
    "flip": (0.0, 1.0, True, True, False),
    "p": (0.0, 1.0, True, True, False),
    "freeze": (0, None, True, False, True),
}

#: the most hidden layers whose widths an mlp takes one by one (``units_0`` ... ``units_7``)
MAX_PER_LAYER = 8
UNITS: tuple[str, ...] = tuple(f"units_{i}" for i in range(MAX_PER_LAYER))
_LIMITS.update({name: (1, None, True, False, True) for name in UNITS})
#: what a config may add to a network family's space: the saved network to start from and the
#: blocks of it kept fixed (:func:`finish_space`)
TRANSFER: tuple[str, ...] = ("init_from", "freeze")

_ADAM = {"beta1": Float(0.8, 0.99), "beta2": Float(0.9, 0.9999)}
_SHARED_SPACE: dict[str, Param] = {
    "optimizer": Categorical({
        "sgd": {},
        "momentum": {"momentum": Float(0.5, 0.99), "nesterov": Categorical([False, True])},
        "adam": dict(_ADAM),
        "adamw": dict(_ADAM),
        "rmsprop": {"alpha": Float(0.9, 0.999)},
        "adagrad": {},
    }),
    "lr": Float(1e-4, 0.3, log=True),
    "weight_decay": Float(1e-8, 1e-2, log=True),
    "l1": Float(1e-8, 1e-3, log=True),
    "batch_size": Int(16, 256, log=True),
    "epochs": Int(5, 100, log=True),
    "patience": Int(2, 20),
    "schedule": Categorical({
        "none": {}, "cosine": {}, "step": {"every": Int(2, 30), "gamma": Float(0.1, 0.9)},
    }),
    "precision": Categorical(["fp32"]),
}
_SHARED_DEFAULTS: dict[str, ParamValue] = {
    "optimizer": "adam", "adam.beta1": 0.9, "adam.beta2": 0.999, "lr": 1e-3,
    "weight_decay": 1e-8, "l1": 1e-8, "batch_size": 64, "epochs": 30, "patience": 5,
    "schedule": "none", "precision": "fp32",
}
_TASK_SPACE: dict[str, dict[str, Param]] = {
    "classification": {"loss": Categorical({
        "cross_entropy": {}, "label_smoothing": {"smoothing": Float(0.01, 0.3)}})},
    "regression": {"loss": Categorical({
        "mse": {}, "mae": {}, "huber": {"delta": Float(0.1, 10.0, log=True)}})},
}
_TASK_DEFAULTS: dict[str, dict[str, ParamValue]] = {
    "classification": {"loss": "cross_entropy"}, "regression": {"loss": "mse"},
}
_SHARED_WHY: dict[str, str] = {
    "optimizer": "plain SGD, SGD with (Nesterov) momentum, the adaptive methods",
    "momentum.momentum": "below 0.5 it is close to plain SGD; 0.9 is the common value",
    "momentum.nesterov": "Nesterov's look-ahead often converges a little faster",
    "adam.beta1": "decay of the first-moment (momentum) average",
    "adam.beta2": "decay of the second-moment average; lower values adapt faster",
    "adamw.beta1": "as adam.beta1",
    "adamw.beta2": "as adam.beta2",
    "rmsprop.alpha": "decay of the squared-gradient average",
    "lr": "learning rate; adaptive methods like 1e-4..1e-2, SGD 1e-2..0.3",
    "weight_decay": "L2 penalty (decoupled for adamw); 1e-8 is off in effect",
    "l1": "L1 penalty on the weights, added to the loss; 1e-8 is off in effect",
    "batch_size": "small batches regularise by noise, large ones are faster per epoch",
    "epochs": "the most epochs; early stopping usually ends training sooner",
    "patience": "epochs without a better validation value before training stops",
    "schedule": "constant rate, cosine decay to zero, or a step decay",
    "step.every": "epochs between two decays",
    "step.gamma": "factor of each decay",
    "precision": "fixed at fp32; override with [fp32, fp16] or bf16 to use mixed precision "
    "on a GPU",
    "loss (classification)": "label smoothing keeps the network from becoming over-confident",
    "label_smoothing.smoothing": "share of the target spread over the other classes",
    "loss (regression)": "squared error, absolute error (robust), or Huber (both)",
    "huber.delta": "where Huber turns from squared to absolute, in standard deviations of the "
    "target",
}
_BRANCH_NOTES = {
    name: f"— (only under {name.partition('.')[0]})"
    for name in ("momentum.momentum", "momentum.nesterov", "adamw.beta1", "adamw.beta2",
                 "rmsprop.alpha", "step.every", "step.gamma", "label_smoothing.smoothing",
                 "huber.delta", "affine.rotation", "affine.translate", "affine.scale",
                 "affine.flip", "affine.p")
}

_ARCH: dict[str, dict[str, Any]] = {
    "mlp": {
        "space": {
            "n_layers": Int(1, 4),
            "width": Int(16, 512, log=True),
            "shape": Categorical(["constant", "funnel"]),
            "activation": Categorical(list(ACTIVATIONS)),
            "dropout": Float(0.0, 0.5),
            "batch_norm": Categorical([False, True]),
        },
        "defaults": {"n_layers": 2, "width": 128, "shape": "constant", "activation": "relu",
                     "dropout": 0.0, "batch_norm": False},
        "why": {
            "n_layers": "tabular data rarely gains from more than a few hidden layers",
            "width": "units of the first hidden layer; log scale because doubling matters",
            "shape": "every layer as wide as the first, or each half as wide as the one before",
            "activation": "the usual non-linearities; sigmoid and tanh saturate and train slower",
            "dropout": "share of units dropped in training; above one half the network starves",
            "batch_norm": "normalising each layer's input steadies training of deeper stacks",
        },
        "tasks": ("classification", "regression"),
        "needs_scaling": True,
        "doc": "Multi-layer perceptron (PyTorch) for tabular data: hidden layers of a width "
        "and shape rule, activation, dropout, batch normalisation. Needs pip install "
        "'tunecycle[torch]'.",
    },
    "cnn": {
        "space": {
            "n_blocks": Int(1, 3),
            "filters": Int(8, 64, log=True),
            "kernel_size": Categorical([3, 5]),
            "pool": Categorical(["max", "avg"]),
            "pool_size": Categorical([2, 3]),
            "activation": Categorical(list(ACTIVATIONS)),
            "dropout": Float(0.0, 0.5),
            "batch_norm": Categorical([False, True]),
            "dense": Int(16, 256, log=True),
            "augment": Categorical({
                "none": {},
                "affine": {
                    "rotation": Float(0.0, 30.0),
                    "translate": Float(0.0, 0.25),
                    "scale": Float(0.0, 0.25),
                    "flip": Float(0.0, 0.5),
                    "p": Float(0.1, 1.0),
                },
            }),
        },
        "defaults": {"n_blocks": 2, "filters": 32, "kernel_size": 3, "pool": "max",
                     "pool_size": 2, "activation": "relu", "dropout": 0.25, "batch_norm": True,
                     "dense": 128, "augment": "none"},
        "why": {
            "n_blocks": "convolution blocks (conv, norm, activation, pooling); small images "
            "allow few poolings",
            "filters": "filters of the first block; each further block doubles them",
            "kernel_size": "the receptive field of one convolution; 3 stacked twice sees as "
            "far as 5",
            "pool": "max pooling keeps the strongest response, average pooling smooths",
            "pool_size": "how much each block shrinks the image; 2 halves it",
            "activation": "as for mlp",
            "dropout": "dropout before the dense head and inside it",
            "batch_norm": "batch normalisation after each convolution",
            "dense": "units of the dense layer of the head",
            "augment": "random affine transforms of the training images only",
            "affine.rotation": "largest rotation, in degrees",
            "affine.translate": "largest shift, as a share of the image size",
            "affine.scale": "largest zoom in or out, as a share",
            "affine.flip": "probability of a left-right flip (keep 0 for digits and text)",
            "affine.p": "probability that an image is transformed at all",
        },
        "tasks": ("classification", "regression"),
        "needs_scaling": False,
        "doc": "Convolutional network (PyTorch) for images: rows are images flattened from "
        "(C, H, W) or (H, W) (square one-channel images such as sklearn:digits are "
        "recognised), with tunable augmentation of the training batches. Normalises each "
        "channel itself. Needs pip install 'tunecycle[torch]'.",
    },
    "rnn": {
        "space": {
            "cell": Categorical(["lstm", "gru"]),
            "n_layers": Int(1, 3),
            "hidden_size": Int(16, 256, log=True),
            "bidirectional": Categorical([False, True]),
            "dropout": Float(0.0, 0.5),
        },
        "defaults": {"cell": "lstm", "n_layers": 1, "hidden_size": 64, "bidirectional": False,
                     "dropout": 0.0},
        "why": {
            "cell": "LSTM or the lighter GRU",
            "n_layers": "stacked recurrent layers",
            "hidden_size": "state size of each layer (each direction)",
            "bidirectional": "read the sequence both ways (whole sequences only)",
            "dropout": "between stacked layers and before the head",
        },
        "tasks": ("classification", "regression"),
        "needs_scaling": False,
        "doc": "Recurrent network (PyTorch LSTM/GRU) for sequences: rows are (T, F) "
        "sequences flattened (see synthetic:sequences), or one feature per step. Normalises "
        "each feature itself. Needs pip install 'tunecycle[torch]'.",
    },
    "transformer": {
        "space": {
            "n_layers": Int(1, 4),
            "d_model": Categorical([32, 64, 128]),
            "n_heads": Categorical([1, 2, 4, 8]),
            "ff_mult": Categorical([2, 4]),
            "dropout": Float(0.0, 0.3),
        },
        "defaults": {"n_layers": 2, "d_model": 64, "n_heads": 4, "ff_mult": 4, "dropout": 0.1},
        "why": {
            "n_layers": "encoder layers",
            "d_model": "model width; every choice is divisible by every head count",
            "n_heads": "attention heads; each sees d_model / n_heads dimensions",
            "ff_mult": "width of the feed-forward block, as a multiple of d_model",
            "dropout": "inside attention and feed-forward blocks",
        },
        "tasks": ("classification", "regression"),
        "needs_scaling": False,
        "doc": "Transformer encoder (PyTorch) for sequences: a linear embedding of each step, "
        "learned positions, mean pooling. Same input as rnn. Needs pip install "
        "'tunecycle[torch]'.",
    },
}


def family_specs() -> dict[str, dict[str, Any]]:
    """For each deep family, the keyword arguments of its ``Family`` (all but ``builder``)."""
    specs: dict[str, dict[str, Any]] = {}
    for name, arch in _ARCH.items():
        why = {**arch["why"], **_SHARED_WHY}
        specs[name] = {
            "name": name,
            "tasks": frozenset(arch["tasks"]),
            "space": {**arch["space"], **_SHARED_SPACE},
            "needs_scaling": arch["needs_scaling"],
            "doc": arch["doc"],
            "defaults": {**arch["defaults"], **_SHARED_DEFAULTS},
            "task_space": {t: dict(s) for t, s in _TASK_SPACE.items()},
            "task_defaults": {t: dict(d) for t, d in _TASK_DEFAULTS.items()},
            "why": why,
            "default_notes": dict(_BRANCH_NOTES),
            "extra_params": frozenset(TRANSFER + (UNITS if name == "mlp" else ())),
        }
    return specs


# -- checks -----------------------------------------------------------------------------------


def _leaf(key: str) -> str:
    return key.rpartition(".")[2]


def value_problem(key: str, value: Any) -> str | None:
    """Why ``value`` cannot be used for the parameter ``key`` (None when it can)."""
    leaf = _leaf(key)
    if leaf in CHOICES:
        allowed = CHOICES[leaf]
        if not any((value is c) if isinstance(c, bool)
                   else (not isinstance(value, bool) and value == c) for c in allowed):
            return f"{leaf} must be one of {list(allowed)}, got {value!r}"
        return None
    if leaf not in _LIMITS:
        return None
    low, high, low_closed, high_closed, integer = _LIMITS[leaf]
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        return f"{leaf} must be a finite number, got {value!r}"
    if integer and float(value) != int(value):
        return f"{leaf} must be an integer, got {value!r}"
    too_low = low is not None and (value < low or (value == low and not low_closed))
    too_high = high is not None and (value > high or (value == high and not high_closed))
    if too_low or too_high:
        left = "-inf" if low is None else f"{low:g}"
        right = "inf" if high is None else f"{high:g}"
        interval = f"{'[' if low_closed else '('}{left}, {right}{']' if high_closed else ')'}"
        return f"{leaf} must be in {interval}, got {value!r}"
    return None


def check_override(key: str, param: Param) -> str | None:
    """Why an overridden range cannot be used (its bounds or a choice out of limits)."""
    if isinstance(param, Categorical):
        values: list[Any] = list(param.choices)
    elif isinstance(param, (Float, Int)):
        values = [param.low, param.high]
    else:
        return None
    for value in values:
        problem = value_problem(key, value)
        if problem is not None:
            return problem
    return None


def largest(param: Param | None, default: int) -> int:
    """The largest value an int-valued parameter can take (``default`` when it is not tuned)."""
    if isinstance(param, Int):
        return param.high
    if isinstance(param, Categorical):
        return max(int(c) for c in param.choices if isinstance(c, numbers.Real))
    return default


def refuse(family: str, key: str, reason: str) -> UserError:
    """The error of a bad override: ``model family 'cnn', parameter 'freeze': ...``."""
    return UserError(f"model family {family!r}, parameter {key!r}: {reason}")


def _per_layer(space: dict[str, Param], overrides: Mapping[str, Any]) -> dict[str, Param]:
    """An mlp given ``units_0`` ... : one width per hidden layer, for every depth ``n_layers``
    can take (a deeper layer's width is drawn in every trial, used when the depth reaches it);
    ``width`` and ``shape`` then have no say and leave the space."""
    given = [u for u in UNITS if u in space]
    if not given:
        return space
    for key in ("width", "shape"):
        if overrides.get(key) is not None:
            raise refuse("mlp", key, f"per-layer widths ({given[0]}, ...) replace width and "
                          "its shape rule; leave width and shape out")
    depth = largest(space.get("n_layers"), int(_ARCH["mlp"]["defaults"]["n_layers"]))
    if depth > MAX_PER_LAYER:
        raise refuse("mlp", "n_layers", f"per-layer widths go up to {MAX_PER_LAYER} layers, "
                      f"n_layers goes up to {depth}")
    for i, name in enumerate(UNITS):
        if i < depth and name not in space:
            raise refuse("mlp", name, f"n_layers goes up to {depth}: give one width per "
                          f"layer, units_0 to units_{depth - 1}")
        if i >= depth and name in space:
            raise refuse("mlp", name, f"n_layers goes up to {depth}, so this layer never "
                          "exists; leave it out")
    return {k: v for k, v in space.items() if k not in ("width", "shape")}


def arch_params(family: str) -> tuple[str, ...]:
    """A family's architecture parameters: what a saved network brings with it."""
    names = tuple(k for k in _ARCH[family]["space"] if k != "augment")
    return names + (UNITS if family == "mlp" else ())


def finish_space(family: str, space: dict[str, Param], overrides: Mapping[str, Any]
                 ) -> dict[str, Param]:
    """What the per-layer widths of an mlp (``units_0`` ...) do to the rest of its space;
    transfer learning (``init_from``, ``freeze``) is the network family's
    (:mod:`tunecycle.cycle.families.networks`), which reads the saved network.  Raises
    ``UserError`` naming the parameter."""
    space = dict(space)
    if family == "mlp":
        space = _per_layer(space, overrides)
    return space


# -- what a network configuration is resolved against (tunecycle.cycle.deep.netconfig) --------


def is_network(family: str) -> bool:
    return family in _ARCH


def arch_space(family: str) -> dict[str, Param]:
    """A family's architecture parameters with their default ranges."""
    return dict(_ARCH[family]["space"])


def own_space(family: str, task: str) -> dict[str, Param]:
    """The whole default space of a network family for ``task``: architecture, training, loss."""
    return {**_ARCH[family]["space"], **_SHARED_SPACE, **_TASK_SPACE[task]}


def own_defaults(family: str, task: str) -> dict[str, ParamValue]:
    """The defaults of a network family for ``task`` (every parameter of :func:`own_space`
    outside the branches not taken by default)."""
    return {**_ARCH[family]["defaults"], **_SHARED_DEFAULTS, **_TASK_DEFAULTS[task]}


def leaf(key: str) -> str:
    """A sub-param's own name (``"adam.beta1"`` -> ``"beta1"``)."""
    return _leaf(key)


#: the leaf names that have numeric limits (:func:`value_problem` checks them)
LIMITED: frozenset[str] = frozenset(_LIMITS)

