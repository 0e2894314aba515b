"""Every trial of a study as one compact JSON document, kept per study and brought up to date
from the change cursor; the views of the page (parallel coordinates, slice, contour, rank, EDF,
timeline, intermediate values, the table) are drawn in the browser from it.

``DatasetCache.get`` reads a study's trials once (``Storage.get_trials`` after reading the
change cursor, so nothing written meanwhile is missed), then only the trials changed since.
The document is columnar (one list per field, a list per parameter), numbers only where a
number is meant: times are seconds since the epoch, owners an index into ``owners``.
Intermediate values are thinned to at most ``curve_points`` steps per trial (the first, the
last, the best and evenly spaced ones between), fewer when the study has many curves, so that
10,000 curves stay a few megabytes; a trial's own page reads all its steps.

``DatasetCache.importance`` answers the parameter importances (``tunecycle.viz.importance``,
32 trees of depth 12, from at most 2,000 complete trials: a seeded sample beyond, so that it
answers in about a second) computed here from the kept trials and cached until the number of
complete trials changes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from tunecycle.dashboard.kept import KeptStudies, KeptStudy
from tunecycle.dashboard.views import _epoch, _int, _metric_names, clean, trial_doc
from tunecycle.errors import StudyNotFoundError, UserError
from tunecycle.records import FrozenTrial, StudyInfo, TrialState
from tunecycle.space import Categorical, Float, Int, Param
from tunecycle.storage.base import Storage

#: the most steps of one trial's intermediate values in the document
CURVE_POINTS = 64
#: about this many intermediate points in all; beyond it each curve gets fewer
CURVE_BUDGET = 200_000
#: never fewer than this many steps per curve
CURVE_MIN = 6
#: importances are computed from at most this many complete trials (a seeded sample beyond)
IMPORTANCE_SAMPLE = 2000


def _num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _short(v: float) -> float | None:
    """A reported value to 7 significant digits (enough to draw; the trial's page is exact)."""
    return float(f"{v:.7g}") if math.isfinite(v) else None


def thin(steps: Sequence[int], values: Sequence[float], most: int) -> tuple[list[int], list[Any]]:
    """At most ``most`` of the points: the first, the last, the lowest and highest, and evenly
    spaced ones between (in step order); values to 7 significant digits."""
    n = len(steps)
    if n <= most:
        return list(steps), [_short(v) for v in values]
    keep = {0, n - 1}
    finite = [i for i in range(n) if math.isfinite(values[i])]
    if finite:
        keep.add(min(finite, key=lambda i: values[i]))
        keep.add(max(finite, key=lambda i: values[i]))
    spare = max(0, most - len(keep))
    for j in range(spare):
        keep.add(round(j * (n - 1) / max(1, spare - 1)))
    chosen = sorted(keep)[: max(most, 4)]
    return [steps[i] for i in chosen], [_short(values[i]) for i in chosen]


def param_doc(name: str, dist: Param | None, observed: Sequence[Any]) -> dict[str, Any]:
    """How to draw one parameter's axis: its kind, bounds, log scale, choices."""
    if isinstance(dist, Categorical):
        return {"name": name, "kind": "categorical", "choices": [_num(c) for c in dist.choices]}
    if isinstance(dist, Int):
        return {"name": name, "kind": "int", "low": dist.low, "high": dist.high,
                "log": bool(dist.log), "step": dist.step}
    if isinstance(dist, Float):
        return {"name": name, "kind": "float", "low": dist.low, "high": dist.high,
                "log": bool(dist.log)}
    # unknown distribution: numbers are a float axis over what was seen, the rest categories
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in observed):
        nums = [float(v) for v in observed if math.isfinite(float(v))]
        return {"name": name, "kind": "float", "low": min(nums, default=0.0),
                "high": max(nums, default=1.0), "log": False}
    seen: list[Any] = []
    for v in observed:
        if v not in seen:
            seen.append(v)
    return {"name": name, "kind": "categorical", "choices": seen}


