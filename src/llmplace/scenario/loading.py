"""Reading a scenario: YAML or JSON text to a validated :class:`~llmplace.scenario.schema.Scenario`.

Validation errors become one :class:`~llmplace.errors.InputError` naming the first bad field, and
inline distributions are collected before the schema sees the document. Before that, every number
must be finite and of magnitude at most ``MAX_INPUT_MAGNITUDE``, the document no deeper than
``MAX_NESTING_DEPTH``; YAML refuses a key given twice and aliases that expand past ``MAX_YAML_NODES``
values. After it, every distribution's whole range must lie within its field's limits.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..conventions import (
    MAX_INPUT_MAGNITUDE,
    MAX_NAME_CHARS,
    MAX_NESTING_DEPTH,
    MAX_OPTIONS,
    MAX_TEXT_CHARS,
    MAX_YAML_NODES,
)
from ..errors import InputError, did_you_mean, field_path
from .distributions import check_support, collect_distributions
from .money import with_money_converted
from .schema import Scenario

__all__ = ["load_scenario", "parse_scenario", "parse_yaml", "read_document", "relative_to_file",
           "scenario_from_document", "scenario_json_schema"]


def _first_error(exc: ValidationError) -> InputError:
    errors = exc.errors()
    # an unknown key first: a misspelt required field ('workloads') is then named with its correction
    err = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
    field = field_path(err.get("loc", ())) or "scenario"
    value = err.get("input")
    msg = err.get("msg", "invalid")
    if err.get("type") == "missing":
        return InputError(field, None, "a value (this field is required)")
    if err.get("type") == "extra_forbidden":
        from .fields import known_fields

        loc = tuple(err.get("loc", ()))
        near = did_you_mean(str(loc[-1]), known_fields(Scenario, loc)) if loc else None
        return InputError(field, value, "only the fields listed by `llmplace schema`",
                          "unknown field" + (f"; {near}" if near else ""))
    msg = msg.removeprefix("Value error, ")
    if isinstance(value, dict):
        value = "{...}"
    return InputError(field, value, msg)




class _ScenarioYamlLoader(yaml.SafeLoader):
    """Safe YAML that also refuses a key given twice in one mapping (YAML would keep only the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"the key {key!r} is given twice",
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds once every alias is followed (shared nodes counted each time)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        kids = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if children_done:
            sizes[id(node)] = min(1 + sum(sizes.get(id(k), 1) for k in kids), MAX_YAML_NODES + 1)
        else:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in sizes)
    return sizes[id(root)]


def parse_yaml(text: str) -> Any:
    """YAML text to Python values, refusing duplicate keys and alias bombs (``yaml.YAMLError`` or InputError)."""
    loader = _ScenarioYamlLoader(text)
    try:
        node = loader.get_single_node()  # type: ignore[no-untyped-call]
        if node is None:
            return None
        if _expanded_size(node) > MAX_YAML_NODES:
            raise InputError("scenario file", "YAML aliases", f"a document of at most {MAX_YAML_NODES:,} values "
                             "once aliases are expanded")
        return loader.construct_document(node)  # type: ignore[no-untyped-call]
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


_NAME_KEYS = frozenset({"name", "id", "label"})


def _check_text(text: str, path: str) -> None:
    """No control characters (terminal escape sequences, NUL; tabs and line breaks are fine), and
    names, ids and labels of at most ``MAX_NAME_CHARS``, other text of at most ``MAX_TEXT_CHARS``."""
    is_name = path.rsplit(".", 1)[-1] in _NAME_KEYS
    limit = MAX_NAME_CHARS if is_name else MAX_TEXT_CHARS
    if len(text) > limit:
        raise InputError(path or "scenario", text, f"text of at most {limit:,} characters")
    if is_name and any(c in text for c in "\n\r\t"):
        raise InputError(path, text, "one line of text (no line breaks or tabs in a name, id or label)")
    found = _CONTROL.search(text)
    if found is not None:
        raise InputError(path or "scenario", text, "text without control characters",
                         f"found U+{ord(found.group()):04X}")


