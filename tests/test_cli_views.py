"""`compare --view cash|amortised`: the table and the summary read the view asked for; --json is the
same document plus a `view` echo.

The amortised figures come from the engine's own amortised view of each option
(``OptionResult.amortised``): an in-house server bought for $332,850 is spread over its useful life,
so over a horizon shorter than that life its amortised TCO is below its cash TCO (the book value left
at the horizon is not counted); the check below reads both from the result, nothing is pinned.
"""

from __future__ import annotations

import json
from functools import cache

import llmplace
from llmplace.conventions import format_usd
from llmplace.report.views import in_view
from llmplace.results import CompareResult

from .conftest import EXAMPLES
from .test_cli import _one_line_error

EXAMPLE = str(next(p for p in EXAMPLES if p.stem == "internal-assistant-70b"))


@cache
def _result() -> CompareResult:
    return llmplace.compare(EXAMPLE, samples=0)


def test_amortised_table_and_summary_show_the_amortised_tco(invoke):
    """The in-house option's row and its summary tile show its amortised TCO, not its cash TCO; the table
    title names the view and a note says what the view leaves out."""
    own = _result().find("own-8xh100")
    assert own is not None and own.amortised is not None
    assert own.amortised.tco_usd < own.tco_usd  # book value at month 36 is not counted
    res = invoke("compare", EXAMPLE, "--samples", "0", "--view", "Amortised")
    assert res.exit_code == 0, res.output
    row = next(ln for ln in res.stdout.splitlines() if "own-8xh100" in ln and "in_house" in ln)
    assert format_usd(own.amortised.tco_usd) in row and format_usd(own.tco_usd) not in row
    tile = next(ln for ln in res.stdout.splitlines()  # the server's tile (recommended or runner-up)
                if ln.startswith("  ") and "OEM HGX H100 8-GPU server: upfront" in ln)
    assert f"TCO {format_usd(own.amortised.tco_usd)}" in tile
    assert "amortised view" in res.stdout and "book value" in res.stdout
    cash = invoke("compare", EXAMPLE, "--samples", "0")
    assert f"TCO {format_usd(own.tco_usd)}" in cash.stdout and "cash view" in cash.stdout


def test_cheapest_is_read_in_the_view():
    """The cheapest option of the amortised view is the lowest amortised TCO among serving options."""
    r = _result()
    amortised = in_view(r, "amortised")
    lowest = min((o for o in r.options if o.feasible and o.amortised), key=lambda o: o.amortised.tco_usd)
    assert amortised.find(amortised.cheapest) is not None
    assert amortised.find(amortised.cheapest).tco_usd == lowest.amortised.tco_usd
    assert amortised.convention.view == "amortised" and in_view(r, "cash") is r


def test_json_is_unchanged_but_for_the_view_echo(invoke):
    plain = json.loads(invoke("compare", EXAMPLE, "--samples", "0", "--json").stdout)
    viewed = json.loads(invoke("compare", EXAMPLE, "--samples", "0", "--json", "--view", "amortised").stdout)
    assert viewed.pop("view") == "amortised"
    assert viewed == plain


def test_unknown_view_is_one_line(invoke):
    _one_line_error(invoke("compare", EXAMPLE, "--view", "book"), "--view", "book", "cash or amortised")


def test_amortised_summary_quotes_no_cash_threshold():
    """'The choice holds unless X costs N % less than modelled ($T instead of $C)' compares a cash-view
    threshold T with the option's TCO C; in the amortised view C was the amortised TCO, so the sentence
    mixed two views in one bracket. It is left out there (the cash view keeps it)."""
    from llmplace.report.content import build

    r = llmplace.compare(next(p for p in EXAMPLES if p.stem == "consumer-chat"), samples=0)
    holds = "The choice holds unless"
    assert any(k.startswith(holds) for k in build(r).summary.key_reasons)
    assert not any(k.startswith(holds) for k in build(in_view(r, "amortised")).summary.key_reasons)
