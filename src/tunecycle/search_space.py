"""Optuna's ``optuna.search_space`` module name: ``IntersectionSearchSpace`` and
``intersection_search_space``, implemented in ``tunecycle.compat.search_space``."""

from tunecycle.compat.search_space import IntersectionSearchSpace, intersection_search_space

__all__ = ["IntersectionSearchSpace", "intersection_search_space"]
