"""AWS GPU instance prices from the public AWS Price List bulk files (no account), as ``clouds.csv`` rows.

AWS publishes one EC2 offer file per region, as CSV, at :data:`AWS_OFFER_URL` (documented at
https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-ppslong.html). A region's file is
hundreds of MB: it is read as a stream, line by line, and only the lines naming one of the catalog's
AWS instance types are parsed, so memory stays small; the download itself takes minutes, which is
why this source is opt-in (``--source aws``).

The file starts with a few metadata lines (format version, disclaimer, publication date ...), then a
header row whose first column is ``SKU``, then one row per price term. A row is used when it is for
Linux (operation ``RunInstances``), shared tenancy, no pre-installed software, ``CapacityStatus``
Used, priced in USD per hour:
``TermType`` OnDemand gives the on-demand price; ``Reserved`` with ``OfferingClass`` standard,
``PurchaseOption`` No Upfront and ``LeaseContractLength`` 1yr or 3yr gives the reserved hourly rate
(the same basis as the bundled rows). The price list has no spot prices.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from .azure_prices import MIN_PRICED_SKU_SHARE, RefreshError
from .specs import CloudSpec

__all__ = ["AWS_OFFER_URL", "aws_rows", "read_offer"]

AWS_OFFER_URL = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/{region}/index.csv"
#: the columns a row is read by; a file without them has changed shape
COLUMNS = ("TermType", "PricePerUnit", "Currency", "Unit", "LeaseContractLength", "PurchaseOption", "OfferingClass",
           "Instance Type", "Tenancy", "Operating System", "Pre Installed S/W", "CapacityStatus", "operation",
           "Location Type")
#: the plain offer: Linux without licensed software, shared hardware, billed per hour in USD ('RunInstances'
#: is the Linux operation code; other codes are other operating systems or licences), in the region itself (a
#: region's file also prices its Local Zones and Wavelength Zones, at other rates)
_SHARED_LINUX = {"Tenancy": "Shared", "Operating System": "Linux", "Pre Installed S/W": "NA", "CapacityStatus": "Used",
                 "Currency": "USD", "Unit": "Hrs", "operation": "RunInstances", "Location Type": "AWS Region"}

Stream = Callable[[str], IO[bytes]]


def _lines(raw: IO[bytes], url: str, wanted: set[str]) -> Iterator[str]:
    """The header row and the rows that mention a wanted instance type (a cheap text test before CSV parsing)."""
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    header_seen = False
    for line in text:
        if not header_seen:
            if line.startswith('"SKU"'):
                header_seen = True
                yield line
            continue
        if any(w in line for w in wanted):
            yield line
    if not header_seen:
        raise RefreshError(f"AWS price file {url} has no header row starting with SKU; nothing written")


def _kind(row: dict[str, str]) -> str | None:
    if any(row.get(k) != v for k, v in _SHARED_LINUX.items()):
        return None
    if row["TermType"] == "OnDemand":
        return "on_demand"
    if row["TermType"] == "Reserved" and row["OfferingClass"] == "standard" and row["PurchaseOption"] == "No Upfront":
        return {"1yr": "reserved_1y", "3yr": "reserved_3y"}.get(row["LeaseContractLength"])
    return None


def read_offer(raw: IO[bytes], url: str, instance_types: Iterable[str]) -> dict[tuple[str, str], float]:
    """``{(instance type, kind): USD per hour}`` from one region's offer file (RefreshError when malformed)."""
    wanted = {f'"{t}"' for t in instance_types}
    reader = csv.DictReader(_lines(raw, url, wanted))
    prices: dict[tuple[str, str], float] = {}
    try:
        for row in reader:
            missing = [c for c in COLUMNS if c not in row]
            if missing:
                raise RefreshError(f"AWS price file {url} lacks column {missing[0]!r}; nothing written")
            kind = _kind(row)
            if kind is None or f'"{row["Instance Type"]}"' not in wanted:
                continue
            price = float(row["PricePerUnit"])
            if price <= 0:
                continue
            prices[(row["Instance Type"], kind)] = price
    except (ValueError, csv.Error, UnicodeDecodeError) as exc:
        raise RefreshError(f"AWS price file {url} does not parse ({exc}); nothing written") from None
    return prices


def _row(tpl: CloudSpec, region: str, prices: dict[str, float], bundled: dict[str, CloudSpec],
         fetched_on: str, url: str) -> CloudSpec:
    rid = f"aws/{tpl.instance_type}/{region}".lower()
    basis = "; ".join(f"aws {t} standard RI no-upfront, {(1 - prices[k] / prices['on_demand']) * 100:.1f}% below "
                      f"on-demand (AWS Price List, fetched {fetched_on})"
                      for k, t in (("reserved_1y", "1y"), ("reserved_3y", "3y")) if k in prices) or None
    kept = [k for k in ("spot", "reserved_1y", "reserved_3y")
            if k not in prices and rid in bundled and getattr(bundled[rid], f"{k}_usd_per_hour") is not None]
    return CloudSpec(
        id=rid, provider="aws", instance_type=tpl.instance_type, region=region,
        default_region=rid in bundled and bundled[rid].default_region, gpu=tpl.gpu, gpu_count=tpl.gpu_count,
        vcpus=tpl.vcpus, memory_gib=tpl.memory_gib, on_demand_usd_per_hour=prices["on_demand"],
        reserved_1y_usd_per_hour=prices.get("reserved_1y"), reserved_3y_usd_per_hour=prices.get("reserved_3y"),
        reserved_basis=basis, as_of=fetched_on, source=f"AWS Price List bulk file {url} (fetched {fetched_on})",
        notes=f"{tpl.gpu_count} x {tpl.gpu} per instance, from the catalog's {tpl.instance_type} row"
              + (f"; not in the price list, kept from the bundled row (as_of {bundled[rid].as_of}): "
                 + ", ".join(kept) if kept else ""))


def aws_rows(instances: list[CloudSpec], stream: Stream,
             fetched_on: str) -> tuple[list[CloudSpec], list[str], list[str]]:
    """Rows for every (catalog AWS instance type, catalog AWS region) priced on demand; the URLs read; what is missing.

    Refused as partial when fewer than :data:`MIN_PRICED_SKU_SHARE` of the instance types are priced.
    """
    by_type = {r.instance_type: r for r in sorted(instances, key=lambda r: not r.default_region)}
    bundled = {r.id: r for r in instances}
    rows: list[CloudSpec] = []
    urls: list[str] = []
    for region in sorted({r.region for r in instances}):
        url = AWS_OFFER_URL.format(region=region)
        try:
            with stream(url) as raw:
                prices = read_offer(raw, url, by_type)
        except OSError as exc:
            raise RefreshError(f"could not fetch {url} ({exc}); nothing written") from None
        urls.append(url)
        for itype, tpl in sorted(by_type.items()):
            found = {k: v for (t, k), v in prices.items() if t == itype}
            if "on_demand" in found:
                rows.append(_row(tpl, region, found, bundled, fetched_on, url))
    priced = {r.instance_type for r in rows}
    missing = sorted(set(by_type) - priced)
    if len(priced) < MIN_PRICED_SKU_SHARE * len(by_type):
        raise RefreshError(f"AWS price files price {len(priced)} of the catalog's {len(by_type)} AWS instance types "
                           f"(missing {', '.join(missing[:4])}): a partial response; nothing written")
    return rows, urls, [f"aws/{t}" for t in missing]
