"""Static figures of a study, drawn with matplotlib from :mod:`tunecycle.viz.data`.

Each ``plot_*`` function takes a study (anything with ``trials`` and ``direction``) or a list of
:class:`~tunecycle.records.FrozenTrial`, and returns a ``matplotlib.figure.Figure``.  Figures are
built without pyplot (no global figure state, no GUI backend: rendering uses Agg), so they are
safe in servers and tests.  A study with nothing to show (no trials, none complete, no
confusion matrix) gives a figure that says so instead of an error.  :func:`save` writes PNG,
SVG or a self-contained HTML page; :data:`PLOTS` maps the command line's kinds to functions.

One renderer on purpose: matplotlib writes PNG and SVG offline (plotly's image export needs a
browser), and the HTML report inlines the same PNGs.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable, Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunecycle.errors import UserError
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.viz import data as vd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tunecycle.viz.importance import Importance

STATE_COLORS = {
    TrialState.COMPLETE: "#1f77b4",
    TrialState.PRUNED: "#ff7f0e",
    TrialState.FAILED: "#d62728",
    TrialState.RUNNING: "#2ca02c",
    TrialState.WAITING: "#7f7f7f",
}
_SIZE = (7.0, 4.5)
#: where a line crosses the axis of a parameter that was inactive in its trial
_INACTIVE_Y = -0.12
_CMAP = "viridis"


def _figure(size: tuple[float, float] = _SIZE) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def _read(source: Any, direction: Direction | str | None) -> tuple[list[FrozenTrial], Direction]:
    """(trials, direction) of a study or a list of trials."""
    if hasattr(source, "trials") and hasattr(source, "direction"):
        return list(source.trials), Direction.parse(direction or source.direction)
    if isinstance(source, Sequence) and all(isinstance(t, FrozenTrial) for t in source):
        return list(source), Direction.parse(direction or "minimize")
    raise UserError(f"expected a study or a list of FrozenTrial, got {type(source).__name__}")


def _note(fig: Figure, title: str, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=11,
            color="#555555")
    ax.set_axis_off()
    return fig


def _value_label(direction: Direction) -> str:
    return f"objective value ({direction.value})"


def _nothing_complete(trials: Sequence[FrozenTrial]) -> str:
    if not trials:
        return "no trials yet"
    counts = vd.state_counts(trials)
    shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return f"no complete trials yet ({shown})"


def _unit_ticks(ax: Axes, axis: vd.ParamAxis, which: str) -> None:
    if which == "x":
        ax.set_xlim(-0.02, 1.02)
        ax.set_xticks(axis.ticks, axis.labels)
        ax.set_xlabel(axis.name)
    else:
        ax.set_ylim(-0.02, 1.02)
        ax.set_yticks(axis.ticks, axis.labels)
        ax.set_ylabel(axis.name)


# -- history -------------------------------------------------------------------------------------
def plot_history(source: Any, *, direction: Direction | str | None = None) -> Figure:
    """Each complete trial's value and the best value so far."""
    trials, dirn = _read(source, direction)
    fig = _figure()
    title = "Optimisation history"
    h = vd.history(trials, dirn)
    if not h.numbers:
        return _note(fig, title, _nothing_complete(trials))
    ax = fig.add_subplot()
    ax.scatter(h.numbers, h.values, s=18, color=STATE_COLORS[TrialState.COMPLETE],
               label="objective value", zorder=3)
    ax.step(h.numbers, h.best, where="post", color="#d62728", label="best so far")
    ax.set_xlabel("trial number")
    ax.set_ylabel(_value_label(dirn))
    ax.set_title(title)
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return fig


