"""The contracts between a study and its plug-ins: ``Sampler``, ``Pruner`` and the ``History``
they read.

Samplers and pruners see frozen records only: a ``History`` is a lazy, read-only view of the
study's trials, loaded from the store the first time a plug-in asks for it (a sampler that never
looks, such as the random sampler, costs no read at all).  Nothing here touches storage
internals; the study passes a loader in.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from tunecycle.compat.sampler_methods import OptunaSamplerMethods
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.space import Param, ParamValue, Space
from tunecycle.warmstart import Prior


class History:
    """Read-only view of a study's trials, as of the moment a plug-in first reads it.

    ``prior``: earlier studies' trials that a warm-started study learns from (None otherwise);
    they are not among ``trials``.  Model-based samplers read it through
    ``samplers/observe.py`` (mapped onto their space, with the fading weight); the others
    ignore it."""

    def __init__(self, load: Callable[[], Sequence[FrozenTrial]],
                 direction: Direction | Sequence[Direction], prior: Prior | None = None):
        self._load = load
        self.prior = prior if prior is not None and len(prior) else None
        #: one per objective; ``direction`` is the first (the only one, in most studies)
        self.directions: tuple[Direction, ...] = (
            (direction,) if isinstance(direction, Direction) else tuple(direction))
        self.direction = self.directions[0]

    @classmethod
    def of(cls, trials: Sequence[FrozenTrial],
           direction: Direction | str | Sequence[Direction | str] = "minimize",
           prior: Prior | None = None) -> History:
        """A history over given trials (tests and offline analysis); ``direction`` may be a
        list of directions, one per objective."""
        frozen = tuple(trials)
        if isinstance(direction, (Direction, str)):
            return cls(lambda: frozen, Direction.parse(direction), prior)
        return cls(lambda: frozen, tuple(Direction.parse(d) for d in direction), prior)

    @cached_property
    def trials(self) -> tuple[FrozenTrial, ...]:
        return tuple(self._load())

    def with_states(self, *states: TrialState) -> list[FrozenTrial]:
        return [t for t in self.trials if t.state in states]

    @property
    def complete(self) -> list[FrozenTrial]:
        return self.with_states(TrialState.COMPLETE)

    @property
    def running(self) -> list[FrozenTrial]:
        return self.with_states(TrialState.RUNNING, TrialState.WAITING)


@dataclass(frozen=True)
class TrialContext:
    """What a sampler knows about the trial it proposes for."""

    number: int
    rng: np.random.Generator


def trial_rng(seed: int | None, number: int, salt: int = 0) -> np.random.Generator:
    """The generator for one trial: fixed by (seed, number) when seeded, fresh entropy otherwise.

    Seeding per trial number (rather than one stream per process) makes a seeded study give the
    same configurations whichever process asks, and in whatever order.
    """
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([seed, number, salt])


class Sampler(OptunaSamplerMethods, ABC):
    """Proposes configurations.  Subclasses implement ``propose`` (and may override
    ``propose_param``, ``joint_space``, ``exhausted``, ``describe``, and the hooks ``attach``
    and ``trial_ended``).  Optuna's method names (``sample_independent`` and the others) come
    from ``tunecycle.compat.sampler_methods``."""

    #: the name under which ``create_study(sampler=...)`` finds this sampler
    name: str = ""
    #: a noisy objective may be evaluated twice at the same configuration; otherwise, in a
    #: wholly discrete space, configurations already tried are not proposed again
    noisy: bool = False
    #: True when the sampler handles studies of several objectives (it reads
    #: ``history.directions`` and the trials' ``values``); ``create_study`` refuses the others
    multi_objective: bool = False
    #: Optuna's ``constraints_func`` given to the sampler; ``create_study`` hands it to the
    #: study when the study is given none (the study evaluates constraints, not the sampler)
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None

    def __init__(self, seed: int | None = None):
        self._seed = seed

    @property
    def seed(self) -> int | None:
        """The seed of every draw (None: fresh entropy).  ``create_study(seed=...)`` and a
        resumed study's stored seed may set it after construction: setting it also seeds
        the samplers this one delegates to (``parts``), so nothing derived from the seed in
        ``__init__`` goes stale."""
        return self._seed

    @seed.setter
    def seed(self, value: int | None) -> None:
        self._seed = value
        for part in self.parts():
            part.seed = value

    def parts(self) -> Sequence[Sampler]:
        """The samplers this one delegates to and shares its seed with (none by default)."""
        return ()

    def attach(self, study: Any) -> None:
        """Called by each ``Study`` made with this sampler.  Built-in samplers read only the
        history and ignore it; one in Optuna's protocol (``tunecycle.samplers.BaseSampler``)
        keeps the study, which Optuna's methods take as their first argument."""

    def trial_ended(self, trial: FrozenTrial) -> None:
        """Called by the study after a trial it ran (or was told about) has ended, with the
        record as stored.  Built-in samplers ignore it (they re-read the history)."""

    def _optuna_history(self, study: Any) -> History:
        return study.history()

    def _optuna_context(self, number: int, salt: int = 0) -> TrialContext:
        return TrialContext(number, trial_rng(self.seed, number, salt))

    @abstractmethod
    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        """Return one configuration of ``space`` per context; a batch should be diverse."""

    def propose_param(
        self, name: str, param: Param, history: History, context: TrialContext
    ) -> ParamValue:
        """Return one value for a parameter met during a define-by-run objective, outside the
        joint space.  The default draws it uniformly in its unit interval (log-uniform for a
        log scale); model-based samplers may model it from the trials that have it."""
        return param.from_unit(context.rng.random())

    def joint_space(self, history: History) -> Space | None:
        """The space to propose jointly at the start of a define-by-run trial, or None.

        The default is the parameters present, with the same type, in every complete trial:
        the part of a define-by-run space that always co-occurs.  Complete trials never
        change, so the intersection is kept and only newly completed trials are folded in.
        """
        cache = self.__dict__.setdefault("_joint", _JointSpace())
        return cache.update(history.trials)

    def exhausted(self, space: Space | None, history: History) -> bool:
        """True when nothing is left to propose (a finished grid); most samplers never are."""
        return False

    def describe(self) -> dict[str, Any]:
        """A JSON-safe description stored with the study; ``from_description`` reverses it."""
        return {"name": self.name, "seed": self.seed, "noisy": self.noisy}

    @classmethod
    def from_description(cls, desc: dict[str, Any]) -> Sampler:
        """Rebuild a sampler from ``describe()``: every described option the constructor
        takes is passed back to it."""
        accepted = inspect.signature(cls.__init__).parameters
        sampler = cls(**{k: v for k, v in desc.items() if k in accepted and k != "self"})
        sampler.noisy = bool(desc.get("noisy", sampler.noisy))
        return sampler


