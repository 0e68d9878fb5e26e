"""Uncertainty: Monte Carlo ranges, cost predictability, tornado and switching thresholds.

Uncertain inputs come from the scenario (inline distributions or ``uncertainty.inputs``) and,
unless ``uncertainty.defaults`` is off, from the documented defaults in
``catalog/data/uncertainty_defaults.csv``. Sampled values are written into copies of the scenario
and of the resolved deployments as arrays of shape (samples, 1); the same cost functions as the
deterministic path then compute every sample at once (months and load bins broadcast behind the
sample axis). Sizing stays at the point values; its uncertainty enters as the ``throughput``
multiplier.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .costs import Flows, SiteValues, flows_for, load_from_demand, site_values
from .demand import demand_from_scenario
from .errors import InputError
from .finance import break_even_months, cumulative_with_origin
from .hybrid import hybrid_at
from .options import Capacity, Deployment
from .scenario import ApiOption, CloudOption, HybridOption, InHouseOption, Scenario, UncertainInput

__all__ = ["UncertainSpec", "Target", "MonteCarlo", "uncertain_inputs", "run_monte_carlo", "tornado", "thresholds",
           "set_path", "evaluate"]

Array = NDArray[np.float64]
CHUNK = 2000
_OPTION_PATH = re.compile(r"^options(?:\[(\d+)\]|\.([^.]+))\.(.+)$")
_SCENARIO_SECTIONS = {"workload", "finance", "site"}
_NOT_SAMPLABLE = {
    "horizon_months", "hours_per_month", "useful_life_years", "lead_time_weeks", "servers", "gpu_count",
    "gpus_per_replica", "min_instances", "scale_step_instances", "reserved_instances", "base_units", "start_month",
    "input_tokens_per_request", "output_tokens_per_request", "active_hours_per_month",
}
_SERVER_FIELDS = {"purchase_usd", "max_power_kw", "idle_power_kw"}
_API_FIELDS = {"input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok"}


@dataclass(frozen=True)
class Target:
    """One field an uncertain input moves: ``set`` it, ``multiply`` its base value, or ``add`` to it."""

    path: str
    how: str
    base: float
    lo: float | None = None
    hi: float | None = None

    def value(self, x: Any) -> Any:
        v = x if self.how == "set" else (self.base * x if self.how == "multiply" else self.base + x)
        if self.lo is not None or self.hi is not None:
            v = np.clip(v, self.lo if self.lo is not None else -np.inf, self.hi if self.hi is not None else np.inf)
        return v


@dataclass
class UncertainSpec:
    """An uncertain input: its distribution (in its own units) and the fields it moves."""

    name: str
    label: str
    dist: UncertainInput
    targets: list[Target]
    unit: str
    source: str
    default: bool

    @property
    def point(self) -> float:
        return self.dist.point

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        d = self.dist
        if d.dist == "triangular":
            lo, mo, hi = float(d.low), float(d.mode), float(d.high)  # type: ignore[arg-type]
            return np.full(n, lo) if hi == lo else rng.triangular(lo, mo, hi, n)
        if d.dist == "pert":
            lo, mo, hi = float(d.low), float(d.mode), float(d.high)  # type: ignore[arg-type]
            if hi == lo:
                return np.full(n, lo)
            a = 1 + 4 * (mo - lo) / (hi - lo)
            b = 1 + 4 * (hi - mo) / (hi - lo)
            return lo + rng.beta(a, b, n) * (hi - lo)
        if d.dist == "lognormal":
            p10, p90 = float(d.p10), float(d.p90)  # type: ignore[arg-type]
            mu = 0.5 * (np.log(p10) + np.log(p90))
            sigma = (np.log(p90) - np.log(p10)) / (2 * 1.2815515655446004)
            return np.exp(mu + sigma * rng.standard_normal(n))
        return rng.choice(np.asarray(d.values, dtype=float), n)

    def quantiles(self, qs: list[float], rng_seed: int = 12345) -> list[float]:
        """Quantiles of the distribution (closed form where one exists, else from 20,000 draws)."""
        d = self.dist
        if d.dist == "triangular":
            lo, mo, hi = float(d.low), float(d.mode), float(d.high)  # type: ignore[arg-type]
            if hi == lo:
                return [lo for _ in qs]
            c = (mo - lo) / (hi - lo)
            return [lo + np.sqrt(q * (hi - lo) * (mo - lo)) if q <= c else hi - np.sqrt((1 - q) * (hi - lo) * (hi - mo))
                    for q in qs]
        if d.dist == "lognormal":
            p10, p90 = float(d.p10), float(d.p90)  # type: ignore[arg-type]
            mu = 0.5 * (np.log(p10) + np.log(p90))
            sigma = (np.log(p90) - np.log(p10)) / (2 * 1.2815515655446004)
            return [float(np.exp(mu + sigma * _norm_ppf(q))) for q in qs]
        draws = self.sample(np.random.default_rng(rng_seed), 20000)
        return [float(np.quantile(draws, q)) for q in qs]

    def support(self) -> tuple[float, float]:
        d = self.dist
        if d.dist in ("triangular", "pert"):
            return float(d.low), float(d.high)  # type: ignore[arg-type]
        if d.dist == "lognormal":
            lo, hi = self.quantiles([0.005, 0.995])
            return lo, hi
        vals = d.values or [0.0]
        return float(min(vals)), float(max(vals))

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "distribution": self.dist.model_dump(exclude_none=True),
                "point": self.point, "unit": self.unit, "fields": [t.path for t in self.targets],
                "how": sorted({t.how for t in self.targets}), "default": self.default, "source": self.source}


def _norm_ppf(q: float) -> float:
    """Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9)."""
    a = [-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
         -3.066479806614716e01, 2.506628277459239e00]
    b = [-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
         -1.328068155288572e01]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
         4.374664141464968e00, 2.938163982698783e00]
    dd = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00]
    plow = 0.02425
    if q < plow:
        r = np.sqrt(-2 * np.log(q))
        return float((((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5])
                     / ((((dd[0] * r + dd[1]) * r + dd[2]) * r + dd[3]) * r + 1))
    if q > 1 - plow:
        return -_norm_ppf(1 - q)
    r = q - 0.5
    t = r * r
    return float((((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * r
                 / (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1))


def _defaults() -> list[dict[str, str]]:
    text = resources.files("llmplace.catalog").joinpath("data", "uncertainty_defaults.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _option_index(s: Scenario, path: str) -> tuple[int, str]:
    m = _OPTION_PATH.match(path)
    if not m:
        raise InputError(f"uncertainty path {path}", path, "options[INDEX].FIELD or options.ID.FIELD")
    if m.group(1) is not None:
        i = int(m.group(1))
        if i >= len(s.options):
            raise InputError(f"uncertainty path {path}", path, f"an option index below {len(s.options)}")
    else:
        ids = [o.id for o in s.options]
        if m.group(2) not in ids:
            raise InputError(f"uncertainty path {path}", m.group(2), "the id of an option: " +
                             ", ".join(str(i) for i in ids if i))
        i = ids.index(m.group(2))
    return i, m.group(3)


def normalise_path(s: Scenario, path: str) -> str:
    """Canonical path: options by index; checks that the field exists and can be sampled."""
    if path.startswith("options"):
        i, rest = _option_index(s, path)
        opt = s.options[i]
        key = rest.split(".")[0]
        if key == "overrides":
            pass
        elif key in _NOT_SAMPLABLE or key not in type(opt).model_fields:
            raise InputError(f"uncertainty path {path}", path, "a continuous numeric field of the option (prices, "
                             "power, throughput, utilisation, staff)", "structural or unknown fields cannot vary")
        return f"options[{i}].{rest}"
    section, _, key = path.partition(".")
    if section not in _SCENARIO_SECTIONS:
        raise InputError(f"uncertainty path {path}", path, "a field under workload, finance, site or options")
    model = getattr(s, section)
    if key not in type(model).model_fields or key in _NOT_SAMPLABLE:
        raise InputError(f"uncertainty path {path}", path, f"a continuous numeric field of {section}",
                         "structural or unknown fields cannot vary")
    return path


def uncertain_inputs(s: Scenario, deployments: list[Deployment], sv: SiteValues) -> list[UncertainSpec]:
    """The scenario's explicit uncertain inputs plus the applicable documented defaults."""
    specs: list[UncertainSpec] = []
    explicit: set[str] = set()
    for k, inp in enumerate(s.uncertainty.inputs):
        path = normalise_path(s, inp.path)
        explicit.add(path)
        specs.append(UncertainSpec(name=f"input{k + 1}:{path}", label=path, dist=inp,
                                   targets=[Target(path, "set", inp.point)], unit="as the field",
                                   source="scenario file", default=False))
    if not s.uncertainty.defaults:
        return specs
    by_option = {id(d.option): d for d in deployments}
    feasible = [(i, by_option.get(id(o))) for i, o in enumerate(s.options)]
    w = s.workload
    for row in _defaults():
        targets: list[Target] = []
        name = row["input"]
        if name == "demand_level":
            for f in ("requests_per_month", "tokens_per_month"):
                if getattr(w, f) is not None:
                    targets.append(Target(f"workload.{f}", "multiply", float(getattr(w, f))))
        elif name == "demand_growth":
            targets.append(Target("workload.growth_pct_per_month", "add", w.growth_pct_per_month, -50, 100))
        elif name == "cloud_price_trend" and any(isinstance(o, CloudOption) for o in s.options):
            targets.append(Target("finance.cloud_price_change_pct_per_year", "add",
                                  s.finance.cloud_price_change_pct_per_year, -90, 100))
        elif name == "api_price_trend" and any(isinstance(o, ApiOption) for o in s.options):
            targets.append(Target("finance.api_price_change_pct_per_year", "add",
                                  s.finance.api_price_change_pct_per_year, -90, 100))
        elif name == "hardware_price":
            for i, d in feasible:
                if d is not None and d.server is not None and isinstance(d.option, InHouseOption):
                    targets.append(Target(f"options[{i}].purchase_usd", "multiply", float(d.server.purchase_usd)))
        elif name == "electricity_price" and any(isinstance(o, InHouseOption) for o in s.options):
            targets.append(Target("site.electricity_usd_per_kwh", "multiply", float(sv["electricity_usd_per_kwh"])))
        elif name == "throughput":
            for i, d in feasible:
                if d is not None and d.capacity is not None and d.kind in ("in_house", "cloud"):
                    targets.append(Target(f"options[{i}].capacity", "multiply", float(d.capacity.output_tokens_per_s)))
        elif name == "utilisation":
            for i, d in feasible:
                if d is not None and d.kind in ("in_house", "cloud"):
                    targets.append(Target(f"options[{i}].target_utilisation", "add",
                                          float(d.option.target_utilisation), 0.05, 1.0))  # type: ignore[union-attr]
        targets = [t for t in targets if t.path not in explicit]
        if not targets:
            continue
        params: dict[str, Any] = {k: float(row[k]) for k in ("low", "mode", "high", "p10", "p90") if row.get(k)}
        dist = UncertainInput(path=name, dist=row["dist"], **params)
        specs.append(UncertainSpec(name=name, label=row["label"], dist=dist, targets=targets, unit=row["unit"],
                                   source=row["source"], default=True))
    return specs


