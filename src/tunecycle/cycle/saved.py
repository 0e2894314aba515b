"""Saving a cycle's model and :func:`load_model`, which reads any saved model back.

The files and how they are read and written are :mod:`tunecycle.cycle.persist`'s (the bottom
floor of the cycle); this module only asks the model's family for its code-free copy: a
family with one (``Family.code_free``: the networks) writes it beside the pickle
(``save_files``) and reads it back (``load_files``), without running code from the files.

:func:`load_model` reads the code-free files when they describe the whole model (a network
saved by its own ``save``) and the joblib pickle otherwise; ``allow_pickle=False`` refuses a
pickle (a cycle's pipeline has no other form: its fitted preprocessing is a pickle only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunecycle.cycle.families import FAMILIES, Family, get_family
from tunecycle.cycle.persist import (  # noqa: F401 - re-exported: the names of the files
    CYCLE_BASE,
    JOBLIB_SUFFIX,
    NETWORK_FORMAT,
    NETWORK_SUFFIX,
    NETWORK_VERSION,
    WEIGHTS_SUFFIX,
    SavedFiles,
    file_sha256,
    network_doc,
    read_pickle,
    saved_files,
    with_training_columns,
    write_saved,
)


def _code_free_families() -> list[str]:
    return [name for name, family in FAMILIES.items() if family.code_free]


def load_model(path: str | Path, *, allow_pickle: bool = True) -> Any:
    """The model saved by a cycle (``output_dir``, its ``model.joblib``) or by a network's
    ``save`` (its ``.joblib`` or ``.net.json`` path): a fitted pipeline, ensemble or network,
    ready to ``predict``; networks come back on the CPU.

    A network saved on its own loads from its JSON and weights files, running no code from
    them.  Everything else loads from the joblib file, a pickle: **only load files you
    trust**.  ``allow_pickle=False`` raises ``UserError`` instead of reading a pickle."""
    files = saved_files(path)
    doc = network_doc(files, _code_free_families())
    if doc is not None and not doc.get("in_pipeline"):
        return get_family(doc["arguments"]["family"]).load_files(files, doc)
    return read_pickle(files, doc, allow_pickle)


def save_model(output_dir: str | Path, model: Any, summary: dict[str, Any],
               family: Family | None = None) -> Path:
    """Write ``model.joblib`` (``model`` with ``summary``), ``summary.json`` and, when
    ``family`` (the family of ``model``; None for an ensemble) has a code-free form, its
    files; stale code-free files of an earlier save in the same dir are removed.  Returns the
    joblib path."""
    files = write_saved(output_dir, model, summary)
    if family is not None:
        family.save_files(model, files)
    return files.joblib
