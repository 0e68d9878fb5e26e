"""Memory arithmetic of the sizing engine, pinned on hand-checked cases.

Every expected figure is recomputed by hand in the comment next to it, with its source. Tolerances are
exact where the figure is pure arithmetic on integers, and stated where a catalog parameter count enters.
"""

from __future__ import annotations

import pytest

from llmplace.catalog import get_gpu, get_model, table
from llmplace.catalog.specs import ModelSpec
from llmplace.errors import InputError
from llmplace.sizing import estimate, min_gpus
from llmplace.sizing import memory as mem

GIB = 2**30


def test_kv_llama2_70b_fp16_gqa() -> None:
    # Issue 3 "Done when": 2 (K, V) x 80 layers x 8 KV heads x 128 head dim x 2 bytes = 327,680 B/token
    # (Hugging Face config of meta-llama/Llama-2-70b-hf: num_key_value_heads 8). A multi-head count
    # (64 heads) would give 8x more, 2,621,440: the error grouped-query-unaware calculators make.
    assert mem.kv_bytes_per_token(get_model("llama-2-70b"), "fp16") == 327_680


def test_kv_llama31_8b_bf16() -> None:
    # 2 x 32 layers x 8 KV heads x 128 x 2 bytes = 131,072 B/token (config of meta-llama/Llama-3.1-8B).
    assert mem.kv_bytes_per_token(get_model("llama-3.1-8b"), "bf16") == 131_072


def test_kv_published_opt13b_figure() -> None:
    # Kwon et al. 2023 (vLLM / PagedAttention, section 3): "the KV cache of a single token demands 800 KB
    # of space, calculated as 2 (key and value vectors) x 5120 (hidden state size) x 40 (number of
    # layers) x 2 (bytes per FP16)" = 819,200 B for OPT-13B (multi-head: 40 heads x 128 = 5120).
    opt13b = ModelSpec(id="opt-13b", name="OPT-13B", family="opt", total_params_b=13.0, active_params_b=13.0,
                       layers=40, hidden_size=5120, attention_heads=40, kv_heads=40, head_dim=128,
                       intermediate_size=20480, vocab_size=50272, mlp="relu", context_length=2048,
                       as_of="2022-05", source="facebook/opt-13b config.json")
    assert mem.kv_bytes_per_token(opt13b, "fp16") == 819_200


def test_kv_fp8_halves_and_latent_attention() -> None:
    assert mem.kv_bytes_per_token(get_model("llama-2-70b"), "fp8") == 163_840
    # DeepSeek-V2 paper (arXiv:2405.04434) Table 1: MLA caches (d_c + d_h^R) = 512 + 64 elements per
    # layer; DeepSeek-V3 has 61 layers -> 61 x 576 x 2 bytes (bf16) = 70,272 B/token.
    assert mem.kv_bytes_per_token(get_model("deepseek-v3"), "bf16") == 70_272


def test_weights_llama2_70b_fp8_about_65_gib() -> None:
    # 69.0e9 parameters (catalog, from the checkpoint size); blocks at 1 byte, embedding + LM head
    # (2 x 32,000 x 8,192 = 0.524e9) kept at 2 bytes: 68.476e9 + 1.049e9 = 69.52e9 B = 64.75 GiB.
    w = mem.weight_bytes(get_model("llama-2-70b"), "fp8")
    assert w == pytest.approx(69.52e9, rel=1e-3)
    assert w / GIB == pytest.approx(65.0, rel=0.01)  # "weights of 70B in fp8 ~ 65 GiB"


def test_weights_by_precision_ratios() -> None:
    m = get_model("llama-3.1-70b")
    fp16, fp8, fp4, int4 = (mem.weight_bytes(m, p) for p in ("fp16", "fp8", "fp4", "int4"))
    assert fp16 == pytest.approx(70.6e9 * 2, rel=1e-9)  # every parameter at 2 bytes
    # Block weights: fp8 1 byte, NVFP4 4.5 bits, GPTQ int4 (group 128, fp16 scale + 4-bit zero) 4.16
    # bits; 2 x 1.05e9 embedding parameters stay 16-bit in every case.
    emb = 2 * 128_256 * 8_192
    assert fp8 == pytest.approx((70.6e9 - emb) * 1.0 + emb * 2, rel=1e-9)
    assert fp4 == pytest.approx((70.6e9 - emb) * 0.5625 + emb * 2, rel=1e-9)
    assert int4 < fp4 < fp8 < fp16


