"""Property-based run through the engine: valid-looking scenarios with extreme values never get a 5xx.

The schema-driven run (test_web_schemathesis.py) mostly produces documents that fail cross-field
checks, so it rarely reaches the cost engine. Here every document starts as a bundled example and
has a few numeric fields (any the JSON Schema lists, within its bounds, including the extremes)
replaced; the API must answer 200 with a finite JSON document or 422 naming a field.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from llmplace.scenario import Scenario  # noqa: E402
from llmplace.web import create_app  # noqa: E402

from .conftest import EXAMPLES  # noqa: E402

DOCS = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in EXAMPLES]
SCHEMA = Scenario.model_json_schema()


def _node(ref_or_node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in ref_or_node:
        ref_or_node = SCHEMA["$defs"][ref_or_node["$ref"].rsplit("/", 1)[-1]]
    return ref_or_node


def _numeric_fields(section: dict[str, Any]) -> dict[str, tuple[str, float, float]]:
    """name -> (type, low, high) for each number field of a schema object."""
    out: dict[str, tuple[str, float, float]] = {}
    for name, node in _node(section).get("properties", {}).items():
        for alt in node.get("anyOf", [node]):
            if alt.get("type") in ("number", "integer"):
                lo = alt.get("minimum", alt.get("exclusiveMinimum", -1e12))
                hi = alt.get("maximum", alt.get("exclusiveMaximum", 1e12))
                out[name] = (alt["type"], float(lo), float(hi))
    return out


SECTIONS = {k: _numeric_fields(SCHEMA["properties"][k]) for k in ("workload", "latency", "site", "finance")}
OPTION_FIELDS = {kind: _numeric_fields({"$ref": f"#/$defs/{name}"}) for kind, name in
                 (("in_house", "InHouseOption"), ("cloud", "CloudOption"), ("api", "ApiOption"))}


def _value(kind: str, lo: float, hi: float) -> st.SearchStrategy[Any]:
    if kind == "integer":
        return st.integers(int(math.ceil(lo)), int(min(hi, 10**6)))
    edges = [x for x in (lo, hi, lo + 1e-9, 0.0, 1.0, 1e-300, 1e6, 1e15) if lo <= x <= hi]
    return st.one_of(st.sampled_from(edges), st.floats(lo, hi, allow_nan=False, allow_infinity=False))


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(draw(st.sampled_from(DOCS)))
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            section = draw(st.sampled_from(sorted(SECTIONS)))
            name = draw(st.sampled_from(sorted(SECTIONS[section])))
            kind, lo, hi = SECTIONS[section][name]
            doc.setdefault(section, {})[name] = draw(_value(kind, lo, hi))
        else:
            opts = [o for o in doc["options"] if o.get("kind") in OPTION_FIELDS]
            opt = draw(st.sampled_from(opts))
            fields = OPTION_FIELDS[opt["kind"]]
            name = draw(st.sampled_from(sorted(fields)))
            kind, lo, hi = fields[name]
            opt[name] = draw(_value(kind, lo, hi))
    return doc


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    db: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    with TestClient(create_app(f"sqlite:///{db}")) as c:
        yield c


def _reject_constant(s: str) -> Any:
    raise AssertionError(f"non-finite number {s} in a 200 answer")


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
          database=None)
@given(doc=mutated())
def test_extreme_but_schema_valid_scenarios_never_5xx(client: TestClient, doc: dict[str, Any]):
    r = client.post("/api/v1/compare?samples=0", json=doc)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        json.loads(r.text, parse_constant=_reject_constant)
    else:
        detail = r.json()["detail"]
        assert detail and all(d["field"] and d["msg"] for d in detail)


def test_the_run_reaches_the_engine(client: TestClient):
    """Sanity check of the generator: unmodified examples answer 200 through the same path."""
    for doc in DOCS:
        assert client.post("/api/v1/compare?samples=0", json=doc).status_code == 200
