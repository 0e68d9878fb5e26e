"""The one home of the small rules every stage shares.

Whole units, the tie rule for "cheapest", the service threshold, Monte Carlo sample bounds and
defaults, the staleness age of catalog values, and how money, counts and units are written for
people. A rule lives here once; no module keeps its own copy. Business defaults (prices, wages,
discounts, failure rates) are not rules: they are dated, sourced catalog rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DEFAULT_SAMPLES", "FULL_SERVICE_SHARE", "MAX_ERROR_VALUE_CHARS",
    "MAX_FLEET_UNITS", "MAX_INPUT_MAGNITUDE", "MAX_NAME_CHARS", "MAX_NESTING_DEPTH", "MAX_OPTIONS",
    "MAX_SAMPLES", "MAX_SAMPLE_CELLS", "MAX_TEXT_CHARS", "MAX_YAML_NODES", "MIN_SAMPLES",
    "SAMPLED_BREAK_EVEN_LEADERS",
    "SCENARIO_SOURCE",
    "STALE_AFTER_DAYS", "TIE_REL_TOL", "WHOLE_UNIT_TOL", "argmin_tied", "cheapest_with_ties", "format_usd",
    "money_code", "money_in", "money_prefix", "order_with_ties", "plural", "tied_shares", "units_text", "whole_units",
    "whole_units_float", "whole_units_int",
]

#: Monte Carlo break-even ranges are sampled for the pairs that include one of this many cheapest options (by the
#: point run's TCO), so their number grows linearly with the options; ``all_break_evens`` asks for every pair
SAMPLED_BREAK_EVEN_LEADERS = 3
#: the source named for a value the scenario file gives
SCENARIO_SOURCE = "scenario file"
#: share of the demanded tokens an option must serve to count as serving the workload
FULL_SERVICE_SHARE = 0.999
#: two totals within this relative distance are a tie; a tie goes to the earlier (simpler) option
TIE_REL_TOL = 1e-9
#: a quantity this close above a whole number still needs only that whole number of units
WHOLE_UNIT_TOL = 1e-9
#: Monte Carlo sample counts a user may ask for (the scenario, the CLI and the REST API alike)
MIN_SAMPLES = 100
MAX_SAMPLES = 1_000_000
#: the Monte Carlo work one comparison may ask for: samples x options x months (100,000 samples of 8
#: options over 36 months; about 7 s and 2 GB at most on a laptop)
MAX_SAMPLE_CELLS = 30_000_000
#: the most options one scenario may compare
MAX_OPTIONS = 50
#: the longest name, id or label, and the longest other text, a scenario may hold [characters]
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 20_000
#: Monte Carlo draws when neither the request nor the scenario names a count: the one default of
#: `compare`, `report`, the web app and the REST API (and of a scenario listing uncertain inputs).
#: 10,000 and not 2,000: in the internal-assistant-70b example the server's TCO jumps by a whole second
#: server in a minority of draws, and with 2,000 draws its P10-P90 spread read 11 % (seed 0) or 37 %
#: (seed 1), which flipped the recommendation; with 10,000 it reads 40 % and 39 % (seeds 0 and 1),
#: 39 % with 20,000 (see benchmarks/samples_stability.py)
DEFAULT_SAMPLES = 10_000
#: the largest magnitude any number in a scenario may have (a trillion requests a month is 1e12)
MAX_INPUT_MAGNITUDE = 1e15
#: the most servers or instances one option may need (800,000 GPUs in 8-GPU servers; larger is an input error)
MAX_FLEET_UNITS = 100_000
#: how deep a scenario document may nest mappings and lists (the schema itself needs fewer than 10 levels)
MAX_NESTING_DEPTH = 32
#: how many values a YAML document may expand to once its aliases are followed (a bundled example has ~200)
MAX_YAML_NODES = 100_000
#: how much of a rejected value an error message repeats
MAX_ERROR_VALUE_CHARS = 120
#: a catalog value dated longer ago than this is listed in the report's staleness warning [days]
STALE_AFTER_DAYS = 180
#: a strategy over time replaces the recommended single option only when it costs at least this share less (cash
#: view over the horizon): a switch is a project (vendor change, cut-over, a new team) whose execution risk the cost
#: model does not price, so a saving inside ordinary estimate error (a few percent) does not justify it
STRATEGY_MIN_SAVING_SHARE = 0.05
#: with a Monte Carlo run, a strategy is recommended only when switching pays off in at least this share of the
#: samples (more often than not)
STRATEGY_MIN_PAYS_OFF_SHARE = 0.5


def whole_units(quantity: Any, step: int = 1) -> NDArray[np.int64]:
    """Whole units (GPUs, servers, instances, replicas) that cover ``quantity`` (>= 0), in steps of ``step``.

    ``ceil(quantity - WHOLE_UNIT_TOL)``, so 3.0000000001 units (a rounding artefact) is 3, not 4;
    negative quantities give 0. Accepts scalars and arrays.
    """
    units = np.ceil(np.asarray(quantity, dtype=float) - WHOLE_UNIT_TOL)
    if step > 1:
        units = np.ceil(units / step - WHOLE_UNIT_TOL) * step
    return np.maximum(units, 0).astype(np.int64)


def whole_units_float(quantity: Any, step: int = 1, in_place: bool = False) -> NDArray[np.float64]:
    """:func:`whole_units` as floats, computed in place: the same rule for large arrays that stay floats.
    ``in_place``: ``quantity`` is a fresh float array of the caller's, overwritten with the result (one large
    temporary fewer)."""
    units = np.asarray(quantity, dtype=float)
    if in_place and units is quantity:
        np.subtract(units, WHOLE_UNIT_TOL, out=units)
    else:
        units = units - WHOLE_UNIT_TOL
    np.ceil(units, out=units)
    if step > 1:
        units = np.ceil(units / step - WHOLE_UNIT_TOL) * step
    np.maximum(units, 0.0, out=units)
    return units


def whole_units_int(quantity: float) -> int:
    """:func:`whole_units` of one number, as a Python int."""
    return max(int(math.ceil(float(quantity) - WHOLE_UNIT_TOL)), 0)


def is_tied(value: float, best: float) -> bool:
    """``value`` is within :data:`TIE_REL_TOL` of ``best`` (relative, with a floor of 1)."""
    return value <= best + TIE_REL_TOL * max(abs(best), 1.0)


def cheapest_with_ties(costs: list[tuple[str, float]]) -> str | None:
    """The id of the lowest cost; near-ties go to the first listed (the simpler, earlier option)."""
    if not costs:
        return None
    low = min(c for _, c in costs)
    return next(i for i, c in costs if is_tied(c, low))


def _tied_mask(stack: NDArray[np.float64], rel_tol: float) -> NDArray[np.bool_]:
    """Rows of ``stack`` within the tie tolerance of each column's smallest value (the rule of :func:`is_tied`)."""
    best = np.min(stack, axis=0)
    return np.asarray(stack <= best + rel_tol * np.maximum(np.abs(best), 1.0))


