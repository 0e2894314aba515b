"""Optuna's ``optuna.visualization.matplotlib`` functions: the same plots as
:mod:`tunecycle.compat.visualization._plotly`, returning matplotlib ``Axes``.

Where tunecycle's own static plots (:mod:`tunecycle.viz.plots`) already draw the picture, these
functions call them; the rest (several studies in one history or EDF, the rank plot, grouped
importances of several objectives) are drawn here.  Figures are made through pyplot, as
Optuna's are, so that a script's ``plt.show()``, ``plt.savefig(...)`` and ``plt.tight_layout()``
act on them; pyplot picks a non-interactive backend by itself where there is no display (set
``MPLBACKEND=Agg`` to be sure).  A plot of one panel returns its ``Axes``; a plot of several
panels (slice and contour of more than two parameters, rank of more than two) returns a numpy
array of them.  matplotlib loads on the first call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from tunecycle.compat import plot_inputs as vc
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.viz import data as vd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tunecycle.compat.importance import BaseImportanceEvaluator


def is_available() -> bool:
    """True when matplotlib can be imported (``pip install 'tunecycle[viz]'``)."""
    try:
        import matplotlib  # noqa: F401  (the real library: this module's imports are absolute)
    except ImportError:
        return False
    return True


@contextmanager
def _pyplot() -> Any:
    """Plots drawn inside come out as pyplot figures."""
    import matplotlib.pyplot as plt

    from tunecycle.viz import plots

    with plots.figures_from(functools.partial(plt.figure, layout="constrained")):
        yield plt


def _new_figure(size: tuple[float, float] = (7.0, 4.5)) -> Figure:
    import matplotlib.pyplot as plt

    return plt.figure(figsize=size, layout="constrained")


def _result(fig: Figure) -> Axes | np.ndarray:
    """The plot's Axes (colour bars left out): one, or an array when there are several."""
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.axison]
    if not axes:
        return fig.axes[0]
    return axes[0] if len(axes) == 1 else np.array(axes, dtype=object)


def _label_value(result: Axes | np.ndarray, target_name: str, axis: str = "y") -> None:
    for ax in np.atleast_1d(result):
        if axis == "y" and ax.get_ylabel():
            ax.set_ylabel(target_name)
        elif axis == "x" and ax.get_xlabel():
            ax.set_xlabel(target_name)


# -- history --------------------------------------------------------------------------------------
def plot_optimization_history(study: Any, *, target: vc.Target | None = None,
                              target_name: str = vc.DEFAULT_TARGET_NAME,
                              error_bar: bool = False) -> Axes:
    """Each complete trial's value and, without ``target``, the best value so far; several
    studies share the Axes (``error_bar=True``: their mean and spread by trial number)."""
    sources = vc.read_many(study)
    vc.check_target(sources, target, target_name)
    if len(sources) == 1 and target is None:
        from tunecycle.viz import plots

        with _pyplot():
            fig = plots.plot_history(sources[0].trials, direction=sources[0].directions[0])
        ax = _result(fig)
        if ax.get_ylabel():
            ax.set_ylabel(target_name)
        ax.set_title("Optimization History Plot")
        return ax
    fig = _new_figure()
    ax = fig.add_subplot()
    histories = [(s, vd.history(vc.with_target(s, target), s.directions[0])) for s in sources]
    if error_bar and len(sources) > 1:
        numbers = sorted({n for _, h in histories for n in h.numbers})
        col = {n: j for j, n in enumerate(numbers)}
        rows = np.full((len(histories), len(numbers)), np.nan)
        best = np.full_like(rows, np.nan)
        for i, (_, h) in enumerate(histories):
            for n, v, b in zip(h.numbers, h.values, h.best):
                rows[i, col[n]], best[i, col[n]] = v, b
        ax.errorbar(numbers, np.nanmean(rows, axis=0), yerr=np.nanstd(rows, axis=0), fmt="o",
                    markersize=3, label="Objective Value")
        if target is None:
            for r in best:  # carry each study's best forward over numbers it lacks
                for j in range(1, len(r)):
                    if np.isnan(r[j]):
                        r[j] = r[j - 1]
            ax.plot(numbers, np.nanmean(best, axis=0), color="tab:red", label="Best Value")
    else:
        for src, h in histories:
            suffix = "" if len(sources) == 1 else f" of {src.name}"
            ax.scatter(h.numbers, h.values, s=15, label=f"{target_name}{suffix}")
            if target is None:
                ax.step(h.numbers, h.best, where="post", label=f"Best Value{suffix}")
    ax.set_title("Optimization History Plot")
    ax.set_xlabel("Trial")
    ax.set_ylabel(target_name)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


