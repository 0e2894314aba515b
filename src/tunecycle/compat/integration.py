"""Optuna's ``optuna.integration`` names (``optuna_integration``), backed by
:mod:`tunecycle.integrations` and :class:`~tunecycle.cycle.search_cv.TuneSearchCV`.

| Optuna | here | backed by |
|---|---|---|
| ``XGBoostPruningCallback(trial, observation_key)`` | the same class | ``integrations.xgboost`` |
| ``LightGBMPruningCallback(trial, metric, valid_name="valid_0", report_interval=1)`` | subclass | ``integrations.lightgbm`` |
| ``CatBoostPruningCallback(trial, metric, eval_set_index=None)`` | subclass | ``integrations.catboost`` |
| ``MLflowCallback(tracking_uri, metric_name, create_experiment, mlflow_kwargs, ...)`` | subclass | ``integrations.mlflow`` |
| ``WeightsAndBiasesCallback(metric_name, wandb_kwargs, as_multirun)`` | subclass | ``integrations.wandb`` |
| ``TensorBoardCallback(dirname, metric_name)`` | subclass | ``integrations.tensorboard`` |
| ``OptunaSearchCV(estimator, param_distributions, ...)`` | subclass | ``cycle.search_cv`` (:mod:`.integration_sklearn`) |

Each library loads when its name is first used.  Names of ``optuna.integration`` that
tunecycle does not provide (the LightGBM stepwise tuner, Keras, PyTorch Lightning, skorch,
fastai, Dask, BoTorch, ...) raise ``ImportError`` on import, saying why and what to use.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any

from tunecycle.integrations.catboost import CatBoostPruningCallback as _CatBoost
from tunecycle.integrations.lightgbm import LightGBMPruningCallback as _LightGBM
from tunecycle.integrations.mlflow import MLflowCallback as _MLflow
from tunecycle.integrations.tensorboard import TensorBoardCallback as _TensorBoard
from tunecycle.integrations.wandb import WandbCallback as _Wandb
from tunecycle.records import FrozenTrial

if TYPE_CHECKING:  # loaded by __getattr__ on first use (XGBoost, scikit-learn)
    from tunecycle.compat.integration_sklearn import OptunaSearchCV
    from tunecycle.integrations.xgboost import XGBoostPruningCallback


class LightGBMPruningCallback(_LightGBM):
    """Optuna's LightGBM pruning callback: reports ``metric`` of the data set ``valid_name``
    every ``report_interval`` rounds.  With ``lightgbm.cv`` (whose data set is ``valid``) the
    default ``valid_name`` finds it too."""

    def __init__(self, trial: Any, metric: str, valid_name: str = "valid_0",
                 report_interval: int = 1):
        if not isinstance(metric, str) or not metric:
            raise ValueError(f"LightGBMPruningCallback: metric must be a metric name such as "
                             f"'binary_logloss', got {metric!r}")
        if isinstance(report_interval, bool) or not isinstance(report_interval, int) \
                or report_interval < 1:
            raise ValueError(f"LightGBMPruningCallback: report_interval must be a positive "
                             f"integer, got {report_interval!r}")
        super().__init__(trial, f"{valid_name}-{metric}")
        self.metric, self.valid_name, self.report_interval = metric, valid_name, report_interval

    def _value(self, results: Any) -> float:
        if self.valid_name == "valid_0":
            names = {entry[0] for entry in results or ()}
            if "valid_0" not in names:
                for cv_name in ("valid", "cv_agg"):  # lightgbm.cv's mean over the folds
                    if cv_name in names:
                        self._data = cv_name
                        break
        return super()._value(results)

    def __call__(self, env: Any) -> None:
        if int(env.iteration) % self.report_interval == 0:
            super().__call__(env)


class CatBoostPruningCallback(_CatBoost):
    """Optuna's CatBoost pruning callback: ``metric`` of the one ``eval_set``
    (``eval_set_index=None``) or of the ``eval_set_index``-th of several.  Call
    ``check_pruned()`` after ``fit``, as with Optuna's."""

    def __init__(self, trial: Any, metric: str, eval_set_index: int | None = None):
        if not isinstance(metric, str) or not metric:
            raise ValueError(f"CatBoostPruningCallback: metric must be a metric name such as "
                             f"'Logloss', got {metric!r}")
        data = "validation" if eval_set_index is None else f"validation_{int(eval_set_index)}"
        super().__init__(trial, f"{data}-{metric}")
        self.metric, self.eval_set_index = metric, eval_set_index


