"""MIG-style partitions in shared portfolio plans: the profile table, slice sizing, slice packing, the plans."""

from __future__ import annotations

import copy
import json
import re
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmplace import catalog
from llmplace.catalog.mig import mig_profiles
from llmplace.packing import SliceShape, pack_slices, pack_units
from llmplace.portfolio import compare_portfolio
from llmplace.scenario.portfolio import parse_portfolio
from llmplace.sizing import estimate, ideal_efficiency
from llmplace.sizing.partition import estimate_on_slice, slice_gpu

MIG_GPUS = ("a100-40gb", "a100-80gb", "h100-sxm", "h200", "b200")

# Two small models of the catalog behind a search box: an embedding model and a re-ranker, a few requests a second
# at peak each, on rented single-H100 instances (aws/p5.4xlarge) that may run MIG.
SEARCH = {
    "name": "search helpers",
    "model": {"name": "bge-m3", "precision": "fp16", "engine": "vllm"},
    "workloads": [
        {"id": "embeddings", "latency": {"ttft_ms": 500, "tpot_ms": 50},
         "workload": {"requests_per_month": 3_000_000, "input_tokens_per_request": 400,
                      "output_tokens_per_request": 1, "peak_to_average": 2}},
        {"id": "reranking", "model": {"name": "bge-reranker-v2-m3", "precision": "fp16", "engine": "vllm"},
         "latency": {"ttft_ms": 500, "tpot_ms": 50},
         "workload": {"requests_per_month": 1_000_000, "input_tokens_per_request": 600,
                      "output_tokens_per_request": 1, "peak_to_average": 2}},
    ],
    "options": [{"kind": "cloud", "id": "h100-1x", "instance": "aws/p5.4xlarge", "plan": "on_demand",
                 "billing": "always_on", "mig_partitions": True}],
    "finance": {"horizon_months": 12},
}


@cache
def _search(mig: bool):
    doc = copy.deepcopy(SEARCH)
    doc["options"][0]["mig_partitions"] = mig
    result = compare_portfolio(parse_portfolio(doc))
    return result, next(p for p in result.plans if p.kind == "shared")


def test_the_profile_table_is_consistent_with_the_gpus():
    """NVIDIA's MIG user guide (Supported MIG Profiles, read 2026-12-03): A100, H100, H200 and B200 are cut in 7
    compute and 8 memory slices; a profile <c>g.<m>gb has c compute slices and about m/8 of the GPU's memory.
    Each row's name matches its compute slices, its memory is within 10 % of memory_eighths / 8 of the GPU's
    (names round: H200 1g.18gb is 141 / 8 = 17.6 GB), and the 1g profile fits 7 times."""
    for gpu_id in MIG_GPUS:
        gpu = catalog.get_gpu(gpu_id)
        rows = mig_profiles(gpu_id)
        assert len(rows) == 6, gpu_id
        for p in rows:
            c, gb = re.fullmatch(r"(\d)g\.(\d+)gb", p.profile).groups()  # type: ignore[union-attr]
            assert int(c) == p.compute_sevenths and float(gb) == p.memory_gb
            assert p.memory_gb == pytest.approx(gpu.memory_gb * p.memory_eighths / 8, rel=0.10), (gpu_id, p.profile)
            assert "docs.nvidia.com" in p.source and p.as_of
        assert rows[0].max_instances == 7 and rows[0].gpu_share == pytest.approx(1 / 7)
    assert mig_profiles("l4") == []


