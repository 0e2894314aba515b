"""Pictures and pages of a study, read-only over its trials: plot data (``viz.data``),
parameter importance (``viz.importance``), static figures (``viz.plots``, matplotlib) and the
self-contained HTML report (``viz.report``).

Nothing here is imported by ``import tunecycle``; matplotlib and scikit-learn (the ``viz``
extra) load when a figure or an importance is first asked for.
"""
