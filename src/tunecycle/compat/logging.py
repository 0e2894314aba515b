"""Optuna's ``optuna.logging`` functions, acting on tunecycle's ``tunecycle`` logger.

tunecycle stays quiet at INFO by default (warnings, such as a failed trial's reason, still
reach stderr), where Optuna prints an INFO line per finished trial.  Code written for Optuna
uses this module, so its first use switches to Optuna's behaviour: the ``tunecycle`` logger
gets a handler of its own on stderr, stops propagating to the root logger, and (unless a level
was set on it already) shows INFO, a line per finished trial worded as Optuna's
("Trial 3 finished with value: ..."); ``set_verbosity(WARNING)`` hides them again.
``get_logger("optuna")`` is the ``tunecycle`` logger.  Code that never calls this module sees
tunecycle's logging unchanged.
"""

from __future__ import annotations

import logging
import sys
import threading

CRITICAL = logging.CRITICAL
FATAL = logging.FATAL
ERROR = logging.ERROR
WARNING = logging.WARNING
WARN = logging.WARN
INFO = logging.INFO
DEBUG = logging.DEBUG

_ROOT = "tunecycle"
_lock = threading.Lock()
_default_handler: logging.Handler | None = None


def create_default_formatter() -> logging.Formatter:
    """The format of the default handler's lines: time, level, logger, message."""
    return logging.Formatter(
        "[%(levelname)s %(asctime)s %(name)s] %(message)s", datefmt="%Y-%m-%d %H:%M:%S"
    )


def _root() -> logging.Logger:
    return logging.getLogger(_ROOT)


def _configure() -> None:
    """Install the default handler once (on the first call of any function here)."""
    global _default_handler
    with _lock:
        if _default_handler is not None:
            return
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(create_default_formatter())
        _default_handler = handler
        root = _root()
        root.addHandler(handler)
        root.propagate = False
        if root.level == logging.NOTSET:  # Optuna's default verbosity, for Optuna's habits
            root.setLevel(logging.INFO)


def _reset() -> None:
    """Undo :func:`_configure` and the level (for tests)."""
    global _default_handler
    with _lock:
        root = _root()
        if _default_handler is not None:
            root.removeHandler(_default_handler)
        _default_handler = None
        root.setLevel(logging.NOTSET)
        root.propagate = True


def get_logger(name: str) -> logging.Logger:
    """The logger called ``name`` (a script's own ``get_logger(__name__)``, say); Optuna's
    own logger names (``"optuna"``, ``"optuna.study"``) mean tunecycle's (``"tunecycle"``...),
    so a handler added to ``get_logger("optuna")`` receives tunecycle's lines."""
    _configure()
    if name == "optuna" or name.startswith("optuna."):
        name = _ROOT + name[len("optuna"):]
    return logging.getLogger(name)


def get_verbosity() -> int:
    """The level of the ``tunecycle`` logger: ``INFO`` once this module is used (as Optuna's),
    unless a level was set on it before."""
    _configure()
    return _root().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Set the level of the ``tunecycle`` logger: ``INFO`` shows a line per finished trial,
    ``WARNING`` only warnings (a failed trial and its reason), ``ERROR`` hides those too."""
    if isinstance(verbosity, bool) or not isinstance(verbosity, int):
        raise ValueError(
            f"verbosity: expected a logging level such as tunecycle.logging.INFO, got {verbosity!r}"
        )
    _configure()
    _root().setLevel(verbosity)


def disable_default_handler() -> None:
    """Remove the default stderr handler (add your own to ``get_logger("tunecycle")``)."""
    _configure()
    assert _default_handler is not None
    _root().removeHandler(_default_handler)


def enable_default_handler() -> None:
    """Put the default stderr handler back."""
    _configure()
    assert _default_handler is not None
    _root().addHandler(_default_handler)


def disable_propagation() -> None:
    """Stop tunecycle's records reaching the root logger's handlers (the default here)."""
    _configure()
    _root().propagate = False


def enable_propagation() -> None:
    """Pass tunecycle's records on to the root logger's handlers too."""
    _configure()
    _root().propagate = True


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