# -- importance -----------------------------------------------------------------------------------
def plot_param_importances(study: Any, evaluator: BaseImportanceEvaluator | None = None,
                           params: list[str] | None = None, *,
                           target: vc.Target | None = None,
                           target_name: str = vc.DEFAULT_TARGET_NAME) -> Axes:
    """The parameters' importances as horizontal bars, the most important on top (in a study
    of several objectives without ``target``: one bar per objective and parameter)."""
    from tunecycle.compat.importance import get_param_importances
    from tunecycle.viz.importance import Importance

    src = vc.read(study)
    if target is not None and target_name == vc.DEFAULT_TARGET_NAME:
        vc.check_target([src], target, target_name)
    done = [t for t in src.trials if t.state is TrialState.COMPLETE]
    if src.multi and target is None:
        sets = [(name, get_param_importances(study, evaluator=evaluator, params=params,
                                             target=lambda t, i=i: t.values[i]))
                for i, name in enumerate(src.objective_names())]
        fig = _new_figure()
        ax = fig.add_subplot()
        order = list(sets[0][1])[::-1]
        height = 0.8 / len(sets)
        for k, (name, imp) in enumerate(sets):
            ax.barh(np.arange(len(order)) + k * height, [imp[p] for p in order], height,
                    label=name)
        ax.set_yticks(np.arange(len(order)) + 0.4 - height / 2, order)
        ax.legend(loc="best", fontsize=8)
    else:
        from tunecycle.viz import plots

        imp = get_param_importances(study, evaluator=evaluator, params=params, target=target)
        record = Importance(tuple(imp), tuple(imp.values()), tuple(imp.values()),
                            (0.0,) * len(imp), len(done))
        with _pyplot():
            fig = plots.plot_importance(src.trials, importance=record)
        ax = _result(fig)
    ax.set_title("Hyperparameter Importances")
    ax.set_xlabel("Hyperparameter Importance")
    ax.set_ylabel("Hyperparameter")
    return ax


# -- plots of one objective over the parameters ---------------------------------------------------
def _names_or_none(trials: list[FrozenTrial], params: list[str] | None) -> list[str] | None:
    done = vd.complete_trials(trials)
    if not done:
        return params
    return vc.check_params(vd.param_axes(done), params)


def plot_parallel_coordinate(study: Any, params: list[str] | None = None, *,
                             target: vc.Target | None = None,
                             target_name: str = vc.DEFAULT_TARGET_NAME) -> Axes:
    """One line per complete trial across the parameters and the objective (the last axis);
    a parameter inactive in a trial is crossed in the "inactive" band below its axis."""
    from tunecycle.viz import plots

    _, trials, dirn = vc.one_objective(study, target, target_name)
    with _pyplot():
        fig = plots.plot_parallel(trials, _names_or_none(trials, params), direction=dirn)
    ax = _result(fig)
    ax.set_title("Parallel Coordinate Plot")
    return ax


def plot_slice(study: Any, params: list[str] | None = None, *,
               target: vc.Target | None = None,
               target_name: str = vc.DEFAULT_TARGET_NAME) -> Axes | np.ndarray:
    """The objective against each parameter, one panel each, coloured by trial number."""
    from tunecycle.viz import plots

    _, trials, dirn = vc.one_objective(study, target, target_name)
    with _pyplot():
        fig = plots.plot_slice(trials, _names_or_none(trials, params), direction=dirn)
    result = _result(fig)
    _label_value(result, target_name)
    fig.suptitle("Slice Plot")
    return result


