"""What the report says, as plain data: one builder shared by the HTML, Markdown, JSON and workbook writers.

Every figure here is read from the comparison result (``CompareResult.to_dict()``); nothing is
computed that the result does not already hold, except sums, maxima and date arithmetic for the
staleness warning. Sections whose engine has not produced data (recommendation, hybrid split,
Monte Carlo, tornado, thresholds, criteria) are marked ``computed: False`` with a short note.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from typing import Any

from .. import __version__

__all__ = [
    "NOT_COMPUTED",
    "STALE_AFTER_DAYS",
    "assumption_rows",
    "build",
    "catalog_rows",
    "fmt_number",
    "fmt_usd",
    "parse_as_of",
    "short_label",
    "units_text",
    "staleness",
    "tables_from",
]

STALE_AFTER_DAYS = 180
NOT_COMPUTED = "Not computed for this scenario."

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_NAMED = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[\s-]+((?:19|20)\d{2})\b", re.IGNORECASE
)
_ISO = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?(?![\d.])")


# ---------------------------------------------------------------- formatting


def fmt_usd(x: Any) -> str:
    """Dollars for people: whole dollars from $100, cents below; '-' for missing."""
    if x is None or not isinstance(x, (int, float)):
        return "-"
    sign = "-" if x < 0 else ""
    a = abs(float(x))
    return f"{sign}${a:,.0f}" if a >= 100 else f"{sign}${a:,.2f}"


def fmt_number(x: Any, digits: int = 1) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if x == int(x) and abs(x) < 1e15:
            return f"{int(x):,}"
        if abs(x) < 10:
            return f"{x:,.3g}"
        return f"{x:,.{digits}f}"
    if isinstance(x, (list, dict)):
        return json.dumps(x, default=str)
    return str(x)


def units_text(n: Any, kind: Any) -> str:
    """'1 server', '3 instances'; '-' when there is no unit count."""
    if n is None or not kind:
        return "-"
    k = str(kind)
    return f"{n} {k[:-1] if n == 1 and k.endswith('s') else k}"


def short_label(label: str, limit: int = 44) -> str:
    """A label short enough for a chart legend: '(e.g. ...)' asides dropped, then cut."""
    s = re.sub(r"\s*\(e\.g\.[^)]*\)", "", label).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "\u2026"


# ---------------------------------------------------------------- dates and provenance


def parse_as_of(text: Any) -> dt.date | None:
    """The date an ``as_of`` value stands for, or None when it names none.

    Accepts '2025-11-30', '2024-03', '2026', 'Aug-2024' and such dates inside longer text
    ('catalog snapshot read 2026-11-27'); version strings ('genai-prices 0.2.3'), 'scenario' and
    'undated' give None. A month or a year stands for its last day, so a row is called stale
    only when even the latest date it could mean is old.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    m = _NAMED.search(text)
    if m:
        y, mo = int(m.group(2)), _MONTHS[m.group(1).lower()[:3]]
        return dt.date(y, mo, calendar.monthrange(y, mo)[1])
    m2 = _ISO.search(text)
    if not m2:
        return None
    y = int(m2.group(1))
    if m2.group(2) is None:
        return dt.date(y, 12, 31)
    mo = int(m2.group(2))
    if m2.group(3) is None:
        return dt.date(y, mo, calendar.monthrange(y, mo)[1])
    try:
        return dt.date(y, mo, int(m2.group(3)))
    except ValueError:
        return None


def assumption_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every assumption the result rests on: site and finance values, then each option's own."""
    rows: list[dict[str, Any]] = []
    for a in doc.get("assumptions") or []:
        rows.append(
            {
                "scope": "site and finance",
                "name": a.get("name"),
                "value": a.get("value"),
                "unit": a.get("unit") or "",
                "source": a.get("source") or "",
                "as_of": a.get("as_of"),
            }
        )
    for o in doc.get("options") or []:
        for a in o.get("assumptions") or []:
            rows.append(
                {
                    "scope": o.get("id"),
                    "name": a.get("name"),
                    "value": a.get("value"),
                    "unit": a.get("unit") or "",
                    "source": a.get("source") or "",
                    "as_of": a.get("as_of"),
                }
            )
    return rows


