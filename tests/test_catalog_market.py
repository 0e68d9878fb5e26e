"""The catalog as current as the market: provenance of every row, aliases users type, ambiguous names.

Every bundled catalog row must say where its figure comes from (``source``) and when it was true
(``as_of``), and that date cannot lie after the catalog's review date (a future date is a typo or an
invented figure).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from importlib import resources

import pytest

from llmplace import catalog
from llmplace.errors import AmbiguousNameError, InputError, UnknownNameError

DATA = resources.files("llmplace.catalog").joinpath("data")
CSV_FILES = sorted(p.name for p in DATA.iterdir() if p.name.endswith(".csv"))
# as_of forms that carry no calendar date but say what the figure is dated by: a versioned data package
# (the API prices come from genai-prices' bundled data) or an explicit "undated" for a published figure
# whose page shows no date.
UNDATED_FORMS = re.compile(r"^(genai-prices \d+\.\d+\.\d+|\(?undated\)?)$")
DATE = re.compile(r"(20\d\d|19\d\d)(?:-(\d\d))?(?:-(\d\d))?")


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(DATA.joinpath(name).read_text(encoding="utf-8").splitlines()))


def _latest_date(as_of: str) -> dt.date | None:
    """Earliest day each date in ``as_of`` can mean (2026-11 -> 1 Nov 2026), the latest of them."""
    days = [dt.date(int(y), int(m or 1), int(d or 1)) for y, m, d in DATE.findall(as_of)]
    return max(days) if days else None


@pytest.mark.parametrize("name", CSV_FILES)
def test_every_catalog_row_has_source_and_a_past_as_of(name: str) -> None:
    rows = _rows(name)
    assert rows, name
    bad = []
    for line, row in enumerate(rows, start=2):
        as_of, source = (row.get("as_of") or "").strip(), (row.get("source") or "").strip()
        day = _latest_date(as_of)
        if not source or not as_of:
            bad.append(f"line {line}: as_of={as_of!r} source={source[:30]!r}")
        elif day is None and not UNDATED_FORMS.match(as_of):
            bad.append(f"line {line}: as_of {as_of!r} has no date")
        elif day is not None and day > catalog.CATALOG_DATE:
            bad.append(f"line {line}: as_of {as_of!r} is after the catalog date {catalog.CATALOG_DATE}")
    assert not bad, f"{name}: " + "; ".join(bad[:5])


def test_provenance_check_catches_a_future_or_missing_date() -> None:
    # The check above must be able to fail: a month after the catalog date and a row without a date.
    assert _latest_date("2027-01") > catalog.CATALOG_DATE  # type: ignore[operator]
    assert _latest_date("read 2026-11-28") == dt.date(2026, 11, 28)
    assert _latest_date("soon") is None and not UNDATED_FORMS.match("soon")


@pytest.mark.parametrize(("typed", "expected"), [
    ("deepseek-r1", "deepseek-r1"),
    ("DeepSeek-R1-0528", "deepseek-r1"),
    ("llama-4-maverick", "llama-4-maverick"),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama-4-scout"),
    ("qwen3-32b", "qwen3-32b"),
    ("Qwen/Qwen3-30B-A3B", "qwen3-30b-a3b"),
    ("deepseek-ai/DeepSeek-V3.2", "deepseek-v3.2"),
    ("moonshotai/Kimi-K2.5", "kimi-k2.5"),
    ("zai-org/GLM-5", "glm-5"),
    ("MiniMaxAI/MiniMax-M2.5", "minimax-m2.5"),
    ("llama-405b", "llama-3.1-405b"),
])
def test_aliases_users_type_resolve(typed: str, expected: str) -> None:
    assert catalog.get_model(typed).id == expected


@pytest.mark.parametrize(("typed", "candidates"), [
    ("llama-70b", {"llama-2-70b", "llama-3-70b", "llama-3.1-70b", "llama-3.3-70b"}),
    ("LLaMA 70B", {"llama-2-70b", "llama-3-70b", "llama-3.1-70b", "llama-3.3-70b"}),
    ("gpt-oss", {"gpt-oss-20b", "gpt-oss-120b"}),
    ("deepseek-v4", {"deepseek-v4-flash", "deepseek-v4-pro"}),
    ("qwen3.5", {"qwen3.5-27b", "qwen3.5-35b-a3b", "qwen3.5-122b-a10b", "qwen3.5-397b-a17b"}),
])
def test_ambiguous_alias_asks_instead_of_guessing(typed: str, candidates: set[str]) -> None:
    """``llama-70b`` used to resolve silently to Llama 2 70B (an alias of that row only); four Llama
    generations have a 70B model, so the name must list them and pick none."""
    with pytest.raises(AmbiguousNameError) as err:
        catalog.get_model(typed)
    assert set(err.value.candidates) == candidates
    text = str(err.value)
    assert "\n" not in text and all(c in text for c in candidates)
    assert catalog.table("models").find(typed) is None
    assert isinstance(err.value, InputError)


def test_an_id_is_never_ambiguous_and_unknown_names_still_suggest() -> None:
    assert catalog.get_model("llama-2-70b").id == "llama-2-70b"
    with pytest.raises(UnknownNameError):
        catalog.get_model("llama-71b")


def test_ambiguous_name_on_the_cli_is_one_line_and_exit_2(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("catalog", "show", "llama-70b")
    assert result.exit_code == 2
    assert "llama-3.3-70b" in result.output and "Traceback" not in result.output


ACCELERATORS_ASKED_FOR = ("b300", "gb200", "gb300", "mi355x", "h200-nvl", "rtx-pro-6000", "tpu-v5e", "tpu-v6e",
                          "tpu7x", "trainium2", "inferentia2", "gaudi3")


@pytest.mark.parametrize("gpu", ACCELERATORS_ASKED_FOR)
def test_accelerators_buyers_ask_about_are_sizable_with_their_engines(gpu: str) -> None:
    g = catalog.get_gpu(gpu)
    assert g.memory_gb > 0 and g.memory_bandwidth_tbps > 0 and g.fp16_dense_tflops > 0
    assert g.engines, f"{gpu}: which serving engines run on it?"


#: accelerators for which no public price was found by the catalog date (README says so): no cloud offer, no server
UNPRICED = ("tpu7x", "trainium2", "mi355x", "h200-nvl")


@pytest.mark.parametrize("gpu", ACCELERATORS_ASKED_FOR)
def test_each_accelerator_is_priced_by_a_dated_sourced_offer_or_listed_as_unpriced(gpu: str) -> None:
    offers = [r for kind in ("clouds", "servers") for r in catalog.table(kind) if r.gpu == gpu]
    if gpu in UNPRICED:
        assert not offers, f"{gpu} is priced now: take it out of UNPRICED and out of the README's unpriced list"
    else:
        assert offers and all(r.as_of and r.source for r in offers)


def test_public_accelerator_list_prices_enter_as_published() -> None:
    """Trillium (TPU v6e): $2.70 per chip-hour on demand, $1.89 with a 1-year and $1.22 with a 3-year commitment
    (Google's GA announcement, Dec-2024), so a v6e-8 VM is 8 x those. inf2.xlarge: $0.7582/h on demand in
    us-east-1 and $0.47767/h on a 1-year no-upfront RI (AWS price list via instances.vantage.sh, Aug-2026)."""
    tpu = catalog.get_cloud("gcp/tpu-v6e-8")
    assert (tpu.gpu, tpu.gpu_count) == ("tpu-v6e", 8)
    assert tpu.on_demand_usd_per_hour == pytest.approx(21.60)
    assert (tpu.reserved_1y_usd_per_hour, tpu.reserved_3y_usd_per_hour) == (pytest.approx(15.12), pytest.approx(9.76))
    inf2 = catalog.get_cloud("aws/inf2.xlarge")
    assert (inf2.gpu, inf2.gpu_count, inf2.on_demand_usd_per_hour, inf2.reserved_1y_usd_per_hour) == (
        "inferentia2", 1, 0.7582, 0.47767)


def test_tpu_v5e_list_prices_enter_per_chip_hour_times_chips() -> None:
    """TPU v5e: Google's list price is $1.20 per chip-hour on demand in us-east5 and $1.56 in europe-west4
    (SkyPilot's GCP catalog @006059e, rows tpu-v5litepod-1/4/8, which hold 4.8 and 9.6 USD/h for 4 and 8 chips
    in us-east5, i.e. exactly 4x and 8x the 1-chip price). The source has no commitment price, so the rows
    offer none rather than an assumed discount."""
    for name, chips, on_demand, spot in (("tpu-v5e-1", 1, 1.20, 0.60), ("gcp/tpu-v5litepod-8", 8, 9.60, 4.80),
                                         ("gcp/tpu-v5litepod-4/europe-west4", 4, 6.24, 1.77993)):
        row = catalog.get_cloud(name)
        assert (row.gpu, row.gpu_count) == ("tpu-v5e", chips)
        assert row.on_demand_usd_per_hour == pytest.approx(on_demand)
        assert row.spot_usd_per_hour == pytest.approx(spot)
        assert row.reserved_1y_usd_per_hour is None and row.reserved_3y_usd_per_hour is None


def test_nvl72_is_a_72_gpu_unit_priced_as_a_rack() -> None:
    """GB200 NVL72 joins 72 GPUs in one NVLink domain and is bought as a whole rack: the GPU row says the
    domain is 72, the server row holds 72 GPUs at a rack price ($2-3M published range, midpoint used)."""
    assert catalog.get_gpu("gb200").scale_up_domain_gpus == 72
    assert catalog.get_gpu("gb300").scale_up_domain_gpus == 72
    rack = catalog.get_server("gb200-nvl72-rack")
    assert rack.gpu == "gb200" and rack.gpu_count == 72
    assert rack.purchase_usd_low == 2_000_000 and rack.purchase_usd_high == 3_000_000
    assert rack.purchase_usd_low <= rack.purchase_usd <= rack.purchase_usd_high


def test_rack_and_node_rentals_enter_as_the_smallest_unit_one_can_rent() -> None:
    """CoreWeave lists GB200 NVL72 at $42.00/h per 4-GPU node (pricing page read 2026-09-20) but deploys it only as
    full racks of 18 nodes (its GB200 instance docs), so the smallest rental is 72 GPUs at 18 x 42 = $756/h, i.e.
    $10.50 per GPU-hour, not a 4-GPU instance. TensorWave's MI325X rate is $1.95 per GPU-hour (research note of
    2026-05-18), rented by the 8-GPU node: 8 x 1.95 = $15.60/h. Exact: the rows are the published rates times counts."""
    rack = catalog.get_cloud("coreweave/gb200-nvl72-rack")
    assert (rack.gpu, rack.gpu_count) == ("gb200", 72)
    assert rack.on_demand_usd_per_hour == pytest.approx(18 * 42.00)
    assert rack.on_demand_usd_per_hour / rack.gpu_count == pytest.approx(10.50)
    assert rack.reserved_1y_usd_per_hour is None  # "up to 60%" off has no published term or rate: not priced
    node = catalog.get_cloud("tensorwave/mi325x-8x")
    assert (node.gpu, node.gpu_count, node.on_demand_usd_per_hour) == ("mi325x", 8, pytest.approx(8 * 1.95))


def test_neocloud_rows_follow_the_providers_current_price_pages() -> None:
    """The SkyPilot snapshot still held Nebius's and Hyperstack's older rates. Nebius's price page (read 2026-10-07)
    lists HGX H100 $4.50, H200 $5.40 and B200 $8.50 per GPU-hour from 1 Oct 2026 (the snapshot had 2.95 / 3.50 /
    5.50); Hyperstack's (read 2026-08-26) lists H100 PCIe $2.50 and H100 SXM $3.20 (snapshot 1.90 / 2.40). Exact:
    the rows are the page rates times GPUs; a stale spot rate is dropped rather than kept beside a new on-demand one."""
    for name, per_gpu in (("nebius/gpu-h100-sxm_8gpu-128vcpu-1600gb", 4.50),
                          ("nebius/gpu-h200-sxm_1gpu-16vcpu-200gb", 5.40),
                          ("nebius/gpu-b200-sxm_8gpu-160vcpu-1792gb", 8.50),
                          ("hyperstack/n3-H100x8", 2.50), ("hyperstack/n3-H100-SXM5x8", 3.20)):
        row = catalog.get_cloud(name)
        assert row.on_demand_usd_per_hour == pytest.approx(per_gpu * row.gpu_count), name
        assert row.as_of >= "2026-08", name
    assert catalog.get_cloud("nebius/gpu-h100-sxm_1gpu-16vcpu-200gb").spot_usd_per_hour is None


def test_gaudi3_and_gb300_server_builds_follow_their_published_prices() -> None:
    """Gaudi 3: Intel's Computex-2024 list price of $125,000 for a kit of eight accelerators on their baseboard
    (The Next Platform, 2024-06-13) plus the catalog's $25,000 host assumption = $150,000; the high end adds the
    $77,000 non-GPU share of the OEM HGX H100 quote instead. GB300 NVL72: a published $3-4M per rack estimate,
    midpoint as the typical value, sold as one 72-GPU unit like the GB200 rack."""
    gaudi = catalog.get_server("gaudi3-8x-server")
    assert (gaudi.gpu, gaudi.gpu_count) == ("gaudi3", 8)
    assert gaudi.purchase_usd == 125_000 + 25_000 and gaudi.purchase_usd_high == 125_000 + 77_000
    assert gaudi.max_power_kw >= 8 * 0.9  # eight 900 W OAM modules before the host
    rack = catalog.get_server("gb300-nvl72-rack")
    assert (rack.gpu, rack.gpu_count) == ("gb300", 72)
    assert (rack.purchase_usd_low, rack.purchase_usd, rack.purchase_usd_high) == (3_000_000, 3_500_000, 4_000_000)
    assert rack.purchase_usd > catalog.get_server("gb200-nvl72-rack").purchase_usd


def test_size_says_when_the_accelerator_is_not_calibrated_or_the_engine_does_not_run_on_it() -> None:
    """No perf_calibration row was measured on a TPU or Gaudi: the size document must say the factors are
    uncalibrated; TensorRT-LLM is NVIDIA-only, so asking for it on Gaudi 3 is flagged."""
    from llmplace.sizing.document import size_document

    tpu = size_document("qwen3-32b", "tpu-v6e", gpus=4, precision="bf16", engine="vllm")
    assert "'tpu' not calibrated" in tpu["efficiency_source"]
    assert "engine_note" not in tpu
    gaudi = size_document("llama-3.3-70b", "gaudi3", gpus=1, precision="fp8", engine="trt-llm")
    assert "not calibrated" in gaudi["efficiency_source"]
    assert gaudi["engine_note"].startswith("trt-llm does not run on gaudi3")
    h100 = size_document("llama-3.3-70b", "h100-sxm", gpus=2, precision="fp8", engine="trt-llm")
    assert "not calibrated" not in h100["efficiency_source"] and "engine_note" not in h100


def test_coverage_counts_rows_providers_and_families_of_the_tables_in_force(invoke) -> None:  # type: ignore[no-untyped-def]
    """Figures are counts of the tables themselves: rows per table, AWS's cloud offers and the GPU types they
    hold, and an unpriced list per family that agrees with the accelerators no offer prices."""
    from llmplace.report.coverage import catalog_coverage

    cov = catalog_coverage()
    rows = {t.table: t.rows for t in cov.tables}
    assert rows == {kind: len(catalog.table(kind)) for kind in catalog.KINDS}
    assert all(t.undated_rows == 0 and t.oldest_as_of and t.newest_as_of for t in cov.tables)
    aws = next(p for p in cov.providers if (p.kind, p.provider) == ("cloud", "aws"))
    assert aws.offers == sum(1 for r in catalog.table("clouds") if r.provider == "aws")
    assert "inferentia2" in aws.accelerators
    unpriced = {g for f in cov.families for g in f.unpriced}
    assert set(UNPRICED) <= unpriced and not unpriced & {"tpu-v5e", "tpu-v6e", "inferentia2", "h100-sxm"}
    res = invoke("catalog", "coverage", "--json")
    assert res.exit_code == 0 and '"families"' in res.stdout
