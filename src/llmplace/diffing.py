"""Two scenarios side by side: the inputs that differ once defaults are applied, and the change in each option's
upfront cost, TCO and cost per million tokens, the recommendation and the cheapest option.

Inputs are compared as validated (``Scenario.model_dump``), so a value written in one file and left to
its default in the other differs only if the two values differ. Paths name list items by their ``id``
where they have one (``options[own-8xh100].server``), else by position. Deltas are B - A, cash view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .decision import as_scenario, compare, front_end_samples
from .errors import InputError
from .results import CompareResult, OptionResult
from .results.scenario_diff import InputChange, Leaf, OptionDelta, OptionFigures, PickChange, ScenarioDiff
from .scenario import Scenario

__all__ = ["diff_scenarios", "flatten"]


def _item_key(i: int, item: Any) -> str:
    return str(item["id"]) if isinstance(item, dict) and isinstance(item.get("id"), str) else str(i)


def flatten(doc: Any, prefix: str = "") -> dict[str, Leaf]:
    """Every leaf of a JSON document by its path: ``a.b``, ``list[id]`` (or ``list[0]``); an empty list or
    mapping is a leaf of its own (``[]``, ``{}``) so that adding the first item shows."""
    if isinstance(doc, dict):
        if not doc:
            return {prefix: "{}"} if prefix else {}
        out: dict[str, Leaf] = {}
        for k, v in doc.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(doc, list):
        if not doc:
            return {prefix: "[]"}
        out = {}
        for i, item in enumerate(doc):
            out.update(flatten(item, f"{prefix}[{_item_key(i, item)}]"))
        return out
    return {prefix: doc}


def _input_changes(a: Scenario, b: Scenario) -> list[InputChange]:
    fa, fb = flatten(a.model_dump(mode="json")), flatten(b.model_dump(mode="json"))
    out = []
    for path in [*fa, *(p for p in fb if p not in fa)]:
        if path in fa and path in fb:
            if fa[path] != fb[path]:
                out.append(InputChange(path=path, a=fa[path], b=fb[path]))
        else:
            side = "a" if path in fa else "b"
            out.append(InputChange(path=path, a=fa.get(path), b=fb.get(path), only_in=side))
    return out


def _figures(o: OptionResult | None) -> OptionFigures | None:
    if o is None:
        return None
    return OptionFigures(label=o.label, feasible=o.feasible, infeasible_reason=o.infeasible_reason,
                         upfront_usd=o.upfront_usd, tco_usd=o.tco_usd, usd_per_mtok=o.usd_per_mtok)


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 6)


def _option_deltas(ra: CompareResult, rb: CompareResult) -> list[OptionDelta]:
    ids = list(dict.fromkeys([o.id for o in ra.options] + [o.id for o in rb.options]))
    out = []
    for oid in ids:
        fa, fb = _figures(ra.find(oid)), _figures(rb.find(oid))
        both = fa is not None and fb is not None and fa.feasible and fb.feasible
        out.append(OptionDelta(
            id=oid, a=fa, b=fb,
            upfront_delta_usd=_delta(fa.upfront_usd, fb.upfront_usd) if both and fa and fb else None,
            tco_delta_usd=_delta(fa.tco_usd, fb.tco_usd) if both and fa and fb else None,
            usd_per_mtok_delta=_delta(fa.usd_per_mtok, fb.usd_per_mtok) if both and fa and fb else None))
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


def diff_scenarios(a: Scenario | dict[str, Any] | str | Path, b: Scenario | dict[str, Any] | str | Path,
                   samples: int | None = None, seed: int | None = None) -> ScenarioDiff:
    """Compare scenario ``a`` with scenario ``b`` (each a :class:`Scenario`, a document or a file path).

    ``samples``: Monte Carlo draws of each comparison; None: each scenario's own, as ``compare`` runs it
    (the recommendation weighs the ranges, so the diff then tells the same story as ``compare``).
    """
    sa, sb = _load(a, "A"), _load(b, "B")
    na, nb = front_end_samples(sa, samples), front_end_samples(sb, samples)
    ra, rb = compare(sa, samples=na, seed=seed), compare(sb, samples=nb, seed=seed)
    rec_a = ra.recommendation.option if ra.recommendation else None
    rec_b = rb.recommendation.option if rb.recommendation else None
    notes = []
    if ra.horizon_months != rb.horizon_months:
        notes.append(f"The horizons differ ({ra.horizon_months} and {rb.horizon_months} months): TCO deltas "
                     "compare totals over different periods; compare $/Mtok instead.")
    if ra.convention.currency != rb.convention.currency:
        notes.append(f"The currencies differ ({ra.convention.currency} and {rb.convention.currency}).")
    return ScenarioDiff(
        a=_name(a, sa), b=_name(b, sb), horizon_months_a=ra.horizon_months, horizon_months_b=rb.horizon_months,
        samples_a=na, samples_b=nb, inputs=_input_changes(sa, sb), options=_option_deltas(ra, rb),
        recommendation=_pick(rec_a, rec_b), cheapest=_pick(ra.cheapest, rb.cheapest), notes=notes)
