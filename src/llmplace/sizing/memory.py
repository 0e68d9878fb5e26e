"""Memory arithmetic: weights, KV cache, reserve, fit and the largest concurrency.

Pure functions of a :class:`~llmplace.catalog.specs.ModelSpec` (architecture) and a
:class:`~llmplace.catalog.specs.GpuSpec` (memory). Bytes are SI bytes; ``*_gib`` values are 2^30 bytes.
Token counts and batch sizes may be numpy arrays (they broadcast).

References
----------
- KV cache per token = 2 (K and V) x layers x KV heads x head dim x bytes per element: Pope et al.,
  "Efficiently Scaling Transformer Inference" (2022), section 3; grouped-query attention (Ainslie et al.
  2023) stores only the KV heads, so Llama-2-70B in fp16 holds 2 x 80 x 8 x 128 x 2 = 327,680 bytes per
  token, not the 2,621,440 a multi-head count gives.
- Multi-head latent attention (DeepSeek-V2, arXiv:2405.04434, section 2.1) caches one latent of
  ``kv_lora_rank + rope_head_dim`` elements per layer and token.
- Reserve: vLLM's ``gpu_memory_utilization`` defaults to 0.90 and TensorRT-LLM's
  ``kv_cache_free_gpu_mem_fraction`` to 0.90; both leave the rest for the CUDA context, NCCL buffers,
  CUDA graphs and fragmentation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..catalog.specs import GpuSpec, ModelSpec
from ..errors import not_one_of

__all__ = [
    "PRECISIONS",
    "WEIGHT_BYTES_PER_PARAM",
    "KV_BYTES_PER_ELEMENT",
    "MEMORY_UTILIZATION",
    "PREFILL_CHUNK_TOKENS",
    "TP_DEGREES",
    "FP4_FORMATS",
    "GIB",
    "activation_bytes_per_gpu",
    "check_precision",
    "default_kv_precision",
    "embedding_params",
    "expert_params",
    "experts_touched",
    "fit_reason",
    "kv_bytes_per_sequence",
    "kv_bytes_per_token",
    "resolve_precision",
    "kv_bytes_per_token_per_gpu",
    "kv_capacity_bytes_per_gpu",
    "max_concurrency_kv",
    "param_count_from_architecture",
    "usable_bytes_per_gpu",
    "weight_bytes",
    "weight_bytes_per_gpu",
]

GIB = 2**30

PRECISIONS = ("fp16", "bf16", "fp8", "int8", "int4", "mxfp4", "nvfp4", "fp4")
"""Weight precisions. ``fp4`` is a deprecated alias read per GPU (:func:`resolve_precision`)."""

FP4_FORMATS = ("mxfp4", "nvfp4")
"""The two 4-bit float formats: MXFP4 (OCP microscaling: 32-element blocks, one E8M0 scale) and NVFP4
(NVIDIA: 16-element blocks, one fp8 E4M3 scale, plus one fp32 scale per tensor)."""

# Bytes per weight. int4: GPTQ/AWQ with group size 128, one fp16 scale and one 4-bit zero point per group:
# 4 + (16 + 4) / 128 = 4.16 bits. mxfp4: 4 + 8 / 32 = 4.25 bits (OCP Microscaling Formats (MX) v1.0
# specification, 2023). nvfp4: 4 + 8 / 16 = 4.5 bits (NVIDIA, "Introducing NVFP4", 2025).
WEIGHT_BYTES_PER_PARAM: dict[str, float] = {
    "fp16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": (4 + 20 / 128) / 8,
    "mxfp4": 4.25 / 8,
    "nvfp4": 4.5 / 8,
    "fp4": 4.5 / 8,
}

# Bytes per cached K or V element. 4-bit KV caches exist (NVFP4 KV on Blackwell) but are never the default.
KV_BYTES_PER_ELEMENT: dict[str, float] = {
    "fp16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 4.5 / 8,
    "mxfp4": 4.25 / 8,
    "nvfp4": 4.5 / 8,
    "fp4": 4.5 / 8,
}

# Embedding and LM-head matrices stay in 16-bit in fp8 (TensorRT-LLM, vLLM), GPTQ/AWQ int4 and NVFP4
# checkpoints alike; only the transformer blocks' linear layers are quantised.
EMBEDDING_BYTES_PER_PARAM = 2.0

MEMORY_UTILIZATION = 0.90
"""Share of each GPU's memory the engine may use (vLLM ``gpu_memory_utilization`` default)."""

