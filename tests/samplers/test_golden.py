"""Single-objective proposals of TPE, GP and auto are the ones recorded before multi-objective
and constraint support existed (``golden_single.py`` recorded them)."""

from __future__ import annotations

import json

from tests.samplers.golden_single import GOLDEN, runs


def test_single_objective_proposals_are_unchanged():
    expected = json.loads(GOLDEN.read_text())
    got = json.loads(json.dumps(runs(), sort_keys=True))
    assert got.keys() == expected.keys()
    for key in expected:
        assert got[key] == expected[key], key
