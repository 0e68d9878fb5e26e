"""Hostile mutations of the bundled examples and the checks of what each front end answers to them.

Shared by ``tests/test_hardening.py`` (a small, fixed-seed run in CI) and ``benchmarks/fuzz_inputs.py``
(the large run), so both test the same property with the same mutations:

* the engine returns a result whose JSON holds only finite numbers, or raises an ``InputError`` naming a field;
* ``llmplace compare --json`` exits 0 with finite JSON, or 2 with one line ``error: <field>: got ...``; never 1;
* the REST API answers 200 with finite JSON, or 422 with entries naming a field; never 500;
* ``llmplace report`` and ``POST /api/v1/report`` obey the same rules in every format.

Each check returns an outcome label; the labels in :data:`GOOD` are the only acceptable ones.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PATHS = sorted((ROOT / "examples").glob("*.yaml"))
EXAMPLE_DOCS: dict[str, dict[str, Any]] = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
                                           for p in EXAMPLE_PATHS}

HOSTILE: list[Any] = [0, -1, -1e9, 1e-300, 1e14, 1e15, 1e16, 1e300, float("inf"), float("-inf"), float("nan"),
                      "inf", "nan", "1e999", "", None, True, [], {}, 2**63, 2**80, -(2**63)]
"""Values put in place of a number: signs, zero, extremes, non-finite numbers, strings and wrong types."""

FINITE, INPUT_ERROR = "finite result", "input error naming a field"
GOOD = frozenset({FINITE, INPUT_ERROR})
REPORT_FORMATS = ("html", "md", "json", "xlsx", "pdf", "pptx")

_CLI_ERROR_LINE = re.compile(r"error: [^\s:][^:]*: got .+; allowed: .+")


def leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every number (not a bool) in a parsed document."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in leaves(v, (*path, i))]
    return [path] if isinstance(node, (int, float)) and not isinstance(node, bool) else []


def finite(value: Any) -> bool:
    """Whether every float in a parsed document is finite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, list):
        return all(finite(v) for v in value)
    return True


