"""Two scenarios side by side: the inputs that differ, and the change in each option's upfront cost, TCO, NPV
and cost per million tokens, the recommendation and the cheapest option. Every front end uses it: the
``llmplace diff`` command and the web app's diff of two saved scenarios.

Inputs are compared as validated (``Scenario.model_dump``), so a value written in one file and left to
its default in the other differs only if the two values differ. Paths name list items by their ``id``
where they have one (``options[own-8xh100].server``), else by position. Deltas are B - A, cash view.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .decision import as_scenario, compare, front_end_samples
from .errors import InputError
from .results import CompareResult, OptionResult
from .results.scenario_diff import InputChange, OptionDelta, OptionFigures, PickChange, ScenarioDiff
from .scenario import Scenario

__all__ = ["diff_inputs", "diff_scenarios", "inputs_only"]


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """``{id: item}`` when every item is a mapping with a distinct text ``id``, else None."""
    if not items or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        return None
    keyed = {i["id"]: i for i in items}
    return keyed if len(keyed) == len(items) else None


def _children(node: Any) -> dict[str, Any] | None:
    """The children of a mapping or a list, under the path suffix each is shown with; None for a leaf."""
    if isinstance(node, dict):
        return {f".{k}": v for k, v in node.items()}
    if isinstance(node, list):
        keyed = _keyed(node)
        if keyed is not None:
            return {f"[{k}]": v for k, v in keyed.items()}
        return {f"[{i}]": v for i, v in enumerate(node)}
    return None


def _same_shape(a: Any, b: Any) -> bool:
    """Both mappings, or both lists matched the same way (by id, or by position)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return True
    return isinstance(a, list) and isinstance(b, list) and (_keyed(a) is None) == (_keyed(b) is None)


def _walk(a: Any, b: Any, path: str, out: list[InputChange]) -> None:
    kids_a, kids_b = _children(a), _children(b)
    if kids_a is None or kids_b is None or not _same_shape(a, b):
        if a != b:
            out.append(InputChange(path=path or "(document)", a=a, b=b, change="changed"))
        return
    for suffix in [*kids_a, *(k for k in kids_b if k not in kids_a)]:
        sub = (path + suffix).lstrip(".")
        if suffix not in kids_b:
            out.append(InputChange(path=sub, a=kids_a[suffix], b=None, change="removed"))
        elif suffix not in kids_a:
            out.append(InputChange(path=sub, a=None, b=kids_b[suffix], change="added"))
        else:
            _walk(kids_a[suffix], kids_b[suffix], sub, out)


def diff_inputs(a: dict[str, Any], b: dict[str, Any]) -> list[InputChange]:
    """The inputs that differ from scenario document ``a`` to ``b``, in ``a``'s order, then ``b``'s additions.

    The documents are plain JSON-like data, compared leaf by leaf. A list whose items are all mappings with a
    distinct ``id`` (``options``, ``phased``) is matched by id, so reordering options is no difference and a
    change reads ``options[own-8xh100].server``; other lists are compared item by item (``l[0]``). Equal
    documents give an empty list; numbers compare by value (``2`` equals ``2.0``).
    """
    out: list[InputChange] = []
    _walk(a, b, "", out)
    return out


def _figures(o: OptionResult | None) -> OptionFigures | None:
    if o is None:
        return None
    return OptionFigures(label=o.label, feasible=o.feasible, infeasible_reason=o.infeasible_reason,
                         upfront_usd=o.upfront_usd, tco_usd=o.tco_usd, npv_usd=o.npv_usd,
                         usd_per_mtok=o.usd_per_mtok)


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 6)


