"""Saved models on disk, the bottom floor of the cycle: the file layout, pickles, hashes, and
the code-free form's JSON document.  No model family and no torch here: a family that has a
code-free form (the networks) writes and reads its own files through
:class:`~tunecycle.cycle.families.Family` (``save_files`` / ``load_files``), and
:mod:`tunecycle.cycle.saved` (``load_model``, ``save_model``) asks the family.

The files of one saved model share a base name: ``model`` inside a cycle's output dir, ``net``
for ``est.save("net.joblib")``:

- ``<base>.joblib``: the fitted model (a pipeline, an ensemble, a network) and its summary, as
  a joblib **pickle**: loading it runs code named in the file, so load only files you trust.
- ``<base>.net.json`` and ``<base>.weights.pt``, when the model is a network or a pipeline
  that ends in one (not for an ensemble): the network's constructor arguments, configuration
  and fitted attributes as JSON, and its weights as a state dict of tensors.  They are read
  with ``json`` and ``torch.load(weights_only=True)`` (torch's restricted loader, which builds
  only tensors and plain containers), so reading them runs no code from the files.  The JSON
  records the SHA-256 of both other files: a weights file that does not match is refused, and a
  joblib file rewritten since (a stale pair) makes the joblib file win.
- ``summary.json`` (the cycle): the family, params and test metrics.

A cycle's pipeline cannot load without pickle: its preprocessing (the fitted scikit-learn
``ColumnTransformer`` with its imputers, scaler and one-hot encoder, and the training columns)
is saved only in the joblib file; ``allow_pickle=False`` refuses it instead (:func:`read_pickle`).

A pipeline saved before the first ``"columns"`` step existed (:class:`TrainingColumns`) gets one
when it is loaded, built from its fitted ``ColumnTransformer``, so it predicts on arrays too.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunecycle.cycle.preprocess import COLUMNS_STEP, PREPROCESS_STEP, TrainingColumns
from tunecycle.errors import UserError

log = logging.getLogger(__name__)

JOBLIB_SUFFIX = ".joblib"
NETWORK_SUFFIX = ".net.json"
WEIGHTS_SUFFIX = ".weights.pt"
#: the base name of the files in a cycle's output dir
CYCLE_BASE = "model"
#: what a network's JSON file says it is, and the version of its layout
NETWORK_FORMAT = "tunecycle-network"
NETWORK_VERSION = 1


@dataclass(frozen=True)
class SavedFiles:
    """The paths of one saved model's files (they need not exist)."""

    joblib: Path
    network: Path
    weights: Path


def saved_files(path: str | Path) -> SavedFiles:
    """The files that ``path`` stands for: a cycle's output dir (``model.*`` inside), a
    ``.joblib`` file or a ``.net.json`` file (the same base), or any other file name (the
    network files are then that name plus ``.net.json`` / ``.weights.pt``)."""
    p = Path(path).expanduser()
    if p.is_dir():
        base = p / CYCLE_BASE
    elif p.name.endswith(NETWORK_SUFFIX):
        base = p.with_name(p.name[: -len(NETWORK_SUFFIX)])
    elif p.suffix == JOBLIB_SUFFIX:
        base = p.with_name(p.name[: -len(JOBLIB_SUFFIX)])
    else:
        return SavedFiles(p, p.with_name(p.name + NETWORK_SUFFIX),
                          p.with_name(p.name + WEIGHTS_SUFFIX))
    return SavedFiles(base.with_name(base.name + JOBLIB_SUFFIX),
                      base.with_name(base.name + NETWORK_SUFFIX),
                      base.with_name(base.name + WEIGHTS_SUFFIX))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def network_doc(files: SavedFiles, families: Collection[str]) -> dict[str, Any] | None:
    """The parsed code-free JSON of ``files`` (its ``arguments.family`` one of ``families``,
    those that read such files), or None when there is none or it is stale (the joblib file
    beside it was rewritten after it).  Raises ``UserError`` for a damaged one."""
    if not files.network.is_file():
        return None
    where = str(files.network)
    try:
        doc = json.loads(files.network.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"load_model: cannot read {where!r} ({type(exc).__name__}: {exc})"
                        ) from None
    if not (isinstance(doc, dict) and doc.get("format") == NETWORK_FORMAT
            and doc.get("version") == NETWORK_VERSION and isinstance(doc.get("arguments"), dict)
            and doc["arguments"].get("family") in families):
        raise UserError(f"load_model: {where!r} is not a tunecycle network file (version 1)")
    if not files.weights.is_file():
        raise UserError(f"load_model: {where!r} needs its weights {str(files.weights)!r}, "
                        "which is missing")
    known = doc.get("joblib_sha256")
    if known and files.joblib.is_file() and file_sha256(files.joblib) != known:
        log.warning("%s was written for another %s; reading the joblib file", where,
                    files.joblib.name)
        return None
    return doc


