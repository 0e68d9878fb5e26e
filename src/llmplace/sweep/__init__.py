"""Sweeps: many scenarios (a grid, a list of files, or the catalog) run locally or on a Dask cluster into one
tidy table (Parquet and CSV), resumable after a stop. See :mod:`llmplace.sweep.spec` for the spec file."""

from __future__ import annotations

from .runner import SweepStopped, run_sweep
from .spec import MAX_SWEEP_SCENARIOS, SweepSpec, expand, load_spec

__all__ = ["MAX_SWEEP_SCENARIOS", "SweepSpec", "SweepStopped", "expand", "load_spec", "run_sweep"]
