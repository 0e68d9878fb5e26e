"""One story: `compare --json`, `report --format json` and the REST API, each at its default, draw the same
Monte Carlo samples and so give the same recommendation, scores, TCOs and thresholds.

They used to differ: `compare` drew none (the cost-predictability score then used a deterministic proxy),
`report` and the REST report drew 2,000, and the web app 2,000 or the scenario's own. For the
internal-assistant-70b example the recommendation itself changed (the server at 0 and 2,000 draws,
on-demand cloud at 10,000).
"""

from __future__ import annotations

import json

import pytest
import yaml

from llmplace.conventions import DEFAULT_SAMPLES

from .conftest import EXAMPLES

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

PATH = next(p for p in EXAMPLES if p.stem == "internal-assistant-70b")


def _story(doc: dict) -> dict:
    """What must agree: the recommendation, each option's TCO, weighted score and rank, the thresholds."""
    rec = doc["recommendation"]
    return {
        "option": rec["option"],
        "runner_up": rec["runner_up"],
        "would_change_if": rec["would_change_if"],
        "samples": (doc.get("risk") or {}).get("samples"),
        "options": {o["id"]: (o["tco_usd"], (o.get("criteria") or {}).get("weighted_total"),
                              (o.get("criteria") or {}).get("rank")) for o in doc["options"]},
    }


def test_compare_report_and_rest_api_tell_the_same_story(invoke, tmp_path):
    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    cmp = invoke("compare", str(PATH), "--json")
    assert cmp.exit_code == 0, cmp.output
    rep = invoke("report", str(PATH), "--format", "json", "-o", "-")
    assert rep.exit_code == 0, rep.output
    doc = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    with TestClient(create_app(f"sqlite:///{tmp_path / 'api.db'}")) as client:
        api_cmp = client.post("/api/v1/compare", json=doc)
        api_rep = client.post("/api/v1/report?format=json", json=doc)
    assert api_cmp.status_code == 200 and api_rep.status_code == 200
    stories = [_story(json.loads(t)) for t in (cmp.stdout, rep.stdout, api_cmp.text, api_rep.text)]
    assert stories[0]["samples"] == DEFAULT_SAMPLES
    for s in stories[1:]:
        assert s == stories[0]
