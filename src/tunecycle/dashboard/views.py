"""What the dashboard's JSON API answers, built from the storage's bounded reads.

Every function here makes short reads through the ``Storage`` contract (a page, a summary, the
changes after a cursor) and returns plain JSON-safe data; none of them writes.  The points of
the history plot are kept per study by ``PointsCache`` and brought up to date from the changes.
Non-finite numbers become ``null`` (JSON has no NaN).

Studies of several objectives: trials carry ``values``, ``constraints`` and ``feasible``;
summaries carry ``directions`` and ``metric_names``.  ``Storage.get_trial_points`` holds one
value per trial, so the points of such a study are read once through the changes from cursor 0
(pages of ``MAX_PAGE`` trials) and kept like the others; ``PointsCache.pareto`` answers the
front and the hypervolume after each trial from them (``tunecycle.viz.data``'s rules).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from tunecycle.dashboard.kept import KeptStudies, KeptStudy
from tunecycle.errors import UserError
from tunecycle.records import FrozenTrial, StudyInfo, StudySummary, TrialPoints, TrialState
from tunecycle.storage.base import MAX_PAGE, TRIAL_SORT_KEYS, Storage
from tunecycle.viz import data as vd

#: the study system attribute that holds the objectives' names (``Study.set_metric_names``)
METRIC_NAMES = "metric_names"

#: rows in a table page unless the page asks for another size
DEFAULT_LIMIT = 50


def clean(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None, recursively (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat(timespec="seconds")


def _epoch(when: datetime | None) -> float | None:
    """Seconds since the epoch (the page's time axes), to the millisecond."""
    return None if when is None else round(when.timestamp(), 3)


def trial_doc(t: FrozenTrial) -> dict[str, Any]:
    duration = t.duration
    return clean(
        {
            "number": t.number,
            "state": t.state.value,
            "value": t.value,
            "values": None if t.values is None else list(t.values),
            "constraints": None if t.constraints is None else list(t.constraints),
            "feasible": t.feasible,
            "params": dict(t.params),
            "intermediate": [[step, t.intermediate[step]] for step in sorted(t.intermediate)],
            "user_attrs": dict(t.user_attrs),
            "datetime_start": _iso(t.datetime_start),
            "datetime_complete": _iso(t.datetime_complete),
            "start_epoch": _epoch(t.datetime_start),
            "end_epoch": _epoch(t.datetime_complete),
            "retry_of": t.retry_of,
            "duration_s": None if duration is None else duration.total_seconds(),
            "fail_reason": t.fail_reason,
            "owner": t.owner,
        }
    )


def _metric_names(info: StudyInfo) -> list[str] | None:
    names = info.system_attrs.get(METRIC_NAMES)
    if isinstance(names, list) and len(names) == len(info.directions):
        return [str(n) for n in names]
    return None


def summary_doc(s: StudySummary) -> dict[str, Any]:
    return clean(
        {
            "name": s.info.name,
            "direction": s.info.direction.value,
            "directions": [d.value for d in s.info.directions],
            "metric_names": _metric_names(s.info),
            "n_trials": s.n_trials,
            "counts": {state.value: s.counts.get(state, 0) for state in TrialState},
            "best_value": s.best_value,
            "datetime_start": _iso(s.info.datetime_start),
        }
    )


def studies(store: Storage) -> dict[str, Any]:
    return {"studies": [summary_doc(s) for s in store.list_studies()]}


def summary(store: Storage, name: str) -> dict[str, Any]:
    info = store.get_study(name)
    doc = summary_doc(store.get_study_summary(info.study_id))
    doc["user_attrs"] = clean(dict(info.user_attrs))
    return doc


def trials_page(store: Storage, name: str, query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """A page of trials; ``query`` holds the URL's parameters (each a list of strings):
    ``offset``, ``limit``, ``sort`` (a trial field), ``order`` (``asc``/``desc``), ``state``
    (repeatable), ``value_min``, ``value_max``."""
    sid = store.get_study(name).study_id
    offset = _int(query, "offset", 0)
    limit = _int(query, "limit", DEFAULT_LIMIT)
    sort = _one(query, "sort") or "number"
    order = (_one(query, "order") or "asc").lower()
    if order not in ("asc", "desc"):
        raise UserError(f"order: {order!r} is not 'asc' or 'desc'")
    states = [TrialState.parse(s) for v in query.get("state", []) for s in v.split(",") if s]
    page = store.query_trials(
        sid,
        states=states or None,
        value_min=_float(query, "value_min"),
        value_max=_float(query, "value_max"),
        sort=sort,
        descending=order == "desc",
        offset=offset,
        limit=limit,
    )
    return {
        "total": page.total,
        "offset": offset,
        "limit": limit,
        "cursor": page.cursor,
        "trials": [trial_doc(t) for t in page.trials],
    }


class PointsCache:
    """Every trial's number, state and value per study (and, in a study of several
    objectives, its values and whether it is feasible), kept up to date from the changes.

    The first request for a study reads all its points once; later ones (another tab, a
    reload) ask the store only for what changed since, so their cost follows the changes and
    not the size of the study.  A study deleted and made again under the same name is noticed
    by its start time (or its cursor going back), and read afresh (``kept.KeptStudies``)."""

    def __init__(self) -> None:
        self._kept: KeptStudies[_Points] = KeptStudies(_Points.read, most=64)

    def get(self, store: Storage, name: str) -> dict[str, Any]:
        with self._kept.lock:  # one reader per dashboard at a time; each read is short
            return self._kept.get(store, name)[1].doc()

    def pareto(self, store: Storage, name: str) -> dict[str, Any]:
        """The feasible Pareto front (trial numbers) and the hypervolume after each complete
        trial, as steps: ``hypervolume.number[i]`` is the trial after which the volume became
        ``hypervolume.value[i]``; ``last`` is the last complete trial.  The reference point is
        the viz rule's (the worst feasible value of each objective plus 10% of its range)."""
        with self._kept.lock:
            info, cached = self._kept.get(store, name)
            if len(info.directions) < 2:
                raise UserError(f"study {name!r} has one objective: no Pareto front")
            return cached.pareto_doc(info)


class _Points(KeptStudy):
    def __init__(self, got: TrialPoints, multi: bool = False) -> None:
        super().__init__(got.cursor)
        self.multi = multi
        self.state = [p.state.value for p in got.points]
        self.value = clean([p.value for p in got.points])
        self.values: list[list[float] | None] = [None] * len(self.state)
        self.feasible: list[bool | None] = [None] * len(self.state)
        self._pareto: tuple[int, dict[str, Any]] | None = None

    @classmethod
    def read(cls, store: Storage, info: StudyInfo) -> _Points:
        """A study's points: ``get_trial_points``; for several objectives (the points hold
        one value), nothing yet: the changes from cursor 0 bring every trial."""
        if len(info.directions) > 1:
            return cls(TrialPoints((), 0), multi=True)
        return cls(store.get_trial_points(info.study_id))

    def apply(self, t: FrozenTrial) -> None:
        while len(self.state) <= t.number:
            self.state.append(None)
            self.value.append(None)
            self.values.append(None)
            self.feasible.append(None)
        self.state[t.number] = t.state.value
        self.value[t.number] = clean(t.value)
        if self.multi:
            self.values[t.number] = None if t.values is None else list(t.values)
            self.feasible[t.number] = t.feasible

    def doc(self) -> dict[str, Any]:
        doc = {
            "cursor": self.cursor,
            "number": list(range(len(self.state))),
            "state": list(self.state),
            "value": list(self.value),
        }
        if self.multi:
            doc["values"] = clean(self.values)
            doc["feasible"] = list(self.feasible)
        return doc

    def pareto_doc(self, info: StudyInfo) -> dict[str, Any]:
        if self._pareto is not None and self._pareto[0] == self.cursor:
            return self._pareto[1]
        k = len(info.directions)
        signs = np.array([d.sign() for d in info.directions])
        done = [n for n, st in enumerate(self.state) if st == TrialState.COMPLETE.value
                and self.values[n] is not None and len(self.values[n]) == k  # type: ignore[arg-type]
                and all(math.isfinite(v) for v in self.values[n])]  # type: ignore[union-attr]
        ok = [n for n in done if self.feasible[n]]
        reference = None
        front: list[int] = []
        steps: tuple[list[int], list[float]] = ([], [])
        if ok:
            losses = np.array([self.values[n] for n in ok], dtype=float) * signs
            ref = vd.reference_point(losses)
            series, rows = vd.hypervolume_series(losses, ref)
            reference = (ref * signs).tolist()
            front = sorted(ok[i] for i in rows.tolist())
            for n, v in zip(ok, series.tolist()):
                if not steps[1] or v != steps[1][-1]:
                    steps[0].append(n)
                    steps[1].append(v)
        doc = clean({
            "cursor": self.cursor,
            "directions": [d.value for d in info.directions],
            "metric_names": _metric_names(info),
            "reference": reference,
            "front": front,
            "n_complete": len(done),
            "n_infeasible": len(done) - len(ok),
            "last": done[-1] if done else None,
            "hypervolume": {"number": steps[0], "value": steps[1]},
        })
        self._pareto = (self.cursor, doc)
        return doc


def changes(store: Storage, name: str, query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Trials changed after ``since``; ``reset`` says the cursor is from an older study of
    this name (deleted and made again), so the page must start over."""
    since = _int(query, "since", 0)
    limit = _int(query, "limit", MAX_PAGE)
    got = store.trials_changed_since(store.get_study(name).study_id, since, limit=limit)
    return {
        "cursor": got.cursor,
        "more": got.more,
        "reset": got.cursor < since,
        "trials": [trial_doc(t) for t in got.trials],
    }


def _one(query: Mapping[str, Sequence[str]], key: str) -> str | None:
    values = query.get(key) or []
    return values[-1] if values else None


def _int(query: Mapping[str, Sequence[str]], key: str, default: int) -> int:
    text = _one(query, key)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise UserError(f"{key}: expected an integer, got {text!r}") from None


def _float(query: Mapping[str, Sequence[str]], key: str) -> float | None:
    text = _one(query, key)
    if text is None or text.strip() == "":
        return None
    try:
        number = float(text)
    except ValueError:
        raise UserError(f"{key}: expected a number, got {text!r}") from None
    if math.isnan(number):
        raise UserError(f"{key}: expected a number, got {text!r}")
    return number


__all__ = ["DEFAULT_LIMIT", "TRIAL_SORT_KEYS", "PointsCache", "changes", "studies", "summary",
           "trials_page"]
