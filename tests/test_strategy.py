"""Strategies over time: an option paid as used first, owned servers from a switch month.

The checks recompute a strategy's cost from independent runs of the public ``compare``: the first phase's
months from its own single-option result, the second phase from a scenario that starts at the switch month
(its demand grown to that month, its horizon shortened, its servers already delivered on the first day:
the strategy orders them one lead time ahead, and with flat prices the order month does not change the
amount), plus the switch cost from the two catalog rows it names.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from llmplace import catalog, compare

GROWTH_PCT = 15.0
HORIZON = 24
# the tests' own quoted lead time (3 whole months), pinned so the schedules below do not move with the catalog
# default (site.csv procurement_lead_time_weeks, 12 weeks until 2026-12, then 26)
LEAD_WEEKS = 12


def _scenario(horizon: int = HORIZON, requests: float = 6_000_000.0) -> dict[str, Any]:
    """A growing chat app that can run on an API or on owned HGX H100 servers (prices flat over time)."""
    return {
        "name": "growing chat",
        "model": {"name": "gpt-oss-120b", "precision": "fp4"},
        "workload": {"requests_per_month": requests, "input_tokens_per_request": 800,
                     "output_tokens_per_request": 350, "growth_pct_per_month": GROWTH_PCT,
                     "shape": "always_on_consumer"},
        "latency": {"ttft_ms": 1000, "tpot_ms": 50},
        "options": [
            {"kind": "in_house", "id": "own", "server": "hgx-h100-8x-oem", "hosting": "colocation",
             "bridge": "none", "lead_time_weeks": LEAD_WEEKS},
            {"kind": "api", "id": "fireworks", "provider": "fireworks"},
        ],
        "finance": {"horizon_months": horizon, "api_price_change_pct_per_year": 0,
                    "hardware_price_change_pct_per_year": 0, "cloud_price_change_pct_per_year": 0,
                    "electricity_price_change_pct_per_year": 0, "salary_growth_pct_per_year": 0},
        "constraints": {"data_classification": "internal"},
    }


def _switch_usd() -> float:
    site = catalog.site_defaults()
    return (site["migration_engineering_fte_months"].value * site["ml_engineer_loaded_usd_per_year"].value / 12.0
            + site["switch_data_gb"].value * site["egress_usd_per_gb"].value)


def _by_hand(doc: dict[str, Any], switch_index: int) -> float:
    """First phase months 0 .. t (t = switch index; month t is the cut-over month both run), the switch cost, and
    the in-house option on the months from t, computed as its own scenario."""
    api = next(o for o in compare(doc).options if o.id == "fireworks")
    parallel = int(catalog.site_defaults()["cutover_parallel_months"].value)
    first = sum(api.monthly_usd[:switch_index + parallel])
    later = copy.deepcopy(doc)
    later["workload"]["requests_per_month"] = doc["workload"]["requests_per_month"] * (
        1 + GROWTH_PCT / 100.0) ** switch_index
    later["finance"]["horizon_months"] = doc["finance"]["horizon_months"] - switch_index
    later["options"] = [dict(doc["options"][0], lead_time_weeks=0, planning="forecast")]
    later.pop("phased", None)  # the phase on its own: no plan over options it no longer lists
    own = next(o for o in compare(later).options if o.id == "own")
    return first + _switch_usd() + own.tco_usd


def test_strategy_cost_is_the_sum_of_its_phases() -> None:
    """The strategy's TCO equals the first phase's months, the switch and the second phase run on its own from
    the switch month (1e-6 relative: the same arithmetic in another order)."""
    doc = _scenario()
    st = compare(doc).strategy
    assert st is not None and st.first == "fireworks" and st.second == "own"
    assert st.tco_usd == pytest.approx(_by_hand(doc, st.switch_month - 1), rel=1e-6)


def test_switch_month_is_the_cheapest_of_every_month() -> None:
    """Exhaustive: no other switch month gives a lower total than the one chosen (each recomputed by hand)."""
    doc = _scenario(horizon=12)
    st = compare(doc).strategy
    assert st is not None
    lead = 3  # LEAD_WEEKS = 12 weeks in whole months: servers ordered in month 1 serve in 4
    totals = {t: _by_hand(doc, t) for t in range(lead, 12)}
    best = min(totals, key=lambda t: totals[t])
    assert st.switch_month - 1 == best
    assert st.tco_usd == pytest.approx(totals[best], rel=1e-6)


def test_servers_ordered_one_lead_time_before_the_switch() -> None:
    """The first servers are ordered (and paid) lead-time months before they serve: 12 weeks = 3 months."""
    st = compare(_scenario()).strategy
    assert st is not None and st.order_month is not None
    assert st.switch_month - st.order_month == 3
    assert st.servers_first_order >= 1
    assert f"order {st.servers_first_order} server" in st.plain_words


def test_saving_against_the_best_single_option() -> None:
    """The saving is the cheapest single option's TCO minus the strategy's, and says whether a switch pays."""
    r = compare(_scenario())
    st = r.strategy
    assert st is not None
    single = next(o for o in r.options if o.id == r.cheapest)
    assert st.best_single == r.cheapest
    assert st.saving_usd == pytest.approx(single.tco_usd - st.tco_usd)
    assert st.pays_off == (st.saving_usd > 0)


def test_no_strategy_without_an_option_paid_as_used() -> None:
    """A scenario whose only option owns servers has nothing to start on: no strategy is reported."""
    doc = _scenario()
    doc["options"] = doc["options"][:1]
    assert compare(doc).strategy is None


def test_excluded_first_phase_is_not_used() -> None:
    """A hard constraint that excludes APIs (regulated data kept on site) leaves no strategy starting on one."""
    doc = _scenario()
    doc["constraints"] = {"data_classification": "regulated"}
    r = compare(doc)
    assert all(o.id != "fireworks" or not o.feasible for o in r.options)
    assert r.strategy is None


def test_switch_month_under_uncertainty_without_uncertain_inputs_is_the_point_month() -> None:
    """With every uncertain input switched off, each Monte Carlo sample is the point scenario: the cheapest switch
    month of every sample is the point run's, and the strategy beats the best single option in all of them."""
    doc = _scenario(horizon=36)
    doc["uncertainty"] = {"defaults": False}
    st = compare(doc, samples=200, seed=3).strategy
    assert st is not None and st.pays_off
    assert st.switch_month_p10 == st.switch_month_p50 == st.switch_month_p90 == st.switch_month
    assert st.probability_pays_off == 1.0


