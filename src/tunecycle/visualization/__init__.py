"""Optuna's ``optuna.visualization`` under tunecycle's name: plotly figures of a study (see
:mod:`tunecycle.compat.visualization`); ``tunecycle.visualization.matplotlib`` has the same
functions returning matplotlib Axes.  plotly loads on the first plot."""

from tunecycle.compat.visualization import (
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


_MISSING = {
    "plot_terminator_improvement": "tunecycle has no terminator (Optuna's optuna.terminator); "
                                   "stop a study with optimize(timeout=) or a callback that "
                                   "calls study.stop()",
}


def __getattr__(name: str):  # ``tunecycle.visualization.matplotlib`` without importing it
    if name == "matplotlib":
        import importlib

        return importlib.import_module("tunecycle.visualization.matplotlib")
    if name in _MISSING:
        raise AttributeError(f"tunecycle.visualization.{name}: {_MISSING[name]}")
    raise AttributeError(f"module 'tunecycle.visualization' has no attribute {name!r}")
