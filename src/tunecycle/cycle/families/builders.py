"""What the built-in builders share: the conditional params of a family's own params, casts of
JSON numbers, the check of a choice.  No estimator here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tunecycle.cycle.params import branch_keys, branch_params
from tunecycle.errors import UserError

#: the tasks of a family that classifies and regresses
CLS_REG = frozenset({"classification", "regression"})


def pop_branch(
    family: str, p: dict[str, Any], parent: str, default: str, choices: Sequence[str]
) -> tuple[str, dict[str, Any]]:
    """Pop a conditional parameter and its active sub-params (``"<choice>.<name>"``).

    The choice itself is not checked here: svm passes any kernel on to scikit-learn, while
    logistic and linear check theirs with :func:`one_of`.
    """
    choice = p.pop(parent, default)
    sub = branch_params(family, p, parent, choice, choices)
    for key in branch_keys(p, choices):
        del p[key]
    return choice, sub


def typed(
    p: Mapping[str, Any], ints: Sequence[str] = (), floats: Sequence[str] = ()
) -> dict[str, Any]:
    """The given params with ints and floats cast (JSON may hand back 100.0 for an int)."""
    out = dict(p)
    for k in ints:
        if k in out:
            out[k] = int(out[k])
    for k in floats:
        if k in out:
            out[k] = float(out[k])
    return out


def one_of(family: str, parent: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise UserError(
            f"model family {family!r}: {parent} must be one of {list(choices)}, got {value!r}"
        )
