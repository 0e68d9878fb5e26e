"""REST API under ``/api/v1``: compare, size, report and saved scenarios.

The answers are the same JSON documents as the CLI's ``--json`` output; the request checks and the
error documents are in :mod:`.documents`. A compare or report whose client disconnects stops at the
next chunk of Monte Carlo draws (:mod:`.cancel`). Finished compare and report answers are sent again
to identical requests (:mod:`.results_cache`); deterministic runs may be computed in worker processes
(:mod:`.compute`). A portfolio document (``workloads``) sent to compare is answered with its
``compare --json`` document, computed in the server's threads (point values unless ``samples`` is above 0).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeGuard

import yaml
from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ..conventions import DEFAULT_SAMPLES, MAX_SAMPLES
from ..decision import CompareResult, front_end_samples
from ..results.portfolio import PortfolioResult
from ..scenario import Scenario
from ..scenario.portfolio import is_portfolio
from .cancel import Progress, run_until_disconnect
from .compute import MEDIA, ComputePool, compare_answer, file_stem, portfolio_answer, report_answer
from .documents import (
    SCENARIO_MARK,
    DocumentError,
    EvaluationError,
    ScenarioDocument,
    StrictJSONRoute,
    evaluate,
    exception_handlers,
    input_error_detail,
    json_response,
    unencodable_strings,
    validate_document,
    validate_portfolio,
    validation_error_detail,
)
from .results_cache import CACHE_HEADER, CachedAnswer, ResultCache
from .storage import NAME_MAX, ScenarioStore

__all__ = ["DocumentError", "EvaluationError", "SCENARIO_MARK", "SizeRequest", "exception_handlers",
           "input_error_detail", "router", "unencodable_strings", "validate_document", "validation_error_detail"]

router = APIRouter(route_class=StrictJSONRoute)


# --- compare ---------------------------------------------------------------------------------------------

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid input: one entry per field with loc, msg, field, value and allowed"},
}


ScenarioBody = Annotated[dict[str, Any], WithJsonSchema({"type": "object", SCENARIO_MARK: True}),
                         Body(description="a scenario document: the structure of a scenario file, as JSON")]
_SAMPLES = Query(None, ge=0, le=MAX_SAMPLES,
                 description="Monte Carlo samples; 0 = deterministic only; default, as the CLI: the "
                             f"scenario's uncertainty.samples, else {DEFAULT_SAMPLES}. A portfolio (a document "
                             "with workloads): point values when 0 or left out; above 0, Monte Carlo ranges per "
                             "option and plan (samples x options x months summed over its workloads within the "
                             "single-scenario limit)")
_SEED = Query(None, ge=0, le=2**32 - 1, description="random seed of the Monte Carlo run")


@router.post("/compare", tags=["engine"], responses={200: {"model": CompareResult | PortfolioResult}, **_ERRORS},
             summary="Compare every option of a scenario, or every workload and plan of a portfolio (the "
                     "`llmplace compare --json` document)")
async def compare_endpoint(
    request: Request,
    document: ScenarioBody,
    samples: int | None = _SAMPLES,
    seed: int | None = _SEED,
) -> Response:
    cache, pool = _result_cache(request), _compute_pool(request)

    def work(progress: Progress) -> tuple[CachedAnswer, str]:
        def compute() -> CachedAnswer:
            if is_portfolio(document):
                return portfolio_answer(document, samples, seed=seed, progress=progress)
            s = validate_document(document)
            done = pool.run("compare", document, samples=samples, seed=seed) if _in_pool(pool, s, samples) else None
            return done or compare_answer(s, samples, seed, progress)

        return cache.answer(cache.key("compare", document, samples=samples, seed=seed), compute, progress)

    return _sent(await run_until_disconnect(request, work, "compare"))


def _result_cache(request: Request) -> ResultCache:
    cache: ResultCache = request.app.state.result_cache
    return cache


def _compute_pool(request: Request) -> ComputePool | None:
    pool: ComputePool | None = getattr(request.app.state, "compute_pool", None)
    return pool


def _in_pool(pool: ComputePool | None, scenario: Scenario, samples: int | None) -> TypeGuard[ComputePool]:
    """Whether a run goes to the worker processes: deterministic runs only (see :mod:`.compute`)."""
    return pool is not None and front_end_samples(scenario, samples) == 0


def _sent(answer: tuple[CachedAnswer, str]) -> Response:
    """A cached or fresh answer, marked with how it was obtained (see :mod:`.results_cache`)."""
    found, how = answer
    return Response(found.body, media_type=found.media_type, headers={**found.headers, CACHE_HEADER: how})


# --- size ------------------------------------------------------------------------------------------------


class SizeRequest(BaseModel):
    """The options of ``llmplace size`` as a JSON body."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    model: str = Field(description="model id or alias, e.g. llama-3.1-70b", max_length=200)
    gpu: str = Field(description="GPU id or alias, e.g. h100-sxm", max_length=200)
    gpus: int = Field(0, ge=0, le=256,
                      description="GPUs per replica: 1, 2, 4, 8 in one server or a multiple of 8 over several; "
                                  "0 = the fewest that fit")
    nodes: int = Field(0, ge=0, le=32, description="servers per replica (8 GPUs each); 0 = from gpus")
    pp: int = Field(0, ge=0, le=32, description="pipeline stages; 0 = one per server")
    ep: bool = Field(False, description="expert parallelism over all the replica's GPUs (mixture-of-experts models)")
    dp_attention: bool = Field(False, description="data-parallel attention: each GPU its own sequences' KV cache")
    tp_across_nodes: bool = Field(False, description="one tensor-parallel group over all the servers")
    fabric: str = Field("", max_length=40, description="network between servers: infiniband-ndr, roce-400g, "
                                                        "roce-200g or ethernet-100g (default, the slowest)")
    precision: str = Field("fp8", description="fp16, bf16, fp8, int8, int4, mxfp4 or nvfp4", max_length=20)
    engine: str = Field("", description="trt-llm, vllm, sglang or tgi (default vllm)", max_length=40)
    input_tokens: int = Field(1000, gt=0, le=10_000_000, description="prompt tokens per request")
    output_tokens: int = Field(1000, gt=0, le=10_000_000, description="generated tokens per request")
    concurrency: Annotated[int, Field(ge=1, le=1_000_000)] | Literal["max"] = Field(
        "max", description="concurrent sequences, or 'max' (offline throughput / largest meeting the targets)")
    kv_precision: str = Field(
        "", description="KV-cache precision (default: fp8 for fp8/mxfp4/nvfp4 weights, else fp16)", max_length=20)
    ttft_ms: float = Field(0.0, ge=0, le=1e9, description="time-to-first-token target [ms]; 0 = the default")
    tpot_ms: float = Field(0.0, ge=0, le=1e9, description="time-per-output-token target [ms]; 0 = the default")
    rps: float = Field(0.0, ge=0, le=1e9,
                       description="request rate to size replicas for [requests/s]; 0 = none")
    peak_to_average: float = Field(1.0, ge=1, le=1000, description="peak headroom for rps")
    workload: Literal["interactive", "batch"] = Field("interactive", description="batch: no default latency targets")
    spec_method: Literal["", "draft", "eagle", "mtp", "ngram"] = Field(
        "", description="speculative decoding method; empty = off")
    spec_tokens: int = Field(0, ge=0, le=16, description="tokens drafted per step k; 0 = the method's default")
    spec_acceptance: float | None = Field(
        None, ge=0, le=1, description="per-token acceptance rate; null = the method's published default")
    spec_draft_model: str = Field("", max_length=200, description="draft model id (spec_method draft)")


