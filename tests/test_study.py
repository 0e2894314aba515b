"""Study behaviour that does not depend on the backend: ask/tell, optimize, failures."""

from __future__ import annotations

import math
import re

import pytest

import tunecycle as tc
from tunecycle.errors import TrialStateError, UserError


def quadratic(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", 0, 3)
    return (x - 1) ** 2 + y


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (float("nan"), "NaN"),
        (float("inf"), "inf"),
        (None, "None"),
        ("0.5", "str"),
        ([1.0], "list"),
    ],
)
def test_bad_return_values_fail_the_trial_with_reason(result, reason):
    study = tc.create_study(seed=0)
    calls = []

    def objective(trial):
        calls.append(trial.number)
        trial.suggest_float("x", 0, 1)
        return result if trial.number == 1 else 1.0

    study.optimize(objective, n_trials=4)
    assert calls == [0, 1, 2, 3]  # the study went on after the bad trial
    states = [t.state for t in study.trials]
    assert states == [tc.TrialState.COMPLETE, tc.TrialState.FAILED,
                      tc.TrialState.COMPLETE, tc.TrialState.COMPLETE]
    failed = study.trials[1]
    assert reason in failed.fail_reason
    assert failed.value is None
    assert failed.params["x"] == pytest.approx(study.trials[1].params["x"])


def test_exception_fails_the_trial_and_the_study_continues():
    study = tc.create_study(seed=0)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 2:
            raise RuntimeError(f"bad luck {trial.number}")
        return x

    study.optimize(objective, n_trials=6)
    failed = study.get_trials(states=["failed"])
    assert [t.number for t in failed] == [1, 3, 5]
    assert failed[0].fail_reason == "RuntimeError: bad luck 1"
    assert "x" in failed[0].params  # the suggestion made before the failure is kept
    assert len(study.get_trials(states=[tc.TrialState.COMPLETE])) == 3


def test_stop_on_error_reraises_after_recording():
    study = tc.create_study()

    def objective(trial):
        raise KeyError("missing")

    with pytest.raises(KeyError):
        study.optimize(objective, n_trials=5, stop_on_error=True)
    assert [t.state for t in study.trials] == [tc.TrialState.FAILED]


def test_keyboard_interrupt_keeps_finished_trials_and_fails_the_running_one():
    study = tc.create_study(seed=1)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 3:
            raise KeyboardInterrupt
        return x

    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=10)
    trials = study.trials
    assert len(trials) == 4
    assert all(t.state is tc.TrialState.COMPLETE for t in trials[:3])
    assert trials[3].state is tc.TrialState.FAILED
    assert "KeyboardInterrupt" in trials[3].fail_reason
    study.optimize(objective, n_trials=2)  # the study is usable afterwards
    assert len(study.trials) == 6


def test_pruned_trial_keeps_last_intermediate_value_and_is_never_best():
    study = tc.create_study(direction="minimize")

    def objective(trial):
        trial.suggest_float("x", 0, 1)
        for step in range(3):
            trial.report(10.0 - step if trial.number else -100.0 - step, step)
        if trial.number == 0:
            raise tc.TrialPruned()
        return 5.0

    study.optimize(objective, n_trials=2)
    pruned, complete = study.trials
    assert pruned.state is tc.TrialState.PRUNED
    assert pruned.value == -102.0 and pruned.last_step == 2
    assert pruned.intermediate == {0: -100.0, 1: -101.0, 2: -102.0}
    assert study.best_trial.number == complete.number


def test_best_trial_respects_direction():
    values = [3.0, 1.0, 2.0]
    for direction, expected in (("minimize", 1), ("maximize", 0)):
        study = tc.create_study(direction=direction)
        study.optimize(lambda t: values[t.number], n_trials=3)
        assert study.best_trial.number == expected
        assert study.best_value == values[expected]


def test_best_trial_without_complete_trials_is_a_clear_error():
    study = tc.create_study(name="empty")
    with pytest.raises(UserError, match="'empty' has no complete trial"):
        _ = study.best_trial


def test_ask_tell_with_declarative_space():
    space = {"lr": tc.Float(1e-4, 1e-1, log=True), "opt": tc.Categorical(["adam", "sgd"])}
    study = tc.create_study(direction="maximize", sampler="random", seed=3)
    for _ in range(5):
        t = study.ask(space)
        assert set(t.params) == {"lr", "opt"}
        assert 1e-4 <= t.params["lr"] <= 1e-1
        study.tell(t, t.params["lr"])
    assert len(study.trials) == 5
    assert study.best_params["lr"] == max(t.params["lr"] for t in study.trials)
    t = study.ask(space)
    study.tell(t, state="fail")
    assert study.trials[-1].state is tc.TrialState.FAILED
    with pytest.raises(TrialStateError):
        study.tell(t, 1.0)  # told twice


