"""Studies in the SQL storage: create (once, even when a commit is lost), find by name, list
with their counts and best values, delete with their trials, set an attribute.

Not here: the trials of a study (``sql_trial_writes``, ``sql_trial_reads``) and the viewers'
bounded reads (``sql_viewer_reads``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from tunecycle.errors import DuplicatedStudyError, StudyNotFoundError
from tunecycle.records import Direction, StudyInfo, StudySummary, TrialState
from tunecycle.storage.base import dump_json
from tunecycle.storage.schema import intermediate, studies, trials
from tunecycle.storage.sql_rows import _FEASIBLE, _OP_KEY, _new_token, _op_of, _study_info
from tunecycle.storage.sql_transactions import SQLTransactions, _Found


class SQLStudies(SQLTransactions):
    """The study operations of ``SQLStorage``."""

    def _create_study(
        self, name: str, directions: tuple[Direction, ...], system_attrs: Mapping[str, Any] | None
    ) -> StudyInfo:
        dump_json(dict(system_attrs or {}), "study attributes")
        token = _new_token()  # finds this call's study again after a lost commit
        attrs = dump_json({**(system_attrs or {}), _OP_KEY: token}, "study attributes")
        now = datetime.now()

        def run(conn: Connection) -> int:
            exists = conn.execute(
                select(studies.c.study_id, studies.c.system_attrs).where(studies.c.name == name)
            ).first()
            if exists and _op_of(exists.system_attrs) == token:
                return int(exists.study_id)
            if exists:
                raise DuplicatedStudyError(f"study {name!r} already exists")
            res = conn.execute(
                insert(studies).values(
                    name=name,
                    direction=directions[0].value,
                    directions=json.dumps([d.value for d in directions]),
                    user_attrs="{}",
                    system_attrs=attrs,
                    next_number=0,
                    datetime_start=now,
                )
            )
            return int(res.inserted_primary_key[0])

        try:
            sid = self._write(run)
        except IntegrityError:  # created between our check and insert: by another worker, or
            # by this call, when a lost commit had happened after all and its retry then waited
            row = self._read(
                lambda conn: conn.execute(select(studies).where(studies.c.name == name)).first()
            )
            if row is None or _op_of(row.system_attrs) != token:
                raise DuplicatedStudyError(f"study {name!r} already exists") from None
            sid = int(row.study_id)
        return StudyInfo(sid, name, directions[0], {}, dict(system_attrs or {}), now,
                         directions)

    def get_study(self, name: str) -> StudyInfo:
        row = self._read(
            lambda conn: conn.execute(select(studies).where(studies.c.name == name)).first()
        )
        if row is None:
            raise StudyNotFoundError(f"no study named {name!r} in {self._safe_url}")
        return _study_info(row)

    def list_studies(self) -> list[StudySummary]:
        def read(conn: Connection) -> tuple[list[StudyInfo], Sequence[Any], Sequence[Any]]:
            infos = [
                _study_info(r) for r in conn.execute(select(studies).order_by(studies.c.study_id))
            ]
            counts = conn.execute(
                select(trials.c.study_id, trials.c.state, func.count()).group_by(
                    trials.c.study_id, trials.c.state
                )
            ).all()
            bests = conn.execute(
                select(trials.c.study_id, func.min(trials.c.value), func.max(trials.c.value))
                .where(and_(trials.c.state == TrialState.COMPLETE.value, _FEASIBLE))
                .group_by(trials.c.study_id)
            ).all()
            return infos, counts, bests

        infos, counts, bests = self._read(read)
        per_study: dict[int, dict[TrialState, int]] = {}
        for sid, state, n in counts:
            per_study.setdefault(sid, {s: 0 for s in TrialState})[TrialState(state)] = n
        best = {sid: (lo, hi) for sid, lo, hi in bests}
        out = []
        for info in infos:
            c = per_study.get(info.study_id, {s: 0 for s in TrialState})
            lo_hi = best.get(info.study_id)
            value = (
                None
                if lo_hi is None
                else (lo_hi[0] if info.direction is Direction.MINIMIZE else lo_hi[1])
            )
            out.append(StudySummary(info, sum(c.values()), c, value))
        return out

    def delete_study(self, study_id: int) -> None:
        def run(conn: Connection) -> None:
            ids = select(trials.c.trial_id).where(trials.c.study_id == study_id)
            conn.execute(delete(intermediate).where(intermediate.c.trial_id.in_(ids)))
            conn.execute(delete(trials).where(trials.c.study_id == study_id))
            gone = conn.execute(delete(studies).where(studies.c.study_id == study_id)).rowcount
            if not gone:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")

        def recover(conn: Connection) -> _Found[None] | None:
            # the study is gone after a lost commit: this call deleted it (FOR UPDATE waits
            # for a delete still in flight on the server)
            left = conn.execute(
                select(studies.c.study_id).where(studies.c.study_id == study_id).with_for_update()
            ).first()
            return _Found(None) if left is None else None

        self._write(run, recover)
        with self._cache_lock:
            self._caches.pop(study_id, None)

    def set_study_attr(self, study_id: int, key: str, value: Any, *, system: bool = False) -> None:
        dump_json(value, f"study attribute {key!r}")
        col = studies.c.system_attrs if system else studies.c.user_attrs

        def run(conn: Connection) -> None:
            row = conn.execute(
                select(col).where(studies.c.study_id == study_id).with_for_update()
            ).first()
            if row is None:
                raise StudyNotFoundError(f"no study with id {study_id} in {self._safe_url}")
            attrs = {**json.loads(row[0]), key: value}
            conn.execute(
                update(studies)
                .where(studies.c.study_id == study_id)
                .values({col.name: dump_json(attrs, "study attributes")})
            )

        self._write(run)
