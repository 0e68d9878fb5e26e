"""Interactive latency defaults: a scenario or `size` call without targets is sized for people waiting.

Without targets the sizing used to run at the largest batch that fits (about 130 ms per output token
for a 70B model on 8 x H100, 7-8 tokens/s per user). The defaults are dated site.csv rows
(``interactive_ttft_ms``, ``interactive_tpot_ms``); ``latency.workload: batch`` opts out.
"""

from __future__ import annotations

import json

from llmplace import catalog, compare, parse_scenario

SCENARIO = {
    "name": "no latency targets",
    "model": {"name": "llama-3.1-70b", "precision": "fp8"},
    "workload": {"requests_per_month": 2_000_000, "input_tokens_per_request": 1500, "output_tokens_per_request": 400},
    "options": [{"kind": "in_house", "id": "own", "server": "hgx-h100-8x-oem"}],
}


def _own(workload: str | None):
    doc = {**SCENARIO, **({"latency": {"workload": workload}} if workload else {})}
    return compare(parse_scenario(doc)).option("own")


def test_interactive_default_caps_time_per_token_and_is_stated() -> None:
    tpot_default = catalog.site_defaults()["interactive_tpot_ms"].value
    own = _own(None)
    assert own.capacity is not None and own.capacity.sizing is not None
    assert own.capacity.sizing.tpot_ms is not None and own.capacity.sizing.tpot_ms <= tpot_default + 1e-9
    stated = {a.name: a for a in own.assumptions}
    row = stated["time per output token target (interactive default)"]
    assert row.value == tpot_default and "MLPerf" in row.source and row.as_of


def test_batch_workload_opts_out_and_serves_more_per_replica() -> None:
    """Batch jobs run at the largest batch that fits: more tokens/s per server, slower tokens (> 50 ms)."""
    interactive, batch = _own(None), _own("batch")

    def per_server(o) -> float:  # type: ignore[no-untyped-def]
        return o.capacity.output_tokens_per_s_per_replica * o.capacity.replicas_per_unit

    assert batch.capacity is not None and interactive.capacity is not None
    assert per_server(batch) > per_server(interactive)
    assert batch.capacity.sizing is not None and (batch.capacity.sizing.tpot_ms or 0) > 50
    assert not [a for a in batch.assumptions if "interactive default" in a.name]


def test_size_states_the_defaults_it_applies(invoke) -> None:
    r = invoke("size", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--gpus", "8", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["workload"] == "interactive" and doc["tpot_target_ms"] == 50
    assert {d["target"] for d in doc["latency_defaults"]} == {"interactive_ttft_ms", "interactive_tpot_ms"}
    batch = json.loads(invoke("size", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--gpus", "8",
                              "--workload", "batch", "--json").stdout)
    assert batch["latency_defaults"] == [] and batch["tpot_target_ms"] is None
    assert batch["output_tokens_per_s"] > doc["output_tokens_per_s"]
    bad = invoke("size", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--workload", "chat")
    assert bad.exit_code == 2 and "--workload" in bad.output
