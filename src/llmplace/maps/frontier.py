"""The frontier of a map: the cell edges across which the answer changes, as segments in the inputs' units."""

from __future__ import annotations

from collections.abc import Sequence

from ..results import FrontierSegment

__all__ = ["frontier"]


def frontier(grid: Sequence[Sequence[str]], x_edges: Sequence[float], y_edges: Sequence[float]
             ) -> list[FrontierSegment]:
    """Every edge between two neighbouring cells of ``grid`` ([row (y)][column (x)]) with different answers.

    Between columns ``c`` and ``c + 1`` of row ``r`` the edge runs along ``x = x_edges[c + 1]`` from
    ``y_edges[r]`` to ``y_edges[r + 1]``; between rows likewise along ``y``.
    """
    out: list[FrontierSegment] = []
    rows, cols = len(grid), len(grid[0]) if grid else 0
    for r in range(rows):
        for c in range(cols):
            here = grid[r][c]
            if c + 1 < cols and grid[r][c + 1] != here:
                out.append(FrontierSegment(x0=x_edges[c + 1], x1=x_edges[c + 1], y0=y_edges[r], y1=y_edges[r + 1],
                                           before=here, after=grid[r][c + 1]))
            if r + 1 < rows and grid[r + 1][c] != here:
                out.append(FrontierSegment(x0=x_edges[c], x1=x_edges[c + 1], y0=y_edges[r + 1], y1=y_edges[r + 1],
                                           before=here, after=grid[r + 1][c]))
    return out
