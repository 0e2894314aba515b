"""The dashboard's views in a real headless browser (Debian's chromium through Selenium): every
view draws for a study of one objective, a conditional space, a pruned study and two
objectives, without an error in the console; brushing a parallel-coordinates axis filters the
table; a clicked point opens its trial; a study written by another process updates on screen;
the URL keeps the view; several studies on one chart; the dark theme; 10,000 trials load.

What is drawn is read from the chart's ``data-points`` (the points it placed) and checked
against the store; times are measured in benchmarks/dashboard.py, never asserted here.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest

from tests.dashboard.helpers import WAIT_S, fill_study
from tests.dashboard.studies import make_studies
from tunecycle.records import TrialState
from tunecycle.storage.sql import SQLStorage

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
N = 24  # trials per study

VIEWS_ONE = ["history", "intermediate", "parallel", "slice", "contour", "rank", "edf",
             "importance", "timeline"]
VIEWS_MULTI = ["pareto", "hypervolume", *VIEWS_ONE]


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('views')}/views.db"
    return url, make_studies(url, N)


def _trials(url: str, name: str):
    store = SQLStorage(url)
    try:
        return store.get_trials(store.get_study(name).study_id)
    finally:
        store.close()


def _errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _study_url(server, name: str, hash_: str = "") -> str:
    return f"{server.url}studies/{quote(name, safe='')}" + (f"#{hash_}" if hash_ else "")


def _wait_loaded(browser, n: int) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT_S).until(lambda d: d.execute_script(
        "return [document.getElementById('trial-count').textContent,"
        " document.querySelectorAll('#view-tabs button').length > 0];") == [str(n), True])


def _chart(browser) -> dict:
    return browser.execute_script(
        "const c = document.getElementById('view-chart');"
        "return {view: c.dataset.view, points: c.dataset.points, lines: c.dataset.lines,"
        " kept: c.dataset.kept, canvas: c.querySelectorAll('canvas').length,"
        " bars: c.querySelectorAll('.bar').length,"
        " empty: (c.querySelector('.empty') || {}).textContent || null};")


def _expected_points(trials, kind: str, view: str) -> int | None:
    """How many points the view must place, from the store's trials (None: not a count)."""
    def first(t):  # the objective the views show by default (the first)
        return t.values[0] if kind == "multi" and t.values else t.value

    done = [t for t in trials if t.state is TrialState.COMPLETE and first(t) is not None]
    if view == "history":
        return len([t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
                    and first(t) is not None])
    if view in ("edf", "pareto"):
        return len(done)
    if view == "timeline":
        return len([t for t in trials if t.datetime_start is not None])
    if view == "intermediate":
        return sum(1 for t in trials for v in t.intermediate.values() if math.isfinite(v))
    return None