def size_document(req: SizeRequest) -> dict[str, Any]:
    """The ``llmplace size --json`` document for these options (same checks and defaults as the CLI)."""
    from .. import sizing

    conc = None if req.concurrency == "max" else int(req.concurrency)
    return sizing.size_document(
        req.model, req.gpu, gpus=req.gpus, precision=req.precision, engine=req.engine or None, concurrency=conc,
        spec_method=req.spec_method or None, spec_tokens=req.spec_tokens or None,
        spec_acceptance=req.spec_acceptance, spec_draft_model=req.spec_draft_model or None,
        input_tokens=req.input_tokens, output_tokens=req.output_tokens, kv_precision=req.kv_precision or None,
        ttft_ms=req.ttft_ms or None, tpot_ms=req.tpot_ms or None, rps=req.rps or None,
        peak_to_average=req.peak_to_average, workload=req.workload,
        parallel=sizing.ParallelAsk(nodes=req.nodes, pp=req.pp, ep=req.ep, dp_attention=req.dp_attention,
                                    tp_across_nodes=req.tp_across_nodes, fabric=req.fabric.strip().lower() or None))


@router.post("/size", tags=["engine"], responses=_ERRORS,
             summary="Memory, throughput and latency of a model on a GPU "
                     "(the `llmplace size --json` document)")
