"""A finished cycle as text: the leaderboard (for several objectives: the refitted Pareto front
with its validation values, test metric and measures, the saved member marked ``*``), the
constraints and how many trials broke them, the best configuration, the test metrics (beside
the ensemble's, when one was built), the confusion matrix, where the model went and the command
that shows the stored trials (spelled so that it runs from where the user stands); under a
time budget, the time used and left.  Used by
``tunecycle run`` and the demo."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from tunecycle.cycle.result import TuneResult
from tunecycle.display import hide_password
from tunecycle.progress import format_seconds


def format_result(result: TuneResult, top: int = 5) -> str:
    study, v = result.study, result.validation
    scheme = f"{v.folds}-fold CV" if v.kind == "kfold" else f"holdout, {v.ratio:.0%} validation"
    storage = hide_password(study.storage.url)
    lines = [f"{len(study.trials)} trials, metric {result.metric} ({scheme}), stored in {storage}"]
    if result.time_budget is not None and result.time_used is not None:
        lines.append(f"time budget {format_seconds(result.time_budget)}: "
                     f"{format_seconds(result.time_used)} used (search, refit and test), "
                     f"{format_seconds(max(result.time_budget - result.time_used, 0.0))} left")
    lines += _goals(result)
    if result.front:
        lines += ["", *_front(result)]
    else:
        done = sorted((t for t in study.get_trials(states=["complete"]) if t.feasible),
                      key=lambda t: t.value, reverse=study.direction.value == "maximize")
        feasible = " feasible" if result.constraints else ""
        lines += ["", f"leaderboard (top {top}{feasible}):"]
        for t in done[:top]:
            params = {k: round(x, 4) if isinstance(x, float) else x for k, x in t.params.items()}
            lines.append(f"  #{t.number:<3} {t.value:.4f}  {params}")
    lines += ["", f"best configuration: {result.best_params}"]
    if result.test_measures:
        lines.append("measured on the refitted model: " + ", ".join(
            f"{name} {value:.4g}" for name, value in result.test_measures.items()))
    lines.append(f"test metrics (held-out {result.test_size:.0%}, used once):")
    ens = result.ensemble_test_metrics
    if result.ensemble is None or ens is None:
        lines += [f"  {name}: {value:.4f}" for name, value in result.test_metrics.items()]
    else:
        e = result.ensemble
        members = ", ".join(f"#{n}" + (f" x{w:g}" if e.kind == "selection" else "")
                            for n, w in zip(e.members, e.weights)
                            if e.kind != "selection" or w > 0)
        lines.append(f"  {'':<18} {'best':>8} {result.ensemble_kind:>10}")
        lines += [f"  {name + ':':<18} {value:8.4f} "
                  + (f"{ens[name]:10.4f}" if name in ens else f"{'-':>10}")
                  for name, value in result.test_metrics.items()]
        lines.append(f"{result.ensemble_kind} ensemble of trials {members}")
    if result.confusion is not None:
        lines.append("confusion matrix (rows: true class, columns: predicted):")
        for label, row in zip(result.confusion["labels"], result.confusion["matrix"]):
            lines.append(f"  {label}: " + " ".join(f"{n:3d}" for n in row))
    lines += ["", f"model saved to {result.model_path}" if result.model_path
              else "model not saved (no output directory given)"]
    if storage != "memory://":
        lines.append(f"look at the study with: {cli_command()} trials {study.name} "
                     f"--storage {storage}")
    return "\n".join(lines)


def _goals(result: TuneResult) -> list[str]:
    """The objectives (when several) and the constraints with the count of trials broke them."""
    lines = []
    if len(result.objectives) > 1:
        dirs = [d.value for d in result.study.directions]
        lines.append("objectives: " + ", ".join(f"{n} ({d})"
                                                for n, d in zip(result.objectives, dirs)))
    if result.constraints:
        said = ", ".join(_bound(name, b) for name, b in result.constraints.items())
        complete = len(result.study.get_trials(states=["complete"]))
        lines.append(f"constraints: {said}; {result.n_infeasible} of {complete} complete "
                     "trials infeasible")
    return lines


def _bound(name: str, bound: dict[str, float]) -> str:
    if "min" in bound and "max" in bound:
        return f"{bound['min']:g} <= {name} <= {bound['max']:g}"
    return f"{name} >= {bound['min']:g}" if "min" in bound else f"{name} <= {bound['max']:g}"


def _front(result: TuneResult) -> list[str]:
    """The refitted front as a table: validation values | test metric and measures."""
    names = list(result.objectives)
    shown = len(result.front)
    lines = [f"Pareto front (feasible; {shown} refitted and tested once, best {names[0]} "
             "first; * saved):",
             f"  {'trial':<6}{'family':<15}" + "".join(f"{n:>14}" for n in names)
             + " |" + "".join(f"{'test ' + n if i == 0 else n:>16}"
                              for i, n in enumerate(names))]
    for m in result.front:
        test = [m.test_metrics.get(names[0], float("nan"))]
        test += [m.test_measures.get(n, float("nan")) for n in names[1:]]
        lines.append(f"{'*' if m.selected else ' '} #{m.number:<5}{m.family:<15}"
                     + "".join(f"{m.values[n]:>14.4g}" for n in names) + " |"
                     + "".join(f"{v:>16.4g}" for v in test))
    rule = result.study.user_attrs.get("goals", {}).get("select", names[0])
    said = (f"best {rule}" if isinstance(rule, str)
            else "lowest weighted sum of " + ", ".join(f"{k} x{w:g}" for k, w in rule.items()))
    lines.append(f"saved: trial #{result.trial_number} ({said} on the front)")
    return lines


def cli_command() -> str:
    """How to call the ``tunecycle`` command of this interpreter from the current directory.

    ``tunecycle`` when that name on the PATH is this environment's script (an activated venv,
    a global install); else the script beside ``sys.executable`` (``.venv/bin/tunecycle``
    after ``make demo``, whose venv is not activated); else ``<python> -m tunecycle``."""
    bindir = Path(sys.executable).parent
    on_path = shutil.which("tunecycle")
    if on_path and Path(on_path).parent.absolute() == bindir.absolute():
        return "tunecycle"
    script = bindir / ("tunecycle.exe" if os.name == "nt" else "tunecycle")
    if script.is_file():
        return _shown(script)
    return f"{_shown(Path(sys.executable))} -m tunecycle"


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it, else absolute."""
    full = path.absolute()
    try:
        return str(full.relative_to(Path.cwd()))
    except ValueError:
        return str(full)
