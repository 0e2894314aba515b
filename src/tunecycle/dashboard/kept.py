"""What the dashboard keeps of a study between requests, brought up to date from the store's
change cursor: the one keyed-study cache that the points (``views.PointsCache``) and the
dataset (``dataset.DatasetCache``) both use.

``KeptStudies.get`` keys a study by its id, name and creation time, so a study deleted and
made again under its name is a new entry; it catches the kept state up on every request (only
the trials changed since its cursor are read), makes it afresh when the cursor goes back (the
study was made again under the same id), and keeps at most ``most`` studies (the oldest is
forgotten).  It does not know what is kept: a ``KeptStudy`` subclass applies each changed
trial, and the ``make`` function reads a new one's first state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from tunecycle.records import FrozenTrial, StudyInfo
from tunecycle.storage.base import Storage


class KeptStudy:
    """A study's kept state and its change cursor; subclasses apply a changed trial."""

    def __init__(self, cursor: int = 0) -> None:
        self.cursor = cursor

    def apply(self, trial: FrozenTrial) -> None:
        raise NotImplementedError

    def catch_up(self, store: Storage, sid: int) -> bool:
        """Apply the changes since the cursor; False if the study was made again (the
        store's cursor went back)."""
        while True:
            got = store.trials_changed_since(sid, self.cursor)
            if got.cursor < self.cursor:
                return False
            for t in got.trials:
                self.apply(t)
            self.cursor = got.cursor
            if not got.more:
                return True


K = TypeVar("K", bound=KeptStudy)


class KeptStudies(Generic[K]):
    """Up to ``most`` studies' kept state; ``make(store, info)`` reads a new one.  Callers
    hold ``lock`` around ``get`` and whatever they read of the kept state."""

    def __init__(self, make: Callable[[Storage, StudyInfo], K], most: int) -> None:
        self.lock = threading.Lock()
        self._make = make
        self._most = most
        self._studies: dict[tuple[int, str, datetime | None], K] = {}

    def get(self, store: Storage, name: str) -> tuple[StudyInfo, K]:
        """The study's record and its kept state, up to date."""
        info = store.get_study(name)
        sid, key = info.study_id, (info.study_id, name, info.datetime_start)
        kept = self._studies.get(key)
        if kept is None or not kept.catch_up(store, sid):
            for old in [k for k in self._studies if k[1] == name]:
                del self._studies[old]
            kept = self._make(store, info)
            kept.catch_up(store, sid)
            while len(self._studies) >= self._most:  # bounded: forget the oldest study
                self._studies.pop(next(iter(self._studies)))
            self._studies[key] = kept
        return info, kept
