"""Search spaces of the model families, and the estimators that params describe.

:func:`family_space` gives one family's default space, or for several one conditional space
``{"model": Categorical({name: space, ...})}``, with the caller's overrides applied (each
checked by the family: :meth:`~tunecycle.cycle.families.base.Family.check_override`,
``check_value``, ``finish_space``); :func:`family_defaults` gives each family's library
defaults in the same form; :func:`build_estimator` the unfitted estimator of a trial's params;
:func:`space_table` the default spaces as a markdown table.  Families are looked up in the
registry (:mod:`tunecycle.cycle.families.base`), built-in and registered alike.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from tunecycle.cycle.families.base import (
    FAMILIES,
    MODEL_KEY,
    TASKS,
    Family,
    check_task,
    get_family,
    is_builtin,
)
from tunecycle.errors import SpaceError, UserError
from tunecycle.space import Categorical, Float, Int, Param, ParamValue, Space, param_from_dict


def _names(names: str | Sequence[str]) -> list[str]:
    listed = [names] if isinstance(names, str) else list(names)
    if not listed:
        raise UserError("model families: give at least one family name")
    dupes = sorted({n for n in listed if listed.count(n) > 1})
    if dupes:
        raise UserError(f"model families: {dupes} named more than once")
    return listed


def _plain(space: Space) -> dict[str, Param]:
    """A sub-space as a plain dict of params (through its public, plain form)."""
    return {name: param_from_dict(spec) for name, spec in space.to_dict().items()}


def _override_param(value: Any) -> Param:
    if isinstance(value, Param):
        return value
    if isinstance(value, Mapping):
        return param_from_dict(value)
    if isinstance(value, (list, tuple)):
        return Categorical(list(value))
    return Categorical([value])  # a single value fixes the parameter


def _apply(space: dict[str, Param], key: str, value: Any, extra: frozenset[str] = frozenset()
           ) -> bool:
    """Replace (or, for ``None``, remove) ``key`` in ``space``; False when there is no such key
    (a key of ``extra``, the family's optional params, is added).

    ``key`` may name a sub-param of a conditional parameter (``"elasticnet.l1_ratio"``); the
    conditional parameter is then rebuilt with the changed sub-space.
    """
    if key in space:
        if value is None:
            del space[key]
        else:
            space[key] = _override_param(value)
        return True
    for parent, param in list(space.items()):
        if not isinstance(param, Categorical) or not param.branches:
            continue
        subs = {choice: _plain(sub) for choice, sub in param.branches}
        for choice, inner in subs.items():
            prefix = f"{choice}."
            if key.startswith(prefix) and _apply(inner, key[len(prefix) :], value):
                space[parent] = Categorical({c: subs.get(c, {}) for c in param.choices})
                return True
    if key in extra:
        if value is not None:
            space[key] = _override_param(value)
        return True
    return False


def _fixed_values(value: Any) -> list[Any] | None:
    """The values an override fixes (one value, or a list of choices); None for a range."""
    if value is None or isinstance(value, (Param, Mapping)):
        return None
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _check_fixed(family: Family, task: str, space: Mapping[str, Param], key: str,
                 value: Any) -> None:
    """Fixed values of a parameter in the default space must be of its type (an integer for
    an ``Int``, a number for a ``Float``) and pass the library's own check of the estimator's
    parameter (its range: ``n_neighbors`` >= 1, say), so that a typo fails before any trial
    instead of failing every trial."""
    values = _fixed_values(value)
    param = space.get(key)
    if values is None or param is None:
        return
    for v in values:
        if isinstance(param, Int) and (isinstance(v, bool) or not isinstance(v, numbers.Integral)):
            raise SpaceError(f"{v!r} is not an integer (the parameter is {_kind(param)})")
        if isinstance(param, Float) and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
            raise SpaceError(f"{v!r} is not a number (the parameter is {_kind(param)})")
        family.check_value(task, key, v)


def _kind(param: Param) -> str:
    kind = "an integer" if isinstance(param, Int) else "a number"
    return f"{kind}, tuned over {param.low}..{param.high} by default"  # type: ignore[union-attr]


def _family_space(family: Family, task: str, overrides: Mapping[str, Any]) -> dict[str, Param]:
    space = family.space_for(task)
    if not isinstance(overrides, Mapping):
        raise UserError(
            f"overrides for model family {family.name!r} must be a mapping of parameter -> "
            f"new range (or None), got {overrides!r}"
        )
    known = Space(space).names
    for key, value in overrides.items():
        try:
            _check_fixed(family, task, space, key, value)
            found = _apply(space, key, value, family.extra_params)
        except SpaceError as exc:
            raise UserError(f"model family {family.name!r}, parameter {key!r}: {exc}") from None
        if not found:
            optional = sorted(family.extra_params)
            raise UserError(
                f"model family {family.name!r} has no parameter {key!r} to override; it has {known}"
                + (f" (and may add {optional})" if optional else "")
            )
        if value is not None:
            reason = family.check_override(key, _override_param(value))
            if reason is not None:
                raise UserError(f"model family {family.name!r}, parameter {key!r}: {reason}")
    space = family.finish_space(space, overrides, task)
    try:
        Space(space)
    except SpaceError as exc:
        raise UserError(f"model family {family.name!r}: {exc}") from None
    return space


def family_space(
    names: str | Sequence[str],
    task: str,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The search space for ``names`` on ``task``, with ``overrides`` applied.

    One family gives its own space (params named as the family names them); several give
    ``{"model": Categorical({name: space, ...})}``, whose params come back as
    ``{"model": "svm", "svm.C": ...}``.  ``overrides`` maps a family to ``{param: value}``:
    a ``Param``, a plain spec dict or a list of choices replaces the parameter, a single value
    fixes it, ``None`` removes it (the estimator's default applies).
    """
    check_task(task)
    listed = _names(names)
    families = [get_family(n, task) for n in listed]
    for fam in families:  # before any trial: a missing library names the extra to install
        fam.check_installed()
    overrides = dict(overrides or {})
    stray = sorted(set(overrides) - set(listed))
    if stray:
        raise UserError(
            f"overrides name model families {stray} that are not among those tuned ({listed})"
        )
    spaces = {f.name: _family_space(f, task, overrides.get(f.name, {})) for f in families}
    if len(spaces) == 1:
        return next(iter(spaces.values()))
    return {MODEL_KEY: Categorical(spaces)}


def family_defaults(
    names: str | Sequence[str],
    task: str,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, ParamValue]]:
    """Each family's library defaults, in the form of ``family_space``'s params.

    Ready for ``study.enqueue``: one configuration per family (prefixed, with ``"model"``, when
    several families are tuned).  A default that the (overridden) space does not contain is
    left out, for the sampler to propose.
    """
    listed = _names(names)
    space = Space(family_space(listed, task, overrides))
    out: list[dict[str, ParamValue]] = []
    for name in listed:
        defaults = get_family(name, task).defaults_for(task)
        if len(listed) > 1:
            config: dict[str, ParamValue] = {MODEL_KEY: name}
            config.update({f"{name}.{k}": v for k, v in defaults.items()})
        else:
            config = dict(defaults)
        kept: dict[str, ParamValue] = {}
        for dim in space.dims:  # in space order, so that conditions are seen before their subs
            if dim.name in config and space.is_active(dim, kept):
                if dim.param.contains(config[dim.name]):
                    kept[dim.name] = dim.param.normalize(config[dim.name])
        out.append(kept)
    return out


