"""Tests of tunecycle.cycle.preprocess: column kinds, encoding, and no leakage across folds."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from tunecycle.cycle.errors import DataError
from tunecycle.cycle.preprocess import column_kinds, make_pipeline, make_preprocessor


def mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "f": [1.0, 2.0, np.nan, 4.0],
            "i": [1, 2, 3, 4],
            "n": pd.array([1, None, 3, 4], dtype="Int64"),
            "s": ["a", "b", None, "a"],
            "c": pd.Categorical(["x", "y", "x", None]),
            "b": [True, False, True, True],
            "nb": pd.array([True, None, False, True], dtype="boolean"),
            "o": pd.Series([1, "one", None, 1], dtype=object),  # mixed types
            "st": pd.Series(["p", pd.NA, "q", "p"], dtype="string"),
        }
    )


def test_column_kinds():
    numeric, categorical = column_kinds(mixed_frame())
    assert numeric == ["f", "i", "n"]
    assert categorical == ["s", "c", "b", "nb", "o", "st"]
    with pytest.raises(DataError, match=r"column 'd': dtype datetime64.* not supported"):
        column_kinds(pd.DataFrame({"d": pd.to_datetime(["2024-01-01"])}))
    with pytest.raises(DataError, match=r"X: must be a pandas DataFrame"):
        column_kinds(np.zeros((2, 2)))  # type: ignore[arg-type]


def test_every_kind_of_column_is_encoded_densely():
    X = mixed_frame()
    out = make_preprocessor(X, scale=True).fit_transform(X)
    # 3 numeric + one-hot: s{a,b} c{x,y} b{False,True} nb{False,True} o{1,one} st{p,q}
    assert isinstance(out, np.ndarray) and out.shape == (4, 3 + 12)
    assert not np.isnan(out).any()


def test_scale_switches_the_scaler():
    X = mixed_frame()
    scaled = make_preprocessor(X, scale=True)
    plain = make_preprocessor(X, scale=False)
    assert [n for n, _ in scaled.transformers[0][1].steps] == ["impute", "scale"]
    assert [n for n, _ in plain.transformers[0][1].steps] == ["impute"]
    raw = plain.fit_transform(X)[:, :3]
    assert raw[:, 1].tolist() == [1.0, 2.0, 3.0, 4.0]  # unscaled values pass through
    assert scaled.fit_transform(X)[:, :3].mean(axis=0) == pytest.approx([0, 0, 0], abs=1e-12)


def test_only_one_kind_of_column():
    only_numbers = pd.DataFrame({"a": [1.0, 2.0]})
    assert [t[0] for t in make_preprocessor(only_numbers, scale=True).transformers] == ["numeric"]
    only_labels = pd.DataFrame({"a": ["u", "v"]})
    assert [t[0] for t in make_preprocessor(only_labels, scale=True).transformers] == [
        "categorical"
    ]
    with pytest.raises(DataError, match=r"X: has no feature columns"):
        make_preprocessor(pd.DataFrame(index=[0, 1]), scale=True)


# -- no leakage: everything is learned from the training rows --------------------------------


@pytest.fixture
def outlier_folds():
    """A training fold of ordinary rows and a validation fold of huge outliers."""
    rng = np.random.default_rng(0)
    n_train, n_valid = 40, 10
    X = pd.DataFrame(
        {
            "x": np.r_[rng.normal(0, 1, n_train), rng.normal(1e6, 1, n_valid)],
            "gap": np.r_[rng.normal(5, 1, n_train), np.full(n_valid, 1e9)],
            "colour": ["red"] * 30 + ["blue"] * 10 + ["green"] * n_valid,
        }
    )
    X.loc[[3, 7], "gap"] = np.nan  # missing values in training rows
    X.loc[[3, 41], "colour"] = None  # in a training row and a validation row
    y = pd.Series(np.r_[np.tile([0, 1], n_train // 2), np.tile([0, 1], n_valid // 2)])
    return X, y, np.arange(n_train), np.arange(n_train, n_train + n_valid)


def test_scaler_and_imputers_are_fitted_on_the_training_fold_only(outlier_folds):
    X, y, train, _ = outlier_folds
    pipe = make_pipeline(make_preprocessor(X, scale=True), LogisticRegression())
    pipe.fit(X.iloc[train], y.iloc[train])
    numeric = pipe.named_steps["preprocess"].named_transformers_["numeric"]
    imputer, scaler = numeric.named_steps["impute"], numeric.named_steps["scale"]
    train_x = X.iloc[train]

    assert imputer.statistics_ == pytest.approx(train_x[["x", "gap"]].median().to_numpy())
    assert imputer.statistics_[1] < 100  # the full data's median would include 1e9 rows
    imputed_gap = train_x["gap"].fillna(train_x["gap"].median())
    assert scaler.mean_ == pytest.approx([train_x["x"].mean(), imputed_gap.mean()])
    assert abs(scaler.mean_[0]) < 1  # fitted on all rows it would be about 2e5
    assert scaler.scale_[0] == pytest.approx(train_x["x"].std(ddof=0))

    categorical = pipe.named_steps["preprocess"].named_transformers_["categorical"]
    assert categorical.named_steps["impute"].statistics_.tolist() == ["red"]
    assert [c.tolist() for c in categorical.named_steps["onehot"].categories_] == [
        ["blue", "red"]  # "green" exists only in validation rows
    ]


def test_fitting_on_all_rows_would_be_visible(outlier_folds):
    """The counter-check: the assertions above do tell leakage apart."""
    X, y, _, _ = outlier_folds
    leaky = make_preprocessor(X, scale=True).fit(X)
    assert leaky.named_transformers_["numeric"].named_steps["scale"].mean_[0] > 1e4


def test_unseen_and_missing_categories_in_validation_do_not_crash(outlier_folds):
    X, y, train, valid = outlier_folds
    pipe = make_pipeline(make_preprocessor(X, scale=True), LogisticRegression())
    pipe.fit(X.iloc[train], y.iloc[train])
    assert pipe.predict(X.iloc[valid]).shape == (10,)
    encoded = pipe.named_steps["preprocess"].transform(X.iloc[valid])
    names = pipe.named_steps["preprocess"].get_feature_names_out().tolist()
    onehot = encoded[
        :, [names.index("categorical__colour_blue"), names.index("categorical__colour_red")]
    ]
    assert onehot[0].tolist() == [0.0, 0.0]  # "green": unseen, all zeros
    assert onehot[1].tolist() == [0.0, 1.0]  # missing: imputed with the training mode "red"


# -- the pipeline ----------------------------------------------------------------------------


def test_pipeline_steps_params_and_pickling():
    X = mixed_frame()
    y = pd.Series([0, 1, 0, 1])
    pipe = make_pipeline(make_preprocessor(X, scale=True), LogisticRegression())
    assert [name for name, _ in pipe.steps] == ["columns", "preprocess", "model"]
    pipe.set_params(model__C=0.5)
    assert pipe.named_steps["model"].C == 0.5
    pipe.fit(X, y)
    again = pickle.loads(pickle.dumps(pipe))
    assert np.array_equal(again.predict_proba(X), pipe.predict_proba(X))


def test_pipeline_without_preprocessing():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    pipe = make_pipeline(None, DummyClassifier()).fit(X, [0, 1, 1])
    assert pipe.steps[0][1] == "passthrough" and pipe.predict(X).tolist() == [1, 1, 1]


def test_a_fitted_pipeline_predicts_on_rows_in_the_training_column_order():
    X = mixed_frame()
    y = pd.Series([0, 1, 0, 1])
    pipe = make_pipeline(make_preprocessor(X, scale=True), LogisticRegression()).fit(X, y)
    expected = pipe.predict_proba(X)
    assert np.allclose(pipe.predict_proba(X.to_numpy()), expected)  # an object array
    assert np.allclose(pipe.predict_proba(X.to_numpy().tolist()), expected)  # a list of rows
    assert np.allclose(pipe.predict_proba(X[X.columns[::-1]]), expected)  # names, any order
    numbers = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [4.0, 1.0, 2.0, 0.0]})
    plain = make_pipeline(make_preprocessor(numbers, scale=True), LogisticRegression())
    plain.fit(numbers, y)
    assert np.array_equal(plain.predict(numbers.to_numpy()), plain.predict(numbers))
    assert plain[:-1].get_feature_names_out().tolist() == ["numeric__a", "numeric__b"]


def test_a_wrong_width_or_missing_column_is_a_clear_error():
    X = mixed_frame()
    pipe = make_pipeline(make_preprocessor(X, scale=True), LogisticRegression())
    pipe.fit(X, pd.Series([0, 1, 0, 1]))
    with pytest.raises(DataError, match=r"trained on 9 columns \(f, i, n, s, c, \.\.\.\), got 8"):
        pipe.predict(X.to_numpy()[:, :8])
    with pytest.raises(DataError, match=r"training column\(s\) missing from the DataFrame: 'st'"):
        pipe.predict(X.drop(columns="st"))
    with pytest.raises(DataError, match=r"give rows"):
        pipe.predict(X.to_numpy()[0])
    bad = X.to_numpy()
    bad[0, 0] = "many"
    with pytest.raises(DataError, match=r"column 'f' held numbers in training"):
        pipe.predict(bad)
    with pytest.raises(ValueError, match=r"fit on a pandas DataFrame"):
        make_pipeline(make_preprocessor(X, scale=True), LogisticRegression()).fit(
            X.to_numpy(), [0, 1, 0, 1])
