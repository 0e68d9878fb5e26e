"""Catalog corrections from an expert review of the bundled data, one test per correction.

Each test states the source of the corrected figure (or the reasoning behind the rule) and fails on
the data as it stood before the correction.
"""

from __future__ import annotations

import pytest

from llmplace import catalog, compare
from llmplace.errors import InputError
from llmplace.sizing.performance import peak_flops_per_gpu


def test_l40s_int8_rate_comes_from_the_datasheet() -> None:
    """The L40S INT8 tensor rate was blank, so INT8 sizing fell back to the 16-bit rate (362 TFLOPS).

    Source: NVIDIA L40S datasheet 2907810 (2023-09-25) and https://www.nvidia.com/en-us/data-center/l40s/:
    INT8 Tensor 733 | 1,466 TOPS (with sparsity), so 733 dense, the same as the FP8 rate.
    """
    l40s = catalog.get_gpu("l40s")
    assert l40s.int8_dense_tops == pytest.approx(733)
    assert peak_flops_per_gpu(l40s, "int8") == pytest.approx(733e12)


def test_instance_storage_is_priced_at_the_block_storage_rate() -> None:
    """``storage_gb`` is block storage attached to each instance; it was priced at S3 Standard (0.023/GB-month).

    Source: Amazon EBS pricing, https://aws.amazon.com/ebs/pricing/: General Purpose SSD (gp3) $0.08 per
    GB-month in US East (N. Virginia), 3,000 IOPS and 125 MB/s included (us-east-1 prices as of early 2026).
    """
    assert catalog.site_default("block_storage_usd_per_gb_month") == pytest.approx(0.08)
    r = compare({
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": 1e8, "input_tokens_per_request": 3, "output_tokens_per_request": 1},
        "options": [{"kind": "cloud", "id": "rent", "gpu": "l40s", "gpu_count": 1, "usd_per_hour": 2,
                     "throughput_tokens_per_s": 1000, "staff_fte": 0, "storage_gb": 500}],
        "finance": {"horizon_months": 12},
    })
    rent = r.option("rent")
    assert rent.units[0] == 1  # one instance, always on
    assert rent.monthly_by_category_usd["storage"][0] == pytest.approx(500 * 0.08)


def _api_scenario(model: str, provider: str) -> dict[str, object]:
    return {
        "model": {"name": model},
        "workload": {"tokens_per_month": 1e8, "input_tokens_per_request": 3, "output_tokens_per_request": 1},
        "options": [{"kind": "api", "id": "api", "provider": provider}],
    }


def test_groq_offers_no_llama_405b() -> None:
    """The groq offer for Llama 3.1 405B priced the 405B model at Groq's 70B rate (0.59 / 0.79 USD/Mtok).

    genai-prices keeps 'llama-3.1-405b-reasoning', a 2024 preview id, at exactly the price of
    'llama-3.1-70b-versatile'; Groq's public model and price list (console.groq.com/docs/models, as
    mirrored at https://mastra.ai/models/providers/groq) has no 405B model. ``provider: groq`` for the
    405B model is refused, naming the providers that do offer it.
    """
    assert "groq" not in {o.provider for o in catalog.api_offers("llama-3.1-405b")}
    with pytest.raises(InputError) as err:
        compare(_api_scenario("llama-3.1-405b", "groq"))
    assert err.value.field == "options[0].provider"
    assert "a provider offering llama-3.1-405b: " in str(err.value) and "together" in str(err.value)


@pytest.mark.parametrize("model", ["gpt-oss-20b", "gpt-oss-120b"])
def test_openai_does_not_sell_gpt_oss(model: str) -> None:
    """OpenAI serves neither gpt-oss model through its API; the package's 'openai' entries are placeholders.

    Source: OpenAI Help Center, 'OpenAI open-weight models (gpt-oss)',
    https://help.openai.com/en/articles/11870455-openai-open-weight-models-gpt-oss ('not served through the
    OpenAI API'); genai-prices 0.2.3 marks both entries 'Imported from OpenRouter pricing; verify against
    OpenAI pricing when native API pricing is published'.
    """
    assert "openai" not in {o.provider for o in catalog.api_offers(model)}
    with pytest.raises(InputError) as err:
        compare(_api_scenario(model, "openai"))
    assert err.value.field == "options[0].provider"