def size_endpoint(req: SizeRequest) -> Response:
    return json_response(evaluate(lambda: size_document(req)))


# --- report ----------------------------------------------------------------------------------------------

ReportFormat = Literal["html", "md", "json", "xlsx", "pptx"]
_MEDIA = MEDIA


def report_samples(scenario: Scenario, samples: int | None = None) -> int:
    """The Monte Carlo samples of every front end (see :func:`llmplace.decision.front_end_samples`)."""
    return front_end_samples(scenario, samples)


@router.post("/report", tags=["engine"],
             responses={200: {"content": {"text/html": {}, "text/markdown": {}, "application/json": {},
                                          _MEDIA["xlsx"]: {}, _MEDIA["pptx"]: {}},
                              "description": "the report"},
                        **_ERRORS},
             summary="The decision report of a scenario (HTML, Markdown, JSON, an xlsx workbook or a pptx deck)")
async def report_endpoint(
    request: Request,
    document: ScenarioBody,
    format: ReportFormat = Query("html", description="html, md, json, xlsx or pptx (a portfolio: html, md, json or "
                                                     "xlsx)"),
    download: bool = Query(False, description="send as an attachment (always for xlsx and pptx)"),
    samples: int | None = Query(None, ge=0, le=MAX_SAMPLES,
                                description="Monte Carlo samples; 0 = deterministic only; default, as "
                                            "the CLI: the scenario's uncertainty.samples, else "
                                            f"{DEFAULT_SAMPLES} (a portfolio: 0 unless given)"),
    seed: int | None = _SEED,
) -> Response:
    cache, pool = _result_cache(request), _compute_pool(request)

    def work(progress: Progress) -> tuple[CachedAnswer, str]:
        def compute() -> CachedAnswer:
            if is_portfolio(document):
                return portfolio_answer(document, samples, format, seed, download, progress)
            s = validate_document(document)
            done = (pool.run("report", document, format=format, download=download, samples=samples, seed=seed)
                    if _in_pool(pool, s, samples) else None)
            return done or report_answer(s, format, download, samples, seed, progress)

        key = cache.key("report", document, format=format, download=download, samples=samples, seed=seed)
        return cache.answer(key, compute, progress)

    return _sent(await run_until_disconnect(request, work, f"{format} report"))


# --- scenario files --------------------------------------------------------------------------------------

FileFormat = Literal["yaml", "json"]


_filename = file_stem


def _file_response(doc: dict[str, Any], name: str, fmt: str) -> Response:
    if fmt == "json":
        body = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        media = "application/json"
    else:
        body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
        media = "application/yaml"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{_filename(name)}.{fmt}"'})


@router.post("/scenario-file", tags=["scenarios"],
             responses={200: {"content": {"application/yaml": {}}}, **_ERRORS},
             summary="A scenario document as a downloadable scenario file (YAML or JSON)")
