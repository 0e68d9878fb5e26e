"""A model the catalog lacks, read from its Hugging Face config.json (catalog/hf_config.py).

The fixtures in tests/fixtures/hf_configs are real config.json files; their sources are in the README
beside them. Parameter counts are checked against the makers' published figures, KV-cache sizes against
the arithmetic of sizing/memory.py's references (Pope et al. 2022 for grouped-query attention, DeepSeek-V2
section 2.1 for latent attention).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmplace import load_scenario
from llmplace.catalog import model_from_hf_config, model_from_hf_file
from llmplace.errors import InputError
from llmplace.options import resolve_model
from llmplace.sizing import memory as mem

FIXTURES = Path(__file__).parent / "fixtures" / "hf_configs"
ROOT = Path(__file__).resolve().parents[1]


def _read(name: str) -> dict[str, object]:
    return json.loads((FIXTURES / f"{name}.config.json").read_text(encoding="utf-8"))


def test_llama_3_3_70b_dense_gqa() -> None:
    """70.6B per the Hugging Face safetensors size (the catalog's llama-3.3-70b row); the recount leaves out
    norms (80 x 2 x 8192 + 8192 = 1.3M, under 0.01 %), so 1 % is ample. KV per token in fp16:
    2 (K, V) x 80 layers x 8 KV heads x 128 x 2 bytes = 327,680 B."""
    m = model_from_hf_file(FIXTURES / "Llama-3.3-70B-Instruct.config.json", "llama-3.3-70b-import")
    assert (m.layers, m.hidden_size, m.attention_heads, m.kv_heads, m.head_dim) == (80, 8192, 64, 8, 128)
    assert m.total_params_b == pytest.approx(70.6, rel=0.01)
    assert m.active_params_b == m.total_params_b and not m.is_moe
    assert mem.kv_bytes_per_token(m, "fp16") == 327_680
    assert m.context_length == 131_072 and m.source.endswith("Llama-3.3-70B-Instruct.config.json")


def test_qwen3_next_hybrid_attention_holds_kv_only_in_its_full_attention_layers() -> None:
    """Qwen3-Next puts one full-attention layer every full_attention_interval = 4 layers and Gated DeltaNet
    (a fixed-size state, no KV cache) between: 48 / 4 = 12 layers hold KV. fp16 KV per token =
    2 x 12 x 2 KV heads x 256 x 2 B = 24,576 B; counting all 48 layers (the old formula) gave 98,304.
    Published: 80B total, 3B activated (model card). The recount treats linear-attention projections as
    attention ones (documented in param_counts) and "A3B" is a rounded name: 5 % and 15 %."""
    m = model_from_hf_config(_read("Qwen3-Next-80B-A3B-Thinking"), "qwen3-next", source="test", as_of="2025-09")
    assert (m.linear_attention_layers, m.full_attention_layers, m.sliding_window_layers) == (36, 12, 0)
    assert (m.experts, m.experts_per_token, m.shared_experts) == (512, 10, 1)
    assert mem.kv_bytes_per_token(m, "fp16") == 24_576
    assert m.total_params_b == pytest.approx(80, rel=0.05)
    assert m.active_params_b == pytest.approx(3, rel=0.15)


def test_kimi_k2_latent_attention_and_experts() -> None:
    """Kimi K2: 1T total / 32B activated (moonshotai model card, both rounded: 5 %). MLA caches
    kv_lora_rank + rope_head_dim = 512 + 64 elements per layer: 61 x 576 x 2 B = 70,272 B per token."""
    m = model_from_hf_file(FIXTURES / "Kimi-K2-Instruct.config.json", "kimi-k2-import")
    assert (m.kv_lora_rank, m.rope_head_dim, m.dense_layers) == (512, 64, 1)
    assert (m.experts, m.experts_per_token, m.shared_experts) == (384, 8, 1)
    assert mem.kv_bytes_per_token(m, "fp16") == 70_272
    assert m.total_params_b == pytest.approx(1000, rel=0.05)
    assert m.active_params_b == pytest.approx(32, rel=0.05)


def test_glm5_latent_attention_reads_its_query_rank_and_value_width() -> None:
    """GLM-5's config gives head_dim 64, which its latent attention does not use: queries and keys are
    qk_nope_head_dim 192 (+ 64 rope) wide and values v_head_dim 256, the query goes through q_lora_rank 2,048
    (GLM-5 technical report, arXiv:2602.15763). Published: 744B total, 40B activated (model card and report).
    With head_dim 64 the recount gave 741.54B / 39.42B; with the latent dims 743.2B / 41.1B. The recount
    leaves out the sparse-attention indexer and the MTP layer: 1 % on the total, 5 % on the rounded active
    figure."""
    cfg = _read("GLM-5")
    m = model_from_hf_config(cfg, "glm-5-import", source="test", as_of="2026-02",
                             ignore=[k for k in cfg if k.startswith("index")])
    assert (m.head_dim, m.v_head_dim, m.q_lora_rank, m.kv_lora_rank, m.rope_head_dim) == (192, 256, 2048, 512, 64)
    assert m.total_params_b == pytest.approx(744, rel=0.01)
    assert m.active_params_b == pytest.approx(40, rel=0.05)


def test_published_counts_given_by_the_user_win_over_the_recount() -> None:
    m = model_from_hf_config(_read("Kimi-K2-Instruct"), "k2", source="test", as_of="2025-07",
                             total_params_b=1040, active_params_b=32)
    assert (m.total_params_b, m.active_params_b) == (1040, 32) and m.notes is None


def test_a_field_it_does_not_understand_is_named_not_dropped() -> None:
    """An unknown field may change memory or speed (a new attention kind, a compression ratio), so it is an
    error naming it, in one line; listing it in ``ignore`` accepts it."""
    cfg = {**_read("Llama-3.3-70B-Instruct"), "compress_ratios": [4, 128]}
    with pytest.raises(InputError) as err:
        model_from_hf_config(cfg, "x", source="test", as_of="2026-01")
    assert "compress_ratios" in str(err.value) and "\n" not in str(err.value)
    assert model_from_hf_config(cfg, "x", source="test", as_of="2026-01", ignore=["compress_ratios"]).layers == 80


@pytest.mark.parametrize(("cfg", "needle"), [
    ({"hidden_size": 4096, "num_attention_heads": 32}, "num_hidden_layers"),
    ([1, 2], "JSON object"),
    ({"hidden_size": 4096, "num_attention_heads": 32, "num_hidden_layers": 0}, "layers"),
])
def test_broken_configs_are_one_line_input_errors(cfg: object, needle: str) -> None:
    with pytest.raises(InputError) as err:
        model_from_hf_config(cfg, "x", source="test", as_of="2026-01")  # type: ignore[arg-type]
    assert needle in str(err.value)


def test_a_scenario_can_name_a_config_json_instead_of_a_catalog_model(tmp_path: Path) -> None:
    """model.hf_config is read relative to the scenario file, like workload.trace_csv."""
    text = (ROOT / "examples" / "classification-8b.yaml").read_text(encoding="utf-8")
    fixture = tmp_path / "models" / "config.json"
    fixture.parent.mkdir()
    fixture.write_text((FIXTURES / "Llama-3.3-70B-Instruct.config.json").read_text(encoding="utf-8"))
    text = text.replace("  name: llama-3.1-8b\n", "  name: my-llama\n  hf_config: models/config.json\n")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    m = resolve_model(load_scenario(path))
    assert m.id == "my-llama" and m.layers == 80 and "config.json" in m.source


def test_cli_add_model_shows_the_row_and_rejects_unknown_fields(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ok = invoke("catalog", "add-model", str(FIXTURES / "Qwen3-Next-80B-A3B-Thinking.config.json"), "--id",
                "qwen3-next-80b-a3b", "--json")
    assert ok.exit_code == 0, ok.output
    row = json.loads(ok.output)
    assert row["linear_attention_layers"] == 36 and row["id"] == "qwen3-next-80b-a3b"
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({**_read("Llama-3.3-70B-Instruct"), "mystery_gate": 3}), encoding="utf-8")
    res = invoke("catalog", "add-model", str(bad), "--id", "m")
    assert res.exit_code == 2 and "mystery_gate" in res.output and "Traceback" not in res.output
    assert invoke("catalog", "add-model", str(bad), "--id", "m", "--ignore", "mystery_gate").exit_code == 0


BASE = {"hidden_size": 1024, "num_attention_heads": 8, "num_key_value_heads": 8, "num_hidden_layers": 48,
        "vocab_size": 1000, "intermediate_size": 4096, "max_position_embeddings": 8192}


@pytest.mark.parametrize(("extra", "windowed", "window"), [
    # gpt-oss: layer_types alternates sliding (128 tokens) and full attention
    ({"layer_types": ["sliding_attention", "full_attention"] * 24, "sliding_window": 128}, 24, 128),
    # Gemma 3: five local layers per global one (sliding_window_pattern 6): 48 - 48 // 6 = 40
    ({"sliding_window": 1024, "sliding_window_pattern": 6}, 40, 1024),
    # Llama 4: 8,192-token chunks, every 4th layer global (transformers' default interval): 48 - 12 = 36
    ({"attention_chunk_size": 8192}, 36, 8192),
    # Qwen2.5/3 carry a sliding_window value but switch it off
    ({"sliding_window": 4096, "use_sliding_window": False}, 0, None),
    # Mistral 7B v0.1: one window on every layer
    ({"sliding_window": 4096}, 48, 4096),
])
def test_windowed_layers_from_each_config_form(extra: dict[str, object], windowed: int, window: int | None) -> None:
    """Each way a config.json says which layers attend through a bounded window (the KV those layers hold
    stops at the window) gives the right layer count and window."""
    m = model_from_hf_config({**BASE, **extra}, "m", source="test", as_of="2026-01")
    assert (m.sliding_window_layers, m.sliding_window) == (windowed, window)
    assert m.full_attention_layers == 48 - windowed
