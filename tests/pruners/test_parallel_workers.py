"""Halving pruners with parallel workers: two workers, each with its own connection to the same
store (as two processes would have), report in a shuffled order unrelated to trial numbers.
Every decision must be the one the documented rule gives on the reports made so far -- checked
against a small reference implementation written here, apart from the pruners' own code.  On
the SQL stores this also checks that a worker sees the other's newest reports of trials that
are still running (no stale cache)."""

from __future__ import annotations

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.pruners import ASHAPruner, HyperbandPruner

N_TRIALS, N_STEPS, ETA = 14, 10, 3


def expected(reports: dict[int, dict[int, float]], gone: set[int], me: int, step: int,
             rate: int, peers: set[int], cap: int | None, leader_only: bool = False) -> bool:
    """The ASHA rule for a trial that reports every step: at a rung step ``ETA ** (rate + k)``
    (below ``cap`` when given) it is pruned unless fewer than ``ETA`` trials of ``peers`` have
    reached the rung, or fewer than ``n // ETA`` of them are strictly better.  With
    ``leader_only`` (successive halving, as in Hyperband's brackets), a rung that fewer than
    ``ETA`` trials have reached promotes only a trial that none of them beats."""
    k = 0
    while (rung := ETA ** (rate + k)) <= step and (cap is None or rung < cap):
        k += 1
        if rung != step:
            continue
        mine = reports[me][step]
        rivals = [r[rung] for n, r in reports.items()
                  if n != me and n in peers and n not in gone and rung in r]
        n = len(rivals) + 1
        better = sum(v < mine for v in rivals)
        if n >= ETA and better >= n // ETA:
            return True
        if n < ETA and leader_only and better > 0:
            return True
    return False


@pytest.mark.parametrize("pruner_name", ["asha", "hyperband"])
def test_shuffled_reports_from_two_workers(storage_url, make_storage, unique_name, pruner_name):
    rng = np.random.default_rng(11)
    quality = rng.random(N_TRIALS)
    make = {"asha": lambda: ASHAPruner(reduction_factor=ETA),
            "hyperband": lambda: HyperbandPruner(max_resource=N_STEPS, reduction_factor=ETA,
                                                 seed=5)}[pruner_name]
    name = unique_name()
    a = tc.create_study(name, storage=make_storage(storage_url), sampler="random",
                        pruner=make())
    b = tc.load_study(name, storage=make_storage(storage_url), sampler="random", pruner=make())
    workers = [a, b]
    trials = [workers[i % 2].ask() for i in range(N_TRIALS)]
    owner = {t.number: workers[i % 2] for i, t in enumerate(trials)}
    by_number = {t.number: t for t in trials}

    def rate_and_peers(number: int) -> tuple[int, set[int], int | None]:
        if pruner_name == "asha":
            return 0, set(by_number), None
        hb = make()
        mine = hb.bracket(number)
        return mine, {n for n in by_number if hb.bracket(n) == mine}, N_STEPS

    # a random interleaving of every trial's steps, each trial's own steps in order
    order = rng.permutation(np.repeat(np.arange(N_TRIALS), N_STEPS))
    reports: dict[int, dict[int, float]] = {t.number: {} for t in trials}
    gone: set[int] = set()  # pruned trials: they stop reporting
    next_step = dict.fromkeys(by_number, 0)
    n_pruned = 0
    for i in order:
        number = trials[i].number
        if number in gone or next_step[number] >= N_STEPS:
            continue
        step = next_step[number]
        next_step[number] += 1
        value = float(quality[i] + 1.0 / (step + 1))
        trial = by_number[number]
        trial.report(value, step)
        reports[number][step] = value
        rate, peers, cap = rate_and_peers(number)
        # pruned trials' rung values still count as competitors: only failed ones are left out
        want = expected(reports, set(), number, step, rate, peers, cap,
                        leader_only=pruner_name == "hyperband")
        assert trial.should_prune() is want, (number, step)
        if want:
            owner[number].tell(trial, state="pruned")
            gone.add(number)
            n_pruned += 1
        elif step == N_STEPS - 1:
            owner[number].tell(trial, value)
    assert 0 < n_pruned < N_TRIALS  # the schedule exercised both answers
    states = {t.number: t.state.value for t in b.trials}
    assert {n for n, s in states.items() if s == "pruned"} == gone
