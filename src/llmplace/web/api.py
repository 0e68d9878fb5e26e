"""REST API under ``/api/v1``: compare, size, report and saved scenarios.

The answers are the same JSON documents as the CLI's ``--json`` output. Errors:

- bad input: HTTP 422, ``{"detail": [{"loc": [...], "msg": ..., "type": ..., "field": ..., "value": ...,
  "allowed": ...}, ...]}`` (one entry per field, for schema errors and for the engine's own checks alike);
- unknown scenario id: 404; a save against an older version: 409 (``{"detail": ..., "current_version": n}``).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from ..conventions import DEFAULT_SAMPLES, MAX_SAMPLES
from ..decision import CompareResult, compare, front_end_samples
from ..errors import InputError, field_path
from ..scenario import Scenario, parse_scenario
from .storage import NAME_MAX, ScenarioStore

__all__ = ["DocumentError", "EvaluationError", "SCENARIO_MARK", "SizeRequest", "input_error_detail", "router",
           "unencodable_strings", "validate_document", "validation_error_detail"]

log = logging.getLogger("llmplace.web")

_JSON_SCALARS = (str, int, float, bool, type(None))


class EvaluationError(Exception):
    """The engine failed on input that passed validation; answered as 422, logged with its traceback."""


class DocumentError(Exception):
    """A scenario document is invalid; ``detail`` holds one entry per field (answered as 422)."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        self.detail = detail
        super().__init__("; ".join(f"{d['field']}: {d['msg']}" for d in detail))


SCENARIO_MARK = "x-llmplace-scenario"
ScenarioDocument = Annotated[dict[str, Any], WithJsonSchema({"type": "object", SCENARIO_MARK: True})]
"""A scenario document: the structure of a scenario file (see ``llmplace schema``), as JSON. In the
OpenAPI document the marked schema becomes a reference to the ``Scenario`` component."""


# --- strict JSON bodies ----------------------------------------------------------------------------------


def _finite_float(s: str) -> float:
    x = float(s)
    if not math.isfinite(x):
        raise json.JSONDecodeError(f"number out of range: {s[:40]}", s, 0)
    return x


def _no_constant(s: str) -> Any:
    raise json.JSONDecodeError(f"{s} is not allowed: numbers must be finite", s, 0)


class _StrictJSONRequest(Request):
    """Request whose JSON body rejects NaN, Infinity and numbers too large for a float."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body, parse_float=_finite_float, parse_constant=_no_constant)
            except json.JSONDecodeError:
                raise
            except (ValueError, UnicodeDecodeError) as exc:  # e.g. integers with thousands of digits
                raise json.JSONDecodeError(str(exc)[:200], body.decode("utf-8", "replace")[:200], 0) from None
        return self._json


_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_BAD_STRINGS_SHOWN = 20


def _printable(s: str) -> str:
    """``s`` with characters that UTF-8 cannot encode (lone surrogates) written as ``\\udxxx``."""
    return s.encode("utf-8", "backslashreplace").decode("utf-8")


def _encodable(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unencodable_strings(data: Any, prefix: Sequence[str | int] = ("body",)) -> list[dict[str, Any]]:
    """An error entry for each string (value or key) in parsed JSON that UTF-8 cannot encode.

    JSON may escape a lone UTF-16 surrogate (``"\\ud800"``); Python parses it into a string that can
    be neither stored nor sent back, so such input is refused at the request boundary.
    """
    out: list[dict[str, Any]] = []
    stack: list[tuple[Any, list[str | int]]] = [(data, list(prefix))]
    while stack and len(out) < _BAD_STRINGS_SHOWN:
        node, loc = stack.pop()
        bad: str | None = None
        if isinstance(node, str):
            bad = None if _encodable(node) else node
        elif isinstance(node, dict):
            for k in reversed(list(node)):
                if not _encodable(k):
                    bad = k
                    loc = [*loc, _printable(k)]
                    break
                stack.append((node[k], [*loc, k]))
        elif isinstance(node, list):
            stack.extend((v, [*loc, i]) for i, v in reversed(list(enumerate(node))))
        if bad is not None:
            where = loc[1:] if loc and loc[0] == "body" else loc
            out.append({"loc": loc, "msg": "the text holds a lone UTF-16 surrogate, which is not a character",
                        "type": "string_unicode", "field": field_path(where) or "body",
                        "value": _safe_value(_printable(bad)), "allowed": "text of valid Unicode characters"})
    return out


class StrictJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            strict = _StrictJSONRequest(request.scope, request.receive)
            body = await strict.body()
            if _ESCAPED_SURROGATE.search(body):  # cheap test first: only escapes can make a lone surrogate
                try:
                    data = await strict.json()
                except (ValueError, RecursionError):
                    pass  # not JSON: the route reports it as usual
                else:
                    bad = unencodable_strings(data)
                    if bad:
                        raise DocumentError(bad)
            return await handler(strict)

        return strict_handler


router = APIRouter(route_class=StrictJSONRoute)


# --- error documents -------------------------------------------------------------------------------------


def _safe_value(v: Any) -> Any:
    """A JSON-safe, short rendering of a received value."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**63 else "<a very large integer>"
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, str):
        return v if len(v) <= 200 else v[:200] + "..."
    if isinstance(v, dict):
        return "{...}"
    if isinstance(v, list):
        return "[...]"
    return type(v).__name__


_BOUNDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


def _allowed(typ: str, ctx: dict[str, Any], msg: str) -> str:
    """What the field accepts, from the error's context where it says (bounds, choices, lengths)."""
    bounds = [f"{op} {ctx[k]:g}" if isinstance(ctx[k], float) else f"{op} {ctx[k]}"
              for k, op in _BOUNDS.items() if k in ctx]
    if bounds:
        return "a number " + " and ".join(bounds)
    if "expected" in ctx:
        return f"one of {ctx['expected']}"
    if typ == "too_short" and "min_length" in ctx:
        return f"at least {ctx['min_length']} item(s)"
    if typ in ("too_long", "string_too_long") and "max_length" in ctx:
        return f"at most {ctx['max_length']} item(s) or characters"
    return msg


def validation_error_detail(errors: Sequence[Any], prefix: Sequence[str] = ()) -> list[dict[str, Any]]:
    """FastAPI/pydantic validation errors as the API's error entries (field, value and what is allowed).

    ``prefix``: where the validated object sits in the request (e.g. ``("body", "document")``).
    """
    out: list[dict[str, Any]] = []
    for e in errors:
        loc = [*prefix, *(p if isinstance(p, (str, int)) else str(p) for p in e.get("loc", ()))]
        where = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        typ = str(e.get("type", "value_error"))
        if typ == "missing":
            allowed = "a value (this field is required)"
        elif typ == "extra_forbidden":
            allowed = "only the fields of the schema (see /api/v1/openapi.json)"
        elif typ == "json_invalid":
            ctx = e.get("ctx") or {}
            msg = f"JSON decode error: {ctx.get('error', 'invalid JSON')}"
            out.append({"loc": loc, "msg": msg, "type": typ, "field": "body", "value": None,
                        "allowed": "a valid JSON document with finite numbers"})
            continue
        else:
            allowed = _allowed(typ, e.get("ctx") or {}, msg)
        field = field_path(where) or (str(loc[0]) if loc else "body")
        out.append({"loc": loc, "msg": msg, "type": typ, "field": field,
                    "value": _safe_value(e.get("input")), "allowed": allowed})
    return out


_LOC_PART = re.compile(r"[^.\[\]]+|\[\d+\]")


