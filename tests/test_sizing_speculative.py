"""Speculative decoding in the sizing model: the acceptance formula, its physics, memory and inputs.

Published speed-ups are reproduced in ``tests/published/test_published_speculative.py``.
"""

from __future__ import annotations

import pytest

from llmplace import compare, parse_scenario
from llmplace.catalog import get_gpu, get_model
from llmplace.errors import InputError
from llmplace.sizing import estimate, estimate_speculative
from llmplace.sizing.speculative import expected_tokens_per_pass, resolve_speculation


def _size(model: str, gpu: str, gpus: int, concurrency: int | None, spec, precision: str = "fp8",
          engine: str = "vllm", s: int = 1000, o: int = 500):
    if spec is None:
        return estimate(get_model(model), get_gpu(gpu), gpus, precision, engine, input_tokens=s, output_tokens=o,
                        concurrency=concurrency)
    return estimate_speculative(get_model(model), get_gpu(gpu), gpus, precision, engine, input_tokens=s,
                                output_tokens=o, concurrency=concurrency, speculative=spec)


def test_expected_tokens_per_pass_is_leviathans_formula():
    """Leviathan et al. 2023 (arXiv:2211.17192) eq. 1: E = (1 - a^(k+1)) / (1 - a). By hand:
    a = 0.8, k = 4: (1 - 0.32768) / 0.2 = 3.3616; a = 0.5, k = 1: 0.75 / 0.5 = 1.5; a = 0: 1 (the target's
    own token); a = 1: k + 1 (every draft plus the bonus token)."""
    assert expected_tokens_per_pass(0.8, 4) == pytest.approx(3.3616, rel=1e-12)
    assert expected_tokens_per_pass(0.5, 1) == pytest.approx(1.5, rel=1e-12)
    assert expected_tokens_per_pass(0.0, 5) == pytest.approx(1.0)
    assert expected_tokens_per_pass(1.0, 5) == pytest.approx(6.0)


@pytest.mark.parametrize("method", ["eagle", "ngram"])
def test_nothing_accepted_never_speeds_up(method):
    """With acceptance 0 every verify pass yields one token, as a plain decode step does, but processes k + 1
    tokens per sequence and runs the drafter too: no concurrency may come out faster than without."""
    sp = resolve_speculation(method, 4, 0.0)
    for c in (1, 16, 256):
        res = _size("llama-3.1-8b", "h100-sxm", 1, c, sp)
        assert res.speculative is not None and res.speculative.speedup is not None
        assert res.speculative.speedup <= 1.0 + 1e-9, (c, res.speculative.speedup)


def test_speedup_is_large_at_batch_one_and_reverses_when_compute_bound():
    """A decode step at batch 1 is bandwidth-bound, so verifying k + 1 tokens costs about one step and the
    speed-up nears E (2.77 at k = 4, a = 0.7); at the offline maximum the step is compute-bound, the k + 1
    tokens per sequence multiply the FLOPs while only E are kept, and throughput falls below no speculation.
    The direction is the one vLLM measured on Llama-3-70B, 4 x H100 (blog.vllm.ai 2024-10-17: 1.5x at QPS 1,
    a 1.4x slowdown at high QPS); the published figures are checked in tests/published."""
    sp = resolve_speculation("draft", 4, 0.7, "llama-3.1-8b")
    low = _size("llama-3.3-70b", "h100-sxm", 4, 1, sp).speculative
    high = _size("llama-3.3-70b", "h100-sxm", 4, None, sp).speculative
    assert low is not None and high is not None
    assert low.speedup is not None and 1.3 < low.speedup < 2.77
    assert high.speedup is not None and high.speedup < 1.0


def test_draft_model_weights_and_kv_take_memory():
    """vLLM and SGLang load the draft model beside the target and keep its KV cache in the same pool: an
    8B drafter (fp8: ~8 GiB of weights) and its 32-layer cache leave room for fewer sequences; a 70B drafter
    beside a 70B target on one 80 GB GPU leaves none."""
    base = _size("llama-3.3-70b", "h100-sxm", 4, 1, None)
    with_draft = _size("llama-3.3-70b", "h100-sxm", 4, 1, resolve_speculation("draft", 4, 0.7, "llama-3.1-8b"))
    assert with_draft.max_concurrency_kv < base.max_concurrency_kv
    assert with_draft.kv_capacity_gib_per_gpu < base.kv_capacity_gib_per_gpu
    assert with_draft.speculative is not None and with_draft.speculative.draft_weights_gib > 7.0
    too_big = _size("llama-3.1-8b", "h100-sxm", 1, 1, resolve_speculation("draft", 4, 0.7, "llama-3.3-70b"))
    assert too_big.fits is False and "drafter" in (too_big.reason or "")


