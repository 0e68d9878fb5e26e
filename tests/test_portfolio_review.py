"""Regression tests for defects found in review of the portfolio shared plans, each named after its defect."""

from __future__ import annotations

import copy

import pytest

from llmplace.portfolio import compare_portfolio
from llmplace.scenario.portfolio import parse_portfolio

from .conftest import ROOT

_WORK = {"requests_per_month": 300000, "input_tokens_per_request": 600, "output_tokens_per_request": 250}
_BASE = {
    "name": "review",
    "model": {"name": "llama-3.1-8b", "precision": "fp8", "engine": "vllm"},
    "latency": {"ttft_ms": 1000, "tpot_ms": 50},
    "finance": {"horizon_months": 12},
}
P5_ACTIVE = {"kind": "cloud", "id": "p5", "instance": "aws/p5.48xlarge", "plan": "on_demand",
             "billing": "active_hours"}
H100_ALWAYS_ON = {"kind": "cloud", "id": "h100", "instance": "aws/p5.4xlarge", "plan": "on_demand",
                  "billing": "always_on"}


def _doc(works: list[dict], option: dict, models: list[dict] | None = None) -> dict:
    doc = copy.deepcopy(_BASE)
    doc["workloads"] = [{"id": f"w{i}", "workload": {**_WORK, **w}} for i, w in enumerate(works)]
    for w, model in zip(doc["workloads"], models or [], strict=False):
        w["model"] = model
    doc["options"] = [option]
    return doc


def _plans(doc: dict) -> dict:
    return {p.id: p for p in compare_portfolio(parse_portfolio(doc)).plans}


@pytest.mark.parametrize("billing", [{"billing": "active_hours"}, {"billing": "autoscaled", "min_instances": 1}])
def test_active_hours_of_unknown_timing_are_billed_as_not_overlapping(billing):
    """Defect 1 (review repro act.yaml): two flat workloads of the same model, 220 hours with load a month each, on
    one p5.48xlarge billed by active hours. When their hours fall is not known, so the shared instance may run
    220 + 220 = 440 hours a month, what the two separate instances are billed together (each needs one instance
    alone: 2 x 220 instance-hours). The old code billed the longest member's 220 hours (the curves aligned busiest
    hour with busiest hour): $219,344 shared against $431,816 separate, more saving than the second team could
    explain. Now everything but staff (instances, storage, egress, support) costs what separate fleets cost,
    apart from the support plan's monthly minimum, paid once instead of twice; the saving is the second team.
    The same holds for an autoscaled fleet with a min_instances floor of one: the floor is billed in every hour
    with load of either member (440 h), not in the 220 h their aligned curves show."""
    plan = _plans(_doc([{"active_hours_per_month": 220, "peak_to_average": 2}] * 2,
                       {**P5_ACTIVE, **billing}))["shared:p5"]
    assert plan.separate_tco_usd is not None and plan.tco_usd > 0.8 * plan.separate_tco_usd  # old: 0.51
    assert plan.staff_saving_usd is not None and plan.packing_saving_usd is not None
    assert plan.packing_saving_usd < 0.01 * plan.separate_tco_usd, plan  # old: ~$212k of compute not billed
    assert plan.staff_saving_usd > 0
    assert any("not overlapping" in n for n in plan.notes), plan.notes


def test_shaped_workloads_that_never_overlap_share_one_instance_at_peak():
    """Defect 1 (review repro shaped.yaml): office hours (Mon-Fri 08:00-18:00) and a nightly batch (22:00-06:00)
    never have load in the same hour (demand.SHAPES), each needing one always-on H100 instance alone. On their
    real hour-of-week profile the shared fleet needs one instance at any hour, not the two the busiest-hour-with-
    busiest-hour alignment reported ('packed need 2 instances at peak')."""
    works = [{"requests_per_month": 1500000, "shape": "business_hours"},
             {"requests_per_month": 1500000, "shape": "nightly_batch"}]
    plan = _plans(_doc(works, H100_ALWAYS_ON))["shared:h100"]
    assert plan.notes[0].startswith("packed need 1 instances at peak against 2"), plan.notes
    assert max(plan.shared_servers or [0]) == 1
    assert any("coincident load hour by hour" in n for n in plan.notes)


def test_shaped_workloads_that_overlap_keep_their_coincident_peak():
    """The same two shapes with the office load doubled onto the batch's hours would be wrong: two office-hours
    workloads peak in the same hours, so their real coincident peak is their aligned peak (two instances when
    each needs one: 1.5 M requests a month of 600 + 250 tokens in 217 office hours fill more than half an H100
    at 50 ms per token; checked by the one-workload fleet of one instance each)."""
    works = [{"requests_per_month": 1500000, "shape": "business_hours"}] * 2
    plans = _plans(_doc(works, H100_ALWAYS_ON))
    plan = plans["shared:h100"]
    own = max(plan.separate_servers or [0])
    assert max(plan.shared_servers or [0]) == own == 2


