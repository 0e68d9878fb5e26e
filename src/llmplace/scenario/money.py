"""Money inputs written with their currency, converted to the scenario's currency before validation.

A money field (its name holds ``usd``: ``purchase_usd``, ``sysadmin_loaded_usd_per_year``, ``usd_per_hour``,
also inside ``overrides`` and distributions) takes a plain number, which means the scenario's currency
(``finance.currency``, USD unless set), or a string with the amount and its ISO code after it:
``"12000 EUR"``. Such a string is converted once, here, at the bundled reference rate
(:mod:`llmplace.catalog.fx`), and the conversion is listed in the result's conventions. The ``usd`` in a
field name is the money unit, written in the scenario's currency.
"""

from __future__ import annotations

from typing import Any

from ..catalog import fx
from ..errors import InputError

__all__ = ["MONEY_DIST_KEYS", "MoneyInputs", "scenario_currency", "with_money_converted"]

#: the numbers of a distribution that are amounts (of the field the distribution stands for)
MONEY_DIST_KEYS = ("low", "mode", "high", "p10", "p90", "values")


class MoneyInputs:
    """The conversions made while reading one scenario document, in words for the provenance."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.notes: list[str] = []

    def value(self, value: Any, where: str) -> Any:
        """``value`` in the scenario's currency: a number as given, '12000 EUR' converted, else unchanged."""
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.value(v, f"{where}.{k}") if k in MONEY_DIST_KEYS else v for k, v in value.items()}
        parsed = fx.money_amount(value)
        if parsed is None:
            if isinstance(value, str) and not _is_number(value):
                raise InputError(where, value, f"a number (in {self.currency}) or an amount with its currency, "
                                 f"e.g. '12000 {self.currency}'; currencies: " + ", ".join(fx.supported_currencies()))
            return value
        amount, code = parsed
        if code not in fx.supported_currencies():
            raise InputError(where, value, "an amount in a currency of the bundled exchange rates: "
                             + ", ".join(fx.supported_currencies()))
        rate_row = fx.currency_row(code, where)
        out = fx.convert(amount, rate_row.currency, self.currency, where)
        if rate_row.currency != self.currency:
            self.notes.append(f"{where}: {amount:,.2f} {rate_row.currency} = {out:,.2f} {self.currency} at the "
                              f"reference rates of {rate_row.as_of}")
        return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def scenario_currency(doc: dict[str, Any]) -> str:
    """The checked ISO code of ``finance.currency`` in a raw document (USD when absent)."""
    finance = doc.get("finance")
    code = finance.get("currency", fx.CATALOG_CURRENCY) if isinstance(finance, dict) else fx.CATALOG_CURRENCY
    return fx.currency_row(code, "finance.currency").currency


def _walk(node: Any, where: str, money: MoneyInputs) -> Any:
    if isinstance(node, list):
        return [_walk(v, f"{where}[{i}]", money) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    is_money_dist = "usd" in str(node.get("path", "")).lower()  # an uncertainty.inputs entry of a money field
    for key, value in node.items():
        path = f"{where}.{key}" if where else str(key)
        if "usd" in str(key).lower() or (is_money_dist and key in MONEY_DIST_KEYS):
            out[key] = money.value(value, path)
        else:
            out[key] = _walk(value, path, money)
    return out


def with_money_converted(doc: dict[str, Any]) -> tuple[dict[str, Any], MoneyInputs]:
    """``doc`` with every money input in the scenario's currency, and the conversions made."""
    money = MoneyInputs(scenario_currency(doc))
    converted = _walk(doc, "", money)
    if isinstance(converted.get("finance"), dict) and "currency" in converted["finance"]:
        converted["finance"] = {**converted["finance"], "currency": money.currency}
    return converted, money
