"""Every plot on small studies (none, one trial, all failed, a conditional space with pruned
trials): the figure holds the expected points, lines, bars and labels, or says why it is empty."""

from __future__ import annotations

import base64
import math
import re
import xml.etree.ElementTree as ET

import pytest

import tunecycle as tc
from tunecycle.viz import data as vd
from tunecycle.viz import plots

matplotlib = pytest.importorskip("matplotlib")  # the viz extra (`make test` installs it)
pytest.importorskip("sklearn")

ALL_SOURCES = ["empty_study", "one_trial_study", "failed_study", "conditional_study"]


def note(fig) -> str:
    """The message of a figure that has nothing to plot ('' when it plots something)."""
    ax = fig.axes[0]
    return ax.texts[0].get_text() if not ax.axison and ax.texts else ""


def points(collection) -> int:
    return len(collection.get_offsets())


def test_figures_render_whatever_backend_is_configured(tmp_path):
    """The plots never touch pyplot or the configured backend (here a GUI one that cannot
    start without a display): figures are drawn by Agg."""
    import os
    import subprocess
    import sys

    from tests.terminal import SRC

    code = ("import sys, tunecycle as tc\n"
            "from tunecycle.viz import plots\n"
            "s = tc.create_study(seed=0)\n"
            "s.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=3)\n"
            f"plots.save(plots.plot_history(s), {str(tmp_path / 'h.png')!r})\n"
            "print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'no pyplot')\n")
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**env, "MPLBACKEND": "TkAgg", "PYTHONPATH": SRC})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no pyplot"
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("source", ALL_SOURCES)
@pytest.mark.parametrize("kind", sorted(plots.PLOTS))
def test_every_plot_draws_every_small_study(kind, source, request):
    study = request.getfixturevalue(source)
    fig = plots.PLOTS[kind][0](study, None)
    assert fig.axes, "a figure always has at least one axes (the message of an empty one)"
    assert plots.figure_png(fig, dpi=20)[:8] == b"\x89PNG\r\n\x1a\n"  # it renders


def test_history(conditional_study, empty_study, failed_study):
    fig = plots.plot_history(conditional_study)
    ax = fig.axes[0]
    h = vd.history(conditional_study.trials, conditional_study.direction)
    assert points(ax.collections[0]) == len(h.numbers) > 0
    assert ax.get_xlabel() == "trial number" and ax.get_ylabel() == "objective value (minimize)"
    (best,) = ax.lines
    assert list(best.get_ydata()) == list(h.best)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["objective value",
                                                                  "best so far"]
    assert note(plots.plot_history(empty_study)) == "no trials yet"
    assert note(plots.plot_history(failed_study)) == "no complete trials yet (3 failed)"


def test_history_of_a_list_of_trials_and_a_bad_source(one_trial_study):
    fig = plots.plot_history(one_trial_study.trials, direction="maximize")
    assert fig.axes[0].get_ylabel() == "objective value (maximize)"
    assert points(fig.axes[0].collections[0]) == 1
    with pytest.raises(tc.UserError, match="a study or a list of FrozenTrial"):
        plots.plot_history("not a study")


def test_importance(conditional_study, one_trial_study):
    fig = plots.plot_importance(conditional_study)
    ax = fig.axes[0]
    assert len(ax.patches) == 4
    assert {t.get_text() for t in ax.get_yticklabels()} == {"model", "svm.C", "knn.k", "scale"}
    widths = [p.get_width() for p in ax.patches]
    assert sum(widths) == pytest.approx(1.0) and widths == sorted(widths)  # most important on top
    assert ax.get_xlabel().startswith("importance")
    fig = plots.plot_importance(conditional_study, ["scale", "knn.k"])
    assert len(fig.axes[0].patches) == 2
    assert "at least 2 complete" in note(plots.plot_importance(one_trial_study))


