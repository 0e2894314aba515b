"""Where trials run when not in the calling process: worker processes on this machine
(``optimize(n_jobs=N)``, ``trial_timeout``) or Ray tasks (``backend="ray"``).

``tunecycle.api`` hands :data:`run_elsewhere` (an ``Executor``, the protocol of
``tunecycle.study``) to every study it opens; the study itself never imports this layer.  The
driver (``driver.py``) moves trials through the study's public runner port
(``study.runner``: start, finish, abandon, wait); the study keeps the sampler, the pruner and
the store; workers (``worker.py``) run the objective and exchange small messages with it.
"""

from __future__ import annotations

from typing import Any

from tunecycle.execution.options import ParallelOptions
from tunecycle.loop import Loop
from tunecycle.space import Space
from tunecycle.study import Objective, TrialRunner

__all__ = ["ParallelOptions", "run_elsewhere"]


class _Elsewhere:
    """The executor: checks the parallel options, and runs trials on workers."""

    def options(self, n_jobs: Any, backend: Any, trial_timeout: Any, deterministic: Any,
                resources_per_trial: Any, address: Any) -> ParallelOptions | None:
        options = ParallelOptions.check(n_jobs, backend, trial_timeout, deterministic,
                                        resources_per_trial, address)
        return options if options.remote else None

    def run(self, runner: TrialRunner, objective: Objective, loop: Loop, space: Space | None,
            options: ParallelOptions) -> None:
        """Run the trials of one ``optimize`` call on workers, as ``options`` says."""
        from tunecycle.execution.driver import drive

        if options.backend == "ray":
            from tunecycle.execution.ray_tasks import RayLauncher

            launcher = RayLauncher(objective, options)
        else:
            from tunecycle.execution.local import ProcessLauncher

            launcher = ProcessLauncher(objective, options.n_jobs)
        drive(runner, objective, loop, space, options, launcher)


#: the executor ``tunecycle.api`` gives every study it opens
run_elsewhere = _Elsewhere()
