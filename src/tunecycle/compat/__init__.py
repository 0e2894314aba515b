"""Optuna's public names, mapped onto tunecycle's own API: the one place that holds them.

A script written for Optuna runs with ``import tunecycle as optuna``.  The modules that carry
Optuna's module names at the top of the package (``tunecycle.distributions``,
``tunecycle.exceptions``, ``tunecycle.logging``, ``tunecycle.visualization``,
``tunecycle.importance``, ``tunecycle.integration``, ``tunecycle.search_space``) only re-export
from here; the native API (``tunecycle.create_study``, ``Study``, ``Trial``, the samplers and
pruners by name) stays small and does not depend on this package.  Every deliberate difference
from Optuna is listed in ``docs/howto/optuna.md``.
"""
