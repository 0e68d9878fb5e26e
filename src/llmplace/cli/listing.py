"""`llmplace catalog list` and `llmplace catalog show`: the bundled catalogs, for people and for pipelines."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.table import Table

from .. import catalog
from ..errors import InputError, not_one_of
from . import _print_json as print_json
from . import catalog_app, guarded, out
from .completion import complete_any, complete_gpu, complete_kind, complete_model

__all__ = ["FILTERS", "LIST_COLUMNS", "LIST_FORMATS", "catalog_coverage", "catalog_list", "catalog_show",
           "filtered_rows"]

LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "gpus": ("id", "memory_gb", "memory_bandwidth_tbps", "fp16_dense_tflops", "fp8_dense_tflops", "tdp_w", "as_of"),
    "models": ("id", "total_params_b", "active_params_b", "layers", "kv_heads", "context_length", "as_of"),
    "servers": ("id", "gpu", "gpu_count", "purchase_usd", "max_power_kw", "idle_power_kw", "as_of", "deprecated_on"),
    "clouds": ("id", "gpu", "gpu_count", "on_demand_usd_per_hour", "spot_usd_per_hour",
               "reserved_1y_usd_per_hour", "reserved_3y_usd_per_hour", "as_of", "deprecated_on"),
    "apis": ("id", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok", "as_of"),
}


LIST_FORMATS = ("table", "tsv", "json")
# filter option -> the catalogs it applies to and the column it matches there
FILTERS: dict[str, dict[str, str]] = {
    "gpu": {"gpus": "id", "servers": "gpu", "clouds": "gpu"},
    "provider": {"clouds": "provider", "apis": "provider"},
    "region": {"clouds": "region"},
    "model": {"models": "id", "apis": "model"},
}
_RESOLVED = {"gpu": "gpus", "model": "models"}  # filters whose value is a catalog id or alias


def _wanted(name: str, value: str, kind: str, rows: list[Any]) -> str:
    """The filter's value as the catalog writes it (an alias resolved to its id; any case), else one line."""
    field = f"--{name}"
    if kind not in FILTERS[name]:
        raise InputError(field, value, f"a filter of {' or '.join(FILTERS[name])}", f"{kind} have no {name}")
    if name in _RESOLVED:
        return str(catalog.table(_RESOLVED[name]).get(value, field).id)
    column = FILTERS[name][kind]
    present = sorted({str(getattr(r, column)) for r in rows})
    hit = next((p for p in present if p.lower() == value.strip().lower()), None)
    if hit is None:
        raise not_one_of(field, value, present, where=f"the {name} column of `llmplace catalog list {kind}`")
    return hit


def filtered_rows(kind: str, filters: dict[str, str]) -> list[Any]:
    """The rows of catalog ``kind`` that match every given filter (name -> value; empty values ignored)."""
    rows = list(catalog.table(kind))
    for name, value in filters.items():
        if not value:
            continue
        want = _wanted(name, value, kind, rows)
        column = FILTERS[name][kind]
        rows = [r for r in rows if str(getattr(r, column)) == want]
    return rows


def _tsv_cell(v: Any) -> str:
    """A value as one TSV cell: no tabs or line breaks inside, '' for none."""
    text = "" if v is None else (", ".join(map(str, v)) if isinstance(v, list) else str(v))
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


