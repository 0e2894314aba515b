"""Multi-fidelity: the model-based samplers learn from pruned and running trials' intermediate
values while few trials are complete, and behave exactly as before when no trial reports any."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.errors import TrialPruned
from tunecycle.protocols import History, TrialContext, trial_rng
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.samplers.auto import AutoSampler
from tunecycle.samplers.fidelity import choose_level, observations_at, value_at
from tunecycle.samplers.gp import GPSampler
from tunecycle.samplers.tpe import TPESampler

_ids = itertools.count(1)
SPACE = tc.Space({"x": tc.Float(0.0, 1.0), "y": tc.Float(0.0, 1.0)})
GOOD = np.array([0.8, 0.25])  # where the low-budget values point


def ft(number, state, inter=None, value=None, params=None):
    return FrozenTrial(
        trial_id=next(_ids), number=number, state=TrialState.parse(state), value=value,
        params=params if params is not None else {"x": 0.5, "y": 0.5},
        intermediate=dict(inter or {}),
    )


def curve(p: dict, step: int) -> float:
    """A learning curve: the loss falls with the step towards a floor set by the params."""
    floor = float(np.sum((np.array([p["x"], p["y"]]) - GOOD) ** 2))
    return floor + 1.0 / (step + 1)


# -- the level rule ----------------------------------------------------------------------------
def test_level_is_the_largest_step_reached_by_n_min_trials():
    trials = [ft(0, "complete", {s: 1.0 for s in range(10)}, 1.0)]
    trials += [ft(i, "pruned", {0: 2.0, 1: 2.0}) for i in range(1, 4)]
    trials += [ft(4, "running", {0: 3.0, 1: 3.0, 2: 3.0, 3: 3.0})]
    trials += [ft(5, "failed", {s: 0.0 for s in range(20)})]  # failures teach nothing
    # last steps reached: 9, 3, 1, 1, 1 -> the 2nd largest is 3, the 3rd is 1
    assert choose_level(trials, 1) is None  # one complete trial is enough: the usual model
    assert choose_level(trials, 2) == 3
    assert choose_level(trials, 3) == 1
    assert choose_level(trials, 5) == 1
    assert choose_level(trials, 6) is None  # only five trials reported anything


def test_without_reports_the_usual_observations_are_kept():
    trials = [ft(i, "complete", value=float(i)) for i in range(3)]
    trials += [ft(3, "pruned"), ft(4, "running")]  # pruned or running before any report
    assert choose_level(trials, 10) is None
    assert observations_at(SPACE, History.of(trials), 10) is None


def test_value_at_a_level_is_the_first_report_at_or_after_it():
    sparse = ft(0, "pruned", {0: 5.0, 2: 4.0, 6: 3.0})
    assert value_at(sparse, 0) == 5.0
    assert value_at(sparse, 1) == 4.0  # first report at or after step 1 is at step 2
    assert value_at(sparse, 6) == 3.0
    assert value_at(sparse, 7) is None
    assert value_at(ft(1, "complete", value=0.7), 50) == 0.7  # never reported: its final value
    assert value_at(ft(2, "running"), 0) is None


def test_observations_at_a_level_split_the_history():
    p = [{"x": v, "y": v} for v in (0.1, 0.2, 0.3, 0.4, 0.5)]
    trials = [
        ft(0, "complete", {0: 3.0, 1: 2.0, 2: 1.0}, 1.0, p[0]),
        ft(1, "pruned", {0: 4.0, 1: 3.5}, None, p[1]),
        ft(2, "pruned", {0: 9.0}, None, p[2]),  # stopped below the level: bad side
        ft(3, "running", {0: 2.5, 1: 2.4}, None, p[3]),  # its value at step 1 is final
        ft(4, "running", {0: 8.0}, None, p[4]),  # still below the level: pending
    ]
    obs = observations_at(SPACE, History.of(trials, "maximize"), 3)
    assert obs is not None  # last steps 2, 1, 0, 1, 0: the 3rd largest is 1
    assert obs.numbers.tolist() == [0, 1, 3]
    assert obs.loss.tolist() == [-2.0, -3.5, -2.4]  # maximize: the loss is the negated value
    assert obs.pruned_x.tolist() == [[0.3, 0.3]]
    assert obs.pending_x.tolist() == [[0.5, 0.5]]


# -- the samplers learn from pruned trials ------------------------------------------------------
def pruned_history() -> History:
    """Three complete trials far from ``GOOD`` and 36 trials pruned at step 1 spread over the
    square: only their step-1 values say where the good region is."""
    trials, rng = [], np.random.default_rng(0)
    far = [{"x": 0.1, "y": 0.9}, {"x": 0.3, "y": 0.7}, {"x": 0.2, "y": 0.6}]
    for i, p in enumerate(far):
        trials.append(ft(i, "complete", {s: curve(p, s) for s in range(10)}, curve(p, 9), p))
    for i in range(3, 39):
        p = {"x": float(rng.random()), "y": float(rng.random())}
        trials.append(ft(i, "pruned", {0: curve(p, 0), 1: curve(p, 1)}, None, p))
    return History.of(trials)


def near_good(sampler, history: History, n: int = 12) -> int:
    """How many of ``n`` proposals (trial numbers after the history) land near ``GOOD``."""
    hits = 0
    for k in range(n):
        number = len(history.trials) + k
        ctx = TrialContext(number, trial_rng(7, number))
        p = sampler.propose(SPACE, history, [ctx])[0]
        hits += float(np.linalg.norm(np.array([p["x"], p["y"]]) - GOOD)) < 0.2
    return hits


@pytest.mark.parametrize(
    "make", [lambda mf: TPESampler(seed=7, multi_fidelity=mf),
             lambda mf: GPSampler(seed=7, multi_fidelity=mf, n_candidates=256)],
    ids=["tpe", "gp"],
)
def test_pruned_trials_low_budget_values_steer_the_model(make):
    history = pruned_history()
    with_mf, without = near_good(make(True), history), near_good(make(False), history)
    # a disc of radius 0.2 is ~12% of the square: random or model-of-three-far-trials
    # proposals seldom land there; the step-1 values point straight at it
    assert with_mf >= 9, (with_mf, without)
    assert without <= 4, (with_mf, without)


def test_auto_leaves_start_up_when_a_step_is_reached_by_enough_trials():
    auto = AutoSampler(seed=0)
    history = pruned_history()
    assert auto.choose(SPACE, history).name == "gp"
    few = History.of(history.trials[:9])  # three complete, six pruned: 9 < n_startup
    assert auto.choose(SPACE, few).name == "qmc"


# -- nothing changes without intermediate values ------------------------------------------------
def quadratic(t):
    return float(np.sum((np.array([t.params["x"], t.params["y"]]) - GOOD) ** 2))


@pytest.mark.parametrize(
    ("make", "n_trials"),
    [(lambda mf: TPESampler(seed=3, multi_fidelity=mf), 30),
     (lambda mf: GPSampler(seed=3, multi_fidelity=mf, n_candidates=256), 14)],
    ids=["tpe", "gp"],
)
def test_without_reports_proposals_are_the_same_as_with_the_feature_off(make, n_trials):
    runs = []
    for mf in (True, False):
        study = tc.create_study(sampler=make(mf), seed=3)
        study.optimize(quadratic, n_trials=n_trials, space=SPACE)
        runs.append([dict(t.params) for t in study.trials])
    assert runs[0] == runs[1]


def test_with_enough_complete_trials_pruned_studies_are_modelled_as_before():
    """Once ``n_startup`` trials are complete the usual model is fitted: proposals match the
    sampler with the feature off, though the history holds pruned trials."""
    trials = [ft(i, "complete", {s: curve(p, s) for s in range(5)}, curve(p, 4), p)
              for i, p in enumerate({"x": v, "y": 1 - v} for v in np.linspace(0, 1, 10))]
    trials += [ft(10 + i, "pruned", {0: 0.01}, None, {"x": 0.05 * i, "y": 0.5})
               for i in range(8)]
    history = History.of(trials)
    for mf_on, mf_off in [(TPESampler(seed=1), TPESampler(seed=1, multi_fidelity=False)),
                          (GPSampler(seed=1, n_candidates=128),
                           GPSampler(seed=1, n_candidates=128, multi_fidelity=False))]:
        ctx = [TrialContext(18, trial_rng(1, 18))]
        ctx2 = [TrialContext(18, trial_rng(1, 18))]
        assert mf_on.propose(SPACE, history, ctx) == mf_off.propose(SPACE, history, ctx2)


def test_describe_round_trips_the_switch():
    for cls in (TPESampler, GPSampler):
        desc = cls(seed=2, multi_fidelity=False).describe()
        assert desc["multi_fidelity"] is False
        assert cls.from_description(desc).multi_fidelity is False
        assert cls.from_description({"name": cls.name}).multi_fidelity is True


# -- in a pruned study ------------------------------------------------------------------------
@pytest.mark.slow
def test_under_asha_tpe_learns_from_pruned_trials_with_or_without_multi_fidelity():
    """ASHA stops most trials at step 1 or 3, so few complete.  TPE still leaves its start-up
    phase after ten finished trials and learns from the pruned ones (step values with the
    feature; with it off, pruned trials ranked by how far they got): either way its best trial
    ends far nearer the optimum than random sampling under the same pruner (eight fixed seeds;
    the score is the distance part of the final loss)."""

    def objective(trial):
        for step in range(9):
            trial.report(curve(trial.params, step), step)
            if trial.should_prune():
                raise TrialPruned()
        return curve(trial.params, 8)

    gap: dict[str, list[float]] = {"on": [], "off": [], "random": []}
    for seed in range(8):
        for key, sampler in (("on", TPESampler(seed=seed)),
                             ("off", TPESampler(seed=seed, multi_fidelity=False)),
                             ("random", "random")):
            study = tc.create_study(sampler=sampler, seed=seed, pruner="asha")
            study.optimize(objective, n_trials=60, space=SPACE)
            gap[key].append(study.best_value - 1.0 / 9)
    assert np.mean(gap["on"]) < 0.25 * np.mean(gap["random"]), gap
    assert np.mean(gap["off"]) < 0.25 * np.mean(gap["random"]), gap