def input_error_detail(exc: InputError, prefix: Sequence[str] = ("body",)) -> list[dict[str, Any]]:
    """An engine :class:`InputError` as the API's error entries."""
    loc: list[str | int] = list(prefix)
    for part in _LOC_PART.findall(exc.field.lstrip("-")):
        loc.append(int(part[1:-1]) if part.startswith("[") else part)
    d = exc.to_dict()
    field = field_path(loc[1:]) if loc and loc[0] == "body" else field_path(loc)
    return [{"loc": loc, "msg": d["message"], "type": "value_error", "field": field or d["field"],
             "value": _safe_value(d["value"]), "allowed": d["allowed"]}]


def _every_field_error(doc: dict[str, Any], prefix: Sequence[str]) -> list[dict[str, Any]] | None:
    """All schema errors of a document, where the scenario module can list them (None otherwise)."""
    from .. import scenario as scenario_module

    try:
        pre = scenario_module.collect_distributions(doc)  # the file loader's own preprocessing
        Scenario.model_validate(pre)
    except ValidationError as exc:
        return validation_error_detail(exc.errors(), prefix)
    except Exception:  # noqa: BLE001 - fall back on the loader's first error
        return None
    return None


def validate_document(doc: Any, prefix: Sequence[str] = ("body",)) -> Scenario:
    """Validate a scenario document as a scenario file is validated; :class:`DocumentError` if invalid.

    Files named in a document (``workload.trace_csv``) are refused: the server reads no paths a
    request names.
    """
    try:
        s = parse_scenario(doc)
    except InputError as exc:
        first = input_error_detail(exc, prefix)
        every = _every_field_error(doc, prefix) if isinstance(doc, dict) else None
        if every and any(e["field"] == first[0]["field"] for e in every):
            raise DocumentError(every) from None
        raise DocumentError(first + [e for e in every or [] if e["field"] != first[0]["field"]]) from None
    if s.workload.trace_csv is not None:
        raise DocumentError(input_error_detail(InputError(
            "workload.trace_csv", s.workload.trace_csv,
            "no file over HTTP: the server does not read paths named in a request; give hourly_weights or a "
            "shape instead, or use the command line"), prefix))
    return s


def _json(data: Any, status_code: int = 200) -> Response:
    """JSON with plain floats; a non-finite number in a result becomes a 422 rather than a broken document."""
    try:
        body = json.dumps(data, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        raise EvaluationError("the result holds a non-finite number (check extreme input values)") from None
    return Response(body, status_code=status_code, media_type="application/json")


def _evaluate(fn: Callable[[], Any]) -> Any:
    """Run an engine call; input errors pass through, anything else becomes an :class:`EvaluationError`."""
    try:
        return fn()
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as 422 and logged with its traceback
        log.exception("engine error on validated input")
        raise EvaluationError(f"{type(exc).__name__}: {exc}"[:300]) from None


# --- compare ---------------------------------------------------------------------------------------------

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid input: one entry per field with loc, msg, field, value and allowed"},
}


ScenarioBody = Annotated[dict[str, Any], WithJsonSchema({"type": "object", SCENARIO_MARK: True}),
                         Body(description="a scenario document: the structure of a scenario file, as JSON")]
_SAMPLES = Query(None, ge=0, le=MAX_SAMPLES,
                 description="Monte Carlo samples; 0 = deterministic only; default, as the CLI: the "
                             f"scenario's uncertainty.samples, else {DEFAULT_SAMPLES}")
_SEED = Query(None, ge=0, le=2**32 - 1, description="random seed of the Monte Carlo run")


@router.post("/compare", tags=["engine"], responses={200: {"model": CompareResult}, **_ERRORS},
             summary="Compare every option of a scenario (the `llmplace compare --json` document)")
def compare_endpoint(
    document: ScenarioBody,
    samples: int | None = _SAMPLES,
    seed: int | None = _SEED,
) -> Response:
    s = validate_document(document)
    result = _evaluate(lambda: compare(s, samples=front_end_samples(s, samples), seed=seed))
    return _json(result.to_dict())


# --- size ------------------------------------------------------------------------------------------------


