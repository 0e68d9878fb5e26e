"""The FastAPI application: the page, the REST API and the saved-scenario store.

Everything the page needs is served from the package (no CDN, no telemetry): the page's script and
style under ``/static``, the charting library at ``/assets/plotly.min.js``, the REST API's documentation
at ``/docs`` (rendered from the OpenAPI document, see :mod:`.apidocs`). With a token, every
request except static assets needs ``Authorization: Bearer <token>``, ``?token=<token>`` (which also
sets an HttpOnly, same-site cookie so the page's own requests pass) or that cookie.
"""

from __future__ import annotations

import gzip
import importlib.util
import inspect
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..conventions import DEFAULT_SAMPLES
from ..scenario import Scenario
from .access import TOKEN_COOKIE, check_token, host_allowed, token_matches, write_refusal
from .api import SCENARIO_MARK, exception_handlers, router
from .apidocs import docs_context
from .builder import router as builder_router
from .compute import ComputePool
from .form import form_sections
from .maps import router as _map_routes  # noqa: F401 - registers POST /map on the API router
from .results_cache import ResultCache, cache_from_environment
from .storage import ScenarioStore

__all__ = ["DEFAULT_DOCUMENT", "create_app"]

log = logging.getLogger("llmplace.web")

HERE = Path(__file__).resolve().parent

DEFAULT_DOCUMENT: dict[str, Any] = {
    "name": "Internal assistant, 70B",
    "description": "A 70B assistant for 2,000 staff during business hours: buy, rent or pay per token?",
    "model": {"name": "llama-3.3-70b", "precision": "fp8", "engine": "vllm"},
    "workload": {"requests_per_month": 1760000, "input_tokens_per_request": 1500,
                 "output_tokens_per_request": 400, "active_hours_per_month": 242, "peak_to_average": 2.5,
                 "growth_pct_per_month": 2},
    "latency": {"ttft_ms": 2000, "tpot_ms": 80},
    "options": [
        {"kind": "in_house", "id": "own-8xh100", "server": "hgx-h100-8x-oem", "hosting": "colocation"},
        {"kind": "cloud", "id": "aws-p5-on-demand", "instance": "aws/p5.48xlarge", "plan": "on_demand"},
        {"kind": "cloud", "id": "aws-p5-reserved-1y", "instance": "aws/p5.48xlarge", "plan": "reserved_1y"},
        {"kind": "api", "id": "together", "provider": "together"},
    ],
    "finance": {"horizon_months": 36},
}
"""The scenario the page opens with (a copy of the bundled internal-assistant example's essentials)."""

_DOCS_EXAMPLES: dict[str, Any] = {
    "Scenario": DEFAULT_DOCUMENT, "ScenarioCreate": {"document": DEFAULT_DOCUMENT},
    "ScenarioUpdate": {"document": DEFAULT_DOCUMENT, "version": 1},
    "SizeRequest": {"model": "llama-3.3-70b", "gpu": "h100-sxm", "input_tokens": 1500, "output_tokens": 400},
}
"""Request bodies the API docs page's "Try it" forms start with, by schema name."""

HIDDEN_FIELDS = frozenset({"workload.trace_csv", "model.hf_config", "model.hf_config_ignore"})
"""Form fields left out of the page: the server reads no file a request names."""
OPEN_SECTIONS = frozenset({"scenario", "model", "workload", "latency", "options", "finance"})

