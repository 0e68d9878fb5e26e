"""The one-page executive summary: key figures of the options that matter, three reasons, the data's dates.

Tiles show the recommended option, the cheapest eligible one and the runner-up (one tile per
option, with every role it plays). Reasons are sentences in plain words with their numbers: option
labels, never ids or file paths. Every figure is the result's own; the only arithmetic is a
difference and a ratio between two TCOs and each criterion's weight share times a score gap, used
to pick the criteria that separate the winner from the runner-up most.
"""

from __future__ import annotations

import datetime as dt
import re

from ..catalog.criteria_data import CRITERION_LABELS
from ..conventions import money_prefix
from ..criteria import LEFT_OUT_DEPRECATED
from ..results import CompareResult, OptionResult
from .formatting import fmt_usd, short_label, units_text
from .provenance import ages, dated_items, parse_as_of
from .summary_model import BreakEvenRow, DataDates, KpiTile, Summary

__all__ = ["TILE_COLUMNS", "board_lines", "data_dates", "key_reasons", "kpi_tiles", "plain", "plain_reason",
           "tile_cells", "tile_columns"]

_COST_CRITERIA = frozenset({"initial_cost", "total_cost"})
# an aside that names a setting, a file, an id or a key: 'constraints.x', 'site.csv', 'a=b', 'api:groq', 'data: x'
_TECHNICAL = re.compile(r"[_=]|\.csv|\.py|\w:\w|\w: \w|\b\w+\.\w+\b")
_ASIDE = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)")


def plain(text: str) -> str:
    """``text`` without its technical asides: brackets that name a setting, a file, a key or an id."""
    return _ASIDE.sub(lambda m: "" if _TECHNICAL.search(m.group(0)) else m.group(0), text).strip()


def plain_reason(text: str) -> str:
    """A reason in plain words: its parts ('; ') without technical asides, parts that name a setting dropped."""
    parts = [plain(p) for p in text.split("; ")]
    kept = [p for p in parts if p and not re.search(r"[_=]", p)]
    return "; ".join(kept) or plain(text)


def _name(o: OptionResult) -> str:
    return short_label(o.label or o.id, 80)


def _units(o: OptionResult) -> str:
    return "per token" if o.kind == "api" else units_text(o.peak_units, o.unit_kind)


def _crossing(o: OptionResult, other: OptionResult | None, be: list[BreakEvenRow], horizon: int) -> tuple[
        float | None, str]:
    """The month ``o`` and ``other`` cross (in the view of ``be``) and the words for it."""
    if other is None:
        return None, "-"
    row = next((b for b in be if {b.a, b.b} == {o.id, other.id}), None)
    if row is None:
        return None, f"no crossing with {_name(other)} within {horizon} months"
    who = "it becomes" if row.cheaper_after == o.id else f"{_name(other)} becomes"
    whom = _name(other) if row.cheaper_after == o.id else "it"
    return row.month, f"{who} cheaper than {whom} after month {row.month:.0f}"


def _roles(result: CompareResult) -> list[tuple[OptionResult, list[str]]]:
    """The options to show, recommended first, each with its roles."""
    rec = result.recommendation
    picks = [("recommended", rec.option if rec and rec.kind == "option" else None), ("cheapest", result.cheapest),
             ("runner-up", rec.runner_up if rec else None)]
    out: dict[str, tuple[OptionResult, list[str]]] = {}
    for role, oid in picks:
        o = result.find(oid) if oid else None
        if o is not None and o.feasible:
            out.setdefault(o.id, (o, []))[1].append(role)
    for o, roles in out.values():
        if o.deprecated:
            roles.append("deprecated")
    return list(out.values())


def kpi_tiles(result: CompareResult, be: list[BreakEvenRow]) -> list[KpiTile]:
    """One tile per option that is recommended, cheapest or runner-up; break-even against the recommended
    option (for the recommended one: against the cheapest, else the runner-up)."""
    shown = _roles(result)
    if not shown:
        return []
    first = shown[0][0]
    tiles = []
    for o, roles in shown:
        other = (shown[1][0] if len(shown) > 1 else None) if o is first else first
        month, words = _crossing(o, other, be, result.horizon_months)
        crit = o.criteria
        tiles.append(KpiTile(
            id=o.id, label=_name(o), roles=roles, upfront_usd=o.upfront_usd, tco_usd=o.tco_usd,
            usd_per_mtok=o.usd_per_mtok, units=_units(o), score=crit.weighted_total if crit else None,
            break_even_month=month, break_even_with=_name(other) if other is not None else None,
            break_even=words))
    return tiles