def test_a_slice_is_a_gpu_cut_by_its_fractions():
    """H100 SXM (gpus.csv: 80 GB, 3.35 TB/s, 989.4 dense FP16 TFLOPs, 132 SMs) cut to 2g.20gb: the slice exposes
    19.62 GiB and holds 32 SMs (nvidia-smi mig -lgip on an H100 80GB HBM3); 2 of 8 memory slices give
    3.35 x 2/8 = 0.8375 TB/s; 32 of 132 SMs give 989.4 x 32/132 = 239.85 TFLOPs."""
    gpu = catalog.get_gpu("h100-sxm")
    cut = slice_gpu(gpu, next(p for p in mig_profiles("h100-sxm") if p.profile == "2g.20gb"))
    assert cut.memory_gb == pytest.approx(19.62)
    assert cut.memory_bandwidth_tbps == pytest.approx(0.8375)
    assert cut.fp16_dense_tflops == pytest.approx(239.8545, rel=1e-5)
    with pytest.raises(ValueError):
        slice_gpu(gpu, mig_profiles("h200")[0])


@pytest.mark.parametrize(("profile", "share"), [("1g.20gb", 2 / 8), ("3g.40gb", 4 / 8)])
def test_slice_throughput_follows_its_share_of_the_memory_slices(profile, share):
    """Llama 3.1 8B in FP16, one sequence, 100 tokens in and 1,000 out: decoding reads the 16 GB of weights for
    every token, so on the bare roofline (every efficiency 1, no overheads) a token takes bytes / bandwidth and
    the rate is proportional to bandwidth. A 1g.20gb slice has 2 of the 8 memory slices (1/4 of 3.35 TB/s), so
    1/4 of the whole H100's rate; 3g.40gb has 4 of 8, so 1/2 (the 3 compute slices do not matter while decoding
    is bandwidth-bound)."""
    model, gpu = catalog.get_model("llama-3.1-8b"), catalog.get_gpu("h100-sxm")
    mig = next(p for p in mig_profiles("h100-sxm") if p.profile == profile)
    kw = {"input_tokens": 100, "output_tokens": 1000, "concurrency": 1, "efficiency": ideal_efficiency()}
    whole = estimate(model, gpu, 1, "fp16", "vllm", **kw)
    part = estimate_on_slice(model, gpu, mig, "fp16", "vllm", **kw)
    assert part.output_tokens_per_s / whole.output_tokens_per_s == pytest.approx(share, rel=1e-3)  # type: ignore[operator]


def test_slices_pack_into_gpus_by_compute_and_memory_slices():
    """Hand-packed: seven 1g slices fill one GPU, an eighth opens a second; a 3g (4 memory slices), a 2g (2) and
    two 1g (1 each) fill 7 compute and 8 memory slices of one GPU; two 3g take all 8 memory slices, so a 1g
    needs a second GPU; at most 4 of 1g.20gb (2 memory slices each) per GPU."""
    g1, g2, g3, g1_20 = SliceShape(1, 1, 7), SliceShape(2, 2, 3), SliceShape(4, 3, 2), SliceShape(2, 1, 4)
    assert pack_slices([(7, g1)]) == 1 and pack_slices([(8, g1)]) == 2
    assert pack_slices([(1, g3), (1, g2), (2, g1)]) == 1
    assert pack_slices([(2, g3), (1, g1)]) == 2
    assert pack_slices([(5, g1_20)]) == 2
    assert pack_units([(3, 2)], [(2, g1)], 8) == 1  # 6 GPUs of whole replicas + 1 GPU in MIG mode
    assert pack_units([(4, 2)], [(2, g1)], 8) == 2


