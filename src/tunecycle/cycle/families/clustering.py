"""The clustering family: ``kmeans``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunecycle.cycle.families.base import Family
from tunecycle.cycle.families.builders import typed
from tunecycle.space import Categorical, Int


def _build_kmeans(params: Mapping[str, Any], seed: int, task: str, *, proba: bool = False) -> Any:
    from sklearn.cluster import KMeans

    p = dict(params)
    kw = typed(p, ints=("n_clusters", "n_init"))
    kw.setdefault("n_init", "auto")
    return KMeans(**kw, random_state=seed)


KMEANS = Family(
    name="kmeans",
    tasks=frozenset({"clustering"}),
    space={
        "n_clusters": Int(2, 20),
        "init": Categorical(["k-means++", "random"]),
        "n_init": Int(1, 10),
    },
    needs_scaling=True,
    builder=_build_kmeans,
    kind="clustering",
    doc="k-means (Lloyd). Euclidean, so it needs scaled features. Inertia always falls "
    "as n_clusters grows: tune n_clusters against a score such as silhouette.",
    defaults={"n_clusters": 8, "init": "k-means++", "n_init": 1},
    why={
        "n_clusters": "2 is the least that clusters; past 20 a clustering is hard to "
        "read (widen with an override)",
        "init": "k-means++ spreads the seeds; random is cheaper and sometimes escapes a "
        "bad optimum",
        "n_init": "restarts keep the best of n runs; 1 is the library's 'auto' for "
        "k-means++, 10 was its old default",
    },
)
