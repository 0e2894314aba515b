"""A model family of the user's own: registered with ``register_family`` and tuned end to end
through ``tc.tune`` and a config like the built-in ones; a family that trains by steps reports
them for the pruner through ``fit_fold``; a bad or duplicate family is refused naming the field."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from sklearn.linear_model import SGDClassifier
from sklearn.neighbors import NearestCentroid

import tunecycle as tc
from tunecycle.cycle import families as fm
from tunecycle.cycle.config import ConfigError, load_config, run_config
from tunecycle.cycle.families import Family, FoldFit, fit_part, register_family
from tunecycle.cycle.splits import Validation
from tunecycle.errors import UserError


def _build_centroid(params, seed, task, *, proba=False):
    return NearestCentroid(**params)


CENTROID = Family(
    name="centroid",
    tasks={"classification"},
    space={"shrink_threshold": tc.Float(0.01, 1.0, log=True),
           "metric": tc.Categorical(["euclidean", "manhattan"])},
    defaults={"metric": "euclidean"},
    needs_scaling=True,
    builder=_build_centroid,
    doc="Nearest centroid (a test family)",
)


class StepsFamily(Family):
    """SGD trained one epoch at a time: each epoch of the first fold is reported; the fold
    records the epoch that scored best, and the refit trains for their mean."""

    def fit_fold(self, model, fold):
        epochs = model[-1].max_iter
        model.set_params(model__max_iter=1, model__warm_start=True)
        scores = []
        for step in range(epochs):
            fit_part(model, fold.train)
            scores.append(fold.score(model))
            if fold.report is not None:
                fold.report(step, scores[-1])
        return FoldFit(model, {"best_epoch": int(np.argmax(scores)) + 1})

    def refit(self, model, data, trial_attrs):
        best = trial_attrs["best_epoch"]
        model.set_params(model__max_iter=max(1, round(sum(best) / len(best))))
        return fit_part(model, data)


def _build_sgd(params, seed, task, *, proba=False):
    return SGDClassifier(alpha=float(params.get("alpha", 1e-4)),
                         max_iter=int(params.get("epochs", 2)), tol=None, random_state=seed)


STEPS = StepsFamily(
    name="sgd_steps",
    tasks=frozenset({"classification"}),
    space={"alpha": tc.Float(1e-5, 1e-1, log=True), "epochs": tc.Categorical([2])},
    needs_scaling=True,
    builder=_build_sgd,
)


@pytest.fixture
def registered():
    for family in (CENTROID, STEPS):
        register_family(family)
    yield
    for family in (CENTROID, STEPS):
        fm.unregister_family(family.name)


def test_a_registered_family_is_tuned_refitted_and_saved_through_tune(registered, tmp_path):
    result = tc.tune("sklearn:iris", model="centroid", n_trials=5, seed=0, progress=False,
                     validation=Validation("kfold", folds=3), output_dir=tmp_path / "out")
    trials = result.study.trials
    assert len(trials) == 5 and result.family == "centroid"
    assert trials[0].params["metric"] == "euclidean"  # its defaults ran first
    for t in trials:  # the sampler proposed in its space, under its own names
        assert set(t.params) == {"shrink_threshold", "metric"}
        assert 0.01 <= t.params["shrink_threshold"] <= 1.0
    fitted = result.model[-1]
    assert isinstance(fitted, NearestCentroid)
    assert fitted.get_params()["metric"] == result.best_params["metric"]
    assert fitted.shrink_threshold == result.best_params.get("shrink_threshold")
    loaded = tc.load_model(tmp_path / "out")
    X = load_iris_rows()
    assert np.array_equal(loaded.predict(X), result.model.predict(X))


def load_iris_rows():
    from tunecycle.cycle.data import load_data

    return load_data("sklearn:iris").X.iloc[:20]


def test_a_registered_family_beside_a_built_in_one(registered):
    result = tc.tune("sklearn:iris", model=["centroid", "knn"], n_trials=6, seed=1,
                     progress=False, validation=Validation("holdout", ratio=0.3))
    chosen = {t.params["model"] for t in result.study.trials}
    assert chosen == {"centroid", "knn"}  # both defaults were enqueued
    for t in result.study.trials:
        if t.params["model"] == "centroid":
            assert set(t.params) - {"model"} <= {"centroid.shrink_threshold", "centroid.metric"}


def test_a_registered_family_runs_from_a_config(registered, tmp_path):
    doc = {"study": {"n_trials": 4, "seed": 0},
           "data": {"source": "sklearn:iris"},
           "split": {"validation": {"kind": "kfold", "folds": 3}},
           "models": {"centroid": {"shrink_threshold": {"type": "float", "low": 0.1,
                                                        "high": 0.5}}}}
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = run_config(load_config(path), progress=False)
    assert result.family == "centroid" and isinstance(result.model[-1], NearestCentroid)
    proposed = [t.params["shrink_threshold"] for t in result.study.trials
                if "shrink_threshold" in t.params]
    assert proposed and all(0.1 <= v <= 0.5 for v in proposed)
    doc["models"] = {"centroid": {"shrink": 0.2}}
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match=r"models\.centroid\.shrink"):
        load_config(path)


def test_a_family_that_trains_by_steps_reports_them_and_refits_its_own_way(registered):
    result = tc.tune("sklearn:iris", model="sgd_steps", n_trials=3, seed=0, progress=False,
                     validation=Validation("kfold", folds=3))
    for t in result.study.trials:
        # fold 0's two epochs are the steps; the three folds are not reported on top
        assert sorted(t.intermediate_values) == [0, 1]
        assert len(t.user_attrs["best_epoch"]) == 3  # one record per fold
    best = result.study.best_trial.user_attrs["best_epoch"]
    assert result.model[-1].max_iter == max(1, round(sum(best) / len(best)))


def test_register_family_refuses_a_bad_or_taken_family():
    with pytest.raises(UserError, match=r"family\.name: 'svm' is already a registered"):
        register_family(Family(name="svm", tasks={"classification"}, space={},
                               builder=_build_centroid))
    bad = {
        r"family\.name: must be a letter": dict(name="my.family"),
        r"family\.tasks: must be some of": dict(tasks={"ranking"}),
        r"family\.builder: must be callable": dict(builder="NearestCentroid"),
        r"family\.space \(classification\)": dict(space={"k": 3}),
        r"family\.defaults \(classification\): \['k'\]": dict(defaults={"k": 3}),
    }
    for message, change in bad.items():
        kwargs = dict(name="fresh", tasks={"classification"},
                      space={"metric": tc.Categorical(["euclidean"])}, builder=_build_centroid)
        with pytest.raises(UserError, match=message):
            register_family(Family(**{**kwargs, **change}))
    with pytest.raises(UserError, match="family: expected a tunecycle.cycle.families.Family"):
        register_family({"name": "dict"})
    assert "fresh" not in fm.FAMILIES
    with pytest.raises(UserError, match="'svm' is a built-in model family"):
        fm.unregister_family("svm")


def test_the_top_level_name_and_the_docs_table(registered):
    assert tc.register_family is register_family and tc.Family is Family
    assert "centroid" in fm.FAMILIES and "centroid" in fm.families_for("classification")
    assert fm.space_table() in fm.__doc__  # the table of built-in families only


def test_forked_workers_know_a_registered_family(registered):
    result = tc.tune("sklearn:iris", model="centroid", n_trials=4, seed=0, progress=False,
                     n_jobs=2, validation=Validation("holdout", ratio=0.3))
    assert [t.state.value for t in result.study.trials] == ["complete"] * 4
    assert isinstance(result.model[-1], NearestCentroid)
