"""Optuna's study surface on tunecycle: the module functions with Optuna's keywords,
``enqueue_trial``, ``add_trial(s)``, ``trials_dataframe``, ``optimize(catch=, callbacks=,
gc_after_trial=, show_progress_bar=)``, ``MaxTrialsCallback``, ``StudyDirection`` and the
median pruner by default; side by side with real Optuna 5 where the two must agree."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tunecycle as tc
from tunecycle.distributions import FloatDistribution, IntDistribution
from tunecycle.errors import DuplicatedStudyError, UserError
from tunecycle.pruners import MedianPruner, NopPruner
from tunecycle.study import MaxTrialsCallback, StudyDirection
from tunecycle.trial import TrialState, create_trial

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.WARNING)


def _url(tmp_path, name="s.db"):
    return f"sqlite:///{tmp_path}/{name}"


# -- module functions ------------------------------------------------------------------------
def test_study_name_is_optunas_name_of_name(tmp_path):
    url = _url(tmp_path)
    s = tc.create_study(study_name="a", storage=url, direction="maximize")
    assert s.name == "a"
    assert tc.create_study(name="a", study_name="a", storage=url, load_if_exists=True,
                           direction="maximize").name == "a"
    with pytest.raises(UserError, match="study_name"):
        tc.create_study(name="a", study_name="b")


def test_optuna_keywords_continue_a_study(tmp_path):
    url = _url(tmp_path)
    kw = dict(storage=url, study_name="q", direction="minimize", load_if_exists=True)
    tc.create_study(**kw).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    again = tc.create_study(**kw)
    assert len(again.trials) == 3 and not again.created
    loaded = tc.load_study(study_name="q", storage=url)
    assert [t.number for t in loaded.trials] == [0, 1, 2]


def test_load_study_without_a_name_opens_the_only_one(tmp_path):
    url = _url(tmp_path)
    tc.create_study(study_name="only", storage=url)
    assert tc.load_study(study_name=None, storage=url).name == "only"
    tc.create_study(study_name="second", storage=url)
    with pytest.raises(UserError, match="2 studies"):
        tc.load_study(storage=url)
    with pytest.raises(UserError, match="storage"):
        tc.load_study(study_name="only")


def test_delete_study_and_study_names(tmp_path):
    url = _url(tmp_path)
    for name in ("b", "a", "c"):
        tc.create_study(study_name=name, storage=url)
    tc.delete_study(study_name="a", storage=url)
    assert tc.get_all_study_names(url) == ["b", "c"]
    with pytest.raises(KeyError):
        tc.delete_study(study_name="a", storage=url)


def _fill(study_module, storage, name, directions):
    s = study_module.create_study(study_name=name, storage=storage, directions=directions)
    s.set_user_attr("owner", "me")

    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        return (x * x, x) if len(directions) == 2 else x * x

    s.optimize(objective, n_trials=4)
    return s


def test_study_summaries_have_optunas_attributes(tmp_path):
    ours_url, ref_url = _url(tmp_path, "ours.db"), _url(tmp_path, "ref.db")
    ours = _fill(tc, ours_url, "one", ["minimize"])
    _fill(tc, ours_url, "two", ["minimize", "maximize"])
    _fill(optuna, ref_url, "one", ["minimize"])
    mine, theirs = tc.get_all_study_summaries(ours_url), optuna.get_all_study_summaries(ref_url)
    assert [s.study_name for s in mine] == ["one", "two"]
    one, ref = mine[0], theirs[0]
    for attr in ("study_name", "direction", "directions", "best_trial", "user_attrs",
                 "n_trials", "datetime_start"):
        assert hasattr(ref, attr) and hasattr(one, attr), attr
    assert one.n_trials == ref.n_trials == 4 and one.user_attrs == ref.user_attrs
    assert one.direction == StudyDirection.MINIMIZE == ref.direction.name.lower()
    assert one.best_trial.number == ours.best_trial.number
    assert one.datetime_start == ours.trials[0].datetime_start
    assert one.study_id == one._study_id and "sampler" in one.system_attrs
    two = mine[1]
    assert len(two.directions) == 2 and two.best_trial is None
    with pytest.raises(UserError, match="directions"):
        _ = two.direction
    assert all(s.best_trial is None for s in tc.get_all_study_summaries(ours_url, False))


def test_copy_study_keeps_every_trial(tmp_path):
    src, dst = _url(tmp_path, "src.db"), _url(tmp_path, "dst.db")
    study = tc.create_study(study_name="orig", storage=src, direction="maximize", pruner="none")
    study.set_user_attr("note", "copied")
    study.enqueue_trial({"x": 0.5})

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_user_attr("twice", 2 * x)
        for step in range(3):
            trial.report(x + step, step)
        if trial.number == 2:
            raise tc.TrialPruned()
        if trial.number == 3:
            raise ValueError("boom")
        return x

    study.optimize(objective, n_trials=5)
    study.enqueue_trial({"x": 0.25})  # stays waiting
    tc.copy_study(from_study_name="orig", from_storage=src, to_storage=dst)
    copied = tc.load_study(study_name="orig", storage=dst)
    assert copied.direction == StudyDirection.MAXIMIZE and copied.user_attrs == {"note": "copied"}
    keys = ("number", "state", "values", "params", "distributions", "intermediate",
            "user_attrs", "datetime_start", "datetime_complete", "fail_reason")
    assert [[getattr(t, k) for k in keys] for t in copied.trials] == \
        [[getattr(t, k) for k in keys] for t in study.trials]
    assert [t.state for t in copied.trials][-1] is TrialState.WAITING
    tc.copy_study(from_study_name="orig", from_storage=src, to_storage=src, to_study_name="bis")
    assert len(tc.load_study(study_name="bis", storage=src).trials) == 6
    with pytest.raises(DuplicatedStudyError):
        tc.copy_study(from_study_name="orig", from_storage=src, to_storage=dst)
    assert len(copied.trials) == 6  # the refused copy wrote nothing


# -- enqueue_trial ---------------------------------------------------------------------------
def test_enqueue_trial_skip_if_exists_counts_like_optuna():
    def script(mod):
        s = mod.create_study()
        s.enqueue_trial({"x": 1.0, "n": 2}, user_attrs={"from": "queue"})
        s.enqueue_trial({"x": 1.0, "n": 2}, skip_if_exists=True)  # waiting one: skipped
        s.enqueue_trial({"x": 1.0 + 1e-9, "n": 2}, skip_if_exists=True)  # close enough
        s.enqueue_trial({"x": 1.0}, skip_if_exists=True)  # other names: queued
        s.optimize(lambda t: t.suggest_float("x", 0, 2) + t.suggest_int("n", 0, 3), n_trials=2)
        s.enqueue_trial({"x": 1.0, "n": 2}, skip_if_exists=True)  # ran: skipped
        s.enqueue_trial({"x": 1.5, "n": 2}, skip_if_exists=True)  # new values: queued
        return s

    ours, ref = script(tc), script(optuna)
    assert len(ours.trials) == len(ref.trials) == 3
    assert ours.trials[0].params == ref.trials[0].params == {"x": 1.0, "n": 2}
    assert ours.trials[0].user_attrs == {"from": "queue"}
    assert ours.trials[2].state is TrialState.WAITING
    with pytest.raises(UserError, match="params"):
        ours.enqueue_trial([("x", 1.0)])


# -- add_trial -------------------------------------------------------------------------------
def test_added_trials_are_stored_and_renumbered():
    study = tc.create_study(direction="minimize")
    t = create_trial(value=0.25, params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)},
                     intermediate_values={0: 1.0, 1: 0.5}, user_attrs={"src": "hand"})
    study.add_trial(t)
    other = tc.create_study(pruner="none")
    other.optimize(lambda tr: tr.suggest_float("x", 0, 1), n_trials=3)
    study.add_trials(other.trials)
    assert [tr.number for tr in study.trials] == [0, 1, 2, 3]
    first = study.trials[0]
    assert first.state is TrialState.COMPLETE and first.value == 0.25
    assert first.intermediate_values == {0: 1.0, 1: 0.5} and first.user_attrs == {"src": "hand"}
    assert first.datetime_start == t.datetime_start
    assert [tr.params for tr in study.trials[1:]] == [tr.params for tr in other.trials]
    assert study.best_value == min(tr.value for tr in study.trials)


def test_add_trial_refuses_a_wrong_number_of_values_like_optuna():
    two = create_trial(values=[1.0, 2.0])
    with pytest.raises(ValueError):
        optuna.create_study().add_trial(optuna.trial.create_trial(values=[1.0, 2.0]))
    with pytest.raises(UserError, match="2 values"):
        tc.create_study().add_trial(two)
    with pytest.raises(UserError, match="FrozenTrial"):
        tc.create_study().add_trial({"value": 1.0})


def test_added_trials_inform_the_pruner():
    """Five added trials that reported 1.0 at step 0 let the median rule prune a worse one
    at once; without them the first trials are the pruner's startup trials."""
    def objective(trial):
        trial.report(10.0, 0)
        if trial.should_prune():
            raise tc.TrialPruned()
        return 10.0

    warm = tc.create_study()
    warm.add_trials(create_trial(value=1.0, intermediate_values={0: 1.0}) for _ in range(5))
    warm.optimize(objective, n_trials=1)
    cold = tc.create_study()
    cold.optimize(objective, n_trials=1)
    assert warm.trials[-1].state is TrialState.PRUNED
    assert cold.trials[-1].state is TrialState.COMPLETE