def _copy_model(model: Any, updates: dict[str, Any]) -> Any:
    return model.model_copy(update=updates) if updates else model


def apply_values(s: Scenario, deployments: list[Deployment], values: dict[str, Any]
                 ) -> tuple[Scenario, list[Deployment], SiteValues]:
    """Copies of the scenario, deployments and site values with ``values`` (path -> array) written in."""
    sections: dict[str, dict[str, Any]] = {}
    per_option: dict[int, dict[str, Any]] = {}
    for path, v in values.items():
        if path.startswith("options["):
            i, rest = _option_index(s, path)
            per_option.setdefault(i, {})[rest] = v
        else:
            sec, _, key = path.partition(".")
            sections.setdefault(sec, {})[key] = v
    s2 = s.model_copy(update={sec: _copy_model(getattr(s, sec), upd) for sec, upd in sections.items()})
    mapping: dict[int, Deployment] = {}
    out: list[Deployment] = []
    index_of = {id(o): i for i, o in enumerate(s.options)}
    for d in deployments:
        i = index_of.get(id(d.option), -1)
        upd = per_option.get(i, {})
        opt_upd = {k: v for k, v in upd.items() if k in type(d.option).model_fields and k not in _SERVER_FIELDS
                   | _API_FIELDS | {"throughput_tokens_per_s"}}
        srv_upd = {k: v for k, v in upd.items() if k in _SERVER_FIELDS}
        api_upd = {k: v for k, v in upd.items() if k in _API_FIELDS}
        cloud_upd: dict[str, Any] = {}
        for k, v in upd.items():
            if k.startswith("overrides."):
                key = k.split(".", 1)[1]
                if d.server is not None and key in type(d.server).model_fields:
                    srv_upd[key] = v
                elif d.cloud is not None and key in type(d.cloud).model_fields:
                    cloud_upd[key] = v
                elif d.api is not None and key in type(d.api).model_fields:
                    api_upd[key] = v
        if isinstance(d.option, CloudOption) and "usd_per_hour" in upd:
            opt_upd["usd_per_hour"] = upd["usd_per_hour"]
        cap = d.capacity
        if cap is not None and ("capacity" in upd or "throughput_tokens_per_s" in upd):
            tps: Any = upd.get("capacity", upd.get("throughput_tokens_per_s"))
            if "capacity" not in upd and d.option.throughput_counts == "total":  # type: ignore[union-attr]
                tps = tps * s.workload.output_share
            cap = dataclasses.replace(cap, output_tokens_per_s=tps)
        nd = dataclasses.replace(
            d, option=_copy_model(d.option, opt_upd), server=_copy_model(d.server, srv_upd),
            cloud=_copy_model(d.cloud, cloud_upd), api=_copy_model(d.api, api_upd), capacity=cap, assumptions=[])
        if nd.kind == "hybrid":
            nd.capacity = None
        mapping[id(d)] = nd
        out.append(nd)
    for nd in out:
        if nd.parts is not None:
            nd.parts = (mapping[id(nd.parts[0])], mapping[id(nd.parts[1])])
            nd.capacity = nd.parts[0].capacity
    return s2, out, site_values(s2)


