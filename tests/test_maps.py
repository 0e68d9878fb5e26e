"""Decision maps: the cheapest option over a grid of two inputs, evaluated as one vectorised pass.

Each checked cell is recomputed by an independent `compare` of the scenario with that cell's two values
written into it: the map must name the same cheapest option and the same TCOs (1e-9 relative: the same
arithmetic on the sample axis instead of a point run).
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
    for r, c in ((0, 0), (1, 2), (2, 4), (0, 4)):
        cell = copy.deepcopy(doc)
        cell["workload"]["requests_per_month"] = m.x_values[c]
        cell["workload"]["growth_pct_per_month"] = m.y_values[r]
        res = compare(cell, samples=0)
        assert m.cheapest[r][c] == res.cheapest, (r, c)
        for oid in m.candidates:
            assert m.tco_usd[oid][r][c] == pytest.approx(res.option(oid).tco_usd, rel=1e-9), (oid, r, c)
    assert sum(m.share_of_cells.values()) == pytest.approx(1.0)
    assert m.point == {"workload.requests_per_month": 6e6, "workload.growth_pct_per_month": 8.0}


def test_axis_values_linear_and_log():
    assert parse_axis("workload.growth_pct_per_month=0:10:3", "--y").values() == [0.0, 5.0, 10.0]
    log = parse_axis("workload.requests_per_month=1e4:1e6:log:3", "--x").values()
    assert log == pytest.approx([1e4, 1e5, 1e6])


@pytest.mark.parametrize("spec", ["workload.requests_per_month", "x=1:2", "workload.requests_per_month=5:1",
                                  "workload.requests_per_month=0:10:log", "workload.requests_per_month=1:2:1",
                                  "workload.requests_per_month=a:b", "workload.requests_per_month=1:2:999"])
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