class SizeRequest(BaseModel):
    """The options of ``llmplace size`` as a JSON body."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    model: str = Field(description="model id or alias, e.g. llama-3.1-70b", max_length=200)
    gpu: str = Field(description="GPU id or alias, e.g. h100-sxm", max_length=200)
    gpus: int = Field(0, ge=0, le=64,
                      description="GPUs per replica (tensor parallel); 0 = the fewest that fit")
    precision: str = Field("fp8", description="fp16, bf16, fp8, int8, int4 or fp4", max_length=20)
    engine: str = Field("", description="trt-llm, vllm, sglang or tgi (default vllm)", max_length=40)
    input_tokens: int = Field(1000, gt=0, le=10_000_000, description="prompt tokens per request")
    output_tokens: int = Field(1000, gt=0, le=10_000_000, description="generated tokens per request")
    concurrency: Annotated[int, Field(ge=1, le=1_000_000)] | Literal["max"] = Field(
        "max", description="concurrent sequences, or 'max' (offline throughput / largest meeting the targets)")
    kv_precision: str = Field(
        "", description="KV-cache precision (default: fp8 for fp8/fp4 weights, else fp16)", max_length=20)
    ttft_ms: float = Field(0.0, ge=0, le=1e9, description="time-to-first-token target [ms]; 0 = the default")
    tpot_ms: float = Field(0.0, ge=0, le=1e9, description="time-per-output-token target [ms]; 0 = the default")
    rps: float = Field(0.0, ge=0, le=1e9,
                       description="request rate to size replicas for [requests/s]; 0 = none")
    peak_to_average: float = Field(1.0, ge=1, le=1000, description="peak headroom for rps")
    workload: Literal["interactive", "batch"] = Field("interactive", description="batch: no default latency targets")


def size_document(req: SizeRequest) -> dict[str, Any]:
    """The ``llmplace size --json`` document for these options (same checks and defaults as the CLI)."""
    from .. import sizing

    conc = None if req.concurrency == "max" else int(req.concurrency)
    return sizing.size_document(
        req.model, req.gpu, gpus=req.gpus, precision=req.precision, engine=req.engine or None, concurrency=conc,
        input_tokens=req.input_tokens, output_tokens=req.output_tokens, kv_precision=req.kv_precision or None,
        ttft_ms=req.ttft_ms or None, tpot_ms=req.tpot_ms or None, rps=req.rps or None,
        peak_to_average=req.peak_to_average, workload=req.workload)


@router.post("/size", tags=["engine"], responses=_ERRORS,
             summary="Memory, throughput and latency of a model on a GPU "
                     "(the `llmplace size --json` document)")
def size_endpoint(req: SizeRequest) -> Response:
    return _json(_evaluate(lambda: size_document(req)))


# --- report ----------------------------------------------------------------------------------------------

ReportFormat = Literal["html", "md", "json", "xlsx"]
_MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
          "json": "application/json",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def report_samples(scenario: Scenario, samples: int | None = None) -> int:
    """The Monte Carlo samples of every front end (see :func:`llmplace.decision.front_end_samples`)."""
    return front_end_samples(scenario, samples)


def render_report(scenario: Scenario, fmt: str, samples: int | None = None,
                  seed: int | None = None) -> str | bytes:
    """The report of ``scenario`` in ``fmt`` (html, md, json or xlsx), as the CLI writes it (same Monte
    Carlo default: see :func:`report_samples`)."""
    from .. import report

    return report.render(compare(scenario, samples=report_samples(scenario, samples), seed=seed), fmt)


@router.post("/report", tags=["engine"],
             responses={200: {"content": {"text/html": {}, "text/markdown": {}, "application/json": {},
                                          _MEDIA["xlsx"]: {}},
                              "description": "the report"},
                        **_ERRORS},
             summary="The decision report of a scenario (HTML, Markdown, JSON or an xlsx workbook)")
def report_endpoint(
    document: ScenarioBody,
    format: ReportFormat = Query("html", description="html, md, json or xlsx"),
    download: bool = Query(False, description="send as an attachment (always for xlsx)"),
    samples: int | None = Query(None, ge=0, le=MAX_SAMPLES,
                                description="Monte Carlo samples; 0 = deterministic only; default, as "
                                            "the CLI: the scenario's uncertainty.samples, else "
                                            f"{DEFAULT_SAMPLES}"),
    seed: int | None = _SEED,
) -> Response:
    scenario = validate_document(document)
    body = _evaluate(lambda: render_report(scenario, format, samples, seed))
    headers = {}
    if download or format == "xlsx":
        headers["Content-Disposition"] = f'attachment; filename="{_filename(scenario.name)}-report.{format}"'
    return Response(body, media_type=_MEDIA[format], headers=headers)


# --- scenario files --------------------------------------------------------------------------------------

FileFormat = Literal["yaml", "json"]


def _filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:80] or "scenario"


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
    s = validate_document(document)
    return _file_response(document, s.name, format)


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
    return _json({"scenarios": [r.to_dict(with_document=False) for r in rows]})


@router.post("/scenarios", tags=["scenarios"], status_code=201, response_model=SavedScenarioOut,
             responses=_ERRORS, summary="Save a new scenario")
def create_scenario(body: ScenarioCreate, request: Request) -> Response:
    s = validate_document(body.document, ("body", "document"))
    rec = _store(request).create(body.name or s.name, body.document)
    return _json(rec.to_dict(), status_code=201)


@router.get("/scenarios/{scenario_id}", tags=["scenarios"], response_model=SavedScenarioOut,
            responses={**_NOT_FOUND, **_ERRORS}, summary="One saved scenario")
def read_scenario(scenario_id: str, request: Request) -> Response:
    return _json(_store(request).get(scenario_id).to_dict())


@router.put("/scenarios/{scenario_id}", tags=["scenarios"], response_model=SavedScenarioOut,
            responses={**_NOT_FOUND, **_CONFLICT, **_ERRORS},
            summary="Replace a saved scenario (give the version you read; 409 if it changed since)")
def update_scenario(scenario_id: str, body: ScenarioUpdate, request: Request) -> Response:
    s = validate_document(body.document, ("body", "document"))
    rec = _store(request).update(scenario_id, body.version, body.name or s.name, body.document)
    return _json(rec.to_dict())


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


def exception_handlers() -> dict[Any, Callable[[Request, Any], Awaitable[Response]]]:
    """Handlers that turn errors into the API's documents (see the module docstring)."""
    from .storage import ConflictError, NotFoundError, StorageError

    async def on_validation(_r: Request, exc: RequestValidationError) -> Response:
        return _json({"detail": validation_error_detail(exc.errors())}, 422)

    async def on_input(_r: Request, exc: InputError) -> Response:
        return _json({"detail": input_error_detail(exc)}, 422)

    async def on_document(_r: Request, exc: DocumentError) -> Response:
        return _json({"detail": exc.detail}, 422)

    async def on_evaluation(_r: Request, exc: EvaluationError) -> Response:
        return _json({"detail": [{"loc": ["body"], "msg": f"the input could not be evaluated: {exc}",
                                  "type": "evaluation_error", "field": "body", "value": None,
                                  "allowed": "inputs within the ranges the engine can evaluate"}]}, 422)

    async def on_not_found(_r: Request, exc: NotFoundError) -> Response:
        return _json({"detail": str(exc)}, 404)

    async def on_conflict(_r: Request, exc: ConflictError) -> Response:
        return _json({"detail": str(exc), "current_version": exc.current}, 409)

    async def on_storage(_r: Request, exc: StorageError) -> Response:
        log.error("storage error: %s", exc)
        return _json({"detail": f"storage unavailable: {exc}"}, 503)

    return {RequestValidationError: on_validation, InputError: on_input, DocumentError: on_document,
            EvaluationError: on_evaluation,
            NotFoundError: on_not_found, ConflictError: on_conflict, StorageError: on_storage}
