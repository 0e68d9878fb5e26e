"""Finance helpers against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from llmplace.finance import (
    break_even_month,
    break_even_months,
    cumulative_with_origin,
    monthly_rate,
    npv,
    straight_line,
)


def test_monthly_rate_compounds_to_annual():
    r = monthly_rate(10.0)
    assert (1 + r) ** 12 == pytest.approx(1.10, rel=1e-12)
    assert monthly_rate(0.0) == 0.0


def test_npv_zero_rate_is_plain_sum_and_positive_rate_discounts():
    flows = np.array([100.0, 100.0, 100.0])
    assert npv(50.0, flows, 0.0) == pytest.approx(350.0)
    r = monthly_rate(12.0)
    expected = 50 + sum(100 / (1 + r) ** m for m in (1, 2, 3))
    assert npv(50.0, flows, 12.0) == pytest.approx(expected)
    assert npv(50.0, flows, 12.0) < 350.0


def test_straight_line_edge_cases():
    assert straight_line(24000, 0, 60) == 400.0
    assert straight_line(1000, 100, 9) == 100.0
    assert straight_line(1000, 0, float("inf")) == 0.0


def test_break_even_interpolates_linear_crossing():
    # A: 15,000 upfront + 7.92/month; B: 852.8/month -> 15,000 / (852.8 - 7.92) = 17.7538 months
    months = 24
    a = cumulative_with_origin(15000.0, np.full(months, 7.92))
    b = cumulative_with_origin(0.0, np.full(months, 852.8))
    assert break_even_month(a, b) == pytest.approx(15000 / (852.8 - 7.92), rel=1e-9)


def test_break_even_none_when_order_never_changes():
    a = cumulative_with_origin(0.0, np.full(12, 10.0))
    b = cumulative_with_origin(0.0, np.full(12, 20.0))
    assert break_even_month(a, b) is None
    c = cumulative_with_origin(1000.0, np.full(12, 1.0))
    d = cumulative_with_origin(0.0, np.full(12, 2.0))
    assert break_even_month(c, d) is None


def _crossing_by_hand(a: list[float], b: list[float]) -> float:
    """The rule of ``break_even_months`` month by month, for one pair of curves: signs of a - b with |a - b| up
    to 1e-9 x the larger curve's largest magnitude (at least 1) counting as equal; the first sign, then the first
    later opposite sign; a crossing inside that month by linear interpolation, or, after a run of equal months,
    at the first of them."""
    scale = max(1.0, max(abs(x) for x in a), max(abs(x) for x in b))
    d = [x - y for x, y in zip(a, b, strict=True)]
    sign = [0 if abs(v) <= 1e-9 * scale else (1 if v > 0 else -1) for v in d]
    first = next((t for t, sg in enumerate(sign) if sg), None)
    if first is None:
        return float("nan")
    flip = next((t for t in range(first + 1, len(d)) if sign[t] == -sign[first]), None)
    if flip is None:
        return float("nan")
    last = max(t for t in range(flip) if sign[t])
    if last < flip - 1:
        return last + 1.0
    return (flip - 1) + d[flip - 1] / (d[flip - 1] - d[flip])


def test_break_even_matches_the_rule_month_by_month_on_random_curves():
    """Random integer-step cumulative curves (many exact ties, touches and double crossings) and the same with
    noise of 1e-3: the vectorised search over stacked pairs gives, pair by pair, the month the rule gives when
    followed month by month (to 1e-12 months: the interpolation is the same division)."""
    rng = np.random.default_rng(7)
    for trial in range(40):
        horizon = int(rng.integers(2, 25))
        a = np.cumsum(rng.integers(-3, 4, size=(1, 20, horizon)).astype(float), axis=-1)
        b = np.cumsum(rng.integers(-3, 4, size=(3, 20, horizon)).astype(float), axis=-1)
        if trial % 3 == 0:
            b[..., : horizon // 2] = a[..., : horizon // 2]  # the curves start equal
        if trial % 4 == 0:
            b = b + rng.normal(size=b.shape) * 1e-3
        got = break_even_months(a, b)
        want = [[_crossing_by_hand(list(a[0, k]), list(b[p, k])) for k in range(20)] for p in range(3)]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
