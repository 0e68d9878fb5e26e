"""The documents of every bundled example stay as recorded (the refactor guard).

The golden files were written by ``tests/golden/regenerate.py``; a commit that changes behaviour on
purpose regenerates them and says why. Floats compare within 1e-9 relative (plus 1e-9 absolute):
the engine is deterministic, so the only admissible change is the last bits of a float reordered by
a vectorised sum; every string, key, list length and integer must match exactly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.golden.regenerate import GOLDEN, documents, examples

REL_TOL = 1e-9
ABS_TOL = 1e-9


def _diff(expected: Any, actual: Any, where: str, out: list[str]) -> None:
    if len(out) >= 20:
        return
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(f"{where}.{key}: missing")
            elif key not in expected:
                out.append(f"{where}.{key}: unexpected")
            else:
                _diff(expected[key], actual[key], f"{where}.{key}", out)
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            out.append(f"{where}: {len(actual)} items, expected {len(expected)}")
            return
        for k, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _diff(e, a, f"{where}[{k}]", out)
    elif isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        if not math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            out.append(f"{where}: {actual!r}, expected {expected!r}")
    elif expected != actual or type(expected) is not type(actual):
        out.append(f"{where}: {actual!r}, expected {expected!r}")


@pytest.mark.parametrize("example", examples(), ids=lambda p: p.stem)
def test_documents_match_golden(example: Path) -> None:
    produced = json.loads(json.dumps(documents(example)))  # the JSON round trip the files went through
    for kind, doc in produced.items():
        path = GOLDEN / f"{example.stem}.{kind}.json"
        expected = json.loads(path.read_text(encoding="utf-8"))
        problems: list[str] = []
        _diff(expected, doc, kind, problems)
        assert not problems, f"{path.name} differs (first {len(problems)}):\n" + "\n".join(problems)


def test_diff_detects_changes() -> None:
    """The comparison itself can fail: a moved float, a changed string and a dropped key are all caught."""
    problems: list[str] = []
    _diff({"a": 1.0, "b": "x", "c": [1]}, {"a": 1.0 + 1e-6, "b": "y"}, "doc", problems)
    assert problems == ["doc.a: 1.000001, expected 1.0", "doc.b: 'y', expected 'x'", "doc.c: missing"]