def test_switch_month_under_uncertainty_spreads_with_the_default_ranges() -> None:
    """With the documented default ranges (demand growth, prices, throughput ...) the cheapest switch month moves
    from sample to sample: ordered percentiles inside the candidate months (after the 3-month lead time), a
    probability between 0 and 1, and the figures in the plain words."""
    st = compare(_scenario(horizon=36), samples=500, seed=3).strategy
    assert st is not None and st.pays_off
    assert st.switch_month_p10 is not None and st.switch_month_p50 is not None and st.switch_month_p90 is not None
    assert 4 <= st.switch_month_p10 <= st.switch_month_p50 <= st.switch_month_p90 <= 36
    assert st.switch_month_p10 < st.switch_month_p90
    assert st.probability_pays_off is not None and 0.0 < st.probability_pays_off < 1.0
    assert f"{st.probability_pays_off * 100:.0f} % of the samples" in st.plain_words


def test_no_sampled_switch_month_when_no_switch_pays_off() -> None:
    """A strategy that loses to the best single option at the point gets no sampled switch month (it is not
    advised, so where its switch would fall is not computed)."""
    st = compare(_scenario(horizon=24), samples=200, seed=3).strategy
    assert st is not None and not st.pays_off
    assert st.switch_month_p50 is None and st.probability_pays_off is None


