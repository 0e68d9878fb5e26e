"""Multi-head latent attention (MLA) in the step-time model: DeepSeek-V3/R1, Kimi K2 (issue 13).

Serving engines decode MLA in the weight-absorbed form (DeepSeek-V2, arXiv:2405.04434, section 2.1.3 and
appendix; the FlashMLA kernels SGLang, vLLM and TensorRT-LLM use): every query head attends over the cached
latent itself, ``kv_lora_rank + qk_rope_head_dim`` values wide for the scores and ``kv_lora_rank`` wide for the
weighted values. Prefill runs the plain form over up-projected keys (``qk_nope_head_dim + qk_rope_head_dim``)
and values (``v_head_dim``). DeepSeek-V3's config.json (the models.csv row): 128 heads, qk_nope_head_dim 128,
qk_rope_head_dim 64, v_head_dim 128, kv_lora_rank 512, q_lora_rank 1,536, hidden 7,168, 61 layers.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmplace.catalog import get_gpu, get_model
from llmplace.catalog.specs import ModelSpec
from llmplace.sizing.efficiency import default_efficiency, ideal_efficiency
from llmplace.sizing.multinode import build_layout_replica, pipeline_point
from llmplace.sizing.parallel import layout_for
from llmplace.sizing.performance import (
    Replica,
    attention_flops_per_token_ctx,
    decode_step_roofline_s,
    decode_step_s,
    prefill_s,
)

DEEPSEEK = get_model("deepseek-v3")
H200 = get_gpu("h200-sxm")


def test_deepseek_v3_attention_flops_per_token_per_layer_from_its_config():
    """Per generated token, per layer, per token of context (2 FLOPs per multiply-add, 128 heads):

    - decode, absorbed: scores over the 512 + 64 latent, values over the 512 latent:
      2 x 128 x (512 + 64 + 512) = 278,528 FLOPs;
    - prefill, plain: scores over 128 + 64 key dims, values over 128 dims: 2 x 128 x (192 + 128) = 81,920;
    - the plain grouped-query formula the model used for both, 4 x heads x head_dim = 4 x 128 x 128 = 65,536,
      under-counts decode by 4.25x.

    The absorbed up-projections add no FLOPs beyond 2 x active parameters: W_UK applied to the 128 x 128
    query dims costs 128 x 128 x 512 = 8,388,608 multiply-adds and W_UV on the 128 x 512 latent output as
    many, 16,777,216 together = the 512 x 128 x (128 + 128) kv_b_proj weights they replace (which the 37B
    active parameters count once). A dense grouped-query model keeps 4 x heads x head_dim in both phases
    (Llama 3.1 8B: 4 x 32 x 128 = 16,384 per layer, 32 layers)."""
    prefill, decode = attention_flops_per_token_ctx(DEEPSEEK)
    assert decode == 61 * 278_528
    assert prefill == 61 * 81_920
    assert decode / (61 * 65_536) == pytest.approx(4.25)
    llama = get_model("llama-3.1-8b")
    assert attention_flops_per_token_ctx(llama) == (32 * 16_384, 32 * 16_384)


def test_replica_decode_counts_the_absorbed_form_and_prefill_the_plain_one():
    """One sequence decoding at 10,000 tokens of context on 8 x H200: attention adds 10,000 x 61 x 278,528 =
    169.9 GFLOPs to the step; a 1,000-token prompt's causal attention adds 61 x 81,920 x 1,000^2 / 2 =
    2.50 TFLOPs to its prefill (S^2 / 2 query-key pairs)."""
    r = Replica.build(DEEPSEEK, H200, 8, "fp8", "fp8", "sglang", default_efficiency())
    assert float(r.decode_flops(1, 10_000) - r.decode_flops(1, 0)) == pytest.approx(169_902_080_000)
    assert float(r.prefill_flops(1, 1000) - 1000 * r.linear_flops_per_token) == pytest.approx(2.49856e12)


def _dp_attention_replica(model: ModelSpec = DEEPSEEK, gpus: int = 8, ideal: bool = False):
    lay = layout_for(gpus, expert_parallel=True, dp_attention=True, model=model, fabric="infiniband-ndr")
    eff = ideal_efficiency() if ideal else default_efficiency()
    return build_layout_replica(model, H200, lay, "fp8", "fp8", "sglang", eff)[0]


def test_long_context_decode_with_dp_attention_turns_compute_bound_on_h200():
    """With DP attention each GPU reads only its own sequences' latent, so each extra token of context costs a
    decode step 2 x 128 x 1,088 = 278,528 FLOPs per 576 bytes of fp8 latent per layer: 483.6 FLOP/byte, above
    H200's fp8 ridge point 1,978.9 TFLOP/s / 4.8 TB/s = 412.3 FLOP/byte (gpus.csv), so long contexts push the
    step towards compute; the plain-attention count (65,536 FLOPs per layer: 113.8 FLOP/byte) kept it
    bandwidth-bound at any context. With the calibrated efficiencies, 8 x H200 (EP8, DP attention, fp8)
    at 8,000 tokens of context turns compute-bound between 1,024 and 2,048 sequences; with the plain count
    it stayed bandwidth-bound at 2,048."""
    r = _dp_attention_replica(ideal=True)
    flops = float(r.decode_flops(2048, 8001) - r.decode_flops(2048, 8000))
    byts = float(r.decode_bytes(2048, 8001) - r.decode_bytes(2048, 8000))
    assert flops / byts == pytest.approx(278_528 / 576)
    assert flops / byts > r.flops_per_s / r.bw_bytes_per_s > 65_536 / 576
    c = _dp_attention_replica()
    comp = [float(c.compute_time_s(c.decode_flops(b, 8000), b)) for b in (1024, 2048)]
    mem = [float(c.memory_time_s(c.weight_read_bytes(b), c.decode_kv_bytes(b, 8000))) for b in (1024, 2048)]
    assert comp[0] < mem[0] and comp[1] > mem[1]
    old = dataclasses.replace(c, decode_attn_flops_per_token_ctx=61 * 65_536.0)
    assert float(old.compute_time_s(old.decode_flops(2048, 8000), 2048)) < mem[1]


MLA_MODELS = ("deepseek-v3", "deepseek-r1", "kimi-k2")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(MLA_MODELS), st.sampled_from((8, 16, 32)), st.integers(1, 4096), st.integers(1, 32_768),
       st.integers(1, 2048), st.booleans())
def test_mla_layouts_never_beat_the_rooflines(model_id: str, gpus: int, batch: int, prompt: int, output: int,
                                              ideal: bool) -> None:
    """Over MLA models on EP + DP-attention layouts (8-32 H200, InfiniBand): (a) prompts never beat
    g x fp8 peak / (2 x active params) tokens/s; (b) decode never beats the bandwidth roofline
    g x BW / (weights at 1 byte per active parameter + batch x context x latent bytes) nor the compute
    roofline of the absorbed form g x peak / (2 x active params + context x layers x 2 x heads x
    (2 x kv_lora_rank + rope)). Only catalog fields enter the bounds; tolerance 1e-9 (rounding)."""
    m = get_model(model_id)
    r = _dp_attention_replica(m, gpus, ideal)
    peak, bw = gpus * (H200.fp8_dense_tflops or 0.0) * 1e12, gpus * H200.memory_bandwidth_tbps * 1e12
    mult = m.active_params_b * 1e9 - float(m.vocab_size or 0) * m.hidden_size
    latent = m.layers * ((m.kv_lora_rank or 0) + (m.rope_head_dim or 0))  # bytes per token at fp8
    absorbed = m.layers * 2.0 * m.attention_heads * (2 * (m.kv_lora_rank or 0) + (m.rope_head_dim or 0))
    ctx = prompt + output / 2.0
    b, s, tol = float(batch), float(prompt), 1 + 1e-9
    assert b * s / float(prefill_s(r, b, s)) <= peak / (2.0 * mult) * tol
    step = float(decode_step_s(r, b, ctx))
    assert step >= float(decode_step_roofline_s(r, b, ctx)) / tol
    assert b / step <= b * bw / (mult + b * ctx * latent) * tol
    assert b / step <= peak / (2.0 * mult + ctx * absorbed) * tol
    pt = pipeline_point(r, b, s, float(output))
    assert float(pt.output_tokens_per_s) / output * s <= peak / (2.0 * mult) * tol


def test_attention_weights_count_the_low_rank_query_and_value_width():
    """DeepSeek-V3 attention parameters per layer from its config.json: q_a_proj 7,168 x 1,536 = 11,010,048;
    q_b_proj 1,536 x 128 x (128 + 64) = 37,748,736; kv_a_proj 7,168 x (512 + 64) = 4,128,768; kv_b_proj
    512 x 128 x (128 + 128) = 16,777,216; o_proj 128 x 128 x 7,168 = 117,440,512: 187,105,280 in all. Before
    the catalog held q_lora_rank the model counted a 128-wide full-rank query, 255,787,008 (37 % more weights
    replicated on every GPU under data-parallel attention); a real full-rank query (DeepSeek-V2-Lite's form)
    is 7,168 x 128 x 192 = 176,160,768 wide, 314,507,264 in all.

    GLM-5 (technical report arXiv:2602.15763, table of architecture: QK head dim 192, V head dim 256, Q LoRA
    2,048, KV LoRA 512, 64 heads, hidden 6,144, 78 layers): q 6,144 x 2,048 + 2,048 x 64 x 256 = 46,137,344;
    kv_a 6,144 x 576 = 3,538,944; kv_b 512 x 64 x 448 = 14,680,064; o 64 x 256 x 6,144 = 100,663,296."""
    from llmplace.sizing.parallel import attention_bytes

    assert attention_bytes(DEEPSEEK, "bf16") == 61 * 187_105_280 * 2
    glm = get_model("glm-5")
    assert (glm.head_dim, glm.v_head_dim, glm.q_lora_rank) == (192, 256, 2048)
    assert attention_bytes(glm, "bf16") == 78 * (46_137_344 + 3_538_944 + 14_680_064 + 100_663_296) * 2
    full_rank = DEEPSEEK.model_copy(update={"q_lora_rank": None})
    assert attention_bytes(full_rank, "bf16") == 61 * 314_507_264 * 2


def test_glm5_prefill_attention_reads_its_wider_value_heads():
    """GLM-5 prefill, plain form: 2 x 64 x (192 + 64 + 256) = 65,536 FLOPs per layer per context token; decode
    over the latent: 2 x 64 x (512 + 64 + 512) = 139,264."""
    prefill, decode = attention_flops_per_token_ctx(get_model("glm-5"))
    assert (prefill, decode) == (78 * 65_536, 78 * 139_264)
