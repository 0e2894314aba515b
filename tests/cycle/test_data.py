"""Tests of tunecycle.cycle.data: every source kind, task inference, and every refusal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunecycle.cycle.data import Dataset, load_data
from tunecycle.cycle.errors import DataError
from tunecycle.errors import UserError

# -- bundled and generated scikit-learn sets -------------------------------------------------


@pytest.mark.parametrize(
    "name, shape, task, n_classes",
    [
        ("iris", (150, 4), "classification", 3),
        ("wine", (178, 13), "classification", 3),
        ("breast_cancer", (569, 30), "classification", 2),
        ("digits", (1797, 64), "classification", 10),
        ("diabetes", (442, 10), "regression", 0),
    ],
)
def test_bundled_sets(name, shape, task, n_classes):
    ds = load_data(f"sklearn:{name}")
    assert (ds.name, ds.task, ds.X.shape) == (name, task, shape)
    assert ds.y is not None and len(ds.y) == shape[0] and ds.labels is None
    assert len(ds.classes) == n_classes
    assert all(isinstance(c, str) for c in ds.X.columns)


def test_bundled_set_as_clustering_keeps_the_target_as_labels():
    ds = load_data("sklearn:iris", task="clustering")
    assert ds.task == "clustering" and ds.y is None
    assert ds.labels is not None and ds.labels.nunique() == 3
    assert ds.X.shape == (150, 4)  # the target never becomes a feature


def test_generated_set_with_query_string():
    ds = load_data("sklearn:make_blobs?n_samples=300&centers=4")
    assert (ds.name, ds.task, ds.X.shape) == ("make_blobs", "clustering", (300, 2))
    assert ds.y is None and ds.labels.nunique() == 4
    assert list(ds.X.columns) == ["x0", "x1"]


def test_generated_set_with_mapping_and_default_seed():
    spec = {"source": "sklearn:make_classification", "n_samples": 120, "n_features": 6}
    a, b = load_data(spec), load_data(dict(spec))
    assert a.X.shape == (120, 6) and a.task == "classification"
    pd.testing.assert_frame_equal(a.X, b.X)  # random_state defaults to 0, not to chance
    c = load_data({**spec, "random_state": 1})
    assert not np.allclose(a.X.to_numpy(), c.X.to_numpy())


def test_query_values_are_parsed():
    ds = load_data(
        "sklearn:make_classification?n_samples=200&weights=0.9,0.1&flip_y=0&shuffle=false"
    )
    counts = ds.y.value_counts()
    assert counts[0] == 180 and counts[1] == 20
    reg = load_data("sklearn:make_regression?n_samples=50&n_features=3&noise=0.5")
    assert reg.task == "regression" and reg.X.shape == (50, 3)


def test_mapping_may_carry_task_target_and_name():
    ds = load_data(
        {"source": "sklearn:make_blobs", "n_samples": 60, "task": "classification", "name": "b"}
    )
    assert (ds.task, ds.name) == ("classification", "b") and ds.y.nunique() == 3


@pytest.mark.parametrize(
    "source, match",
    [
        ("sklearn:mnist", r"unknown scikit-learn set 'mnist'; known: sklearn:breast_cancer"),
        ("sklearn:make_blobs?n_sample=10", r"n_sample: not an option of sklearn:make_blobs"),
        ("sklearn:make_blobs?return_centers=true", r"return_centers: not an option"),
        ("sklearn:iris?n_samples=10", r"sklearn:iris takes no options"),
        ("sklearn:make_blobs?n_samples", r"cannot read the options"),
        ("sklearn:make_blobs?n_samples=5&n_samples=6", r"n_samples: given twice"),
        ("sklearn:make_classification?n_features=2", r"sklearn:make_classification refused"),
        ("sklearn:make_regression?n_targets=2", r"n_targets: .* one target"),
        ({"n_samples": 10}, r"source: a data mapping needs a 'source' key"),
        (42, r"source: expected 'sklearn:<name>'"),
    ],
)
def test_sklearn_source_errors(source, match):
    with pytest.raises(DataError, match=match):
        load_data(source)


def test_argument_conflicting_with_mapping_is_refused():
    with pytest.raises(DataError, match=r"task: given both"):
        load_data({"source": "sklearn:iris", "task": "clustering"}, task="classification")
    with pytest.raises(DataError, match=r"target: sklearn:iris comes with its own target"):
        load_data("sklearn:iris", target="species")


# -- files and DataFrames --------------------------------------------------------------------


def _frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "count": rng.integers(0, 5, size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "label": np.where(np.arange(n) % 2 == 0, "yes", "no"),
            "price": rng.normal(10, 2, size=n),
            "grade": rng.integers(1, 4, size=n),
            "many": np.arange(n) * 3,
        }
    )


def test_csv_with_target_infers_the_task(tmp_path):
    path = tmp_path / "shop.csv"
    _frame().to_csv(path, index=False)
    ds = load_data(path, target="label")
    assert (ds.name, ds.task, ds.target) == ("shop", "classification", "label")
    assert "label" not in ds.X.columns and ds.X.shape == (40, 6)
    assert load_data(str(path), target="price").task == "regression"  # float
    assert load_data(path, target="grade").task == "classification"  # few integers
    assert load_data(path, target="many").task == "regression"  # 40 distinct integers
    assert load_data(path, target="grade", task="regression").task == "regression"


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "shop.parquet"
    _frame().to_parquet(path)
    ds = load_data(path, target="label")
    assert ds.task == "classification" and ds.X.shape == (40, 6)


def test_file_for_clustering_needs_no_target(tmp_path):
    path = tmp_path / "shop.csv"
    _frame().to_csv(path, index=False)
    ds = load_data(path, task="clustering")
    assert ds.y is None and ds.labels is None and ds.X.shape == (40, 7)
    with_labels = load_data(path, target="label", task="clustering")
    assert with_labels.labels.name == "label" and "label" not in with_labels.X.columns


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"source: file not found: .*nothere\.csv"):
        load_data(tmp_path / "nothere.csv", target="y")


def test_a_set_name_without_the_prefix_gets_a_hint(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=r"file not found: 'iris' \(for the scikit-learn set "):
        load_data("iris")


def test_unsupported_suffix_and_directory(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match=r"cannot read \.xlsx .*use \.csv, \.parquet"):
        load_data(path, target="y")
    with pytest.raises(DataError, match=r"is not a file"):
        load_data(tmp_path, target="y")


def test_empty_file_and_header_only_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match=r"source: file .*empty\.csv' is empty"):
        load_data(empty, target="y")
    header = tmp_path / "header.csv"
    header.write_text("a,b,y\n")
    with pytest.raises(DataError, match=r"X: the data has no rows"):
        load_data(header, target="y", task="classification")


def test_missing_target_column_lists_the_columns(tmp_path):
    path = tmp_path / "shop.csv"
    _frame().to_csv(path, index=False)
    with pytest.raises(DataError, match=r"target: no column 'Label' .*columns: 'size', 'count'"):
        load_data(path, target="Label")


def test_no_target_and_not_clustering():
    with pytest.raises(DataError, match=r"target: the DataFrame needs target=<column name>"):
        load_data(_frame())


def test_dataframe_with_target_and_string_column_names():
    frame = pd.DataFrame(np.arange(12.0).reshape(6, 2))  # integer column names 0, 1
    frame["y"] = [0, 1] * 3
    ds = load_data(frame, target="y")
    assert list(ds.X.columns) == ["0", "1"] and ds.name == "dataframe"
    assert load_data(frame, target=0).target == "0"  # a name is matched as a string


def test_only_a_target_column_means_no_features():
    with pytest.raises(DataError, match=r"X: the data has no feature columns"):
        load_data(pd.DataFrame({"y": [0, 1, 0, 1]}), target="y")


def test_duplicated_column_names_are_refused():
    frame = pd.DataFrame([[1, 2, 0], [3, 4, 1]], columns=["a", "a", "y"])
    with pytest.raises(DataError, match=r"duplicated column names \['a'\]"):
        load_data(frame, target="y")


# -- target problems -------------------------------------------------------------------------


def test_target_with_one_class():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "a", "a"]})
    with pytest.raises(DataError, match=r"target 'y': classification needs at least 2 classes"):
        load_data(frame, target="y")


def test_target_with_missing_values():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [1.5, None, 2.5, None]})
    with pytest.raises(DataError, match=r"target 'y': 2 missing values \(first rows \[1, 3\]\)"):
        load_data(frame, target="y")


def test_clustering_labels_with_missing_values():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["a", None, "b"]})
    with pytest.raises(DataError, match=r"labels 'g': 1 missing values"):
        load_data(frame, target="g", task="clustering")


def test_regression_needs_a_numeric_target():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "c"]})
    with pytest.raises(DataError, match=r"target 'y': regression needs a numeric target"):
        load_data(frame, target="y", task="regression")


def test_classification_refuses_a_continuous_target():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.5, 1.7, 0.5]})
    with pytest.raises(DataError, match=r"target 'y': classification needs class labels"):
        load_data(frame, target="y", task="classification")
    frame["y"] = [0.0, 1.0, 0.0]  # whole numbers stored as floats are labels
    assert load_data(frame, target="y", task="classification").classes == [0.0, 1.0]


def test_unknown_task():
    with pytest.raises(DataError, match=r"task: 'ranking' is not one of classification"):
        load_data("sklearn:iris", task="ranking")


# -- feature problems ------------------------------------------------------------------------


def test_free_text_column_is_named():
    n = 300
    frame = pd.DataFrame(
        {
            "x": np.arange(n, dtype=float),
            "comment": [f"customer said thing number {i}" for i in range(n)],
            "y": [0, 1] * (n // 2),
        }
    )
    with pytest.raises(DataError, match=r"column 'comment': looks like free text .*300 distinct"):
        load_data(frame, target="y")


def test_many_categories_that_repeat_are_not_free_text():
    n = 1000  # 150 distinct values, each seen about 7 times: a real categorical
    frame = pd.DataFrame({"city": [f"c{i % 150}" for i in range(n)], "y": [0, 1] * (n // 2)})
    assert load_data(frame, target="y").X.shape == (n, 1)


def test_few_distinct_strings_are_never_free_text():
    frame = pd.DataFrame({"name": [f"n{i}" for i in range(90)], "y": [0, 1] * 45})
    assert load_data(frame, target="y").X.shape == (90, 1)  # 90 <= 100 distinct values


@pytest.mark.parametrize(
    "column, match",
    [
        ([np.nan, np.nan, np.nan, np.nan], r"column 'f': every value is missing"),
        ([1.0, np.inf, 2.0, 3.0], r"column 'f': holds infinite values"),
        (pd.to_datetime(["2024-01-01"] * 4), r"column 'f': dtype datetime64.* not supported"),
        ([[1], [2], [3], [4]], r"column 'f': holds values that are not labels"),
    ],
)
def test_bad_feature_columns(column, match):
    frame = pd.DataFrame({"ok": [1.0, 2.0, 3.0, 4.0], "f": column, "y": [0, 1, 0, 1]})
    with pytest.raises(DataError, match=match):
        load_data(frame, target="y")


def test_missing_feature_values_are_kept_for_imputation():
    frame = pd.DataFrame({"a": [1.0, None, 3.0, 4.0], "b": ["u", None, "v", "u"], "y": [0, 1] * 2})
    ds = load_data(frame, target="y")
    assert ds.X["a"].isna().sum() == 1 and ds.X["b"].isna().sum() == 1


# -- arrays ----------------------------------------------------------------------------------


def test_tuple_of_arrays():
    X = np.arange(20.0).reshape(10, 2)
    ds = load_data((X, np.array([0, 1] * 5)))
    assert (ds.name, ds.task, list(ds.X.columns)) == ("arrays", "classification", ["x0", "x1"])
    assert ds.y.name == "target" and ds.y.index.equals(ds.X.index)


def test_tuple_aligns_a_series_by_position_and_keeps_its_dtype():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]}, index=[10, 11, 12, 13])
    y = pd.Series(pd.Categorical(["p", "q", "p", "q"]), name="kind")  # index 0..3
    ds = load_data((X, y))
    assert ds.y.index.tolist() == [10, 11, 12, 13] and ds.y.tolist() == ["p", "q", "p", "q"]
    assert isinstance(ds.y.dtype, pd.CategoricalDtype) and ds.target == "kind"


def test_tuple_for_clustering_and_bare_array():
    X = np.random.default_rng(0).normal(size=(8, 3))
    assert load_data((X, None), task="clustering").X.shape == (8, 3)
    assert load_data(X, task="clustering").y is None
    with pytest.raises(DataError, match=r"task: y is None"):
        load_data((X, None))
    with pytest.raises(DataError, match=r"a bare array has no target"):
        load_data(X)


@pytest.mark.parametrize(
    "source, match",
    [
        ((np.zeros((4, 2)), np.zeros(3)), r"y: has 3 rows but X has 4"),
        ((np.zeros((4, 2)), np.zeros((4, 2))), r"y: must be 1-D"),
        ((np.zeros(4), np.zeros(4)), r"X: must be 2-D"),
        ((np.zeros((4, 2)), np.zeros(4), None), r"a tuple must be \(X, y\)"),
        ((np.zeros((0, 2)), np.zeros(0)), r"X: the data has no rows"),
    ],
)
def test_tuple_errors(source, match):
    with pytest.raises(DataError, match=match):
        load_data(source, task="regression")


def test_tuple_with_target_is_refused():
    with pytest.raises(DataError, match=r"target: not used with an \(X, y\) tuple"):
        load_data((np.zeros((4, 2)), np.zeros(4)), target="y")


# -- the record ------------------------------------------------------------------------------


def test_dataset_checks_its_shape():
    X = pd.DataFrame({"a": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"y: a clustering data set has no target"):
        Dataset(X, pd.Series([0, 1]), "clustering", "d")
    with pytest.raises(DataError, match=r"y: a regression data set needs a target"):
        Dataset(X, None, "regression", "d")
    with pytest.raises(DataError, match=r"y: its index differs from the index of X"):
        Dataset(X, pd.Series([0, 1], index=[5, 6]), "classification", "d")
    with pytest.raises(DataError, match=r"labels: has 3 rows but X has 2"):
        Dataset(X, None, "clustering", "d", labels=pd.Series([0, 1, 2]))


def test_take_keeps_rows_aligned():
    ds = load_data("sklearn:iris")
    part = ds.take([0, 50, 100])
    assert part.X.index.tolist() == [0, 50, 100] and part.y.tolist() == [0, 1, 2]
    assert part.name == "iris" and part.task == "classification"


def test_data_error_is_a_user_error():
    assert issubclass(DataError, UserError) and issubclass(DataError, ValueError)
