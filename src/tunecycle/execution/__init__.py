"""Where trials run when not in the calling process: worker processes on this machine
(``optimize(n_jobs=N)``, ``trial_timeout``) or Ray tasks (``backend="ray"``).

``tunecycle.api`` hands :func:`run_elsewhere` to every study it opens (the study itself never
imports this layer).  The driver (``driver.py``) keeps the sampler, the pruner and the store;
workers (``worker.py``) run the objective and exchange small messages with it.
"""

from __future__ import annotations

from tunecycle.space import Space
from tunecycle.study import Loop, Objective, ParallelOptions, Study

__all__ = ["run_elsewhere"]


def run_elsewhere(
    study: Study, objective: Objective, loop: Loop, space: Space | None, options: ParallelOptions
) -> None:
    """Run the trials of one ``optimize`` call on workers, as ``options`` says."""
    from tunecycle.execution.driver import drive

    if options.backend == "ray":
        from tunecycle.execution.ray_tasks import RayLauncher

        launcher = RayLauncher(objective, options)
    else:
        from tunecycle.execution.local import ProcessLauncher

        launcher = ProcessLauncher(objective, options.n_jobs)
    drive(study, objective, loop, space, options, launcher)
