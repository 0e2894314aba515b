"""The figures of several objectives: the Pareto front (:func:`plot_front`, one panel per pair
of objectives from three on, and :func:`plot_pareto` / :func:`plot_pareto_trials` for a front
over any named measures), the hypervolume after each trial and each objective's history.

Drawn like every plot of :mod:`tunecycle.viz.plots` (which re-exports these functions and
registers them as the ``pareto``, ``hypervolume`` and ``objectives`` kinds) from
:mod:`tunecycle.viz.data`.  Deliberately not here: the plots of one objective, the shared
figure plumbing (:mod:`tunecycle.viz.figures`) and any reading of the data beyond picking the
objectives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any

from tunecycle.errors import UserError
from tunecycle.records import Direction, TrialState
from tunecycle.viz import data as vd
from tunecycle.viz.figures import (
    DOMINATED_COLOR,
    FRONT_COLOR,
    STATE_COLORS,
    Source,
    floats,
    infeasible,
    new_figure,
    note,
    nothing_complete,
    read_all,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


# -- Pareto front --------------------------------------------------------------------------------
def plot_pareto(data: vd.ParetoData) -> Figure:
    """The first two objectives of a :class:`~tunecycle.viz.data.ParetoData`: every point, the
    non-dominated ones highlighted and joined."""
    fig = new_figure()
    title = "Pareto front"
    if not data.points:
        return note(fig, title, "no complete trials with every objective")
    ax = fig.add_subplot()
    xs = [p[0] for p in data.points]
    ys = [p[1] for p in data.points]
    front = [i for i, f in enumerate(data.on_front) if f]
    rest = [i for i, f in enumerate(data.on_front) if not f]
    ax.scatter(floats(xs[i] for i in rest), floats(ys[i] for i in rest), s=18,
               color="#9ecae1", label="dominated")
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


def plot_pareto_trials(source: Any, objectives: Sequence[str] | None = None,
                       directions: Sequence[Direction | str] | None = None) -> Figure:
    """The ``pareto`` kind.  A study of several objectives: :func:`plot_front` of its
    objectives (``objectives`` may pick some of them by name).  A study of one objective: the
    Pareto front of its complete trials over named objectives, ``value``, ``duration`` or
    numeric user attributes (default ``value`` and ``duration``); directions default to the
    study's for ``value`` and ``minimize`` for the rest."""
    src = read_all(source)
    if len(src.directions) > 1:
        return plot_front(source, objectives, directions=directions)
    keys = list(objectives) if objectives else ["value", "duration"]
    dirs = list(directions) if directions is not None else [
        src.directions[0] if k == "value" else Direction.MINIMIZE for k in keys]
    return plot_pareto(vd.pareto_from_trials(src.trials, keys, dirs))


def _axis_label(name: str, direction: Direction) -> str:
    return f"{name} ({direction.value} {'↑' if direction is Direction.MAXIMIZE else '↓'})"


def _pick_objectives(src: Source, objectives: Sequence[int | str] | None) -> list[int]:
    k = len(src.directions)
    if k < 2:
        raise UserError(f"objectives: a Pareto front needs a study of two or more objectives; "
                        f"{src.label} has {k} (its pareto plot shows value against duration)")
    if objectives is None:
        return list(range(k))
    picked = [vd.resolve_objective(o, src.names) for o in objectives]
    if len(set(picked)) != len(picked) or len(picked) < 2:
        raise UserError(f"objectives: pick two or more different objectives of "
                        f"{list(src.names)}, got {list(objectives)}")
    return picked


def front_line(xs: Sequence[float], ys: Sequence[float],
               directions: Sequence[Direction]) -> tuple[list[float], list[float]]:
    """The step line through a 2-objective front: the edge of the region its points
    dominate, from the point best in the first objective to the one best in the second."""
    sx, sy = directions[0].sign(), directions[1].sign()
    order = sorted(range(len(xs)), key=lambda i: (sx * xs[i], sy * ys[i]))
    lx: list[float] = []
    ly: list[float] = []
    for j, i in enumerate(order):
        if j:  # the corner: the next point's first objective at this point's second
            lx.append(xs[i])
            ly.append(ly[-1])
        lx.append(xs[i])
        ly.append(ys[i])
    return lx, ly


def _front_panel(ax: Axes, d: vd.FrontData, a: int, b: int, line: bool) -> None:
    def pick(keep: Callable[[int], bool], col: int) -> list[float]:
        return [row[col] for i, row in enumerate(d.values) if keep(i)]

    def dominated(i: int) -> bool:
        return d.feasible[i] and not d.on_front[i]

    def on(i: int) -> bool:
        return d.on_front[i]

    ax.scatter(floats(pick(dominated, a)), floats(pick(dominated, b)), s=18,
               color=DOMINATED_COLOR,
               label="dominated", zorder=2)
    infeasible(ax, pick(lambda i: not d.feasible[i], a), pick(lambda i: not d.feasible[i], b))
    fx, fy = pick(on, a), pick(on, b)
    if line and fx:
        lx, ly = front_line(fx, fy, (d.directions[a], d.directions[b]))
        ax.plot(lx, ly, color=FRONT_COLOR, linewidth=1.2, zorder=3)
    ax.scatter(fx, fy, s=30, color=FRONT_COLOR, edgecolors="white", linewidths=0.5,
               label=f"Pareto front ({len(fx)})", zorder=4)
    ax.set_xlabel(_axis_label(d.names[a], d.directions[a]))
    ax.set_ylabel(_axis_label(d.names[b], d.directions[b]))
    ax.grid(alpha=0.3)


