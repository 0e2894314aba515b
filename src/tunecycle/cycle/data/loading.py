"""``load_data``: which kind of source it is given (a mapping with options, a scikit-learn or
synthetic set, a file, a DataFrame, ``(X, y)``, a bare array) and the module that reads it.

Not here: reading each kind (``sklearn_sets``, ``synthetic``, ``files``, ``frames``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tunecycle.cycle.data.checks import _build, _infer_task
from tunecycle.cycle.data.dataset import TASKS, Dataset, Task
from tunecycle.cycle.data.files import _read_file
from tunecycle.cycle.data.frames import _as_frame, _as_series, _flatten, _from_frame
from tunecycle.cycle.data.sklearn_sets import _load_sklearn
from tunecycle.cycle.data.synthetic import _load_synthetic
from tunecycle.cycle.errors import DataError

_MAPPING_KEYS = ("target", "task", "name")


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
