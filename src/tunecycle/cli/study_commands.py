"""The commands that read or delete one storage's studies: ``studies``, ``trials``, ``best``
(the Pareto front for several objectives), ``export`` (CSV or JSON, written whole or not at
all), ``delete``.

Not here: plots and reports (``viz_commands``), running trials (``run``, ``worker``).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from tunecycle.api import delete_study, list_studies, load_study
from tunecycle.cli.arguments import CliError, _storage_url
from tunecycle.cli.output import _fmt, _objective_names, _print_table, _trial_json, _value_cells
from tunecycle.records import TrialState
from tunecycle.storage import get_storage


def cmd_studies(args: argparse.Namespace) -> int:
    summaries = list_studies(_storage_url(args))
    if not summaries:
        print("no studies")
        return 0
    rows = [
        {
            "name": s.info.name,
            "direction": ",".join(d.value for d in s.info.directions),
            "trials": s.n_trials,
            **{st.value: s.counts.get(st, 0) for st in
               (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED, TrialState.RUNNING)},
            "best": _fmt(s.best_value),
            "started": f"{s.info.datetime_start:%Y-%m-%d %H:%M}" if s.info.datetime_start else "",
        }
        for s in summaries
    ]
    _print_table(rows)
    return 0


def cmd_trials(args: argparse.Namespace) -> int:
    study = load_study(args.name, _storage_url(args))
    trials = study.get_trials(states=args.state) if args.state else study.trials
    if args.limit:
        trials = trials[-args.limit:]
    if not trials:
        print(f"study {args.name!r} has no trials" + (" in those states" if args.state else ""))
        return 0
    names = sorted({k for t in trials for k in t.params})
    objectives = _objective_names(study)
    rows = []
    for t in trials:
        row: dict[str, Any] = {"number": t.number, "state": t.state.value}
        row.update(_value_cells(objectives, t))
        if t.constraints is not None:
            row["feasible"] = "yes" if t.feasible else "no"
        d = t.duration
        row["duration_s"] = "" if d is None else f"{d.total_seconds():.3f}"
        row.update({n: _fmt(t.params[n]) if n in t.params else "" for n in names})
        if any(x.fail_reason for x in trials):
            row["reason"] = (t.fail_reason or "")[:60]
        rows.append(row)
    _print_table(rows)
    return 0


def cmd_best(args: argparse.Namespace) -> int:
    study = load_study(args.name, _storage_url(args))
    if study.n_objectives > 1:
        return _print_front(study, args.json)
    best = study.best_trial
    if args.json:
        print(json.dumps({"number": best.number, "value": best.value, "params": dict(best.params)}))
        return 0
    print(f"best trial: {best.number}")
    print(f"value: {_fmt(best.value)} ({study.direction.value})")
    print("params:")
    for k, v in best.params.items():
        print(f"  {k}: {_fmt(v)}")
    return 0


def _print_front(study: Any, as_json: bool) -> int:
    """``tunecycle best`` of a study of several objectives: its Pareto front."""
    front = study.best_trials
    names = _objective_names(study)
    if as_json:
        print(json.dumps([{"number": t.number, "values": list(t.values), "params": dict(t.params)}
                          for t in front]))
        return 0
    if not front:
        print(f"study {study.name!r} has no feasible complete trial yet")
        return 0
    said = ", ".join(f"{n} ({d.value})" for n, d in zip(names, study.directions))
    print(f"Pareto front: {len(front)} trials; objectives {said}")
    _print_table([{"number": t.number, **_value_cells(names, t),
                   **{k: _fmt(v) for k, v in t.params.items()}} for t in front])
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise CliError(f"--output: {args.output!r} must end in .csv or .json")
    if not out.parent.exists():
        raise CliError(f"--output: the directory {str(out.parent)!r} does not exist")
    study = load_study(args.name, _storage_url(args))
    tmp = out.with_name(out.name + ".part")
    if suffix == ".csv":
        study.to_dataframe().to_csv(tmp, index=False)
    else:
        doc = {"study": study.name, "direction": study.directions[0].value,
               "directions": [d.value for d in study.directions],
               "trials": [_trial_json(t) for t in study.trials]}
        tmp.write_text(json.dumps(doc, indent=1, default=str))
    os.replace(tmp, out)  # never leave a half-written file under the asked name
    print(f"wrote {len(study.trials)} trials of {study.name!r} to {out}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    url = _storage_url(args)
    store = get_storage(url, create=False)
    n = len(store.get_trials(store.get_study(args.name).study_id))
    delete_study(args.name, store)
    print(f"deleted study {args.name!r} ({n} trials)")
    return 0
