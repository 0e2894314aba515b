"""Optuna's ``optuna.logging`` under tunecycle's name (see :mod:`tunecycle.compat.logging`)."""

from tunecycle.compat.logging import (
    CRITICAL,
    DEBUG,
    ERROR,
    FATAL,
    INFO,
    WARN,
    WARNING,
    create_default_formatter,
    disable_default_handler,
    disable_propagation,
    enable_default_handler,
    enable_propagation,
    get_logger,
    get_verbosity,
    set_verbosity,
)

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "WARNING",
    "create_default_formatter",
    "disable_default_handler",
    "disable_propagation",
    "enable_default_handler",
    "enable_propagation",
    "get_logger",
    "get_verbosity",
    "set_verbosity",
]
