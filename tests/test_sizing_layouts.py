"""`size` says whether a layout fits in one line and, when it does not, which layouts do.

Llama 3.1 405B in fp16 holds 405.9e9 x 2 B = 756 GiB of weights: 94.5 GiB per GPU at tensor parallelism 8,
more than the 72 GiB an 80 GB H100 leaves at 90 % memory utilisation. In fp8 it is 47 GiB per GPU (fits on
eight); in fp16 two servers hold it: 16 GPUs, tensor parallelism 8 in each and 126 / 2 = 63 layers per pipeline
stage, 47 GiB of weights per GPU.
"""

from __future__ import annotations

import re

from llmplace.sizing.document import size_document


def test_a_layout_that_does_not_fit_gets_the_layouts_that_do():
    d = size_document("llama-3.1-405b", "h100-sxm", gpus=8, precision="fp16")
    assert d["fits"] is False
    tips = d["layouts_that_fit"]
    assert any(t.startswith("--precision fp8 --gpus 8") for t in tips)
    assert tips[-1].startswith("--gpus 16 (2 servers: tensor parallelism 8 in each, 2 pipeline stages")
    assert size_document("llama-3.1-405b", "h100-sxm", gpus=16, precision="fp16")["fits"] is True
    for tip in tips:  # every suggested catalog layout really fits when sized on its own
        m = re.match(r"--gpu (\S+) --gpus (\d+)", tip) or re.match(r"--precision (\S+) --gpus (\d+)", tip)
        if m is None:
            continue
        if tip.startswith("--gpu "):
            again = size_document("llama-3.1-405b", m.group(1), gpus=int(m.group(2)), precision="fp16")
        else:
            again = size_document("llama-3.1-405b", "h100-sxm", gpus=int(m.group(2)), precision=m.group(1))
        assert again["fits"] is True, tip


def test_a_layout_that_fits_gets_no_suggestions():
    d = size_document("llama-3.3-70b", "h100-sxm", gpus=1, precision="fp8")
    assert d["fits"] is True and d["layouts_that_fit"] == []


def test_size_prints_a_verdict_then_key_figures_with_units(invoke):
    res = invoke("size", "--model", "llama-3.1-405b", "--gpu", "h100-sxm", "--gpus", "8", "--precision", "fp16")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("llama-3.1-405b on 8 x h100-sxm (fp16, vllm): does not fit: weights need 94.5 GiB")
    assert "weights per GPU [GiB]" in res.output and "fits with: --precision fp8 --gpus 8" in res.output
    ok = invoke("size", "--model", "llama-3.3-70b", "--gpu", "h100-sxm")
    assert ok.exit_code == 0 and ok.output.splitlines()[0].startswith("llama-3.3-70b on 1 x h100-sxm (fp8, vllm): fits")
    assert "time per output token [ms]" in ok.output


def test_a_mixture_of_experts_model_too_big_for_one_server_also_gets_an_expert_parallel_layout():
    """DeepSeek-V3 in fp8 is 627 GiB of weights, more than 8 x 72 GiB usable on 8 H100s: two servers hold it.
    For a mixture-of-experts model with latent attention the tip also names expert parallelism with DP
    attention over an RDMA fabric, which holds many more sequences (no latent KV copy per GPU); sized on its
    own, that layout fits and serves more than the two-stage pipeline."""
    d = size_document("deepseek-v3", "h100-sxm", gpus=8, precision="fp8")
    tip = next(t for t in d["layouts_that_fit"] if "--ep" in t)
    assert tip.startswith("--gpus 16 --ep --dp-attention --fabric infiniband-ndr")
    from llmplace.sizing.document import ParallelAsk

    ep = size_document("deepseek-v3", "h100-sxm", gpus=16, precision="fp8",
                       parallel=ParallelAsk(ep=True, dp_attention=True, fabric="infiniband-ndr"))
    pp = size_document("deepseek-v3", "h100-sxm", gpus=16, precision="fp8",
                       parallel=ParallelAsk(fabric="infiniband-ndr"))
    assert ep["fits"] and pp["fits"] and ep["max_concurrency"] > 4 * pp["max_concurrency"]
    assert ep["output_tokens_per_s"] > pp["output_tokens_per_s"]
