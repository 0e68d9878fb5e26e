"""Per-token APIs: input, cached-input and output tokens, batch share at the batch discount, the API team."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..demand import Load
from ..options import Deployment
from ..results import Assumption
from ..scenario import ApiOption, Scenario
from ..site import SiteValues
from .flows import Flows, _shape, trend_of
from .staff import staff_for, staff_note

__all__ = ["api_flows"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


def api_flows(d: Deployment, s: Scenario, load: Load, sv: SiteValues, option: ApiOption | None = None) -> Flows:
    """Flows of a per-token API serving ``load`` (``option``: in place of the deployment's)."""
    opt = option if option is not None else d.option
    assert d.api is not None and isinstance(opt, ApiOption)
    a = d.api
    horizon = load.rate.shape[-2]
    out_tok = load.output_tokens
    in_tok = out_tok * (load.total_per_output - 1.0)
    cached_tok = in_tok * load.cached_share
    disc = opt.batch_discount_pct if opt.batch_discount_pct is not None else (
        a.batch_discount_pct if a.batch_discount_pct is not None else sv["api_batch_discount_pct"])
    factor = (1.0 - opt.batch_share * disc / 100.0) * trend_of(sv, sv["api_price_change_pct_per_year"], horizon)
    cached_price = a.cached_input_usd_per_mtok if a.cached_input_usd_per_mtok is not None else a.input_usd_per_mtok
    cats = {
        "input_tokens": (in_tok - cached_tok) * a.input_usd_per_mtok / 1e6 * factor,
        "cached_input_tokens": cached_tok * cached_price / 1e6 * factor,
        "output_tokens": out_tok * a.output_usd_per_mtok / 1e6 * factor,
    }
    zeros = np.zeros(_shape(*cats.values()))
    team = staff_for("api", 0.0, out_tok > 0, opt.staff_fte, s, sv, horizon)  # the API team while it serves
    cats["staff"] = team.usd()
    cats = {k: v for k, v in cats.items() if np.any(v)} or {"output_tokens": cats["output_tokens"]}
    return Flows(cash=cats, amortised=dict(cats), upfront_usd=zeros[..., 0], units=zeros.astype(np.int64),
                 served_tokens=load.total_tokens + zeros, unserved_tokens=zeros, staff_fte=zeros + team.fte(),
                 staff=team, assumptions=[staff_note("api", sv, opt.staff_fte), RATE_LIMIT_NOTE])


#: what the API cost leaves out (no sourced tier data bundled)
RATE_LIMIT_NOTE = Assumption(
    name="API rate limits", value="not modelled: the tokens are priced at the published per-token rates; a volume "
    "above the provider's published tier rate limits needs a higher tier or an enterprise agreement (often a "
    "minimum monthly commit), not counted here", unit="", source="simplification (no tier data bundled)")
