"""The lightgbm and catboost families through the whole cycle: search (library defaults first),
refit, test, save, ``tc.load_model``; a ``tunecycle run`` config naming them; a missing library
stops before any trial with one line naming the extra.  Quiet: nothing on stdout, no
``catboost_info/`` in the working directory."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import yaml

import tunecycle as tc
from tunecycle.cli.main import main
from tunecycle.cycle.data import load_data
from tunecycle.cycle.families import FAMILIES
from tunecycle.cycle.splits import Validation, split_test
from tunecycle.errors import UserError
from tunecycle.records import TrialState

pytest.importorskip("lightgbm")
pytest.importorskip("catboost")

THREE_FOLDS = Validation("kfold", folds=3)
SMALL = {"lightgbm": {"n_estimators": tc.Int(10, 40, log=True)},
         "catboost": {"iterations": tc.Int(10, 40, log=True)},
         "xgboost": {"n_estimators": tc.Int(10, 40, log=True)}}


def small(*names: str) -> dict:
    """Overrides that keep the boosting rounds few, for ``names``."""
    return {n: SMALL[n] for n in names}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # catboost_info/ would land here
    yield tmp_path
    assert not (tmp_path / "catboost_info").exists()


def test_lightgbm_tunes_with_its_defaults_first_and_saves_a_model_that_predicts(in_tmp, capfd):
    result = tc.tune("sklearn:breast_cancer", model="lightgbm", n_trials=3, seed=0,
                     validation=THREE_FOLDS, output_dir=in_tmp / "model")
    trials = result.study.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3
    assert trials[0].params == FAMILIES["lightgbm"].defaults
    assert result.family == "lightgbm" and result.test_metrics["accuracy"] > 0.9
    test = split_test(load_data("sklearn:breast_cancer"), 0.2, 0)[1]
    loaded = tc.load_model(in_tmp / "model")
    assert (loaded.predict(test.X) == result.model.predict(test.X)).all()
    assert np.allclose(loaded.predict_proba(test.X), result.model.predict_proba(test.X))
    assert capfd.readouterr().out == ""  # no training log


def test_catboost_classifies_strings_and_regresses(in_tmp, capfd):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.assign(species=np.array(["setosa", "versicolor", "virginica"])[y])
    result = tc.tune(frame, target="species", model="catboost", n_trials=2, seed=0,
                     space=small("catboost"), validation=THREE_FOLDS,
                     output_dir=in_tmp / "model")
    first = result.study.trials[0].params
    # the library defaults, but for iterations (1000 is outside the narrowed range) and the
    # automatic learning rate: those two the sampler proposes
    assert {k: first[k] for k in ("depth", "l2_leaf_reg", "random_strength", "subsample")} == {
        "depth": 6, "l2_leaf_reg": 3.0, "random_strength": 1.0, "subsample": 0.8}
    assert 10 <= first["iterations"] <= 40
    assert result.test_metrics["accuracy"] > 0.8
    test = split_test(load_data(frame, target="species"), 0.2, 0)[1]
    pred = tc.load_model(in_tmp / "model").predict(test.X)
    assert pred.shape == (len(test.X),) and set(pred) <= set(frame["species"])
    assert (pred == result.model.predict(test.X)).all() and (pred == test.y).mean() > 0.8

    reg = tc.tune("sklearn:diabetes", model="catboost", n_trials=2, seed=0,
                  space=small("catboost"), validation=THREE_FOLDS)
    assert reg.family == "catboost" and reg.test_metrics["r2"] > 0.2
    assert capfd.readouterr().out == ""


def test_three_boosters_in_one_space_refit_test_save_and_load(in_tmp):
    names = ["lightgbm", "catboost", "xgboost"]
    result = tc.tune("sklearn:breast_cancer", model=names, n_trials=4, seed=1,
                     space=small(*names), validation=THREE_FOLDS, pruner="median",
                     output_dir=in_tmp / "model")
    trials = result.study.trials
    assert [t.params["model"] for t in trials[:3]] == names  # each family's defaults first
    assert trials[0].params["lightgbm.num_leaves"] == 31
    assert trials[2].params["xgboost.max_depth"] == 6
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    assert result.family in names and result.test_metrics["roc_auc"] > 0.9
    test = split_test(load_data("sklearn:breast_cancer"), 0.2, 0)[1]
    loaded = tc.load_model(in_tmp / "model")
    assert (loaded.predict(test.X) == result.model.predict(test.X)).all()


def test_a_config_run_with_both_families(in_tmp, capsys):
    path = in_tmp / "boost.yaml"
    path.write_text(yaml.safe_dump({
        "study": {"name": "iris-boost", "storage": "sqlite:///boost.db", "n_trials": 2,
                  "seed": 0},
        "data": {"source": "sklearn:iris"},
        "split": {"test_size": 0.2, "validation": {"kind": "kfold", "folds": 3}},
        "metric": "accuracy",
        "models": ["lightgbm", "catboost"],
        "output": {"dir": "model"},
    }))
    assert main(["run", str(path), "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "test metrics" in out and "accuracy:" in out
    study = tc.load_study("iris-boost", f"sqlite:///{in_tmp}/boost.db")
    assert [t.params["model"] for t in study.trials] == ["lightgbm", "catboost"]
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    assert study.trials[1].params["catboost.iterations"] == 1000  # the library's own default
    assert tc.load_model(in_tmp / "model").predict(load_data("sklearn:iris").X).shape == (150,)


@pytest.mark.parametrize("name", ["lightgbm", "catboost"])
def test_a_missing_library_stops_before_any_trial_with_one_line(name, in_tmp, monkeypatch,
                                                               capsys):
    monkeypatch.setitem(sys.modules, name, None)  # how Python answers for a missing package
    message = f"model family {name!r} needs {name}: pip install 'tunecycle[{name}]'"
    with pytest.raises(UserError) as caught:
        tc.tune("sklearn:iris", model=["knn", name], n_trials=2,
                storage=f"sqlite:///{in_tmp}/tc.db")
    assert str(caught.value) == message
    assert not (in_tmp / "tc.db").exists()  # no study was opened, so no trial ran
    path = in_tmp / "cfg.yaml"
    path.write_text(yaml.safe_dump({
        "study": {"storage": "sqlite:///cli.db", "n_trials": 2}, "data": {"source": "sklearn:iris"},
        "models": [name],
    }))
    assert main(["run", str(path), "--no-report"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not (in_tmp / "cli.db").exists()
