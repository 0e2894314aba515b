"""Objectives that worker processes import by name (``tunecycle worker --objective``)."""

from __future__ import annotations

import os
import time

import tunecycle as tc


def fast(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    return (x - 1.0) ** 2


def slow(trial: tc.Trial) -> float:
    """A quarter of a second per trial, so that a worker is nearly always mid-trial.  The
    first report writes the buffered suggestion, so a retry can repeat it."""
    x = trial.suggest_float("x", -5.0, 5.0)
    trial.report(abs(x), 0)
    time.sleep(0.25)
    trial.set_user_attr("pid", os.getpid())
    return (x - 1.0) ** 2


def brief(trial: tc.Trial) -> float:
    """A tenth of a second, with one report: three writes per trial, for the outage tests."""
    x = trial.suggest_float("x", -5.0, 5.0)
    trial.report(abs(x), 0)
    time.sleep(0.1)
    return (x - 1.0) ** 2


def declared(trial: tc.Trial) -> float:
    """For a declared space: reads ``trial.params``."""
    return (trial.params["x"] - 1.0) ** 2


def always_fails(trial: tc.Trial) -> float:
    """Every trial raises: a worker must stop after its limit of failures in a row."""
    x = trial.suggest_float("x", -5.0, 5.0)
    raise ValueError(f"invalid literal for int() with base 10: 'five' (x={x:.2f})")


def steady(trial: tc.Trial) -> float:
    """Four tenths of a second, reported once: nearly always running, for the lease tests."""
    x = trial.suggest_float("x", -5.0, 5.0)
    trial.report(abs(x), 0)
    time.sleep(0.4)
    return (x - 1.0) ** 2
