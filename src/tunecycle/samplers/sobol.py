"""Scrambled Sobol' points in plain numpy, point for point those of ``scipy.stats.qmc.Sobol``
for the same seed, without importing ``scipy.stats`` (about two seconds of import on the first
trial of a study, most of the time a first trial took).

The construction is the standard one: direction numbers from Joe and Kuo's table (the copy
that scipy ships, read as a data file), a linear matrix scramble (a random lower-triangular
binary matrix per dim) and a random digital shift, both drawn from
``numpy.random.default_rng(seed)`` in the order scipy draws them, and point ``k`` is the shift
XOR the direction numbers picked by the bits of ``k``'s Gray code (the same as stepping
through the sequence one point at a time, but any index can be taken directly).  30 bits, as
scipy's default.

:func:`sobol_engine` returns None when the table cannot be read (scipy missing or laid out
differently); the caller then falls back to ``scipy.stats.qmc``.
"""

from __future__ import annotations

import importlib.util
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

BITS = 30
_TABLE = ("stats", "_sobol_direction_numbers.npz")


@lru_cache(maxsize=8)
def _table(d: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Joe and Kuo's primitive polynomials and initial direction numbers of the first ``d``
    dims, or None (no table, or fewer dims in it).  Only the start of each compressed array is
    read (``_read_head``): the whole table, 21,201 dims, took most of a first trial's time."""
    try:
        spec = importlib.util.find_spec("scipy")  # finds the package without importing it
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))).joinpath(*_TABLE)
        with zipfile.ZipFile(path) as archive:
            poly = _read_head(archive, "poly.npy", d, None)
            if poly is None:
                return None
            # dim i uses the first (degree of its polynomial) initial direction numbers
            degree = max((int(p).bit_length() - 1 for p in poly), default=0)
            vinit = _read_head(archive, "vinit.npy", d, degree)
        if vinit is None:
            return None
        return poly.astype(np.int64), vinit.astype(np.int64)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _read_head(archive: zipfile.ZipFile, member: str, rows: int, cols: int | None
               ) -> np.ndarray | None:
    """The first ``rows`` rows (and, for a 2-d array, its first ``cols`` columns; the others
    left 0) of an ``.npy`` member of ``archive``, decompressing no more of it than they need;
    None when the array has fewer rows."""
    with archive.open(member) as f:
        version = np.lib.format.read_magic(f)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = read_header(f)
        if dtype.hasobject or len(shape) != (1 if cols is None else 2) or shape[0] < rows:
            raise ValueError(f"{member}: unexpected layout")
        size = dtype.itemsize
        if cols is None:
            return np.frombuffer(_read_exactly(f, rows * size), dtype=dtype).copy()
        n, width = shape
        cols = min(cols, width)
        out = np.zeros((rows, width), dtype=dtype)
        if fortran:  # column after column: the first ``rows`` of each of the first ``cols``
            for j in range(cols):
                column = np.frombuffer(_read_exactly(f, n * size), dtype=dtype)
                out[:, j] = column[:rows]
        else:
            out[:] = np.frombuffer(_read_exactly(f, rows * width * size),
                                   dtype=dtype).reshape(rows, width)
        return out


def _read_exactly(f: Any, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise ValueError("truncated array")
    return data


@lru_cache(maxsize=8)
def direction_numbers(d: int) -> np.ndarray | None:
    """The unscrambled direction numbers, (d, BITS) integers; None without the table or
    beyond its dims."""
    table = _table(d)
    if table is None:
        return None
    poly, vinit = table
    v = np.zeros((d, BITS), dtype=np.int64)
    if d:
        v[0, :] = 1
    for i in range(1, d):
        p = int(poly[i])
        m = p.bit_length() - 1
        v[i, :m] = vinit[i, :m]
        for j in range(m, BITS):  # the recurrence of the primitive polynomial
            new = int(v[i, j - m])
            pow2 = 1
            for k in range(m):
                pow2 <<= 1
                if (p >> (m - 1 - k)) & 1:
                    new ^= pow2 * int(v[i, j - k - 1])
            v[i, j] = new
    return v << np.arange(BITS - 1, -1, -1, dtype=np.int64)  # column j times 2^(BITS-1-j)


class ScrambledSobol:
    """A scrambled Sobol' sequence of ``d`` dims for one seed; ``points(indices)`` gives any
    points of it."""

    def __init__(self, d: int, seed: int | None, v: np.ndarray, scramble: bool = True) -> None:
        if not scramble:  # scipy's scramble=False: no shift, the plain direction numbers
            self.shift, self.v = np.zeros(d, dtype=np.int64), v
            return
        rng = np.random.default_rng(seed)
        bit = 2 ** np.arange(BITS, dtype=np.int64)
        self.shift = rng.integers(2, size=(d, BITS), dtype=np.uint32).astype(np.int64) @ bit
        ltm = np.tril(rng.integers(2, size=(d, BITS, BITS), dtype=np.uint32)).astype(np.int64)
        ltm[:, np.arange(BITS), np.arange(BITS)] = 1
        self.v = _scramble(v, ltm)

    def points(self, indices: np.ndarray) -> np.ndarray:
        """Points ``indices`` (n,) of the sequence, (n, d) in [0, 1)."""
        k = np.asarray(indices, dtype=np.int64)
        gray = k ^ (k >> 1)
        quasi = np.broadcast_to(self.shift, (len(k), len(self.shift))).copy()
        for b in range(BITS):
            on = ((gray >> b) & 1).astype(bool)
            if on.any():
                quasi[on] ^= self.v[:, b]
        return quasi * (1.0 / 2**BITS)


def _scramble(v: np.ndarray, ltm: np.ndarray) -> np.ndarray:
    """Left-multiply each dim's direction numbers, as bit vectors over GF(2), by its
    lower-triangular matrix: bit ``BITS-1-p`` of the result is the parity of row ``p`` of
    ``ltm`` (most significant bit first) against the number's bits."""
    shifts = np.arange(BITS - 1, -1, -1, dtype=np.int64)
    vbits = (v[:, :, None] >> shifts) & 1  # (d, BITS numbers, BITS bits, most significant first)
    parity = np.einsum("dpi,dji->dpj", ltm, vbits) & 1  # (d, p, j)
    return np.einsum("dpj,p->dj", parity, np.int64(1) << shifts)


def sobol_engine(d: int, seed: int | None, scramble: bool = True) -> ScrambledSobol | None:
    """The sequence of ``d`` dims for ``seed``; None where the direction-number table cannot
    be read."""
    v = direction_numbers(d)
    return None if v is None else ScrambledSobol(d, seed, v, scramble)