# -- importance ----------------------------------------------------------------------------------
def plot_importance(source: Any, params: Sequence[str] | None = None, *,
                    importance: Importance | None = None) -> Figure:
    """fANOVA importances (see :mod:`tunecycle.viz.importance`), most important on top."""
    from tunecycle.viz.importance import param_importances

    trials, _ = _read(source, None)
    fig = _figure()
    title = "Parameter importance (fANOVA)"
    if importance is None:
        if len(vd.complete_trials(trials)) < 2 or not vd.param_axes(vd.complete_trials(trials)):
            return _note(fig, title, "needs at least 2 complete trials with parameters")
        importance = param_importances(trials, params)
    ax = fig.add_subplot()
    names = list(importance.names)[::-1]
    values = list(importance.importances)[::-1]
    bars = ax.barh(names, values, color=STATE_COLORS[TrialState.COMPLETE])
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=3, fontsize=8)
    ax.set_xlim(0, max(1.0, max(values, default=0) * 1.15))
    ax.set_xlabel("importance (share of the explained variance)")
    ax.set_ylabel("parameter")
    ax.set_title(f"{title}, {importance.n_trials} trials")
    return fig


# -- parallel coordinates ------------------------------------------------------------------------
def plot_parallel(source: Any, params: Sequence[str] | None = None, *,
                  direction: Direction | str | None = None) -> Figure:
    """One line per complete trial across the parameters and the objective, coloured by value;
    a line crosses the axis of a parameter that was inactive in its trial at the shaded
    "inactive" band below the axis."""
    trials, dirn = _read(source, direction)
    fig = _figure((max(7.0, 1.3 * (len(params or vd.param_axes(trials)) + 1)), 4.5))
    title = "Parallel coordinates"
    p = vd.parallel(trials, params)
    if not p.numbers:
        return _note(fig, title, _nothing_complete(trials))
    if not p.axes:
        return _note(fig, title, "the trials have no parameters")
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable

    ax = fig.add_subplot()
    lo, hi = min(p.values), max(p.values)
    span = hi - lo if hi > lo else 1.0
    norm = _colour_norm(p.values, dirn)
    cmap = colormaps[_CMAP if dirn is Direction.MAXIMIZE else _CMAP + "_r"]
    k = len(p.axes)
    xs = list(range(k + 1))
    order = sorted(range(len(p.values)), key=lambda i: dirn.sign() * -p.values[i])
    from matplotlib.collections import LineCollection

    lines = []
    for i in order:  # best lines drawn last, on top
        ys = [_INACTIVE_Y if math.isnan(u) else u for u in p.coords[i]]
        ys.append((p.values[i] - lo) / span)
        lines.append(list(zip(xs, ys)))
    ax.add_collection(LineCollection(lines, colors=[cmap(norm(p.values[i])) for i in order],
                                     alpha=0.7, linewidths=1.2))
    for x, axis in enumerate(p.axes):
        ax.axvline(x, color="#333333", linewidth=0.8)
        if any(math.isnan(row[x]) for row in p.coords):
            ax.text(x + 0.03, _INACTIVE_Y, "inactive", fontsize=7, va="center",
                    color="#888888", style="italic")
        for t, label in zip(axis.ticks, axis.labels):
            ax.text(x + 0.03, t, label, fontsize=7, va="center", color="#333333")
    ax.axvline(k, color="#333333", linewidth=0.8)
    for t in (0.0, 0.5, 1.0):
        ax.text(k + 0.03, t, f"{lo + t * span:.4g}", fontsize=7, va="center")
    ax.set_xticks(xs, [a.name for a in p.axes] + ["objective"], rotation=20, ha="right")
    ax.set_yticks([])
    ax.set_xlim(-0.1, k + 0.5)
    inactive = any(math.isnan(u) for row in p.coords for u in row)
    ax.set_ylim(_INACTIVE_Y - 0.05 if inactive else -0.05, 1.05)
    if inactive:
        ax.axhspan(_INACTIVE_Y - 0.05, -0.04, color="#f2f2f2", zorder=0)
    ax.set_title(f"{title}, {len(p.numbers)} complete trials")
    clipped = "min" if dirn is Direction.MAXIMIZE else "max"
    fig.colorbar(ScalarMappable(norm, cmap), ax=ax, label=_value_label(dirn),
                 extend=clipped if len(p.values) >= 10 else "neither")
    return fig