@dataclass
class Evaluation:
    """Per option (by id): cash-view totals and series for a batch of input values."""

    tco: dict[str, Array] = field(default_factory=dict)
    npv: dict[str, Array] = field(default_factory=dict)
    monthly: dict[str, Array] = field(default_factory=dict)
    monthly_amortised: dict[str, Array] = field(default_factory=dict)
    cumulative: dict[str, Array] = field(default_factory=dict)


def evaluate(s: Scenario, deployments: list[Deployment], hybrid_units: dict[str, int | str],
             values: dict[str, Any], n: int) -> Evaluation:
    """Run the cost engine once for ``n`` sets of input values (arrays of length n, or scalars)."""
    vals = {p: (np.asarray(v, dtype=float).reshape(-1, 1) if np.ndim(v) else v) for p, v in values.items()}
    s2, deps, sv = apply_values(s, deployments, vals)
    dem = demand_from_scenario(s2)
    load = load_from_demand(dem, s2.workload.cached_input_share)
    out = Evaluation()
    horizon = s.finance.horizon_months
    for d in deps:
        if d.id not in hybrid_units and d.kind == "hybrid":
            continue
        if d.kind == "hybrid" and hybrid_units[d.id] == OPTIMISE:
            out.tco[d.id] = _best_hybrid_tco(d, s2, load, sv, n)
            continue
        f: Flows = hybrid_at(d, s2, load, sv, hybrid_units[d.id]) if d.kind == "hybrid" \
            else flows_for(d, s2, load, sv)
        cash = np.broadcast_to(f.monthly("cash"), (n, horizon))
        amort = np.broadcast_to(f.monthly("amortised"), (n, horizon))
        up = np.broadcast_to(np.asarray(f.upfront_usd, dtype=float).reshape(-1), (n,))
        running = cash.copy()
        running[:, 0] -= up
        out.tco[d.id] = np.sum(cash, axis=-1)
        rate = sv["discount_rate_pct_per_year"]
        out.npv[d.id] = np.broadcast_to(f.npv(rate), (n,))
        out.monthly[d.id] = cash
        out.monthly_amortised[d.id] = amort
        out.cumulative[d.id] = cumulative_with_origin(up, running)
    return out