@catalog_app.command("list")
@guarded
def catalog_list(
    kind: str = typer.Argument(..., help="gpus, models, servers, clouds or apis", autocompletion=complete_kind),
    fmt: str = typer.Option("", "--format", "-f", show_default=False,
                            help="table, tsv or json; default: table on a terminal, tsv when piped"),
    as_json: bool = typer.Option(False, "--json", help="Print rows as JSON (as --format json)."),
    gpu: str = typer.Option("", "--gpu", help="only rows of this GPU (id or alias; gpus, servers, clouds)",
                            autocompletion=complete_gpu),
    provider: str = typer.Option("", "--provider", help="only rows of this provider (clouds, apis), e.g. aws"),
    region: str = typer.Option("", "--region", help="only rows in this region (clouds), e.g. us-east-1"),
    model: str = typer.Option("", "--model", help="only rows of this model (id or alias; models, apis)",
                              autocompletion=complete_model),
) -> None:
    """List a catalog: a table on a terminal; tab-separated values, whole ids, when piped. Filters (any
    case) keep the rows that match all of them.

    \b
    Examples:
      llmplace catalog list gpus | cut -f1
      llmplace catalog list clouds --gpu h100 --provider aws --region us-east-1
      llmplace catalog list apis --model llama-3.3-70b --format json
    """
    name = kind.strip().lower()
    if name not in catalog.KINDS:
        raise not_one_of("kind", kind, catalog.KINDS)
    style = "json" if as_json else (fmt.strip().lower() or ("table" if sys.stdout.isatty() else "tsv"))
    if style not in LIST_FORMATS:
        raise not_one_of("--format", fmt, LIST_FORMATS)
    kind = name
    rows = filtered_rows(kind, {"gpu": gpu, "provider": provider, "region": region, "model": model})
    if style == "json":
        print_json([r.model_dump(mode="json") for r in rows])
        return
    cols = LIST_COLUMNS[kind]
    if style == "tsv":
        lines = ["\t".join(cols), *("\t".join(_tsv_cell(getattr(r, c)) for c in cols) for r in rows)]
        sys.stdout.write("\n".join(lines) + "\n")
        return
    t = Table(title=f"{kind} ({len(rows)} rows)")
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*["" if getattr(r, c) is None else str(getattr(r, c)) for c in cols])
    out.print(t)


@catalog_app.command("show")
@guarded
def catalog_show(
    name: str = typer.Argument(..., help="an id or alias from any catalog", autocompletion=complete_any),
    as_json: bool = typer.Option(False, "--json", help="Print the row as JSON."),
) -> None:
    """Show one catalog row with its source. Example: llmplace catalog show h100-sxm"""
    hit = catalog.find_any(name)
    if hit is None:
        if catalog.table("models").candidates(name):
            catalog.get_model(name, "name")  # raises: an ambiguous name lists its candidates
        sugg: list[str] = []
        for kind in catalog.KINDS:
            sugg += catalog.table(kind).suggest(name, 2)
        detail = ("did you mean " + ", ".join(repr(x) for x in sugg[:4]) + "?") if sugg else None
        raise InputError("name", name, "an id or alias from any catalog (see `llmplace catalog list KIND`)", detail)
    kind, row = hit
    data = row.model_dump(mode="json")
    if as_json:
        print_json({"catalog": kind, **data})
        return
    t = Table(title=f"{kind}: {data.get('id')}", show_header=False)
    t.add_column("field")
    t.add_column("value", overflow="fold")
    for k, v in data.items():
        t.add_row(k, "" if v is None else (", ".join(v) if isinstance(v, list) else str(v)))
    out.print(t)


@catalog_app.command("coverage")
@guarded
def catalog_coverage(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """What the catalog covers: rows and date range per table, offers per provider and accelerator family."""
    from ..report.coverage import catalog_coverage as coverage

    cov = coverage()
    if as_json:
        print_json(cov.model_dump(mode="json"))
        return
    t = Table(title="catalog tables")
    for c in ("table", "rows", "oldest as_of", "newest as_of", "undated"):
        t.add_column(c)
    for tc in cov.tables:
        t.add_row(tc.table, str(tc.rows), tc.oldest_as_of or "", tc.newest_as_of or "", str(tc.undated_rows))
    out.print(t)
    p = Table(title="offers by provider")
    for c in ("kind", "provider", "offers", "accelerators"):
        p.add_column(c, overflow="fold")
    for po in cov.providers:
        p.add_row(po.kind, po.provider, str(po.offers), ", ".join(po.accelerators))
    out.print(p)
    f = Table(title="accelerators by family")
    for c in ("family", "accelerators", "cloud offers", "server builds", "unpriced"):
        f.add_column(c, overflow="fold")
    for fam in cov.families:
        f.add_row(fam.family, ", ".join(fam.accelerators), str(fam.cloud_offers), str(fam.server_builds),
                  ", ".join(fam.unpriced))
    out.print(f)