_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class _Guard:
    """ASGI middleware: host check, token check and security headers."""

    def __init__(self, app: ASGIApp, token: str | None, allowed_hosts: list[str] | None) -> None:
        self.app = app
        self.token = token
        self.allowed = {h.lower() for h in allowed_hosts} if allowed_hosts else None

    def _matches(self, candidate: str) -> bool:
        """Whether ``candidate`` is the token (constant time; False for anything that is not text)."""
        return self.token is not None and token_matches(candidate, self.token)

    def _authorised(self, scope: Scope, headers: Headers) -> tuple[bool, bool]:
        """(authorised, came with the token in the query string)."""
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer " and self._matches(auth[7:].strip()):
            return True, False
        for part in headers.get("cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == TOKEN_COOKIE and self._matches(v):
                return True, False
        try:
            q = parse_qs(scope.get("query_string", b"").decode("latin-1"), errors="replace")
        except ValueError:
            return False, False
        for v in q.get("token", []):
            if self._matches(v):
                return True, True
        return False, False

    async def _clean_url(self, scope: Scope, send: Send) -> None:
        """303 to the same page without ``token`` in the query, setting the token cookie on the way."""
        try:
            pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        except ValueError:
            pairs = []
        query = urlencode([(k, v) for k, v in pairs if k != "token"])
        location = scope.get("path", "/") + (f"?{query}" if query else "")
        hdrs = [(b"location", location.encode("latin-1", "replace")), (b"content-length", b"0"),
                (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"),
                (b"set-cookie", f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode())]
        await send({"type": "http.response.start", "status": 303, "headers": hdrs})
        await send({"type": "http.response.body", "body": b""})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":  # nothing here speaks websocket
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not host_allowed(headers.get("host", ""), self.allowed):
            await _plain(send, 400, {"detail": "invalid Host header"})
            return
        refusal = write_refusal(scope.get("method", "GET"), {k.lower(): v for k, v in headers.items()})
        if refusal is not None:
            await _plain(send, refusal[0], {"detail": [refusal[1]]})
            return
        set_cookie = False
        path: str = scope.get("path", "")
        if self.token and not path.startswith("/static/"):
            ok, set_cookie = self._authorised(scope, headers)
            if not ok:
                await _plain(send, 401, {"detail": "this server needs a token: send 'Authorization: Bearer "
                                                   "<token>' or open the page with ?token=<token>"},
                             {"www-authenticate": "Bearer"})
                return
            if set_cookie and scope.get("method") == "GET" and not path.startswith("/api/"):
                await self._clean_url(scope, send)  # the page keeps the cookie, not a token in its address
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h.setdefault("x-content-type-options", "nosniff")
                h.setdefault("referrer-policy", "no-referrer")
                h.setdefault("x-frame-options", "DENY")
                h.setdefault("content-security-policy", _CSP)
                if set_cookie and self.token:
                    h.append("set-cookie", f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict")
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _plain(send: Send, status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> None:
    data = json.dumps(body).encode()
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    hdrs += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": data})


_PLOTLY_LOCK = threading.Lock()


@cache
def _plotly_js() -> tuple[bytes, bytes] | None:
    """The charting library bundled with the plotly package (raw, gzipped), or None if not installed."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        return None
    raw = get_plotlyjs().encode("utf-8")
    return raw, gzip.compress(raw, compresslevel=6)


def _plotly_installed() -> bool:
    """Whether the charting library can be served (without reading and compressing it, which takes seconds)."""
    return importlib.util.find_spec("plotly") is not None


@cache
def _templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(str(HERE / "templates")),
                       autoescape=select_autoescape(["html"]))


def _link_scenario(node: Any) -> Any:
    """Replace the placeholder schema of scenario documents by a reference to the ``Scenario`` component."""
    if isinstance(node, dict):
        if node.get(SCENARIO_MARK):
            return {"$ref": "#/components/schemas/Scenario",
                    **{k: v for k, v in node.items() if k not in (SCENARIO_MARK, "type")}}
        return {k: _link_scenario(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_link_scenario(v) for v in node]
    return node


def _add_scenario_schema(app: FastAPI) -> None:
    """Publish the scenario file's JSON Schema as the ``Scenario`` component the request bodies refer to."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = base()
            sc = Scenario.model_json_schema(ref_template="#/components/schemas/Scenario.{model}")
            comps = spec.setdefault("components", {}).setdefault("schemas", {})
            for name, node in sc.pop("$defs", {}).items():
                comps[f"Scenario.{name}"] = node
            comps["Scenario"] = sc
            app.openapi_schema = _link_scenario(spec)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _plotly_route(request: Request) -> Response:
    """The charting library (gzipped when the client accepts it), cached by the browser for a day."""
    with _PLOTLY_LOCK:  # read and compressed once (seconds), not by every request that arrives meanwhile
        js = _plotly_js()
    if js is None:
        return Response("/* plotly is not installed: charts are off */", media_type="text/javascript")
    headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(js[1], media_type="text/javascript", headers=headers)
    return Response(js[0], media_type="text/javascript", headers=headers)


def _fastapi(**kwargs: Any) -> FastAPI:
    """FastAPI with its built-in OpenTelemetry hooks off where the installed version has them."""
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters:
        kwargs["telemetry"] = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                               "auto_configure": False}
    return FastAPI(**kwargs)


def _lifespan(store: ScenarioStore, compute_processes: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the worker processes (if any) with the app; stop them and close the store after it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.compute_pool = ComputePool(compute_processes) if compute_processes > 0 else None
        try:
            yield
        finally:
            if app.state.compute_pool is not None:
                app.state.compute_pool.close()
            store.close()

    return lifespan


def create_app(db_url: str | None = None, token: str | None = None, *,
               allowed_hosts: list[str] | None = None, store: ScenarioStore | None = None,
               result_cache: ResultCache | None = None, compute_processes: int = 0) -> FastAPI:
    """The web app and REST API over the scenarios saved at ``db_url`` (see ``storage.database_url``).

    ``token``: when set, every page and API request must present it; at least 16 characters, each
    one of ``A-Z a-z 0-9 . _ ~ -`` (:class:`~llmplace.errors.InputError` otherwise), so that it passes
    unchanged in a query string and a cookie. ``allowed_hosts``: Host header values to accept
    (``llmplace serve`` passes the loopback names when bound to loopback, which blocks DNS-rebinding
    attacks); None accepts any. ``result_cache``: the cache of finished compare and report answers
    (default: ``$LLMPLACE_RESULT_CACHE_MB`` MiB, see :mod:`.results_cache`). ``compute_processes``: worker
    processes for deterministic runs, started with the app (0: threads only; see :mod:`.compute`).
    """
    if token:
        check_token(token)
    cache = result_cache if result_cache is not None else cache_from_environment()
    store = store or ScenarioStore(db_url)

    app = _fastapi(
        lifespan=_lifespan(store, compute_processes),
        title="llmplace",
        version=__version__,
        description="Where to run open-weight LLMs: compare in-house servers, cloud GPUs and managed APIs. "
                    "The same JSON documents as the command line's --json output.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # FastAPI's docs load Swagger UI from a CDN: /docs is rendered here instead (apidocs.py)
        redoc_url=None,
        exception_handlers=exception_handlers(),
    )
    app.state.store = store
    app.state.result_cache = cache
    _add_scenario_schema(app)
    app.include_router(router, prefix="/api/v1")
    app.include_router(builder_router, prefix="/api/v1")
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _add_pages(app)
    app.add_middleware(_Guard, token=token, allowed_hosts=allowed_hosts)
    return app


def _add_pages(app: FastAPI) -> None:
    """The page, the REST API's documentation page and the charting library."""

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        spec = app.openapi()
        html = _templates().get_template("docs.html").render(
            static="static", openapi_url=(app.openapi_url or "").lstrip("/"), openapi_version=spec.get("openapi", ""),
            **docs_context(spec, _DOCS_EXAMPLES))
        return HTMLResponse(html)

    app.add_api_route("/assets/plotly.min.js", _plotly_route, methods=["GET"], include_in_schema=False)
    sections = form_sections(Scenario.model_json_schema(), hidden=HIDDEN_FIELDS)
    rendered: list[str] = []
    first = threading.Lock()

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def page() -> HTMLResponse:
        with first:  # the same page for every request: rendered once, by the first request
            if not rendered:
                initial = json.dumps(DEFAULT_DOCUMENT).replace("<", "\\u003c").replace(">", "\\u003e")
                rendered.append(_templates().get_template("index.html").render(
                    sections=sections, version=__version__, static="static", open_sections=OPEN_SECTIONS,
                    plotly_url=f"assets/plotly.min.js?v={__version__}" if _plotly_installed() else None,
                    initial_json=Markup(initial), default_samples=DEFAULT_SAMPLES))
        return HTMLResponse(rendered[0])