class _Study(KeptStudy):
    """The kept trials of one study, by number, and the document made from them."""

    def __init__(self) -> None:
        super().__init__()
        self.trials: dict[int, FrozenTrial] = {}
        self._doc: tuple[int, int, bytes] | None = None
        self._importance: dict[int, tuple[int, dict[str, Any]]] = {}

    @classmethod
    def read(cls, store: Storage, info: StudyInfo) -> _Study:
        """Every trial: ``get_trials`` after reading the cursor (nothing written meanwhile is
        missed; what changed after it comes with the first catch-up)."""
        kept = cls()
        kept.cursor = store.query_trials(info.study_id, limit=1).cursor
        kept.trials = {t.number: t for t in store.get_trials(info.study_id)}
        return kept

    def apply(self, trial: FrozenTrial) -> None:
        self.trials[trial.number] = trial

    def doc(self, info: StudyInfo, curve_points: int) -> bytes:
        """The document as JSON, kept until the cursor moves (10,000 trials are megabytes:
        encoding them again for every page load would cost more than reading the changes)."""
        if self._doc is not None and self._doc[:2] == (self.cursor, curve_points):
            return self._doc[2]
        doc = build_doc(info, [self.trials[n] for n in sorted(self.trials)], curve_points)
        doc["cursor"] = self.cursor
        body = json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()
        self._doc = (self.cursor, curve_points, body)
        return body


