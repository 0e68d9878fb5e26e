"""The `llmplace` command line: a thin layer over the public API.

Exit status: 0 on success, 2 on bad input (one line naming the field, the value and what is
allowed), 1 on an internal error. Never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from . import __version__, catalog
from .errors import InputError, LlmplaceError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="llmplace",
    help="Where to run open-weight LLMs: in-house servers, rented cloud GPUs, a managed API, or a hybrid.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    rich_markup_mode=None,
)
catalog_app = typer.Typer(help="Browse the bundled, dated catalogs.", no_args_is_help=True,
                          pretty_exceptions_enable=False)
app.add_typer(catalog_app, name="catalog")

out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, soft_wrap=True)


def guarded(fn: F) -> F:
    """Turn llmplace errors into one-line messages and exit statuses 2 (input) or 1 (internal)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except InputError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from None
        except (LlmplaceError, Exception) as exc:  # noqa: BLE001 - the last line of defence
            err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False, highlight=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        out.print(f"llmplace {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """llmplace: size, cost and compare where to run an open-weight LLM."""


def _money(x: float | None) -> str:
    if x is None:
        return "-"
    return f"${x:,.0f}" if abs(x) >= 100 else f"${x:,.2f}"


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


@app.command()
@guarded
def compare(
    scenario: Path = typer.Argument(..., help="Scenario file (YAML or JSON)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Compare every option of a scenario: upfront, TCO, NPV, cost per million tokens, break-even.

    Example: llmplace compare examples/internal-assistant-70b.yaml --json
    """
    from .decision import compare as run_compare

    result = run_compare(scenario)
    if as_json:
        _print_json(result.to_dict())
        return
    conv = result.convention
    t = Table(title=f"{result.scenario}: {result.horizon_months} months, cash view, "
              f"{conv['hours_per_month']:g} h/month, {conv['currency']}")
    for col in ("option", "kind", "units", "upfront", "TCO", "NPV", "$/Mtok", "capacity"):
        t.add_column(col, justify="left" if col in ("option", "kind", "capacity") else "right",
                     no_wrap=col != "capacity")
    for o in sorted(result.options, key=lambda o: (not o.feasible, o.tco_usd)):
        if not o.feasible:
            t.add_row(o.id, o.kind, "-", "-", "-", "-", "-", f"infeasible: {o.infeasible_reason}")
            continue
        units = f"{max(o.units)} {o.unit_kind}" if o.unit_kind and o.units else "-"
        if o.kind == "api":
            src = "per token"
        else:
            cap = o.capacity or {}
            src = "measured" if str(cap.get("source", "")).startswith("measured") else "sizing estimate"
            src = f"{cap.get('output_tokens_per_s_per_replica', 0):,.0f} tok/s/replica ({src})"
        if o.hybrid:
            src = (f"base {o.hybrid['base_units']} {o.hybrid['base_unit_kind']} serves "
                   f"{o.hybrid['share_served_by_base']:.0%}")
        if o.served_share is not None and o.served_share < 0.999:
            src += f"; serves only {o.served_share:.1%}"
        mark = " *" if o.id == result.cheapest else ""
        t.add_row(o.id + mark, o.kind, units, _money(o.upfront_usd), _money(o.tco_usd), _money(o.npv_usd),
                  _money(o.usd_per_mtok), src)
    out.print(t)
    for o in result.options:
        out.print(f"  {o.id}: {o.label}", markup=False, highlight=False)
    labels_all = {o.id: o.label for o in result.options}
    be = [b for b in result.break_even if b.view == "cash" and b.month is not None]
    if be:
        out.print("Break-even (cash view):")
        for b in be:
            out.print(f"  {b.a} vs {b.b}: month {b.month:.1f}, cheaper after: {b.cheaper_after or '-'}",
                      markup=False, highlight=False)
    if result.cheapest:
        out.print(f"Cheapest over the horizon: {result.cheapest} ({labels_all[result.cheapest]}) (*)",
                  markup=False, highlight=False)


@app.command()
@guarded
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor autocompletion)."""
    from .scenario import scenario_json_schema

    _print_json(scenario_json_schema())


_LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "gpus": ("id", "memory_gb", "memory_bandwidth_tbps", "fp16_dense_tflops", "fp8_dense_tflops", "tdp_w", "as_of"),
    "models": ("id", "total_params_b", "active_params_b", "layers", "kv_heads", "context_length", "as_of"),
    "servers": ("id", "gpu", "gpu_count", "purchase_usd", "max_power_kw", "idle_power_kw", "as_of"),
    "clouds": ("id", "gpu", "gpu_count", "on_demand_usd_per_hour", "spot_usd_per_hour",
               "reserved_1y_usd_per_hour", "reserved_3y_usd_per_hour", "as_of"),
    "apis": ("id", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok", "as_of"),
}


@catalog_app.command("list")
@guarded
def catalog_list(
    kind: str = typer.Argument(..., help="gpus, models, servers, clouds or apis"),
    as_json: bool = typer.Option(False, "--json", help="Print rows as JSON."),
) -> None:
    """List a catalog. Example: llmplace catalog list gpus"""
    if kind not in catalog.KINDS:
        raise InputError("kind", kind, ", ".join(catalog.KINDS))
    rows = list(catalog.table(kind))
    if as_json:
        _print_json([r.model_dump(mode="json") for r in rows])
        return
    cols = _LIST_COLUMNS[kind]
    t = Table(title=f"{kind} ({len(rows)} rows)")
    for c in cols:
        t.add_column(c)
    for r in rows:
        t.add_row(*["" if getattr(r, c) is None else str(getattr(r, c)) for c in cols])
    out.print(t)


@catalog_app.command("show")
@guarded
def catalog_show(
    name: str = typer.Argument(..., help="an id or alias from any catalog"),
    as_json: bool = typer.Option(False, "--json", help="Print the row as JSON."),
) -> None:
    """Show one catalog row with its source. Example: llmplace catalog show h100-sxm"""
    hit = catalog.find_any(name)
    if hit is None:
        sugg: list[str] = []
        for kind in catalog.KINDS:
            sugg += catalog.table(kind).suggest(name, 2)
        from .errors import UnknownNameError

        raise UnknownNameError("name", name, "catalog entry", sugg[:4])
    kind, row = hit
    data = row.model_dump(mode="json")
    if as_json:
        _print_json({"catalog": kind, **data})
        return
    t = Table(title=f"{kind}: {data.get('id')}", show_header=False)
    t.add_column("field")
    t.add_column("value", overflow="fold")
    for k, v in data.items():
        t.add_row(k, "" if v is None else (", ".join(v) if isinstance(v, list) else str(v)))
    out.print(t)


@app.command()
@guarded
def size(
    model: str = typer.Option(..., "--model", help="model id or alias, e.g. llama-3.1-70b"),
    gpu: str = typer.Option(..., "--gpu", help="GPU id or alias, e.g. h100-sxm"),
    gpus: int = typer.Option(0, "--gpus", help="GPUs per replica (tensor parallel); 0 = the fewest that fit"),
    precision: str = typer.Option("fp8", "--precision", help="fp16, bf16, fp8, int8, int4 or fp4"),
    engine: str = typer.Option("", "--engine", help="trt-llm, vllm, sglang or tgi (default vllm)"),
    input_tokens: int = typer.Option(1000, "--input-tokens", help="prompt tokens per request"),
    output_tokens: int = typer.Option(1000, "--output-tokens", help="generated tokens per request"),
    concurrency: str = typer.Option("max", "--concurrency",
                                    help="concurrent sequences, or 'max' (offline throughput / largest meeting "
                                         "the targets)"),
    kv_precision: str = typer.Option("", "--kv-precision", help="KV-cache precision (default: fp8 for fp8/fp4 "
                                                                  "weights, else fp16)"),
    ttft_ms: float = typer.Option(0.0, "--ttft-ms", help="time-to-first-token target [ms]"),
    tpot_ms: float = typer.Option(0.0, "--tpot-ms", help="time-per-output-token target [ms]"),
    rps: float = typer.Option(0.0, "--rps", help="request rate to size replicas for [requests/s]"),
    peak_to_average: float = typer.Option(1.0, "--peak-to-average", help="peak headroom for --rps"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Memory, throughput and latency of a model on a GPU.

    Example: llmplace size --model llama-3.1-70b --gpu h100-sxm --gpus 8 --precision fp8 --engine trt-llm
    --input-tokens 1000 --output-tokens 1000 --concurrency max --json
    """
    from . import sizing

    m = catalog.get_model(model, "--model")
    g = catalog.get_gpu(gpu, "--gpu")
    if precision not in sizing.PRECISIONS:
        raise InputError("--precision", precision, ", ".join(sizing.PRECISIONS))
    eng = engine or sizing.DEFAULT_ENGINE
    if eng not in sizing.ENGINES:
        raise InputError("--engine", engine, ", ".join(sizing.ENGINES))
    kvp = kv_precision or None
    if kvp is not None and kvp not in sizing.PRECISIONS:
        raise InputError("--kv-precision", kv_precision, ", ".join(sizing.PRECISIONS))
    for name, val in (("--input-tokens", input_tokens), ("--output-tokens", output_tokens)):
        if val <= 0:
            raise InputError(name, val, "a whole number of tokens > 0")
    for name, fval in (("--ttft-ms", ttft_ms), ("--tpot-ms", tpot_ms), ("--rps", rps)):
        if fval < 0:
            raise InputError(name, fval, "a number >= 0 (0 = no target)")
    if peak_to_average < 1:
        raise InputError("--peak-to-average", peak_to_average, "a number >= 1")
    conc: int | None
    if concurrency.strip().lower() == "max":
        conc = None
    else:
        try:
            conc = int(concurrency)
        except ValueError:
            raise InputError("--concurrency", concurrency, "a whole number >= 1 or 'max'") from None
        if conc < 1:
            raise InputError("--concurrency", concurrency, "a whole number >= 1 or 'max'")
    n = gpus
    if n < 0:
        raise InputError("--gpus", gpus, "1, 2, 4 or 8 (or 0 for the fewest that fit)")
    if n == 0:
        n = sizing.min_gpus(m, g, precision, input_tokens, output_tokens, kv_precision=kvp) or 8
    res = sizing.estimate(m, g, n, precision, eng, input_tokens=input_tokens, output_tokens=output_tokens,
                          concurrency=conc, kv_precision=kvp, ttft_ms=ttft_ms or None, tpot_ms=tpot_ms or None,
                          rps=rps or None, peak_to_average=peak_to_average)
    data = res.to_dict()
    if as_json:
        _print_json(data)
        return
    t = Table(title=f"{m.id} on {n} x {g.id} ({precision}, {eng})", show_header=False)
    t.add_column("quantity")
    t.add_column("value", justify="right")
    for k, v in data.items():
        if isinstance(v, float):
            v = f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
        t.add_row(k, "" if v is None else str(v))
    out.print(t)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback
        err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False, highlight=False)
        raise SystemExit(1) from None
