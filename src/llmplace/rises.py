"""The rises of a load's rate within each month, and the rises above a cap (built when first read).

Split from :mod:`llmplace.demand`, which re-exports :class:`Rises`: a fleet that follows the load starts a unit at
each rise, so its starts (and warm-ups) come from these (see :meth:`Rises.starts`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Rises", "floor_zero"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Rises:
    """The rises of a load's rate [tokens/s] in each month: before (``lo``) and after (``hi``) each distinct rise,
    (..., months, T), and how many times a month each happens (``per_month``, (T,))."""

    lo: Array
    hi: Array
    per_month: Array

    def starts(self, fleet: Callable[[Array], Array], base: Any = 0) -> Array:
        """Units started each month by a fleet of ``fleet(rate)`` units that follows the load, counting only
        units above ``base`` (those below it run anyway), (..., months)."""
        if not self.per_month.size:
            return np.zeros(np.shape(self.lo)[:-1])
        if np.ndim(base) == 0 and float(base) == 0.0:  # fleets are never negative: no base to take off
            up = fleet(self.hi)
            up -= fleet(self.lo)
        else:
            b = np.asarray(base, dtype=float)[..., None]
            up = np.maximum(fleet(self.hi) - b, 0.0) - np.maximum(fleet(self.lo) - b, 0.0)
        return np.asarray(up @ self.per_month, dtype=float)

    def from_idle(self) -> Array:
        """Times each month the load rises from none (an idle period ends), (..., months)."""
        if not self.per_month.size:
            return np.zeros(np.shape(self.lo)[:-1])
        return np.asarray(np.sum(np.where((self.lo <= 0) & (self.hi > 0), self.per_month, 0.0), axis=-1))

    def above(self, cap: Array) -> Rises:
        """The rises of the load above ``cap`` (..., months), computed when first read (:class:`_RisesAbove`)."""
        return _RisesAbove(self, np.asarray(cap, dtype=float)[..., None])

    def below(self, cap: Array) -> Rises:
        c = np.asarray(cap, dtype=float)[..., None]
        return Rises(np.minimum(self.lo, c), np.minimum(self.hi, c), self.per_month)

    def in_months(self, keep: Array) -> Rises:
        k = np.asarray(keep, dtype=float)[..., None]
        return Rises(self.lo * k, self.hi * k, self.per_month)


class _RisesAbove(Rises):
    """:meth:`Rises.above` a cap, built when first read: the load above a fleet often goes to a user that counts
    no starts (an API overflow or bridge), which never reads it."""

    def __init__(self, source: Rises, cap: Array) -> None:
        object.__setattr__(self, "per_month", source.per_month)
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_cap", cap)

    @cached_property
    def _rises(self) -> tuple[Array, Array]:
        source: Rises = self.__dict__["_source"]
        c = self.__dict__["_cap"]
        return floor_zero(np.subtract(source.lo, c)), floor_zero(np.subtract(source.hi, c))

    @property  # type: ignore[override]
    def lo(self) -> Array:
        return self._rises[0]

    @property  # type: ignore[override]
    def hi(self) -> Array:
        return self._rises[1]


def floor_zero(a: Array) -> Array:
    """``max(a, 0)`` in place (``a`` a fresh array): ``x - min(x, c)`` is ``max(x - c, 0)`` without a temporary."""
    np.maximum(a, 0.0, out=a)
    return a
