"""Small numpy/pyarrow helpers of the generator: day numbers and dates, id columns, nullable
arrays, cents, weighted draws and working days."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kansrijk.demo.reference import EPOCH


def _d(x: date) -> int:
    return (x - EPOCH).days


def _date(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    s = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    if not prefix:
        return s
    return pc.binary_join_element_wise(pa.scalar(prefix), s, "")


def _take(strings, idx: np.ndarray) -> pa.Array:
    arr = strings if isinstance(strings, pa.Array) else pa.array(strings, type=pa.string())
    return arr.take(pa.array(np.asarray(idx, dtype=np.int64)))


def _nullable(values, mask: np.ndarray | None, type_=None) -> pa.Array:
    return pa.array(values, type=type_, mask=mask if mask is not None and mask.any() else None)


def _cents(x: np.ndarray) -> np.ndarray:
    """EUR floats -> int64 cents (half away from zero)."""
    return (np.sign(x) * np.floor(np.abs(x) * 100 + 0.5)).astype(np.int64)


def _choice_rows(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a cumulative-probability matrix."""
    u = rng.random(cum.shape[0])
    return np.minimum((u[:, None] > cum).sum(axis=1), cum.shape[1] - 1)


def _cum(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    c = np.cumsum(p / p.sum(axis=-1, keepdims=True), axis=-1)
    c[..., -1] = 1.0
    return c


def _uniform_days(rng, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return lo + np.floor(rng.random(lo.shape[0]) * (hi - lo + 1)).astype(np.int64)


def _weekday(days: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Move Saturdays/Sundays to the Friday before, staying inside [lo, hi]."""
    dow = (days + 3) % 7  # 0 = Monday
    shifted = days - np.where(dow == 5, 1, np.where(dow == 6, 2, 0))
    return np.where(shifted >= lo, shifted, np.minimum(days + np.where(dow == 5, 2, 1), hi))


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])
