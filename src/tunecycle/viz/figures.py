"""What every static figure of :mod:`tunecycle.viz.plots` shares: the state and front colours,
making a figure (an unmanaged matplotlib ``Figure``, or :func:`figures_from`'s factory),
reading a study or a list of trials, infeasible trials' grey crosses, the note a figure shows when there is nothing to draw,
and writing a figure out (PNG, SVG, one self-contained HTML page).

Deliberately not here: any plot.  ``tunecycle.viz.plots`` re-exports the public names
(``STATE_COLORS``, ``figures_from``, ``figure_png``, ``png_data_uri``, ``save``...), which keep
that path.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunecycle.errors import UserError
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.viz import data as vd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

STATE_COLORS = {
    TrialState.COMPLETE: "#1f77b4",
    TrialState.PRUNED: "#ff7f0e",
    TrialState.FAILED: "#d62728",
    TrialState.RUNNING: "#2ca02c",
    TrialState.WAITING: "#7f7f7f",
}
INFEASIBLE_COLOR = "#8c8c8c"
DOMINATED_COLOR = "#9ecae1"
FRONT_COLOR = "#d62728"
SIZE = (7.0, 4.5)


#: what makes a new figure (``figsize=`` -> Figure); :func:`figures_from` swaps it, e.g. for
#: pyplot's ``plt.figure`` so that ``plt.show()`` / ``plt.savefig`` see the plot
_FACTORY: ContextVar[Callable[..., Figure] | None] = ContextVar("tunecycle_figure_factory",
                                                                default=None)


def new_figure(size: tuple[float, float] = SIZE) -> Figure:
    factory = _FACTORY.get()
    if factory is not None:
        return factory(figsize=size)
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


@contextmanager
def figures_from(factory: Callable[..., Figure]) -> Iterator[None]:
    """Within the block, the plots make their figures with ``factory(figsize=...)`` (for
    instance ``functools.partial(pyplot.figure, layout="constrained")``) instead of an
    unmanaged ``Figure``."""
    token = _FACTORY.set(factory)
    try:
        yield
    finally:
        _FACTORY.reset(token)

@dataclass(frozen=True)
class Source:
    """What a plot reads of a study or a list of trials."""

    trials: list[FrozenTrial]
    directions: tuple[Direction, ...]
    names: tuple[str, ...]
    label: str  # how a message names it


def read_all(source: Any, directions: Sequence[Direction | str] | None = None,
              names: Sequence[str] | None = None) -> Source:
    """The trials, directions and objective names of a study or a list of trials (a list of
    trials minimizes each objective unless ``directions`` says otherwise)."""
    if hasattr(source, "trials") and (hasattr(source, "directions")
                                      or hasattr(source, "direction")):
        dirs = directions or getattr(source, "directions", None) or (source.direction,)
        metric = names if names is not None else getattr(source, "metric_names", None)
        label = f"study {getattr(source, 'name', '?')!r}"
        trials = list(source.trials)
    elif isinstance(source, Sequence) and all(isinstance(t, FrozenTrial) for t in source):
        trials = list(source)
        k = max((len(t.values) for t in trials if t.values), default=1)
        dirs = directions or ("minimize",) * k
        metric, label = names, "these trials"
    else:
        raise UserError(f"expected a study or a list of FrozenTrial, got {type(source).__name__}")
    parsed = tuple(Direction.parse(d) for d in dirs)
    return Source(trials, parsed, vd.objective_names(metric, len(parsed)), label)


def read(source: Any, direction: Direction | str | None,
          objective: int | str | None = None) -> tuple[list[FrozenTrial], Direction, str]:
    """(trials, direction, what the value axis calls the objective) for a plot of one
    objective; in a study of several, ``objective`` picks it (the trials' ``value`` becomes
    that objective's)."""
    src = read_all(source)
    if objective is None:
        if len(src.directions) > 1:
            raise UserError(
                f"objective: {src.label} has {len(src.directions)} objectives "
                f"({', '.join(src.names)}) and this plot shows one: pick it with objective= "
                "(a name or a number from 0; --objective NAME on the command line)")
        return src.trials, Direction.parse(direction or src.directions[0]), "objective value"
    i = vd.resolve_objective(objective, src.names)
    return (vd.project(src.trials, i), Direction.parse(direction or src.directions[i]),
            src.names[i] if len(src.directions) > 1 else "objective value")

def note(fig: Figure, title: str, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=11,
            color="#555555")
    ax.set_axis_off()
    return fig

def nothing_complete(trials: Sequence[FrozenTrial]) -> str:
    if not trials:
        return "no trials yet"
    counts = vd.state_counts(trials)
    shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return f"no complete trials yet ({shown})"

def floats(values: Any) -> np.ndarray:
    """An array for matplotlib: a list of thousands of Python floats costs it a pass per
    point (a masked-array conversion), an array does not."""
    return np.fromiter(values, dtype=float)


def infeasible(ax: Axes, xs: Sequence[float], ys: Sequence[float]) -> None:
    """Infeasible trials' points as grey crosses."""
    if xs:
        ax.scatter(floats(xs), floats(ys), s=22, marker="x", color=INFEASIBLE_COLOR,
                   linewidths=1.0,
                   label="infeasible", zorder=2)


FORMATS = (".png", ".svg", ".html")


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (no metadata: no software name or link inside)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def png_data_uri(fig: Figure, dpi: int = 100) -> str:
    return "data:image/png;base64," + base64.b64encode(figure_png(fig, dpi)).decode("ascii")


def save(fig: Figure, path: str | Path, title: str | None = None) -> Path:
    """Write ``fig`` to ``path``: ``.png``, ``.svg`` or ``.html`` (one self-contained page)."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"output: {str(out)!r} must end in {', '.join(FORMATS)}")
    if suffix == ".png":
        out.write_bytes(figure_png(fig, dpi=120))
    elif suffix == ".svg":
        fig.savefig(out, format="svg", metadata={"Date": None})
    else:
        name = html.escape(title or out.stem)
        out.write_text(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{name}</title></head><body style=\"font-family:sans-serif\">"
            f"<h1 style=\"font-size:1.2em\">{name}</h1>"
            f"<img alt=\"{name}\" src=\"{png_data_uri(fig, dpi=120)}\"></body></html>\n",
            encoding="utf-8")
    return out
