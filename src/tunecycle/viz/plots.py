"""Static figures of a study, drawn with matplotlib from :mod:`tunecycle.viz.data`.

Each ``plot_*`` function takes a study (anything with ``trials`` and ``directions``) or a list of
:class:`~tunecycle.records.FrozenTrial`, and returns a ``matplotlib.figure.Figure``.  The plots
of one objective (history, importance, parallel, slice, contour, edf) take ``objective=`` (a
name or a number) in a study of several objectives and refuse it without one
(``UserError``); :func:`plot_front`, :func:`plot_hypervolume` and :func:`plot_objectives` draw
a study of several.  Figures are
built without pyplot (no global figure state, no GUI backend: rendering uses Agg), so they are
safe in servers and tests.  A study with nothing to show (no trials, none complete, no
confusion matrix) gives a figure that says so instead of an error.  :func:`save` writes PNG,
SVG or a self-contained HTML page; :data:`PLOTS` maps the command line's kinds to functions.

The figures of several objectives are :mod:`tunecycle.viz.front_plots`'s and the shared parts
(colours, making a figure, reading a study, output) :mod:`tunecycle.viz.figures`'s; both are
re-exported here, the public path.

One renderer on purpose: matplotlib writes PNG and SVG offline (plotly's image export needs a
browser), and the HTML report inlines the same PNGs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from tunecycle.errors import UserError
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.space import Int
from tunecycle.viz import data as vd
from tunecycle.viz.figures import (
    DOMINATED_COLOR,
    FORMATS,
    FRONT_COLOR,
    INFEASIBLE_COLOR,
    STATE_COLORS,
    figure_png,
    figures_from,
    floats,
    infeasible,
    new_figure,
    note,
    nothing_complete,
    png_data_uri,
    read,
    read_all,
    save,
)
from tunecycle.viz.front_plots import (
    front_line,
    plot_front,
    plot_hypervolume,
    plot_objectives,
    plot_pareto,
    plot_pareto_trials,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tunecycle.viz.importance import Importance

#: where a line crosses the axis of a parameter that was inactive in its trial
_INACTIVE_Y = -0.12
_CMAP = "viridis"


def _value_label(direction: Direction, name: str = "objective value") -> str:
    return f"{name} ({direction.value})"


def _natural_axis(ax: Axes, axis: vd.ParamAxis, which: str, rotate: bool = False) -> None:
    """A parameter's axis in its own values: an integer's values on integer ticks, a
    categorical's choices at 0, 1, ... labelled by name, a log parameter on a log scale; the
    axis spans the parameter's range (:attr:`~tunecycle.viz.data.ParamAxis.limits`)."""
    from matplotlib.ticker import NullFormatter, NullLocator

    x = which == "x"
    (ax.set_xlabel if x else ax.set_ylabel)(axis.name)
    set_ticks = ax.set_xticks if x else ax.set_yticks
    along = ax.xaxis if x else ax.yaxis
    if axis.kind == "categorical":
        n = len(axis.labels)
        kw = {"rotation": 20, "ha": "right"} if rotate else {}
        set_ticks(range(n), axis.labels, **kw)
        (ax.set_xlim if x else ax.set_ylim)(-0.5, n - 0.5)
        along.set_minor_locator(NullLocator())
        return
    if axis.kind == "log":
        (ax.set_xscale if x else ax.set_yscale)("log")
        along.set_minor_formatter(NullFormatter())
    (ax.set_xlim if x else ax.set_ylim)(*axis.limits)
    if isinstance(axis.param, Int):  # integers on their own ticks, nothing in between
        values = vd.int_tick_values(axis.param)
        set_ticks(values, [str(v) for v in values])
        along.set_minor_locator(NullLocator())


def _legend(ax: Axes, n_points: int, **kw: Any) -> None:
    """A legend where it hides the fewest points; with many points a fixed corner (finding the
    emptiest place costs a pass over every point)."""
    ax.legend(loc="best" if n_points <= 2000 else "upper right", **kw)