def scenario_file(document: ScenarioBody,
                  format: FileFormat = Query("yaml")) -> Response:
    return _file_response(document, _document_name(document), format)


def _document_name(document: Any, prefix: tuple[str, ...] = ("body",)) -> str:
    """The name of a valid scenario or portfolio document (a portfolio is saved and downloaded as it is written);
    :class:`DocumentError` naming the first bad field otherwise."""
    if is_portfolio(document):
        return validate_portfolio(document, prefix).name
    return validate_document(document, prefix).name


# --- saved scenarios -------------------------------------------------------------------------------------


class ScenarioCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=NAME_MAX, description="default: the scenario's name")
    document: ScenarioDocument


class ScenarioUpdate(ScenarioCreate):
    version: int = Field(ge=1, le=2**62,
                         description="the version this change was made from (optimistic lock)")


class SavedScenarioSummary(BaseModel):
    id: str
    name: str
    version: int
    created_at: str
    updated_at: str


class SavedScenarioOut(SavedScenarioSummary):
    document: dict[str, Any]


class ScenarioList(BaseModel):
    scenarios: list[SavedScenarioSummary]


_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no saved scenario with this id"}}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "the scenario was saved by someone else since this version"}}


def _store(request: Request) -> ScenarioStore:
    store: ScenarioStore = request.app.state.store
    return store


@router.get("/scenarios", tags=["scenarios"], response_model=ScenarioList, responses=_ERRORS,
            summary="Saved scenarios, most recently updated first")
def list_scenarios(request: Request, limit: int = Query(200, ge=1, le=1000),
                   offset: int = Query(0, ge=0, le=2**31)) -> Response:
    rows = _store(request).list_scenarios(limit=limit, offset=offset)
    return json_response({"scenarios": [r.to_dict(with_document=False) for r in rows]})


@router.post("/scenarios", tags=["scenarios"], status_code=201, response_model=SavedScenarioOut,
             responses=_ERRORS, summary="Save a new scenario")
def create_scenario(body: ScenarioCreate, request: Request) -> Response:
    rec = _store(request).create(body.name or _document_name(body.document, ("body", "document")), body.document)
    return json_response(rec.to_dict(), status_code=201)


@router.get("/scenarios/{scenario_id}", tags=["scenarios"], response_model=SavedScenarioOut,
            responses={**_NOT_FOUND, **_ERRORS}, summary="One saved scenario")
def read_scenario(scenario_id: str, request: Request) -> Response:
    return json_response(_store(request).get(scenario_id).to_dict())


@router.put("/scenarios/{scenario_id}", tags=["scenarios"], response_model=SavedScenarioOut,
            responses={**_NOT_FOUND, **_CONFLICT, **_ERRORS},
            summary="Replace a saved scenario (give the version you read; 409 if it changed since)")
def update_scenario(scenario_id: str, body: ScenarioUpdate, request: Request) -> Response:
    name = _document_name(body.document, ("body", "document"))
    rec = _store(request).update(scenario_id, body.version, body.name or name, body.document)
    return json_response(rec.to_dict())


@router.delete("/scenarios/{scenario_id}", tags=["scenarios"], status_code=204,
               responses={**_NOT_FOUND, **_CONFLICT, **_ERRORS}, summary="Delete a saved scenario")
def delete_scenario(
    scenario_id: str, request: Request,
    version: int | None = Query(None, ge=1, le=2**62, description="delete only if still at this version"),
) -> Response:
    _store(request).delete(scenario_id, version)
    return Response(status_code=204)


@router.get("/scenarios/{scenario_id}/file", tags=["scenarios"],
            responses={200: {"content": {"application/yaml": {}}}, **_NOT_FOUND, **_ERRORS},
            summary="A saved scenario as a scenario file (YAML or JSON)")
def saved_scenario_file(scenario_id: str, request: Request, format: FileFormat = Query("yaml")) -> Response:
    rec = _store(request).get(scenario_id)
    return _file_response(rec.document, rec.name, format)


