"""The portfolio report: its workbook (xlsx) and the catalog sources and dates every workload's options used."""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import cache

import pytest
import yaml
from openpyxl import load_workbook

from llmplace.portfolio import compare_portfolio
from llmplace.report.portfolio import portfolio_document, render_portfolio, stale_text

from .conftest import ROOT

PORTFOLIO = ROOT / "examples" / "portfolios" / "two-teams.yaml"
SERVERS_CSV = ROOT / "src" / "llmplace" / "catalog" / "data" / "servers.csv"
TODAY = dt.date(2026, 12, 3)


@cache
def _result():
    return compare_portfolio(PORTFOLIO)


def _server_row(server_id: str) -> dict[str, str]:
    with SERVERS_CSV.open(encoding="utf-8") as f:
        return next(r for r in csv.DictReader(f) if r["id"] == server_id)


def test_the_portfolio_lists_the_catalog_rows_its_workloads_used_with_source_and_date():
    """The portfolio report said it listed no catalog sources or dates. The result now carries every catalog row
    the workloads' options used, once, with who used it: the shared server build (as dated and sourced in the
    bundled servers.csv) by both teams' own-8xh100, and one API price row per model (70B for the assistant, 8B
    for the chat); the Markdown report lists them under 'Sources and dates'."""
    r = _result()
    rows = {(c.catalog, c.id): c for c in r.catalog_rows}
    server = rows[("servers", "hgx-h100-8x-oem")]
    want = _server_row("hgx-h100-8x-oem")
    assert (server.as_of, server.source) == (want["as_of"], want["source"])
    assert server.used_by == ["internal-assistant/own-8xh100", "public-chat/own-8xh100"]
    assert rows[("apis", "together/llama-3.3-70b")].used_by == ["internal-assistant/together"]
    assert rows[("apis", "together/llama-3.1-8b")].used_by == ["public-chat/together"]
    assert {a.name for a in r.assumptions} >= {"electricity_usd_per_kwh", "pue"}
    md = render_portfolio(r, "md", TODAY)
    assert "lists no catalog sources" not in md
    assert "## Sources and dates" in md and f"| servers | hgx-h100-8x-oem | {want['as_of']} |" in md


def test_stale_marks_follow_the_single_report_rule():
    """Arithmetic on the 180-day rule: a price dated 2026-01 stands for 2026-01-31, 306 days before 2026-12-03
    (stale); one dated 2026-11 is fresh; a GPU datasheet does not age whatever its date; a price with no date
    says so."""
    assert stale_text("apis", "together/x", "2026-01", TODAY) == "stale: 306 days old"
    assert stale_text("apis", "together/x", "2026-11", TODAY) == ""
    assert stale_text("gpus", "h100-sxm", "2022-03", TODAY) == ""
    assert stale_text("apis", "together/x", "genai-prices 0.2.3", TODAY) == "undated"


def test_the_workbook_has_plans_showback_one_sheet_per_workload_and_sources_as_numbers():
    """The workbook (it was refused for a portfolio) holds Plans, Showback, one sheet per workload, the catalog
    rows, the site values and the notes; amounts are numbers with a money format (a finance team can add
    them up): each plan's showback cells add up to its total to the cent, and each workload sheet's TCO cells
    are the workload's own option totals."""
    r = _result()
    wb = load_workbook(io.BytesIO(portfolio_document(r, "xlsx", TODAY)))
    assert wb.sheetnames == ["Plans", "Showback", "internal-assistant", "public-chat", "Catalog rows",
                             "Site values", "Notes"]
    plans = {row[0]: row for row in wb["Plans"].iter_rows(min_row=2, values_only=True)}
    assert set(plans) == {p.id for p in r.plans}
    assert wb["Plans"]["C2"].number_format == '"$"#,##0.00' and isinstance(wb["Plans"]["C2"].value, float)
    showback: dict[str, float] = {}
    for row in wb["Showback"].iter_rows(min_row=2, values_only=True):
        showback[row[0]] = showback.get(row[0], 0.0) + row[3]
    for plan_id, row in plans.items():
        assert round(showback[plan_id] * 100) == round(row[2] * 100)
    for w in r.workloads:
        tco = {row[0]: row[3] for row in wb[w.id].iter_rows(min_row=2, values_only=True)}
        assert tco == {o.option: o.tco_usd for o in w.options}
    catalog = [row for row in wb["Catalog rows"].iter_rows(min_row=2, values_only=True)]
    assert ("servers", "hgx-h100-8x-oem", _server_row("hgx-h100-8x-oem")["as_of"]) in [c[:3] for c in catalog]


def test_a_sampled_workbook_has_the_ranges_and_the_cli_and_rest_write_it(tmp_path, invoke):
    """With samples the Plans sheet adds P10/P50/P90 (ordered numbers) and P(cheapest) as a percentage; the CLI
    writes the workbook with --format xlsx (it was exit status 2) and POST /api/v1/report?format=xlsx answers
    it (it was a 422), named as a download; the page's HTML download of a portfolio is named too."""
    out = tmp_path / "folio.xlsx"
    res = invoke("report", str(PORTFOLIO), "--format", "xlsx", "-o", str(out), "--samples", "200", "--seed", "4")
    assert res.exit_code == 0, res.output
    ws = load_workbook(out)["Plans"]
    head = [c.value for c in ws[1]]
    assert head[2:7] == ["total", "total P10", "total P50", "total P90", "P(cheapest)"]
    for row in ws.iter_rows(min_row=2, values_only=True):
        assert row[3] <= row[4] <= row[5]
    assert ws["G2"].number_format == "0.0%"
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    with TestClient(create_app(f"sqlite:///{tmp_path / 'api.db'}")) as client:
        got = client.post("/api/v1/report?format=xlsx&samples=0", json=yaml.safe_load(PORTFOLIO.read_text()))
        assert got.status_code == 200, got.text
        assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert load_workbook(io.BytesIO(got.content)).sheetnames[0] == "Plans"
        assert got.headers["content-disposition"] == 'attachment; filename="Two-teams-one-platform-report.xlsx"'
        page = client.post("/api/v1/report?format=html&download=true&samples=0",
                           json=yaml.safe_load(PORTFOLIO.read_text()))
        assert page.headers["content-disposition"].endswith('-report.html"')  # the page's Download report