def test_withdrawn_api_offers_are_not_offered() -> None:
    """Offers the price data marks deprecated, or whose provider shutdown date is past, are skipped.

    Policy (documented in README 'Data' and the catalog module): such an offer is not listed by
    ``api_offers`` and ``provider:`` naming it is refused, saying why; prices given in the scenario
    still work. Sources: genai-prices 0.2.3 marks avian's Llama 3.1 8B deprecated ('No longer listed
    in Avian's model catalog as of 2026-08-25') and cerebras's ('No longer listed in the Cerebras
    Inference docs'); its price comment on mistral's open-mixtral-8x22b gives a 2025-03-30 retirement,
    recorded as ``retired_on`` in api_aliases.csv (before :data:`catalog.CATALOG_DATE`).
    """
    assert not {"avian", "cerebras"} & {o.provider for o in catalog.api_offers("llama-3.1-8b")}
    assert "mistral" not in {o.provider for o in catalog.api_offers("mixtral-8x22b")}
    with pytest.raises(InputError) as err:
        compare(_api_scenario("llama-3.1-8b", "avian"))
    assert "withdrawn: avian's Meta-Llama-3.1-8B-Instruct is marked deprecated in genai-prices" in str(err.value)
    assert "together" in err.value.allowed and "avian" not in err.value.allowed
    with pytest.raises(InputError) as err:
        compare(_api_scenario("mixtral-8x22b", "mistral"))
    assert "was retired on 2025-03-30" in str(err.value)
    # a live offer is unaffected, and a withdrawn provider priced in the scenario is the user's choice
    assert compare(_api_scenario("llama-3.1-8b", "together")).option("api").feasible
    priced = _api_scenario("llama-3.1-8b", "avian")
    priced["options"][0].update(input_usd_per_mtok=0.1, output_usd_per_mtok=0.2)  # type: ignore[index]
    assert compare(priced).option("api").feasible


@pytest.mark.parametrize(("model", "retired"), [("llama-3.1-8b", "2026-08-16"), ("llama-3.3-70b", "2026-08-16"),
                                                ("llama-3.1-70b", "2025-01-26"), ("mixtral-8x7b", "2025-03-20"),
                                                ("kimi-k2", "2025-10-10")])
def test_groq_models_past_their_shutdown_date_are_not_offered(model: str, retired: str) -> None:
    """Groq's shutdown dates, recorded as ``retired_on``, withdraw its offers (the package does not mark them).

    Sources: Groq deprecations page, https://console.groq.com/docs/deprecations: llama-3.1-8b-instant and
    llama-3.3-70b-versatile decommissioned 2026-08-16 for free and developer tiers (linked in
    langchain-ai/docs PR #4565; Groq's e-mail quoted in karthink/gptel #1478); mixtral-8x7b-32768 on
    2025-03-20 (papi-ai/groq v0.15.2); kimi-k2-instruct on 2025-10-10 (gsd-build/gsd-2 PR #4273);
    llama-3.1-70b-versatile answered 'model_decommissioned' by 2025-01-26 (crewAIInc/crewAI #1976).
    """
    assert "groq" not in {o.provider for o in catalog.api_offers(model)}
    with pytest.raises(InputError) as err:
        compare(_api_scenario(model, "groq"))
    assert f"was retired on {retired}" in str(err.value)


def test_groq_still_offers_gpt_oss() -> None:
    """The withdrawal is per model: Groq's gpt-oss offers are live (console.groq.com/docs/models)."""
    assert {"gpt-oss-20b", "gpt-oss-120b"} <= {o.model for o in catalog.api_offers() if o.provider == "groq"}


def test_b200_has_an_oem_row_priced_like_the_other_oem_rows() -> None:
    """The only B200 server was an NVIDIA DGX at $515k while the H100/H200 8-GPU rows are OEM quotes.

    hgx-b200-8x-oem is priced on the OEM basis (DERIVED, low confidence): the OEM HGX H100 quote's non-GPU
    share ($317,000 - 8 x $30,000) plus 8 x $40,000, with mid-2026 street prices per GPU from
    https://www.aiinframap.com/tools/chips/h100-vs-h200-vs-b200-tco (H100 ~$30k, B200 ~$40k) and
    https://datastorage.com/gpu/nvidia-b200 (module $30-50k). The starter scenario offers it.
    """
    from llmplace.scenario.starter import starter_scenario

    oem, dgx, h100 = (catalog.get_server(s) for s in ("hgx-b200-8x-oem", "dgx-b200-8x-b200", "hgx-h100-8x-oem"))
    assert oem.gpu == "b200" and oem.gpu_count == 8
    assert oem.purchase_usd == pytest.approx(h100.purchase_usd - 8 * 30_000 + 8 * 40_000)
    assert oem.purchase_usd < dgx.purchase_usd and dgx.notes and "not an OEM quote" in dgx.notes
    assert "server: hgx-b200-8x-oem" in starter_scenario(model="kimi-k2")