def test_added_trials_inform_the_sampler():
    """A grid whose every point was added has nothing left to propose."""
    study = tc.create_study(sampler="grid", pruner="none")
    dist = IntDistribution(0, 2)
    study.add_trials(create_trial(value=float(k), params={"k": k}, distributions={"k": dist})
                     for k in range(3))
    study.optimize(lambda t: t.suggest_int("k", 0, 2), n_trials=5, space={"k": dist})
    assert len(study.trials) == 3


# -- trials_dataframe ------------------------------------------------------------------------
def _run(mod, directions=None, catch=(ValueError,)):
    study = mod.create_study(directions=directions or ["minimize"],
                             sampler=mod.samplers.RandomSampler(seed=0) if mod is optuna else None,
                             **({"pruner": optuna.pruners.NopPruner()} if mod is optuna and
                                not directions else {}))

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.suggest_int("n", 1, 3)
        trial.set_user_attr("tag", trial.number)
        if not directions:  # Optuna refuses report() with several objectives
            trial.report(x, 0)
        if trial.number == 1:
            raise mod.TrialPruned()
        if trial.number == 2:
            raise ValueError("bad input")
        return (x, 1 - x) if directions else x

    study.optimize(objective, n_trials=4, catch=catch)
    return study


def test_dataframe_columns_and_states_match_optuna():
    ours, ref = _run(tc), _run(optuna)
    a, b = ours.trials_dataframe(), ref.trials_dataframe()
    assert a.columns.tolist() == b.columns.tolist() == [
        "number", "value", "datetime_start", "datetime_complete", "duration", "params_n",
        "params_x", "user_attrs_tag", "state"]
    assert a["state"].tolist() == b["state"].tolist() == ["COMPLETE", "PRUNED", "FAIL",
                                                          "COMPLETE"]
    assert (a["state"] == "COMPLETE").sum() == 2
    assert a["value"].isna().tolist() == b["value"].isna().tolist()
    assert str(a["duration"].dtype).startswith("timedelta64")
    assert ours.trials_dataframe(multi_index=True).columns.tolist() == \
        ref.trials_dataframe(multi_index=True).columns.tolist()
    picked = ("number", "state", "intermediate_values")
    assert ours.trials_dataframe(attrs=picked).columns.tolist() == \
        ref.trials_dataframe(attrs=picked).columns.tolist()


