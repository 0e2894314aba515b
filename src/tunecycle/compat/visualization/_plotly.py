"""Optuna's ``optuna.visualization`` functions, drawn with plotly from tunecycle's plot data.

Each function takes a tunecycle study (``tunecycle.create_study`` or the Optuna-style one) and
returns a ``plotly.graph_objects.Figure`` with Optuna's trace names and titles, so a script's
``fig.show()``, ``fig.write_html(...)`` and ``fig.update_layout(...)`` work as they did.  The
numbers come from :mod:`tunecycle.viz.data` and :mod:`tunecycle.viz.importance`; plotly is
imported on the first call (the ``viz`` extra installs it).

Where the pictures differ from Optuna's on purpose: integer parameters sit on integer ticks;
log parameters get log axes everywhere (the parallel-coordinate plot shows log10 values with
the original numbers as tick labels); in a conditional space the parallel-coordinate plot
keeps every trial and draws a parameter that was inactive at an "inactive" tick below its
axis (Optuna leaves such trials out); the intermediate-values plot dashes pruned trials and
marks where they stopped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

from tunecycle.compat import plot_inputs as vc
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.viz import data as vd

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from tunecycle.compat.importance import BaseImportanceEvaluator

_BLUE = "rgb(31, 119, 180)"
_RED = "rgb(214, 39, 40)"
_GREY = "#cccccc"
_STATE_COLORS = {
    TrialState.COMPLETE: "blue", TrialState.FAILED: "red", TrialState.PRUNED: "orange",
    TrialState.RUNNING: "green", TrialState.WAITING: "gray",
}
_INACTIVE = "inactive"


def is_available() -> bool:
    """True when plotly can be imported (``pip install 'tunecycle[viz]'``)."""
    try:
        import plotly  # noqa: F401
    except ImportError:
        return False
    return True


def _go() -> Any:
    try:
        import plotly.graph_objects as go
    except ImportError as exc:  # pragma: no cover - plotly is in the viz extra
        raise ImportError("tunecycle.visualization needs plotly: pip install "
                          "'tunecycle[viz]' (or use tunecycle.visualization.matplotlib)") from exc
    return go


def _subplots(**kwargs: Any) -> Any:
    from plotly.subplots import make_subplots

    return make_subplots(**kwargs)


def _axis_layout(axis: vd.ParamAxis) -> dict[str, Any]:
    """Plotly axis settings for a parameter: log, integer ticks, categorical labels."""
    if axis.kind == "categorical":
        n = len(axis.labels)
        return {"title": {"text": axis.name}, "tickvals": list(range(n)),
                "ticktext": list(axis.labels), "range": [-0.5, n - 0.5]}
    out: dict[str, Any] = {"title": {"text": axis.name}}
    if vc.is_log(axis):
        out["type"] = "log"
    if vc.is_int(axis):
        ticks = vc.int_ticks(axis)
        out.update(tickvals=ticks, ticktext=[str(t) for t in ticks])
    return out


def _empty(title: str, message: str | None = None) -> go.Figure:
    go = _go()
    fig = go.Figure()
    fig.update_layout(title={"text": title})
    if message:
        fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper",
                           x=0.5, y=0.5)
    return fig


# -- history --------------------------------------------------------------------------------------
def plot_optimization_history(study: Any, *, target: vc.Target | None = None,
                              target_name: str = vc.DEFAULT_TARGET_NAME,
                              error_bar: bool = False) -> go.Figure:
    """Each complete trial's value and, without ``target``, the best value so far; several
    studies share the figure (with ``error_bar=True``: their mean and spread by trial
    number)."""
    go = _go()
    sources = vc.read_many(study)
    vc.check_target(sources, target, target_name)
    fig = go.Figure()
    fig.update_layout(title={"text": "Optimization History Plot"},
                      xaxis={"title": {"text": "Trial"}}, yaxis={"title": {"text": target_name}})
    histories = [(s, vd.history(vc.with_target(s, target), s.directions[0])) for s in sources]
    if error_bar and len(sources) > 1:
        _history_error_bars(fig, histories, target is None)
        return fig
    for src, h in histories:
        suffix = "" if len(sources) == 1 else f" of {src.name}"
        ok = [i for i, f in enumerate(h.feasible) if f]
        bad = [i for i, f in enumerate(h.feasible) if not f]
        fig.add_trace(go.Scatter(x=[h.numbers[i] for i in ok], y=[h.values[i] for i in ok],
                                 mode="markers", name=f"{target_name}{suffix}",
                                 marker={"color": _BLUE} if len(sources) == 1 else None))
        if target is None:
            fig.add_trace(go.Scatter(x=list(h.numbers), y=list(h.best), mode="lines",
                                     name=f"Best Value{suffix}", line={"color": _RED}
                                     if len(sources) == 1 else None))
        if bad or len(sources) == 1:  # Optuna's figure always has this trace (maybe empty)
            fig.add_trace(go.Scatter(x=[h.numbers[i] for i in bad], y=[h.values[i] for i in bad],
                                     mode="markers", name=f"Infeasible Trial{suffix}",
                                     marker={"color": _GREY}, showlegend=False))
    return fig


def _history_error_bars(fig: go.Figure, histories: list[tuple[vc.Source, vd.HistoryData]],
                        best: bool) -> None:
    go = _go()
    numbers = sorted({n for _, h in histories for n in h.numbers})

    def table(pick: Callable[[vd.HistoryData], Sequence[float]]) -> np.ndarray:
        rows = np.full((len(histories), len(numbers)), np.nan)
        col = {n: j for j, n in enumerate(numbers)}
        for i, (_, h) in enumerate(histories):
            for n, v in zip(h.numbers, pick(h)):
                rows[i, col[n]] = v
        return rows

    def add(rows: np.ndarray, name: str, mode: str, color: str) -> None:
        keep = ~np.all(np.isnan(rows), axis=0)
        mean = np.nanmean(rows[:, keep], axis=0)
        std = np.nanstd(rows[:, keep], axis=0)
        fig.add_trace(go.Scatter(x=np.array(numbers)[keep].tolist(), y=mean.tolist(),
                                 error_y={"type": "data", "array": std.tolist(),
                                          "visible": True},
                                 mode=mode, name=name, marker={"color": color}))

    add(table(lambda h: h.values), "Objective Value", "markers", _BLUE)
    if best:
        # the running best per study, carried forward across trial numbers it lacks
        rows = table(lambda h: h.best)
        for r in rows:
            last = np.nan
            for j, v in enumerate(r):
                last = v if not np.isnan(v) else last
                r[j] = last
        add(rows, "Best Value", "lines", _RED)


# -- importance -----------------------------------------------------------------------------------
def plot_param_importances(study: Any, evaluator: BaseImportanceEvaluator | None = None,
                           params: list[str] | None = None, *,
                           target: vc.Target | None = None,
                           target_name: str = vc.DEFAULT_TARGET_NAME) -> go.Figure:
    """The parameters' importances as horizontal bars, the most important on top; in a study
    of several objectives without ``target``, one bar per objective and parameter."""
    from tunecycle.compat.importance import get_param_importances

    go = _go()
    src = vc.read(study)
    if target is not None and target_name == vc.DEFAULT_TARGET_NAME:
        vc.check_target([src], target, target_name)
    fig = go.Figure()
    fig.update_layout(title={"text": "Hyperparameter Importances"},
                      xaxis={"title": {"text": "Hyperparameter Importance"}},
                      yaxis={"title": {"text": "Hyperparameter"}}, showlegend=False)
    done = [t for t in src.trials if t.state is TrialState.COMPLETE]
    if not done:
        return fig
    if src.multi and target is None:
        sets = [(name, get_param_importances(study, evaluator=evaluator, params=params,
                                             target=lambda t, i=i: t.values[i]))
                for i, name in enumerate(src.objective_names())]
        fig.update_layout(showlegend=True, barmode="group")
    else:
        sets = [(target_name, get_param_importances(study, evaluator=evaluator, params=params,
                                                    target=target))]
    order = list(sets[0][1])[::-1]  # the least important first: plotly draws bottom-up
    for name, imp in sets:
        values = [imp[p] for p in order]
        fig.add_trace(go.Bar(x=values, y=order, orientation="h", name=name,
                             text=[f"{v:.2f}" if v >= 0.01 else "<0.01" for v in values],
                             textposition="outside", cliponaxis=False,
                             marker={"color": _BLUE} if len(sets) == 1 else None,
                             hovertemplate="%{y}: %{x:.4f}<extra>" + name + "</extra>"))
    return fig


# -- parallel coordinates -------------------------------------------------------------------------
def plot_parallel_coordinate(study: Any, params: list[str] | None = None, *,
                             target: vc.Target | None = None,
                             target_name: str = vc.DEFAULT_TARGET_NAME) -> go.Figure:
    """One line per complete trial across the objective and the parameters."""
    go = _go()
    src, trials, dirn = vc.one_objective(study, target, target_name)
    done = vd.complete_trials(trials)
    title = "Parallel Coordinate Plot"
    if not done:
        return _empty(title)
    axes = vd.param_axes(done)
    names = vc.check_params(axes, params)
    values = [float(t.value) for t in done]  # type: ignore[arg-type]
    dims = [{"label": target_name, "values": values,
             "range": [min(values), max(values)]}]
    for name in names:
        dims.append(_parallel_dim(axes[name], [t.params.get(name, _INACTIVE) for t in done]))
    line = {"color": values, "colorscale": "Blues", "showscale": True,
            "reversescale": dirn is Direction.MINIMIZE,
            "colorbar": {"title": {"text": target_name}}}
    fig = go.Figure(go.Parcoords(dimensions=dims, line=line, labelangle=30, labelside="bottom"))
    fig.update_layout(title={"text": title})
    return fig


def _parallel_dim(axis: vd.ParamAxis, raw: list[Any]) -> dict[str, Any]:
    """A Parcoords dimension; inactive values go to an "inactive" tick below the range."""
    inactive = any(v is _INACTIVE for v in raw)
    if axis.kind == "categorical":
        n = len(axis.labels)
        vals = [-1.0 if v is _INACTIVE else vc.coordinate(axis, v) for v in raw]
        tickvals = list(range(n))
        ticktext = list(axis.labels)
        lo, hi = 0.0, float(n - 1)
    else:
        log = vc.is_log(axis)
        nums = [float(v) for v in raw if v is not _INACTIVE]
        conv = (lambda x: math.log10(x)) if log else (lambda x: x)
        lo, hi = (conv(min(nums)), conv(max(nums))) if nums else (0.0, 1.0)
        span = hi - lo if hi > lo else 1.0
        vals = [lo - 0.15 * span if v is _INACTIVE else conv(float(v)) for v in raw]
        if vc.is_int(axis):
            ticks = [t for t in vc.int_ticks(axis) if not nums or min(nums) <= t <= max(nums)]
            tickvals = [conv(t) for t in ticks]
            ticktext = [str(t) for t in ticks]
        else:
            tickvals = [lo + f * (hi - lo) for f in (0.0, 0.25, 0.5, 0.75, 1.0)]
            ticktext = [vd.format_value(10 ** t if log else t) for t in tickvals]
        if inactive:
            lo = lo - 0.15 * span
    if inactive:
        tickvals = [-1.0 if axis.kind == "categorical" else lo, *tickvals]
        ticktext = [_INACTIVE, *ticktext]
        lo = -1.0 if axis.kind == "categorical" else lo
    label = f"{axis.name} (log)" if vc.is_log(axis) else axis.name
    return {"label": label, "values": vals, "range": [lo, hi], "tickvals": tickvals,
            "ticktext": ticktext}


# -- slice ----------------------------------------------------------------------------------------
def plot_slice(study: Any, params: list[str] | None = None, *,
               target: vc.Target | None = None,
               target_name: str = vc.DEFAULT_TARGET_NAME) -> go.Figure:
    """The objective against each parameter, one panel per parameter, coloured by trial
    number."""
    go = _go()
    src, trials, _ = vc.one_objective(study, target, target_name)
    done = vd.complete_trials(trials)
    title = "Slice Plot"
    if not done:
        return _empty(title)
    names = vc.check_params(vd.param_axes(done), params)
    data = vd.slices(done, names)
    numbers = [t.number for t in done]
    fig = _subplots(rows=1, cols=max(1, len(data)), shared_yaxes=True,
                    horizontal_spacing=min(0.1, 0.3 / max(1, len(data))))
    for j, s in enumerate(data, start=1):
        fig.add_trace(go.Scatter(
            x=list(s.x), y=list(s.values), mode="markers", name=s.axis.name, showlegend=False,
            marker={"color": list(s.numbers), "colorscale": "Blues", "cmin": min(numbers),
                    "cmax": max(numbers), "line": {"width": 0.5, "color": "Grey"},
                    "showscale": j == len(data),
                    "colorbar": {"title": {"text": "Trial"}}},
            customdata=list(s.numbers), hovertemplate="trial %{customdata}<br>%{x}: %{y}"),
            row=1, col=j)
        fig.update_xaxes(row=1, col=j, **_axis_layout(s.axis))
    fig.update_yaxes(title={"text": target_name}, row=1, col=1)
    fig.update_layout(title={"text": title})
    return fig


# -- contour --------------------------------------------------------------------------------------
def plot_contour(study: Any, params: list[str] | None = None, *,
                 target: vc.Target | None = None,
                 target_name: str = vc.DEFAULT_TARGET_NAME) -> go.Figure:
    """The objective over pairs of parameters, interpolated between the trials: one contour
    for two parameters, a matrix of them for more."""
    go = _go()
    src, trials, dirn = vc.one_objective(study, target, target_name)
    done = vd.complete_trials(trials)
    title = "Contour Plot"
    if not done:
        return _empty(title)
    axes = vd.param_axes(done)
    names = vc.check_params(axes, params)
    if len(names) < 2:
        return _empty(title, "a contour needs two or more parameters")
    values = [float(t.value) for t in done]  # type: ignore[arg-type]
    zmin, zmax = min(values), max(values)
    reverse = dirn is Direction.MINIMIZE
    if len(names) == 2:
        fig = go.Figure()
        _contour_panel(fig, go, done, axes[names[0]], axes[names[1]], zmin, zmax, reverse,
                       target_name, None, True)
        fig.update_xaxes(**_axis_layout(axes[names[0]]))
        fig.update_yaxes(**_axis_layout(axes[names[1]]))
    else:
        n = len(names)
        fig = _subplots(rows=n, cols=n, horizontal_spacing=0.04, vertical_spacing=0.04)
        shown = False
        for i, y in enumerate(names):
            for j, x in enumerate(names):
                cell = (i + 1, j + 1)
                if x != y:
                    _contour_panel(fig, go, done, axes[x], axes[y], zmin, zmax, reverse,
                                   target_name, cell, not shown)
                    shown = True
                layout_x = _axis_layout(axes[x])
                layout_y = _axis_layout(axes[y])
                if i != n - 1:
                    layout_x["title"] = None
                if j != 0:
                    layout_y["title"] = None
                fig.update_xaxes(row=cell[0], col=cell[1], **layout_x)
                fig.update_yaxes(row=cell[0], col=cell[1], **layout_y)
    fig.update_layout(title={"text": title})
    return fig


def _contour_panel(fig: Any, go: Any, done: list[FrozenTrial], ax: vd.ParamAxis,
                   ay: vd.ParamAxis, zmin: float, zmax: float, reverse: bool,
                   target_name: str, cell: tuple[int, int] | None, scale: bool) -> None:
    rows = [(vc.coordinate(ax, t.params[ax.name]), vc.coordinate(ay, t.params[ay.name]),
             float(t.value)) for t in done  # type: ignore[arg-type]
            if ax.name in t.params and ay.name in t.params]
    rows = [r for r in rows if math.isfinite(r[0]) and math.isfinite(r[1])]
    where = {} if cell is None else {"row": cell[0], "col": cell[1]}
    if not rows:
        return
    xs, ys, zs = zip(*rows)
    gx, gy = _panel_grid(ax, xs), _panel_grid(ay, ys)
    z = vc.interpolate(xs, ys, zs, gx, gy, vc.is_log(ax) and ax.kind != "categorical",
                       vc.is_log(ay) and ay.kind != "categorical")
    if z is not None:
        fig.add_trace(go.Contour(x=gx.tolist(), y=gy.tolist(), z=z.tolist(), zmin=zmin,
                                 zmax=zmax, colorscale="Blues", reversescale=reverse,
                                 connectgaps=True, contours_coloring="heatmap",
                                 showscale=scale, hoverinfo="none",
                                 colorbar={"title": {"text": target_name}}), **where)
    fig.add_trace(go.Scatter(x=list(xs), y=list(ys), mode="markers", showlegend=False,
                             marker={"color": "black", "line": {"width": 2, "color": "Grey"}}),
                  **where)


def _panel_grid(axis: vd.ParamAxis, values: Sequence[float]) -> np.ndarray:
    if axis.kind == "categorical":
        return np.arange(len(axis.labels), dtype=float)
    return vc.grid(axis, values)


# -- intermediate values --------------------------------------------------------------------------
def plot_intermediate_values(study: Any) -> go.Figure:
    """Each trial's reported values by step; pruned trials dashed, an x where they stopped."""
    go = _go()
    src = vc.read(study)
    curves = vd.intermediate(src.trials)
    fig = go.Figure()
    fig.update_layout(title={"text": "Intermediate Values Plot"},
                      xaxis={"title": {"text": "Step"}},
                      yaxis={"title": {"text": "Intermediate Value"}},
                      showlegend=len(curves) <= 20)
    for c in curves:
        symbols = ["circle"] * len(c.steps)
        if c.pruned:
            symbols[-1] = "x"
        fig.add_trace(go.Scatter(
            x=list(c.steps), y=list(c.values), mode="lines+markers", name=f"Trial{c.number}",
            line={"dash": "dash" if c.pruned else "solid"},
            marker={"symbol": symbols, "size": [6] * (len(symbols) - 1) + [10 if c.pruned else 6]},
            customdata=[c.state.value] * len(c.steps),
            hovertemplate=f"trial {c.number} (%{{customdata}})<br>step %{{x}}: %{{y}}"))
    return fig


