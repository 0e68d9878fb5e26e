"""Decision maps: the cheapest and the recommended option over a grid of two inputs, in one vectorised pass.

Each checked cell is recomputed by an independent `compare` of the scenario with that cell's two values
written into it: the map must name the same cheapest option and the same TCOs (1e-9 relative: the same
arithmetic on the sample axis instead of a point run), the same recommendation, and the same weighted totals
for the options it re-scores fully (not hybrids, whose non-cost criteria stay at the point: the stated
simplification).
"""

from __future__ import annotations

import copy

import pytest
import yaml

from llmplace import compare
from llmplace.errors import InputError
from llmplace.maps import Axis, decision_map, parse_axis

from .conftest import EXAMPLES

CHAT = next(p for p in EXAMPLES if p.stem == "consumer-chat")


def test_every_checked_cell_matches_a_compare_of_that_cell():
    doc = yaml.safe_load(CHAT.read_text())
    x = Axis("workload.requests_per_month", 1e6, 1e8, log=True, steps=5)
    y = Axis("workload.growth_pct_per_month", 0, 10, steps=3)
    m = decision_map(doc, x, y)
    assert len(m.cheapest) == 3 and all(len(row) == 5 for row in m.cheapest)
    assert len(set(c for row in m.cheapest for c in row)) >= 2  # the answer does change across this grid
    for r, c in ((0, 0), (1, 2), (2, 4), (0, 4), (0, 3)):
        cell = copy.deepcopy(doc)
        cell["workload"]["requests_per_month"] = m.x_values[c]
        cell["workload"]["growth_pct_per_month"] = m.y_values[r]
        res = compare(cell, samples=0)
        assert m.cheapest[r][c] == res.cheapest, (r, c)
        assert m.recommended[r][c] == res.recommendation.option, (r, c)
        for o in res.options:
            if o.kind != "hybrid" and o.criteria is not None and o.criteria.eligible:
                assert m.weighted_total[o.id][r][c] == pytest.approx(o.criteria.weighted_total, abs=1e-4), (o.id, r, c)
        for oid in m.candidates:
            assert m.tco_usd[oid][r][c] == pytest.approx(res.option(oid).tco_usd, rel=1e-9), (oid, r, c)
    assert sum(m.share_of_cells.values()) == pytest.approx(1.0)
    assert m.recommended[0][3] != m.cheapest[0][3]  # a cell where the criteria beyond cost change the answer
    assert m.point == {"workload.requests_per_month": 6e6, "workload.growth_pct_per_month": 8.0}


def test_an_option_field_can_be_an_axis():
    """An axis may be an option's own field (options.ID.FIELD): the cells change that option only. Checked on two
    cells against compares with the field written into the option."""
    doc = yaml.safe_load(CHAT.read_text())
    x = Axis("options.aws-h100-1x-autoscaled.target_utilisation", 0.4, 0.9, steps=2)
    y = Axis("workload.requests_per_month", 1e6, 1e8, log=True, steps=2)
    m = decision_map(doc, x, y)
    for r, c in ((0, 0), (1, 1)):
        cell = copy.deepcopy(doc)
        next(o for o in cell["options"] if o["id"] == "aws-h100-1x-autoscaled")["target_utilisation"] = m.x_values[c]
        cell["workload"]["requests_per_month"] = m.y_values[r]
        res = compare(cell, samples=0)
        assert m.tco_usd["aws-h100-1x-autoscaled"][r][c] == pytest.approx(res.option("aws-h100-1x-autoscaled").tco_usd,
                                                                           rel=1e-9)
        assert m.recommended[r][c] == res.recommendation.option


def test_axis_values_linear_and_log():
    assert parse_axis("workload.growth_pct_per_month=0:10:3", "--y").values() == [0.0, 5.0, 10.0]
    log = parse_axis("workload.requests_per_month=1e4:1e6:log:3", "--x").values()
    assert log == pytest.approx([1e4, 1e5, 1e6])


@pytest.mark.parametrize("spec", ["workload.requests_per_month", "x=1:2", "workload.requests_per_month=5:1",
                                  "workload.requests_per_month=0:10:log", "workload.requests_per_month=1:2:1",
                                  "workload.requests_per_month=a:b", "workload.requests_per_month=1:2:999",
                                  "workload.requests_per_month=-5:10"])