@pytest.mark.parametrize("kind", ["single", "conditional", "pruned", "multi"])
def test_every_view_draws(kind, studies, serve, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    url, names = studies
    name = names[kind]
    trials = _trials(url, name)
    server, _ = serve(url)
    browser.get(_study_url(server, name))
    _wait_loaded(browser, len(trials))
    views = VIEWS_MULTI if kind == "multi" else VIEWS_ONE
    tabs = browser.execute_script(
        "return [...document.querySelectorAll('#view-tabs button')].map(b => b.dataset.view);")
    assert tabs == views
    done = [t for t in trials if t.state is TrialState.COMPLETE]
    for view in views:
        browser.execute_script("window.location.hash = arguments[0];", f"view={view}")
        if view == "importance":  # the server fits its forest first
            WebDriverWait(browser, WAIT_S).until(lambda d: _chart(d)["bars"] > 0)
        else:
            WebDriverWait(browser, WAIT_S).until(lambda d, v=view: _chart(d)["view"] == v)
        got = _chart(browser)
        reported = any(t.intermediate for t in trials)
        if view == "intermediate" and not reported:
            assert got["empty"] == "no trial reported intermediate values yet", (kind, got)
            continue
        if view == "importance":
            params = {p for t in done for p in t.params}
            assert got["bars"] == len(params), (kind, got)
            continue
        assert got["canvas"] >= 1 and got["empty"] is None, (kind, view, got)
        if view == "parallel":
            assert int(got["lines"]) == len(done) == int(got["kept"]), (kind, got)
            continue
        assert int(got["points"]) > 0, (kind, view, got)
        expected = _expected_points(trials, kind, view)
        if expected is not None:
            assert int(got["points"]) == expected, (kind, view, got)
    assert _errors(browser) == []


def _drag(browser, element, x: float, y0: float, y1: float) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    w, h = element.size["width"], element.size["height"]
    # offsets are from the element's centre
    (ActionChains(browser).move_to_element_with_offset(element, x - w / 2, y0 - h / 2)
     .click_and_hold().move_by_offset(0, (y1 - y0) / 2).move_by_offset(0, (y1 - y0) / 2)
     .release().perform())


def _table_numbers(browser) -> list[int]:
    return browser.execute_script(
        "return [...document.querySelectorAll('#trials tbody tr')].map(r => +r.dataset.number);")


def test_brushing_an_axis_filters_the_table(studies, serve, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, names = studies
    name = names["single"]
    trials = _trials(url, name)
    server, _ = serve(url)
    browser.get(_study_url(server, name, "view=parallel&rows=500"))
    _wait_loaded(browser, len(trials))
    assert sorted(_table_numbers(browser)) == [t.number for t in trials]
    canvas = browser.find_element(By.ID, "parallel-canvas")
    # the first axis is x (-4 to 4): its x position and the plot's top and bottom, as drawn
    left, top, bottom = 50, 40, 380 - 30
    _drag(browser, canvas, left, top + 0.1 * (bottom - top), top + 0.6 * (bottom - top))
    WebDriverWait(browser, WAIT_S).until(lambda d: "brush=" in d.current_url)
    hash_ = browser.execute_script("return window.location.hash;")
    brush = [b for b in hash_[1:].split("&") if b.startswith("brush=")][0]
    key, lo, hi = brush.removeprefix("brush=").replace("%3A", ":").rsplit(":", 2)
    assert key == "param:x"
    lo, hi = float(lo), float(hi)
    assert 0.35 < lo < 0.45 and 0.85 < hi < 0.95  # the drag went from 90% to 40% of the axis
    # the store's trials whose x lies in the range: exactly the table's rows now
    expected = sorted(t.number for t in trials if "x" in t.params
                      and lo <= (t.params["x"] + 4) / 8 <= hi)
    assert 0 < len(expected) < len(trials)
    WebDriverWait(browser, WAIT_S).until(lambda d: sorted(_table_numbers(d)) == expected)
    assert f"{len(expected)} of {len(trials)} trials match" in browser.find_element(
        By.ID, "filter-note").text
    assert int(_chart(browser)["kept"]) == len(expected)
    # the URL keeps it: a fresh page with that link shows the same rows
    browser.get(browser.current_url)
    browser.refresh()
    _wait_loaded(browser, len(trials))
    WebDriverWait(browser, WAIT_S).until(lambda d: sorted(_table_numbers(d)) == expected)
    # clicking the axis without dragging clears its range
    _drag(browser, browser.find_element(By.ID, "parallel-canvas"), left, 200, 200)
    WebDriverWait(browser, WAIT_S).until(lambda d: len(_table_numbers(d)) == len(trials))
    assert _errors(browser) == []


def _unit(p: dict, v: float) -> float:
    """A number on its parallel-coordinates axis, as the page places it (``p``: the page's
    description of the parameter)."""
    lo, hi, x = p["low"], p["high"], v
    if p.get("log") and lo > 0 and x > 0:
        lo, hi, x = math.log10(lo), math.log10(hi), math.log10(x)
    return (x - lo) / (hi - lo) if hi > lo else 0.5


def test_a_range_keeps_in_the_table_the_trials_the_chart_keeps(studies, serve, browser):
    """The chart draws the complete trials only: a range on a parameter's axis keeps in the
    table the complete trials in it, not the pruned ones that lie in it too."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, names = studies
    trials = _trials(url, names["pruned"])
    server, _ = serve(url)
    browser.get(_study_url(server, names["pruned"], "view=parallel&rows=500"))
    _wait_loaded(browser, len(trials))
    axis = browser.execute_script("return window.tunecycleDashboard.state.params[0];")
    canvas = browser.find_element(By.ID, "parallel-canvas")
    left, top, bottom = 50, 40, 380 - 30
    _drag(browser, canvas, left, top + 0.05 * (bottom - top), top + 0.7 * (bottom - top))
    WebDriverWait(browser, WAIT_S).until(lambda d: "brush=" in d.current_url)
    brush = [b for b in browser.execute_script("return window.location.hash;")[1:].split("&")
             if b.startswith("brush=")][0]
    key, lo, hi = brush.removeprefix("brush=").replace("%3A", ":").rsplit(":", 2)
    assert key == f"param:{axis['name']}"
    inside = [t for t in trials if axis["name"] in t.params
              and float(lo) <= _unit(axis, t.params[axis["name"]]) <= float(hi)]
    expected = sorted(t.number for t in inside if t.state is TrialState.COMPLETE)
    assert expected and any(t.state is TrialState.PRUNED for t in inside)  # the case at stake
    WebDriverWait(browser, WAIT_S).until(lambda d: sorted(_table_numbers(d)) == expected)
    assert int(_chart(browser)["kept"]) == len(expected)
    assert int(_chart(browser)["lines"]) == sum(t.state is TrialState.COMPLETE for t in trials)
    assert _errors(browser) == []


def test_clicking_a_point_opens_its_trial(studies, serve, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, names = studies
    name = names["pruned"]
    trials = _trials(url, name)
    target = [t for t in trials if t.state is TrialState.COMPLETE][3]
    server, _ = serve(url)
    browser.get(_study_url(server, name))
    _wait_loaded(browser, len(trials))
    WebDriverWait(browser, WAIT_S).until(lambda d: _chart(d)["points"] not in (None, "0"))
    # where uPlot placed the trial's point (CSS pixels inside the plot area)
    x, y = browser.execute_script(
        "const u = document.getElementById('view-chart')._plot;"
        "return [u.valToPos(arguments[0], 'x'), u.valToPos(arguments[1], 'y')];",
        target.number, target.value)
    over = browser.find_element(By.CSS_SELECTOR, "#view-chart .u-over")
    w, h = over.size["width"], over.size["height"]
    ActionChains(browser).move_to_element_with_offset(over, x - w / 2, y - h / 2).pause(0.3).click().perform()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.ID, "detail-title").text == f"Trial {target.number}")
    assert f"trial={target.number}" in browser.current_url
    facts = dict(browser.execute_script(
        "return [...document.querySelectorAll('#detail-facts tr')]"
        ".map(r => [r.cells[0].textContent, r.cells[1].textContent]);"))
    assert facts["state"] == "complete"
    assert float(facts["value"]) == pytest.approx(target.value, rel=1e-5)
    assert facts["steps reported"] == str(len(target.intermediate))
    params = dict(browser.execute_script(
        "return [...document.querySelectorAll('#detail-params tbody tr')]"
        ".map(r => [r.cells[0].textContent, r.cells[1].textContent]);"))
    assert set(params) == set(target.params)
    for k, v in target.params.items():
        assert float(params[k]) == pytest.approx(v, rel=1e-5)
    # every reported step is on the trial's own chart
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script("return document.getElementById('detail-chart').dataset.points")
        == str(len(target.intermediate)))
    # the table's link opens another trial; the browser's back button returns to the first
    other = trials[0]
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight);")
    browser.find_element(By.CSS_SELECTOR, f"#trials tr[data-number='{other.number}'] a").click()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.ID, "detail-title").text == f"Trial {other.number}")
    browser.back()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.ID, "detail-title").text == f"Trial {target.number}")
    assert _errors(browser) == []


def test_a_study_growing_in_another_process_updates_on_screen(db_url, serve, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    import tunecycle as tc

    study = tc.create_study(name="growing", storage=db_url, sampler="random", seed=0)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=5)
    study.storage.close()
    server, _ = serve(db_url)
    browser.get(_study_url(server, "growing", "view=slice"))
    _wait_loaded(browser, 5)
    WebDriverWait(browser, WAIT_S).until(lambda d: _chart(d)["points"] == "5")
    browser.execute_script("window.__sameDocument = 'yes';")
    worker = textwrap.dedent(f"""
        import time, tunecycle as tc
        study = tc.load_study(name="growing", storage={db_url!r})
        def objective(t):
            time.sleep(0.05)
            return t.suggest_float("x", 0, 1) ** 2
        study.optimize(objective, n_trials=7)
    """)
    proc = subprocess.run([sys.executable, "-c", worker], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    _wait_loaded(browser, 12)
    WebDriverWait(browser, WAIT_S).until(lambda d: _chart(d)["points"] == "12")
    WebDriverWait(browser, WAIT_S).until(lambda d: len(_table_numbers(d)) == 12)
    assert browser.execute_script("return window.__sameDocument;") == "yes"  # no reload
    assert _errors(browser) == []


def test_the_url_keeps_the_view(studies, serve, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, names = studies
    name = names["conditional"]
    trials = _trials(url, name)
    server, _ = serve(url)
    link = _study_url(server, name, "view=slice&param=family&sort=value&order=asc"
                      "&states=complete&f.param%3Afamily=%3D%20forest&rows=500")
    browser.get(link)
    _wait_loaded(browser, len(trials))
    WebDriverWait(browser, WAIT_S).until(lambda d: _chart(d)["view"] == "slice")
    assert browser.find_element(By.CSS_SELECTOR, "#view-tabs .active").text == "slice"
    assert browser.find_element(By.ID, "pick-param").get_attribute("value") == "family"
    forest = sorted((t for t in trials if t.state is TrialState.COMPLETE
                     and t.params.get("family") == "forest"), key=lambda t: (t.value, t.number))
    assert forest
    WebDriverWait(browser, WAIT_S).until(
        lambda d: _table_numbers(d) == [t.number for t in forest])
    assert browser.find_element(By.ID, "filter-failed").is_selected() is False
    # a parameter column sorts by a click, and the URL follows
    browser.find_element(By.CSS_SELECTOR, "th[data-sort='param:forest.trees']").click()
    by_trees = sorted(forest, key=lambda t: (t.params["forest.trees"], t.number))
    WebDriverWait(browser, WAIT_S).until(
        lambda d: _table_numbers(d) == [t.number for t in by_trees])
    assert "sort=param%3Aforest.trees" in browser.current_url
    assert _errors(browser) == []


def test_several_studies_on_one_chart_and_the_dark_theme(studies, serve, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, names = studies
    server, _ = serve(url)
    a, b = names["single"], names["pruned"]
    browser.get(server.url)
    WebDriverWait(browser, WAIT_S).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#studies input.pick")) == 4)
    for n in (a, b):
        browser.find_element(By.CSS_SELECTOR, f"#studies input.pick[value='{n}']").click()
    browser.find_element(By.ID, "compare-go").click()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script("return document.getElementById('compare-chart').dataset.points"))
    complete = sum(1 for n in (a, b) for t in _trials(url, n) if t.state is TrialState.COMPLETE)
    got = browser.execute_script("return document.getElementById('compare-chart').dataset.points")
    assert int(got) == complete
    legend = browser.execute_script(
        "return [...document.querySelectorAll('#compare-chart .legend-item')].map(e => e.textContent);")
    assert legend == [a, b]
    assert "compare=" in browser.current_url
    # the theme: a click switches it, and the page's colours follow
    light = browser.execute_script("return getComputedStyle(document.body).backgroundColor;")
    browser.find_element(By.ID, "theme").click()
    assert browser.execute_script("return document.documentElement.dataset.theme;") == "dark"
    dark = browser.execute_script("return getComputedStyle(document.body).backgroundColor;")
    assert dark != light
    assert _errors(browser) == []


def test_ten_thousand_trials_load(db_url, serve, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    n = 10_000
    values = np.random.default_rng(3).normal(size=n).tolist()
    fill_study(db_url, "big", n, values)
    server, _ = serve(db_url)
    browser.set_script_timeout(60)
    browser.get(_study_url(server, "big"))
    WebDriverWait(browser, 60).until(lambda d: _chart(d)["points"] == str(n))
    assert len(_table_numbers(browser)) == 50
    assert _table_numbers(browser)[0] == n - 1  # newest first
    browser.execute_script("window.location.hash = 'view=parallel';")
    WebDriverWait(browser, 60).until(lambda d: _chart(d)["lines"] == str(n))
    best = browser.execute_script("return document.getElementById('best-value').textContent;")
    assert math.isclose(float(best), min(values), rel_tol=1e-5)
    assert _errors(browser) == []
