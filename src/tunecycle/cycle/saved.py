"""Saved models: what the cycle (``tune(output_dir=...)``) and a network's ``save`` write, and
:func:`load_model`, which reads them back.

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

:func:`load_model` reads the code-free files when they describe the whole model (a network
saved by its own ``save``) and the joblib file otherwise.  A cycle's pipeline cannot load
without pickle: its preprocessing (the fitted scikit-learn ``ColumnTransformer`` with its
imputers, scaler and one-hot encoder, and the training columns) is saved only in the joblib
file; ``allow_pickle=False`` refuses it instead.  Transfer learning (``init_from``) needs only
the network, so :func:`load_checkpoint` reads the code-free files whenever they are there.

A pipeline saved before the first ``"columns"`` step existed (:class:`TrainingColumns`) gets one
when it is loaded, built from its fitted ``ColumnTransformer``, so it predicts on arrays too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
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


def network_doc(files: SavedFiles) -> dict[str, Any] | None:
    """The parsed network JSON of ``files``, or None when there is none or it is stale (the
    joblib file beside it was rewritten after it).  Raises ``UserError`` for a damaged one."""
    if not files.network.is_file():
        return None
    where = str(files.network)
    try:
        doc = json.loads(files.network.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"load_model: cannot read {where!r} ({type(exc).__name__}: {exc})"
                        ) from None
    from tunecycle.cycle.deep.spaces import DEEP_NAMES  # torch-free

    if not (isinstance(doc, dict) and doc.get("format") == NETWORK_FORMAT
            and doc.get("version") == NETWORK_VERSION and isinstance(doc.get("arguments"), dict)
            and doc["arguments"].get("family") in DEEP_NAMES):
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


def load_model(path: str | Path, *, allow_pickle: bool = True) -> Any:
    """The model saved by a cycle (``output_dir``, its ``model.joblib``) or by a network's
    ``save`` (its ``.joblib`` or ``.net.json`` path): a fitted pipeline, ensemble or network,
    ready to ``predict``; networks come back on the CPU.

    A network saved on its own loads from its JSON and weights files, running no code from
    them.  Everything else loads from the joblib file, a pickle: **only load files you
    trust**.  ``allow_pickle=False`` raises ``UserError`` instead of reading a pickle."""
    files = saved_files(path)
    doc = network_doc(files)
    if doc is not None and not doc.get("in_pipeline"):
        from tunecycle.cycle.deep.estimator import read_network

        return read_network(files, doc)
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


def load_checkpoint(path: str | Path) -> Any:
    """The network to start transfer learning from: read from the network's JSON and weights
    files when they are there (no pickle, even when it ends a pipeline), else
    :func:`load_model`."""
    files = saved_files(path)
    doc = network_doc(files)
    if doc is not None:
        from tunecycle.cycle.deep.estimator import read_network

        return read_network(files, doc)
    return load_model(path)


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


def network_of(model: Any) -> Any:
    """The tunecycle network ``model`` is or ends in (None for anything else).  Looks only
    when the network module is loaded, which it is whenever a network exists."""
    estimator = sys.modules.get("tunecycle.cycle.deep.estimator")
    if estimator is None:
        return None
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    return final if isinstance(final, estimator._NetEstimator) else None


def save_model(output_dir: str | Path, model: Any, summary: dict[str, Any]) -> Path:
    """Write ``model.joblib`` (``model`` with ``summary``), ``summary.json`` and, when
    ``model`` is or ends in a network, its code-free files; stale network files of an earlier
    save in the same dir are removed.  Returns the joblib path."""
    import joblib

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = saved_files(out)
    for stale in (files.network, files.weights):
        stale.unlink(missing_ok=True)
    joblib.dump({"model": model, **summary}, files.joblib)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    net = network_of(model)
    if net is not None:
        from tunecycle.cycle.deep.estimator import write_network

        columns = None  # a network on its own; in a pipeline, its training columns
        if hasattr(model, "steps"):
            first = model.steps[0][1]
            columns = [str(c) for c in getattr(first, "feature_names_in_", [])]
        write_network(net, files, columns=columns)
    return files.joblib
