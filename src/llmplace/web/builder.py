"""REST API behind the page's option builder, its example picker and its scenario diff.

* ``GET /catalog/pickers``: the server builds, cloud instances (regions, plans) and API providers that
  can serve a model (:mod:`.pickers`);
* ``GET /examples`` and ``GET /examples/{id}``: the bundled example scenarios (and portfolios), to start from;
* ``GET /scenario-diff?a=..&b=..``: the inputs that differ between two saved scenarios (defaults applied) and
  the change in each option's cost figures, the recommendation and the cheapest option (deterministic runs,
  no Monte Carlo): the :class:`ScenarioDiff` that ``llmplace diff --json`` prints.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from ..diffing import diff_scenarios, inputs_only
from ..errors import InputError
from ..results.scenario_diff import ScenarioDiff
from ..scenario.loading import parse_yaml
from ..scenario.schema import Precision
from .cancel import Progress, run_until_disconnect
from .documents import DocumentError, EvaluationError, StrictJSONRoute, evaluate, json_response, validate_document
from .pickers import PickerChoices, picker_choices
from .storage import ScenarioStore

__all__ = ["ExampleInfo", "example_document", "examples", "router"]

router = APIRouter(route_class=StrictJSONRoute)

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid input: one entry per field with loc, msg, field, value and allowed"},
}


@router.get("/catalog/pickers", tags=["catalog"], response_model=PickerChoices, responses=_ERRORS,
            summary="Server builds, cloud instances and API providers that can serve a model")
def pickers_endpoint(
    model: str = Query(max_length=200, description="the scenario's model.name (catalog id or alias)"),
    precision: Precision = Query("fp8", description="the scenario's model.precision"),
    kv_precision: Precision | None = Query(None, description="the scenario's model.kv_precision"),
    input_tokens: int = Query(1000, ge=1, le=10_000_000, description="workload.input_tokens_per_request"),
    output_tokens: int = Query(300, ge=1, le=10_000_000, description="workload.output_tokens_per_request"),
) -> Response:
    return json_response(picker_choices(model, precision, kv_precision, input_tokens, output_tokens).model_dump())


# --- bundled examples ------------------------------------------------------------------------------------


class ExampleInfo(BaseModel):
    id: str = Field(description="file name without .yaml")
    name: str
    description: str


@cache
def _example_texts() -> dict[str, str]:
    """The bundled example files (``llmplace/examples/*.yaml``, then the portfolios in ``examples/portfolios/``),
    by id (the file name without .yaml)."""
    folder = resources.files("llmplace") / "examples"
    if not folder.is_dir():
        return {}
    out: dict[str, str] = {}
    for where in (folder, folder / "portfolios"):
        if where.is_dir():
            out.update({f.name.removesuffix(".yaml"): f.read_text(encoding="utf-8")
                        for f in sorted(where.iterdir(), key=lambda f: f.name) if f.name.endswith(".yaml")})
    return out


def example_document(example_id: str) -> dict[str, Any]:
    """The bundled example ``example_id`` as a scenario document; InputError naming it if there is none."""
    texts = _example_texts()
    if example_id not in texts:
        raise InputError("example", example_id, ", ".join(texts) or "none bundled")
    doc: dict[str, Any] = parse_yaml(texts[example_id])
    return doc


def examples() -> list[ExampleInfo]:
    out = []
    for eid in _example_texts():
        doc = example_document(eid)
        out.append(ExampleInfo(id=eid, name=str(doc.get("name", eid)),
                               description=str(doc.get("description", "")).strip()))
    return out


@router.get("/examples", tags=["scenarios"], response_model=list[ExampleInfo],
            summary="The bundled example scenarios")
def list_examples() -> Response:
    return json_response([e.model_dump() for e in examples()])


@router.get("/examples/{example_id}", tags=["scenarios"], responses=_ERRORS,
            summary="One bundled example as a scenario document")
def read_example(example_id: str) -> Response:
    return json_response(example_document(example_id))


# --- diff of two saved scenarios -------------------------------------------------------------------------


@router.get("/scenario-diff", tags=["scenarios"], response_model=ScenarioDiff,
            responses={404: {"description": "no saved scenario with this id"}, **_ERRORS},
            summary="Inputs that differ between two saved scenarios, and the change in each option's costs")
async def scenario_diff(request: Request, a: str = Query(max_length=100), b: str = Query(max_length=100)) -> Response:
    store: ScenarioStore = request.app.state.store
    rec_a, rec_b = store.get(a), store.get(b)

    def work(progress: Progress) -> Response:
        try:
            sa, sb = validate_document(rec_a.document), validate_document(rec_b.document)
            out = evaluate(lambda: diff_scenarios(sa, sb, samples=0, progress=progress))
            out = out.model_copy(update={"a": rec_a.name, "b": rec_b.name})
        except (InputError, DocumentError, EvaluationError) as exc:  # e.g. saved under an older catalog
            out = inputs_only(rec_a.name, rec_b.name, rec_a.document, rec_b.document, str(exc))
        return json_response(out.model_dump(mode="json"))

    return await run_until_disconnect(request, work, "scenario diff")
