"""Reads of the SQL storage for viewers (dashboard, CLI): short read transactions with bounded
results and the study's change cursor: a study's summary, a page of trials, the trials changed
since a cursor, every trial's number, state and value.

Not here: the engine's full history read (``sql_trial_reads``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, select

from tunecycle.errors import StudyNotFoundError
from tunecycle.records import (
    Direction,
    FrozenTrial,
    StudySummary,
    TrialChanges,
    TrialPage,
    TrialPoint,
    TrialPoints,
    TrialState,
)
from tunecycle.storage.base import MAX_PAGE, check_query
from tunecycle.storage.schema import intermediate, studies, trials
from tunecycle.storage.sql_rows import _FEASIBLE, _float, _study_info, _trial
from tunecycle.storage.sql_transactions import SQLTransactions


class SQLViewerReads(SQLTransactions):
    """The viewers' bounded reads of ``SQLStorage``."""

    def _cursor(self, conn: Connection, study_id: int) -> int:
        head = conn.execute(
            select(studies.c.change_seq).where(studies.c.study_id == study_id)
        ).scalar()
        if head is None:
            raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
        return int(head)

    def _with_steps(self, conn: Connection, rows: Sequence[Any]) -> list[FrozenTrial]:
        ids = [r.trial_id for r in rows]
        per_trial: dict[int, dict[int, float]] = {}
        if ids:
            steps = conn.execute(
                select(intermediate.c.trial_id, intermediate.c.step, intermediate.c.value)
                .where(intermediate.c.trial_id.in_(ids))
                .order_by(intermediate.c.trial_id, intermediate.c.step)
            ).all()
            for tid, step, value in steps:
                per_trial.setdefault(tid, {})[step] = _float(value)
        return [_trial(r, per_trial.get(r.trial_id, {})) for r in rows]

    def get_study_summary(self, study_id: int) -> StudySummary:
        def read(conn: Connection) -> tuple[Any, Sequence[Any], Any, Any]:
            row = conn.execute(select(studies).where(studies.c.study_id == study_id)).first()
            if row is None:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
            counts = conn.execute(
                select(trials.c.state, func.count())
                .where(trials.c.study_id == study_id)
                .group_by(trials.c.state)
            ).all()
            lo, hi = conn.execute(
                select(func.min(trials.c.value), func.max(trials.c.value)).where(
                    and_(
                        trials.c.study_id == study_id,
                        trials.c.state == TrialState.COMPLETE.value,
                        _FEASIBLE,
                    )
                )
            ).one()
            return row, counts, lo, hi

        row, counts, lo, hi = self._read(read)
        info = _study_info(row)
        c = {s: 0 for s in TrialState}
        for state, n in counts:
            c[TrialState(state)] = int(n)
        best = lo if info.direction is Direction.MINIMIZE else hi
        return StudySummary(info, sum(c.values()), c, None if best is None else float(best))

    def query_trials(
        self,
        study_id: int,
        *,
        states: Sequence[TrialState] | None = None,
        value_min: float | None = None,
        value_max: float | None = None,
        sort: str = "number",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> TrialPage:
        check_query(sort, offset, limit)
        where = [trials.c.study_id == study_id]
        if states is not None:
            where.append(trials.c.state.in_([TrialState.parse(s).value for s in states]))
        if value_min is not None:
            where.append(trials.c.value >= float(value_min))
        if value_max is not None:
            where.append(trials.c.value <= float(value_max))
        col = trials.c[sort]
        order: list[Any] = [col.is_(None)] if col.nullable else []  # missing values last
        order += [col.desc() if descending else col.asc(), trials.c.number]

        def read(conn: Connection) -> tuple[int, int, list[int], dict[int, FrozenTrial]]:
            cursor = self._cursor(conn, study_id)  # first: later changes are not missed
            total = conn.execute(
                select(func.count()).select_from(trials).where(and_(*where))
            ).scalar_one()
            ids = (
                conn.execute(
                    select(trials.c.trial_id)
                    .where(and_(*where))
                    .order_by(*order)
                    .offset(offset)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            rows = conn.execute(select(trials).where(trials.c.trial_id.in_(ids))).all()
            found = {t.trial_id: t for t in self._with_steps(conn, rows)} if ids else {}
            return cursor, int(total), list(ids), found

        cursor, total, ids, found = self._read(read)
        page = tuple(found[i] for i in ids if i in found)
        return TrialPage(page, int(total), cursor)

    def trials_changed_since(
        self, study_id: int, cursor: int, *, limit: int = MAX_PAGE
    ) -> TrialChanges:
        check_query("number", 0, limit)

        def read(conn: Connection) -> TrialChanges:
            head = self._cursor(conn, study_id)
            # up to head only: a change committed after head was read comes next time
            rows = conn.execute(
                select(trials)
                .where(
                    and_(
                        trials.c.study_id == study_id,
                        trials.c.seq > int(cursor),
                        trials.c.seq <= head,
                    )
                )
                .order_by(trials.c.seq)
                .limit(limit + 1)
            ).all()
            more = len(rows) > limit
            rows = rows[:limit]
            changed = self._with_steps(conn, rows)
            return TrialChanges(tuple(changed), int(rows[-1].seq) if more else head, more)

        return self._read(read)

    def get_trial_points(self, study_id: int) -> TrialPoints:
        def read(conn: Connection) -> tuple[int, Sequence[Any]]:
            head = self._cursor(conn, study_id)
            rows = conn.execute(
                select(trials.c.number, trials.c.state, trials.c.value)
                .where(trials.c.study_id == study_id)
                .order_by(trials.c.number)
            ).all()
            return head, rows

        head, rows = self._read(read)
        states = {s.value: s for s in TrialState}
        points = tuple(
            TrialPoint(n, states[st], None if v is None else float(v)) for n, st, v in rows
        )
        return TrialPoints(points, head)
