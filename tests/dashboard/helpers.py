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
