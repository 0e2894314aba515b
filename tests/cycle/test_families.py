"""Tests of tunecycle.cycle.families: default spaces, builders, overrides, multi-family spaces."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tunecycle as tc
from tunecycle.cycle import families as fm
from tunecycle.cycle.families import (
    FAMILIES,
    TASKS,
    LabelEncodedClassifier,
    build_estimator,
    families_for,
    family_defaults,
    family_space,
    get_family,
)
from tunecycle.errors import UserError
from tunecycle.space import Categorical, Float, Int, Space

# the network families (mlp, cnn, rnn, transformer) are tested in tests/cycle/deep/
PAIRS = [(name, task) for name, fam in FAMILIES.items() for task in TASKS
         if task in fam.tasks and fam.kind != "network"]
# keeps forests and boosters quick; the rest of a config is kept
SMALL = {"n_estimators": 10, "iterations": 10}


@pytest.fixture(scope="module")
def data():
    iris = load_iris()
    X_iris, y_iris = iris.data[::2], iris.target[::2]  # 75 rows, 25 per class
    diabetes = load_diabetes()
    X_diab, y_diab = diabetes.data[:80], diabetes.target[:80]
    y_diab = (y_diab - y_diab.mean()) / y_diab.std()  # the ranges assume a unit-scale target
    return {
        "classification": (X_iris, y_iris),
        "regression": (X_diab, y_diab),
        "clustering": (X_iris, None),
    }


def fit_check(name: str, task: str, est, data) -> None:
    X, y = data[task]
    model = make_pipeline(StandardScaler(), est) if FAMILIES[name].needs_scaling else est
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings at extreme corners are expected
        if task == "clustering":
            labels = model.fit_predict(X)
            assert len(labels) == len(X)
            return
        model.fit(X, y)
    pred = model.predict(X)
    assert pred.shape == (len(X),)
    if task == "classification":
        assert set(pred) <= set(y)
    else:
        assert np.all(np.isfinite(pred))


def small(params: dict, prefix: str = "") -> dict:
    return {
        k: (SMALL[k[len(prefix) :]] if k[len(prefix) :] in SMALL else v) for k, v in params.items()
    }


# -- default spaces ---------------------------------------------------------------------------


@pytest.mark.parametrize("name,task", PAIRS)
def test_default_space_is_valid_and_holds_the_defaults(name, task):
    fam = get_family(name, task)
    space = Space(family_space([name], task))
    assert len(space) > 0
    defaults = fam.defaults_for(task)
    assert space.validate(defaults, partial=True) == defaults
    assert family_defaults([name], task) == [defaults]
    assert fam.param_names >= set(space.names)
    assert fam.doc and all(n in fam.why or f"{n} ({task})" in fam.why for n in space.names)


def test_families_and_tasks():
    assert set(FAMILIES) == {
        "svm", "logistic", "linear", "knn", "tree", "random_forest", "xgboost", "lightgbm",
        "catboost", "kmeans", "mlp", "cnn", "rnn", "transformer",
    }  # fmt: skip
    assert {n for n, f in FAMILIES.items() if f.kind == "network"} == {"mlp", "cnn", "rnn", "transformer"}
    assert families_for("clustering") == ["kmeans"]
    assert "logistic" in families_for("classification")
    assert "linear" not in families_for("classification")
    assert {n for n, f in FAMILIES.items() if f.needs_scaling} == {
        "svm", "logistic", "linear", "knn", "kmeans", "mlp",
    }  # fmt: skip
    xgb = FAMILIES["xgboost"]
    assert xgb.defaults["max_depth"] == 6 and xgb.defaults["learning_rate"] == 0.3
    assert xgb.defaults["n_estimators"] == 100
    lr = xgb.space["learning_rate"]
    assert isinstance(lr, Float) and lr.log and 0 < lr.low and lr.high == 1.0


def test_docstring_table_is_current():
    assert fm.space_table() in fm.__doc__


# -- every family builds and fits ---------------------------------------------------------------


@pytest.mark.parametrize("name,task", PAIRS)
def test_builds_and_fits_from_defaults(name, task, data):
    params = FAMILIES[name].defaults_for(task)
    got, est = build_estimator(params, task, seed=0, family=name)
    assert got == name
    fit_check(name, task, est, data)


@pytest.mark.parametrize("corner", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("name,task", PAIRS)
def test_builds_and_fits_at_the_corners(name, task, corner, data):
    space = Space(family_space([name], task))
    params = small(space.from_unit([corner] * len(space)))
    _, est = build_estimator(params, task, seed=1, family=name)
    fit_check(name, task, est, data)


def test_conditional_params_reach_the_estimator():
    _, svc = build_estimator(
        {"C": 3.0, "kernel": "poly", "poly.gamma": 0.1, "poly.degree": 2, "poly.coef0": 1.0},
        "classification",
        family="svm",
    )
    assert (svc.kernel, svc.gamma, svc.degree, svc.coef0, svc.C) == ("poly", 0.1, 2, 1.0, 3.0)
    _, svr = build_estimator({"epsilon": 0.5}, "regression", family="svm")
    assert svr.epsilon == 0.5 and svr.kernel == "rbf" and svr.gamma == "scale"
    _, net = build_estimator(
        {"kind": "elasticnet", "elasticnet.alpha": 0.1, "elasticnet.l1_ratio": 0.3},
        "regression",
        family="linear",
    )
    assert type(net).__name__ == "ElasticNet" and (net.alpha, net.l1_ratio) == (0.1, 0.3)
    _, logit = build_estimator(
        {"C": 2.0, "penalty": "elasticnet", "elasticnet.l1_ratio": 0.25},
        "classification",
        family="logistic",
    )
    assert logit.solver == "saga" and logit.l1_ratio == 0.25 and logit.C == 2.0
    _, logit = build_estimator({"penalty": "l2"}, "classification", family="logistic")
    assert logit.solver == "lbfgs"
    with pytest.raises(UserError, match="inactive"):
        build_estimator({"kernel": "linear", "rbf.gamma": 1.0}, "classification", family="svm")


def test_seed_and_threads():
    _, a = build_estimator({}, "classification", seed=7, family="random_forest")
    assert a.random_state == 7 and a.n_jobs == 1
    _, b = build_estimator({"max_depth": 3.0}, "regression", seed=7, family="xgboost")
    assert b.random_state == 7 and b.n_jobs == 1 and b.tree_method == "hist"
    assert b.max_depth == 3 and isinstance(b.max_depth, int)  # JSON's 3.0 made an int


def test_svm_probabilities_only_when_asked(data):
    X, y = data["classification"]
    assert not FAMILIES["svm"].has_proba
    _, plain = build_estimator({}, "classification", family="svm")
    assert not hasattr(plain.fit(X, y), "predict_proba")
    _, calibrated = build_estimator({}, "classification", family="svm", proba=True)
    proba = calibrated.fit(X, y).predict_proba(X)
    assert proba.shape == (len(X), 3) and np.allclose(proba.sum(axis=1), 1)


def test_xgboost_takes_string_and_offset_labels(data):
    X, y = data["classification"]
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    _, est = build_estimator(small({}) | {"n_estimators": 5}, "classification", family="xgboost")
    assert isinstance(est, LabelEncodedClassifier)
    est.fit(X, names)
    assert list(est.classes_) == ["setosa", "versicolor", "virginica"]
    assert set(est.predict(X)) <= set(names) and (est.predict(X) == names).mean() > 0.9
    assert est.predict_proba(X).shape == (len(X), 3)
    assert est.feature_importances_.shape == (X.shape[1],)
    est.fit(X, y + 1, eval_set=[(X, y + 1)])  # labels 1..3, and an eval set encoded alike
    assert set(est.predict(X)) <= {1, 2, 3}


# -- overrides ----------------------------------------------------------------------------------


def test_overrides_narrow_replace_fix_and_remove():
    space = family_space(
        ["xgboost"],
        "classification",
        overrides={
            "xgboost": {
                "max_depth": tc.Int(2, 4),  # narrow
                "learning_rate": {"type": "float", "low": 0.01, "high": 0.5, "log": True},
                "subsample": [0.8, 1.0],  # a list becomes a categorical
                "n_estimators": 20,  # a single value fixes it
                "reg_alpha": None,  # removed: the estimator's default applies
            }
        },
    )
    assert space["max_depth"] == Int(2, 4)
    assert space["learning_rate"] == Float(0.01, 0.5, log=True)
    assert space["subsample"] == Categorical([0.8, 1.0])
    assert space["n_estimators"] == Categorical([20])
    assert "reg_alpha" not in space
    params = Space(space).from_unit([1.0] * len(Space(space)))
    _, est = build_estimator(params, "classification", family="xgboost")
    assert est.estimator.max_depth == 4 and est.estimator.reg_alpha is None
    assert "reg_alpha" in FAMILIES["xgboost"].space  # the built-in space is untouched
    # defaults outside the overridden space are left to the sampler
    (defaults,) = family_defaults(
        ["xgboost"], "classification", {"xgboost": {"max_depth": tc.Int(2, 4)}}
    )
    assert "max_depth" not in defaults and defaults["learning_rate"] == 0.3


def test_override_of_a_sub_param():
    space = family_space(
        ["logistic"], "classification", {"logistic": {"elasticnet.l1_ratio": tc.Float(0.4, 0.6)}}
    )
    assert Space(space)["elasticnet.l1_ratio"] == Float(0.4, 0.6)
    assert Space(space)["penalty"] == Categorical(["l2", "l1", "elasticnet"])
    space = family_space(["svm"], "classification", {"svm": {"poly.degree": None}})
    assert "poly.degree" not in Space(space) and "poly.gamma" in Space(space)


def test_overrides_reject_unknown_names():
    with pytest.raises(UserError, match=r"'xgboost' has no parameter 'max_dept'"):
        family_space(["xgboost"], "regression", {"xgboost": {"max_dept": tc.Int(1, 3)}})
    with pytest.raises(UserError, match="not among those tuned"):
        family_space(["svm"], "classification", {"knn": {"p": [1]}})
    with pytest.raises(UserError, match=r"'svm', parameter 'C'"):
        family_space(["svm"], "classification", {"svm": {"C": {"type": "float", "low": 2}}})
    with pytest.raises(UserError, match="unknown parameter"):
        build_estimator({"max_dept": 3}, "regression", family="xgboost")


# -- several families -----------------------------------------------------------------------------


def test_multi_family_space_round_trip(data):
    names = ["svm", "knn", "random_forest", "xgboost", "logistic"]
    raw = family_space(names, "classification", {"knn": {"n_neighbors": tc.Int(1, 10)}})
    assert list(raw) == ["model"]
    space = Space(raw)
    assert space.is_conditional and "svm.rbf.gamma" in space and "knn.p" in space
    rng = np.random.default_rng(0)
    seen = set()
    for u in [[0.0] * len(space), [1.0] * len(space), *rng.random((30, len(space)))]:
        params = space.from_unit(list(u))
        name, est = build_estimator(params, "classification", seed=3)
        assert name == params["model"]
        seen.add(name)
        if name == "knn":
            assert est.n_neighbors == params["knn.n_neighbors"] <= 10
    assert seen == set(names)
    params = space.from_unit([0.5] * len(space))
    name, est = build_estimator(small(params, f"{params['model']}."), "classification")
    fit_check(name, "classification", est, data)


def test_multi_family_defaults_enqueue_and_ask():
    names = ["tree", "xgboost"]
    space = family_space(names, "regression")
    configs = family_defaults(names, "regression")
    assert [c["model"] for c in configs] == names
    assert configs[1]["xgboost.max_depth"] == 6 and configs[0]["tree.criterion"] == "squared_error"
    study = tc.create_study(sampler="random", seed=0)
    for config in configs:
        study.enqueue(config)
    for expected in [*configs, None]:
        trial = study.ask(space)
        if expected is not None:
            assert {k: trial.params[k] for k in expected} == expected
        name, est = build_estimator(trial.params, "regression", seed=0)
        assert name == trial.params["model"]
        study.tell(trial, 0.0)


def test_build_estimator_checks_its_input():
    with pytest.raises(UserError, match="name the family"):
        build_estimator({"C": 1.0}, "classification")
    with pytest.raises(UserError, match="family='knn' but params choose model='svm'"):
        build_estimator({"model": "svm"}, "classification", family="knn")
    with pytest.raises(UserError, match="do not belong"):
        build_estimator({"model": "svm", "knn.p": 1}, "classification")
    name, est = build_estimator({"model": "svm", "svm.C": 5.0}, "classification", family="svm")
    assert name == "svm" and est.C == 5.0


# -- wrong names and tasks ------------------------------------------------------------------------


def test_wrong_task_and_unknown_names():
    with pytest.raises(UserError, match="known families: svm, logistic"):
        get_family("svn")
    with pytest.raises(UserError, match="'kmeans' does not do classification"):
        get_family("kmeans", "classification")
    with pytest.raises(UserError, match="'linear' does not do classification.*logistic"):
        family_space(["linear"], "classification")
    with pytest.raises(UserError, match="does not do regression"):
        build_estimator({}, "regression", family="logistic")
    with pytest.raises(UserError, match="does not do clustering"):
        build_estimator({"model": "svm"}, "clustering")
    with pytest.raises(UserError, match="task must be one of"):
        family_space(["svm"], "ranking")
    with pytest.raises(UserError, match="at least one"):
        family_space([], "classification")
    with pytest.raises(UserError, match="more than once"):
        family_space(["svm", "svm"], "classification")


@pytest.mark.parametrize(
    ("family", "overrides", "message"),
    [
        ("knn", {"n_neighbors": "five"}, r"'five' is not an integer"),
        ("knn", {"n_neighbors": [3, 5.5]}, r"5\.5 is not an integer"),
        ("knn", {"n_neighbors": True}, r"True is not an integer"),
        ("knn", {"n_neighbors": 0}, r"0 is refused: .*n_neighbors.* range \[1, inf\)"),
        ("knn", {"weights": "sideways"}, r"'sideways' is refused: .*weights"),
        ("svm", {"C": "big"}, r"'big' is not a number"),
        ("svm", {"C": -1.0}, r"-1\.0 is refused: .*'C' parameter"),
        ("random_forest", {"n_estimators": 0}, r"0 is refused: .*n_estimators"),
        ("xgboost", {"max_depth": "deep"}, r"'deep' is not an integer"),
    ],
)
def test_fixed_values_are_checked_against_the_parameter_before_any_trial(family, overrides,
                                                                          message):
    key = next(iter(overrides))
    with pytest.raises(UserError, match=rf"model family '{family}', parameter '{key}': {message}"):
        family_space([family], "classification", {family: overrides})


@pytest.mark.parametrize(
    ("family", "overrides"),
    [("knn", {"n_neighbors": 7, "weights": "distance"}), ("knn", {"n_neighbors": [3, 9]}),
     ("knn", {"n_neighbors": 200}),  # outside the default range, yet a valid value
     ("svm", {"kernel": "sigmoid"}), ("svm", {"C": 2}), ("xgboost", {"max_depth": 3})],
)
def test_valid_fixed_values_pass(family, overrides):
    space = Space(family_space([family], "classification", {family: overrides}))
    for key, value in overrides.items():
        wanted = value if isinstance(value, list) else [value]
        assert list(space[key].choices) == wanted


# -- lightgbm and catboost ------------------------------------------------------------------------


def test_lightgbm_and_catboost_are_seeded_single_threaded_and_quiet():
    pytest.importorskip("lightgbm")
    pytest.importorskip("catboost")
    _, lgbm = build_estimator({"num_leaves": 15.0}, "regression", seed=7, family="lightgbm")
    assert (lgbm.random_state, lgbm.n_jobs, lgbm.verbose) == (7, 1, -1)
    assert lgbm.num_leaves == 15 and isinstance(lgbm.num_leaves, int)  # JSON's 15.0 made an int
    _, cat = build_estimator({"depth": 5.0}, "regression", seed=7, family="catboost")
    params = cat.get_params()
    assert (params["random_seed"], params["thread_count"], params["logging_level"]) == (
        7, 1, "Silent")
    assert params["allow_writing_files"] is False and params["depth"] == 5
    _, wrapped = build_estimator({}, "classification", seed=3, family="catboost")
    assert isinstance(wrapped, LabelEncodedClassifier)
    assert wrapped.estimator.get_params()["random_seed"] == 3


def test_lightgbm_bags_rows_only_below_one(data):
    pytest.importorskip("lightgbm")
    _, bagged = build_estimator({"subsample": 0.7}, "classification", family="lightgbm")
    _, whole = build_estimator({"subsample": 1.0}, "classification", family="lightgbm")
    assert bagged.subsample_freq == 1 and whole.subsample_freq == 0
    X, y = data["classification"]
    seen = [build_estimator({"subsample": 0.6, "n_estimators": 5}, "classification", seed=s,
                            family="lightgbm")[1].fit(X, y).predict_proba(X) for s in (0, 1, 0)]
    assert not np.allclose(seen[0], seen[1])  # the seed changes which rows each round sees
    assert np.array_equal(seen[0], seen[2])  # and the same seed, the same rows


def test_catboost_takes_string_labels_predicts_flat_and_writes_no_files(data, tmp_path,
                                                                       monkeypatch, capfd):
    pytest.importorskip("catboost")
    monkeypatch.chdir(tmp_path)
    X, y = data["classification"]
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    _, est = build_estimator({"iterations": 20, "subsample": 0.7}, "classification",
                             family="catboost")
    assert est.estimator.get_params()["bootstrap_type"] == "MVS"
    est.fit(X, names)
    pred = est.predict(X)
    assert pred.shape == (len(X),) and (pred == names).mean() > 0.9
    assert list(est.classes_) == ["setosa", "versicolor", "virginica"]
    assert est.predict_proba(X).shape == (len(X), 3)
    again = build_estimator({"iterations": 20, "subsample": 0.7}, "classification",
                            family="catboost")[1].fit(X, names)
    assert np.array_equal(again.predict_proba(X), est.predict_proba(X))  # seeded: repeatable
    assert list(tmp_path.iterdir()) == []  # no catboost_info/
    assert capfd.readouterr().out == ""  # no training log


def test_boosters_take_their_optional_params_only_through_an_override(data):
    pytest.importorskip("lightgbm")
    pytest.importorskip("catboost")
    assert "max_depth" not in FAMILIES["lightgbm"].space
    space = family_space(["lightgbm"], "classification",
                         {"lightgbm": {"max_depth": tc.Int(3, 6), "n_estimators": 5}})
    params = Space(space).from_unit([1.0] * len(Space(space)))
    assert params["max_depth"] == 6
    _, est = build_estimator(params, "classification", family="lightgbm")
    assert est.max_depth == 6
    fit_check("lightgbm", "classification", est, data)
    space = family_space(["catboost"], "regression", {"catboost": {"border_count": 32}})
    _, est = build_estimator({"border_count": 32, "iterations": 5}, "regression",
                             family="catboost")
    assert space["border_count"] == Categorical([32]) and est.get_params()["border_count"] == 32
    with pytest.raises(UserError, match=r"'catboost' has no parameter 'max_depth'.*border_count"):
        family_space(["catboost"], "regression", {"catboost": {"max_depth": 3}})


@pytest.mark.parametrize("name", ["lightgbm", "catboost", "xgboost"])
def test_a_missing_library_names_its_extra_before_anything_is_built(name, monkeypatch):
    extra = {"lightgbm": "lightgbm", "catboost": "catboost", "xgboost": "ml"}[name]
    message = rf"model family '{name}' needs {name}: pip install 'tunecycle\[{extra}\]'"
    monkeypatch.setitem(sys.modules, name, None)  # what Python does for a package not installed
    with pytest.raises(UserError, match=message):
        family_space([name, "knn"], "classification")
    with pytest.raises(UserError, match=message):
        build_estimator({}, "classification", family=name)
