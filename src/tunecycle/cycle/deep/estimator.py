"""scikit-learn estimators that train the deep families' networks: ``NetClassifier``,
``NetRegressor``.

    est = NetClassifier(family="cnn", params={"n_blocks": 2, "lr": 3e-3, "epochs": 20})
    est.fit(X, y)                  # X: (n, C*H*W) rows; input_shape=(C, H, W) or inferred
    est.predict_proba(X_test)

They follow the scikit-learn contract (constructor arguments stored as given, ``get_params``,
``clone``, ``fit`` / ``predict`` / ``predict_proba``), so the cycle refits, tests, ensembles and
saves them like any other model.  ``params`` are a family's own hyperparameters (see
:mod:`tunecycle.cycle.deep.spaces`); they are checked when the estimator is built by the cycle
and again at the start of ``fit``, before any training.

Training (one ``fit``):

- seeded: torch's generators are forked and seeded with ``seed`` for the call (the global
  state is restored afterwards), batches are shuffled by a numpy ``Generator`` of the same
  seed; on CPU two fits with the same seed give the same network;
- the optimiser, learning rate, L2 (``weight_decay``, decoupled for AdamW), L1 (added to the
  loss over every weight matrix and kernel), loss, batch size and schedule of the config;
- every epoch ends with a validation value, greater is better: ``monitor(estimator, epoch)``
  when one is given (the cycle passes one that scores its own validation fold with the study's
  metric and reports it to the trial, so a pruner can stop the trial), otherwise minus the
  loss on an internal holdout of ``validation_fraction`` of the rows (stratified for
  classification), otherwise minus the training loss;
- early stopping after ``patience`` epochs without improvement, and the best epoch's weights
  restored, whenever there is a validation value (``validation_fraction=0`` and no monitor:
  every epoch runs and the last weights stay, which is how the cycle refits the best trial for
  the epochs it needed);
- images (cnn) are augmented per training batch only, never for validation or prediction;
- ``device="auto"`` takes ``$TUNECYCLE_DEVICE`` when it is set (so a cycle, whose networks
  are built with ``"auto"``, can be pointed at ``cpu`` or ``cuda:1``, and worker processes of
  one study can share a GPU or take one each), else the first CUDA GPU when there is one
  (each process picks its own: forked workers share a GPU as long as their parent never
  started CUDA; one forked after that trains on the CPU, logged); ``precision`` ``fp16`` trains
  under autocast with a gradient scaler, ``bf16`` under autocast alone; fp16 on a CPU falls back
  to fp32 (logged);
- transfer learning: ``init_from`` (a path saved by the cycle or :meth:`save`, read from its
  code-free files when they are there, or a fitted estimator; give a path wherever the estimator is cloned, since ``clone`` would copy a
  fitted estimator unfitted) gives the starting weights and the architecture; ``freeze`` = k keeps the first k
  blocks (``net_.blocks``) fixed, weights and batch-norm statistics, and the input
  normalisation the network learned with; the rest trains with the config's learning rate,
  with a fresh output layer unless the classes are the same as the saved network's.

Pickling stores the state dict (as bytes, on CPU) and the arguments that rebuild the network,
never live modules, so ``joblib`` files load on a machine without a GPU.  :meth:`save` (and the
cycle's saving, :mod:`tunecycle.cycle.saved`) also writes the network in a form whose loading
runs no code from the file: :func:`write_network` puts the constructor arguments, the
configuration and the fitted attributes in JSON and the weights in a state dict of tensors;
:func:`read_network` rebuilds the estimator from them with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted
from torch import nn
from torch.nn import functional as F

from tunecycle.cycle.deep.netconfig import NetConfig, resolve
from tunecycle.cycle.deep.nets import Net, augment_images, build_net
from tunecycle.cycle.deep.spaces import DEEP_NAMES
from tunecycle.cycle.persist import (
    NETWORK_FORMAT,
    NETWORK_VERSION,
    SavedFiles,
    file_sha256,
    network_doc,
    read_pickle,
    saved_files,
)
from tunecycle.errors import UserError
from tunecycle.integrations.torch import EpochMonitor

log = logging.getLogger(__name__)

PREDICT_BATCH = 1024


#: the environment variable that picks the device of ``device="auto"`` (what the cycle builds)
DEVICE_ENV = "TUNECYCLE_DEVICE"


def _forked_after_cuda() -> bool:
    """Whether this process was forked from one that had started CUDA (torch then refuses to
    start it again here).  A worker of a parallel run is forked from its driver: the driver
    must not touch the GPU before the workers start (the cycle's does not)."""
    return bool(getattr(torch.cuda, "_is_in_bad_fork", lambda: False)())


def pick_device(device: str | None) -> torch.device:
    """``"auto"`` (or None): ``$TUNECYCLE_DEVICE`` when set (``cpu``, ``cuda:1``, ...), else the
    first CUDA GPU if there is one, else the CPU; any other value names the device.  Each
    process (each worker of a parallel run) picks its own, so several share one GPU.  In a
    process forked after its parent started CUDA, ``"auto"`` takes the CPU (logged) and a
    named GPU is refused."""
    if device in (None, "auto"):
        chosen = os.environ.get(DEVICE_ENV, "").strip()
        if chosen and chosen != "auto":
            return pick_device(chosen)
        if _forked_after_cuda():
            log.warning("this process was forked after its parent started CUDA, which cannot "
                        "start again here: training on the CPU")
            return torch.device("cpu")
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise UserError(f"device: cannot use {device!r} ({exc})") from None
    if chosen.type == "cuda" and _forked_after_cuda():
        raise UserError(f"device: {device!r} cannot be used in a process forked after its "
                        "parent started CUDA; start parallel workers before the parent uses "
                        "the GPU (docs/distributed.md)")
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device: {device!r} asked for, but torch sees no CUDA GPU")
    return chosen


def _input_shape(family: str, n_features: int, given: Sequence[int] | None) -> tuple[int, ...]:
    if given is not None:
        shape = tuple(int(s) for s in given)
        if int(np.prod(shape)) != n_features or not shape or min(shape) < 1:
            raise UserError(f"input_shape: {shape} does not hold the {n_features} features")
    else:
        shape = (n_features,)
    if family == "mlp":
        return (n_features,)
    if family == "cnn":
        if len(shape) == 3:
            return shape
        if len(shape) == 2:
            return (1, *shape)
        side = int(round(n_features**0.5))
        if side * side != n_features:
            raise UserError(f"input_shape: a cnn cannot tell the image shape of {n_features} "
                            "features; give input_shape=(C, H, W) or load N x H x W arrays")
        return (1, side, side)
    if len(shape) == 2:
        return shape
    if len(shape) == 1:
        return (shape[0], 1)
    raise UserError(f"input_shape: a sequence is (steps, features), got {shape}")


def _optimizer(cfg: NetConfig, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    kw = dict(cfg.optimizer_kw)
    lr, wd = cfg.lr, cfg.weight_decay
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "momentum":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd,
                               momentum=float(kw.get("momentum", 0.9)),
                               nesterov=bool(kw.get("nesterov", False)))
    if cfg.optimizer in ("adam", "adamw"):
        cls = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.AdamW
        betas = (float(kw.get("beta1", 0.9)), float(kw.get("beta2", 0.999)))
        return cls(params, lr=lr, betas=betas, weight_decay=wd)
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=float(kw.get("alpha", 0.99)),
                                   weight_decay=wd)
    return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)


