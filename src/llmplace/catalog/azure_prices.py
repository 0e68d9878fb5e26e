"""Azure GPU VM prices from the Azure Retail Prices API (public, no account), as ``clouds.csv`` rows.

The API (https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices)
answers an OData ``$filter`` with pages of at most 1,000 meters: ``{"Items": [...], "NextPageLink":
url-or-null}``. Each meter names its VM (``armSkuName``), region (``armRegionName``), price
(``retailPrice``, USD unless asked otherwise), unit (``unitOfMeasure``) and kind (``type``:
``Consumption`` or ``Reservation`` with ``reservationTerm``). Linux and Windows share a meter name; the
Windows one says so in ``productName``. Spot and low-priority meters say so in ``meterName``.

Which VM holds which GPU, and how many, comes from the catalog's own Azure rows (the instance
table): only those VM sizes are asked for, and every region the API prices them in becomes a row.
A reservation meter's price is the whole term's charge; it is spread over the term's hours
(:data:`HOURS_PER_YEAR` a year) so that it reads as an hourly rate a commitment charges in full,
used or not.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import LlmplaceError
from .specs import CloudSpec

__all__ = ["AZURE_PRICES_URL", "AzureMeter", "RefreshError", "azure_rows", "azure_url", "fetch_azure_meters"]

AZURE_PRICES_URL = "https://prices.azure.com/api/retail/prices"
#: 365 x 24: the hours one year of an Azure reservation covers (its price is the whole term's)
HOURS_PER_YEAR = 8_760.0
#: pages followed at most (a GPU VM filter returns a few pages; more means the filter or the API changed)
MAX_PAGES = 40
#: a response pricing fewer than this share of the catalog's Azure VM sizes is refused as partial
MIN_PRICED_SKU_SHARE = 0.75


class RefreshError(LlmplaceError):
    """A refresh did not validate (here or in :mod:`llmplace.catalog.refresh`); nothing was written."""


class AzureMeter(BaseModel):
    """One price meter as the API returns it (the fields this refresh reads)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    armSkuName: str  # noqa: N815 - the API's field names
    armRegionName: str  # noqa: N815
    retailPrice: float = Field(ge=0)  # noqa: N815
    unitOfMeasure: str  # noqa: N815
    currencyCode: Literal["USD"]  # noqa: N815
    type: str
    meterName: str = ""  # noqa: N815
    productName: str = ""  # noqa: N815
    reservationTerm: str | None = None  # noqa: N815
    effectiveStartDate: str = ""  # noqa: N815

    @property
    def kind(self) -> str | None:
        """``on_demand``, ``spot``, ``reserved_1y``, ``reserved_3y`` or None (Windows, low priority, dev/test)."""
        if "windows" in self.productName.lower() or "low priority" in self.meterName.lower():
            return None
        if self.type == "Consumption" and self.unitOfMeasure == "1 Hour":
            return "spot" if "spot" in self.meterName.lower() else "on_demand"
        if self.type == "Reservation" and "spot" not in self.meterName.lower():
            return {"1 Year": "reserved_1y", "3 Years": "reserved_3y"}.get(self.reservationTerm or "")
        return None

    def usd_per_hour(self) -> float:
        years = {"reserved_1y": 1, "reserved_3y": 3}.get(self.kind or "")
        # rounded to a millionth of a dollar: the division's float noise would show as a price change in a diff
        return round(self.retailPrice / (years * HOURS_PER_YEAR), 6) if years else self.retailPrice


def azure_url(skus: Iterable[str]) -> str:
    """The first page's URL: Virtual Machines meters of ``skus`` (OData ``or``), prices in USD."""
    names = " or ".join(f"armSkuName eq '{s}'" for s in sorted(set(skus)))
    query = f"serviceName eq 'Virtual Machines' and ({names})"
    return f"{AZURE_PRICES_URL}?currencyCode='USD'&$filter=" + urllib.parse.quote(query, safe="'")


def _page(payload: bytes, url: str) -> tuple[list[AzureMeter], str | None]:
    try:
        doc = json.loads(payload)
    except ValueError as exc:
        raise RefreshError(f"Azure price page {url} is not valid JSON ({exc}); nothing written") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("Items"), list):
        raise RefreshError(f"Azure price page {url} has no Items list; nothing written")
    try:
        meters = [AzureMeter(**item) for item in doc["Items"]]
    except (ValidationError, TypeError) as exc:
        first = str(exc).splitlines()[0]
        raise RefreshError(f"Azure price page {url} does not validate ({first}); nothing written") from None
    nxt = doc.get("NextPageLink")
    if nxt is not None and (not isinstance(nxt, str) or not nxt.startswith(("https://prices.azure.com/",
                                                                             "https://prices.azure.com:443/"))):
        raise RefreshError(f"Azure price page {url} points to an unexpected next page ({nxt!r}); nothing written")
    return meters, nxt or None


