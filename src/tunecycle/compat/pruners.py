"""Optuna's ``BasePruner``: a user-written pruner in Optuna's protocol, adapted onto
tunecycle's ``Pruner`` contract.

Subclass it and write ``prune(study, trial) -> bool`` (``study`` is the tunecycle ``Study``,
``trial`` a ``FrozenTrial`` of the running trial with its reports so far), as in Optuna.  The
study hands itself to the pruner when it is made (``Pruner.attach``); ``should_prune`` then
calls ``prune``.  Such a pruner is not stored with the study: pass it again to ``load_study``.
"""

from __future__ import annotations

from typing import Any

from tunecycle.errors import UserError
from tunecycle.protocols import History, Pruner
from tunecycle.records import FrozenTrial


class BasePruner(Pruner):
    """Base class of a pruner written in Optuna's protocol: implement ``prune``."""

    name = "custom"

    def prune(self, study: Any, trial: FrozenTrial) -> bool:
        raise NotImplementedError(f"{type(self).__name__} must implement prune(study, trial)")

    def attach(self, study: Any) -> None:
        self.__dict__["_tc_study"] = study

    def should_prune(self, history: History, trial: FrozenTrial) -> bool:
        study = self.__dict__.get("_tc_study")
        if study is None:
            raise UserError(
                f"{type(self).__name__}: this pruner reads its study; use it "
                "through create_study(pruner=...) or load_study(pruner=...)"
            )
        return bool(self.prune(study, trial))

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "class": type(self).__qualname__}


__all__ = ["BasePruner"]
