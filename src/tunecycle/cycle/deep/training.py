"""The epochs of one ``fit`` of a network and its batched forward passes: the optimiser, schedule,
loss and L1 penalty of the configuration, the internal holdout, early stopping on the
per-epoch value (a monitor's, the holdout's or the training loss), mixed precision, frozen
blocks kept in eval mode.

``NetTraining`` is a base class of the estimators (``estimator``); it reads the attributes
their ``fit`` sets.  Not here: building the network, transfer learning, saving.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted
from torch import nn

from tunecycle.cycle.deep.netconfig import NetConfig
from tunecycle.cycle.deep.nets import augment_images
from tunecycle.errors import UserError
from tunecycle.integrations.torch import EpochMonitor

PREDICT_BATCH = 1024


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


class NetTraining:
    """The training loop and forward pass that ``NetClassifier`` and ``NetRegressor`` share."""

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
