"""Optuna's ``optuna.visualization`` (plotly figures, :mod:`._plotly`) and
``optuna.visualization.matplotlib`` (matplotlib Axes, :mod:`.axes`), drawn from tunecycle's
plot data.  Importing this package loads neither plotting library."""

from tunecycle.compat.visualization._plotly import (
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
