"""Pareto dominance on hand-made fronts: ties, infeasible trials, directions, hypervolume."""

from __future__ import annotations

import numpy as np
import pytest

from tunecycle.pareto import best_trials, front_ranks, hypervolume, losses, nondominated
from tunecycle.records import Direction, FrozenTrial, TrialState

MAX, MIN = Direction.MAXIMIZE, Direction.MINIMIZE


def trial(number, values, state=TrialState.COMPLETE, constraints=None):
    return FrozenTrial(number, number, state, values=values, constraints=constraints)


def test_losses_apply_each_objectives_direction():
    got = losses([trial(0, (0.9, 3.0))], [MAX, MIN])
    assert got.tolist() == [[-0.9, 3.0]]


def test_nondominated_keeps_ties_and_drops_dominated_rows():
    points = np.array([[1, 5], [2, 2], [2, 2], [5, 1], [3, 3], [1, 6]], dtype=float)
    assert nondominated(points).tolist() == [True, True, True, True, False, False]


@pytest.mark.parametrize("seed", range(5))
def test_nondominated_agrees_with_the_pairwise_definition(seed):
    rng = np.random.default_rng(seed)
    # few distinct values per column, so that ties and equal rows are common; 2 to 4 columns
    points = rng.integers(0, 6, size=(300, 2 + seed % 3)).astype(float)
    points[rng.integers(0, 300, size=10), 0] = np.nan  # a NaN neither dominates nor is dominated
    no_worse = np.all(points[:, None, :] <= points[None, :, :], axis=2)
    better = np.any(points[:, None, :] < points[None, :, :], axis=2)
    direct = ~np.any(no_worse & better, axis=0)  # no row j dominates row i
    assert nondominated(points).tolist() == direct.tolist()
    assert nondominated(np.empty((0, 2))).tolist() == []


def test_front_ranks_peel_fronts_in_order():
    points = np.array([[1, 1], [2, 2], [3, 3], [1, 3], [3, 1]], dtype=float)
    assert front_ranks(points).tolist() == [0, 1, 2, 1, 1]


def test_best_trials_is_the_feasible_front_in_number_order():
    trials = [
        trial(0, (0.90, 10.0)),                        # on the front
        trial(1, (0.95, 20.0)),                        # on the front
        trial(2, (0.80, 30.0)),                        # dominated by 0 and 1
        trial(3, (0.99, 1.0), constraints=(0.5,)),     # would dominate all: infeasible
        trial(4, (0.95, 20.0)),                        # ties with 1: kept
        trial(5, (0.97, 5.0), state=TrialState.PRUNED),
        trial(6, (0.92, 12.0), constraints=(-1.0, 0.0)),  # feasible (<= 0), on the front
        FrozenTrial(7, 7, TrialState.FAILED),
    ]
    front = best_trials(trials, [MAX, MIN])
    assert [t.number for t in front] == [0, 1, 4, 6]


def test_best_trials_of_one_objective_are_the_ties_for_best():
    trials = [trial(0, (3.0,)), trial(1, (1.0,)), trial(2, (1.0,)), trial(3, (0.5,), constraints=(1.0,))]
    assert [t.number for t in best_trials(trials, [MIN])] == [1, 2]
    assert best_trials([trial(0, (1.0,), constraints=(2.0,))], [MIN]) == []


def test_hypervolume_of_known_fronts():
    ref = np.array([4.0, 4.0])
    assert hypervolume(np.array([[1.0, 1.0]]), ref) == pytest.approx(9.0)
    # a staircase: 3x1 + 2x1 + 1x1 boxes ... as areas: (4-1)*(4-3) + (4-2)*(3-2) + (4-3)*(2-1)
    stairs = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    assert hypervolume(stairs, ref) == pytest.approx(3 + 2 + 1)
    # dominated points and points beyond the reference add nothing
    more = np.vstack([stairs, [[3.5, 3.5], [5.0, 0.5]]])
    assert hypervolume(more, ref) == pytest.approx(6.0)
    assert hypervolume(np.empty((0, 2)), ref) == 0.0


def test_hypervolume_in_three_dimensions():
    ref = np.array([1.0, 1.0, 1.0])
    assert hypervolume(np.array([[0.0, 0.0, 0.0]]), ref) == pytest.approx(1.0)
    two = np.array([[0.0, 0.5, 0.5], [0.5, 0.0, 0.0]])
    # union of boxes [0,1]x[.5,1]x[.5,1] (0.25) and [.5,1]x[0,1]x[0,1] (0.5), overlap 0.125
    assert hypervolume(two, ref) == pytest.approx(0.25 + 0.5 - 0.125)
