"""The `llmplace` command line: a thin layer over the public API.

Exit status: 0 on success, 2 on bad input (one line naming the field, the value and what is
allowed), 1 on an internal error. Never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from .. import __version__, catalog
from ..conventions import DEFAULT_SAMPLES, MAX_SAMPLES, MIN_SAMPLES, SAMPLED_BREAK_EVEN_LEADERS, STALE_AFTER_DAYS
from ..errors import InputError, LlmplaceError
from .completion import complete_format, complete_gpu, complete_model, complete_view
from .models import add_model
from .progress import SamplingProgress, Working
from .refresh import overlay_note, register

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="llmplace",
    help="Where to run open-weight LLMs: in-house servers, rented cloud GPUs, a managed API, or a hybrid.",
    add_completion=True,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    rich_markup_mode=None,
)
catalog_app = typer.Typer(help="Browse the bundled, dated catalogs. Example: llmplace catalog list gpus",
                          no_args_is_help=True,
                          pretty_exceptions_enable=False)
app.add_typer(catalog_app, name="catalog")



def quiet_stdout() -> None:
    """Send what is left of standard output nowhere: its reader has gone (``| head``)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


class _PipeConsole(Console):
    """rich's console, but a reader that stops early (``compare | head``) ends the command with status 0."""

    def on_broken_pipe(self) -> None:
        quiet_stdout()
        raise SystemExit(0)


out = _PipeConsole(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, soft_wrap=True)
SEED_HELP = "random seed of the Monte Carlo; default: the scenario's uncertainty.seed"
ALL_BREAK_EVENS_HELP = ("sample the break-even month of every pair of options (default: the pairs with one of "
                        f"the {SAMPLED_BREAK_EVEN_LEADERS} cheapest)")
SAMPLES_HELP = ("Monte Carlo draws (ranges, probability of being cheapest, tornado, thresholds); 0: none; "
                f"default: the scenario's uncertainty.samples, else {DEFAULT_SAMPLES:,}")


def guarded(fn: F) -> F:
    """Turn llmplace errors into one-line messages and exit statuses 2 (input) or 1 (internal)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError:  # the reader of standard output stopped early: not an error
            quiet_stdout()
            raise typer.Exit(0) from None
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


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


@app.command()
@guarded
def compare(
    scenario: Path = typer.Argument(..., help="Scenario file (YAML or JSON)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
    samples: int = typer.Option(-1, "--samples", show_default=False, help=SAMPLES_HELP),
    seed: int = typer.Option(-1, "--seed", show_default=False, help=SEED_HELP),
    all_break_evens: bool = typer.Option(False, "--all-break-evens", help=ALL_BREAK_EVENS_HELP),
    catalogs: list[Path] = typer.Option([], "--catalog", help="directory of catalog CSVs (servers.csv, clouds.csv, "
                                        "api_overrides.csv, models.csv, gpus.csv) adding or overriding rows"),
    view: str = typer.Option("", "--view", show_default=False, autocompletion=complete_view,
                             help="cash (default: money as it is paid) or amortised (purchases spread over their "
                                  "useful life) for the table and summary; --json: the same document plus 'view'"),
) -> None:
    """Compare every option of a scenario: upfront, TCO, NPV, cost per million tokens, break-even.

    Example: llmplace compare examples/internal-assistant-70b.yaml --json
    """
    from ..decision import compare as run_compare
    from ..decision import front_end_samples
    from ..scenario.portfolio import Portfolio, load_any

    if samples < -1 or seed < -1:
        raise InputError("--samples" if samples < -1 else "--seed", samples if samples < -1 else seed,
                         "a whole number >= 0")
    from ..report.views import check_view, in_view

    view_name = check_view(view or "cash")
    catalog.use_catalogs(catalogs)
    s = load_any(scenario)
    if isinstance(s, Portfolio):
        from .portfolio import compare_portfolio_command

        compare_portfolio_command(s, as_json, samples, view_name, view, seed)
        return
    with SamplingProgress(err, samples) as progress:
        result = run_compare(s, samples=front_end_samples(s, None if samples < 0 else samples),
                             seed=None if seed < 0 else seed, progress=progress, all_break_evens=all_break_evens)
    if (note := overlay_note()) is not None:
        err.print(note, markup=False, highlight=False)
    if as_json:
        _print_json({**result.to_dict(), **({"view": view_name} if view else {})})
        return
    from .comparison import print_comparison

    print_comparison(in_view(result, view_name))


@app.command()
@guarded
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor autocompletion).

    Example: llmplace schema > scenario.schema.json
    """
    from ..scenario import scenario_json_schema

    _print_json(scenario_json_schema())