def mutate(doc: dict[str, Any], rng: random.Random, mild: bool = False) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``doc`` with one to three numbers replaced, and the changes made (``path = value``).

    Seven replacements in ten are a :data:`HOSTILE` value, the others the old value times a factor
    drawn from [-2, 2] (plausible values near the valid range, where cross-field checks matter).
    ``mild``: only factors from [0.5, 2], so that most documents stay valid and reach the renderers.
    """
    doc = copy.deepcopy(doc)
    paths = leaves(doc)
    changes = []
    for path in rng.sample(paths, k=min(len(paths), rng.randint(1, 3))):
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        if mild:
            node[path[-1]] = type(node[path[-1]])(rng.uniform(0.5, 2) * node[path[-1]])
        elif rng.random() < 0.7:
            node[path[-1]] = rng.choice(HOSTILE)
        else:
            node[path[-1]] = rng.uniform(-2, 2) * node[path[-1]]
        changes.append(".".join(str(k) for k in path) + f" = {node[path[-1]]!r}")
    return doc, changes


def write_scenario(doc: dict[str, Any], path: Path) -> Path:
    """``doc`` as a YAML scenario file (YAML, unlike JSON, writes NaN and infinities: ``.nan``, ``.inf``)."""
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _no_constant(s: str) -> Any:
    raise ValueError(f"non-finite number {s}")


def _finite_json(text: str | bytes) -> bool:
    """Whether ``text`` parses as JSON holding only finite numbers."""
    try:
        return finite(json.loads(text, parse_constant=_no_constant))
    except ValueError:
        return False


# --- the engine ------------------------------------------------------------------------------------------


def engine_outcome(doc: dict[str, Any], with_report: bool = False) -> str:
    """Run ``compare`` in-process (and the JSON report with ``with_report``)."""
    from llmplace import compare, parse_scenario
    from llmplace.errors import InputError

    try:
        result = compare(parse_scenario(doc))
        if with_report:
            from llmplace.report import render

            if not _finite_json(str(render(result, "json"))):
                return "non-finite JSON report"
    except InputError as exc:
        return INPUT_ERROR if exc.field else "input error without a field"
    except Exception as exc:  # noqa: BLE001 - counted, never hidden
        return f"internal error: {type(exc).__name__}"
    try:
        json.dumps(result.to_dict(), allow_nan=False)
    except ValueError:
        return "non-finite output"
    return FINITE


# --- the command line ------------------------------------------------------------------------------------


def _cli_error(stderr: str) -> str:
    """INPUT_ERROR when standard error holds exactly one ``error:`` line naming a field (notes allowed)."""
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("note: ")]
    if len(lines) == 1 and _CLI_ERROR_LINE.fullmatch(lines[0]):
        return INPUT_ERROR
    return "exit 2 without one error line naming a field"


def cli_outcome(args: list[str], stdout_is_json: bool = True) -> str:
    """Run the CLI in-process (typer's runner: argument parsing, exit status and both streams)."""
    from typer.testing import CliRunner

    from llmplace.cli import app

    r = CliRunner().invoke(app, args)
    if r.exit_code == 0:
        return FINITE if not stdout_is_json or _finite_json(r.stdout) else "exit 0 with non-finite JSON"
    if r.exit_code == 2:
        return _cli_error(r.stderr)
    return f"exit {r.exit_code}: {(r.stderr.strip().splitlines() or [''])[-1][:120]}"


def cli_compare_outcome(scenario: Path) -> str:
    """``llmplace compare <scenario> --json``."""
    return cli_outcome(["compare", str(scenario), "--json"])


def cli_report_outcome(scenario: Path, fmt: str, out_dir: Path, samples: int = 100) -> str:
    """``llmplace report <scenario> -f <fmt> -o <file>``; a JSON report must hold finite numbers only."""
    target = out_dir / f"report.{fmt}"
    target.unlink(missing_ok=True)
    outcome = cli_outcome(["report", str(scenario), "-f", fmt, "-o", str(target), "--samples", str(samples)],
                          stdout_is_json=False)
    if outcome == FINITE and (not target.is_file() or target.stat().st_size == 0):
        return "exit 0 without a report file"
    if outcome == FINITE and fmt == "json" and not _finite_json(target.read_bytes()):
        return "non-finite JSON report"
    return outcome


# --- the REST API ----------------------------------------------------------------------------------------


def _api_outcome(status: int, body: bytes, media: str) -> str:
    if status == 200:
        return FINITE if "json" not in media or _finite_json(body) else "200 with non-finite JSON"
    if status == 422:
        try:
            detail = json.loads(body)["detail"]
        except (ValueError, KeyError, TypeError):
            return "422 without a detail list"
        named = isinstance(detail, list) and detail and all(d.get("field") and d.get("msg") for d in detail)
        return INPUT_ERROR if named else "422 without a field"
    return f"HTTP {status}"


def api_compare_outcome(client: Any, doc: dict[str, Any], samples: int | None = None) -> str:
    """``POST /api/v1/compare`` through a FastAPI ``TestClient`` (or any httpx-like client); by default,
    like ``compare --json``, with the scenario's own Monte Carlo setting."""
    query = "" if samples is None else f"?samples={samples}"
    r = client.post(f"/api/v1/compare{query}", content=_body(doc),
                    headers={"content-type": "application/json"})
    return _api_outcome(r.status_code, r.content, r.headers.get("content-type", ""))


def api_report_outcome(client: Any, doc: dict[str, Any], fmt: str, samples: int = 100) -> str:
    """``POST /api/v1/report?format=<fmt>``."""
    r = client.post(f"/api/v1/report?format={fmt}&samples={samples}", content=_body(doc),
                    headers={"content-type": "application/json"})
    return _api_outcome(r.status_code, r.content, r.headers.get("content-type", ""))


def _body(doc: dict[str, Any]) -> bytes:
    """``doc`` as a request body; NaN and infinities as the bare words a careless client sends."""
    return json.dumps(doc, allow_nan=True).encode()
