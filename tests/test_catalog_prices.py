"""Prices dated by their data, and staleness that warns about prices and offers, not about facts.

A GPU datasheet or a model configuration published in 2022 is as true today as then; an HGX server
quote from 2022 is not. ``catalog/data/ageing.csv`` says which tables (and which ``site.csv`` keys)
age; the staleness warning checks only those.
"""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources

import pytest

from llmplace import catalog, compare, load_scenario
from llmplace.report.model import StaleItem
from llmplace.report.provenance import ages, parse_as_of, staleness

DATA = resources.files("llmplace.catalog").joinpath("data")


def _item(label: str) -> StaleItem:
    return StaleItem(item=label, as_of="2020-01", used_by=["x"])


@pytest.mark.parametrize(("label", "expected"), [
    ("gpus: h100-sxm", False),        # datasheet (H100 launched Mar-2022): a fact
    ("models: llama-3.3-70b", False),  # published config.json: a fact
    ("default: pue", False),           # measured facility efficiency
    ("default: gpu_annual_failure_rate", False),
    ("network_rtt.csv: metro", False),
    ("servers: hgx-h100-8x-oem", True),  # a quote
    ("clouds: aws/p5.48xlarge/us-east-1", True),
    ("apis: together/llama-3.3-70b", True),
    ("default: electricity_usd_per_kwh", True),
    ("default: some_new_usd_default", True),  # unknown site key: treated as a price
    ("own-8xh100: some option value", True),
])
def test_prices_age_and_facts_do_not(label: str, expected: bool) -> None:
    assert ages(_item(label)) is expected


def test_a_far_future_report_flags_prices_but_not_datasheets_or_configs() -> None:
    """On 2035-01-01 every dated value is older than 180 days: the old rule listed the GPU datasheet
    and the model rows among them (the internal-assistant example listed 'gpus: h100-sxm', dated
    2022-03, as stale); now only prices and offers are listed."""
    result = compare(load_scenario("examples/internal-assistant-70b.yaml"))
    stale = {s.item for s in staleness(result, dt.date(2035, 1, 1)).stale}
    assert "servers: hgx-h100-8x-oem" in stale
    assert "default: electricity_usd_per_kwh" in stale
    assert not [s for s in stale if s.startswith(("gpus:", "models:", "network_rtt.csv:", "availability.csv:"))]
    assert "default: pue" not in stale


def test_api_prices_carry_the_date_of_their_data_not_only_a_package_version() -> None:
    """The offers used to be dated 'genai-prices 0.2.3', which names no date and so was listed as
    undated. genai-prices 0.2.3's newest price change in force is dated 2026-12-01 (a
    StartDateConstraint in its bundled data), recorded in api_price_data.csv."""
    from genai_prices import __version__

    offer = catalog.get_api_offer("together", "llama-3.3-70b")
    day = parse_as_of(offer.as_of)
    if __version__ == "0.2.3":
        assert day == dt.date(2026, 12, 1)
    assert __version__ in offer.as_of
    assert catalog.api_price_data_as_of("0.0.0") == "genai-prices 0.0.0 (data date not recorded)"


def test_every_ageing_rule_names_a_table_and_site_key_that_exist() -> None:
    """A typo in ageing.csv would silently exempt (or flag) nothing; every rule must match a real name."""
    rows = list(csv.DictReader(DATA.joinpath("ageing.csv").read_text(encoding="utf-8").splitlines()))
    site_keys = {r["key"] for r in csv.DictReader(DATA.joinpath("site.csv").read_text(encoding="utf-8").splitlines())}
    site_keys.add("tax_rate_pct")  # the result's name for corporate_tax_rate_pct
    tables = {p.name.removesuffix(".csv") for p in DATA.iterdir() if p.name.endswith(".csv")} | {"option", "apis"}
    bad = [r for r in rows if r["table"] not in tables or (r["table"] == "site" and r["key"] not in site_keys | {"*"})]
    assert not bad, bad


