"""Quantities computed once per distinct exact input and reused: the memo a load (and a run's site values) carries
for the options it serves.

Options that differ only in price (the same instance type or server at several prices, regions or providers) serve
the same load with the same capacity per unit, so their fleet sizes, starts, staff and the load a fleet leaves to
its bridge are the same arrays. A :class:`Memo` holds such results for one :class:`~llmplace.demand.Load` of one
engine run (fleet plans, the load above a fleet) or one :class:`~llmplace.site.SiteValues` (price and wage trends,
staff); it lives and dies with its owner, so nothing is kept between runs, scenarios or web requests. Each result is
keyed on the exact bytes of every input it reads (:func:`exact_key`): a hit returns the very result the same
function computed from the same input values, so sharing never changes a number. Results are stored read-only, so
that an option writing into a shared array fails loudly instead of changing another option's costs, and they never
refer back to their owner (a reference cycle would keep a run's arrays until the cyclic collector ran). A memo
keeps its :data:`MEMO_ENTRIES` most recently used results (a load's derived loads hold months x bins arrays).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

import numpy as np

__all__ = ["MEMO_ENTRIES", "Memo", "exact_key"]

T = TypeVar("T")
#: results a memo keeps (least recently used dropped first): enough for the few distinct capacities of one run's
#: options; a result dropped is recomputed on its next use, so the bound costs time, never exactness
MEMO_ENTRIES = 8
_MISSING = object()


def exact_key(*values: Any) -> tuple[Hashable, ...]:
    """A key equal for two inputs only when they are the same values of the same type and shape, bit for bit:
    arrays and numbers by dtype, shape and bytes (so 1 and 1.0, or 0.0 and -0.0, differ), strings and None as
    they are."""
    out: list[Hashable] = []
    for v in values:
        if v is None or isinstance(v, str):
            out.append(v)
            continue
        a = np.asarray(v)
        if a.dtype == object:
            raise TypeError(f"no exact key for {type(v).__name__}")
        out.append((a.dtype.str, a.shape, a.tobytes()))
    return tuple(out)


def _freeze(value: Any) -> None:
    """Mark the arrays of a stored result (and of a tuple, dict or dataclass holding them) read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple):
        for v in value:
            _freeze(v)
    elif isinstance(value, dict):
        for v in value.values():
            _freeze(v)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):  # its own arrays (and dicts of arrays), not the objects it refers to
            v = getattr(value, f.name)
            if isinstance(v, (np.ndarray, dict)):
                _freeze(v)


class Memo:
    """Results by (name, exact inputs), the :data:`MEMO_ENTRIES` most recently used; ``hits`` and ``misses`` count
    the look-ups (a test reads them to see that sharing took place)."""

    def __init__(self, limit: int = MEMO_ENTRIES) -> None:
        self.limit = limit
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()

    def get(self, name: str, inputs: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """The result of ``compute()`` for ``inputs`` (every value ``compute`` reads besides the memo's load),
        computed on the first look-up and returned as stored on the next ones."""
        key = (name, *exact_key(*inputs))
        found = self._entries.get(key, _MISSING)
        if found is not _MISSING:
            self.hits += 1
            with suppress(KeyError):  # dropped meanwhile by another thread sharing the memo: still the right value
                self._entries.move_to_end(key)
            return found  # type: ignore[no-any-return]
        self.misses += 1
        value = compute()
        _freeze(value)
        self._entries[key] = value
        while len(self._entries) > self.limit:
            with suppress(KeyError):
                self._entries.popitem(last=False)
        return value