def test_ask_n_returns_distinct_trials():
    study = tc.create_study(seed=0)
    trials = study.ask({"x": tc.Float(0, 1)}, n=4)
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert len({t.params["x"] for t in trials}) == 4


def test_tell_a_non_finite_value_fails_the_trial():
    study = tc.create_study()
    t = study.ask({"x": tc.Float(0, 1)})
    frozen = study.tell(t, float("nan"))
    assert frozen.state is tc.TrialState.FAILED and "NaN" in frozen.fail_reason


def test_tell_needs_a_value_or_a_state():
    study = tc.create_study()
    t = study.ask({"x": tc.Float(0, 1)})
    with pytest.raises(UserError, match="give a value"):
        study.tell(t)
    with pytest.raises(UserError, match="not one of"):
        study.tell(t, state="exploded")


def test_enqueued_configurations_run_first_and_may_be_partial():
    space = {"x": tc.Float(0, 10), "k": tc.Int(1, 5)}
    study = tc.create_study(seed=0)
    study.enqueue({"x": 2.5, "k": 4})
    study.enqueue({"x": 7.0})  # k left to the sampler
    seen = []
    study.optimize(lambda t: seen.append(dict(t.params)) or 0.0, n_trials=3, space=space)
    assert seen[0] == {"x": 2.5, "k": 4}
    assert seen[1]["x"] == 7.0 and 1 <= seen[1]["k"] <= 5
    assert study.trials[0].params == {"x": 2.5, "k": 4}


def test_enqueue_in_define_by_run():
    study = tc.create_study(seed=0)
    study.enqueue({"x": 0.25, "c": "b"})
    got = []

    def objective(trial):
        got.append((trial.suggest_float("x", 0, 1), trial.suggest_categorical("c", ["a", "b"])))
        return 0.0

    study.optimize(objective, n_trials=2)
    assert got[0] == (0.25, "b")


def test_enqueued_value_outside_the_range_fails_that_trial_with_the_reason():
    study = tc.create_study()
    study.enqueue({"x": 5.0})
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    first, second = study.trials
    assert first.state is tc.TrialState.FAILED and "'x'" in first.fail_reason
    assert second.state is tc.TrialState.COMPLETE


def test_resuggesting_returns_same_value_and_rejects_a_different_range():
    study = tc.create_study(seed=0)

    def objective(trial):
        a = trial.suggest_float("x", 0, 1)
        assert trial.suggest_float("x", 0, 1) == a
        trial.suggest_float("x", 0, 2)  # different range: a user mistake
        return a

    study.optimize(objective, n_trials=1)
    assert "different type or range" in study.trials[0].fail_reason


def test_suggest_validates_arguments_with_the_parameter_name():
    study = tc.create_study()
    study.optimize(lambda t: t.suggest_float("lr", 1.0, 0.1), n_trials=1)
    reason = study.trials[0].fail_reason
    assert "'lr'" in reason and "must not exceed" in reason


def test_n_trials_timeout_and_max_trials_limits():
    study = tc.create_study()
    study.optimize(quadratic, n_trials=3)
    assert len(study.trials) == 3
    study.optimize(quadratic, max_trials=5)  # counts the study's finished trials
    assert len(study.get_trials(states=["complete"])) == 5
    study.optimize(quadratic, timeout=0.2)  # returns after about the timeout
    assert len(study.trials) > 5


