"""Take docs/images/dashboard.png and docs/images/dashboard-VIEW.png: the dashboard of real
studies, photographed while one runs.

A study with a pruner runs on a thread (a small simulated training loop: each trial reports a
validation loss per epoch; some trials fail on purpose), writing to a SQLite file in a temporary
directory; a study of two objectives with a constraint, and a second single-objective study to
compare with, are written first.  The dashboard serves that file on 127.0.0.1 (a free port),
Debian's headless chromium opens the pages through Selenium, and the pictures are taken once the
page has followed the study live for a while: the whole page, then each view's figure, a
trial's page, a comparison of two studies and the dark theme.  Nothing is downloaded.

    .venv/bin/python scripts/screenshot_dashboard.py [--output docs/images/dashboard.png]
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

import tunecycle as tc
from tunecycle.dashboard import DashboardServer

ROOT = Path(__file__).resolve().parents[1]
STUDY = "mlp-learning-rate"
VIEWS = ["history", "intermediate", "parallel", "slice", "contour", "rank", "edf", "importance",
         "timeline"]


def objective(trial: tc.Trial) -> float:
    """A stand-in for training a network: the loss curve depends on the learning rate, width and
    dropout; a few configurations diverge (the trial fails)."""
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    width = trial.suggest_int("width", 16, 256, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd"])
    if lr > 0.6 and optimizer == "sgd":
        raise FloatingPointError("the loss diverged (NaN after epoch 2)")
    rng = np.random.default_rng(trial.number)
    floor = 0.08 + 0.6 * abs(math.log10(lr) + 2.2) ** 2 / 4 + 0.05 * abs(math.log2(width) - 7)
    floor += 0.3 * (dropout - 0.2) ** 2 + (0.04 if optimizer == "sgd" else 0.0)
    loss = 2.0
    for epoch in range(12):
        loss = floor + (loss - floor) * 0.62 + rng.normal(0, 0.01)
        trial.report(loss, epoch)
        if trial.should_prune():
            raise tc.TrialPruned()
        time.sleep(0.02)
    return loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "images" / "dashboard.png"))
    parser.add_argument("--trials", type=int, default=160)
    args = parser.parse_args()

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/tuning.db"
        other = tc.create_study(name=STUDY + "-random", storage=url, sampler="random",
                                pruner="median", seed=4)
        other.optimize(objective, n_trials=args.trials // 2)
        other.storage.close()
        two = tc.create_study(name="accuracy-vs-latency", storage=url, sampler="random",
                              seed=5, directions=["minimize", "minimize"],
                              constraints_func=lambda t: (t.user_attrs["c"],))
        two.set_metric_names(["error", "latency_ms"])
        two.optimize(two_objectives, n_trials=120)
        two.storage.close()
        study = tc.create_study(name=STUDY, storage=url, sampler="tpe", pruner="median", seed=3)
        study.optimize(objective, n_trials=args.trials // 2)  # a study already under way
        runner = threading.Thread(
            target=study.optimize, args=(objective,), kwargs={"n_trials": args.trials // 2}
        )
        runner.start()
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("TUNECYCLE_CHROMIUM", "/usr/bin/chromium")
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--window-size=1360,1080", "--hide-scrollbars"):
            options.add_argument(arg)
        service = Service(
            executable_path=os.environ.get("TUNECYCLE_CHROMEDRIVER", "/usr/bin/chromedriver")
        )
        with DashboardServer(url, port=0) as server:
            driver = webdriver.Chrome(service=service, options=options)
            try:
                driver.get(f"{server.url}studies/{STUDY}")
                WebDriverWait(driver, 20).until(
                    lambda d: d.execute_script(
                        "return document.querySelectorAll('#trials tbody tr').length"
                    ) > 0
                )
                time.sleep(4)  # the page follows the running study meanwhile
                driver.execute_script("document.getElementById('page-size').value = '20';"
                                      "document.getElementById('page-size')"
                                      ".dispatchEvent(new Event('change'));")
                time.sleep(1.5)
                out = Path(args.output)
                out.parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(out))
                print(f"wrote {out} ({out.stat().st_size} bytes) from {server.url}")
                runner.join()  # the rest from the finished study, so that the pictures agree
                time.sleep(2)
                driver.set_window_size(1360, 1700)  # tall enough for a figure or a trial's page
                _views(driver, server.url, out.parent, study.best_trial.number)
            finally:
                driver.quit()
        study.storage.close()


def two_objectives(trial: tc.Trial) -> tuple[float, float]:
    """A stand-in for a model whose error falls as it grows slower; too slow is infeasible."""
    width = trial.suggest_int("width", 16, 512, log=True)
    layers = trial.suggest_int("layers", 1, 6)
    latency = 0.02 * width * layers ** 0.8 + np.random.default_rng(trial.number).normal(0, 0.3)
    error = 0.05 + 0.5 / math.sqrt(width * layers)
    trial.set_user_attr("c", latency - 40.0)
    return error, latency


def _shoot(driver, element_id: str, path: Path) -> None:
    driver.execute_script("document.getElementById(arguments[0]).scrollIntoView();", element_id)
    driver.find_element("id", element_id).screenshot(str(path))
    print(f"wrote {path} ({path.stat().st_size} bytes)")


def _wait_view(driver, view: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "const c = document.getElementById('view-chart');"
        "return c.dataset.view === arguments[0] && (c.dataset.points > 0 || c.dataset.lines > 0);",
        view))
    time.sleep(0.5)


def _views(driver, base: str, folder: Path, best: int) -> None:
    from urllib.parse import quote

    page = f"{base}studies/{quote(STUDY)}"
    driver.get(page + "#view=history")
    _wait_view(driver, "history")
    for view in VIEWS:
        hash_ = {"contour": "view=contour&pair=lr,width", "rank": "view=rank&pair=lr,dropout",
                 "slice": "view=slice&param=lr",
                 "parallel": "view=parallel&brush=param%3Alr%3A0.3%3A0.7"}.get(view, f"view={view}")
        driver.execute_script("window.location.hash = arguments[0];", hash_)
        _wait_view(driver, view)
        _shoot(driver, "view-figure", folder / f"dashboard-{view}.png")
    driver.set_window_size(1360, 1080)
    driver.get(page + "#view=parallel&brush=param%3Alr%3A0.3%3A0.7&rows=20")
    _wait_view(driver, "parallel")
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(folder / "dashboard-brushing.png"))
    driver.set_window_size(1360, 1700)
    print(f"wrote {folder / 'dashboard-brushing.png'}")
    driver.get(page + f"#view=history&trial={best}")
    _wait_view(driver, "history")
    time.sleep(1)
    driver.execute_script("document.getElementById('trial-detail').scrollIntoView();")
    _shoot(driver, "trial-detail", folder / "dashboard-trial.png")
    multi = f"{base}studies/accuracy-vs-latency"
    for view in ("pareto", "hypervolume"):
        driver.get(multi + f"#view={view}")
        _wait_view(driver, view)
        _shoot(driver, "view-figure", folder / f"dashboard-{view}.png")
    driver.get(f"{base}#compare={quote(STUDY)}&compare={quote(STUDY + '-random')}")
    time.sleep(4)
    _shoot(driver, "compare-figure", folder / "dashboard-compare.png")
    driver.set_window_size(1360, 1080)
    driver.get(page + "#view=parallel&theme=dark&rows=20")
    _wait_view(driver, "parallel")
    driver.save_screenshot(str(folder / "dashboard-dark.png"))
    print(f"wrote {folder / 'dashboard-dark.png'}")


if __name__ == "__main__":
    main()
