"""Tests of tunecycle.cycle.splits: sizes, stratification, seeding, and clear size errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold, StratifiedKFold

from tunecycle.cycle.data import load_data
from tunecycle.cycle.errors import DataError
from tunecycle.cycle.splits import Validation, split_test, validation_splits


@pytest.fixture(scope="module")
def imbalanced():
    """300 rows, classes of 240 / 45 / 15: proportions 0.8 / 0.15 / 0.05."""
    y = np.repeat([0, 1, 2], [240, 45, 15])
    X = np.random.default_rng(0).normal(size=(300, 3))
    return load_data((X, y))


@pytest.fixture(scope="module")
def regression():
    return load_data("sklearn:make_regression?n_samples=100&n_features=3")


def proportions(y) -> dict:
    return (pd.Series(y).value_counts(normalize=True)).sort_index().to_dict()


# -- the held-out test part ------------------------------------------------------------------


def test_split_test_is_stratified_and_disjoint(imbalanced):
    search, test = split_test(imbalanced, test_size=0.2, seed=0)
    assert (search.n_samples, test.n_samples) == (240, 60)
    assert test.y.value_counts().sort_index().tolist() == [48, 9, 3]
    assert search.y.value_counts().sort_index().tolist() == [192, 36, 12]
    assert set(search.X.index).isdisjoint(test.X.index)
    assert set(search.X.index) | set(test.X.index) == set(range(300))
    assert search.y.index.equals(search.X.index) and test.name == imbalanced.name


def test_split_test_is_seeded(imbalanced):
    a = split_test(imbalanced, seed=3)[1].X.index
    b = split_test(imbalanced, seed=3)[1].X.index
    c = split_test(imbalanced, seed=4)[1].X.index
    assert a.equals(b) and not a.equals(c)
    rng_a = split_test(imbalanced, seed=np.random.default_rng(7))[1].X.index
    rng_b = split_test(imbalanced, seed=np.random.default_rng(7))[1].X.index
    assert rng_a.equals(rng_b)


def test_split_test_regression_and_clustering(regression):
    search, test = split_test(regression, test_size=0.25, seed=0)
    assert (search.n_samples, test.n_samples) == (75, 25)
    blobs = load_data("sklearn:make_blobs?n_samples=50")
    search, test = split_test(blobs, test_size=0.2, seed=0)
    assert test.n_samples == 10 and test.labels is not None and test.y is None


@pytest.mark.parametrize("bad", [0, 1, 0.0, 1.0, -0.1, 1.5, "0.2", True, None])
def test_split_test_rejects_bad_sizes(imbalanced, bad):
    with pytest.raises(DataError, match=r"^test_size: must be"):
        split_test(imbalanced, test_size=bad)


def test_split_test_class_with_one_member():
    y = np.array([0] * 10 + [1] * 10 + [2])
    ds = load_data((np.zeros((21, 1)), y))
    with pytest.raises(DataError, match=r"test_size: .* at least 2 rows of each class, .*2 has 1"):
        split_test(ds, test_size=0.3)


def test_split_test_too_small_for_the_classes():
    y = np.repeat([0, 1, 2, 3, 4], 12)  # 60 rows, 5 classes
    ds = load_data((np.zeros((60, 1)), y))
    with pytest.raises(DataError, match=r"test_size: 0.05 of 60 rows gives 3 rows to the test"):
        split_test(ds, test_size=0.05)
    assert split_test(ds, test_size=0.1)[1].y.nunique() == 5  # 6 test rows: one of each fits


def test_split_test_leaving_no_rows(regression):
    tiny = regression.take([0, 1])
    with pytest.raises(DataError, match=r"test_size: 0.6 of 2 rows leaves 0 rows to keep"):
        split_test(tiny, test_size=0.6)


@pytest.mark.parametrize("bad", [1.5, None, "0", -1, 2**33])
def test_bad_seeds(imbalanced, bad):
    with pytest.raises(DataError, match=r"^seed: must be"):
        split_test(imbalanced, seed=bad)


# -- the validation scheme -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "loo"}, r"kind: 'loo' is not one of holdout, kfold"),
        ({"kind": "holdout", "ratio": 0}, r"ratio: must be strictly between 0 and 1, got 0.0"),
        ({"kind": "holdout", "ratio": 1.2}, r"ratio: must be strictly between 0 and 1"),
        ({"kind": "holdout", "ratio": "a"}, r"ratio: must be a number"),
        ({"kind": "kfold", "folds": 1}, r"folds: k-fold needs at least 2 folds, got 1"),
        ({"kind": "kfold", "folds": 2.5}, r"folds: must be an integer, got 2.5"),
        ({"kind": "kfold", "folds": True}, r"folds: must be an integer"),
        ({"kind": "kfold", "stratified": "yes"}, r"stratified: must be True or False"),
    ],
)
def test_validation_checks_itself(kwargs, match):
    with pytest.raises(DataError, match=match):
        Validation(**kwargs)


def test_validation_accepts_numpy_values_from_a_tuner():
    scheme = Validation("holdout", ratio=np.float64(0.3), folds=np.int64(3))
    assert type(scheme.ratio) is float and type(scheme.folds) is int
    assert scheme.n_splits == 1 and Validation("kfold", folds=4).n_splits == 4


def test_holdout_uses_the_ratio_and_keeps_proportions(imbalanced):
    y = imbalanced.y.to_numpy()
    [(train, valid)] = validation_splits(imbalanced, Validation("holdout", ratio=0.4), seed=0)
    assert (len(train), len(valid)) == (180, 120)
    assert np.intersect1d(train, valid).size == 0 and len(np.union1d(train, valid)) == 300
    assert np.all(np.diff(train) > 0) and np.all(np.diff(valid) > 0)  # sorted positions
    assert proportions(y[valid]) == pytest.approx(proportions(y), abs=0.01)
    assert proportions(y[train]) == pytest.approx(proportions(y), abs=0.01)


def test_holdout_is_seeded(imbalanced):
    scheme = Validation("holdout", ratio=0.25)
    a = validation_splits(imbalanced, scheme, seed=1)[0][1]
    b = validation_splits(imbalanced, scheme, seed=1)[0][1]
    c = validation_splits(imbalanced, scheme, seed=2)[0][1]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_kfold_partitions_and_stratifies(imbalanced):
    y = imbalanced.y.to_numpy()
    splits = validation_splits(imbalanced, Validation("kfold", folds=5), seed=0)
    assert len(splits) == 5
    seen = np.concatenate([valid for _, valid in splits])
    assert np.array_equal(np.sort(seen), np.arange(300))  # each row validated exactly once
    for train, valid in splits:
        assert np.intersect1d(train, valid).size == 0 and len(train) + len(valid) == 300
        assert np.bincount(y[valid]).tolist() == [48, 9, 3]


def test_kfold_is_sklearn_stratified_kfold_with_the_seed(imbalanced):
    y = imbalanced.y.to_numpy()
    ours = validation_splits(imbalanced, Validation("kfold", folds=3), seed=5)
    theirs = StratifiedKFold(3, shuffle=True, random_state=5).split(np.zeros((300, 1)), y)
    for (a_train, a_valid), (b_train, b_valid) in zip(ours, theirs):
        assert np.array_equal(a_train, b_train) and np.array_equal(a_valid, b_valid)
    other = validation_splits(imbalanced, Validation("kfold", folds=3), seed=6)
    assert not np.array_equal(ours[0][1], other[0][1])


def test_unstratified_and_regression_use_plain_kfold(imbalanced, regression):
    plain = validation_splits(imbalanced, Validation("kfold", folds=4, stratified=False), seed=0)
    expected = list(KFold(4, shuffle=True, random_state=0).split(np.zeros((300, 1))))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(plain, expected))
    reg = validation_splits(regression, Validation("kfold", folds=4), seed=0)  # stratified ignored
    expected = list(KFold(4, shuffle=True, random_state=0).split(np.zeros((100, 1))))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(reg, expected))


def test_kfold_errors(imbalanced, regression):
    with pytest.raises(
        DataError, match=r"folds: 20 stratified folds need at least 20 rows of each"
    ):
        validation_splits(imbalanced, Validation("kfold", folds=20), seed=0)
    assert len(validation_splits(imbalanced, Validation("kfold", 0.2, 20, False), seed=0)) == 20
    with pytest.raises(DataError, match=r"folds: 5 folds need at least as many rows; there are 3"):
        validation_splits(regression.take([0, 1, 2]), Validation("kfold"), seed=0)


def test_holdout_errors(imbalanced):
    tiny = imbalanced.take(np.r_[0:10, 240:250, 285:287])  # the last class has 2 rows
    with pytest.raises(DataError, match=r"ratio: 0.05 of 22 rows gives 2 rows to the validation"):
        validation_splits(tiny, Validation("holdout", ratio=0.05), seed=0)
    one = imbalanced.take(np.r_[0:10, 240:250, 285])
    with pytest.raises(DataError, match=r"ratio: a stratified validation split .* 2 has 1"):
        validation_splits(one, Validation("holdout", ratio=0.5), seed=0)
    with pytest.raises(DataError, match=r"scheme: must be a Validation"):
        validation_splits(imbalanced, "kfold", seed=0)  # type: ignore[arg-type]


def test_categorical_target_with_an_unused_category(imbalanced):
    kinds = pd.Categorical(imbalanced.y.map({0: "a", 1: "b", 2: "c"}), categories=list("abcz"))
    ds = load_data((imbalanced.X, pd.Series(kinds)))  # "z" has no rows: it is not a class
    search, test = split_test(ds, test_size=0.2, seed=0)
    assert test.y.value_counts()[["a", "b", "c"]].tolist() == [48, 9, 3]
    assert len(validation_splits(search, Validation("kfold", folds=5), seed=0)) == 5
