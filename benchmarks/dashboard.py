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
    args = parser.parse_args()
    print(f"`{shlex.join(['python', *sys.argv])}` on {platform.node()} "
          f"({os.cpu_count()} CPUs, Python {platform.python_version()})\n")
    if args.writes:
        bench_writes(args.writes)
    else:
        bench_reads(args.sizes, args.repeat)


if __name__ == "__main__":
    main()