class _Names:
    """A study seen with other objective names (a list ``metric_name``)."""

    def __init__(self, study: Any, names: Sequence[str]):
        self._study, self._names = study, list(names)

    @property
    def metric_names(self) -> list[str]:
        return self._names

    def __getattr__(self, name: str) -> Any:
        return getattr(self._study, name)


def _metric_names(owner: str, metric_name: str | Sequence[str]) -> tuple[str, list[str] | None]:
    """(the metric name for one objective and intermediate values, the names of several)."""
    if isinstance(metric_name, str):
        if not metric_name:
            raise ValueError(f"{owner}: metric_name must be a non-empty string")
        return metric_name, None
    names = [str(n) for n in metric_name]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"{owner}: metric_name must be a name or a list of distinct names, "
                         f"got {metric_name!r}")
    return names[0], names


def _named(study: Any, names: list[str] | None, owner: str) -> Any:
    if names is None:
        return study
    if len(names) != study.n_objectives:
        raise ValueError(f"{owner}: metric_name has {len(names)} names for a study of "
                         f"{study.n_objectives} objectives")
    return _Names(study, names)


_MLFLOW_KWARGS = ("nested", "tags", "run_name", "description")


class MLflowCallback(_MLflow):
    """Optuna's MLflow callback: one MLflow run per finished trial, in the experiment named
    after the study (``create_experiment=True``) or the one MLflow's fluent API is set to
    (``create_experiment=False``, e.g. after ``mlflow.set_experiment``).  ``metric_name``: a
    name, or one per objective.  ``mlflow_kwargs``: ``nested=True`` nests the trial runs under
    a run of the study; ``tags`` are added to every run (``run_name`` and ``description`` are
    accepted and not used: runs are named ``<study>-trial-<number>``).  Tags are tunecycle's
    (``tunecycle.state``, ``user_attrs.<key>``, ...; see :mod:`tunecycle.integrations.mlflow`);
    ``tag_trial_user_attrs=False`` leaves the trial's user attributes out,
    ``tag_study_user_attrs=True`` adds the study's as ``study_user_attrs.<key>``.
    :meth:`track_in_mlflow` lets the objective log to the trial's run itself."""

    def __init__(self, tracking_uri: str | None = None,
                 metric_name: str | Sequence[str] = "value", create_experiment: bool = True,
                 mlflow_kwargs: Mapping[str, Any] | None = None,
                 tag_study_user_attrs: bool = False, tag_trial_user_attrs: bool = True):
        kwargs = dict(mlflow_kwargs or {})
        unknown = sorted(set(kwargs) - set(_MLFLOW_KWARGS))
        if unknown:
            raise ValueError(f"MLflowCallback: mlflow_kwargs {unknown} are not supported "
                             f"(supported: {', '.join(_MLFLOW_KWARGS)})")
        first, self._names = _metric_names("MLflowCallback", metric_name)
        super().__init__(tracking_uri=tracking_uri, metric_name=first,
                         nest_trials=bool(kwargs.get("nested", False)),
                         tags=kwargs.get("tags") or {})
        self.create_experiment = bool(create_experiment)
        self.tag_study_user_attrs = bool(tag_study_user_attrs)
        self.tag_trial_user_attrs = bool(tag_trial_user_attrs)
        self._tracked: dict[tuple[str, int], str] = {}  # (study, trial number) -> run id

    def __call__(self, study: Any, trial: FrozenTrial) -> None:
        super().__call__(_named(study, self._names, "MLflowCallback"), trial)

    def _experiment_id(self, study_name: str) -> str:
        if self.create_experiment:
            return super()._experiment_id(study_name)
        import mlflow

        exp = mlflow.get_experiment_by_name(self.experiment) if self.experiment else None
        if exp is not None:
            return exp.experiment_id
        from mlflow.tracking.fluent import _get_experiment_id

        return str(_get_experiment_id())

    def _trial_tags(self, study: Any, trial: FrozenTrial) -> dict[str, str]:
        from tunecycle.integrations.tracking import as_text, flat_attrs

        tags = super()._trial_tags(study, trial)
        if not self.tag_trial_user_attrs:
            tags = {k: v for k, v in tags.items() if not k.startswith("user_attrs.")}
        if self.tag_study_user_attrs:
            for key, value in flat_attrs(study.user_attrs).items():
                tags[f"study_user_attrs.{key}"] = as_text(value)
        return tags

    def _trial_run(self, exp: str, start: int, study: Any, trial: FrozenTrial) -> str:
        tracked = self._tracked.pop((study.name, trial.number), None)
        return tracked if tracked is not None else super()._trial_run(exp, start, study, trial)

    def track_in_mlflow(self) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A decorator for the objective: it runs inside the trial's MLflow run (started with
        MLflow's fluent API, so ``mlflow.log_metric`` etc. inside the objective go there), and
        the callback then logs the trial to that same run."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(func)
            def wrapper(trial: Any, *args: Any, **kwargs: Any) -> Any:
                import mlflow

                # Optuna's trial.study (the Optuna-style trial), else the study that
                # drives a native trial
                study = getattr(trial, "study", None) or trial._driver
                if self.tracking_uri is not None:
                    mlflow.set_tracking_uri(self.tracking_uri)
                exp = self._experiment_id(study.name)
                with mlflow.start_run(experiment_id=exp,
                                      run_name=f"{study.name}-trial-{trial.number}") as run:
                    self._tracked[(study.name, trial.number)] = run.info.run_id
                    return func(trial, *args, **kwargs)

            return wrapper

        return decorator


