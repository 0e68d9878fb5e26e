"""Uncertain inputs: distributions, the fields they move, and sampled values written into copies.

Uncertain inputs come from the scenario (inline distributions or ``uncertainty.inputs``) and,
unless ``uncertainty.defaults`` is off, from the documented defaults in
``catalog/data/uncertainty_defaults.csv``. Sampled values are written into copies of the scenario
and of the resolved deployments as arrays of shape (samples, 1); the same cost functions as the
deterministic path then compute every sample at once (months and load bins broadcast behind the
sample axis). Sizing stays at the point values; its uncertainty enters as the ``throughput``
multiplier.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import catalog
from ..errors import InputError, did_you_mean
from ..multiserver import GROUPED_CLOUD_FIELDS, GROUPED_OPTION_FIELDS, GROUPED_SERVER_FIELDS, per_group
from ..options import Capacity, Deployment
from ..results import DistributionSummary, UncertainInputSummary
from ..scenario import ApiOption, CloudOption, InHouseOption, Scenario, UncertainInput
from ..site import SiteValues, site_values

__all__ = ["Target", "UncertainSpec", "apply_values", "capacity_context", "normalise_path", "point_values",
           "set_path", "uncertain_inputs"]

Array = NDArray[np.float64]
_OPTION_PATH = re.compile(r"^options(?:\[(\d+)\]|\.([^.]+))\.(.+)$")
_SCENARIO_SECTIONS = {"workload", "finance", "site"}
_NOT_SAMPLABLE = {
    "horizon_months", "hours_per_month", "useful_life_years", "lead_time_weeks", "servers", "gpu_count",
    "gpus_per_replica", "min_instances", "scale_step_instances", "reserved_instances", "base_units", "start_month",
    "input_tokens_per_request", "output_tokens_per_request", "active_hours_per_month", "warmup_minutes_per_start",
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

    def describe(self) -> UncertainInputSummary:
        return UncertainInputSummary(
            name=self.name, label=self.label, distribution=DistributionSummary(**self.dist.model_dump()),
            point=self.point, unit=self.unit, fields=[t.path for t in self.targets],
            how=sorted({t.how for t in self.targets}), default=self.default, source=self.source)


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
    return catalog.uncertainty_defaults()


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
                             ", ".join(str(i) for i in ids if i), did_you_mean(m.group(2), [i for i in ids if i]))
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
                             "power, throughput, utilisation, staff)",
                             _cannot_vary(key, [f for f in type(opt).model_fields if f not in _NOT_SAMPLABLE]))
        return f"options[{i}].{rest}"
    section, _, key = path.partition(".")
    if section not in _SCENARIO_SECTIONS:
        raise InputError(f"uncertainty path {path}", path, "a field under workload, finance, site or options",
                         did_you_mean(section, [*_SCENARIO_SECTIONS, "options"]))
    model = getattr(s, section)
    if key not in type(model).model_fields or key in _NOT_SAMPLABLE:
        raise InputError(f"uncertainty path {path}", path, f"a continuous numeric field of {section}",
                         _cannot_vary(key, [f for f in type(model).model_fields if f not in _NOT_SAMPLABLE]))
    return path


def _cannot_vary(key: str, fields: list[str]) -> str:
    """Why a field cannot vary, with the nearest fields that can."""
    near = did_you_mean(key, fields)
    return "structural or unknown fields cannot vary" + (f"; {near}" if near else "")


Feasible = list[tuple[int, "Deployment | None"]]


def _demand_level(s: Scenario, feasible: Feasible, sv: SiteValues) -> list[Target]:
    w = s.workload
    return [Target(f"workload.{f}", "multiply", float(getattr(w, f)))
            for f in ("requests_per_month", "tokens_per_month") if getattr(w, f) is not None]


def _demand_growth(s: Scenario, feasible: Feasible, sv: SiteValues) -> list[Target]:
    return [Target("workload.growth_pct_per_month", "add", s.workload.growth_pct_per_month, -50, 100)]


def _price_trend(kind: type, field: str) -> Callable[[Scenario, Feasible, SiteValues], list[Target]]:
    def build(s: Scenario, feasible: Feasible, sv: SiteValues) -> list[Target]:
        if not any(isinstance(o, kind) for o in s.options):
            return []
        return [Target(f"finance.{field}", "add", float(sv[field]), -90, 100)]
    return build


def _hardware_price(s: Scenario, feasible: Feasible, sv: SiteValues) -> list[Target]:
    return [Target(f"options[{i}].purchase_usd", "multiply", float(d.server.purchase_usd)) for i, d in feasible
            if d is not None and d.server is not None and isinstance(d.option, InHouseOption)]


def _electricity_price(s: Scenario, feasible: Feasible, sv: SiteValues) -> list[Target]:
    if not any(isinstance(o, InHouseOption) for o in s.options):
        return []
    return [Target("site.electricity_usd_per_kwh", "multiply", float(sv["electricity_usd_per_kwh"]))]


def _throughput(s: Scenario, feasible: Feasible, sv: SiteValues) -> list[Target]:
    return [Target(f"options[{i}].capacity", "multiply", float(d.capacity.output_tokens_per_s)) for i, d in feasible
            if d is not None and d.capacity is not None and d.kind in ("in_house", "cloud")]


def _utilisation(s: Scenario, feasible: Feasible, sv: SiteValues) -> list[Target]:
    return [Target(f"options[{i}].target_utilisation", "add", float(d.option.target_utilisation),  # type: ignore[union-attr]
                   0.05, 1.0) for i, d in feasible if d is not None and d.kind in ("in_house", "cloud")]


def _site_multiplier(*keys: str, kind: type | None = InHouseOption, hosting: str | None = None
                     ) -> Callable[[Scenario, Feasible, SiteValues], list[Target]]:
    """Site values ``keys`` multiplied by the sample, where an option of ``kind`` (and ``hosting``) is costed."""
    def build(s: Scenario, feasible: Feasible, sv: SiteValues) -> list[Target]:
        used = [d for _, d in feasible if d is not None and (kind is None or isinstance(d.option, kind))
                and (hosting is None or getattr(d.option, "hosting", None) == hosting)]
        return [Target(f"site.{k}", "multiply", float(sv[k])) for k in keys] if used else []
    return build


#: the fields each documented default uncertainty (a row of uncertainty_defaults.csv) moves
_DEFAULT_TARGETS: dict[str, Callable[[Scenario, Feasible, SiteValues], list[Target]]] = {
    "demand_level": _demand_level,
    "demand_growth": _demand_growth,
    "cloud_price_trend": _price_trend(CloudOption, "cloud_price_change_pct_per_year"),
    "api_price_trend": _price_trend(ApiOption, "api_price_change_pct_per_year"),
    "hardware_price_trend": _price_trend(InHouseOption, "hardware_price_change_pct_per_year"),
    "hardware_price": _hardware_price,
    "electricity_price": _electricity_price,
    "throughput": _throughput,
    "utilisation": _utilisation,
    "staff_cost": _site_multiplier("sysadmin_loaded_usd_per_year", "ml_engineer_loaded_usd_per_year", kind=None),
    "in_house_staff": _site_multiplier("in_house_team_sysadmin_fte", "in_house_team_ml_engineer_fte",
                                       "staff_variable_fte_at_8_gpus"),
    "maintenance": _site_multiplier("maintenance_pct_of_capex_per_year"),
    "colocation_price": _site_multiplier("colocation_usd_per_kw_month", hosting="colocation"),
}


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
    by_option = {id(d.scenario_option): d for d in deployments}
    feasible = [(i, by_option.get(id(o))) for i, o in enumerate(s.options)]
    for row in _defaults():
        build = _DEFAULT_TARGETS.get(row["input"])
        targets = build(s, feasible, sv) if build is not None else []
        targets = [t for t in targets if t.path not in explicit]
        if not targets:
            continue
        name = row["input"]
        params: dict[str, Any] = {k: float(row[k]) for k in ("low", "mode", "high", "p10", "p90") if row.get(k)}
        dist = UncertainInput(path=name, dist=row["dist"], **params)
        specs.append(UncertainSpec(name=name, label=row["label"], dist=dist, targets=targets, unit=row["unit"],
                                   source=row["source"], default=True))
    return specs


def _copy_model(model: Any, updates: dict[str, Any]) -> Any:
    return model.model_copy(update=updates) if updates else model


def _split_updates(d: Deployment, upd: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """Sampled values of one option sorted by where they go: the option, its server, cloud row or API offer."""
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
    return opt_upd, srv_upd, cloud_upd, api_upd


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
        i = index_of.get(id(d.scenario_option), -1)
        upd = per_option.get(i, {})
        opt_upd, srv_upd, cloud_upd, api_upd = _split_updates(d, upd)
        if d.units_per_group > 1:  # sampled per-server values, for a unit that is a group of servers
            k = d.units_per_group
            opt_upd = per_group(opt_upd, GROUPED_OPTION_FIELDS, k)
            srv_upd = per_group(srv_upd, GROUPED_SERVER_FIELDS, k)
            cloud_upd = per_group(cloud_upd, GROUPED_CLOUD_FIELDS, k)
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
        if nd.parts is not None:  # a part left out of ``deployments`` (not feasible on its own) keeps its values
            nd.parts = (mapping.get(id(nd.parts[0]), nd.parts[0]), mapping.get(id(nd.parts[1]), nd.parts[1]))
            nd.capacity = nd.parts[0].capacity
        if nd.bridge is not None:
            nd.bridge = mapping.get(id(nd.bridge), nd.bridge)
    sv = site_values(s2, warn=False)  # a deprecated site field was noted once already, by the point run
    return s2, out, sv


def point_values(specs: list[UncertainSpec]) -> dict[str, Any]:
    """Every target field at its input's point value (mode or median)."""
    values: dict[str, Any] = {}
    for sp in specs:
        for t in sp.targets:
            values[t.path] = t.value(sp.point)
    return values


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
            if d.scenario_option is o and d.capacity is not None:
                out[f"options[{i}]"] = d.capacity
    return out

