"""The options of a source given as a query string (``sklearn:make_blobs?n_samples=300``): each
value read as a bool, None, int, float, list or the string.

Not here: which options a source takes (``sklearn_sets``, ``synthetic``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from tunecycle.cycle.errors import DataError


def _parse_query(source: str, query: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise DataError(f"source: cannot read the options of {source!r} ({exc})") from None
    options: dict[str, Any] = {}
    for key, text in pairs:
        if key in options:
            raise DataError(f"{key}: given twice in {source!r}")
        options[key] = _parse_value(text)
    return options


def _parse_value(text: str) -> Any:
    """A query-string value as a Python value: bool, None, int, float, list or the string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    if "," in text:
        return [_parse_value(part) for part in text.split(",")]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
