"""Saved models predict on what they were trained from: a DataFrame with the training names, or
a numpy array / list of rows in the training column order; a wrong width is a clear error.
Models saved before the columns step existed still load, and predict on arrays too."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

import tunecycle as tc
from tunecycle.cycle.data import load_data
from tunecycle.cycle.preprocess import make_preprocessor
from tunecycle.cycle.splits import Validation
from tunecycle.errors import UserError

THREE = Validation("kfold", folds=3)


def mixed() -> tuple[pd.DataFrame, pd.Series]:
    """Numbers (one with gaps), a text column and a boolean column; the label follows x."""
    rng = np.random.default_rng(0)
    n = 90
    x = rng.normal(size=n)
    X = pd.DataFrame({"x": x, "gap": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
                      "colour": rng.choice(["red", "blue", "green"], n),
                      "flag": rng.random(n) < 0.5})
    return X, pd.Series(np.where(x > 0, "up", "down"), name="label")


def same_on_rows(model, X: pd.DataFrame, methods=("predict", "predict_proba")) -> None:
    """``model`` answers the same on ``X``, its numpy array and its list of rows."""
    for name in methods:
        method = getattr(model, name)
        expected = method(X)
        for rows in (X.to_numpy(), X.to_numpy().tolist()):
            got = method(rows)
            if np.issubdtype(np.asarray(expected).dtype, np.floating):
                assert np.allclose(got, expected), name
            else:
                assert np.array_equal(got, expected), name


def test_a_classical_model_predicts_on_arrays_as_on_the_frame(tmp_path):
    result = tc.tune("sklearn:digits", model="logistic", n_trials=1, validation=THREE,
                     output_dir=tmp_path)
    X = load_data("sklearn:digits").X
    loaded = tc.load_model(tmp_path)
    same_on_rows(loaded, X)
    same_on_rows(result.model, X)  # the model tune returns is the one saved
    assert np.array_equal(loaded.predict(X.to_numpy()), result.model.predict(X))
    with pytest.raises(ValueError, match=r"trained on 64 columns \(pixel_0_0, pixel_0_1, "
                                         r"pixel_0_2, pixel_0_3, pixel_0_4, \.\.\.\), got 63"):
        loaded.predict(X.to_numpy()[:, :63])
    images = X.to_numpy().reshape(-1, 8, 8)  # images of the training shape are rows too
    assert np.array_equal(loaded.predict(images), loaded.predict(X))


def test_text_and_boolean_columns_come_back_from_an_object_array(tmp_path):
    X, y = mixed()
    tc.tune(X.assign(label=y), target="label", model="knn", n_trials=2, validation=THREE,
            output_dir=tmp_path)
    loaded = tc.load_model(tmp_path)
    assert X.to_numpy().dtype == object
    same_on_rows(loaded, X)
    with pytest.raises(ValueError, match=r"trained on 4 columns \(x, gap, colour, flag\), got 5"):
        loaded.predict(np.c_[X.to_numpy(), X.to_numpy()[:, :1]])


@pytest.mark.parametrize("kind", ["voting", "stacking", "selection"])
def test_a_saved_ensemble_predicts_on_arrays(kind, tmp_path):
    result = tc.tune("sklearn:iris", model=["knn", "logistic"], n_trials=4, validation=THREE,
                     ensemble=kind, ensemble_size=3, ensemble_keep="ensemble",
                     output_dir=tmp_path)
    X = load_data("sklearn:iris").X
    loaded = tc.load_model(tmp_path)
    assert not isinstance(loaded, Pipeline)  # the ensemble was kept
    same_on_rows(loaded, X)
    same_on_rows(result.ensemble.model, X)
    with pytest.raises(ValueError, match=r"trained on 4 columns \(sepal length \(cm\), "):
        loaded.predict_proba(X.to_numpy()[:, 1:])


def test_a_saved_clustering_predicts_and_transforms_on_arrays(tmp_path):
    data = {"source": "sklearn:make_blobs", "n_samples": 120, "centers": 3, "random_state": 0}
    tc.tune(data, task="clustering", n_trials=2, output_dir=tmp_path)
    X = load_data(data, task="clustering").X
    loaded = tc.load_model(tmp_path)
    same_on_rows(loaded, X, methods=("predict", "transform"))


def old_layout(X: pd.DataFrame, y: pd.Series) -> Pipeline:
    """A pipeline as the cycle built it before the columns step: preprocess, model."""
    return Pipeline([("preprocess", make_preprocessor(X, scale=True)),
                     ("model", KNeighborsClassifier())]).fit(X, y)


def test_a_model_saved_in_the_old_layout_still_loads_and_takes_arrays(tmp_path):
    X, y = mixed()
    old = old_layout(X, y)
    with pytest.raises(ValueError, match="only supported for dataframes"):
        old.predict(X.to_numpy())  # what a model saved this way did before
    expected = old.predict_proba(X)
    joblib.dump({"model": old, "family": "knn", "params": {}, "metric": "accuracy",
                 "test_metrics": {}}, tmp_path / "model.joblib")
    loaded = tc.load_model(tmp_path)
    assert [name for name, _ in loaded.steps] == ["columns", "preprocess", "model"]
    assert np.allclose(loaded.predict_proba(X), expected)
    same_on_rows(loaded, X)
    with pytest.raises(ValueError, match=r"trained on 4 columns \(x, gap, colour, flag\)"):
        loaded.predict(X.to_numpy()[:, :2])

    members = [("a", old_layout(X, y)), ("b", Pipeline([
        ("preprocess", make_preprocessor(X, scale=True)), ("model", LogisticRegression())]))]
    voting = VotingClassifier(members, voting="soft").fit(X, y)
    joblib.dump({"model": voting}, tmp_path / "voting.joblib")
    same_on_rows(tc.load_model(tmp_path / "voting.joblib"), X)


def test_a_pickle_is_refused_when_asked_and_a_missing_file_is_named(tmp_path):
    tc.tune("sklearn:iris", model="knn", n_trials=1, validation=THREE, output_dir=tmp_path)
    with pytest.raises(UserError, match=r"is a pickle and allow_pickle is False"):
        tc.load_model(tmp_path, allow_pickle=False)
    with pytest.raises(UserError, match=r"no saved model at .*missing\.joblib"):
        tc.load_model(tmp_path / "missing.joblib")
