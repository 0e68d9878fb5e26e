"""How the report writes numbers and names for people: money, counts, units and short option labels."""

from __future__ import annotations

import re
from typing import Any

from ..conventions import format_usd, units_text
from ..results import CompareResult

__all__ = ["fmt_number", "fmt_usd", "option_labels", "option_names", "pretty", "short_label", "units_text"]


def fmt_usd(x: Any) -> str:
    """Dollars for people: whole dollars from $100, cents below; '-' for missing (see ``conventions.format_usd``)."""
    return format_usd(x)


def fmt_number(x: Any, digits: int = 1) -> str:
    """A number for a table cell: thousands separated, three significant digits below 10, '-' for missing."""
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if x == int(x) and abs(x) < 1e15:
            return f"{int(x):,}"
        if abs(x) < 10:
            return f"{x:,.3g}"
        return f"{x:,.{digits}f}"
    return str(x)


def short_label(label: str, limit: int = 44) -> str:
    """A label short enough for a chart legend: '(e.g. ...)' asides dropped, then cut."""
    s = re.sub(r"\s*\(e\.g\.[^)]*\)", "", label).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "\u2026"


def pretty(name: str) -> str:
    """A snake_case name (a cost category, a criterion) as words."""
    return name.replace("_", " ")


def option_labels(result: CompareResult) -> dict[str, str]:
    """Each option's label by id (the id where the label is empty)."""
    return {o.id: o.label or o.id for o in result.options}


def option_names(result: CompareResult) -> dict[str, str]:
    """A short, unique axis name per option id: the label, with the id added where labels repeat."""
    opts = [(o.id, short_label(o.label or o.id)) for o in result.options]
    counts: dict[str, int] = {}
    for _, name in opts:
        counts[name] = counts.get(name, 0) + 1
    return {oid: (f"{name} [{oid}]" if counts[name] > 1 else name) for oid, name in opts}
