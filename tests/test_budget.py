"""Time budgets (``tunecycle.budget`` and ``optimize(time_budget=...)``): the parser, the cost
model, cheap first, the accounting that stops before an overrun, the pruning and parallel
deadlines.  Timings are judged from the trials' recorded start and end times with wide
margins (the machine is shared), never from a tight measure of the test itself."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

import tunecycle as tc
from tunecycle.budget import (
    BudgetClock,
    CostModel,
    TimeBudget,
    cheapest,
    parse_budget,
    shrink,
)
from tunecycle.errors import UserError
from tunecycle.progress import format_seconds
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.space import Categorical, Float, Int


@pytest.mark.parametrize("text, seconds", [
    (90, 90.0), (2.5, 2.5), ("90", 90.0), ("90s", 90.0), ("10m", 600.0), ("1h", 3600.0),
    ("1h30m", 5400.0), ("2m30s", 150.0), ("1.5h", 5400.0), (" 10 m ", 600.0), ("1H", 3600.0),
    ("1h0m5s", 3605.0),
])
def test_budgets_parse_to_seconds(text, seconds):
    assert parse_budget(text) == seconds


@pytest.mark.parametrize("bad", [0, -5, "0s", "", "ten", "10x", "m", "1h30", "5m 3h", True,
                                 float("inf"), float("nan"), [60], None])
def test_a_bad_budget_is_a_user_error_naming_time_budget(bad):
    with pytest.raises(UserError, match=r"^time_budget: must be a positive number of seconds"):
        parse_budget(bad)


def test_optimize_refuses_a_bad_budget_before_any_trial():
    study = tc.create_study()
    with pytest.raises(UserError, match="time_budget"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), time_budget="soon")
    assert study.trials == []


def test_format_seconds():
    assert [format_seconds(s) for s in (0.42, 42, 187, 3900, -3)] == [
        "0.4s", "42s", "3m07s", "1h05m", "0.0s"]


def test_default_cost_names_match_the_last_part_of_a_dotted_name():
    budget = TimeBudget(60)
    assert budget.is_cost("random_forest.n_estimators") and budget.is_cost("epochs")
    assert budget.is_cost("mlp.units_2") and not budget.is_cost("max_depth")
    named = TimeBudget(60, cost_params=("x",))
    assert named.is_cost("x") and named.is_cost("branch.x") and not named.is_cost("epochs")
    with pytest.raises(UserError, match="cost_params"):
        TimeBudget(60, cost_params="x")


# -- the cost model, on hand-made histories ---------------------------------------------------

T0 = datetime(2026, 1, 1)


def _trial(number: int, params: dict, dists: dict, seconds: float,
           state: TrialState = TrialState.COMPLETE) -> FrozenTrial:
    return FrozenTrial(number, number, state, 0.0 if state is TrialState.COMPLETE else None,
                       params=params, distributions=dists, datetime_start=T0,
                       datetime_complete=T0 + timedelta(seconds=seconds))


N_TREES = {"n_estimators": Int(10, 1000, log=True), "depth": Int(1, 10)}


def _trees(n: int, depth: int, number: int) -> FrozenTrial:
    # a forest whose time grows with the trees (and a little with the depth)
    return _trial(number, {"n_estimators": n, "depth": depth}, N_TREES,
                  0.01 * n * (1 + 0.1 * depth))


def test_the_cost_model_learns_durations_and_its_floor_is_the_cheap_end():
    trials = [_trees(n, d, i) for i, (n, d) in enumerate([(10, 1), (20, 5), (40, 2), (80, 9),
                                                           (15, 7), (60, 3)])]
    model = CostModel.fit(trials, TimeBudget(60).is_cost)
    small = model.predict({"n_estimators": 10, "depth": 5}, N_TREES)
    big = model.predict({"n_estimators": 1000, "depth": 5}, N_TREES)
    assert small is not None and big is not None
    assert 0.05 < small < 0.3 and 6 < big < 25  # truth: 0.15 and 15
    floor = model.floor()
    assert floor is not None and floor < 0.5 * model.predict({"n_estimators": 80, "depth": 5},
                                                             N_TREES)


def test_the_model_learns_a_cost_from_a_parameter_not_named_as_one():
    dists = {"x": Float(0, 1)}
    trials = [_trial(i, {"x": x}, dists, 0.1 + 2 * x) for i, x in enumerate(
        [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 0.1, 0.9])]
    model = CostModel.fit(trials, lambda name: False)
    assert model.predict({"x": 1.0}, dists) > 2 * model.predict({"x": 0.0}, dists)


def test_without_a_complete_trial_the_median_of_recent_durations_stands_in():
    dists = {"x": Float(0, 1)}
    trials = [_trial(i, {"x": 0.5}, dists, s, TrialState.PRUNED) for i, s in enumerate([1, 2, 9])]
    model = CostModel.fit(trials, lambda name: False)
    assert model.n_complete == 0 and model.predict({"x": 0.1}, dists) == pytest.approx(2.0)
    assert CostModel.fit([], lambda n: False).predict({"x": 0.1}, dists) is None


def test_shrink_moves_the_cost_driving_values_down_until_the_prediction_fits():
    trials = [_trees(n, d, i) for i, (n, d) in enumerate([(10, 1), (20, 5), (40, 2), (80, 9)])]
    is_cost = TimeBudget(60).is_cost
    model = CostModel.fit(trials, is_cost)
    proposal = {"n_estimators": 1000, "depth": 5}
    out = shrink(proposal, N_TREES, model, 1.0, is_cost)
    assert out["depth"] == 5  # not a cost parameter: left alone
    assert out["n_estimators"] < 1000
    assert model.predict(out, N_TREES) <= 1.0
    assert shrink({"n_estimators": 20, "depth": 5}, N_TREES, model, 1.0, is_cost) == {
        "n_estimators": 20, "depth": 5}  # already fits
    assert cheapest(proposal, N_TREES, is_cost) == {"n_estimators": 10, "depth": 5}


def test_the_clock_stops_when_the_cheapest_trial_would_not_fit():
    now = [100.0]
    clock = BudgetClock(TimeBudget(10), clock=lambda: now[0])
    trials = [_trees(n, 1, i) for i, n in enumerate([100, 200, 400])]  # 1.1 s .. 4.4 s
    assert clock.may_start(trials)
    now[0] += 9.5  # 0.5 s left; the cheapest trial (10 trees) takes about 0.11 s
    assert clock.may_start(trials)
    now[0] += 0.45  # 0.05 s left
    assert not clock.may_start(trials)
    assert "cheapest next trial is predicted" in clock.stopped
    reserved = BudgetClock(TimeBudget(10, reserve=lambda: 9.0), clock=lambda: 0.0)
    assert reserved.remaining() == pytest.approx(1.0)
    assert reserved.may_start(trials)


# -- optimize with a budget -----------------------------------------------------------------

def _sleepy(trial: tc.Trial) -> float:
    x = trial.suggest_int("x", 1, 20)
    y = trial.suggest_float("y", 0, 1)
    time.sleep(0.05 * x)  # the cost is a known function of x: 0.05 s to 1 s
    return (x - 15) ** 2 + y


def _span(study) -> float:
    """Seconds from the first trial's start to the last trial's end."""
    trials = study.trials
    return (max(t.datetime_complete for t in trials)
            - min(t.datetime_start for t in trials)).total_seconds()


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_budgeted_study_never_starts_a_trial_predicted_to_overrun(n_jobs):
    budget = 4.0
    study = tc.create_study(sampler="random", seed=3)
    before = datetime.now()
    study.optimize(_sleepy, time_budget=budget, n_jobs=n_jobs)
    trials = study.trials
    assert all(t.state is TrialState.COMPLETE for t in trials)
    # x is no cost parameter here: the accounting alone keeps the study inside its budget
    # (the learned cost of x, and a late suggestion of x redrawn to fit the time left); a
    # trial's own cost is its sleep, 0.05 s to 1 s, so a trial started blindly near the end
    # would end up to 1 s past the budget.  Judged on what the clock decided (the trial's
    # start plus its known cost), not on its end, which a loaded machine delays further.
    assert max((t.datetime_start - before).total_seconds() + 0.05 * t.params["x"]
               for t in trials) <= budget + 0.35
    # it ran trials until near the end (counts kept loose: starting workers on a loaded
    # machine takes a while)
    assert len(trials) >= 2 * n_jobs


def _priced(xs: list[int], dists: dict, number: int = 0) -> list[FrozenTrial]:
    """Complete trials of x (no cost parameter) whose seconds grow with x, 0.5 to 10 s, and
    whose value (minimised) is best at the dearest x."""
    return [replace(_trial(number + i, {"x": x}, dists, 0.5 * 20 ** dists["x"].to_unit(x)),
                    value=40.0 - x, values=(40.0 - x,)) for i, x in enumerate(xs)]


def test_nearest_fit_moves_a_value_toward_the_cheaper_end_until_it_fits():
    dists = {"x": Int(1, 40)}
    trials = _priced(list(range(1, 41, 3)), dists)
    clock = BudgetClock(TimeBudget(100, started=0.0), clock=lambda: 96.0)  # 4 s left
    model = clock.model(trials)
    assert model.predict({"x": 40}, dists) > 4.0 > model.predict({"x": 1}, dists)
    near = clock.nearest_fit("x", {"x": 40}, dists, trials)
    assert clock.fits({"x": near}, dists, trials, partial=True)[0]
    assert not clock.fits({"x": near + 1}, dists, trials, partial=True)[0]  # the nearest
    assert clock.nearest_fit("x", {"x": 3}, dists, trials) == 3  # fits: unchanged
    # the cheaper end is learned: here x costs more the lower it is
    backward = [replace(t, params={"x": 41 - t.params["x"]}) for t in trials]
    other = BudgetClock(TimeBudget(100, started=0.0), clock=lambda: 96.0)
    far = other.nearest_fit("x", {"x": 1}, dists, backward)
    assert other.fits({"x": far}, dists, backward, partial=True)[0]
    assert not other.fits({"x": far - 1}, dists, backward, partial=True)[0]
    assert BudgetClock(TimeBudget(100, started=0.0), clock=lambda: 99.9).nearest_fit(
        "x", {"x": 40}, dists, trials) == 40  # nothing fits: left as it is


@pytest.mark.parametrize("sampler", ["random", "tpe"])
def test_a_define_by_run_suggestion_late_in_the_budget_is_redrawn_to_fit(sampler):
    # the random sampler proposes x when the objective asks for it, TPE before the objective
    # runs (a joint proposal from the history, which favours the dearest x): with under 4 s
    # left and x's learned cost 0.5 s to 10 s, a trial runs only with an x predicted to fit.
    # The random sampler's late draw is redrawn or moved toward the cheap end, so its trial
    # runs; a joint proposal is judged as a declared space's is (four other proposals, else
    # the trial is not run and the loop stops).  Without a budget some draws do not fit.
    dists = {"x": Int(1, 40)}
    drawn, free, not_run = [], [], 0
    for seed in range(8):
        study = tc.create_study(sampler=sampler, seed=seed)
        study.add_trials(_priced(list(range(1, 41, 3)), dists))
        model = CostModel.fit(study.trials, lambda name: False)
        study.optimize(lambda t: drawn.append(t.suggest_int("x", 1, 40)) or 0.0, n_trials=1,
                       time_budget=TimeBudget(100, started=time.monotonic() - 96))
        last = study.trials[-1]
        not_run += last.state is TrialState.FAILED
        assert last.state is TrialState.COMPLETE or "time budget: not run" in last.fail_reason
        other = tc.create_study(sampler=sampler, seed=seed)
        other.add_trials(_priced(list(range(1, 41, 3)), dists))
        other.optimize(lambda t: free.append(t.suggest_int("x", 1, 40)) or 0.0, n_trials=1)
    assert len(drawn) + not_run == 8 and all(model.upper({"x": x}, dists) <= 4.0 for x in drawn)
    assert any(model.upper({"x": x}, dists) > 4.0 for x in free)
    if sampler == "random":
        assert len(drawn) == 8


def test_an_enqueued_define_by_run_trial_runs_as_given_late_in_the_budget():
    dists = {"x": Int(1, 40)}
    study = tc.create_study(sampler="tpe", seed=0)
    study.add_trials(_priced(list(range(1, 41, 3)), dists))
    study.enqueue({"x": 40})  # predicted to take 10 s, with under 4 s left
    seen = []
    study.optimize(lambda t: seen.append(t.suggest_int("x", 1, 40)) or 0.0, n_trials=1,
                   time_budget=TimeBudget(100, started=time.monotonic() - 96))
    assert seen == [40] and study.trials[-1].state is TrialState.COMPLETE


def test_plain_timeout_overruns_where_the_budget_does_not():
    # the same objective, x always 20 (1 s): timeout starts a trial at 3.9 s, the budget not
    def long(trial):
        trial.suggest_int("x", 20, 20)
        time.sleep(1.0)
        return 0.0

    plain = tc.create_study(sampler="random", seed=0)
    plain.optimize(long, timeout=2.5)
    budgeted = tc.create_study(sampler="random", seed=0)
    budgeted.optimize(long, time_budget=2.5)
    assert _span(plain) > 2.9 and len(plain.trials) == 3
    assert _span(budgeted) <= 2.5 + 0.35 and len(budgeted.trials) == 2


def test_cheap_first_the_first_trials_take_the_low_end_of_cost_parameters():
    seen = []

    def objective(trial):
        n = trial.suggest_int("n_estimators", 10, 1000, log=True)
        lr = trial.suggest_float("lr", 1e-3, 1, log=True)
        seen.append(n)
        time.sleep(0.0005 * n)
        return lr * n

    study = tc.create_study(sampler="tpe", seed=0)
    study.optimize(objective, n_trials=12, time_budget=60)
    assert seen[:3] == [10, 10, 10]
    assert len(set(seen)) > 1  # then the cost grows where the sampler takes it


def test_after_the_cheap_start_a_trial_is_allowed_growth_times_the_longest_or_a_share():
    trials = [_trees(n, 1, i) for i, n in enumerate([10, 20, 40])]  # 0.11 s .. 0.44 s
    clock = BudgetClock(TimeBudget(1000), clock=lambda: 0.0)
    model = clock.model(trials)
    assert clock.allowance(model) == pytest.approx(3 * 0.44)
    out = clock.adjust({"n_estimators": 1000, "depth": 1}, N_TREES, trials)
    assert 40 < out["n_estimators"] < 200  # about 3 x 40 trees
    short = BudgetClock(TimeBudget(1.0), clock=lambda: 0.0)
    assert short.allowance(model) == pytest.approx(0.5)  # half of the time left


def test_cheap_first_with_a_declared_space_and_named_cost_parameters():
    space = {"x": tc.Int(1, 20), "y": tc.Float(0, 1)}
    study = tc.create_study(sampler="random", seed=1)
    budget = TimeBudget(30, cost_params=("x",), cheap_trials=4)
    study.optimize(lambda t: t.params["x"] * 0.001 + t.params["y"], n_trials=10, space=space,
                   time_budget=budget)
    xs = [t.params["x"] for t in study.trials]
    assert xs[:4] == [1, 1, 1, 1] and len({t.params["y"] for t in study.trials[:4]}) == 4
    assert max(xs[4:]) > 1
    unbudgeted = tc.create_study(sampler="random", seed=1)
    unbudgeted.optimize(lambda t: t.params["x"] * 0.001, n_trials=4, space=space)
    assert [t.params["x"] for t in unbudgeted.trials] != [1, 1, 1, 1]


def test_a_running_trial_is_pruned_once_the_budget_is_spent():
    def stepping(trial):
        trial.suggest_float("x", 0, 1)
        for step in range(200):
            time.sleep(0.05)
            trial.report(float(step), step)
            if trial.should_prune():
                raise tc.TrialPruned()
        return 0.0

    study = tc.create_study(sampler="random", pruner="none", seed=0)
    study.optimize(stepping, time_budget=1.5)
    (only,) = study.trials
    assert only.state is TrialState.PRUNED
    assert 1.0 < only.duration.total_seconds() < 1.5 + 0.5


def test_a_parallel_trial_still_running_after_the_budget_is_stopped():
    def stuck(trial):
        trial.suggest_float("x", 0, 1)
        time.sleep(60)
        return 0.0

    study = tc.create_study(sampler="random", seed=0)
    started = time.monotonic()
    study.optimize(stuck, time_budget=1.5, n_jobs=2)
    assert time.monotonic() - started < 20  # not the 60 s the trials would take
    assert len(study.trials) == 2
    for t in study.trials:
        assert t.state is TrialState.FAILED and "time budget was spent" in t.fail_reason
        assert t.duration.total_seconds() < 1.5 + 1.0 + 2.0  # the grace and the poll


def test_a_budget_works_with_a_trial_limit_and_a_categorical_cost_driver():
    def objective(trial):
        kind = trial.suggest_categorical("kind", ["slow", "fast"])
        time.sleep(0.3 if kind == "slow" else 0.02)
        return 1.0 if kind == "slow" else 2.0

    study = tc.create_study(sampler="random", seed=0)
    study.optimize(objective, n_trials=5, time_budget=30)
    assert len(study.trials) == 5  # the trial limit still holds


def test_the_prediction_of_a_declared_space_skips_a_proposal_that_cannot_fit():
    # "slow" takes 1.2 s; with under a second left only "fast" is predicted to fit
    space = {"kind": Categorical(["slow", "fast"])}

    def objective(trial):
        time.sleep(1.2 if trial.params["kind"] == "slow" else 0.05)
        return 0.0

    study = tc.create_study(sampler="random", seed=5)
    for kind in ("slow", "fast", "slow", "fast"):
        study.enqueue({"kind": kind})
    study.optimize(objective, n_trials=4, space=space)  # a history to learn from
    study.optimize(objective, space=space, time_budget=2.0)
    late = study.trials[4:]
    assert _span_of(late) <= 2.0 + 0.35
    assert any(t.params["kind"] == "fast" for t in late)


def _span_of(trials) -> float:
    return (max(t.datetime_complete for t in trials)
            - min(t.datetime_start for t in trials)).total_seconds()


# -- stopping a running trial before the budget is spent -----------------------------------------

def _stepped(number: int, curve: list[float], seconds: float | None,
             state: TrialState = TrialState.COMPLETE) -> FrozenTrial:
    """A trial that reported ``curve`` (one value per step) and, if finished, took ``seconds``."""
    done = None if seconds is None else T0 + timedelta(seconds=seconds)
    return FrozenTrial(number, number, state, curve[-1] if state is TrialState.COMPLETE else None,
                       intermediate=dict(enumerate(curve)), datetime_start=T0,
                       datetime_complete=done)


def _clock_with(left: float, budget: float = 1000.0) -> BudgetClock:
    """A ``budget`` seconds clock with ``left`` seconds left."""
    now = [0.0]
    clock = BudgetClock(TimeBudget(budget), clock=lambda: now[0])
    now[0] = budget - left
    return clock


def test_a_trial_whose_remaining_steps_cannot_fit_is_stopped():
    from tunecycle.records import Direction

    done = [_stepped(0, [0.5, 0.4, 0.3], 30.0), _stepped(1, [0.6, 0.5, 0.45], 30.0)]
    running = _stepped(2, [0.2], None, TrialState.RUNNING)
    at = T0 + timedelta(seconds=20)  # one step of three in 20 s: 40 s to go
    assert "rest would take 40s" in _clock_with(30).stop_running(
        running, done, Direction.MINIMIZE, now=at)
    # with enough time left for its rest and another trial like it, it runs on
    assert _clock_with(200).stop_running(running, done, Direction.MINIMIZE, now=at) is None
    # nothing to judge by: no complete trial reported steps, or the trial reported none
    assert _clock_with(30).stop_running(running, [], Direction.MINIMIZE, now=at) is None
    silent = FrozenTrial(3, 3, TrialState.RUNNING, datetime_start=T0)
    assert _clock_with(30).stop_running(silent, done, Direction.MINIMIZE, now=at) is None


def test_in_the_last_stretch_only_a_trial_ahead_of_the_best_runs_on():
    from tunecycle.records import Direction

    done = [_stepped(0, [0.5, 0.4, 0.3], 30.0), _stepped(1, [0.6, 0.5, 0.45], 30.0)]
    at = T0 + timedelta(seconds=10)  # step 1 of 3 after 10 s: 20 s to go, 30 s in all
    behind = _stepped(2, [0.55], None, TrialState.RUNNING)
    ahead = _stepped(3, [0.45], None, TrialState.RUNNING)
    clock = _clock_with(40)  # its rest fits, but not another 30 s trial after it
    assert "behind the best trial's 0.5" in clock.stop_running(
        behind, done, Direction.MINIMIZE, now=at)
    assert clock.stop_running(ahead, done, Direction.MINIMIZE, now=at) is None
    assert clock.stop_running(behind, done, None, now=at) is None  # several objectives: off
    # maximising, the same values read the other way round
    assert clock.stop_running(ahead, done, Direction.MAXIMIZE, now=at) is not None
    # with time for another trial after it, or outside the budget's last fifth, it runs on
    assert _clock_with(90).stop_running(behind, done, Direction.MINIMIZE, now=at) is None
    assert _clock_with(40, budget=100).stop_running(
        behind, done, Direction.MINIMIZE, now=at) is None
    assert _clock_with(40, budget=200).stop_running(
        behind, done, Direction.MINIMIZE, now=at) is not None


def test_a_budgeted_study_stops_a_slow_stepping_trial_that_cannot_finish():
    def stepping(trial):
        x = trial.suggest_float("x", 0, 1)
        slow = trial.number == 2  # ten times the others' pace
        for step in range(5):
            time.sleep(0.5 if slow else 0.05)
            trial.report(x + step, step)
            if trial.should_prune():
                raise tc.TrialPruned()
        return x

    study = tc.create_study(sampler="random", pruner="none", seed=0)
    study.optimize(stepping, n_trials=3, time_budget=2.5)
    trials = study.trials
    assert [t.state for t in trials[:2]] == [TrialState.COMPLETE] * 2
    # trial 2 (2.5 s at its pace) is stopped after its first step or two, where the spent
    # budget alone would stop it after three or four
    assert trials[2].state is TrialState.PRUNED and len(trials[2].intermediate) <= 2