# -- empirical distribution -----------------------------------------------------------------------
def plot_edf(study: Any, *, target: vc.Target | None = None,
             target_name: str = vc.DEFAULT_TARGET_NAME) -> go.Figure:
    """The empirical distribution function of the complete trials' values, one line per
    study."""
    go = _go()
    sources = vc.read_many(study)
    vc.check_target(sources, target, target_name)
    fig = go.Figure()
    fig.update_layout(title={"text": "Empirical Distribution Function Plot"},
                      xaxis={"title": {"text": target_name}},
                      yaxis={"title": {"text": "Cumulative Probability"}, "range": [0, 1.02]})
    for src in sources:
        e = vd.edf(vc.with_target(src, target))
        if not e.values:
            continue
        fig.add_trace(go.Scatter(x=list(e.values), y=list(e.fractions), mode="lines",
                                 line_shape="hv", name=src.name))
    return fig


# -- rank -----------------------------------------------------------------------------------------
def plot_rank(study: Any, params: list[str] | None = None, *,
              target: vc.Target | None = None,
              target_name: str = vc.DEFAULT_TARGET_NAME) -> go.Figure:
    """Trials over pairs of parameters, coloured by the rank of their value (0 the lowest):
    one panel for two parameters, a matrix for more (one parameter: it against the value)."""
    go = _go()
    src, trials, dirn = vc.one_objective(study, target, target_name)
    done = vd.complete_trials(trials)
    title = "Rank (Objective Value)" if target is None else f"Rank ({target_name})"
    if not done:
        return _empty(title)
    axes = vd.param_axes(done)
    names = vc.check_params(axes, params)
    values = [float(t.value) for t in done]  # type: ignore[arg-type]
    rank = vc.ranks(values)
    colorbar = {"title": {"text": target_name}, "tickvals": [0, 1],
                "ticktext": [f"{min(values):.3g}", f"{max(values):.3g}"]}

    def scatter(x: str, y: str | None, first: bool) -> Any:
        keep = [i for i, t in enumerate(done) if x in t.params and (y is None or y in t.params)]
        ys = ([values[i] for i in keep] if y is None
              else [vc.coordinate(axes[y], done[i].params[y]) for i in keep])
        return go.Scatter(
            x=[vc.coordinate(axes[x], done[i].params[x]) for i in keep], y=ys, mode="markers",
            showlegend=False, customdata=[[done[i].number, values[i]] for i in keep],
            hovertemplate="trial %{customdata[0]}: %{customdata[1]}<extra></extra>",
            marker={"color": [float(rank[i]) for i in keep], "colorscale": "RdYlBu_r",
                    "cmin": 0, "cmax": 1, "showscale": first, "colorbar": colorbar,
                    "line": {"width": 0.5, "color": "Grey"}})

    if len(names) <= 2:
        fig = go.Figure()
        if names:
            fig.add_trace(scatter(names[0], names[1] if len(names) == 2 else None, True))
            fig.update_xaxes(**_axis_layout(axes[names[0]]))
            if len(names) == 2:
                fig.update_yaxes(**_axis_layout(axes[names[1]]))
            else:
                fig.update_yaxes(title={"text": target_name})
    else:
        n = len(names)
        fig = _subplots(rows=n, cols=n, horizontal_spacing=0.04, vertical_spacing=0.04)
        for i, y in enumerate(names):
            for j, x in enumerate(names):
                fig.add_trace(scatter(x, y, i == 0 and j == 0), row=i + 1, col=j + 1)
                lx, ly = _axis_layout(axes[x]), _axis_layout(axes[y])
                if i != n - 1:
                    lx["title"] = None
                if j != 0:
                    ly["title"] = None
                fig.update_xaxes(row=i + 1, col=j + 1, **lx)
                fig.update_yaxes(row=i + 1, col=j + 1, **ly)
    fig.update_layout(title={"text": title})
    return fig


