"""Proposals in wholly discrete spaces, where repeat avoidance decides them, are the ones
recorded before the space's geometry and the shared "untried configuration" service
(``tunecycle.untried``) replaced each sampler's own code (``golden_repeats.py`` recorded
them), which left them all unchanged.  Two intended changes re-recorded some since: TPE
avoids repeats itself in a space with a log-scaled integer (``tpe-wide``), and CMA-ES counts
failed trials as taken (``cmaes-*``).  Every value is discrete, so they must match exactly,
the GP's included."""

from __future__ import annotations

import json

from tests.samplers.golden_repeats import GOLDEN, runs


def test_discrete_proposals_are_unchanged():
    expected = json.loads(GOLDEN.read_text())
    got = json.loads(json.dumps(runs(), sort_keys=True))
    assert got.keys() == expected.keys()
    for key in expected:
        assert len(got[key]) == len(expected[key]), key
        for i, (g, w) in enumerate(zip(got[key], expected[key])):
            assert g == w, f"{key}: proposal {i}: {g} != {w}"
