"""``tunecycle plot`` and ``tunecycle report`` write files from a stored study; ``tunecycle
run`` writes the report at the end and shows its progress bar on a terminal only.  Mistakes
exit 2 with one line."""

from __future__ import annotations

import re
import sys

import pytest
import yaml

import tunecycle as tc
from tests.cli.test_run import config
from tests.terminal import run_on_terminal
from tunecycle.cli.main import PLOT_KINDS, main

pytest.importorskip("matplotlib")  # the viz extra; `make test` installs it


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """(storage URL, study name) of a small study in SQLite with pruned trials."""
    from tests.viz.conftest import CONDITIONAL, conditional_objective

    url = f"sqlite:///{tmp_path_factory.mktemp('cli')}/viz.db"
    study = tc.create_study("viz", storage=url, sampler="random", pruner="median", seed=5)
    study.optimize(conditional_objective, n_trials=20, space=CONDITIONAL)
    return url, "viz"


def test_the_parser_knows_every_plot():
    from tunecycle.viz.plots import PLOTS

    assert set(PLOT_KINDS) == set(PLOTS)


@pytest.mark.parametrize("kind, out, extra", [
    ("history", "h.png", []),
    ("importance", "i.svg", ["--params", "scale,knn.k"]),
    ("contour", "c.html", ["--params", "scale,svm.C"]),
    ("pareto", "p.png", ["--params", "value,duration"]),
])
def test_plot_writes_the_file(stored, tmp_path, capsys, kind, out, extra):
    url, name = stored
    path = tmp_path / out
    assert main(["plot", kind, name, "--storage", url, "-o", str(path), *extra]) == 0
    data = path.read_bytes()
    assert {".png": data[:4] == b"\x89PNG", ".svg": b"<svg" in data,
            ".html": b"data:image/png;base64," in data}[path.suffix]
    assert f"wrote the {kind} plot" in capsys.readouterr().out


