"""Bring studies over from an Optuna storage into a tunecycle store, with their whole history.

``import_optuna_study(from_url, study_name=None, to_storage=...)`` copies one study, several or
all of them from an Optuna RDB database (``sqlite:///optuna.db``, ``postgresql://...``) or an
Optuna journal file (``journal:optuna.log``, the file of a ``JournalFileBackend``; a plain path
to a SQLite or journal file is recognised by its first bytes) into any tunecycle storage; the
``tunecycle import`` command calls it.

The source is read with Optuna's own public storage API (imported here, only when an import
runs), so every schema version that the installed Optuna reads is read; it is opened read-only
where the database allows it (SQLite, PostgreSQL) and never written.  Each study keeps its
directions, metric names and attributes; each trial its number, state, values, constraint
values (Optuna's ``system_attrs["constraints"]``), params with their distributions,
intermediate values, attributes and times.  Trial numbers stay Optuna's: a trial still running
in Optuna is imported as failed (no process of ours runs it) and a waiting (enqueued) one stays
waiting, so that tunecycle runs it next; a complete trial whose value is not finite (Optuna
allows infinity; tunecycle does not) is imported as failed with its value in the reason.  Every
such change is counted in the result.

Nothing is half-written: every trial is converted and checked before the first write, and a
failure while writing deletes the studies this call made (and the SQLite file, if it made it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunecycle.api import create_study
from tunecycle.errors import DuplicatedStudyError, StorageURLError, StudyNotFoundError, UserError
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.space import Categorical, Float, Int, Param
from tunecycle.storage import Storage, get_storage, parse_storage_url
from tunecycle.storage.base import check_added_trial, check_objective_count, check_study_name

#: where Optuna keeps a study's metric names and a trial's constraint values (system attrs)
OPTUNA_METRIC_NAMES = "study:metric_names"
OPTUNA_CONSTRAINTS = "constraints"
#: study system attributes of tunecycle's own; an Optuna attribute of the same name is kept
#: under ``optuna:<name>`` instead
_OURS = frozenset(
    {"sampler", "pruner", "seed", "seed_drawn", "max_retries", "metric_names", "imported_from"}
)
_IF_EXISTS = ("error", "skip", "rename")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_OPTUNA_TABLES = frozenset({"studies", "trials", "version_info"})


@dataclass(frozen=True)
class ImportedStudy:
    """What the import did with one Optuna study.

    ``counts`` holds the imported trials by tunecycle state; ``running_failed`` how many of the
    failed ones were still running in Optuna, ``not_finite_failed`` how many were complete
    there with a value that is not finite.  ``skipped`` is True when the target already held
    the name and ``if_exists="skip"`` left it alone (nothing was imported)."""

    source_name: str
    name: str
    n_trials: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    running_failed: int = 0
    not_finite_failed: int = 0
    skipped: bool = False

    def describe(self) -> str:
        """One line for people: what was imported and what was changed on the way."""
        if self.skipped:
            return f"skipped {self.source_name!r}: the target already holds a study of that name"
        said = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        line = f"imported {self.source_name!r}"
        if self.name != self.source_name:
            line += f" as {self.name!r}"
        line += f": {self.n_trials} trials" + (f" ({said})" if said else "")
        notes = []
        if self.running_failed:
            notes.append(f"{self.running_failed} still running in Optuna, imported as failed")
        if self.not_finite_failed:
            notes.append(
                f"{self.not_finite_failed} complete with a value that is not finite, "
                "imported as failed"
            )
        return line + ("; " + "; ".join(notes) if notes else "")


@dataclass(frozen=True)
class _Plan:
    """One study, read and converted, ready to write."""

    source_name: str
    directions: tuple[Direction, ...]
    metric_names: list[str] | None
    user_attrs: dict[str, Any]
    system_attrs: dict[str, Any]
    trials: list[FrozenTrial]
    running_failed: int
    not_finite_failed: int


def import_optuna_study(
    from_url: str,
    study_name: str | Sequence[str] | None = None,
    to_storage: str | Storage | None = None,
    to_name: str | None = None,
    *,
    if_exists: str = "error",
) -> list[ImportedStudy]:
    """Copy studies of an Optuna storage into ``to_storage`` (a URL or a ``Storage``).

    ``study_name``: one name, a list, or None for every study of the source.  ``to_name``:
    the name in the target (one study only; default: its Optuna name).  ``if_exists``: what
    to do when the target already holds a study of that name: ``"error"`` (refuse before
    writing anything), ``"skip"`` (leave it, import the others) or ``"rename"`` (import as
    ``name-2``, ``name-3``, ...).  Returns one :class:`ImportedStudy` per study.  Afterwards
    ``tunecycle.load_study(name, to_storage)`` continues the study: its sampler reads the
    imported trials."""
    if to_storage is None:
        raise UserError(
            "give the tunecycle storage to import into, e.g. 'sqlite:///tuning.db'",
            field="to_storage"
        )
    if if_exists not in _IF_EXISTS:
        raise UserError(f"expected one of {list(_IF_EXISTS)}, got {if_exists!r}", field="if_exists")
    wanted = _wanted_names(study_name)
    if to_name is not None:
        check_study_name(to_name)
    source, safe = open_optuna_storage(from_url)
    try:
        plans = _read(source, safe, wanted)
    finally:
        engine = getattr(source, "engine", None)  # an RDBStorage: its connections go now
        if engine is not None:
            engine.dispose()
    if to_name is not None and len(plans) != 1:
        raise UserError(
            f"names one study, but {len(plans)} are to be imported "
            "(choose one with study_name)", field="to_name"
        )
    created_file = _new_sqlite_file(to_storage)
    try:
        store = get_storage(to_storage)
    except StorageURLError as exc:
        raise StorageURLError(exc.problem, field="to_storage") from None
    made: list[int] = []
    try:
        names = _target_names(store, plans, to_name, if_exists)
        results = []
        for plan, name in zip(plans, names):
            if name is None:
                results.append(ImportedStudy(plan.source_name, plan.source_name, skipped=True))
                continue
            results.append(_write(store, plan, name, safe, made))
        return results
    except BaseException:
        for sid in reversed(made):
            try:
                store.delete_study(sid)
            except Exception:  # the store may be the reason we are here; say the first error
                pass
        if created_file is not None and isinstance(to_storage, str):
            store.close()
            _remove_sqlite(created_file)
        raise
    finally:
        if isinstance(to_storage, str):
            store.close()


# -- the source -----------------------------------------------------------------------------------
def _optuna() -> Any:
    try:
        import optuna
    except ModuleNotFoundError:
        raise UserError(
            "reading an Optuna storage needs Optuna itself, which is not "
            "installed here: pip install optuna", field="from_url"
        ) from None
    return optuna


def open_optuna_storage(from_url: str) -> tuple[Any, str]:
    """The Optuna storage at ``from_url``, opened for reading, and the URL to show (no
    password).  ``from_url``: an RDB URL, ``journal:PATH``, or a path to either kind of file."""
    if not isinstance(from_url, str) or not from_url.strip():
        raise UserError(f"expected an Optuna storage URL, got {from_url!r}", field="from_url")
    kind, where, safe = _parse_source(from_url.strip())
    optuna = _optuna()
    if kind == "journal":
        from optuna.storages.journal import JournalFileBackend

        try:
            return optuna.storages.JournalStorage(JournalFileBackend(where)), safe
        except Exception as exc:
            raise UserError(
                f"cannot read {safe} as an Optuna journal file ({_first_line(exc)})",
                field="from_url"
            ) from None
    _check_optuna_tables(where, safe)
    try:
        storage = optuna.storages.RDBStorage(
            _read_only(where), engine_kwargs=_read_only_engine(where), skip_table_creation=True
        )
    except Exception as exc:
        raise UserError(
            f"optuna {optuna.__version__} cannot read {safe} ({_first_line(exc)})", field="from_url"
        ) from None
    return storage, safe


def _parse_source(url: str) -> tuple[str, str, str]:
    """("journal", path, shown) or ("rdb", SQLAlchemy URL, shown)."""
    if url.startswith("journal:"):
        rest = url[len("journal:") :]
        path = rest[2:] if rest.startswith("//") else rest
        return "journal", _existing_file(path, url), url
    if "://" not in url:  # a plain path: SQLite or a journal, by its first bytes
        path = _existing_file(url, url)
        with open(path, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
        if head == _SQLITE_MAGIC:
            return "rdb", f"sqlite:///{Path(path).resolve()}", url
        return "journal", path, f"journal:{url}"
    try:
        target = parse_storage_url(url)
    except StorageURLError as exc:
        raise UserError(f"{exc.problem} (or journal:PATH for an Optuna journal file)",
                        field="from_url") from None
    if not target.is_sql:
        raise UserError(
            f"{target.safe} is not an Optuna storage; give its database "
            "URL (sqlite:///optuna.db, postgresql://...) or journal:PATH", field="from_url"
        )
    if target.backend == "sqlite":
        if target.path is None:
            raise UserError(f"{target.safe} is an empty in-memory database", field="from_url")
        _existing_file(str(target.path), target.safe)
    return "rdb", target.url, target.safe


def _existing_file(path: str, shown: str) -> str:
    if not path:
        raise UserError(f"{shown!r} names no file", field="from_url")
    if not Path(path).is_file():
        raise UserError(f"no such file {path!r}", field="from_url")
    return path


def _read_only(url: str) -> str:
    """A SQLite URL opened read-only (so that not even Optuna's own start-up writes)."""
    if not url.startswith("sqlite:///"):
        return url
    path = Path(url[len("sqlite:///") :]).resolve()
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def _read_only_engine(url: str) -> dict[str, Any]:
    if url.startswith("postgresql"):
        return {"connect_args": {"options": "-c default_transaction_read_only=on"}}
    return {}


def _check_optuna_tables(url: str, safe: str) -> None:
    """Refuse a database without Optuna's tables (and say so when it is one of ours)."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(_read_only(url), **_read_only_engine(url))
    except Exception as exc:
        raise UserError(f"cannot open {safe} ({_first_line(exc)})", field="from_url") from None
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
    except SQLAlchemyError as exc:
        reason = _first_line(getattr(exc, "orig", None) or exc)
        raise UserError(f"cannot read {safe} ({reason})", field="from_url") from None
    finally:
        engine.dispose()
    if _OPTUNA_TABLES <= names:
        return
    if "tc_studies" in names:
        raise UserError(
            f"{safe} is a tunecycle storage, not an Optuna one: open it "
            "with --storage / load_study, nothing to import", field="from_url"
        )
    raise UserError(f"{safe} holds no Optuna studies (it has no Optuna tables)", field="from_url")


def _first_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- reading and converting -----------------------------------------------------------------------
def _wanted_names(study_name: str | Sequence[str] | None) -> list[str] | None:
    if study_name is None:
        return None
    names = [study_name] if isinstance(study_name, str) else list(study_name)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise UserError(f"expected a study name or a list of them, got {study_name!r}",
                        field="study_name")
    return list(dict.fromkeys(names))


def _read(source: Any, safe: str, wanted: list[str] | None) -> list[_Plan]:
    studies = {s.study_name: s for s in source.get_all_studies()}
    if not studies:
        raise UserError(f"{safe} holds no studies", field="from_url")
    if wanted is None:
        wanted = list(studies)
    missing = [n for n in wanted if n not in studies]
    if missing:
        raise StudyNotFoundError(
            f"no study named {missing[0]!r} in {safe} (it holds {_listing(studies)})",
            field="study_name"
        )
    plans = []
    for name in wanted:
        study = studies[name]
        trials = source.get_all_trials(study._study_id, deepcopy=False)
        plans.append(_plan(study, trials))
    return plans


def _listing(names: Iterable[str]) -> str:
    names = sorted(names)
    shown = ", ".join(repr(n) for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _plan(study: Any, trials: Sequence[Any]) -> _Plan:
    name = study.study_name
    directions = tuple(_direction(d, name) for d in study.directions)
    system = dict(study.system_attrs)
    metric_names = system.pop(OPTUNA_METRIC_NAMES, None)
    if metric_names is not None and (
        isinstance(metric_names, str)
        or len(metric_names) != len(directions)
        or len(set(metric_names)) != len(metric_names)
        or not all(isinstance(m, str) and m for m in metric_names)
    ):
        raise UserError(
            f"study {name!r}: its metric names {metric_names!r} do not name its "
            f"{len(directions)} objective(s) once each"
        )
    attrs = {(f"optuna:{k}" if k in _OURS else k): v for k, v in system.items()}
    converted, running, not_finite = [], 0, 0
    for ot in sorted(trials, key=lambda t: t.number):
        t, why = convert_trial(ot, name)
        running += why == "running"
        not_finite += why == "not finite"
        t = check_added_trial(t)
        check_objective_count(t, len(directions))
        converted.append(t)
    return _Plan(
        name,
        directions,
        list(metric_names) if metric_names else None,
        dict(study.user_attrs),
        attrs,
        converted,
        running,
        not_finite,
    )


def _direction(d: Any, study: str) -> Direction:
    label = getattr(d, "name", str(d)).lower()
    if label not in ("minimize", "maximize"):
        raise UserError(f"study {study!r}: direction {label!r} is neither minimize nor maximize")
    return Direction(label)


def convert_trial(ot: Any, study: str = "") -> tuple[FrozenTrial, str | None]:
    """An Optuna ``FrozenTrial`` as a tunecycle one, and why its state changed (None when it
    did not; ``"running"`` or ``"not finite"``)."""
    where = f"study {study!r}, trial {ot.number}"
    state = ot.state.name
    values = None if ot.values is None else [float(v) for v in ot.values]
    system = dict(ot.system_attrs)
    params = dict(ot.params)
    dists = {p: distribution(d, f"{where}, param {p!r}") for p, d in ot.distributions.items()}
    reason = system.get("fail_reason") if isinstance(system.get("fail_reason"), str) else None
    why = None
    if state == "COMPLETE":
        ours = TrialState.COMPLETE
        if values is not None and not all(math.isfinite(v) for v in values):
            ours, why = TrialState.FAILED, "not finite"
            reason = (
                f"imported from Optuna, where it completed with the value(s) {values}: "
                "tunecycle keeps only finite values"
            )
            values = None
    elif state == "PRUNED":
        ours = TrialState.PRUNED
        if values is not None and not all(math.isfinite(v) for v in values):
            values = None  # Optuna's copy of the last intermediate value; that value is kept
    elif state == "FAIL":
        ours, values = TrialState.FAILED, None
    elif state == "RUNNING":
        ours, values, why = TrialState.FAILED, None, "running"
        reason = "imported from Optuna while it was still running there"
    elif state == "WAITING":
        ours, values = TrialState.WAITING, None
        if not params and isinstance(system.get("fixed_params"), Mapping):
            params = dict(system["fixed_params"])  # enqueue_trial's params
    else:
        raise UserError(f"{where}: unknown Optuna state {state!r}")
    constraints = _constraints(ot, system)
    try:
        t = FrozenTrial(
            trial_id=0,
            number=ot.number,
            state=ours,
            value=None,
            values=None if values is None else tuple(values),
            constraints=constraints,
            params=params,
            distributions=dists,
            intermediate=dict(ot.intermediate_values),
            user_attrs=dict(ot.user_attrs),
            system_attrs=system,
            datetime_start=ot.datetime_start,
            datetime_complete=ot.datetime_complete,
            fail_reason=reason,
        )
    except (TypeError, ValueError) as exc:
        raise UserError(f"{where}: {exc}") from None
    return t, why


def _constraints(ot: Any, system: Mapping[str, Any]) -> tuple[float, ...] | None:
    """The trial's constraint values: Optuna 5's ``FrozenTrial.constraints`` (a mapping of
    name -> value, in Optuna's order), or an older Optuna's ``system_attrs["constraints"]``."""
    given = getattr(ot, "constraints", None)
    if isinstance(given, Mapping):
        values = list(given.values())
    else:
        values = system.get(OPTUNA_CONSTRAINTS)
    if not values:
        return None
    return tuple(values)


def distribution(d: Any, where: str = "distribution") -> Param:
    """An Optuna distribution (Float/Int/Categorical, or the older Uniform kinds that Optuna
    still reads) as tunecycle's parameter type."""
    kind = type(d).__name__
    try:
        if hasattr(d, "choices"):
            return Categorical(list(d.choices))
        log = bool(getattr(d, "log", "LogUniform" in kind))
        step = getattr(d, "step", getattr(d, "q", None))
        if kind.startswith("Int"):
            return Int(int(d.low), int(d.high), log=log, step=int(step or 1))
        return Float(
            float(d.low), float(d.high), log=log, step=None if step is None else float(step)
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise UserError(f"{where}: cannot use Optuna's {kind} here ({exc})") from None


# -- the target -----------------------------------------------------------------------------------
def _target_names(
    store: Storage, plans: Sequence[_Plan], to_name: str | None, if_exists: str
) -> list[str | None]:
    """The name each study gets in the target (None: skipped), checked before any write."""
    taken = {s.info.name for s in store.list_studies()}
    out: list[str | None] = []
    for plan in plans:
        name = to_name or plan.source_name
        check_study_name(name)
        if name in taken:
            if if_exists == "error":
                raise DuplicatedStudyError(
                    f"the target {_safe(store)} already holds a study named "
                    f"{name!r}; nothing was imported: give it another name (to_name, --as), "
                    "or skip or rename it (if_exists, --if-exists: skip or rename)",
                    field="to_name")
            if if_exists == "skip":
                out.append(None)
                continue
            k = 2
            while f"{name}-{k}" in taken:
                k += 1
            name = f"{name}-{k}"
        taken.add(name)
        out.append(name)
    return out


def _write(store: Storage, plan: _Plan, name: str, safe: str, made: list[int]) -> ImportedStudy:
    """Make the study in the target and add its trials, in Optuna's number order."""
    study = create_study(name, directions=[d.value for d in plan.directions], storage=store)
    sid = study.study_id
    made.append(sid)
    if plan.metric_names:
        study.set_metric_names(plan.metric_names)
    for key, value in plan.user_attrs.items():
        store.set_study_attr(sid, key, value)
    for key, value in plan.system_attrs.items():
        store.set_study_attr(sid, key, value, system=True)
    store.set_study_attr(
        sid, "imported_from", {"storage": safe, "study": plan.source_name}, system=True
    )
    counts = {
        s.value: 0
        for s in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED, TrialState.WAITING)
    }
    for t in plan.trials:
        store.add_trial(sid, t)
        counts[t.state.value] += 1
    return ImportedStudy(
        plan.source_name,
        name,
        len(plan.trials),
        counts,
        plan.running_failed,
        plan.not_finite_failed,
    )


def _safe(store: Storage) -> str:
    """The store's URL without a password."""
    try:
        return parse_storage_url(store.url).safe
    except StorageURLError:
        return store.url


def _new_sqlite_file(to_storage: str | Storage) -> Path | None:
    """The SQLite file that ``to_storage`` names, when it does not exist yet (None else)."""
    if not isinstance(to_storage, str):
        return None
    try:
        target = parse_storage_url(to_storage)
    except StorageURLError:
        return None  # get_storage says what is wrong with it
    if target.backend == "sqlite" and target.path is not None and not target.path.exists():
        return target.path
    return None


def _remove_sqlite(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