def test_bad_axis_is_one_line_naming_the_option(spec):
    with pytest.raises(InputError) as err:
        axis = parse_axis(spec, "--x")
        decision_map(CHAT, axis, Axis("workload.growth_pct_per_month", 0, 10, steps=2))
    assert "\n" not in str(err.value)


def test_map_on_the_command_line(invoke):
    """`llmplace map` prints a letter grid with its legend, or the JSON document; a bad axis exits 2."""
    res = invoke("map", str(CHAT), "--x", "workload.requests_per_month=1e6:1e8:log:4",
                 "--y", "workload.growth_pct_per_month=0:10:2")
    assert res.exit_code == 0, res.output
    assert "cheapest option by workload.growth_pct_per_month (rows)" in res.output and " = groq:" in res.output
    res = invoke("map", str(CHAT), "--x", "workload.requests_per_month=1e6:1e8:log:4",
                 "--y", "workload.growth_pct_per_month=0:10:2", "--json")
    assert res.exit_code == 0 and '"cheapest"' in res.stdout
    bad = invoke("map", str(CHAT), "--x", "workload.nothing=1:2", "--y", "workload.growth_pct_per_month=0:10")
    assert bad.exit_code == 2


def test_frontier_edges_of_a_small_grid():
    """Edges lie on the cell boundaries: the midpoint of neighbouring values (geometric on a log axis)."""
    from llmplace.maps.frontier import frontier

    x, y = Axis("a", 1.0, 100.0, log=True, steps=3), Axis("b", 0.0, 2.0, steps=3)
    assert x.edges() == pytest.approx([10 ** -0.5, 10 ** 0.5, 10 ** 1.5, 10 ** 2.5])
    assert y.edges() == pytest.approx([-0.5, 0.5, 1.5, 2.5])
    segs = frontier([["p", "q", "q"], ["p", "p", "q"], ["p", "p", "p"]], x.edges(), y.edges())
    vertical = sorted((round(s.x0, 9), s.y0, s.y1, s.before, s.after) for s in segs if s.x0 == s.x1)
    horizontal = sorted((s.y0, round(s.x0, 9), round(s.x1, 9), s.before, s.after) for s in segs if s.y0 == s.y1)
    r = [round(10 ** e, 9) for e in (-0.5, 0.5, 1.5, 2.5)]
    assert vertical == [(r[1], -0.5, 0.5, "p", "q"), (r[2], 0.5, 1.5, "p", "q")]
    assert horizontal == [(0.5, r[1], r[2], "q", "p"), (1.5, r[2], r[3], "q", "p")]


def test_frontier_agrees_with_the_pairwise_switching_thresholds():
    """Where a map row (column) holds the other input at the scenario's own value, the map's frontier must cross
    where `compare` finds the cheapest option flips for that input alone (its switching thresholds, found by
    bisection to 1e-6): the flip value lies between the two cells on either side of the frontier edge, i.e.
    within one cell width of it. consumer-chat flips groq -> aws-h100-1x-autoscaled at about 6.8 M requests a
    month and at an API price trend of about -10.3 %/yr."""
    res = compare(CHAT, samples=100, seed=1)
    flips = {t.input: t for t in res.thresholds or [] if t.flips}
    x = Axis("workload.requests_per_month", 6e5, 6e7, log=True, steps=21)  # column 10 is 6e6, the scenario's
    y = Axis("finance.api_price_change_pct_per_year", -40, 10, steps=11)  # row 5 is -15, the scenario's
    m = decision_map(CHAT, x, y)
    assert m.x_values[10] == pytest.approx(6e6) and m.y_values[5] == pytest.approx(-15.0)
    checks = [("demand_level", "workload.requests_per_month", lambda s: s.y0 < -15 < s.y1 and s.x0 == s.x1,
               m.x_values, lambda s: s.x0),
              ("api_price_trend", "finance.api_price_change_pct_per_year",
               lambda s: s.x0 < 6e6 < s.x1 and s.y0 == s.y1, m.y_values, lambda s: s.y0)]
    for name, path, on_line, values, at in checks:
        flip = flips[name]
        value = flip.scenario_changes[path]
        edges = [s for s in m.frontier_cheapest if on_line(s)]
        assert len(edges) == 1, (name, edges)
        edge = edges[0]
        assert {edge.before, edge.after} == {flip.cheapest_before, flip.cheapest_beyond}
        k = max(i for i, v in enumerate(values) if v < at(edge))
        assert values[k] <= value <= values[k + 1], (name, value, values[k], values[k + 1])


