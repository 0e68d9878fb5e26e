"""``POST /api/v1/map``: the decision map of a scenario document (the `llmplace map --json` document).

The axes are query parameters written as on the command line (``PATH=LOW:HIGH[:log][:N]``); a bad axis is a
422 naming the parameter. With ``figure=true`` the answer also carries the report's heatmap as a plotly
figure (``figure``: data and layout), which the page draws as it is.

A map through the API is bounded tighter than on the command line: at most :data:`MAX_REST_MAP_CELLS` cells
(a 422 names the longer axis otherwise), one map at a time per server (a second waits, so concurrent maps
cannot multiply memory), and a client that disconnects stops its map at the next chunk of cells.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import Query, Request, Response

from ..errors import InputError
from .api import ScenarioBody, router
from .cancel import POLL_S, Progress, run_until_disconnect
from .documents import evaluate, json_response, validate_document

__all__ = ["MAX_REST_MAP_CELLS", "map_document", "router"]  #: the API's own router, with POST /map added

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid input: one entry per field with loc, msg, field, value and allowed"},
}
_AXIS = "PATH=LOW:HIGH[:log][:N], as `llmplace map` takes it"
MAX_REST_MAP_CELLS = 10_000  #: cells of one map through the API (100 x 100 of consumer-chat: 1.5-2.8 s, 300 MB peak)
_ONE_MAP = threading.Lock()  #: maps run one at a time per server process


def map_document(document: dict[str, Any], x: str, y: str, figure: bool,
                 progress: Progress | None = None) -> dict[str, Any]:
    """The map's JSON document, with the report's heatmap under ``figure`` when asked for; ``progress`` is
    called after each chunk of cells (and while waiting for another map to finish)."""
    from ..maps import decision_map, parse_axis

    s = validate_document(document)
    ax, ay = parse_axis(x, "x"), parse_axis(y, "y")
    if ax.steps * ay.steps > MAX_REST_MAP_CELLS:
        name, axis = ("x", x) if ax.steps >= ay.steps else ("y", y)
        raise InputError(name, axis, f"at most {MAX_REST_MAP_CELLS:,} cells through the API (x steps times y steps; "
                                     f"this map has {ax.steps} x {ay.steps}); `llmplace map` takes larger maps")
    while not _ONE_MAP.acquire(timeout=POLL_S):
        if progress is not None:
            progress(0, 0)  # raises once the client is gone
    try:
        m = evaluate(lambda: decision_map(s, ax, ay, progress=progress))
    finally:
        _ONE_MAP.release()
    out: dict[str, Any] = m.to_dict()
    if figure:
        from ..report.maps import map_figure

        out["figure"] = json.loads(map_figure(m).to_json())
    return out


@router.post("/map", tags=["engine"], responses=_ERRORS,
             summary="The cheapest and the recommended option over a grid of two inputs (`llmplace map --json`)")
async def map_endpoint(
    request: Request,
    document: ScenarioBody,
    x: str = Query(..., max_length=300, description=f"the first input and its range: {_AXIS}, e.g. "
                                                    "workload.requests_per_month=1e5:1e8:log:30"),
    y: str = Query(..., max_length=300, description=f"the second input and its range: {_AXIS}, e.g. "
                                                    "finance.api_price_change_pct_per_year=-40:0:20"),
    figure: bool = Query(False, description="add the report's heatmap as a plotly figure"),
) -> Response:
    def work(progress: Progress) -> Response:
        return json_response(map_document(document, x, y, figure, progress))

    return await run_until_disconnect(request, work, "map")
