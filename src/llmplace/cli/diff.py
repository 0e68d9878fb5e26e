"""`llmplace diff A B`: the inputs two scenarios differ in (after defaults) and what that changes in the result."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from pydantic import JsonValue
from rich.table import Table

from ..catalog.fx import money_prefix
from ..conventions import format_usd, money_in
from ..errors import InputError
from ..results.scenario_diff import OptionDelta, ScenarioDiff
from . import _print_json as print_json
from . import app, err, guarded, out
from .progress import Working

__all__ = ["diff_command", "print_diff"]

_SHOWN_INPUTS = 60  # a terminal shows this many changed inputs; --json has them all
_VALUE_CHARS = 100  # a terminal shows this much of an added or removed mapping; --json has it whole


def _in_currency(code: str | None, x: float) -> str:
    """An amount in ``code`` (USD when unknown), written as compare writes it ('€1,234')."""
    code = code or "USD"
    with money_in(code, money_prefix(code)):
        return format_usd(x)


def _money_delta(x: float | None, code: str | None, comparable: bool) -> str:
    if not comparable:
        return "n/a"
    if x is None:
        return "-"
    return ("+" if x > 0 else "-" if x < 0 else "") + _in_currency(code, abs(x))


def _value(v: JsonValue) -> str:
    """A scalar as Python writes it; a mapping or list (an added or removed option) as compact JSON, cut short."""
    if not isinstance(v, (dict, list)):
        return repr(v)
    text = json.dumps(v, separators=(",", ":"))
    return text if len(text) <= _VALUE_CHARS else text[:_VALUE_CHARS - 3] + "..."


def _side(d: OptionDelta, side: str, code: str | None) -> str:
    f = d.a if side == "a" else d.b
    if f is None:
        return "absent"
    return _in_currency(code, f.tco_usd) if f.feasible else "infeasible"


def _option_table(diff: ScenarioDiff) -> Table:
    """TCO in A and in B, each in its own currency; the changes only when both count in the same currency."""
    comparable = diff.currency_a == diff.currency_b
    code = diff.currency_a if comparable else None
    per_mtok = f"{diff.currency_a or 'USD'}/Mtok change" if comparable else "per-Mtok change"
    currencies = diff.currency_a if comparable else f"{diff.currency_a} and {diff.currency_b}"
    t = Table(title=f"Options, cash view, {currencies} (B - A; TCO over {diff.horizon_months_a} and "
              f"{diff.horizon_months_b} months)")
    for col in ("option", "TCO A", "TCO B", "TCO change", "NPV change", "upfront change", per_mtok):
        t.add_column(col, justify="left" if col == "option" else "right", no_wrap=True)
    for d in diff.options:
        t.add_row(d.id, _side(d, "a", diff.currency_a), _side(d, "b", diff.currency_b),
                  *(_money_delta(x, code, comparable) for x in (d.tco_delta_usd, d.npv_delta_usd,
                                                               d.upfront_delta_usd, d.usd_per_mtok_delta)))
    return t


def print_diff(diff: ScenarioDiff) -> None:
    """The changed inputs (A -> B), the options' deltas, then the recommendation and the cheapest option."""
    say = lambda text: out.print(text, markup=False, highlight=False)  # noqa: E731
    say(f"A: {diff.a}\nB: {diff.b}")
    say(f"Inputs that differ, defaults applied: {len(diff.inputs)}")
    for c in diff.inputs[:_SHOWN_INPUTS]:
        where = f" (only in {c.only_in.upper()})" if c.only_in else ""
        say(f"  {c.path}: {_value(c.a)} -> {_value(c.b)}{where}")
    if len(diff.inputs) > _SHOWN_INPUTS:
        say(f"  ... {len(diff.inputs) - _SHOWN_INPUTS} more (--json lists them all)")
    out.print(_option_table(diff))
    for title, pick in (("Recommendation", diff.recommendation), ("Cheapest", diff.cheapest)):
        say(f"{title}: {pick.a or '-'} -> {pick.b or '-'}" if pick.changed else
            f"{title}: unchanged ({pick.a or '-'})")
    for note in diff.notes:
        say(f"note: {note}")


@app.command("diff")
@guarded
def diff_command(
    a: Path = typer.Argument(..., help="Scenario A (YAML or JSON)."),
    b: Path = typer.Argument(..., help="Scenario B (YAML or JSON)."),
    as_json: bool = typer.Option(False, "--json", help="Print the differences as JSON."),
    samples: int = typer.Option(-1, "--samples", show_default=False,
                                help="Monte Carlo draws of each comparison (the recommendation weighs their ranges); "
                                     "0: none; default: each scenario's uncertainty.samples, as for compare"),
    seed: int = typer.Option(-1, "--seed", show_default=False, help="random seed of the Monte Carlo"),
) -> None:
    """What two scenarios differ in (every input after defaults) and what it changes: each option's TCO, NPV,
    upfront and cost per million tokens (B - A), the recommendation and the cheapest option.

    Example: llmplace diff examples/internal-assistant-70b.yaml my-variant.yaml --json
    """
    from ..diffing import diff_scenarios

    if samples < -1 or seed < -1:
        raise InputError("--samples" if samples < -1 else "--seed", samples if samples < -1 else seed,
                         "a whole number >= 0")
    with Working(err, "Comparing both scenarios...", 1.0):
        diff = diff_scenarios(a, b, samples=None if samples < 0 else samples, seed=None if seed < 0 else seed)
    if as_json:
        print_json(diff.model_dump(mode="json"))
        return
    print_diff(diff)
