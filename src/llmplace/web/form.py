"""The page's form, driven by the scenario's JSON Schema.

Each object-valued top-level field of :class:`~llmplace.scenario.Scenario` (model, workload, latency,
site, finance, and any section added later such as constraints or criteria) becomes a section; each
scalar field in it becomes an input whose label is the JSON key and whose hint is the schema's
description, so labels, tooltips and the docs use the same names. A number field bounded on both
sides also gets a slider. Fields holding lists or mappings (``options``, ``overrides``, ...) are
edited as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FormField", "FormSection", "form_sections"]

_SECTION_ORDER = ("model", "workload", "latency", "options", "site", "finance", "constraints", "criteria")


@dataclass
class FormField:
    path: str
    label: str
    kind: str  # number, integer, text, select, boolean, json
    description: str = ""
    default: Any = None
    required: bool = False
    choices: list[Any] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    slider: bool = False


@dataclass
class FormSection:
    key: str
    title: str
    description: str
    fields: list[FormField]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = {**schema.get("$defs", {}).get(name, {}), **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _non_null(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an optional field (``anyOf: [X, {type: null}]``), with the outer keys kept."""
    node = _resolve(schema, node)
    alts = node.get("anyOf") or node.get("oneOf")
    if alts:
        branches = [_resolve(schema, a) for a in alts if a.get("type") != "null"]
        if len(branches) == 1:
            outer = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
            return {**branches[0], **outer}
    return node


def _step(lo: float, hi: float, integer: bool) -> float:
    if integer:
        return 1
    span = hi - lo
    if span <= 1:
        return 0.01
    if span <= 10:
        return 0.05
    return 0.1 if span <= 200 else 1


#: words written in capitals in a label
_ACRONYMS = {"api": "API", "ttft": "TTFT", "tpot": "TPOT", "gpu": "GPU", "gpus": "GPUs", "usd": "USD", "fte": "FTE",
             "pue": "PUE", "kw": "kW", "kwh": "kWh", "gb": "GB", "mtok": "Mtok", "ml": "ML", "sla": "SLA",
             "tco": "TCO", "npv": "NPV", "hf": "HF", "csv": "CSV", "id": "ID", "rps": "requests/s", "tp": "TP"}
#: the first word of a key's unit part and how it reads
_UNIT_START = {"usd": "USD", "pct": "%", "ms": "ms", "kw": "kW", "kwh": "kWh", "gb": "GB", "fte": "FTE",
               "weeks": "weeks", "months": "months", "years": "years", "minutes": "minutes", "hours": "hours"}


def human_label(key: str) -> str:
    """A field key as people read it: ``api_price_change_pct_per_year`` -> ``API price change (% per year)``,
    ``ttft_ms`` -> ``TTFT (ms)``, ``requests_per_month`` -> ``requests per month``."""
    words = key.split("_")
    cut = next((i for i, w in enumerate(words) if w in _UNIT_START and i > 0), len(words))
    name = " ".join(_ACRONYMS.get(w, w) for w in words[:cut])
    unit = " ".join(_UNIT_START.get(w, _ACRONYMS.get(w, w)) if i == 0 else _ACRONYMS.get(w, w)
                    for i, w in enumerate(words[cut:]))
    return f"{name} ({unit})" if unit else name


def _profiles() -> tuple[str, ...]:
    from ..catalog.criteria_data import profiles

    return profiles()


#: fields whose allowed values are catalog rows rather than a schema enum, with where the list comes from
CATALOG_CHOICES: dict[str, Callable[[], tuple[str, ...]]] = {"criteria.profile": _profiles}


def _field(schema: dict[str, Any], path: str, name: str, node: dict[str, Any], required: bool) -> FormField:
    n = _non_null(schema, node)
    desc = str(n.get("description", ""))
    name = human_label(name)
    default = n.get("default")
    typ = n.get("type")
    if "enum" in n or "const" in n:
        choices = list(n.get("enum", [n.get("const")]))
        return FormField(path, name, "select", desc, default, required, choices=choices)
    if path in CATALOG_CHOICES:  # a name the catalog knows: offer its list, not a free-text box
        return FormField(path, name, "select", desc, default, required, choices=list(CATALOG_CHOICES[path]()))
    if typ == "boolean":
        return FormField(path, name, "boolean", desc, default, required)
    if typ in ("number", "integer"):
        lo = n.get("minimum", n.get("exclusiveMinimum"))
        hi = n.get("maximum", n.get("exclusiveMaximum"))
        integer = typ == "integer"
        if lo is not None and hi is not None:
            return FormField(path, name, typ, desc, default, required, minimum=lo, maximum=hi,
                             step=_step(float(lo), float(hi), integer), slider=True)
        return FormField(path, name, typ, desc, default, required, minimum=lo, maximum=hi,
                         step=1 if integer else None)
    if typ == "string":
        return FormField(path, name, "text", desc, default, required)
    return FormField(path, name, "json", desc, default, required)


def form_sections(schema: dict[str, Any], hidden: frozenset[str] = frozenset()) -> list[FormSection]:
    """Form sections from a scenario JSON Schema (``Scenario.model_json_schema()``).

    ``hidden``: field paths to leave out (fields the schema marks deprecated are left out too).
    """
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    general: list[FormField] = []
    sections: dict[str, FormSection] = {}
    for key, raw in props.items():
        node = _non_null(schema, raw)
        if node.get("type") == "object" and "properties" in node:
            sub_required = set(node.get("required", []))
            fields = [_field(schema, f"{key}.{k}", k, v, k in sub_required)  # deprecated fields are read, not offered
                      for k, v in node["properties"].items() if f"{key}.{k}" not in hidden and not v.get("deprecated")]
            sections[key] = FormSection(key, key, str(node.get("description", "")), fields)
        elif node.get("type") == "array" or node.get("type") == "object":
            f = _field(schema, key, key, raw, key in required)
            f.kind = "json"
            desc = str(node.get("description", "") or raw.get("description", ""))
            sections[key] = FormSection(key, key, desc, [f])
        else:
            general.append(_field(schema, key, key, raw, key in required))
    ordered = sorted(sections.values(),
                     key=lambda s: (_SECTION_ORDER.index(s.key) if s.key in _SECTION_ORDER else 99, s.key))
    return [FormSection("scenario", "scenario", "name and description", general), *ordered]