@pytest.mark.parametrize("requests", [2e5, 6e6, 4e7])
def test_flat_demand_never_pays_to_switch(requests: float) -> None:
    """With flat demand and flat prices each phase costs the same every month, so a switch mixes two constant
    monthly costs and adds the migration and a month of parallel running: it can never beat the better of the
    two options run alone (the owned one bridged by the API before its delivery, as a single option)."""
    doc = _scenario(horizon=24, requests=requests)
    doc["workload"]["growth_pct_per_month"] = 0
    doc["options"][0].pop("bridge")  # the single in-house option bridged by the API, as a strategy would be
    r = compare(doc)
    assert r.strategy is not None
    assert not r.strategy.pays_off
    best_single = min(o.tco_usd for o in r.options if o.feasible)
    assert r.strategy.tco_usd > best_single


def test_a_longer_lead_time_moves_the_switch_later() -> None:
    """Servers ordered in month 1 serve after the lead time at the earliest: with volume high enough to switch
    early, the switch month never moves earlier as the lead time grows, and a 52-week lead (364 days, 12 whole
    months of 365/12 days) forbids any switch before month 13."""
    months = []
    for weeks in (0, 12, 26, 52):
        doc = _scenario(horizon=36, requests=2e7)
        doc["options"][0]["lead_time_weeks"] = weeks
        st = compare(doc).strategy
        assert st is not None
        months.append(st.switch_month)
    assert months == sorted(months)
    assert months[-1] >= 13 > months[0]


def test_switch_cost_is_charged_once_and_can_cancel_the_saving() -> None:
    """The migration is a one-off cost at the switch: raising it by 10 ML-engineer months raises the strategy's
    TCO by exactly 10 x the monthly wage (it does not move the cheapest month, as every month pays it once), and
    a migration dearer than the saving leaves no switch that pays off."""
    wage_per_month = catalog.site_defaults()["ml_engineer_loaded_usd_per_year"].value / 12.0
    base = compare(_scenario(horizon=36)).strategy
    doc = _scenario(horizon=36)
    doc["site"] = {"migration_engineering_fte_months": 2 + 10}
    dearer = compare(doc).strategy
    assert base is not None and dearer is not None and base.pays_off and base.saving_usd is not None
    assert dearer.tco_usd - base.tco_usd == pytest.approx(10 * wage_per_month, rel=1e-9)
    assert dearer.switch_month == base.switch_month
    doc["site"] = {"migration_engineering_fte_months": 2 + base.saving_usd / wage_per_month * 1.01}
    assert not compare(doc).strategy.pays_off  # type: ignore[union-attr]


def test_the_report_shows_the_strategy_with_its_phases_and_timeline() -> None:
    """The report's strategy section carries the plain words, a phases table whose costs and the migration add
    up to the strategy's TCO, and a timeline chart whose bars are the strategy's monthly cash."""
    import json

    from llmplace.report.charts import build_charts
    from llmplace.report.content import build

    r = compare(_scenario(horizon=36))
    st = r.strategy
    assert st is not None
    content = build(r)
    sec = content.strategy
    assert sec.computed and sec.note == st.plain_words
    phases = next(t for t in sec.tables if t.title == "Phases")
    assert [row[0] for row in phases.rows] == [st.first, st.second]
    assert sum(p.tco_usd for p in st.phases) + st.switch_cost_usd == pytest.approx(st.tco_usd, rel=1e-9)
    chart = next(c for c in build_charts(r, content) if c.id == "strategy")
    bars = [tr for tr in json.loads(chart.figure_json)["data"] if tr["type"] == "bar"]
    months = {x: y for tr in bars for x, y in zip(tr["x"], tr["y"], strict=True)}
    assert sorted(months) == list(range(1, 37))
    assert [months[m] for m in range(1, 37)] == pytest.approx(st.monthly_cash_usd)


def test_no_strategy_section_without_a_pair_of_phases() -> None:
    """A scenario with nothing to start on says the strategy was not computed, and draws no timeline."""
    from llmplace.report.charts import build_charts
    from llmplace.report.content import build

    doc = _scenario()
    doc["options"] = doc["options"][:1]
    r = compare(doc)
    content = build(r)
    assert not content.strategy.computed
    assert all(c.id != "strategy" for c in build_charts(r, content))