def test_dataframe_of_several_objectives_matches_optuna():
    ours, ref = _run(tc, ["minimize", "maximize"]), _run(optuna, ["minimize", "maximize"])
    cols = ours.trials_dataframe().columns.tolist()
    assert cols == ref.trials_dataframe().columns.tolist()
    assert cols[:3] == ["number", "values_0", "values_1"]
    ours.set_metric_names(["loss", "gain"])
    ref.set_metric_names(["loss", "gain"])
    assert ours.trials_dataframe().columns.tolist() == ref.trials_dataframe().columns.tolist()
    assert "values_loss" in ours.trials_dataframe().columns


def test_dataframe_of_an_empty_study_is_empty_like_optuna():
    assert tc.create_study().trials_dataframe().empty
    assert optuna.create_study().trials_dataframe().empty
    with pytest.raises(UserError, match="no_such"):
        study = _run(tc)
        study.trials_dataframe(attrs=("number", "no_such"))


# -- optimize's Optuna arguments -------------------------------------------------------------
def test_catch_continues_for_those_types_and_raises_others_like_optuna():
    def script(mod):
        study = mod.create_study()

        def objective(trial):
            trial.suggest_float("x", 0, 1)
            if trial.number == 1:
                raise ValueError("caught")
            if trial.number == 3:
                raise TypeError("not caught")
            return 1.0

        with pytest.raises(TypeError, match="not caught"):
            study.optimize(objective, n_trials=10, catch=(ValueError,))
        return [t.state.name for t in study.trials]

    assert script(tc) == ["COMPLETE", "FAILED", "COMPLETE", "FAILED"]
    assert script(optuna) == ["COMPLETE", "FAIL", "COMPLETE", "FAIL"]