# -- timeline -------------------------------------------------------------------------------------
def plot_timeline(study: Any, n_recent_trials: int | None = None) -> go.Figure:
    """Each started trial as a bar from its start to its end (or now), one row per trial,
    coloured by state."""
    go = _go()
    if n_recent_trials is not None and (isinstance(n_recent_trials, bool)
                                        or not isinstance(n_recent_trials, int)
                                        or n_recent_trials < 1):
        raise ValueError(f"n_recent_trials: must be a positive integer, got {n_recent_trials!r}")
    src = vc.read(study)
    started = sorted((t for t in src.trials if t.datetime_start is not None),
                     key=lambda t: t.number)
    if n_recent_trials is not None:
        started = started[-n_recent_trials:]
    fig = go.Figure()
    fig.update_layout(title={"text": "Timeline Plot"},
                      xaxis={"title": {"text": "Datetime"}, "type": "date"},
                      yaxis={"title": {"text": "Trial"}}, barmode="overlay")
    for state in TrialState:
        mine = [t for t in started if t.state is state]
        if not mine:
            continue
        starts = [t.datetime_start for t in mine]
        ends = [t.datetime_complete or _now(t.datetime_start) for t in mine]
        ms = [max((e - s).total_seconds() * 1000.0, 1.0) for s, e in zip(starts, ends)]
        fig.add_trace(go.Bar(
            name=state.name, x=ms, y=[t.number for t in mine], base=[s.isoformat() for s in starts],
            orientation="h", marker={"color": _STATE_COLORS[state]},
            hovertemplate="trial %{y}: %{x:.0f} ms<extra>" + state.name + "</extra>"))
    return fig


