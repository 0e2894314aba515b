"""A study of 20,000 trials: the dashboard answers in pages and, after the first load, with only
what changed (sizes are asserted here; times are in benchmarks/dashboard.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.dashboard.helpers import add_trial, fill_study
from tunecycle.records import TrialState

N = 20_000


@pytest.mark.slow
def test_twenty_thousand_trials(db_url, writer, serve):
    values = np.random.default_rng(7).normal(size=N).tolist()
    sid = fill_study(db_url, "big", N, values)
    _, client = serve(db_url)
    base = "/api/studies/big"

    summary = client.get(base + "/summary")
    assert summary["n_trials"] == N and summary["best_value"] == min(values)

    # the table gets one page, whatever the study's size
    code, _, body = client.raw(base + "/trials?order=desc&limit=50")
    page = json.loads(body)
    assert code == 200 and page["total"] == N
    assert [t["number"] for t in page["trials"]] == list(range(N - 1, N - 51, -1))
    assert len(body) < 30_000  # a page, not the study
    best = client.get(base + "/trials?sort=value&limit=20")["trials"]
    assert [t["value"] for t in best] == sorted(values)[:20]
    deep = client.get(base + "/trials?offset=19990&limit=50")
    assert [t["number"] for t in deep["trials"]] == list(range(19990, N))

    # the plot loads every point once, as three compact columns
    code, _, body = client.raw(base + "/points")
    points = json.loads(body)
    assert len(points["number"]) == len(points["value"]) == N
    assert points["value"][:5] == values[:5]
    cursor = points["cursor"]

    # then a refresh returns only what changed: nothing, then the new trials
    assert client.get(base + f"/changes?since={cursor}")["trials"] == []
    new = [add_trial(writer, sid, -10.0 - i) for i in range(3)]
    running = add_trial(writer, sid, None, TrialState.RUNNING)
    code, _, body = client.raw(base + f"/changes?since={cursor}")
    changes = json.loads(body)
    assert sorted(t["number"] for t in changes["trials"]) == [*new, running] == list(
        range(N, N + 4)
    )
    assert len(body) < 5_000
    assert client.get(base + f"/changes?since={changes['cursor']}")["trials"] == []
    assert client.get(base + "/summary")["n_trials"] == N + 4

    # even a reader starting from nothing gets bounded answers, and can page through
    first = client.get(base + "/changes?since=0")
    assert len(first["trials"]) == 1000 and first["more"] is True
    following = client.get(base + f"/changes?since={first['cursor']}&limit=10")
    assert [t["number"] for t in following["trials"]] == list(range(1000, 1010))