def plot_contour(study: Any, params: list[str] | None = None, *,
                 target: vc.Target | None = None,
                 target_name: str = vc.DEFAULT_TARGET_NAME) -> Axes | np.ndarray:
    """The objective over pairs of parameters: every pair of ``params``; by default every pair
    when the study has two or three parameters, else the three pairs of the most important
    ones (Optuna draws every pair)."""
    from tunecycle.viz import plots

    _, trials, dirn = vc.one_objective(study, target, target_name)
    names = _names_or_none(trials, params)
    if params is None and names is not None and len(names) > 3:
        names = None
    with _pyplot():
        fig = plots.plot_contour(trials, names, direction=dirn)
    fig.suptitle("Contour Plot")
    return _result(fig)


def plot_rank(study: Any, params: list[str] | None = None, *,
              target: vc.Target | None = None,
              target_name: str = vc.DEFAULT_TARGET_NAME) -> Axes | np.ndarray:
    """Trials over pairs of parameters coloured by the rank of their value: one panel for two
    parameters, a matrix for more (one parameter: it against the value)."""
    _, trials, _ = vc.one_objective(study, target, target_name)
    done = vd.complete_trials(trials)
    fig = _new_figure()
    title = "Rank (Objective Value)" if target is None else f"Rank ({target_name})"
    if not done:
        ax = fig.add_subplot()
        ax.set_title(title)
        return ax
    axes = vd.param_axes(done)
    names = vc.check_params(axes, params)
    values = [float(t.value) for t in done]  # type: ignore[arg-type]
    rank = vc.ranks(values)
    pairs: list[tuple[str, str | None]]
    if len(names) <= 2:
        grid = fig.subplots(1, 1, squeeze=False)
        pairs = [(names[0], names[1] if len(names) == 2 else None)] if names else []
    else:
        fig.set_size_inches(2.6 * len(names) + 1, 2.4 * len(names))
        grid = fig.subplots(len(names), len(names), squeeze=False)
        pairs = [(x, y) for y in names for x in names]
    mappable = None
    for ax, (x, y) in zip(grid.flat, pairs):
        keep = [i for i, t in enumerate(done) if x in t.params and (y is None or y in t.params)]
        xs = [vc.coordinate(axes[x], done[i].params[x]) for i in keep]
        ys = ([values[i] for i in keep] if y is None
              else [vc.coordinate(axes[y], done[i].params[y]) for i in keep])
        mappable = ax.scatter(xs, ys, c=[rank[i] for i in keep], cmap="RdYlBu_r", vmin=0,
                              vmax=1, s=16, edgecolors="grey", linewidths=0.3)
        _param_axis(ax, axes[x], "x")
        if y is None:
            ax.set_ylabel(target_name)
        else:
            _param_axis(ax, axes[y], "y")
    if mappable is not None:
        bar = fig.colorbar(mappable, ax=grid.ravel().tolist(), label=target_name)
        bar.set_ticks([0, 1], labels=[f"{min(values):.3g}", f"{max(values):.3g}"])
    fig.suptitle(title)
    return grid[0, 0] if grid.size == 1 else grid


def _param_axis(ax: Axes, axis: vd.ParamAxis, which: str) -> None:
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    set_ticks = ax.set_xticks if which == "x" else ax.set_yticks
    set_label(axis.name)
    if axis.kind == "categorical":
        set_ticks(range(len(axis.labels)), axis.labels)
    else:
        if vc.is_log(axis):
            (ax.set_xscale if which == "x" else ax.set_yscale)("log")
        if vc.is_int(axis):
            ticks = vc.int_ticks(axis, most=6)
            set_ticks(ticks, [str(t) for t in ticks])


# -- intermediate values, EDF, timeline -----------------------------------------------------------
def plot_intermediate_values(study: Any) -> Axes:
    """Each trial's reported values by step; pruned trials dashed, with an x where they
    stopped."""
    from tunecycle.viz import plots

    src = vc.read(study)
    with _pyplot():
        fig = plots.plot_intermediate(src.trials)
    ax = _result(fig)
    ax.set_title("Intermediate Values Plot")
    if ax.axison:
        ax.set_xlabel("Step")
        ax.set_ylabel("Intermediate Value")
    return ax