OPTIMISE = "optimise"


def _best_hybrid_tco(d: Deployment, s: Scenario, load: Any, sv: SiteValues, n: int) -> Array:
    """TCO of a hybrid re-optimised for each row: the cheapest base size, as a deterministic run finds it."""
    from .hybrid import _candidates

    assert d.parts is not None and d.parts[0].capacity is not None and isinstance(d.option, HybridOption)
    cap = d.parts[0].capacity
    base_opt = d.parts[0].option
    if d.option.base_units is not None:
        grid: list[int | str] = [d.option.base_units]
    else:
        per_unit = float(np.min(cap.replicas_per_unit * np.asarray(cap.output_tokens_per_s)))
        grid = list(_candidates(int(np.ceil(float(np.max(load.peak)) / per_unit - 1e-9))))
        if not (isinstance(base_opt, InHouseOption) and base_opt.servers is not None):
            grid.append("planned")
    best_obj = np.full(n, np.inf)
    best_tco = np.full(n, np.inf)
    for k in grid:  # the same objective as the deterministic optimiser; the TCO of the plan it picks
        f = hybrid_at(d, s, load, sv, k)
        tco = np.broadcast_to(np.sum(f.monthly("cash"), axis=-1), (n,))
        obj = np.broadcast_to(f.npv(sv["discount_rate_pct_per_year"]), (n,)) if d.option.objective == "npv" else tco
        better = obj < best_obj
        best_obj = np.where(better, obj, best_obj)
        best_tco = np.where(better, tco, best_tco)
    return best_tco


