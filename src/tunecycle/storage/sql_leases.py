"""Leases of running trials in the SQL storage: heartbeats on the database server's clock,
failing other workers' stale trials (judged only once the store has been reachable for a
whole grace period), and re-queueing a failed trial that has retries left.

Not here: starting and finishing trials (``sql_trial_writes``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from tunecycle.records import FrozenTrial, TrialState
from tunecycle.storage.base import dump_json, retry_attrs, stale_reason
from tunecycle.storage.schema import trials
from tunecycle.storage.sql_rows import _OP_KEY
from tunecycle.storage.sql_transactions import SQLTransactions, log


class SQLLeases(SQLTransactions):
    """Heartbeats, stale trials and retries of ``SQLStorage``."""

    def heartbeat(self, trial_ids: Sequence[int]) -> None:
        if not trial_ids:
            return
        self._write(
            lambda conn: conn.execute(
                update(trials)
                .where(
                    and_(
                        trials.c.trial_id.in_(list(trial_ids)),
                        trials.c.state == TrialState.RUNNING.value,
                        trials.c.heartbeat.is_not(None),
                    )
                )
                .values(heartbeat=self._now_sql)
            )
        )

    def _retry(self, conn: Connection, trial_id: int, max_retries: int) -> None:
        """Re-queue a trial just failed in this transaction, if it has retries left."""
        row = conn.execute(select(trials).where(trials.c.trial_id == trial_id)).one()
        old = {k: v for k, v in json.loads(row.system_attrs or "{}").items() if k != _OP_KEY}
        attrs = retry_attrs(old, max_retries)
        if attrs is None:
            return
        number = self._next_number(conn, row.study_id)
        conn.execute(
            insert(trials).values(
                study_id=row.study_id,
                number=number,
                state=TrialState.WAITING.value,
                params=row.params,
                distributions=row.distributions,
                user_attrs="{}",
                system_attrs=dump_json(attrs, "system attributes"),
                retry_of=row.number,
                seq=self._next_seq(conn, row.study_id),
            )
        )

    def fail_stale_trials(
        self, study_id: int, grace_seconds: float, *, max_retries: int = 0
    ) -> list[int]:
        def read(conn: Connection) -> tuple[float, Sequence[Any]]:
            now = float(conn.execute(select(self._now_sql)).scalar_one())
            rows = conn.execute(
                select(
                    trials.c.trial_id, trials.c.number, trials.c.owner, trials.c.heartbeat
                ).where(
                    and_(trials.c.study_id == study_id, trials.c.state == TrialState.RUNNING.value)
                )
            ).all()
            return now, rows

        now, rows = self._read(read)
        # after an outage (or right after opening) every lease looks old: judge leases only
        # once this store has been reachable for a whole grace period (owners renew by then)
        lease_grace = grace_seconds if self._outage.in_contact_for() >= grace_seconds else math.inf
        stale = []
        for tid, number, owner, beat in rows:
            probe = FrozenTrial(tid, number, TrialState.RUNNING, owner=owner, heartbeat=beat)
            reason = stale_reason(probe, now, lease_grace)
            if reason:
                stale.append((tid, number, reason))
        if not stale:
            return []

        def run(conn: Connection) -> list[int]:
            done = []
            for tid, number, reason in stale:
                n = conn.execute(
                    update(trials)
                    .where(
                        and_(trials.c.trial_id == tid, trials.c.state == TrialState.RUNNING.value)
                    )
                    .values(
                        state=TrialState.FAILED.value,
                        fail_reason=reason,
                        datetime_complete=datetime.now(),
                    )
                ).rowcount
                if n:
                    done.append((tid, number))
            if done:  # trial rows first, then the study row (see _next_seq)
                first = self._next_seq(conn, study_id, len(done))
                for i, (tid, _) in enumerate(done):
                    self._set_seq(conn, tid, first + i)
                for tid, _ in done if max_retries else ():
                    self._retry(conn, tid, max_retries)
            return [number for _, number in done]

        failed = self._write(run)
        for number in failed:
            log.warning("trial %d of study %d failed: abandoned by its owner", number, study_id)
        return failed
