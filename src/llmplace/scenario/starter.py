"""The commented starter scenario that ``llmplace init`` writes.

The options it proposes are catalog rows sized to the model's weights (one byte a parameter in
fp8): a server build and a cloud instance whose GPUs hold the model, and a managed API that
offers it. Every value is a placeholder to replace with the business's own numbers.
"""

from __future__ import annotations

from .. import catalog

__all__ = ["starter_scenario"]

# (largest fp8 weights [GB] for the tier, server build, cloud instance)
_TIERS = [
    (24.0, "l40s-4x-server", "aws/g6e.xlarge"),
    (400.0, "hgx-h100-8x-oem", "aws/p5.48xlarge"),
    (900.0, "hgx-h200-8x-oem", "aws/p5en.48xlarge"),
    (float("inf"), "hgx-b200-8x-oem", "aws/p6-b200.48xlarge"),
]
_PROVIDERS = ("together", "fireworks", "groq", "aws")

HEADER = """\
# llmplace scenario: where should we run {model}?
# Replace the numbers with yours, then:
#   llmplace compare {path}                      (a table; --json for the full result)
#   llmplace report {path} -o report.html        (a report to forward: html, md, json, xlsx, pdf, pptx)
# `llmplace schema` documents every field. Values left out take dated catalog defaults, and
# every result lists the assumptions it used with their source and date.
"""
_COL = 37


def _c(text: str, comment: str = "") -> str:
    """One YAML line with its comment aligned."""
    return f"{text.ljust(_COL - 1)} # {comment}" if comment else text


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def starter_scenario(
    path: str = "scenario.yaml",
    model: str = "llama-3.3-70b",
    requests_per_month: float = 1_000_000,
    input_tokens: float = 1000,
    output_tokens: float = 300,
    active_hours_per_month: float | None = None,
) -> str:
    """The YAML text of a commented starter scenario for ``model`` (a catalog id or alias)."""
    m = catalog.get_model(model, "model")
    server, instance = next((s, i) for limit, s, i in _TIERS if m.total_params_b <= limit)
    offers = {o.provider: o for o in catalog.api_offers(m.id)}
    provider = next((p for p in _PROVIDERS if p in offers), next(iter(sorted(offers)), None))
    lines = [
        HEADER.format(model=m.id, path=path).rstrip("\n"),
        f"name: Where to run {m.name}",
        "description: >",
        "  Starter scenario written by `llmplace init`: say here what the model is for and who uses it.",
        "",
        "model:",
        _c(f"  name: {m.id}", "catalog id or alias (`llmplace catalog list models`)"),
        _c("  precision: fp8", "weights: fp16, bf16, fp8, int8, int4, mxfp4 or nvfp4"),
        _c("  # engine: vllm", "trt-llm, vllm, sglang or tgi"),
        "",
        "workload:",
        _c(f"  requests_per_month: {_n(requests_per_month)}", "requests a month today"),
        _c(
            f"  input_tokens_per_request: {_n(input_tokens)}",
            "prompt tokens (question plus retrieved context)",
        ),
        _c(f"  output_tokens_per_request: {_n(output_tokens)}", "generated tokens per answer"),
        _c("  # active_hours_per_month: 242", "hours a month with traffic; default: every hour")
        if active_hours_per_month is None
        else _c(f"  active_hours_per_month: {_n(active_hours_per_month)}", "hours a month with traffic"),
        _c("  peak_to_average: 2", "busiest hour over the average of the active hours"),
        _c("  growth_pct_per_month: 0", "demand growth [% a month]"),
        "",
        _c("latency:", "what users need; the sizing must meet it"),
        _c("  ttft_ms: 2000", "time to the first token [ms]"),
        _c("  tpot_ms: 80", "time per output token [ms]; 80 ms is about 12 tokens a second"),
        "",
        _c("options:", "the deployments to compare"),
        _c("  - kind: in_house", "buy servers"),
        "    id: own-servers",
        _c(f"    server: {server}", "`llmplace catalog list servers`"),
        _c("    hosting: colocation", "on_site or colocation"),
        _c("  - kind: cloud", "rent GPU instances by the hour"),
        "    id: cloud-on-demand",
        _c(f"    instance: {instance}", "`llmplace catalog list clouds`"),
        _c("    plan: on_demand", "on_demand, reserved_1y, reserved_3y or spot"),
    ]
    if provider is not None:
        lines += [
            _c("  - kind: api", "pay a managed API per token"),
            "    id: api",
            _c(f"    provider: {provider}", "`llmplace catalog list apis`"),
        ]
    else:
        lines += [
            f"  # No managed API in the catalog offers {m.id}; give its prices to compare one:",
            "  # - kind: api",
            "  #   id: api",
            "  #   input_usd_per_mtok: 0.5",
            "  #   output_usd_per_mtok: 1.5",
        ]
    lines += [
        _c("  # - kind: hybrid", "own a base, send the peaks to the cloud"),
        "  #   id: own-base-cloud-burst",
        "  #   base: own-servers",
        "  #   overflow: cloud-on-demand",
        "",
        _c("# site:", "in-house running costs; blanks take dated defaults"),
        "#   electricity_usd_per_kwh: 0.15",
        "#   pue: 1.4",
        "finance:",
        _c("  horizon_months: 36", "how far ahead to compare [months]"),
        "  # discount_rate_pct_per_year: 8",
    ]
    return "\n".join(lines) + "\n"
