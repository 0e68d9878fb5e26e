"""The REST API's documentation as a page served by the app itself (``/docs``), read from its OpenAPI document.

FastAPI's interactive docs load Swagger UI from a CDN, and the bundles packaged for Python that were checked
(swagger-ui-bundle 1.1.0: Swagger UI 4.15) cannot read the OpenAPI 3.1 document FastAPI writes. This page is
rendered on the server from the same document instead: every operation grouped by tag with its parameters,
request body, responses, a curl line and a "Try it" form (``static/docs.js`` sends the request from the page),
then every schema with its fields; nothing is loaded from outside the machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DocOperation", "DocSchema", "docs_context"]

_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class DocParam:
    name: str
    where: str
    type: str
    required: bool
    description: str


@dataclass
class DocOperation:
    method: str
    path: str
    summary: str
    description: str
    params: list[DocParam]
    body: str | None
    responses: list[tuple[str, str, str | None]]  # (status, description, schema name)
    anchor: str = ""
    body_example: str = ""  # JSON the "Try it" form starts with


@dataclass
class DocSchema:
    name: str
    description: str
    fields: list[DocParam] = field(default_factory=list)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_text(schema: dict[str, Any]) -> str:
    """A schema as a short type: ``integer (0 to 1000000)``, ``list of Scenario.Option``, ``string | null``."""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    alts = schema.get("anyOf") or schema.get("oneOf")
    if alts:
        return " | ".join(type_text(a) for a in alts)
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    typ = schema.get("type", "any")
    if typ == "array":
        return "list of " + type_text(schema.get("items", {}))
    if typ == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "mapping to " + type_text(schema["additionalProperties"])
    lo = schema.get("minimum", schema.get("exclusiveMinimum"))
    hi = schema.get("maximum", schema.get("exclusiveMaximum"))
    bounds = f" ({lo} to {hi})" if lo is not None and hi is not None else f" (>= {lo})" if lo is not None else ""
    return f"{typ}{bounds}"


def _operation(method: str, path: str, op: dict[str, Any], examples: dict[str, Any]) -> DocOperation:
    params = [DocParam(p["name"], p.get("in", ""), type_text(p.get("schema", {})), bool(p.get("required")),
                       str(p.get("description", "")))
              for p in op.get("parameters", [])]
    body = None
    example = ""
    for media, content in op.get("requestBody", {}).get("content", {}).items():
        body = f"{media}: {type_text(content.get('schema', {}))}"
        example = json.dumps(examples.get(type_text(content.get("schema", {})), {}), indent=2)
    responses = []
    for status, resp in op.get("responses", {}).items():
        schema = next((c.get("schema") for c in resp.get("content", {}).values() if c.get("schema")), None)
        responses.append((status, str(resp.get("description", "")), type_text(schema) if schema else None))
    anchor = f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "")
    return DocOperation(method.upper(), path, str(op.get("summary", "")), str(op.get("description", "")),
                        params, body, responses, anchor, example)


def docs_context(spec: dict[str, Any], examples: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the docs page shows: title, version, description, operations by tag, schemas by name.

    ``examples``: a request body to start the "Try it" form with, by schema name (``Scenario``: a scenario
    document); other bodies start as ``{}``.
    """
    groups: dict[str, list[DocOperation]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                tag = (item[method].get("tags") or ["other"])[0]
                groups.setdefault(tag, []).append(_operation(method, path, item[method], examples or {}))
    schemas = []
    for name, node in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(node.get("required", []))
        fields = [DocParam(k, "", type_text(v), k in required, str(v.get("description", "")))
                  for k, v in node.get("properties", {}).items()]
        schemas.append(DocSchema(name, str(node.get("description", "")), fields))
    info = spec.get("info", {})
    return {"title": info.get("title", ""), "version": info.get("version", ""),
            "description": info.get("description", ""), "groups": groups, "schemas": schemas}
