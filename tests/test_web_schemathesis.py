"""Property-based run against the app's own OpenAPI document: no request, valid or not, gets a 5xx.

Schemathesis generates requests for every ``/api/v1`` operation from the published schema, both
conforming ones (positive mode: full scenarios, sizing queries, CRUD calls) and deliberately broken
ones (negative mode: wrong types, out-of-range numbers, missing fields). Kept bounded (30 examples
per operation and mode, no deadline) so the suite stays quick; the database is a temporary file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("fastapi")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    response_schema_conformance,
    status_code_conformance,
)

from llmplace.web import create_app  # noqa: E402

_DB_DIR = tempfile.TemporaryDirectory(prefix="llmplace-schemathesis-")
APP = create_app(f"sqlite:///{Path(_DB_DIR.name) / 'props.db'}")

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
schema.config.generation.update(modes=MODES, max_examples=30, deterministic=True, database="none")
schema = schema.include(path_regex=r"^/api/v1/")

# Not ``negative_data_rejection``: a scenario file may hold a distribution (a list of values, or
# low/mode/high) wherever the schema shows a number, so some "negative" bodies are valid documents.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
          database=None)
def test_api_never_answers_5xx(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}: " \
                                       f"{response.text}"
    case.validate_response(response, checks=CHECKS)
