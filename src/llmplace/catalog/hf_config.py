"""A model catalog row from a Hugging Face ``config.json``.

:func:`model_from_hf_config` maps the architecture fields that sizing reads (layers, widths, attention
heads, experts, latent attention, sliding-window and linear-attention layers, multi-token prediction)
onto a :class:`~llmplace.catalog.specs.ModelSpec`. A field it does not know is an error that names it:
an unknown field may change memory or speed, so it is never silently dropped. Fields known to leave
sizing unchanged (token ids, rope scaling, initialisation, dtype ...) are listed in
:data:`IGNORED_FIELDS`; ``ignore`` accepts more when the user vouches for them.

Parameter counts are recomputed from the architecture when not given (see :func:`param_counts`):
norms, biases and multi-token-prediction heads are left out, as model cards do (DeepSeek-V3's 671B
excludes its 14B MTP module, arXiv 2412.19437 section 4.2).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from .specs import ModelSpec

__all__ = ["IGNORED_FIELDS", "MAPPED_FIELDS", "model_from_hf_config", "model_from_hf_file", "param_counts"]

# config.json keys read here, by ModelSpec field (first key present wins).
_KEYS: dict[str, tuple[str, ...]] = {
    "layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "attention_heads": ("num_attention_heads", "n_head"),
    "kv_heads": ("num_key_value_heads", "num_kv_heads", "n_head_kv"),
    "head_dim": ("head_dim", "qk_nope_head_dim"),
    "intermediate_size": ("intermediate_size_mlp", "intermediate_size", "n_inner", "ffn_hidden_size"),
    "moe_intermediate_size": ("moe_intermediate_size",),
    "vocab_size": ("vocab_size",),
    "experts": ("n_routed_experts", "num_experts", "num_local_experts"),
    "experts_per_token": ("num_experts_per_tok", "experts_per_token", "num_experts_per_token"),
    "shared_experts": ("n_shared_experts",),
    "dense_layers": ("first_k_dense_replace",),
    "kv_lora_rank": ("kv_lora_rank",),
    "rope_head_dim": ("qk_rope_head_dim",),
    "q_lora_rank": ("q_lora_rank",),
    "v_head_dim": ("v_head_dim",),
    "tied_embeddings": ("tie_word_embeddings",),
    "context_length": ("max_position_embeddings", "n_positions", "seq_length"),
    "sliding_window": ("sliding_window",),
    "mtp_layers": ("num_nextn_predict_layers", "num_mtp_modules", "mtp_num_hidden_layers"),
}

MAPPED_FIELDS: frozenset[str] = frozenset(k for keys in _KEYS.values() for k in keys) | {
    "text_config", "layer_types", "use_sliding_window", "max_window_layers", "sliding_window_pattern",
    "interleave_moe_layer_step", "shared_expert_intermediate_size", "hidden_act", "hidden_activation",
    "multi_query", "q_lora_rank", "v_head_dim", "full_attention_interval", "shared_intermediate_size",
    "attn_type_list", "use_mtp", "mtp_transformer_layers", "qk_head_dim",
    # linear-attention layers (Gated DeltaNet): their fixed-size state is not a KV cache; counted in layer_types
    "linear_conv_kernel_dim", "linear_key_head_dim", "linear_num_key_heads", "linear_num_value_heads",
    "linear_value_head_dim", "mamba_ssm_dtype", "attn_output_gate", "mtp_use_dedicated_embeddings",
    "attention_chunk_size",
}
"""config.json keys this importer reads."""

IGNORED_FIELDS: frozenset[str] = frozenset({
    # identity and bookkeeping
    "architectures", "model_type", "auto_map", "transformers_version", "torch_dtype", "dtype", "_name_or_path",
    "quantization_config", "compression_config", "use_cache", "pretraining_tp", "initializer_range",
    "initializer_factor", "keys_to_ignore_at_inference", "output_router_logits", "return_dict", "is_decoder",
    # token ids
    "bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id", "image_token_index",
    "image_token_id", "video_token_id", "boi_token_index", "eoi_token_index", "vision_start_token_id",
    "vision_end_token_id",
    # positions and numerics that leave memory and FLOPs unchanged
    "rope_theta", "rope_scaling", "rope_parameters", "rope_type", "partial_rotary_factor", "rope_interleave",
    "rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon", "norm_eps", "attention_dropout", "hidden_dropout",
    "resid_pdrop", "embd_pdrop", "attn_pdrop", "dropout", "attention_bias", "mlp_bias", "qkv_bias", "use_qk_norm",
    "qk_layernorm", "attn_temperature_tuning", "floor_scale", "attn_scale", "no_rope_layers",
    "no_rope_layer_interval", "query_pre_attn_scalar", "final_logit_softcapping", "attn_logit_softcapping",
    "rope_local_base_freq", "use_bidirectional_attention", "swiglu_limit",
    "router_aux_loss_coef", "router_z_loss_coef", "router_jitter_noise", "aux_loss_alpha", "seq_aux",
    "norm_topk_prob", "routed_scaling_factor", "scoring_func", "topk_method", "n_group", "topk_group",
    "ep_size", "moe_layer_freq", "moe_router_dtype", "decoder_sparse_step", "mlp_only_layers",
    "ffn_hidden_act", "router_dtype", "tie_word_embedding", "use_mrope", "mrope_section",
    "initial_context_length", "rotary_dim", "qk_norm_type", "use_routing_bias", "language_model_only",
    # generic defaults older transformers versions serialise into every config
    "add_cross_attention", "bad_words_ids", "begin_suppress_tokens", "chunk_size_feed_forward",
    "cross_attention_hidden_size", "diversity_penalty", "do_sample", "early_stopping",
    "encoder_no_repeat_ngram_size", "exponential_decay_length_penalty", "finetuning_task", "forced_bos_token_id",
    "forced_eos_token_id", "id2label", "label2id", "is_encoder_decoder", "length_penalty", "max_length",
    "min_length", "no_repeat_ngram_size", "num_beam_groups", "num_beams", "num_return_sequences",
    "output_attentions", "output_hidden_states", "output_scores", "prefix", "problem_type", "pruned_heads",
    "remove_invalid_values", "repetition_penalty", "return_dict_in_generate", "sep_token_id", "suppress_tokens",
    "task_specific_params", "temperature", "tf_legacy_loss", "tie_encoder_decoder", "tokenizer_class", "top_k",
    "top_p", "torchscript", "typical_p", "use_bfloat16", "ignore_index",
    # multimodal parts served beside the language model (not sized here)
    "vision_config", "audio_config", "mm_tokens_per_image", "media_placeholder_token_id",
})
"""config.json keys known to leave the sized quantities unchanged."""

_GATED = ("silu", "swiglu", "swish")


def _text_part(config: Mapping[str, Any]) -> dict[str, Any]:
    """A multimodal config's language-model part merged over its top level."""
    flat = {k: v for k, v in config.items() if k != "text_config"}
    text = config.get("text_config")
    if isinstance(text, Mapping):
        flat.update(text)
    return flat


