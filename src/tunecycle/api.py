"""The front door: create, load, list and delete studies by name, resolving sampler, pruner and
storage names to objects.  Everything above the engine (the cycle, the CLI) goes through here.

Warm start (``create_study(warm_start=...)``): the source studies are read here, checked
against the new study's direction, and handed to the study as a :class:`~tunecycle.warmstart.Prior`;
the link to them is stored with the study (system attribute ``warm_start``), so
``load_study`` warm-starts again from the same trials.

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
from tunecycle.errors import (
    DuplicatedStudyError,
    StorageUnavailableError,
    StudyNotFoundError,
    UserError,
)
from tunecycle.execution import run_elsewhere
from tunecycle.protocols import NopPruner, Pruner, Sampler
from tunecycle.pruners import make_pruner
from tunecycle.records import Direction, FrozenTrial, StudySummary, TrialState, parse_directions
from tunecycle.samplers import make_sampler, sampler_class, sampler_names
from tunecycle.storage import Storage, get_storage
from tunecycle.storage.base import check_study_name
from tunecycle.storage.urls import parse_storage_url
from tunecycle.study import Study
from tunecycle.warmstart import (
    DEFAULT_HALF_LIFE,
    Prior,
    PriorTrial,
    check_direction,
    usable_trials,
)

#: one earlier study to warm-start from: a ``Study``, ``"name"`` (in the new study's storage),
#: ``"storage-url::name"``, or ``(storage or URL, name)``
WarmSource = Any
_WARM_ATTR = "warm_start"

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
    warm_start: WarmSource | Sequence[WarmSource] | None = None,
    warm_start_half_life: float | None = None,
    warm_start_enqueue: int = 0,
) -> Study:
    """Create a study (or, with ``load_if_exists``, continue the one of that name).

    ``warm_start``: earlier studies whose complete trials inform this study's sampler without
    being its trials (not in ``study.trials``, not counted by ``n_trials``, never best): a
    ``Study``, a name in this study's storage, ``"sqlite:///old.db::name"`` (a storage URL,
    ``::``, the study name), ``(storage, name)``, or a list of these.  Their directions must
    be this study's (one objective).  Parameters map by name, values the new space cannot hold
    drop the trial, new parameters are free; the prior's weight halves after
    ``warm_start_half_life`` own trials (None: the sampler's own, 20 for TPE and 5 for the
    others; rules in ``docs/howto/warm-start.md``).  The link is
    stored with the study, so ``load_study`` warm-starts again from the same trials.
    ``warm_start_enqueue=k`` also enqueues the prior's ``k`` best configurations, as they
    were, on a new study: they then run as its own first trials (``study.enqueue_prior(k,
    space)`` maps them onto a changed space first).

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
    _check_enqueue(warm_start_enqueue, warm_start)
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
    prior = (_read_warm_start(warm_start, store, name, dirs, warm_start_half_life)
             if warm_start is not None else None)
    attrs = {"sampler": smp.describe(), "pruner": prn.describe(), "seed": smp.seed,
             "seed_drawn": given_seed is None, "max_retries": max_retries}
    if prior is not None:
        attrs[_WARM_ATTR] = _link(prior)
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
        if prior is None:
            prior = _stored_prior(info.system_attrs, store, dirs)
    study = _open(store, info, smp, prn, heartbeat_interval, grace_period, max_retries,
                  constraints_func, prior)
    study.created = created
    if created and prior is not None and warm_start_enqueue:
        study.enqueue_prior(warm_start_enqueue)
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
    prior: Prior | None = None,
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
        prior=prior,
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
    prior = _stored_prior(attrs, store, info.directions)
    return _open(store, info, smp, prn, heartbeat_interval, grace_period, retries,
                 constraints_func, prior)


# -- warm start ------------------------------------------------------------------------------


def _check_enqueue(k: Any, warm_start: Any) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise UserError(f"warm_start_enqueue: must be a non-negative integer, got {k!r}")
    if k and warm_start is None:
        raise UserError("warm_start_enqueue: enqueues the best trials of warm_start's studies; "
                        "give warm_start too")


def _read_warm_start(given: Any, store: Storage, name: str, dirs: Sequence[Direction],
                     half_life: float | None) -> Prior:
    """The prior of a new study: every source read, checked and linked."""
    items = [given] if isinstance(given, (Study, str, tuple)) else given
    if not isinstance(items, Sequence) or not items:
        raise UserError(f"expected a study, 'storage-url::name', (storage, name) "
                        f"or a non-empty list of them, got {given!r}", field="warm_start")
    trials: list[PriorTrial] = []
    links: list[dict[str, Any]] = []
    for item in items:
        src, src_name = _source(item, store)
        if src_name == name and _same_store(src, store):
            raise UserError(f"study {name!r} cannot warm-start from itself", field="warm_start")
        try:
            info = src.get_study(src_name)
        except StudyNotFoundError:
            raise UserError(f"no study named {src_name!r} in "
                            f"{hide_password(src.url)}", field="warm_start") from None
        check_direction(dirs, info.directions, src_name)
        records = src.get_trials(info.study_id)
        usable = usable_trials(records, src_name)
        trials += usable
        link: dict[str, Any] = {"study": src_name, "n_trials": len(usable),
                                "until": max((t.number for t in records), default=-1) + 1}
        if _same_store(src, store):
            link["storage"] = None
        elif parse_storage_url(src.url).is_sql:
            link["storage"] = _absolute(src.url)
        else:  # another in-memory store cannot be reopened: keep the trials themselves
            link["storage"] = "memory://"
            link["trials"] = [{"params": dict(t.params), "value": t.value, "number": t.number}
                              for t in usable]
        links.append(link)
    return Prior(trials, dirs[0], half_life, tuple(links))