def test_defaults_are_stated_as_assumptions():
    """Naming only the method fills k and the acceptance from DEFAULTS and says so; off, the JSON has no key."""
    sp = resolve_speculation("eagle")
    res = _size("llama-3.1-8b", "h100-sxm", 1, 1, sp)
    assert res.speculative is not None
    text = " ".join(res.speculative.assumptions)
    assert "k = 3" in text and "a = 0.65" in text and "Leviathan" in text
    assert res.to_dict()["speculative"]["method"] == "eagle"
    assert "speculative" not in _size("llama-3.1-8b", "h100-sxm", 1, 1, None).to_dict()


@pytest.mark.parametrize(("args", "field"), [
    (("warp",), "speculative.method"),
    (("eagle", 0), "speculative.draft_tokens"),
    (("eagle", 3, 1.2), "speculative.acceptance_rate"),
    (("draft", 3, 0.7), "speculative.draft_model"),
    (("eagle", 3, 0.7, "llama-3.1-8b"), "speculative.draft_model"),
])
def test_bad_settings_name_the_field(args, field):
    with pytest.raises(InputError) as err:
        resolve_speculation(*args)
    assert err.value.field == field


def test_mtp_needs_the_models_mtp_layers():
    """DeepSeek-V3 ships one MTP module (config num_nextn_predict_layers = 1); Llama 3.3 ships none.

    Its weights: 14B parameters beside the 671B (DeepSeek-V3 report, arXiv:2412.19437, and the 685B
    Hugging Face checkpoint), of which an embedding and a head copy (2 x 129,280 x 7,168 = 1.85B) are shared
    with the model when served: about 12B parameters, so 10-14 GB at fp8."""
    sp = resolve_speculation("mtp")
    res = _size("deepseek-v3", "h200", 8, 1, sp)
    assert res.speculative is not None
    assert 10.0 < res.speculative.draft_weights_gib * 2**30 / 1e9 < 14.0
    with pytest.raises(InputError, match="mtp_layers = 0"):
        _size("llama-3.3-70b", "h100-sxm", 4, 1, sp)


def test_scenario_speculation_reaches_the_assumptions():
    """model.speculative in a scenario sizes every self-hosted option with it and lists its assumptions."""
    s = parse_scenario({
        "model": {"name": "llama-3.1-8b", "precision": "fp8", "speculative": {"method": "eagle"}},
        "workload": {"requests_per_month": 100_000, "input_tokens_per_request": 500,
                     "output_tokens_per_request": 300},
        "options": [{"kind": "cloud", "id": "h100", "instance": "aws/p5.48xlarge", "plan": "on_demand"}],
    })
    result = compare(s)
    names = [a.name for o in result.options for a in o.assumptions]
    assert "speculative decoding: tokens per verify pass" in names
    assert any(n == "speculative decoding assumption" for n in names)


def test_scenario_mtp_on_a_model_without_it_is_one_line():
    s = parse_scenario({
        "model": {"name": "llama-3.1-8b", "speculative": {"method": "mtp"}},
        "workload": {"requests_per_month": 100_000},
        "options": [{"kind": "cloud", "id": "h100", "instance": "aws/p5.48xlarge", "plan": "on_demand"}],
    })
    with pytest.raises(InputError) as err:
        compare(s)
    assert err.value.field == "model.speculative.method"


def test_size_prints_the_speculation_and_its_assumptions(invoke):
    """`size` without --json says what speculation assumed and the figures without it."""
    res = invoke("size", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--concurrency", "1", "--spec-method",
                 "eagle")
    assert res.exit_code == 0, res.output
    assert "speculative decoding (eagle, k = 3, acceptance 0.65)" in res.stdout
    assert "without it at the same concurrency" in res.stdout
    assert "assumed: per-token acceptance a = 0.65" in res.stdout


def test_a_tight_tpot_target_only_speculation_meets():
    """Llama-3.1-8B in bf16 on one H100 reads ~16 GB of weights per decode step: >= 4.8 ms at the 3.35 TB/s
    peak (catalog), so a 5 ms TPOT target is out of reach without speculation once overheads are added; with
    EAGLE (2.35 tokens per verify pass at the defaults) a pass may take up to ~11 ms and still meet it. The
    result compares each configuration at its own operating point (capacity_ratio)."""
    plain = estimate(get_model("llama-3.1-8b"), get_gpu("h100-sxm"), 1, "bf16", "sglang", input_tokens=500,
                     output_tokens=500, tpot_ms=5.0)
    spec = estimate_speculative(get_model("llama-3.1-8b"), get_gpu("h100-sxm"), 1, "bf16", "sglang",
                                input_tokens=500, output_tokens=500, tpot_ms=5.0,
                                speculative=resolve_speculation("eagle"))
    assert plain.meets_targets is False
    assert spec.meets_targets is True and spec.tpot_ms is not None and spec.tpot_ms <= 5.0
    assert spec.speculative is not None and spec.speculative.concurrency_without == plain.concurrency
    assert spec.speculative.capacity_ratio is not None and spec.speculative.capacity_ratio > 1.0