def _colour_norm(values: Sequence[float], direction: Direction) -> Any:
    """Colours over the best 90% of the values (with ten or more), so that one very bad trial
    does not paint every other line the same; the worst tenth gets the end colour."""
    import numpy as np
    from matplotlib.colors import Normalize

    lo, hi = min(values), max(values)
    if len(values) >= 10:
        if direction is Direction.MAXIMIZE:
            lo = float(np.quantile(values, 0.1))
        else:
            hi = float(np.quantile(values, 0.9))
    return Normalize(lo, hi if hi > lo else lo + 1.0, clip=True)


# -- slices --------------------------------------------------------------------------------------
def plot_slice(source: Any, params: Sequence[str] | None = None, *,
               direction: Direction | str | None = None) -> Figure:
    """The objective against each parameter (one panel each), coloured by trial number."""
    trials, dirn = _read(source, direction)
    title = "Slice plot"
    data = vd.slices(trials, params) if vd.complete_trials(trials) else []
    if not data:
        return _note(_figure(), title, _nothing_complete(trials) if not vd.complete_trials(trials)
                     else "the trials have no parameters")
    cols = min(3, len(data))
    rows = math.ceil(len(data) / cols)
    fig = _figure((3.4 * cols + 1.0, 3.0 * rows + 0.5))
    axes = fig.subplots(rows, cols, squeeze=False)
    numbers = [n for s in data for n in s.numbers]
    vmin, vmax = min(numbers, default=0), max(numbers, default=1)
    scatter = None
    for ax, s in zip(axes.flat, data):
        scatter = ax.scatter(s.x, s.values, c=s.numbers, cmap="Blues", vmin=vmin,
                             vmax=max(vmax, vmin + 1), edgecolors="#333333", linewidths=0.3, s=20)
        ax.set_xlabel(s.axis.name)
        ax.set_ylabel(_value_label(dirn))
        if s.axis.kind == "categorical":
            ax.set_xticks(range(len(s.axis.labels)), s.axis.labels, rotation=20, ha="right")
            ax.set_xlim(-0.5, len(s.axis.labels) - 0.5)
        elif s.axis.kind == "log":
            from matplotlib.ticker import NullFormatter

            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(data):]:
        ax.set_axis_off()
    fig.suptitle(title)
    if scatter is not None:
        fig.colorbar(scatter, ax=axes, label="trial number")
    return fig


# -- contour -------------------------------------------------------------------------------------
def plot_contour(source: Any, params: Sequence[str] | None = None, *,
                 direction: Direction | str | None = None) -> Figure:
    """The objective over pairs of parameters, interpolated between the trials: every pair of
    ``params``, or by default the three pairs of the most important parameters that were
    active together in three or more trials (in a conditional space, parameters of one
    branch)."""
    trials, dirn = _read(source, direction)
    title = "Contour"
    if params is not None and len(params) < 2:
        raise UserError(f"params: a contour needs at least two parameters, got {list(params)}")
    if not vd.complete_trials(trials):
        return _note(_figure(), title, _nothing_complete(trials))
    if params is not None:
        pairs = list(combinations(params, 2))
    else:
        pairs = vd.top_pairs(trials, 3, _importances_or_none(trials))
    if not pairs:
        return _note(_figure(), title, "a contour needs two parameters that vary together\n"
                                       "in three or more complete trials")
    data = [vd.contour(trials, x, y) for x, y in pairs]
    fig = _figure((4.2 * len(pairs) + 1.0, 4.0))
    axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    values = [v for c in data for v in c.values]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    cmap = colormaps[_CMAP if dirn is Direction.MAXIMIZE else _CMAP + "_r"]
    for ax, c in zip(axes, data):
        if c.z is not None:
            ax.contourf(c.grid, c.grid, c.z, levels=15, cmap=cmap, norm=norm, alpha=0.85)
        ax.scatter(c.x, c.y, c="white", edgecolors="black", linewidths=0.6, s=16, zorder=3)
        _unit_ticks(ax, c.x_axis, "x")
        _unit_ticks(ax, c.y_axis, "y")
    from matplotlib.cm import ScalarMappable

    fig.colorbar(ScalarMappable(norm, cmap), ax=list(axes), label=_value_label(dirn))
    fig.suptitle(title)
    return fig