_WANDB_KWARGS = ("project", "entity", "mode", "dir", "tags", "config")


class WeightsAndBiasesCallback(_Wandb):
    """Optuna's W&B callback on tunecycle's: one W&B run per trial, grouped by study (Optuna's
    ``as_multirun=True`` layout, whatever ``as_multirun`` says), written offline unless
    ``wandb_kwargs`` says ``mode="online"`` (W&B's default would be online; a warning says so
    once).  ``wandb_kwargs`` may hold ``project`` (default ``"optuna"``), ``entity``, ``mode``,
    ``dir``, ``tags`` and ``config``."""

    _warned = False

    def __init__(self, metric_name: str | Sequence[str] = "value",
                 wandb_kwargs: Mapping[str, Any] | None = None, as_multirun: bool = False):
        kwargs = dict(wandb_kwargs or {})
        unknown = sorted(set(kwargs) - set(_WANDB_KWARGS))
        if unknown:
            raise ValueError(f"WeightsAndBiasesCallback: wandb_kwargs {unknown} are not "
                             f"supported (supported: {', '.join(_WANDB_KWARGS)})")
        first, self._names = _metric_names("WeightsAndBiasesCallback", metric_name)
        if "mode" not in kwargs and not WeightsAndBiasesCallback._warned:
            WeightsAndBiasesCallback._warned = True
            warnings.warn("WeightsAndBiasesCallback: tunecycle writes W&B runs offline unless "
                          "wandb_kwargs={'mode': 'online'} (then `wandb sync` uploads them), and "
                          "logs one run per trial grouped by study (Optuna's as_multirun=True)",
                          UserWarning, stacklevel=2)
        super().__init__(kwargs.get("project", "optuna"), entity=kwargs.get("entity"),
                         mode=kwargs.get("mode", "offline"), dir=kwargs.get("dir"),
                         metric_name=first, tags=kwargs.get("tags") or (),
                         config=kwargs.get("config"))
        self.as_multirun = bool(as_multirun)

    def __call__(self, study: Any, trial: FrozenTrial) -> None:
        super().__call__(_named(study, self._names, "WeightsAndBiasesCallback"), trial)


