"""Finance helpers against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from llmplace.finance import break_even_month, cumulative_with_origin, monthly_rate, npv, straight_line


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