PREFILL_CHUNK_TOKENS = 8192
"""Tokens in one forward pass whose activations must fit beside the KV cache (chunked-prefill budget)."""

TP_DEGREES = (1, 2, 4, 8)
"""Tensor-parallel degrees inside one server."""

_ATTENTION_LINEAR_MATRICES = 4  # q, k, v, o projections (k and v sized by the KV heads)


def check_precision(value: str, field: str = "precision") -> str:
    """Normalised precision name, or :class:`InputError` naming the allowed values."""
    p = str(value).strip().lower()
    if p not in PRECISIONS:
        raise not_one_of(field, value, PRECISIONS)
    return p


def resolve_precision(precision: str, gpu: GpuSpec, field: str = "precision") -> tuple[str, str | None]:
    """(precision to size with, deprecation note or None) for weights in ``precision`` on ``gpu``.

    The deprecated ``fp4`` names no format: it is read as ``nvfp4`` on a GPU with FP4 tensor cores
    (Blackwell: the format its tensor cores and NVIDIA's checkpoints use) and as ``mxfp4`` elsewhere (the
    format of the open 4-bit checkpoints, e.g. gpt-oss, which Hopper and older run weight-only).
    """
    p = check_precision(precision, field)
    if p != "fp4":
        return p, None
    real = "nvfp4" if gpu.fp4_dense_tflops else "mxfp4"
    why = "FP4 tensor cores" if gpu.fp4_dense_tflops else "no FP4 tensor cores: weight-only, 16-bit compute"
    return real, f"{field} 'fp4' is deprecated: read as {real} on {gpu.id} ({why}); write mxfp4 or nvfp4"


def default_kv_precision(precision: str) -> str:
    """KV-cache precision an engine uses by default for weights in ``precision``.

    fp8 and fp4 checkpoints run with an fp8 KV cache (TensorRT-LLM quantisation recipes, MLPerf
    submissions, vLLM ``--kv-cache-dtype fp8``); fp4 weights never make the cache 4-bit. Weight-only
    int8/int4 checkpoints keep a 16-bit cache. 16-bit weights keep their own type.
    """
    p = check_precision(precision)
    if p in ("fp8", "fp4", *FP4_FORMATS):
        return "fp8"
    if p in ("fp16", "bf16"):
        return p
    return "fp16"


def embedding_params(model: ModelSpec) -> tuple[float, float]:
    """(input-embedding params, LM-head params) [parameters]. A tied head shares the input matrix."""
    emb = float(model.vocab_size or 0) * model.hidden_size
    return emb, (0.0 if model.tied_embeddings else emb)


def expert_params(model: ModelSpec) -> tuple[float, float]:
    """(params of one routed expert summed over the MoE layers, params every token uses) [parameters].

    Derived from the catalog's totals alone: total = shared + E x e and active = shared + k x e give
    e = (total - active) / (E - k). Dense models: (0, total).
    """
    total = model.total_params_b * 1e9
    if not model.is_moe or model.experts <= model.experts_per_token:
        return 0.0, total
    active = model.active_params_b * 1e9
    per_expert = max(total - active, 0.0) / (model.experts - model.experts_per_token)
    return per_expert, total - model.experts * per_expert


def experts_touched(model: ModelSpec, tokens: Any) -> Any:
    """Expected distinct routed experts a batch of ``tokens`` tokens reads per MoE layer [experts].

    Uniform routing of top-k among E experts: E x (1 - (1 - k/E)^tokens). Batch 1 reads k experts, a
    large batch reads all E (not top-k: the popular shortcut that under-counts decode bytes).
    """
    if not model.is_moe:
        return np.ones_like(np.asarray(tokens, dtype=float))
    e, k = float(model.experts), float(model.experts_per_token)
    t = np.maximum(np.asarray(tokens, dtype=float), 1.0)
    return e * (1.0 - (1.0 - k / e) ** t)


