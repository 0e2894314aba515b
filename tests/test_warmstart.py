"""Warm start across studies (``tunecycle.warmstart`` and ``create_study(warm_start=...)``):
the mapping rule, the fading weight, the prior kept out of the new study's trials, the stored
link that ``load_study`` reads again, the errors, and sources in every storage."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.errors import UserError
from tunecycle.records import Direction
from tunecycle.warmstart import Prior, PriorTrial, map_params

COND = tc.Space({
    "lr": tc.Float(1e-4, 1e-1, log=True),
    "model": tc.Categorical({"svm": {"C": tc.Float(0.1, 100, log=True)},
                             "knn": {"k": tc.Int(1, 30)}}),
})


# -- the mapping rule ----------------------------------------------------------------------


def test_shared_parameters_map_by_name_and_removed_ones_are_ignored():
    space = tc.Space({"x": tc.Float(0, 10), "n": tc.Int(1, 5)})
    assert map_params(space, {"x": 2.5, "n": 3, "gone": "a"}) == {"x": 2.5, "n": 3}


def test_a_new_parameter_is_free_and_encoded_as_unknown_but_active():
    space = tc.Space({"x": tc.Float(0, 10), "new": tc.Float(0, 1)})
    assert map_params(space, {"x": 5.0}) == {"x": 5.0}
    prior = Prior([PriorTrial({"x": 5.0}, 1.0)], Direction.MINIMIZE)
    rows = prior.rows(space)
    assert rows.x[0, 0] == pytest.approx(0.5) and math.isnan(rows.x[0, 1])
    assert rows.active[0].tolist() == [True, True]


@pytest.mark.parametrize("params", [
    {"x": 10.5, "n": 3},   # outside the new range: never clipped
    {"x": 2.0, "n": 6},    # an integer outside
    {"x": "two", "n": 3},  # a string where a number is wanted
])
def test_a_shared_value_the_new_space_cannot_hold_drops_the_whole_trial(params):
    space = tc.Space({"x": tc.Float(0, 10), "n": tc.Int(1, 5)})
    assert map_params(space, params) is None


def test_numbers_inside_the_range_snap_to_the_new_grid():
    space = tc.Space({"x": tc.Float(0, 1, step=0.25), "n": tc.Int(0, 10, step=2)})
    assert map_params(space, {"x": 0.3, "n": 3.2}) == {"x": 0.25, "n": 4}


def test_conditional_sub_spaces_map_by_path():
    assert map_params(COND, {"lr": 0.01, "model": "svm", "svm.C": 3.0}) == {
        "lr": 0.01, "model": "svm", "svm.C": 3.0}
    # the other branch's parameters are inactive under this trial's choice: ignored
    assert map_params(COND, {"lr": 0.01, "model": "knn", "knn.k": 7, "svm.C": 3.0}) == {
        "lr": 0.01, "model": "knn", "knn.k": 7}
    rows = Prior([PriorTrial({"lr": 0.01, "model": "knn", "knn.k": 7}, 0.5)],
                 Direction.MINIMIZE).rows(COND)
    assert rows.active[0].tolist() == [True, True, False, True]  # lr, model, svm.C, knn.k


def test_a_removed_branch_drops_its_trials_and_an_unknown_parent_leaves_children_inactive():
    assert map_params(COND, {"lr": 0.01, "model": "rf", "rf.depth": 3}) is None
    # a prior without the parent: the parent is free, its sub-spaces inactive
    params = map_params(COND, {"lr": 0.01, "svm.C": 3.0})
    assert params == {"lr": 0.01}
    rows = Prior([PriorTrial({"lr": 0.01, "svm.C": 3.0}, 0.5)], Direction.MINIMIZE).rows(COND)
    assert rows.active[0].tolist() == [True, True, False, False]


# -- the fading rule -----------------------------------------------------------------------


def test_the_weight_fades_with_own_trials_and_halves_after_the_half_life():
    prior = Prior([PriorTrial({"x": float(i)}, float(i)) for i in range(40)],
                  Direction.MINIMIZE, half_life=10)
    assert prior.fade(0) == 1.0 and prior.fade(10) == pytest.approx(0.5)
    weights = [prior.weight(n) for n in (0, 5, 10, 50, 200)]
    assert weights == sorted(weights, reverse=True) and weights[-1] < 0.02
    assert prior.weight(0) * len(prior) == pytest.approx(10)  # worth half_life own trials
    with pytest.raises(UserError, match="warm_start_half_life"):
        Prior([], Direction.MINIMIZE, half_life=0)


def test_without_a_half_life_each_sampler_uses_its_own():
    from tunecycle.samplers.observe import Observer
    from tunecycle.warmstart import DEFAULT_HALF_LIFE, TPE_HALF_LIFE

    trials = [PriorTrial({"x": float(i)}, float(i)) for i in range(40)]
    prior = Prior(trials, Direction.MINIMIZE)  # as create_study makes it without one
    assert prior.half_life is None and TPE_HALF_LIFE != DEFAULT_HALF_LIFE
    assert prior.fade(TPE_HALF_LIFE, TPE_HALF_LIFE) == pytest.approx(0.5)
    assert prior.fade(DEFAULT_HALF_LIFE) == pytest.approx(0.5)  # the default's default
    space = tc.Space({"x": tc.Float(0, 40)})
    from tunecycle.protocols import History

    history = History.of([], "minimize", prior=prior)
    tpe_rows = Observer(half_life=TPE_HALF_LIFE).observe(space, history).prior
    gp_rows = Observer().observe(space, history).prior
    # before any own trial the whole prior is worth h own trials: 20 for TPE, 5 for the rest
    assert tpe_rows.weight * 40 == pytest.approx(TPE_HALF_LIFE)
    assert gp_rows.weight * 40 == pytest.approx(DEFAULT_HALF_LIFE)
    # a half life the study gives wins over the sampler's
    given = Observer(half_life=TPE_HALF_LIFE).observe(
        space, History.of([], "minimize", prior=Prior(trials, Direction.MINIMIZE, 8))).prior
    assert given.weight * 40 == pytest.approx(8)


# -- create_study(warm_start=...) ----------------------------------------------------------

SPACE = {"x": tc.Float(-5, 5), "y": tc.Float(-5, 5)}


def quadratic(cx: float, cy: float):
    return lambda t: (t.params["x"] - cx) ** 2 + (t.params["y"] - cy) ** 2


def source_study(storage=None, name="source", n=20, direction="minimize", seed=0):
    study = tc.create_study(name, direction=direction, sampler="random", storage=storage,
                            seed=seed)
    sign = 1 if direction == "minimize" else -1
    study.optimize(lambda t: sign * quadratic(2, 2)(t), n_trials=n, space=SPACE)
    return study


def test_prior_trials_are_not_the_new_studys_trials():
    src = source_study()
    study = tc.create_study("new", sampler="tpe", seed=1, warm_start=src)
    assert study.prior is not None and len(study.prior) == 20
    assert study.trials == []
    with pytest.raises(UserError, match="no complete trial"):
        _ = study.best_trial
    study.optimize(quadratic(2, 2), n_trials=4, space=SPACE)
    assert len(study.trials) == 4 and study.storage.count_trials(
        study.study_id, (tc.TrialState.COMPLETE,)) == 4
    assert study.best_trial.number in range(4)
    study.optimize(quadratic(2, 2), max_trials=6, space=SPACE)  # counts own trials only
    assert len(study.trials) == 6


def test_the_link_is_stored_and_load_study_keeps_warm_starting(tmp_path):
    url = f"sqlite:///{tmp_path / 'tc.db'}"
    source_study(url, "first", n=12)
    made = tc.create_study("second", storage=url, sampler="tpe", warm_start="first",
                           warm_start_half_life=7)
    link = made.system_attrs["warm_start"]
    assert link["half_life"] == 7 and link["sources"] == [
        {"study": "first", "n_trials": 12, "until": 12, "storage": None}]
    # trials the source gains later are not the prior the study was made with
    tc.load_study("first", storage=url).optimize(quadratic(2, 2), n_trials=3, space=SPACE)
    again = tc.load_study("second", storage=url)
    assert again.prior is not None and len(again.prior) == 12 and again.prior.half_life == 7
    # without a half life the link keeps none, and the samplers keep choosing their own
    tc.create_study("third", storage=url, sampler="tpe", warm_start="first")
    assert tc.load_study("third", storage=url).prior.half_life is None
    assert [t.params for t in again.prior.trials] == [t.params for t in made.prior.trials]


def test_a_study_object_name_url_and_tuple_all_name_a_source(tmp_path):
    url = f"sqlite:///{tmp_path / 'src.db'}"
    src = source_study(url, "old", n=5)
    for ref in (src, f"{url}::old", (url, "old"), (src.storage, "old"), [src, f"{url}::old"]):
        study = tc.create_study(sampler="random", warm_start=ref)
        assert len(study.prior) == (10 if isinstance(ref, list) else 5)


def test_direction_mismatch_and_several_objectives_are_refused_naming_warm_start():
    src = source_study(direction="maximize")
    with pytest.raises(UserError, match="warm_start: source study 'source' was made to "
                                        "maximize, the new study to minimize"):
        tc.create_study(direction="minimize", warm_start=src)
    assert tc.create_study(direction="maximize", warm_start=src).prior is not None
    with pytest.raises(UserError, match="warm_start: only studies of one objective"):
        tc.create_study(directions=["maximize", "minimize"], warm_start=src)


@pytest.mark.parametrize(("ref", "message"), [
    ("missing", "warm_start: no study named 'missing'"),
    (42, "warm_start: expected a study.*got 42"),
    ([42], "warm_start: 42 is not a study"),
    ([], "warm_start: expected a study"),
    ("sqlite:///x.db::", "names no study"),
    ("sqlite:///missing.db::old", "warm_start: .*missing.db"),
])
def test_bad_references_are_clear_errors(ref, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match=message):
        tc.create_study(warm_start=ref)


def test_a_study_cannot_warm_start_from_itself(tmp_path):
    url = f"sqlite:///{tmp_path / 'tc.db'}"
    source_study(url, "s", n=3)
    with pytest.raises(UserError, match="cannot warm-start from itself"):
        tc.create_study("s", storage=url, load_if_exists=True, warm_start="s")


def test_only_complete_finite_trials_are_used():
    src = tc.create_study(sampler="random", seed=0)
    values = iter([1.0, float("inf"), 2.0])

    def objective(t):
        t.suggest_float("x", 0, 1)
        if t.number == 3:
            raise tc.TrialPruned()
        if t.number == 4:
            raise RuntimeError("boom")
        return next(values)

    src.optimize(objective, n_trials=5, catch=(RuntimeError,))
    prior = tc.create_study(warm_start=src).prior
    assert sorted(t.value for t in prior.trials) == [1.0, 2.0]


def test_warm_start_enqueue_runs_the_priors_best_first():
    src = source_study(n=15)
    best = sorted(src.trials, key=lambda t: t.value)[:2]
    study = tc.create_study(sampler="random", warm_start=src, warm_start_enqueue=2)
    study.optimize(quadratic(2, 2), n_trials=3, space=SPACE)
    assert [dict(t.params) for t in study.trials[:2]] == [dict(t.params) for t in best]
    with pytest.raises(UserError, match="warm_start_enqueue: enqueues"):
        tc.create_study(warm_start_enqueue=2)
    with pytest.raises(UserError, match="warm_start_enqueue: must be"):
        tc.create_study(warm_start=src, warm_start_enqueue=-1)


# -- across storages -------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["memory", "sqlite"])
def test_a_source_in_any_storage_warm_starts_a_study_in_another(storage_url, target,
                                                                 tmp_path, unique_name):
    src = source_study(storage_url, unique_name("src"), n=8)
    dst_url = None if target == "memory" else f"sqlite:///{tmp_path / 'dst.db'}"
    study = tc.create_study("dst", storage=dst_url, sampler="tpe", seed=3, warm_start=src)
    assert len(study.prior) == 8
    study.optimize(quadratic(2, 2), n_trials=2, space=SPACE)
    assert len(study.trials) == 2 and len(src.trials) == 8
    if dst_url is not None:  # the link reopens the source (or holds its trials: memory)
        again = tc.load_study("dst", storage=dst_url)
        assert sorted(t.value for t in again.prior.trials) == sorted(
            t.value for t in src.trials)
        assert "password" not in str(again.system_attrs["warm_start"])


def test_a_source_that_is_gone_is_one_warning_on_load(tmp_path):
    src_url, dst_url = (f"sqlite:///{tmp_path / n}" for n in ("src.db", "dst.db"))
    source_study(src_url, "old", n=4)
    tc.create_study("new", storage=dst_url, warm_start=f"{src_url}::old")
    tc.delete_study("old", storage=src_url)
    with pytest.warns(UserWarning, match="warm_start: source study 'old' cannot be read"):
        study = tc.load_study("new", storage=dst_url)
    assert study.prior is None


# -- the sampler uses it ---------------------------------------------------------------------


@pytest.mark.parametrize("sampler", ["tpe", "gp", "cmaes", "auto"])
def test_a_warm_study_starts_near_the_priors_optimum(sampler):
    """The first proposals on a shifted quadratic come closer to its optimum warm than cold,
    over several seeds (the margin: the closest of the first 6 trials, on average over the
    seeds, at most 60% of cold's distance; TPE makes every other early trial quasi-random)."""
    src = tc.create_study(sampler="random", seed=11)
    src.optimize(quadratic(2, 2), n_trials=40, space=SPACE)

    def first_distance(warm: bool, seed: int) -> float:
        study = tc.create_study(sampler=sampler, seed=seed, warm_start=src if warm else None)
        study.optimize(quadratic(2.5, 2.5), n_trials=6, space=SPACE)
        xy = np.array([[t.params["x"], t.params["y"]] for t in study.trials])
        return float(np.linalg.norm(xy - 2.5, axis=1).min())

    warm = np.mean([first_distance(True, s) for s in range(4)])
    cold = np.mean([first_distance(False, s) for s in range(4)])
    assert warm < 0.6 * cold, (warm, cold)


def test_enqueue_prior_maps_the_best_onto_a_changed_space():
    src = source_study(n=15)
    ranked = sorted(src.trials, key=lambda t: t.value)
    narrow = {"x": tc.Float(-5, 5), "y": tc.Float(-5, 5), "z": tc.Int(0, 3)}
    study = tc.create_study(sampler="random", warm_start=src)
    numbers = study.enqueue_prior(2, narrow)
    assert numbers == [0, 1]
    study.optimize(lambda t: quadratic(2, 2)(t) + t.params["z"], n_trials=2, space=narrow)
    for t, best in zip(study.trials, ranked):
        assert (t.params["x"], t.params["y"]) == (best.params["x"], best.params["y"])
        assert t.params["z"] in range(4)  # new: the sampler's
    with pytest.raises(UserError, match="enqueue_prior: study .* has no warm start"):
        tc.create_study().enqueue_prior(1)


def test_copy_study_keeps_the_link_pointing_at_the_source(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    source_study(url, "first", n=6)
    tc.create_study("second", storage=url, warm_start="first")
    other = f"sqlite:///{tmp_path / 'b.db'}"
    tc.copy_study(from_study_name="second", from_storage=url, to_storage=other)
    assert len(tc.load_study("second", storage=other).prior) == 6
    memory = tc.create_study("m1", sampler="random", seed=0)
    memory.optimize(quadratic(2, 2), n_trials=4, space=SPACE)
    tc.create_study("m2", storage=memory.storage, warm_start="m1")
    tc.copy_study(from_study_name="m2", from_storage=memory.storage, to_storage=other)
    assert len(tc.load_study("m2", storage=other).prior) == 4
