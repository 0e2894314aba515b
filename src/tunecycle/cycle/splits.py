"""Splitting a data set: the held-out test part, and the validation scheme of the search part.

- :func:`split_test` cuts a :class:`~tunecycle.cycle.data.Dataset` once into a *search* part
  (what the tuner may see) and a *test* part (locked away until the final test); stratified
  for classification.
- :class:`Validation` describes how the search part is split for each trial: one holdout split
  with a validation ``ratio`` (which may itself be a value the tuner proposes), or ``folds``
  k-fold splits; stratified by class for classification unless ``stratified=False``.
- :func:`validation_splits` turns a scheme into ``(train_positions, valid_positions)`` pairs
  of sorted integer arrays (positions, for ``Dataset.take`` or ``.iloc``).

Every split is made by scikit-learn's splitters (``train_test_split``, ``KFold``,
``StratifiedKFold``) with an explicit seed: an ``int`` or a ``numpy.random.Generator`` (one
integer is drawn from it).  The same seed gives the same split.  Before splitting, the sizes are
checked so that a split that cannot work (too few rows, a class too small to appear on both
sides) raises a :class:`~tunecycle.cycle.errors.DataError` naming the parameter to change,
instead of an error from deep inside scikit-learn.

Deliberately not here: no fitting or preprocessing, no repeated or grouped or time-series
schemes (yet), and no decision about which scheme suits a data set: the caller chooses.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from tunecycle.cycle.data.dataset import Dataset
from tunecycle.cycle.errors import DataError

Seed = int | np.random.Generator
Split = tuple[np.ndarray, np.ndarray]
_KINDS = ("holdout", "kfold")


@dataclass(frozen=True)
class Validation:
    """How the search part is split for each trial.

    ``kind="holdout"``: one split, ``ratio`` of the rows for validation.  ``kind="kfold"``:
    ``folds`` splits, each row validated once.  ``stratified`` keeps class proportions in every
    split of a classification set (ignored for other tasks).  Values are checked when built.
    """

    kind: Literal["holdout", "kfold"]
    ratio: float = 0.2
    folds: int = 5
    stratified: bool = True

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise DataError(f"kind: {self.kind!r} is not one of {', '.join(_KINDS)}")
        object.__setattr__(self, "ratio", _fraction(self.ratio, "ratio"))
        folds = self.folds
        if isinstance(folds, bool) or not isinstance(folds, numbers.Integral):
            raise DataError(f"folds: must be an integer, got {folds!r}")
        if folds < 2:
            raise DataError(f"folds: k-fold needs at least 2 folds, got {folds}")
        object.__setattr__(self, "folds", int(folds))
        if not isinstance(self.stratified, (bool, np.bool_)):
            raise DataError(f"stratified: must be True or False, got {self.stratified!r}")
        object.__setattr__(self, "stratified", bool(self.stratified))

    @property
    def n_splits(self) -> int:
        """How many (train, valid) pairs the scheme makes: 1 for holdout, ``folds`` for k-fold."""
        return 1 if self.kind == "holdout" else self.folds


def split_test(ds: Dataset, test_size: float = 0.2, seed: Seed = 0) -> tuple[Dataset, Dataset]:
    """``(search, test)``: ``test_size`` of the rows held out, stratified for classification.

    Both parts keep the name, task and the original row index of ``ds``.
    """
    size = _fraction(test_size, "test_size")
    stratify = ds.y if ds.task == "classification" else None
    search, test = _holdout(ds, size, _as_seed(seed), stratify, "test_size", "test")
    return ds.take(search), ds.take(test)


def validation_splits(ds: Dataset, scheme: Validation, seed: Seed) -> list[Split]:
    """The ``(train_positions, valid_positions)`` pairs of ``scheme`` over ``ds``."""
    if not isinstance(scheme, Validation):
        raise DataError(f"scheme: must be a Validation, got {type(scheme).__name__}")
    state = _as_seed(seed)
    stratify = ds.y if scheme.stratified and ds.task == "classification" else None
    if scheme.kind == "holdout":
        return [_holdout(ds, scheme.ratio, state, stratify, "ratio", "validation")]

    n = ds.n_samples
    if scheme.folds > n:
        raise DataError(f"folds: {scheme.folds} folds need at least as many rows; there are {n}")
    placeholder = np.zeros((n, 1))
    if stratify is None:
        splitter = KFold(n_splits=scheme.folds, shuffle=True, random_state=state)
        pairs = splitter.split(placeholder)
    else:
        counts = _class_counts(stratify)
        if counts.min() < scheme.folds:
            raise DataError(
                f"folds: {scheme.folds} stratified folds need at least {scheme.folds} rows of "
                f"each class, but class {_plain(counts.idxmin())!r} has {int(counts.min())}; "
                "lower folds or use holdout"
            )
        splitter = StratifiedKFold(n_splits=scheme.folds, shuffle=True, random_state=state)
        pairs = splitter.split(placeholder, stratify.to_numpy())
    return [(np.asarray(tr, dtype=np.intp), np.asarray(va, dtype=np.intp)) for tr, va in pairs]


# -- helpers ---------------------------------------------------------------------------------


def _holdout(
    ds: Dataset,
    size: float,
    state: int,
    stratify: pd.Series | None,
    field: str,
    part: str,
) -> Split:
    """Sorted (kept, held-out) positions; ``size`` of the rows held out.  Checks sizes first."""
    n = ds.n_samples
    n_out = math.ceil(size * n)  # how train_test_split sizes a float test_size
    n_in = n - n_out
    if n_out < 1 or n_in < 1:
        raise DataError(
            f"{field}: {size} of {n} rows leaves {n_in} rows to keep and {n_out} for the "
            f"{part} part; both need at least one"
        )
    if stratify is not None:
        counts = _class_counts(stratify)
        if counts.min() < 2:
            raise DataError(
                f"{field}: a stratified {part} split needs at least 2 rows of each class, but "
                f"class {_plain(counts.idxmin())!r} has {int(counts.min())}"
            )
        n_classes = len(counts)
        if n_out < n_classes or n_in < n_classes:
            raise DataError(
                f"{field}: {size} of {n} rows gives {n_out} rows to the {part} part and "
                f"{n_in} to the rest, but a stratified split needs at least one row of each of "
                f"the {n_classes} classes on both sides"
            )
    kept, held = train_test_split(
        np.arange(n),
        test_size=size,
        random_state=state,
        shuffle=True,
        stratify=None if stratify is None else stratify.to_numpy(),
    )
    return np.sort(kept).astype(np.intp), np.sort(held).astype(np.intp)


def _class_counts(y: pd.Series) -> pd.Series:
    """Rows per class present in ``y`` (unused categories of a categorical are not classes)."""
    counts = y.value_counts()
    return counts[counts > 0]


def _fraction(value: object, field: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise DataError(f"{field}: must be a number between 0 and 1, got {value!r}")
    fraction = float(value)
    if not 0.0 < fraction < 1.0:
        raise DataError(f"{field}: must be strictly between 0 and 1, got {fraction}")
    return fraction


def _as_seed(seed: Seed) -> int:
    """An int ``random_state`` for scikit-learn; a Generator gives one draw."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**31 - 1))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise DataError(
            f"seed: must be an int or a numpy.random.Generator, got {type(seed).__name__}"
        )
    if not 0 <= seed < 2**32:
        raise DataError(f"seed: must be in [0, 2**32), got {seed}")
    return int(seed)


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