def test_moe_memory_uses_total_not_active_params() -> None:
    # Mixtral 8x7B: 46.7B total, 12.9B active. All experts must be resident: fp16 weights ~93 GB.
    m = get_model("mixtral-8x7b")
    assert mem.weight_bytes(m, "fp16") == pytest.approx(46.7e9 * 2, rel=1e-9)
    per_expert, shared = mem.expert_params(m)
    # e = (46.7 - 12.9) / (8 - 2) = 5.633B per expert (all layers); shared = 46.7 - 8 x 5.633 = 1.633B.
    assert per_expert == pytest.approx(5.6333e9, rel=1e-3)
    assert shared + 2 * per_expert == pytest.approx(12.9e9, rel=1e-9)


def test_experts_touched_between_top_k_and_all() -> None:
    m = get_model("mixtral-8x7b")
    assert float(mem.experts_touched(m, 1)) == pytest.approx(2.0)  # batch 1 reads top-k = 2
    # 8 x (1 - 0.75^4) = 5.47 distinct experts for 4 tokens under uniform routing
    assert float(mem.experts_touched(m, 4)) == pytest.approx(8 * (1 - 0.75**4))
    assert float(mem.experts_touched(m, 256)) == pytest.approx(8.0, abs=1e-6)


def test_fp4_weights_keep_an_fp8_kv_cache() -> None:
    # Issue 3 item 7: fp4 weights do not make the KV cache fp4.
    assert mem.default_kv_precision("fp4") == "fp8"
    assert mem.default_kv_precision("fp8") == "fp8"
    assert mem.default_kv_precision("int4") == "fp16"
    r = estimate(get_model("llama-3.3-70b"), get_gpu("b200"), 1, "fp4")
    assert r.kv_precision == "fp8"
    assert r.kv_bytes_per_token == 2 * 80 * 8 * 128 * 1


def test_llama_405b_fp16_does_not_fit_on_8_h100_but_fp8_does() -> None:
    # 405.9e9 x 2 bytes = 811.8 GB of weights > 8 x 80 GB = 640 GB. In fp8 (~407 GB) it fits one 8-GPU
    # H100 server, as Meta's FP8 release of Llama 3.1 405B is served (Hugging Face blog "Llama 3.1 -
    # 405B, 70B & 8B with multilinguality and long context", 2024-07-23).
    m, g = get_model("llama-3.1-405b"), get_gpu("h100-sxm")
    r = estimate(m, g, 8, "fp16")
    assert r.fits is False and r.reason and "weights" in r.reason
    assert r.weights_gib * GIB / 1e9 == pytest.approx(811.8, rel=1e-3)
    assert r.output_tokens_per_s is None and r.max_concurrency == 0
    assert estimate(m, g, 8, "fp8").fits is True
    assert min_gpus(m, g, "fp16", 1000, 1000) is None
    assert min_gpus(m, g, "fp8", 1000, 1000) == 8


@pytest.mark.parametrize(("model", "gpu", "precision", "expected"), [
    ("llama-3.1-8b", "h100-sxm", "fp16", 1),  # 16.1 GB of weights on an 80 GB GPU
    ("llama-3.3-70b", "h200", "fp8", 1),  # 71.7 GB on 141 GB (TensorRT-LLM perf-overview runs it TP1)
    ("llama-3.1-70b", "l40s", "fp16", 4),  # 141.2 GB / 4 = 35.3 GB per 48 GB GPU; / 2 = 70.6 > 43.2 usable
    ("llama-3.1-70b", "a10g", "fp16", 8),  # 141.2 / 8 = 17.7 GB per 24 GB GPU (21.6 usable); / 4 = 35.3
    ("gpt-oss-120b", "h100-sxm", "fp4", 1),  # MXFP4 checkpoint of ~63 GB: one 80 GB GPU (OpenAI model card)
])
def test_min_gpus(model: str, gpu: str, precision: str, expected: int) -> None:
    assert min_gpus(get_model(model), get_gpu(gpu), precision, 1000, 1000) == expected


def test_min_gpus_respects_max_gpus() -> None:
    m, g = get_model("llama-3.1-70b"), get_gpu("l40s")
    assert min_gpus(m, g, "fp16", 1000, 1000, max_gpus=2) is None


