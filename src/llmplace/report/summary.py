"""The executive summary: the recommendation when one was computed, else the cheapest option, with its figures.

Every figure is the result's own; the only arithmetic is the gap in percent between the cheapest
option and the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..conventions import STALE_AFTER_DAYS
from ..criteria import LEFT_OUT_DEPRECATED
from ..results import CompareResult, OptionResult, Recommendation
from .board import data_dates, key_reasons, kpi_tiles, plain_reason
from .formatting import fmt_usd, short_label
from .summary_model import BreakEvenRow, Summary

__all__ = ["break_even", "summary", "summary_of"]


@dataclass
class _Said:
    """What the recommendation says, before the cost paragraphs are added."""

    option: str | None = None
    headline: str | None = None
    lead: str | None = None
    reasons: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    what_would_change: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)

    @property
    def basis(self) -> str:
        return "recommendation" if (self.option or self.headline) else "cost"

    def summary(self, recommended: str | None, cheapest: str | None, headline: str, paragraphs: list[str]) -> Summary:
        return Summary(basis=self.basis, recommended=recommended, cheapest=cheapest, headline=headline,
                       paragraphs=paragraphs, reasons=self.reasons, risks=self.risks,
                       what_would_change=self.what_would_change, plan=self.plan)


def _lead(result: CompareResult, rec: Recommendation) -> str | None:
    """The score of the recommended option and of the runner-up, by label (the one 'Recommended' is the headline)."""
    w, r = result.find(rec.option), result.find(rec.runner_up)
    if w is None or w.criteria is None or w.criteria.weighted_total is None or result.weights is None:
        return None
    profile = result.weights.profile.replace("_", " ")
    out = f"It scores {w.criteria.weighted_total:.1f} of 10 on cost and the criteria beyond cost ({profile} weights)"
    if r is not None and r.criteria is not None and r.criteria.weighted_total is not None:
        return out + f"; the runner-up, {_name(r)}, scores {r.criteria.weighted_total:.1f}."
    return out + "; it is the only eligible option."


def _said(result: CompareResult, labels: dict[str, str]) -> _Said:
    rec = result.recommendation
    if rec is None:
        return _Said()
    said = _Said(option=rec.option, reasons=list(rec.reasons), risks=list(rec.risks),
                 what_would_change=list(rec.would_change_if), plan=list(rec.plan))
    if rec.kind == "strategy":  # a strategy over time: its own summary says the scores on one basis
        said.headline = f"Recommended strategy: {short_label(rec.label or rec.id or '', 300)}."
        lead = rec.summary.removeprefix("Recommended: ")
        said.lead = lead[:1].upper() + lead[1:]
        said.option = None
    elif rec.option or rec.label:
        said.headline = f"Recommended: {short_label(rec.label or labels.get(rec.option or '', rec.option or ''), 200)}."
        said.lead = _lead(result, rec)
    else:  # no option to recommend: its summary is the headline
        said.headline = rec.summary
    return said


def _name(o: OptionResult) -> str:
    return short_label(o.label or o.id, 200)


def _cost_paragraphs(result: CompareResult, focus: OptionResult, cheapest: OptionResult,
                     feasible: list[OptionResult], recommended: bool) -> list[str]:
    """What the option in focus costs, the cheapest one if that is another, and the spread of the rest."""
    horizon = result.horizon_months
    rate = result.assumption("discount_rate_pct_per_year")
    npv = f"; NPV {fmt_usd(focus.npv_usd)}" + (f" at {rate.value:g} % a year" if rate is not None else "")
    upfront = f"with {fmt_usd(focus.upfront_usd)} upfront." if focus.upfront_usd else "with nothing upfront."
    who = f"The recommended option, {_name(focus)}," if recommended else _name(focus)
    view = result.convention.view
    out = [f"{who} costs {fmt_usd(focus.tco_usd)} in total over {horizon} months ({view} view{npv}), "
           f"{fmt_usd(focus.usd_per_mtok)} per million tokens, {upfront}"]
    if focus is not cheapest:
        left = (f" It is {LEFT_OUT_DEPRECATED[:1].lower()}{LEFT_OUT_DEPRECATED[1:]}."
                if cheapest.deprecated and not focus.deprecated else "")
        out.append(f"The cheapest option by total cost is {_name(cheapest)} at {fmt_usd(cheapest.tco_usd)}.{left}")
    rest = [o for o in feasible if o is not focus]
    if rest and focus is cheapest:
        nxt = rest[0]
        gap = (nxt.tco_usd - focus.tco_usd) / focus.tco_usd * 100 if focus.tco_usd else None
        more = f"{gap:.0f} % more" if gap is not None and gap >= 0.5 else "practically the same"
        out.append(f"The next cheapest, {_name(nxt)}, costs {fmt_usd(nxt.tco_usd)} ({more}); the most expensive "
                   f"feasible option, {_name(feasible[-1])}, costs {fmt_usd(feasible[-1].tco_usd)}.")
    return out


def _crossing_paragraphs(focus: OptionResult, be: list[BreakEvenRow], feasible: list[OptionResult],
                         horizon: int, view: str = "cash") -> list[str]:
    """The break-even months that involve the option in focus (else the first others), or that none does."""
    mine = [b for b in be if focus.id in (b.a, b.b)]
    out = []
    if be:
        picked = mine[:3] if mine else [b for b in be if b not in mine][:2]
        out.append(f"Break-even ({view} view): " + "; ".join(b.sentence for b in picked) + ".")
    if not mine and len(feasible) > 1:
        out.append(f"No other option crosses {_name(focus)} within the {horizon} months.")
    return out


def summary(result: CompareResult, labels: dict[str, str], be: list[BreakEvenRow], today: dt.date) -> Summary:
    """The summary: the one-page part (headline, key figures, three reasons, the data's dates), then the
    paragraphs and the recommendation's reasons, risks, plan and what would change it."""
    out = _summary(result, labels, be)
    return out.model_copy(update={"horizon_months": result.horizon_months, "tiles": kpi_tiles(result, be),
                                  "key_reasons": key_reasons(result, be),
                                  "data_dates": data_dates(result, today, STALE_AFTER_DAYS)})


def _summary(result: CompareResult, labels: dict[str, str], be: list[BreakEvenRow]) -> Summary:
    said = _said(result, labels)
    paragraphs = [said.lead] if said.lead else []
    feasible = sorted((o for o in result.options if o.feasible), key=lambda o: o.tco_usd)
    if not feasible:
        paragraphs.append("Every option is infeasible; the reasons are listed in the options table.")
        return said.summary(said.option, None, said.headline or "No option can serve this workload.", paragraphs)
    recommended = said.basis == "recommendation"
    strategy = result.recommendation is not None and result.recommendation.kind == "strategy"
    cheapest = result.find(result.cheapest) or feasible[0]
    focus = result.find(said.option) or cheapest
    headline = said.headline or f"Cheapest over {result.horizon_months} months: {_name(focus)}."
    paragraphs += _cost_paragraphs(result, focus, cheapest, feasible, recommended and not strategy)
    paragraphs += _crossing_paragraphs(focus, be, feasible, result.horizon_months, result.convention.view)
    bad = [o for o in result.options if not o.feasible]
    if bad:
        why = [f"{_name(o)} ({plain_reason(o.infeasible_reason or 'infeasible')})" for o in bad]
        paragraphs.append("Not eligible: " + "; ".join(why) + ".")
    if not recommended:
        paragraphs.append("This summary ranks the options on cost alone: no recommendation weighing risk "
                          "and criteria beyond cost was computed for this scenario.")
    chosen = (result.recommendation.id if strategy and result.recommendation else focus.id) if recommended else None
    return said.summary(chosen, cheapest.id, headline, paragraphs)


def break_even(result: CompareResult, labels: dict[str, str], view: str = "cash") -> list[BreakEvenRow]:
    """The months at which two options' cumulative costs cross in ``view``, earliest first."""
    names = {k: short_label(v, 200) for k, v in labels.items()}
    out = []
    for b in result.break_even:
        if b.view != view or b.month is None:
            continue
        after = b.cheaper_after
        other = b.b if after == b.a else b.a
        sentence = (f"{names.get(after or '', after)} becomes cheaper than {names.get(other, other)} "
                    f"after month {b.month:.1f}")
        out.append(BreakEvenRow(a=b.a, b=b.b, month=b.month, view=view, cheaper_after=after, sentence=sentence))
    return sorted(out, key=lambda r: r.month)


def summary_of(result: CompareResult, today: dt.date | None = None) -> Summary:
    """The executive summary alone, as :func:`llmplace.report.content.build` makes it (the command line's
    board lines), without building the other sections or importing their modules. Money in the result's
    currency."""
    from .formatting import option_labels

    with result.convention.money():
        labels = option_labels(result)
        return summary(result, labels, break_even(result, labels, result.convention.view), today or dt.date.today())
