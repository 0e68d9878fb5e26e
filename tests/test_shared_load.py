"""What options serving the same load compute from it alone is computed once and shared (llmplace.memo), with the
same numbers as computing it option by option, and nothing is shared between runs or scenarios."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from llmplace import parse_scenario
from llmplace.decision import resolve_deployments
from llmplace.engine import forecast_fleets, run
from llmplace.memo import Memo, exact_key
from llmplace.risk import apply_values, uncertain_inputs
from llmplace.site import site_values

SAMPLES = 200


def _doc(requests_per_month: float = 6e6) -> dict:
    """Copies of one instance type and one server build at different prices (as several providers or regions
    offer them), each served alone: the copies share the load and the capacity per unit, not the price."""
    return {
        "model": {"name": "gpt-oss-120b", "precision": "mxfp4"},
        "workload": {"requests_per_month": requests_per_month, "input_tokens_per_request": 800,
                     "output_tokens_per_request": 350, "growth_pct_per_month": 8, "shape": "always_on_consumer"},
        "latency": {"ttft_ms": 1000, "tpot_ms": 50},
        "options": [
            {"kind": "cloud", "id": "aws-a", "instance": "aws/p5.4xlarge", "billing": "autoscaled",
             "usd_per_hour": 7.0},
            {"kind": "cloud", "id": "aws-b", "instance": "aws/p5.4xlarge", "billing": "autoscaled",
             "usd_per_hour": 9.5},
            {"kind": "cloud", "id": "lambda-a", "instance": "lambda/gpu_8x_h100_sxm5", "usd_per_hour": 20.0},
            {"kind": "cloud", "id": "lambda-b", "instance": "lambda/gpu_8x_h100_sxm5", "usd_per_hour": 26.0},
            {"kind": "in_house", "id": "own-a", "server": "hgx-h100-8x-oem", "hosting": "colocation",
             "purchase_usd": 250000},
            {"kind": "in_house", "id": "own-b", "server": "hgx-h100-8x-oem", "hosting": "colocation",
             "purchase_usd": 310000},
            {"kind": "api", "id": "groq", "provider": "groq"},
        ],
        "finance": {"horizon_months": 24},
    }


def _sampled(doc: dict, ids: list[str] | None = None):
    """The engine run of ``doc``'s options (only ``ids`` when given) on one set of Monte Carlo samples (seed 3), as
    the Monte Carlo runs them: sampled values written into copies, in-house fleets bought on the forecast."""
    s = parse_scenario(doc)
    deps = resolve_deployments(s)
    sv = site_values(s, warn=False)
    specs = uncertain_inputs(s, deps, sv)
    rng = np.random.default_rng(3)
    drawn = {sp.name: np.asarray(sp.sample(rng, SAMPLES), dtype=float).reshape(-1, 1) for sp in specs}
    values = {t.path: t.value(drawn[sp.name]) for sp in specs for t in sp.targets}
    fleets = forecast_fleets(s, deps, sv)
    s2, deps2, sv2 = apply_values(s, deps, values)
    chosen = [d for d in deps2 if ids is None or d.id in ids]
    return run(s2, chosen, sv2, samples=SAMPLES, fleets=fleets)


def _same(a, b) -> bool:
    """Bit for bit: every monthly cash and amortised value, upfront and NPV of every sample."""
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("cash_usd", "amortised_usd", "upfront_usd",
                                                                      "npv_usd"))


def test_exact_key_tells_apart_what_could_compute_differently():
    """Equal only bit for bit: an int and a float, 0.0 and -0.0, or a last-bit difference are different inputs."""
    x = np.linspace(0.1, 1.0, 7)
    assert exact_key(x, "autoscaled", 1) == exact_key(x.copy(), "autoscaled", 1)
    assert exact_key(1) != exact_key(1.0)
    assert exact_key(0.0) != exact_key(-0.0)
    assert exact_key(x) != exact_key(np.nextafter(x, 2.0))
    assert exact_key(x) != exact_key(x.reshape(1, -1))
    with pytest.raises(TypeError):
        exact_key(object())


def test_memo_returns_read_only_results_and_drops_the_least_recently_used():
    memo = Memo(limit=2)
    calls: list[int] = []

    def compute(k: int):
        calls.append(k)
        return np.full(3, float(k))

    first = memo.get("x", (1,), lambda: compute(1))
    assert memo.get("x", (1,), lambda: compute(1)) is first and calls == [1]
    with pytest.raises(ValueError):
        first[0] = 5.0  # a shared result cannot be changed by one of its users
    memo.get("x", (2,), lambda: compute(2))
    memo.get("x", (3,), lambda: compute(3))  # drops 1, the least recently used
    memo.get("x", (1,), lambda: compute(1))
    assert calls == [1, 2, 3, 1] and (memo.hits, memo.misses) == (1, 4)


def test_copies_of_an_option_share_what_the_load_decides_and_cost_as_when_computed_apart():
    """Two copies of an autoscaled instance, two of an always-on one and two of a server build bridged by an API,
    at different prices, in one sampled run: each copy's fleet plan, and the load above a server fleet and its
    bridged months, are computed once per (capacity, policy) and every sample of every option is bit for bit what
    running that option alone (its own load, nothing shared) gives; the prices still differ."""
    doc = _doc()
    together = _sampled(doc)
    # the second copy of each instance reused the first one's fleet plan; the second server copy the load its fleet
    # serves and the load above it (whose own memo then holds the bridged months)
    assert together.load.memo.hits == 2 + 2
    for oid in ("aws-a", "aws-b", "lambda-a", "lambda-b", "own-a", "own-b", "groq"):
        alone = _sampled(doc, [oid])
        assert alone.load.memo.hits == 0
        assert _same(together.outcomes[oid], alone.outcomes[oid]), oid
    for cheap, dear in (("aws-a", "aws-b"), ("lambda-a", "lambda-b"), ("own-a", "own-b")):
        assert np.all(together.outcomes[dear].npv_usd > together.outcomes[cheap].npv_usd)


def test_nothing_is_shared_between_scenarios():
    """A run starts with an empty memo: scenario B run after A (same options, a tenth of the demand, so the same
    capacities meet another load) gives what B gives before A."""
    small = _doc()
    before = _sampled(small)
    other = _sampled(_doc(requests_per_month=6e7))
    after = _sampled(small)
    assert after.load.memo is not other.load.memo and after.load.memo.misses > 0
    for oid, o in before.outcomes.items():
        assert _same(o, after.outcomes[oid]), oid
        assert not np.array_equal(o.cash_usd, other.outcomes[oid].cash_usd), oid


def test_a_load_and_what_its_memo_holds_are_freed_as_soon_as_the_run_is():
    """Nothing kept in a load's memo refers back to the load: a reference cycle would keep each Monte Carlo chunk's
    (samples x months x bins) arrays alive until Python's cyclic collector happened to run (the consumer-chat case
    at 240 months and 10,000 samples peaked at 1.4 GiB instead of 0.5 GiB before the fleet plan stopped holding
    its load)."""
    gc.disable()
    try:
        r = _sampled(_doc())
        assert r.load.memo.hits > 0
        load = weakref.ref(r.load)
        del r
        assert load() is None
    finally:
        gc.enable()
