"""What a sweep did: the table it wrote, how many scenarios it ran or resumed, on which engine."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["SweepSummary"]


class SweepSummary(BaseModel):
    """The outcome of ``llmplace sweep``: the table's files and what the run computed."""

    parquet: str = Field(description="the table as Parquet")
    csv: str = Field(description="the same table as CSV")
    scenarios: int = Field(description="scenarios of the spec")
    rows: int = Field(description="rows of the table: one per scenario and option (one per refused scenario)")
    computed: int = Field(description="scenarios computed by this run")
    resumed: int = Field(description="scenarios read back from the parts of an earlier, stopped run")
    refused: int = Field(description="scenarios the model refused (their row holds the one-line error)")
    engine: str = Field(description="'local (N processes)' or 'dask ADDRESS'")
    samples: int = Field(description="Monte Carlo draws per scenario (0: point values only)")
    seconds: float = Field(description="wall-clock time of this run [s]")
    scenarios_per_s: float = Field(description="scenarios computed by this run per second of wall-clock time")
    notes: list[str] = Field(default_factory=list, description="what the table simplifies (also in the Parquet "
                                                               "file's metadata, key llmplace.notes)")
