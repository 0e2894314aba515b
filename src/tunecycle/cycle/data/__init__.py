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

The package, one module a part: ``dataset`` (the record, the tasks), ``loading``
(``load_data``), ``sklearn_sets``, ``synthetic``, ``files``, ``frames`` (DataFrames and arrays),
``query`` (query-string options) and ``checks``.  This module only names them.
"""

from tunecycle.cycle.data.checks import (
    FREE_TEXT_MIN_UNIQUE,
    FREE_TEXT_UNIQUE_FRACTION,
    MAX_INFERRED_CLASSES,
)
from tunecycle.cycle.data.dataset import TASKS, Dataset, Task
from tunecycle.cycle.data.files import FILE_SUFFIXES, file_suffix_problem
from tunecycle.cycle.data.loading import load_data
from tunecycle.cycle.data.sklearn_sets import sklearn_set_task
from tunecycle.cycle.data.synthetic import SYNTHETIC, sequences

__all__ = [
    "FILE_SUFFIXES", "FREE_TEXT_MIN_UNIQUE", "FREE_TEXT_UNIQUE_FRACTION", "MAX_INFERRED_CLASSES",
    "SYNTHETIC", "TASKS", "Dataset", "Task", "file_suffix_problem", "load_data", "sequences",
    "sklearn_set_task",
]
