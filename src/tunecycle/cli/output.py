"""How the commands print: a value's cell, a table of rows, a trial as JSON, the objectives'
column names of a study.

Not here: what any command reads or decides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from tunecycle.records import FrozenTrial


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}" if math.isfinite(v) else str(v)
    return str(v)


def _trial_json(t: FrozenTrial) -> dict[str, Any]:
    return {
        "number": t.number, "state": t.state.value, "value": t.value,
        "values": None if t.values is None else list(t.values),
        "constraints": None if t.constraints is None else list(t.constraints),
        "params": dict(t.params),
        "intermediate": {str(k): v for k, v in t.intermediate.items()},
        "user_attrs": dict(t.user_attrs), "datetime_start": t.datetime_start,
        "datetime_complete": t.datetime_complete, "fail_reason": t.fail_reason,
    }


def _print_table(rows: Sequence[dict[str, Any]]) -> None:
    import pandas as pd

    frame = pd.DataFrame(rows)
    print(frame.to_string(index=False))


def _objective_names(study: Any) -> list[str]:
    """``["value"]``, or one name per objective (the metric names, else ``value_0``...)."""
    if study.n_objectives == 1:
        return ["value"]
    return study.metric_names or [f"value_{i}" for i in range(study.n_objectives)]


def _value_cells(names: Sequence[str], t: FrozenTrial) -> dict[str, str]:
    values = list(t.values) if t.values else [None] * len(names)
    return {n: _fmt(v) for n, v in zip(names, values)}