class Pruner(ABC):
    """Decides from the history whether a running trial should stop."""

    name: str = ""

    @abstractmethod
    def should_prune(self, history: History, trial: FrozenTrial) -> bool: ...

    def attach(self, study: Any) -> None:
        """Called by each ``Study`` made with this pruner.  Built-in pruners read only the
        history and ignore it; one in Optuna's protocol (``tunecycle.pruners.BasePruner``)
        keeps the study, which Optuna's ``prune(study, trial)`` takes."""

    def describe(self) -> dict[str, Any]:
        """A JSON-safe description stored with the study; ``from_description`` reverses it."""
        return {"name": self.name}

    @classmethod
    def from_description(cls, desc: dict[str, Any]) -> Pruner:
        accepted = inspect.signature(cls.__init__).parameters
        return cls(**{k: v for k, v in desc.items() if k in accepted and k != "self"})


class NopPruner(Pruner):
    """Never prunes."""

    name = "none"

    def should_prune(self, history: History, trial: FrozenTrial) -> bool:
        return False


class _JointSpace:
    """The intersection of complete trials' parameter types, updated incrementally: the run
    of finished trials at the start of the history is folded in once and skipped after."""

    def __init__(self) -> None:
        self.prefix = 0  # trials [0, prefix) are finished and folded in
        self.prefix_common: dict[str, Param] | None = None
        self.space: Space | None = None
        self._common: dict[str, Param] | None = None  # the parameters ``space`` was built from
        self._key: tuple[int, ...] = ()

    def update(self, trials: Sequence[FrozenTrial]) -> Space | None:
        while self.prefix < len(trials) and trials[self.prefix].is_finished:
            self.prefix_common = _fold(self.prefix_common, trials[self.prefix])
            self.prefix += 1
        common = self.prefix_common
        tail = tuple(t.trial_id for t in trials[self.prefix:] if t.state is TrialState.COMPLETE)
        for t in trials[self.prefix:]:
            common = _fold(common, t)
        key = (self.prefix, len(common or ()), *tail)
        if key != self._key:
            self._key = key
            # the same parameters in the same order: keep the space (and its caches)
            if common is None or self._common is None or (
                    list(common.items()) != list(self._common.items())):
                self._common = common
                self.space = Space(common) if common else None
        return self.space


def _fold(common: dict[str, Param] | None, t: FrozenTrial) -> dict[str, Param] | None:
    if t.state is not TrialState.COMPLETE:
        return common
    if common is None:
        return dict(t.distributions)
    return {n: p for n, p in common.items() if t.distributions.get(n) == p}
