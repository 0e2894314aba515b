"""``tunecycle import``: studies of a database made by real Optuna copied into a tunecycle
storage; bad input exits 2 with one line naming the option, and leaves the target as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tunecycle as tc
from tests.cli.test_bad_input import SRC, _one_line
from tunecycle.cli.main import main
from tunecycle.records import TrialState

optuna = pytest.importorskip("optuna")


def _objective(trial) -> float:
    x = trial.suggest_float("x", -2.0, 2.0)
    trial.report(x * 2, 0)
    if trial.number == 2:
        raise optuna.TrialPruned()
    return x**2


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """An Optuna SQLite file with the studies ``a`` (5 trials, one pruned) and ``b`` (3)."""
    folder = tmp_path_factory.mktemp("optuna")
    url = f"sqlite:///{folder / 'optuna.db'}"
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    for name, n in (("a", 5), ("b", 3)):
        study = optuna.create_study(
            study_name=name, storage=url, sampler=optuna.samplers.RandomSampler(seed=1)
        )
        study.optimize(_objective, n_trials=n)
    return folder / "optuna.db"


@pytest.fixture
def source(made, tmp_path) -> Path:
    shutil.copy(made, tmp_path / "optuna.db")
    return tmp_path / "optuna.db"


def test_import_copies_every_study_and_says_what_it_did(source, tmp_path, capsys):
    target = f"sqlite:///{tmp_path / 'tc.db'}"
    assert main(["import", "--from", f"sqlite:///{source}", "--to", target]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "imported 'a': 5 trials (4 complete, 1 pruned)",
        "imported 'b': 3 trials (2 complete, 1 pruned)",
        f"into {target}",
    ]
    a = tc.load_study("a", target)
    theirs = optuna.load_study(study_name="a", storage=f"sqlite:///{source}")
    assert [t.params for t in a.trials] == [t.params for t in theirs.trials]
    assert [t.state for t in a.trials].count(TrialState.PRUNED) == 1
    assert a.best_value == theirs.best_value
    # the usual commands read the imported study
    assert main(["trials", "a", "--storage", target]) == 0
    assert "pruned" in capsys.readouterr().out


def test_one_study_under_another_name_and_skipping_a_taken_one(source, tmp_path, capsys):
    target = f"sqlite:///{tmp_path / 'tc.db'}"
    assert (
        main(["import", "--from", str(source), "--study", "b", "--as", "bee", "--to", target]) == 0
    )
    assert (
        capsys.readouterr().out.splitlines()[0]
        == "imported 'b' as 'bee': 3 trials (2 complete, 1 pruned)"
    )
    tc.create_study("a", storage=target).storage.close()
    assert main(["import", "--from", str(source), "--to", target, "--if-exists", "skip"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "skipped 'a': the target already holds a study of that name",
        "imported 'b': 3 trials (2 complete, 1 pruned)",
    ]
    assert sorted(s.info.name for s in tc.list_studies(target)) == ["a", "b", "bee"]
    assert tc.load_study("a", target).trials == []


def _target_state(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--study", "nope"], ("--study: no study named 'nope'", "it holds 'a', 'b'")),
        (["--study", "a", "--study", "b", "--as", "x"], ("--as: names one study, but 2",)),
        (
            ["--study", "a"],
            ("--as: the target", "already holds a study named 'a'", "nothing was imported"),
        ),
    ],
    ids=["unknown-study", "as-with-two", "name-taken"],
)
def test_bad_input_exits_2_and_leaves_the_target_alone(source, tmp_path, capfd, argv, says):
    target_path = tmp_path / "tc.db"
    target = f"sqlite:///{target_path}"
    tc.create_study("a", storage=target).storage.close()
    before = _target_state(target_path)
    assert main(["import", "--from", f"sqlite:///{source}", "--to", target, *argv]) == 2
    out, err = capfd.readouterr()
    _one_line(err, says)
    assert "Traceback" not in out + err
    assert _target_state(target_path) == before
    assert [s.info.name for s in tc.list_studies(target)] == ["a"]


@pytest.mark.parametrize(
    ("source_arg", "says"),
    [
        ("sqlite:///{dir}/missing.db", ("--from: no such file", "missing.db")),
        ("journal:{dir}/missing.log", ("--from: no such file", "missing.log")),
        ("mysql://u@127.0.0.1/db", ("--from:", "is not a supported URL", "journal:PATH")),
        ("sqlite:///{dir}/tc-other.db", ("--from:", "is a tunecycle storage, not an Optuna one")),
    ],
    ids=["missing-db", "missing-journal", "mysql", "tunecycle-db"],
)
def test_a_bad_source_exits_2_and_makes_no_target(tmp_path, capfd, source_arg, says):
    tc.create_study("x", storage=f"sqlite:///{tmp_path / 'tc-other.db'}").storage.close()
    target = tmp_path / "tc.db"
    argv = ["import", "--from", source_arg.format(dir=tmp_path), "--to", f"sqlite:///{target}"]
    assert main(argv) == 2
    _one_line(capfd.readouterr().err, says)
    assert not target.exists()


def test_no_target_is_one_line(source, capfd, monkeypatch):
    monkeypatch.delenv("TUNECYCLE_STORAGE", raising=False)
    assert main(["import", "--from", str(source)]) == 2
    _one_line(capfd.readouterr().err, ("--to is required",))


def test_a_real_process_imports_and_refuses_without_a_traceback(source, tmp_path):
    target = f"sqlite:///{tmp_path / 'tc.db'}"
    env = {**os.environ, "PYTHONPATH": SRC, "TUNECYCLE_STORAGE": ""}
    run = [sys.executable, "-m", "tunecycle", "import", "--from", str(source), "--to", target]
    ok = subprocess.run(run, capture_output=True, text=True, timeout=240, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "imported 'a': 5 trials" in ok.stdout
    again = subprocess.run(run, capture_output=True, text=True, timeout=240, env=env)
    assert again.returncode == 2
    assert "Traceback" not in again.stdout + again.stderr
    _one_line(again.stderr, ("already holds a study named 'a'",))
