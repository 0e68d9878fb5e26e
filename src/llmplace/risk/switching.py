"""The strategy over time under uncertainty: where the cheapest switch month falls, and how often switching pays.

The Monte Carlo's own draws (same seed, same inputs) are written into the scenario again; the strategy's first
phase is run on each sample and its second phase from every candidate switch month, planned on that sample's
load (a hybrid's base at the point run's size, as the Monte Carlo keeps it; a base the point run grows in a step
at its first size). Each sample's cheapest switch
month gives the P10/P50/P90 of the switch month; the strategy at the point run's switch month is compared
with the cheapest single option of the same sample for the probability that the switch pays off.
"""

from __future__ import annotations

import numpy as np

from ..engine import run
from ..options import Deployment
from ..results import SampleArrays, StrategyResult
from ..scenario import Scenario
from ..site import SiteValues
from ..strategy import switch_months, totals_by_switch_month
from .inputs import apply_values, uncertain_inputs
from .montecarlo import CHUNK

__all__ = ["MAX_STRATEGY_SAMPLES", "strategy_under_uncertainty"]

#: the switch-month distribution is computed on at most this many of the Monte Carlo's samples (the first ones):
#: each sample re-runs the second phase from every candidate month
MAX_STRATEGY_SAMPLES = 1000


def strategy_under_uncertainty(plan: StrategyResult, s: Scenario, deployments: list[Deployment], sv: SiteValues,
                               samples: SampleArrays, singles: list[str]) -> StrategyResult:
    """``plan`` with the switch month's P10/P50/P90 and the probability that it beats the cheapest of ``singles``
    (the options a recommendation may choose), sample by sample."""
    by_id = {d.id: d for d in deployments}
    first, second = by_id[plan.first], by_id[plan.second]
    specs = uncertain_inputs(s, [d for d in deployments if d.infeasible_reason is None], sv)
    n = min(len(next(iter(samples.tco_usd.values()))), MAX_STRATEGY_SAMPLES)
    starts = switch_months(second, sv, plan.monthly_cash_usd.__len__())
    point_col = int(np.flatnonzero(starts == plan.switch_month - 1)[0])
    base = plan.base_steps[0].servers if plan.base_steps else plan.base_units  # a grown base: held at its first size
    best_month = np.empty(n)
    at_point = np.empty(n)
    for a in range(0, n, CHUNK):
        b = min(n, a + CHUNK)
        values = {t.path: np.asarray(t.value(samples.inputs[sp.name][a:b]), dtype=float).reshape(-1, 1)
                  for sp in specs for t in sp.targets}
        s2, deps2, sv2 = apply_values(s, [first, second], values)
        point = run(s2, deps2[:1], sv2, samples=b - a)
        first_cash = np.asarray(point.outcomes[first.id].cash_usd, dtype=float)
        totals = totals_by_switch_month(first_cash, deps2[1], s2, point.load, sv2, starts, base, deps2[0])
        best_month[a:b] = starts[np.argmin(totals, axis=-1)] + 1
        at_point[a:b] = totals[:, point_col]
    cheapest_single = np.min(np.vstack([samples.tco_usd[i][:n] for i in singles if i in samples.tco_usd]), axis=0)
    p10, p50, p90 = (float(x) for x in np.percentile(best_month, [10, 50, 90]))
    share = float(np.mean(at_point < cheapest_single))
    words = (f" Under uncertainty (the first {n:,} Monte Carlo samples) the cheapest switch month falls between "
             f"month {p10:.0f} (P10) and month {p90:.0f} (P90), median {p50:.0f}; switching in month "
             f"{plan.switch_month} costs less than the cheapest single option in {share * 100:.0f} % of the samples"
             + (f" (in the samples the base is held at its first size, {base} server(s), from the switch on: the "
                f"range and the share are those of that simpler plan, not of the step)." if plan.base_steps else "."))
    return plan.model_copy(update={"switch_month_p10": p10, "switch_month_p50": p50, "switch_month_p90": p90,
                                   "probability_pays_off": share, "plain_words": plan.plain_words + words})
