"""Pruning for a hand-written training loop.

    from tunecycle.integrations import report_and_check, run_steps

    def objective(trial):
        model = make_model(trial)
        for epoch in range(20):
            train_one_epoch(model)
            report_and_check(trial, validate(model), epoch)   # raises TrialPruned when told
        return validate(model)

    # or, when one step is one call:
    def objective(trial):
        model = make_model(trial)
        return run_steps(trial, 20, lambda step: train_and_validate(model, step))

Both report the value at the step with ``trial.report`` and then ask ``trial.should_prune()``;
when the pruner says stop they raise :class:`tunecycle.TrialPruned`, which the study records as
a pruned trial with its last reported value and step.  No step runs after the one that was
pruned.
"""

from __future__ import annotations

from collections.abc import Callable

from tunecycle.errors import TrialPruned
from tunecycle.trial import Trial


def report_and_check(trial: Trial, value: float, step: int) -> None:
    """Report ``value`` at ``step``, then raise ``TrialPruned`` if the study's pruner says so."""
    trial.report(value, step)
    if trial.should_prune():
        raise TrialPruned(f"trial {trial.number} pruned at step {step} (value {float(value)!r})")


def run_steps(trial: Trial, n_steps: int, step_fn: Callable[[int], float]) -> float:
    """Call ``step_fn(step)`` for ``step = 0 .. n_steps - 1``; report each returned value at its
    step and stop with ``TrialPruned`` as soon as the pruner says so.  Returns the last value."""
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
        raise ValueError(f"run_steps: n_steps must be a positive integer, got {n_steps!r}")
    value = float("nan")
    for step in range(n_steps):
        value = float(step_fn(step))
        report_and_check(trial, value, step)
    return value


def split_observation_key(owner: str, key: object, example: str) -> tuple[str, str]:
    """``"<data>-<metric>"`` as ``(data, metric)`` for a boosting callback named ``owner``; a
    ``ValueError`` naming the argument otherwise.  Data names may hold '-' themselves (a
    library's eval or valid names), metric names rarely do: the key splits at its last '-'."""
    if not isinstance(key, str) or "-" not in key:
        raise ValueError(
            f"{owner}: observation_key must be '<data>-<metric>' (e.g. {example!r}), "
            f"got {key!r}"
        )
    data, metric = key.rsplit("-", 1)
    return data, metric
