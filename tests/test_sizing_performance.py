"""Physics of the performance model: roofline never exceeded, monotone in concurrency, phase-aware.

The roofline test recomputes the hardware bound independently of :mod:`llmplace.sizing.performance`
(only catalog fields and the weight byte sizes enter) and runs over every catalog GPU x model.
"""

from __future__ import annotations

import numpy as np
import pytest

from llmplace.catalog import get_gpu, get_model, table
from llmplace.catalog.specs import GpuSpec, ModelSpec
from llmplace.sizing import default_efficiency, estimate, min_gpus
from llmplace.sizing import memory as mem
from llmplace.sizing.performance import (
    Replica,
    continuous,
    decode_step_s,
    peak_flops_per_gpu,
    prefill_s,
)

S_IN, S_OUT = 1000, 1000


def _independent_bounds(model: ModelSpec, gpu: GpuSpec, gpus: int, precision: str,
                        c: int) -> tuple[float, float]:
    """(max output tokens/s, min TTFT s) any implementation can reach at concurrency ``c``.

    Lower bounds on the work: every decode step reads at least the active parameters outside the input
    embedding at the smallest byte size the precision uses, and does 2 FLOPs per such parameter per
    token; a prefill does 2 x params x prompt FLOPs and reads those weights once. Peaks are the
    catalog's (dense tensor FLOPs at the precision, or 16-bit where the GPU lacks the unit).
    """
    emb = float(model.vocab_size or 0) * model.hidden_size
    params = model.active_params_b * 1e9 - (0.0 if model.tied_embeddings else emb)
    bpp = min(mem.WEIGHT_BYTES_PER_PARAM[precision], 2.0)
    bw = gpus * gpu.memory_bandwidth_tbps * 1e12
    peak = gpus * peak_flops_per_gpu(gpu, precision)
    step = max(params * bpp / bw, c * 2 * params / peak)
    ttft = max(params * bpp / bw, S_IN * 2 * params / peak)
    return c / step, ttft


def _combos() -> list[tuple[ModelSpec, GpuSpec, str]]:
    out = []
    for g in table("gpus"):
        for m in table("models"):
            for p in ("fp16", "fp8", "fp4"):
                out.append((m, g, p))
    return out


def test_never_faster_than_the_roofline_on_any_catalog_pair() -> None:
    checked = 0
    for m, g, p in _combos():
        n = min_gpus(m, g, p, S_IN, S_OUT)
        if n is None:
            continue
        for conc in (1, None):
            r = estimate(m, g, n, p, input_tokens=S_IN, output_tokens=S_OUT, concurrency=conc)
            assert r.fits, (m.id, g.id, p)
            assert r.output_tokens_per_s is not None and r.roofline_output_tokens_per_s is not None
            assert r.ttft_ms is not None and r.roofline_ttft_ms is not None
            # The model's own roofline (exact bytes and FLOPs at peak) ...
            assert r.output_tokens_per_s <= r.roofline_output_tokens_per_s * (1 + 1e-9), (m.id, g.id, p)
            assert r.ttft_ms >= r.roofline_ttft_ms * (1 - 1e-9), (m.id, g.id, p)
            # ... and an independent, looser bound.
            max_tps, min_ttft = _independent_bounds(m, g, n, p, r.concurrency or 1)
            assert r.output_tokens_per_s <= max_tps * (1 + 1e-9), (m.id, g.id, p)
            assert r.ttft_ms / 1e3 >= min_ttft * (1 - 1e-9), (m.id, g.id, p)
            checked += 1
    assert checked > 500  # most of 17 GPUs x 26 models x 3 precisions fit somewhere in 1-8 GPUs