@pytest.mark.parametrize(("row_id", "street_usd_per_gpu", "dated_from"), [
    ("hgx-h100-8x-oem", 30_000, dt.date(2026, 6, 1)),
    ("hgx-h200-8x-oem", 35_000, dt.date(2026, 6, 1)),
    ("hgx-b200-8x-oem", 40_000, dt.date(2026, 6, 1)),
    ("hgx-a100-8x-80gb-oem", 11_500, dt.date(2026, 3, 1)),  # midpoint of the 2026 A100 80GB range $8-15k
])
def test_oem_hgx_rows_share_one_street_basis(row_id: str, street_usd_per_gpu: int, dated_from: dt.date) -> None:
    """One convention for the 8-GPU HGX servers: mid-2026 street price per GPU (aiinframap, H100
    ~$30k, H200 ~$35k, B200 ~$40k) x 8 + the same $77,000 non-GPU share (Thinkmate's $317,000 HGX
    H100 quote of Aug-2024 minus 8 x $30,000). The H200 row used to be a forum midpoint ($370,000,
    dated 2025-01) on no stated basis; it now follows the same arithmetic ($357,000). The A100 row was a
    Jan-2022 reseller list ($167,000); on the 2026 street range ($8-15k per A100 80GB) it is $169,000."""
    row = catalog.get_server(row_id)
    assert row.purchase_usd == 8 * street_usd_per_gpu + 77_000
    assert parse_as_of(row.as_of) is not None and parse_as_of(row.as_of) >= dated_from  # type: ignore[operator]


def test_an_hour_of_day_api_price_does_not_change_with_the_wall_clock() -> None:
    """DeepSeek bills V4 Flash by the hour: genai-prices 0.2.3 gives 0.15 in / 0.60 out USD/Mtok off-peak and
    0.30 / 1.20 in the peak windows 01:00-04:00 and 06:00-10:00 UTC (7 of 24 h). Priced at the wall clock
    (the first version), the offer doubled whenever the tool ran in a peak window. The catalog takes the
    24-hour mean instead: (17 x 0.15 + 7 x 0.30) / 24 = 0.19375 in and (17 x 0.60 + 7 x 1.20) / 24 = 0.775
    out, whatever the hour, and says so in the offer's notes."""
    offer = catalog.get_api_offer("deepseek", "deepseek-v4-flash")
    assert offer.input_usd_per_mtok == pytest.approx(0.19375, abs=1e-9)
    assert offer.output_usd_per_mtok == pytest.approx(0.775, abs=1e-9)
    assert "24-hour mean" in (offer.notes or "") and "0.15-0.3" in (offer.notes or "")
    flat = catalog.get_api_offer("mistral", "mistral-small-3.2-24b")  # no hour windows: the listed 0.10 / 0.30
    assert (flat.input_usd_per_mtok, flat.output_usd_per_mtok) == (0.1, 0.3) and "24-hour" not in (flat.notes or "")


@pytest.mark.parametrize(("model", "retired"), [("deepseek-v3.1", "2025-10-15"), ("deepseek-v3.2", "2026-04-24")])
def test_deepseek_no_longer_serves_its_v3_models_first_party(model: str, retired: str) -> None:
    """DeepSeek kept V3.1-Terminus on a comparison endpoint until 2025-10-15 (api-docs.deepseek.com/guides/
    comparison_testing) and moved its API to V4 on 2026-04-24 (its pricing page lists only deepseek-v4-flash
    and deepseek-v4-pro). genai-prices 0.2.3 still prices both without a deprecation mark; the first
    version offered them. Other providers still serving the weights remain offered."""
    reason = catalog.withdrawn_api_offer("deepseek", model)
    assert reason is not None and f"retired on {retired}" in reason
    providers = [o.provider for o in catalog.api_offers(model)]
    assert "deepseek" not in providers and providers
    assert {o.provider for o in catalog.api_offers("deepseek-v4-pro")} >= {"deepseek"}
