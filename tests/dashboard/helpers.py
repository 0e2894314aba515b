"""Helpers for the dashboard tests and benchmark: writing trials one at a time through the
storage API (as a worker writes them) or many at once by a bulk insert (tests and benchmarks
only), and a small HTTP client."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tunecycle.records import Direction, TrialState
from tunecycle.space import Float, Int
from tunecycle.storage.base import Storage, current_owner
from tunecycle.storage.sql import SQLStorage

OWNER = current_owner()

#: seconds a browser test waits for the page (it polls every 1.5 s; a busy 2-core machine is slow)
WAIT_S = 15


class Client:
    """GET (and other methods) against the server; JSON answers decoded."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def raw(
        self, path: str, method: str = "GET", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(self.base + path, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=20) as res:
                return res.status, {k.lower(): v for k, v in res.headers.items()}, res.read()
        except urllib.error.HTTPError as exc:
            return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()

    def get(self, path: str, status: int = 200) -> Any:
        code, _, body = self.raw(path)
        assert code == status, (path, code, body[:300])
        return json.loads(body)


def add_trial(
    store: Storage,
    study_id: int,
    value: float | None,
    state: TrialState = TrialState.COMPLETE,
    steps: int = 0,
    x: float = 0.5,
) -> int:
    """One trial through the storage API, as a worker would write it; returns its number."""
    t = store.start_trial(study_id, OWNER)
    store.set_params(t.trial_id, {"x": x, "n": 3}, {"x": Float(0, 1), "n": Int(1, 5)})
    for step in range(steps):
        store.report(t.trial_id, step, (value or 0.0) + 1.0 / (step + 1))
    if state is not TrialState.RUNNING:
        store.finish_trial(t.trial_id, state, value, "boom" if state is TrialState.FAILED else None)
    return t.number


def fill_study(url: str, name: str, n: int, values: list[float]) -> int:
    """A study of ``n`` complete trials written in one bulk insert (tests and benchmarks only:
    the storage API writes one trial per transaction, too slow for 20,000 in a test).

    The rows are what the storage API would write, change numbers included, so the storage's
    reads cannot tell the difference."""
    from sqlalchemy import insert, update

    from tunecycle.storage.schema import studies, trials

    store = SQLStorage(url)
    try:
        sid = store.create_study(name, Direction.MINIMIZE).study_id
        dists = json.dumps({"x": Float(0, 1).to_dict()})
        rows = [
            dict(
                study_id=sid, number=i, state=TrialState.COMPLETE.value, value=values[i],
                params=json.dumps({"x": (i % 997) / 997}), distributions=dists,
                user_attrs="{}", system_attrs="{}", owner=OWNER, seq=i + 1,
            )
            for i in range(n)
        ]
        with store._engine.begin() as conn:
            conn.execute(insert(trials), rows)
            conn.execute(
                update(studies).where(studies.c.study_id == sid).values(next_number=n, change_seq=n)
            )
        return sid
    finally:
        store.close()


def fill_rich_study(url: str, name: str, n: int, seed: int = 0, steps: int = 20) -> int:
    """A study of ``n`` trials written in bulk (tests and benchmarks only), shaped like a real
    one: four parameters (log float, int, categorical, float), ``steps`` reported values each,
    start and end times over four workers, 80% complete, 15% pruned (half-way), 5% failed."""
    from datetime import datetime, timedelta

    import numpy as np
    from sqlalchemy import insert, select, update

    from tunecycle.space import Categorical
    from tunecycle.storage.schema import intermediate, studies, trials

    rng = np.random.default_rng(seed)
    dists = json.dumps({"lr": Float(1e-4, 1.0, log=True).to_dict(), "width": Int(8, 512).to_dict(),
                        "optimizer": Categorical(["adam", "sgd", "rmsprop"]).to_dict(),
                        "dropout": Float(0.0, 0.5).to_dict()})
    t0 = datetime(2026, 1, 5, 9, 0, 0)
    store = SQLStorage(url)
    try:
        sid = store.create_study(name, Direction.MINIMIZE).study_id
        rows, curves = [], []
        for i in range(n):
            lr = float(10 ** rng.uniform(-4, 0))
            width = int(rng.integers(8, 513))
            opt = ["adam", "sgd", "rmsprop"][int(rng.integers(3))]
            dropout = float(rng.uniform(0, 0.5))
            floor = 0.1 + (np.log10(lr) + 2.5) ** 2 / 8 + 0.1 * dropout + (opt == "sgd") * 0.05
            u = rng.random()
            state = (TrialState.COMPLETE if u < 0.8 else
                     TrialState.PRUNED if u < 0.95 else TrialState.FAILED)
            last = steps if state is TrialState.COMPLETE else steps // 2
            curve = [float(floor + 2.0 * 0.7**s + rng.normal(0, 0.004)) for s in range(last)]
            start = t0 + timedelta(seconds=i * 2.5 / 4)
            rows.append(dict(
                study_id=sid, number=i, state=state.value,
                value=None if state is TrialState.FAILED else curve[-1],
                params=json.dumps({"lr": lr, "width": width, "optimizer": opt,
                                   "dropout": dropout}),
                distributions=dists, user_attrs="{}", system_attrs="{}",
                owner=f"worker-{i % 4}", seq=i + 1, datetime_start=start,
                datetime_complete=start + timedelta(seconds=float(rng.uniform(1, 4))),
                fail_reason="CUDA out of memory" if state is TrialState.FAILED else None,
            ))
            curves.append(curve)
        with store._engine.begin() as conn:
            conn.execute(insert(trials), rows)
            ids = dict(conn.execute(select(trials.c.number, trials.c.trial_id)
                                    .where(trials.c.study_id == sid)).all())
            points = [dict(trial_id=ids[i], step=s, value=v)
                      for i, curve in enumerate(curves) for s, v in enumerate(curve)]
            for k in range(0, len(points), 50_000):
                conn.execute(insert(intermediate), points[k:k + 50_000])
            conn.execute(
                update(studies).where(studies.c.study_id == sid).values(next_number=n, change_seq=n)
            )
        return sid
    finally:
        store.close()
