"""A comparison read in another cost view: the amortised view's figures in the places of the cash view's.

The engine computes both views for every option (``OptionResult.amortised``): the cash view pays a
purchase when it is made; the amortised view spreads it over the useful life as depreciation, so
capital still on the books at the horizon is not counted. :func:`in_view` swaps the headline figures
(TCO, $/Mtok, monthly and cumulative cost, categories) and names the view in the convention; the
cheapest option is re-read from the swapped TCOs with the engine's tie rule. Upfront cash and NPV
stay cash figures in both views (money paid at t = 0, and a discounted cash flow), and the
recommendation stays the engine's (it is made on the cash view).
"""

from __future__ import annotations

from ..conventions import cheapest_with_ties
from ..errors import InputError, did_you_mean
from ..results import CompareResult, OptionResult, serving

__all__ = ["VIEWS", "check_view", "in_view", "view_note"]

VIEWS = ("cash", "amortised")
_SPELLINGS = {"amortized": "amortised"}


def _option_in_view(o: OptionResult) -> OptionResult:
    a = o.amortised
    if a is None or not o.feasible:
        return o
    return o.model_copy(update={"tco_usd": a.tco_usd, "usd_per_mtok": a.usd_per_mtok, "monthly_usd": a.monthly_usd,
                                "cumulative_usd": a.cumulative_usd, "by_category_usd": a.by_category_usd})


def check_view(view: str, field: str = "--view") -> str:
    """``view`` as one of :data:`VIEWS` (any case), else a one-line error naming ``field``."""
    name = view.strip().lower()
    name = _SPELLINGS.get(name, name)
    if name not in VIEWS:
        raise InputError(field, view, " or ".join(VIEWS), did_you_mean(view, VIEWS))
    return name


def in_view(result: CompareResult, view: str, field: str = "--view") -> CompareResult:
    """``result`` read in ``view`` ('cash': as it is; 'amortised': see the module's docstring)."""
    name = check_view(view, field)
    if name == "cash":
        return result
    options = [_option_in_view(o) for o in result.options]
    convention = result.convention.model_copy(update={"view": name, "other_views": ["cash"]})
    cheapest = cheapest_with_ties([(o.id, o.tco_usd) for o in serving(options)])
    return result.model_copy(update={
        "options": options, "convention": convention, "cheapest": cheapest,
        "cheapest_basis": "lowest tco_usd (amortised view) among feasible options that serve at least 99.9 % "
                          "of demand"})


def view_note(result: CompareResult) -> str | None:
    """What the amortised view counts and what it leaves out, for a reader of its figures; None for cash."""
    if result.convention.view == "cash":
        return None
    return ("Amortised view: purchases spread over their useful life as straight-line depreciation, the book "
            "value left at the horizon not counted (nor credited: it is not cash received); cloud commitments "
            "charged month by month, months after the horizon not counted. Upfront and NPV are cash figures; "
            "the recommendation is made on the cash view.")
