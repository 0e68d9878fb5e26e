"""``POST /api/v1/map``: the decision map of a scenario document (the `llmplace map --json` document).

The axes are query parameters written as on the command line (``PATH=LOW:HIGH[:log][:N]``); a bad axis is a
422 naming the parameter. With ``figure=true`` the answer also carries the report's heatmap as a plotly
figure (``figure``: data and layout), which the page draws as it is.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Query, Request, Response

from .api import ScenarioBody, router
from .cancel import Progress, run_until_disconnect
from .documents import evaluate, json_response, validate_document

__all__ = ["map_document", "router"]  #: the API's own router, with POST /map added

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid input: one entry per field with loc, msg, field, value and allowed"},
}
_AXIS = "PATH=LOW:HIGH[:log][:N], as `llmplace map` takes it"


def map_document(document: dict[str, Any], x: str, y: str, figure: bool) -> dict[str, Any]:
    """The map's JSON document, with the report's heatmap under ``figure`` when asked for."""
    from ..maps import decision_map, parse_axis

    s = validate_document(document)
    ax, ay = parse_axis(x, "x"), parse_axis(y, "y")
    m = evaluate(lambda: decision_map(s, ax, ay))
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
    def work(_progress: Progress) -> Response:
        return json_response(map_document(document, x, y, figure))

    return await run_until_disconnect(request, work, "map")