def argmin_tied(stack: NDArray[np.float64], rel_tol: float = TIE_REL_TOL) -> NDArray[np.int64]:
    """Index of the smallest row per column of ``stack``; near-ties go to the earlier row."""
    return np.argmax(_tied_mask(stack, rel_tol), axis=0)


def tied_shares(stack: NDArray[np.float64], rel_tol: float = TIE_REL_TOL) -> NDArray[np.float64]:
    """Each row's share of the win per column of ``stack``: 1 / k for each of the k rows tied for the lowest.

    A probability of being cheapest is the mean of these shares over the samples (columns); the
    shares of a column add up to 1, so the probabilities over all rows do too.
    """
    ok = _tied_mask(stack, rel_tol)
    return ok / np.sum(ok, axis=0)


def order_with_ties(values: list[float], rel_tol: float = TIE_REL_TOL) -> list[int]:
    """Indices of ``values`` from the lowest up, near-ties (within ``rel_tol`` of the lowest of their run, the rule
    of :func:`is_tied`) in the order given: the order of two equal costs never rests on their last bits."""
    ranked = sorted(range(len(values)), key=lambda k: values[k])
    out: list[int] = []
    while ranked:
        low = values[ranked[0]]
        run = 1
        while run < len(ranked) and is_tied(values[ranked[run]], low):
            run += 1
        out += sorted(ranked[:run])
        ranked = ranked[run:]
    return out


#: the currency money is written in while a result is built or shown: (ISO code, what precedes an amount)
_MONEY: ContextVar[tuple[str, str]] = ContextVar("llmplace_money", default=("USD", "$"))


@contextmanager
def money_in(code: str, prefix: str) -> Iterator[None]:
    """Write money as ``code`` (labels) with ``prefix`` before amounts ('€1,234') inside the block.

    The comparison and every front end enter it with the scenario's currency, so a label never says USD
    for an amount counted in another currency. A context variable: threads and tasks each keep their own.
    """
    token = _MONEY.set((code, prefix))
    try:
        yield
    finally:
        _MONEY.reset(token)


def money_code() -> str:
    """The ISO code money is written in now ('USD' unless inside :func:`money_in`)."""
    return _MONEY.get()[0]


def money_prefix() -> str:
    """What precedes an amount now: '$', '€', or a code and a space ('CHF ')."""
    return _MONEY.get()[1]


def format_usd(x: Any, cents_below: float = 100.0) -> str:
    """Money for people, in the current currency (:func:`money_in`; USD by default): whole units from
    ``cents_below`` up, cents below it; '-' when missing.

    ``format_usd(1234.5)`` is '$1,234' (rounded half to even, as Python formats), ``format_usd(12.5)``
    '$12.50', ``format_usd(-3)`` '-$3.00'; ``cents_below=0`` always gives whole units. In EUR: '€1,234'.
    """
    if x is None or isinstance(x, bool) or not isinstance(x, (int, float, np.floating, np.integer)):
        return "-"
    sign = "-" if x < 0 else ""
    a = abs(float(x))
    prefix = money_prefix()
    return f"{sign}{prefix}{a:,.0f}" if a >= cents_below else f"{sign}{prefix}{a:,.2f}"


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """The noun for a count: 'server' for 1, 'servers' otherwise (``plural_form`` for irregular nouns)."""
    if n == 1:
        return singular
    return plural_form if plural_form is not None else singular + "s"


def units_text(n: Any, kind: Any) -> str:
    """'1 server', '3 instances' from a count and a plural unit name; '-' when there is no count."""
    if n is None or not kind:
        return "-"
    k = str(kind)
    return f"{n} {k[:-1] if n == 1 and k.endswith('s') else k}"
