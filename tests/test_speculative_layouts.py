"""Speculative decoding on multi-server, expert-parallel and DP-attention layouts.

A layout of one stage (EP, DP attention, one tensor-parallel group over several servers) is sized with the
drafter on the same layout: its communication in the verify and draft passes, its memory per GPU. Pipeline
stages are refused with a one-line message naming the fields and what combines, never silently replaced.
"""

from __future__ import annotations

import pytest

from llmplace.catalog import get_gpu, get_model
from llmplace.errors import InputError
from llmplace.options import resolve_options
from llmplace.scenario import parse_scenario
from llmplace.sizing import estimate_speculative, resolve_speculation, size_document
from llmplace.sizing.document import ParallelAsk
from llmplace.sizing.parallel import layout_for
from llmplace.sizing.spec_estimate import SpeculativeSizingResult, estimate_speculative_layout

DSV3 = {"name": "deepseek-v3", "precision": "fp8", "engine": "sglang"}
WORK = {"requests_per_month": 1_000_000, "input_tokens_per_request": 2000, "output_tokens_per_request": 500}


def test_speculation_on_a_plain_tensor_parallel_layout_matches_the_one_server_path():
    """A TP8 layout on one server is the single-server model (its communication is the same all-reduce), so the
    layout path with a drafter must give the one-server path's figures: the composition adds nothing of its
    own where there is nothing to add (same inputs, two code paths)."""
    m, g, sp = get_model("deepseek-v3"), get_gpu("h200-sxm"), resolve_speculation("mtp")
    kw = dict(input_tokens=2000, output_tokens=500, ttft_ms=2000.0, tpot_ms=50.0)
    one = estimate_speculative(m, g, 8, "fp8", "sglang", speculative=sp, **kw)
    lay, _info = estimate_speculative_layout(m, g, layout_for(8, model=m), "fp8", "sglang", speculative=sp, **kw)
    assert isinstance(lay, SpeculativeSizingResult) and isinstance(one, SpeculativeSizingResult)
    assert lay.concurrency == one.concurrency and lay.max_concurrency == one.max_concurrency
    assert lay.output_tokens_per_s == pytest.approx(one.output_tokens_per_s, rel=1e-6)


def test_compare_multiserver_option_applies_model_speculative():
    """Gap 1: an option sized through the layout path (DP attention + EP) ignored model.speculative. DeepSeek-V3
    MTP (k = 1, a = 0.85: 1.85 tokens per verify pass, arXiv:2412.19437) must reach that option: its sizing
    carries the speculative block and its assumptions, and its capacity differs from the option without it."""
    opts = [{"kind": "in_house", "server": "hgx-h200-8x-oem", "id": "dp", "dp_attention": True,
             "expert_parallel": True}]
    off = resolve_options(parse_scenario({"model": DSV3, "workload": WORK, "options": opts}))[0]
    on = resolve_options(parse_scenario({"model": {**DSV3, "speculative": {"method": "mtp"}}, "workload": WORK,
                                         "options": opts}))[0]
    assert on.capacity is not None and off.capacity is not None
    assert isinstance(on.capacity.sizing, SpeculativeSizingResult)
    assert on.capacity.output_tokens_per_s != pytest.approx(off.capacity.output_tokens_per_s, rel=1e-3)
    names = {a.name for a in on.assumptions}
    assert "speculative decoding: tokens per verify pass" in names
    assert "speculative decoding: replica capacity vs off" in names


def test_compare_pipeline_option_with_speculation_is_refused_naming_both():
    """Gap 1 (the refusal): Llama 3.1 405B in fp16 (756 GiB) needs two 8 x H100 servers, sized as two pipeline
    stages; speculation is not modelled there, so the scenario is refused in one line naming model.speculative
    and the option, never sized without it."""
    doc = {"model": {"name": "llama-3.1-405b", "precision": "fp16", "speculative": {"method": "eagle"}},
           "workload": WORK, "options": [{"kind": "in_house", "server": "dgx-h100-8x-h100-sxm", "id": "dgx"}]}
    with pytest.raises(InputError) as err:
        resolve_options(parse_scenario(doc))
    text = str(err.value)
    assert err.value.field == "model.speculative" and "\n" not in text
    assert "options[0] (dgx)" in text and "pipeline stages" in text and "choose a unit that holds the model" in text
    assert "dp_attention" not in text  # a dense 405B's attention weights copied on every GPU would not fit


