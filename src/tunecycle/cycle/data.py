"""Loading data into a :class:`Dataset`: the first step of the tuning cycle.

``load_data`` turns one of these into a checked ``Dataset`` (features, target, task, name):

- a scikit-learn set bundled with the library (``"sklearn:iris"``, ``wine``, ``breast_cancer``,
  ``digits``, ``diabetes``; offline) or generated on the spot (``"sklearn:make_classification"``,
  ``make_regression``, ``make_blobs``) with options from a mapping
  (``{"source": "sklearn:make_blobs", "n_samples": 300}``) or a query string
  (``"sklearn:make_blobs?n_samples=300&centers=4"``); generators default to ``random_state=0``;
- a ``.csv`` or ``.parquet`` file, or a ``pandas.DataFrame``, with ``target=`` naming the target
  column (not needed for ``task="clustering"``);
- an ``(X, y)`` tuple of arrays, DataFrames or Series (``y`` may be ``None`` for clustering);
  ``X`` may also be an array of images, ``(N, H, W)`` or ``(N, C, H, W)``, or of sequences,
  ``(N, steps, features)``: rows are the flattened samples and ``Dataset.sample_shape`` keeps
  the shape of one sample, for the network families (:mod:`tunecycle.cycle.deep`);
- ``"synthetic:sequences"``: a seeded sequence task generated here (options ``n_samples``,
  ``length``, ``n_features``, ``n_classes``, ``noise``, ``random_state``; see
  :func:`sequences`), for the recurrent and transformer families.

When ``task`` is not given it is inferred from the target: booleans, strings, categories and
integers with at most ``MAX_INFERRED_CLASSES`` distinct values mean classification; floats and
integers with more distinct values mean regression.  For clustering the target, when there is
one, becomes ``Dataset.labels`` (ground truth for external metrics), never a feature.

Problems are refused with a :class:`~tunecycle.cycle.errors.DataError` naming the field or
column: a missing file, an unknown set, a missing target column, empty data, a target with
missing values or a single class, a feature column that is wholly missing, holds infinities,
has a type no model takes (dates), or is free text (more than ``FREE_TEXT_MIN_UNIQUE`` distinct
strings, over half of its values).

Deliberately not here: no preprocessing (imputation, encoding and scaling live in
:mod:`tunecycle.cycle.preprocess` and are fitted on training folds only, so loading never looks
at statistics of the data), no splitting (:mod:`tunecycle.cycle.splits`), no downloads, no
silent repair: rows with a missing target are refused rather than dropped.  Feature values may
be missing; they are imputed later.  Column names are made strings (scikit-learn needs uniform
names); the row index of a DataFrame is kept so that rows can be traced back.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn import datasets as skdatasets

from tunecycle.cycle.errors import DataError

Task = Literal["classification", "regression", "clustering"]
TASKS: tuple[str, ...] = get_args(Task)

#: an integer target with at most this many distinct values is inferred to be classification
MAX_INFERRED_CLASSES = 20
#: a text column is free text when it has more distinct values than this ...
FREE_TEXT_MIN_UNIQUE = 100
#: ... and they are more than this fraction of its non-missing values
FREE_TEXT_UNIQUE_FRACTION = 0.5

# name -> (loader, task); all of them ship with scikit-learn, nothing is downloaded
_BUNDLED: dict[str, tuple[Any, Task]] = {
    "iris": (skdatasets.load_iris, "classification"),
    "wine": (skdatasets.load_wine, "classification"),
    "breast_cancer": (skdatasets.load_breast_cancer, "classification"),
    "digits": (skdatasets.load_digits, "classification"),
    "diabetes": (skdatasets.load_diabetes, "regression"),
}
_GENERATED: dict[str, tuple[Any, Task]] = {
    "make_classification": (skdatasets.make_classification, "classification"),
    "make_regression": (skdatasets.make_regression, "regression"),
    "make_blobs": (skdatasets.make_blobs, "clustering"),
}
# generator arguments that change what the generator returns; not offered
_GENERATOR_EXCLUDED = {"coef", "return_centers"}
#: the suffixes of the data files :func:`load_data` reads
FILE_SUFFIXES = (".csv", ".parquet", ".pq")
_MAPPING_KEYS = ("target", "task", "name")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features, target and task of one data set; rows are aligned on ``X.index``.

    ``y`` is the target (``None`` for clustering); ``labels`` holds known ground-truth clusters
    for clustering (``None`` otherwise or when unknown).  The record is frozen (its fields cannot
    be rebound) but pandas objects are mutable: treat them as read-only.  Build one with
    :func:`load_data`, which checks the data; the constructor checks only the shape of the
    record.  ``eq=False``: two data sets compare by identity, never element-wise.
    """

    X: pd.DataFrame
    y: pd.Series | None
    task: Task
    name: str
    labels: pd.Series | None = None
    # the shape of one sample before it was flattened into the columns of X: (C, H, W) or
    # (H, W) for images, (steps, features) for sequences; None for plain tables
    sample_shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(f"task: {self.task!r} is not one of {', '.join(TASKS)}")
        if not isinstance(self.X, pd.DataFrame):
            raise DataError(f"X: must be a pandas DataFrame, got {type(self.X).__name__}")
        if self.sample_shape is not None and int(np.prod(self.sample_shape)) != self.X.shape[1]:
            raise DataError(f"sample_shape: {self.sample_shape} does not hold the "
                            f"{self.X.shape[1]} columns of X")
        if self.task == "clustering":
            if self.y is not None:
                raise DataError(
                    "y: a clustering data set has no target; pass known clusters as labels"
                )
        elif self.y is None:
            raise DataError(f"y: a {self.task} data set needs a target")
        elif self.labels is not None:
            raise DataError("labels: only a clustering data set has labels; use y")
        for field, series in (("y", self.y), ("labels", self.labels)):
            if series is None:
                continue
            if not isinstance(series, pd.Series):
                raise DataError(f"{field}: must be a pandas Series, got {type(series).__name__}")
            if len(series) != len(self.X):
                raise DataError(f"{field}: has {len(series)} rows but X has {len(self.X)}")
            if not series.index.equals(self.X.index):
                raise DataError(f"{field}: its index differs from the index of X")

    @property
    def n_samples(self) -> int:
        return len(self.X)

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def target(self) -> str | None:
        """The name of the target (or of the labels, for clustering), if any."""
        series = self.y if self.y is not None else self.labels
        return None if series is None or series.name is None else str(series.name)

    @property
    def classes(self) -> list[Any]:
        """The sorted distinct target values of a classification set (empty list otherwise)."""
        if self.task != "classification" or self.y is None:
            return []
        values = pd.unique(self.y).tolist()
        try:
            return sorted(values)
        except TypeError:  # labels of mixed types
            return sorted(values, key=repr)

    def take(self, positions: Sequence[int] | np.ndarray) -> Dataset:
        """The rows at these positions (as from :mod:`~tunecycle.cycle.splits`), same name."""
        pos = np.asarray(positions, dtype=np.intp)
        return Dataset(
            X=self.X.iloc[pos],
            y=None if self.y is None else self.y.iloc[pos],
            task=self.task,
            name=self.name,
            labels=None if self.labels is None else self.labels.iloc[pos],
            sample_shape=self.sample_shape,
        )


