"""Optuna's own example and tutorial scripts, run by ``tests/compat/test_optuna_scripts.py``."""
