"""Weekly availability as numpy columns, and the overlapping time of many pairs at once (exact, in microseconds).

Each participant's slots are merged into disjoint intervals (``scoring.week_intervals``). When all interval
boundaries fall on a common grid (e.g. every 30 minutes) and at most ``MAX_CELLS`` grid cells are covered by
anyone, each participant also gets a bit mask over those cells: the overlap of a pair is then popcount(a & b) cells.
Otherwise the overlap is summed over every pair of intervals. Both give the same integer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd

import numpy as np

from services.matching.engine.arrays import I64, U64

MAX_CELLS = 1024  # 16 words per participant
_MAX_EXPANDED = 4_000_000  # cells listed while looking for the covered ones


@dataclass(frozen=True)
class Availability:
    starts: I64  # (n, k) merged intervals in µs since Monday 00:00; padding is [0, 0)
    ends: I64
    total: I64  # total available time per participant (µs)
    cells: U64 | None  # (n, words) covered grid cells, or None when there is no usable grid
    unit: int  # grid cell length (µs)


def encode_availability(groups: Sequence[Sequence[list[tuple[int, int]]]]) -> list[Availability]:
    """One ``Availability`` per group of per-participant interval lists, sharing one grid."""
    flat = [span for group in groups for spans in group for span in spans]
    width = max((len(spans) for group in groups for spans in group), default=0) or 1
    unit = 0
    for start, end in flat:
        unit = gcd(unit, start, end)
    unit = unit or 1
    covered = _covered_cells(flat, unit)
    out = []
    for group in groups:
        starts = np.zeros((len(group), width), dtype=np.int64)
        ends = np.zeros((len(group), width), dtype=np.int64)
        rows = [(row, col, s, e) for row, spans in enumerate(group) for col, (s, e) in enumerate(spans)]
        if rows:
            r, c, s, e = (np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))
            starts[r, c], ends[r, c] = s, e
        cells = None if covered is None else _cell_masks(starts, ends, unit, covered)
        out.append(Availability(starts, ends, (ends - starts).sum(axis=1), cells, unit))
    return out


def overlap(a: Availability, b: Availability, ai: I64, bi: I64) -> I64:
    """Overlapping time (µs) of a[ai[k]] and b[bi[k]] for every k."""
    common = np.zeros(len(ai), dtype=np.int64)
    if a.cells is not None and b.cells is not None:
        for w in range(a.cells.shape[1]):  # word by word: 1-D gathers are much faster than row gathers
            common += np.bitwise_count(np.bitwise_and(a.cells[:, w].take(ai), b.cells[:, w].take(bi)))
        return common * a.unit
    for i in range(a.starts.shape[1]):
        start, end = a.starts[:, i].take(ai), a.ends[:, i].take(ai)
        for j in range(b.starts.shape[1]):
            common += np.maximum(np.minimum(end, b.ends[:, j].take(bi)) - np.maximum(start, b.starts[:, j].take(bi)), 0)
    return common


def _covered_cells(flat: list[tuple[int, int]], unit: int) -> I64 | None:
    if not flat:
        return None
    spans = np.array(flat, dtype=np.int64) // unit
    lengths = spans[:, 1] - spans[:, 0]
    if int(lengths.sum()) > _MAX_EXPANDED:
        return None
    cells = np.repeat(spans[:, 0] - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(int(lengths.sum()))
    ordered = np.sort(cells)
    covered = ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
    return covered if len(covered) <= MAX_CELLS else None


def _cell_masks(starts: I64, ends: I64, unit: int, covered: I64) -> U64:
    words = (len(covered) + 63) // 64
    out = np.zeros((len(starts), words), dtype=np.uint64)
    if not starts.size:
        return out
    lengths = ((ends - starts) // unit).ravel()
    rows = np.repeat(np.arange(starts.size) // starts.shape[1], lengths)
    first = np.repeat((starts // unit).ravel() - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(int(lengths.sum()))
    position = np.searchsorted(covered, first).astype(np.uint64)
    np.bitwise_or.at(
        out, (rows, (position // np.uint64(64)).astype(np.int64)), np.left_shift(np.uint64(1), position % np.uint64(64))
    )
    return out
