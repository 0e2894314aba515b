"""Multi-objective TPE's model options: joint or per-dim densities (``mo_model``), the good
trials' weights (``mo_weights``), the switch to the joint model (``mo_joint_after``), and the
default's effect on small end-to-end studies.  Hand-made histories for the rules."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import tunecycle as tc
from tests.samplers.test_multiobjective import _hv_after  # the 6-d ZDT1 run
from tunecycle.protocols import History, TrialContext, trial_rng
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.samplers.tpe import TPESampler

XY = tc.Space({"x": tc.Float(0, 1), "y": tc.Float(0, 1)})


def contexts(numbers, seed: int = 1) -> list[TrialContext]:
    return [TrialContext(n, trial_rng(seed, n)) for n in numbers]


def _trial(i: int, x: float, y: float, values: tuple[float, float]) -> FrozenTrial:
    return FrozenTrial(trial_id=i + 1, number=i, state=TrialState.COMPLETE,
                       params={"x": float(x), "y": float(y)}, values=values)


def two_corners(n_good: int = 20, n_bad: int = 180, seed: int = 0) -> History:
    """``n_good`` trials near (0.1, 0.9) and (0.9, 0.1), all on one convex front (the first
    corner better in the first objective); ``n_bad`` trials spread over the square, dominated
    by all of them.  With 200 trials the good group is exactly the corner trials."""
    rng = np.random.default_rng(seed)
    trials = []
    for i in range(n_good):
        a, b = rng.normal(0, 0.02, 2)
        t = i / (n_good - 1)
        x, y = (0.1 + a, 0.9 + b) if i % 2 else (0.9 + a, 0.1 + b)
        trials.append(_trial(i, x, y, (t, 1 - math.sqrt(t))))
    for i in range(n_good, n_good + n_bad):
        x, y = rng.random(2)
        trials.append(_trial(i, x, y, (2 + rng.random(), 2 + rng.random())))
    return History.of(trials, ["minimize", "minimize"])


def _mixed_corner_share(sampler: TPESampler, h: History) -> float:
    """The share of proposals in the two corners that no good trial is in: (low, low) and
    (high, high)."""
    n = len(h.trials)
    props = [sampler.propose(XY, h, [c])[0] for c in contexts(range(n, n + 60))]
    mixed = [(p["x"] < 0.3 and p["y"] < 0.3) or (p["x"] > 0.7 and p["y"] > 0.7) for p in props]
    return float(np.mean(mixed))


def test_independent_model_combines_dims_of_different_good_trials():
    """Each dim drawn and scored alone: the good density of x and of y are each bimodal, so
    the per-dim model also proposes the corners that pair one good trial's x with another's
    y; the joint model keeps each draw's dims together."""
    h = two_corners()
    share = {m: _mixed_corner_share(TPESampler(seed=0, mo_model=m, mo_weights="equal"), h)
             for m in ("independent", "joint")}
    assert share["independent"] > 0.3
    assert share["joint"] < 0.05


def test_pool_model_draws_jointly():
    """``pool`` draws whole candidates from the good mixture (then scores them per dim), so
    its proposals stay near the good corners."""
    share = _mixed_corner_share(TPESampler(seed=0, mo_model="pool", mo_weights="equal"),
                                two_corners())
    assert share < 0.1


def _dominated_good_history() -> History:
    """60 trials; the good group (6 trials) is three front points near x = 0.1 and three
    points of the second front near x = 0.9; the rest, in between, are far worse."""
    rng = np.random.default_rng(4)
    trials = [_trial(i, 0.1 + 0.01 * i, rng.random(), (i / 3, 1 - i / 3)) for i in range(3)]
    trials += [_trial(i + 3, 0.9 - 0.01 * i, rng.random(), (0.1 + i / 3, 1.1 - i / 3))
               for i in range(3)]
    for i in range(6, 60):
        trials.append(_trial(i, 0.3 + 0.3 * rng.random(), rng.random(),
                             (5 + rng.random(), 5 + rng.random())))
    return History.of(trials, ["minimize", "minimize"])


@pytest.mark.parametrize("model", ["joint", "independent"])
def test_equal_weights_give_a_dominated_good_trial_its_share(model):
    """Hypervolume weights leave the dominated good trials at the floor (their kernels are
    almost never drawn); equal weights draw them as often as the others.  One candidate per
    proposal, so a proposal is a draw from the good density."""
    h = _dominated_good_history()

    def share_near_09(weights: str) -> float:
        s = TPESampler(seed=2, mo_model=model, mo_weights=weights, n_candidates=1)
        props = [s.propose(XY, h, [c])[0] for c in contexts(range(60, 120))]
        return float(np.mean([p["x"] > 0.8 for p in props]))

    assert share_near_09("hypervolume") < 0.15
    assert share_near_09("equal") > 0.25


