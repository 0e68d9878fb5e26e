"""Multi-server replicas, expert parallelism and data-parallel attention (issue 13).

Published figures reproduced here, each with its source and tolerance:

- DeepEP low-latency all-to-all on H800 with one ConnectX-7 400 Gb/s InfiniBand card per GPU, 128 tokens per
  GPU, hidden 7168, top-8, fp8 dispatch and bf16 combine (deepseek-ai/DeepEP docs/legacy.md, "Low-latency
  kernels with pure RDMA" table, commit 0297fc8, read 2026-12-03; the figures date from 2025-02);
- SGLang's DeepSeek-V3 on H100 with PD disaggregation and expert parallelism: decode on 9 nodes (EP72, DP
  attention), 256 sequences per GPU at a 2,000-token KV cache, 22,282 output tokens/s per node; prefill on 4
  nodes (EP32), 16,384 tokens per GPU, 57,674 / 54,543 / 50,302 input tokens/s per node at 1K / 2K / 4K
  prompts (lmsys.org/blog/2025-05-05-large-scale-ep, "Evaluation" section, 2025-05-05; read from
  github.com/lm-sys/lm-sys.github.io blog/2025-05-05-large-scale-ep.md @2db4e40 on 2026-12-03).

Tolerance 30 % (the issue's target): the model uses the calibrated single-node efficiencies (SGLang's are priors,
no SGLang row was fitted), assumes balanced expert load, and does not overlap communication with compute (SGLang
runs two-batch overlap), so it should read a little slow, never by more than a third.
"""

from __future__ import annotations

import pytest

from llmplace.catalog import get_gpu, get_model
from llmplace.errors import InputError
from llmplace.sizing import memory as mem
from llmplace.sizing.efficiency import default_efficiency
from llmplace.sizing.fabric import alltoall_s, fabric_row, load_fabrics
from llmplace.sizing.multinode import build_layout_replica, estimate_layout
from llmplace.sizing.parallel import kv_bytes_per_token_per_gpu, layout_for, max_concurrency_kv
from llmplace.sizing.performance import decode_step_s, prefill_s

H100 = get_gpu("h100-sxm")
DEEPSEEK = get_model("deepseek-v3")
LLAMA_405B = get_model("llama-3.1-405b")


def test_every_fabric_row_is_dated_and_sourced_and_ib_ndr_is_50_gb_per_s_per_gpu():
    """400 Gb/s / 8 bits = 50 GB/s per GPU one way (DeepEP README: "~50 GB/s maximum bandwidth" for a CX7 card);
    a 100 Gb/s port shared by eight GPUs leaves each 12.5 / 8 = 1.5625 GB/s."""
    rows = load_fabrics()
    assert {"infiniband-ndr", "roce-400g", "roce-200g", "ethernet-100g"} <= set(rows)
    for row in rows.values():
        assert row.as_of and row.source and row.per in ("gpu", "node")
    assert fabric_row("infiniband-ndr").bytes_per_s_per_gpu() == pytest.approx(50e9)
    assert fabric_row("ethernet-100g").bytes_per_s_per_gpu() == pytest.approx(1.5625e9)
    with pytest.raises(InputError, match="did you mean 'infiniband-ndr'"):
        fabric_row("infiniband")


def test_default_layout_is_tensor_parallel_in_each_server_and_one_pipeline_stage_per_server():
    lay = layout_for(16)
    assert (lay.tp, lay.pp, lay.nodes, lay.fabric, lay.fabric_assumed) == (8, 2, 2, "ethernet-100g", True)
    assert (layout_for(16, tp_across_nodes=True).tp, layout_for(16, tp_across_nodes=True).pp) == (16, 1)
    ep = layout_for(72, expert_parallel=True, dp_attention=True, model=DEEPSEEK, fabric="infiniband-ndr")
    assert (ep.tp, ep.pp, ep.nodes, ep.fabric_assumed) == (72, 1, 9, False)
    for bad in (dict(gpus=12), dict(gpus=16, pp=3), dict(gpus=16, pp=2, expert_parallel=True)):
        with pytest.raises(InputError):
            layout_for(**bad, model=DEEPSEEK)
    with pytest.raises(InputError, match="mixture-of-experts"):
        layout_for(8, expert_parallel=True, model=LLAMA_405B)


def test_dp_attention_stops_copying_the_latent_kv_cache_onto_every_gpu():
    """DeepSeek's latent attention has one KV head: tensor parallelism keeps the whole 576-value latent on each
    of the 8 GPUs (SGLang's reason for DP attention), so KV per token per GPU is the whole cache; with DP
    attention each sequence lives on one GPU: 1/8 per GPU on average, and the replica holds about 8 x the
    sequences (a little less: every GPU then also holds the whole attention weights)."""
    full = mem.kv_bytes_per_token(DEEPSEEK, "fp8")
    tp = layout_for(16, tp_across_nodes=True)
    dpa = layout_for(16, dp_attention=True, expert_parallel=True, model=DEEPSEEK)
    assert kv_bytes_per_token_per_gpu(DEEPSEEK, "fp8", tp) == pytest.approx(full)
    assert kv_bytes_per_token_per_gpu(DEEPSEEK, "fp8", dpa) == pytest.approx(full / 16)
    n_tp = max_concurrency_kv(DEEPSEEK, H100, "fp8", "fp8", tp, 3000)
    n_dpa = max_concurrency_kv(DEEPSEEK, H100, "fp8", "fp8", dpa, 3000)
    assert n_tp > 0 and 6 * n_tp < n_dpa < 16 * n_tp


