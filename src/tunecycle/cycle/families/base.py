"""The model-family interface of the tuning cycle, and the registry of families.

A :class:`Family` is everything the cycle knows about one kind of model, and every family, a
scikit-learn estimator, a booster or a network, answers the same questions:

| question | member | default |
|---|---|---|
| which tasks, which default space for a task, which library defaults | ``tasks``, ``space_for``, ``defaults_for`` | the fields |
| which unfitted estimator do these params describe | ``build`` | ``builder(own_params, seed, task, proba=)`` |
| is an overridden range or a fixed value usable | ``check_override``, ``check_value`` | the library's own parameter check of the estimator built with it |
| what an override does to the rest of the space | ``finish_space`` | nothing |
| what the estimator needs to know about the data's samples (images) | ``for_data`` | nothing |
| is the data fit for the family, before the first trial | ``check_data`` | nothing |
| fit one validation fold, reporting steps for pruning | ``fit_fold`` | fit; no steps |
| refit the chosen configuration on the whole search part | ``refit`` | fit |
| a code-free copy beside the pickle, and reading it back | ``save_files``, ``load_files`` | none |

:func:`register_family` adds a family to the registry (a name that is not taken, a valid
space, a builder), :func:`get_family` looks one up; the built-in families are registered by
:mod:`tunecycle.cycle.families` as any user's would be.  This module imports no family, no
torch and no other part of the cycle above the data sets.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from tunecycle.cycle.data.dataset import TASKS
from tunecycle.errors import SpaceError, UserError
from tunecycle.space import Param, ParamValue, Space

if TYPE_CHECKING:
    from tunecycle.cycle.data.dataset import Dataset
    from tunecycle.cycle.persist import SavedFiles

MODEL_KEY = "model"  # the top-level choice of a multi-family space


class Builder(Protocol):
    """Build an unfitted estimator from a family's own (checked) params, a seed and a task."""

    def __call__(
        self, params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False
    ) -> Any: ...


#: ``report(step, value)``: an intermediate value for the pruner; raises ``TrialPruned`` when
#: the pruner says stop
Report = Callable[[int, float], None]


@dataclass(frozen=True)
class Fold:
    """One validation fold of a trial, as :meth:`Family.fit_fold` gets it.

    ``score(model)``: the study's metric of ``model`` (fitted, or being fitted) on ``valid``;
    ``maximize``: its direction.  ``report``: where the family may report values at steps of
    its own (epochs, boosting rounds) for the pruner, or None when this fold does not report
    (only the first fold does); a family that reports none has the running mean over the
    folds reported for it."""

    number: int
    train: Dataset
    valid: Dataset
    score: Callable[[Any], float]
    maximize: bool
    report: Report | None = None


@dataclass(frozen=True)
class FoldFit:
    """What :meth:`Family.fit_fold` gives back: the fitted model and what the fold recorded
    (name -> a JSON-safe value; the trial keeps each name's values, one per fold, as the user
    attribute of that name, and :meth:`Family.refit` reads them)."""

    model: Any
    record: Mapping[str, Any] = field(default_factory=dict)


def fit_part(model: Any, part: Dataset) -> Any:
    """Fit ``model`` on a data set: on ``X`` alone for clustering, on ``X`` and ``y`` else."""
    return model.fit(part.X) if part.task == "clustering" else model.fit(part.X, part.y)


def check_task(task: str) -> None:
    if task not in TASKS:
        raise UserError(f"task must be one of {', '.join(TASKS)}; got {task!r}")