class TensorBoardCallback(_TensorBoard):
    """Optuna's TensorBoard callback: HParams sessions of each trial under ``dirname``."""

    def __init__(self, dirname: str, metric_name: str):
        super().__init__(dirname, metric_name=metric_name)


#: Optuna integration names tunecycle leaves out -> (the package it needs, what to use)
_NOT_PROVIDED: dict[str, tuple[str | None, str]] = {
    "LightGBMTuner": ("lightgbm", "tune LightGBM's params in an objective with "
                                  "LightGBMPruningCallback (or tc.tune)"),
    "LightGBMTunerCV": ("lightgbm", "tune LightGBM's params in an objective with "
                                    "lightgbm.cv and LightGBMPruningCallback"),
    "KerasPruningCallback": ("keras", "report in a Keras callback with trial.report and raise "
                                      "tunecycle.TrialPruned when trial.should_prune()"),
    "TFKerasPruningCallback": ("tensorflow", "report in a Keras callback with trial.report"),
    "TensorFlowPruningHook": ("tensorflow", "report with trial.report in the training loop"),
    "PyTorchLightningPruningCallback": ("lightning", "call tunecycle.integrations."
                                                     "report_and_check in on_validation_end"),
    "PyTorchIgnitePruningHandler": ("pytorch-ignite", "call tunecycle.integrations."
                                                      "report_and_check in an event handler"),
    "SkorchPruningCallback": ("skorch", "call tunecycle.integrations.report_and_check from a "
                                        "skorch callback's on_epoch_end"),
    "FastAIV2PruningCallback": ("fastai", "report with trial.report after each epoch"),
    "FastAIPruningCallback": ("fastai", "report with trial.report after each epoch"),
    "TorchDistributedTrial": ("torch", "run the trial on rank 0 and broadcast its params"),
    "BoTorchSampler": ("botorch", "use sampler='gp'"),
    "PyCmaSampler": ("cma", "use sampler='cmaes'"),
    "DaskStorage": ("dask", "use a PostgreSQL storage URL, or n_jobs= / backend='ray'"),
    "ShapleyImportanceEvaluator": ("shap", "use tunecycle.importance.get_param_importances"),
}


def not_provided(name: str) -> ImportError:
    """The error for an Optuna integration name tunecycle leaves out."""
    package, instead = _NOT_PROVIDED[name]
    missing = package is not None and importlib.util.find_spec(package.replace("-", "_")) is None
    have = f"{package} is not installed here, and " if missing else ""
    return ImportError(f"optuna.integration.{name}: {have}tunecycle does not provide it; "
                       f"{instead}")


_LAZY = {
    "XGBoostPruningCallback": ("tunecycle.integrations.xgboost", "XGBoostPruningCallback"),
    "OptunaSearchCV": ("tunecycle.compat.integration_sklearn", "OptunaSearchCV"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            raise ImportError(f"{name} needs {exc.name}, which is not installed "
                              f"(pip install {exc.name})") from exc
    if name in _NOT_PROVIDED:
        raise not_provided(name)
    raise AttributeError(f"module 'tunecycle.compat.integration' has no attribute {name!r}")


__all__ = [
    "CatBoostPruningCallback", "LightGBMPruningCallback", "MLflowCallback", "OptunaSearchCV",
    "TensorBoardCallback", "WeightsAndBiasesCallback", "XGBoostPruningCallback",
]
