"""Tensor-parallel communication from interconnect facts (sizing/data/interconnects.csv).

NCCL's own cost model (NVIDIA/nccl src/graph/tuning.cc @01afd20a) prices a ring all-reduce of a small
message at baseLat 3.6 us + 2 (n - 1) x hwLat, hwLat = 0.47 us per NVLink step and 1.0 us per PCIe step;
a ring needs 2 (n - 1) synchronised steps (NVIDIA developer blog, "3x Faster AllReduce with NVSwitch and
TensorRT-LLM MultiShot", 2024-11).
"""

from __future__ import annotations

import pytest

from llmplace.catalog import get_gpu, get_model
from llmplace.sizing import default_efficiency
from llmplace.sizing.interconnect import interconnect_row, load_interconnects
from llmplace.sizing.performance import Replica, decode_step_s


def test_table_rows_carry_nccl_figures_and_sources() -> None:
    rows = load_interconnects()
    assert {"nvlink", "pcie", "xgmi"} <= set(rows)
    for row in rows.values():
        assert row.as_of and row.source
    assert interconnect_row("nvlink").ring_latency_s(2) == pytest.approx((3.6 + 2 * 0.47) * 1e-6)
    assert interconnect_row("pcie").ring_latency_s(8) == pytest.approx((3.6 + 14 * 1.0) * 1e-6)
    assert interconnect_row(None) == interconnect_row("pcie")  # unknown fabric: the slowest kind
    assert interconnect_row("nvlink").ring_latency_s(1) == 0.0


@pytest.mark.parametrize("model", ["llama-3.1-8b", "llama-3.1-70b"])
@pytest.mark.parametrize("gpu", ["h100-sxm", "h200"])
def test_tp2_decodes_faster_than_tp1_at_batch_one_on_nvlink(model: str, gpu: str) -> None:
    """At batch 1 a decode step is bound by reading the weights; TP2 halves the bytes each GPU reads and
    adds 2 x layers all-reduces of one hidden vector (8 KiB for 8B, 16 KiB for 70B at 16 bits). At NCCL's
    NVLink ring latency (4.54 us for 2 GPUs) that is 64 x 4.54 = 0.29 ms (8B) or 160 x 4.54 = 0.73 ms
    (70B), far below the 3-20 ms of weight reads saved, so TP2 must be faster. The fitted all-reduce
    latency it replaces (33.9-40 us per call) made TP2 slower than TP1 for the 8B model on H200
    (10.26 vs 9.82 ms per token)."""
    m, g = get_model(model), get_gpu(gpu)
    eff = default_efficiency()
    precision = "fp8"
    steps = {}
    for tp in (1, 2):
        r = Replica.build(m, g, tp, precision, "fp8", "vllm", eff)
        steps[tp] = float(decode_step_s(r, 1.0, 1000.0))
    assert steps[2] < steps[1]


def test_fitted_latency_factor_stays_physical() -> None:
    """The one fitted communication number multiplies NCCL's latency; the fit bounds it to 1-3 x."""
    assert 1.0 <= default_efficiency().allreduce_latency_factor() <= 3.0


def test_engines_with_peer_memory_all_reduce_pay_two_steps_on_a_full_mesh() -> None:
    """TensorRT-LLM's AllReduce plugin (two-shot), vLLM's custom all-reduce (full NVLink/xGMI mesh only,
    since vLLM 0.2.7) and SGLang reduce-scatter then all-gather through peer memory: 2 synchronised steps
    whatever the GPU count, so over 8 NVLink GPUs the latency is 3.6 + 2 x 0.47 = 4.54 us, not NCCL's
    ring 3.6 + 14 x 0.47 = 10.18 us. Over PCIe, and for TGI 1.0 (NCCL through torch.distributed), the ring
    applies. On the old formula (every engine on the ring) the first assertion fails."""
    from llmplace.sizing.interconnect import allreduce_latency_s

    assert allreduce_latency_s("nvlink", 8, "vllm") == pytest.approx(4.54e-6)
    assert allreduce_latency_s("nvlink", 8, "vllm:v0") == pytest.approx(4.54e-6)
    assert allreduce_latency_s("xgmi", 8, "sglang") == pytest.approx(4.54e-6)
    assert allreduce_latency_s("nvlink", 8, "tgi") == pytest.approx(10.18e-6)
    assert allreduce_latency_s("pcie", 8, "trt-llm") == pytest.approx(17.6e-6)
    assert allreduce_latency_s("nvlink", 1, "trt-llm") == 0.0


def test_pcie_rings_run_at_their_own_calibrated_share_within_nccl_topology_bounds() -> None:
    """A ring over an 8-GPU PCIe server crosses the CPU socket link: NCCL's topology model
    (NVIDIA/nccl src/graph/topo.h) gives a Gen4 x16 link 24 GB/s per direction (0.75 of 32 GB/s) and the
    socket hop 10 GB/s (Intel Skylake UPI) to 16-24 GB/s (AMD), so the ring reaches 0.3-0.75 of the link.
    The PCIe share is its own fitted row (prior 0.5), no longer NVLink's 0.7: a Replica over PCIe uses it,
    one over NVLink keeps the global figure. On the old code both read the global 0.7 (the first assertion
    fails)."""
    eff = default_efficiency()
    pcie = eff.comm_bandwidth_efficiency("pcie")
    assert pcie != eff.comm_bandwidth_efficiency("nvlink") == eff.comm_bandwidth_efficiency()
    assert 10.0 / 32.0 <= pcie <= 24.0 / 32.0
    m = get_model("llama-3.1-70b")
    l40s = get_gpu("l40s")
    r = Replica.build(m, l40s, 2, "fp8", "fp8", "trt-llm", eff)
    assert r.link_bytes_per_s == pytest.approx(64e9 / 2 * pcie)