def test_compare_pipeline_refusal_names_the_one_stage_layouts_for_a_moe_model():
    """For a mixture-of-experts model the refusal names the option fields that give one stage over the units
    (expert parallelism and DP attention); DeepSeek-V3 in bf16 (~1.3 TB of weights) needs several 8 x H200."""
    doc = {"model": {**DSV3, "precision": "bf16", "speculative": {"method": "mtp"}}, "workload": WORK,
           "options": [{"kind": "in_house", "server": "hgx-h200-8x-oem", "id": "h200"}]}
    with pytest.raises(InputError, match=r"options\[0\]\.expert_parallel and options\[0\]\.dp_attention: true"):
        resolve_options(parse_scenario(doc))


def test_size_spec_with_ep_and_dp_attention_keeps_the_layout():
    """Gap 2: `size --spec-method mtp --ep --dp-attention` on one 8 x H200 server replaced the layout's figures
    with plain tensor parallelism's while the `layout` block still said DP attention. Under TP, DeepSeek's single
    latent KV head is copied onto all 8 GPUs; under DP attention each sequence's cache sits on one GPU
    (parallel.py), so the layout holds several times the sequences: the speculative figures must keep that."""
    ask = ParallelAsk(ep=True, dp_attention=True)
    doc = size_document("deepseek-v3", "h200-sxm", gpus=8, engine="sglang", input_tokens=2000, output_tokens=500,
                        spec_method="mtp", parallel=ask)
    tp = size_document("deepseek-v3", "h200-sxm", gpus=8, engine="sglang", input_tokens=2000, output_tokens=500,
                       spec_method="mtp")
    assert doc["layout"]["dp_attention"] is True and doc["speculative"]["method"] == "mtp"
    assert doc["max_concurrency_kv"] > 4 * tp["max_concurrency_kv"]
    assert any("speculative decoding on this layout" in n for n in doc["layout"]["notes"])


def test_size_spec_over_several_servers_composes_with_one_stage():
    """Gap 3: a replica over two servers with one tensor-parallel group (one stage) now takes speculation; its
    speculative figures are the layout's (16 GPUs, the fabric between the servers)."""
    doc = size_document("llama-3.1-405b", "h100-sxm", gpus=16, precision="fp16", concurrency=1, spec_method="eagle",
                        parallel=ParallelAsk(tp_across_nodes=True, fabric="infiniband-ndr"))
    assert doc["gpus"] == 16 and doc["layout"]["nodes"] == 2 and doc["layout"]["pipeline_stages"] == 1
    assert doc["speculative"]["speedup"] > 1.0


def test_size_spec_over_pipeline_stages_names_the_fields(invoke):
    """Gap 3: the refusal for pipeline stages is one line naming --spec-method and what is allowed instead."""
    res = invoke("size", "--model", "llama-3.1-405b", "--gpu", "h100-sxm", "--gpus", "16", "--precision", "fp16",
                 "--spec-method", "eagle")
    assert res.exit_code == 2
    line = res.output.strip()
    assert "\n" not in line and "--spec-method" in line
    assert "--ep, --dp-attention or --tp-across-nodes" in line and "--gpus 1, 2, 4 or 8" in line


def test_api_size_spec_over_pipeline_stages_is_422_naming_the_fields(tmp_path):
    """Gap 3 on the REST API: HTTP 422 naming spec_method and the API's own field names for what combines."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    with TestClient(create_app(f"sqlite:///{tmp_path / 'api.db'}")) as client:
        r = client.post("/api/v1/size", json={"model": "llama-3.1-405b", "gpu": "h100-sxm", "gpus": 16,
                                              "precision": "fp16", "spec_method": "eagle"})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["field"] == "spec_method" and "ep, dp_attention or tp_across_nodes" in detail["allowed"]
