"""A trial's params as a checked network configuration: :class:`NetConfig` and
:func:`resolve`, against the spaces and limits of :mod:`tunecycle.cycle.deep.spaces`.  No torch
here: a bad value fails before any network is built."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tunecycle.cycle.deep.spaces import (
    DEEP_NAMES,
    LIMITED,
    LOSSES,
    MAX_PER_LAYER,
    OPTIMIZERS,
    SCHEDULES,
    UNITS,
    arch_space,
    is_network,
    leaf,
    own_defaults,
    own_space,
    value_problem,
)
from tunecycle.cycle.params import branch_params
from tunecycle.errors import UserError
from tunecycle.space import Space


@dataclass(frozen=True)
class NetConfig:
    """A checked configuration of one network and its training (see :func:`resolve`)."""

    family: str
    task: str
    arch: Mapping[str, Any]
    optimizer: str
    optimizer_kw: Mapping[str, Any]
    lr: float
    weight_decay: float
    l1: float
    batch_size: int
    epochs: int
    patience: int
    schedule: str
    schedule_kw: Mapping[str, Any]
    loss: str
    loss_kw: Mapping[str, Any]
    precision: str
    augment: Mapping[str, float] | None = field(default=None)


_BRANCHES = {"optimizer": OPTIMIZERS, "schedule": SCHEDULES, "loss": tuple(
    LOSSES["classification"] + LOSSES["regression"]), "augment": ("none", "affine")}
_INTS = {"n_layers", "n_blocks", "width", "filters", "dense", "hidden_size", "kernel_size",
         "pool_size", "d_model", "n_heads", "ff_mult", "batch_size", "epochs", "patience",
         "every", "freeze", *UNITS}
_BOOLS = {"batch_norm", "bidirectional", "nesterov"}


def _typed(leaf: str, value: Any) -> Any:
    if leaf in _INTS and isinstance(value, numbers.Real) and not isinstance(value, bool):
        return int(value) if float(value) == int(value) else value
    if leaf in _BOOLS and isinstance(value, (numbers.Integral, str)):
        return {"true": True, "false": False}.get(str(value).lower(), value)
    if leaf in LIMITED and isinstance(value, numbers.Integral) and not isinstance(value, bool) \
            and leaf not in _INTS:
        return float(value)
    return value


def _layer_units(p: Mapping[str, Any]) -> tuple[int, ...]:
    """An mlp's per-layer widths: ``units_i`` for each of its ``n_layers`` layers (widths of
    deeper layers, drawn for other depths, are not used)."""
    n = int(p["n_layers"])
    missing = [f"units_{i}" for i in range(n) if f"units_{i}" not in p]
    if n > MAX_PER_LAYER or missing:
        first = missing[0] if missing else f"units_{MAX_PER_LAYER}"
        raise UserError(f"model family 'mlp': {first} is missing; with per-layer widths give "
                        f"one for each of the {n} layers (units_0 to units_{n - 1}, at most "
                        f"{MAX_PER_LAYER} layers)")
    return tuple(int(p[f"units_{i}"]) for i in range(n))


def resolve(family: str, params: Mapping[str, Any], task: str) -> NetConfig:
    """The checked :class:`NetConfig` of ``params`` (a family's own params; missing ones take
    the family defaults).  Raises ``UserError`` naming the first bad field."""
    if not is_network(family):
        raise UserError(f"unknown network family {family!r}; known: {', '.join(DEEP_NAMES)}")
    if task not in LOSSES:
        raise UserError(f"model family {family!r} does not do {task}; it does "
                        "classification, regression")
    if not isinstance(params, Mapping):
        raise UserError(f"model family {family!r}: params must be a mapping, got {params!r}")
    arch_names = arch_space(family)
    known = set(Space(own_space(family, task)).names)
    if family == "mlp":
        known.update(UNITS)
    unknown = sorted(k for k in params if str(k) not in known)
    if unknown:
        raise UserError(f"model family {family!r}: unknown parameter(s) {unknown}")
    merged: dict[str, Any] = own_defaults(family, task)
    for parent in _BRANCHES:  # a chosen branch drops the defaults of the default branch
        if parent in params and params[parent] != merged.get(parent):
            merged = {k: v for k, v in merged.items()
                      if not k.startswith(f"{merged.get(parent)}.")}
    merged.update({str(k): v for k, v in params.items()})
    p = {k: _typed(leaf(k), v) for k, v in merged.items()}
    for key, value in p.items():
        problem = value_problem(key, value)
        if problem is not None:
            raise UserError(f"model family {family!r}: {problem}")
    if p["loss"] not in LOSSES[task]:
        raise UserError(f"model family {family!r}: loss must be one of {list(LOSSES[task])} "
                        f"for {task}, got {p['loss']!r}")

    def branch(parent: str) -> dict[str, Any]:
        return branch_params(family, p, parent, p[parent], _BRANCHES[parent])

    arch = {k: p[k] for k in arch_names if k != "augment"}
    if family == "mlp" and any(u in p for u in UNITS):
        arch["units"] = _layer_units(p)
    if family == "transformer" and arch["d_model"] % arch["n_heads"]:
        raise UserError(f"model family {family!r}: d_model ({arch['d_model']}) must be "
                        f"divisible by n_heads ({arch['n_heads']})")
    augment = None
    if family == "cnn":
        aug = branch("augment")
        if p["augment"] == "affine":
            augment = {"rotation": 10.0, "translate": 0.1, "scale": 0.1, "flip": 0.0, "p": 0.5,
                       **{k: float(v) for k, v in aug.items()}}
    return NetConfig(
        family=family, task=task, arch=arch,
        optimizer=p["optimizer"], optimizer_kw=branch("optimizer"),
        lr=float(p["lr"]), weight_decay=float(p["weight_decay"]), l1=float(p["l1"]),
        batch_size=int(p["batch_size"]), epochs=int(p["epochs"]), patience=int(p["patience"]),
        schedule=p["schedule"], schedule_kw=branch("schedule"),
        loss=p["loss"], loss_kw=branch("loss"), precision=p["precision"], augment=augment,
    )