def test_map_in_every_report_format(tmp_path):
    """The report carries the map it is given: a heatmap figure in its own HTML section (counted among the charts
    the page draws), the shares table in Markdown, both grids as an xlsx sheet, the whole map in JSON."""
    import io
    import json

    from openpyxl import load_workbook

    from llmplace.report import render

    res = compare(CHAT, samples=0)
    m = decision_map(CHAT, Axis("workload.requests_per_month", 1e6, 1e8, log=True, steps=4),
                     Axis("finance.api_price_change_pct_per_year", -40, 0, steps=3))
    page = render(res, "html", decision_map=m)
    assert isinstance(page, str)
    assert '<section id="map">' in page and 'id="chart-map"' in page and 'href="#map"' in page
    drawn = page.count('<div class="chart" id="chart-')
    assert f'data-charts-expected="{drawn}"' in page  # the map's chart is among those the page must draw
    fig = json.loads(page.split('id="data-map">', 1)[1].split("</script>", 1)[0].replace("\\u003c", "<"))
    star = [t for t in fig["data"] if t.get("name") == "this scenario"]
    assert star and star[0]["x"] == [6e6] and star[0]["y"] == [-15.0]  # the scenario's own point (api trend: site.csv)
    md = render(res, "md", decision_map=m)
    assert isinstance(md, str) and "## Decision map" in md and "| groq |" in md
    doc = json.loads(str(render(res, "json", decision_map=m)))
    assert doc["decision_map"]["recommended"] == m.recommended
    xlsx = render(res, "xlsx", decision_map=m)
    assert isinstance(xlsx, bytes)
    ws = load_workbook(io.BytesIO(xlsx))["Decision map"]
    rows = [[c for c in r if c is not None] for r in ws.iter_rows(values_only=True)]
    first = next(i for i, r in enumerate(rows) if r and r[0] == "Recommended option")
    assert rows[first][1:] == pytest.approx(m.x_values)  # the sheet stores 15 significant digits
    assert rows[first + 1][1:] == m.recommended[-1] and rows[first + 1][0] == pytest.approx(m.y_values[-1])


def test_report_map_options_on_the_command_line(invoke, tmp_path):
    """`report --map-x/--map-y` adds the section; one without the other is a one-line error (exit 2)."""
    out = tmp_path / "r.md"
    res = invoke("report", str(CHAT), "--samples", "0", "-o", str(out),
                 "--map-x", "workload.requests_per_month=1e6:1e8:log:3",
                 "--map-y", "workload.growth_pct_per_month=0:10:2")
    assert res.exit_code == 0, res.output
    assert "## Decision map" in out.read_text()
    bad = invoke("report", str(CHAT), "--samples", "0", "-o", str(out), "--map-x", "workload.requests_per_month=1:2")
    assert bad.exit_code == 2 and "--map-y" in bad.output


X = "workload.requests_per_month=1e6:1e8:log:4"
Y = "workload.growth_pct_per_month=0:10:3"


def test_map_endpoint_answers_the_cli_document_and_422_on_a_bad_axis():
    """The API returns the same map as `decision_map` (the `map --json` document), the figure on request, and a
    bad axis is a 422 naming the query parameter, never a 500."""
    from fastapi.testclient import TestClient

    from llmplace.web import create_app

    doc = yaml.safe_load(CHAT.read_text())
    client = TestClient(create_app("sqlite://"))
    r = client.post("/api/v1/map", params={"x": X, "y": Y, "figure": "true"}, json=doc)
    assert r.status_code == 200, r.text
    body = r.json()
    direct = decision_map(doc, parse_axis(X, "x"), parse_axis(Y, "y"))
    assert body["recommended"] == direct.recommended and body["cheapest"] == direct.cheapest
    assert any(t.get("name") == "this scenario" for t in body["figure"]["data"])
    for x in ("workload.requests_per_month=5:1", "workload.requests_per_month", "workload.nothing=1:2"):
        bad = client.post("/api/v1/map", params={"x": x, "y": Y}, json=doc)
        assert bad.status_code == 422, (x, bad.text)
        assert "\n" not in bad.json()["detail"][0]["msg"]
    assert client.post("/api/v1/map", params={"x": X}, json=doc).status_code == 422  # y missing


