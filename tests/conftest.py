from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

#: site values that charge no staff: no fixed team of any option kind and no variable part
NO_STAFF = {**{f"{kind}_team_{role}_fte": 0.0 for kind in ("in_house", "cloud", "api")
               for role in ("sysadmin", "ml_engineer")}, "staff_variable_fte_at_8_gpus": 0.0}

#: finance values that hold API, cloud and hardware prices flat (the defaults are site.csv's dated trends), for
#: tests of other arithmetic and published cases that assume constant prices
FLAT_PRICES = {f"{k}_price_change_pct_per_year": 0.0 for k in ("api", "cloud", "hardware")}


def wages(usd_per_year: float) -> dict[str, float]:
    """Site values paying both staff roles the same loaded wage [USD/year]."""
    return {"sysadmin_loaded_usd_per_year": usd_per_year, "ml_engineer_loaded_usd_per_year": usd_per_year}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner):
    from llmplace.cli import app

    def _invoke(*args: str):
        return runner.invoke(app, list(args))

    return _invoke
