"""Command-line interface (``tunecycle ...``); see ``tunecycle.cli.main``."""