# -- history -------------------------------------------------------------------------------------
def plot_history(source: Any, *, direction: Direction | str | None = None,
                 objective: int | str | None = None) -> Figure:
    """Each complete trial's value and the best value so far (of the feasible trials;
    infeasible ones are grey crosses).  In a study of several objectives, ``objective``
    picks one."""
    trials, dirn, name = read(source, direction, objective)
    fig = new_figure()
    title = "Optimisation history"
    h = vd.history(trials, dirn)
    if not h.numbers:
        return note(fig, title, nothing_complete(trials))
    ax = fig.add_subplot()
    ok = [i for i, f in enumerate(h.feasible) if f]
    ax.scatter(floats(h.numbers[i] for i in ok), floats(h.values[i] for i in ok), s=18,
               color=STATE_COLORS[TrialState.COMPLETE], label=name, zorder=3)
    infeasible(ax, [h.numbers[i] for i, f in enumerate(h.feasible) if not f],
                [h.values[i] for i, f in enumerate(h.feasible) if not f])
    ax.step(h.numbers, h.best, where="post", color="#d62728", label="best so far")
    ax.set_xlabel("trial number")
    ax.set_ylabel(_value_label(dirn, name))
    ax.set_title(title)
    _legend(ax, len(h.numbers))
    ax.grid(alpha=0.3)
    return fig


# -- importance ----------------------------------------------------------------------------------
def plot_importance(source: Any, params: Sequence[str] | None = None, *,
                    importance: Importance | None = None,
                    objective: int | str | None = None) -> Figure:
    """fANOVA importances (see :mod:`tunecycle.viz.importance`), most important on top; in a
    study of several objectives, for the one ``objective`` picks."""
    from tunecycle.viz.importance import param_importances

    trials, _, name = read(source, None, objective) if importance is None else (
        read_all(source).trials, None, "objective value")
    fig = new_figure()
    title = "Parameter importance (fANOVA)"
    if importance is None:
        if len(vd.complete_trials(trials)) < 2 or not vd.param_axes(vd.complete_trials(trials)):
            return note(fig, title, "needs at least 2 complete trials with parameters")
        importance = param_importances(trials, params)
    ax = fig.add_subplot()
    names = list(importance.names)[::-1]
    values = list(importance.importances)[::-1]
    bars = ax.barh(names, values, color=STATE_COLORS[TrialState.COMPLETE])
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=3, fontsize=8)
    ax.set_xlim(0, max(1.0, max(values, default=0) * 1.15))
    ax.set_xlabel("importance (share of the explained variance)")
    ax.set_ylabel("parameter")
    about = "" if name == "objective value" else f" of {name}"
    ax.set_title(f"{title}{about}, {importance.n_trials} trials")
    return fig