def _first(cfg: Mapping[str, Any], field: str) -> Any:
    for key in _KEYS[field]:
        if cfg.get(key) is not None:
            return cfg[key]
    return None


def _check_known(config: Mapping[str, Any], ignore: Iterable[str], field: str) -> None:
    allowed = MAPPED_FIELDS | IGNORED_FIELDS | set(ignore)
    unknown = sorted(k for k in _text_part(config) if k not in allowed and not k.startswith("_"))
    if unknown:
        raise InputError(field, "fields " + ", ".join(unknown), "fields llmplace understands",
                         "they may change memory or speed; if they do not, list them in --ignore "
                         "(command line) or model.hf_config_ignore (scenario)")


def _layer_kinds(cfg: Mapping[str, Any], layers: int) -> tuple[int, int, int | None]:
    """(sliding-window layers, linear-attention layers, window) from ``layer_types`` or the older flags.

    Chunked local attention (Llama 4's ``attention_chunk_size``) is counted as a window of the chunk
    size: a chunked layer never holds more than one chunk of keys and values per sequence.
    """
    window = cfg.get("sliding_window")
    kinds = cfg.get("layer_types")
    if isinstance(kinds, list) and kinds:
        sliding = sum(1 for k in kinds if "sliding" in str(k))
        linear = sum(1 for k in kinds if "linear" in str(k) or "mamba" in str(k))
        return sliding, linear, (int(window) if sliding and window else None)
    types = cfg.get("attn_type_list")  # MiniMax: 1 = softmax attention, 0 = lightning (linear) attention
    if isinstance(types, list) and len(types) == layers:
        return 0, sum(1 for t in types if t == 0), None
    chunk = cfg.get("attention_chunk_size")  # Llama 4: chunked local attention, every n-th layer global (NoPE)
    if chunk:
        every = int(cfg.get("no_rope_layer_interval") or 4)  # transformers' Llama4TextConfig default
        return layers - layers // every, 0, int(chunk)
    interval = cfg.get("full_attention_interval")
    if interval:  # one full-attention layer every `interval`, linear attention between
        return 0, layers - layers // int(interval), None
    if not window or cfg.get("use_sliding_window") is False:
        return 0, 0, None
    pattern = cfg.get("sliding_window_pattern")  # Gemma 3: every pattern-th layer is global
    sliding = layers - layers // int(pattern) if pattern else layers
    return sliding, 0, int(window)