def test_the_plan_says_when_to_move_on_when_a_switch_pays() -> None:
    """When the recommended option is where a paying strategy starts, the recommendation's plan ends with the
    strategy in plain words (when to order, when to switch) and why it is not the recommendation itself (here the
    owned servers' weaker scores beyond cost); when no switch pays, the plan does not mention it."""
    r = compare(_scenario(horizon=36))
    st, rec = r.strategy, r.recommendation
    assert st is not None and st.pays_off and rec is not None
    assert rec.option == st.first  # the API is recommended and is where the strategy starts
    assert rec.plan[-1].startswith(f"Over time: {st.plain_words} Not recommended in place of fireworks: ")
    assert st.not_recommended_because is not None and rec.plan[-1].endswith(f"{st.not_recommended_because}.")
    flat = compare(_scenario(horizon=24))
    assert flat.strategy is not None and not flat.strategy.pays_off and flat.recommendation is not None
    assert not any(line.startswith("Over time:") for line in flat.recommendation.plan)


def test_a_phased_plan_is_costed_as_written() -> None:
    """A plan the scenario writes out (the API until month 19, owned servers from month 20) costs what the by-hand
    sum of its phases gives for that switch month, and is never below the searched cheapest strategy."""
    doc = _scenario(horizon=36)
    doc["phased"] = [{"id": "api-then-own", "phases": [{"option": "fireworks"},
                                                        {"option": "own", "start_month": 20}]}]
    r = compare(doc)
    (plan,) = r.phased
    assert plan.id == "api-then-own" and plan.switch_month == 20 and plan.first == "fireworks"
    assert plan.tco_usd == pytest.approx(_by_hand(doc, 19), rel=1e-6)
    assert r.strategy is not None and r.strategy.tco_usd <= plan.tco_usd + 1e-6


@pytest.mark.parametrize("phases,field", [
    ([{"option": "own"}, {"option": "fireworks", "start_month": 5}], "phased[0].phases[0].option"),
    ([{"option": "fireworks"}, {"option": "fireworks", "start_month": 5}], "phased[0].phases[1].option"),
    ([{"option": "fireworks"}, {"option": "own", "start_month": 99}], "phased[0].phases[1].start_month"),
    ([{"option": "fireworks"}, {"option": "own", "start_month": 2}], "phased[0].phases[1].start_month"),
    ([{"option": "fireworks", "start_month": 3}, {"option": "own", "start_month": 9}],
     "phased[0].phases[0].start_month"),
])
def test_a_phased_plan_that_cannot_run_is_one_line_naming_the_field(phases, field) -> None:
    """Wrong kinds, a month outside the horizon or before the servers can arrive (12-week lead time: month 4 at
    the earliest) are refused with the field named."""
    from llmplace.errors import InputError

    doc = _scenario(horizon=36)
    doc["phased"] = [{"id": "p", "phases": phases}]
    with pytest.raises(InputError) as err:
        compare(doc)
    assert err.value.field == field and "\n" not in str(err.value)


def test_data_egress_is_charged_once_in_the_switch_month() -> None:
    """Moving 50 TB out of the first phase adds 50,000 GB x the catalog's first-tier internet egress rate
    (egress_usd_per_gb, 0.09 USD/GB: AWS's first 10 TB/month tier) to the switch month and to the total, once;
    a one-off amount does not move the cheapest switch month (the same sum is added to every candidate month).
    Before, no egress was charged at the switch."""
    rate = catalog.site_defaults()["egress_usd_per_gb"].value
    doc = _scenario(horizon=36)
    doc["site"] = {"switch_data_gb": 0}
    none = compare(doc).strategy
    doc["site"] = {"switch_data_gb": 50_000}
    moved = compare(doc).strategy
    assert none is not None and moved is not None and none.switch_month == moved.switch_month
    assert none.switch_egress_usd == 0.0
    assert moved.switch_egress_usd == pytest.approx(50_000 * rate)
    assert moved.tco_usd - none.tco_usd == pytest.approx(50_000 * rate, rel=1e-9)
    t = moved.switch_month - 1
    diff = [a - b for a, b in zip(moved.monthly_cash_usd, none.monthly_cash_usd, strict=True)]
    assert diff[t] == pytest.approx(50_000 * rate) and sum(abs(x) for k, x in enumerate(diff) if k != t) < 1e-6


