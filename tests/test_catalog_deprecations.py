"""Deprecated server builds and cloud instances: marked, costed when listed, not recommended without a warning.

``deprecations.csv`` marks rows whose offer is no longer sold (issue: a catalog as current as the
market). The RTX 4090 workstations are marked because RTX 4090 production ended in October 2024
(trade press citing board partners, sources in the row); API offers have their own withdrawal rule.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from llmplace import catalog, compare
from llmplace.catalog.deprecations import Deprecation, mark

from .conftest import wages

BUNDLED = resources.files("llmplace.catalog").joinpath("data")


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    catalog.use_catalogs([])
    yield
    catalog.use_catalogs([])


def test_every_deprecation_names_a_catalog_row_and_a_dated_public_source() -> None:
    """A typo in an id would silently mark nothing: every entry must hit a bundled row, dated and sourced."""
    rows = list(csv.DictReader(BUNDLED.joinpath("deprecations.csv").read_text(encoding="utf-8").splitlines()))
    assert rows
    for r in rows:
        hit = [x for x in catalog.table(r["catalog"]) if r["id"].lower() in
               (x.id.lower(), f"{getattr(x, 'provider', '')}/{getattr(x, 'instance_type', '')}".lower())]
        assert hit, r["id"]
        assert all(x.deprecated_on == r["deprecated_on"] for x in hit)
        assert r["as_of"][:4].isdigit() and "https://" in r["source"], r["id"]


def test_the_rtx_4090_workstations_are_marked_and_their_successors_are_not() -> None:
    """RTX 4090 production ended in October 2024 (sources in deprecations.csv); the RTX 5090 builds are on sale."""
    for sid in ("ws-1x-rtx4090", "ws-2x-rtx4090"):
        row = catalog.get_server(sid)
        assert row.deprecated_on == "2024-10"
        assert "RTX 4090 production ended" in (row.deprecated_reason or "")
        assert "neowin.net" in (row.deprecated_reason or "")
    assert catalog.get_server("ws-1x-rtx5090").deprecated_on is None
    assert catalog.get_cloud("aws/p5.48xlarge").deprecated_on is None


def test_a_cloud_entry_without_region_marks_every_region() -> None:
    """``provider/instance_type`` stands for the instance in every region; another instance stays unmarked."""
    clouds = list(catalog.table("clouds"))
    entry = Deprecation(catalog="clouds", id="aws/g6.xlarge", deprecated_on="2026-01", reason="test",
                        as_of="2026-01", source="https://example.org")
    marked = mark("clouds", clouds, [entry])
    hits = {r.id for r in marked if r.deprecated_on}
    assert hits == {r.id for r in clouds if r.provider == "aws" and r.instance_type == "g6.xlarge"}
    assert len(hits) >= 2  # us-east-1 and eu-central-1 in the bundled catalog


def test_a_user_catalog_can_mark_a_cloud_row(tmp_path: Path) -> None:
    """The overlay reads the two columns: a user who learns a region closes can say so in his own catalog."""
    (tmp_path / "clouds.csv").write_text(
        "provider,instance_type,region,deprecated_on,deprecated_reason,as_of,source\n"
        "aws,g6.xlarge,us-east-1,2026-11,closing this region,2026-11,our account manager\n", encoding="utf-8")
    catalog.use_catalogs([tmp_path])
    row = catalog.get_cloud("aws/g6.xlarge/us-east-1")
    assert row.deprecated_on == "2026-11" and row.deprecated_reason == "closing this region"
    assert row.on_demand_usd_per_hour > 0  # the rest of the row comes from the bundled one


def _doc(server: dict[str, object], api_price: float) -> dict[str, object]:
    own = {"kind": "in_house", "id": "own", **server, "throughput_tokens_per_s": 2000, "gpus_per_replica": 1,
           "target_utilisation": 0.5}
    api = {"kind": "api", "id": "api", "provider": "together", "input_usd_per_mtok": api_price,
           "output_usd_per_mtok": 3 * api_price}
    return {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 2e9, "input_tokens_per_request": 3, "output_tokens_per_request": 1,
                     "peak_to_average": 2},
        "options": [own, api],
        "site": {"electricity_usd_per_kwh": 0.1, "pue": 1.5, "setup_usd_per_server": 0, **wages(120000)},
        "finance": {"horizon_months": 24},
    }


FROM_ROW = {"server": "ws-1x-rtx4090"}
# the same workstation written inline (no catalog row, so no deprecation): the control
INLINE = {"gpu": "rtx-4090", "gpu_count": 1, "purchase_usd": 5000, "max_power_kw": 0.85, "idle_power_kw": 0.15}


def test_a_deprecated_build_is_costed_flagged_and_not_recommended_while_another_option_is_eligible() -> None:
    """Same figures, one from the deprecated row: the inline twin wins, the deprecated one is left out, with a line."""
    control = compare(_doc(INLINE, api_price=20.0))
    assert control.recommendation.option == "own"  # the workstation wins on these figures ...
    r = compare(_doc(FROM_ROW, api_price=20.0))
    own = next(o for o in r.options if o.id == "own")
    assert own.feasible and own.tco_usd == pytest.approx(next(o for o in control.options if o.id == "own").tco_usd)
    assert own.deprecated is not None and "ws-1x-rtx4090" in own.deprecated
    assert r.recommendation.option == "api"  # ... but not from a row no longer sold
    assert "Left out of the ranking as deprecated" in r.recommendation.summary and "own (" in r.recommendation.summary
    assert any(n.startswith("not ranked: uses a deprecated offer") for n in own.criteria.notes)
    assert next(o for o in r.options if o.id == "api").deprecated is None
    assert any(ref.deprecated for ref in own.catalog_rows if ref.id == "ws-1x-rtx4090")


def test_a_deprecated_build_alone_is_recommended_with_a_warning_line() -> None:
    """When nothing on sale is eligible the deprecated option is still the answer, and the first risk says why."""
    doc = _doc(FROM_ROW, api_price=20.0)
    doc["constraints"] = {"data_classification": "regulated"}  # excludes the API (third-party processing)
    doc["options"][0]["lead_time_weeks"] = 0  # no bridge is allowed: serve from month 1
    r = compare(doc)
    assert r.recommendation.option == "own"
    assert r.recommendation.risks[0].startswith("Deprecated offer: servers row ws-1x-rtx4090")


def test_the_default_procurement_lead_time_follows_the_2026_market() -> None:
    """26 weeks (was Dell's 8-12 weeks of Apr-2024): 2026 sources agree ordered GPU servers take longer (3-7 months,
    nand-research; 4-10 months for B200, gpuleaseindex; 6-12 months for full racks, sourcebyspec; 32-52 weeks in
    the OEM and reseller channels), 26 weeks being the low-middle of those ranges (sources in site.csv).
    26 x 7 / 30.42 days = 5.98 months -> 6 whole months before delivery: the server serves from month 7."""
    row = catalog.site_defaults()["procurement_lead_time_weeks"]
    assert row.value == 26 and row.as_of >= "2026-09" and row.source.count("2026") >= 5
    doc = _doc(INLINE, api_price=1.0)
    own = next(o for o in compare(doc).options if o.id == "own")
    assert own.units[:7] == [0] * 6 + [1]


def test_a_strategy_over_time_does_not_move_to_a_deprecated_build() -> None:
    """The two-phase strategy follows the recommendation's rule: with the API on sale, no phase runs on the
    workstation no longer sold (the inline twin, same figures, may be a phase)."""
    r = compare(_doc(FROM_ROW, api_price=20.0))
    phases = {r.strategy.first, r.strategy.second} if r.strategy is not None else set()
    assert "own" not in phases
    control = compare(_doc(INLINE, api_price=20.0))
    assert control.strategy is not None and control.strategy.second == "own"