def load_data(
    source: Any,
    *,
    target: str | None = None,
    task: Task | None = None,
    name: str | None = None,
) -> Dataset:
    """Load ``source`` (see the module docstring) into a checked :class:`Dataset`.

    ``target`` names the target column of a file or DataFrame; ``task`` overrides the inferred
    task (``"clustering"`` needs no target: a given one becomes ``labels``); ``name`` overrides
    the data set's name (by default the set's name, the file's stem, ``"dataframe"`` or
    ``"arrays"``).  A mapping source may carry ``target``, ``task`` and ``name`` keys too.
    """
    options: dict[str, Any] = {}
    if isinstance(source, Mapping):
        source, options, target, task, name = _from_mapping(source, target, task, name)
    if task is not None and task not in TASKS:
        raise DataError(f"task: {task!r} is not one of {', '.join(TASKS)}")

    if isinstance(source, str) and source.startswith("sklearn:"):
        if target is not None:
            raise DataError(
                f"{source.partition('?')[0]} comes with its own target; do not pass one",
                field="target",
            )
        X, y, default_task, default_name = _load_sklearn(source, options)
        return _build(X, y, task or default_task, name or default_name)
    if isinstance(source, str) and source.startswith("synthetic:"):
        if target is not None:
            raise DataError(f"{source.partition('?')[0]} comes with its own target; "
                            "do not pass one", field="target")
        X, y, shape, default_task = _load_synthetic(source, options, task)
        return _build(X, y, default_task, name or source.partition("?")[0][10:],
                      sample_shape=shape)
    if options:
        raise DataError(
            f"source: options ({', '.join(sorted(options))}) apply to generated sklearn sets only"
        )
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        frame = _read_file(path)
        return _from_frame(frame, target, task, name or path.stem, f"file {str(path)!r}")
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, target, task, name or "dataframe", "the DataFrame")
    if isinstance(source, tuple):
        if len(source) != 2:
            raise DataError(f"source: a tuple must be (X, y), got {len(source)} items")
        if target is not None:
            raise DataError("not used with an (X, y) tuple; y is the target", field="target")
        X, shape = _flatten(source[0])
        y = _as_series(source[1], X)
        if y is None and task is None:
            raise DataError("task: y is None; pass task='clustering' or give a target")
        return _build(X, y, task or _infer_task(y, "y"), name or "arrays", sample_shape=shape)
    if isinstance(source, np.ndarray):
        if task != "clustering":
            raise DataError("source: a bare array has no target; pass (X, y) or task='clustering'")
        return _build(_as_frame(source), None, task, name or "arrays")
    raise DataError(
        "source: expected 'sklearn:<name>', a .csv/.parquet path, a DataFrame, an (X, y) tuple "
        f"or a mapping with a 'source' key, got {type(source).__name__}"
    )