@pytest.mark.parametrize(("model", "gpu", "gpus", "precision", "engine"), [
    ("llama-3.1-8b", "h100-sxm", 1, "fp8", "trt-llm"),
    ("llama-3.1-70b", "h100-sxm", 4, "fp16", "vllm"),
    ("mixtral-8x7b", "a100-80gb", 2, "fp16", "vllm"),
    ("llama-3.1-70b", "mi300x", 1, "fp8", "vllm"),
    ("llama-2-7b", "a10g", 1, "int4", "tgi"),
])
def test_monotone_in_concurrency(model: str, gpu: str, gpus: int, precision: str, engine: str) -> None:
    m, g = get_model(model), get_gpu(gpu)
    kvp = mem.default_kv_precision(precision)
    r = Replica.build(m, g, gpus, precision, kvp, engine, default_efficiency())
    n = estimate(m, g, gpus, precision, engine, input_tokens=500, output_tokens=300).max_concurrency
    c = np.arange(1, n + 1, dtype=float)
    pt = continuous(r, c, 500, 300)
    # More concurrency: throughput never falls, each user waits no less per token and for the first.
    assert np.all(np.diff(pt.output_tokens_per_s) >= -1e-9)
    assert np.all(np.diff(pt.tpot_s) >= -1e-12)
    assert np.all(np.diff(pt.ttft_s) >= -1e-12)
    # The scalar API agrees with the vectorised function.
    k = max(1, n // 2)
    one = estimate(m, g, gpus, precision, engine, input_tokens=500, output_tokens=300, concurrency=k)
    assert one.output_tokens_per_s == pytest.approx(float(pt.output_tokens_per_s[k - 1]), rel=1e-9)


def test_short_prompt_ttft_pays_the_weight_read() -> None:
    # Issue 3 item 7: FLOPs-only prefill makes batch-1 TTFT of short prompts 50-90 % too low. A 16-token
    # prompt on Llama-2-7B/H100: 16 x 2 x 6.74e9 = 0.22 TFLOP is 0.2 ms at peak, but the 13.5 GB of
    # fp16 weights take >= 4.0 ms to read at 3.35 TB/s.
    m, g = get_model("llama-2-7b"), get_gpu("h100-sxm")
    r = estimate(m, g, 1, "fp16", input_tokens=16, output_tokens=16, concurrency=1)
    assert r.ttft_ms is not None and r.ttft_ms >= 13.4e9 / 3.35e12 * 1e3
    flops_only_ms = 16 * 2 * 6.74e9 / (989.4e12) * 1e3
    assert r.ttft_ms > 10 * flops_only_ms


def test_long_prefill_is_compute_bound() -> None:
    # 8k vs 4k prompts: the prefill time roughly doubles (plus the quadratic attention share).
    m, g = get_model("llama-3.1-8b"), get_gpu("h100-sxm")
    r = Replica.build(m, g, 1, "fp16", "fp16", "vllm", default_efficiency())
    t4, t8 = float(prefill_s(r, 1, 4096)), float(prefill_s(r, 1, 8192))
    assert 1.9 < t8 / t4 < 2.4


def test_decode_turns_compute_bound_at_large_batch() -> None:
    m, g = get_model("llama-3.1-8b"), get_gpu("h100-sxm")
    r = Replica.build(m, g, 1, "fp8", "fp8", "trt-llm", default_efficiency())
    steps = decode_step_s(r, np.array([1.0, 8.0, 2048.0]), 256.0)
    # Batch 1 -> 8 costs little (bandwidth-bound: the weights are read once per step either way) ...
    assert steps[1] / steps[0] < 1.3
    # ... batch 2048 is FLOP-bound: per-token time far below batch 1, step time far above.
    assert steps[2] / 2048 < steps[0] / 10 and steps[2] > 5 * steps[0]


def test_moe_decode_reads_the_experts_the_batch_touches() -> None:
    m, g = get_model("mixtral-8x7b"), get_gpu("h100-sxm")
    r = Replica.build(m, g, 1, "fp8", "fp8", "vllm", default_efficiency())
    one, many = float(r.weight_read_bytes(1)), float(r.weight_read_bytes(512))
    # Batch 1: the always-on weights (1.63e9 params, 16-bit embedding excluded) plus 2 experts; batch
    # 512: all 8. FLOPs use active parameters: 2 x (12.9e9 - 32,000 x 4,096) per token.
    assert one == pytest.approx(r.dense_read_bytes + 2 * r.expert_bytes, rel=1e-9)
    assert many == pytest.approx(r.dense_read_bytes + 8 * r.expert_bytes, rel=1e-6)
    assert r.linear_flops_per_token == pytest.approx(2 * (12.9e9 - 32000 * 4096))


def test_amd_under_vllm_reaches_less_bandwidth_than_nvidia() -> None:
    # Issue 3 item 7, as fitted on the calibration rows (MLPerf AMD submissions, Argonne MI300X rows).
    eff = default_efficiency()
    assert eff.bandwidth("cdna3", "vllm", "fp16") < eff.bandwidth("hopper", "vllm", "fp16")


def test_offline_max_is_bounded_by_kv_memory_and_the_engine() -> None:
    m, g = get_model("llama-3.1-8b"), get_gpu("h200")
    short = estimate(m, g, 1, "fp8", "vllm", input_tokens=128, output_tokens=128)
    assert short.max_concurrency == short.engine_max_batch < short.max_concurrency_kv
    assert "max batch" in (short.concurrency_basis or "")
    long = estimate(m, g, 1, "fp8", "vllm", input_tokens=32000, output_tokens=2000)
    assert long.max_concurrency == long.max_concurrency_kv < long.engine_max_batch
    assert "KV-cache" in (long.concurrency_basis or "")


def test_nvlink_beats_pcie_for_tensor_parallel_decode() -> None:
    # Same model and GPU count, two interconnects: all-reduce over PCIe costs more per step.
    m = get_model("llama-3.1-70b")
    nv = get_gpu("h100-sxm")
    pcie = nv.model_copy(update={"interconnect": "pcie", "interconnect_gb_per_s": 128.0})
    eff = default_efficiency()
    a = Replica.build(m, nv, 4, "fp16", "fp16", "vllm", eff)
    b = Replica.build(m, pcie, 4, "fp16", "fp16", "vllm", eff)
    assert float(b.allreduce_s(64)) > float(a.allreduce_s(64)) > 0
    # vLLM's custom all-reduce on a full NVLink mesh: two peer-memory steps, 3.6 us + 2 x 0.47 us = 4.54 us
    # whatever the GPU count; the bytes are the ring's, 2 (n - 1) / n = 1.5 messages per GPU.
    two_step_s = (3.6 + 2 * 0.47) * 1e-6 * eff.allreduce_latency_factor()
    assert float(a.allreduce_s(64)) == pytest.approx(
        2 * 80 * (two_step_s + 1.5 * 64 * 8192 * 2 / (450e9 * 0.7)), rel=1e-9)
    # TGI 1.0 reduced through NCCL (torch.distributed): the ring over 4 GPUs, 3.6 us + 2 x 3 x 0.47 us = 6.42 us
    # (interconnects.csv), and over PCIe vLLM falls back to the ring too.
    ring_s = (3.6 + 2 * 3 * 0.47) * 1e-6 * eff.allreduce_latency_factor()
    t = Replica.build(m, nv, 4, "fp16", "fp16", "tgi", eff)
    assert float(t.allreduce_s(64)) == pytest.approx(
        2 * 80 * (ring_s + 1.5 * 64 * 8192 * 2 / (450e9 * 0.7)), rel=1e-9)
    assert b.allreduce_latency_s == pytest.approx((3.6 + 2 * 3 * 1.0) * 1e-6 * eff.allreduce_latency_factor())


def test_functions_broadcast_over_arrays() -> None:
    m, g = get_model("llama-3.1-8b"), get_gpu("h100-sxm")
    r = Replica.build(m, g, 1, "fp16", "fp16", "vllm", default_efficiency())
    grid = decode_step_s(r, np.array([[1.0], [64.0]]), np.array([128.0, 1024.0, 4096.0]))
    assert grid.shape == (2, 3)
    assert np.all(np.diff(grid, axis=1) > 0)  # longer context, more KV to read


@pytest.mark.parametrize("output_tokens", [1, 2, 8])
def test_short_outputs_stay_under_the_prefill_compute_roofline(output_tokens: int) -> None:
    """Capacity of Llama-3.1-8B (fp8) on one H100 SXM with 600-token prompts and very short outputs.

    Every request is prefilled once: 2 x 8.03e9 params x 600 tokens = 9.64e12 FLOPs (the input
    embedding is a gather, so this overstates the work and the bound is loose in the model's favour).
    At the fp8 dense peak of 1,978.9e12 FLOP/s that is 4.87 ms per request: at most 205.4 requests/s,
    whatever the concurrency. Charging each request only (C - 1)(o - 1) / o foreign prefills instead of
    C - 1 gave 17,845 requests/s at one output token (87x this bound), 2x the right figure at two and
    +14 % at eight.
    """
    m, g = get_model("llama-3.1-8b"), get_gpu("h100-sxm")
    bound = 1978.9e12 / (2 * 8.03e9 * 600)
    assert bound == pytest.approx(205.4, abs=0.1)
    r = estimate(m, g, 1, "fp8", input_tokens=600, output_tokens=output_tokens)
    assert r.concurrency is not None and r.concurrency > 500  # a deep queue: the prefill-bound regime
    assert r.requests_per_s is not None and r.requests_per_s <= bound
    # Prefill dominates, so the request rate hardly depends on the output length.
    one = estimate(m, g, 1, "fp8", input_tokens=600, output_tokens=1)
    assert one.requests_per_s is not None and r.requests_per_s == pytest.approx(one.requests_per_s, rel=0.05)


@pytest.mark.parametrize("output_tokens", [1, 3, 300])
def test_each_cycle_holds_every_clients_prefill(output_tokens: int) -> None:
    """Work conservation in the closed loop: a client's cycle (TTFT + (o - 1) TPOT) lasts at least as
    long as the C prompts sent in it take at the calibrated compute rate, whatever the output length;
    and it is never shorter than its own prefill plus its o - 1 decode steps."""
    m, g = get_model("llama-3.1-8b"), get_gpu("h100-sxm")
    r = Replica.build(m, g, 1, "fp8", "fp8", "vllm", default_efficiency())
    c, s, o = 64.0, 600.0, float(output_tokens)
    pt = continuous(r, c, s, o)
    prompt_compute = float(r.compute_time_s(r.prefill_flops(1.0, s), s))
    assert float(pt.e2e_s) >= c * prompt_compute * (1 - 1e-9)
    assert float(pt.e2e_s) == pytest.approx(float(pt.ttft_s) + (o - 1) * float(pt.tpot_s), rel=1e-9)
    assert float(pt.ttft_s) >= float(prefill_s(r, 1.0, s)) * (1 - 1e-9)


def test_host_time_per_sequence_grows_the_decode_step_linearly() -> None:
    """A running sequence costs the engine's host time once per step (scheduler, sampler, detokeniser).

    Arithmetic: with the GPU work held fixed (a bare roofline with every other overhead at zero), the
    decode step of 256 sequences is longer than with no host time by exactly 256 x seq_overhead_us.
    vLLM's V0 engine (before 0.8) spent tens of microseconds per sequence in Python between GPU steps
    (vLLM blog 2024-09-05: in v0.5.3 the H100 was busy 38 % of the time serving Llama 3 8B); V1 overlaps
    that work, so the current engine's figure is far smaller: sizing must not inherit the 2024 penalty.
    """
    from llmplace.sizing import ideal_efficiency

    base = ideal_efficiency()
    with_host = base.with_values({("seq_overhead_us", "engine", "vllm"): 50.0})
    m, g = get_model("llama-3.1-8b"), get_gpu("h100-sxm")
    r0 = Replica.build(m, g, 1, "fp16", "fp16", "vllm", base)
    r1 = Replica.build(m, g, 1, "fp16", "fp16", "vllm", with_host)
    extra = decode_step_s(r1, 256, 1000.0) - decode_step_s(r0, 256, 1000.0)
    assert float(extra) == pytest.approx(256 * 50e-6, rel=1e-9)
    eff = default_efficiency()
    assert eff.seq_overhead_s("vllm") < eff.seq_overhead_s("vllm:v0") / 3


def test_engine_generation_key_falls_back_to_the_engine_rows() -> None:
    """``vllm:v0`` has its own host overhead, step overhead and batch cap (vLLM V0 default max_num_seqs
    = 256, vllm/engine/arg_utils.py before 0.8) and borrows every other factor from ``vllm``; compute
    efficiency is one global GEMM figure shared by all engines."""
    eff = default_efficiency()
    assert eff.max_batch("vllm:v0") == 256 and eff.max_batch("vllm") == 1024
    assert eff.bandwidth("hopper", "vllm:v0", "fp16") == eff.bandwidth("hopper", "vllm", "fp16")
    assert eff.max_batched_tokens("vllm:v0") == eff.max_batched_tokens("vllm")
    computes = {eff.compute("hopper", e, "fp16") for e in ("trt-llm", "vllm", "vllm:v0", "sglang", "tgi")}
    assert len(computes) == 1