def argmin_tied(stack: Array, rel_tol: float = 1e-9) -> NDArray[np.int64]:
    """Index of the smallest row per column; near-ties (within ``rel_tol``) go to the earlier row."""
    best = np.min(stack, axis=0)
    ok = stack <= best + rel_tol * np.maximum(np.abs(best), 1.0)
    return np.argmax(ok, axis=0)


def _pct(a: Array) -> dict[str, float]:
    p10, p50, p90 = np.percentile(a, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "mean": float(np.mean(a))}


@dataclass
class MonteCarlo:
    samples: int
    seed: int
    inputs: list[UncertainSpec]
    draws: dict[str, Array]
    tco: dict[str, Array]
    npv: dict[str, Array]
    break_even: dict[tuple[str, str], Array]
    monthly_spread: dict[str, float]
    candidates: list[str]

    def probability_cheapest(self) -> dict[str, float]:
        ids = self.candidates
        if not ids:
            return {}
        stack = np.vstack([self.tco[i] for i in ids])
        winner = argmin_tied(stack)
        return {i: float(np.mean(winner == k)) for k, i in enumerate(ids)}

    def risk(self, option_id: str) -> dict[str, Any]:
        prob = self.probability_cheapest()
        be: dict[str, Any] = {}
        for (a, b), months in self.break_even.items():
            if option_id not in (a, b):
                continue
            other = b if a == option_id else a
            crossed = months[~np.isnan(months)]
            be[other] = {"probability_within_horizon": float(crossed.size / months.size),
                         **({k: v for k, v in _pct(crossed).items() if k != "mean"} if crossed.size else {})}
        t = self.tco[option_id]
        p = _pct(t)
        return {
            "tco_usd": p, "npv_usd": _pct(self.npv[option_id]),
            "probability_cheapest": prob.get(option_id),
            "tco_spread_pct": float((p["p90"] - p["p10"]) / p["p50"] * 100) if p["p50"] else None,
            "monthly_cost_spread_pct": self.monthly_spread[option_id],
            "break_even_months": be,
        }

    def arrays(self) -> dict[str, Any]:
        return {"inputs": self.draws, "tco_usd": self.tco, "npv_usd": self.npv,
                "break_even_months": {f"{a}|{b}": v for (a, b), v in self.break_even.items()}}