# -- parallel coordinates ------------------------------------------------------------------------
def plot_parallel(source: Any, params: Sequence[str] | None = None, *,
                  direction: Direction | str | None = None,
                  objective: int | str | None = None) -> Figure:
    """One line per complete trial across the parameters and the objective, coloured by value;
    a line crosses the axis of a parameter that was inactive in its trial at the shaded
    "inactive" band below the axis.  In a study of several objectives, ``objective`` picks
    the one on the last axis."""
    trials, dirn, name = read(source, direction, objective)
    fig = new_figure((max(7.0, 1.3 * (len(params or vd.param_axes(trials)) + 1)), 4.5))
    title = "Parallel coordinates"
    p = vd.parallel(trials, params)
    if not p.numbers:
        return note(fig, title, nothing_complete(trials))
    if not p.axes:
        return note(fig, title, "the trials have no parameters")
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable

    ax = fig.add_subplot()
    lo, hi = min(p.values), max(p.values)
    span = hi - lo if hi > lo else 1.0
    norm = _colour_norm(p.values, dirn)
    cmap = colormaps[_CMAP if dirn is Direction.MAXIMIZE else _CMAP + "_r"]
    k = len(p.axes)
    xs = list(range(k + 1))
    from matplotlib.collections import LineCollection

    values = np.asarray(p.values, dtype=float)
    order = np.argsort(dirn.sign() * -values, kind="stable")  # best lines drawn last, on top
    ys = np.asarray(p.coords, dtype=float).reshape(len(values), k)[order]
    off = np.isnan(ys)  # a parameter inactive in the trial
    ys = np.column_stack([np.where(off, _INACTIVE_Y, ys), (values[order] - lo) / span])
    lines = np.stack([np.broadcast_to(np.arange(k + 1, dtype=float), ys.shape), ys], axis=2)
    ax.add_collection(LineCollection(lines, colors=cmap(norm(values[order])),
                                     alpha=0.7, linewidths=1.2))
    for x, axis in enumerate(p.axes):
        ax.axvline(x, color="#333333", linewidth=0.8)
        if off[:, x].any():
            ax.text(x + 0.03, _INACTIVE_Y, "inactive", fontsize=7, va="center",
                    color="#888888", style="italic")
        for t, label in zip(axis.ticks, axis.labels):
            ax.text(x + 0.03, t, label, fontsize=7, va="center", color="#333333")
    ax.axvline(k, color="#333333", linewidth=0.8)
    for t in (0.0, 0.5, 1.0):
        ax.text(k + 0.03, t, f"{lo + t * span:.4g}", fontsize=7, va="center")
    ax.set_xticks(xs, [a.name for a in p.axes] + [name if name != "objective value"
                                                   else "objective"], rotation=20, ha="right")
    ax.set_yticks([])
    ax.set_xlim(-0.1, k + 0.5)
    inactive = bool(off.any())
    ax.set_ylim(_INACTIVE_Y - 0.05 if inactive else -0.05, 1.05)
    if inactive:
        ax.axhspan(_INACTIVE_Y - 0.05, -0.04, color="#f2f2f2", zorder=0)
    ax.set_title(f"{title}, {len(p.numbers)} complete trials")
    clipped = "min" if dirn is Direction.MAXIMIZE else "max"
    fig.colorbar(ScalarMappable(norm, cmap), ax=ax, label=_value_label(dirn, name),
                 extend=clipped if len(p.values) >= 10 else "neither")
    return fig


def _colour_norm(values: Sequence[float], direction: Direction) -> Any:
    """Colours over the best 90% of the values (with ten or more), so that one very bad trial
    does not paint every other line the same; the worst tenth gets the end colour."""
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
               direction: Direction | str | None = None,
               objective: int | str | None = None) -> Figure:
    """The objective against each parameter (one panel each), coloured by trial number (from
    :data:`SLICE_GROUPED_FROM` points, in 16 ranges of numbers: much cheaper to draw); in a
    study of several objectives, the one ``objective`` picks."""
    trials, dirn, name = read(source, direction, objective)
    title = "Slice plot"
    data = vd.slices(trials, params) if vd.complete_trials(trials) else []
    if not data:
        return note(new_figure(), title, nothing_complete(trials) if not vd.complete_trials(trials)
                     else "the trials have no parameters")
    cols = min(3, len(data))
    rows = math.ceil(len(data) / cols)
    fig = new_figure((3.4 * cols + 1.0, 3.0 * rows + 0.5))
    # one value axis for every panel: labelled on the left column only
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
    numbers = [n for s in data for n in s.numbers]
    vmin, vmax = min(numbers, default=0), max(numbers, default=1)
    norm, colours = _number_colours(vmin, max(vmax, vmin + 1), len(numbers))
    for i, (ax, s) in enumerate(zip(axes.flat, data)):
        _slice_points(ax, s, norm, colours)
        _natural_axis(ax, s.axis, "x", rotate=True)
        if i % cols == 0:
            ax.set_ylabel(_value_label(dirn, name))
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(data):]:
        ax.set_axis_off()
    fig.suptitle(title)
    from matplotlib.cm import ScalarMappable
    from matplotlib.ticker import MaxNLocator

    fig.colorbar(ScalarMappable(norm, colours), ax=axes, label="trial number",
                 ticks=MaxNLocator(6, integer=True))
    return fig


#: from this many points in all, the slice plot colours by :data:`_SLICE_GROUPS` ranges of
#: trial numbers (one layer of stamped markers per range) instead of one colour per point (one
#: layer, each marker rasterised alone): cheaper with many points, dearer with few
SLICE_GROUPED_FROM = 3000
_SLICE_GROUPS = 16