def test_report_writes_one_page(stored, tmp_path, capsys):
    url, name = stored
    path = tmp_path / "r.html"
    assert main(["report", name, "--storage", url, "-o", str(path), "--top", "3"]) == 0
    page = path.read_text()
    board = page.split('class="leaderboard"')[1].split("</table>")[0]
    assert board.count("<tr>") == 1 + 3
    assert not re.search(r"https?://", page)
    assert "20 trials" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["plot", "history", "viz", "-o", "h.gif"], "must end in .png, .svg, .html"),
    (["plot", "history", "viz", "-o", "nowhere/h.png"], "does not exist"),
    (["plot", "heatmap", "viz", "-o", "h.png"], "invalid choice: 'heatmap'"),
    (["plot", "slice", "viz", "-o", "s.png", "--params", "nope"], "['nope'] not in"),
    (["plot", "slice", "viz", "-o", "s.png", "--params", "a,,b"], "comma-separated"),
    (["plot", "history", "viz", "-o", "h.png", "--params", "scale"], "takes no parameters"),
    (["plot", "contour", "viz", "-o", "c.png", "--params", "scale"], "at least two"),
    (["plot", "history", "other", "-o", "h.png"], "no study named 'other'"),
    (["report", "viz", "-o", "r.pdf"], "must end in .html"),
    (["report", "viz", "-o", "r.html", "--top", "0"], "positive integer"),
])
def test_mistakes_exit_2_with_one_line(stored, tmp_path, monkeypatch, capsys, args, message):
    url, _ = stored
    monkeypatch.chdir(tmp_path)
    assert main([*args, "--storage", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tunecycle: error:") and err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_run_checks_the_report_path_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(config(4)))
    assert main(["run", "cfg.yaml", "--report", "out.txt"]) == 2
    assert "--report: 'out.txt' must end in .html" in capsys.readouterr().err
    assert main(["run", "cfg.yaml", "--report", "nowhere/r.html"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg.yaml"]  # no study, no model


def test_run_on_a_terminal_shows_the_progress_bar(tmp_path):
    doc = config(3)
    doc["output"] = {"dir": None}
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(doc))
    rc, text = run_on_terminal([sys.executable, "-m", "tunecycle", "run", "cfg.yaml",
                                "--no-report"], cwd=tmp_path)
    assert rc == 0, text
    assert "3/3" in text and "best=" in text and re.search(r"\[\d\d:\d\d<\d\d:\d\d", text)
    assert "report written" not in text and not list(tmp_path.glob("*.html"))


# -- studies of several objectives ---------------------------------------------------------------
@pytest.fixture(scope="module")
def stored_multi(tmp_path_factory):
    """(storage URL, {k: study name}) of SQLite studies of 2 and 3 objectives with constraints."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli-mo')}/mo.db"

    def objective(trial: tc.Trial):
        x, y = trial.suggest_float("x", 0, 1), trial.suggest_float("y", 0, 1)
        trial.set_constraints([x + y - 1.6])
        return x, 1 - x * y, (x - y) ** 2

    names = {}
    for k in (2, 3):
        study = tc.create_study(f"mo{k}", storage=url, directions=["minimize"] * k,
                                sampler="random", seed=k)
        study.optimize(lambda t, k=k: objective(t)[:k], n_trials=25)
        names[k] = study.name
    tc.load_study("mo2", url).set_metric_names(["error", "cost"])
    return url, names


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("kind, out", [("pareto", "p.png"), ("hypervolume", "h.svg"),
                                       ("objectives", "o.html")])
def test_plots_of_several_objectives(stored_multi, tmp_path, capsys, k, kind, out):
    url, names = stored_multi
    path = tmp_path / out
    assert main(["plot", kind, names[k], "--storage", url, "-o", str(path)]) == 0
    data = path.read_bytes()
    assert {".png": data[:4] == b"\x89PNG", ".svg": b"<svg" in data,
            ".html": b"data:image/png;base64," in data}[path.suffix]
    assert f"wrote the {kind} plot" in capsys.readouterr().out


@pytest.mark.parametrize("k", [2, 3])
def test_report_of_several_objectives(stored_multi, tmp_path, capsys, k):
    url, names = stored_multi
    path = tmp_path / "r.html"
    assert main(["report", names[k], "--storage", url, "-o", str(path)]) == 0
    page = path.read_text()
    assert "Pareto front:" in page and 'alt="hypervolume"' in page
    assert not re.search(r"https?://", page) and "plot failed" not in page
    assert "25 trials" in capsys.readouterr().out


def test_one_objective_plots_of_several_objectives(stored_multi, tmp_path, capsys):
    url, _ = stored_multi
    out = tmp_path / "h.png"
    assert main(["plot", "history", "mo2", "--storage", url, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tunecycle: error: objective: study 'mo2' "
                                                   "has 2 objectives (error, cost)")
    assert "--objective NAME" in err and not out.exists()
    for objective in ("cost", "1", "values_1"):
        assert main(["plot", "slice", "mo2", "--storage", url, "-o", str(out),
                     "--objective", objective]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert main(["plot", "hypervolume", "mo3", "--storage", url, "-o", str(out),
                 "--reference", "1,1,1"]) == 0


@pytest.mark.parametrize("args, message", [
    (["plot", "slice", "mo2", "-o", "s.png", "--objective", "speed"],
     "objective: 'speed' is not one of ['error', 'cost']"),
    (["plot", "timeline", "mo2", "-o", "t.png", "--objective", "cost"], "takes no objective"),
    (["plot", "history", "mo2", "-o", "t.png", "--reference", "1,2"], "only the hypervolume"),
    (["plot", "hypervolume", "mo2", "-o", "t.png", "--reference", "1"], "reference: expected 2"),
    (["plot", "hypervolume", "mo2", "-o", "t.png", "--reference", "a,b"], "comma-separated numbers"),
    (["plot", "pareto", "mo3", "-o", "p.png", "--params", "values_1"], "two or more different"),
])
def test_mistakes_of_several_objectives_exit_2(stored_multi, tmp_path, monkeypatch, capsys,
                                               args, message):
    url, _ = stored_multi
    monkeypatch.chdir(tmp_path)
    assert main([*args, "--storage", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tunecycle: error:") and err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []
