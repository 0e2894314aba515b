"""What the dashboard costs, and what the change cursor costs the workers.

Reads: for SQLite studies of several sizes (filled by one bulk insert, as in the tests), the
wall time of each JSON request the page makes, through the real server on 127.0.0.1 (median of
``--repeat`` requests): every point for the plot (the first load after the server started reads
them all, later loads only the changes), the summary, a table page in number order and in value
order (first page and a deep one), and a refresh (the changes after the page's cursor) with
nothing new and with 10 new trials.

Writes (``--writes``): CPU and wall ms per trial for a worker writing through the storage API
to a SQLite file: start, set params, 5 reports, finish (8 write transactions).  CPU time is the
steadier figure on a shared machine.  It uses only the storage API, so the same command
can run against an older checkout (``PYTHONPATH=that/src``) to see what the change cursor adds.

    PYTHONPATH=src .venv/bin/python benchmarks/dashboard.py                 # 1000 5000 20000
    PYTHONPATH=src .venv/bin/python benchmarks/dashboard.py --sizes 20000 --repeat 20
    PYTHONPATH=src .venv/bin/python benchmarks/dashboard.py --writes 2000
    PYTHONPATH=src .venv/bin/python benchmarks/dashboard.py --page --sizes 200 10000 [--peer]

Page (``--page``): Debian's headless chromium (Selenium) opens a study of each size (four
parameters, 20 reported steps per trial, four workers, complete/pruned/failed trials; written in
bulk) and the page reports, from ``performance.now()``, when its first complete drawing ended
(ms since the navigation started: the dataset request, parsing it and drawing the history and
the table), for the first load after the server started and for a reload; then the time to
draw each view after a click on its tab.  The dataset answer's size and server time are given
too.  ``--peer`` times optuna-dashboard's study page on the same shape of study (an Optuna
journal file), where it is installed: until its history chart holds the trials.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _machine import cpu_model  # benchmarks/ is sys.path[0]

ROOT = Path(__file__).resolve().parents[1]
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

perf = time.perf_counter


def _timed(fn, repeat: int) -> tuple[float, int]:
    """Median ms of ``repeat`` calls, and the size of the last answer in bytes."""
    times, size = [], 0
    for _ in range(repeat):
        t0 = perf()
        size = len(fn())
        times.append((perf() - t0) * 1000)
    return statistics.median(times), size


def bench_reads(sizes: list[int], repeat: int) -> None:
    print("| trials | request | ms (median) | answer bytes |")
    print("|---:|---|---:|---:|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            for label, ms, size in _reads_of_one_study(f"sqlite:///{tmp}/bench.db", n, repeat):
                print(f"| {n} | {label} | {ms:.2f} | {size} |")


def _reads_of_one_study(url: str, n: int, repeat: int) -> list[tuple[str, float, int]]:
    sys.path.insert(0, str(ROOT))
    import numpy as np
    from tests.dashboard.helpers import Client, add_trial, fill_study

    from tunecycle.dashboard import DashboardServer
    from tunecycle.storage.sql import SQLStorage

    values = np.random.default_rng(0).normal(size=n).tolist()
    sid = fill_study(url, "bench", n, values)
    writer = SQLStorage(url)
    out = []
    with DashboardServer(url, port=0) as server:
        client = Client(server.url)
        base = "/api/studies/bench"

        def get(path: str) -> bytes:
            code, _, body = client.raw(path)
            assert code == 200, (path, code)
            return body

        # the first read of the points (a page load after the server started) reads them all
        first_ms, first_size = _timed(lambda: get(base + "/points"), 1)
        out.append(("every point, first page load after start", first_ms, first_size))
        cursor = client.get(base + "/points")["cursor"]
        rows = [
            ("every point, later page loads (kept by the server)", base + "/points"),
            ("summary", base + "/summary"),
            ("table page, newest first (50)", base + "/trials?order=desc&limit=50"),
            ("table page, best value first (50)", base + "/trials?sort=value&limit=50"),
            ("table page at offset n-50, by value", f"{base}/trials?sort=value&offset={n - 50}&limit=50"),
            ("refresh: changes, nothing new", f"{base}/changes?since={cursor}"),
        ]
        for label, path in rows:
            out.append((label, *_timed(lambda p=path: get(p), repeat)))
        for i in range(10):
            add_trial(writer, sid, float(i))
        out.append(("refresh: changes, 10 new trials",
                    *_timed(lambda: get(f"{base}/changes?since={cursor}"), repeat)))
    writer.close()
    return out


VIEWS = ["history", "intermediate", "parallel", "slice", "contour", "rank", "edf", "timeline"]

_SWITCH = """
const done = arguments[arguments.length - 1], view = arguments[0];
const t0 = performance.now();
document.querySelector(`#view-tabs button[data-view='${view}']`).click();
requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
"""


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("TUNECYCLE_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    service = Service(executable_path=os.environ.get("TUNECYCLE_CHROMEDRIVER",
                                                     "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_script_timeout(120)
    return driver


def _first_render_ms(driver, url: str) -> float:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    return float(WebDriverWait(driver, 120, poll_frequency=0.05).until(
        lambda d: d.execute_script("return window.tunecycleDashboard.state.firstRenderMs;")))


def bench_page(sizes: list[int], repeat: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.dashboard.helpers import Client, fill_rich_study

    from tunecycle.dashboard import DashboardServer

    print("| trials | what | ms (median) |")
    print("|---:|---|---:|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/page.db"
            fill_rich_study(url, "page", n, seed=0)
            driver = _browser()
            try:
                with DashboardServer(url, port=0) as server:
                    page = f"{server.url}studies/page"
                    rows = [("page load, first after the server started (history + table)",
                             _first_render_ms(driver, page))]
                    reloads = [_first_render_ms(driver, page) for _ in range(repeat)]
                    rows.append(("page load, later (the server kept the dataset)",
                                 statistics.median(reloads)))
                    for view in VIEWS:
                        times = [driver.execute_async_script(_SWITCH, view)
                                 for _ in range(max(1, repeat // 2))]
                        rows.append((f"draw the {view} view (click on its tab)",
                                     statistics.median(times)))
                    client = Client(server.url)
                    ms, size = _timed(lambda c=client: c.raw("/api/studies/page/dataset")[2], repeat)
                    rows.append((f"dataset request alone, kept ({size / 1e6:.2f} MB)", ms))
            finally:
                driver.quit()
            for label, ms in rows:
                print(f"| {n} | {label} | {ms:.0f} |")


#: optuna-dashboard's study page is drawn when its history chart holds a marker for every
#: complete and pruned trial (its default: pruned trials included) and, for "every chart", when
#: its timeline has a bar per trial, its importance chart its bars and its intermediate-values
#: chart a curve per trial with reported values; counted in the SVG that plotly drew, not in
#: the data it was given
_OD_READY = """
const [history, all] = arguments;
const plot = id => document.getElementById(id);
const count = (id, sel) => plot(id) ? plot(id).querySelectorAll(sel).length : 0;
if (count('plot-history', '.point') < history.points) return null;
if (!all) return performance.now();
if (count('graph-timeline', '.point') < all.bars) return null;
if (count('graph-hyperparameter-importances', '.point') < 1) return null;
if (count('graph-intermediate-values', '.scatterlayer .trace') < all.curves) return null;
return performance.now();
"""


def _optuna_study(path: str, n: int) -> dict[str, int]:
    """The same shape of study as ``fill_rich_study``, in an Optuna journal file (Optuna's
    fastest storage to fill); how many trials are complete or pruned (``shown``, what its
    history chart draws) and how many failed."""
    import numpy as np
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(path))
    study = optuna.create_study(study_name="page", storage=storage)
    rng = np.random.default_rng(0)
    dists = {"lr": FloatDistribution(1e-4, 1.0, log=True), "width": IntDistribution(8, 512),
             "optimizer": CategoricalDistribution(["adam", "sgd", "rmsprop"]),
             "dropout": FloatDistribution(0, 0.5)}
    trials = []
    for _ in range(n):
        lr, width = float(10 ** rng.uniform(-4, 0)), int(rng.integers(8, 513))
        opt, dropout = ["adam", "sgd", "rmsprop"][int(rng.integers(3))], float(rng.uniform(0, .5))
        floor = 0.1 + (np.log10(lr) + 2.5) ** 2 / 8 + 0.1 * dropout + (opt == "sgd") * 0.05
        u = rng.random()
        state = (TrialState.COMPLETE if u < .8 else TrialState.PRUNED if u < .95
                 else TrialState.FAIL)
        last = 20 if state == TrialState.COMPLETE else 10
        curve = {s: float(floor + 2.0 * 0.7**s + rng.normal(0, 0.004)) for s in range(last)}
        trials.append(create_trial(
            state=state, value=None if state == TrialState.FAIL else curve[last - 1],
            params={"lr": lr, "width": width, "optimizer": opt, "dropout": dropout},
            distributions=dists, intermediate_values=curve))
    study.add_trials(trials)
    failed = sum(t.state == TrialState.FAIL for t in trials)
    return {"shown": n - failed, "failed": failed}


def _peer_version(python: str) -> str | None:
    import subprocess

    done = subprocess.run([python, "-c", "import optuna_dashboard as o; print(o.__version__)"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _peer_load(driver, url: str, history: dict, all_: dict | None, limit_s: float) -> float | None:
    """ms from navigation start until the page is ready (see ``_OD_READY``); None if it was
    not within ``limit_s``.  A poll that the browser leaves unanswered (its page busy past
    the driver's read timeout) counts as not ready yet."""
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    from urllib3.exceptions import ReadTimeoutError

    driver.get(url)
    try:
        return float(WebDriverWait(driver, limit_s, poll_frequency=0.1,
                                   ignored_exceptions=(ReadTimeoutError, WebDriverException)
                                   ).until(lambda d: d.execute_script(_OD_READY, history, all_)))
    except TimeoutException:
        return None


def bench_peer(sizes: list[int], repeat: int, python: str, limit_s: float) -> None:
    """optuna-dashboard (installed for ``python``) on the same shape of study, in the same
    browser: ms until its study page's history chart has drawn every complete and pruned
    trial, and until every chart of that page has drawn its data; first load after its server
    started, then the median of ``repeat`` reloads (one at 10,000 trials and more)."""
    import subprocess
    import urllib.request

    version = _peer_version(python)
    if version is None:
        print(f"optuna-dashboard is not installed for {python}: no peer figures")
        return
    print(f"\noptuna-dashboard {version} ({python}; its study page: history, intermediate "
          "values, importance, timeline)\n")
    print("| trials | what | ms (median) |")
    print("|---:|---|---:|")
    serve = ("import sys, optuna, optuna_dashboard; s = optuna.storages.JournalStorage("
             "optuna.storages.journal.JournalFileBackend(sys.argv[1])); "
             "optuna_dashboard.run_server(s, host='127.0.0.1', port=int(sys.argv[2]))")

    def fmt(ms: float | None) -> str:
        return f"not ready after {limit_s:.0f} s" if ms is None else f"{ms:.0f}"

    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            counts = _optuna_study(f"{tmp}/page.log", n)
            port = _free_port()
            proc = subprocess.Popen([python, "-c", serve, f"{tmp}/page.log", str(port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            driver = _browser()
            rows = []
            try:
                for _ in range(240):
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies", timeout=5)
                        break
                    except OSError:
                        time.sleep(0.5)
                url = f"http://127.0.0.1:{port}/dashboard/studies/0"
                history = {"points": counts["shown"]}
                every = {"bars": n, "curves": counts["shown"]}
                times = repeat if n < 10000 else 1

                def loads(all_: dict | None, k: int, url: str = url,
                          history: dict = history) -> float | None:
                    nonlocal driver
                    got = []
                    for _ in range(k):
                        got.append(_peer_load(driver, url, history, all_, limit_s))
                        if got[-1] is None:  # a page still busy: the next load gets a new one
                            driver.quit()
                            driver = _browser()
                    done = [x for x in got if x is not None]
                    return statistics.median(done) if len(done) == len(got) else None

                rows.append(("study page, first load: history chart holds every trial",
                             loads(None, 1)))
                rows.append(("study page, later: history chart holds every trial",
                             loads(None, times)))
                rows.append(("study page, later: every chart drawn (history, intermediate, "
                             "importance, timeline)", loads(every, times)))
            finally:
                driver.quit()
                proc.terminate()
                proc.wait(10)
            for label, ms in rows:
                print(f"| {n} | {label} | {fmt(ms)} |", flush=True)


def bench_writes(n: int) -> None:
    import tunecycle  # the one on PYTHONPATH: this checkout's src, or an older one
    from tunecycle.records import Direction, TrialState
    from tunecycle.space import Float
    from tunecycle.storage.base import current_owner
    from tunecycle.storage.sql import SQLStorage

    with tempfile.TemporaryDirectory() as tmp:
        store = SQLStorage(f"sqlite:///{tmp}/w.db")
        sid = store.create_study("w", Direction.MINIMIZE).study_id
        owner = current_owner()
        t0, c0 = perf(), time.process_time()
        for i in range(n):
            t = store.start_trial(sid, owner)
            store.set_params(t.trial_id, {"x": 0.5}, {"x": Float(0, 1)})
            for step in range(5):
                store.report(t.trial_id, step, float(step))
            store.finish_trial(t.trial_id, TrialState.COMPLETE, float(i))
        wall = (perf() - t0) * 1000 / n
        cpu = (time.process_time() - c0) * 1000 / n
        store.close()
    print("| tunecycle from | trials | CPU ms per trial | wall ms per trial |")
    print("|---|---:|---:|---:|")
    print(f"| {Path(tunecycle.__file__).resolve().parents[1]} | {n} | {cpu:.2f} | {wall:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--writes", type=int, metavar="N", help="time N trial writes instead")
    parser.add_argument("--page", action="store_true", help="time the page in chromium instead")
    parser.add_argument("--peer", action="store_true",
                        help="with --page: optuna-dashboard too, if it is installed")
    parser.add_argument("--peer-python", default=sys.executable, metavar="PYTHON",
                        help="with --peer: the interpreter that has optuna-dashboard (its "
                             "server runs there; default: this one)")
    parser.add_argument("--peer-limit", type=float, default=180.0, metavar="S",
                        help="with --peer: give up on one page load after S seconds")
    args = parser.parse_args()
    print(f"`{shlex.join(['python', *sys.argv])}` on {platform.node()} ({cpu_model()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start, "
          f"Python {platform.python_version()})\n")
    if args.writes:
        bench_writes(args.writes)
    elif args.page:
        bench_page(args.sizes, args.repeat)
        if args.peer:
            bench_peer(args.sizes, args.repeat, args.peer_python, args.peer_limit)
    else:
        bench_reads(args.sizes, args.repeat)


if __name__ == "__main__":
    main()