# -- sources ---------------------------------------------------------------------------------


def _from_mapping(
    source: Mapping[str, Any], target: str | None, task: Task | None, name: str | None
) -> tuple[Any, dict[str, Any], Any, Any, Any]:
    if "source" not in source:
        raise DataError(
            f"source: a data mapping needs a 'source' key, got keys {sorted(map(str, source))}"
        )
    options = {str(k): v for k, v in source.items() if k != "source"}
    given = {"target": target, "task": task, "name": name}
    for key in _MAPPING_KEYS:
        if key in options:
            value = options.pop(key)
            if given[key] is not None and given[key] != value:
                raise DataError(
                    f"{key}: given both as an argument ({given[key]!r}) and in the mapping "
                    f"({value!r})"
                )
            given[key] = value
    return source["source"], options, given["target"], given["task"], given["name"]


def _load_sklearn(
    source: str, options: dict[str, Any]
) -> tuple[pd.DataFrame, pd.Series, Task, str]:
    base, _, query = source.partition("?")
    set_name = base[len("sklearn:") :]
    if query:
        for key, value in _parse_query(source, query).items():
            if key in options:
                raise DataError(f"{key}: given both in the query string and as an option")
            options[key] = value
    if set_name in _BUNDLED:
        if options:
            raise DataError(f"source: {base} takes no options, got {', '.join(sorted(options))}")
        loader, task = _BUNDLED[set_name]
        bunch = loader(as_frame=True)
        X = bunch.data.copy()
        y = bunch.target.rename("target")
        return X, y, task, set_name
    if set_name in _GENERATED:
        generator, task = _GENERATED[set_name]
        X, y = _generate(base, generator, options)
        return X, y, task, set_name
    sklearn_set_task(set_name)  # raises, naming the known sets
    raise AssertionError("unreachable")  # pragma: no cover


def sklearn_set_task(name: str) -> Task:
    """The task of the scikit-learn set ``name`` (``iris``, ``make_blobs``, ...), known
    without loading it; a :class:`DataError` (field ``source``) naming the known sets when
    there is no set of that name."""
    known = {**_BUNDLED, **_GENERATED}
    if name not in known:
        listed = ", ".join(f"sklearn:{k}" for k in sorted(_BUNDLED) + sorted(_GENERATED))
        raise DataError(f"unknown scikit-learn set {name!r}; known: {listed}", field="source")
    return known[name][1]


