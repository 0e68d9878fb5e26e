"""Economics an infrastructure finance expert would sign: what the cash view counts, and how ties are shared.

Each test states the arithmetic (or the published figure) it checks in its docstring.
"""

from __future__ import annotations

import numpy as np
import pytest

from llmplace import compare, parse_scenario

# --- Monte Carlo: exact ties share the win ---------------------------------------------------------------


def test_tied_options_share_the_probability_of_being_cheapest():
    """Two APIs at the same prices cost the same in every sample: each is cheapest half the time.

    Before, the tie always went to the first listed, which showed 100 % for it and 0 % for its twin.
    Per sample, the win is split equally among options within the tie tolerance (conventions.is_tied),
    so the twins get 1/2 each, the dearer third option 0, and the shares still add up to 1.
    """
    doc = {
        "model": {"name": "llama-3.1-8b"},
        "workload": {"tokens_per_month": {"low": 5e8, "mode": 1e9, "high": 3e9}, "input_tokens_per_request": 3,
                     "output_tokens_per_request": 1},
        "options": [
            {"kind": "api", "id": "a", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2},
            {"kind": "api", "id": "b", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2},
            {"kind": "api", "id": "c", "input_usd_per_mtok": 1.1, "output_usd_per_mtok": 2},
        ],
        "uncertainty": {"defaults": False},
        "finance": {"horizon_months": 12},
    }
    r = compare(parse_scenario(doc), samples=400, seed=1)
    p = r.risk.probability_cheapest
    assert p["a"] == pytest.approx(0.5) and p["b"] == pytest.approx(0.5) and p["c"] == 0
    assert sum(p.values()) == pytest.approx(1.0)
    assert r.option("b").risk.probability_cheapest == pytest.approx(0.5)
    assert np.isclose(sum(o.risk.probability_cheapest for o in r.options), 1.0)
