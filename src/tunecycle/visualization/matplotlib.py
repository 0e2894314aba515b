"""Optuna's ``optuna.visualization.matplotlib`` under tunecycle's name: the plots as matplotlib
Axes (see :mod:`tunecycle.compat.visualization._axes`).  This module's name is ``matplotlib``
but every import in tunecycle is absolute, so ``import matplotlib`` anywhere still means the
real library; matplotlib itself loads on the first plot."""

from tunecycle.compat.visualization._axes import (
    is_available,
    plot_contour,
    plot_edf,
    plot_hypervolume_history,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_pareto_front,
    plot_rank,
    plot_slice,
    plot_timeline,
)

__all__ = [
    "is_available", "plot_contour", "plot_edf", "plot_hypervolume_history",
    "plot_intermediate_values", "plot_optimization_history", "plot_parallel_coordinate",
    "plot_param_importances", "plot_pareto_front", "plot_rank", "plot_slice", "plot_timeline",
]


def __getattr__(name: str):
    from tunecycle.visualization import _MISSING

    if name in _MISSING:
        raise AttributeError(f"tunecycle.visualization.matplotlib.{name}: {_MISSING[name]}")
    raise AttributeError(f"module 'tunecycle.visualization.matplotlib' has no attribute {name!r}")