def param_count_from_architecture(model: ModelSpec) -> float | None:
    """Total parameters recomputed from the architecture [parameters], or None where it cannot be.

    SwiGLU MLPs have three matrices (gate, up, down), GELU MLPs two. Norms and biases are ignored
    (< 0.1 %). Used by tests to check the catalog's ``total_params_b``. Latent-attention models
    (``kv_lora_rank`` set) and models with linear-attention layers (whose projections differ from
    attention's) are not recomputed.
    """
    if model.kv_lora_rank is not None or model.intermediate_size is None or model.linear_attention_layers:
        return None
    h, d = model.hidden_size, model.head_dim
    attn = h * model.attention_heads * d * 2 + h * model.kv_heads * d * 2
    mats = 3 if model.mlp.lower() in ("swiglu", "geglu", "glu") else 2
    dense_mlp = mats * h * model.intermediate_size
    if model.is_moe:
        inter = model.moe_intermediate_size or model.intermediate_size
        moe_mlp = mats * h * inter * (model.experts + model.shared_experts) + h * model.experts
        moe_layers = model.layers - model.dense_layers
        body = model.layers * attn + model.dense_layers * dense_mlp + moe_layers * moe_mlp
    else:
        body = model.layers * (attn + dense_mlp)
    emb, head = embedding_params(model)
    return float(body + emb + head)


def weight_bytes(model: ModelSpec, precision: str) -> float:
    """Bytes of all weights [B]: total (not active) parameters, since every expert must be resident.

    Transformer-block weights at ``precision``; embedding and LM head at 16-bit.
    """
    p = check_precision(precision)
    total = model.total_params_b * 1e9
    emb, head = embedding_params(model)
    emb_all = min(emb + head, total)
    return (total - emb_all) * WEIGHT_BYTES_PER_PARAM[p] + emb_all * EMBEDDING_BYTES_PER_PARAM


def weight_bytes_per_gpu(model: ModelSpec, precision: str, gpus: int) -> float:
    """Weights held by each GPU under tensor parallelism over ``gpus`` GPUs [B] (even sharding)."""
    return weight_bytes(model, precision) / gpus


def kv_bytes_per_token(model: ModelSpec, kv_precision: str) -> float:
    """KV-cache bytes one token holds across the whole model [B/token].

    2 x layers x KV heads x head dim x bytes (grouped- and multi-query aware); latent attention:
    layers x (kv_lora_rank + rope_head_dim) x bytes. Linear-attention layers (Gated DeltaNet, Mamba:
    ``linear_attention_layers``) keep a fixed-size state instead of a KV cache and are not counted;
    sliding-window layers are counted in full here (per token of context); :func:`kv_bytes_per_sequence`
    caps them at their window.
    """
    b = KV_BYTES_PER_ELEMENT[check_precision(kv_precision, "kv_precision")]
    layers = model.layers - model.linear_attention_layers
    if model.kv_lora_rank is not None:
        return float(layers * (model.kv_lora_rank + (model.rope_head_dim or 0)) * b)
    return float(2 * layers * model.kv_heads * model.head_dim * b)


def kv_bytes_per_sequence(model: ModelSpec, kv_precision: str, context_tokens: Any) -> Any:
    """KV-cache bytes one sequence of ``context_tokens`` tokens holds across the whole model [B].

    :func:`kv_bytes_per_token` x context, except that a sliding-window layer keeps at most its window
    (``sliding_window`` tokens): the engines allocate a windowed layer's cache up to the window (vLLM's
    sliding-window KV manager, TensorRT-LLM's cyclic KV cache), so gpt-oss (every other layer a 128-token
    window) or Gemma 3 (5 of 6 layers a 1,024-token window) hold far less than a full-attention model of
    the same shape. Vectorised in context. (The decode step's KV reads in :mod:`.performance` still count a
    windowed layer at the full context: an upper bound on its time.)
    """
    ctx = np.asarray(context_tokens, dtype=float)
    per_token = kv_bytes_per_token(model, kv_precision)
    if not model.sliding_window_layers or model.sliding_window is None:
        return per_token * ctx
    layers = model.layers - model.linear_attention_layers
    per_layer = per_token / layers
    full = layers - model.sliding_window_layers
    return per_layer * (full * ctx + model.sliding_window_layers * np.minimum(ctx, float(model.sliding_window)))


def kv_replication(model: ModelSpec, gpus: int) -> float:
    """How many copies of each KV head tensor parallelism keeps (>= 1).

    With fewer KV heads than GPUs each GPU still holds one head (vLLM/TensorRT-LLM replicate them); a
    latent-attention cache is replicated on every GPU.
    """
    if model.kv_lora_rank is not None:
        return float(gpus)
    return max(1.0, gpus / model.kv_heads)