def catalog_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog rows the options used, once each, with the options that used them."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for o in doc.get("options") or []:
        for r in o.get("catalog_rows") or []:
            key = (str(r.get("catalog")), str(r.get("id")))
            if key not in seen:
                seen[key] = {
                    "catalog": r.get("catalog"),
                    "id": r.get("id"),
                    "as_of": r.get("as_of"),
                    "source": r.get("source") or "",
                    "used_by": [],
                }
            if o.get("id") not in seen[key]["used_by"]:
                seen[key]["used_by"].append(o.get("id"))
    return list(seen.values())


def staleness(doc: dict[str, Any], today: dt.date, max_age_days: int = STALE_AFTER_DAYS) -> dict[str, Any]:
    """Catalog data and defaults older than ``max_age_days`` on ``today``, and those that carry no date.

    Checked: the catalog rows every option used, the site and finance defaults, and option
    assumptions not already covered by one of those rows. Values given in the scenario file and
    sizing estimates are the user's own and are not checked.
    """
    items: list[dict[str, Any]] = []
    for r in catalog_rows(doc):
        if r["catalog"] == "scenario":
            continue
        items.append({"item": f"{r['catalog']}: {r['id']}", "as_of": r["as_of"], "used_by": r["used_by"]})
    for a in doc.get("assumptions") or []:
        items.append({"item": f"default: {a.get('name')}", "as_of": a.get("as_of"), "used_by": ["all"]})
    for r in doc.get("criteria_sources") or []:
        items.append(
            {"item": f"{r.get('table')}: {r.get('key')}", "as_of": r.get("as_of"), "used_by": ["criteria"]}
        )
    seen = {(a.get("as_of"), a.get("source")) for a in doc.get("assumptions") or []}
    for o in doc.get("options") or []:
        row_dates = {r.get("as_of") for r in o.get("catalog_rows") or []}
        for a in o.get("assumptions") or []:
            key = (a.get("as_of"), a.get("source"))
            if a.get("as_of") in (None, "scenario") or a.get("as_of") in row_dates or key in seen:
                continue  # the user's own value, or dated by a catalog row listed already
            seen.add(key)
            items.append(
                {"item": f"{o.get('id')}: {a.get('name')}", "as_of": a.get("as_of"), "used_by": [o.get("id")]}
            )
    stale, undated = [], []
    for it in items:
        d = parse_as_of(it["as_of"])
        if d is None:
            undated.append(it)
            continue
        age = (today - d).days
        if age > max_age_days:
            stale.append({**it, "date": d.isoformat(), "age_days": age})
    stale.sort(key=lambda r: -r["age_days"])
    return {"today": today.isoformat(), "max_age_days": max_age_days, "stale": stale, "undated": undated}


# ---------------------------------------------------------------- generic tables for optional sections


def _cell(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=str)
    return v


def tables_from(value: Any, title: str) -> list[dict[str, Any]]:
    """Turn whatever structure a section holds into titled tables (columns + rows of scalars)."""
    if value is None:
        return []
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            cols: list[str] = []
            for v in value:
                cols += [k for k in v if k not in cols]
            return [
                {"title": title, "columns": cols, "rows": [[_cell(v.get(c)) for c in cols] for v in value]}
            ]
        return [{"title": title, "columns": ["value"], "rows": [[_cell(v)] for v in value]}]
    if isinstance(value, dict):
        scalars = {k: v for k, v in value.items() if not isinstance(v, (dict, list))}
        nested = {k: v for k, v in value.items() if isinstance(v, (dict, list))}
        flat = {k: v for k, v in nested.items() if isinstance(v, dict)}
        out: list[dict[str, Any]] = []
        if (
            nested
            and len(flat) == len(nested)
            and not scalars
            and all(not any(isinstance(x, (dict, list)) for x in v.values()) for v in flat.values())
        ):
            cols = []
            for v in flat.values():
                cols += [k for k in v if k not in cols]
            return [
                {
                    "title": title,
                    "columns": ["id", *cols],
                    "rows": [[k, *[_cell(v.get(c)) for c in cols]] for k, v in flat.items()],
                }
            ]
        if scalars:
            out.append(
                {"title": title, "columns": ["name", "value"], "rows": [[k, v] for k, v in scalars.items()]}
            )
        for k, v in nested.items():
            out += tables_from(v, f"{title}: {k}")
        return out
    return [{"title": title, "columns": ["value"], "rows": [[value]]}]