def _number_colours(vmin: float, vmax: float, n_points: int) -> tuple[Any, Any]:
    """The slice plot's colours by trial number: a continuous ``Blues`` scale, or with
    :data:`SLICE_GROUPED_FROM` points or more, :data:`_SLICE_GROUPS` equal ranges of numbers
    with one colour each (the colour bar then shows the steps)."""
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm, Normalize

    if n_points < SLICE_GROUPED_FROM:
        return Normalize(vmin, vmax), colormaps["Blues"]
    bounds = np.linspace(vmin, vmax, _SLICE_GROUPS + 1)
    return BoundaryNorm(bounds, _SLICE_GROUPS), colormaps["Blues"].resampled(_SLICE_GROUPS)


def _slice_points(ax: Axes, s: vd.SliceData, norm: Any, cmap: Any) -> None:
    """Every point of one panel: one layer coloured point by point, or (grouped colours)
    one layer per colour, oldest first, so that the latest trials lie on top either way."""
    from matplotlib.colors import BoundaryNorm

    xs, ys = np.asarray(s.x, dtype=float), np.asarray(s.values, dtype=float)
    numbers = np.asarray(s.numbers, dtype=float)
    style: dict[str, Any] = {"edgecolors": "#333333", "linewidths": 0.3, "s": 20}
    if not isinstance(norm, BoundaryNorm):
        ax.scatter(xs, ys, c=numbers, cmap=cmap, norm=norm, **style)
        return
    group = np.asarray(norm(numbers), dtype=int)
    for g in np.unique(group):
        keep = group == g
        ax.scatter(xs[keep], ys[keep], color=cmap(int(g)), **style)


# -- contour -------------------------------------------------------------------------------------
def plot_contour(source: Any, params: Sequence[str] | None = None, *,
                 direction: Direction | str | None = None,
                 objective: int | str | None = None,
                 importance: Importance | None = None) -> Figure:
    """The objective over pairs of parameters, interpolated between the trials: every pair of
    ``params``, or by default the three pairs of the most important parameters that were
    active together in three or more trials (in a conditional space, parameters of one
    branch; ``importance`` gives the ranking, else it is computed).  Each axis is in the
    parameter's own values: integers on integer ticks, categorical choices by name, log
    parameters on a log scale.  In a study of several objectives, ``objective`` picks the one
    shown."""
    trials, dirn, name = read(source, direction, objective)
    title = "Contour"
    if params is not None and len(params) < 2:
        raise UserError(f"params: a contour needs at least two parameters, got {list(params)}")
    if not vd.complete_trials(trials):
        return note(new_figure(), title, nothing_complete(trials))
    if params is not None:
        pairs = list(combinations(params, 2))
    else:
        weights = importance.as_dict() if importance is not None else \
            _importances_or_none(trials)
        pairs = vd.top_pairs(trials, 3, weights)
    if not pairs:
        return note(new_figure(), title, "a contour needs two parameters that vary together\n"
                                       "in three or more complete trials")
    data = [vd.contour(trials, x, y) for x, y in pairs]
    fig = new_figure((4.2 * len(pairs) + 1.0, 4.0))
    axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    values = [v for c in data for v in c.values]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    cmap = colormaps[_CMAP if dirn is Direction.MAXIMIZE else _CMAP + "_r"]
    for ax, c in zip(axes, data):
        if c.z is not None:
            ax.contourf(c.x_axis.natural(c.grid), c.y_axis.natural(c.grid), c.z, levels=15,
                        cmap=cmap, norm=norm, alpha=0.85)
        ax.scatter(floats(c.x_values), floats(c.y_values), c="white",
                   edgecolors="black", linewidths=0.6, s=16, zorder=3)
        _natural_axis(ax, c.x_axis, "x", rotate=True)
        _natural_axis(ax, c.y_axis, "y")
    from matplotlib.cm import ScalarMappable

    fig.colorbar(ScalarMappable(norm, cmap), ax=list(axes), label=_value_label(dirn, name))
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
    """Each trial's reported values by step; pruned trials dashed, with an x where they stopped.
    The curves of one state are one collection (fast with thousands of trials)."""
    trials = read_all(source).trials
    fig = new_figure()
    title = "Intermediate values"
    curves = vd.intermediate(trials)
    if not curves:
        return note(fig, title, "no trial has reported intermediate values")
    from matplotlib.collections import LineCollection

    ax = fig.add_subplot()
    kinds: dict[tuple[TrialState, bool], list[vd.Curve]] = {}
    for c in curves:
        kinds.setdefault((c.state, c.pruned), []).append(c)
    for (state, pruned), group in kinds.items():
        segments = _segments(group)
        ax.add_collection(LineCollection(
            segments, colors=STATE_COLORS[state], alpha=0.75, linewidths=1.1,
            linestyles="--" if pruned else "-", label="pruned" if pruned else state.value))
        if pruned:
            ax.plot([c.steps[-1] for c in group], [c.values[-1] for c in group], marker="x",
                    color=STATE_COLORS[state], markersize=7, linestyle="none")
    ax.autoscale_view()
    ax.set_xlabel("step")
    ax.set_ylabel("intermediate value")
    n_pruned = sum(c.pruned for c in curves)
    ax.set_title(f"{title}: {len(curves)} trials, {n_pruned} pruned")
    _legend(ax, sum(len(c.steps) for c in curves))
    ax.grid(alpha=0.3)
    return fig