def _scheduler(cfg: NetConfig, opt: torch.optim.Optimizer) -> Any:
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(cfg.epochs, 1))
    if cfg.schedule == "step":
        kw = cfg.schedule_kw
        return torch.optim.lr_scheduler.StepLR(opt, step_size=int(kw.get("every", 10)),
                                               gamma=float(kw.get("gamma", 0.5)))
    return None


def _loss(cfg: NetConfig) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    kw = cfg.loss_kw
    if cfg.loss == "cross_entropy":
        return nn.CrossEntropyLoss()
    if cfg.loss == "label_smoothing":
        return nn.CrossEntropyLoss(label_smoothing=float(kw.get("smoothing", 0.1)))
    if cfg.loss == "mae":
        return nn.L1Loss()
    if cfg.loss == "huber":
        return nn.HuberLoss(delta=float(kw.get("delta", 1.0)))
    return nn.MSELoss()


def _l1_penalty(net: nn.Module) -> torch.Tensor:
    """Sum of |w| over weight matrices and kernels (not biases or normalisation scales)."""
    terms = [p.abs().sum() for n, p in net.named_parameters()
             if p.requires_grad and p.dim() > 1 and not n.endswith("position")]
    return torch.stack(terms).sum() if terms else torch.zeros(())


class _NetEstimator(BaseEstimator):
    """What the classifier and the regressor share; see the module docstring."""

    _task = "classification"

    def __init__(self, family: str = "mlp", params: dict[str, Any] | None = None, seed: int = 0,
                 input_shape: Sequence[int] | None = None, device: str = "auto",
                 validation_fraction: float = 0.1, monitor: Callable[[Any, int], float] | None
                 = None, init_from: Any = None, freeze: int = 0) -> None:
        self.family = family
        self.params = params
        self.seed = seed
        self.input_shape = input_shape
        self.device = device
        self.validation_fraction = validation_fraction
        self.monitor = monitor
        self.init_from = init_from
        self.freeze = freeze

    # -- the pieces of fit ------------------------------------------------------------------

    def _encode_y(self, y: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def _n_out(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _target_tensor(self, y: np.ndarray) -> torch.Tensor:  # pragma: no cover - overridden
        raise NotImplementedError

    def _source(self) -> _NetEstimator | None:
        if self.init_from is None:
            return None
        return load_network(self.init_from, self.family, self._task)

    def _precision(self, device: torch.device, cfg: NetConfig) -> str:
        if cfg.precision == "fp16" and device.type != "cuda":
            log.warning("precision fp16 needs a CUDA GPU; training in fp32 on %s", device)
            return "fp32"
        return cfg.precision

    def fit(self, X: Any, y: Any) -> _NetEstimator:
        cfg = resolve(self.family, self.params or {}, self._task)
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2:
            raise UserError(f"X: must be 2-D rows (n, features), got shape {X.shape}")
        src = self._source()
        shape = _input_shape(self.family, X.shape[1], self.input_shape)
        if src is not None:
            cfg = replace(cfg, arch=dict(src.config_.arch))
            if tuple(src.input_shape_) != shape:
                raise UserError(f"init_from: the saved network takes inputs of shape "
                                f"{tuple(src.input_shape_)}, this data has {shape}")
        codes = self._encode_y(np.asarray(y))
        device = pick_device(self.device)
        precision = self._precision(device, cfg)
        n_out = self._n_out()
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(int(self.seed))
            net = build_net(cfg, shape, n_out)  # raises on a kernel larger than the images
            n_frozen = self._transfer(net, src)
            if src is None:  # a pretrained network keeps the normalisation it learned with
                net.set_normalisation(torch.from_numpy(X.reshape(-1, *shape)))
            net.to(device)
            self.net_, self.config_, self.input_shape_ = net, cfg, shape
            self.device_, self.precision_, self.n_frozen_ = device, precision, n_frozen
            self._train(cfg, X.reshape(-1, *shape), codes, device, precision)
        return self

    def _transfer(self, net: Net, src: _NetEstimator | None) -> int:
        k = self.freeze
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise UserError(f"freeze: must be a non-negative integer, got {k!r}")
        if k > len(net.blocks):
            raise UserError(f"freeze: {k} blocks asked for, the network has {len(net.blocks)}")
        if src is not None:
            state = {n: t.to("cpu") for n, t in src.net_.state_dict().items()}
            own = net.state_dict()
            same_task = not hasattr(src, "classes_") or (
                len(src.classes_) == len(self.classes_) and np.array_equal(src.classes_,
                                                                           self.classes_))
            keep = {n: t for n, t in state.items() if n in own and own[n].shape == t.shape
                    and (same_task or not n.startswith("head."))}  # new classes: a new head
            net.load_state_dict(keep, strict=False)
        for block in net.blocks[:k]:
            for p in block.parameters():
                p.requires_grad_(False)
        return int(k)

    def _split(self, n: int, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        rows = np.arange(n)
        frac = float(self.validation_fraction or 0.0)
        if self.monitor is not None or frac <= 0:
            return rows, None
        if not 0 < frac < 1:
            raise UserError(f"validation_fraction: must be in [0, 1), got {frac!r}")
        strat = codes if self._task == "classification" else None
        try:
            train, valid = train_test_split(rows, test_size=frac, random_state=int(self.seed),
                                            stratify=strat)
        except ValueError:  # a class too small to stratify
            train, valid = train_test_split(rows, test_size=frac, random_state=int(self.seed))
        return np.sort(train), np.sort(valid)

    def _train(self, cfg: NetConfig, X: np.ndarray, codes: np.ndarray, device: torch.device,
               precision: str) -> None:
        net = self.net_
        train_rows, valid_rows = self._split(len(X), codes)
        xt = torch.from_numpy(X).to(device)
        yt = self._target_tensor(codes).to(device)
        trainable = [p for p in net.parameters() if p.requires_grad]
        opt = _optimizer(cfg, trainable)
        sched = _scheduler(cfg, opt)
        loss_fn = _loss(cfg)
        validating = self.monitor is not None or valid_rows is not None
        stopper = EpochMonitor(direction="maximize",
                               patience=cfg.patience if validating else None)
        rng = np.random.default_rng(int(self.seed))
        gen = torch.Generator(device=device)
        gen.manual_seed(int(self.seed))
        dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision)
        scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
        bs = cfg.batch_size
        self.history_: list[float] = []
        for epoch in range(cfg.epochs):
            self._train_mode(True)
            order = train_rows[rng.permutation(len(train_rows))]
            total, seen = 0.0, 0
            for start in range(0, len(order), bs):
                idx = torch.from_numpy(order[start:start + bs]).to(device)
                if len(idx) < 2 and any(isinstance(m, nn.modules.batchnorm._BatchNorm)
                                        for m in net.modules()):
                    continue  # batch norm cannot train on one row
                xb, yb = xt[idx], yt[idx]
                if cfg.augment is not None:
                    xb = augment_images(xb, cfg.augment, gen)
                opt.zero_grad(set_to_none=True)
                with self._autocast(dtype):
                    out = net(xb)
                    loss = loss_fn(out.float(), yb)
                if cfg.l1 > 1e-8:
                    loss = loss + cfg.l1 * _l1_penalty(net)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
                total += float(loss.detach()) * len(idx)
                seen += len(idx)
            if sched is not None:
                sched.step()
            self._train_mode(False)
            if self.monitor is not None:
                value = float(self.monitor(self, epoch))
            elif valid_rows is not None:
                value = -self._loss_on(xt, yt, valid_rows, loss_fn, dtype)
            else:
                value = -total / max(seen, 1)
            self.history_.append(value)
            if stopper.step(value, epoch, net if validating else None):
                break
        if validating:
            stopper.restore(net)
        self._train_mode(False)
        self.n_epochs_ = stopper.epochs_seen
        self.best_epoch_ = stopper.best_epoch if validating else stopper.epochs_seen - 1

    def _train_mode(self, on: bool) -> None:
        self.net_.train(on)
        for block in self.net_.blocks[: self.n_frozen_]:
            block.eval()  # frozen: no dropout noise, no batch-norm statistics updates

    def _autocast(self, dtype: torch.dtype | None) -> Any:
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_.type, dtype=dtype)

    @torch.no_grad()
    def _loss_on(self, xt: torch.Tensor, yt: torch.Tensor, rows: np.ndarray, loss_fn: Any,
                 dtype: torch.dtype | None) -> float:
        total = 0.0
        for start in range(0, len(rows), PREDICT_BATCH):
            idx = torch.from_numpy(rows[start:start + PREDICT_BATCH]).to(xt.device)
            with self._autocast(dtype):
                out = self.net_(xt[idx])
            total += float(loss_fn(out.float(), yt[idx])) * len(idx)
        return total / len(rows)

    @torch.no_grad()
    def _forward(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "net_")
        X = np.asarray(X, dtype=np.float32)
        width = int(np.prod(self.input_shape_))
        if X.ndim < 2 or int(np.prod(X.shape[1:])) != width:
            raise UserError(f"X: the network was trained on rows of {width} features (samples "
                            f"of shape {tuple(self.input_shape_)}), got an array of shape "
                            f"{X.shape}")
        X = X.reshape(-1, *self.input_shape_)
        was_training = self.net_.training
        self.net_.eval()
        outs = []
        dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.precision_)
        for start in range(0, len(X), PREDICT_BATCH):
            xb = torch.from_numpy(X[start:start + PREDICT_BATCH]).to(self.device_)
            with self._autocast(dtype):
                outs.append(self.net_(xb).float().cpu().numpy())
        self.net_.train(was_training)
        return np.concatenate(outs) if outs else np.zeros((0, self._n_out()), np.float32)

    # -- saving -----------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["monitor"] = None  # a closure over a trial: never saved
        if isinstance(state.get("init_from"), _NetEstimator):
            state["init_from"] = None
        net = state.pop("net_", None)
        if net is not None:
            buffer = io.BytesIO()
            torch.save({k: v.detach().cpu() for k, v in net.state_dict().items()}, buffer)
            state["_net_state"] = buffer.getvalue()
        state.pop("device_", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        blob = state.pop("_net_state", None)
        self.__dict__.update(state)
        if blob is not None:
            net = build_net(self.config_, self.input_shape_, self._n_out())
            net.load_state_dict(torch.load(io.BytesIO(blob), map_location="cpu",
                                           weights_only=True))
            net.eval()
            self.net_ = net
            self.device_ = torch.device("cpu")

    def save(self, path: Any) -> Any:
        """Save the fitted network for ``tc.load_model``: ``path`` (joblib, a pickle) and,
        beside it, ``<name>.net.json`` and ``<name>.weights.pt``, which load without running
        code from the files (``<name>`` is ``path`` without ``.joblib``)."""
        import joblib

        check_is_fitted(self, "net_")
        joblib.dump({"model": self, "family": self.family, "params": dict(self.params or {})},
                    path)
        write_network(self, saved_files(path), columns=None)
        return path


class NetClassifier(ClassifierMixin, _NetEstimator):
    """A deep family's network as a scikit-learn classifier (any labels; ``classes_``)."""

    _task = "classification"

    def _encode_y(self, y: np.ndarray) -> np.ndarray:
        self.label_encoder_ = LabelEncoder().fit(np.ravel(y))
        self.classes_ = self.label_encoder_.classes_
        if len(self.classes_) < 2:
            raise UserError("y: a classifier needs at least 2 classes")
        return self.label_encoder_.transform(np.ravel(y))

    def _n_out(self) -> int:
        return len(self.classes_)

    def _target_tensor(self, codes: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.asarray(codes, dtype=np.int64))

    def predict_proba(self, X: Any) -> np.ndarray:
        logits = torch.from_numpy(self._forward(X)).double()
        return F.softmax(logits, dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self._forward(X), axis=1)]


