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

Optuna's top-level names work too (``import tunecycle as optuna``): ``create_study(study_name=,
...)``, ``load_study``, ``delete_study``, ``copy_study``, ``get_all_study_summaries``,
``get_all_study_names``, ``Study``, ``Trial``, ``FixedTrial``, ``create_trial``,
``TrialPruned`` and the modules ``distributions``, ``exceptions``, ``logging``, ``trial``,
``study``, ``samplers``, ``pruners``, ``visualization``, ``importance``, ``integration``,
``search_space``, ``storages`` (loaded on first use); see docs/howto/optuna.md.
"""

from __future__ import annotations

import importlib

from tunecycle.api import (
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    list_studies,
    load_study,
)
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
from tunecycle.trial import FixedTrial, Trial, create_trial

# No NullHandler on the "tunecycle" logger: without any logging set-up, its warnings (a failed
# trial and its reason, an outage of the store) reach stderr through Python's last-resort
# handler, so that failures are never silent; INFO and DEBUG stay quiet.  One setting silences
# them: logging.getLogger("tunecycle").setLevel(logging.ERROR).

_SAMPLER_CLASSES = {
    "AutoSampler", "CmaEsSampler", "GPSampler", "GridSampler", "QMCSampler", "RandomSampler",
    "TPESampler",
}


#: Optuna's module names (``optuna.visualization``, ...), imported when first read
_SUBMODULES = {
    "distributions", "exceptions", "importance", "integration", "logging", "pruners",
    "samplers", "search_space", "storages", "study", "trial", "visualization",
}


def __getattr__(name: str) -> object:  # samplers, the cycle and Optuna's modules load on use
    if name in _SUBMODULES:
        try:
            return importlib.import_module(f"tunecycle.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"tunecycle.{name}":  # a library that module needs: say which
                raise
            raise AttributeError(f"module 'tunecycle' has no attribute {name!r}") from None
    if name in _SAMPLER_CLASSES:
        from tunecycle import samplers

        return getattr(samplers, name)
    if name == "tune":  # the tuning cycle needs scikit-learn (pip install 'tunecycle[ml]')
        from tunecycle.cycle.runner import tune

        return tune
    if name in ("register_family", "Family"):  # a model family of one's own for the cycle
        from tunecycle.cycle import families

        return getattr(families, name)
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
    "Family",
    "FixedTrial",
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
    "copy_study",
    "create_study",
    "create_trial",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "list_studies",
    "load_model",
    "load_study",
    "register_family",
    "tune",
]
