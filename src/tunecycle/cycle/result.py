"""What a finished cycle gives back: :class:`TuneResult` (the saved model, its test metrics,
the study, the ensemble, the refitted front) and :class:`FrontMember` (one refitted member of
the feasible Pareto front).  Records only: :mod:`tunecycle.cycle.runner` fills them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunecycle.cycle.ensemble import Ensemble
from tunecycle.cycle.splits import Validation
from tunecycle.display import metrics_html
from tunecycle.study import Study


@dataclass(frozen=True)
class FrontMember:
    """One trial of the feasible Pareto front, refitted on the search part and tested once."""

    number: int
    family: str
    params: dict[str, Any]
    values: dict[str, float]  # validation: the metric and each measure, by name
    test_metrics: dict[str, float]
    test_measures: dict[str, float]  # the measures of the refitted model (see tune)
    selected: bool = False  # the saved model

    def describe(self) -> dict[str, Any]:
        """JSON-safe, as stored with the study (``user_attrs["front"]``) and in summary.json."""
        return {"number": self.number, "family": self.family, "params": self.params,
                "values": self.values, "test_metrics": self.test_metrics,
                "test_measures": self.test_measures, "selected": self.selected}


@dataclass(frozen=True)
class TuneResult:
    """What a finished cycle gives back.

    With several objectives or constraints: ``objectives`` (the metric first), ``constraints``
    (``{name: {"min": x, "max": y}}``), ``front`` (the refitted feasible front, best metric
    first; empty for one objective), ``n_infeasible`` (complete trials that broke a
    constraint), ``values`` (the saved trial's validation metric and measures) and
    ``test_measures`` (the saved model's measures after the refit).  ``best_params``,
    ``best_value`` (the metric) and ``family`` describe the saved model."""

    study: Study
    family: str
    best_params: dict[str, Any]
    best_value: float  # mean validation score of the best trial
    metric: str
    model: Any  # the best pipeline, refitted on the whole search part
    test_metrics: dict[str, float]
    confusion: dict[str, Any] | None
    model_path: Path | None
    validation: Validation
    test_size: float
    ensemble: Ensemble | None = None  # fitted on the search part only; None when not asked
    ensemble_test_metrics: dict[str, float] | None = None
    ensemble_kind: str | None = None
    objectives: tuple[str, ...] = ()
    constraints: dict[str, dict[str, float]] = field(default_factory=dict)
    front: tuple[FrontMember, ...] = ()
    n_infeasible: int = 0
    values: dict[str, float] = field(default_factory=dict)
    test_measures: dict[str, float] = field(default_factory=dict)
    trial_number: int | None = None  # the trial the saved model comes from
    time_budget: float | None = None  # seconds given as ``time_budget`` (None: no budget)
    time_used: float | None = None  # seconds from the call to the result (search, refit, test)

    @property
    def time_left(self) -> float | None:
        """Seconds of the time budget left when the result was ready (None: no budget)."""
        if self.time_budget is None or self.time_used is None:
            return None
        return self.time_budget - self.time_used

    def _repr_html_(self) -> str:
        """The notebook view: the test metrics (and the ensemble's), then the study's summary."""
        columns = {f"best ({self.family})": self.test_metrics}
        if self.ensemble_test_metrics is not None:
            columns[self.ensemble_kind or "ensemble"] = self.ensemble_test_metrics
        share = f"{self.test_size:.0%}"
        table = metrics_html(f"test metrics (held-out {share}, used once)", columns)
        return f'<div class="tunecycle-result">{table}{self.study._repr_html_()}</div>'
