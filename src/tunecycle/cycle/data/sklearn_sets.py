"""scikit-learn's data sets by name: the bundled ones (offline) and the generators with their
options (``random_state=0`` by default); the task of a set, known without loading it.

Not here: the checks of the loaded data (``checks``).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pandas as pd
from sklearn import datasets as skdatasets

from tunecycle.cycle.data.dataset import Task
from tunecycle.cycle.data.query import _parse_query
from tunecycle.cycle.errors import DataError

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


_GENERATOR_EXCLUDED = {"coef", "return_centers"}


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