def plot_front(source: Any, objectives: Sequence[int | str] | None = None, *,
               directions: Sequence[Direction | str] | None = None,
               names: Sequence[str] | None = None) -> Figure:
    """The Pareto front of a study of several objectives: every complete trial, the feasible
    front in red, dominated trials in light blue, infeasible ones as grey crosses; each axis
    says its objective's direction.  Two objectives: one panel, the front joined by its step
    line.  Three or more: one panel per pair of objectives (the front of all of them
    highlighted in each; no line, since a projected front is not a staircase).
    ``objectives`` picks some objectives by name or number (the front is then theirs)."""
    src = read_all(source, directions, names)
    cols = _pick_objectives(src, objectives)
    d = vd.front(src.trials, src.directions, src.names)
    if cols != list(range(len(src.directions))):
        d = vd.select_objectives(d, cols)
    title = "Pareto front"
    if not d.numbers:
        return note(new_figure(), title, nothing_complete(src.trials))
    k = len(d.names)
    infeasible = f", {d.n_infeasible} infeasible" if d.n_infeasible else ""
    heading = f"{title}: {d.n_front} of {len(d.numbers)} complete trials{infeasible}"
    if k == 2:
        fig = new_figure()
        ax = fig.add_subplot()
        _front_panel(ax, d, 0, 1, line=True)
        ax.set_title(heading)
        ax.legend(loc="best", fontsize=8)
        return fig
    pairs = list(combinations(range(k), 2))
    ncols = min(3, len(pairs))
    nrows = math.ceil(len(pairs) / ncols)
    fig = new_figure((4.0 * ncols + 0.5, 3.6 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, (a, b) in zip(axes.flat, pairs):
        _front_panel(ax, d, a, b, line=False)
    for ax in list(axes.flat)[len(pairs):]:
        ax.set_axis_off()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8)
    fig.suptitle(heading)
    return fig


def plot_hypervolume(source: Any, *, reference: Sequence[float] | None = None,
                     directions: Sequence[Direction | str] | None = None,
                     names: Sequence[str] | None = None) -> Figure:
    """The hypervolume of the feasible front after each complete trial, against
    ``reference`` (a point in the objectives' values; by default the worst value seen of
    each objective among the feasible trials plus 10% of its range,
    :func:`tunecycle.viz.data.reference_point`)."""
    src = read_all(source, directions, names)
    title = "Hypervolume of the Pareto front"
    if len(src.directions) < 2:
        return note(new_figure(), title, f"the hypervolume needs two or more objectives;\n"
                                       f"{src.label} has {len(src.directions)}")
    h = vd.hypervolume_history(src.trials, src.directions, src.names, reference)
    if not h.numbers:
        return note(new_figure(), title, nothing_complete(src.trials))
    if h.reference is None:
        return note(new_figure(), title, "no feasible complete trial yet")
    fig = new_figure()
    ax = fig.add_subplot()
    ax.step(h.numbers, h.hypervolume, where="post", color=FRONT_COLOR, linewidth=1.5)
    ax.scatter(h.numbers, h.hypervolume, s=8, color=FRONT_COLOR, zorder=3)
    ax.set_xlabel("trial number")
    ax.set_ylabel("hypervolume")
    ax.set_ylim(bottom=0)
    rule = "given" if h.given else "default: worst feasible value + 10% of the range"
    point = ", ".join(f"{n}={v:.4g}" for n, v in zip(h.names, h.reference))
    ax.set_title(f"{title}: {h.hypervolume[-1]:.4g} after {len(h.numbers)} trials")
    ax.text(0.99, 0.02, f"reference point ({rule}): {point}", transform=ax.transAxes,
            ha="right", va="bottom", fontsize=7.5, color="#555555")
    ax.grid(alpha=0.3)
    return fig


def plot_objectives(source: Any, *, directions: Sequence[Direction | str] | None = None,
                    names: Sequence[str] | None = None) -> Figure:
    """One panel per objective: each complete trial's value (infeasible ones as grey
    crosses) and the best of the feasible trials so far, by trial number."""
    src = read_all(source, directions, names)
    title = "History of each objective"
    hs = vd.objective_histories(src.trials, src.directions, src.names)
    if not hs[0].numbers:
        return note(new_figure(), title, nothing_complete(src.trials))
    fig = new_figure((7.0, 2.6 * len(hs) + 0.6))
    axes = fig.subplots(len(hs), 1, sharex=True, squeeze=False)[:, 0]
    for ax, h in zip(axes, hs):
        ok = [i for i, f in enumerate(h.feasible) if f]
        bad = [i for i, f in enumerate(h.feasible) if not f]
        ax.scatter([h.numbers[i] for i in ok], [h.values[i] for i in ok], s=16,
                   color=STATE_COLORS[TrialState.COMPLETE], label=h.name, zorder=3)
        infeasible(ax, [h.numbers[i] for i in bad], [h.values[i] for i in bad])
        ax.step(h.numbers, h.best, where="post", color="#d62728", label="best so far")
        ax.set_ylabel(_axis_label(h.name, h.direction))
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("trial number")
    fig.suptitle(f"{title}, {len(hs[0].numbers)} complete trials")
    return fig