def test_pipeline_stages_add_capacity_not_speed_for_one_sequence():
    """One sequence crosses both stages in turn, each reading half the weights from 8 GPUs: its time per token
    is that of the whole model on 8 GPUs plus the send between stages, never less (pipeline parallelism buys
    memory and throughput, not latency); with one sequence, half of each stage's time is a bubble."""
    eight, _ = estimate_layout(LLAMA_405B, H100, layout_for(8), "fp8", concurrency=1)
    two_servers, info = estimate_layout(LLAMA_405B, H100, layout_for(16, fabric="infiniband-ndr"), "fp8",
                                        concurrency=1)
    assert two_servers.tpot_ms is not None and eight.tpot_ms is not None
    assert two_servers.tpot_ms >= eight.tpot_ms
    assert info.pipeline_bubble == pytest.approx(0.5)
    full, info_full = estimate_layout(LLAMA_405B, H100, layout_for(16, fabric="infiniband-ndr"), "fp8")
    assert info_full.pipeline_bubble == 0.0 and full.max_concurrency > 2 * eight.max_concurrency


def test_tensor_parallelism_over_the_network_costs_the_fabric():
    """A 16-GPU tensor-parallel ring crossing servers runs at the fabric's rate: two all-reduces per layer over
    InfiniBand (50 GB/s per GPU) cost far more than two pipeline sends per step, and over a shared 100 Gb/s
    Ethernet port (1.6 GB/s per GPU) the same model is slower again by an order of magnitude."""
    ib_tp, _ = estimate_layout(LLAMA_405B, H100, layout_for(16, tp_across_nodes=True, fabric="infiniband-ndr"),
                               "fp8", concurrency=64)
    ib_pp, _ = estimate_layout(LLAMA_405B, H100, layout_for(16, fabric="infiniband-ndr"), "fp8", concurrency=64)
    eth_tp, _ = estimate_layout(LLAMA_405B, H100, layout_for(16, tp_across_nodes=True), "fp8", concurrency=64)
    assert ib_pp.output_tokens_per_s > ib_tp.output_tokens_per_s > 5 * eth_tp.output_tokens_per_s


@pytest.mark.parametrize(("ep", "dispatch_us", "combine_us"),
                         [(16, 118, 195), (32, 155, 273), (64, 173, 314), (128, 192, 369), (256, 194, 360)])
def test_expert_all_to_all_matches_deepep_low_latency_kernels(ep: int, dispatch_us: float, combine_us: float):
    """DeepEP legacy table (module docstring): 128 tokens x top-8 x 7168 values per GPU, 1 byte (fp8) to
    dispatch and 2 (bf16) to combine, over a 400 Gb/s NIC per GPU; the model's all-to-all with the shipped
    communication efficiency and latency factor. Within 30 % (the fp8 scales, ~3 % more bytes, are not counted)."""
    eff = default_efficiency()
    fab = fabric_row("infiniband-ndr")
    net = fab.bytes_per_s_per_gpu() * eff.comm_bandwidth_efficiency()
    nvlink = 200e9 * eff.comm_bandwidth_efficiency()  # H800: 400 GB/s NVLink both ways
    for value_bytes, measured_us in ((1, dispatch_us), (2, combine_us)):
        t = alltoall_s(128 * 8 * 7168 * value_bytes, ep, 8, fab.hop_latency_us, net, nvlink,
                       eff.allreduce_latency_factor())
        assert float(t) * 1e6 == pytest.approx(measured_us, rel=0.30)


def _deepseek_ep(gpus: int):
    lay = layout_for(gpus, expert_parallel=True, dp_attention=True, fabric="infiniband-ndr", model=DEEPSEEK)
    replica, _ = build_layout_replica(DEEPSEEK, H100, lay, "fp8", "fp16", "sglang", default_efficiency())
    return replica


def test_deepseek_v3_decode_on_9_nodes_matches_sglang_large_scale_ep():
    """72 GPUs x 256 sequences at a 2,000-token KV cache: 22,282 output tokens/s per node measured."""
    step_s = float(decode_step_s(_deepseek_ep(72), 72 * 256, 2000))
    per_node = 72 * 256 / step_s / 9
    assert per_node == pytest.approx(22_282, rel=0.30)


@pytest.mark.parametrize(("prompt", "measured"), [(1000, 57_674), (2000, 54_543), (4000, 50_302)])
def test_deepseek_v3_prefill_on_4_nodes_matches_sglang_large_scale_ep(prompt: int, measured: float):
    """32 GPUs x 16,384 prompt tokens each, prefilled together: input tokens/s per node (measured above)."""
    prompts = 32 * 16_384 / prompt
    t = float(prefill_s(_deepseek_ep(32), prompts, prompt))
    assert prompts * prompt / t / 4 == pytest.approx(measured, rel=0.30)