def test_lenovo_row_defaults_to_a_street_estimate_not_the_list_price() -> None:
    """The Lenovo SR675 V3 row defaulted to Lenovo's list price without discounts ($833,806, LP2225).

    The default is now a street estimate on the catalog's own basis (8 x $35,098 H100 NVL card listing,
    Mar-2025, via Epoch's hardware prices + $25,000 host, as the h100-nvl-4x-server row), close to the
    OEM HGX H100 quote; the list price stays in purchase_usd_high, labelled, for the published case.
    """
    lenovo, nvl4 = catalog.get_server("lenovo-sr675v3-8x-h100-nvl"), catalog.get_server("h100-nvl-4x-server")
    assert lenovo.purchase_usd == pytest.approx(8 * 35_098 + 25_000)
    assert lenovo.purchase_usd - 25_000 == pytest.approx(2 * (nvl4.purchase_usd - 25_000))
    assert lenovo.purchase_usd_high == 833_806 and lenovo.notes and "LIST price" in lenovo.notes


def test_gcp_rows_follow_gcp_published_sku_prices() -> None:
    """GCP rows showed 2-2.6x regional spreads and 15-51 % spot discounts that GCP's own price list contradicts.

    Source: Google Cloud Billing Catalog API SKU prices as compiled in github
    Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml @dac3128 (generated 2026-08-20): the same
    machine type differs by at most ~1.3x between us-east1/us-east4/us-central1/europe-west4, and its Spot
    price is 40-70 % below on-demand (https://cloud.google.com/spot-vms/pricing: 'discounts of up to 91%').
    Rows it does not price (A4 B200, A3 Ultra outside us-central1, A3 Mega in us-central1) were dropped.
    TPU VMs are not Compute Engine machine types: they are billed per chip-hour from the Cloud TPU price
    list, and their rows cite Google's Trillium prices (v6e) or the Cloud TPU list prices of SkyPilot's GCP
    catalog (v5e) instead; a TPU VM costs the same per chip-hour whatever its chip count.
    """
    tpus = [r for r in catalog.table("clouds") if r.provider == "gcp" and r.gpu.startswith("tpu")]
    assert tpus and all("Trillium" in r.source or "Cloud TPU list prices" in r.source for r in tpus)
    per_chip: dict[tuple[str, str], set[float]] = {}
    for r in tpus:
        per_chip.setdefault((r.gpu, r.region), set()).add(round(r.on_demand_usd_per_hour / r.gpu_count, 6))
    assert all(len(v) == 1 for v in per_chip.values()), per_chip
    gcp = [r for r in catalog.table("clouds") if r.provider == "gcp" and r not in tpus]
    by_type: dict[str, list[float]] = {}
    for r in gcp:
        by_type.setdefault(r.instance_type, []).append(r.on_demand_usd_per_hour)
        if r.spot_usd_per_hour is not None:
            assert 0.09 * r.on_demand_usd_per_hour <= r.spot_usd_per_hour <= 0.65 * r.on_demand_usd_per_hour, r.id
        assert "Cyclenerd" in r.source or "nativ-x/fsku" in r.source, r.id
    assert all(max(v) / min(v) < 1.3 for v in by_type.values()), by_type
    assert catalog.get_cloud("gcp/a3-highgpu-8g/us-central1").on_demand_usd_per_hour == pytest.approx(88.49)
    assert catalog.get_cloud("gcp/a2-highgpu-1g/europe-west4").on_demand_usd_per_hour == pytest.approx(3.74797)
    assert "a4-highgpu-8g" not in by_type


def test_every_bundled_csv_row_has_as_many_fields_as_its_header():
    """An unquoted comma in a note splits it into an extra field that the reader drops without a word (the
    migration_engineering_fte_months row of site.csv lost the end of its note this way)."""
    import csv
    import io
    from importlib import resources

    root = resources.files("llmplace")
    files = [f for pkg in ("catalog", "sizing", "criteria") if (root / pkg / "data").is_dir()
             for f in (root / pkg / "data").iterdir() if f.name.endswith(".csv")]
    assert files
    for f in files:
        rows = [r for r in csv.reader(io.StringIO(f.read_text(encoding="utf-8"))) if r]
        bad = [i + 1 for i, r in enumerate(rows) if len(r) != len(rows[0])]
        assert not bad, f"{f.name}: lines {bad[:5]} have a field count other than the header's"