def file_suffix_problem(path: Path) -> str | None:
    """What stops :func:`load_data` reading ``path`` by its suffix, or None."""
    suffix = path.suffix.lower()
    if suffix in FILE_SUFFIXES:
        return None
    return (f"cannot read {suffix or 'files without a suffix'!s} ({str(path)!r}); "
            f"use {', '.join(FILE_SUFFIXES)}")


#: synthetic sets generated here (seeded, offline): name -> (task, options and defaults)
SYNTHETIC: dict[str, dict[str, Any]] = {
    "sequences": {"n_samples": 600, "length": 24, "n_features": 2, "n_classes": 3,
                  "noise": 0.3, "random_state": 0},
}


def _load_synthetic(source: str, options: dict[str, Any], task: Task | None
                    ) -> tuple[pd.DataFrame, pd.Series, tuple[int, ...], Task]:
    base, _, query = source.partition("?")
    set_name = base[len("synthetic:"):]
    if set_name not in SYNTHETIC:
        raise DataError(f"source: unknown synthetic set {set_name!r}; known: "
                        + ", ".join(f"synthetic:{k}" for k in SYNTHETIC))
    if query:
        for key, value in _parse_query(source, query).items():
            if key in options:
                raise DataError(f"{key}: given both in the query string and as an option")
            options[key] = value
    unknown = sorted(set(options) - set(SYNTHETIC[set_name]))
    if unknown:
        raise DataError(f"{unknown[0]}: not an option of {base}; options are "
                        f"{', '.join(SYNTHETIC[set_name])}")
    kw = {**SYNTHETIC[set_name], **options}
    for key in ("n_samples", "length", "n_features", "n_classes", "random_state"):
        value = kw[key]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0 or (
                key != "random_state" and value < (2 if key == "n_classes" else 1)):
            raise DataError(f"{key}: must be a positive integer (n_classes at least 2), "
                            f"got {value!r}")
    if not isinstance(kw["noise"], (int, float)) or isinstance(kw["noise"], bool) or not (
            0 <= kw["noise"] < 10):
        raise DataError(f"noise: must be a number in [0, 10), got {kw['noise']!r}")
    if task not in (None, "classification", "regression"):
        raise DataError(f"task: {base} is a classification or regression set, not {task}")
    X, y = sequences(kw["n_samples"], kw["length"], kw["n_features"], kw["n_classes"],
                     float(kw["noise"]), np.random.default_rng(kw["random_state"]),
                     regression=task == "regression")
    frame = pd.DataFrame(X.reshape(len(X), -1),
                         columns=[f"t{t}_f{f}" for t in range(kw["length"])
                                  for f in range(kw["n_features"])])
    return frame, pd.Series(y, name="target"), (kw["length"], kw["n_features"]), (
        task or "classification")