def _optional(value: Any, title: str, what: str) -> dict[str, Any]:
    if value in (None, {}, []):
        return {"computed": False, "what": what, "note": NOT_COMPUTED, "data": None, "tables": []}
    return {"computed": True, "what": what, "note": None, "data": value, "tables": tables_from(value, title)}


# ---------------------------------------------------------------- sections


def _options_table(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    opts = sorted(doc.get("options") or [], key=lambda o: (not o.get("feasible"), o.get("tco_usd") or 0.0))
    for o in opts:
        units = o.get("units") or []
        cap = o.get("capacity") or {}
        rows.append(
            {
                "id": o.get("id"),
                "label": o.get("label"),
                "kind": o.get("kind"),
                "feasible": bool(o.get("feasible")),
                "infeasible_reason": o.get("infeasible_reason"),
                "peak_units": max(units) if units and o.get("unit_kind") else None,
                "unit_kind": o.get("unit_kind"),
                "upfront_usd": o.get("upfront_usd"),
                "tco_usd": o.get("tco_usd"),
                "npv_usd": o.get("npv_usd"),
                "usd_per_mtok": o.get("usd_per_mtok"),
                "amortised_tco_usd": (o.get("amortised") or {}).get("tco_usd"),
                "capacity_from": "per token" if o.get("kind") == "api" else cap.get("source"),
                "cheapest": o.get("id") == doc.get("cheapest"),
            }
        )
    return rows


def _break_even(doc: dict[str, Any], labels: dict[str, str], view: str = "cash") -> list[dict[str, Any]]:
    labels = {k: short_label(v, 200) for k, v in labels.items()}
    out = []
    for b in doc.get("break_even") or []:
        if b.get("view") != view or b.get("month") is None:
            continue
        after = b.get("cheaper_after")
        other = b["b"] if after == b["a"] else b["a"]
        out.append(
            {
                "a": b["a"],
                "b": b["b"],
                "month": b["month"],
                "view": view,
                "cheaper_after": after,
                "sentence": f"{labels.get(after or '', after)} becomes cheaper than "
                f"{labels.get(other, other)} after month {b['month']:.1f}",
            }
        )
    return sorted(out, key=lambda r: r["month"])


def _tco_by_category(doc: dict[str, Any]) -> dict[str, Any]:
    cats: list[str] = []
    rows = []
    for o in sorted(
        (o for o in doc.get("options") or [] if o.get("feasible")), key=lambda o: o.get("tco_usd") or 0
    ):
        by = o.get("by_category_usd") or {}
        cats += [c for c in by if c not in cats]
        rows.append(
            {"id": o["id"], "label": o.get("label"), "by_category_usd": by, "tco_usd": o.get("tco_usd")}
        )
    return {"categories": cats, "rows": rows}


def _cumulative(doc: dict[str, Any], step: int = 6) -> dict[str, Any]:
    """Cumulative cash-view cost at t = 0 (upfront), every ``step`` months and the horizon's end."""
    h = int(doc.get("horizon_months") or 0)
    months = sorted({0, *range(step, h + 1, step), h})
    rows = []
    for o in doc.get("options") or []:
        cum = o.get("cumulative_usd") or []
        if not o.get("feasible") or len(cum) < h:
            continue
        vals = [float(o.get("upfront_usd") or 0.0) if m == 0 else cum[m - 1] for m in months]
        rows.append({"id": o["id"], "label": o.get("label"), "usd": vals})
    return {"months": months, "rows": rows}


def _yearly(doc: dict[str, Any]) -> dict[str, Any]:
    """Cash-view cost of each 12-month year of the horizon (the last year may be shorter)."""
    h = int(doc.get("horizon_months") or 0)
    years = [(y * 12 + 1, min(h, y * 12 + 12)) for y in range((h + 11) // 12)]
    rows = []
    for o in doc.get("options") or []:
        monthly = o.get("monthly_usd") or []
        if not o.get("feasible") or len(monthly) < h:
            continue
        rows.append(
            {
                "id": o["id"],
                "label": o.get("label"),
                "usd": [float(sum(monthly[a - 1 : b])) for a, b in years],
            }
        )
    return {
        "years": [f"year {i + 1}" if b - a == 11 else f"months {a}-{b}" for i, (a, b) in enumerate(years)],
        "rows": rows,
    }


def _sizing(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for o in doc.get("options") or []:
        if o.get("kind") == "api":
            continue
        cap = o.get("capacity") or {}
        sz = cap.get("sizing") or {}
        units = o.get("units") or []
        util = o.get("utilisation") or []
        peak = max(units) if units else None
        gpr, rpu = cap.get("gpus_per_replica"), cap.get("replicas_per_unit")
        tps = cap.get("output_tokens_per_s_per_replica")
        rows.append(
            {
                "id": o.get("id"),
                "label": o.get("label"),
                "kind": o.get("kind"),
                "feasible": bool(o.get("feasible")),
                "infeasible_reason": o.get("infeasible_reason"),
                "gpu": cap.get("gpu"),
                "gpus_per_replica": gpr,
                "replicas_per_unit": rpu,
                "first_month_units": units[0] if units else None,
                "peak_units": peak,
                "unit_kind": o.get("unit_kind"),
                "peak_gpus_in_use": peak * gpr * rpu if peak is not None and gpr and rpu else None,
                "output_tokens_per_s_per_replica": tps,
                "peak_fleet_output_tokens_per_s": peak * rpu * tps
                if peak is not None and rpu and tps
                else None,
                "peak_utilisation": max(util) if util else None,
                "precision": sz.get("precision"),
                "engine": sz.get("engine"),
                "concurrency": sz.get("concurrency"),
                "ttft_ms": sz.get("ttft_ms"),
                "tpot_ms": sz.get("tpot_ms"),
                "e2e_latency_s": sz.get("e2e_latency_s"),
                "weights_gib": sz.get("weights_gib"),
                "capacity_source": cap.get("source"),
            }
        )
    return rows


def _demand(doc: dict[str, Any]) -> dict[str, Any]:
    d = doc.get("demand") or {}
    tok = d.get("tokens_per_month") or []
    peak = d.get("peak_output_tokens_per_s") or []
    return {
        "first_month_tokens": tok[0] if tok else None,
        "last_month_tokens": tok[-1] if tok else None,
        "total_tokens": float(sum(tok)) if tok else None,
        "first_month_peak_output_tokens_per_s": peak[0] if peak else None,
        "last_month_peak_output_tokens_per_s": peak[-1] if peak else None,
        "output_share": d.get("output_share"),
        "active_hours_per_month": d.get("active_hours_per_month"),
    }


def _items(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    out = []
    for v in value:
        if isinstance(v, dict):
            out.append(
                str(v.get("text") or v.get("reason") or v.get("summary") or json.dumps(v, default=str))
            )
        else:
            out.append(str(v))
    return out


def _summary(doc: dict[str, Any], labels: dict[str, str], be: list[dict[str, Any]]) -> dict[str, Any]:
    opts = {o["id"]: o for o in doc.get("options") or []}
    feasible = sorted((o for o in opts.values() if o.get("feasible")), key=lambda o: o.get("tco_usd") or 0)
    horizon = doc.get("horizon_months")
    rate = next(
        (
            a.get("value")
            for a in doc.get("assumptions") or []
            if a.get("name") == "discount_rate_pct_per_year"
        ),
        None,
    )
    rec = doc.get("recommendation")
    rec_id: str | None = None
    headline: str | None = None
    reasons: list[str] = []
    risks: list[str] = []
    changes: list[str] = []
    plan: list[str] = []
    lead: str | None = None
    if isinstance(rec, dict) and rec:
        rid = rec.get("option") or rec.get("option_id") or rec.get("id")
        rec_id = rid if isinstance(rid, str) else None
        text = rec.get("summary") or rec.get("text")
        lead = str(text) if text else None
        if rec.get("headline"):
            headline = str(rec["headline"])
        elif rec_id or rec.get("label"):
            headline = f"Recommended: {rec.get('label') or labels.get(rec_id or '', rec_id)}."
        else:
            headline, lead = lead, None
        reasons = _items(rec.get("reasons"))
        risks = _items(rec.get("risks"))
        changes = _items(rec.get("what_would_change") or rec.get("would_change_if") or rec.get("changes"))
        plan = _items(rec.get("plan"))
    elif isinstance(rec, str) and rec:
        if rec in opts:
            rec_id = rec
        else:
            headline = rec
    basis = "recommendation" if (rec_id or headline) else "cost"
    paragraphs: list[str] = [lead] if lead else []
    if not feasible:
        headline = headline or "No option can serve this workload."
        paragraphs.append("Every option is infeasible; the reasons are listed in the options table.")
        return {
            "basis": basis,
            "recommended": rec_id,
            "headline": headline,
            "paragraphs": paragraphs,
            "reasons": reasons,
            "risks": risks,
            "what_would_change": changes,
            "plan": plan,
        }
    cheapest = opts.get(doc.get("cheapest") or "") or feasible[0]

    def name(o: dict[str, Any]) -> str:
        return short_label(o.get("label") or o["id"], 200)

    focus = opts.get(rec_id or "") or cheapest
    if headline is None:
        headline = (
            f"Recommended: {focus.get('label')}."
            if basis == "recommendation"
            else f"Cheapest over {horizon} months: {focus.get('label')}."
        )
    npv_txt = f"; NPV {fmt_usd(focus.get('npv_usd'))}" + (
        f" at {rate:g} % a year" if rate is not None else ""
    )
    upfront = focus.get("upfront_usd") or 0.0
    paragraphs.append(
        ("The recommended option, " + name(focus) + "," if basis == "recommendation" else name(focus))
        + f" costs {fmt_usd(focus.get('tco_usd'))} in total over {horizon} months "
        f"(cash view{npv_txt}), {fmt_usd(focus.get('usd_per_mtok'))} per million tokens, "
        + (f"with {fmt_usd(upfront)} upfront." if upfront else "with nothing upfront.")
    )
    if focus is not cheapest:
        paragraphs.append(
            f"The cheapest option by total cost is {name(cheapest)} at {fmt_usd(cheapest.get('tco_usd'))}."
        )
    rest = [o for o in feasible if o is not focus]
    if rest:
        nxt = rest[0] if focus is cheapest else cheapest
        if focus is cheapest:
            gap = (
                (nxt["tco_usd"] - focus["tco_usd"]) / focus["tco_usd"] * 100 if focus.get("tco_usd") else None
            )
            more = f"{gap:.0f} % more" if gap is not None and gap >= 0.5 else "practically the same"
            paragraphs.append(
                f"The next cheapest, {name(nxt)}, costs {fmt_usd(nxt.get('tco_usd'))} "
                f"({more}); the most expensive feasible option, {name(feasible[-1])}, "
                f"costs {fmt_usd(feasible[-1].get('tco_usd'))}."
            )
    mine = [b for b in be if focus["id"] in (b["a"], b["b"])]
    others = [b for b in be if b not in mine]
    if be:
        picked = mine[:3] if mine else others[:2]
        paragraphs.append("Break-even (cash view): " + "; ".join(b["sentence"] for b in picked) + ".")
    if not mine and len(feasible) > 1:
        paragraphs.append(f"No other option crosses {name(focus)} within the {horizon} months.")
    bad = [o for o in opts.values() if not o.get("feasible")]
    if bad:
        paragraphs.append(
            "Not eligible: "
            + "; ".join(f"{name(o)} ({o.get('infeasible_reason')})" for o in bad)
            + "."
        )
    if basis == "cost":
        paragraphs.append(
            "This summary ranks the options on cost alone: no recommendation weighing risk "
            "and criteria beyond cost was computed for this scenario."
        )
    return {
        "basis": basis,
        "recommended": focus["id"] if basis == "recommendation" else None,
        "cheapest": cheapest["id"],
        "headline": headline,
        "paragraphs": paragraphs,
        "reasons": reasons,
        "risks": risks,
        "what_would_change": changes,
        "plan": plan,
    }


def _hybrid(doc: dict[str, Any]) -> dict[str, Any]:
    found = {
        o["id"]: o.get("hybrid")
        for o in doc.get("options") or []
        if o.get("hybrid") is not None or o.get("kind") == "hybrid"
    }
    if doc.get("hybrid") is not None:
        found["scenario"] = doc["hybrid"]
    found = {k: v for k, v in found.items() if v not in (None, {}, [])}
    return _optional(found or None, "Hybrid split", "Hybrid split")


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"title": title, "columns": columns, "rows": rows}


def _dist(d: Any) -> str:
    """A distribution in a few words: 'lognormal, p10 0.7, p90 1.3'."""
    if not isinstance(d, dict):
        return fmt_number(d)
    kind = d.get("dist") or d.get("kind") or ""
    parts = [f"{k} {fmt_number(v)}" for k, v in d.items() if k not in ("dist", "kind", "path")]
    return ", ".join([str(kind), *parts]) if kind else ", ".join(parts)


def _risk(doc: dict[str, Any]) -> dict[str, Any]:
    risk = doc.get("risk")
    if isinstance(risk, dict):  # tornado and thresholds have their own section
        risk = {k: v for k, v in risk.items() if k not in ("tornado", "thresholds")}
    what = "Monte Carlo ranges and probability of being cheapest"
    sec = _optional(risk, "Monte Carlo", what)
    per = {o["id"]: o["risk"] for o in doc.get("options") or [] if isinstance(o.get("risk"), dict)}
    if not sec["computed"] or not isinstance(risk, dict) or not per:
        return sec
    labels = {o["id"]: o.get("label") or o["id"] for o in doc.get("options") or []}
    tables = [
        _table(
            "Monte Carlo",
            ["name", "value"],
            [[k, v] for k, v in risk.items() if not isinstance(v, (dict, list))],
        )
    ]
    inputs = [i for i in risk.get("inputs") or [] if isinstance(i, dict)]
    if inputs:
        tables.append(
            _table(
                "Uncertain inputs",
                ["input", "distribution", "unit", "source"],
                [
                    [
                        i.get("label") or i.get("name"),
                        _dist(i.get("distribution")),
                        i.get("unit"),
                        i.get("source"),
                    ]
                    for i in inputs
                ],
            )
        )
    rows = []
    excluded = {o["id"] for o in doc.get("options") or [] if not o.get("feasible")}
    for oid, r in sorted(per.items(), key=lambda kv: (kv[0] in excluded,
                                                     (kv[1].get("tco_usd") or {}).get("p50") or 0)):
        t = r.get("tco_usd") if isinstance(r.get("tco_usd"), dict) else {}
        rows.append(
            [
                labels.get(oid, oid) + (" (excluded: not ranked)" if oid in excluded else ""),
                fmt_usd(t.get("p10")),
                fmt_usd(t.get("p50")),
                fmt_usd(t.get("p90")),
                fmt_usd(t.get("mean")),
                f"{r['probability_cheapest']:.0%}"
                if isinstance(r.get("probability_cheapest"), float)
                else "-",
                fmt_number(r.get("tco_spread_pct")),
            ]
        )
    tables.append(
        _table(
            "Total cost over the horizon by option (cash view)",
            ["option", "TCO p10", "TCO p50", "TCO p90", "mean", "probability cheapest", "spread [%]"],
            rows,
        )
    )
    be_rows = []
    for oid, r in per.items():
        for other, b in (r.get("break_even_months") or {}).items():
            if isinstance(b, dict) and (b.get("probability_within_horizon") or 0) > 0 and oid < other:
                be_rows.append(
                    [
                        f"{labels.get(oid, oid)} vs {labels.get(other, other)}",
                        f"{b['probability_within_horizon']:.0%}",
                        fmt_number(b.get("p10")),
                        fmt_number(b.get("p50")),
                        fmt_number(b.get("p90")),
                    ]
                )
    if be_rows:
        tables.append(
            _table(
                "Break-even month ranges",
                ["pair", "crosses within the horizon", "p10 [month]", "p50 [month]", "p90 [month]"],
                be_rows,
            )
        )
    sec["tables"] = tables
    return sec


def _sensitivity(doc: dict[str, Any]) -> dict[str, Any]:
    risk = doc.get("risk") if isinstance(doc.get("risk"), dict) else {}
    tornado = doc.get("tornado") or (risk or {}).get("tornado")
    thresholds = doc.get("thresholds") or (risk or {}).get("thresholds")
    labels = {o["id"]: o.get("label") or o["id"] for o in doc.get("options") or []}
    tsec = _optional(tornado, "Tornado", "Tornado (which inputs swing the cost)")
    if (
        tsec["computed"]
        and isinstance(tornado, list)
        and all(isinstance(r, dict) and "gap_at_low_usd" in r for r in tornado)
    ):
        pair = tornado[0].get("between") or []
        # gaps are TCO(runner-up) - TCO(cheapest): name them in that order
        who = " - ".join(labels.get(p, p) for p in reversed(pair))
        tsec["tables"] = [
            _table(
                "Tornado: cost gap" + (f" ({who})" if who else ""),
                ["input", "low value", "high value", "unit", "gap at low", "gap at high", "swing"],
                [
                    [
                        r.get("label") or r.get("input"),
                        fmt_number(r.get("low_value")),
                        fmt_number(r.get("high_value")),
                        r.get("unit"),
                        fmt_usd(r.get("gap_at_low_usd")),
                        fmt_usd(r.get("gap_at_high_usd")),
                        fmt_usd(r.get("swing_usd")),
                    ]
                    for r in tornado
                ],
            )
        ]
    hsec = _optional(thresholds, "Thresholds", "Switching thresholds")
    if (
        hsec["computed"]
        and isinstance(thresholds, list)
        and all(isinstance(r, dict) and r.get("statement") for r in thresholds)
    ):
        hsec["tables"] = [
            _table(
                "Thresholds",
                ["input", "flips the answer", "what the analysis found"],
                [
                    [r.get("label") or r.get("input"), "yes" if r.get("flips") else "no", r["statement"]]
                    for r in thresholds
                ],
            )
        ]
    return {"tornado": tsec, "thresholds": hsec}


def _criteria(doc: dict[str, Any]) -> dict[str, Any]:
    """Scores beyond cost: from each option's ``criteria`` and the result's ``weights`` when present."""
    per = {
        o["id"]: o["criteria"]
        for o in doc.get("options") or []
        if isinstance(o.get("criteria"), dict) and o["criteria"].get("scores")
    }
    top = doc.get("criteria")
    if not per:
        return _optional(top, "Criteria", "Criteria scores")
    labels = option_names(doc)
    weights = doc.get("weights") if isinstance(doc.get("weights"), dict) else {}
    shares = (weights or {}).get("shares") or {}
    crits: list[str] = []
    for c in per.values():
        crits += [k for k in c["scores"] if k not in crits]
    ids = sorted(
        per,
        key=lambda i: (
            per[i].get("rank") is None,
            per[i].get("rank") or 0,
            -(per[i].get("weighted_total") or 0),
        ),
    )

    def score(i: str, k: str) -> Any:
        v = per[i]["scores"].get(k)
        return round(v["score"], 1) if isinstance(v, dict) and _is_num(v.get("score")) else None

    rows = [
        [
            k.replace("_", " "),
            f"{shares[k]:.0%}" if _is_num(shares.get(k)) else "-",
            *[score(i, k) for i in ids],
        ]
        for k in crits
    ]
    rows.append(
        [
            "weighted total (0-10)",
            "100%" if shares else "-",
            *[
                round(per[i]["weighted_total"], 2) if _is_num(per[i].get("weighted_total")) else None
                for i in ids
            ],
        ]
    )
    rows.append(
        [
            "rank",
            "",
            *[
                per[i].get("rank")
                if per[i].get("rank") is not None
                else "excluded"
                if not per[i].get("eligible", True)
                else "-"
                for i in ids
            ],
        ]
    )
    tables = [
        _table(
            "Scores beyond cost (0 to 10, higher is better)",
            ["criterion", "weight", *[labels.get(i, i) for i in ids]],
            rows,
        )
    ]
    excl = [
        [labels.get(i, i), "; ".join(per[i].get("excluded_by") or [])]
        for i in ids
        if per[i].get("excluded_by")
    ]
    if excl:
        tables.append(_table("Excluded by a hard constraint", ["option", "reason"], excl))
    why = [
        [
            k.replace("_", " "),
            labels.get(i, i),
            score(i, k),
            per[i]["scores"][k].get("reason"),
            per[i]["scores"][k].get("basis"),
        ]
        for k in crits
        for i in ids
        if isinstance(per[i]["scores"].get(k), dict)
    ]
    tables.append(
        {
            **_table("Why each score", ["criterion", "option", "score", "reason", "basis"], why),
            "collapsed": True,
        }
    )
    data = {
        "weights": weights or None,
        "options": {
            i: {
                "scores": {k: score(i, k) for k in crits},
                "weighted_total": per[i].get("weighted_total"),
                "rank": per[i].get("rank"),
                "eligible": per[i].get("eligible"),
            }
            for i in ids
        },
    }
    note = f"Weights: {weights.get('profile')} profile ({weights.get('source')})." if weights else None
    return {"computed": True, "what": "Criteria scores", "note": note, "data": data, "tables": tables}


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def build(doc: dict[str, Any], today: dt.date | None = None, source: str | None = None) -> dict[str, Any]:
    """Every section of the report, as JSON-ready data."""
    today = today or dt.date.today()
    labels = {o["id"]: o.get("label") or o["id"] for o in doc.get("options") or []}
    conv = doc.get("convention") or {}
    be = _break_even(doc, labels)
    hours = conv.get("hours_per_month")
    return {
        "title": doc.get("scenario") or "scenario",
        "generated_on": today.isoformat(),
        "generator": f"llmplace {__version__}",
        "scenario_file": source,
        "conventions": (
            f"{doc.get('horizon_months')} months, {conv.get('view', 'cash')} view, {fmt_number(hours)} hours a month, "
            f"{conv.get('currency', 'USD')}; {conv.get('month_convention', '')}; "
            f"terminal value: {conv.get('terminal_value')}; cash view: {conv.get('cash_view') or '-'}"
        ),
        "summary": _summary(doc, labels, be),
        "options": _options_table(doc),
        "break_even": be,
        "break_even_amortised": _break_even(doc, labels, "amortised"),
        "cumulative": _cumulative(doc),
        "yearly": _yearly(doc),
        "tco_by_category": _tco_by_category(doc),
        "hybrid": _hybrid(doc),
        "risk": _risk(doc),
        "sensitivity": _sensitivity(doc),
        "criteria": _criteria(doc),
        "sizing": _sizing(doc),
        "demand": _demand(doc),
        "assumptions": assumption_rows(doc),
        "catalog_rows": catalog_rows(doc),
        "criteria_sources": [dict(r) for r in doc.get("criteria_sources") or [] if isinstance(r, dict)],
        "staleness": staleness(doc, today),
    }


SUMMARY_LISTS = (("reasons", "Reasons"), ("risks", "Risks"), ("plan", "Plan"),
                 ("what_would_change", "What would change it"))
OPTION_COLUMNS = ["option", "kind", "units at peak", "upfront", "TCO", "NPV", "$ per Mtok", "capacity from"]
OPTION_NUMERIC = {2, 3, 4, 5, 6}


def option_rows(c: dict[str, Any]) -> tuple[list[list[str]], list[str]]:
    """The options table of the summary (cells as text) and a row class: best, off or empty."""
    rows: list[list[str]] = []
    classes: list[str] = []
    for o in c["options"]:
        if o["feasible"]:
            rows.append([
                o["label"] + (" (cheapest)" if o["cheapest"] else ""), o["kind"],
                units_text(o["peak_units"], o["unit_kind"]), fmt_usd(o["upfront_usd"]), fmt_usd(o["tco_usd"]),
                fmt_usd(o["npv_usd"]), fmt_usd(o["usd_per_mtok"]), o["capacity_from"] or "-",
            ])
            classes.append("best" if o["cheapest"] else "")
        else:
            rows.append([o["label"], o["kind"], "-", "-", "-", "-", "-", f"not eligible: {o['infeasible_reason']}"])
            classes.append("off")
    return rows, classes


def option_names(doc: dict[str, Any]) -> dict[str, str]:
    """A short, unique axis name per option id: the label, with the id added where labels repeat."""
    opts = [(o["id"], short_label(o.get("label") or o["id"])) for o in doc.get("options") or []]
    counts: dict[str, int] = {}
    for _, name in opts:
        counts[name] = counts.get(name, 0) + 1
    return {oid: (f"{name} [{oid}]" if counts[name] > 1 else name) for oid, name in opts}
