"""Pictures of studies of several objectives: the front (membership, infeasible trials, the
step line), the hypervolume over trials, each objective's history, the single-objective plots
given an objective or refusing without one, and the report."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tunecycle as tc
from tunecycle import pareto
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.viz import data as vd
from tunecycle.viz import plots

matplotlib = pytest.importorskip("matplotlib")  # the viz extra (`make test` installs it)
pytest.importorskip("sklearn")

MAX_MIN = (Direction.MAXIMIZE, Direction.MINIMIZE)


def trial(number: int, values, constraints=None, state=TrialState.COMPLETE,
          params=None) -> FrozenTrial:
    return FrozenTrial(trial_id=number + 1, number=number, state=state,
                       values=None if values is None else tuple(values),
                       constraints=None if constraints is None else tuple(constraints),
                       params=params or {"x": number / 10})


def hand_made() -> list[FrozenTrial]:
    """accuracy (maximize) and size (minimize); trial 3 would dominate all but is infeasible,
    trial 5 is failed, trial 6 ties trial 1."""
    return [trial(0, (0.70, 10.0)), trial(1, (0.80, 20.0)), trial(2, (0.75, 30.0)),
            trial(3, (0.99, 1.0), constraints=(2.0,)), trial(4, (0.90, 40.0), constraints=(0.0,)),
            trial(5, None, state=TrialState.FAILED), trial(6, (0.80, 20.0))]


def test_front_marks_membership_ties_and_infeasible_trials():
    d = vd.front(hand_made(), MAX_MIN, ["accuracy", "size"])
    assert d.numbers == (0, 1, 2, 3, 4, 6)  # complete trials only
    assert d.feasible == (True, True, True, False, True, True)  # a constraint of 0 is satisfied
    assert d.on_front == (True, True, False, False, True, True)  # 2 dominated, 3 infeasible
    assert d.n_front == 4 and d.n_infeasible == 1 and d.names == ("accuracy", "size")
    front = pareto.best_trials(hand_made(), MAX_MIN)  # the engine's front, the same trials
    assert [t.number for t in front] == [n for n, on in zip(d.numbers, d.on_front) if on]
    assert vd.front([], MAX_MIN).numbers == ()


def test_front_matches_the_engine_on_random_studies():
    rng = np.random.default_rng(3)
    for k in (2, 3):
        dirs = [Direction.MINIMIZE, Direction.MAXIMIZE, Direction.MINIMIZE][:k]
        trials = [trial(i, rng.integers(0, 5, k).astype(float),
                        constraints=(float(rng.normal()),)) for i in range(60)]
        d = vd.front(trials, dirs)
        expected = {t.number for t in pareto.best_trials(trials, dirs)}
        assert {n for n, on in zip(d.numbers, d.on_front) if on} == expected
        assert all(f for f, on in zip(d.feasible, d.on_front) if on)


def test_the_default_reference_is_the_nadir_plus_a_tenth_of_the_range():
    losses = np.array([[0.0, 5.0], [2.0, 1.0], [1.0, 3.0]])
    assert vd.reference_point(losses).tolist() == pytest.approx([2.2, 5.4])
    # an objective that never changed still gets a margin
    assert vd.reference_point(np.array([[3.0, -4.0], [1.0, -4.0]])).tolist() == \
        pytest.approx([3.2, -3.6])


def test_hypervolume_history_is_monotone_and_ends_at_the_engines_value():
    rng = np.random.default_rng(7)
    for k in (2, 3):
        dirs = [Direction.MAXIMIZE, Direction.MINIMIZE, Direction.MINIMIZE][:k]
        trials = [trial(i, rng.random(k), constraints=(float(rng.random() - 0.8),))
                  for i in range(80)]
        h = vd.hypervolume_history(trials, dirs)
        assert h.numbers == tuple(range(80)) and not h.given
        assert all(b >= a for a, b in zip(h.hypervolume, h.hypervolume[1:]))
        feasible = [t for t in trials if t.feasible]
        losses = pareto.losses(feasible, dirs)
        ref = vd.reference_point(losses)
        assert h.hypervolume[-1] == pytest.approx(pareto.hypervolume(losses, ref))
        assert np.allclose(np.array(h.reference) * [d.sign() for d in dirs], ref)
        # after each trial: the volume of the front of the trials so far
        for n in (0, 10, 41):
            upto = pareto.losses([t for t in feasible if t.number <= n], dirs)
            assert h.hypervolume[n] == pytest.approx(pareto.hypervolume(upto, ref))
        # an infeasible trial leaves it as it was
        bad = [t.number for t in trials if not t.feasible and t.number > 0]
        assert all(h.hypervolume[n] == h.hypervolume[n - 1] for n in bad)


def test_hypervolume_series_keeps_ties_on_the_front():
    losses = np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 1.0], [3.0, 3.0], [0.5, 0.5]])
    series, rows = vd.hypervolume_series(losses, np.array([4.0, 4.0]))
    assert series.tolist() == pytest.approx([6.0, 6.0, 8.0, 8.0, 12.25])
    assert rows.tolist() == [4]  # the last row dominates every other one
    series, rows = vd.hypervolume_series(losses[:4], np.array([4.0, 4.0]))
    assert sorted(rows.tolist()) == [0, 1, 2]


def test_a_given_reference_in_the_objectives_values():
    h = vd.hypervolume_history(hand_made(), MAX_MIN, reference=[0.5, 50.0])
    assert h.given and h.reference == (0.5, 50.0)
    # front 0 (0.7, 10), 1 (0.8, 20), 4 (0.9, 40) against (0.5, 50): in losses, boxes
    expected = pareto.hypervolume(np.array([[-0.7, 10], [-0.8, 20], [-0.9, 40]]),
                                  np.array([-0.5, 50]))
    assert h.hypervolume[-1] == pytest.approx(expected)
    with pytest.raises(tc.UserError, match="reference: expected 2 finite numbers"):
        vd.hypervolume_history(hand_made(), MAX_MIN, reference=[1.0])
    nothing = vd.hypervolume_history([trial(0, (1.0, 1.0), constraints=(1.0,))], MAX_MIN)
    assert nothing.reference is None and nothing.hypervolume == (0.0,)


def test_objective_histories_keep_the_best_feasible_so_far():
    acc, size = vd.objective_histories(hand_made(), MAX_MIN, ["accuracy", "size"])
    assert acc.numbers == (0, 1, 2, 3, 4, 6) and acc.name == "accuracy"
    assert acc.best == (0.70, 0.80, 0.80, 0.80, 0.90, 0.90)  # 0.99 is infeasible
    assert size.best == (10.0, 10.0, 10.0, 10.0, 10.0, 10.0)  # 1.0 is infeasible
    assert acc.feasible == (True, True, True, False, True, True)


def test_objectives_are_picked_by_name_or_number():
    names = ("accuracy", "size")
    assert vd.resolve_objective("size", names) == 1
    assert vd.resolve_objective("values_0", names) == 0
    assert vd.resolve_objective("1", names) == vd.resolve_objective(1, names) == 1
    for bad in ("speed", 2, -1, True, "values_9"):
        with pytest.raises(tc.UserError, match="objective: .* is not one of"):
            vd.resolve_objective(bad, names)
    assert vd.objective_names(None, 2) == ("values_0", "values_1")
    assert vd.objective_names(None, 1) == ("value",)
    projected = vd.project(hand_made(), 1)
    assert [t.value for t in projected][:3] == [10.0, 20.0, 30.0] and projected[5].value is None


# -- the figures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two() -> tc.Study:
    """accuracy (maximize) against size (minimize), with a constraint on the size."""
    def objective(trial: tc.Trial):
        width = trial.suggest_int("width", 8, 512, log=True)
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        trial.set_constraints([4 * width - 1024])
        return 1 - 1 / width - (dropout - 0.2) ** 2, 4 * width

    study = tc.create_study(directions=["maximize", "minimize"], sampler="random", seed=0)
    study.optimize(objective, n_trials=40)
    study.set_metric_names(["accuracy", "size_kb"])
    return study


@pytest.fixture(scope="module")
def three() -> tc.Study:
    def objective(trial: tc.Trial):
        x, y = trial.suggest_float("x", 0, 1), trial.suggest_float("y", 0, 1)
        trial.set_constraints([x + y - 1.5])
        return x, 1 - x * y, (x - y) ** 2

    study = tc.create_study(directions=["minimize"] * 3, sampler="random", seed=1)
    study.optimize(objective, n_trials=40)
    return study


def _offsets(collection) -> list[tuple[float, float]]:
    return [tuple(p) for p in collection.get_offsets().tolist()]


def test_front_of_two_objectives(two):
    fig = plots.plot_front(two)
    (ax,) = fig.axes
    d = vd.front(two.trials, two.directions, two.metric_names)
    dominated, infeasible, front = ax.collections
    assert len(_offsets(front)) == d.n_front == len(two.best_trials) > 1
    assert len(_offsets(infeasible)) == d.n_infeasible > 0
    assert len(_offsets(dominated)) == len(d.numbers) - d.n_front - d.n_infeasible
    assert infeasible.get_label() == "infeasible"
    assert {(t.values[0], t.values[1]) for t in two.best_trials} == set(_offsets(front))
    assert ax.get_xlabel() == "accuracy (maximize ↑)" and ax.get_ylabel() == "size_kb (minimize ↓)"
    (line,) = ax.lines  # the step line: front points joined through corners
    xs, ys = line.get_xdata(), line.get_ydata()
    assert len(xs) == 2 * d.n_front - 1
    for j in range(1, len(xs), 2):  # each corner: the next x at the previous y
        assert (xs[j], ys[j]) == (xs[j + 1], ys[j - 1])
    assert list(xs[::2]) == sorted(xs[::2], reverse=True)  # best accuracy first
    assert "infeasible" in ax.get_title()


def test_front_line_follows_the_directions():
    dirs = (Direction.MINIMIZE, Direction.MINIMIZE)
    xs, ys = plots.front_line([3.0, 1.0, 2.0], [1.0, 3.0, 2.0], dirs)
    assert list(zip(xs, ys)) == [(1, 3), (2, 3), (2, 2), (3, 2), (3, 1)]


def test_front_of_three_objectives_is_a_panel_per_pair(three):
    fig = plots.plot_front(three)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 3 and not any(ax.lines for ax in panels)  # no line: projections
    labels = [(ax.get_xlabel(), ax.get_ylabel()) for ax in panels]
    assert labels == [(f"values_{a} (minimize ↓)", f"values_{b} (minimize ↓)")
                      for a, b in itertools.combinations(range(3), 2)]
    n_front = len(three.best_trials)
    assert all(len(_offsets(ax.collections[-1])) == n_front for ax in panels)
    # two of the three objectives: their own front, with its step line
    two_of = plots.plot_front(three, ["values_0", 2])
    assert len(two_of.axes) == 1 and len(two_of.axes[0].lines) == 1


def test_hypervolume_plot(two):
    fig = plots.plot_hypervolume(two)
    (ax,) = fig.axes
    h = vd.hypervolume_history(two.trials, two.directions)
    (line,) = ax.lines
    assert list(line.get_ydata()) == list(h.hypervolume) and list(line.get_xdata()) == list(h.numbers)
    assert f"{h.hypervolume[-1]:.4g}" in ax.get_title()
    assert "reference point (default" in ax.texts[0].get_text()
    given = plots.plot_hypervolume(two, reference=[0.0, 2048.0]).axes[0]
    assert "reference point (given): accuracy=0, size_kb=2048" in given.texts[0].get_text()
    assert "needs two or more objectives" in plots.plot_hypervolume(
        tc.create_study(seed=0)).axes[0].texts[0].get_text()


def test_objectives_history_has_a_panel_per_objective(three):
    fig = plots.plot_objectives(three)
    assert len(fig.axes) == 3
    hs = vd.objective_histories(three.trials, three.directions)
    for ax, h in zip(fig.axes, hs):
        assert ax.get_ylabel() == f"{h.name} (minimize ↓)"
        (best,) = ax.lines
        assert list(best.get_ydata()) == pytest.approx(list(h.best), nan_ok=True)


@pytest.mark.parametrize("kind", ["pareto", "hypervolume", "objectives"])
@pytest.mark.parametrize("study", ["two", "three"])
def test_each_new_plot_writes_png_and_svg(kind, study, request, tmp_path):
    s = request.getfixturevalue(study)
    fig = plots.PLOTS[kind][0](s, None)
    png = plots.save(fig, tmp_path / f"{kind}.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = plots.save(fig, tmp_path / f"{kind}.svg").read_text()
    assert ET.fromstring(svg).tag.endswith("svg")


@pytest.mark.parametrize("kind", plots.ONE_OBJECTIVE)
def test_single_objective_plots_need_an_objective(kind, two):
    with pytest.raises(tc.UserError, match=r"objective: study .* has 2 objectives "
                                           r"\(accuracy, size_kb\) and this plot shows one"):
        plots.PLOTS[kind][0](two, None)
    fig = plots.PLOTS[kind][0](two, None, objective="size_kb")
    assert plots.figure_png(fig, dpi=20)[:4] == b"\x89PNG"


def test_a_picked_objective_is_drawn_with_its_name_and_direction(two):
    ax = plots.plot_history(two, objective="accuracy").axes[0]
    assert ax.get_ylabel() == "accuracy (maximize)"
    feasible = [t for t in two.trials if t.feasible]
    assert max(ax.lines[0].get_ydata()) == max(t.values[0] for t in feasible)
    assert ax.collections[1].get_label() == "infeasible"
    with pytest.raises(tc.UserError, match="objective: 'speed' is not one of"):
        plots.plot_slice(two, objective="speed")


def test_empty_and_failed_studies_of_several_objectives_say_so():
    empty = tc.create_study(directions=["minimize", "minimize"], seed=0)
    for draw in (plots.plot_front, plots.plot_hypervolume, plots.plot_objectives):
        ax = draw(empty).axes[0]
        assert not ax.axison and ax.texts[0].get_text() == "no trials yet"
    with pytest.raises(tc.UserError, match="objectives: a Pareto front needs"):
        plots.plot_front(tc.create_study(seed=0))


def test_pareto_kind_keeps_value_against_duration_for_one_objective(one_trial_study):
    ax = plots.PLOTS["pareto"][0](one_trial_study, None).axes[0]
    assert ax.get_xlabel() == "value (maximize)" and ax.get_ylabel() == "duration (minimize)"


# -- the report ----------------------------------------------------------------------------------
def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", page)).split())


def test_report_of_several_objectives(two):
    from tunecycle.viz.report import build_report

    page = build_report(two, top=50)
    text = _text(page)
    front = two.best_trials
    n_infeasible = sum(not t.feasible for t in two.trials)
    assert "accuracy (maximize), size_kb (minimize)" in text
    assert f"{n_infeasible} of 40 complete" in text
    assert f"Pareto front: {len(front)} trials" in text
    board = page.split('class="leaderboard"')[1].split("</table>")[0]
    assert board.count("<tr>") == 1 + len(front)
    for t in front:
        assert f'<td class="num">{t.number}</td><td class="num">{t.values[0]:.6g}</td>' in board
    h = vd.hypervolume_history(two.trials, two.directions)
    assert f"hypervolume {h.hypervolume[-1]:.6g}" in text
    for title in ("Pareto front", "hypervolume", "history of each objective"):
        assert f'<img alt="{title}" src="data:image/png;base64,' in page
    assert "plot failed" not in page and "Traceback" not in page
    short = build_report(two, top=2).split('class="leaderboard"')[1].split("</table>")[0]
    assert short.count("<tr>") == 3


def test_report_of_one_objective_with_constraints():
    from tunecycle.viz.report import build_report

    study = tc.create_study(direction="maximize", sampler="random", seed=3)

    def objective(trial: tc.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        trial.set_constraints([x - 0.7])
        return x

    study.optimize(objective, n_trials=15)
    text = _text(build_report(study))
    n_bad = sum(not t.feasible for t in study.trials)
    assert n_bad > 0 and f"{n_bad} of 15 complete" in text
    best = study.best_trial  # the best feasible trial
    assert f"best value {best.value:.6g} (trial {best.number}) (best of the feasible trials)" \
        in text
    assert " feasible " in text