def sequences(n_samples: int, length: int, n_features: int, n_classes: int, noise: float,
              rng: np.random.Generator, regression: bool = False) -> tuple[np.ndarray, Any]:
    """A sequence task that needs the order of the steps: each sequence is noise plus one bump
    (a short pulse on feature 0, an echo of it on the others); the class is the part of the
    sequence (first, second, ... of ``n_classes`` equal parts) where the bump sits, and for
    regression the target is the bump's position as a share of the length.  Shape
    ``(n_samples, length, n_features)``."""
    X = rng.normal(0.0, noise, size=(n_samples, length, n_features))
    position = rng.integers(0, length, size=n_samples)
    width = max(1, length // 12)
    steps = np.arange(length)
    for i, pos in enumerate(position):
        bump = np.exp(-0.5 * ((steps - pos) / width) ** 2)
        X[i, :, 0] += bump
        for f in range(1, n_features):
            X[i, :, f] += 0.5 * np.roll(bump, f)
    if regression:
        return X, position / max(length - 1, 1)
    return X, np.minimum(position * n_classes // length, n_classes - 1)


def _parse_query(source: str, query: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise DataError(f"source: cannot read the options of {source!r} ({exc})") from None
    options: dict[str, Any] = {}
    for key, text in pairs:
        if key in options:
            raise DataError(f"{key}: given twice in {source!r}")
        options[key] = _parse_value(text)
    return options


def _parse_value(text: str) -> Any:
    """A query-string value as a Python value: bool, None, int, float, list or the string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    if "," in text:
        return [_parse_value(part) for part in text.split(",")]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _generate(base: str, generator: Any, options: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series]:
    allowed = [p for p in inspect.signature(generator).parameters if p not in _GENERATOR_EXCLUDED]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise DataError(
            f"{unknown[0]}: not an option of {base}; options are {', '.join(sorted(allowed))}"
        )
    kwargs = {"random_state": 0, **options}
    try:
        X, y = generator(**kwargs)
    except (ValueError, TypeError) as exc:
        raise DataError(f"source: {base} refused its options: {exc}") from None
    if np.ndim(y) != 1:
        raise DataError(f"n_targets: {base} must make one target, got shape {np.shape(y)}")
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(np.shape(X)[1])])
    return frame, pd.Series(y, name="target")


def _read_file(path: Path) -> pd.DataFrame:
    if not path.exists():
        hint = f" (for the scikit-learn set write 'sklearn:{path}')" if _is_set_name(path) else ""
        raise DataError(f"source: file not found: {str(path)!r}{hint}")
    if not path.is_file():
        raise DataError(f"source: {str(path)!r} is not a file")
    suffix = path.suffix.lower()
    problem = file_suffix_problem(path)
    if problem is not None:
        raise DataError(problem, field="source")
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"source: file {str(path)!r} is empty") from None
    except ImportError as exc:
        raise DataError(f"source: reading {suffix} files needs pyarrow ({exc})") from None
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"source: cannot read {str(path)!r}: {exc}") from None


def _is_set_name(path: Path) -> bool:
    return str(path) in _BUNDLED or str(path) in _GENERATED


def _from_frame(
    frame: pd.DataFrame, target: str | None, task: Task | None, name: str, where: str
) -> Dataset:
    frame = _with_string_columns(frame, "the data")
    if target is None:
        if task != "clustering":
            raise DataError(
                f"{where} needs target=<column name> (columns: "
                f"{_column_list(frame)}), or task='clustering'",
                field="target",
            )
        return _build(frame.copy(), None, task, name)
    target = str(target)
    if target not in frame.columns:
        raise DataError(f"no column {target!r} in {where}; columns: {_column_list(frame)}", field="target")
    y = frame[target].copy()
    X = frame.drop(columns=[target])
    return _build(X, y, task or _infer_task(y, f"target {target!r}"), name)


def _flatten(X: Any) -> tuple[pd.DataFrame, tuple[int, ...] | None]:
    """2-D features as they are; an array of images (N, H, W) / (N, C, H, W) or sequences
    (N, steps, features) flattened to rows, with the shape of one sample."""
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return _as_frame(X), None
    try:
        array = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise DataError(f"X: cannot be read as an array ({exc})") from None
    if array.ndim in (3, 4) and array.shape[0] > 0:
        shape = tuple(int(s) for s in array.shape[1:])
        if min(shape) < 1:
            raise DataError(f"X: every sample dimension must be at least 1, got {array.shape}")
        return _as_frame(array.reshape(array.shape[0], -1)), shape
    return _as_frame(array), None


def _as_frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return _with_string_columns(X, "X").copy()
    if isinstance(X, pd.Series):
        raise DataError("X: is a Series; features must be 2-D (use series.to_frame())")
    try:
        array = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise DataError(f"X: cannot be read as an array ({exc})") from None
    if array.ndim != 2:
        raise DataError(f"X: must be 2-D (rows x features), 3-D (sequences or one-channel "
                        f"images) or 4-D (N, C, H, W images), got shape {array.shape}")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def _as_series(y: Any, X: pd.DataFrame) -> pd.Series | None:
    """``y`` aligned to ``X`` by position (as scikit-learn does), keeping its dtype and name."""
    if y is None:
        return None
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise DataError(f"y: must be one column, got {y.shape[1]}")
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        series = y
    else:
        array = np.asarray(y)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise DataError(f"y: must be 1-D (one target), got shape {array.shape}")
        series = pd.Series(array)
    if len(series) != len(X):
        raise DataError(f"y: has {len(series)} rows but X has {len(X)}")
    name = "target" if series.name is None else str(series.name)
    return series.set_axis(X.index).rename(name)


def _with_string_columns(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise DataError(f"columns: {what} has duplicated column names {duplicated}")
    return frame


def _column_list(frame: pd.DataFrame, limit: int = 30) -> str:
    names = [repr(c) for c in frame.columns[:limit]]
    more = len(frame.columns) - limit
    return ", ".join(names) + (f", ... ({more} more)" if more > 0 else "")


# -- checks ----------------------------------------------------------------------------------


def _infer_task(y: pd.Series, what: str) -> Task:
    """Classification for labels and few distinct integers, regression for other numbers."""
    dtype = y.dtype
    if (
        ptypes.is_bool_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
        or ptypes.is_object_dtype(dtype)
        or ptypes.is_string_dtype(dtype)
    ):
        return "classification"
    if ptypes.is_integer_dtype(dtype):
        return "classification" if y.nunique() <= MAX_INFERRED_CLASSES else "regression"
    if ptypes.is_float_dtype(dtype):
        return "regression"
    raise DataError(f"{what}: cannot infer the task from dtype {dtype}; pass task= explicitly")


def _build(X: pd.DataFrame, y: pd.Series | None, task: Task, name: str,
           sample_shape: tuple[int, ...] | None = None) -> Dataset:
    X = _with_string_columns(X, "X")
    if len(X) == 0:
        raise DataError("X: the data has no rows")
    if X.shape[1] == 0:
        raise DataError("X: the data has no feature columns")
    labels = None
    if task == "clustering":
        labels, y = y, None
        if labels is not None:
            _check_no_missing(labels, "labels")
    else:
        if y is None:
            raise DataError(f"a {task} data set needs a target", field="target")
        _check_target(y, task)
    for column in X.columns:
        _check_feature(X[column], str(column))
    return Dataset(X=X, y=y, task=task, name=str(name), labels=labels, sample_shape=sample_shape)


def _check_no_missing(series: pd.Series, what: str) -> None:
    missing = series.isna().to_numpy()
    if missing.any():
        rows = series.index[missing][:5].tolist()
        raise DataError(
            f"{what} {str(series.name)!r}: {int(missing.sum())} missing values (first rows "
            f"{rows}); drop or fill those rows"
        )


def _check_target(y: pd.Series, task: Task) -> None:
    what = f"target {str(y.name)!r}"
    _check_no_missing(y, "target")
    if task == "classification":
        n_classes = y.nunique()
        if n_classes < 2:
            raise DataError(
                f"{what}: classification needs at least 2 classes, got only {_plain(y.iloc[0])!r}"
            )
        if ptypes.is_float_dtype(y.dtype):
            values = y.to_numpy(dtype=float)
            if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
                raise DataError(
                    f"{what}: classification needs class labels, but the target holds "
                    f"continuous values ({n_classes} distinct); use task='regression'"
                )
    else:  # regression
        if ptypes.is_bool_dtype(y.dtype) or not ptypes.is_numeric_dtype(y.dtype):
            raise DataError(
                f"{what}: regression needs a numeric target, got dtype {y.dtype}; "
                "use task='classification'"
            )
        if not np.all(np.isfinite(y.to_numpy(dtype=float))):
            raise DataError(f"{what}: holds infinite values")


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _check_feature(column: pd.Series, name: str) -> None:
    dtype = column.dtype
    n_present = int(column.notna().sum())
    if n_present == 0:
        raise DataError(f"column {name!r}: every value is missing; drop the column")
    if ptypes.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return
    if ptypes.is_numeric_dtype(dtype) and not ptypes.is_complex_dtype(dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(values).any():
            raise DataError(f"column {name!r}: holds infinite values")
        return
    if ptypes.is_object_dtype(dtype) or ptypes.is_string_dtype(dtype):
        try:
            n_unique = column.nunique()
        except TypeError:
            raise DataError(
                f"column {name!r}: holds values that are not labels (lists, dicts, ...)"
            ) from None
        if n_unique > FREE_TEXT_MIN_UNIQUE and n_unique > FREE_TEXT_UNIQUE_FRACTION * n_present:
            raise DataError(
                f"column {name!r}: looks like free text or an identifier ({n_unique} distinct "
                f"values in {n_present} rows), which one-hot encoding cannot use; drop it or "
                "turn it into features first"
            )
        return
    raise DataError(
        f"column {name!r}: dtype {dtype} is not supported; convert it to numbers or labels"
    )
