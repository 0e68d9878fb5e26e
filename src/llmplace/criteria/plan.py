"""The plan for the recommended option: what to buy, rent or reserve, when to grow, when to revisit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..conventions import format_usd, money_prefix
from .facts import OptionFacts, standby

__all__ = ["action_plan"]


def _buy_steps(f: OptionFacts) -> list[str]:
    """What an in-house option buys, when it serves, and who serves until then."""
    if f.n_plus_one and f.second_site:
        extra = " split over two sites (one spare at each site, N+1)"
    elif f.n_plus_one:
        extra = " (one of them a spare, N+1)"
    else:
        extra = " split over two sites" if f.second_site else ""
    first = next((m for m, u in enumerate(f.units) if u > 0), 0)
    until = ""
    if first:
        who = f"{f.bridge.label} serves the demand until then" if f.bridge is not None else \
            "the demand before then goes unserved"
        until = f", in service from month {first + 1} ({who})"
    n = f.units[first] if f.units else 0
    return [
        f"Buy {f.count_of(n)} {f.label}{extra}: {format_usd(f.upfront_usd, cents_below=0)} upfront when ordered"
        f"{until}; {f.staff_fte:.2f} FTE to run them"
    ]


def _rent_steps(f: OptionFacts) -> list[str]:
    plan = (f.plan or "on_demand").replace("_", " ")
    return [f"Rent {f.count_of(f.units[0])} {f.label}" + ("" if plan in f.label else f" ({plan})")]


def _api_steps(f: OptionFacts) -> list[str]:
    mon = f.result.monthly_usd
    return [
        f"Use {f.label} at {money_prefix()}{f.usd_per_mtok or 0:,.2f}/Mtok: about "
        f"{format_usd(mon[0], cents_below=0)} in month 1, "
        f"{format_usd(mon[-1], cents_below=0)} in month {f.horizon_months}"
    ]


def _hybrid_steps(f: OptionFacts) -> list[str]:
    """The base to buy or reserve and where the rest goes, then the engine's first two notes."""
    hp = f.result.hybrid
    out: list[str] = []
    if f.parts and hp is not None:
        base, over = f.parts[0], f.parts[-1]
        n = hp.base_units if isinstance(hp.base_units, int) else (f.units[0] if f.units else "the planned")
        kind = hp.base_unit_kind or "units"
        if n == 1 and kind.endswith("s"):
            kind = kind[:-1]
        out.append(
            f"{'Buy' if base.kind == 'in_house' else 'Reserve'} {n} {kind} of {base.label} "
            f"({format_usd(f.upfront_usd, cents_below=0)} upfront) for the base load, serving "
            f"{hp.share_served_by_base:.1%} of tokens"
        )
        if hp.share_served_by_overflow >= 0.001:
            out.append(
                f"Send the rest ({hp.share_served_by_overflow:.1%} of tokens, the peaks) to {over.label}, "
                f"paid as used"
            )
        elif standby(f):
            cost = sum(v for k, v in f.result.by_category_usd.items() if k.startswith("standby_"))
            out.append(
                f"Keep {over.label} ready as standby ({format_usd(cost, cents_below=0)} over the horizon for "
                f"failover drills, a warm image and SRE time): the base carries the forecast load, the "
                f"overflow takes over during outages and unexpected peaks"
            )
        else:
            out.append(f"{over.label} serves no tokens and is not kept ready as a standby (standby: none)")
    return out + [f"Note: {n}" for n in getattr(f.result, "notes", [])[:2]]


#: the first steps of the plan by option kind; a hybrid's are the default
_FIRST_STEPS: dict[str, Callable[[OptionFacts], list[str]]] = {
    "in_house": _buy_steps,
    "cloud": _rent_steps,
    "api": _api_steps,
}


def _revisit_month(f: OptionFacts, res: Any, w: str, r: str | None, grow: int | None) -> int | None:
    """When to revisit: capacity growth, the cash break-even with the runner-up, a reservation's end."""
    h = f.horizon_months
    revisit = grow + 1 if grow is not None else None
    for b in getattr(res, "break_even", []) or []:
        if b.view == "cash" and r is not None and {b.a, b.b} == {w, r} and b.month is not None:
            revisit = min(revisit or h, int(b.month) + 1)
    if f.kind == "cloud" and f.plan and f.plan.startswith("reserved"):
        revisit = min(revisit or h, 12 if f.plan == "reserved_1y" else 36)
    return revisit


def action_plan(f: OptionFacts, res: Any, w: str, r: str | None) -> list[str]:
    """What to buy or rent, when to grow, and when to revisit the choice."""
    h = f.horizon_months
    if f.kind not in _FIRST_STEPS and f.parts and f.result.hybrid is not None and not any(f.units):
        return [
            f"The optimiser buys no base: use {f.parts[-1].label} alone, paid as used",
            f"Revisit in month {min(12, h)}: when volume grows, a base of owned servers may pay off",
        ]
    out = _FIRST_STEPS.get(f.kind, _hybrid_steps)(f)
    grow = next((m for m in range(1, len(f.units)) if f.units[m] > f.units[m - 1] > 0), None)  # after delivery
    if grow is not None:
        top, top_m = max(f.units), f.units.index(max(f.units)) + 1
        later = f" and {top} by month {top_m}" if top_m > grow + 1 else ""
        out.append(f"Grow to {f.units[grow]} units in month {grow + 1}{later} as demand grows")
    revisit = _revisit_month(f, res, w, r, grow)
    out.append(
        f"Revisit in month {revisit or min(12, h)}: "
        + (
            "when capacity must grow or the break-even with the runner-up passes"
            if revisit
            else "prices and models change fast; re-run the comparison yearly"
        )
    )
    return out