# speculative decoding options of `size` (see sizing/speculative.py)
_SPEC_METHOD = typer.Option("", "--spec-method", help="speculative decoding: draft, eagle, mtp or ngram (default off)")
_SPEC_TOKENS = typer.Option(0, "--spec-tokens", help="tokens drafted per step k (0 = the method's default)")
_SPEC_ACCEPTANCE = typer.Option(-1.0, "--spec-acceptance", show_default=False,
                                help="per-token acceptance rate 0-1 (default: the method's published value)")
_SPEC_DRAFT_MODEL = typer.Option("", "--spec-draft-model", help="draft model id (with --spec-method draft)",
                                 autocompletion=complete_model)


def _spec_options(method: str, tokens: int, acceptance: float, draft_model: str) -> dict[str, Any]:
    """The ``spec_*`` arguments of :func:`~llmplace.sizing.size_document` from the options (unset: None)."""
    return {"spec_method": method.strip().lower() or None, "spec_tokens": tokens or None,
            "spec_acceptance": None if acceptance == -1.0 else acceptance,
            "spec_draft_model": draft_model.strip() or None}


@app.command()
@guarded
def size(
    model: str = typer.Option(..., "--model", help="model id or alias, e.g. llama-3.1-70b",
                              autocompletion=complete_model),
    gpu: str = typer.Option(..., "--gpu", help="GPU id or alias, e.g. h100-sxm", autocompletion=complete_gpu),
    gpus: int = typer.Option(0, "--gpus", help="GPUs per replica: 1, 2, 4, 8 in one server or a multiple of 8 "
                             "over several; 0 = the fewest that fit"),
    nodes: int = typer.Option(0, "--nodes", help="servers per replica (8 GPUs each); 0 = from --gpus"),
    pp: int = typer.Option(0, "--pp", help="pipeline stages (default: one per server)"),
    ep: bool = typer.Option(False, "--ep", help="expert parallelism: a mixture-of-experts model's experts "
                            "spread over all the replica's GPUs"),
    dp_attention: bool = typer.Option(False, "--dp-attention", help="data-parallel attention: each GPU holds "
                                      "the attention weights and its own sequences' KV cache"),
    tp_across_nodes: bool = typer.Option(False, "--tp-across-nodes", help="one tensor-parallel group over all "
                                         "the servers instead of pipeline stages"),
    fabric: str = typer.Option("", "--fabric", help="network between servers: infiniband-ndr, roce-400g, "
                               "roce-200g or ethernet-100g (default, the slowest)"),
    precision: str = typer.Option("fp8", "--precision", help="fp16, bf16, fp8, int8, int4, mxfp4 or nvfp4"),
    engine: str = typer.Option("", "--engine", help="trt-llm, vllm, sglang or tgi (default vllm)"),
    input_tokens: int = typer.Option(1000, "--input-tokens", help="prompt tokens per request"),
    output_tokens: int = typer.Option(1000, "--output-tokens", help="generated tokens per request"),
    concurrency: str = typer.Option("max", "--concurrency",
                                    help="concurrent sequences, or 'max' (offline throughput / largest meeting "
                                         "the targets)"),
    kv_precision: str = typer.Option("", "--kv-precision", help="KV-cache precision (default: fp8 for fp8/4-bit float "
                                                                  "weights, else fp16)"),
    ttft_ms: float = typer.Option(0.0, "--ttft-ms", help="time-to-first-token target [ms]; 0 = the default"),
    tpot_ms: float = typer.Option(0.0, "--tpot-ms", help="time-per-output-token target [ms]; 0 = the default"),
    workload: str = typer.Option("interactive", "--workload", help="interactive (default targets for those not "
                                 "given, from site.csv) or batch (no default targets: throughput only)"),
    rps: float = typer.Option(0.0, "--rps", help="request rate to size replicas for [requests/s]"),
    peak_to_average: float = typer.Option(1.0, "--peak-to-average", help="peak headroom for --rps"),
    spec_method: str = _SPEC_METHOD, spec_tokens: int = _SPEC_TOKENS,
    spec_acceptance: float = _SPEC_ACCEPTANCE, spec_draft_model: str = _SPEC_DRAFT_MODEL,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Memory, throughput and latency of a model on a GPU.

    Example: llmplace size --model llama-3.1-70b --gpu h100-sxm --gpus 8 --precision fp8 --engine trt-llm
    --input-tokens 1000 --output-tokens 1000 --concurrency max --json
    """
    from .. import sizing

    conc = _concurrency_option(concurrency)
    precision, engine, kv_precision = (x.strip().lower() for x in (precision, engine, kv_precision))  # FP8 = fp8
    data = sizing.size_document(
        model, gpu, gpus=gpus, precision=precision, engine=engine or None, input_tokens=input_tokens,
        **_spec_options(spec_method, spec_tokens, spec_acceptance, spec_draft_model),
        output_tokens=output_tokens, concurrency=conc, kv_precision=kv_precision or None, ttft_ms=ttft_ms or None,
        tpot_ms=tpot_ms or None, rps=rps or None, peak_to_average=peak_to_average, workload=workload,
        field=lambda name: "--" + name.replace("_", "-"),
        parallel=sizing.ParallelAsk(nodes=nodes, pp=pp, ep=ep, dp_attention=dp_attention,
                                    tp_across_nodes=tp_across_nodes, fabric=fabric.strip().lower() or None))
    m_id, g_id, n, eng = data["model"], data["gpu"], data["gpus"], data["engine"]
    if as_json:
        _print_json(data)
        return
    from .sizing_view import print_size

    print_size(data, f"{m_id} on {n} x {g_id} ({precision}, {eng})")


def _concurrency_option(value: str) -> int | None:
    """``--concurrency``: a whole number, or ``max`` (None)."""
    if value.strip().lower() == "max":
        return None
    try:
        return int(value)
    except ValueError:
        raise InputError("--concurrency", value, "a whole number >= 1 or 'max'") from None


@app.command()
@guarded
def serve(
    host: str = typer.Option("127.0.0.1", "--host",
                             help="address to listen on (loopback unless --allow-remote)"),
    port: int = typer.Option(8000, "--port", help="TCP port"),
    db: str = typer.Option("", "--db",
                           help="saved scenarios: a database URL (sqlite:///..., postgresql+psycopg://...) "
                                "or a SQLite file; default $LLMPLACE_DB, else the user data directory"),
    allow_remote: bool = typer.Option(False, "--allow-remote",
                                      help="allow a non-loopback --host (needs --token)"),
    token: str = typer.Option("", "--token", envvar="LLMPLACE_TOKEN",
                              help="access token that every page and API request must present "
                                   "(Bearer header or ?token=)"),
) -> None:
    """Start the local web app and REST API (http://127.0.0.1:8000 by default; API under /api/v1).

    Example: llmplace serve --port 8000 --db ~/llmplace.db
    """
    from ..web.server import serve as run_server

    run_server(host=host, port=port, db=db or None, allow_remote=allow_remote, token=token or None)


def _Working(message: str, delay_s: float = 1.0) -> Working:  # noqa: N802 (reads like the class it makes)
    return Working(err, message, delay_s)


def _output_path(value: str, field: str) -> Path:
    """A path a command may write: not a folder, in a folder that exists."""
    p = Path(value).expanduser()
    if p.is_dir():
        raise InputError(field, value, "a file path, not a folder")
    if not p.parent.is_dir():
        raise InputError(field, value, "a file in an existing folder", "the folder does not exist")
    return p


@app.command()
@guarded
def report(
    scenario: Path = typer.Argument(..., help="Scenario file (YAML or JSON)."),
    output: str = typer.Option("", "--output", "-o",
                               help="File to write, or - for standard output (html, md, json); "
                                    "default: <scenario>-report.<format> in the current folder"),
    fmt: str = typer.Option("", "--format", "-f", autocompletion=complete_format,
                            help="html, md, json, xlsx, pdf or pptx (a slide deck); default: from the --output "
                                 "suffix, else html"),
    one_page: bool = typer.Option(False, "--one-page", help="with pdf: the executive summary alone, on one page"),
    as_json: bool = typer.Option(False, "--json", help="Print what was written (path, format, size) as JSON"),
    samples: int = typer.Option(-1, "--samples", show_default=False, help=SAMPLES_HELP),
    seed: int = typer.Option(-1, "--seed", show_default=False, help=SEED_HELP),
    all_break_evens: bool = typer.Option(False, "--all-break-evens", help=ALL_BREAK_EVENS_HELP),
    map_x: str = typer.Option("", "--map-x", help="Add a decision map: PATH=LOW:HIGH[:log][:N] (with --map-y)"),
    map_y: str = typer.Option("", "--map-y", help="The decision map's second input (with --map-x)"),
) -> None:
    """Write the decision report: one self-contained HTML page (charts, tables, every assumption with
    its source and date) that opens offline, or the same content as Markdown, JSON, a workbook or PDF.

    \b
    Examples:
      llmplace report examples/internal-assistant-70b.yaml -o report.html
      llmplace report examples/classification-8b.yaml -o costs.xlsx
      llmplace report examples/consumer-chat.yaml --format md -o - --samples 0
      llmplace report examples/internal-assistant-70b.yaml -o board.pdf   (needs Chromium installed)
      llmplace report examples/internal-assistant-70b.yaml -o board.pdf --one-page
      llmplace report examples/internal-assistant-70b.yaml -o board.pptx
      llmplace report examples/consumer-chat.yaml --map-x workload.requests_per_month=1e6:1e8:log
        --map-y finance.api_price_change_pct_per_year=-40:0
    """
    from ..decision import compare as run_compare
    from ..decision import front_end_samples
    from ..report import render
    from .maps import report_map
    from .portfolio import scenario_or_portfolio_report

    s = scenario_or_portfolio_report(scenario, (output, fmt), samples, as_json, (one_page, map_x, map_y), seed)
    if s is None:
        return
    kind, target = _report_target(scenario, output, fmt)
    if one_page and kind != "pdf":
        raise InputError("--one-page", kind, "--format pdf (the one-page board summary is a PDF)")
    if 0 < samples < MIN_SAMPLES or samples > MAX_SAMPLES:
        raise InputError("--samples", samples,
                         f"0 (no Monte Carlo) or a whole number from {MIN_SAMPLES} to {MAX_SAMPLES:,}")
    samples = front_end_samples(s, None if samples < 0 else samples)
    dmap = report_map(s, map_x, map_y)
    with _Working("Comparing the options...") as work:

        def progress(done: int, total: int) -> None:
            work.update(f"Monte Carlo: {done:,} of {total:,} draws...")

        result = run_compare(s, samples=samples, seed=None if seed < 0 else seed, progress=progress,
                             all_break_evens=all_break_evens)
        work.update(f"Writing the {kind} report...")
        data = render(result, kind, source=scenario.name, one_page=one_page, decision_map=dmap)
    if target is None:
        sys.stdout.write(data if isinstance(data, str) else data.decode())
        return
    _write_report(target, output, kind, data, result, as_json)


def _report_target(scenario: Path, output: str, fmt: str) -> tuple[str, Path | None]:
    """The report's format and the file to write (None: standard output), checked before any work."""
    from ..report import BINARY_FORMATS, output_format

    kind = output_format(fmt, output if output not in ("", "-") else None)
    if output == "-" and kind in BINARY_FORMATS:
        raise InputError("--output", output, f"a file path ({kind} is a binary format)")
    target = None if output == "-" else _output_path(output or f"{scenario.stem}-report.{kind}", "--output")
    if target is not None and scenario.exists() and target.resolve() == scenario.resolve():
        raise InputError("--output", output, "a path other than the scenario file")
    if kind == "pdf":
        from ..report.pdf import chromium_missing, find_chromium

        if find_chromium() is None:
            raise chromium_missing()
    return kind, target


def _write_report(target: Path, output: str, kind: str, data: str | bytes, result: Any, as_json: bool) -> None:
    """Write the rendered report to ``target``, then say what was written and how many catalog values are stale."""
    import datetime as dt

    from ..report.content import staleness

    try:
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise InputError("--output", output, "a writable file path", exc.strerror or str(exc)) from None
    size = target.stat().st_size
    stale = staleness(result, dt.date.today()).stale
    if as_json:
        _print_json({"path": str(target), "format": kind, "bytes": size, "stale_catalog_values": len(stale)})
    else:
        out.print(f"Wrote {target} ({kind}, {size:,} bytes)", markup=False, highlight=False)
    if stale and not as_json:
        err.print(f"note: {len(stale)} prices or offers are older than {STALE_AFTER_DAYS} days; "
                  "the report lists them", markup=False, highlight=False)


@app.command()
@guarded
def init(
    path: str = typer.Argument("scenario.yaml", help="File to write (default: scenario.yaml)."),
    interactive: bool = typer.Option(False, "--interactive", "-i",
                                     help="Ask for the model, requests a month, tokens in and out, hours."),
    model: str = typer.Option("llama-3.3-70b", "--model", help="Model of the starter (catalog id or alias).",
                              autocompletion=complete_model),
    force: bool = typer.Option(False, "--force", help="Overwrite the file if it exists."),
) -> None:
    """Write a commented starter scenario to edit, with one in-house, one cloud and one API option.

    \b
    Examples:
      llmplace init                                  (writes scenario.yaml)
      llmplace init my-case.yaml --model llama-3.1-8b
      llmplace init my-case.yaml --interactive
    """
    from ..scenario.starter import starter_scenario

    target = _output_path(path, "PATH")
    if target.exists() and not force:
        raise InputError("PATH", path, "a new file, or --force to overwrite it", "file exists")
    catalog.get_model(model, "--model")
    answers: dict[str, Any] = {}
    if interactive:
        model = typer.prompt("Model (catalog id or alias, see `llmplace catalog list models`)", default=model)
        catalog.get_model(model, "model")
        for key, question, default, low, high in (
            ("requests_per_month", "Requests a month", 1_000_000.0, 1.0, 1e15),
            ("input_tokens", "Prompt tokens per request", 1000.0, 1.0, 1e7),
            ("output_tokens", "Generated tokens per request", 300.0, 1.0, 1e7),
            ("active_hours_per_month", "Hours a month with traffic (730: all day)", 730.0, 1.0, 744.0),
        ):
            value = typer.prompt(question, default=default, type=float)
            if not low <= value <= high:
                raise InputError(question.lower(), value, f"a number from {low:g} to {high:g}")
            answers[key] = value
        if answers["active_hours_per_month"] >= 730:
            answers["active_hours_per_month"] = None
    text = starter_scenario(path, model, **answers)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError("PATH", path, "a writable file path", exc.strerror or str(exc)) from None
    out.print(f"Wrote {target}: edit it, then run `llmplace compare {path}` or `llmplace report {path}`",
              markup=False, highlight=False)


from . import diff as _diff  # noqa: E402,F401 - registers `diff`
from . import listing as _listing  # noqa: E402,F401 - registers `catalog list` and `catalog show`
from . import maps as _maps  # noqa: E402,F401 - registers `map`

catalog_app.command("add-model")(guarded(add_model))
register(catalog_app, out, err, guarded)  # catalog refresh and catalog diff (refresh.py)
from . import sweep as _sweep  # noqa: E402,F401 - registers `sweep`
