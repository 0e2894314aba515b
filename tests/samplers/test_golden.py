"""Single-objective proposals of TPE, GP and auto are the ones recorded before multi-objective
and constraint support existed (``golden_single.py`` recorded them).

TPE's proposals must match exactly.  The GP's (and ``auto``'s, which uses it) go through a
numerical optimiser whose last digits depend on the machine's floating-point library (seen:
relative differences up to 2.4e-5 between two x86-64 machines), so their real values are
compared to a relative 1e-3, which still catches any change to the algorithm; discrete values
must match exactly.
"""

from __future__ import annotations

import json
import math

from tests.samplers.golden_single import GOLDEN, runs

RTOL_GP = 1e-3


def _same(got: dict, want: dict, rtol: float) -> bool:
    if got.keys() != want.keys():
        return False
    for name, w in want.items():
        g = got[name]
        if isinstance(w, float) and isinstance(g, float) and rtol:
            if not math.isclose(g, w, rel_tol=rtol, abs_tol=1e-12):
                return False
        elif g != w:
            return False
    return True


def test_single_objective_proposals_are_unchanged():
    expected = json.loads(GOLDEN.read_text())
    got = json.loads(json.dumps(runs(), sort_keys=True))
    assert got.keys() == expected.keys()
    for key in expected:
        rtol = RTOL_GP if key.startswith(("gp", "auto")) else 0.0
        assert len(got[key]) == len(expected[key]), key
        for i, (g, w) in enumerate(zip(got[key], expected[key])):
            assert _same(g, w, rtol), f"{key}: proposal {i}: {g} != {w}"
