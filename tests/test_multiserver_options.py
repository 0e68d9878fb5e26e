"""`compare` with a model that needs two servers per replica (issue 13).

Llama 3.1 405B in fp16 is 756 GiB of weights: no 8-GPU H100 server holds it, two do (TP 8 in each, two pipeline
stages). Such an option buys or rents servers two at a time: its unit becomes a group of two (twice the GPUs,
the price, the power and the hourly rate of one), the fleet is a whole number of replicas, and the fabric
between the servers comes from the catalog (DGX H100: InfiniBand NDR; a p5 instance: 400 Gb/s EFA) or, where
the catalog is silent (the OEM A100 row), is the slowest one, said in the assumptions; switch costs are said
not to be counted.
"""

from __future__ import annotations

import pytest

from llmplace import catalog
from llmplace.decision import compare
from llmplace.options import resolve_options
from llmplace.scenario import parse_scenario

DOC = {
    "model": {"name": "llama-3.1-405b", "precision": "fp16"},
    "workload": {"requests_per_month": 6_000_000, "input_tokens_per_request": 1000, "output_tokens_per_request": 500},
    "latency": {"tpot_ms": 80},
    "options": [
        {"kind": "in_house", "server": "dgx-h100-8x-h100-sxm", "id": "dgx"},
        {"kind": "in_house", "server": "hgx-h100-8x-oem", "id": "hgx"},
        {"kind": "cloud", "instance": "aws/p5.48xlarge", "id": "p5"},
    ],
}


def _notes(d) -> dict[str, object]:
    return {a.name: a for a in d.assumptions}


def test_a_replica_over_two_servers_buys_them_two_at_a_time():
    deps = {d.id: d for d in resolve_options(parse_scenario(DOC))}
    one = catalog.get_server("dgx-h100-8x-h100-sxm")
    dgx = deps["dgx"]
    assert dgx.infeasible_reason is None and dgx.capacity is not None
    assert (dgx.capacity.gpus_per_replica, dgx.capacity.replicas_per_unit) == (16, 1)
    assert dgx.server is not None and dgx.server.gpu_count == 16
    assert dgx.server.purchase_usd == pytest.approx(2 * one.purchase_usd)
    assert dgx.server.max_power_kw == pytest.approx(2 * one.max_power_kw)
    assert dgx.unit_kind == "2-server groups"
    notes = _notes(dgx)
    assert notes["network fabric between units"].value == "infiniband-ndr"
    assert "not counted" in notes["fabric switches and cables"].source
    p5 = deps["p5"]
    assert p5.cloud is not None and p5.cloud.gpu_count == 16
    assert _notes(p5)["network fabric between units"].value == "roce-400g"
    # the OEM HGX row is priced with one 400G NIC per GPU, so its fabric is the DGX reference design's
    assert _notes(deps["hgx"])["network fabric between units"].value == "infiniband-ndr"


def test_a_server_whose_network_the_catalog_does_not_state_gets_the_slowest_fabric_said():
    """The OEM A100 row's price says nothing of its NICs' speed: the slowest fabric is assumed and said."""
    doc = {**DOC, "latency": {"tpot_ms": 150},  # A100s decode 405B fp16 at ~91 ms per token
           "options": [{"kind": "in_house", "server": "hgx-a100-8x-80gb-oem", "id": "a100"}]}
    (a100,) = resolve_options(parse_scenario(doc))
    note = _notes(a100)["network fabric between units"]
    assert a100.capacity is not None and a100.capacity.gpus_per_replica == 16
    assert note.value == "ethernet-100g" and "slowest fabric assumed" in note.source


def test_compare_counts_two_servers_per_replica_in_the_purchase():
    """The upfront cash of the DGX option is at least its groups x 2 x the catalog price of one DGX (setup and
    the rest come on top); the units column names the groups."""
    res = compare(DOC)
    o = {x.id: x for x in res.options}["dgx"]
    assert o.feasible and o.unit_kind == "2-server groups"
    groups = max(o.units or [0])
    assert groups >= 1
    assert o.upfront_usd >= groups * 2 * catalog.get_server("dgx-h100-8x-h100-sxm").purchase_usd


def test_gpus_per_replica_that_is_not_whole_servers_is_refused():
    doc = {**DOC, "options": [{"kind": "in_house", "server": "dgx-h100-8x-h100-sxm", "id": "dgx",
                               "gpus_per_replica": 12, "throughput_tokens_per_s": 900}]}
    (d,) = resolve_options(parse_scenario(doc))
    assert d.infeasible_reason == "gpus_per_replica 12 is not a whole number of 8-GPU units"