def _cost_reason(result: CompareResult, o: OptionResult, feasible: list[OptionResult]) -> str:
    """Where the option stands on total cost among the eligible options; cheaper ones left out of the ranking
    as deprecated are named with the catalog's reason, never passed off as outweighed by the criteria."""
    h = result.horizon_months
    left = [x for x in feasible if x.deprecated and x.id != o.id and not o.deprecated and x.tco_usd < o.tco_usd]
    ranked = [x for x in feasible if x not in left]
    cheapest = ranked[0]
    cost = f"{fmt_usd(o.tco_usd)} over {h} months ({fmt_usd(o.usd_per_mtok)} per million tokens)"
    if len(ranked) == 1:
        return f"The only eligible option left in the ranking: {cost}." + _left_out_words(o, left)
    if o.id == cheapest.id or o.tco_usd <= cheapest.tco_usd:
        rest = [x for x in ranked if x.id != o.id and x.tco_usd > o.tco_usd]
        nxt = f", {1 - o.tco_usd / rest[0].tco_usd:.0%} below the next, {_name(rest[0])}" if rest else ""
        which = "ranked eligible" if left else "eligible"
        return f"Lowest total cost of the {len(ranked)} {which} options: {cost}{nxt}." + _left_out_words(o, left)
    gap = o.tco_usd - cheapest.tco_usd
    return (f"It costs {fmt_usd(o.tco_usd)} over {h} months, {fmt_usd(gap)} ({gap / cheapest.tco_usd:.0%}) more "
            f"than the cheapest eligible option, {_name(cheapest)}; the criteria beyond cost outweigh that "
            "gap with these weights." + _left_out_words(o, left))


def _left_out_words(o: OptionResult, left: list[OptionResult]) -> str:
    """The cheaper options left out of the ranking as deprecated, with what they cost and the catalog's reason."""
    if not left:
        return ""
    return " Cheaper, but " + LEFT_OUT_DEPRECATED[:1].lower() + LEFT_OUT_DEPRECATED[1:] + ": " + "; ".join(
        f"{_name(x)}, {fmt_usd(x.tco_usd)} ({fmt_usd(o.tco_usd - x.tco_usd)} less; {plain(x.deprecated or '')})"
        for x in left) + "."


def _criterion_reasons(result: CompareResult, o: OptionResult, runner: OptionResult | None) -> list[str]:
    """The criteria beyond cost that separate the option from the runner-up most (weight share x score gap)."""
    if o.criteria is None or result.weights is None:
        return []
    shares = result.weights.shares
    mine = o.criteria.scores
    theirs = runner.criteria.scores if runner is not None and runner.criteria is not None else {}
    gains = []
    for key, s in mine.items():
        if key in _COST_CRITERIA or key not in shares:
            continue
        other = theirs.get(key)
        gains.append((shares[key] * (s.score - (other.score if other else 0.0)), key, s, other))
    gains.sort(key=lambda g: -g[0])
    out = []
    for gain, key, s, other in gains[:2]:
        if gain <= 0:
            break
        label = CRITERION_LABELS.get(key, key.replace("_", " "))
        vs = f" against {other.score:.0f} for {_name(runner)}" if other is not None and runner is not None else ""
        out.append(f"{label[:1].upper()}{label[1:]} ({shares[key]:.0%} of the weight): {plain(s.reason)}; "
                   f"scores {s.score:.0f} of 10{vs}.")
    return out


def _holds_unless(result: CompareResult, focus: OptionResult) -> list[str]:
    """The smallest change in another option's cost that would make it the recommendation."""
    rec = result.recommendation
    if result.convention.view != "cash":  # the thresholds are cash-view TCOs: no mix with another view's
        return []
    moves = [(t, o) for t in (rec.cost_thresholds if rec else []) if t.option != focus.id
             and (o := result.find(t.option)) is not None and t.tco_factor < 1]
    if not moves:
        return []
    t, o = max(moves, key=lambda m: m[0].tco_factor)
    return [f"The choice holds unless {_name(o)} costs {1 - t.tco_factor:.0%} less than modelled "
            f"({fmt_usd(t.tco_usd)} instead of {fmt_usd(o.tco_usd)} over {result.horizon_months} months)."]


