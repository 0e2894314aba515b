"""Take docs/images/dashboard.png: the dashboard of a real study, photographed while it runs.

A study with a pruner runs on a thread (a small simulated training loop: each trial reports a
validation loss per epoch; some trials fail on purpose), writing to a SQLite file in a temporary
directory.  The dashboard serves that file on 127.0.0.1 (a free port), Debian's headless
chromium opens the study's page through Selenium, and the picture is taken once the page has
followed the study live for a while.  Nothing is downloaded.

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
            finally:
                driver.quit()
        runner.join()
        study.storage.close()


if __name__ == "__main__":
    main()
