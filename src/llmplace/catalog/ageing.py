"""Which catalog values age: prices and offers do, datasheets and model configurations do not.

``ageing.csv`` holds one rule per table (key ``*``) and per key where a table mixes both kinds
(``site.csv`` holds electricity prices beside failure rates). A value is checked for staleness only
when its rule says it ages; a value no rule names is treated as a price (it ages), so a new price
column is never silently exempt.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from ..errors import LlmplaceError

__all__ = ["ageing_rules", "value_ages"]

_TRUE = {"true": True, "false": False}


@cache
def ageing_rules() -> dict[tuple[str, str], tuple[bool, str]]:
    """``(table, key) -> (ages, reason)`` from ``ageing.csv``; key ``*`` is the table's rule."""
    text = resources.files("llmplace.catalog").joinpath("data", "ageing.csv").read_text(encoding="utf-8")
    rules: dict[tuple[str, str], tuple[bool, str]] = {}
    for lineno, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        flag = _TRUE.get((row.get("ages") or "").strip().lower())
        if flag is None:
            raise LlmplaceError(f"bundled catalog ageing.csv line {lineno}: ages must be true or false")
        rules[(_table(row["table"]), row["key"].strip())] = (flag, row.get("reason") or "")
    return rules


def _table(name: str) -> str:
    """``availability.csv`` and ``availability`` name the same table; ``default`` is ``site``."""
    name = name.strip().lower().removesuffix(".csv")
    return "site" if name == "default" else name


def value_ages(table: str, key: str) -> bool:
    """True when the value ``key`` of ``table`` can go out of date (a price or an offer)."""
    rules = ageing_rules()
    t = _table(table)
    for k in (key.strip(), key.split(" [")[0].strip(), "*"):
        if (t, k) in rules:
            return rules[(t, k)][0]
    return True