_SHAPES = [SliceShape(1, 1, 7), SliceShape(2, 1, 4), SliceShape(2, 2, 3), SliceShape(4, 3, 2), SliceShape(4, 4, 1)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from(_SHAPES)), max_size=4))
def test_slice_packing_is_within_its_bounds(slices):
    """Never more GPUs than each shape on GPUs of its own (sum of ceil(n / per GPU)), never fewer than the compute
    and memory slices require (ceil(sum n c / 7), ceil(sum n m / 8))."""
    packed = pack_slices(slices)
    separate = sum(-(-n // s.per_gpu) for n, s in slices)
    floor = max(-(-sum(n * s.compute_sevenths for n, s in slices) // 7),
                -(-sum(n * s.memory_eighths for n, s in slices) // 8))
    assert floor <= packed <= separate


def test_two_small_models_share_one_gpu_through_slices():
    """The embedding model and the re-ranker each need one replica at peak (about 2.3 and 0.8 requests/s against
    more than 100 per replica). On whole GPUs each replica takes a single-GPU instance: two instances, shared or
    not. With mig_partitions both run on 1g.10gb slices of one H100 (7 per GPU): one always-on instance and one
    cloud team, which is exactly what either workload pays for its own instance on its own, plus the second
    model's serving and model work: the team's ML engineering part once more (site.csv: cloud_team_ml_engineer_fte
    0.2 x ml_engineer_loaded_usd_per_year $205,800 x 1 year, no salary growth = $41,160)."""
    _, whole = _search(False)
    result, sliced = _search(True)
    assert max(whole.shared_servers or [0]) == 2 and max(sliced.shared_servers or [0]) == 1
    assert max(sliced.separate_servers or [0]) == 2
    assert sliced.tco_usd < whole.tco_usd
    own = next(o.tco_usd for o in result.workloads[0].options if o.option == "h100-1x")
    assert sliced.tco_usd == pytest.approx((own or 0.0) + 0.2 * 205_800, abs=0.01)
    assert sum(round(r.usd * 100) for r in sliced.showback) == round(sliced.tco_usd * 100)
    assert any("1g.10gb" in n and n.startswith("embeddings") for n in sliced.notes)
    assert any("MIG slice is sized as a GPU" in n for n in sliced.notes)
    assert result.cheapest_plan == sliced.id
    hours = {r.workload: r.gpu_hours for r in sliced.showback}
    # one 1g slice all year for each: 1/7 of a GPU x 730 h x 12 months
    assert hours == {"embeddings": pytest.approx(730 * 12 / 7), "reranking": pytest.approx(730 * 12 / 7)}


def test_a_measured_throughput_is_not_moved_to_slices():
    """A replica rate the scenario measured on a whole GPU says nothing about a slice: that workload keeps whole
    GPUs (the sizing of a slice needs the sizing of the GPU)."""
    doc = copy.deepcopy(SEARCH)
    doc["options"][0]["throughput_tokens_per_s"] = 150
    result = compare_portfolio(parse_portfolio(doc))
    shared = next(p for p in result.plans if p.kind == "shared")
    assert max(shared.shared_servers or [0]) == 2 and not any("MIG" in n for n in shared.notes)


def test_schema_documents_mig_partitions(invoke):
    schema = json.loads(invoke("schema").stdout)
    for kind in ("InHouseOption", "CloudOption"):
        field = schema["$defs"][kind]["properties"]["mig_partitions"]
        assert field["default"] is False and "MIG" in field["description"]


def test_slices_share_an_owned_one_gpu_server_too():
    """The same two workloads on owned single-H100 servers (in colocation, delivered at once): on whole GPUs the
    shared fleet holds two servers, on 1g.10gb slices one. The second workload then adds only the power its own
    load draws above idle and its model's ML engineering part, so the plan costs within 0.1 % of one workload's
    own server plus that part, and the showback splits
    the fleet by the GPU-hours of the slices (1/7 of a GPU each: half and half)."""
    doc = copy.deepcopy(SEARCH)
    server = {"kind": "in_house", "id": "one-h100", "gpu": "h100-sxm", "gpu_count": 1, "purchase_usd": 35_000,
              "max_power_kw": 1.2, "idle_power_kw": 0.3, "hosting": "colocation", "bridge": "none",
              "lead_time_weeks": 0}
    plans = {}
    for mig in (False, True):
        doc["options"] = [{**server, "mig_partitions": mig}]
        result = compare_portfolio(parse_portfolio(doc))
        plans[mig] = next(p for p in result.plans if p.kind == "shared")
    own = next(o.tco_usd for o in result.workloads[0].options if o.option == "one-h100")
    assert max(plans[False].shared_servers or [0]) == 2 and max(plans[True].shared_servers or [0]) == 1
    # plus the second model's ML engineering part: in_house_team_ml_engineer_fte 0.2 x $205,800 x 1 year
    assert plans[True].tco_usd == pytest.approx((own or 0.0) + 0.2 * 205_800, rel=1e-3)
    hours = [r.gpu_hours for r in plans[True].showback]
    assert hours[0] == pytest.approx(hours[1]) == pytest.approx(730 * 12 / 7)


def test_mig_partitions_on_a_gpu_without_profiles_says_so():
    """L4 instances (aws/g6.xlarge) cannot run MIG: the shared plan keeps whole GPUs and its notes say why."""
    doc = copy.deepcopy(SEARCH)
    doc["options"][0]["instance"] = "aws/g6.xlarge"
    result = compare_portfolio(parse_portfolio(doc))
    shared = next(p for p in result.plans if p.kind == "shared")
    assert any("l4 has no MIG profiles" in n for n in shared.notes)


@settings(max_examples=8, deadline=None)
@given(st.floats(0.2, 40.0), st.floats(0.2, 40.0))
def test_slices_never_cost_more_than_whole_gpus(scale_a, scale_b):
    """Both workloads' demand scaled: a profile is only chosen when a GPU of its slices serves at least a whole-GPU
    replica, so in every hour the slices fill no more GPUs than whole replicas would, the instances packed are
    no more, and the plan (always-on, on-demand, one cloud team growing with GPUs) never costs more than the same
    members on whole GPUs, nor than separate fleets."""
    import dataclasses

    from llmplace.portfolio_cloud import cloud_member, cloud_shared_plan

    folio = parse_portfolio(SEARCH)
    members = [cloud_member(wid, s, "h100-1x") for wid, s in folio.scenarios]
    assert all(m.slices is not None for m in members)
    months = len(members[0].load.peak)
    scaled = [dataclasses.replace(m, load=m.load.in_months(np.full(months, k)))
              for m, k in zip(members, (scale_a, scale_b), strict=True)]
    whole = [dataclasses.replace(m, slices=None) for m in scaled]
    tokens = {m.id: 1.0 for m in members}
    sliced_plan, whole_plan = cloud_shared_plan("h100-1x", scaled, {}, tokens), cloud_shared_plan("h100-1x", whole,
                                                                                                 {}, tokens)
    assert round(sliced_plan.tco_usd * 100) <= round(whole_plan.tco_usd * 100) + 1
    assert round(sliced_plan.tco_usd * 100) <= round((sliced_plan.separate_tco_usd or 0.0) * 100) + 1


def test_owned_servers_that_leave_months_unserved_are_not_shared():
    """The bundled search example without the bridge: the A100 card serves nothing in the months before it
    arrives (the default lead time), so on its own it serves under 100 % of the demand and is no answer (its
    comparison never names it cheapest). A shared fleet of such members would leave the same months unserved: no
    shared plan is built on it (the old rule only asked for a feasible option, so that plan could win unserved),
    and the workload table says why."""
    import yaml

    from .conftest import ROOT

    doc = yaml.safe_load((ROOT / "examples" / "portfolios" / "search-helpers.yaml").read_text())
    assert {p.id for p in compare_portfolio(parse_portfolio(doc)).plans} >= {"shared:own-a100"}
    doc["options"][0].pop("bridge")
    result = compare_portfolio(parse_portfolio(doc))
    assert "shared:own-a100" not in {p.id for p in result.plans}
    own = next(o for o in result.workloads[0].options if o.option == "own-a100")
    assert own.feasible and (own.served_share or 1.0) < 0.999 and "not an answer" in own.note
    assert result.workloads[0].cheapest == "aws-1xh100"