def test_size_runs_a_two_server_replica_and_names_its_fabric(invoke):
    res = invoke("size", "--model", "llama-3.1-405b", "--gpu", "h100-sxm", "--precision", "bf16", "--gpus", "16",
                 "--workload", "batch")
    assert res.exit_code == 0, res.output
    assert "on 16 x h100-sxm (bf16, vllm): fits" in res.output.splitlines()[0]
    assert "layout: TP8 x PP2 (16 GPUs, 2 servers over ethernet-100g)" in res.output
    assert "fabric not stated: ethernet-100g assumed" in res.output
    ep = invoke("size", "--model", "deepseek-v3", "--gpu", "h100-sxm", "--nodes", "2", "--ep", "--dp-attention",
                "--fabric", "infiniband-ndr", "--json")
    assert ep.exit_code == 0, ep.output
    assert '"expert_parallel": true' in ep.output and '"gpus": 16' in ep.output


@pytest.mark.parametrize(("argv", "field"), [
    (["--model", "llama-3.3-70b", "--ep"], "--ep"),
    (["--model", "llama-3.3-70b", "--gpus", "12"], "--gpus"),
    (["--model", "llama-3.3-70b", "--gpus", "8", "--nodes", "2"], "--nodes"),
    (["--model", "llama-3.3-70b", "--gpus", "16", "--fabric", "token-ring"], "--fabric"),
])
def test_bad_layout_options_are_one_line_errors(invoke, argv: list[str], field: str):
    res = invoke("size", *argv, "--gpu", "h100-sxm")
    assert res.exit_code == 2
    assert field in res.output and "Traceback" not in res.output


def test_eight_pipeline_stages_are_about_5_6_times_slower_per_token_than_tensor_parallel_8_at_batch_1():
    """NVIDIA, "Boosting Llama 3.1 405B Throughput by Another 1.5x on NVIDIA H200 Tensor Core GPUs and NVLink
    Switch" (developer.nvidia.com/blog, 2024-10-09): on one 8 x H200 HGX server with TensorRT-LLM in fp8,
    tensor parallelism over the eight GPUs beats eight pipeline stages by 5.6x in the minimum-latency case
    (batch 1). The blog's sequence lengths are not restated here; the model's ratio moves by under 3 % from 128
    to 2,048 prompt tokens, and the engine's efficiency factors cancel in a ratio. Tolerance 30 % (the issue's)."""
    h200 = get_gpu("h200")
    for prompt, output in ((2048, 128), (128, 2048)):
        tp, _ = estimate_layout(LLAMA_405B, h200, layout_for(8, tp_across_nodes=True), "fp8", "trt-llm",
                                prompt, output, concurrency=1)
        pp, info = estimate_layout(LLAMA_405B, h200, layout_for(8, pp=8), "fp8", "trt-llm", prompt, output,
                                   concurrency=1)
        assert info.nodes == 1 and info.pipeline_stages == 8
        assert pp.tpot_ms / tp.tpot_ms == pytest.approx(5.6, rel=0.30)


def test_a_one_server_tensor_parallel_layout_reproduces_the_single_server_estimate():
    """With one server, no pipeline, no EP and no DP attention, the layout model is the single-server model:
    the same all-reduce (NCCL ring over NVLink), the same memory, hence the same figures."""
    from llmplace.sizing.estimate import estimate

    one = estimate(LLAMA_405B, H100, 8, "fp8", concurrency=32)
    lay, _ = estimate_layout(LLAMA_405B, H100, layout_for(8), "fp8", concurrency=32)
    assert lay.max_concurrency == one.max_concurrency
    assert lay.tpot_ms == pytest.approx(one.tpot_ms, rel=1e-9)
    assert lay.ttft_ms == pytest.approx(one.ttft_ms, rel=1e-9)


def test_servers_inside_one_nvlink_domain_talk_over_nvlink_not_a_network_fabric():
    """A GB200 NVL72 rack is one 72-GPU NVLink domain (gpus.csv scale_up_domain_gpus): 16 of its GPUs talk at
    the NVLink rate (1,800 GB/s both ways = 900 one way), not over the default Ethernet fabric."""
    gb200 = get_gpu("gb200")
    lay = layout_for(16, expert_parallel=True, dp_attention=True, model=DEEPSEEK)
    _res, info = estimate_layout(DEEPSEEK, gb200, lay, "fp8", "sglang", 2000, 500, concurrency=256)
    assert info.fabric == "nvlink domain" and info.fabric_gb_per_s_per_gpu == pytest.approx(900)
    assert "no network fabric" in (info.fabric_note or "")
    _res_h100, h100_info = estimate_layout(DEEPSEEK, H100, lay, "fp8", "sglang", 2000, 500, concurrency=256)
    assert h100_info.communication_ms_per_step > 10 * (info.communication_ms_per_step or 0)
