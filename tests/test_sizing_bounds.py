"""Physical bounds of the performance model, as properties over random deployments.

Over random catalog models and GPUs, weight and KV precisions, engines, tensor-parallel degrees,
prompts of 1-32k tokens, outputs of 1-4k tokens and 1-2,048 sequences in flight, no serving regime of
:mod:`llmplace.sizing.performance` may beat

(a) the **compute roofline of the prompts**: input tokens/s <= g x peak / (2 x multiplying params),
    where ``peak`` is the catalog's dense tensor rate of the fastest unit that can run a GEMM on
    ``precision`` weights (the 16-bit rate always, the precision's own unit where the GPU lists one,
    fp8 for fp4 weights) and the multiplying params are the catalog's active parameters less an untied
    input embedding (a table lookup, no FLOPs; counting it would make the bound tighter than physics
    by up to 16 %, gpt-oss-20b's vocab_size x hidden_size / active_params);
(b) the **bandwidth roofline of decode**: decode tokens/s <= b x g x BW / (W + b x KV), where ``BW``
    is the catalog's memory bandwidth per GPU, ``W`` the weights a step must read at least once (the
    same multiplying params at 4, 8 or 16 bits, no quantisation scales, the LM head not kept at 16-bit,
    the experts of an MoE step at most the active ones) and ``KV`` one sequence's cache at the step's
    mean context (2 x layers x KV heads x head dim, or the latent of multi-head latent attention, at the
    KV precision, never replicated across GPUs). A sequence's k-th decode step reads input + k tokens of
    cache, k = 1 .. o - 1, whose mean is input + o / 2: the context the model decodes at.

Every simplification above lowers the bytes or FLOPs, so the bounds are looser than the hardware's and
independent of the model's own accounting (only catalog fields enter). Each case runs with either the
calibrated efficiencies or the bare roofline (every efficiency 1, no overheads), so an accounting error
cannot hide behind an efficiency below 1. Tolerance: a relative 1e-9 for floating-point rounding and
nothing more: with every efficiency <= 1 and every overhead >= 0 the model can at best reach the bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from llmplace.catalog import table
from llmplace.catalog.specs import GpuSpec, ModelSpec
from llmplace.sizing import default_efficiency
from llmplace.sizing.efficiency import ENGINES, ideal_efficiency
from llmplace.sizing.performance import Replica, continuous, decode_step_s, prefill_s, static_batch
from llmplace.sizing.speculative import (
    Drafter,
    continuous_speculative,
    expected_tokens_per_pass,
    resolve_speculation,
)

RTOL = 1e-9
MODELS = tuple(table("models"))
GPUS = tuple(table("gpus"))
WEIGHT_BITS = {"fp16": 16, "bf16": 16, "fp8": 8, "int8": 8, "int4": 4, "mxfp4": 4, "nvfp4": 4, "fp4": 4}
KV_BITS = {"fp16": 16, "bf16": 16, "fp8": 8}


@dataclass(frozen=True)
class Case:
    model: ModelSpec
    gpu: GpuSpec
    gpus: int
    precision: str
    kv_precision: str
    engine: str
    input_tokens: int
    output_tokens: int
    concurrency: int
    ideal: bool

    def replica(self) -> Replica:
        eff = ideal_efficiency() if self.ideal else default_efficiency()
        return Replica.build(self.model, self.gpu, self.gpus, self.precision, self.kv_precision, self.engine, eff)


cases = st.builds(
    Case,
    model=st.sampled_from(MODELS),
    gpu=st.sampled_from(GPUS),
    gpus=st.sampled_from((1, 2, 4, 8)),
    precision=st.sampled_from(tuple(WEIGHT_BITS)),
    kv_precision=st.sampled_from(tuple(KV_BITS)),
    engine=st.sampled_from(ENGINES),
    input_tokens=st.integers(1, 32_768),
    output_tokens=st.integers(1, 4_096),
    concurrency=st.integers(1, 2_048),
    ideal=st.booleans(),
)


def peak_flops(gpu: GpuSpec, precision: str) -> float:
    """Fastest catalog dense rate of a unit that can multiply ``precision`` weights, per GPU [FLOP/s]."""
    rates = [gpu.fp16_dense_tflops]
    if precision in ("fp8", "fp4", "mxfp4", "nvfp4"):
        rates.append(gpu.fp8_dense_tflops or 0.0)
    if precision in ("fp4", "mxfp4", "nvfp4"):
        rates.append(gpu.fp4_dense_tflops or 0.0)
    if precision == "int8":
        rates.append(gpu.int8_dense_tops or 0.0)
    return max(rates) * 1e12


def multiplying_params(model: ModelSpec) -> float:
    """Active parameters less an untied input embedding (gathered, not multiplied) [parameters]."""
    emb = 0.0 if model.tied_embeddings else float(model.vocab_size or 0) * model.hidden_size
    return model.active_params_b * 1e9 - emb


def max_input_tokens_per_s(c: Case) -> float:
    """(a): every prompt token costs at least 2 FLOPs per multiplying parameter."""
    return c.gpus * peak_flops(c.gpu, c.precision) / (2.0 * multiplying_params(c.model))


def kv_bytes_per_token(c: Case) -> float:
    """KV read per cached token; linear-attention layers (Gated DeltaNet, Mamba) keep a fixed-size state, no KV."""
    m, b = c.model, KV_BITS[c.kv_precision] / 8
    layers = m.layers - m.linear_attention_layers
    if m.kv_lora_rank is not None:
        return layers * (m.kv_lora_rank + (m.rope_head_dim or 0)) * b
    return 2.0 * layers * m.kv_heads * m.head_dim * b


def max_decode_tokens_per_s(c: Case, batch: float, context: float) -> float:
    """(b): a step of ``batch`` sequences reads the weights once and each sequence's KV cache."""
    weights = multiplying_params(c.model) * WEIGHT_BITS[c.precision] / 8
    kv = batch * context * kv_bytes_per_token(c)
    return batch * c.gpus * c.gpu.memory_bandwidth_tbps * 1e12 / (weights + kv)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(cases)
