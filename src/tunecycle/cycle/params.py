"""A family's own params as the space flattens them: a conditional parameter's sub-params are
``"<choice>.<name>"``.  :func:`branch_params` is the one un-flattening every family uses (the
classical builders through ``families.builders.pop_branch``, the networks in
``deep.spaces.resolve``).  Nothing else of the cycle here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tunecycle.errors import UserError


def _of_branches(key: str, choices: Iterable[Any]) -> bool:
    return "." in key and key.partition(".")[0] in {str(c) for c in choices}


def branch_params(family: str, params: Mapping[str, Any], parent: str, choice: Any,
                  choices: Iterable[Any]) -> dict[str, Any]:
    """The sub-params of ``parent``'s chosen branch, under their own names (``"adam.beta1"``
    -> ``"beta1"`` when ``choice`` is ``"adam"``).  A sub-param of another of ``choices`` is a
    ``UserError`` naming it (``parameter 'rbf.gamma' is inactive when kernel='linear'``)."""
    choices = list(choices)
    prefix = f"{choice}."
    stray = sorted(k for k in params if _of_branches(k, choices) and not k.startswith(prefix))
    if stray:
        raise UserError(f"model family {family!r}: parameter {stray[0]!r} is inactive when "
                        f"{parent}={choice!r}")
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


def branch_keys(params: Mapping[str, Any], choices: Iterable[Any]) -> list[str]:
    """The keys of ``params`` that are sub-params of one of ``choices``."""
    choices = list(choices)
    return [k for k in params if _of_branches(k, choices)]