def kv_bytes_per_token_per_gpu(model: ModelSpec, kv_precision: str, gpus: int) -> float:
    """KV-cache bytes one token occupies on each GPU of a tensor-parallel group [B/token]."""
    return kv_bytes_per_token(model, kv_precision) * kv_replication(model, gpus) / gpus


def activation_bytes_per_gpu(model: ModelSpec, gpus: int, chunk_tokens: int = PREFILL_CHUNK_TOKENS) -> float:
    """Peak activation workspace of one forward pass of ``chunk_tokens`` tokens on each GPU [B].

    16-bit residual stream, attention output and MLP intermediate (x2 for gated MLPs) of the chunk, plus
    fp32 logits for 256 sampled rows. An order-of-magnitude reserve (1-2 GB for 70B models), not a profile.
    """
    inter = model.moe_intermediate_size if model.is_moe and model.moe_intermediate_size else (
        model.intermediate_size or 4 * model.hidden_size)
    per_token = 4 * model.hidden_size + 2 * inter / gpus
    logits = 256 * float(model.vocab_size or 32000) * 4 / gpus
    return chunk_tokens * per_token * 2.0 + logits


def usable_bytes_per_gpu(gpu: GpuSpec, memory_utilization: float = MEMORY_UTILIZATION) -> float:
    """Memory the engine may allocate on one GPU [B] (catalog memory read as GiB x utilisation).

    HBM capacities are binary sizes: the cloud catalogs' GPU records list an "80 GB" H100 or A100
    as 81,920 MiB (skypilot-catalog GpuInfo, as read into the bundled clouds.csv), so the catalog's
    ``memory_gb`` is taken as GiB. GDDR cards expose a little less (AWS lists 22,888 MiB for a
    24 GB L4); the utilisation factor absorbs that.
    """
    return gpu.memory_gb * 2**30 * memory_utilization


def kv_capacity_bytes_per_gpu(model: ModelSpec, gpu: GpuSpec, gpus: int, precision: str) -> float:
    """Memory left for the KV cache on each GPU after weights and activations [B] (may be negative)."""
    return (usable_bytes_per_gpu(gpu) - weight_bytes_per_gpu(model, precision, gpus)
            - activation_bytes_per_gpu(model, gpus))


def max_concurrency_kv(model: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, kv_precision: str,
                       context_tokens: Any) -> Any:
    """Largest number of sequences of ``context_tokens`` tokens whose KV cache fits [sequences].

    Every sequence reserves its full context (input + output), as TensorRT-LLM's default
    ``GUARANTEED_NO_EVICT`` scheduler does. Returns 0 where not even one fits. Vectorised in context.
    """
    cap = kv_capacity_bytes_per_gpu(model, gpu, gpus, precision)
    per_seq = kv_bytes_per_sequence(model, kv_precision, context_tokens) * kv_replication(model, gpus) / gpus
    n = np.floor(np.maximum(cap, 0.0) / np.maximum(per_seq, 1e-9))
    return n if np.ndim(n) else int(n)


def fit_reason(model: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, kv_precision: str,
               context_tokens: int) -> str | None:
    """Why ``model`` cannot serve one sequence of ``context_tokens`` on ``gpus`` x ``gpu``; None if it can."""
    if context_tokens > model.context_length:
        return (f"input + output = {context_tokens:,} tokens exceeds {model.id}'s context length of "
                f"{model.context_length:,} tokens")
    usable = usable_bytes_per_gpu(gpu)
    w = weight_bytes_per_gpu(model, precision, gpus)
    act = activation_bytes_per_gpu(model, gpus)
    if w + act > usable:
        return (f"weights need {w / GIB:,.1f} GiB per GPU (+{act / GIB:,.1f} GiB activations) but only "
                f"{usable / GIB:,.1f} GiB of {gpu.id}'s memory is usable ({MEMORY_UTILIZATION:.0%}) "
                f"at tensor parallelism {gpus}")
    if max_concurrency_kv(model, gpu, gpus, precision, kv_precision, context_tokens) < 1:
        need = kv_bytes_per_token_per_gpu(model, kv_precision, gpus) * context_tokens
        return (f"no room for the KV cache of one {context_tokens:,}-token sequence "
                f"({need / GIB:,.2f} GiB per GPU) after {w / GIB:,.1f} GiB of weights per GPU")
    return None


def ceil_div(a: float, b: float) -> int:
    """Smallest whole number >= a / b."""
    return int(math.ceil(a / b - 1e-12))
