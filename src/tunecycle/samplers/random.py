"""Random search: every parameter drawn independently and uniformly in its unit interval (so
log-scaled parameters are log-uniform).  Seeded per trial number, so a seeded study proposes the
same configurations in any process and any order."""

from __future__ import annotations

from collections.abc import Sequence

from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.space import ParamValue, Space


class RandomSampler(Sampler):
    name = "random"
    multi_objective = True  # it never reads the values

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        return [space.from_unit(ctx.rng.random(len(space))) for ctx in contexts]

    def joint_space(self, history: History) -> Space | None:
        return None  # independent draws need no joint proposal, and no read of the history
