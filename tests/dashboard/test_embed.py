"""The dashboard's views inside the HTML report (``tunecycle report --interactive``): one file
that loads nothing from elsewhere, whose embedded page draws every view in a real headless
browser from the data it carries, with the same dataset the server answers."""

from __future__ import annotations

import html
import json
import re

import pytest

import tunecycle as tc
from tests.dashboard.helpers import WAIT_S
from tests.dashboard.studies import pruned, two_objectives
from tunecycle.cli.main import main
from tunecycle.dashboard.embed import interactive_section, page_html, study_document


def _page_of(section: str) -> str:
    src = re.search(r'srcdoc="([^"]*)"', section).group(1)
    return html.unescape(src)


def test_the_embedded_page_carries_the_servers_answers(db_url, serve):
    study = tc.create_study(name="p <b>", storage=db_url, sampler="random", seed=3,
                            pruner="median")
    study.optimize(pruned, n_trials=12)
    _, client = serve(db_url)
    doc = study_document(study)
    assert doc["dataset"] | {"cursor": None} == client.get(
        "/api/studies/p%20%3Cb%3E/dataset") | {"cursor": None}
    assert doc["summary"]["n_trials"] == 12 and doc["summary"]["name"] == "p <b>"
    assert set(doc["trials"]) == {str(i) for i in range(12)}
    assert doc["trials"]["0"]["intermediate"] == client.get(
        "/api/studies/p%20%3Cb%3E/trial/0")["intermediate"]
    assert doc["importance"][0]["error"] is None
    page = _page_of(interactive_section(study))
    # everything inline: no script, stylesheet, image or frame comes from anywhere
    assert re.findall(r"<(?:script|link|img|iframe)[^>]*\b(?:src|href)\s*=", page) == []
    data = re.search(r'<script type="application/json" id="tunecycle-data">(.*?)</script>',
                     page, re.S).group(1)
    assert json.loads(data)["summary"]["name"] == "p <b>"  # "</" is written "<\/" in there
    assert "<b>" not in page.split('id="tunecycle-data">')[0]


@pytest.mark.slow
def test_the_report_file_draws_every_view_offline(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    study = tc.create_study(name="two", storage=f"sqlite:///{tmp_path}/r.db",
                            sampler="random", seed=4, directions=["minimize", "minimize"])
    study.set_metric_names(["error", "cost"])
    study.optimize(two_objectives, n_trials=15)
    path = tmp_path / "views.html"
    path.write_text(page_html(study_document(study)), encoding="utf-8")
    browser.get(path.as_uri())
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script("return document.getElementById('trial-count').textContent")
        == "15")
    views = browser.execute_script(
        "return [...document.querySelectorAll('#view-tabs button')].map(b => b.dataset.view);")
    assert views[:2] == ["pareto", "hypervolume"] and len(views) == 11
    for view in views:
        browser.find_element(By.CSS_SELECTOR, f"#view-tabs button[data-view='{view}']").click()
        got = browser.execute_script(
            "const c = document.getElementById('view-chart');"
            "return [c.dataset.view, c.dataset.points || c.dataset.lines || '0',"
            " (c.querySelector('.empty') || {}).textContent || null];")
        if view == "intermediate":  # two objectives report no steps
            assert got == ["intermediate", "0", "no trial reported intermediate values yet"]
        else:
            assert got[0] == view and int(got[1]) > 0 and got[2] is None, got
    # a trial's page from the table, read from the file
    browser.find_element(By.CSS_SELECTOR, "#trials tbody tr[data-number='3'] a").click()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.ID, "detail-title").text == "Trial 3")
    assert [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.slow
def test_cli_report_interactive(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/c.db"
    study = tc.create_study(name="c", storage=url, sampler="random", seed=1)
    study.optimize(lambda t: (t.suggest_float("x", 0, 1) - 0.3) ** 2, n_trials=6)
    study.storage.close()
    assert main(["report", "c", "--storage", url, "-o", str(tmp_path / "r.html"),
                 "--interactive"]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("<iframe") == 1 and "Interactive views" in page
    assert "<img" in page  # the static pictures stay, for printing
    assert main(["report", "c", "--storage", url, "-o", str(tmp_path / "s.html")]) == 0
    assert "<iframe" not in (tmp_path / "s.html").read_text(encoding="utf-8")