def _option_deltas(ra: CompareResult, rb: CompareResult) -> list[OptionDelta]:
    """Each option's figures in A and B and B - A; no deltas where either side lacks a figure, nor at all when
    the two results count money in different currencies (an amount in EUR less one in USD means nothing)."""
    ids = list(dict.fromkeys([o.id for o in ra.options] + [o.id for o in rb.options]))
    same_currency = ra.convention.currency == rb.convention.currency
    out = []
    for oid in ids:
        fa, fb = _figures(ra.find(oid)), _figures(rb.find(oid))
        if fa is None or fb is None or not (fa.feasible and fb.feasible and same_currency):
            out.append(OptionDelta(id=oid, a=fa, b=fb, upfront_delta_usd=None, tco_delta_usd=None,
                                   npv_delta_usd=None, usd_per_mtok_delta=None))
            continue
        out.append(OptionDelta(
            id=oid, a=fa, b=fb, upfront_delta_usd=_delta(fa.upfront_usd, fb.upfront_usd),
            tco_delta_usd=_delta(fa.tco_usd, fb.tco_usd), npv_delta_usd=_delta(fa.npv_usd, fb.npv_usd),
            usd_per_mtok_delta=_delta(fa.usd_per_mtok, fb.usd_per_mtok)))
    return out


def _pick(a: str | None, b: str | None) -> PickChange:
    return PickChange(a=a, b=b, changed=a != b)


def _name(source: Scenario | dict[str, Any] | str | Path, s: Scenario) -> str:
    return str(source) if isinstance(source, (str, Path)) else (s.name or "scenario")


def _load(source: Scenario | dict[str, Any] | str | Path, side: str) -> Scenario:
    """The validated scenario, or its one-line error with the side (A or B) it concerns first."""
    try:
        return as_scenario(source)
    except InputError as exc:
        raise InputError(f"{side}: {exc.field}", exc.value, exc.allowed, exc.detail) from None


def inputs_only(a: str, b: str, doc_a: dict[str, Any], doc_b: dict[str, Any], error: str) -> ScenarioDiff:
    """The diff of two documents whose results cannot be computed (``error`` says why): their inputs as
    written, no options, no picks."""
    none = PickChange(a=None, b=None, changed=False)
    return ScenarioDiff(a=a, b=b, horizon_months_a=None, horizon_months_b=None, same_horizon=True, samples_a=0,
                        samples_b=0, inputs=diff_inputs(doc_a, doc_b), options=[], recommendation=none,
                        cheapest=none, error=error)


def diff_scenarios(a: Scenario | dict[str, Any] | str | Path, b: Scenario | dict[str, Any] | str | Path,
                   samples: int | None = None, seed: int | None = None,
                   progress: Callable[[int, int], None] | None = None) -> ScenarioDiff:
    """Compare scenario ``a`` with scenario ``b`` (each a :class:`Scenario`, a document or a file path).

    ``samples``: Monte Carlo draws of each comparison; None: each scenario's own, as ``compare`` runs it
    (the recommendation weighs the ranges, so the diff then tells the same story as ``compare``).
    ``progress`` is called as ``compare`` calls it, by both comparisons in turn.
    """
    sa, sb = _load(a, "A"), _load(b, "B")
    na, nb = front_end_samples(sa, samples), front_end_samples(sb, samples)
    ra, rb = (compare(sa, samples=na, seed=seed, progress=progress),
              compare(sb, samples=nb, seed=seed, progress=progress))
    rec_a = ra.recommendation.option if ra.recommendation else None
    rec_b = rb.recommendation.option if rb.recommendation else None
    notes = []
    if ra.horizon_months != rb.horizon_months:
        notes.append(f"The horizons differ ({ra.horizon_months} and {rb.horizon_months} months): TCO and NPV "
                     "deltas compare totals over different periods; compare $/Mtok instead.")
    if ra.convention.currency != rb.convention.currency:
        notes.append(f"The currencies differ ({ra.convention.currency} and {rb.convention.currency}): each side's "
                     "amounts are in its own currency and no change is computed (B - A would subtract amounts "
                     "in different currencies); give both scenarios the same finance.currency to see changes.")
    return ScenarioDiff(
        a=_name(a, sa), b=_name(b, sb), horizon_months_a=ra.horizon_months, horizon_months_b=rb.horizon_months,
        same_horizon=ra.horizon_months == rb.horizon_months, samples_a=na, samples_b=nb,
        currency_a=ra.convention.currency, currency_b=rb.convention.currency,
        inputs=diff_inputs(sa.model_dump(mode="json"), sb.model_dump(mode="json")), options=_option_deltas(ra, rb),
        recommendation=_pick(rec_a, rec_b), cheapest=_pick(ra.cheapest, rb.cheapest), notes=notes)
