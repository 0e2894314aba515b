"""``tunecycle.integration`` (Optuna's ``optuna.integration`` names) with the real libraries:
XGBoost's and LightGBM's pruning callbacks, spelled as Optuna scripts spell them, stop a bad
trial at the round the median pruner picks while real boosting runs; CatBoost's through
``check_pruned()``; ``OptunaSearchCV`` with Optuna's arguments fits, predicts and continues a
given study; ``MLflowCallback`` logs each trial to a local MLflow file store; names tunecycle
does not provide fail with an ImportError that says what to use instead."""

from __future__ import annotations

import numpy as np
import pytest

import tunecycle as tc
from tests.integrations.test_integrations import check, run_study
from tunecycle.records import TrialState

N_ROUNDS = 12
CONFIGS = [{"lr": 0.3}, {"lr": 1e-6}, {"lr": 0.3}]  # trial 1 learns nothing: pruned at WARMUP


@pytest.fixture(scope="module")
def cancer():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def test_xgboost_callback_as_optuna_spells_it(cancer):
    xgboost = pytest.importorskip("xgboost")
    # a migrated script's spelling; `import tunecycle.integration` makes the submodule an
    # attribute (tunecycle/__init__.py should expose it lazily, as `import optuna` does)
    import tunecycle.integration
    optuna = tunecycle

    X_tr, X_va, y_tr, y_va = cancer
    counts = {}

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
        dtrain, dvalid = xgboost.DMatrix(X_tr, y_tr), xgboost.DMatrix(X_va, y_va)
        cb = optuna.integration.XGBoostPruningCallback(trial, "validation-logloss")
        params = {"objective": "binary:logistic", "eta": lr, "max_depth": 2, "nthread": 1,
                  "eval_metric": "logloss"}
        logged = {}
        try:
            booster = xgboost.train(params, dtrain, N_ROUNDS, evals=[(dvalid, "validation")],
                                    callbacks=[cb], evals_result=logged, verbose_eval=False)
        finally:
            counts[trial.number] = cb.rounds_seen
        return float(logged["validation"]["logloss"][-1]) if booster else float("nan")

    trials = run_study(objective, CONFIGS, "minimize")
    check(trials, N_ROUNDS, counts)


def test_lightgbm_callback_with_metric_and_valid_name(cancer):
    lightgbm = pytest.importorskip("lightgbm")
    from tunecycle.integration import LightGBMPruningCallback

    X_tr, X_va, y_tr, y_va = cancer
    counts = {}

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
        cb = LightGBMPruningCallback(trial, "binary_logloss")  # Optuna's form: valid_0 implied

        def count(env):
            counts[trial.number] = env.iteration + 1

        train = lightgbm.Dataset(X_tr, y_tr)
        params = {"objective": "binary", "learning_rate": lr, "num_leaves": 7,
                  "num_threads": 1, "verbose": -1, "seed": 0}
        logged = {}
        lightgbm.train(params, train, num_boost_round=N_ROUNDS,
                       valid_sets=[lightgbm.Dataset(X_va, y_va, reference=train)],
                       callbacks=[count, cb, lightgbm.record_evaluation(logged)])
        return logged["valid_0"]["binary_logloss"][-1]

    trials = run_study(objective, CONFIGS, "minimize")
    check(trials, N_ROUNDS, counts)


def test_lightgbm_report_interval_and_cv(cancer):
    lightgbm = pytest.importorskip("lightgbm")
    from tunecycle.integration import LightGBMPruningCallback

    X_tr, _, y_tr, _ = cancer
    study = tc.create_study(sampler="random", seed=0)
    trial = study.ask()
    params = {"objective": "binary", "num_threads": 1, "verbose": -1, "seed": 0}
    cb = LightGBMPruningCallback(trial, "binary_logloss", report_interval=2)
    result = lightgbm.cv(params, lightgbm.Dataset(X_tr, y_tr), num_boost_round=5, nfold=3,
                         callbacks=[cb])
    study.tell(trial, result["valid binary_logloss-mean"][-1])
    assert sorted(study.trials[0].intermediate) == [0, 2, 4]  # every other round, cv's mean
    with pytest.raises(ValueError, match="report_interval"):
        LightGBMPruningCallback(trial, "auc", report_interval=0)


