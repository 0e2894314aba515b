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

The estimators, their saving and transfer learning are here; the training loop and forward
pass are ``training`` (``NetTraining``, their base class), the device ``device``, the input
shape ``shapes``.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from tunecycle.cycle.deep.device import DEVICE_ENV, pick_device
from tunecycle.cycle.deep.netconfig import NetConfig, resolve
from tunecycle.cycle.deep.nets import Net, build_net
from tunecycle.cycle.deep.shapes import _input_shape
from tunecycle.cycle.deep.spaces import DEEP_NAMES
from tunecycle.cycle.deep.training import PREDICT_BATCH, NetTraining, _loss, _optimizer, _scheduler
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

log = logging.getLogger(__name__)


class _NetEstimator(NetTraining, BaseEstimator):
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
           "read_network", "write_network",
           # imported from here before they had modules of their own
           "DEVICE_ENV", "PREDICT_BATCH", "_loss", "_optimizer", "_scheduler"]