@dataclass(frozen=True, kw_only=True)
class Family:
    """One model family (see the module docstring for the interface).

    ``space`` and ``defaults`` hold what every task shares; ``task_space`` and
    ``task_defaults`` add the task-specific part (a tree's ``criterion``, svm's regression
    ``epsilon``).  Params use the family's own names; a sub-param of a conditional parameter is
    ``"<choice>.<name>"``.  ``builder`` makes the estimator from the family's own params.
    ``needs_scaling``: the cycle's preprocessing standardises the features for it.
    ``has_proba`` is False where a classifier answers ``predict_proba`` only when built with
    ``proba=True`` (svm).  ``why`` (per param: why this range) and ``default_notes`` (the
    library default where ``defaults`` cannot hold it) feed ``space_table``.
    ``extra_params``: params outside the default space that an override may add.
    ``requires``: (module, extra), the library the builder imports and the tunecycle extra
    that installs it.  ``kind`` says what sort of model it is (``"estimator"``, ``"boosting"``,
    ``"clustering"``, ``"network"``), for documentation (``space_table`` lists networks
    apart); the cycle never branches on it."""

    name: str
    tasks: frozenset[str]
    space: dict[str, Param] = field(compare=False)
    builder: Builder = field(compare=False)
    needs_scaling: bool = False
    doc: str = ""
    defaults: dict[str, ParamValue] = field(default_factory=dict, compare=False)
    task_space: dict[str, dict[str, Param]] = field(default_factory=dict, compare=False)
    task_defaults: dict[str, dict[str, ParamValue]] = field(default_factory=dict, compare=False)
    has_proba: bool = True
    why: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    default_notes: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    extra_params: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    requires: tuple[str, str] | None = None
    kind: str = "estimator"

    #: whether :meth:`save_files` writes a code-free copy that :meth:`load_files` reads
    code_free: ClassVar[bool] = False

    def __post_init__(self) -> None:
        tasks = self.tasks
        if isinstance(tasks, str):
            tasks = [tasks]
        if not isinstance(tasks, frozenset):
            try:
                object.__setattr__(self, "tasks", frozenset(tasks))
            except TypeError:
                pass  # not iterable: register_family says what is wrong

    # -- the space --------------------------------------------------------------------------

    def supports(self, task: str) -> bool:
        return task in self.tasks

    def check_installed(self) -> None:
        """Raise ``UserError`` naming the extra to install when the family's library is
        missing (looked up without importing it)."""
        if self.requires is None:
            return
        module, _ = self.requires
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a parent package missing, or a blocked import
            found = False
        if not found:
            raise UserError(self._missing_library())

    def library(self) -> Any:
        """Import the family's library (its ``requires``), or say which extra installs it."""
        assert self.requires is not None
        try:
            return importlib.import_module(self.requires[0])
        except ImportError:
            raise UserError(self._missing_library()) from None

    def _missing_library(self) -> str:
        assert self.requires is not None
        module, extra = self.requires
        return f"model family {self.name!r} needs {module}: pip install 'tunecycle[{extra}]'"

    def check_task(self, task: str) -> None:
        check_task(task)
        if task not in self.tasks:
            others = sorted(families_for(task))
            raise UserError(
                f"model family {self.name!r} does not do {task}; it does "
                f"{', '.join(sorted(self.tasks))}. Families for {task}: {', '.join(others)}"
            )

    def space_for(self, task: str) -> dict[str, Param]:
        """The default space for ``task`` (a fresh dict: changing it changes nothing here)."""
        self.check_task(task)
        return {**self.space, **self.task_space.get(task, {})}

    def defaults_for(self, task: str) -> dict[str, ParamValue]:
        """The library defaults for ``task`` that the default space can hold."""
        self.check_task(task)
        return {**self.defaults, **self.task_defaults.get(task, {})}

    @property
    def param_names(self) -> frozenset[str]:
        """Every param name ``build`` accepts (flattened, all tasks)."""
        names: set[str] = set()
        for task in self.tasks:
            names.update(Space(self.space_for(task)).names)
        return frozenset(names)

    def check_override(self, key: str, param: Param) -> str | None:
        """Why an overridden range of ``key`` cannot be used (None when it can)."""
        return None

    def check_value(self, task: str, key: str, value: Any) -> None:
        """Raise ``SpaceError`` when ``key=value`` (a value an override fixes) is refused:
        the estimator is built with it and scikit-learn validates its parameters (estimators
        without that check, such as XGBoost's, are left to the first trial)."""
        try:
            estimator = self.build({key: value}, 0, task)
        except (TypeError, ValueError) as exc:
            raise SpaceError(f"{value!r} is refused: {exc}") from None
        validate = getattr(estimator, "_validate_params", None)
        if validate is None or not hasattr(type(estimator), "_parameter_constraints"):
            return
        try:
            validate()
        except (TypeError, ValueError) as exc:  # sklearn's InvalidParameterError is both
            raise SpaceError(f"{value!r} is refused: {exc}") from None

    def finish_space(self, space: dict[str, Param], overrides: Mapping[str, Any], task: str
                     ) -> dict[str, Param]:
        """The space after the overrides, with what one override does to the others."""
        return space

    # -- building and fitting ---------------------------------------------------------------

    def own_params(self, params: Mapping[str, Any], task: str) -> dict[str, Any]:
        """Check the task and that every key is one of the family's params (or of the
        optional ones an override may add); return a copy."""
        self.check_task(task)
        if not isinstance(params, Mapping):
            raise UserError(f"model family {self.name!r}: params must be a mapping, got "
                            f"{params!r}")
        known = self.param_names | self.extra_params
        unknown = sorted(set(params) - known)
        if unknown:
            raise UserError(f"model family {self.name!r}: unknown parameter(s) {unknown}; it "
                            f"takes {sorted(known)}")
        return dict(params)

    def build(self, params: Mapping[str, Any], seed: int, task: str, *,
              proba: bool = False) -> Any:
        """The unfitted estimator of the family's own ``params``; missing params take the
        estimator's defaults.  ``proba=True`` asks for a classifier with ``predict_proba``."""
        return self.builder(self.own_params(params, task), int(seed), task, proba=proba)

    def for_data(self, estimator: Any, sample_shape: tuple[int, ...] | None) -> Any:
        """``estimator`` told what it needs of the data (the shape of one sample of images or
        sequences flattened into rows, or None for plain rows)."""
        return estimator

    def check_data(self, space: Mapping[str, Param], data: Dataset) -> None:
        """Raise ``UserError`` when the family's tuned ``space`` (its own flattened param
        names) cannot work on ``data`` (the search part): checked before the first trial."""

    def fit_fold(self, model: Any, fold: Fold) -> FoldFit:
        """Fit ``model`` (an unfitted pipeline ending in this family's estimator) on
        ``fold.train``; a family that trains by steps may ``fold.report`` a score at each."""
        return FoldFit(fit_part(model, fold.train))

    def refit(self, model: Any, data: Dataset, trial_attrs: Mapping[str, Any]) -> Any:
        """Fit ``model`` on the whole search part ``data``, for the trial whose user
        attributes (the folds' records among them) are ``trial_attrs``."""
        return fit_part(model, data)

    # -- saving -----------------------------------------------------------------------------

    def save_files(self, model: Any, files: SavedFiles) -> None:
        """Write a code-free copy of the fitted ``model`` beside ``files.joblib`` (written
        first), when the family has one (``code_free``)."""

    def load_files(self, files: SavedFiles, doc: dict[str, Any]) -> Any:
        """Read the model back from its code-free copy (``doc``: its parsed JSON)."""
        raise UserError(f"model family {self.name!r} has no code-free saved form")


