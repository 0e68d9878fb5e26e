"""4-bit float weights: MXFP4 and NVFP4 told apart, and no FP4 compute on GPUs without FP4 tensor cores.

- MXFP4 (OCP Microscaling Formats v1.0, 2023): 32-element blocks sharing one 8-bit E8M0 scale:
  4 + 8 / 32 = 4.25 bits per weight.
- NVFP4 (NVIDIA, "Introducing NVFP4", 2025): 16-element blocks sharing one fp8 E4M3 scale:
  4 + 8 / 16 = 4.5 bits per weight (the per-tensor fp32 scale is negligible).
- Hopper has fp8 but no FP4 tensor cores (H100 SXM datasheet lists FP8 3,958 TFLOPS with sparsity,
  no FP4); engines run MXFP4 checkpoints such as gpt-oss there weight-only: dequantised in the GEMM and
  computed in 16-bit (989.4 dense TFLOPS on an H100 SXM, catalog gpus.csv).
"""

from __future__ import annotations

import pytest

from llmplace.catalog import get_gpu, get_model
from llmplace.sizing import default_efficiency, estimate
from llmplace.sizing import memory as mem
from llmplace.sizing.performance import Replica, peak_flops_per_gpu


def test_bits_per_weight_of_each_format() -> None:
    assert mem.WEIGHT_BYTES_PER_PARAM["mxfp4"] * 8 == pytest.approx(4.25)
    assert mem.WEIGHT_BYTES_PER_PARAM["nvfp4"] * 8 == pytest.approx(4.5)


def test_fp4_weights_compute_in_16_bit_on_hopper() -> None:
    """Before, fp4 on an H100 used the fp8 peak (1,978.9 TFLOPS): twice the rate Hopper can apply to
    4-bit weights. Now both formats get the 16-bit peak there, and the FP4 peak on a B200."""
    h100, b200 = get_gpu("h100-sxm"), get_gpu("b200")
    for fmt in ("mxfp4", "nvfp4", "fp4"):
        assert peak_flops_per_gpu(h100, fmt) == pytest.approx(h100.fp16_dense_tflops * 1e12)
        assert peak_flops_per_gpu(b200, fmt) == pytest.approx((b200.fp4_dense_tflops or 0) * 1e12)
    assert (b200.fp4_dense_tflops or 0) > (b200.fp8_dense_tflops or 0)


@pytest.mark.parametrize(("gpu", "expected"), [("h100-sxm", "mxfp4"), ("h200", "mxfp4"), ("b200", "nvfp4")])
def test_deprecated_fp4_is_read_per_gpu_with_a_note(gpu: str, expected: str) -> None:
    g = get_gpu(gpu)
    real, note = mem.resolve_precision("fp4", g)
    assert real == expected
    assert note is not None and "deprecated" in note and expected in note and gpu in note
    assert mem.resolve_precision("mxfp4", g) == ("mxfp4", None)
    res = estimate(get_model("gpt-oss-120b"), g, 1, "fp4", "vllm", input_tokens=1000, output_tokens=500,
                   concurrency=8)
    assert res.precision == expected and res.precision_note == note


def test_mxfp4_weights_are_smaller_than_nvfp4() -> None:
    """gpt-oss-120b's 4-bit expert weights take 4.25 / 4.5 of the NVFP4 bytes as MXFP4."""
    m = get_model("gpt-oss-120b")
    assert mem.weight_bytes(m, "mxfp4") < mem.weight_bytes(m, "nvfp4")
    r = Replica.build(m, get_gpu("h100-sxm"), 1, "mxfp4", "fp8", "vllm", default_efficiency())
    assert r.eta_c == pytest.approx(default_efficiency().compute("hopper", "vllm", "w4a16"))


def test_old_scenario_with_fp4_still_runs_and_says_what_it_read() -> None:
    """A scenario written before mxfp4/nvfp4 existed keeps working; each sized option notes the reading."""
    from pathlib import Path

    import yaml

    from llmplace.options import resolve_options
    from llmplace.scenario import parse_scenario

    doc = yaml.safe_load((Path(__file__).resolve().parents[1] / "examples" / "consumer-chat.yaml").read_text())
    doc["model"]["precision"] = "fp4"
    deployments = resolve_options(parse_scenario(doc))
    sized = [d for d in deployments if d.capacity is not None and d.capacity.sizing is not None]
    assert sized
    for d in sized:
        assert d.capacity is not None and d.capacity.sizing is not None
        assert d.capacity.sizing.precision == "mxfp4"  # H100s in this example: no FP4 tensor cores
        if d.kind != "hybrid":  # a hybrid reuses its in-house part's capacity and notes
            assert any("deprecated" in str(a) for a in d.assumptions), d.id
