"""The dashboard in a real headless browser: Debian's chromium driven by Selenium through
Debian's chromedriver (both installed by scripts/ensure-chromium.sh; no browser is downloaded).

Under CI (``CI`` set) a missing browser or driver fails these tests; elsewhere they skip.
"""

from __future__ import annotations

import pytest

from tests.dashboard.helpers import WAIT_S, add_trial
from tunecycle.records import Direction, TrialState


@pytest.mark.slow
def test_dashboard_in_a_browser(db_url, writer, serve, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sid = writer.create_study("mlp search", Direction.MINIMIZE).study_id
    writer.create_study("other", Direction.MAXIMIZE)
    for value in (0.8, 0.3, 0.5):
        add_trial(writer, sid, value, steps=4)
    add_trial(writer, sid, None, TrialState.FAILED)
    server, _ = serve(db_url)
    wait = WebDriverWait(browser, WAIT_S)

    # read in one script call: the page re-renders its rows while it follows the study
    def text(css: str) -> str:
        return browser.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css
        )

    def rows() -> list[str]:
        return browser.execute_script(
            "return [...document.querySelectorAll('#trials tbody tr')].map(r => r.dataset.number);"
        )

    # the list of studies
    browser.get(server.url)
    listed = (
        "return [...document.querySelectorAll('#studies tbody tr')]"
        ".map(r => [...r.cells].slice(1, 4).map(c => c.textContent));"  # after the compare box
    )
    wait.until(lambda d: len(d.execute_script(listed)) == 2)
    assert browser.execute_script(listed) == [["mlp search", "minimize", "4"], ["other", "maximize", "0"]]

    # a study: its trial count, table (newest first) and charts
    browser.find_element(By.LINK_TEXT, "mlp search").click()
    wait.until(lambda d: text("#trial-count") == "4")
    wait.until(lambda d: rows() == ["3", "2", "1", "0"])
    assert text("#best-value") == "0.3"
    assert "mlp search" in browser.title
    assert browser.find_element(By.CSS_SELECTOR, "#view-chart canvas").size["height"] > 100

    # a trial written by a worker appears without a reload
    browser.execute_script("window.__sameDocument = 'yes';")
    new = add_trial(writer, sid, 0.1, steps=4)
    wait.until(lambda d: text("#trial-count") == "5")
    wait.until(lambda d: rows()[0] == str(new))
    assert text("#best-value") == "0.1"
    assert browser.execute_script("return window.__sameDocument;") == "yes"  # no reload

    # sorting by value (click the header) and filtering by state (untick a box)
    browser.find_element(By.CSS_SELECTOR, "th[data-sort='value']").click()
    wait.until(lambda d: rows() == ["4", "1", "2", "0", "3"])  # failed #3 has no value: last
    browser.find_element(By.ID, "filter-complete").click()
    wait.until(lambda d: rows() == ["3"])
    assert "boom" in text("#trials tbody")
    # the page only ever asked with GET: the store holds exactly what the test wrote
    assert [t.number for t in writer.get_trials(sid)] == [0, 1, 2, 3, 4]
