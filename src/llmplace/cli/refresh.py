"""``llmplace catalog refresh`` and ``llmplace catalog diff``, and the note ``compare`` prints about overlays.

Registered on the ``catalog`` sub-app by :mod:`llmplace.cli`; kept apart so that module stays short.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console

from .. import catalog
from ..catalog.overlay import OVERLAY_FILES, overlays, refresh_manifest, refreshed_dir

__all__ = ["diff_lines", "overlay_note", "register"]

#: the fields ``catalog diff`` compares: the prices a comparison uses
PRICE_FIELDS = ("purchase_usd", "on_demand_usd_per_hour", "spot_usd_per_hour", "reserved_1y_usd_per_hour",
                "reserved_3y_usd_per_hour", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok")
_TABLES = {"servers.csv": "servers", "clouds.csv": "clouds", "api_overrides.csv": "apis", "models.csv": "models",
           "gpus.csv": "gpus"}


def overlay_note() -> str | None:
    """One line saying which refreshed or user-supplied rows are in force, or None (bundled data only)."""
    parts = [ov.label for ov in overlays()]
    return ("note: catalog rows from " + "; ".join(parts) + " override or add to the bundled data "
            "(their sources say so)") if parts else None


def diff_lines() -> list[str]:
    """Every row the overlays in force change or add, price by price, against the bundled snapshot."""
    current = {kind: {r.id: r for r in catalog.table(kind)} for kind in set(_TABLES.values())}
    saved = catalog.user_and_refreshed_off()
    try:
        bundled = {kind: {r.id: r for r in catalog.table(kind)} for kind in set(_TABLES.values())}
    finally:
        catalog.user_and_refreshed_on(saved)
    lines: list[str] = []
    for kind in sorted(current):
        for rid, row in sorted(current[kind].items()):
            old = bundled[kind].get(rid)
            if old is None:
                lines.append(f"{kind} {rid}: added ({row.source})")  # type: ignore[attr-defined]
                continue
            for f in PRICE_FIELDS:
                a, b = getattr(old, f, None), getattr(row, f, None)
                if a != b:
                    lines.append(f"{kind} {rid}: {f} {_num(a)} -> {_num(b)} "
                                 f"(as_of {old.as_of} -> {row.as_of})")  # type: ignore[attr-defined]
    return lines


def _num(x: Any) -> str:
    return "none" if x is None else f"{x:.6g}" if isinstance(x, float) else str(x)


def register(catalog_app: typer.Typer, out: Console, err: Console, guarded: Callable[[Any], Any]) -> None:
    """Add ``refresh`` and ``diff`` to the ``catalog`` sub-app."""

    @catalog_app.command("refresh")
    @guarded
    def refresh_cmd(
        source: list[str] = typer.Option(  # noqa: B008 - typer's idiom
            ["api", "azure"], "--source",
            help="api (genai-prices live API prices), azure (Azure Retail Prices API: GPU VMs), aws (AWS price "
                 "list: GPU instances; hundreds of MB a region, so only when named); repeatable"),
    ) -> None:
        """Fetch current public prices (online, opt-in) into the user data directory.

        Writes only when the whole refresh validates; never touches the bundled snapshot. Later
        comparisons use the refreshed rows and say so. Directory: $LLMPLACE_DATA_DIR/catalog, else the
        user data directory.
        """
        from ..catalog import _typed
        from ..catalog.refresh import SOURCES, RefreshError, refresh
        from ..catalog.specs import ApiAlias
        from ..errors import InputError

        bad = [s for s in source if s not in SOURCES]
        if bad:
            raise InputError("--source", bad[0], " or ".join(SOURCES))
        try:
            report = refresh(_typed("api_aliases.csv", ApiAlias), withdrawn=catalog.withdrawn_api_offers(),
                             sources=source)
        except RefreshError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(1) from None
        catalog.reload()
        clouds = " and ".join(p.upper() if p == "aws" else p.capitalize() for p in ("azure", "aws") if p in source)
        wrote = ([f"{report.api_rows} API prices"] if "api" in source else []) + (
            [f"{report.cloud_rows} {clouds} instance prices"] if clouds else [])
        out.print(f"Wrote {' and '.join(wrote)} fetched {report.fetched_on} to {report.path}; "
                  f"{len(report.not_priced)} aliases or VM sizes not priced there keep their bundled price.",
                  markup=False)

    @catalog_app.command("diff")
    @guarded
    def diff_cmd() -> None:
        """Show what the refreshed snapshot and user catalogs change against the bundled snapshot."""
        manifest = refresh_manifest()
        where = f"refreshed {manifest.get('fetched_on')} in {refreshed_dir()}" if manifest else "no refreshed data"
        out.print(f"bundled snapshot vs {where}", markup=False)
        lines = diff_lines()
        for line in lines:
            out.print("  " + line, markup=False, highlight=False)
        if not lines:
            out.print("  no differences (files read: " + ", ".join(OVERLAY_FILES) + ")", markup=False)
