"""The PyTorch networks of the deep families, built from a :class:`~.spaces.NetConfig`, and the
random affine augmentation of image batches.

Every network is a :class:`Net`: a fixed input normalisation (per channel or feature, its
statistics set from the training rows and saved with the weights), then ``blocks`` (a
``ModuleList``: the layers that transfer learning freezes, counted from the input), then
``head`` (the output layer, replaced when a pretrained network meets new classes).

| family | blocks | head input |
|---|---|---|
| mlp | one per hidden layer: Linear, [BatchNorm1d], activation, Dropout; widths from ``width`` and the ``shape`` rule, or one each (``units_0``, ``units_1``, ...) | last width |
| cnn | one per convolution block: Conv2d ('same' padding), [BatchNorm2d], activation, pooling; then the dense block: Flatten, Dropout, Linear, activation, Dropout | ``dense`` |
| rnn | one LSTM/GRU layer each (dropout between them) | final state (both directions) |
| transformer | the step embedding (with learned positions), then one encoder layer each | mean over steps |

A CNN refuses a kernel larger than its input image (``kernel_size``); a pooling step that would
shrink a feature map below one pixel is skipped, so a deep stack still fits a small image.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from tunecycle.cycle.deep.netconfig import NetConfig
from tunecycle.errors import UserError

_ACTIVATIONS = {
    "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU, "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


class Net(nn.Module):
    """Normalisation, ``blocks`` (freezable, from the input on) and ``head``."""

    def __init__(self, family: str, input_shape: Sequence[int], blocks: list[nn.Module],
                 head: nn.Module) -> None:
        super().__init__()
        self.family = family
        self.input_shape = tuple(int(s) for s in input_shape)
        stat_shape = _stat_shape(family, self.input_shape)
        self.register_buffer("mean", torch.zeros(stat_shape))
        self.register_buffer("std", torch.ones(stat_shape))
        self.blocks = nn.ModuleList(blocks)
        self.head = head

    def set_normalisation(self, x: torch.Tensor) -> None:
        """Per channel (images) or per feature (tables, sequence steps) from training rows."""
        dims = {"cnn": (0, 2, 3), "mlp": (0,)}.get(self.family, (0, 1))
        mean = x.mean(dim=dims, keepdim=True)[0]
        std = x.std(dim=dims, keepdim=True)[0]
        self.mean.copy_(mean.reshape(self.mean.shape))
        self.std.copy_(torch.where(std > 1e-8, std, torch.ones_like(std)).reshape(self.std.shape))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.std
        for block in self.blocks:
            x = block(x)
        if self.family == "rnn":
            return x[1]
        if self.family == "transformer":
            return x.mean(dim=1)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _stat_shape(family: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    if family == "cnn":
        return (shape[0], 1, 1)
    if family == "mlp":
        return shape
    return (1, shape[-1])


def _act(name: str) -> nn.Module:
    return _ACTIVATIONS[name]()


def _mlp(cfg: NetConfig, shape: tuple[int, ...]) -> tuple[list[nn.Module], int]:
    a = cfg.arch
    width, n = int(a["width"]), int(a["n_layers"])
    widths = [width if a["shape"] == "constant" else max(width // 2**i, 1) for i in range(n)]
    if a.get("units"):  # one width per layer (units_0, units_1, ...) instead of a shape rule
        widths = [int(u) for u in a["units"]]
    blocks: list[nn.Module] = []
    fan_in = shape[0]
    for w in widths:
        parts: list[nn.Module] = [nn.Linear(fan_in, w)]
        if a["batch_norm"]:
            parts.append(nn.BatchNorm1d(w))
        parts += [_act(a["activation"]), nn.Dropout(float(a["dropout"]))]
        blocks.append(nn.Sequential(*parts))
        fan_in = w
    return blocks, fan_in


def _cnn(cfg: NetConfig, shape: tuple[int, ...]) -> tuple[list[nn.Module], int]:
    a = cfg.arch
    channels, height, width = shape
    k = int(a["kernel_size"])
    if k > min(height, width):
        raise UserError(f"model family 'cnn': kernel_size ({k}) is larger than the input "
                        f"images ({height}x{width})")
    pool_size = int(a["pool_size"])
    pool_cls = nn.MaxPool2d if a["pool"] == "max" else nn.AvgPool2d
    blocks: list[nn.Module] = []
    for i in range(int(a["n_blocks"])):
        out = int(a["filters"]) * 2**i
        parts: list[nn.Module] = [nn.Conv2d(channels, out, k, padding="same")]
        if a["batch_norm"]:
            parts.append(nn.BatchNorm2d(out))
        parts.append(_act(a["activation"]))
        if pool_size > 1 and min(height, width) >= pool_size:
            parts.append(pool_cls(pool_size))
            height, width = height // pool_size, width // pool_size
        blocks.append(nn.Sequential(*parts))
        channels = out
    flat, dense, drop = channels * height * width, int(a["dense"]), float(a["dropout"])
    blocks.append(nn.Sequential(nn.Flatten(), nn.Dropout(drop), nn.Linear(flat, dense),
                                _act(a["activation"]), nn.Dropout(drop)))
    return blocks, dense


class _Recurrent(nn.Module):
    """One LSTM/GRU layer: takes the step outputs of the layer below (or ``(outputs, last)``),
    gives ``(outputs, last state of both directions)``."""

    def __init__(self, cell: str, n_in: int, hidden: int, bidirectional: bool,
                 dropout: float) -> None:
        super().__init__()
        rnn_cls = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn_cls(n_in, hidden, batch_first=True, bidirectional=bidirectional)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if isinstance(x, tuple):
            x = x[0]
        out, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state  # (directions, batch, hidden)
        last = torch.cat(list(h), dim=-1)
        return self.dropout(out), self.dropout(last)


def _rnn(cfg: NetConfig, shape: tuple[int, ...]) -> tuple[list[nn.Module], int]:
    a = cfg.arch
    hidden, bi = int(a["hidden_size"]), bool(a["bidirectional"])
    n_out = hidden * (2 if bi else 1)
    blocks: list[nn.Module] = []
    n_in = shape[-1]
    for _ in range(int(a["n_layers"])):
        blocks.append(_Recurrent(a["cell"], n_in, hidden, bi, float(a["dropout"])))
        n_in = n_out
    return blocks, n_out


class _Embedding(nn.Module):
    def __init__(self, n_in: int, length: int, d_model: int) -> None:
        super().__init__()
        self.proj = nn.Linear(n_in, d_model)
        self.position = nn.Parameter(torch.randn(1, length, d_model) * 0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x) + self.position


def _transformer(cfg: NetConfig, shape: tuple[int, ...]) -> tuple[list[nn.Module], int]:
    a = cfg.arch
    d = int(a["d_model"])
    blocks: list[nn.Module] = [_Embedding(shape[-1], shape[0], d)]
    for _ in range(int(a["n_layers"])):
        blocks.append(nn.TransformerEncoderLayer(
            d, int(a["n_heads"]), dim_feedforward=d * int(a["ff_mult"]),
            dropout=float(a["dropout"]), batch_first=True))
    return blocks, d


_BUILDERS = {"mlp": _mlp, "cnn": _cnn, "rnn": _rnn, "transformer": _transformer}


def build_net(cfg: NetConfig, input_shape: Sequence[int], n_out: int) -> Net:
    """The untrained network ``cfg`` describes for inputs of ``input_shape`` (one sample)."""
    shape = tuple(int(s) for s in input_shape)
    blocks, fan_in = _BUILDERS[cfg.family](cfg, shape)
    return Net(cfg.family, shape, blocks, nn.Linear(fan_in, n_out))


def augment_images(x: torch.Tensor, spec: Mapping[str, float],
                   gen: torch.Generator) -> torch.Tensor:
    """Random affine transforms of a batch ``(B, C, H, W)``, each image on its own draw.

    With probability ``p`` an image is rotated by up to ``rotation`` degrees, shifted by up to
    ``translate`` of its size, zoomed by up to ``scale``, and flipped left-right with
    probability ``flip``; the rest pass unchanged.  Uncovered pixels are 0 (raw scale).
    """
    b = x.shape[0]

    def uniform(half: float) -> torch.Tensor:
        return (torch.rand(b, generator=gen, device=gen.device) * 2 - 1) * half

    angle = uniform(math.radians(spec["rotation"]))
    zoom = 1 + uniform(spec["scale"])
    shift = torch.stack([uniform(2 * spec["translate"]), uniform(2 * spec["translate"])], 1)
    flip = torch.where(torch.rand(b, generator=gen, device=gen.device) < spec["flip"], -1.0, 1.0)
    apply = torch.rand(b, generator=gen, device=gen.device) < spec["p"]
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([
        torch.stack([cos * flip, -sin, shift[:, 0]], 1),
        torch.stack([sin * flip, cos, shift[:, 1]], 1),
    ], 1)
    eye = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], device=x.device).expand(b, 2, 3)
    theta = torch.where(apply[:, None, None], theta, eye).to(x.dtype)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)
