"""Optuna's sampler methods on every tunecycle sampler, so that a user-written sampler in
Optuna's protocol can call a built-in one: ``RandomSampler().sample_independent(study, trial,
name, distribution)``, ``TPESampler().sample_relative(study, trial, space)`` and so on.

``tunecycle.protocols.Sampler`` inherits this mixin.  Each method turns Optuna's arguments
(the study, a frozen trial, a dict of distributions) into the native call (``propose``,
``propose_param``, ``joint_space`` with the study's history and the trial's own seeded
generator).  The module imports nothing from the engine above ``space``: the sampler supplies
the history and the per-trial context through ``_optuna_history`` and ``_optuna_context``.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from tunecycle.space import Param, Space


class OptunaSamplerMethods:
    """Optuna's ``BaseSampler`` methods, written over the native sampler contract."""

    # supplied by tunecycle.protocols.Sampler
    def _optuna_history(self, study: Any) -> Any:
        raise NotImplementedError

    def _optuna_context(self, number: int, salt: int = 0) -> Any:
        raise NotImplementedError

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Param]:
        """The parameters this sampler proposes jointly (Optuna's name for ``joint_space``)."""
        joint = self.joint_space(self._optuna_history(study))  # type: ignore[attr-defined]
        if joint is None:
            return {}
        return {d.name: d.param for d in joint.dims}

    def sample_relative(
        self, study: Any, trial: Any, search_space: Mapping[str, Param]
    ) -> dict[str, Any]:
        """Values for ``search_space`` proposed jointly (Optuna's name for ``propose``)."""
        if not search_space:
            return {}
        space = Space(dict(search_space))
        history = self._optuna_history(study)
        ctx = self._optuna_context(trial.number)
        return dict(self.propose(space, history, [ctx])[0])  # type: ignore[attr-defined]

    def sample_independent(
        self, study: Any, trial: Any, param_name: str, param_distribution: Param
    ) -> Any:
        """One value for one parameter (Optuna's name for ``propose_param``); the trial's
        generator is salted by the parameter's name, so two parameters get different draws."""
        history = self._optuna_history(study)
        ctx = self._optuna_context(trial.number, zlib.crc32(param_name.encode()))
        param = param_distribution.named(param_name)
        return self.propose_param(param_name, param, history, ctx)  # type: ignore[attr-defined]

    def before_trial(self, study: Any, trial: Any) -> None:
        """Optuna's hook at the start of a trial; built-in samplers need nothing here."""

    def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
        """Optuna's hook at the end of a trial; built-in samplers need nothing here."""

    def reseed_rng(self) -> None:
        """Optuna's hook for worker threads; tunecycle seeds each trial from (seed, number),
        so there is nothing to reseed."""