def test_joint_after_switches_to_the_joint_model():
    h = two_corners()  # 200 complete trials

    def batch(**options) -> list:
        return TPESampler(seed=3, **options).propose(XY, h, contexts(range(200, 206)))

    joint, indep = batch(mo_model="joint"), batch(mo_model="independent")
    assert joint != indep
    assert batch(mo_model="independent", mo_joint_after=200) == joint
    assert batch(mo_model="independent", mo_joint_after=201) == indep


def test_one_objective_ignores_the_mo_options():
    trials = [FrozenTrial(trial_id=i + 1, number=i, state=TrialState.COMPLETE,
                          params={"x": x, "y": 1 - x}, value=(x - 0.3) ** 2)
              for i, x in enumerate(np.linspace(0, 1, 30))]
    h = History.of(trials, "minimize")
    base = TPESampler(seed=5).propose(XY, h, contexts(range(30, 36)))
    other = TPESampler(seed=5, mo_model="independent", mo_weights="equal",
                       mo_joint_after=100).propose(XY, h, contexts(range(30, 36)))
    assert other == base


@pytest.mark.parametrize("field,value", [("mo_model", "univariate"), ("mo_weights", "hv"),
                                         ("mo_joint_after", -1), ("mo_joint_after", 2.5)])
def test_bad_options_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        TPESampler(**{field: value})


def test_description_round_trips_the_options():
    s = TPESampler(seed=1, mo_model="pool", mo_weights="equal", mo_joint_after=150)
    desc = json.loads(json.dumps(s.describe()))
    again = TPESampler.from_description(desc)
    assert (again.mo_model, again.mo_weights, again.mo_joint_after) == ("pool", "equal", 150)


@pytest.mark.parametrize("model", ["independent", "pool"])
def test_per_dim_models_handle_mixed_spaces(model):
    space = tc.Space({"x": tc.Float(0, 1), "k": tc.Int(1, 9), "c": tc.Categorical(["a", "b"]),
                      "lr": tc.Float(1e-4, 1.0, log=True), "n": tc.Int(1, 1000, log=True)})
    rng = np.random.default_rng(0)
    trials = []
    for i in range(30):
        p = space.from_unit(rng.random(len(space)))
        trials.append(FrozenTrial(trial_id=i + 1, number=i, state=TrialState.COMPLETE,
                                  params=p, values=(p["x"], p["k"] / 9 + (p["c"] == "a"))))
    h = History.of(trials, ["minimize", "minimize"])
    s = TPESampler(seed=0, mo_model=model)
    props = s.propose(space, h, contexts(range(30, 40)))
    assert all(space.validate(p) == p for p in props)
    assert props == TPESampler(seed=0, mo_model=model).propose(space, h, contexts(range(30, 40)))
    assert len({p["x"] for p in props}) == len(props)


@pytest.mark.parametrize("model", ["joint", "independent", "pool"])
def test_each_model_beats_random_search_on_a_small_zdt1(model):
    ours = [_hv_after(TPESampler(mo_model=model), s, 80) for s in range(3)]
    rnd = [_hv_after("random", s, 80) for s in range(3)]
    assert min(ours) > max(rnd)
    assert np.mean(ours) > np.mean(rnd) + 0.2


def _disc_feasible_share(sampler, seed: int) -> float:
    """Feasible share on a problem whose feasible region is a disc of about 12% of the
    square."""
    def objective(t):
        x, y = t.params["x"], t.params["y"]
        t.set_constraints([(x - 0.75) ** 2 + (y - 0.75) ** 2 - 0.04])
        return x + y, (1 - x) + y * y
    study = tc.create_study(sampler=sampler, seed=seed, directions=["minimize", "minimize"])
    study.optimize(objective, n_trials=60, space={"x": tc.Float(0, 1), "y": tc.Float(0, 1)})
    return float(np.mean([t.feasible for t in study.trials]))


@pytest.mark.parametrize("model", ["joint", "independent", "pool"])
def test_each_model_prefers_feasible_trials(model):
    ours = np.mean([_disc_feasible_share(TPESampler(mo_model=model), s) for s in range(3)])
    rnd = np.mean([_disc_feasible_share("random", s) for s in range(3)])
    assert ours > rnd + 0.15


def test_alternate_takes_turns_by_trial_number():
    h = two_corners()

    def one(number: int, model: str) -> dict:
        return TPESampler(seed=4, mo_model=model).propose(XY, h, contexts([number]))[0]

    assert one(200, "alternate") == one(200, "independent") != one(200, "joint")
    assert one(201, "alternate") == one(201, "joint") != one(201, "independent")