def test_max_trials_ignores_failures_when_counting():
    study = tc.create_study(seed=0)

    def flaky(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number in (1, 2):
            raise ValueError("flaky")
        return x

    study.optimize(flaky, max_trials=4)
    assert len(study.get_trials(states=["complete"])) == 4
    assert len(study.trials) == 6


def test_stop_from_a_callback():
    study = tc.create_study()

    def stop_at_two(s, frozen):
        if frozen.number == 2:
            s.stop()

    study.optimize(quadratic, n_trials=100, callbacks=[stop_at_two])
    assert len(study.trials) == 3


def test_optimize_rejects_bad_arguments():
    study = tc.create_study()
    with pytest.raises(UserError, match="n_trials"):
        study.optimize(quadratic, n_trials=-1)
    with pytest.raises(UserError, match="timeout"):
        study.optimize(quadratic, timeout=0)
    with pytest.raises(UserError, match="callable"):
        study.optimize("not a function", n_trials=1)


def test_user_attrs_and_intermediate_values_are_recorded():
    study = tc.create_study()

    def objective(trial):
        trial.set_user_attr("note", {"a": [1, 2]})
        trial.report(0.5, 1)
        trial.report(0.25, 1)  # same step again: replaces
        return 1.0

    study.optimize(objective, n_trials=1)
    t = study.trials[0]
    assert t.user_attrs == {"note": {"a": [1, 2]}}
    assert t.intermediate == {1: 0.25}
    assert t.duration is not None and t.duration.total_seconds() >= 0


def test_create_study_arguments_are_validated():
    with pytest.raises(UserError, match="direction"):
        tc.create_study(direction="up")
    with pytest.raises(UserError, match="sampler"):
        tc.create_study(sampler="magic")
    with pytest.raises(UserError, match="seed"):
        tc.create_study(seed="7")
    with pytest.raises(ValueError, match="storage"):
        tc.create_study(storage="ftp://nowhere")


def test_to_dataframe_has_params_and_states():
    study = tc.create_study(seed=0)
    study.optimize(quadratic, n_trials=4)
    df = study.to_dataframe()
    assert list(df["number"]) == [0, 1, 2, 3]
    assert {"state", "value", "params_x", "params_y", "duration"} <= set(df.columns)
    assert all(not math.isnan(v) for v in df["value"])


def test_progress_bar_is_quiet_when_not_a_terminal(capsys):
    study = tc.create_study()
    study.optimize(quadratic, n_trials=3, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert len(study.trials) == 3


def test_library_logging_is_quiet_by_default_when_trials_succeed(capfd):
    study = tc.create_study()
    study.optimize(quadratic, n_trials=3)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_a_run_that_can_only_fail_stops_and_quotes_the_first_failure():
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        raise ValueError(f"bad value number {trial.number}")

    study = tc.create_study(seed=0)
    with pytest.raises(tc.ConsecutiveFailuresError) as info:
        study.optimize(objective, n_trials=1000)
    message = str(info.value)
    assert "10 trials in a row failed" in message and "max_consecutive_failures=10" in message
    assert "trial 0 failed: ValueError: bad value number 0" in message
    assert len(study.trials) == 10
    assert all(t.state is tc.TrialState.FAILED for t in study.trials)


def test_max_trials_counts_no_failure_yet_the_run_still_ends():
    study = tc.create_study(seed=0)
    with pytest.raises(tc.ConsecutiveFailuresError):
        study.optimize(lambda t: float("nan"), max_trials=5, max_consecutive_failures=3)
    assert len(study.trials) == 3


def test_a_success_or_a_pruned_trial_breaks_the_run_of_failures():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 8 == 3:
            raise tc.TrialPruned()
        if trial.number % 8 == 7:
            return x
        raise RuntimeError("flaky")

    study = tc.create_study(seed=0)
    study.optimize(objective, n_trials=24, max_consecutive_failures=4)  # runs of 3, never 4
    assert len(study.trials) == 24
    with pytest.raises(tc.ConsecutiveFailuresError, match="trial 24 failed: RuntimeError: flaky"):
        study.optimize(objective, n_trials=24, max_consecutive_failures=2)
    assert len(study.trials) == 26  # trials 24 and 25 fail: two in a row


@pytest.mark.parametrize("limit", [0, None])
def test_the_failure_limit_can_be_switched_off(limit):
    study = tc.create_study(seed=0)
    study.optimize(lambda t: float("nan"), n_trials=15, max_consecutive_failures=limit)
    assert len(study.trials) == 15


def test_the_failure_limit_stops_a_parallel_run_and_leaves_nothing_running():
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        raise KeyError("missing column")

    study = tc.create_study(seed=0)
    with pytest.raises(tc.ConsecutiveFailuresError, match="KeyError: 'missing column'"):
        study.optimize(objective, n_trials=200, n_jobs=2, max_consecutive_failures=6)
    trials = study.trials
    assert 6 <= len(trials) <= 6 + 2
    assert all(t.state is tc.TrialState.FAILED for t in trials)


def test_heartbeat_renews_the_lease_and_writes_buffered_suggestions(tmp_path):
    import time

    from tunecycle.storage.sql import SQLStorage

    url = f"sqlite:///{tmp_path}/hb.db"
    study = tc.create_study("hb", storage=url, heartbeat_interval=0.1)
    seen = {}

    def objective(trial):
        trial.suggest_float("x", 0, 1)  # buffered, not yet written
        observer = SQLStorage(url)
        try:
            first = observer.get_trial(trial.trial_id)
            time.sleep(0.5)
            later = observer.get_trial(trial.trial_id)
        finally:
            observer.close()
        seen.update(first=first, later=later)
        return 1.0

    study.optimize(objective, n_trials=1)
    assert seen["first"].heartbeat is not None
    assert seen["later"].heartbeat > seen["first"].heartbeat  # renewed while running
    assert "x" in seen["later"].params  # written by the heartbeat, before the trial ended


def test_progress_bar_on_a_terminal_shows_done_best_elapsed_and_remaining():
    import sys

    from tests.terminal import run_on_terminal

    code = (
        "import tunecycle as tc\n"
        "s = tc.create_study(seed=0)\n"
        "s.optimize(lambda t: t.suggest_float('x', 2, 3), n_trials=5, progress=True)\n"
    )
    rc, text = run_on_terminal([sys.executable, "-c", code])
    assert rc == 0, text
    assert "5/5" in text and "best=2." in text
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d", text), text  # [elapsed<remaining


def test_progress_bar_of_a_resumed_study_counts_towards_max_trials(tmp_path):
    import sys

    from tests.terminal import run_on_terminal

    url = f"sqlite:///{tmp_path}/resume.db"
    study = tc.create_study("r", storage=url, seed=0)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    best = study.best_trial
    code = (
        "import tunecycle as tc\n"
        f"s = tc.load_study('r', {url!r})\n"
        "s.optimize(lambda t: 5 + t.suggest_float('x', 0, 1), max_trials=6, progress=True)\n"
    )
    rc, text = run_on_terminal([sys.executable, "-c", code])
    assert rc == 0, text
    assert "3/6" in text and "6/6" in text and "7/6" not in text  # it starts at the 3 held
    assert f"best={best.value:.6g} (trial {best.number})" in text  # the earlier best stays


# -- notebook display ----------------------------------------------------------------------------
def test_repr_html_summarises_counts_best_trial_and_history(tmp_path):
    study = tc.create_study(name="html-demo", storage=f"sqlite:///{tmp_path}/s.db",
                            direction="maximize", seed=0)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 2:
            raise tc.TrialPruned()
        if trial.number == 3:
            raise RuntimeError("boom")
        return x

    study.optimize(objective, n_trials=6)
    page = study._repr_html_()
    best = study.best_trial
    assert "html-demo" in page and "maximize" in page
    assert "6 (4 complete, 1 pruned, 1 failed)" in page
    assert f"#{best.number}: {best.value:.6g}" in page
    assert f"{best.params['x']:.6g}" in page
    assert page.count("<circle") == 4  # one dot per complete trial
    assert "<polyline" in page


def test_repr_html_escapes_user_text_and_hides_the_password():
    study = tc.create_study(name="<script>alert(1)</script>", seed=0)
    trial = study.ask()
    trial.suggest_categorical("<b>kind</b>", ['"><img src=x onerror=alert(1)>', "plain"])
    study.tell(trial, 1.0)
    page = study._repr_html_()
    assert "<script>" not in page and "<b>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;kind&lt;/b&gt;" in page

    from tunecycle.display import hide_password

    assert hide_password("postgresql+psycopg://bob:s3cret@db:5432/x") == (
        "postgresql+psycopg://bob:***@db:5432/x")
    assert hide_password("sqlite:///a.db") == "sqlite:///a.db"


def test_repr_html_of_an_empty_study_has_no_chart():
    page = tc.create_study(name="empty", seed=0)._repr_html_()
    assert "0 (none yet)" in page and "<svg" not in page and "best trial" not in page


def test_repr_html_of_a_study_of_several_objectives_gives_its_front():
    study = tc.create_study("mo<b>", directions=["maximize", "minimize"], sampler="random",
                            seed=0)
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)),
                   n_trials=10)
    page = study._repr_html_()
    front = len(study.best_trials)
    assert f"{front} trial" in page and "maximize, minimize" in page
    assert "mo&lt;b&gt;" in page and "<svg" not in page  # no one-objective chart
    assert "directions=['maximize', 'minimize']" in repr(study)