def _source(item: Any, store: Storage) -> tuple[Storage, str]:
    if isinstance(item, Study):
        return item.storage, item.name
    if isinstance(item, str):
        if "::" in item:
            url, _, src_name = item.rpartition("::")
            if not src_name:
                raise UserError(f"{item!r} names no study after '::'", field="warm_start")
            return _open_source(url), src_name
        return store, item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str):
        where = item[0]
        if not isinstance(where, (str, Storage)):
            raise UserError(f"{item!r}: the storage must be a URL or a Storage", field="warm_start")
        return _open_source(where), item[1]
    raise UserError(f"{item!r} is not a study, 'storage-url::name' or "
                    "(storage, name)", field="warm_start")


def _open_source(where: str | Storage) -> Storage:
    """A source's storage, which must exist (nothing is created)."""
    try:
        return get_storage(where, create=False)
    except UserError as exc:
        raise UserError(str(exc), field="warm_start") from None


def _same_store(a: Storage, b: Storage) -> bool:
    return a is b or (parse_storage_url(a.url).is_sql and a.url == b.url)


def _absolute(url: str) -> str:
    """A storage URL that reopens from any directory, without its password (never stored)."""
    target = parse_storage_url(url)
    if target.path is not None:
        return f"sqlite:///{target.path.resolve()}"
    return hide_password(url).replace(":***@", "@")


def _link(prior: Prior) -> dict[str, Any]:
    return {"version": 1, "half_life": prior.half_life, "sources": list(prior.sources)}


def _relinked(link: dict[str, Any], src: Storage) -> dict[str, Any]:
    """A warm start link copied out of ``src``: sources that lived beside the study there are
    named by ``src``'s URL (or, for an in-memory ``src``, hold their trials)."""
    sources = []
    for s in link.get("sources", []):
        s = dict(s)
        if s.get("storage") is None and "trials" not in s:
            if parse_storage_url(src.url).is_sql:
                s["storage"] = _absolute(src.url)
            else:
                info = src.get_study(s["study"])
                kept = [t for t in src.get_trials(info.study_id) if t.number < s["until"]]
                s["storage"] = "memory://"
                s["trials"] = [{"params": dict(t.params), "value": t.value, "number": t.number}
                               for t in usable_trials(kept, s["study"])]
        sources.append(s)
    return {**link, "sources": sources}


def _stored_prior(attrs: dict[str, Any], store: Storage,
                  dirs: Sequence[Direction]) -> Prior | None:
    """The prior a stored link describes, read again; a source that cannot be read is one
    warning, and the study goes on without it."""
    link = attrs.get(_WARM_ATTR)
    if not link:
        return None
    trials: list[PriorTrial] = []
    for src in link.get("sources", []):
        if "trials" in src:
            trials += [PriorTrial(t["params"], float(t["value"]), src["study"], t["number"])
                       for t in src["trials"]]
            continue
        try:
            where = store if src.get("storage") is None else get_storage(src["storage"],
                                                                         create=False)
            info = where.get_study(src["study"])
            records = [t for t in where.get_trials(info.study_id) if t.number < src["until"]]
        except (UserError, StorageUnavailableError) as exc:
            warnings.warn(f"warm_start: source study {src.get('study')!r} cannot be read "
                          f"({exc}); the study goes on without its trials", UserWarning,
                          stacklevel=3)
            continue
        trials += usable_trials(records, src["study"])
    life = link.get("half_life")  # studies linked before it could be None held 5
    return Prior(trials, dirs[0], DEFAULT_HALF_LIFE if "half_life" not in link
                 else None if life is None else float(life), tuple(link.get("sources", [])))


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
    attrs = dict(info.system_attrs)
    if attrs.get(_WARM_ATTR) and not _same_store(src, dst):
        attrs[_WARM_ATTR] = _relinked(attrs[_WARM_ATTR], src)
    made = dst.create_study(target, info.directions, system_attrs=attrs)
    for key, value in info.user_attrs.items():
        dst.set_study_attr(made.study_id, key, value)
    for t in src.get_trials(info.study_id):
        if t.state is not TrialState.RUNNING:
            dst.add_trial(made.study_id, t)
