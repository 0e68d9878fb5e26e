"""`llmplace compare` of a portfolio: each workload's options, then the plans with each team's showback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from ..catalog.fx import money_prefix
from ..conventions import format_usd, money_in
from ..errors import InputError
from ..scenario import Scenario
from . import _print_json, out

__all__ = ["compare_portfolio_command", "print_portfolio", "scenario_or_portfolio_report", "report_portfolio_command"]


def compare_portfolio_command(portfolio: Any, as_json: bool, samples: int, view: str = "cash",
                              view_as_written: str = "", seed: int = -1) -> None:
    """Compare a portfolio and print it (``--json``: the whole result).

    Point values unless ``--samples`` is given (above 0: Monte Carlo ranges per option and plan, ``--seed`` or the
    first workload's ``uncertainty.seed``); any ``--view`` but cash is refused in one line.
    """
    from ..portfolio import compare_portfolio

    if view != "cash":
        raise InputError("--view", view_as_written or view, "cash", "portfolios have no amortised view yet")
    result = compare_portfolio(portfolio, samples=max(samples, 0), seed=None if seed < 0 else seed)
    if as_json:
        _print_json(result.to_dict())
        return
    print_portfolio(result)


def scenario_or_portfolio_report(path: Path, where: tuple[str, str], samples: int, as_json: bool,
                                 extras: tuple[bool, str, str], seed: int = -1) -> Scenario | None:
    """The scenario in ``path``; or, when it is a portfolio, its report written (None)."""
    from ..scenario.portfolio import Portfolio, load_any

    loaded = load_any(path)
    if not isinstance(loaded, Portfolio):
        return loaded
    extra = next((n for n, v in zip(("--one-page", "--map-x", "--map-y"), extras, strict=True) if v), "")
    report_portfolio_command(loaded, path, where, samples, as_json, extra, seed)
    return None


def report_portfolio_command(portfolio: Any, scenario: Path, where: tuple[str, str], samples: int, as_json: bool,
                             extra: str, seed: int = -1) -> None:
    """``llmplace report`` of a portfolio: html, md, json or xlsx (``where``: the --output and --format given);
    Monte Carlo ranges with ``--samples`` above 0 (point values by default, as ``compare``)."""
    from ..portfolio import compare_portfolio
    from ..report import output_format
    from ..report.portfolio import PORTFOLIO_FORMATS, portfolio_document
    from . import _report_target

    output, fmt = where
    kind = output_format(fmt, output if output not in ("", "-") else None)
    if kind not in PORTFOLIO_FORMATS:
        raise InputError("--format", kind, f"{', '.join(PORTFOLIO_FORMATS)} for a portfolio (the other formats read "
                         "one workload)")
    if extra:
        raise InputError(extra, "given", "left out for a portfolio (it reads one workload)")
    _, target = _report_target(scenario, output, kind)
    result = compare_portfolio(portfolio, samples=max(samples, 0), seed=None if seed < 0 else seed)
    data = portfolio_document(result, kind)
    if target is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise InputError("--output", output, "a writable file path", exc.strerror or str(exc)) from None
    size = target.stat().st_size
    if as_json:
        _print_json({"path": str(target), "format": kind, "bytes": size})
    else:
        out.print(f"Wrote {target} ({kind}, {size:,} bytes)", markup=False, highlight=False)


def _line(text: str) -> None:
    out.print(text, markup=False, highlight=False)


def print_portfolio(result: Any) -> None:
    """Per workload: each option's TCO or why it is out; then each plan's total and showback; money in the
    portfolio's currency, written as compare writes it ('€1,234')."""
    with money_in(result.currency, money_prefix(result.currency)):
        _print_tables(result)


def _range(r: Any) -> str:
    return "" if r is None else f"{format_usd(r.p10)} - {format_usd(r.p90)}"


def _print_tables(result: Any) -> None:
    ranged = result.uncertainty is not None
    for w in result.workloads:
        t = Table(title=f"{w.id} ({w.model}): {result.horizon_months} months, cash view, {result.currency}")
        for col in ("option", "kind", "TCO", *(("P10 - P90",) if ranged else ()), "note"):
            t.add_column(col, justify="right" if col in ("TCO", "P10 - P90") else "left")
        for o in w.options:
            mark = " *" if o.option == w.cheapest else ""
            t.add_row(o.option + mark, o.kind, format_usd(o.tco_usd), *((_range(o.tco_range_usd),) if ranged else ()),
                      o.note)
        out.print(t)
    t = Table(title=f"{result.name}: plans for every workload (showback per workload)")
    extra = ("P10 - P90", "P(cheapest)") if ranged else ()
    money = ("total", *extra, "separate fleets", "staff saving", "showback")
    cols = ("plan", "total", *extra, "separate fleets", "staff saving", "workload", "served by", "showback", "basis")
    for col in cols:
        t.add_column(col, justify="right" if col in money else "left")
    for p in result.plans:
        mark = " *" if p.id == result.cheapest_plan else ""
        chance = "" if p.probability_cheapest is None else f"{p.probability_cheapest:.0%}"
        for k, row in enumerate(p.showback):
            first = k == 0
            t.add_row(p.id + mark if first else "", format_usd(p.tco_usd) if first else "",
                      *((_range(p.tco_range_usd), chance) if ranged and first else ("", "") if ranged else ()),
                      format_usd(p.separate_tco_usd) if first and p.separate_tco_usd is not None else "",
                      format_usd(p.staff_saving_usd) if first and p.staff_saving_usd is not None else "",
                      row.workload, row.option, format_usd(row.usd), row.basis)
    out.print(t)
    _print_notes(result)


def _print_notes(result: Any) -> None:
    for p in result.plans:
        if p.infeasible_reason:
            _line(f"  {p.id}: no answer: {p.infeasible_reason}")
        for note in p.notes:
            _line(f"  {p.id}: {note}")
    if result.cheapest_plan:
        _line(f"Cheapest plan: {result.cheapest_plan} (*)")
    if result.uncertainty is not None:
        u = result.uncertainty
        shared = ", ".join(i.label for i in u.inputs if i.shared)
        _line(f"Monte Carlo: {u.samples:,} samples, seed {u.seed}; drawn once for every workload: {shared or 'none'}")
    for note in result.notes:
        _line(f"Note: {note}")