def test_catboost_callback_with_eval_set_index(cancer, tmp_path, monkeypatch):
    catboost = pytest.importorskip("catboost")
    from tunecycle.integration import CatBoostPruningCallback

    monkeypatch.chdir(tmp_path)
    X_tr, X_va, y_tr, y_va = cancer
    counts = {}

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
        cb = CatBoostPruningCallback(trial, "Logloss")
        model = catboost.CatBoostClassifier(
            iterations=N_ROUNDS, learning_rate=lr, depth=3, thread_count=1, random_seed=0,
            logging_level="Silent", allow_writing_files=False, use_best_model=False)
        model.fit(X_tr, y_tr, eval_set=(X_va, y_va), callbacks=[cb])
        counts[trial.number] = model.tree_count_
        cb.check_pruned()
        return model.get_evals_result()["validation"]["Logloss"][-1]

    trials = run_study(objective, CONFIGS, "minimize")
    check(trials, N_ROUNDS, counts)
    study = tc.create_study()
    assert CatBoostPruningCallback(study.ask(), "AUC", eval_set_index=1).observation_key == \
        "validation_1-AUC"


# -- OptunaSearchCV ---------------------------------------------------------------------------------
def test_optuna_search_cv_fits_and_predicts_with_optunas_arguments():
    from sklearn.base import clone
    from sklearn.datasets import load_iris
    from sklearn.svm import SVC

    from tunecycle.distributions import CategoricalDistribution, FloatDistribution
    from tunecycle.integration import OptunaSearchCV

    X, y = load_iris(return_X_y=True)
    search = OptunaSearchCV(
        SVC(), {"C": FloatDistribution(1e-3, 1e3, log=True),
                "kernel": CategoricalDistribution(["rbf", "linear"])},
        cv=3, n_trials=6, random_state=0, enable_pruning=True, error_score="raise",
        max_iter=100, return_train_score=True, scoring="accuracy", timeout=60, verbose=0)
    params = clone(search).get_params(deep=False)
    assert params["enable_pruning"] is True and params["n_trials"] == 6
    search.fit(X, y)
    assert search.n_trials_ == 6 and len(search.trials_) == 6
    assert search.best_trial_.number == search.study_.best_trial.number
    assert search.best_score_ == pytest.approx(search.best_trial_.value)
    assert 0.9 < search.best_score_ <= 1.0
    assert search.predict(X).shape == y.shape
    assert search.score(X, y) > 0.9
    assert set(search.best_params_) == {"C", "kernel"}
    assert "mean_train_score" in search.cv_results_
    assert np.array_equal(search.sample_indices_, np.arange(len(X)))
    assert search.pruner == "median"


def test_optuna_search_cv_continues_a_given_study_and_checks_it():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from tunecycle.distributions import FloatDistribution
    from tunecycle.integration import OptunaSearchCV

    X, y = load_iris(return_X_y=True)
    study = tc.create_study(direction="maximize", sampler="random", seed=1)
    space = {"C": FloatDistribution(1e-2, 1e2, log=True)}
    search = OptunaSearchCV(LogisticRegression(max_iter=300), space, n_trials=3, cv=3,
                            study=study)
    search.fit(X, y)
    search.fit(X, y)
    assert len(study.trials) == 6 and all(t.state is TrialState.COMPLETE for t in study.trials)
    with pytest.raises(ValueError, match="maximize"):
        OptunaSearchCV(LogisticRegression(), space, study=tc.create_study()).fit(X, y)
    with pytest.raises(ValueError, match="subsample"):
        OptunaSearchCV(LogisticRegression(), space, subsample=0.5).fit(X, y)


