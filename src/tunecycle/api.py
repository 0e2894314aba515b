"""The front door: create, load, list and delete studies by name, resolving sampler, pruner and
storage names to objects.  Everything above the engine (the cycle, the CLI) goes through here.

Optuna's spellings are accepted too (``study_name=``, ``load_study(study_name=, storage=)``),
and Optuna's own functions of this level (``copy_study``, ``get_all_study_summaries``,
``get_all_study_names``) are here, built on :mod:`tunecycle.compat.study`.
"""

from __future__ import annotations

import logging
import secrets
import warnings
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from tunecycle.compat.study import OptunaStudySummary, summaries
from tunecycle.display import hide_password
from tunecycle.errors import DuplicatedStudyError, StudyNotFoundError, UserError
from tunecycle.execution import run_elsewhere
from tunecycle.protocols import NopPruner, Pruner, Sampler
from tunecycle.pruners import make_pruner
from tunecycle.records import Direction, FrozenTrial, StudySummary, TrialState, parse_directions
from tunecycle.samplers import make_sampler, sampler_class, sampler_names
from tunecycle.storage import Storage, get_storage
from tunecycle.storage.base import check_study_name
from tunecycle.study import Study

log = logging.getLogger("tunecycle.api")


def create_study(
    name: str | None = None,
    direction: Direction | str | None = None,
    sampler: str | Sampler | None = "auto",
    storage: str | Storage | None = None,
    seed: int | None = None,
    load_if_exists: bool = False,
    *,
    directions: Sequence[Direction | str] | None = None,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    pruner: str | Pruner | None = None,
    noisy: bool | None = None,
    heartbeat_interval: float = 10.0,
    grace_period: float | None = None,
    max_retries: int = 0,
    study_name: str | None = None,
) -> Study:
    """Create a study (or, with ``load_if_exists``, continue the one of that name).

    ``study_name`` is Optuna's name of ``name``.  The pruner: a name (``"median"``,
    ``"none"``, ...) or a pruner object; without one, a study of one objective prunes by the
    median rule (``MedianPruner()``: after 5 trials, from step 0), as Optuna's does, and a
    study of several objectives prunes nothing (``pruner="none"`` turns pruning off).

    ``storage`` is None (in memory), ``"sqlite:///path.db"`` or a PostgreSQL URL.  On load,
    trials left running by a process that died are failed at once (same host) or after the
    grace period without a heartbeat (other hosts).  ``noisy=True`` declares that the objective
    is noisy, so a configuration may be evaluated more than once; otherwise a wholly discrete
    space never gets a configuration proposed twice (until every one has been tried).
    ``max_retries``: a trial whose worker died (or went silent past the grace period) is
    re-queued with the same params up to this many times; the setting is stored with the
    study, so every worker applies it.

    Several objectives: ``directions=["maximize", "minimize"]`` (instead of ``direction``);
    the objective then returns one number per objective, and ``study.best_trials`` is the
    Pareto front.  ``constraints_func(trial) -> [c1, ...]`` gives each completed trial its
    constraint values (each <= 0 is satisfied; an infeasible trial is never best); it is not
    stored, so pass it to ``load_study`` as well.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise UserError(f"seed: must be an integer or None, got {seed!r}")
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise UserError(f"max_retries: must be a non-negative integer, got {max_retries!r}")
    name = _one_name(name, study_name)
    dirs = parse_directions(direction, directions)
    if name is None:
        name = f"study-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    check_study_name(name)  # before the storage is opened: a bad name creates no file
    given_seed = _study_seed(seed, sampler)
    smp = make_sampler(sampler, given_seed if given_seed is not None else _draw_seed())
    if noisy is not None:
        smp.noisy = bool(noisy)
    prn = make_pruner(pruner if pruner is not None else _default_pruner(dirs))
    _check_objectives(dirs, smp, prn)
    constraints_func = _constraints(constraints_func, smp)
    store = get_storage(storage)
    heartbeat_interval, grace_period, max_retries = _store_settings(
        store, heartbeat_interval, grace_period, max_retries
    )
    attrs = {"sampler": smp.describe(), "pruner": prn.describe(), "seed": smp.seed,
             "seed_drawn": given_seed is None, "max_retries": max_retries}
    created = True
    try:
        info = store.create_study(name, dirs, system_attrs=attrs)
    except DuplicatedStudyError:
        created = False
        if not load_if_exists:
            raise DuplicatedStudyError(
                f"study {name!r} already exists in {store.url}; pass load_if_exists=True "
                "to continue it"
            ) from None
        info = store.get_study(name)
        if info.directions != dirs:
            def said(ds: Sequence[Direction]) -> str:
                return ", ".join(d.value for d in ds)
            field = "direction" if len(dirs) == 1 and len(info.directions) == 1 else "directions"
            raise UserError(
                f"{field}: study {name!r} was created to {said(info.directions)}, not "
                f"{said(dirs)}"
            ) from None
        stored = info.system_attrs.get("seed")
        if given_seed is None and stored is not None:  # continue with the study's own seed
            smp.seed = stored
    study = _open(store, info, smp, prn, heartbeat_interval, grace_period, max_retries,
                  constraints_func)
    study.created = created
    log.info("study %r %s in %s", name, "created" if created else "loaded",
             hide_password(store.url))
    return study


def _store_settings(
    store: Storage,
    heartbeat_interval: float,
    grace_period: float | None,
    max_retries: int,
    *,
    stored_retries: bool = False,
) -> tuple[float, float | None, int]:
    """The study settings, with those the store carries (``Storage.study_defaults``, e.g.
    Optuna's ``RDBStorage(heartbeat_interval=...)``) in place of arguments left at their
    defaults; a store's retry setting also wins over the one stored with the study."""
    given = store.study_defaults
    if heartbeat_interval == 10.0 and "heartbeat_interval" in given:
        heartbeat_interval = float(given["heartbeat_interval"])
    if grace_period is None and "grace_period" in given:
        grace_period = float(given["grace_period"])
    if (stored_retries or max_retries == 0) and "max_retries" in given:
        max_retries = int(given["max_retries"])
    return heartbeat_interval, grace_period, max_retries


def _one_name(name: str | None, study_name: str | None, field: str = "study_name") -> str | None:
    """``name`` or Optuna's ``study_name``: the same study, so both given must agree."""
    if study_name is None:
        return name
    if name is not None and name != study_name:
        raise UserError(f"{field}: {study_name!r} and name={name!r} differ; give one of them")
    return study_name


def _default_pruner(dirs: Sequence[Direction]) -> str:
    """Optuna's default: the median rule for one objective; several take no pruner."""
    return "median" if len(dirs) == 1 else "none"


def _check_objectives(dirs: Sequence[Direction], smp: Sampler, prn: Pruner) -> None:
    """A study of several objectives needs a sampler that reads them and no pruner."""
    if len(dirs) == 1:
        return
    if not smp.multi_objective:
        able = [n for n in sampler_names() if sampler_class(n).multi_objective]
        raise UserError(f"sampler: {smp.name!r} optimises one objective; for {len(dirs)} "
                        f"use one of {able}")
    if not isinstance(prn, NopPruner):
        raise UserError(f"pruner: {prn.name!r} compares one objective's intermediate values; "
                        f"a study of {len(dirs)} objectives takes no pruner")


def _constraints(
    given: Callable[[FrozenTrial], Sequence[float]] | None, smp: Sampler
) -> Callable[[FrozenTrial], Sequence[float]] | None:
    """The study's constraints: those given, else a sampler's own ``constraints_func``
    (Optuna's spelling, ``TPESampler(constraints_func=f)``); the study evaluates them."""
    own = getattr(smp, "constraints_func", None)
    if given is not None and own is not None and given is not own:
        raise UserError("constraints_func: the study's and the sampler's differ; give one")
    return given if given is not None else own


def _study_seed(seed: int | None, sampler: str | Sampler | None) -> int | None:
    """The seed asked for, by ``seed`` or by a sampler instance's own; both must agree."""
    own = sampler.seed if isinstance(sampler, Sampler) else None
    if seed is not None and own is not None and seed != own:
        raise UserError(
            f"seed: the study's seed {seed} and the sampler's seed {own} differ; give one of them"
        )
    return seed if seed is not None else own


def _draw_seed() -> int:
    """A seed for a study made without one, stored with it so that every worker and every
    later load_study proposes from the same streams (a QMC scramble, say)."""
    return secrets.randbelow(2**31)


def _open(
    store: Storage,
    info: Any,
    smp: Sampler,
    prn: Pruner,
    heartbeat_interval: float,
    grace_period: float | None,
    max_retries: int,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Study:
    study = Study(
        store,
        info,
        smp,
        prn,
        heartbeat_interval=heartbeat_interval,
        grace_period=grace_period,
        max_retries=max_retries,
        executor=run_elsewhere,
        constraints_func=constraints_func,
    )
    study._fail_stale()
    return study


def load_study(
    name: str | None = None,
    storage: str | Storage | None = None,
    sampler: str | Sampler | None = None,
    *,
    pruner: str | Pruner | None = None,
    heartbeat_interval: float = 10.0,
    grace_period: float | None = None,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    study_name: str | None = None,
) -> Study:
    """Open an existing study; without ``sampler`` (or ``pruner``) the one it was created with
    is rebuilt.  ``study_name`` is Optuna's name of ``name``; without either, the storage's
    only study is opened (more than one is an error that lists them).

    Nothing is created: a SQLite file that does not exist, or a database without tunecycle's
    tables, is a ``StorageURLError``."""
    name = _one_name(name, study_name)
    if storage is None:
        raise UserError("storage: load_study needs the storage URL (or Storage) of the study")
    store = get_storage(storage, create=False)
    if name is None:
        name = _only_study(store)
    check_study_name(name)
    info = store.get_study(name)
    attrs = dict(info.system_attrs)
    smp = (
        make_sampler(sampler, attrs.get("seed")) if sampler is not None else _stored_sampler(attrs)
    )
    prn = make_pruner(pruner if pruner is not None else attrs.get("pruner"))
    retries = int(attrs.get("max_retries") or 0)
    heartbeat_interval, grace_period, retries = _store_settings(
        store, heartbeat_interval, grace_period, retries, stored_retries=True
    )
    _check_objectives(info.directions, smp, prn)
    constraints_func = _constraints(constraints_func, smp)
    return _open(store, info, smp, prn, heartbeat_interval, grace_period, retries,
                 constraints_func)


def _stored_sampler(attrs: dict[str, Any]) -> Sampler:
    desc = dict(attrs.get("sampler") or {})
    desc.setdefault("seed", attrs.get("seed"))
    name = desc.get("name", "auto")
    if name not in sampler_names():  # a user-written or wrapping sampler is not rebuilt
        warnings.warn(f"load_study: the study's sampler {desc.get('class', name)!r} cannot be "
                      "rebuilt from the store; the default sampler is used (pass sampler= "
                      "to load_study to go on with your own)", UserWarning, stacklevel=3)
        return sampler_class("auto").from_description({"seed": desc.get("seed")})
    return sampler_class(name).from_description(desc)


def _only_study(store: Storage) -> str:
    names = [s.info.name for s in store.list_studies()]
    if len(names) != 1:
        raise UserError(f"study_name: {store.url} holds {len(names)} studies "
                        f"{sorted(names)}; name the one to load")
    return names[0]


def list_studies(storage: str | Storage) -> list[StudySummary]:
    """The studies in ``storage``, which must exist (nothing is created)."""
    return get_storage(storage, create=False).list_studies()


def delete_study(
    name: str | None = None, storage: str | Storage | None = None, *,
    study_name: str | None = None,
) -> None:
    """Delete a study and its trials from ``storage``, which must exist (``study_name`` is
    Optuna's name of ``name``)."""
    name = _one_name(name, study_name)
    if name is None:
        raise UserError("study_name: name the study to delete")
    if storage is None:
        raise UserError("storage: delete_study needs the storage URL (or Storage) of the study")
    check_study_name(name)
    store = get_storage(storage, create=False)
    store.delete_study(store.get_study(name).study_id)


def get_all_study_names(storage: str | Storage) -> list[str]:
    """Optuna's name: the names of the studies in ``storage`` (which must exist)."""
    return [s.info.name for s in list_studies(storage)]


def get_all_study_summaries(
    storage: str | Storage, include_best_trial: bool = True
) -> list[OptunaStudySummary]:
    """Optuna's summaries of the studies in ``storage``: ``study_name``, ``direction(s)``,
    ``best_trial`` (None when ``include_best_trial=False``, for several objectives, or
    without a complete trial), ``user_attrs``, ``system_attrs``, ``n_trials``,
    ``datetime_start`` (when the first trial started) and ``study_id``.  The native
    :func:`list_studies` has counts by state instead."""
    return summaries(get_storage(storage, create=False), include_best_trial)


def copy_study(
    *,
    from_study_name: str,
    from_storage: str | Storage,
    to_storage: str | Storage,
    to_study_name: str | None = None,
) -> None:
    """Copy a study into another storage (or under another name): its directions, user
    attributes, sampler and pruner settings, and every finished or waiting trial with its
    state, values, params, distributions, intermediate values, attributes and times.

    Trials still running in the source are left out (their outcome is not known yet); a
    study of the target name that already exists is a ``DuplicatedStudyError``, and nothing
    is written then."""
    check_study_name(from_study_name)
    src = get_storage(from_storage, create=False)
    info = src.get_study(from_study_name)
    target = to_study_name if to_study_name is not None else from_study_name
    check_study_name(target)
    dst = get_storage(to_storage)
    try:
        dst.get_study(target)
    except StudyNotFoundError:
        pass
    else:
        raise DuplicatedStudyError(f"study {target!r} already exists in {dst.url}; "
                                   "copy_study writes a new study")
    made = dst.create_study(target, info.directions, system_attrs=dict(info.system_attrs))
    for key, value in info.user_attrs.items():
        dst.set_study_attr(made.study_id, key, value)
    for t in src.get_trials(info.study_id):
        if t.state is not TrialState.RUNNING:
            dst.add_trial(made.study_id, t)
