"""The API's JSON documents: strict JSON bodies, scenario validation and the error entries.

Errors: bad input is HTTP 422 with ``{"detail": [{"loc": [...], "msg": ..., "type": ..., "field": ...,
"value": ..., "allowed": ...}, ...]}`` (one entry per field, for schema errors and for the engine's own
checks alike); an unknown scenario id 404; a save against an older version 409
(``{"detail": ..., "current_version": n}``); a client that went away before its answer 499 (logged in
one line, never sent).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Annotated, Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError, WithJsonSchema
from starlette.requests import ClientDisconnect

from ..errors import InputError, field_path
from ..scenario import Scenario, parse_scenario
from ..scenario.money import with_money_converted
from ..scenario.portfolio import Portfolio, parse_portfolio
from .cancel import ClientGone

__all__ = ["DocumentError", "EvaluationError", "SCENARIO_MARK", "ScenarioDocument", "StrictJSONRoute",
           "evaluate", "exception_handlers", "input_error_detail", "json_response", "result_json", "safe_value",
           "unencodable_strings", "validate_document", "validate_portfolio", "validation_error_detail"]

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
                        "value": safe_value(_printable(bad)), "allowed": "text of valid Unicode characters"})
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



# --- error documents -------------------------------------------------------------------------------------


def safe_value(v: Any) -> Any:
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
                    "value": safe_value(e.get("input")), "allowed": allowed})
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
             "value": safe_value(d["value"]), "allowed": d["allowed"]}]


def _every_field_error(doc: dict[str, Any], prefix: Sequence[str]) -> list[dict[str, Any]] | None:
    """All schema errors of a document, where the scenario module can list them (None otherwise)."""
    from .. import scenario as scenario_module

    try:
        converted, _ = with_money_converted(doc)  # the file loader's own preprocessing: money, distributions
        pre = scenario_module.collect_distributions(converted)
        Scenario.model_validate(pre)
    except ValidationError as exc:
        return validation_error_detail(exc.errors(), prefix)
    except Exception:  # noqa: BLE001 - fall back on the loader's first error
        return None
    return None


def validate_document(doc: Any, prefix: Sequence[str] = ("body",)) -> Scenario:
    """Validate a scenario document as a scenario file is validated; :class:`DocumentError` if invalid.

    Files named in a document (``workload.trace_csv``, ``model.hf_config``) are refused: the server reads no
    paths a request names.
    """
    try:
        s = parse_scenario(doc)
    except InputError as exc:
        first = input_error_detail(exc, prefix)
        every = _every_field_error(doc, prefix) if isinstance(doc, dict) else None
        if every and any(e["field"] == first[0]["field"] for e in every):
            raise DocumentError(every) from None
        raise DocumentError(first + [e for e in every or [] if e["field"] != first[0]["field"]]) from None
    _no_files(s, prefix)
    return s


def validate_portfolio(doc: Any, prefix: Sequence[str] = ("body",)) -> Portfolio:
    """Validate a portfolio document (``workloads``) as a portfolio file is validated; :class:`DocumentError`
    naming the first invalid field if not. Files named in a workload are refused as in a scenario."""
    try:
        p = parse_portfolio(doc)
    except InputError as exc:
        raise DocumentError(input_error_detail(exc, prefix)) from None
    for i, (_, s) in enumerate(p.scenarios):
        own_model = "model" in doc["workloads"][i]
        _no_files(s, prefix, f"workloads[{i}].", f"workloads[{i}]." if own_model else "")
    return p


def _no_files(s: Scenario, prefix: Sequence[str], where: str = "", model_at: str = "") -> None:
    """Refuse files named in a scenario: the server reads no paths a request names."""
    if s.workload.trace_csv is not None:
        raise DocumentError(input_error_detail(InputError(
            f"{where}workload.trace_csv", s.workload.trace_csv,
            "no file over HTTP: the server does not read paths named in a request; give hourly_weights or a "
            "shape instead, or use the command line"), prefix))
    if s.model.hf_config is not None:
        raise DocumentError(input_error_detail(InputError(
            f"{model_at}model.hf_config", s.model.hf_config,
            "no file over HTTP: the server does not read paths named in a request; name a catalog model, or "
            "use the command line (llmplace catalog add-model)"), prefix))


def json_response(data: Any, status_code: int = 200) -> Response:
    """JSON with plain floats; a non-finite number in a result becomes a 422 rather than a broken document."""
    try:
        body = json.dumps(data, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        raise EvaluationError("the result holds a non-finite number (check extreme input values)") from None
    return Response(body, status_code=status_code, media_type="application/json")


def result_json(result: Any) -> bytes:
    """A result model's JSON document, compact and in UTF-8: what :func:`json_response` writes of its ``to_dict()``.

    The dict is written by pydantic's core rather than :func:`json.dumps` (a compare document in under a
    millisecond instead of about 3 ms); the same document, though a float may be written another way
    (``1e-5`` for ``1e-05``). Non-finite numbers are written as ``NaN``/``Infinity`` constants first:
    when those letters appear anywhere (a text may hold them), the document is made the slow way, which
    refuses a non-finite number as :func:`json_response` does.
    """
    import pydantic_core

    data = result.to_dict()
    body = pydantic_core.to_json(data, inf_nan_mode="constants")
    if b"NaN" in body or b"Infinity" in body:
        return bytes(json_response(data).body)
    return body


def evaluate(fn: Callable[[], Any]) -> Any:
    """Run an engine call; input errors pass through, anything else becomes an :class:`EvaluationError`."""
    try:
        return fn()
    except (InputError, ClientGone):
        raise
    except Exception as exc:  # noqa: BLE001 - reported as 422 and logged with its traceback
        log.exception("engine error on validated input")
        raise EvaluationError(f"{type(exc).__name__}: {exc}"[:300]) from None



def exception_handlers() -> dict[Any, Callable[[Request, Any], Awaitable[Response]]]:
    """Handlers that turn errors into the API's documents (see the module docstring)."""
    from .storage import ConflictError, NotFoundError, StorageError

    async def on_validation(_r: Request, exc: RequestValidationError) -> Response:
        return json_response({"detail": validation_error_detail(exc.errors())}, 422)

    async def on_input(_r: Request, exc: InputError) -> Response:
        return json_response({"detail": input_error_detail(exc)}, 422)

    async def on_document(_r: Request, exc: DocumentError) -> Response:
        return json_response({"detail": exc.detail}, 422)

    async def on_evaluation(_r: Request, exc: EvaluationError) -> Response:
        return json_response({"detail": [{"loc": ["body"], "msg": f"the input could not be evaluated: {exc}",
                                  "type": "evaluation_error", "field": "body", "value": None,
                                  "allowed": "inputs within the ranges the engine can evaluate"}]}, 422)

    async def on_not_found(_r: Request, exc: NotFoundError) -> Response:
        return json_response({"detail": str(exc)}, 404)

    async def on_conflict(_r: Request, exc: ConflictError) -> Response:
        return json_response({"detail": str(exc), "current_version": exc.current}, 409)

    async def on_storage(_r: Request, exc: StorageError) -> Response:
        log.error("storage error: %s", exc)
        return json_response({"detail": f"storage unavailable: {exc}"}, 503)

    async def on_client_gone(_r: Request, _exc: ClientGone) -> Response:
        return Response(status_code=499)  # logged where the work stopped; nobody reads this answer

    async def on_upload_cut(r: Request, _exc: ClientDisconnect) -> Response:
        log.info("client disconnected before the end of its request body: %s %s (Content-Length %s)",
                 r.method, r.url.path, r.headers.get("content-length", "none"))
        return Response(status_code=499)

    return {RequestValidationError: on_validation, InputError: on_input, DocumentError: on_document,
            EvaluationError: on_evaluation,
            NotFoundError: on_not_found, ConflictError: on_conflict, StorageError: on_storage,
            ClientGone: on_client_gone, ClientDisconnect: on_upload_cut}