def test_a_negative_switch_data_amount_is_one_line_naming_the_field(invoke, tmp_path) -> None:
    """site.switch_data_gb below 0 is refused by the CLI with exit status 2 and the field named, no traceback."""
    import yaml

    doc = _scenario()
    doc["site"] = {"switch_data_gb": -5}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    out = invoke("compare", str(path), "--samples", "0")
    assert out.exit_code == 2 and "switch_data_gb" in out.output and "Traceback" not in out.output


def _stepping(horizon: int = 30) -> dict[str, Any]:
    """Llama 3.3 70B at a steady load (peak = average) growing 10 % a month on the together API or owned HGX H100
    servers, with a hybrid of the two: by month 30 the load needs two servers' worth, so the owned base may grow."""
    return {
        "name": "steady growth", "model": {"name": "llama-3.3-70b", "precision": "fp8", "engine": "vllm"},
        "workload": {"requests_per_month": 1e7, "input_tokens_per_request": 1500, "output_tokens_per_request": 400,
                     "growth_pct_per_month": 10, "peak_to_average": 1.0},
        "latency": {"ttft_ms": 2000, "tpot_ms": 80},
        "options": [{"kind": "in_house", "id": "own", "server": "hgx-h100-8x-oem", "hosting": "colocation",
                     "lead_time_weeks": LEAD_WEEKS},
                    {"kind": "api", "id": "api", "provider": "together"},
                    {"kind": "hybrid", "id": "hyb", "base": "own", "overflow": "api"}],
        "finance": {"horizon_months": horizon, "api_price_change_pct_per_year": 0,
                    "hardware_price_change_pct_per_year": 0, "cloud_price_change_pct_per_year": 0,
                    "electricity_price_change_pct_per_year": 0, "salary_growth_pct_per_year": 0},
        "constraints": {"data_classification": "internal"},
    }


def test_a_base_that_grows_in_a_step_is_the_cheapest_of_every_schedule() -> None:
    """Brute force with the cost functions themselves: every schedule of the hybrid's owned base (n1 servers from
    the switch month t1, n2 >= n1 from t2 > t1, or never grown; 1 to 4 servers) is costed directly, month by
    month, each with the API's months before the switch (plus the cut-over month) and the switch cost. The
    strategy found is the cheapest of them (1e-9 relative: the same sums in another order), and it grows its
    base: 1 server from month 4, 2 from month 18 (19 before the sizing refit of the calibration rows of
    2026-12, which moved the server's capacity under these latency targets), the second ordered one lead time
    (3 months) earlier. Before,
    the base had one size from the switch on and this plan cost more."""
    from dataclasses import replace

    import numpy as np

    from llmplace.decision import as_scenario, resolve_deployments
    from llmplace.engine import run
    from llmplace.hybrid import hybrid_at
    from llmplace.site import site_values

    s = as_scenario(_stepping())
    sv, deployments = site_values(s), resolve_deployments(s)
    point = run(s, deployments, sv)
    hyb = next(d for d in deployments if d.id == "hyb")
    base, over = hyb.parts  # as a second phase: no bridge of its own (the API serves before the switch)
    base = replace(base, bridge=None, option=base.option.model_copy(update={"planning": "forecast", "bridge": None}))
    hyb = replace(hyb, parts=(base, over))
    horizon, lead, parallel = 30, 3, int(catalog.site_defaults()["cutover_parallel_months"].value)
    rows = [(n1, t1, n2, t2) for t1 in range(lead, horizon) for t2 in range(t1 + 1, horizon + 1)
            for n1 in range(1, 5) for n2 in range(n1, 5) if (n1 == n2) == (t2 == horizon)]
    months = np.arange(horizon)
    sched = np.array([np.where(months < t1, 0, np.where(months < t2, n1, n2)) for n1, t1, n2, t2 in rows])
    keep = np.array([(months >= t1).astype(float) for _, t1, _, _ in rows])
    flows = hybrid_at(hyb, s, point.load.in_months(keep), sv, 4, schedule=sched)
    api = np.asarray(point.outcomes["api"].cash_usd, dtype=float)
    first = np.array([api[:t1 + parallel].sum() for _, t1, _, _ in rows])
    totals = first + np.sum(flows.monthly("cash"), axis=-1) + _switch_usd()
    st = compare(_stepping()).strategy
    assert st is not None and st.second == "hyb" and st.first == "api"
    assert st.tco_usd == pytest.approx(float(np.min(totals)), rel=1e-9)
    best = rows[int(np.argmin(totals))]
    assert [(b.servers, b.start_month, b.order_month) for b in st.base_steps] == [
        (best[0], best[1] + 1, best[1] + 1 - lead), (best[2], best[3] + 1, best[3] + 1 - lead)]
    assert best == (1, 3, 2, 17)  # 0-based months: 1 server from month 4, 2 from month 18
    assert best[2] > best[0] and f"so that the base is {best[2]} servers from month {best[3] + 1}" in st.plain_words


