"""``llmplace catalog refresh``: current public prices into the user data directory (opt-in, online).

Three sources, none needing an account (``sources``):

* ``api``: the price data genai-prices publishes for its own live updates (:data:`GENAI_PRICES_URL`).
  Every bundled API alias is priced from it with the package's own parser and our :class:`ApiOffer`
  row model, written as ``api_overrides.csv``.
* ``azure``: the Azure Retail Prices API (:mod:`llmplace.catalog.azure_prices`): on-demand, spot and
  reserved prices of the catalog's Azure GPU VM sizes in every region priced, written as ``clouds.csv``.
* ``aws`` (only when named; hundreds of MB a region): the AWS Price List bulk files
  (:mod:`llmplace.catalog.aws_prices`), on-demand and reserved prices of the catalog's AWS instance
  types in the catalog's AWS regions, in the same ``clouds.csv`` (rows of a provider not refreshed
  now are kept from the earlier refresh).

Files go to :func:`~llmplace.catalog.overlay.refreshed_dir`, dated with the fetch date, beside a
``manifest.json``. Nothing is written unless the whole refresh validates: a malformed payload, or a
partial one (lacking a quarter of the providers or VM sizes the catalog prices), writes nothing and
leaves any earlier snapshot in place. The bundled snapshot in the package is never touched. Nothing
here runs unless asked: no other command reaches the network.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import urllib.request
from collections.abc import Callable, Collection
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from .api_hours import HourAveraged, hour_averaged
from .aws_prices import Stream, aws_rows
from .azure_prices import AZURE_PRICES_URL, RefreshError, azure_rows, fetch_azure_meters
from .overlay import MANIFEST, refresh_manifest, refreshed_dir
from .specs import ApiAlias, ApiOffer, CloudSpec

__all__ = ["DEFAULT_SOURCES", "GENAI_PRICES_URL", "SOURCES", "RefreshError", "RefreshReport", "api_rows",
           "bundled_instances", "refresh"]

GENAI_PRICES_URL = "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/prices/new_data/v2/data.json"
API_COLUMNS = ("id", "model", "provider", "provider_model_id", "input_usd_per_mtok", "output_usd_per_mtok",
               "cached_input_usd_per_mtok", "as_of", "source", "notes")
CLOUD_COLUMNS = ("provider", "instance_type", "region", "default_region", "gpu", "gpu_count", "vcpus", "memory_gib",
                 "on_demand_usd_per_hour", "spot_usd_per_hour", "reserved_1y_usd_per_hour", "reserved_3y_usd_per_hour",
                 "reserved_basis", "aliases", "as_of", "source", "notes")
#: what ``catalog refresh`` can read: genai-prices' live API prices, the Azure Retail Prices API, AWS's price list
SOURCES = ("api", "azure", "aws")
#: read unless told otherwise (the AWS files are hundreds of MB a region: asked for by name)
DEFAULT_SOURCES = ("api", "azure")

#: a payload lacking more than this share of the catalog's API providers is refused as partial
MAX_MISSING_PROVIDER_SHARE = 0.25

Fetch = Callable[[str], bytes]


class RefreshReport(BaseModel):
    """What a refresh wrote: where, when, from which sources, how many rows, and the aliases left out."""

    path: str
    fetched_on: str
    sources: list[str]
    api_rows: int
    cloud_rows: int = 0
    not_priced: list[str]


def urllib_stream(url: str) -> IO[bytes]:  # pragma: no cover - the network is never reached in tests
    response: IO[bytes] = urllib.request.urlopen(url, timeout=120)  # noqa: S310 - a fixed https URL
    return response


def urllib_fetch(url: str) -> bytes:  # pragma: no cover - the network is never reached in tests
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - a fixed https URL
        data: bytes = response.read()
    return data


def _snapshot(payload: bytes) -> Any:
    """The price data in ``payload`` parsed by genai-prices itself (its schema is the validation)."""
    from genai_prices.data_snapshot import DataSnapshot
    from genai_prices.types import _providers_from_raw  # the parser its own live update uses

    try:
        raw = json.loads(payload)
    except ValueError as exc:
        raise RefreshError(f"price data from {GENAI_PRICES_URL} is not valid JSON ({exc}); nothing written") from None
    if not isinstance(raw, list) or not raw:
        raise RefreshError(f"price data from {GENAI_PRICES_URL} is not a list of providers; nothing written")
    try:
        return DataSnapshot(_providers_from_raw(raw), from_auto_update=True)
    except Exception as exc:  # the package raises pydantic and value errors for a bad payload
        first = str(exc).splitlines()[0]
        raise RefreshError(f"price data from {GENAI_PRICES_URL} does not validate ({first}); nothing written") from None


def _price(snapshot: Any, alias: ApiAlias, usage: Any, day: dt.date) -> HourAveraged:
    """The price of ``usage`` on ``day`` at fixed hours (:mod:`~llmplace.catalog.api_hours`), not at the wall clock."""
    return hour_averaged(lambda ts: snapshot.calc(usage, alias.provider_model_id, alias.provider, None, ts), day)


def api_rows(payload: bytes, aliases: list[ApiAlias], fetched_on: dt.date,
             withdrawn: Collection[str] = ()) -> tuple[list[ApiOffer], list[str]]:
    """An :class:`ApiOffer` per alias priced in ``payload``, and the aliases it does not price.

    Offers the bundled catalog has withdrawn (``withdrawn``: ``provider/model`` ids) stay withdrawn:
    a provider does not bring back a model it shut down, and an older copy of the price data may
    still list it.

    A payload that lacks more than :data:`MAX_MISSING_PROVIDER_SHARE` of the providers the aliases use
    is taken for a partial response: RefreshError. Fewer missing providers are listed as not priced
    (their bundled rows stay in force).
    """
    from genai_prices import Usage

    snapshot = _snapshot(payload)
    have = {p.id for p in snapshot.providers}
    wanted = {a.provider for a in aliases}
    missing = sorted(wanted - have)
    if len(missing) > MAX_MISSING_PROVIDER_SHARE * len(wanted):
        raise RefreshError(f"price data lacks {len(missing)} of the {len(wanted)} API providers the catalog prices "
                           f"({', '.join(missing[:5])}...): a partial response; nothing written")
    rows: list[ApiOffer] = []
    left_out: list[str] = []
    for a in aliases:
        if f"{a.provider}/{a.model}".lower() in withdrawn:
            left_out.append(f"{a.provider}/{a.model} (withdrawn in the bundled catalog)")
            continue
        if a.retired_on is not None and a.retired_on <= fetched_on:
            left_out.append(f"{a.provider}/{a.model} (retired {a.retired_on.isoformat()})")
            continue
        try:
            averaged = _price(snapshot, a, Usage(input_tokens=1_000_000, output_tokens=1_000_000), fetched_on)
            cached = _price(snapshot, a, Usage(input_tokens=1_000_000, cache_read_tokens=1_000_000), fetched_on)
        except LookupError:
            left_out.append(f"{a.provider}/{a.model}")
            continue
        base = averaged.noon
        if getattr(base.model, "deprecated", None):
            left_out.append(f"{a.provider}/{a.model} (deprecated)")
            continue
        has_cache = getattr(base.model_price, "cache_read_mtok", None) is not None
        rows.append(ApiOffer(
            id=f"{a.provider}/{a.model}", model=a.model, provider=a.provider, provider_model_id=a.provider_model_id,
            input_usd_per_mtok=averaged.input_usd_per_mtok, output_usd_per_mtok=averaged.output_usd_per_mtok,
            cached_input_usd_per_mtok=cached.input_usd_per_mtok if has_cache else None,
            as_of=fetched_on.isoformat(), source=f"{GENAI_PRICES_URL} (genai-prices live data, fetched "
                                                 f"{fetched_on.isoformat()})",
            notes="; ".join(n for n in (a.notes, averaged.note()) if n) or None))
    return rows, left_out


def _cells(row: ApiOffer | CloudSpec, columns: tuple[str, ...]) -> dict[str, Any]:
    d = row.model_dump()
    return {k: "" if d.get(k) is None else ";".join(d[k]) if isinstance(d[k], tuple) else d[k] for k in columns}


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def bundled_instances(provider: str) -> list[CloudSpec]:
    """The bundled rows of ``provider`` (the instance table: which instance holds which GPU, and how many)."""
    from . import _read_csv

    rows = [{k: v for k, v in r.items() if v not in (None, "")} for r in _read_csv("clouds.csv")]
    return [CloudSpec(id=f"{provider}/{r['instance_type']}/{r['region']}".lower(), **r) for r in rows
            if r.get("provider") == provider]


def _api_file(aliases: list[ApiAlias], fetch: Fetch, day: dt.date,
              withdrawn: Collection[str]) -> tuple[str, list[str], list[str]]:
    try:
        payload = fetch(GENAI_PRICES_URL)
    except OSError as exc:
        raise RefreshError(f"could not fetch {GENAI_PRICES_URL} ({exc}); nothing written") from None
    rows, missed = api_rows(payload, aliases, day, withdrawn)
    return _csv([_cells(r, API_COLUMNS) for r in rows], API_COLUMNS), [GENAI_PRICES_URL], missed


def _clouds_file(sources: Collection[str], fetch: Fetch, stream: Stream, day: dt.date,
                 instances: list[CloudSpec]) -> tuple[str, list[str], list[str]]:
    """``clouds.csv`` text: the refreshed providers' rows plus earlier refreshed rows of the other providers."""
    rows: list[CloudSpec] = []
    urls: list[str] = []
    left_out: list[str] = []
    if "azure" in sources:
        azure = [r for r in instances if r.provider == "azure"] or bundled_instances("azure")
        meters = fetch_azure_meters({r.instance_type for r in azure}, fetch)
        azure_cloud_rows, missed = azure_rows(meters, azure, day.isoformat())
        rows, urls, left_out = azure_cloud_rows, [AZURE_PRICES_URL], missed
    if "aws" in sources:
        aws = [r for r in instances if r.provider == "aws"] or bundled_instances("aws")
        aws_cloud_rows, aws_urls, missed = aws_rows(aws, stream, day.isoformat())
        rows, urls, left_out = rows + aws_cloud_rows, urls + aws_urls, left_out + missed
    refreshed = {p for p in ("azure", "aws") if p in sources}
    kept = [r for r in _earlier_rows("clouds.csv") if r.get("provider") not in refreshed]
    return _csv(kept + [_cells(r, CLOUD_COLUMNS) for r in rows], CLOUD_COLUMNS), urls, left_out


