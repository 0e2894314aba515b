"""Fixtures for the dashboard tests: a SQLite database, a storage writing to it as a worker
would, and a dashboard server on 127.0.0.1 with a free port plus a client for it.

The server runs in this process on a thread (``DashboardServer``) and is stopped by the fixture
that started it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest

pytest.importorskip("starlette", reason="the dashboard extra is not installed")
pytest.importorskip("uvicorn", reason="the dashboard extra is not installed")

from tests.dashboard.helpers import Client  # noqa: E402
from tunecycle.dashboard import DashboardServer  # noqa: E402
from tunecycle.storage.sql import SQLStorage  # noqa: E402


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/dash.db"


@pytest.fixture
def writer(db_url) -> Iterator[SQLStorage]:
    """A storage on the test database, as a worker process would hold it."""
    store = SQLStorage(db_url)
    yield store
    store.close()


@pytest.fixture
def serve() -> Iterator[Callable[[str], tuple[DashboardServer, Client]]]:
    """``serve(url)``: a started dashboard on 127.0.0.1 and a client for it; stopped after."""
    started: list[DashboardServer] = []

    def start(url: str) -> tuple[DashboardServer, Client]:
        server = DashboardServer(url, host="127.0.0.1", port=0).start()
        started.append(server)
        return server, Client(server.url)

    yield start
    for server in started:
        server.stop()


# -- a real headless browser (tests/dashboard/test_browser*.py) ------------------------------
CHROMIUM = os.environ.get("TUNECYCLE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TUNECYCLE_CHROMEDRIVER", "/usr/bin/chromedriver")


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI is set, so the browser test must run "
                    "(scripts/ensure-chromium.sh installs chromium and chromium-driver)",
                    pytrace=False)
    pytest.skip(f"{why} (run scripts/ensure-chromium.sh)")


@pytest.fixture
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        _missing(f"selenium is not installed ({exc})")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)) and not shutil.which(path):
            _missing(f"{path} is missing")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for errors
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()  # ends the chromedriver and chromium this fixture started