def fetch_azure_meters(skus: Iterable[str], fetch: Callable[[str], bytes]) -> list[AzureMeter]:
    """Every meter of ``skus``, following ``NextPageLink`` (at most :data:`MAX_PAGES` pages)."""
    url: str | None = azure_url(skus)
    meters: list[AzureMeter] = []
    for _ in range(MAX_PAGES):
        if url is None:
            return meters
        try:
            payload = fetch(url)
        except OSError as exc:
            raise RefreshError(f"could not fetch {url} ({exc}); nothing written") from None
        page, url = _page(payload, url)
        meters += page
    raise RefreshError(f"Azure price data ran past {MAX_PAGES} pages; nothing written")


def _latest(meters: list[AzureMeter]) -> dict[tuple[str, str, str], AzureMeter]:
    """One meter per (VM, region, kind): the one in force last (latest ``effectiveStartDate``)."""
    out: dict[tuple[str, str, str], AzureMeter] = {}
    for m in sorted(meters, key=lambda m: m.effectiveStartDate):
        if m.kind is not None and m.retailPrice > 0:
            out[(m.armSkuName.lower(), m.armRegionName.lower(), m.kind)] = m
    return out


def _basis(prices: dict[str, float], fetched_on: str) -> str | None:
    parts = [f"azure {term} reserved VM instance (term price / {years * HOURS_PER_YEAR:,.0f} h), "
             f"{(1 - prices[k] / prices['on_demand']) * 100:.1f}% below on-demand"
             for k, term, years in (("reserved_1y", "1y", 1), ("reserved_3y", "3y", 3)) if k in prices]
    return "; ".join(parts) + f" (Azure Retail Prices API, fetched {fetched_on})" if parts else None


def azure_rows(meters: list[AzureMeter], instances: list[CloudSpec],
               fetched_on: str) -> tuple[list[CloudSpec], list[str]]:
    """A :class:`CloudSpec` per (catalog VM size, region) the meters price on demand, and the sizes left out.

    ``instances`` are the catalog's Azure rows: GPU, GPU count, vCPUs and memory come from them, and
    a region keeps the bundled ``default_region`` flag. Refused as partial when fewer than
    :data:`MIN_PRICED_SKU_SHARE` of the sizes are priced.
    """
    by_sku = {r.instance_type.lower(): r for r in sorted(instances, key=lambda r: not r.default_region)}
    defaults = {r.id for r in instances if r.default_region}
    grouped: dict[tuple[str, str], dict[str, float]] = {}
    for (sku, region, kind), m in _latest(meters).items():
        if sku in by_sku:
            grouped.setdefault((sku, region), {})[kind] = m.usd_per_hour()
    rows: list[CloudSpec] = []
    bundled = {r.id: r for r in instances}
    for (sku, region), prices in sorted(grouped.items()):
        if "on_demand" not in prices:
            continue
        tpl = by_sku[sku]
        rid = f"azure/{tpl.instance_type}/{region}".lower()
        kept = [k for k in ("spot", "reserved_1y", "reserved_3y")
                if k not in prices and rid in bundled and getattr(bundled[rid], f"{k}_usd_per_hour") is not None]
        rows.append(CloudSpec(
            id=rid, provider="azure", instance_type=tpl.instance_type, region=region, default_region=rid in defaults,
            gpu=tpl.gpu, gpu_count=tpl.gpu_count, vcpus=tpl.vcpus, memory_gib=tpl.memory_gib,
            on_demand_usd_per_hour=prices["on_demand"], spot_usd_per_hour=prices.get("spot"),
            reserved_1y_usd_per_hour=prices.get("reserved_1y"), reserved_3y_usd_per_hour=prices.get("reserved_3y"),
            reserved_basis=_basis(prices, fetched_on), as_of=fetched_on,
            source=f"Azure Retail Prices API {AZURE_PRICES_URL} (Linux pay-as-you-go, spot and reservation meters, "
                   f"fetched {fetched_on})",
            notes=f"{tpl.gpu_count} x {tpl.gpu} per VM, from the catalog's {tpl.instance_type} row (the API names "
                  "no GPU)" + (f"; not in the API data, kept from the bundled row (as_of {bundled[rid].as_of}): "
                               + ", ".join(kept) if kept else "")))
    priced = {r.instance_type.lower() for r in rows}
    missing = sorted(r.instance_type for r in by_sku.values() if r.instance_type.lower() not in priced)
    if len(priced) < MIN_PRICED_SKU_SHARE * len(by_sku):
        raise RefreshError(f"Azure price data prices {len(priced)} of the catalog's {len(by_sku)} Azure VM sizes "
                                f"(missing {', '.join(missing[:4])}): a partial response; nothing written")
    return rows, [f"azure/{s}" for s in missing]
