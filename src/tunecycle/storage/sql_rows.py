"""Rows of the SQL storage's tables and the records they hold: a row to a ``FrozenTrial`` or
``StudyInfo``, numbers and merged params to their stored JSON, the hidden write token
(system attribute ``_op``) that finds a write again after a lost commit, and the shared
``WHERE`` pieces (feasible trials, counted states).

Not here: connections, transactions, any statement that runs.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import or_

from tunecycle.records import Direction, FrozenTrial, StudyInfo, TrialState
from tunecycle.space import Param
from tunecycle.storage.base import dists_from_json, dump_json
from tunecycle.storage.schema import trials

_COUNTED = [
    s.value
    for s in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
]


#: a trial without constraints, or one that satisfies them (what a best value may come from)
_FEASIBLE = or_(trials.c.feasible.is_(None), trials.c.feasible.is_(True))


#: private system attribute: a random token of the write that made or claimed the row, so that
#: a retry after a lost commit finds that row instead of making a second one; never shown
_OP_KEY = "_op"


def _new_token() -> str:
    return secrets.token_hex(16)


def _op_of(system_attrs: str | None) -> str | None:
    """The token of the write that made (or claimed) a row, from its stored system attrs."""
    return json.loads(system_attrs or "{}").get(_OP_KEY)


def _public(system_attrs: str | None) -> dict[str, Any]:
    attrs = json.loads(system_attrs or "{}")
    attrs.pop(_OP_KEY, None)
    return attrs


def _same_end(row: Any, state: TrialState, value: float | None, reason: str | None) -> bool:
    """True when a trial row already ended exactly as ``finish_trial`` was asked to end it."""
    if row.state != state.value or row.fail_reason != reason:
        return False
    if row.value is None or value is None:
        return row.value is None and value is None
    return float(row.value) == float(value) or (math.isnan(row.value) and math.isnan(value))


def _float(v: Any) -> float:
    return float("nan") if v is None else float(v)


def _merged(row: Any, params: Mapping[str, Any], dists: Mapping[str, Param]) -> dict[str, str]:
    old_params = json.loads(row.params)
    old_dists = json.loads(row.distributions)
    old_params.update(params)
    old_dists.update({n: p.to_dict() for n, p in dists.items()})
    return {"params": dump_json(old_params, "params"), "distributions": json.dumps(old_dists)}


def _study_info(row: Any) -> StudyInfo:
    directions = tuple(Direction(d) for d in json.loads(row.directions)) if row.directions else ()
    return StudyInfo(
        study_id=row.study_id,
        name=row.name,
        direction=Direction(row.direction),
        user_attrs=json.loads(row.user_attrs),
        system_attrs=_public(row.system_attrs),
        datetime_start=row.datetime_start,
        directions=directions,
    )


def _json_list(numbers: Sequence[float] | None) -> str | None:
    return None if numbers is None else json.dumps([float(x) for x in numbers])


def _numbers(text: str | None) -> tuple[float, ...] | None:
    return None if text is None else tuple(float(x) for x in json.loads(text))


def _trial(row: Any, steps: dict[int, float]) -> FrozenTrial:
    return FrozenTrial(
        trial_id=row.trial_id,
        number=row.number,
        state=TrialState(row.state),
        value=row.value,
        params=json.loads(row.params),
        distributions=dists_from_json(row.distributions),
        intermediate=steps,
        user_attrs=json.loads(row.user_attrs),
        system_attrs=_public(row.system_attrs),
        datetime_start=row.datetime_start,
        datetime_complete=row.datetime_complete,
        fail_reason=row.fail_reason,
        owner=row.owner,
        heartbeat=row.heartbeat,
        retry_of=row.retry_of,
        values=_numbers(row.objective_values),
        constraints=_numbers(row.constraint_values),
    )