def test_staff_scales_with_the_distinct_models_served():
    """Defect 2 (review repro nomig.yaml): two models that each need one H100 instance, shared on one always-on
    cloud option, still need two instances. The old plan counted one cloud team (0.1 sysadmin + 0.2 ML engineer,
    site.csv cloud_team_*_fte) for both models: the second model's serving and ML work was free and the plan
    saved 36 %. The ML engineer part is per model (serving and model work), the sysadmin part is the platform:
    sharing now saves the second platform part only, and with the same instance count the packing saves nothing."""
    doc = ROOT / "examples" / "portfolios" / "search-helpers.yaml"
    import yaml

    data = yaml.safe_load(doc.read_text())
    for w in data["workloads"]:
        w["workload"]["requests_per_month"] *= 40  # each model fills one GPU of its own
    data["options"] = [o for o in data["options"] if o["kind"] == "cloud"]
    data["options"][0]["mig_partitions"] = False
    plan = _plans(data)["shared:aws-1xh100"]
    assert plan.models_served == 2 and plan.separate_tco_usd is not None
    assert plan.shared_servers == plan.separate_servers
    # the same instances, storage and egress: only the support plan's tiers (10 %, then 7 % above $10k a month of
    # spend, costs/lines.py) differ on the combined bill: a few dollars against ~$480k
    assert plan.packing_saving_usd is not None and abs(plan.packing_saving_usd) < 1e-4 * plan.separate_tco_usd
    assert plan.staff_saving_usd is not None
    # the saving is one cloud platform part (0.1 of 0.3 FTE), not one whole team: under a sixth of the staff
    assert 0 < plan.staff_saving_usd < 0.12 * plan.separate_tco_usd


def test_a_second_model_on_a_shared_instance_is_not_free():
    """Defect 2 (examples/portfolios/search-helpers.yaml): the embedding model and the re-ranker share one MIG'd
    H100 instance; the old plan cost exactly one workload alone (half the separate fleets), so the second model
    was served and maintained for nothing. With the ML engineering part counted per model, the plan costs more
    than one workload alone, and the staff saving is shown apart from the packing saving, adding up."""
    result = compare_portfolio(ROOT / "examples" / "portfolios" / "search-helpers.yaml")
    plan = next(p for p in result.plans if p.id == "shared:aws-1xh100")
    alone = [next(o.tco_usd for o in w.options if o.option == "aws-1xh100") for w in result.workloads]
    assert plan.tco_usd > max(a or 0.0 for a in alone) + 1.0
    assert plan.separate_tco_usd is not None and plan.staff_saving_usd is not None
    assert plan.packing_saving_usd is not None
    assert plan.staff_saving_usd + plan.packing_saving_usd == pytest.approx(
        plan.separate_tco_usd - plan.tco_usd, abs=0.02)
    inhouse = next(p for p in result.plans if p.id == "shared:own-a100")
    assert inhouse.models_served == 2 and inhouse.staff_saving_usd is not None and inhouse.staff_saving_usd > 0


def test_shared_plans_skipped_for_the_tax_shield_say_so():
    """Defect 4 (review repro tax.yaml): with finance.tax_shield: true no shared plan is built (the tax shield is
    not modelled for shared fleets); the result said nothing. One note now names the options and the reason."""
    doc = _doc([{}, {}], P5_ACTIVE)
    doc["finance"].update({"tax_shield": True, "tax_rate_pct": 25})
    result = compare_portfolio(parse_portfolio(doc))
    assert [p.kind for p in result.plans] == ["mix"]
    assert "no shared plan for p5: the tax shield is not modelled for shared fleets" in result.notes


