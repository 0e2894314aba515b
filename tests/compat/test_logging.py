"""``tunecycle.logging``: Optuna's logging functions on the ``tunecycle`` logger; INFO shows a
line per finished trial (Optuna's default, once the module is used), WARNING hides them."""

from __future__ import annotations

import logging

import pytest

import tunecycle as tc
from tunecycle.compat import logging as compat_logging


@pytest.fixture(autouse=True)
def _fresh_logging():
    compat_logging._reset()
    yield
    compat_logging._reset()


def _objective(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 1:
        raise ValueError("broken input")
    return x


def test_levels_are_optunas():
    optuna = pytest.importorskip("optuna")
    for name in ("CRITICAL", "FATAL", "ERROR", "WARNING", "WARN", "INFO", "DEBUG"):
        assert getattr(tc.logging, name) == getattr(optuna.logging, name), name


def test_info_shows_a_line_per_finished_trial(capsys):
    tc.logging.set_verbosity(tc.logging.INFO)
    assert tc.logging.get_verbosity() == logging.INFO
    tc.create_study(study_name="loud", pruner="none").optimize(_objective, n_trials=3)
    err = capsys.readouterr().err
    assert "study 'loud' created" in err
    assert "Trial 0 finished with value" in err and "Trial 2 finished with value" in err
    assert "Best is trial" in err
    assert "trial 1 failed: ValueError: broken input" in err  # the warning, once
    assert err.count("trial 1 ") == 1


def test_warning_hides_the_trial_lines_but_not_failures(capsys):
    tc.logging.set_verbosity(tc.logging.WARNING)
    tc.create_study(pruner="none").optimize(_objective, n_trials=3)
    err = capsys.readouterr().err
    assert "finished with value" not in err
    assert "trial 1 failed: ValueError: broken input" in err


def test_without_this_module_tunecycle_is_quiet_at_info(caplog):
    assert logging.getLogger("tunecycle").level == logging.NOTSET
    with caplog.at_level(logging.WARNING, logger="tunecycle"):
        tc.create_study(pruner="none").optimize(_objective, n_trials=3)
    messages = [r.getMessage() for r in caplog.records]
    assert not any("finished with value" in m for m in messages)
    assert any("trial 1 failed" in m for m in messages)


def test_first_use_switches_to_optunas_info_default(capsys):
    assert tc.logging.get_verbosity() == logging.INFO  # Optuna's default verbosity
    tc.create_study(pruner="none").optimize(_objective, n_trials=3)
    assert "Trial 2 finished with value" in capsys.readouterr().err


def test_a_level_set_before_is_kept():
    logging.getLogger("tunecycle").setLevel(logging.ERROR)
    assert tc.logging.get_verbosity() == logging.ERROR


def test_optunas_logger_name_is_tunecycles():
    import io

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    tc.logging.get_logger("optuna").addHandler(handler)
    try:
        tc.create_study(pruner="none").optimize(_objective, n_trials=1)
    finally:
        tc.logging.get_logger("optuna").removeHandler(handler)
    assert tc.logging.get_logger("optuna") is logging.getLogger("tunecycle")
    assert tc.logging.get_logger("optuna.study") is logging.getLogger("tunecycle.study")
    assert "\nTrial 0 finished with value: " in out.getvalue()


def test_pruned_trials_have_their_own_line(capsys):
    tc.logging.set_verbosity(tc.logging.INFO)

    def objective(trial):
        trial.report(1.0, 0)
        trial.report(2.0, 1)
        raise tc.TrialPruned()

    tc.create_study().optimize(objective, n_trials=1)
    assert "Trial 0 pruned at step 1." in capsys.readouterr().err


def test_default_handler_and_propagation(capsys, caplog):
    tc.logging.set_verbosity(tc.logging.INFO)
    tc.logging.disable_default_handler()
    caplog.set_level(logging.INFO)
    tc.create_study(pruner="none").optimize(_objective, n_trials=1)
    assert "finished with value" not in capsys.readouterr().err  # no handler, no propagation
    assert not caplog.records
    tc.logging.enable_propagation()
    tc.create_study(pruner="none").optimize(_objective, n_trials=1)
    assert any("Trial 0 finished with value" in r.getMessage() for r in caplog.records)
    tc.logging.disable_propagation()
    tc.logging.enable_default_handler()
    tc.create_study(pruner="none").optimize(_objective, n_trials=1)
    assert "Trial 0 finished with value" in capsys.readouterr().err


def test_get_logger_gives_a_named_logger():
    log = tc.logging.get_logger("my_script")
    assert log is logging.getLogger("my_script")
    assert tc.logging.get_logger("tunecycle.study") is logging.getLogger("tunecycle.study")


def test_bad_verbosity_is_a_value_error():
    with pytest.raises(ValueError, match="verbosity"):
        tc.logging.set_verbosity("INFO")


def test_error_silences_failures_too(capsys):
    tc.logging.set_verbosity(tc.logging.ERROR)
    tc.create_study(pruner="none").optimize(_objective, n_trials=2)
    assert capsys.readouterr().err == ""
