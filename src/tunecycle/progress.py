"""What one ``optimize`` call shows a person: a progress bar, a line per failed trial, a summary.

- The bar (tqdm, on a terminal or in a Jupyter notebook: the widget with ipywidgets installed,
  else text) shows trials done against the limit, elapsed and remaining
  time, the best value so far, how many trials of this call were pruned or failed, and under a
  time budget (``optimize(time_budget=...)``) the budget's time left (``left=3m05s``).
- Each failed trial gives one warning line with its reason (``trial 7 failed: ValueError:
  ...``), never a traceback, through the ``tunecycle`` logger: without any logging set-up it
  reaches stderr (Python's last-resort handler); while a bar is on screen it is written above
  the bar; ``logging.getLogger("tunecycle").setLevel(logging.ERROR)`` silences it.
- At the end, one summary line (complete / pruned / failed; under a time budget also the time
  used and left, and why the budget stopped the run): on stderr when the bar was shown,
  else as a warning when some trials failed.

This module draws only; when to stop is the study's loop (``study.Loop``).
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

from tunecycle.records import Direction, FrozenTrial, TrialState

log = logging.getLogger("tunecycle.study")
_REASON_CHARS = 300


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (a notebook, JupyterLab, VS Code), whose streams are no tty."""
    return "ipykernel.zmqshell" in sys.modules


def _tqdm_class() -> Any:
    """tqdm.auto's class: the notebook widget where ipywidgets is installed, else the text bar.

    Without ipywidgets, tqdm warns in a notebook that it falls back to text; the text bar is
    what we want there, so that warning is not passed on."""
    from tqdm.std import TqdmWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm
    return tqdm


def format_seconds(seconds: float) -> str:
    """``"1h05m"``, ``"3m07s"``, ``"42s"``, ``"0.4s"`` (negative values show as ``"0s"``)."""
    s = max(0.0, float(seconds))
    if s < 10:
        return f"{s:.1f}s"
    whole = int(round(s))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def failure_line(trial: FrozenTrial) -> str:
    """``trial 7 failed: <the reason's first line>``, cut to a few hundred characters."""
    reason = (trial.fail_reason or "no reason recorded").strip()
    first = reason.splitlines()[0] if reason else "no reason recorded"
    if len(first) > _REASON_CHARS:
        first = first[: _REASON_CHARS - 3] + "..."
    elif first != reason:
        first += " ..."
    return f"trial {trial.number} failed: {first}"


def finished_line(trial: FrozenTrial, best: FrozenTrial | None) -> str:
    """The INFO line of a complete or pruned trial, worded as Optuna's (scripts and habits
    match on "Trial N finished with value"): its values, params and the best so far (shown
    with ``tunecycle.logging.set_verbosity(tunecycle.logging.INFO)``)."""
    if trial.state is TrialState.PRUNED:
        return f"Trial {trial.number} pruned at step {trial.last_step}."
    vals = trial.values or ()
    shown = f"value: {vals[0]:.6g}" if len(vals) == 1 else f"values: {list(vals)}"
    text = f"Trial {trial.number} finished with {shown} and parameters: {dict(trial.params)}."
    if best is not None and best.value is not None:
        text += f" Best is trial {best.number} with value: {best.value:.6g}."
    return text


def summary_line(counts: Counter) -> str:
    done = sum(counts.values())
    parts = [f"{counts[s]} {s.value}" for s in (TrialState.COMPLETE, TrialState.PRUNED,
                                                 TrialState.FAILED)]
    return f"{done} trial{'s' if done != 1 else ''} finished in this run: {', '.join(parts)}"


class ProgressBar:
    """A tqdm bar over ``total`` trials starting at ``initial``; ``counts_all=False`` moves it
    only for complete and pruned trials (a limit that failures do not use up)."""

    def __init__(self, total: int | None, initial: int, direction: Direction, *,
                 counts_all: bool):
        tqdm = _tqdm_class()
        # disable=None: tqdm stays quiet when the output is not a terminal (CI logs); a Jupyter
        # kernel's output is no terminal but a person reads it, so the bar shows there
        self._bar = tqdm(total=total, initial=initial, disable=False if _in_notebook() else None,
                         unit="trial", dynamic_ncols=True)
        # kept: tqdm's close() sets disable, and the summary is due after the bar was shown
        self._visible = not self._bar.disable
        self._direction = direction
        self._counts_all = counts_all
        self._best: FrozenTrial | None = None
        self._left: float | None = None  # seconds of a time budget left
        self._counts: Counter = Counter()
        self._handler: logging.Handler | None = None
        if self.visible:
            self._handler = _write_above(self._bar)

    @property
    def visible(self) -> bool:
        return self._visible

    def show_best(self, trial: FrozenTrial) -> None:
        """Start from a best trial found before this call."""
        self._best = trial
        self._postfix(Counter())

    def set_time_left(self, seconds: float) -> None:
        """Show a time budget's seconds left (from the next redraw on)."""
        self._left = seconds
        self._postfix(self._counts)

    def update(self, frozen: FrozenTrial, counts: Counter) -> None:
        if frozen.state is TrialState.COMPLETE and frozen.value is not None:
            best = self._best
            if best is None or self._direction.better(frozen.value, best.value):  # type: ignore[arg-type]
                self._best = frozen
        self._postfix(counts)
        if self._counts_all or frozen.state is not TrialState.FAILED:
            self._bar.update(1)
        else:
            self._bar.refresh()

    def _postfix(self, counts: Counter) -> None:
        self._counts = counts
        parts = []
        if self._best is not None:
            parts.append(f"best={self._best.value:.6g} (trial {self._best.number})")
        parts += [f"{s.value}={counts[s]}" for s in (TrialState.PRUNED, TrialState.FAILED)
                  if counts[s]]
        if self._left is not None:
            parts.append(f"left={format_seconds(self._left)}")
        self._bar.set_postfix_str(", ".join(parts), refresh=False)

    def close(self, summary: str) -> None:
        self._bar.close()
        if self._handler is not None:
            logging.getLogger("tunecycle").removeHandler(self._handler)
        if self.visible:
            print(summary, file=sys.stderr)


def _write_above(bar: Any) -> logging.Handler | None:
    """While the bar is shown and nobody set up logging for tunecycle, warnings are written
    above the bar (as the last-resort handler would have, without breaking it)."""
    root = logging.getLogger("tunecycle")
    if root.hasHandlers():
        return None
    handler = _BarHandler(bar.write)
    root.addHandler(handler)
    return handler


class _BarHandler(logging.Handler):
    def __init__(self, write: Callable[..., None]):
        super().__init__(logging.WARNING)
        self._write_line = write

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._write_line(self.format(record), file=sys.stderr)
        except Exception:
            self.handleError(record)