# -- the registry ---------------------------------------------------------------------------

_REGISTRY: dict[str, Family] = {}
_BUILTIN: set[str] = set()
#: every registered family by name, in registration order (a read-only live view)
FAMILIES: Mapping[str, Family] = MappingProxyType(_REGISTRY)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def _problem(family: Any) -> str | None:
    """What is wrong with ``family`` as a new registry entry (None when nothing is)."""
    if not isinstance(family, Family):
        return (f"family: expected a tunecycle.cycle.families.Family, got "
                f"{type(family).__name__}")
    if not isinstance(family.name, str) or not _NAME.match(family.name):
        return (f"family.name: must be a letter then letters, digits or '_' (it prefixes "
                f"params as '<name>.'), got {family.name!r}")
    if family.name in _REGISTRY:
        return f"family.name: {family.name!r} is already a registered model family"
    if not isinstance(family.tasks, frozenset) or not family.tasks or not family.tasks <= set(
            TASKS):
        return f"family.tasks: must be some of {list(TASKS)}, got {family.tasks!r}"
    if not callable(getattr(family, "builder", None)):
        return f"family.builder: must be callable (params, seed, task, proba=...), got " \
               f"{family.builder!r}"
    for task in sorted(family.tasks):
        try:
            space = Space({**family.space, **family.task_space.get(task, {})})
        except (SpaceError, TypeError, AttributeError) as exc:
            return f"family.space ({task}): {exc}"
        try:
            defaults = {**family.defaults, **family.task_defaults.get(task, {})}
        except (TypeError, AttributeError):
            return f"family.defaults ({task}): must be a mapping of param -> value"
        stray = sorted(set(defaults) - set(space.names))
        if stray:
            return f"family.defaults ({task}): {stray} are not params of the space"
    return None


def register_family(family: Family, *, builtin: bool = False) -> Family:
    """Add ``family`` to the model families the cycle knows (``tune(model=...)``,
    ``models:`` in a config, ``family_space``...); returns it.  Raises ``UserError`` naming
    the field when it is not a :class:`Family`, its name is taken or malformed, its tasks are
    unknown, its space is invalid, a default is not in the space or its builder is not
    callable."""
    problem = _problem(family)
    if problem is not None:
        raise UserError(f"register_family: {problem}")
    _REGISTRY[family.name] = family
    if builtin:
        _BUILTIN.add(family.name)
    return family


def unregister_family(name: str) -> None:
    """Remove a family registered by :func:`register_family` (not a built-in one)."""
    if name in _BUILTIN:
        raise UserError(f"unregister_family: {name!r} is a built-in model family")
    if name not in _REGISTRY:
        raise UserError(f"unregister_family: {name!r} is not a registered model family")
    del _REGISTRY[name]


def is_builtin(name: str) -> bool:
    return name in _BUILTIN


def get_family(name: str, task: str | None = None) -> Family:
    """The family called ``name``; with ``task``, also check that it serves that task."""
    if not isinstance(name, str) or name not in _REGISTRY:
        raise UserError(f"unknown model family {name!r}; known families: {', '.join(_REGISTRY)}")
    family = _REGISTRY[name]
    if task is not None:
        family.check_task(task)
    return family


def families_for(task: str) -> list[str]:
    """Names of the families that serve ``task``."""
    check_task(task)
    return [n for n, f in _REGISTRY.items() if task in f.tasks]