def test_prefill_never_beats_the_compute_roofline(c: Case) -> None:
    r, s, o, n = c.replica(), float(c.input_tokens), float(c.output_tokens), float(c.concurrency)
    bound = max_input_tokens_per_s(c) * (1 + RTOL)
    # A batch of prompts prefilled together (the time to first token of a static batch) ...
    assert n * s / float(prefill_s(r, n, s)) <= bound
    assert n * s / float(static_batch(r, n, s, o).ttft_s) <= bound
    # ... and the steady state of continuous batching: requests/s x prompt tokens.
    pt = continuous(r, n, s, o)
    assert float(pt.output_tokens_per_s) / o * s <= bound


@settings(max_examples=400, deadline=None, derandomize=True)
@given(cases)
def test_decode_never_beats_the_bandwidth_roofline(c: Case) -> None:
    r, s, o, n = c.replica(), float(c.input_tokens), float(c.output_tokens), float(c.concurrency)
    ctx = s + o / 2.0
    bound = max_decode_tokens_per_s(c, n, ctx) * (1 + RTOL)
    assert n / float(decode_step_s(r, n, ctx)) <= bound
    assert n / float(static_batch(r, n, s, o).tpot_s) <= bound
    # Continuous batching: the o - 1 tokens per request that decode steps produce (the first comes from
    # the prefill), over the steady state's end-to-end time.
    pt = continuous(r, n, s, o)
    decode_tokens_per_s = n * (o - 1.0) / float(pt.e2e_s)
    assert decode_tokens_per_s <= bound
    assert np.isfinite(float(pt.e2e_s))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(cases, st.sampled_from(("draft", "eagle", "mtp", "ngram")), st.integers(1, 8), st.floats(0.0, 1.0),
       st.sampled_from(MODELS))
def test_speculative_decode_never_beats_the_roofline_per_verify_pass(c: Case, method: str, k: int, a: float,
                                                                     drafter: ModelSpec) -> None:
    """With speculative decoding a verify pass still reads the weights once and every sequence's KV cache,
    and yields on average E = (1 - a^(k+1)) / (1 - a) tokens per sequence (Leviathan et al. 2023,
    arXiv:2211.17192): decode tokens/s <= E x bound (b). The drafter's passes only add time. The prompts'
    compute bound (a) holds unchanged (speculation adds no prefill)."""
    if method == "mtp" and c.model.mtp_layers < 1:
        method = "eagle"
    r, s, o, n = c.replica(), float(c.input_tokens), float(c.output_tokens), float(c.concurrency)
    sp = resolve_speculation(method, k, a, drafter.id if method == "draft" else None)
    pt = continuous_speculative(r, sp, Drafter.build(sp, r, drafter if method == "draft" else None), n, s, o)
    tokens_per_pass = float(expected_tokens_per_pass(a, k))
    bound = tokens_per_pass * max_decode_tokens_per_s(c, n, s + o / 2.0) * (1 + RTOL)
    assert n * (o - 1.0) / float(pt.e2e_s) <= bound
    assert n / (float(pt.tpot_s) * tokens_per_pass) <= max_decode_tokens_per_s(c, n, s + o / 2.0) * (1 + RTOL)
    assert float(pt.output_tokens_per_s) / o * s <= max_input_tokens_per_s(c) * (1 + RTOL)
    assert float(pt.output_tokens_per_s) <= float(pt.roofline_output_tokens_per_s) * (1 + RTOL)