# -- trackers ---------------------------------------------------------------------------------------
@pytest.fixture
def mlflow_files(monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 asks for it


def test_mlflow_callback_logs_each_trial_to_a_local_store(tmp_path, mlflow_files):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from tunecycle.integration import MLflowCallback

    uri = (tmp_path / "mlruns").as_uri()
    cb = MLflowCallback(tracking_uri=uri, metric_name="loss", tag_trial_user_attrs=False,
                        tag_study_user_attrs=True)
    study = tc.create_study(name="mlf", sampler="random", seed=0)
    study.set_user_attr("owner", "me")

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_user_attr("secret", "no tag")
        return x * x

    study.optimize(objective, n_trials=3, callbacks=[cb])
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("mlf")
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 3
    values = sorted(r.data.metrics["loss"] for r in runs)
    assert values == pytest.approx(sorted(t.value for t in study.trials))
    for r in runs:
        assert "x" in r.data.params
        assert r.data.tags["study_user_attrs.owner"] == "me"
        assert not any(k.startswith("user_attrs.") for k in r.data.tags)


def test_mlflow_track_in_mlflow_logs_into_the_trial_run(tmp_path, mlflow_files):
    mlflow = pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from tunecycle.integration import MLflowCallback

    uri = (tmp_path / "mlruns").as_uri()
    cb = MLflowCallback(tracking_uri=uri, metric_name=["a", "b"])
    study = tc.create_study(name="mlf2", directions=["minimize", "maximize"], sampler="random",
                            seed=0)

    @cb.track_in_mlflow()
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        mlflow.log_metric("inside", 7.0)
        return x, 1 - x

    try:
        study.optimize(objective, n_trials=2, callbacks=[cb])
    finally:
        mlflow.set_tracking_uri(None)
    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("mlf2").experiment_id])
    assert len(runs) == 2  # one run per trial: the objective's and the callback's are one
    for r in runs:
        assert r.data.metrics["inside"] == 7.0 and {"a", "b"} <= set(r.data.metrics)
    with pytest.raises(ValueError, match="mlflow_kwargs"):
        MLflowCallback(mlflow_kwargs={"unknown": 1})


def test_tensorboard_callback_takes_optunas_arguments(tmp_path):
    pytest.importorskip("tensorboard")
    from tunecycle.integration import TensorBoardCallback

    study = tc.create_study(sampler="random", seed=0)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2,
                   callbacks=[TensorBoardCallback(str(tmp_path / "tb"), "acc")])
    assert sorted(p.name for p in (tmp_path / "tb").iterdir() if p.is_dir()) == [
        "trial-0", "trial-1"]


def test_wandb_callback_warns_that_it_is_offline(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    from tunecycle.compat import integration

    monkeypatch.setattr(integration.WeightsAndBiasesCallback, "_warned", False)
    with pytest.warns(UserWarning, match="offline"):
        cb = integration.WeightsAndBiasesCallback(wandb_kwargs={"project": "p",
                                                                "dir": str(tmp_path)})
    assert cb.mode == "offline" and cb.project == "p"
    with pytest.raises(ValueError, match="wandb_kwargs"):
        integration.WeightsAndBiasesCallback(wandb_kwargs={"mode": "offline", "nope": 1})


def test_names_tunecycle_does_not_provide_say_so():
    import tunecycle.integration as integration

    with pytest.raises(ImportError, match="LightGBMTuner.*LightGBMPruningCallback"):
        from tunecycle.integration import LightGBMTuner  # noqa: F401
    with pytest.raises(ImportError, match="skorch is not installed"):
        integration.SkorchPruningCallback  # noqa: B018
    with pytest.raises(ImportError, match="lightgbm"):
        integration.lightgbm  # noqa: B018
    with pytest.raises(AttributeError):
        integration.NoSuchThing  # noqa: B018
