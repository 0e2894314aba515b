"""Where one ``optimize`` call's trials run: how many at a time, in worker processes or on Ray,
with which per-trial limits.  :class:`ParallelOptions` checks the caller's arguments once (a bad
one is a ``UserError`` naming it); ``remote`` says whether anything runs outside the caller."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tunecycle.errors import UserError


@dataclass(frozen=True)
class ParallelOptions:
    """Where trials run: ``n_jobs`` at a time, in worker processes or on Ray."""

    n_jobs: int = 1
    backend: str | None = None  # None: this process (n_jobs=1) or worker processes
    trial_timeout: float | None = None
    deterministic: bool = False
    resources_per_trial: Mapping[str, float] | None = None
    address: str | None = None

    @property
    def remote(self) -> bool:
        """True when trials run outside this process."""
        return self.n_jobs > 1 or self.backend is not None or self.trial_timeout is not None

    @classmethod
    def check(
        cls,
        n_jobs: Any,
        backend: Any,
        trial_timeout: Any,
        deterministic: Any,
        resources: Any,
        address: Any,
    ) -> ParallelOptions:
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
            raise UserError(f"optimize: n_jobs must be a positive integer or -1, got {n_jobs!r}")
        if n_jobs == -1:
            n_jobs = os.cpu_count() or 1
        if backend not in (None, "processes", "ray"):
            raise UserError(f"optimize: backend must be 'processes' or 'ray', got {backend!r}")
        if trial_timeout is not None and (
            isinstance(trial_timeout, bool)
            or not isinstance(trial_timeout, (int, float))
            or not trial_timeout > 0
        ):
            raise UserError(
                f"optimize: trial_timeout must be a positive number of seconds, got {trial_timeout!r}"
            )
        if backend != "ray" and (resources is not None or address is not None):
            raise UserError("optimize: resources_per_trial and address need backend='ray'")
        if resources is not None and not (
            isinstance(resources, Mapping)
            and all(isinstance(v, (int, float)) and v >= 0 for v in resources.values())
        ):
            raise UserError(
                "optimize: resources_per_trial must map resource names to non-negative "
                f"amounts, got {resources!r}"
            )
        return cls(int(n_jobs), backend, trial_timeout, bool(deterministic),
                   dict(resources) if resources is not None else None, address)