def run_monte_carlo(s: Scenario, deployments: list[Deployment], hybrid_units: dict[str, int | str],
                    specs: list[UncertainSpec], candidates: list[str], samples: int, seed: int,
                    progress: Callable[[int, int], None] | None = None) -> MonteCarlo:
    """Sample every uncertain input and run the engine in chunks of :data:`CHUNK` samples."""
    rng = np.random.default_rng(seed)
    draws = {sp.name: sp.sample(rng, samples) for sp in specs}
    ids = [d.id for d in deployments if d.kind != "hybrid" or d.id in hybrid_units]
    tco = {i: np.empty(samples) for i in ids}
    npvs = {i: np.empty(samples) for i in ids}
    pairs = [(a, b) for k, a in enumerate(ids) for b in ids[k + 1:]]
    be = {p: np.empty(samples) for p in pairs}
    spread_acc: dict[str, list[Array]] = {i: [] for i in ids}
    for start in range(0, samples, CHUNK):
        stop = min(samples, start + CHUNK)
        values: dict[str, Any] = {}
        for sp in specs:
            x = draws[sp.name][start:stop]
            for t in sp.targets:
                values[t.path] = t.value(x)
        ev = evaluate(s, deployments, hybrid_units, values, stop - start)
        for i in ids:
            tco[i][start:stop] = ev.tco[i]
            npvs[i][start:stop] = ev.npv[i]
            spread_acc[i].append(ev.monthly_amortised[i])
        for a, b in pairs:
            be[(a, b)][start:stop] = break_even_months(ev.cumulative[a], ev.cumulative[b])
        if progress is not None:
            progress(stop, samples)
    spread: dict[str, float] = {}
    for i in ids:
        monthly = np.concatenate(spread_acc[i], axis=0)
        p10, p50, p90 = np.percentile(monthly, [10, 50, 90], axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(p50 > 0, (p90 - p10) / p50, 0.0)
        spread[i] = float(np.median(rel) * 100)
    return MonteCarlo(samples=samples, seed=seed, inputs=specs, draws=draws, tco=tco, npv=npvs, break_even=be,
                      monthly_spread=spread, candidates=candidates)


def _point_values(specs: list[UncertainSpec]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for sp in specs:
        for t in sp.targets:
            values[t.path] = t.value(sp.point)
    return values


def tornado(s: Scenario, deployments: list[Deployment], hybrid_units: dict[str, int | str],
            specs: list[UncertainSpec], best: str, second: str) -> list[dict[str, Any]]:
    """Swing each input from its P10 to its P90 with the others at their median; effect on the gap
    ``tco(second) - tco(best)`` between the two cheapest options, largest swing first."""
    if not specs:
        return []
    meds = {sp.name: sp.quantiles([0.5])[0] for sp in specs}
    q = {sp.name: sp.quantiles([0.1, 0.9]) for sp in specs}
    n = 1 + 2 * len(specs)
    values: dict[str, Any] = {}
    for k, sp in enumerate(specs):
        col = np.full(n, meds[sp.name])
        col[1 + 2 * k] = q[sp.name][0]
        col[2 + 2 * k] = q[sp.name][1]
        for t in sp.targets:
            values[t.path] = t.value(col)
    ev = evaluate(s, deployments, hybrid_units, values, n)
    gap = ev.tco[second] - ev.tco[best]
    rows = []
    for k, sp in enumerate(specs):
        lo, hi = gap[1 + 2 * k], gap[2 + 2 * k]
        rows.append({"input": sp.name, "label": sp.label, "low_value": q[sp.name][0], "high_value": q[sp.name][1],
                     "median_value": meds[sp.name], "unit": sp.unit,
                     "gap_at_low_usd": float(lo), "gap_at_high_usd": float(hi), "swing_usd": float(abs(hi - lo)),
                     "gap_at_median_usd": float(gap[0]), "between": [best, second]})
    return sorted(rows, key=lambda r: -r["swing_usd"])


def _cheapest(ev: Evaluation, candidates: list[str]) -> NDArray[np.int64]:
    return argmin_tied(np.vstack([ev.tco[i] for i in candidates]))


def thresholds(s: Scenario, deployments: list[Deployment], hybrid_units: dict[str, int | str],
               specs: list[UncertainSpec], candidates: list[str], grid: int = 33,
               rounds: int = 3) -> list[dict[str, Any]]:
    """For each uncertain input (others at their point values): where within its range the cheapest
    option changes, found by bracketing on a grid and refining the bracket; or that it does not flip."""
    if len(candidates) < 2:
        return []
    hybrid_units = {k: OPTIMISE for k in hybrid_units}  # as a deterministic re-run would choose them
    base = _point_values(specs)
    out = []
    for sp in specs:
        lo, hi = sp.support()
        if hi <= lo:
            continue

        def run(xs: Array, sp: UncertainSpec = sp) -> NDArray[np.int64]:
            values = dict(base)
            for t in sp.targets:
                values[t.path] = t.value(xs)
            return _cheapest(evaluate(s, deployments, hybrid_units, values, len(xs)), candidates)

        xs = np.linspace(lo, hi, grid)
        win = run(xs)
        point_win = run(np.array([sp.point]))[0]
        flips = np.nonzero(win[1:] != win[:-1])[0]
        if flips.size == 0:
            out.append({"input": sp.name, "label": sp.label, "flips": False, "range": [lo, hi],
                        "cheapest": candidates[int(win[0])],
                        "statement": f"{candidates[int(win[0])]} stays cheapest for {sp.label} from "
                                     f"{_fmt(lo)} to {_fmt(hi)} {sp.unit}"})
            continue
        # the flip nearest the point value on each side
        chosen = []
        below = [f for f in flips if xs[f + 1] <= sp.point]
        above = [f for f in flips if xs[f] >= sp.point]
        if below:
            chosen.append(below[-1])
        if above:
            chosen.append(above[0])
        if not chosen:
            chosen = [flips[0]]
        for f in chosen:
            a, b = xs[f], xs[f + 1]
            wa = win[f]
            for _ in range(rounds):
                sub = np.linspace(a, b, grid)
                ws = run(sub)
                k = int(np.argmax(ws != wa)) if np.any(ws != wa) else grid - 1
                a, b = sub[max(k - 1, 0)], sub[k]
            x = 0.5 * (a + b)
            w_lo, w_hi = run(np.array([a, b]))
            direction = "above" if candidates[int(w_hi)] != candidates[int(point_win)] or b > sp.point else "below"
            winner = candidates[int(w_hi)] if direction == "above" else candidates[int(w_lo)]
            loser = candidates[int(w_lo)] if direction == "above" else candidates[int(w_hi)]
            changes = {t.path: float(t.value(x)) for t in sp.targets}
            out.append({
                "input": sp.name, "label": sp.label, "flips": True, "value": float(x), "unit": sp.unit,
                "direction": direction, "cheapest_beyond": winner, "cheapest_before": loser,
                "scenario_changes": changes, "bracket": [float(a), float(b)],
                "statement": f"{winner} becomes cheapest {direction} {_fmt(x)} {sp.unit} for {sp.label}"
                             + (f" ({_changes_text(changes)})" if sp.default else ""),
            })
    return out


def _fmt(x: float) -> str:
    ax = abs(x)
    if ax >= 1e6:
        return f"{x:,.3g}"
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 1:
        return f"{x:.3g}"
    return f"{x:.3g}"


def _changes_text(changes: dict[str, float]) -> str:
    items = list(changes.items())
    text = ", ".join(f"{p} = {_fmt(v)}" for p, v in items[:2])
    return text + (f", and {len(items) - 2} more" if len(items) > 2 else "")


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Write ``value`` at ``path`` (``workload.x``, ``options[2].y``, ``options[2].overrides.z``) in a document.

    ``options[i].capacity`` (the sizing estimate) is written as a measured ``throughput_tokens_per_s``;
    pass the gpus per replica separately if the estimate used fewer GPUs than a whole unit.
    """
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node: Any = doc
    for p in parts[:-1]:
        if p.startswith("["):
            node = node[int(p[1:-1])]
        else:
            node = node.setdefault(p, {})
    last = parts[-1]
    if last == "capacity":
        node["throughput_tokens_per_s"] = value
        node["throughput_counts"] = "output"
        return
    node[last] = value


def capacity_context(deployments: list[Deployment], s: Scenario) -> dict[str, Capacity]:
    """Sizing-derived capacities by option path, so a threshold on ``capacity`` can be reproduced."""
    out: dict[str, Capacity] = {}
    for i, o in enumerate(s.options):
        for d in deployments:
            if d.option is o and d.capacity is not None:
                out[f"options[{i}]"] = d.capacity
    return out