def test_deprecated_offer_is_not_recommended_where_an_option_on_sale_is_eligible():
    """compare ranks a deprecated offer only when no other option is eligible (its 'not ranked' note); the map
    must apply that rule in every cell. ``ws-2x-rtx4090`` is deprecated in catalog/data/deprecations.csv: it is
    cheapest in most of this grid, yet each cell's recommendation must be what compare recommends there, and
    the map's note must name the deprecated option it kept out."""
    doc = yaml.safe_load(next(p for p in EXAMPLES if p.stem == "classification-8b").read_text())
    doc["options"] = [{"kind": "in_house", "id": "ws4090", "server": "ws-2x-rtx4090", "lead_time_weeks": 0},
                      {"kind": "in_house", "id": "ws5090", "server": "ws-2x-rtx5090", "lead_time_weeks": 0}]
    m = decision_map(doc, parse_axis("workload.requests_per_month=1e4:1e6:log:2", "x"),
                     parse_axis("options.ws5090.opex_usd_per_hour=0:20:2", "y"))
    for r, c in ((0, 0), (1, 1)):
        cell = copy.deepcopy(doc)
        cell["workload"]["requests_per_month"] = m.x_values[c]
        cell["options"][1]["opex_usd_per_hour"] = m.y_values[r]
        res = compare(cell, samples=0)
        assert m.recommended[r][c] == res.recommendation.option, (r, c)
        assert m.cheapest[r][c] == res.cheapest, (r, c)
    assert "ws4090" in m.cheapest[1]  # the deprecated offer is the cheapest somewhere, so the rule is exercised
    assert "deprecated" in m.note and "ws4090" in m.note


def test_rest_map_over_the_cell_limit_is_a_422_naming_the_axis():
    """Through the API a map is bounded at MAX_REST_MAP_CELLS (a 200 x 200 map took 7 s and 800 MB): 101 x 100
    cells is one over 10,000, a 422 naming ``x`` (the longer axis) and the limit, before any work is done."""
    from fastapi.testclient import TestClient

    from llmplace.web import create_app
    from llmplace.web.maps import MAX_REST_MAP_CELLS

    doc = yaml.safe_load(CHAT.read_text())
    client = TestClient(create_app("sqlite://"))
    r = client.post("/api/v1/map", json=doc, params={"x": "workload.requests_per_month=1e6:1e8:log:101",
                                                     "y": "workload.growth_pct_per_month=0:10:100"})
    assert r.status_code == 422, r.text
    entry = r.json()["detail"][0]
    assert entry["field"] == "x" and f"{MAX_REST_MAP_CELLS:,}" in entry["allowed"]


def test_map_progress_is_called_per_chunk_and_a_raise_stops_the_map():
    """A web client that disconnects stops its map at the next chunk: the callback is called after each chunk of
    CHUNK cells with (done, total), and an exception it raises ends the map there (no second call)."""
    from llmplace.risk import CHUNK

    calls: list[tuple[int, int]] = []

    class Gone(Exception):
        pass

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        raise Gone

    cols = CHUNK // 2 + 1  # 2 rows: CHUNK + 2 cells, two chunks
    with pytest.raises(Gone):
        decision_map(yaml.safe_load(CHAT.read_text()), Axis("workload.requests_per_month", 1e6, 1e8, steps=cols),
                     Axis("workload.growth_pct_per_month", 0, 10, steps=2), progress=progress)
    assert calls == [(CHUNK, 2 * cols)]


def test_deprecated_offer_that_is_the_only_choice_wins_with_a_warning():
    """With nothing on sale eligible, compare still recommends a deprecated offer (with a warning among its
    risks); the map does the same per cell and says so in ``warnings``."""
    doc = yaml.safe_load(next(p for p in EXAMPLES if p.stem == "classification-8b").read_text())
    doc["options"] = [{"kind": "in_house", "id": "ws4090", "server": "ws-2x-rtx4090", "lead_time_weeks": 0}]
    m = decision_map(doc, parse_axis("workload.requests_per_month=1e4:1e6:log:2", "x"),
                     parse_axis("workload.growth_pct_per_month=0:2:2", "y"))
    cell = copy.deepcopy(doc)
    cell["workload"]["requests_per_month"] = m.x_values[0]
    cell["workload"]["growth_pct_per_month"] = m.y_values[0]
    res = compare(cell, samples=0)
    assert m.recommended[0][0] == res.recommendation.option == "ws4090"
    assert any("Deprecated offer" in r for r in res.recommendation.risks)
    assert len(m.warnings) == 1 and "ws4090" in m.warnings[0] and "deprecated" in m.warnings[0]
