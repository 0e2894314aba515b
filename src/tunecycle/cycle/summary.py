"""A finished cycle as text: the leaderboard, the best configuration, the test metrics, the
confusion matrix and where the model went.  Used by ``tunecycle run`` and the demo."""

from __future__ import annotations

from tunecycle.cycle.runner import TuneResult


def format_result(result: TuneResult, top: int = 5) -> str:
    study, v = result.study, result.validation
    scheme = f"{v.folds}-fold CV" if v.kind == "kfold" else f"holdout, {v.ratio:.0%} validation"
    storage = study.storage.url
    done = sorted(study.get_trials(["complete"]), key=lambda t: t.value,
                  reverse=study.direction.value == "maximize")
    lines = [f"{len(study.trials)} trials, metric {result.metric} ({scheme}), stored in {storage}",
             "", f"leaderboard (top {top}):"]
    for t in done[:top]:
        params = {k: round(x, 4) if isinstance(x, float) else x for k, x in t.params.items()}
        lines.append(f"  #{t.number:<3} {t.value:.4f}  {params}")
    lines += ["", f"best configuration: {result.best_params}",
              f"test metrics (held-out {result.test_size:.0%}, used once):"]
    lines += [f"  {name}: {value:.4f}" for name, value in result.test_metrics.items()]
    if result.confusion is not None:
        lines.append("confusion matrix (rows: true class, columns: predicted):")
        for label, row in zip(result.confusion["labels"], result.confusion["matrix"]):
            lines.append(f"  {label}: " + " ".join(f"{n:3d}" for n in row))
    lines += ["", f"model saved to {result.model_path}" if result.model_path
              else "model not saved (no output directory given)"]
    if storage != "memory://":
        lines.append(f"look at the study with: tunecycle trials {study.name} --storage {storage}")
    return "\n".join(lines)
