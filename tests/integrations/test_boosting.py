"""LightGBM's and CatBoost's pruning callbacks under a real median pruner on real data: the
rounds actually boosted are counted, a pruned trial stops at the round it was pruned and is
recorded with its last value and round, the others boost every round."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tunecycle as tc
from tests.integrations.test_integrations import WARMUP, check, run_study
from tunecycle.errors import TrialPruned
from tunecycle.records import TrialState

N_ROUNDS = 12
CONFIGS = [{"lr": 0.3}, {"lr": 1e-6}, {"lr": 0.3}]  # trial 1 learns nothing: pruned at WARMUP


@pytest.fixture(scope="module")
def cancer():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def test_importing_the_integrations_and_families_loads_neither_library():
    code = (
        "import sys, tunecycle, tunecycle.integrations, tunecycle.cycle.families; "
        "print([m for m in ('lightgbm', 'catboost') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- lightgbm --------------------------------------------------------------------------------
def test_lightgbm_callback_stops_boosting(cancer):
    lightgbm = pytest.importorskip("lightgbm")
    from tunecycle.integrations import LightGBMPruningCallback

    X_tr, X_va, y_tr, y_va = cancer
    counts, callbacks = {}, {}

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
        # a data name with '-' in it: the key splits at its last '-'
        cb = callbacks[trial.number] = LightGBMPruningCallback(trial, "hold-out-binary_logloss")

        def count(env):  # runs before the pruning callback: counts the rounds boosted
            counts[trial.number] = env.iteration + 1

        params = {"objective": "binary", "learning_rate": lr, "num_leaves": 7,
                  "num_threads": 1, "verbose": -1, "seed": 0}
        train, logged = lightgbm.Dataset(X_tr, y_tr), {}
        booster = lightgbm.train(params, train, num_boost_round=N_ROUNDS,
                                 valid_sets=[lightgbm.Dataset(X_va, y_va, reference=train)],
                                 valid_names=["hold-out"],
                                 callbacks=[count, cb, lightgbm.record_evaluation(logged)])
        assert booster.current_iteration() == N_ROUNDS
        return logged["hold-out"]["binary_logloss"][-1]

    trials = run_study(objective, CONFIGS, "minimize")
    check(trials, N_ROUNDS, counts)
    assert callbacks[1].pruned_round == WARMUP and callbacks[1].rounds_seen == WARMUP + 1
    assert callbacks[0].pruned_round is None and callbacks[0].rounds_seen == N_ROUNDS
    assert trials[0].value == pytest.approx(trials[0].intermediate[N_ROUNDS - 1])


def test_lightgbm_callback_reports_the_cv_mean_and_names_missing_keys(cancer):
    lightgbm = pytest.importorskip("lightgbm")
    from tunecycle.integrations import LightGBMPruningCallback

    X_tr, _, y_tr, _ = cancer
    study = tc.create_study(sampler="random", seed=0)
    trial = study.ask()
    params = {"objective": "binary", "num_threads": 1, "verbose": -1, "seed": 0}
    result = lightgbm.cv(params, lightgbm.Dataset(X_tr, y_tr), num_boost_round=4, nfold=3,
                         callbacks=[LightGBMPruningCallback(trial, "valid-binary_logloss")])
    study.tell(trial, result["valid binary_logloss-mean"][-1])
    done = study.trials[0]
    assert sorted(done.intermediate) == [0, 1, 2, 3]
    assert done.intermediate[3] == pytest.approx(result["valid binary_logloss-mean"][-1])

    cb = LightGBMPruningCallback(study.ask(), "valid_0-auc")
    train = lightgbm.Dataset(X_tr, y_tr)
    with pytest.raises(ValueError, match="valid_0-auc.*available keys: valid_0-binary_logloss"):
        lightgbm.train(params, train, num_boost_round=3, valid_sets=[train],
                       valid_names=["valid_0"], callbacks=[cb])
    with pytest.raises(ValueError, match="<data>-<metric>"):
        LightGBMPruningCallback(trial, "binary_logloss")


# -- catboost --------------------------------------------------------------------------------
def _catboost(catboost, lr, **kw):
    return catboost.CatBoostClassifier(
        iterations=N_ROUNDS, learning_rate=lr, depth=3, thread_count=1, random_seed=0,
        logging_level="Silent", allow_writing_files=False, use_best_model=False, **kw)


def test_catboost_callback_stops_boosting(cancer, tmp_path, monkeypatch):
    catboost = pytest.importorskip("catboost")
    from tunecycle.integrations import CatBoostPruningCallback

    monkeypatch.chdir(tmp_path)
    X_tr, X_va, y_tr, y_va = cancer
    counts, callbacks = {}, {}

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
        cb = callbacks[trial.number] = CatBoostPruningCallback(trial, "validation-Logloss")
        model = _catboost(catboost, lr)
        model.fit(X_tr, y_tr, eval_set=(X_va, y_va), callbacks=[cb])
        counts[trial.number] = model.tree_count_  # the trees actually built
        cb.check_pruned()
        return model.get_evals_result()["validation"]["Logloss"][-1]

    trials = run_study(objective, CONFIGS, "minimize")
    check(trials, N_ROUNDS, counts)
    assert callbacks[1].pruned_round == WARMUP and callbacks[1].rounds_seen == WARMUP + 1
    assert callbacks[0].pruned_round is None and callbacks[0].rounds_seen == N_ROUNDS
    assert trials[0].value == pytest.approx(trials[0].intermediate[N_ROUNDS - 1])
    with pytest.raises(TrialPruned, match="pruned at boosting round 3"):
        callbacks[1].check_pruned()
    callbacks[0].check_pruned()  # not pruned: nothing raised


def test_catboost_callback_names_missing_keys_and_follows_metric_period(cancer):
    catboost = pytest.importorskip("catboost")
    from tunecycle.integrations import CatBoostPruningCallback

    X_tr, X_va, y_tr, y_va = cancer
    study = tc.create_study(sampler="random", seed=0)
    cb = CatBoostPruningCallback(study.ask(), "validation-AUC")
    model = _catboost(catboost, 0.3)
    model.fit(X_tr, y_tr, eval_set=(X_va, y_va), callbacks=[cb])
    assert model.tree_count_ == 1  # stopped at once
    with pytest.raises(ValueError, match="'validation-AUC'.*available keys: learn-Logloss, "
                                         "validation-Logloss"):
        cb.check_pruned()
    with pytest.raises(ValueError, match="<data>-<metric>"):
        CatBoostPruningCallback(study.ask(), "Logloss")

    trial = study.ask()
    cb = CatBoostPruningCallback(trial, "validation-Logloss")
    model = _catboost(catboost, 0.3, metric_period=4)
    model.fit(X_tr, y_tr, eval_set=(X_va, y_va), callbacks=[cb])
    cb.check_pruned()
    study.tell(trial, 0.0)
    logged = model.get_evals_result()["validation"]["Logloss"]
    done = study.trials[-1]
    assert done.state is TrialState.COMPLETE and model.tree_count_ == N_ROUNDS
    # CatBoost measures rounds 0, 4, 8 and the last: only those are reported
    assert done.intermediate == pytest.approx(dict(zip([0, 4, 8, 11], logged)))
    assert cb.rounds_seen == len(logged) == 4
