"""Trial writes of the SQL storage: enqueue, add, start (claim a waiting trial or number a new
one under the study row lock), set params, report, set attributes, finish; each write takes
change numbers (``seq``) for the viewers' change cursor, and a write that made a trial carries
a token so that a retry after a lost commit finds it instead of making a second one.

Not here: leases and stale trials (``sql_leases``), reads (``sql_trial_reads``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from tunecycle.errors import StudyNotFoundError, TrialStateError
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.space import Param, ParamValue
from tunecycle.storage.base import check_objective_count, dists_to_json, dump_json, finished_values
from tunecycle.storage.schema import intermediate, studies, trials
from tunecycle.storage.sql_rows import _COUNTED, _OP_KEY, _json_list, _merged, _new_token, _same_end
from tunecycle.storage.sql_transactions import SQLTransactions, _Found


class SQLTrialWrites(SQLTransactions):
    """The trial writes of ``SQLStorage``, with trial numbers and change numbers."""

    def enqueue_trial(
        self,
        study_id: int,
        params: Mapping[str, ParamValue],
        distributions: Mapping[str, Param] | None = None,
        user_attrs: Mapping[str, Any] | None = None,
        system_attrs: Mapping[str, Any] | None = None,
        retry_of: int | None = None,
    ) -> FrozenTrial:
        dump_json(dict(system_attrs or {}), "system attributes")
        token = _new_token()
        values = dict(
            state=TrialState.WAITING.value,
            params=dump_json(dict(params), "params"),
            distributions=dists_to_json(distributions or {}),
            user_attrs=dump_json(dict(user_attrs or {}), "user attributes"),
            system_attrs=dump_json({**(system_attrs or {}), _OP_KEY: token}, "system attributes"),
            retry_of=retry_of,
        )

        def run(conn: Connection) -> FrozenTrial:
            number = self._next_number(conn, study_id)
            seq = self._next_seq(conn, study_id)
            tid = conn.execute(
                insert(trials).values(study_id=study_id, number=number, seq=seq, **values)
            ).inserted_primary_key[0]
            return self._trial_in(conn, int(tid))

        return self._write(run, lambda conn: self._written_by(conn, study_id, token))

    def _add_trial(self, study_id: int, trial: FrozenTrial) -> FrozenTrial:
        token = _new_token()  # finds this call's trial again after a lost commit
        cons = trial.constraints
        values = dict(
            state=trial.state.value,
            value=trial.value,
            params=dump_json(dict(trial.params), "trial.params"),
            distributions=dists_to_json(trial.distributions),
            user_attrs=dump_json(dict(trial.user_attrs), "trial.user_attrs"),
            system_attrs=dump_json({**trial.system_attrs, _OP_KEY: token}, "trial.system_attrs"),
            fail_reason=trial.fail_reason,
            datetime_start=trial.datetime_start,
            datetime_complete=trial.datetime_complete,
            objective_values=_json_list(trial.values),
            constraint_values=_json_list(cons),
            feasible=None if cons is None else all(c <= 0 for c in cons),
        )

        def run(conn: Connection) -> FrozenTrial:
            row = conn.execute(
                select(studies.c.directions).where(studies.c.study_id == study_id)
            ).first()
            if row is None:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
            check_objective_count(trial, len(json.loads(row.directions)) if row.directions else 1)
            number = self._next_number(conn, study_id)
            seq = self._next_seq(conn, study_id)
            tid = int(
                conn.execute(
                    insert(trials).values(study_id=study_id, number=number, seq=seq, **values)
                ).inserted_primary_key[0]
            )
            if trial.intermediate:
                conn.execute(
                    insert(intermediate),
                    [dict(trial_id=tid, step=s, value=v) for s, v in trial.intermediate.items()],
                )
            return self._trial_in(conn, tid)

        return self._write(run, lambda conn: self._written_by(conn, study_id, token))

    def _written_by(self, conn: Connection, study_id: int, token: str) -> _Found[FrozenTrial] | None:
        """The trial that the write tagged ``token`` made, if it was committed after all.

        The study row is locked first: every trial-creating write holds that lock until it
        ends, so a write whose commit is still in flight on the server is waited for."""
        conn.execute(
            select(studies.c.study_id).where(studies.c.study_id == study_id).with_for_update()
        ).first()
        tid = conn.execute(
            select(trials.c.trial_id).where(
                and_(trials.c.study_id == study_id, trials.c.system_attrs.contains(token))
            )
        ).scalar()
        return None if tid is None else _Found(self._trial_in(conn, int(tid)))

    def _next_number(self, conn: Connection, study_id: int, limit: int | None = None) -> int | None:
        """Take the study's next trial number (the study row is locked until commit)."""
        row = conn.execute(
            select(studies.c.next_number).where(studies.c.study_id == study_id).with_for_update()
        ).first()
        if row is None:
            raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
        if limit is not None:
            n = conn.execute(
                select(func.count())
                .select_from(trials)
                .where(and_(trials.c.study_id == study_id, trials.c.state.in_(_COUNTED)))
            ).scalar_one()
            if n >= limit:
                return None
        conn.execute(
            update(studies).where(studies.c.study_id == study_id).values(next_number=row[0] + 1)
        )
        return int(row[0])

    def _next_seq(self, conn: Connection, study_id: int, count: int = 1) -> int:
        """Take ``count`` change numbers of the study and return the first.

        The study row stays locked until commit, so change numbers become visible in the order
        they were taken and a reader never passes one that is still to be committed.  Writers
        lock trial rows before the study row (never the other way round), so this cannot
        deadlock with another writer."""
        take, bump, read, _ = self._seq_sql
        if take is not None:
            head = conn.exec_driver_sql(take, (count, study_id)).scalar_one()
        else:  # SQLite before 3.35 has no RETURNING; its write lock is held all the same
            conn.exec_driver_sql(bump, (count, study_id))
            head = conn.exec_driver_sql(read, (study_id,)).scalar_one()
        return int(head) - count + 1

    def _set_seq(self, conn: Connection, trial_id: int, seq: int) -> None:
        conn.exec_driver_sql(self._seq_sql[3], (seq, trial_id))

    def start_trial(
        self, study_id: int, owner: str, *, lease: bool = False, max_trials: int | None = None
    ) -> FrozenTrial | None:
        now = datetime.now()
        beat = self._now_sql if lease else None
        token = _new_token()  # finds this call's trial again after a lost commit

        def run(conn: Connection) -> FrozenTrial | None:
            waiting = conn.execute(
                select(trials.c.trial_id, trials.c.system_attrs)
                .where(
                    and_(trials.c.study_id == study_id, trials.c.state == TrialState.WAITING.value)
                )
                .order_by(trials.c.number)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if waiting is not None:
                attrs = {**json.loads(waiting.system_attrs or "{}"), _OP_KEY: token}
                conn.execute(
                    update(trials)
                    .where(trials.c.trial_id == waiting.trial_id)
                    .values(
                        state=TrialState.RUNNING.value,
                        owner=owner,
                        heartbeat=beat,
                        datetime_start=now,
                        system_attrs=dump_json(attrs, "system attributes"),
                        seq=self._next_seq(conn, study_id),
                    )
                )
                return self._trial_in(conn, int(waiting.trial_id))
            number = self._next_number(conn, study_id, max_trials)
            if number is None:
                return None
            tid = conn.execute(
                insert(trials).values(
                    study_id=study_id,
                    number=number,
                    state=TrialState.RUNNING.value,
                    params="{}",
                    distributions="{}",
                    user_attrs="{}",
                    system_attrs=json.dumps({_OP_KEY: token}),
                    owner=owner,
                    heartbeat=beat,
                    datetime_start=now,
                    seq=self._next_seq(conn, study_id),
                )
            ).inserted_primary_key[0]
            return FrozenTrial(
                int(tid),
                number,
                TrialState.RUNNING,
                owner=owner,
                heartbeat=time.time() if lease else None,
                datetime_start=now,
            )

        return self._write(run, lambda conn: self._written_by(conn, study_id, token))

    def _locked_running(self, conn: Connection, trial_id: int, action: str) -> Any:
        row = conn.execute(
            select(trials).where(trials.c.trial_id == trial_id).with_for_update()
        ).first()
        if row is None:
            raise TrialStateError(f"no trial with id {trial_id} in {self._safe_url}")
        if row.state != TrialState.RUNNING.value:
            reason = f" ({row.fail_reason})" if row.fail_reason else ""
            raise TrialStateError(f"trial {row.number}: cannot {action}, it is {row.state}{reason}")
        return row

    def set_params(
        self, trial_id: int, params: Mapping[str, ParamValue], distributions: Mapping[str, Param]
    ) -> None:
        dump_json(dict(params), "params")

        def run(conn: Connection) -> None:
            row = self._locked_running(conn, trial_id, "set params")
            conn.execute(
                update(trials)
                .where(trials.c.trial_id == trial_id)
                .values(
                    **_merged(row, params, distributions), seq=self._next_seq(conn, row.study_id)
                )
            )

        self._write(run)

    def report(self, trial_id: int, step: int, value: float) -> None:
        def run(conn: Connection) -> None:
            row = self._locked_running(conn, trial_id, "report")
            seq = self._next_seq(conn, row.study_id)
            self._set_seq(conn, trial_id, seq)
            conn.execute(
                delete(intermediate).where(
                    and_(intermediate.c.trial_id == trial_id, intermediate.c.step == step)
                )
            )
            conn.execute(insert(intermediate).values(trial_id=trial_id, step=step, value=value))

        self._write(run)

    def set_trial_attr(self, trial_id: int, key: str, value: Any, *, system: bool = False) -> None:
        dump_json(value, f"trial attribute {key!r}")
        col = trials.c.system_attrs if system else trials.c.user_attrs

        def run(conn: Connection) -> None:
            row = self._locked_running(conn, trial_id, f"set attribute {key!r}")
            attrs = {**json.loads(getattr(row, col.name)), key: value}
            conn.execute(
                update(trials)
                .where(trials.c.trial_id == trial_id)
                .values(
                    {
                        col.name: dump_json(attrs, "trial attributes"),
                        "seq": self._next_seq(conn, row.study_id),
                    }
                )
            )

        self._write(run)

    def finish_trial(
        self,
        trial_id: int,
        state: TrialState,
        value: float | None = None,
        reason: str | None = None,
        params: Mapping[str, ParamValue] | None = None,
        distributions: Mapping[str, Param] | None = None,
        *,
        max_retries: int = 0,
        values: Sequence[float] | None = None,
        constraints: Sequence[float] | None = None,
    ) -> FrozenTrial:
        if params:
            dump_json(dict(params), "params")
        value, vals = finished_values(value, values)

        def run(conn: Connection) -> FrozenTrial:
            row = self._locked_running(conn, trial_id, f"finish as {state.value}")
            changes: dict[str, Any] = dict(
                state=state.value, value=value, fail_reason=reason, datetime_complete=datetime.now(),
                objective_values=_json_list(vals), constraint_values=_json_list(constraints),
                feasible=None if constraints is None else all(c <= 0 for c in constraints),
            )
            if params:
                changes.update(_merged(row, params, distributions or {}))
            changes["seq"] = self._next_seq(conn, row.study_id)
            conn.execute(update(trials).where(trials.c.trial_id == trial_id).values(**changes))
            if state is TrialState.FAILED and max_retries:
                self._retry(conn, trial_id, max_retries)
            return self._trial_in(conn, trial_id)

        def recover(conn: Connection) -> _Found[FrozenTrial] | None:
            # already ended just as asked: this call's commit happened before the loss
            row = conn.execute(
                select(trials.c.state, trials.c.value, trials.c.fail_reason)
                .where(trials.c.trial_id == trial_id)
                .with_for_update()
            ).first()
            if row is None or not _same_end(row, state, value, reason):
                return None
            return _Found(self._trial_in(conn, trial_id))

        return self._write(run, recover)
