"""Phase-aware step-time model of one tensor-parallel replica.

A replica is ``gpus`` GPUs running one copy of the model with tensor parallelism. Two phases:

- **prefill** (the prompt): compute-bound for long prompts (FLOPs = 2 x active parameters per token plus
  causal attention), but it must still read every weight once, so short prompts at batch 1 are
  bandwidth-bound and pay the fixed per-pass overhead (the calculators that count FLOPs only are 50-90 %
  low there);
- **decode** (one token per sequence per step): reads the weights a step touches (all of a dense model;
  for a mixture-of-experts model the distinct experts the batch routes to) plus every sequence's KV
  cache, and turns compute-bound at large batch. Latent attention (MLA) decodes in the weight-absorbed
  form, whose attention FLOPs per context token are several times the prefill form's
  (:func:`attention_flops_per_token_ctx`).

Each pass costs ``max(bytes / (BW x eta_bw), FLOPs / (peak x eta_c)) + all-reduce + overhead``, with the
efficiencies eta <= 1 from :mod:`llmplace.sizing.efficiency`, so no prediction is ever faster than the
roofline ``max(bytes / BW, FLOPs / peak)`` (see :func:`decode_step_roofline_s`).

Serving regimes built on the two passes:

- :func:`static_batch`: a fixed batch prefilled together then decoded together (benchmark harnesses);
- :func:`continuous`: in-flight (continuous) batching with ``concurrency`` sequences in the engine; new
  prompts are batched into running decode steps, so a sequence's first token and every later one also
  carry the other sequences' prefill compute (one prefill per request served, whatever the output
  length).

Units: seconds, bytes, FLOPs; inputs may be numpy arrays (batch and context broadcast).

References: Pope et al. 2022 (arXiv:2211.05102) for the decode memory/compute split; Kwon et al. 2023
(vLLM, arXiv:2309.06180) and Yu et al. 2022 (Orca) for continuous batching; Agrawal et al. 2024
(Sarathi-Serve, arXiv:2403.02310) for chunked prefill sharing decode steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..catalog.specs import GpuSpec, ModelSpec
from . import memory as mem
from .efficiency import Efficiency
from .interconnect import allreduce_latency_s as _allreduce_latency_s
from .interconnect import allreduce_s as _ring_allreduce_s

__all__ = [
    "Replica",
    "ServingPoint",
    "burst_ttft_s",
    "chunked_prefill_s",
    "continuous",
    "decode_step_roofline_s",
    "attention_flops_per_token_ctx",
    "decode_step_s",
    "mixed_step_s",
    "peak_flops_per_gpu",
    "prefill_roofline_s",
    "prefill_s",
    "static_batch",
]

# Default link rates where the catalog row gives none [GB/s per GPU, bidirectional].
_DEFAULT_LINK_GB_PER_S = {"nvlink": 600.0, "pcie": 64.0, "xgmi": 896.0}
_ACTIVATION_BYTES = 2.0  # 16-bit activations on the wire


def peak_flops_per_gpu(gpu: GpuSpec, precision: str) -> float:
    """Dense tensor peak for GEMMs on ``precision`` weights [FLOP/s].

    fp8 uses fp8 tensor cores where the GPU has them; int8 uses int8 TOPS. MXFP4 and NVFP4 use FP4 tensor
    cores where the GPU has them (Blackwell); a GPU without them (Hopper, Ampere, Ada) runs 4-bit weights
    weight-only: dequantised in the GEMM kernel and computed in 16-bit (as int4 GPTQ/AWQ always is).
    A GPU without fp8 units dequantises fp8 to 16-bit likewise.
    """
    p = fp4_native(gpu, mem.check_precision(precision))
    tf: float | None
    if p == "fp8":
        tf = gpu.fp8_dense_tflops
    elif p == "int8":
        tf = gpu.int8_dense_tops
    elif p == "fp4":
        tf = gpu.fp4_dense_tflops
    else:
        tf = None
    return float(tf or gpu.fp16_dense_tflops) * 1e12


def fp4_native(gpu: GpuSpec, precision: str) -> str:
    """Efficiency key of ``precision`` on ``gpu``: ``fp4`` for a 4-bit float format the GPU computes in
    (its FP4 tensor-core factors apply), ``w4a16`` for one it runs weight-only (16-bit compute, no
    precision factor), the precision itself otherwise."""
    if precision in (*mem.FP4_FORMATS, "fp4"):
        return "fp4" if gpu.fp4_dense_tflops else "w4a16"
    return precision


def attention_flops_per_token_ctx(model: ModelSpec) -> tuple[float, float]:
    """(prefill, decode) attention FLOPs of one token per token of context, all layers [FLOP/token].

    Scores and weighted values cost 2 FLOPs per multiply-add for each query head over each context token:

    - grouped-query attention, both phases: ``2 x heads x (head_dim + head_dim)`` per layer (q.k, then p.v);
    - latent attention (MLA, ``kv_lora_rank`` set; DeepSeek-V2 arXiv:2405.04434 section 2.1 and appendix):
      prefill runs the plain form on the up-projected keys (``head_dim + rope_head_dim`` wide) and values
      (``v_head_dim``, else ``head_dim``): ``2 x heads x (head_dim + rope_head_dim + v_head_dim)``; decode
      runs the weight-absorbed form (SGLang, vLLM and TensorRT-LLM's FlashMLA kernels), where every query
      head attends over the cached latent itself: ``kv_lora_rank + rope_head_dim`` wide for the scores and
      ``kv_lora_rank`` for the values, ``2 x heads x (2 kv_lora_rank + rope_head_dim)``. DeepSeek-V3
      (128 heads, 128 + 64 query/key dims, rank 512): 81,920 FLOPs per layer per context token in prefill,
      278,528 in decode.

    The absorbed up-projections (the query through W_UK into the latent, the latent output through W_UV)
    cost 2 x heads x head_dim x kv_lora_rank FLOPs each per token, as many as the kv_b_proj weights they
    replace, so the per-token GEMM count stays 2 x active parameters (counted in ``linear_flops_per_token``).
    Layers with a fixed-size recurrent state are counted like attention layers (an upper bound). Attention
    FLOPs are charged at the weights' GEMM rate (:func:`peak_flops_per_gpu`), though MLA kernels compute in
    16 bits: for fp8 weights a compute-bound MLA decode step reads up to 2x fast on its attention share.
    """
    heads, d = model.attention_heads, model.head_dim
    if model.kv_lora_rank is None:
        per_layer = 4.0 * heads * d
        return model.layers * per_layer, model.layers * per_layer
    rope, rank = model.rope_head_dim or 0, model.kv_lora_rank
    prefill = 2.0 * heads * (d + rope + (model.v_head_dim or d))
    decode = 2.0 * heads * (rank + rope + rank)
    return model.layers * prefill, model.layers * decode


@dataclass(frozen=True)
class Replica:
    """Everything the step-time formulas need about one replica, precomputed once.

    Build with :meth:`build`. Byte and FLOP figures are for the whole replica; per-GPU figures divide by
    ``gpus`` (tensor parallelism shards weights, FLOPs and KV heads evenly).
    """

    model: ModelSpec
    gpu: GpuSpec
    gpus: int
    precision: str
    kv_precision: str
    engine: str
    bw_bytes_per_s: float  # peak per GPU
    flops_per_s: float  # peak per GPU at the precision
    eta_bw: float
    eta_c: float
    eta_kv: float
    half_tokens: float
    overhead_s: float
    seq_overhead_s: float  # host time per running sequence per step (scheduling, sampling)
    prefill_overhead_s: float
    allreduce_latency_s: float  # latency of one all-reduce over the replica's GPUs (interconnect.py x factor)
    link_bytes_per_s: float  # effective one-direction all-reduce bandwidth per GPU
    max_batched_tokens: float  # the engine's token budget per step (chunked prefill)
    weight_bytes: float  # all resident weights
    dense_read_bytes: float  # weights every pass reads (no input embedding, no routed experts)
    expert_bytes: float  # one routed expert over all MoE layers
    kv_bytes_per_token: float  # whole replica, incl. KV-head replication
    linear_flops_per_token: float  # 2 x active params that multiply (input embedding is a gather)
    attn_flops_per_token_ctx: float  # prefill attention FLOPs per token per context token
    decode_attn_flops_per_token_ctx: float  # decode's (latent attention: the weight-absorbed form)

    @classmethod
    def build(cls, model: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, kv_precision: str, engine: str,
              eff: Efficiency) -> Replica:
        p, _note = mem.resolve_precision(precision, gpu)
        kvp = mem.check_precision(kv_precision, "kv_precision")
        bpp = mem.WEIGHT_BYTES_PER_PARAM[p]
        emb, _head = mem.embedding_params(model)
        per_expert, always = mem.expert_params(model)
        input_emb_bytes = 0.0 if model.tied_embeddings else emb * mem.EMBEDDING_BYTES_PER_PARAM
        w_all = mem.weight_bytes(model, p)
        expert_bytes = per_expert * bpp
        dense_read = w_all - input_emb_bytes - model.experts * expert_bytes if model.is_moe else (
            w_all - input_emb_bytes)
        active = model.active_params_b * 1e9
        lin = 2.0 * (active - (0.0 if model.tied_embeddings else emb))
        attn, attn_decode = attention_flops_per_token_ctx(model)
        ic = (gpu.interconnect or "pcie").lower()
        link = (gpu.interconnect_gb_per_s or _DEFAULT_LINK_GB_PER_S.get(ic, 64.0)) * 1e9 / 2.0
        eta_bw = eff.bandwidth(gpu.family, engine, fp4_native(gpu, p))
        return cls(
            model=model, gpu=gpu, gpus=gpus, precision=p, kv_precision=kvp, engine=engine,
            bw_bytes_per_s=gpu.memory_bandwidth_tbps * 1e12,
            flops_per_s=peak_flops_per_gpu(gpu, p),
            eta_bw=eta_bw,
            eta_c=eff.compute(gpu.family, engine, fp4_native(gpu, p)),
            eta_kv=min(1.0, eta_bw * eff.kv_bandwidth_factor()),
            half_tokens=eff.compute_half_tokens(),
            overhead_s=eff.step_overhead_s(engine),
            seq_overhead_s=eff.seq_overhead_s(engine),
            prefill_overhead_s=eff.prefill_overhead_s(),
            allreduce_latency_s=_allreduce_latency_s(ic, gpus, engine) * eff.allreduce_latency_factor(),
            link_bytes_per_s=link * eff.comm_bandwidth_efficiency(ic),
            max_batched_tokens=eff.max_batched_tokens(engine),
            weight_bytes=w_all,
            dense_read_bytes=dense_read,
            expert_bytes=expert_bytes,
            kv_bytes_per_token=mem.kv_bytes_per_token(model, kvp) * mem.kv_replication(model, gpus),
            linear_flops_per_token=lin,
            attn_flops_per_token_ctx=attn,
            decode_attn_flops_per_token_ctx=attn_decode,
        )

    # --- building blocks (whole-replica bytes and FLOPs) --------------------------------------------
    def weight_read_bytes(self, tokens: Any) -> Any:
        """Weight bytes one pass over ``tokens`` tokens reads [B]."""
        if not self.model.is_moe:
            return np.full_like(np.asarray(tokens, dtype=float), self.dense_read_bytes)
        return self.dense_read_bytes + mem.experts_touched(self.model, tokens) * self.expert_bytes

    def allreduce_s(self, tokens: Any, prompt_tokens: Any = 0.0) -> Any:
        """Tensor-parallel communication of one pass over ``tokens`` tokens, ``prompt_tokens`` of them
        prompt tokens [s] (the split matters to expert parallelism only, :mod:`.multinode`).

        Two all-reduces per layer (after attention and after the MLP) of tokens x hidden 16-bit values,
        each a ring over the replica's GPUs (:mod:`llmplace.sizing.interconnect`).
        """
        msg = np.asarray(tokens, dtype=float) * self.model.hidden_size * _ACTIVATION_BYTES
        per = _ring_allreduce_s(msg, self.gpus, self.allreduce_latency_s, self.link_bytes_per_s)
        return 2.0 * self.model.layers * per

    def decode_kv_bytes(self, batch: Any, context: Any) -> Any:
        """KV-cache bytes one decode step reads [B]."""
        return np.asarray(batch, dtype=float) * np.asarray(context, dtype=float) * self.kv_bytes_per_token

    def decode_bytes(self, batch: Any, context: Any) -> Any:
        return self.weight_read_bytes(batch) + self.decode_kv_bytes(batch, context)

    def decode_flops(self, batch: Any, context: Any) -> Any:
        ctx = np.asarray(context, dtype=float)
        per_token = self.linear_flops_per_token + self.decode_attn_flops_per_token_ctx * ctx
        return np.asarray(batch, dtype=float) * per_token

    def prefill_flops(self, batch: Any, prompt: Any) -> Any:
        """FLOPs of prefilling ``batch`` prompts of ``prompt`` tokens (causal attention: S^2 / 2)."""
        b = np.asarray(batch, dtype=float)
        s = np.asarray(prompt, dtype=float)
        return b * (s * self.linear_flops_per_token + self.attn_flops_per_token_ctx * s * s / 2.0)

    def prefill_bytes(self, batch: Any, prompt: Any) -> Any:
        tokens = np.asarray(batch, dtype=float) * np.asarray(prompt, dtype=float)
        return self.weight_read_bytes(tokens) + tokens * self.kv_bytes_per_token

    def compute_time_s(self, flops: Any, tokens: Any) -> Any:
        """Per-GPU time of whole-replica ``flops`` in a pass over ``tokens`` tokens [s].

        GEMM efficiency rises with the tokens per pass (tile occupancy):
        eta_c x tokens / (tokens + half_tokens).
        """
        t = np.maximum(np.asarray(tokens, dtype=float), 1.0)
        return flops * (t + self.half_tokens) / t / (self.flops_per_s * self.eta_c) / self.gpus

    def memory_time_s(self, weight_bytes: Any, kv_bytes: Any) -> Any:
        """Per-GPU time to move whole-replica weight and KV bytes at the calibrated efficiencies [s]."""
        return (weight_bytes / (self.bw_bytes_per_s * self.eta_bw)
                + kv_bytes / (self.bw_bytes_per_s * self.eta_kv)) / self.gpus


def decode_step_s(r: Replica, batch: Any, context: Any) -> Any:
    """Time of one decode step of ``batch`` sequences at mean ``context`` tokens [s]."""
    t_mem = r.memory_time_s(r.weight_read_bytes(batch), r.decode_kv_bytes(batch, context))
    t_comp = r.compute_time_s(r.decode_flops(batch, context), batch)
    return np.maximum(t_mem, t_comp) + r.allreduce_s(batch) + r.overhead_s + r.seq_overhead_s * batch


def decode_step_roofline_s(r: Replica, batch: Any, context: Any) -> Any:
    """Hardware lower bound of one decode step: max(bytes / peak BW, FLOPs / peak) [s]."""
    g = r.gpus
    return np.maximum(r.decode_bytes(batch, context) / g / r.bw_bytes_per_s,
                      r.decode_flops(batch, context) / g / r.flops_per_s)


def prefill_s(r: Replica, batch: Any, prompt: Any) -> Any:
    """Time to prefill ``batch`` prompts of ``prompt`` tokens together (time to first token) [s]."""
    tokens = np.asarray(batch, dtype=float) * np.asarray(prompt, dtype=float)
    t_mem = r.memory_time_s(r.weight_read_bytes(tokens), tokens * r.kv_bytes_per_token)
    t_comp = r.compute_time_s(r.prefill_flops(batch, prompt), tokens)
    return np.maximum(t_mem, t_comp) + r.allreduce_s(tokens, tokens) + r.overhead_s + r.prefill_overhead_s


def prefill_roofline_s(r: Replica, batch: Any, prompt: Any) -> Any:
    """Hardware lower bound of a prefill: max(FLOPs / peak, weights and KV written / peak BW) [s]."""
    g = r.gpus
    return np.maximum(r.prefill_bytes(batch, prompt) / g / r.bw_bytes_per_s,
                      r.prefill_flops(batch, prompt) / g / r.flops_per_s)


def prefill_marginal_s(r: Replica, prompt: Any) -> Any:
    """Extra time one prompt adds when batched into running decode steps [s] (compute + all-reduce).

    Its weight reads are shared with the decode step it rides on (chunked prefill / in-flight batching).
    """
    return (r.compute_time_s(r.prefill_flops(1.0, prompt), prompt) + r.allreduce_s(prompt, prompt)
            - r.allreduce_s(0.0))


def mixed_step_s(r: Replica, decodes: Any, context: Any, prefill_tokens: Any, prompt: Any) -> Any:
    """One engine step: ``decodes`` sequences decode a token each at mean ``context`` while
    ``prefill_tokens`` tokens of ``prompt``-token prompts are prefilled in the same pass [s].

    Roofline of the combined step (Sarathi-Serve, arXiv:2403.02310): the weights are read once for all
    tokens, decodes read their KV cache and prompt chunks write theirs, and the pass takes
    ``max(memory time, compute time)`` of the whole batch, so prefill compute fills the idle tensor cores
    of a bandwidth-bound decode step instead of adding to it. A step that carries prompt tokens also pays
    the prefill pass overhead (in proportion, when ``prefill_tokens`` < one prompt is an average).
    """
    d = np.asarray(decodes, dtype=float)
    p = np.asarray(prefill_tokens, dtype=float)
    s = np.maximum(np.asarray(prompt, dtype=float), 1.0)
    tokens = d + p
    kv = r.decode_kv_bytes(d, context) + p * r.kv_bytes_per_token
    flops = r.decode_flops(d, context) + p / s * r.prefill_flops(1.0, s)
    t_mem = r.memory_time_s(r.weight_read_bytes(tokens), kv)
    t_comp = r.compute_time_s(flops, tokens)
    prefill_share = np.minimum(p / s, 1.0)
    return (np.maximum(t_mem, t_comp) + r.allreduce_s(tokens, p) + r.overhead_s + r.seq_overhead_s * d
            + prefill_share * r.prefill_overhead_s)


def chunked_prefill_s(r: Replica, decodes: Any, context: Any, prompt: Any) -> Any:
    """Time to prefill one ``prompt``-token prompt under the engine's token budget [s].

    The scheduler (vLLM, SGLang, TensorRT-LLM in-flight batching) fills each step's budget of
    ``max_batched_tokens`` with the running decodes first (one token each) and prompt chunks after; a
    prompt longer than the rest of the budget is split into ``ceil(prompt / chunk)`` steps, each also
    carrying the ``decodes``. A share of the budget is kept for prompts (at least half) so a full decode
    batch cannot starve them.
    """
    s = np.asarray(prompt, dtype=float)
    steps = prefill_chunks(r, decodes, s)
    return steps * mixed_step_s(r, decodes, context, s / steps, s)


def prefill_chunks(r: Replica, decodes: Any, prompt: Any) -> Any:
    """Steps one prompt's prefill takes: ceil(prompt / (budget - decodes)), decodes capped at half."""
    chunk = r.max_batched_tokens - np.minimum(np.asarray(decodes, dtype=float), r.max_batched_tokens / 2.0)
    return np.maximum(np.ceil(np.asarray(prompt, dtype=float) / chunk), 1.0)


def queued_ttft_s(residual_s: Any, own_s: Any, service_s: Any, floor_s: Any, decode_s: Any,
                  concurrency: Any) -> Any:
    """Mean time to first token of ``concurrency`` closed-loop clients sharing one replica [s].

    A newcomer waits for the running step (``residual_s``), then for the prompts queued ahead of it, then
    for its own prefill (``own_s``, riding with the running decodes). The prompts ahead hold the replica
    for their marginal time ``service_s`` = sv each (what a prompt adds to the steps it shares; Poisson-like
    arrivals, deterministic service: M/D/1), so the mean wait is ``rho / (2 (1 - rho)) x sv`` with
    ``rho = (C - 1) x sv / (TTFT + decode_s)``: each of the other C - 1 clients sends one prompt per cycle
    (Little's law), ``decode_s`` being the ``o - 1`` decode steps. With ``x = TTFT``,
    ``a = residual + own``, ``D = decode_s``, ``k = C - 1`` and ``y = x + D - k sv`` the fixed point is
    ``y^2 + (k sv - D - a) y - k sv^2 / 2 = 0`` (one positive root): no iteration. Work conservation
    bounds it below: one cycle of the C clients holds C prompts, whose FLOPs take at least ``floor_s``
    each, so ``TTFT + D >= C x floor_s`` (the prefill-bound limit).
    """
    c = np.asarray(concurrency, dtype=float)
    k = np.maximum(c - 1.0, 0.0)
    sv = np.maximum(np.asarray(service_s, dtype=float), 0.0)
    d = np.asarray(decode_s, dtype=float)
    a = np.asarray(residual_s, dtype=float) + np.asarray(own_s, dtype=float)
    b = k * sv - d - a
    y = (-b + np.sqrt(b * b + 2.0 * k * sv * sv)) / 2.0
    return np.maximum(np.maximum(y - d + k * sv, a), c * np.asarray(floor_s, dtype=float) - d)


def burst_ttft_s(r: Replica, concurrency: Any, prompt: Any) -> Any:
    """Mean time to first token when ``concurrency`` prompts arrive at once on an idle replica [s].

    The scheduler prefills the burst in budget-sized steps; the k-th prompt's first token comes once the
    k prompts before it and its own are through, so the mean waits for (C + 1) / 2 prompts, in steps of
    ``max_batched_tokens`` less the decodes already running (on average (C - 1) / 2 of the burst). This
    is the figure closed-loop benchmarks report when every client starts together (a cold start, or a
    synchronised wave of users); in steady state clients drift apart and :func:`queued_ttft_s` applies.
    """
    c = np.maximum(np.asarray(concurrency, dtype=float), 1.0)
    s = np.asarray(prompt, dtype=float)
    decodes = (c - 1.0) / 2.0
    tokens = (c + 1.0) / 2.0 * s
    chunk = r.max_batched_tokens - np.minimum(decodes, r.max_batched_tokens / 2.0)
    steps = np.maximum(np.maximum(tokens / chunk, prefill_chunks(r, decodes, s)), 1.0)
    return steps * mixed_step_s(r, decodes, s, tokens / steps, s)


def mixed_step_roofline_s(r: Replica, decodes: Any, context: Any, prefill_tokens: Any, prompt: Any) -> Any:
    """Hardware lower bound of a mixed step: max(bytes / peak BW, FLOPs / peak) [s]."""
    d = np.asarray(decodes, dtype=float)
    p = np.asarray(prefill_tokens, dtype=float)
    s = np.maximum(np.asarray(prompt, dtype=float), 1.0)
    byts = r.weight_read_bytes(d + p) + r.decode_kv_bytes(d, context) + p * r.kv_bytes_per_token
    flops = r.decode_flops(d, context) + p / s * r.prefill_flops(1.0, s)
    return np.maximum(byts / r.gpus / r.bw_bytes_per_s, flops / r.gpus / r.flops_per_s)


@dataclass(frozen=True)
class ServingPoint:
    """Latency and throughput of one replica at one operating point (seconds, tokens/s; may be arrays)."""

    ttft_s: Any
    tpot_s: Any
    e2e_s: Any
    output_tokens_per_s: Any
    roofline_output_tokens_per_s: Any
    roofline_ttft_s: Any
    ttft_burst_s: Any = None  # continuous batching only: mean TTFT when the C requests arrive together


def static_batch(r: Replica, batch: Any, input_tokens: Any, output_tokens: Any,
                 beams: int = 1) -> ServingPoint:
    """A static batch: prefill ``batch`` prompts together, then ``output_tokens - 1`` decode steps.

    Decode runs at the mean context ``input + output / 2``. Throughput counts ``batch x output`` tokens
    over the batch's end-to-end time. ``beams`` > 1 decodes that many beams per prompt.
    """
    b = np.asarray(batch, dtype=float)
    s = np.asarray(input_tokens, dtype=float)
    o = np.asarray(output_tokens, dtype=float)
    ctx = s + o / 2.0
    ttft = prefill_s(r, b, s)
    step = decode_step_s(r, b * beams, ctx)
    steps = np.maximum(o - 1.0, 0.0)
    e2e = ttft + steps * step
    tput = b * o / e2e
    roof_ttft = prefill_roofline_s(r, b, s)
    roof_e2e = roof_ttft + steps * decode_step_roofline_s(r, b * beams, ctx)
    return ServingPoint(ttft, step, e2e, tput, b * o / roof_e2e, roof_ttft)


def continuous(r: Replica, concurrency: Any, input_tokens: Any, output_tokens: Any,
               beams: int = 1) -> ServingPoint:
    """Continuous batching with ``concurrency`` clients in flight (steady state, closed loop).

    Accounting (C = concurrency, s = prompt tokens, o = output tokens):

    - a decode iteration carries the C running sequences (x ``beams``) at mean context ``s + o / 2`` and,
      on average, the C / o prompts admitted per iteration (C sequences x 1 token each means C / o
      requests finish and C / o start per iteration): one prefill per request served, as conservation of
      work requires. Its time is the roofline of the mixed step (:func:`mixed_step_s`), so the prompts'
      compute overlaps the bandwidth-bound decode; that is the time per output token (TPOT);
    - a newcomer's first token (:func:`queued_ttft_s`): half a running iteration, the prompts queued
      ahead of it (M/D/1 on the replica's prefill time at the arrival rate Little's law gives), then its
      own prefill in budget-sized chunks riding with the C - 1 running decodes (:func:`chunked_prefill_s`);
    - end-to-end = TTFT + (o - 1) x TPOT; throughput = C x o / end-to-end (Little's law);
    - ``ttft_burst_s``: the mean TTFT when the C requests arrive together (:func:`burst_ttft_s`), the
      worst case of a synchronised wave (never below the steady-state figure).

    Requests/s stays under the compute roofline of the prompts for any o: the prompts' FLOPs are in the
    steps, and the queue term tends to C x prefill time as the prefill share of the replica nears one.
    """
    c = np.maximum(np.asarray(concurrency, dtype=float), 1.0)
    s = np.asarray(input_tokens, dtype=float)
    o = np.asarray(output_tokens, dtype=float)
    ctx = s + o / 2.0
    steps = np.maximum(o - 1.0, 0.0)
    step = mixed_step_s(r, c * beams, ctx, c / o * s, s)
    decoding = (c - 1.0) * steps / o * beams  # the other sequences past their first token
    own = chunked_prefill_s(r, decoding, ctx, s)
    service = own - prefill_chunks(r, decoding, s) * mixed_step_s(r, decoding, ctx, 0.0, s)
    floor = r.compute_time_s(r.prefill_flops(1.0, s), s)
    ttft = queued_ttft_s(0.5 * step * (c - 1.0) / c, own, service, floor, steps * step, c)
    e2e = ttft + steps * step
    tput = c * o / e2e
    # Roofline of the same work: every step at the hardware bound, prompts' FLOPs at peak.
    roof_step = mixed_step_roofline_s(r, c * beams, ctx, c / o * s, s)
    roof_ttft = prefill_roofline_s(r, 1.0, s)
    roof_e2e = np.maximum(roof_ttft + steps * roof_step, c * r.prefill_flops(1.0, s) / r.gpus / r.flops_per_s)
    return ServingPoint(ttft, step, e2e, tput, c * o / roof_e2e, roof_ttft,
                        np.maximum(burst_ttft_s(r, c, s), ttft))