def _now(like: datetime | None) -> datetime:
    tz = like.tzinfo if like is not None else None
    return datetime.now(tz) if tz is not None else datetime.now(timezone.utc).replace(tzinfo=None)


# -- several objectives ---------------------------------------------------------------------------
def plot_pareto_front(study: Any, *, target_names: list[str] | None = None,
                      include_dominated_trials: bool = True,
                      constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
                      targets: Callable[[FrozenTrial], Sequence[float]] | None = None
                      ) -> go.Figure:
    """The complete trials over 2 or 3 objectives: the feasible Pareto front ("Best Trial",
    red), the dominated trials ("Trial", coloured by trial number; left out with
    ``include_dominated_trials=False``) and the infeasible ones ("Infeasible Trial", grey).
    Feasibility is the trials' own constraints (``create_study(constraints_func=)``) or, when
    given, ``constraints_func``'s."""
    go = _go()
    d = vc.pareto_data(study, target_names, targets, constraints_func)
    k = len(d.names)
    Scatter = go.Scatter if k == 2 else go.Scatter3d

    def trace(keep: Callable[[int], bool], name: str, marker: dict[str, Any]) -> Any:
        idx = [i for i in range(len(d.numbers)) if keep(i)]
        cols = {key: [d.values[i][c] for i in idx] for c, key in enumerate("xyz"[:k])}
        return Scatter(**cols, mode="markers", name=name, marker=marker,
                       customdata=[d.numbers[i] for i in idx],
                       hovertemplate="trial %{customdata}<extra>" + name + "</extra>")

    fig = go.Figure()
    if include_dominated_trials:
        nums = [d.numbers[i] for i in range(len(d.numbers)) if d.feasible[i] and not d.on_front[i]]
        fig.add_trace(trace(lambda i: d.feasible[i] and not d.on_front[i], "Trial",
                            {"color": nums, "colorscale": "Blues", "showscale": bool(nums),
                             "colorbar": {"title": {"text": "Trial"}},
                             "line": {"width": 0.5, "color": "Grey"}}))
    fig.add_trace(trace(lambda i: d.on_front[i], "Best Trial",
                        {"color": _RED, "line": {"width": 0.5, "color": "Grey"}}))
    if d.n_infeasible:
        fig.add_trace(trace(lambda i: not d.feasible[i], "Infeasible Trial",
                            {"color": _GREY}))
    titles = {f"{a}axis": {"title": {"text": n}} for a, n in zip("xyz", d.names)}
    if k == 2:
        fig.update_layout(**titles)
    else:
        fig.update_layout(scene=titles)
    fig.update_layout(title={"text": "Pareto-front Plot"})
    return fig


def plot_hypervolume_history(study: Any, reference_point: Sequence[float]) -> go.Figure:
    """The hypervolume of the feasible Pareto front after each complete trial, against
    ``reference_point`` (one value per objective, worse than the trials that should count)."""
    go = _go()
    src = vc.read(study)
    ref = vc.check_reference(src, reference_point)
    h = vd.hypervolume_history(src.trials, src.directions, None, ref)
    fig = go.Figure(go.Scatter(x=list(h.numbers), y=list(h.hypervolume), mode="lines+markers",
                               name="Hypervolume", line={"color": _BLUE}))
    fig.update_layout(title={"text": "Hypervolume History Plot"},
                      xaxis={"title": {"text": "Trial"}},
                      yaxis={"title": {"text": "Hypervolume"}})
    return fig


__all__ = [
    "is_available", "plot_contour", "plot_edf", "plot_hypervolume_history",
    "plot_intermediate_values", "plot_optimization_history", "plot_parallel_coordinate",
    "plot_param_importances", "plot_pareto_front", "plot_rank", "plot_slice", "plot_timeline",
]
