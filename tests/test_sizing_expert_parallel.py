"""Expert-parallel all-to-all by pass kind, and a published decode figure (issue 13).

DeepEP has two kernel families (deepseek-ai/DeepEP README): low-latency kernels for decode send one copy of a
token per routed expert straight over RDMA; normal kernels send one copy per destination server and fan it out
over NVLink there. The low-latency kernels take no long inputs, so an engine that prefills and decodes in the
same passes with DP attention runs the normal kernels (lmsys.org/blog/2025-05-05-large-scale-ep, table in
"Expert Parallelism with DeepEP", 2025-05-05: low-latency mode "Long Input" unsupported, auto mode incompatible
with DP attention). The model charged a pass carrying prompt tokens the per-expert traffic whenever it held
<= 256 tokens per GPU (a 2,000-token prompt over 16 GPUs is 125 per GPU): 4 of every token's 8 copies on the
fabric between two servers instead of one.
"""

from __future__ import annotations

import pytest

from llmplace.catalog import get_gpu, get_model
from llmplace.sizing.efficiency import default_efficiency
from llmplace.sizing.multinode import build_layout_replica, estimate_layout
from llmplace.sizing.parallel import layout_for
from llmplace.sizing.performance import decode_step_s

DEEPSEEK = get_model("deepseek-v3")
H100 = get_gpu("h100-sxm")
H200 = get_gpu("h200-sxm")


def _replica(gpus: int, gpu=H200, precision: str = "bf16", kv: str = "fp16", fabric: str = "infiniband-ndr"):
    lay = layout_for(gpus, expert_parallel=True, dp_attention=True, model=DEEPSEEK, fabric=fabric)
    return build_layout_replica(DEEPSEEK, gpu, lay, precision, kv, "sglang", default_efficiency())[0]


def test_a_pass_with_prompt_tokens_sends_each_token_once_per_other_server():
    """One 2,000-token prompt on 16 H200 over two servers (EP16, DP attention, bf16, InfiniBand NDR):
    125 tokens per GPU x 7,168 hidden x 2 B = 1,792,000 B per copy. Normal kernels: one copy to the other server
    for 1 - (1/2)^8 = 0.99609 of the tokens (top-8 of experts spread evenly over two servers) = 1,784,999 B
    over the fabric at 50 GB/s x the comm efficiency, against 7 x 1,792,000 B over NVLink at 450 GB/s x the same
    efficiency; per-expert sends put 8 x 1,792,000 x 8 / 16 = 7,168,000 B on the fabric (4.02x). Per MoE layer
    a dispatch and a combine (both 2 B per value in bf16), each (3.6 us NCCL base + 2.7 us hop) x the latency
    factor plus the slower path; 58 MoE layers; DP attention and data-parallel dense layers add no all-reduce."""
    r = _replica(16)
    eff = default_efficiency()
    bw = eff.comm_bandwidth_efficiency()
    lat = (3.6 + 2.7) * 1e-6 * eff.allreduce_latency_factor()
    normal = lat + max(1_792_000 * 0.99609375 / (50e9 * bw), 7 * 1_792_000 / (450e9 * bw))
    assert float(r.allreduce_s(2000, 2000)) == pytest.approx(58 * 2 * normal, rel=1e-6)
    per_expert = lat + max(7_168_000 / (50e9 * bw), 8 * 1_792_000 * 7 / 16 / (450e9 * bw))
    assert float(r.allreduce_s(2000)) == pytest.approx(58 * 2 * per_expert, rel=1e-6)  # a decode pass


def test_two_h200_servers_with_ep_and_dp_attention_serve_more_than_before():
    """The compare option of the report: DeepSeek-V3 in bf16 on two 8 x H200 servers, EP16 + DP attention, 2,000
    prompt and 500 output tokens, the interactive targets (TPOT 50 ms). Over InfiniBand NDR it gave 4,858 tok/s
    per replica (243 sequences); with prompt passes on the normal kernels it serves over 10,000. Over the assumed
    100 Gb/s Ethernet port shared by 8 GPUs (1.5625 GB/s each) it stays fabric-bound (180 -> ~580 tok/s) and
    says that EP kernels need RDMA NICs."""
    ib = layout_for(16, expert_parallel=True, dp_attention=True, model=DEEPSEEK, fabric="infiniband-ndr")
    res, _ = estimate_layout(DEEPSEEK, H200, ib, "bf16", "sglang", 2000, 500, tpot_ms=50, ttft_ms=2000)
    assert res.output_tokens_per_s is not None and res.output_tokens_per_s > 10_000
    eth = layout_for(16, expert_parallel=True, dp_attention=True, model=DEEPSEEK)
    slow, info = estimate_layout(DEEPSEEK, H200, eth, "bf16", "sglang", 2000, 500, tpot_ms=50, ttft_ms=2000)
    assert slow.output_tokens_per_s is not None and 400 < slow.output_tokens_per_s < 1_000
    assert any("need an RDMA NIC per GPU" in n for n in info.notes)
    assert not any("RDMA" in n for n in estimate_layout(DEEPSEEK, H200, ib, "bf16", "sglang", 2000, 500)[1].notes)


def test_deepseek_v3_decode_on_16_nodes_matches_deepseeks_profile():
    """DeepSeek's decode profile (EP128 over 16 H800 nodes, TP1, 128 sequences per GPU, 4,096-token KV cache,
    balanced routing simulated, two micro-batches overlapping compute and all-to-all; github.com/deepseek-ai/
    profile-data README @ae7fc07) runs at 18,598 output tokens/s per node, the figure the LMSYS blog reads off it
    (lmsys.org/blog/2025-05-05-large-scale-ep, "Evaluation", decode table, "DeepSeek Profile" column). H800 =
    H100 SXM here (same 3.35 TB/s HBM3 and 1,979 fp8 TFLOP/s, gpus.csv h100-sxm row); it differs in NVLink
    (400 GB/s), which carries 7 / 128 of the all-to-all. Cache in bf16 (DeepSeek-V3's MLA kernels cache the
    latent in 16 bits), one 400 Gb/s NIC per GPU (DeepEP README). Tolerance 30 % (the issue's): no overlap of
    communication with compute is modelled (conservative), and the efficiencies are calibrated priors."""
    r = _replica(128, gpu=H100, precision="fp8")
    step_s = float(decode_step_s(r, 128 * 128, 4096))
    assert 128 * 128 / step_s / 16 == pytest.approx(18_598, rel=0.30)


def test_a_larger_decode_batch_never_takes_a_shorter_step():
    """Decode servers run DeepEP's low-latency kernels at whatever batch they serve (the engine sizes their
    buffer to the batch; SGLang stops with an error when a batch outgrows it, lmsys.org/blog/
    2025-05-05-large-scale-ep), so their traffic stays one copy per routed expert. The model switched to
    server-forwarded sends above 256 tokens per GPU, so 16 H200 decoding 257 sequences each at 3,000 tokens
    took 51 ms a step against 78 ms at 256: more work in a third less time. Every step must be at least as
    long as the one before it, across the old switch and beyond."""
    r = _replica(16, precision="fp8", kv="fp8")
    steps = [float(decode_step_s(r, 16 * per, 3000)) for per in (128, 255, 256, 257, 300, 512)]
    assert steps == sorted(steps)