def build_estimator(
    params: Mapping[str, Any],
    task: str,
    seed: int = 0,
    family: str | None = None,
    *,
    proba: bool = False,
) -> tuple[str, Any]:
    """Build the unfitted estimator that ``params`` describe; returns ``(family, estimator)``.

    ``params`` is either one family's own params (then name it with ``family``) or the params
    of a multi-family space: ``{"model": "svm", "svm.C": ...}``, whose ``"<family>."`` prefixes
    are stripped.  Missing params take the estimator's defaults.  ``proba=True`` asks for a
    classifier with ``predict_proba`` (it changes only svm; see ``Family.has_proba``).
    """
    check_task(task)
    if not isinstance(params, Mapping):
        raise UserError(f"build_estimator: params must be a mapping, got {params!r}")
    own: Mapping[str, Any]
    if MODEL_KEY in params:
        chosen = params[MODEL_KEY]
        if family is not None and family != chosen:
            raise UserError(
                f"build_estimator: family={family!r} but params choose model={chosen!r}"
            )
        fam = get_family(chosen, task)
        prefix = f"{fam.name}."
        stray = sorted(k for k in params if k != MODEL_KEY and not k.startswith(prefix))
        if stray:
            raise UserError(
                f"build_estimator: params {stray} do not belong to the chosen model "
                f"{fam.name!r} (its params start with {prefix!r})"
            )
        own = {k[len(prefix) :]: v for k, v in params.items() if k != MODEL_KEY}
    else:
        if family is None:
            raise UserError(
                "build_estimator: name the family (family='svm') or give params with a "
                f"{MODEL_KEY!r} key"
            )
        fam = get_family(family, task)
        own = params
    return fam.name, fam.build(own, int(seed), task, proba=proba)


def own_space(tuned: Mapping[str, Any], name: str, several: bool) -> dict[str, Param]:
    """The flattened params of family ``name`` in the space ``tuned`` (what
    :func:`family_space` gave), under the family's own names."""
    prefix = f"{name}." if several else ""
    return {d.name[len(prefix):]: d.param for d in Space(dict(tuned)).dims
            if d.name.startswith(prefix) and d.name != MODEL_KEY}


def _range(param: Param) -> tuple[str, str]:
    if isinstance(param, Categorical):
        return ", ".join(str(c) for c in param.choices), "choice"
    if isinstance(param, Int):
        return f"[{param.low}, {param.high}]", "log int" if param.log else "int"
    assert isinstance(param, Float)
    return f"[{param.low:g}, {param.high:g}]", "log" if param.log else "linear"


def space_table(names: Sequence[str] | None = None) -> str:
    """The default spaces as a markdown table: family, hyperparameter, range, scale, default, why.

    ``names``: the families to show (default: every built-in family that is not a network;
    the networks' table is in :mod:`tunecycle.cycle.deep.spaces`)."""
    rows = [
        "| family | hyperparameter | range | scale | default | why this range |",
        "|---|---|---|---|---|---|",
    ]
    chosen = [f for f in FAMILIES.values() if is_builtin(f.name) and f.kind != "network"
              ] if names is None else [
        get_family(n) for n in names]
    for fam in chosen:
        entries: list[tuple[str, str, Param, dict[str, ParamValue]]] = [
            (d.name, d.name, d.param, fam.defaults) for d in Space(fam.space).dims
        ]
        for task in TASKS:
            extra = fam.task_space.get(task, {})
            for d in Space(extra).dims if extra else ():
                defaults = fam.task_defaults.get(task, {})
                entries.append((f"{d.name} ({task})", d.name, d.param, defaults))
        for label, name, param, defaults in entries:
            rng, scale = _range(param)
            if name in defaults:
                default = str(defaults[name])
            else:
                default = fam.default_notes.get(name) or "—"
            why = fam.why.get(label) or fam.why.get(name, "")
            rows.append(f"| {fam.name} | {label} | {rng} | {scale} | {default} | {why} |")
    return "\n".join(rows)

