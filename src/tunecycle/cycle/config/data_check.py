"""The check of a cycle config's ``data`` section without loading the data: a scikit-learn set
or synthetic set by name, or a file that exists with a readable suffix and the target column
in its header (only the header is read); and the task the data will have, when it is known.

Not here: loading the data (``tunecycle.cycle.data``, which finds what only the data tells).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tunecycle.cycle.config.sections import CycleConfig, Problem
from tunecycle.cycle.data.dataset import TASKS
from tunecycle.cycle.data.files import file_suffix_problem
from tunecycle.cycle.data.sklearn_sets import sklearn_set_task
from tunecycle.cycle.data.synthetic import SYNTHETIC
from tunecycle.cycle.errors import DataError


def _check_data(cfg: CycleConfig) -> tuple[str | None, list[Problem]]:
    """The task the data will have (when it is known without loading it), and problems."""
    d = cfg.data
    source = d.source["source"] if isinstance(d.source, Mapping) else d.source
    extra = ({k: v for k, v in d.source.items() if k != "source"}
             if isinstance(d.source, Mapping) else {})
    task = d.task or extra.get("task")
    if "task" in extra and extra["task"] not in TASKS:
        return None, [("data.source.task", f"{extra['task']!r} is not one of {', '.join(TASKS)}")]
    target = d.target or extra.get("target")
    if source.startswith("sklearn:"):
        name = source[len("sklearn:"):].partition("?")[0]
        try:
            known_task = sklearn_set_task(name)
        except DataError as exc:
            return None, [("data.source", exc.problem)]
        if target is not None:
            return None, [("data.target", f"sklearn:{name} comes with its own target; "
                                          "leave target out")]
        return task or known_task, []

    if source.startswith("synthetic:"):
        name = source[len("synthetic:"):].partition("?")[0]
        if name not in SYNTHETIC:
            listed = ", ".join(f"synthetic:{k}" for k in SYNTHETIC)
            return None, [("data.source", f"unknown synthetic set {name!r}; known: {listed}")]
        if target is not None:
            return None, [("data.target", f"synthetic:{name} comes with its own target; "
                                          "leave target out")]
        return task or "classification", []

    path = Path(source).expanduser()
    where = "data.source"
    if extra.keys() - {"task", "target", "name"}:
        return task, [(where, "options apply to generated scikit-learn sets only, not to "
                              f"files: {', '.join(sorted(extra.keys() - {'task', 'target', 'name'}))}")]
    if not path.exists():
        return task, [(where, f"file not found: {str(path)!r}")]
    if not path.is_file():
        return task, [(where, f"{str(path)!r} is not a file")]
    if (why := file_suffix_problem(path)) is not None:
        return task, [(where, why)]
    if target is None:
        if task != "clustering":
            return task, [("data.target", "a data file needs target: <column name> (or "
                                          "task: clustering)")]
        return task, []
    columns = _columns(path)
    if columns is not None and str(target) not in columns:
        shown = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
        return task, [("data.target", f"no column {target!r} in {str(path)!r}; columns: {shown}")]
    return task, []


def _columns(path: Path) -> list[str] | None:
    """The column names of a data file, from its header only (None if that cannot be read)."""
    try:
        if path.suffix.lower() == ".csv":
            import pandas as pd

            return [str(c) for c in pd.read_csv(path, nrows=0).columns]
        import pyarrow.parquet as pq

        return [str(c) for c in pq.read_schema(path).names]
    except Exception:  # noqa: BLE001 - unreadable here: load_data will say why, with the path
        return None
