"""tunecycle: hyperparameter tuning for machine-learning and deep-learning models.

    import tunecycle as tc

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        return (x - 2) ** 2

    study = tc.create_study(storage="sqlite:///tuning.db", name="demo", load_if_exists=True)
    study.optimize(objective, n_trials=50)
    print(study.best_params)

Importing this package loads the engine only; scikit-learn, PyTorch, Ray and plotting load when
the parts that need them are used.
"""

from __future__ import annotations

from tunecycle.api import create_study, delete_study, list_studies, load_study
from tunecycle.errors import (
    ConsecutiveFailuresError,
    DuplicatedStudyError,
    SearchSpaceExhausted,
    SpaceError,
    StudyNotFoundError,
    TrialPruned,
    TunecycleError,
    UserError,
)
from tunecycle.protocols import History, Pruner, Sampler
from tunecycle.records import Direction, FrozenTrial, StudySummary, TrialState
from tunecycle.space import Categorical, Float, Int, Space
from tunecycle.study import Study
from tunecycle.trial import Trial

# No NullHandler on the "tunecycle" logger: without any logging set-up, its warnings (a failed
# trial and its reason, an outage of the store) reach stderr through Python's last-resort
# handler, so that failures are never silent; INFO and DEBUG stay quiet.  One setting silences
# them: logging.getLogger("tunecycle").setLevel(logging.ERROR).

_SAMPLER_CLASSES = {
    "AutoSampler", "CmaEsSampler", "GPSampler", "GridSampler", "QMCSampler", "RandomSampler",
    "TPESampler",
}


def __getattr__(name: str) -> object:  # samplers and the cycle load on first use
    if name == "storages":  # Optuna's optuna.storages (needs SQLAlchemy)
        import importlib

        return importlib.import_module("tunecycle.storages")
    if name in _SAMPLER_CLASSES:
        from tunecycle import samplers

        return getattr(samplers, name)
    if name == "tune":  # the tuning cycle needs scikit-learn (pip install 'tunecycle[ml]')
        from tunecycle.cycle.runner import tune

        return tune
    if name == "load_model":
        from tunecycle.cycle.saved import load_model

        return load_model
    if name == "TuneSearchCV":
        from tunecycle.cycle.search_cv import TuneSearchCV

        return TuneSearchCV
    raise AttributeError(f"module 'tunecycle' has no attribute {name!r}")

__version__ = "0.1.0"

__all__ = [
    "AutoSampler",
    "Categorical",
    "CmaEsSampler",
    "ConsecutiveFailuresError",
    "Direction",
    "DuplicatedStudyError",
    "Float",
    "FrozenTrial",
    "GPSampler",
    "GridSampler",
    "History",
    "Int",
    "Pruner",
    "QMCSampler",
    "RandomSampler",
    "Sampler",
    "SearchSpaceExhausted",
    "Space",
    "SpaceError",
    "Study",
    "StudyNotFoundError",
    "StudySummary",
    "TPESampler",
    "Trial",
    "TrialPruned",
    "TrialState",
    "TuneSearchCV",
    "TunecycleError",
    "UserError",
    "create_study",
    "delete_study",
    "list_studies",
    "load_model",
    "load_study",
    "tune",
]