def _importances_or_none(trials: Sequence[FrozenTrial]) -> dict[str, float] | None:
    from tunecycle.viz.importance import param_importances

    try:
        return param_importances(trials).as_dict()
    except UserError:  # too few trials: rank by how often parameters occur together
        return None


# -- intermediate values -------------------------------------------------------------------------
def plot_intermediate(source: Any) -> Figure:
    """Each trial's reported values by step; pruned trials dashed, with an x where they stopped."""
    trials, _ = _read(source, None)
    fig = _figure()
    title = "Intermediate values"
    curves = vd.intermediate(trials)
    if not curves:
        return _note(fig, title, "no trial has reported intermediate values")
    ax = fig.add_subplot()
    seen: set[str] = set()
    for c in curves:
        kind = "pruned" if c.pruned else c.state.value
        color = STATE_COLORS[c.state]
        label = kind if kind not in seen else None
        seen.add(kind)
        ax.plot(c.steps, c.values, color=color, alpha=0.75, linewidth=1.1,
                linestyle="--" if c.pruned else "-", label=label)
        if c.pruned:
            ax.plot([c.steps[-1]], [c.values[-1]], marker="x", color=color, markersize=7,
                    linestyle="none")
    ax.set_xlabel("step")
    ax.set_ylabel("intermediate value")
    n_pruned = sum(c.pruned for c in curves)
    ax.set_title(f"{title}: {len(curves)} trials, {n_pruned} pruned")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return fig


# -- empirical distribution ----------------------------------------------------------------------
def plot_edf(source: Any, *, direction: Direction | str | None = None) -> Figure:
    """The empirical distribution function of the complete trials' values."""
    trials, dirn = _read(source, direction)
    fig = _figure()
    title = "Empirical distribution of values"
    e = vd.edf(trials)
    if not e.values:
        return _note(fig, title, _nothing_complete(trials))
    ax = fig.add_subplot()
    ax.step(e.values, e.fractions, where="post", color=STATE_COLORS[TrialState.COMPLETE])
    ax.set_xlabel(_value_label(dirn))
    ax.set_ylabel("share of complete trials with a value at most x")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{title}, {len(e.values)} trials")
    ax.grid(alpha=0.3)
    return fig