def test_without_catch_tunecycle_fails_and_goes_on():
    study = tc.create_study()
    study.optimize(lambda t: 1 / 0, n_trials=3)
    assert [t.state for t in study.trials] == [TrialState.FAILED] * 3


def test_catch_arguments_are_checked():
    study = tc.create_study()
    with pytest.raises(UserError, match="catch"):
        study.optimize(lambda t: 1.0, n_trials=1, catch=("ValueError",))
    with pytest.raises(UserError, match="not both"):
        study.optimize(lambda t: 1.0, n_trials=1, catch=ValueError, stop_on_error=True)
    study.optimize(lambda t: int("x"), n_trials=2, catch=ValueError)  # one class is fine
    assert len(study.trials) == 2


def test_gc_after_trial_and_callbacks_none(monkeypatch):
    import tunecycle.compat.study as compat_study

    calls = []
    monkeypatch.setattr(compat_study.gc, "collect", lambda: calls.append(1))
    study = tc.create_study()
    study.optimize(lambda t: 1.0, n_trials=3, gc_after_trial=True, callbacks=None)
    assert len(calls) == 3
    study.optimize(lambda t: 1.0, n_trials=2)
    assert len(calls) == 3


def test_show_progress_bar_is_progress(monkeypatch):
    import tunecycle.loop as study_module

    made = []
    real = study_module._progress_bar
    monkeypatch.setattr(study_module, "_progress_bar",
                        lambda *a: made.append(a) or real(*a))
    study = tc.create_study()
    study.optimize(lambda t: 1.0, n_trials=1, show_progress_bar=False)
    assert not made
    study.optimize(lambda t: 1.0, n_trials=1, show_progress_bar=True)
    assert len(made) == 1


def test_max_trials_callback_stops_like_optuna():
    def script(mod, **kw):
        study = mod.create_study()

        def objective(trial):
            if trial.number % 2:
                raise ValueError("odd")
            return float(trial.number)

        study.optimize(objective, n_trials=30, catch=(ValueError,),
                       callbacks=[mod.study.MaxTrialsCallback(3, **kw)])
        return [t.state.name.replace("FAILED", "FAIL") for t in study.trials]

    assert script(tc) == script(optuna) == ["COMPLETE", "FAIL"] * 2 + ["COMPLETE"]
    everything = script(tc, states=None)
    assert everything == script(optuna, states=None) and len(everything) == 3
    with pytest.raises(UserError, match="n_trials"):
        MaxTrialsCallback(-1)


def test_study_direction_equals_ours():
    study = tc.create_study(direction=StudyDirection.MAXIMIZE)
    assert study.direction == StudyDirection.MAXIMIZE
    assert study.direction != StudyDirection.MINIMIZE
    assert tc.create_study(directions=[StudyDirection.MINIMIZE, "maximize"]).directions == (
        StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE)
    with pytest.raises(UserError, match="direction"):
        tc.create_study(direction=StudyDirection.NOT_SET)
    assert {m.name for m in StudyDirection} == {m.name for m in optuna.study.StudyDirection}


