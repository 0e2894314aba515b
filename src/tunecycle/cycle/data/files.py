"""Data files: the suffixes read (``.csv``, ``.parquet``), reading one into a DataFrame, and the
one-line problems of a missing, unreadable or empty file.

Not here: what becomes of the frame (``frames``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tunecycle.cycle.data.sklearn_sets import _BUNDLED, _GENERATED
from tunecycle.cycle.errors import DataError

#: the suffixes of the data files :func:`load_data` reads
FILE_SUFFIXES = (".csv", ".parquet", ".pq")


def file_suffix_problem(path: Path) -> str | None:
    """What stops :func:`load_data` reading ``path`` by its suffix, or None."""
    suffix = path.suffix.lower()
    if suffix in FILE_SUFFIXES:
        return None
    return (f"cannot read {suffix or 'files without a suffix'!s} ({str(path)!r}); "
            f"use {', '.join(FILE_SUFFIXES)}")


def _read_file(path: Path) -> pd.DataFrame:
    if not path.exists():
        hint = f" (for the scikit-learn set write 'sklearn:{path}')" if _is_set_name(path) else ""
        raise DataError(f"source: file not found: {str(path)!r}{hint}")
    if not path.is_file():
        raise DataError(f"source: {str(path)!r} is not a file")
    suffix = path.suffix.lower()
    problem = file_suffix_problem(path)
    if problem is not None:
        raise DataError(problem, field="source")
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"source: file {str(path)!r} is empty") from None
    except ImportError as exc:
        raise DataError(f"source: reading {suffix} files needs pyarrow ({exc})") from None
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"source: cannot read {str(path)!r}: {exc}") from None


def _is_set_name(path: Path) -> bool:
    return str(path) in _BUNDLED or str(path) in _GENERATED