class NetRegressor(RegressorMixin, _NetEstimator):
    """A deep family's network as a scikit-learn regressor; the target is standardised for
    training (Huber's ``delta`` is in its standard deviations) and predicted in its units."""

    _task = "regression"

    def _encode_y(self, y: np.ndarray) -> np.ndarray:
        y = np.ravel(y).astype(np.float64)
        self.y_mean_ = float(y.mean())
        self.y_std_ = float(y.std()) or 1.0
        return (y - self.y_mean_) / self.y_std_

    def _n_out(self) -> int:
        return 1

    def _target_tensor(self, codes: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.asarray(codes, dtype=np.float32).reshape(-1, 1))

    def predict(self, X: Any) -> np.ndarray:
        return self._forward(X)[:, 0].astype(np.float64) * self.y_std_ + self.y_mean_


# -- saving without pickle: JSON and a state dict of tensors -----------------------------------

_CLASSES = {"NetClassifier": NetClassifier, "NetRegressor": NetRegressor}
_ARGUMENTS = ("family", "params", "seed", "input_shape", "device", "validation_fraction",
              "freeze")


def _plain(value: Any) -> Any:
    """``json.dumps``'s ``default``: numpy scalars and arrays as Python values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-safe")


def network_document(est: _NetEstimator, columns: Sequence[Any] | None) -> dict[str, Any]:
    """The JSON-safe description of fitted ``est`` (all but its weights): the class, the
    constructor arguments, the configuration and the fitted attributes.  ``columns``: the
    training columns of the pipeline it ends, None for a network saved on its own.  Raises
    ``TypeError`` when something in it has no faithful JSON form (labels of an odd type)."""
    check_is_fitted(est, "net_")
    args = {name: getattr(est, name) for name in _ARGUMENTS}
    args["init_from"] = str(est.init_from) if isinstance(est.init_from, (str, Path)) else None
    fitted: dict[str, Any] = {
        "input_shape_": list(est.input_shape_), "precision_": est.precision_,
        "n_frozen_": int(est.n_frozen_), "n_epochs_": int(est.n_epochs_),
        "best_epoch_": int(est.best_epoch_), "history_": [float(v) for v in est.history_],
    }
    if isinstance(est, NetClassifier):
        classes = np.asarray(est.classes_)
        back = np.asarray(json.loads(json.dumps(classes.tolist())), dtype=classes.dtype)
        if back.shape != classes.shape or not np.array_equal(back, classes):
            raise TypeError("the class labels have no faithful JSON form")
        fitted["classes_"] = {"values": classes.tolist(), "dtype": classes.dtype.str}
    else:
        fitted["y_mean_"], fitted["y_std_"] = float(est.y_mean_), float(est.y_std_)
    doc = {"format": NETWORK_FORMAT, "version": NETWORK_VERSION, "class": type(est).__name__,
           "in_pipeline": columns is not None,
           "columns": None if columns is None else list(columns),
           "arguments": args, "config": dataclasses.asdict(est.config_), "fitted": fitted}
    return json.loads(json.dumps(doc, default=_plain))  # fails here, not half-written


def write_network(est: _NetEstimator, files: SavedFiles, columns: Sequence[Any] | None) -> bool:
    """Write ``files.network`` (JSON) and ``files.weights`` (the state dict) for fitted
    ``est``, recording the SHA-256 of the weights and of ``files.joblib`` (written first) so a
    stale pair is noticed.  Returns False (logged, nothing left behind) when ``est`` has no
    faithful JSON form; the joblib file then stays the only copy."""
    for path in (files.network, files.weights):
        path.unlink(missing_ok=True)
    try:
        doc = network_document(est, columns)
    except TypeError as exc:
        log.warning("network saved as joblib only (%s); loading it needs pickle", exc)
        return False
    torch.save({k: v.detach().cpu() for k, v in est.net_.state_dict().items()}, files.weights)
    doc["weights"] = {"file": files.weights.name, "sha256": file_sha256(files.weights)}
    doc["joblib_sha256"] = file_sha256(files.joblib) if files.joblib.is_file() else None
    files.network.write_text(json.dumps(doc, indent=1))
    return True


def read_network(files: SavedFiles, doc: dict[str, Any]) -> _NetEstimator:
    """The fitted network that ``doc`` (the parsed ``files.network``) and ``files.weights``
    describe, on the CPU, rebuilt without unpickling anything: the weights are read with
    ``torch.load(weights_only=True)``.  Raises ``UserError`` naming the file."""
    where = str(files.network)
    try:
        cls = _CLASSES[doc["class"]]
        est = cls(**doc["arguments"])
        raw = dict(doc["config"])
        raw["arch"] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw["arch"].items()}
        cfg = NetConfig(**raw)
        fitted = dict(doc["fitted"])
        if file_sha256(files.weights) != doc["weights"]["sha256"]:
            raise UserError(f"load_model: {str(files.weights)!r} is not the weights file "
                            f"{where!r} was written with (its SHA-256 differs)")
        state = torch.load(files.weights, map_location="cpu", weights_only=True)
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged file: one clear message
        raise UserError(f"load_model: cannot read the network in {where!r} "
                        f"({type(exc).__name__}: {exc})") from None
    est.config_ = cfg
    est.input_shape_ = tuple(int(s) for s in fitted["input_shape_"])
    est.precision_, est.n_frozen_ = fitted["precision_"], int(fitted["n_frozen_"])
    est.n_epochs_, est.best_epoch_ = int(fitted["n_epochs_"]), int(fitted["best_epoch_"])
    est.history_ = [float(v) for v in fitted["history_"]]
    if isinstance(est, NetClassifier):
        labels = fitted["classes_"]
        est.classes_ = np.asarray(labels["values"], dtype=np.dtype(labels["dtype"]))
        est.label_encoder_ = LabelEncoder()
        est.label_encoder_.classes_ = est.classes_
    else:
        est.y_mean_, est.y_std_ = float(fitted["y_mean_"]), float(fitted["y_std_"])
    net = build_net(cfg, est.input_shape_, est._n_out())
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise UserError(f"load_model: the weights do not fit the network {where!r} describes "
                        f"({str(exc).splitlines()[0]})") from None
    net.eval()
    est.net_, est.device_ = net, torch.device("cpu")
    return est


def build_network_estimator(family: str, params: Any, seed: int, task: str) -> _NetEstimator:
    """The cycle's builder: check ``params`` now (a bad one fails before any training).
    ``init_from`` and ``freeze`` among them (a config's transfer learning) become the
    estimator's own arguments."""
    own = dict(params)
    init_from, freeze = own.pop("init_from", None), own.pop("freeze", 0)
    resolve(family, own, task)
    cls = NetClassifier if task == "classification" else NetRegressor
    return cls(family=family, params=own, seed=int(seed), init_from=init_from,
               freeze=int(freeze))


# -- transfer learning: the saved network to start from ---------------------------------------


def load_network(init_from: Any, family: str, task: str) -> _NetEstimator:
    """The fitted network that ``init_from`` names: a path saved by the cycle (its output dir
    or ``model.joblib``: the pipeline's last step) or by :meth:`_NetEstimator.save`, or a
    fitted estimator; it must be a ``family`` network for ``task``.  From a path, the
    network's JSON and weights files are read when they are there (no pickle: only the network
    is needed, not the pipeline's preprocessing), the joblib file otherwise.  Raises
    ``UserError`` starting ``init_from:``."""
    src = init_from
    if not isinstance(src, _NetEstimator):
        try:
            src = load_checkpoint(src)
        except UserError as exc:
            raise UserError(f"init_from: {str(exc).removeprefix('load_model: ')}") from None
    if hasattr(src, "steps"):  # a cycle pipeline: the network is its last step
        src = src.steps[-1][1]
    if not isinstance(src, _NetEstimator) or not hasattr(src, "net_"):
        raise UserError(f"init_from: {init_from!r} holds no fitted tunecycle network")
    if src.family != family:
        raise UserError(f"init_from: the saved network is a {src.family}, not a {family}")
    if src._task != task:
        raise UserError(f"init_from: the saved network does {src._task}, not {task}")
    return src


def load_checkpoint(path: Any) -> Any:
    """The network to start transfer learning from: read from the network's JSON and weights
    files when they are there (no pickle, even when it ends a pipeline), else from the joblib
    pickle (the whole saved model)."""
    files = saved_files(path)
    doc = network_doc(files, DEEP_NAMES)
    if doc is not None:
        return read_network(files, doc)
    return read_pickle(files, None, allow_pickle=True)


@functools.lru_cache(maxsize=16)
def _checkpoint(path: str, stamp: tuple[int, ...], family: str, task: str
                ) -> tuple[int, tuple[int, ...]]:
    src = load_network(path, family, task)
    return len(src.net_.blocks), tuple(src.input_shape_)


def _stamped(path: Any) -> tuple[str, tuple[int, ...]]:
    """The path and the (mtime, size) of each file it stands for: a rewritten checkpoint is
    read again."""
    files = saved_files(path)
    stamp: list[int] = []
    for p in (files.joblib, files.network, files.weights):
        try:
            stat = p.stat()
        except OSError:
            stamp += [0, 0]  # load_model says why, naming the path
            continue
        stamp += [stat.st_mtime_ns, stat.st_size]
    return str(Path(str(path)).expanduser()), tuple(stamp)


def checkpoint_blocks(path: Any, family: str, task: str) -> int:
    """How many freezable blocks the saved network at ``path`` has (checked as
    :func:`load_network` does; read once per file version)."""
    return _checkpoint(*_stamped(path), family, task)[0]


def check_checkpoint_input(path: Any, family: str, task: str, n_features: int,
                           sample_shape: Sequence[int] | None) -> None:
    """Raise ``UserError`` (``init_from: ...``) when the saved network at ``path`` cannot take
    this data's rows (``n_features`` after preprocessing, ``sample_shape`` of images or
    sequences): what a cycle checks before its first trial."""
    _, want = _checkpoint(*_stamped(path), family, task)
    have = _input_shape(family, n_features, sample_shape)
    if want != have:
        raise UserError(f"init_from: the saved network takes inputs of shape {want}, this data "
                        f"has {have}")


__all__ = ["NetClassifier", "NetRegressor", "build_network_estimator", "check_checkpoint_input",
           "checkpoint_blocks", "load_checkpoint", "load_network", "network_document", "pick_device",
           "read_network", "write_network"]
