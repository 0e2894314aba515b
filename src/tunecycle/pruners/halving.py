"""Successive halving: ``sha``, ``asha`` and ``hyperband``.

**Rungs.**  With ``r = min_resource``, ``eta = reduction_factor`` and
``rate = min_early_stopping_rate``, rung ``k`` (k = 0, 1, ...) sits at step
``R_k = r * eta ** (rate + k)``.  A trial *reaches* rung ``k`` at its first reported step
``>= R_k`` (that is ``R_k`` itself when it reports every step), and its value *at the rung* is
the value it reported there, read as a loss (``direction.sign() * value``; NaN is the worst).

**NaN and bootstrap.**  A trial whose value at a rung is NaN fails the rung; with
``bootstrap_count`` (Optuna's argument), a rung fails every trial while ``bootstrap_count`` or
fewer trials (the trial included) have reached it.  ``sha``'s defaults are Optuna's
(``min_resource="auto"``, ``reduction_factor=4``); ``asha`` keeps ``1`` and ``3``.  An ``"auto"``
resource (``min_resource`` of ``sha``, ``max_resource`` of ``hyperband``) is estimated when the
first trial completes; the trials already finished then compete at no rung (Optuna records a
rung value only when it judges a trial there, and it judged none of them).

**When a decision is made.**  Only at the report that reaches a rung: ``should_prune`` looks at
the trial's last step; if that is the step where it reached one or more rungs, each of those
rungs judges it, and it is pruned if any says no.  At every other step the answer is False: once
promoted, a trial runs to its next rung whatever arrives later (promotions are final, as in
ASHA).

**The rung's competitors** are every other trial that has reached the rung -- running, complete
or pruned (failed and waiting trials are ignored) -- with its value at the rung, as the history
holds them *now*.  Nothing waits for a rung to fill: the decision uses what is there, so it does
not matter in what order parallel workers report (a later-numbered trial may reach a rung first,
or reach rung 1 while an earlier one is still below rung 0).  Let ``n`` be the number of
entries at the rung including the trial, and ``better`` the number of competitors with a
strictly lower loss (ties go in the trial's favour).

- ``asha`` (:class:`ASHAPruner`): with ``n < eta`` the trial is promoted (nobody is judged on a
  near-empty rung); otherwise it is promoted iff ``better < n // eta`` (it is within the top
  ``1/eta`` of the rung).
- ``sha`` (:class:`SuccessiveHalvingPruner`): the same, except on a sparse rung: with
  ``n < eta`` only a trial that is the best at the rung so far (``better == 0``) is promoted.
  A pruner call cannot wait for the rung to fill as synchronous successive halving would, so
  ``sha`` is the conservative reading: until ``eta`` trials have reached a rung, it promotes only
  the leader.  (This is Optuna's asynchronous SHA rule.)
- ``hyperband`` (:class:`HyperbandPruner`): ``n_brackets`` = the number of ``k >= 0`` with
  ``r * eta ** k <= max_resource``.  Bracket ``b`` is ``sha`` with ``min_early_stopping_rate =
  b`` (Optuna's rule) and only rungs below ``max_resource``.  A trial's bracket is drawn from ``sha256(f"{seed}:{number}")`` with
  probability proportional to the bracket's budget ``ceil(n_brackets * eta**s / (s + 1))``,
  ``s = n_brackets - 1 - b``; it is recomputed from the trial number on every call, never
  stored.  A trial competes only with trials of its own bracket.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping

from tunecycle.errors import UserError
from tunecycle.protocols import History
from tunecycle.pruners._common import Described, check_int, loss
from tunecycle.records import Direction, FrozenTrial, TrialState

#: trials whose rung values count: a running trial's value at a rung it has passed is final
RUNG_STATES = (TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED)


def reaching_step(intermediate: Mapping[int, float], resource: int) -> int | None:
    """The first reported step ``>= resource``, or None when the trial has not got there."""
    return min((s for s in intermediate if s >= resource), default=None)


def rung_loss(
    intermediate: Mapping[int, float], resource: int, direction: Direction
) -> float | None:
    step = reaching_step(intermediate, resource)
    return None if step is None else loss(direction, intermediate[step])


def promoted(my_loss: float, competitors: list[float], eta: int, *, sparse_promotes: bool) -> bool:
    """The promotion rule of one rung (see the module docstring)."""
    n = len(competitors) + 1
    better = sum(c < my_loss for c in competitors)
    if n < eta:
        return sparse_promotes or better == 0
    return better < n // eta


def halving_decision(
    history: History,
    trial: FrozenTrial,
    *,
    min_resource: int,
    eta: int,
    rate: int,
    sparse_promotes: bool,
    max_resource: int | None = None,
    peer: Callable[[FrozenTrial], bool] | None = None,
    bootstrap_count: int = 0,
) -> bool:
    """True when ``trial`` fails a rung it reached at its last step (rungs at or above
    ``max_resource`` are left out when it is given; ``peer`` filters the competitors).  A NaN
    value at a rung fails it; so does a rung with ``bootstrap_count`` entries or fewer,
    the trial included."""
    step = trial.last_step
    if step is None:
        return False
    direction = history.direction
    rivals: list[FrozenTrial] | None = None
    k = 0
    while True:
        resource = min_resource * eta ** (rate + k)
        if resource > step or (max_resource is not None and resource >= max_resource):
            return False
        k += 1
        if reaching_step(trial.intermediate, resource) != step:
            continue  # reached earlier (already judged) or not this rung
        if rivals is None:
            rivals = [
                t for t in history.trials
                if t.state in RUNG_STATES and t.number != trial.number and (peer is None or peer(t))
            ]
        competitors = [
            v for v in (rung_loss(t.intermediate, resource, direction) for t in rivals)
            if v is not None
        ]
        if math.isnan(trial.intermediate[step]):
            return True
        if len(competitors) + 1 <= bootstrap_count:
            return True
        mine = loss(direction, trial.intermediate[step])
        if not promoted(mine, competitors, eta, sparse_promotes=sparse_promotes):
            return True


class SuccessiveHalvingPruner(Described):
    """``sha``: successive halving, deciding at each rung with what is there now; until ``eta``
    trials have reached a rung only its leader is promoted (rule in the module docstring).

    Optuna's arguments and defaults: ``min_resource="auto"`` is the largest last step of the
    complete trials divided by 100 (at least 1), fixed the first time a trial completes (no
    pruning before); ``bootstrap_count``: a rung prunes every trial until more than that many
    trials have reached it."""

    name = "sha"
    _sparse_promotes = False

    def __init__(
        self,
        min_resource: int | str = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        bootstrap_count: int = 0,
    ):
        if min_resource != "auto":
            check_int("min_resource", min_resource, 1)
        self.min_resource = min_resource
        self.reduction_factor = check_int("reduction_factor", reduction_factor, 2)
        self.min_early_stopping_rate = check_int(
            "min_early_stopping_rate", min_early_stopping_rate, 0
        )
        self.bootstrap_count = check_int("bootstrap_count", bootstrap_count, 0)
        self._resolved: int | None = None if min_resource == "auto" else int(min_resource)
        #: trials that had finished when "auto" was estimated: they were never judged at a
        #: rung, so (as in Optuna, which records rung values as it judges) they compete at none
        self._unranked: frozenset[int] = frozenset()

    def resource(self, history: History | None = None) -> int | None:
        """``min_resource``, estimated from ``history`` when it is ``"auto"`` (None: not yet)."""
        if self._resolved is None and history is not None:
            self._resolved = estimate_min_resource(history)
            if self._resolved is not None:
                self._unranked = frozenset(t.number for t in history.trials if t.is_finished)
        return self._resolved

    def rungs(self, upto_step: int) -> list[int]:
        """The rung steps ``<= upto_step`` (once ``min_resource`` is known)."""
        r = self._resolved
        if r is None:
            return []
        out, k = [], 0
        while (step := r * self.reduction_factor ** (self.min_early_stopping_rate + k)) <= upto_step:
            out.append(step)
            k += 1
        return out

    def should_prune(self, history: History, trial: FrozenTrial) -> bool:
        min_resource = self.resource(history)
        if min_resource is None:
            return False
        return halving_decision(
            history,
            trial,
            min_resource=min_resource,
            eta=self.reduction_factor,
            rate=self.min_early_stopping_rate,
            sparse_promotes=self._sparse_promotes,
            peer=(lambda t: t.number not in self._unranked) if self._unranked else None,
            bootstrap_count=self.bootstrap_count,
        )


def estimate_min_resource(history: History) -> int | None:
    """Optuna's ``min_resource="auto"``: the largest last step of the complete trials // 100,
    at least 1; None while no trial has completed with a report."""
    steps = [t.last_step for t in history.complete if t.last_step is not None]
    return max(max(steps) // 100, 1) if steps else None


class ASHAPruner(SuccessiveHalvingPruner):
    """``asha``: asynchronous successive halving; every trial is promoted until ``eta`` trials
    have reached a rung, then only the top ``1/eta`` (rule in the module docstring)."""

    name = "asha"
    _sparse_promotes = True

    def __init__(
        self,
        min_resource: int | str = 1,
        reduction_factor: int = 3,
        min_early_stopping_rate: int = 0,
        bootstrap_count: int = 0,
    ):
        super().__init__(min_resource, reduction_factor, min_early_stopping_rate,
                         bootstrap_count)


class HyperbandPruner(Described):
    """``hyperband``: several successive-halving brackets with increasing
    ``min_early_stopping_rate``; a trial's bracket follows from ``(seed, number)`` (rule in the
    module docstring).  ``max_resource="auto"`` (Optuna's default) is the largest last step of
    the complete trials plus one, fixed the first time a trial completes (no pruning before)."""

    name = "hyperband"

    def __init__(
        self,
        min_resource: int = 1,
        max_resource: int | str = "auto",
        reduction_factor: int = 3,
        bootstrap_count: int = 0,
        seed: int = 0,
    ):
        self.min_resource = check_int("min_resource", min_resource, 1)
        if max_resource != "auto":
            check_int("max_resource", max_resource, self.min_resource)
        self.max_resource = max_resource
        self.reduction_factor = check_int("reduction_factor", reduction_factor, 2)
        self.bootstrap_count = check_int("bootstrap_count", bootstrap_count, 0)
        if self.bootstrap_count > 0 and max_resource == "auto":
            raise UserError("pruner: bootstrap_count > 0 needs an integer max_resource, not "
                            "'auto'")
        self.seed = check_int("seed", seed, -(2**63))
        self.n_brackets = 0
        self.budgets: list[int] = []
        self._edges: list[float] = []
        self._cache: dict[int, int] = {}
        self._max: int | None = None
        self._unranked: frozenset[int] = frozenset()  # as in SuccessiveHalvingPruner
        if max_resource != "auto":
            self._setup(int(max_resource))

    def _setup(self, max_resource: int) -> None:
        self._max = max_resource
        n, eta = 0, self.reduction_factor
        while self.min_resource * eta**n <= max_resource:
            n += 1
        self.n_brackets = n
        self.budgets = [
            math.ceil(n * eta ** (n - 1 - b) / (n - b)) for b in range(n)
        ]
        total = sum(self.budgets)
        self._edges = [sum(self.budgets[: b + 1]) / total for b in range(n)]
        self._cache.clear()

    def bracket(self, number: int) -> int:
        """The bracket of trial ``number``: a fixed function of ``(seed, number)`` (0 while
        ``max_resource="auto"`` is not known yet)."""
        if not self.n_brackets:
            return 0
        b = self._cache.get(number)
        if b is None:
            digest = hashlib.sha256(f"{self.seed}:{number}".encode()).digest()
            u = int.from_bytes(digest[:8], "big") / 2**64
            b = next(i for i, edge in enumerate(self._edges) if u < edge or i == self.n_brackets - 1)
            self._cache[number] = b
        return b

    def should_prune(self, history: History, trial: FrozenTrial) -> bool:
        if self._max is None:
            steps = [t.last_step for t in history.complete if t.last_step is not None]
            if not steps:
                return False
            self._setup(max(steps) + 1)
            self._unranked = frozenset(t.number for t in history.trials if t.is_finished)
        mine = self.bracket(trial.number)
        return halving_decision(
            history,
            trial,
            min_resource=self.min_resource,
            eta=self.reduction_factor,
            rate=mine,
            sparse_promotes=False,
            max_resource=self._max,
            peer=lambda t: self.bracket(t.number) == mine and t.number not in self._unranked,
            bootstrap_count=self.bootstrap_count,
        )
