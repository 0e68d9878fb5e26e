"""What the catalog covers: rows per table and their date range, offers per provider and per accelerator family.

Read by ``llmplace catalog coverage``. Counts and dates only; dates come from each row's ``as_of``
(:func:`~llmplace.report.provenance.parse_as_of`: a month or year stands for its last day). The
tables in force are counted, so a refreshed snapshot or a user catalog shows in the figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel

from .. import catalog
from .provenance import parse_as_of

__all__ = ["AcceleratorFamily", "CatalogCoverage", "ProviderOffers", "TableCoverage", "catalog_coverage"]


class TableCoverage(BaseModel):
    """One table: its rows and the ``as_of`` of its oldest and newest row, as written (None when none is dated)."""

    table: str
    rows: int
    oldest_as_of: str | None
    newest_as_of: str | None
    undated_rows: int


class ProviderOffers(BaseModel):
    """Offers of one provider: cloud instances (with the accelerator types they hold) or API models."""

    kind: str  # 'cloud' or 'api'
    provider: str
    offers: int
    accelerators: list[str]


class AcceleratorFamily(BaseModel):
    """One accelerator family: its accelerators and how many cloud offers and server builds price them."""

    family: str
    accelerators: list[str]
    cloud_offers: int
    server_builds: int
    unpriced: list[str]  # accelerators of the family with neither a cloud offer nor a server build


class CatalogCoverage(BaseModel):
    tables: list[TableCoverage]
    providers: list[ProviderOffers]
    families: list[AcceleratorFamily]


def _table(kind: str, as_ofs: Iterable[str]) -> TableCoverage:
    texts = list(as_ofs)
    dated = sorted((d, t) for d, t in ((parse_as_of(t), t) for t in texts) if d is not None)
    return TableCoverage(table=kind, rows=len(texts), oldest_as_of=dated[0][1] if dated else None,
                         newest_as_of=dated[-1][1] if dated else None, undated_rows=len(texts) - len(dated))


def _families() -> list[AcceleratorFamily]:
    clouds = Counter(r.gpu for r in catalog.table("clouds"))
    servers = Counter(r.gpu for r in catalog.table("servers"))
    by_family: dict[str, list[str]] = {}
    for g in catalog.table("gpus"):
        by_family.setdefault(g.family, []).append(g.id)
    return [AcceleratorFamily(family=fam, accelerators=sorted(ids), cloud_offers=sum(clouds[i] for i in ids),
                              server_builds=sum(servers[i] for i in ids),
                              unpriced=sorted(i for i in ids if not clouds[i] and not servers[i]))
            for fam, ids in sorted(by_family.items())]


def catalog_coverage() -> CatalogCoverage:
    """Coverage of the tables in force (bundled, refreshed and user rows)."""
    tables = [_table(kind, (r.as_of for r in catalog.table(kind))) for kind in catalog.KINDS]
    providers: list[ProviderOffers] = []
    cloud_gpus: dict[str, set[str]] = {}
    for r in catalog.table("clouds"):
        cloud_gpus.setdefault(r.provider, set()).add(r.gpu)
    cloud_counts = Counter(r.provider for r in catalog.table("clouds"))
    providers += [ProviderOffers(kind="cloud", provider=p, offers=n, accelerators=sorted(cloud_gpus[p]))
                  for p, n in sorted(cloud_counts.items())]
    api_counts = Counter(o.provider for o in catalog.table("apis"))
    providers += [ProviderOffers(kind="api", provider=p, offers=n, accelerators=[])
                  for p, n in sorted(api_counts.items())]
    return CatalogCoverage(tables=tables, providers=providers, families=_families())