def _mlp(cfg: Mapping[str, Any]) -> str:
    act = str(cfg.get("hidden_act") or cfg.get("hidden_activation") or "silu").lower()
    if act in _GATED:
        return "swiglu"
    gated = str(cfg.get("model_type", "")).startswith("gemma")
    return "geglu" if gated else "gelu"


def _architecture(cfg: Mapping[str, Any], field: str) -> dict[str, Any]:
    """ModelSpec architecture fields read from a flattened config."""
    missing = [f for f in ("layers", "hidden_size", "attention_heads") if _first(cfg, f) is None]
    if missing:
        raise InputError(field, "no " + " / ".join(_KEYS[missing[0]]), "a config.json giving "
                         + ", ".join(_KEYS[m][0] for m in missing))
    arch = {f: _first(cfg, f) for f in _KEYS}
    for f in ("layers", "hidden_size", "attention_heads"):
        if isinstance(arch[f], bool) or not isinstance(arch[f], int) or arch[f] <= 0:
            raise InputError(field, f"{_KEYS[f][0]}={arch[f]!r}", f"a whole number > 0 for {_KEYS[f][0]}")
    heads = int(arch["attention_heads"])
    if arch["kv_heads"] is None:
        arch["kv_heads"] = 1 if cfg.get("multi_query") else heads
    if arch["kv_lora_rank"] is None:  # the query rank and value width are latent-attention fields
        arch["q_lora_rank"] = arch["v_head_dim"] = None
    elif cfg.get("qk_nope_head_dim"):  # GLM-5 also gives a 64-wide head_dim its latent attention does not use
        arch["head_dim"] = int(cfg["qk_nope_head_dim"])
    if arch["head_dim"] is None:
        arch["head_dim"] = int(arch["hidden_size"]) // heads
    experts = int(arch["experts"] or 1)
    arch["experts"] = experts
    arch["experts_per_token"] = int(arch["experts_per_token"] or 1) if experts > 1 else 1
    if experts > 1 and arch["moe_intermediate_size"] is None:  # Mixtral, MiniMax, gpt-oss, Llama 4
        arch["moe_intermediate_size"] = cfg.get("intermediate_size")
    if arch["shared_experts"] is None:
        shared_width = cfg.get("shared_expert_intermediate_size") or cfg.get("shared_intermediate_size")
        arch["shared_experts"] = 1 if shared_width or cfg.get("model_type") in ("llama4_text", "llama4") else 0
    step = cfg.get("interleave_moe_layer_step")
    if experts > 1 and arch["dense_layers"] is None and step and int(step) > 1:
        arch["dense_layers"] = int(arch["layers"]) - int(arch["layers"]) // int(step)
    arch["dense_layers"] = int(arch["dense_layers"] or 0)
    arch["tied_embeddings"] = bool(arch["tied_embeddings"])
    arch["mtp_layers"] = int(arch["mtp_layers"] or 0) if cfg.get("use_mtp", True) else 0
    sliding, linear, window = _layer_kinds(cfg, int(arch["layers"]))
    arch.update(sliding_window=window, sliding_window_layers=sliding, linear_attention_layers=linear, mlp=_mlp(cfg))
    return {k: v for k, v in arch.items() if v is not None}