def _segments(curves: Sequence[vd.Curve]) -> Any:
    """The curves' (step, value) points: one 3-d array when every curve has as many points
    (matplotlib then takes it whole), else one array per curve."""
    if len({len(c.steps) for c in curves}) == 1:
        return np.stack([np.array([c.steps for c in curves], dtype=float),
                         np.array([c.values for c in curves], dtype=float)], axis=2)
    return [np.column_stack([c.steps, c.values]).astype(float) for c in curves]


# -- empirical distribution ----------------------------------------------------------------------
def plot_edf(source: Any, *, direction: Direction | str | None = None,
             objective: int | str | None = None) -> Figure:
    """The empirical distribution function of the complete trials' values (of the one
    ``objective`` picks, in a study of several)."""
    trials, dirn, name = read(source, direction, objective)
    fig = new_figure()
    title = "Empirical distribution of values"
    e = vd.edf(trials)
    if not e.values:
        return note(fig, title, nothing_complete(trials))
    ax = fig.add_subplot()
    ax.step(e.values, e.fractions, where="post", color=STATE_COLORS[TrialState.COMPLETE])
    ax.set_xlabel(_value_label(dirn, name))
    ax.set_ylabel("share of complete trials with a value at most x")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{title}, {len(e.values)} trials")
    ax.grid(alpha=0.3)
    return fig


# -- timeline ------------------------------------------------------------------------------------
def plot_timeline(source: Any) -> Figure:
    """Each started trial as its own bar from its start to its end, coloured by state.  With
    one worker every trial gets a row (by trial number), so back-to-back trials stay apart and
    the bars' lengths are the trials' durations; with several, each worker gets a lane and
    consecutive bars in a lane alternate shades."""
    trials = read_all(source).trials
    tl = vd.timeline(trials)
    lanes = len(tl.workers) > 1
    fig = new_figure((7.0, max(2.5, 1.0 + 0.45 * len(tl.workers))) if lanes else (7.0, 4.0))
    title = "Timeline of trials"
    if not tl.spans:
        return note(fig, title, "no trial has started yet")
    from matplotlib.collections import PolyCollection

    ax = fig.add_subplot()
    end = max(s.end for s in tl.spans) or 1.0
    shortest = end * 1e-3  # a bar of an instant trial stays visible
    for state, (boxes, shades) in _bars(tl, lanes, shortest).items():
        ax.add_collection(PolyCollection(boxes, facecolors=shades, edgecolors="none",
                                         label=state.value))
    ax.set_xlim(0, end * 1.02)
    if lanes:
        ax.set_ylim(-0.6, len(tl.workers) - 0.4)
        ax.set_yticks(range(len(tl.workers)), tl.workers)
        ax.set_ylabel("worker")
    else:
        numbers = [s.number for s in tl.spans]
        ax.set_ylim(min(numbers) - 0.6, max(numbers) + 0.6)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(f"trial (one worker: {tl.workers[0]})")
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the first trial started")
    n = len(tl.workers)
    ax.set_title(f"{title}: {len(tl.spans)} trials on {n} worker{'s' if n != 1 else ''}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _bars(tl: vd.TimelineData, lanes: bool,
          shortest: float) -> dict[TrialState, tuple[np.ndarray, np.ndarray]]:
    """Per state (in :class:`TrialState` order), its bars as corner arrays (bars x 4 x 2) and
    their colours (bars x 3): a row per trial number with one worker, else a lane per worker,
    with consecutive bars of a lane in alternating shades."""
    from matplotlib.colors import to_rgb

    spans = tl.spans
    start = np.array([s.start for s in spans], dtype=float)
    stop = np.maximum(np.array([s.end for s in spans], dtype=float), start + shortest)
    lane = {w: i for i, w in enumerate(tl.workers)}
    y = np.array([lane[s.worker] if lanes else s.number for s in spans], dtype=float)
    half = 0.3 if lanes else 0.4
    odd = np.zeros(len(spans), dtype=bool)
    if lanes:
        seen: dict[str, int] = {}
        for i, s in enumerate(spans):
            seen[s.worker] = seen.get(s.worker, -1) + 1
            odd[i] = seen[s.worker] % 2 == 1
    corners = np.stack([np.column_stack([start, y - half]), np.column_stack([start, y + half]),
                        np.column_stack([stop, y + half]), np.column_stack([stop, y - half])],
                       axis=1)
    states = np.array([s.state.value for s in spans])
    out = {}
    for state in TrialState:
        keep = states == state.value
        if keep.any():
            rgb = np.tile(to_rgb(STATE_COLORS[state]), (int(keep.sum()), 1))
            rgb[odd[keep]] = 0.6 * rgb[odd[keep]] + 0.4
            out[state] = (corners[keep], rgb)
    return out