def read_pickle(files: SavedFiles, doc: dict[str, Any] | None, allow_pickle: bool) -> Any:
    """The model in ``files.joblib`` (``doc``: the code-free document beside it, if any, which
    only changes what a refusal says).  Raises ``UserError`` when it is missing, or when
    ``allow_pickle`` is False (a pickle runs code named in the file)."""
    if not files.joblib.is_file():
        if doc is not None:
            raise UserError(f"load_model: {str(files.network)!r} is the network of a pipeline "
                            f"whose preprocessing is saved in {str(files.joblib)!r}, which is "
                            "missing")
        raise UserError(f"load_model: no saved model at {str(files.joblib)!r}")
    if not allow_pickle:
        why = ("its preprocessing (a fitted scikit-learn ColumnTransformer) is saved only "
               "in the pickle" if doc is not None else "there is no pickle-free copy of it")
        raise UserError(f"load_model: {str(files.joblib)!r} is a pickle and allow_pickle is "
                        f"False; {why}")
    return _read_joblib(files.joblib)


def _read_joblib(path: Path) -> Any:
    import joblib

    try:
        payload = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file: one clear message
        raise UserError(f"load_model: cannot read {str(path)!r} ({type(exc).__name__}: {exc})"
                        ) from None
    model = payload["model"] if isinstance(payload, dict) and "model" in payload else payload
    return with_training_columns(model)


def with_training_columns(model: Any) -> Any:
    """``model`` with a fitted ``"columns"`` step in front of every cycle pipeline in it (itself,
    an ensemble's members) that was saved without one; changed in place."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        name, first = model.steps[0]
        if (name == PREPROCESS_STEP and isinstance(first, ColumnTransformer)
                and hasattr(first, "feature_names_in_") and hasattr(first, "transformers_")):
            numeric = [c for part, _, cols in first.transformers_ if part == "numeric"
                       for c in cols]
            step = TrainingColumns.fitted(first.feature_names_in_, numeric)
            model.steps.insert(0, (COLUMNS_STEP, step))
        return model
    for member in list(getattr(model, "estimators_", None) or []) + list(
            getattr(model, "members", None) or []):
        with_training_columns(member)
    return model


def write_saved(output_dir: str | Path, model: Any, summary: dict[str, Any]) -> SavedFiles:
    """Write ``model.joblib`` (``model`` with ``summary``) and ``summary.json`` into
    ``output_dir``, removing the code-free files of an earlier save there (the model's family
    writes its own afterwards, if it has a code-free form).  Returns the files."""
    import joblib

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = saved_files(out)
    for stale in (files.network, files.weights):
        stale.unlink(missing_ok=True)
    joblib.dump({"model": model, **summary}, files.joblib)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    return files


def training_columns(model: Any) -> list[str] | None:
    """The training columns of a cycle pipeline (its first step's ``feature_names_in_``), None
    for a model that is not a pipeline."""
    if not hasattr(model, "steps"):
        return None
    first = model.steps[0][1]
    return [str(c) for c in getattr(first, "feature_names_in_", [])]
