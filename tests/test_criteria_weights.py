"""Weights: presets, normalisation, custom weights, monotonicity and sensitivity roots."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from llmplace import compare, parse_scenario
from llmplace.catalog import criteria_data as cdata
from llmplace.criteria import CRITERIA
from llmplace.criteria.weights import resolve_weights, sensitivity, weighted_totals

from .test_criteria import _doc


@pytest.mark.parametrize("profile", cdata.profiles())
def test_presets_cover_every_criterion_and_normalise(profile):
    pts = cdata.profile_weights(profile)
    assert set(pts) == set(CRITERIA) and all(v >= 0 for v in pts.values())
    if profile != "balanced":
        assert sum(pts.values()) == pytest.approx(100.0)  # points out of 100
    w = resolve_weights(parse_scenario(_doc(criteria={"profile": profile})).criteria)
    assert sum(w.shares.values()) == pytest.approx(1.0)
    assert w.shares == pytest.approx({c: v / sum(pts.values()) for c, v in pts.items()})


def test_required_profiles_exist():
    assert {"startup", "mid_size_saas", "regulated_enterprise", "public_sector", "research_lab"} <= set(
        cdata.profiles()
    )
    reg = cdata.profile_weights("regulated_enterprise")
    assert max(reg, key=lambda c: reg[c]) == "data_privacy"
    lab = cdata.profile_weights("research_lab")
    assert lab["accelerator_access"] > lab["latency"]


def test_custom_weights_replace_the_profile_points():
    w = resolve_weights(
        parse_scenario(_doc(criteria={"profile": "startup", "weights": {"latency": 30}})).criteria
    )
    assert w.points["latency"] == 30 and w.custom == ["latency"]
    assert w.points["initial_cost"] == cdata.profile_weights("startup")["initial_cost"]
    assert sum(w.shares.values()) == pytest.approx(1.0)


def test_all_zero_weights_are_refused():
    from llmplace import InputError

    with pytest.raises(InputError) as exc:
        compare(_doc(criteria={"weights": {c: 0 for c in CRITERIA}}))
    assert exc.value.field == "criteria.weights"


_scores = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]),
    st.fixed_dictionaries({c: st.floats(0, 10) for c in CRITERIA}),
    min_size=2,
    max_size=4,
)
_points = st.fixed_dictionaries({c: st.floats(0.0, 50.0) for c in CRITERIA})


def _rank(totals: dict[str, float], o: str) -> int:
    return sum(1 for v in totals.values() if v > totals[o] + 1e-9)


@settings(max_examples=300, deadline=None)
@given(scores=_scores, points=_points, crit=st.sampled_from(CRITERIA), delta=st.floats(0.01, 100.0))
def test_raising_a_weight_never_lowers_the_option_best_on_it(scores, points, crit, delta):
    """The option best on a criterion gains on every other option when that weight rises, and its rank
    never falls (weighted means: the un-normalised gap grows by delta x score difference >= 0)."""
    assume(sum(points.values()) > 0)
    best = max(scores, key=lambda o: scores[o][crit])
    before = weighted_totals(scores, points)
    up = dict(points)
    up[crit] += delta
    after = weighted_totals(scores, up)
    w0, w1 = sum(points.values()), sum(up.values())
    for o in scores:
        if o == best:
            continue
        gap0 = (before[best] - before[o]) * w0
        gap1 = (after[best] - after[o]) * w1
        assert gap1 >= gap0 - 1e-7
        if before[best] >= before[o] - 1e-12:
            assert after[best] >= after[o] - 1e-9
    assert _rank(after, best) <= _rank(before, best)


@settings(max_examples=200, deadline=None)
@given(scores=_scores, points=_points)
def test_sensitivity_roots_are_ties_and_the_nearest(scores, points):
    assume(sum(points.values()) > 1.0)
    totals = weighted_totals(scores, points)
    win = max(totals, key=lambda o: totals[o])
    for s in sensitivity(scores, points, win):
        if s.threshold_points is None:
            continue
        moved = dict(points)
        moved[s.criterion] = s.threshold_points
        assume(sum(moved.values()) > 0)
        t = weighted_totals(scores, moved)
        assert t[s.challenger] == pytest.approx(t[win], abs=1e-6)
        # just short of the root the winner still leads every challenger
        eps = 1e-6 * max(1.0, abs(s.threshold_points - s.points))
        short = dict(points)
        short[s.criterion] = s.threshold_points + (-eps if s.direction == "raise" else eps)
        if sum(short.values()) > 0:
            t2 = weighted_totals(scores, short)
            assert all(t2[win] >= t2[o] - 1e-6 for o in t2)


def test_raising_a_weight_in_a_scenario_keeps_the_best_option_ahead():
    base = compare(_doc(criteria={"profile": "balanced"}))
    scores = {o.id: o.criteria.scores for o in base.options if o.criteria}
    crit = "data_privacy"
    best = max(scores, key=lambda o: scores[o][crit].score)
    rank0 = base.option(best).criteria.rank
    raised = compare(_doc(criteria={"profile": "balanced", "weights": {crit: 20}}))
    assert raised.option(best).criteria.rank <= rank0


def test_a_subnormal_weight_gives_no_infinite_relative_change():
    # the move from 5e-324 points to a root is finite, but divided by the weight it overflows
    scores = {"x": {"a": 9.0, "b": 1.0}, "o": {"a": 1.0, "b": 9.0}}
    out = {s.criterion: s for s in sensitivity(scores, {"a": 10.0, "b": 5e-324}, "x")}
    assert out["b"].threshold_points == pytest.approx(10.0)
    assert out["b"].relative_change is None
    r = compare(_doc(criteria={"weights": {"cost_predictability": 5e-324, "total_cost": 50.0}}))
    assert r.recommendation.option is not None


def test_a_vanishing_weight_reports_no_relative_change_instead_of_infinity():
    """A weight of 1.1e-308 points: the distance to the tie over it overflows a float (inf).

    The comparison refused its own result ("internal error: ... inf at recommendation.sensitivity");
    such a weight is as good as zero, and a zero weight reports no relative change.
    """
    doc = _doc({"data_classification": "regulated", "third_party_processing": False},
               {"profile": "balanced", "weights": {"cost_predictability": 1.1125369292536007e-308, "total_cost": 50.0}},
               api_price=1.0, own={"lead_time_weeks": 0})  # own serves from month 1: two options are ranked
    rows = {s.criterion: s for s in compare(doc).recommendation.sensitivity}
    assert rows["cost_predictability"].relative_change is None
