"""TuneSearchCV as a drop-in for scikit-learn's searches (small data, few trials: fast)."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils import estimator_checks as ec

import tunecycle as tc
from tunecycle.cycle.search_cv import TuneSearchCV

N = 4


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def svc_search(**kw):
    space = {"C": tc.Float(0.01, 100, log=True), "kernel": ["rbf", "linear"]}
    return TuneSearchCV(SVC(), space, n_trials=N, cv=3, random_state=0, **kw)


def test_drop_in_on_iris(iris):
    X, y = iris
    search = svc_search(return_train_score=True)
    assert search.fit(X, y) is search
    res = search.cv_results_
    assert len(res["params"]) == N
    assert res["mean_test_score"].shape == (N,)
    assert search.best_score_ == pytest.approx(np.max(res["mean_test_score"]))
    assert search.best_params_ == res["params"][search.best_index_]
    assert set(search.best_params_) == {"C", "kernel"}
    assert search.best_estimator_.get_params()["C"] == search.best_params_["C"]
    assert search.n_splits_ == 3 and not search.multimetric_
    assert search.refit_time_ >= 0
    assert list(search.classes_) == [0, 1, 2] and search.n_features_in_ == 4
    assert search.predict(X).shape == (len(y),)
    assert search.decision_function(X).shape == (len(y), 3)
    assert search.score(X, y) == pytest.approx(search.scorer_(search.best_estimator_, X, y))
    assert not hasattr(search, "predict_proba")  # SVC(probability=False)
    assert not hasattr(search, "transform")
    assert isinstance(search.study_, tc.Study) and len(search.study_.trials) == N
    loaded = pickle.loads(pickle.dumps(search))
    assert not hasattr(loaded, "study_") and search.study_ is not None
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))
    # ranks consistent with means: a better mean never has a worse rank
    means, ranks = res["mean_test_score"], res["rank_test_score"]
    assert ranks.min() == 1 and ranks[np.argmax(means)] == 1
    for i in range(N):
        for j in range(N):
            if means[i] > means[j]:
                assert ranks[i] < ranks[j]
            elif means[i] == means[j]:
                assert ranks[i] == ranks[j]


def test_cv_results_match_randomized_search(iris):
    X, y = iris
    ours = svc_search(return_train_score=True).fit(X, y).cv_results_
    ref = RandomizedSearchCV(SVC(), {"C": [0.1, 1.0, 10.0], "kernel": ["rbf", "linear"]},
                             n_iter=N, cv=3, random_state=0, return_train_score=True)
    theirs = ref.fit(X, y).cv_results_
    assert set(theirs) <= set(ours)
    for key, value in theirs.items():
        mine = ours[key]
        assert type(mine) is type(value), key
        assert len(mine) == N, key
        if isinstance(value, np.ndarray):
            assert mine.shape == value.shape, key
            if key.startswith("rank_"):
                assert mine.dtype == value.dtype, key
    assert isinstance(ours["param_C"], np.ma.MaskedArray)
    assert ours["param_kernel"].dtype == object


def test_pipeline_with_nested_names(iris):
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()), ("svc", SVC())])
    search = TuneSearchCV(pipe, {"svc__C": tc.Float(0.1, 10, log=True),
                                 "svc__gamma": tc.Categorical(["scale", "auto"])},
                          n_trials=3, cv=3, random_state=1).fit(X, y)
    assert set(search.best_params_) == {"svc__C", "svc__gamma"}
    assert search.best_estimator_.named_steps["svc"].C == search.best_params_["svc__C"]
    assert "param_svc__C" in search.cv_results_
    assert search.score(X, y) > 0.9


def test_object_choices_and_int_params(iris):
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    search = TuneSearchCV(pipe, {"clf": [LogisticRegression(max_iter=200), SVC()],
                                 "scale__with_mean": [True, False]},
                          n_trials=3, cv=2, random_state=0).fit(X, y)
    assert isinstance(search.best_params_["clf"], (LogisticRegression, SVC))
    assert search.cv_results_["param_clf"].dtype == object


def test_clone_and_params_round_trip():
    search = svc_search(scoring="accuracy", pruner="median")
    params = search.get_params()
    assert params["n_trials"] == N and params["estimator__C"] == 1.0
    twin = clone(search)
    assert twin.get_params(deep=False).keys() == search.get_params(deep=False).keys()
    assert twin.set_params(n_trials=7, estimator__C=3.0) is twin
    assert twin.n_trials == 7 and twin.estimator.C == 3.0
    assert search.n_trials == N and search.estimator.C == 1.0
    assert clone(twin).get_params()["estimator__C"] == 3.0


def test_unfitted_raises(iris):
    X, _ = iris
    with pytest.raises(NotFittedError):
        svc_search().predict(X)
    with pytest.raises(NotFittedError):
        svc_search().score(X, None)


class Fragile(ClassifierMixin, BaseEstimator):
    """Fails to fit when ``fail`` is true."""

    def __init__(self, fail=False):
        self.fail = fail

    def fit(self, X, y):
        if self.fail:
            raise ValueError("fail on purpose")
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_error_score_nan_and_raise(iris):
    X, y = iris
    search = TuneSearchCV(Fragile(), {"fail": [True, False]}, n_trials=2, cv=2, random_state=0)
    with pytest.warns(FitFailedWarning, match="fail on purpose"):
        search.fit(X, y)
    res = search.cv_results_
    failed = [i for i, p in enumerate(res["params"]) if p["fail"]]
    assert len(failed) == 1
    assert np.isnan(res["mean_test_score"][failed[0]])
    assert np.isnan(res["split0_test_score"][failed[0]])
    assert res["rank_test_score"][failed[0]] == 2
    assert search.best_params_ == {"fail": False}
    states = {t.params["fail"]: t.state for t in search.study_.trials}
    assert states[True] is tc.TrialState.FAILED and states[False] is tc.TrialState.COMPLETE

    with pytest.raises(ValueError, match="fail on purpose"):
        TuneSearchCV(Fragile(), {"fail": [True]}, n_trials=1, cv=2,
                     error_score="raise").fit(X, y)
    with pytest.raises(ValueError, match="All the 2 fits failed"):
        TuneSearchCV(Fragile(), {"fail": [True]}, n_trials=1, cv=2).fit(X, y)
    numeric = TuneSearchCV(Fragile(), {"fail": [True, False]}, n_trials=2, cv=2, random_state=0,
                           error_score=-1.0)
    with pytest.warns(FitFailedWarning):
        numeric.fit(X, y)
    assert -1.0 in numeric.cv_results_["mean_test_score"]


def test_seeded_runs_are_identical(iris):
    X, y = iris
    a = svc_search().fit(X, y).cv_results_
    b = svc_search().fit(X, y).cv_results_
    assert a["params"] == b["params"]
    np.testing.assert_array_equal(a["mean_test_score"], b["mean_test_score"])


def test_regression_neg_mse():
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:150], y[:150]
    search = TuneSearchCV(Ridge(), {"alpha": tc.Float(1e-3, 10, log=True)}, n_trials=3, cv=3,
                          scoring="neg_mean_squared_error", random_state=0).fit(X, y)
    assert (search.cv_results_["mean_test_score"] < 0).all()
    assert search.best_score_ == pytest.approx(search.cv_results_["mean_test_score"].max())
    assert search.score(X, y) < 0
    assert not hasattr(search, "classes_")


def test_multimetric(iris):
    X, y = iris
    search = svc_search(scoring=["accuracy", "f1_macro"], refit="f1_macro").fit(X, y)
    res = search.cv_results_
    assert {"mean_test_accuracy", "rank_test_f1_macro", "split2_test_f1_macro"} <= set(res)
    assert search.multimetric_ and set(search.scorer_) == {"accuracy", "f1_macro"}
    assert search.best_score_ == pytest.approx(res["mean_test_f1_macro"].max())
    assert search.score(X, y) == pytest.approx(search.scorer_["f1_macro"](search, X, y))
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        svc_search(scoring={"a": "accuracy"}).fit(X, y)
    no_refit = svc_search(scoring={"a": "accuracy"}, refit=False).fit(X, y)
    assert not hasattr(no_refit, "best_estimator_") and not hasattr(no_refit, "predict")


def test_nested_cv_and_tuned_by_grid_search(iris):
    X, y = iris
    scores = cross_val_score(svc_search(), X, y, cv=2)
    assert scores.shape == (2,) and (scores > 0.8).all()
    outer = GridSearchCV(svc_search(), {"n_trials": [1, 2]}, cv=2).fit(X, y)
    assert outer.best_params_["n_trials"] in (1, 2)


def test_bad_arguments(iris):
    X, y = iris
    with pytest.raises(TypeError, match="scipy.stats"):
        TuneSearchCV(SVC(), {"C": object()}).fit(X, y)
    with pytest.raises(TypeError, match=r"param_distributions\[1\]: expected a dict"):
        TuneSearchCV(SVC(), [{"C": [1.0]}, ["C"]]).fit(X, y)
    with pytest.raises(TypeError, match=r"param_distributions\['C'\].*wrapped in a list"):
        TuneSearchCV(SVC(), {"C": 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="verbose"):
        TuneSearchCV(SVC(), {"C": [1.0]}, verbose=-1).fit(X, y)
    with pytest.raises(ValueError, match="n_trials"):
        TuneSearchCV(SVC(), {"C": [1.0]}, n_trials=0).fit(X, y)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="n_jobs"):
            TuneSearchCV(SVC(), {"C": [1.0]}, n_trials=1, cv=2, n_jobs=bad).fit(X, y)


def test_n_jobs_runs_candidates_in_worker_processes_with_the_same_results(iris):
    X, y = iris
    space = {"C": tc.Float(1e-2, 1e2, log=True), "kernel": ["rbf", "linear"]}
    runs = [TuneSearchCV(SVC(), space, n_trials=8, cv=3, random_state=0, sampler="random",
                         n_jobs=n_jobs).fit(X, y) for n_jobs in (1, 2)]
    serial, parallel = (r.cv_results_ for r in runs)
    assert serial["params"] == parallel["params"]
    for key in ("mean_test_score", "split0_test_score", "split2_test_score", "rank_test_score"):
        assert np.allclose(serial[key], parallel[key]), key
    assert runs[0].best_params_ == runs[1].best_params_
    assert runs[1].best_estimator_.predict(X[:5]).shape == (5,)


class PruneAfterFirst(tc.Pruner):
    """Prunes every trial but the first after its first fold."""

    name = "after-first"

    def should_prune(self, history, trial):
        return trial.number > 0


def test_pruner_and_storage(tmp_path, iris):
    X, y = iris
    search = svc_search(pruner=PruneAfterFirst()).fit(X, y)
    res = search.cv_results_
    assert np.isfinite(res["split1_test_score"][0]) and np.isnan(res["split1_test_score"][1:]).all()
    assert np.isfinite(res["split0_test_score"]).all()
    assert search.best_index_ == 0 and (res["rank_test_score"][1:] == 2).all()
    assert [t.state for t in search.study_.trials][1:] == [tc.TrialState.PRUNED] * (N - 1)

    url = f"sqlite:///{tmp_path / 'cv.db'}"
    svc_search(storage=url, study_name="svc").fit(X, y)
    again = svc_search(storage=url, study_name="svc").fit(X, y)  # continues the study
    assert len(again.cv_results_["params"]) == N
    assert list(again.cv_results_["trial_number"]) == list(range(N, 2 * N))
    assert len(tc.load_study("svc", url).trials) == 2 * N


SMALL = TuneSearchCV(LogisticRegression(), {"C": tc.Float(0.1, 10, log=True)}, n_trials=2, cv=2,
                     random_state=0)
CHECKS = [
    ec.check_no_attributes_set_in_init,
    ec.check_parameters_default_constructible,
    ec.check_get_params_invariance,
    ec.check_set_params,
    ec.check_estimator_cloneable,
    ec.check_estimator_repr,
    ec.check_estimators_fit_returns_self,
    ec.check_estimators_unfitted,
    ec.check_fit_check_is_fitted,
    ec.check_dont_overwrite_parameters,
    ec.check_estimators_overwrite_params,
    ec.check_n_features_in,
    ec.check_estimators_pickle,
    ec.check_fit_score_takes_y,
    ec.check_mixin_order,
    ec.check_classifiers_classes,
    ec.check_fit2d_predict1d,
    ec.check_estimators_nan_inf,
    ec.check_estimators_empty_data_messages,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_sklearn_estimator_checks(check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check("TuneSearchCV", clone(SMALL))


def test_scipy_distributions_become_native_params_or_quantiles():
    from scipy.stats import expon, loguniform, randint, uniform

    from tunecycle.cycle.space_codec import SpaceCodec

    codec = SpaceCodec({"a": uniform(1, 3), "b": loguniform(1e-3, 1), "c": randint(2, 5),
                        "d": expon(scale=10)})
    space = codec.space
    assert (space["a"].low, space["a"].high, space["a"].log) == (1.0, 4.0, False)
    assert (space["b"].low, space["b"].high, space["b"].log) == (1e-3, 1.0, True)
    assert (space["c"].low, space["c"].high) == (2, 4)
    assert codec.grid_size() is None  # continuous dims: sampled, never enumerated
    decoded = codec.decode({"a": 2.0, "b": 0.1, "c": 3, "d": 0.5})
    assert decoded["d"] == pytest.approx(expon(scale=10).ppf(0.5))
    assert list(decoded) == ["a", "b", "c", "d"]


def test_a_list_of_spaces_and_the_empty_space(iris, tmp_path):
    X, y = iris
    spaces = [{"kernel": ["linear"], "C": tc.Float(0.1, 10, log=True)},
              {"kernel": ["rbf"], "gamma": ["scale", "auto"]}, {}]
    url = f"sqlite:///{tmp_path / 'cv.db'}"
    search = TuneSearchCV(SVC(), spaces, n_trials=6, cv=2, random_state=0, storage=url,
                          study_name="svc").fit(X, y)
    for params in search.cv_results_["params"]:
        assert params in ({}, {"kernel": "rbf", "gamma": "scale"},
                          {"kernel": "rbf", "gamma": "auto"}) or (
            set(params) == {"kernel", "C"} and params["kernel"] == "linear")
    again = TuneSearchCV(SVC(), spaces, n_trials=2, cv=2, random_state=0, storage=url,
                         study_name="svc").fit(X, y)
    assert list(again.cv_results_["trial_number"]) == [6, 7]
    empty = TuneSearchCV(SVC(C=3.0), {}, n_trials=5, cv=2)
    with pytest.warns(UserWarning, match="total space of parameters 1 is smaller than n_trials=5"):
        empty.fit(X, y)
    assert empty.cv_results_["params"] == [{}] and empty.best_estimator_.C == 3.0


def test_verbose_levels_print_like_scikit_learn(iris, capsys):
    X, y = iris
    TuneSearchCV(SVC(), {"C": [0.5, 1.0]}, n_trials=2, cv=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert out.strip() == "Fitting 3 folds for each of 2 candidates, totalling 6 fits"
    TuneSearchCV(SVC(), {"C": [0.5, 1.0]}, n_trials=2, cv=3, verbose=2).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 + 2 * 6 and lines[1] == "[CV 1/3; 1/2] START C=0.5"
    assert lines[2].startswith("[CV 1/3; 1/2] END C=0.5; total time=")
    assert "score=" not in "".join(lines)


def test_callable_multimetric_scorer_in_worker_processes(iris):
    X, y = iris

    def two(est, X, y):
        pred = est.predict(X)
        return {"acc": float((pred == y).mean()), "err": float((pred != y).mean())}

    search = TuneSearchCV(SVC(), {"C": tc.Float(0.1, 10, log=True)}, n_trials=4, cv=2,
                          scoring=two, refit="acc", n_jobs=2, random_state=0).fit(X, y)
    res = search.cv_results_
    assert search.multimetric_ and {"mean_test_acc", "rank_test_err"} <= set(res)
    np.testing.assert_allclose(res["mean_test_acc"] + res["mean_test_err"], 1.0)
    assert search.best_score_ == pytest.approx(res["mean_test_acc"].max())
    assert search.score(X, y) == pytest.approx(two(search.best_estimator_, X, y)["acc"])


def test_metadata_routing_with_a_generator_cv_and_groups(iris):
    from sklearn import config_context
    from sklearn.model_selection import GroupKFold, KFold

    X, y = iris
    with config_context(enable_metadata_routing=True):
        folds = KFold(3, shuffle=True, random_state=0).split(X, y)  # consumed once, by fit
        search = TuneSearchCV(LogisticRegression(max_iter=300), {"C": [0.1, 1.0]}, n_trials=2,
                              cv=folds).fit(X, y)
        assert search.n_splits_ == 3 and np.isfinite(search.cv_results_["mean_test_score"]).all()
        est = (LogisticRegression(max_iter=300).set_fit_request(sample_weight=True)
               .set_score_request(sample_weight=True))
        weights = np.where(y == 0, 5.0, 1.0)
        groups = np.arange(len(y)) % 3
        weighted = TuneSearchCV(est, {"C": [0.1]}, n_trials=1, cv=GroupKFold(3)).fit(
            X, y, groups=groups, sample_weight=weights)
        plain = TuneSearchCV(est, {"C": [0.1]}, n_trials=1, cv=GroupKFold(3)).fit(
            X, y, groups=groups)
        # the routed weights reached the folds (groups reached the splitter)
        assert weighted.cv_results_["split0_test_score"][0] != pytest.approx(
            plain.cv_results_["split0_test_score"][0])
        with pytest.raises(ValueError, match="groups"):
            TuneSearchCV(est, {"C": [0.1]}, n_trials=1, cv=GroupKFold(3)).fit(X, y)
