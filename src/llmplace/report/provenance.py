"""Where the report's figures come from: every assumption, the catalog rows used, and which are stale.

Dates are read from the ``as_of`` texts the result carries; nothing is computed here beyond date
arithmetic for the staleness warning.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import TYPE_CHECKING

from ..catalog.ageing import value_ages
from ..conventions import STALE_AFTER_DAYS
from ..results import CompareResult
from .summary_model import CatalogRowUse, StaleItem

if TYPE_CHECKING:  # the full report's models: imported where a report is made, not for the summary
    from .model import AssumptionRow, Staleness

__all__ = ["STALE_AFTER_DAYS", "ages", "assumption_rows", "catalog_rows", "dated_items", "parse_as_of", "staleness"]

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_NAMED = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[\s-]+((?:19|20)\d{2})\b", re.IGNORECASE
)
_ISO = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?(?![\d.])")


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_as_of(text: str | None) -> dt.date | None:
    """The date an ``as_of`` value stands for, or None when it names none.

    Accepts '2025-11-30', '2024-03', '2026', 'Aug-2024' and such dates inside longer text
    ('catalog snapshot read 2026-11-27'); version strings ('genai-prices 0.2.3'), 'scenario' and
    'undated' give None. A month or a year stands for its last day, so a row is called stale
    only when even the latest date it could mean is old.
    """
    if not text or not text.strip():
        return None
    m = _NAMED.search(text)
    if m:
        return _month_end(int(m.group(2)), _MONTHS[m.group(1).lower()[:3]])
    m2 = _ISO.search(text)
    if not m2:
        return None
    y = int(m2.group(1))
    if m2.group(2) is None:
        return dt.date(y, 12, 31)
    if m2.group(3) is None:
        return _month_end(y, int(m2.group(2)))
    try:
        return dt.date(y, int(m2.group(2)), int(m2.group(3)))
    except ValueError:
        return None


def assumption_rows(result: CompareResult) -> list[AssumptionRow]:
    """Every assumption the result rests on: site and finance values, then each option's own."""
    from .model import AssumptionRow

    rows = [AssumptionRow(scope="site and finance", name=a.name, value=a.value, unit="", source=a.source,
                          as_of=a.as_of) for a in result.assumptions]
    for o in result.options:
        rows += [AssumptionRow(scope=o.id, name=a.name, value=a.value, unit=a.unit, source=a.source, as_of=a.as_of)
                 for a in o.assumptions]
    return rows


def catalog_rows(result: CompareResult) -> list[CatalogRowUse]:
    """The catalog rows the options used, once each, with the options that used them."""
    seen: dict[tuple[str, str], CatalogRowUse] = {}
    for o in result.options:
        for r in o.catalog_rows:
            row = seen.setdefault((r.catalog, r.id), CatalogRowUse(catalog=r.catalog, id=r.id, as_of=r.as_of,
                                                                    source=r.source, used_by=[]))
            if o.id not in row.used_by:
                row.used_by.append(o.id)
    return list(seen.values())


def dated_items(result: CompareResult) -> list[StaleItem]:
    """Everything with a date to check: catalog rows, site defaults, criteria data and options' own catalog values."""
    items = [StaleItem(item=f"{r.catalog}: {r.id}", as_of=r.as_of, used_by=r.used_by)
             for r in catalog_rows(result) if r.catalog != "scenario"]
    items += [StaleItem(item=f"default: {a.name}", as_of=a.as_of, used_by=["all"]) for a in result.assumptions]
    items += [StaleItem(item=f"{r.table}: {r.key}", as_of=r.as_of, used_by=["criteria"])
              for r in result.criteria_sources]
    fx = result.convention.exchange_rate
    if fx is not None:  # the rate every converted amount went through (fx.csv): rates age like prices
        items.append(StaleItem(item=f"fx: {fx.currency} per USD", as_of=fx.as_of, used_by=["all"]))
    seen = {(a.as_of, a.source) for a in result.assumptions}
    for o in result.options:
        row_dates = {r.as_of for r in o.catalog_rows}
        for a in o.assumptions:
            key = (a.as_of, a.source)
            if a.as_of in (None, "scenario") or a.as_of in row_dates or key in seen:
                continue  # the user's own value, or dated by a catalog row listed already
            seen.add(key)
            items.append(StaleItem(item=f"{o.id}: {a.name}", as_of=a.as_of, used_by=[o.id]))
    return items


def ages(item: StaleItem) -> bool:
    """Whether ``item`` can go out of date, by its table's rule in ``catalog/data/ageing.csv``.

    Items are labelled ``table: key`` (``default: pue`` for a site default, ``option-id: name`` for
    an option's own value); a datasheet or model configuration does not age, a price does.
    """
    table, _, key = item.item.partition(": ")
    if table not in {"default", "gpus", "models", "servers", "clouds", "apis", "fx"} and not table.endswith(".csv"):
        table = "option"
    return value_ages(table, key)


def staleness(result: CompareResult, today: dt.date, max_age_days: int = STALE_AFTER_DAYS) -> Staleness:
    """Prices and offers older than ``max_age_days`` on ``today``, and those that carry no date.

    Only values that age are checked (see :func:`ages`): a GPU datasheet, a model configuration, a
    measured failure rate or a staffing model is a fact, not a price, and is not called stale.
    Checked: the catalog rows every option used, the site and finance defaults, the data rows behind
    the criteria scores, and option assumptions not already covered by one of those rows. Values
    given in the scenario file and sizing estimates are the user's own and are not checked.
    """
    from .model import Staleness

    stale: list[StaleItem] = []
    undated: list[StaleItem] = []
    for it in dated_items(result):
        if not ages(it):
            continue
        d = parse_as_of(it.as_of)
        if d is None:
            undated.append(it)
        elif (today - d).days > max_age_days:
            stale.append(it.model_copy(update={"date": d.isoformat(), "age_days": (today - d).days}))
    stale.sort(key=lambda r: -(r.age_days or 0))
    return Staleness(today=today.isoformat(), max_age_days=max_age_days, stale=stale, undated=undated)