# -- the default pruner ----------------------------------------------------------------------
def _pruned_numbers(mod, **create):
    study = mod.create_study(**create)

    def objective(trial):
        # the curve depends on the trial number only, so both libraries see the same values
        level = [5, 3, 8, 1, 9, 7, 2, 10, 4, 6, 11, 0.5][trial.number]
        for step in range(4):
            trial.report(level + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise mod.TrialPruned()
        return level

    study.optimize(objective, n_trials=12)
    return [t.number for t in study.trials if t.state.name == "PRUNED"]


def test_default_pruner_is_the_median_rule_like_optuna():
    ours, ref = _pruned_numbers(tc), _pruned_numbers(optuna)
    assert ours == ref and ours  # something was pruned, the same trials
    assert isinstance(tc.create_study().pruner, MedianPruner)
    assert _pruned_numbers(tc, pruner="none") == []


def test_several_objectives_have_no_default_pruner():
    assert isinstance(tc.create_study(directions=["minimize", "maximize"]).pruner, NopPruner)


def test_load_study_keeps_the_default_pruner(tmp_path):
    url = _url(tmp_path)
    tc.create_study(study_name="p", storage=url)
    assert isinstance(tc.load_study(study_name="p", storage=url).pruner, MedianPruner)
    tc.create_study(study_name="n", storage=url, pruner="none")
    assert isinstance(tc.load_study(study_name="n", storage=url).pruner, NopPruner)


# -- import tunecycle as optuna --------------------------------------------------------------
def test_optunas_top_level_names_exist():
    for name in ("create_study", "load_study", "delete_study", "copy_study",
                 "get_all_study_summaries", "get_all_study_names", "Study", "Trial",
                 "FixedTrial", "create_trial", "TrialPruned", "distributions", "exceptions",
                 "logging", "trial", "study", "samplers", "pruners"):
        assert hasattr(tc, name), name
    assert tc.logging.INFO == optuna.logging.INFO  # Optuna's module, not the standard one
    assert tc.study.create_study is tc.create_study
    assert tc.exceptions.OptunaError is tc.TunecycleError
    assert issubclass(tc.exceptions.DuplicatedStudyError, tc.exceptions.OptunaError)
    with pytest.raises(AttributeError):
        _ = tc.no_such_module


def test_import_tunecycle_stays_light():
    code = ("import sys, tunecycle; tunecycle.logging; tunecycle.exceptions; "
            "print([m for m in ('pandas', 'optuna', 'sklearn', 'matplotlib', 'plotly') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


# -- tell's Optuna keywords ------------------------------------------------------------------
def test_tell_takes_values_and_skip_if_finished_like_optuna():
    def script(mod):
        study = mod.create_study(directions=["minimize", "maximize"])
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        first = study.tell(trial, values=[1.0, 2.0])
        again = study.tell(trial, values=[5.0, 6.0], skip_if_finished=True)
        by_number = study.tell(0, values=[7.0, 8.0], skip_if_finished=True)
        with pytest.raises((RuntimeError, ValueError)):  # told twice without the flag
            study.tell(trial, values=[5.0, 6.0])
        return [tuple(t.values) for t in (first, again, by_number)]

    assert script(tc) == script(optuna) == [(1.0, 2.0)] * 3
    with pytest.raises(UserError, match="not both"):
        study = tc.create_study()
        study.tell(study.ask(), 1.0, values=1.0)


def test_set_constraint_names_the_values_in_order():
    study = tc.create_study(pruner="none")
    trial = study.ask()
    trial.set_constraint("memory", 0.5)
    trial.set_constraint("latency", -1.0)
    trial.set_constraint("memory", -0.25)  # set again: replaced in place
    done = study.tell(trial, 1.0)
    assert done.constraints == (-0.25, -1.0) and done.feasible
    with pytest.raises(UserError, match="key"):
        study.ask().set_constraint("", 1.0)


def test_constraints_func_values_are_also_in_system_attrs_as_in_optuna():
    optuna = pytest.importorskip("optuna")

    def objective(trial):
        return trial.suggest_float("x", -1, 1)

    def constraints(trial):
        return (trial.params["x"] - 0.5,)

    ours = tc.create_study(sampler=tc.samplers.TPESampler(seed=0, constraints_func=constraints))
    ours.optimize(objective, n_trials=4)
    theirs = optuna.create_study(
        sampler=optuna.samplers.TPESampler(seed=0, constraints_func=constraints))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    theirs.optimize(objective, n_trials=4)
    for t in ours.trials:
        assert t.system_attrs["constraints"] == [t.params["x"] - 0.5] == list(t.constraints)
    assert all(list(t.system_attrs["constraints"]) == [t.params["x"] - 0.5] for t in theirs.trials)
