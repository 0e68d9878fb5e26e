"""`llmplace sweep`: many scenarios into one tidy table (Parquet and CSV), locally or on a Dask cluster."""

from __future__ import annotations

from pathlib import Path

import typer

from . import _print_json as print_json
from . import app, err, guarded, out
from .progress import SweepProgress

__all__ = ["sweep_command"]


@app.command("sweep")
@guarded
def sweep_command(
    spec: Path = typer.Argument(..., help="Sweep spec file (YAML): base + grid, scenarios, or base + catalog."),
    output: str = typer.Option("sweep.parquet", "--output", "-o",
                               help="table to write (.parquet); the CSV goes next to it; parts of an unfinished run "
                                    "wait in OUTPUT.parts/"),
    cluster: str = typer.Option("", "--cluster", help="address of a running Dask scheduler (tcp://HOST:8786); "
                                                      "default: local processes"),
    workers: int = typer.Option(0, "--workers", help="local processes; 0: one per core"),
    restart: bool = typer.Option(False, "--restart", help="discard the parts of an earlier, stopped run"),
    as_json: bool = typer.Option(False, "--json", help="Print what the sweep did as JSON."),
) -> None:
    """Run many scenarios and write one row per scenario and option; a stopped sweep resumes where it stopped.

    \b
    Examples:
      llmplace sweep examples/sweep-volume.yaml -o volume.parquet
      llmplace sweep big.yaml -o big.parquet --cluster tcp://10.0.0.5:8786
    """
    from ..sweep import run_sweep

    if workers < 0:
        from ..errors import InputError

        raise InputError("--workers", workers, "0 (one per core) or a whole number >= 1")
    try:
        with SweepProgress(err) as progress:
            summary = run_sweep(spec, output, cluster=cluster or None, workers=workers or None, restart=restart,
                                progress=progress)
    except KeyboardInterrupt:
        err.print(f"stopped: finished chunks are kept in {output}.parts/; run the same command again to continue",
                  markup=False, highlight=False)
        raise typer.Exit(130) from None
    if as_json:
        print_json(summary.model_dump(mode="json"))
        return
    out.print(f"Wrote {summary.parquet} and {summary.csv}: {summary.rows:,} rows, {summary.scenarios:,} scenarios "
              f"({summary.computed:,} computed, {summary.resumed:,} resumed, {summary.refused:,} refused) on "
              f"{summary.engine} in {summary.seconds:,.1f} s ({summary.scenarios_per_s:,.2f} scenarios/s)",
              markup=False, highlight=False)
    for note in summary.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