def key_reasons(result: CompareResult, be: list[BreakEvenRow]) -> list[str]:
    """Three reasons in plain words, each with its numbers: cost, then the criteria, then the break-even."""
    feasible = sorted((o for o in result.options if o.feasible), key=lambda o: o.tco_usd)
    if not feasible:
        return []
    rec = result.recommendation
    if rec is not None and rec.kind == "strategy":  # its reasons already carry the figures
        return rec.reasons[:3]
    focus = (result.find(rec.option) if rec and rec.option else None) or feasible[0]
    runner = result.find(rec.runner_up) if rec and rec.runner_up else None
    reasons = [_cost_reason(result, focus, feasible), *_criterion_reasons(result, focus, runner)]
    crossing = next((b for b in be if focus.id in (b.a, b.b)), None)
    if len(reasons) < 3 and crossing is not None:
        other = result.find(crossing.b if crossing.a == focus.id else crossing.a)
        words = _crossing(focus, other, [crossing], result.horizon_months)[1]
        reasons.append(f"Break-even ({result.convention.view} view): {words} of {result.horizon_months}.")
    if len(reasons) < 3 and rec is not None:
        reasons += _holds_unless(result, focus)
    if len(reasons) < 3 and rec is None:
        reasons.append("Ranked on cost alone: no criteria beyond cost were weighed for this scenario.")
    return reasons[:3]


def _month(d: dt.date) -> str:
    return d.strftime("%b %Y")


def data_dates(result: CompareResult, today: dt.date, max_age_days: int) -> DataDates:
    """The oldest and newest dates of the catalog data and defaults the result used, and how many are stale."""
    items = [(it, d) for it in dated_items(result) if (d := parse_as_of(it.as_of)) is not None]
    dates = [d for _, d in items]
    if not dates:
        return DataDates(first=None, last=None, dated=0, stale=0, text="No dated catalog data was used.")
    stale = sum(1 for it, d in items if ages(it) and (today - d).days > max_age_days)
    first, last = min(dates), max(dates)
    old = f"; {stale} prices or offers older than {max_age_days} days" if stale else ""
    return DataDates(first=first.isoformat(), last=last.isoformat(), dated=len(dates), stale=stale,
                     text=f"Catalog data and defaults dated {_month(first)} to {_month(last)} "
                          f"({len(dates)} dated values{old}).")


TILE_COLUMNS = ["option", "role", "upfront", "TCO", "$ per Mtok", "break-even", "units", "score"]


def tile_columns() -> list[str]:
    """:data:`TILE_COLUMNS` (written for USD) with the current currency in the price column."""
    return [c.replace("$", money_prefix().strip()) for c in TILE_COLUMNS]


def tile_cells(t: KpiTile) -> list[str]:
    """A tile as the text cells of :data:`TILE_COLUMNS`."""
    month = f"month {t.break_even_month:.0f}" if t.break_even_month is not None else "none"
    score = f"{t.score:.1f}/10" if t.score is not None else "-"
    return [t.label, ", ".join(t.roles), fmt_usd(t.upfront_usd), fmt_usd(t.tco_usd), fmt_usd(t.usd_per_mtok),
            month, t.units, score]


def board_lines(s: Summary) -> list[str]:
    """The one-page summary as plain text lines, for a terminal: headline, key figures, reasons, data dates."""
    out = [s.headline]
    for t in s.tiles:
        c = tile_cells(t)
        out.append(f"  {c[1]}: {c[0]}: upfront {c[2]}, TCO {c[3]} over {s.horizon_months} months, {c[4]}/Mtok, "
                   f"{c[6]}, score {c[7]}; {t.break_even}")
    out += [f"  {i}. {r}" for i, r in enumerate(s.key_reasons, 1)]
    if s.data_dates is not None:
        out.append(f"  {s.data_dates.text}")
    return out
