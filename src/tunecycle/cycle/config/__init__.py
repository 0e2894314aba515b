"""A tuning cycle described in a YAML file: ``tunecycle run cycle.yaml``.

``load_config(path)`` reads and checks a config; ``run_config(cfg)`` runs it through
:func:`~tunecycle.cycle.runner.tune`.  Every mistake is found before any work starts (before a
storage is opened, data loaded or a model fitted) and reported together as one
:class:`ConfigError` whose message lists each problem as ``path: reason``, joined with ``'; '``
(``study.n_trials: must be a positive integer, got 0; models.svm.C: ...``).

```yaml
study:                        # all optional
  name: iris-knn              # default: <data name>-<families>
  storage: sqlite:///tuning.db  # default: in memory (lost on exit)
  sampler: auto               # auto, tpe, gp, cmaes, random, qmc, grid
  pruner: null                # none
  n_trials: 30                # the study holds this many finished trials at the end
                              # (with time_budget and no n_trials: no limit)
  timeout: null               # seconds
  time_budget: null           # the whole cycle's clock: 600, "90s", "10m", "1h30m"
  seed: 0
  warm_start: [sqlite:///tuning.db::iris-knn-v1]  # optional: earlier studies that inform the
                              # sampler (storage-url::name, or a name in study.storage)
data:
  source: sklearn:iris        # or a .csv/.parquet path, or {source: sklearn:make_blobs, n_samples: 300},
                              # or synthetic:sequences (a seeded sequence task for rnn/transformer)
  target: null                # the target column of a file
  task: null                  # classification, regression or clustering (default: inferred)
split:
  test_size: 0.2
  validation: {kind: kfold, folds: 5}     # or {kind: holdout, ratio: 0.2}; stratified: true
metric: accuracy              # default: the task's first metric (or the first objective)
objectives: [accuracy, latency_ms]  # optional: the metric first, then any of latency_ms,
                              # model_size_kb, n_parameters, fit_time_s (each minimised)
constraints:                  # optional, on the metric or any measure, objective or not
  model_size_kb: {max: 500}   # {max: x}, {min: y} or both
select: accuracy              # several objectives: the front member saved (an objective,
                              # or weights {accuracy: 1, latency_ms: 0.5}); default: the metric
front_size: 10                # front members refitted and tested (best metric first)
models:                       # a list of family names, or family -> overrides
  knn: {n_neighbors: {type: int, low: 1, high: 20}, p: null}
  svm: {C: {type: float, low: 0.1, high: 10, log: true}, kernel: [rbf, linear]}
output:
  dir: model                  # where the refitted best model goes (default: not saved)
ensemble:                     # optional (default: none); not for clustering
  kind: voting                # voting, stacking or selection (`ensemble: voting` for short)
  size: 5                     # the best distinct trials it is built from
  keep: best                  # what output.dir gets: best (the single model) or ensemble
tracking:                     # optional: experiment trackers (each needs its extra installed)
  mlflow: {tracking_uri: "sqlite:///mlruns.db", experiment: digits}   # + nest_trials, tags,
                              # artifact_location, metric_name; the refitted model and test
                              # metrics go to a run <study>-final
  tensorboard: {log_dir: tb}  # + metric_name
  wandb: {project: digits, mode: offline}   # + entity, dir, tags, metric_name
```

An override is a spec dict (as in a YAML space file), a list (a categorical), a single value
(fixed) or ``null`` (dropped: the estimator's default applies).  A network family also takes
``init_from`` (a saved network to fine-tune) and ``freeze``, an mlp ``units_0``, ``units_1``,
... (one width per layer); these are judged together with the other overrides.  Relative
paths (data file, SQLite file, output, ``init_from``) are relative to the working directory,
as on the command line.  ``study.resources_per_trial`` (``{cpu: 1, gpu: 0.25}``) goes with
``backend: ray``.

What is checked up front, beyond the types and ranges of each field and unknown keys (every
section is strict): the sampler and pruner names, the study name's length, the storage URL's
form (``tunecycle.storage.parse_storage_url``; an SQLite file's directory must exist), the data source (a scikit-learn set name, or a file that exists, with a
readable suffix and the target column in its header: only the header is read), the metric for
the task, each family for the task, and each override through ``family_space`` (which reads
the checkpoint ``init_from`` names: its family, task and blocks), and that the library of each
tracker named under ``tracking`` is installed (else the extra to install).  When the task
is neither given nor known from a scikit-learn set, the metric's own task stands in for it; with
no metric either, an override must fit one of the family's tasks.  ``objectives``,
``constraints``, ``select`` and ``front_size`` are checked by the rules of
:mod:`tunecycle.cycle.objectives` (known names, numeric bounds with min <= max, a family that
has a parameter count), and several objectives need a sampler that takes them and no pruner
(``study.pruner``) or ensemble.
What only the data can tell
(a class too small for the folds, a free-text column) is still found by ``tune``.

The package, one module a part: ``sections`` (the pydantic models, ``ConfigError``),
``loading`` (YAML and plain data to a checked config), ``checks`` (what needs more than one
field), ``data_check`` (the data section), ``tracking`` (the trackers' check and callbacks),
``to_spec`` (the ``TuneSpec``), ``running`` (``run_config``).  This module only names them.
"""

from tunecycle.cycle.config.checks import check_config
from tunecycle.cycle.config.loading import load_config, parse_config
from tunecycle.cycle.config.running import run_config
from tunecycle.cycle.config.sections import (
    BoundSection,
    ConfigError,
    CycleConfig,
    DataSection,
    EnsembleSection,
    MlflowSection,
    OutputSection,
    Problem,
    SplitSection,
    StudySection,
    TensorBoardSection,
    TrackingSection,
    ValidationSection,
    WandbSection,
)
from tunecycle.cycle.config.to_spec import config_spec
from tunecycle.cycle.config.tracking import make_trackers

__all__ = [
    "BoundSection", "ConfigError", "CycleConfig", "DataSection", "EnsembleSection",
    "MlflowSection", "OutputSection", "Problem", "SplitSection", "StudySection",
    "TensorBoardSection", "TrackingSection", "ValidationSection", "WandbSection",
    "check_config", "config_spec", "load_config", "make_trackers", "parse_config", "run_config",
]
