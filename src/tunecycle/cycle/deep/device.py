"""Where a network trains: ``pick_device`` (``"auto"``: ``$TUNECYCLE_DEVICE``, else the first CUDA
GPU, else the CPU; each process picks its own) and the check that a process forked after its
parent started CUDA does not use it.

Not here: training (``training``), the estimators (``estimator``).
"""

from __future__ import annotations

import logging
import os

import torch

from tunecycle.errors import UserError

log = logging.getLogger("tunecycle.cycle.deep.estimator")  # the estimator's, as before

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