def _check_numbers(data: Any) -> None:
    """Every number finite and of plausible magnitude, no control character in any text, and the
    document no deeper than the schema could need."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_NESTING_DEPTH:
            raise InputError(path or "scenario", "{...}", f"a document nested at most {MAX_NESTING_DEPTH} levels deep")
        if isinstance(node, str):
            _check_text(node, path)
        elif isinstance(node, dict):
            for k in node:
                _check_text(str(k), path)
            stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            if path == "options" and len(node) > MAX_OPTIONS:
                raise InputError("options", f"{len(node):,} options", f"at most {MAX_OPTIONS} options per scenario")
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node))
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            if isinstance(node, float) and not math.isfinite(node):
                raise InputError(path, node, "a finite number")
            if abs(node) > MAX_INPUT_MAGNITUDE:
                raise InputError(path, node, f"a number of magnitude at most {MAX_INPUT_MAGNITUDE:g}")


def parse_scenario(data: Any) -> Scenario:
    """Validate a scenario document (already parsed from YAML/JSON).

    Any numeric field may hold a distribution (``{low, mode, high}``, ``{p10, p90}`` or a list of
    values); the deterministic result uses its point value and Monte Carlo samples it.
    """
    if not isinstance(data, dict):
        raise InputError("scenario", type(data).__name__, "a mapping of fields (see `llmplace schema`)")
    if "workloads" in data:
        raise InputError("workloads", "a list of workloads", "one workload here (a portfolio of several is read "
                         "by `llmplace compare`, `llmplace report` in html, md or json, POST /api/v1/compare and "
                         "llmplace.compare_portfolio)")
    _check_numbers(data)
    converted, money = with_money_converted(data)
    doc = collect_distributions(converted)
    try:
        s = Scenario.model_validate(doc)
    except ValidationError as exc:
        raise _first_error(exc) from None
    check_support(s)
    s._money_conversions = money.notes
    return s


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML or JSON scenario file."""
    data = read_document(path)
    s = parse_scenario(data)
    relative_to_file(s, Path(path))
    return s


def relative_to_file(s: Scenario, p: Path) -> None:
    """Make the scenario's trace_csv and hf_config, when relative, relative to the scenario file ``p``."""
    trace = s.workload.trace_csv
    if trace is not None and not Path(trace).is_absolute():  # relative to the scenario file
        s.workload.trace_csv = str(p.parent / trace)
    hf = s.model.hf_config
    if hf is not None and not Path(hf).is_absolute():  # relative to the scenario file, like trace_csv
        s.model.hf_config = str(p.parent / hf)


def read_document(path: str | Path) -> Any:
    """A scenario file's YAML or JSON document, parsed (not yet validated), its ``catalog_dirs`` applied."""
    p = Path(path)
    if not p.is_file():
        raise InputError("scenario file", str(path), "a path to an existing YAML or JSON file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("scenario file", str(path), "a readable UTF-8 text file", str(exc)) from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else parse_yaml(text)
    except RecursionError:
        raise InputError("scenario file", str(path), f"a document nested at most {MAX_NESTING_DEPTH} levels "
                         "deep") from None
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f"line {mark.line + 1}, column {mark.column + 1}"
        elif isinstance(exc, json.JSONDecodeError):
            where = f"line {exc.lineno}, column {exc.colno}"
        problem = getattr(exc, "problem", None) or getattr(exc, "msg", None)
        detail = f"parse error at {where}" + (f": {problem}" if problem else "")
        raise InputError("scenario file", str(path), "valid YAML or JSON", detail) from None
    _use_scenario_catalogs(data, p)
    return data


def scenario_from_document(data: Any, path: str | Path) -> Scenario:
    """Validate a document read from the file ``path``: its catalogs and relative paths start at the file's folder."""
    p = Path(path)
    _use_scenario_catalogs(data, p)
    s = parse_scenario(data)
    relative_to_file(s, p)
    return s


def _use_scenario_catalogs(data: Any, path: Path) -> None:
    """Apply the file's ``catalog_dirs`` (user catalogs, relative to the file) before its names are checked.

    Read from scenario files only (the web app and the REST API never read server-side folders); a file
    without the key uses none, so catalogs of an earlier file do not carry over.
    """
    from .. import catalog

    dirs = data.pop("catalog_dirs", []) if isinstance(data, dict) else []
    if isinstance(dirs, str):
        dirs = [dirs]
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise InputError("catalog_dirs", dirs, "a list of directories of catalog CSV files, relative to the scenario")
    catalog.use_scenario_catalogs([d if Path(d).is_absolute() else str(path.parent / d) for d in dirs])


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors' autocompletion)."""
    schema = Scenario.model_json_schema()
    _with_portfolio_form(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "llmplace scenario"
    return schema


def _with_portfolio_form(schema: dict[str, Any]) -> None:
    """Add the portfolio form: ``workloads`` (a list of entries) in place of the single ``workload``."""
    from .portfolio import MAX_WORKLOADS, PortfolioEntry

    entry = PortfolioEntry.model_json_schema(ref_template="#/$defs/{model}")
    defs = schema.setdefault("$defs", {})
    defs.update(entry.pop("$defs", {}))
    defs["PortfolioEntry"] = entry
    schema["properties"]["workloads"] = {
        "type": "array", "items": {"$ref": "#/$defs/PortfolioEntry"}, "minItems": 1, "maxItems": MAX_WORKLOADS,
        "description": "a portfolio: several workloads compared on the options they share (in place of workload)"}
    schema["required"] = [r for r in schema.get("required", []) if r != "workload"]
    schema["oneOf"] = [{"required": ["workload"]}, {"required": ["workloads"]}]