def plot_edf(study: Any, *, target: vc.Target | None = None,
             target_name: str = vc.DEFAULT_TARGET_NAME) -> Axes:
    """The empirical distribution function of the complete trials' values, one line per
    study."""
    sources = vc.read_many(study)
    vc.check_target(sources, target, target_name)
    fig = _new_figure()
    ax = fig.add_subplot()
    for src in sources:
        e = vd.edf(vc.with_target(src, target))
        if e.values:
            ax.step(e.values, e.fractions, where="post", label=src.name)
    ax.set_title("Empirical Distribution Function Plot")
    ax.set_xlabel(target_name)
    ax.set_ylabel("Cumulative Probability")
    ax.set_ylim(0, 1.02)
    if ax.lines:
        ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_timeline(study: Any, n_recent_trials: int | None = None) -> Axes:
    """Each started trial as a bar from its start to its end, one row per trial, coloured by
    state."""
    import matplotlib.dates as mdates

    from tunecycle.viz.plots import STATE_COLORS

    if n_recent_trials is not None and (isinstance(n_recent_trials, bool)
                                        or not isinstance(n_recent_trials, int)
                                        or n_recent_trials < 1):
        raise ValueError(f"n_recent_trials: must be a positive integer, got {n_recent_trials!r}")
    src = vc.read(study)
    started = sorted((t for t in src.trials if t.datetime_start is not None),
                     key=lambda t: t.number)
    if n_recent_trials is not None:
        started = started[-n_recent_trials:]
    fig = _new_figure()
    ax = fig.add_subplot()
    from tunecycle.compat.visualization._plotly import _now

    for state in TrialState:
        mine = [t for t in started if t.state is state]
        if not mine:
            continue
        starts = [mdates.date2num(t.datetime_start) for t in mine]
        ends = [mdates.date2num(t.datetime_complete or _now(t.datetime_start)) for t in mine]
        ax.barh([t.number for t in mine], [max(e - s, 1e-8) for s, e in zip(starts, ends)],
                left=starts, color=STATE_COLORS[state], label=state.name, height=0.8)
    ax.xaxis_date()
    ax.set_title("Timeline Plot")
    ax.set_xlabel("Datetime")
    ax.set_ylabel("Trial")
    if started:
        ax.legend(loc="best", fontsize=8)
    return ax


# -- several objectives ---------------------------------------------------------------------------
def plot_pareto_front(study: Any, *, target_names: list[str] | None = None,
                      include_dominated_trials: bool = True,
                      constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
                      targets: Callable[[FrozenTrial], Sequence[float]] | None = None) -> Axes:
    """The Pareto front of 2 or 3 objectives: the feasible front in red, dominated trials in
    light blue (left out with ``include_dominated_trials=False``), infeasible ones as grey
    crosses (three objectives: one panel per pair)."""
    from dataclasses import replace

    from tunecycle.viz import plots

    trials, dirs, names = vc.pareto_inputs(study, target_names, targets, constraints_func)
    if not include_dominated_trials:
        d = vd.front(trials, dirs, names)
        drop = {n for n, f, on in zip(d.numbers, d.feasible, d.on_front) if f and not on}
        trials = [t for t in trials if t.number not in drop]
    # a plain list of trials: the plot reads the values it is given, in these directions
    trials = [t if t.values is None or len(t.values) == len(dirs)
              else replace(t, values=None, value=None, state=TrialState.FAILED) for t in trials]
    with _pyplot():
        fig = plots.plot_front(trials, directions=dirs, names=names)
    return _result(fig)


def plot_hypervolume_history(study: Any, reference_point: Sequence[float]) -> Axes:
    """The hypervolume of the feasible Pareto front after each complete trial, against
    ``reference_point``."""
    from tunecycle.viz import plots

    src = vc.read(study)
    ref = vc.check_reference(src, reference_point)
    with _pyplot():
        fig = plots.plot_hypervolume(src.trials, reference=ref, directions=src.directions,
                                     names=src.objective_names())
    ax = _result(fig)
    return ax


__all__ = [
    "is_available", "plot_contour", "plot_edf", "plot_hypervolume_history",
    "plot_intermediate_values", "plot_optimization_history", "plot_parallel_coordinate",
    "plot_param_importances", "plot_pareto_front", "plot_rank", "plot_slice", "plot_timeline",
]
