"""Availability: downtime arithmetic checked by hand, N+1 and second sites, cloud zones, APIs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmplace import compare
from llmplace.catalog import criteria_data as data
from llmplace.criteria.availability import (
    HOURS_PER_YEAR,
    downtime_hours,
    fleet_shortfall,
    fleet_unavailability,
    parallel,
    series,
    unavailability,
)

from .test_criteria import _doc


def test_unavailability_is_mttr_over_mtbf_plus_mttr():
    # 2 failures a year, 12 h each: MTBF = 4,380 h, U = 12 / (4,380 + 12)
    assert unavailability(2, 12) == pytest.approx(12 / 4392)
    assert downtime_hours(unavailability(2, 12)) == pytest.approx(8760 * 12 / 4392)


def test_series_and_parallel():
    assert series([0.01, 0.02]) == pytest.approx(1 - 0.99 * 0.98)
    assert parallel([0.01, 0.02]) == pytest.approx(0.0002)
    assert series([]) == 0.0 and parallel([0.3]) == pytest.approx(0.3)


def test_fleet_formulas_by_hand():
    u = 0.01
    assert fleet_unavailability(1, 1, u) == pytest.approx(u)
    assert fleet_unavailability(2, 1, u) == pytest.approx(u**2)
    assert fleet_unavailability(3, 2, u) == pytest.approx(3 * u**2 * (1 - u) + u**3)
    # two needed of two: one down loses half the capacity, both down all of it
    assert fleet_shortfall(2, 2, u) == pytest.approx((2 * u * (1 - u) * 1 + u**2 * 2) / 2)
    assert fleet_shortfall(1, 1, u) == pytest.approx(u)
    assert fleet_shortfall(3, 2, u) == pytest.approx((3 * u**2 * (1 - u) * 1 + u**3 * 2) / 2)
    assert fleet_shortfall(2, 0, u) == 0.0


def test_one_in_house_server_downtime_by_hand():
    """One 4-GPU server (no spare) on site, users on site: servers + grid power + site network."""
    r = compare(_doc())
    a = r.option("own").criteria.availability
    gpu, host = data.availability_row("gpu"), data.availability_row("server_host")
    # 4 GPUs x 0.091/yr x 24 h + 0.08/yr x 24 h = 10.656 h of repair a year
    d = 4 * 0.091 * 24 + 0.08 * 24
    assert d == pytest.approx(
        4 * gpu.failures_per_year * gpu.mttr_hours + host.failures_per_year * host.mttr_hours
    )
    u_server = d / (HOURS_PER_YEAR + d)
    u_power = 1.4 * 3.93 / (HOURS_PER_YEAR + 1.4 * 3.93)  # EIA 2022: 1.4 interruptions, 3.93 h each
    u_net = 0.0375 * 4 / (HOURS_PER_YEAR + 0.0375 * 4)
    expected = (1 - (1 - u_server) * (1 - u_power) * (1 - u_net)) * HOURS_PER_YEAR
    assert expected == pytest.approx(16.28, abs=0.01)  # 10.64 h servers + 5.50 h power + 0.15 h network
    assert a.downtime_hours_per_year == pytest.approx(expected, abs=1e-3)
    names = {c.name for c in a.components}
    assert "site internet link" not in names  # users on site reach on-site servers over the LAN


def test_internet_link_counts_only_where_it_sits_in_the_path():
    on_site = compare(_doc()).option("api").criteria.availability
    remote = compare(_doc(criteria={"users": "remote"})).option("api").criteria.availability
    link = data.availability_row("internet_link")
    assert on_site.downtime_hours_per_year == pytest.approx(
        (1 - (1 - 0.001) * (1 - link.unavailability)) * HOURS_PER_YEAR, abs=1e-3
    )
    assert remote.downtime_hours_per_year == pytest.approx(0.001 * HOURS_PER_YEAR, abs=1e-3)


def test_n_plus_one_cuts_downtime_and_adds_a_server():
    base = compare(_doc()).option("own")
    n1 = compare(_doc(own={"n_plus_one": True})).option("own")
    assert max(n1.units) == max(base.units) + 1
    assert n1.tco_usd > base.tco_usd
    d0 = base.criteria.availability.downtime_hours_per_year
    d1 = n1.criteria.availability.downtime_hours_per_year
    assert d1 < d0
    servers = next(c for c in n1.criteria.availability.components if c.name == "servers")
    assert servers.downtime_hours_per_year < 0.05  # both servers down together: ~ U^2 x 8,760 h
    assert n1.criteria.scores["availability"].score > base.criteria.scores["availability"].score


@settings(max_examples=200, deadline=None)
@given(needed=st.integers(1, 12), extra=st.integers(0, 3), u=st.floats(1e-5, 0.2))
def test_a_spare_never_raises_the_shortfall(needed, extra, u):
    units = needed + extra
    assert fleet_shortfall(units + 1, needed, u) <= fleet_shortfall(units, needed, u) + 1e-15
    assert fleet_unavailability(units + 1, needed, u) <= fleet_unavailability(units, needed, u) + 1e-15


def test_second_site_runs_two_independent_sites():
    one = compare(_doc()).option("own")
    two = compare(_doc(own={"second_site": True})).option("own")
    assert max(two.units) == 2 * max(one.units)
    a1, a2 = one.criteria.availability, two.criteria.availability
    u1 = a1.unavailability
    assert a2.unavailability == pytest.approx(u1**2, rel=1e-6)
    assert a2.downtime_hours_per_year < a1.downtime_hours_per_year


def test_cloud_zones_need_a_fleet_that_survives_a_zone_loss():
    single = compare(_doc()).option("rent").criteria.availability
    assert single.unavailability == pytest.approx(1 - 0.995 + 0.001 * 0.995, rel=1e-6)  # SLA + site link
    thin = compare(_doc(rent={"zones": 2})).option("rent").criteria.availability
    assert thin.unavailability == pytest.approx(single.unavailability)  # one instance cannot span zones
    assert any("min_instances" in n for n in thin.notes)
    wide = compare(_doc(rent={"zones": 2, "min_instances": 2})).option("rent").criteria.availability
    assert wide.unavailability == pytest.approx(1 - 0.9999 * 0.999, rel=1e-6)


def test_downtime_cost_prices_active_hours_only():
    doc = _doc(criteria={"downtime_usd_per_hour": 1000})
    doc["workload"]["active_hours_per_month"] = 365
    doc["workload"].pop("peak_to_average")
    doc["workload"]["peak_to_average"] = 2
    a = compare(doc).option("api").criteria.availability
    assert a.active_share == pytest.approx(0.5)
    assert a.downtime_usd_per_year == pytest.approx(a.downtime_hours_per_year * 0.5 * 1000, rel=1e-4)