def _attention_params(cfg: Mapping[str, Any], arch: Mapping[str, Any]) -> float:
    h, heads = arch["hidden_size"], arch["attention_heads"]
    rank = arch.get("kv_lora_rank")
    if rank is None:
        d = arch["head_dim"]
        return float(h * heads * d * 2 + h * arch["kv_heads"] * d * 2)
    rope, nope = arch.get("rope_head_dim") or 0, arch["head_dim"]
    v = int(arch.get("v_head_dim") or nope)
    q_rank = arch.get("q_lora_rank")
    q = (h * q_rank + q_rank * heads * (nope + rope)) if q_rank else h * heads * (nope + rope)
    return float(q + h * (rank + rope) + rank * heads * (nope + v) + heads * v * h)


def param_counts(cfg: Mapping[str, Any], arch: Mapping[str, Any]) -> tuple[float, float]:
    """(total, active) parameters [parameters] recomputed from the architecture.

    Attention (grouped-query or latent) on every layer, a dense MLP on the dense layers, routed plus
    shared experts and the router on the MoE layers; embeddings (and an untied LM head). Linear-attention
    layers are counted as full attention, an approximation within a few per cent of the whole model.
    """
    h, layers = arch["hidden_size"], arch["layers"]
    mats = 3 if arch["mlp"] in ("swiglu", "geglu") else 2
    attn = _attention_params(cfg, arch) * layers
    inter = arch.get("intermediate_size") or 4 * h
    emb = float(arch.get("vocab_size", 0) * h) * (1 if arch["tied_embeddings"] else 2)
    if arch["experts"] <= 1:
        total = attn + layers * mats * h * inter + emb
        return total, total
    moe_layers = layers - arch["dense_layers"]
    expert = mats * h * (arch.get("moe_intermediate_size") or inter)
    shared_inter = cfg.get("shared_expert_intermediate_size") or cfg.get("shared_intermediate_size") or 0
    shared = mats * h * float(shared_inter) or arch["shared_experts"] * expert
    base = attn + arch["dense_layers"] * mats * h * inter + moe_layers * (shared + h * arch["experts"]) + emb
    return base + moe_layers * arch["experts"] * expert, base + moe_layers * arch["experts_per_token"] * expert


def model_from_hf_config(config: Mapping[str, Any], model_id: str, *, source: str, as_of: str,
                         name: str | None = None, total_params_b: float | None = None,
                         active_params_b: float | None = None, ignore: Iterable[str] = (),
                         aliases: Iterable[str] = (), field: str = "config.json") -> ModelSpec:
    """A :class:`ModelSpec` for ``config`` (a parsed Hugging Face ``config.json``).

    Raises :class:`~llmplace.errors.InputError` naming any field it does not understand (unless listed in
    ``ignore``) and any required field that is missing.
    """
    if not isinstance(config, Mapping):
        raise InputError(field, type(config).__name__, "a JSON object")
    _check_known(config, ignore, field)
    cfg = _text_part(config)
    arch = _architecture(cfg, field)
    total, active = param_counts(cfg, arch)
    fields = {
        **arch, "id": model_id, "name": name or model_id, "aliases": tuple(aliases),
        "family": str(cfg.get("model_type") or "custom").split("_")[0],
        "total_params_b": total_params_b or round(total / 1e9, 2),
        "active_params_b": active_params_b or round(active / 1e9, 2),
        "context_length": arch.get("context_length") or 4096, "as_of": as_of, "source": source,
        "notes": None if total_params_b else
        "parameter counts recomputed from config.json (norms and MTP heads left out)",
    }
    try:
        return ModelSpec(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"{field} {'.'.join(str(p) for p in err['loc'])}", err.get("input"), err["msg"]) from None


def model_from_hf_file(path: str | Path, model_id: str, ignore: Iterable[str] = (), field: str = "config.json",
                       **kwargs: Any) -> ModelSpec:
    """:func:`model_from_hf_config` of the ``config.json`` file at ``path``.

    The row's ``source`` names the file and its ``as_of`` is the file's modification date. A missing,
    unreadable or non-JSON file is an :class:`~llmplace.errors.InputError` on ``field``.
    """
    p = Path(path)
    try:
        config = json.loads(p.read_text(encoding="utf-8"))
        as_of = dt.date.fromtimestamp(p.stat().st_mtime).isoformat()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(field, str(path), "a readable config.json file", type(exc).__name__) from None
    except json.JSONDecodeError as exc:
        raise InputError(field, str(path), "a JSON file", f"line {exc.lineno}: {exc.msg}") from None
    return model_from_hf_config(config, model_id, source=f"Hugging Face config.json read from {p.name}",
                                as_of=as_of, ignore=ignore, field=field, **kwargs)