# -- timeline ------------------------------------------------------------------------------------
def plot_timeline(source: Any) -> Figure:
    """Each started trial as a bar on its worker's lane, coloured by state."""
    trials, _ = _read(source, None)
    fig = _figure((7.0, max(2.5, 1.0 + 0.45 * len({t.owner for t in trials}))))
    title = "Timeline of trials"
    tl = vd.timeline(trials)
    if not tl.spans:
        return _note(fig, title, "no trial has started yet")
    ax = fig.add_subplot()
    lane = {w: i for i, w in enumerate(tl.workers)}
    for state in TrialState:  # one collection per state and worker: fast with many trials
        labelled = False
        for worker in tl.workers:
            bars = [(s.start, max(s.end - s.start, 1e-3)) for s in tl.spans
                    if s.state is state and s.worker == worker]
            if bars:
                ax.broken_barh(bars, (lane[worker] - 0.3, 0.6), facecolors=STATE_COLORS[state],
                               edgecolors="white", linewidths=0.3,
                               label=None if labelled else state.value)
                labelled = True
    ax.set_xlim(0, max(s.end for s in tl.spans) * 1.02 or 1.0)
    ax.set_ylim(-0.6, len(tl.workers) - 0.4)
    ax.set_yticks(range(len(tl.workers)), tl.workers)
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the first trial started")
    ax.set_ylabel("worker")
    n = len(tl.workers)
    ax.set_title(f"{title}: {len(tl.spans)} trials on {n} worker{'s' if n != 1 else ''}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


# -- confusion matrix ----------------------------------------------------------------------------
def plot_confusion(source: Any) -> Figure:
    """The final model's confusion matrix on the test split (the study's
    ``confusion_matrix`` user attribute, written by the tuning cycle)."""
    attrs = source if isinstance(source, Mapping) else getattr(source, "user_attrs", {})
    fig = _figure((5.5, 4.8))
    title = "Confusion matrix of the final model (test split)"
    c = vd.confusion(attrs)
    if c is None:
        return _note(fig, title, "this study has no confusion matrix\n"
                                 "(the tuning cycle stores one for classification)")
    ax = fig.add_subplot()
    image = ax.imshow(c.matrix, cmap="Blues")
    n = len(c.labels)
    top = max((v for row in c.matrix for v in row), default=0)
    for i in range(n):
        for j in range(n):
            v = c.matrix[i][j]
            ax.text(j, i, str(v), ha="center", va="center", fontsize=8 if n > 8 else 10,
                    color="white" if v > top / 2 else "black")
    ax.set_xticks(range(n), c.labels)
    ax.set_yticks(range(n), c.labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, label="test rows")
    return fig


# -- Pareto front --------------------------------------------------------------------------------
def plot_pareto(data: vd.ParetoData) -> Figure:
    """The first two objectives of a :class:`~tunecycle.viz.data.ParetoData`: every point, the
    non-dominated ones highlighted and joined."""
    fig = _figure()
    title = "Pareto front"
    if not data.points:
        return _note(fig, title, "no complete trials with every objective")
    ax = fig.add_subplot()
    xs = [p[0] for p in data.points]
    ys = [p[1] for p in data.points]
    front = [i for i, f in enumerate(data.on_front) if f]
    rest = [i for i, f in enumerate(data.on_front) if not f]
    ax.scatter([xs[i] for i in rest], [ys[i] for i in rest], s=18, color="#9ecae1",
               label="dominated")
    front.sort(key=lambda i: xs[i])
    ax.plot([xs[i] for i in front], [ys[i] for i in front], marker="o", color="#d62728",
            label="Pareto front", linewidth=1.2, markersize=5)
    ax.set_xlabel(f"{data.names[0]} ({data.directions[0].value})")
    ax.set_ylabel(f"{data.names[1]} ({data.directions[1].value})")
    extra = f" (first 2 of {len(data.names)} objectives)" if len(data.names) > 2 else ""
    ax.set_title(f"{title}: {len(front)} of {len(data.points)} points{extra}")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return fig


def plot_pareto_trials(source: Any, objectives: Sequence[str] = ("value", "duration"),
                       directions: Sequence[Direction | str] | None = None) -> Figure:
    """The Pareto front of a study's complete trials over named objectives: ``value``,
    ``duration`` or numeric user attributes.  Directions default to the study's for ``value``
    and ``minimize`` for the rest."""
    trials, dirn = _read(source, None)
    dirs = list(directions) if directions is not None else [
        dirn if k == "value" else Direction.MINIMIZE for k in objectives]
    return plot_pareto(vd.pareto_from_trials(trials, objectives, dirs))


# -- registry and output -------------------------------------------------------------------------
PlotFn = Callable[..., "Figure"]

#: kind -> (function of (study, params) -> Figure, takes --params)
PLOTS: dict[str, tuple[PlotFn, bool]] = {
    "history": (lambda s, p: plot_history(s), False),
    "importance": (lambda s, p: plot_importance(s, p), True),
    "parallel": (lambda s, p: plot_parallel(s, p), True),
    "slice": (lambda s, p: plot_slice(s, p), True),
    "contour": (lambda s, p: plot_contour(s, p), True),
    "intermediate": (lambda s, p: plot_intermediate(s), False),
    "edf": (lambda s, p: plot_edf(s), False),
    "timeline": (lambda s, p: plot_timeline(s), False),
    "confusion": (lambda s, p: plot_confusion(s), False),
    "pareto": (lambda s, p: plot_pareto_trials(s, p or ("value", "duration")), True),
}

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