def _cloud_rows() -> list[dict]:
    import csv
    from pathlib import Path

    import llmplace.catalog

    with (Path(llmplace.catalog.__file__).parent / "data" / "clouds.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_low_price_flag_names_the_row_s_own_price():
    """Defect 5: the Hyperstack H100 SXM rows were re-priced to $25.60 per 8-GPU hour ($3.20/GPU-h, hyperstack.cloud
    pricing page) but kept 'LOW-PRICE FLAG: per-GPU on-demand 2.400', the SkyPilot snapshot's old price. A flag
    must quote the row's own per-GPU price (on_demand_usd_per_hour / gpu_count); $3.20 is above half the
    5.510 median, so those rows carry no flag."""
    import re

    for row in _cloud_rows():
        m = re.search(r"LOW-PRICE FLAG: per-GPU on-demand ([0-9.]+)", row["notes"])
        if m:
            per_gpu = float(row["on_demand_usd_per_hour"]) / int(row["gpu_count"])
            assert float(m.group(1)) == pytest.approx(per_gpu, abs=5e-4), (row["provider"], row["instance_type"])


def test_the_coreweave_rack_is_not_named_after_its_4_gpu_node():
    """Defect 6: CoreWeave rents GB200 only as NVL72 racks of 18 gb200-4x nodes (docs.coreweave.com, GB200
    instances); the rack row answered to 'coreweave/gb200-4x', so a user naming the 4-GPU node was billed for 72
    GPUs (18x). That name is now refused with a message naming the rack; and the rack's memory, 18 x 960 GB in
    the GiB column, is 18 x 960e9 / 2^30 = 16,093 GiB (it read 17,280)."""
    from llmplace import catalog
    from llmplace.errors import InputError

    with pytest.raises(InputError, match="coreweave/gb200-nvl72-rack"):
        catalog.get_cloud("coreweave/gb200-4x")
    rack = catalog.get_cloud("coreweave/gb200-nvl72")
    assert rack.gpu_count == 72
    assert rack.memory_gib == pytest.approx(18 * 960e9 / 2**30, abs=1.0)


def test_nebius_notes_name_the_rate_the_page_replaced():
    """Defect 8: the Nebius rows called the SkyPilot snapshot's $2.95 (H100) 'earlier rates', while the cited price
    page gives the rates replaced on 2026-10-01 as $3.85 / $4.50 / $7.15 (H100 / H200 / B200). Each note that
    names the replaced rate must name the one its source lists for its GPU."""
    replaced = {"h100-sxm": "3.85", "h200": "4.50", "b200": "7.15"}
    for row in _cloud_rows():
        if row["provider"] != "nebius" or row["gpu"] not in replaced:
            continue
        assert "earlier rates" not in row["notes"], row["instance_type"]
        if "price page replaced" in row["notes"]:
            assert f"replaced (${replaced[row['gpu']]}/GPU-h" in row["notes"], row["instance_type"]
            assert "replacing $3.85 / $4.50 / $7.15" in row["source"]


def test_mig_slices_get_the_sms_and_memory_the_hardware_has():
    """Defect 3: a slice was sized with c/7 of the GPU's compute and its nominal GB. ``nvidia-smi mig -lgip`` lists
    an H100 80GB 1g.10gb slice with 16 SMs of the GPU's 132 and 9.75 GiB (mig.csv, with its source), so its
    compute is 989.4 x 16/132 = 119.93 dense FP16 TFLOPs, not 989.4/7 = 141.34, and its memory 9.75 GiB, not 10.
    An A100 80GB's 7 compute slices hold 98 of its 108 SMs: a 7g.80gb slice has 312 x 98/108 = 283.1 TFLOPs and
    79.12 GiB (the smaller of the published 79.12-79.25), not the whole GPU. Seven 1g slices of an H100 hold 112 of
    132 SMs: the check that a GPU full of slices serves at least one whole-GPU replica now reads 0.85 of the
    compute, not 7/7."""
    from llmplace import catalog
    from llmplace.catalog.mig import mig_profiles
    from llmplace.sizing.partition import slice_gpu

    h100 = catalog.get_gpu("h100-sxm")
    one = next(p for p in mig_profiles("h100-sxm") if p.profile == "1g.10gb")
    cut = slice_gpu(h100, one)
    assert cut.fp16_dense_tflops == pytest.approx(989.4 * 16 / 132, rel=1e-6)
    assert cut.memory_gb == pytest.approx(9.75)
    assert 7 * one.compute_fraction == pytest.approx(112 / 132)
    a100 = catalog.get_gpu("a100-80gb")
    seven = next(p for p in mig_profiles("a100-80gb") if p.profile == "7g.80gb")
    whole = slice_gpu(a100, seven)
    assert whole.fp16_dense_tflops == pytest.approx(312 * 98 / 108, rel=1e-6)
    assert whole.memory_gb == pytest.approx(79.12)


def test_owned_servers_for_shaped_workloads_that_never_overlap_hold_one_server():
    """Defect 1, owned servers: the office-hours and nightly-batch workloads of the cloud case, each needing one
    single-H100 server alone (1.5 M requests a month each), never load the fleet in the same hour
    (demand.SHAPES), so their shared fleet needs one server at their coincident peak, not two."""
    server = {"kind": "in_house", "id": "one-h100", "gpu": "h100-sxm", "gpu_count": 1, "purchase_usd": 35_000,
              "max_power_kw": 1.2, "idle_power_kw": 0.3, "hosting": "colocation", "bridge": "none",
              "lead_time_weeks": 0}
    works = [{"requests_per_month": 1500000, "shape": "business_hours"},
             {"requests_per_month": 1500000, "shape": "nightly_batch"}]
    plan = _plans(_doc(works, server))["shared:one-h100"]
    assert max(plan.separate_servers or [0]) == 2
    assert max(plan.shared_servers or [0]) == 1, plan.notes