# -- confusion matrix ----------------------------------------------------------------------------
def plot_confusion(source: Any) -> Figure:
    """The final model's confusion matrix on the test split (the study's
    ``confusion_matrix`` user attribute, written by the tuning cycle)."""
    attrs = source if isinstance(source, Mapping) else getattr(source, "user_attrs", {})
    fig = new_figure((5.5, 4.8))
    title = "Confusion matrix of the final model (test split)"
    c = vd.confusion(attrs)
    if c is None:
        return note(fig, title, "this study has no confusion matrix\n"
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


# -- registry (output: viz.figures) --------------------------------------------------------------
PlotFn = Callable[..., "Figure"]

#: kind -> (function of (study, params, **options) -> Figure, takes --params); the options are
#: ``objective`` for the kinds in ONE_OBJECTIVE and ``reference`` for ``hypervolume``
PLOTS: dict[str, tuple[PlotFn, bool]] = {
    "history": (lambda s, p, **kw: plot_history(s, **kw), False),
    "importance": (lambda s, p, **kw: plot_importance(s, p, **kw), True),
    "parallel": (lambda s, p, **kw: plot_parallel(s, p, **kw), True),
    "slice": (lambda s, p, **kw: plot_slice(s, p, **kw), True),
    "contour": (lambda s, p, **kw: plot_contour(s, p, **kw), True),
    "intermediate": (lambda s, p, **kw: plot_intermediate(s), False),
    "edf": (lambda s, p, **kw: plot_edf(s, **kw), False),
    "timeline": (lambda s, p, **kw: plot_timeline(s), False),
    "confusion": (lambda s, p, **kw: plot_confusion(s), False),
    "pareto": (lambda s, p, **kw: plot_pareto_trials(s, p), True),
    "hypervolume": (lambda s, p, **kw: plot_hypervolume(s, **kw), False),
    "objectives": (lambda s, p, **kw: plot_objectives(s), False),
}
#: the kinds that draw one objective: a study of several needs ``objective=``
ONE_OBJECTIVE = ("history", "importance", "parallel", "slice", "contour", "edf")


__all__ = [
    "DOMINATED_COLOR", "FORMATS", "FRONT_COLOR", "INFEASIBLE_COLOR", "ONE_OBJECTIVE", "PLOTS",
    "STATE_COLORS", "PlotFn", "figure_png", "figures_from", "front_line", "plot_confusion",
    "plot_contour", "plot_edf", "plot_front", "plot_history", "plot_hypervolume",
    "plot_importance", "plot_intermediate", "plot_objectives", "plot_parallel", "plot_pareto",
    "plot_pareto_trials", "plot_slice", "plot_timeline", "png_data_uri", "save",
]