def _reserved_then_own(start_month: int) -> dict[str, Any]:
    """Flat demand that one AWS p5.48xlarge carries, on a 1-year reservation, then owned HGX H100 servers."""
    doc = _scenario(horizon=36, requests=2_000_000.0)
    doc["workload"]["growth_pct_per_month"] = 0
    doc["options"].append({"kind": "cloud", "id": "p5-1y", "instance": "aws/p5.48xlarge", "plan": "reserved_1y",
                           "billing": "always_on"})
    doc["phased"] = [{"id": "reserved-then-own", "phases": [{"option": "p5-1y"},
                                                             {"option": "own", "start_month": start_month}]}]
    return doc


def test_a_reserved_first_phase_pays_its_reservations_to_the_end_of_their_term() -> None:
    """A commitment is charged in full. One p5.48xlarge is reserved for 12 months in month 1, renewed in months 13
    and 25. Owned servers serve from month 19 and the reservation still runs through the cut-over month (19):
    the reservation made in month 13 runs to month 24, so months 20-24 are still owed, 5 x 730 h x the 1-year
    reserved hourly price (prices flat), on top of the reserved option's own months 1-19. Before, a reserved
    option could not be a first phase at all; a plan leaving it would have paid nothing after month 19."""
    r = compare(_reserved_then_own(19))
    single = r.find("p5-1y")
    assert single is not None and single.feasible and max(single.units) == 1
    price = next(float(a.value) for a in single.assumptions if a.name == "instance price (reserved 1y)")
    (plan,) = r.phased
    assert plan.first == "p5-1y" and plan.switch_month == 19
    owed = 5 * 730.0 * price
    assert plan.commitment_after_leaving_usd == pytest.approx(owed, rel=1e-9)
    assert plan.phases[0].tco_usd == pytest.approx(sum(single.monthly_usd[:19]) + owed, rel=1e-9)
    assert "paid to the end of their term" in plan.plain_words
    # leaving in the month the reservation ends owes nothing more: switch in month 24, cut-over month 24
    (on_term,) = compare(_reserved_then_own(24)).phased
    assert on_term.commitment_after_leaving_usd == pytest.approx(0.0, abs=1e-6)


def test_reservations_owed_under_a_tax_shield_are_said_to_be_counted_before_tax() -> None:
    """The tax shield lowers cash tax on expenses as booked, but the reservations a strategy still owes after
    leaving a reserved first phase are added to the strategy without it: a simplification the output must state
    (and only when it applies)."""
    from llmplace.strategy import TAX_NOTE

    doc = _reserved_then_own(19)
    doc.setdefault("finance", {})["tax_shield"] = True
    (plan,) = compare(doc).phased
    assert plan.commitment_after_leaving_usd > 0 and TAX_NOTE in plan.assumptions
    (plain,) = compare(_reserved_then_own(19)).phased
    assert TAX_NOTE not in plain.assumptions
