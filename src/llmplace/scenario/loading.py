"""Reading a scenario: YAML or JSON text to a validated :class:`~llmplace.scenario.schema.Scenario`.

Validation errors become one :class:`~llmplace.errors.InputError` naming the first bad field, and
inline distributions are collected before the schema sees the document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import InputError, field_path
from .distributions import collect_distributions
from .schema import Scenario

__all__ = ["load_scenario", "parse_scenario", "scenario_json_schema"]


def _first_error(exc: ValidationError) -> InputError:
    err = exc.errors()[0]
    field = field_path(err.get("loc", ())) or "scenario"
    value = err.get("input")
    msg = err.get("msg", "invalid")
    if err.get("type") == "missing":
        return InputError(field, None, "a value (this field is required)")
    if err.get("type") == "extra_forbidden":
        return InputError(field, value, "only the fields listed by `llmplace schema`", "unknown field")
    msg = msg.removeprefix("Value error, ")
    if isinstance(value, dict):
        value = "{...}"
    return InputError(field, value, msg)




def parse_scenario(data: Any) -> Scenario:
    """Validate a scenario document (already parsed from YAML/JSON).

    Any numeric field may hold a distribution (``{low, mode, high}``, ``{p10, p90}`` or a list of
    values); the deterministic result uses its point value and Monte Carlo samples it.
    """
    if not isinstance(data, dict):
        raise InputError("scenario", type(data).__name__, "a mapping of fields (see `llmplace schema`)")
    doc = collect_distributions(data)
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        raise _first_error(exc) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML or JSON scenario file."""
    p = Path(path)
    if not p.is_file():
        raise InputError("scenario file", str(path), "a path to an existing YAML or JSON file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("scenario file", str(path), "a readable UTF-8 text file", str(exc)) from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f"line {mark.line + 1}, column {mark.column + 1}"
        elif isinstance(exc, json.JSONDecodeError):
            where = f"line {exc.lineno}, column {exc.colno}"
        raise InputError("scenario file", str(path), "valid YAML or JSON", f"parse error at {where}") from None
    s = parse_scenario(data)
    trace = s.workload.trace_csv
    if trace is not None and not Path(trace).is_absolute():  # relative to the scenario file
        s.workload.trace_csv = str(p.parent / trace)
    return s


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors' autocompletion)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "llmplace scenario"
    return schema
