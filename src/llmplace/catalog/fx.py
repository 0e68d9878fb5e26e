"""Reference exchange rates: the currencies a scenario may count in, and the dated rate of each.

``fx.csv`` holds the European Central Bank's euro reference rates of one day, as published: units of
each currency per 1 EUR (the euro row is 1). Every bundled price is in USD, so a scenario counted in
another currency converts a USD catalog price at ``units_per_eur(currency) / units_per_eur(USD)``
units per USD; any other pair goes through the euro the same way. Rates are fixed at their date: the
Monte Carlo does not vary them (a simplification every output that converts says).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

from ..errors import InputError
from .specs import FxRate

__all__ = ["CATALOG_CURRENCY", "FxRate", "conversion_note", "convert", "currency_row", "in_currency", "money_amount",
           "money_prefix", "supported_currencies", "units_per_usd"]

T = TypeVar("T", bound=BaseModel)

#: the currency of every bundled price
CATALOG_CURRENCY = "USD"
#: a money input written with its currency: '12000 EUR', '1,250.5 GBP' (the code after the amount)
_AMOUNT = re.compile(r"^\s*([-+]?\d[\d,_]*(?:\.\d*)?|[-+]?\.\d+)\s*([A-Za-z]{3})\s*$")


@cache
def _rates() -> dict[str, FxRate]:
    from . import _typed  # the same reader and validation as every bundled table

    return {r.currency: r for r in _typed("fx.csv", FxRate)}


def supported_currencies() -> list[str]:
    """The currency codes a scenario may use, in the order of ``fx.csv``."""
    return list(_rates())


def currency_row(code: Any, field: str = "finance.currency") -> FxRate:
    """The dated rate row of ``code`` (any case); an unknown code is one line naming ``field`` and the list."""
    key = str(code).strip().upper() if isinstance(code, str) else None
    row = _rates().get(key or "")
    if row is None:
        raise InputError(field, code, "a currency of the bundled exchange rates: " + ", ".join(supported_currencies()))
    return row


def units_per_usd(code: str, field: str = "finance.currency") -> float:
    """Units of ``code`` per 1 USD at the bundled reference rate (1.0 exactly for USD)."""
    if code.upper() == CATALOG_CURRENCY:
        return 1.0
    return currency_row(code, field).units_per_eur / currency_row(CATALOG_CURRENCY).units_per_eur


def convert(amount: float, from_code: str, to_code: str, field: str = "finance.currency") -> float:
    """``amount`` in ``from_code`` expressed in ``to_code`` at the bundled reference rates (through the euro)."""
    if from_code.upper() == to_code.upper():
        return amount
    rate_from, rate_to = currency_row(from_code, field).units_per_eur, currency_row(to_code, field).units_per_eur
    return amount * rate_to / rate_from


def in_currency(row: T, currency: str) -> T:
    """A USD catalog row with every money field (a name holding ``usd``) in ``currency`` at the reference rate,
    its source saying so. Where a catalog price enters the scenario's currency; USD returns the row itself."""
    rate = units_per_usd(currency)
    if rate == 1.0:
        return row
    update: dict[str, Any] = {k: v * rate for k, v in row.model_dump().items()
                              if "usd" in k and isinstance(v, (int, float)) and not isinstance(v, bool)}
    source = getattr(row, "source", None)
    if isinstance(source, str):  # the row's other values (power, GPUs) are as published
        update["source"] = f"{source} (its prices {conversion_note(currency)})"
    return row.model_copy(update=update)


def conversion_note(currency: str) -> str:
    """'converted from USD at 0.890869 EUR per USD, reference rate of 2026-10-02'."""
    row = currency_row(currency)
    return f"converted from USD at {units_per_usd(currency):.6g} {row.currency} per USD, reference rate of {row.as_of}"


def money_amount(value: Any) -> tuple[float, str] | None:
    """``(amount, CODE)`` of a money input written as '12000 EUR'; None for anything else (a plain number)."""
    if not isinstance(value, str):
        return None
    hit = _AMOUNT.match(value)
    if hit is None:
        return None
    return float(hit.group(1).replace(",", "").replace("_", "")), hit.group(2).upper()


def money_prefix(code: str) -> str:
    """What is written before an amount of ``code``: its symbol ('€'), else the code and a space ('CHF ')."""
    row = _rates().get(code.upper())
    if row is not None and row.symbol:
        return row.symbol
    return f"{code.upper()} "