def build_doc(info: StudyInfo, trials: Sequence[FrozenTrial],
              curve_points: int = CURVE_POINTS) -> dict[str, Any]:
    """The columnar document of ``trials`` (in number order) of the study ``info``."""
    multi = len(info.directions) > 1
    owners: list[str] = []
    owner_at: dict[str, int] = {}
    names: list[str] = []
    dists: dict[str, Param] = {}
    for t in trials:
        for p in t.params:
            if p not in dists:
                names.append(p)
                dists[p] = t.distributions.get(p)  # type: ignore[assignment]
            elif p in t.distributions:
                dists[p] = t.distributions[p]  # the newest trial's distribution wins
    n_curves = sum(1 for t in trials if t.intermediate)
    most = max(CURVE_MIN, min(curve_points, CURVE_BUDGET // max(1, n_curves)))
    columns: dict[str, list[Any]] = {k: [] for k in (
        "number", "state", "value", "start", "end", "owner", "fail_reason", "retry_of",
        "feasible", "n_steps", "steps", "inter")}
    if multi:
        columns["values"] = []
    params: dict[str, list[Any]] = {p: [] for p in names}
    for t in trials:
        columns["number"].append(t.number)
        columns["state"].append(t.state.value)
        columns["value"].append(_num(t.value))
        if multi:
            columns["values"].append(None if t.values is None else [_num(v) for v in t.values])
        columns["start"].append(_epoch(t.datetime_start))
        columns["end"].append(_epoch(t.datetime_complete))
        who = t.owner or ""
        if who not in owner_at:
            owner_at[who] = len(owners)
            owners.append(who)
        columns["owner"].append(owner_at[who])
        columns["fail_reason"].append(t.fail_reason)
        columns["retry_of"].append(t.retry_of)
        columns["feasible"].append(t.feasible if t.constraints is not None else None)
        steps = sorted(t.intermediate)
        columns["n_steps"].append(len(steps))
        if steps:
            s, v = thin(steps, [float(t.intermediate[k]) for k in steps], most)
            columns["steps"].append(s)
            columns["inter"].append(v)
        else:
            columns["steps"].append(None)
            columns["inter"].append(None)
        for p in names:
            params[p].append(_num(t.params[p]) if p in t.params else None)
    return {
        "name": info.name,
        "directions": [d.value for d in info.directions],
        "metric_names": _metric_names(info),
        "n": len(trials),
        "owners": owners,
        "curve_points": most,
        "params": [{**param_doc(p, dists[p], [v for v in params[p] if v is not None]),
                    "values": params[p]} for p in names],
        **columns,
    }


def _sample_complete(trials: Sequence[FrozenTrial], most: int) -> list[FrozenTrial]:
    """The complete trials, or ``most`` of them drawn with a fixed seed (in number order)."""
    import numpy as np

    done = [t for t in trials if t.state is TrialState.COMPLETE]
    if len(done) <= most:
        return done
    keep = np.random.default_rng(0).choice(len(done), size=most, replace=False)
    return [done[i] for i in sorted(keep.tolist())]


class DatasetCache:
    """The document of every kept study (at most 16, ``kept.KeptStudies``), and their
    importances."""

    def __init__(self) -> None:
        self._kept: KeptStudies[_Study] = KeptStudies(_Study.read, most=16)

    def get(self, store: Storage, name: str, query: Mapping[str, Sequence[str]]) -> bytes:
        """The study's document, encoded as JSON."""
        most = _int(query, "curve_points", CURVE_POINTS)
        if not 2 <= most <= 10_000:
            raise UserError(f"curve_points: expected 2 to 10000, got {most}")
        with self._kept.lock:
            info, kept = self._kept.get(store, name)
            return kept.doc(info, most)

    def trial(self, store: Storage, name: str, number: int) -> dict[str, Any]:
        """One trial with everything the store holds for it (every step, attributes)."""
        with self._kept.lock:
            info, kept = self._kept.get(store, name)
            kept_trial = kept.trials.get(number)
        if kept_trial is None:
            raise StudyNotFoundError(f"trial {number} is not in study {name!r}")
        t = store.get_trial(kept_trial.trial_id)  # fresh: a running trial moves on
        doc = trial_doc(t)
        doc["distributions"] = {p: d.to_dict() for p, d in t.distributions.items()}
        doc["retried_by"] = sorted(n for n, o in kept.trials.items() if o.retry_of == number)
        doc["system_attrs"] = {k: v for k, v in t.system_attrs.items()
                               if k in ("retry", "constraints", "fixed_params")}
        doc["directions"] = [d.value for d in info.directions]
        doc["study"] = name
        return clean(doc)

    def importance(self, store: Storage, name: str,
                   query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """fANOVA importances of the parameters for objective ``objective`` (default 0),
        kept until the number of complete trials changes."""
        from tunecycle.viz import data as vd

        index = _int(query, "objective", 0)
        with self._kept.lock:
            info, kept = self._kept.get(store, name)
            k = len(info.directions)
            if not 0 <= index < k:
                raise UserError(f"objective: expected 0 to {k - 1}, got {index}")
            done = [t for t in kept.trials.values() if t.state is TrialState.COMPLETE]
            cached = kept._importance.get(index)
            if cached is not None and cached[0] == len(done):
                return cached[1]
            trials = sorted(kept.trials.values(), key=lambda t: t.number)
        if k > 1:
            trials = vd.project(vd.complete_with_values(trials, k), index)
        try:
            from tunecycle.viz.importance import param_importances

            sample = _sample_complete(trials, IMPORTANCE_SAMPLE)
            got = param_importances(sample, n_trees=32, max_depth=12, seed=0)
            doc = {"n_trials": got.n_trials, "sampled": len(sample) < len(done), "names": list(got.names),
                   "importances": [_num(v) for v in got.importances],
                   "std": [_num(v) for v in got.std], "error": None}
        except UserError as exc:
            doc = {"n_trials": len(done), "names": [], "importances": [], "std": [],
                   "error": str(exc)}
        except ModuleNotFoundError as exc:
            doc = {"n_trials": len(done), "names": [], "importances": [], "std": [],
                   "error": f"importance needs the viz extra ({exc.name} is not installed)"}
        doc.setdefault("sampled", False)
        doc["objective"] = index
        with self._kept.lock:
            kept._importance[index] = (len(done), doc)
        return doc
