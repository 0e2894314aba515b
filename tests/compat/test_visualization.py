"""``tunecycle.visualization`` and ``tunecycle.visualization.matplotlib`` (Optuna's plotting
modules under tunecycle's names) on small real studies: each function returns a plotly figure
(or matplotlib Axes) whose traces hold the study's numbers: the history's best line is the
running best, integer parameters tick on integers and log parameters get log axes, the Pareto
front marks the infeasible trials, the rules for ``target=`` in studies of several objectives
are Optuna's."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import tunecycle as tc
from tunecycle import pareto
from tunecycle.records import TrialState

pytest.importorskip("plotly")
pytest.importorskip("matplotlib")

import tunecycle.visualization as vis  # noqa: E402
import tunecycle.visualization.matplotlib as vm  # noqa: E402


@pytest.fixture(autouse=True)
def _headless(monkeypatch):
    """``fig.show()`` prints JSON instead of opening a browser; pyplot draws off screen."""
    import matplotlib
    import matplotlib.pyplot as plt
    import plotly.io as pio

    monkeypatch.setattr(pio.renderers, "default", "json")
    matplotlib.use("Agg")
    yield
    plt.close("all")


def _objective(trial):
    x = trial.suggest_float("x", -4.0, 4.0)
    n = trial.suggest_int("n", 1, 9)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    value = x * x + 0.3 * n + (0.5 if kind == "b" else 0.0) + 0.01 * math.log10(lr)
    for step in range(4):
        trial.report(value + 3 - step, step)
        if trial.should_prune():
            raise tc.TrialPruned()
    return value


@pytest.fixture(scope="module")
def study():
    s = tc.create_study(direction="minimize", sampler="random", seed=3, pruner="median")
    s.optimize(_objective, n_trials=24)
    return s


@pytest.fixture(scope="module")
def mo_study():
    s = tc.create_study(directions=["minimize", "maximize"], sampler="random", seed=5,
                        constraints_func=lambda t: [t.params["a"] - 0.7])

    def objective(trial):
        a = trial.suggest_float("a", 0.0, 1.0)
        b = trial.suggest_float("b", 0.0, 1.0)
        return a + 0.2 * b, b - a * a

    s.optimize(objective, n_trials=25)
    return s


def _complete(study):
    return sorted((t for t in study.trials if t.state is TrialState.COMPLETE),
                  key=lambda t: t.number)


# -- imports ----------------------------------------------------------------------------------------
def test_importing_the_modules_loads_no_plotting_library():
    code = ("import sys, tunecycle.visualization, tunecycle.visualization.matplotlib, "
            "tunecycle.importance, tunecycle.integration; "
            "print([m for m in ('plotly', 'matplotlib', 'sklearn', 'xgboost', 'mlflow') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_matplotlib_submodule_does_not_shadow_the_library():
    code = ("import tunecycle.visualization.matplotlib as tvm, matplotlib, matplotlib.pyplot; "
            "import tunecycle.visualization as tv; "
            "print(tvm is not matplotlib, tv.matplotlib is tvm, hasattr(matplotlib, 'rcParams'),"
            " 'site-packages' in matplotlib.__file__ or 'dist-packages' in matplotlib.__file__,"
            " tvm.is_available())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"] * 5


def test_is_available():
    assert vis.is_available() is True and vm.is_available() is True


# -- history ----------------------------------------------------------------------------------------
def test_history_best_line_is_the_running_best(study):
    fig = vis.plot_optimization_history(study)
    values, best = fig.data[0], fig.data[1]
    assert (values.name, best.name) == ("Objective Value", "Best Value")
    done = _complete(study)
    assert list(values.x) == [t.number for t in done]
    assert list(values.y) == [t.value for t in done]
    assert list(best.y) == list(np.minimum.accumulate([t.value for t in done]))
    assert fig.layout.xaxis.title.text == "Trial"
    fig.show()  # the json renderer: no browser


def test_history_with_target_has_no_best_line_and_several_studies_share_it(study):
    fig = vis.plot_optimization_history(study, target=lambda t: -t.value, target_name="neg")
    assert [d.name for d in fig.data] == ["neg", "Infeasible Trial"]  # no "Best Value"
    assert list(fig.data[0].y) == [-t.value for t in _complete(study)]
    two = vis.plot_optimization_history([study, study])
    assert len([d for d in two.data if d.name.startswith("Best Value")]) == 2
    bars = vis.plot_optimization_history([study, study], error_bar=True)
    assert bars.data[0].error_y.array is not None
    assert all(s == 0 for s in bars.data[0].error_y.array)  # the same study twice


def test_several_objectives_need_a_target(mo_study):
    with pytest.raises(ValueError, match="target"):
        vis.plot_optimization_history(mo_study)
    for plot in (vis.plot_slice, vis.plot_contour, vis.plot_parallel_coordinate,
                 vis.plot_rank, vis.plot_edf, vm.plot_slice, vm.plot_edf):
        with pytest.raises(ValueError, match="target"):
            plot(mo_study)
    with pytest.warns(UserWarning, match="target_name"):
        fig = vis.plot_optimization_history(mo_study, target=lambda t: t.values[0])
    feasible = [t for t in _complete(mo_study) if t.feasible]
    assert list(fig.data[0].y) == [t.values[0] for t in feasible]


# -- importance -------------------------------------------------------------------------------------
def test_importance_bars_put_the_most_important_on_top(study):
    fig = vis.plot_param_importances(study)
    bar = fig.data[0]
    assert bar.orientation == "h" and set(bar.y) == {"x", "n", "lr", "kind"}
    assert bar.y[-1] == "x"  # plotly draws bottom-up: the top bar is the last
    assert sum(bar.x) == pytest.approx(1.0)
    assert list(bar.x) == sorted(bar.x)


def test_importance_of_several_objectives_is_one_bar_per_objective(mo_study):
    fig = vis.plot_param_importances(mo_study)
    assert [d.name for d in fig.data] == ["Objective 0", "Objective 1"]
    one = vis.plot_param_importances(mo_study, target=lambda t: t.values[0], target_name="v0")
    assert [d.name for d in one.data] == ["v0"]


# -- parameters on their axes -----------------------------------------------------------------------
def test_parallel_coordinate_dimensions(study):
    fig = vis.plot_parallel_coordinate(study)
    dims = {d.label: d for d in fig.data[0].dimensions}
    done = _complete(study)
    assert list(dims["Objective Value"].values) == [t.value for t in done]
    assert all(float(v).is_integer() for v in dims["n"].tickvals)
    assert list(dims["kind"].ticktext) == ["a", "b"]
    assert list(dims["lr (log)"].values) == pytest.approx([math.log10(t.params["lr"])
                                                           for t in done])
    sub = vis.plot_parallel_coordinate(study, params=["x"])
    assert [d.label for d in sub.data[0].dimensions] == ["Objective Value", "x"]
    with pytest.raises(ValueError, match="params"):
        vis.plot_parallel_coordinate(study, params=["nope"])


def test_slice_axes_follow_the_parameter_types(study):
    fig = vis.plot_slice(study)
    names = [d.name for d in fig.data]
    assert names == ["kind", "lr", "n", "x"]  # Optuna's order: sorted
    axis = {name: fig.layout[f"xaxis{'' if i == 0 else i + 1}"] for i, name in enumerate(names)}
    assert axis["lr"].type == "log"
    assert list(axis["n"].tickvals) == [1, 2, 4, 6, 8] or all(
        float(v).is_integer() for v in axis["n"].tickvals)
    assert list(axis["kind"].ticktext) == ["a", "b"]
    n_trace = fig.data[names.index("n")]
    assert all(float(v).is_integer() for v in n_trace.x)


def test_contour_of_an_integer_and_a_log_parameter(study):
    fig = vis.plot_contour(study, params=["n", "lr"])
    kinds = [d.type for d in fig.data]
    assert kinds == ["contour", "scatter"]
    assert all(float(v).is_integer() for v in fig.layout.xaxis.tickvals)
    assert fig.layout.yaxis.type == "log"
    z = np.array(fig.data[0].z, dtype=float)
    done = _complete(study)
    assert np.nanmin(z) >= min(t.value for t in done) - 1e-9
    assert np.nanmax(z) <= max(t.value for t in done) + 1e-9
    matrix = vis.plot_contour(study, params=["x", "n", "lr"])
    assert sum(d.type == "contour" for d in matrix.data) == 6  # every ordered pair


def test_rank_colours_are_value_ranks(study):
    fig = vis.plot_rank(study, params=["x", "n"])
    done = _complete(study)
    colours = list(fig.data[0].marker.color)
    best = min(range(len(done)), key=lambda i: done[i].value)
    assert colours[best] == 0.0 and max(colours) == 1.0
    assert len(vis.plot_rank(study).data) == 16


# -- intermediate values, EDF, timeline -------------------------------------------------------------
def test_intermediate_values_mark_pruned_trials(study):
    fig = vis.plot_intermediate_values(study)
    reported = [t for t in study.trials if t.intermediate]
    assert [d.name for d in fig.data] == [f"Trial{t.number}" for t in reported]
    pruned = {f"Trial{t.number}" for t in study.trials if t.state is TrialState.PRUNED}
    assert pruned, "the median pruner should have pruned a trial"
    for d in fig.data:
        assert (d.line.dash == "dash") == (d.name in pruned)


def test_edf_is_the_share_of_values_at_most_x(study):
    fig = vis.plot_edf([study, study])
    assert len(fig.data) == 2
    line = fig.data[0]
    assert list(line.x) == sorted(t.value for t in _complete(study))
    assert line.y[-1] == 1.0 and line.line.shape == "hv"


def test_timeline_has_a_bar_per_started_trial(study):
    fig = vis.plot_timeline(study)
    by_state = {d.name: len(d.y) for d in fig.data}
    counts = {}
    for t in study.trials:
        counts[t.state.name] = counts.get(t.state.name, 0) + 1
    assert by_state == counts
    assert len(vis.plot_timeline(study, n_recent_trials=5).data[0].y) <= 5


# -- several objectives -----------------------------------------------------------------------------
def test_pareto_front_marks_infeasible_trials(mo_study):
    fig = vis.plot_pareto_front(mo_study)
    traces = {d.name: d for d in fig.data}
    infeasible = [t for t in _complete(mo_study) if not t.feasible]
    assert infeasible and len(traces["Infeasible Trial"].x) == len(infeasible)
    assert sorted(traces["Best Trial"].customdata) == sorted(t.number for t in mo_study.best_trials)
    assert len(traces["Trial"].x) + len(traces["Best Trial"].x) + len(infeasible) == len(
        _complete(mo_study))
    assert fig.layout.xaxis.title.text == "Objective 0"
    lean = vis.plot_pareto_front(mo_study, include_dominated_trials=False,
                                 target_names=["cost", "gain"])
    assert "Trial" not in {d.name for d in lean.data}
    assert lean.layout.yaxis.title.text == "gain"
    # a constraints_func of the plot's own: every trial with b > 0.5 is infeasible
    other = vis.plot_pareto_front(mo_study, constraints_func=lambda t: [t.params["b"] - 0.5])
    bad = {d.name: d for d in other.data}["Infeasible Trial"]
    assert sorted(bad.customdata) == sorted(t.number for t in _complete(mo_study)
                                            if t.params["b"] > 0.5)


def test_pareto_front_of_three_targets_is_3d_and_one_objective_is_refused(mo_study, study):
    fig = vis.plot_pareto_front(mo_study, targets=lambda t: (t.values[0], t.values[1],
                                                             t.params["b"]))
    assert {d.type for d in fig.data} == {"scatter3d"}
    with pytest.raises(ValueError, match="2 or 3"):
        vis.plot_pareto_front(study)


def test_hypervolume_history_ends_at_the_front_volume(mo_study, study):
    ref = [2.0, -1.5]
    fig = vis.plot_hypervolume_history(mo_study, ref)
    feasible = [t for t in _complete(mo_study) if t.feasible]
    losses = np.array([[t.values[0], -t.values[1]] for t in feasible])
    front = losses[pareto.nondominated(losses)]
    expected = pareto.hypervolume(front, np.array([2.0, 1.5]))
    assert fig.data[0].y[-1] == pytest.approx(expected)
    assert list(fig.data[0].y) == sorted(fig.data[0].y)  # it never shrinks
    with pytest.raises(ValueError, match="reference_point"):
        vis.plot_hypervolume_history(mo_study, [1.0])
    with pytest.raises(ValueError, match="two or more objectives"):
        vis.plot_hypervolume_history(study, [1.0])


# -- the matplotlib variants ------------------------------------------------------------------------
def test_matplotlib_variants_return_axes(study, mo_study):
    from matplotlib.axes import Axes

    one = {
        "history": vm.plot_optimization_history(study),
        "importance": vm.plot_param_importances(study),
        "parallel": vm.plot_parallel_coordinate(study),
        "intermediate": vm.plot_intermediate_values(study),
        "edf": vm.plot_edf(study),
        "timeline": vm.plot_timeline(study),
        "contour2": vm.plot_contour(study, params=["n", "x"]),
        "rank2": vm.plot_rank(study, params=["n", "x"]),
        "pareto": vm.plot_pareto_front(mo_study),
        "hypervolume": vm.plot_hypervolume_history(mo_study, [2.0, -1.5]),
        "histories": vm.plot_optimization_history([study, study], error_bar=True),
    }
    for name, ax in one.items():
        assert isinstance(ax, Axes), name
    many = vm.plot_slice(study)
    assert isinstance(many, np.ndarray) and len(many) == 4
    assert all(isinstance(a, Axes) for a in many)
    assert vm.plot_rank(study).shape == (4, 4)


def test_matplotlib_history_and_ticks(study):
    import matplotlib.pyplot as plt

    ax = vm.plot_optimization_history(study)
    assert ax.figure.number in plt.get_fignums()  # plt.savefig / plt.show reach it
    done = _complete(study)
    step = [line for line in ax.get_lines() if line.get_label() == "best so far"][0]
    assert list(step.get_ydata()) == list(np.minimum.accumulate([t.value for t in done]))
    assert ax.get_ylabel() == "Objective Value"
    contour = vm.plot_contour(study, params=["n", "x"])
    labels = [t.get_text() for t in contour.get_xticklabels()]
    assert labels and all(label.lstrip("-").isdigit() for label in labels)
    # the integer ticks sit where the trials with those values are drawn
    xs = contour.collections[-1].get_offsets()[:, 0]
    ticks = dict(zip(labels, contour.get_xticks()))
    with_n1 = [x for x, t in zip(xs, [t for t in done if "n" in t.params]) if t.params["n"] == 1]
    if with_n1 and "1" in ticks:
        assert with_n1[0] == pytest.approx(ticks["1"])


def test_matplotlib_pareto_front_marks_infeasible(mo_study):
    ax = vm.plot_pareto_front(mo_study)
    labels = [h.get_label() for h in ax.collections]
    assert "infeasible" in labels
    infeasible = [c for c in ax.collections if c.get_label() == "infeasible"][0]
    assert len(infeasible.get_offsets()) == sum(not t.feasible for t in _complete(mo_study))


# -- side by side with Optuna 5 ---------------------------------------------------------------------
def test_titles_and_axes_match_optunas_on_the_same_trials(study):
    optuna = pytest.importorskip("optuna")
    import optuna.visualization as ov

    from tests.compat.test_importance import _optuna_copy

    _, copy = _optuna_copy(study)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    for name in ("plot_optimization_history", "plot_slice", "plot_edf", "plot_timeline",
                 "plot_param_importances", "plot_contour", "plot_rank",
                 "plot_parallel_coordinate"):
        ours, theirs = getattr(vis, name)(study), getattr(ov, name)(copy)
        assert ours.layout.title.text == theirs.layout.title.text, name
    ours, theirs = vis.plot_optimization_history(study), ov.plot_optimization_history(copy)
    assert [d.name for d in ours.data][:2] == [d.name for d in theirs.data][:2]
    assert list(ours.data[1].y) == pytest.approx(list(theirs.data[1].y))  # the best line
    assert ours.layout.yaxis.title.text == theirs.layout.yaxis.title.text
    seeded = optuna.importance.FanovaImportanceEvaluator(seed=0)  # Optuna's default is unseeded
    ours, theirs = vis.plot_param_importances(study), ov.plot_param_importances(copy, seeded)
    assert ours.data[0].y[-1] == theirs.data[0].y[-1] == "x"  # the top bar


def test_matplotlib_slice_puts_integers_on_integer_ticks(study):
    panels = {ax.get_xlabel(): ax for ax in vm.plot_slice(study)}
    ticks = list(panels["n"].get_xticks())
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert [t.get_text() for t in panels["n"].get_xticklabels()] == [str(int(t)) for t in ticks]


def test_the_terminator_plot_says_why_it_is_missing():
    for module in (vis, vm):
        with pytest.raises(AttributeError, match="no terminator"):
            module.plot_terminator_improvement  # noqa: B018
