"""Result type of a decision map: the cheapest and the recommended option over a grid of two inputs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["DecisionMap", "FrontierSegment"]


class FrontierSegment(BaseModel):
    """One edge between two neighbouring cells whose answer differs, in the inputs' own units.

    A vertical edge (``x0 == x1``) separates two cells of one row, a horizontal edge (``y0 == y1``) two cells
    of one column; it lies on the cell boundary (the midpoint of the two values, geometric on a log axis).
    """

    x0: float
    y0: float
    x1: float
    y1: float
    before: str = Field(description="the answer on the lower-value side of the edge")
    after: str = Field(description="the answer on the higher-value side of the edge")


class DecisionMap(BaseModel):
    """The cheapest and the recommended option in every cell of a two-input grid (rows follow ``y``, columns
    ``x``); ``-`` where no option is eligible."""

    scenario: str
    x_path: str
    y_path: str
    x_log: bool = False
    y_log: bool = False
    x_values: list[float]
    y_values: list[float]
    x_edges: list[float] = Field(description="cell boundaries along x (len(x_values) + 1)")
    y_edges: list[float] = Field(description="cell boundaries along y (len(y_values) + 1)")
    cheapest: list[list[str]] = Field(description="cheapest option id per cell, [row (y)][column (x)]")
    recommended: list[list[str]] = Field(description="recommended option id per cell (weighted criteria)")
    tco_usd: dict[str, list[list[float]]] = Field(description="cash-view TCO of every candidate per cell")
    weighted_total: dict[str, list[list[float | None]]] = Field(
        description="weighted criteria total (0-10) of every candidate per cell; null where it is not eligible")
    share_of_cells: dict[str, float] = Field(description="share of the cells in which each option is cheapest")
    share_recommended: dict[str, float] = Field(description="share of the cells in which each option is recommended")
    frontier_cheapest: list[FrontierSegment] = Field(description="edges where the cheapest option changes")
    frontier_recommended: list[FrontierSegment] = Field(description="edges where the recommendation changes")
    point: dict[str, float] = Field(description="the scenario's own value of each input, where it has one")
    candidates: list[str]
    rescored: list[str] = Field(description="criteria re-scored in every cell; the others keep the scenario's scores")
    currency: str = Field("USD", description="the currency of tco_usd and of any money axis (finance.currency)")
    note: str
    warnings: list[str] = Field(default_factory=list, description="deprecated offers recommended in some cell "
                                "because no option on sale is eligible there")

    @property
    def cells(self) -> int:
        return len(self.x_values) * len(self.y_values)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