def test_max_concurrency_hand_computed() -> None:
    # Llama-3.1-8B bf16 on one H100 (80 GiB = 85.90e9 B x 0.90 usable = 77.31e9), 1,000 + 1,000 tokens per
    # sequence: weights 8.03e9 x 2 = 16.06e9; activations 8,192 x (4 x 4,096 + 2 x 14,336) x 2 + 256 x 128,256
    # x 4 = 0.7382e9 + 0.1313e9; KV per sequence 131,072 x 2,000 = 0.2621e9 -> floor(60.38e9 / 0.2621e9) = 230.
    m, g = get_model("llama-3.1-8b"), get_gpu("h100-sxm")
    act = 8192 * (4 * 4096 + 2 * 14336) * 2 + 256 * 128256 * 4
    expected = int((80 * 2**30 * 0.9 - 8.03e9 * 2 - act) // (131_072 * 2000))
    assert expected == 230
    assert mem.max_concurrency_kv(m, g, 1, "bf16", "bf16", 2000) == expected
    # Tensor parallelism splits the KV heads: two GPUs hold more than twice as many sequences.
    assert mem.max_concurrency_kv(m, g, 2, "bf16", "bf16", 2000) > 2 * expected


def test_kv_heads_replicated_beyond_their_count() -> None:
    # Falcon-7B has one KV head (multi-query): at TP 4 every GPU keeps a copy.
    m = get_model("falcon-7b")
    assert mem.kv_replication(m, 4) == 4.0
    assert mem.kv_bytes_per_token_per_gpu(m, "fp16", 4) == mem.kv_bytes_per_token(m, "fp16")


def test_catalog_parameter_counts_match_architecture() -> None:
    # SwiGLU MLPs have three matrices (gate, up, down), GELU two; recomputing total parameters from
    # each catalog architecture must give the catalog's count within 5 % (biases, norms and Falcon's
    # parallel-attention layout are ignored). A two-matrix SwiGLU count would be ~25 % low for Llama.
    checked = 0
    for m in table("models"):
        n = mem.param_count_from_architecture(m)
        if n is None:
            continue
        assert n / 1e9 == pytest.approx(m.total_params_b, rel=0.05), m.id
        checked += 1
    assert checked >= 10
    llama = get_model("llama-3.1-70b")
    two_matrix = llama.model_copy(update={"mlp": "gelu"})
    assert mem.param_count_from_architecture(two_matrix) < 0.8 * llama.total_params_b * 1e9  # type: ignore[operator]


def test_context_longer_than_the_model_does_not_fit() -> None:
    m, g = get_model("llama-2-7b"), get_gpu("h100-sxm")
    r = estimate(m, g, 1, "fp16", input_tokens=4000, output_tokens=500)
    assert r.fits is False and r.reason and "context length" in r.reason


def test_bad_precision_is_an_input_error() -> None:
    with pytest.raises(InputError) as exc:
        mem.weight_bytes(get_model("llama-2-7b"), "fp12")
    assert exc.value.field == "precision" and "fp8" in exc.value.allowed


def test_sliding_window_layers_hold_at_most_their_window():
    """gpt-oss-120b (config.json: 36 layers, 8 KV heads of 64, every other layer a 128-token window): in fp8 one
    layer holds 2 x 8 x 64 x 1 B = 1,024 B per token, so a 2,000-token sequence holds 1,024 x (18 x 2,000 +
    18 x 128) = 39,223,296 B, not the 1,024 x 36 x 2,000 = 73,728,000 B of full attention on every layer.
    Below the window the two agree; a model without windowed layers is unchanged."""
    from llmplace import catalog
    from llmplace.sizing import memory as mem

    oss = catalog.get_model("gpt-oss-120b")
    assert (oss.layers, oss.sliding_window_layers, oss.sliding_window) == (36, 18, 128)
    assert mem.kv_bytes_per_sequence(oss, "fp8", 2000) == 1024 * (18 * 2000 + 18 * 128)
    assert mem.kv_bytes_per_sequence(oss, "fp8", 100) == mem.kv_bytes_per_token(oss, "fp8") * 100
    llama = catalog.get_model("llama-3.1-8b")
    assert mem.kv_bytes_per_sequence(llama, "fp8", 2000) == mem.kv_bytes_per_token(llama, "fp8") * 2000
    h100 = catalog.get_gpu("h100-sxm")
    windowed = mem.max_concurrency_kv(oss, h100, 1, "mxfp4", "fp8", 2000)
    cap = mem.kv_capacity_bytes_per_gpu(oss, h100, 1, "mxfp4")
    assert windowed == int(cap // (1024 * (18 * 2000 + 18 * 128)))
    assert windowed > 1.8 * int(cap // (1024 * 36 * 2000))