def test_an_unknown_fabric_is_a_one_line_error_even_when_one_server_suffices():
    from llmplace.errors import InputError

    doc = {**DOC, "model": {"name": "llama-3.1-8b", "precision": "fp8"},
           "options": [{"kind": "in_house", "server": "dgx-h100-8x-h100-sxm", "fabric": "infiniband"}]}
    with pytest.raises(InputError, match=r"options\[0\]\.fabric: got 'infiniband'.*did you mean 'infiniband-ndr'"):
        resolve_options(parse_scenario(doc))


def test_dp_attention_and_expert_parallelism_are_option_choices_in_compare():
    """DeepSeek-V3 in fp8 on one 8 x H200 server with SGLang: tensor parallelism copies the 576-value latent KV
    cache onto all 8 GPUs, so the server holds ~590 sequences of 2,500 tokens; with DP attention each GPU keeps
    only its own sequences' cache (plus the whole attention weights): several times the sequences, hence more
    output tokens/s within the same 50 ms per-token target (SGLang reports up to 1.9x decoding throughput from
    DP attention: lmsys.org/blog/2024-12-04-sglang-v0-4, 2024-12-04)."""
    doc = {"model": {"name": "deepseek-v3", "precision": "fp8", "engine": "sglang"},
           "workload": {"requests_per_month": 1_000_000, "input_tokens_per_request": 2000,
                        "output_tokens_per_request": 500},
           "options": [{"kind": "in_house", "server": "hgx-h200-8x-oem", "id": "tp"},
                       {"kind": "in_house", "server": "hgx-h200-8x-oem", "id": "dp", "dp_attention": True,
                        "expert_parallel": True}]}
    deps = {d.id: d for d in resolve_options(parse_scenario(doc))}
    tp, dp = deps["tp"].capacity, deps["dp"].capacity
    assert tp is not None and dp is not None and tp.sizing is not None and dp.sizing is not None
    assert dp.gpus_per_replica == 8 and deps["dp"].server is not None and deps["dp"].server.gpu_count == 8
    assert dp.sizing.max_concurrency > 4 * tp.sizing.max_concurrency
    assert 1.2 < dp.output_tokens_per_s / tp.output_tokens_per_s < 3.0


def test_expert_parallelism_on_a_dense_model_is_a_one_line_error():
    from llmplace.errors import InputError

    doc = {**DOC, "model": {"name": "llama-3.1-8b", "precision": "fp8"},
           "options": [{"kind": "in_house", "server": "hgx-h200-8x-oem", "expert_parallel": True}]}
    with pytest.raises(InputError, match=r"options\[0\]\.expert_parallel: got True.*mixture-of-experts"):
        resolve_options(parse_scenario(doc))


def test_a_sampled_per_server_price_is_applied_to_the_whole_group():
    """Monte Carlo samples a server's price per server (options[0].overrides.purchase_usd); a unit of this option
    is two servers, so the group costs twice the sample, and the sample reaches the option at all (the option
    is found by the scenario's own object, though its per-unit rates were scaled into a copy)."""
    import numpy as np

    from llmplace.risk.inputs import apply_values

    s = parse_scenario({**DOC, "options": [DOC["options"][0]]})
    deps = resolve_options(s)
    _s2, out, _sv = apply_values(s, deps, {"options[0].overrides.purchase_usd": np.array([300_000.0, 360_000.0])})
    assert out[0].server is not None
    assert np.allclose(out[0].server.purchase_usd, [600_000.0, 720_000.0])


def test_a_strategy_orders_physical_servers_when_its_unit_is_a_group():
    """Starting on p5 instances and moving to owned HGX H100s (the cheaper server with the same 400G-per-GPU
    fabric as the DGX), where one replica is two servers: the first order is one replica's group, counted in
    servers (2), as the field says ("servers in that first order")."""
    plan = compare(DOC).strategy
    assert plan is not None and (plan.first, plan.second) == ("p5", "hgx")
    assert plan.servers_first_order == 2


def test_the_action_plan_names_the_groups_it_buys_or_rents():
    """'Rent 1 x aws p5.48xlarge' would read as one instance where the plan rents two per replica."""
    res = compare({**DOC, "options": [DOC["options"][2]]})
    steps = " ".join(res.recommendation.plan if res.recommendation else [])
    assert "Rent 1 2-instance group of aws p5.48xlarge" in steps
