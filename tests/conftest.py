from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]

# A refreshed price snapshot in the developer's own data directory must not change test results:
# tests see an empty data directory unless they write one.
os.environ["LLMPLACE_DATA_DIR"] = tempfile.mkdtemp(prefix="llmplace-test-data-")
os.environ["LLMPLACE_CACHE_DIR"] = tempfile.mkdtemp(prefix="llmplace-test-cache-")  # the API price cache
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

#: site values that charge no staff: no fixed team of any option kind and no variable part
NO_STAFF = {**{f"{kind}_team_{role}_fte": 0.0 for kind in ("in_house", "cloud", "api")
               for role in ("sysadmin", "ml_engineer")}, "staff_variable_fte_at_8_gpus": 0.0}

#: finance values that hold API, cloud and hardware prices flat (the defaults are site.csv's dated trends), for
#: tests of other arithmetic and published cases that assume constant prices
FLAT_PRICES = {f"{k}_price_change_pct_per_year": 0.0 for k in ("api", "cloud", "hardware")}

#: site values that charge none of the later cost lines (software licences, in-house network and storage,
#: cloud support plan, GPU replacements out of warranty, a hybrid's standby): tests of other rules keep
#: their arithmetic; tests/test_cost_lines.py covers these lines
NO_EXTRA_LINES = {"software_licence_usd_per_gpu_year": 0.0, "network_storage_pct_of_server_price": 0.0,
                  "cloud_support_pct": 0.0, "gpu_annual_failure_rate": 0.0, "standby_sysadmin_fte": 0.0,
                  "standby_failover_tests_per_year": 0.0}


def wages(usd_per_year: float) -> dict[str, float]:
    """Site values paying both staff roles the same loaded wage [USD/year]."""
    return {"sysadmin_loaded_usd_per_year": usd_per_year, "ml_engineer_loaded_usd_per_year": usd_per_year}


def overlapping_boxes(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of text boxes (dicts with text, x, y, width, height in px, as a browser measures them) that intersect
    by more than half a pixel each way: labels drawn over each other."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            dx = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
            if dx > 0.5 and dy > 0.5:
                out.append((a["text"], b["text"]))
    return out


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner):
    from llmplace.cli import app

    def _invoke(*args: str):
        return runner.invoke(app, list(args))

    return _invoke