def test_parallel_coordinates(conditional_study, failed_study):
    fig = plots.plot_parallel(conditional_study)
    ax = fig.axes[0]
    n_axes = 4 + 1  # four parameters and the objective
    (collection,) = ax.collections
    trial_lines = collection.get_segments()
    done = vd.complete_trials(conditional_study.trials)
    assert len(trial_lines) == len(done) and all(len(seg) == n_axes for seg in trial_lines)
    # a line crosses the axis of a parameter inactive in its trial at the "inactive" band
    p = vd.parallel(conditional_study.trials)
    ys = sorted(tuple(seg[:-1, 1]) for seg in trial_lines)
    want = sorted(tuple(plots._INACTIVE_Y if math.isnan(u) else u for u in row)
                  for row in p.coords)
    assert ys == want and any(plots._INACTIVE_Y in row for row in ys)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[-1] == "objective" and set(labels[:-1]) == {"model", "svm.C", "knn.k", "scale"}
    assert fig.axes[1].get_ylabel() == "objective value (minimize)"  # the colour bar
    fig = plots.plot_parallel(conditional_study, ["scale"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["scale", "objective"]
    assert note(plots.plot_parallel(failed_study)).startswith("no complete trials")


@pytest.mark.parametrize("grouped", [False, True])
def test_slice(conditional_study, monkeypatch, grouped):
    if grouped:  # the colours of many points: one layer per range of trial numbers
        monkeypatch.setattr(plots, "SLICE_GROUPED_FROM", 1)
    fig = plots.plot_slice(conditional_study)
    panels = [ax for ax in fig.axes if ax.axison and ax.collections and ax.get_xlabel()]
    by_label = {ax.get_xlabel(): ax for ax in panels}
    assert set(by_label) == {"model", "svm.C", "knn.k", "scale"}
    done = vd.complete_trials(conditional_study.trials)
    for name, ax in by_label.items():  # every point, in one layer or in one per colour
        assert sum(points(c) for c in ax.collections) == sum(name in t.params for t in done)
        if grouped:
            assert all(len(c.get_facecolor()) == 1 for c in ax.collections)
            assert 1 < len(ax.collections) <= plots._SLICE_GROUPS
        else:
            assert len(ax.collections) == 1
    # coloured by trial number: the layers darken from the oldest trials to the newest
    ax = by_label["scale"]
    numbers = [t.number for t in done if "scale" in t.params]
    if grouped:
        brightness = [sum(c.get_facecolor()[0][:3]) for c in ax.collections]
        assert brightness == sorted(brightness, reverse=True)
    else:
        assert list(ax.collections[0].get_array()) == numbers
    assert by_label["svm.C"].get_xscale() == "log"
    assert [t.get_text() for t in by_label["model"].get_xticklabels()] == ["svm", "knn"]


@pytest.fixture(scope="module")
def mixed_study() -> tc.Study:
    """An integer, a log integer, a categorical, a log float and a float."""
    space = {"degree": tc.Int(2, 5), "n": tc.Int(1, 200, log=True),
             "kernel": tc.Categorical(["rbf", "poly", "linear"]),
             "C": tc.Float(1e-3, 1e3, log=True), "x": tc.Float(-1.0, 1.0)}

    def objective(trial: tc.Trial) -> float:
        p = trial.params
        return (p["degree"] - 3) ** 2 + math.log10(p["C"]) ** 2 / 9 + p["x"] \
            + {"rbf": 0.0, "poly": 1.0, "linear": 2.0}[p["kernel"]] + math.log(p["n"]) / 5

    study = tc.create_study(sampler="random", seed=3)
    study.optimize(objective, n_trials=40, space=space)
    return study


def ticks(ax, which: str) -> tuple[list[float], list[str]]:
    axis = ax.xaxis if which == "x" else ax.yaxis
    lo, hi = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
    kept = [(v, t.get_text()) for v, t in zip(axis.get_majorticklocs(),
                                               axis.get_majorticklabels()) if lo <= v <= hi]
    return [v for v, _ in kept], [t for _, t in kept]


def assert_integer_axis(ax, which: str, low: int, high: int, drawn) -> None:
    """Ticks only on integers within [low, high], labelled by themselves, and every trial
    drawn exactly on an integer of the range."""
    values, labels = ticks(ax, which)
    assert values and all(float(v).is_integer() and low <= v <= high for v in values), values
    assert labels == [str(int(v)) for v in values]
    minor = (ax.xaxis if which == "x" else ax.yaxis).get_minorticklocs()
    assert len(minor) == 0
    assert all(float(v).is_integer() and low <= v <= high for v in drawn)


def assert_categorical_axis(ax, which: str, choices, drawn) -> None:
    values, labels = ticks(ax, which)
    assert values == list(range(len(choices))) and labels == list(choices)
    assert set(drawn) <= set(range(len(choices)))


def test_contour_axes_are_on_the_parameters_values(mixed_study):
    ax = plots.plot_contour(mixed_study, ["degree", "C"]).axes[0]
    (scatter,) = [c for c in ax.collections if len(c.get_offsets()) == 40]
    xy = scatter.get_offsets()
    assert_integer_axis(ax, "x", 2, 5, xy[:, 0])
    assert sorted(ticks(ax, "x")[0]) == [2, 3, 4, 5]  # a short range: every value
    assert sorted(set(xy[:, 0])) == sorted({t.params["degree"] for t in mixed_study.trials})
    assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((1e-3, 1e3))
    assert sorted(xy[:, 1]) == pytest.approx(sorted(t.params["C"] for t in mixed_study.trials))

    ax = plots.plot_contour(mixed_study, ["kernel", "n"]).axes[0]
    (scatter,) = [c for c in ax.collections if len(c.get_offsets()) == 40]
    xy = scatter.get_offsets()
    assert_categorical_axis(ax, "x", ["rbf", "poly", "linear"], xy[:, 0])
    index = {"rbf": 0, "poly": 1, "linear": 2}
    assert sorted(zip(xy[:, 0], xy[:, 1])) == sorted(
        (index[t.params["kernel"]], t.params["n"]) for t in mixed_study.trials)
    assert ax.get_yscale() == "log"
    assert_integer_axis(ax, "y", 1, 200, xy[:, 1])
    # the surface covers the axes: it is drawn on the same values as the points
    (surface,) = [c for c in ax.collections if c is not scatter]
    x0, x1 = surface.get_datalim(ax.transData).intervalx
    assert (x0, x1) == pytest.approx((-0.5, 2.5), abs=1e-6)


def test_slice_axes_are_on_the_parameters_values(mixed_study):
    fig = plots.plot_slice(mixed_study)
    by_label = {ax.get_xlabel(): ax for ax in fig.axes if ax.axison and ax.get_xlabel()
                and ax.collections}
    degree = by_label["degree"]
    assert_integer_axis(degree, "x", 2, 5, degree.collections[0].get_offsets()[:, 0])
    n = by_label["n"]
    assert n.get_xscale() == "log"
    assert_integer_axis(n, "x", 1, 200, n.collections[0].get_offsets()[:, 0])
    kernel = by_label["kernel"]
    assert_categorical_axis(kernel, "x", ["rbf", "poly", "linear"],
                            kernel.collections[0].get_offsets()[:, 0])
    assert by_label["C"].get_xscale() == "log"
    assert by_label["x"].get_xlim() == pytest.approx((-1.0, 1.0))


def test_intermediate_marks_pruned_trials(conditional_study, one_trial_study):
    fig = plots.plot_intermediate(conditional_study)
    ax = fig.axes[0]
    curves = vd.intermediate(conditional_study.trials)
    n_pruned = sum(c.pruned for c in curves)
    by_label = {c.get_label(): c for c in ax.collections}
    assert n_pruned > 0 and set(by_label) == {"pruned", "complete"}
    # one line per curve, each through the trial's reported (step, value) pairs
    drawn = sorted(tuple(map(tuple, seg)) for c in ax.collections for seg in c.get_segments())
    assert drawn == sorted(tuple(zip(c.steps, c.values)) for c in curves)
    assert len(by_label["pruned"].get_segments()) == n_pruned
    assert by_label["pruned"].get_linestyle()[0][1] is not None  # dashed
    assert by_label["complete"].get_linestyle()[0][1] is None  # solid
    (crosses,) = [ln for ln in ax.lines if ln.get_marker() == "x"]  # where pruned ones stopped
    assert sorted(zip(crosses.get_xdata(), crosses.get_ydata())) == sorted(
        (c.steps[-1], c.values[-1]) for c in curves if c.pruned)
    assert "pruned" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_xlabel() == "step" and f"{n_pruned} pruned" in ax.get_title()
    assert "no trial has reported" in note(plots.plot_intermediate(one_trial_study))


def test_edf(conditional_study):
    ax = plots.plot_edf(conditional_study).axes[0]
    (line,) = ax.lines
    n = len(vd.complete_trials(conditional_study.trials))
    assert len(line.get_xdata()) == n and line.get_ydata()[-1] == pytest.approx(1.0)
    assert list(line.get_xdata()) == sorted(line.get_xdata())


def bars(ax) -> list[tuple[float, float, float]]:
    """Each bar of a timeline as (start, end, middle of its row), in drawing order."""
    out = []
    for c in ax.collections:
        for path in c.get_paths():
            xs, ys = path.vertices[:, 0], path.vertices[:, 1]
            out.append((xs.min(), xs.max(), (ys.min() + ys.max()) / 2))
    return out


def test_timeline_of_one_worker_gives_each_trial_its_own_bar(conditional_study, failed_study,
                                                             empty_study):
    ax = plots.plot_timeline(failed_study).axes[0]
    assert len(bars(ax)) == 3
    assert {tuple(c.get_facecolor()[0][:3]) for c in ax.collections} == {
        matplotlib.colors.to_rgb(plots.STATE_COLORS[tc.TrialState.FAILED])}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["failed"]
    assert ax.get_xlabel() == "seconds since the first trial started"
    assert failed_study.trials[0].owner in ax.get_ylabel()
    # 30 trials run back to back by one worker: 30 bars, one row each (the trial's number),
    # each from the trial's start to its end
    trials = conditional_study.trials
    ax = plots.plot_timeline(conditional_study).axes[0]
    drawn = sorted(bars(ax), key=lambda b: b[2])
    assert [round(b[2]) for b in drawn] == [t.number for t in trials]
    tl = vd.timeline(trials)
    origin_spans = {s.number: s for s in tl.spans}
    for (x0, x1, _y), t in zip(drawn, trials):
        span = origin_spans[t.number]
        assert x0 == pytest.approx(span.start) and x1 >= span.end - 1e-9
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert labels == {t.state.value for t in trials}
    assert note(plots.plot_timeline(empty_study)) == "no trial has started yet"


def test_timeline_of_several_workers_has_a_lane_each(conditional_study):
    import dataclasses

    trials = [dataclasses.replace(t, owner=f"host:{100 + t.number % 2}")
              for t in conditional_study.trials]
    ax = plots.plot_timeline(trials).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["host:100", "host:101"]
    assert ax.get_ylabel() == "worker"
    drawn = bars(ax)
    assert len(drawn) == len(trials) and {round(b[2]) for b in drawn} == {0, 1}
    # consecutive trials of a lane alternate shades, so back-to-back bars stay apart
    complete = [c for c in ax.collections if c.get_label() == "complete"][0]
    assert len({tuple(f) for f in complete.get_facecolor()}) == 2


def test_confusion_matrix(empty_study):
    doc = {"labels": ["cat", "dog", "eel"], "matrix": [[5, 1, 0], [2, 6, 0], [0, 0, 9]]}
    empty_study.set_user_attr("confusion_matrix", doc)
    ax = plots.plot_confusion(empty_study).axes[0]
    assert ax.images[0].get_array().tolist() == doc["matrix"]
    assert [t.get_text() for t in ax.texts] == ["5", "1", "0", "2", "6", "0", "0", "0", "9"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "eel"]
    assert "no confusion matrix" in note(plots.plot_confusion({}))


def test_pareto_front_plot():
    pts = [[4.0, 6.0], [2.0, 3.0], [3.0, 4.0], [1.0, 1.0], [2.5, 5.0]]
    d = vd.pareto(pts, ["maximize", "minimize"], ["accuracy", "seconds"])
    ax = plots.plot_pareto(d).axes[0]
    (front,) = ax.lines
    assert list(front.get_xdata()) == [1.0, 2.0, 3.0, 4.0]  # [2.5, 5] is dominated by [3, 4]
    assert points(ax.collections[0]) == 1
    assert ax.get_xlabel() == "accuracy (maximize)" and ax.get_ylabel() == "seconds (minimize)"


def test_save_writes_png_svg_and_a_self_contained_page(conditional_study, tmp_path):
    fig = plots.plot_history(conditional_study)
    png = plots.save(fig, tmp_path / "h.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"matplotlib" not in png
    svg = plots.save(fig, tmp_path / "h.svg").read_text()
    assert ET.fromstring(svg).tag.endswith("svg") and "trial number" in svg
    page = plots.save(fig, tmp_path / "h.html", title="a <b> title").read_text()
    assert "a &lt;b&gt; title" in page and not re.search(r"https?://", page)
    (uri,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(uri)[:4] == b"\x89PNG"
    with pytest.raises(tc.UserError, match="must end in"):
        plots.save(fig, tmp_path / "h.jpg")