def _earlier_rows(name: str) -> list[dict[str, Any]]:
    """The rows of the refreshed ``name`` written by an earlier refresh, as text (none when there is none)."""
    import csv

    path = refreshed_dir() / name
    if not path.is_file():
        return []
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def _fetched(sources: Collection[str], aliases: list[ApiAlias], fetch: Fetch, stream: Stream, day: dt.date,
             withdrawn: Collection[str], instances: list[CloudSpec]) -> tuple[dict[str, str], list[str], list[str]]:
    """The CSV text of every refreshed file, the sources read and what was left out (RefreshError: nothing)."""
    files: dict[str, str] = {}
    urls: list[str] = []
    left_out: list[str] = []
    if "api" in sources:
        files["api_overrides.csv"], urls, left_out = _api_file(aliases, fetch, day, withdrawn)
    if {"azure", "aws"} & set(sources):
        files["clouds.csv"], cloud_urls, missed = _clouds_file(sources, fetch, stream, day, instances)
        urls, left_out = urls + cloud_urls, left_out + missed
    return files, urls, left_out


def _write(files: dict[str, str], manifest: dict[str, Any]) -> Path:
    """Write ``files`` and the manifest at once (a staging folder renamed); files not refreshed now are kept."""
    target = refreshed_dir()
    earlier = refresh_manifest() or {}
    manifest["files"] = {**earlier.get("files", {}), **manifest["files"]}
    manifest["fetched"] = {**earlier.get("fetched", {}), **{f: manifest["fetched_on"] for f in files}}
    manifest["sources"] = sorted(set(earlier.get("sources", [])) | set(manifest["sources"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".catalog-", dir=target.parent))
    try:
        if target.exists():
            for kept in target.glob("*.csv"):
                if kept.name not in files:
                    shutil.copy2(kept, staging / kept.name)
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def refresh(aliases: list[ApiAlias], fetch: Fetch | None = None, today: dt.date | None = None,
            withdrawn: Collection[str] = (), sources: Collection[str] = DEFAULT_SOURCES,
            instances: list[CloudSpec] | None = None, stream: Stream | None = None) -> RefreshReport:
    """Fetch, validate and write the refreshed snapshot; on any error nothing is written (see the module doc).

    ``sources``: any of :data:`SOURCES`. What an earlier refresh wrote from a source not named now is
    kept as it was. ``instances``: the instance table (default: the bundled cloud rows). ``stream``
    opens a URL as a byte stream (the AWS files are read line by line).
    """
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown or not sources:
        raise RefreshError(f"unknown refresh source {unknown[0] if unknown else '(none)'}: "
                           f"one or more of {', '.join(SOURCES)}")
    day = today or dt.date.today()
    files, urls, left_out = _fetched(sources, aliases, fetch or urllib_fetch, stream or urllib_stream, day, withdrawn,
                                     instances or [])
    counts = {name: text.count("\n") - 1 for name, text in files.items()}
    path = _write(files, {"fetched_on": day.isoformat(), "sources": urls, "files": counts, "not_priced": left_out})
    return RefreshReport(path=str(path), fetched_on=day.isoformat(), sources=urls,
                         api_rows=counts.get("api_overrides.csv", 0), cloud_rows=counts.get("clouds.csv", 0),
                         not_priced=left_out)
