"""Resolve scenario options into concrete deployments: catalog rows, overrides, prices, capacity.

Every value a cost depends on is recorded as an :class:`Assumption` with its source and date, so
results can list what they rest on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ValidationError

from . import catalog
from .catalog import ApiOffer, CloudSpec, GpuSpec, ModelSpec, ServerSpec, fx
from .conventions import SCENARIO_SOURCE, TIE_REL_TOL, whole_units
from .errors import InputError
from .results import Assumption, CatalogRowRef
from .scenario import ApiOption, CloudOption, HybridOption, InHouseOption, Scenario
from .sizing.document import default_latency
from .sizing.estimate import SizingResult
from .sizing.fabric import fabric_row

__all__ = [
    "Assumption", "Capacity", "Deployment", "SCENARIO_SOURCE", "attach_bridges", "blended_usd_per_mtok",
    "latency_targets", "resolve_model", "resolve_options", "units_needed",
]

if TYPE_CHECKING:
    from collections.abc import Callable

    from .sizing.speculative import Speculation


@dataclass
class Capacity:
    """Serving capacity of one replica and how replicas pack into one unit (server or instance)."""

    output_tokens_per_s: float
    gpus_per_replica: int
    replicas_per_unit: int
    source: str
    sizing: SizingResult | None = None


@dataclass
class Deployment:
    """One option, resolved: what it is, what it costs per unit, how much it serves."""

    id: str
    kind: str
    label: str
    option: InHouseOption | CloudOption | ApiOption | HybridOption
    server: ServerSpec | None = None
    cloud: CloudSpec | None = None
    api: ApiOffer | None = None
    gpu: GpuSpec | None = None
    capacity: Capacity | None = None
    infeasible_reason: str | None = None
    assumptions: list[Assumption] = field(default_factory=list)
    catalog_rows: list[CatalogRowRef] = field(default_factory=list)
    parts: tuple[Deployment, Deployment] | None = None
    #: in-house only: the option serving the demand before the first servers arrive (None: unserved), and why
    bridge: Deployment | None = None
    bridge_basis: str = ""
    #: plural name of one unit where it is not a single server or instance (a replica over several: "2-server groups")
    unit_kind: str | None = None
    #: units (servers or instances) per unit of this deployment: > 1 when one replica spans several; ``option``
    #: then holds the scenario's option with its per-unit rates scaled, and ``origin`` the scenario's own object
    units_per_group: int = 1
    origin: InHouseOption | CloudOption | None = None

    @property
    def scenario_option(self) -> InHouseOption | CloudOption | ApiOption | HybridOption:
        """The scenario's own option object (identity matters: results and samples find options by it)."""
        return self.origin if self.origin is not None else self.option

    def note(self, name: str, value: Any, unit: str, source: str, as_of: str | None = None) -> Any:
        self.assumptions.append(Assumption(name=name, value=value, unit=unit, source=source, as_of=as_of))
        return value


def _override(row: BaseModel, overrides: dict[str, Any], field_prefix: str) -> BaseModel:
    if not overrides:
        return row
    known = set(type(row).model_fields)
    for key in overrides:
        if key not in known:
            allowed = ", ".join(sorted(known - {"id", "aliases", "as_of", "source", "notes"}))
            raise InputError(f"{field_prefix}.overrides.{key}", overrides[key], f"one of: {allowed}",
                             "unknown catalog field")
    data = row.model_dump()
    data.update(overrides)
    data["source"] = f"{row.source} (overridden in scenario: {', '.join(sorted(overrides))})"  # type: ignore[attr-defined]
    try:
        return type(row).model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise InputError(f"{field_prefix}.overrides.{key}", err.get("input"), err["msg"]) from None


def _row_ref(kind: str, row: BaseModel) -> CatalogRowRef:
    return CatalogRowRef(catalog=kind, id=row.id, as_of=row.as_of, source=row.source,  # type: ignore[attr-defined]
                         deprecated=catalog.deprecation_text(row, kind))


def resolve_model(s: Scenario) -> ModelSpec:
    """The scenario's model with its overrides applied."""
    if s.model.hf_config is not None:  # a model the catalog lacks, read from its config.json
        m = catalog.model_from_hf_file(s.model.hf_config, s.model.name, s.model.hf_config_ignore, "model.hf_config")
    else:
        m = catalog.get_model(s.model.name, "model.name")
    return _override(m, s.model.overrides, "model")  # type: ignore[return-value]


def _unique_id(base: str, taken: set[str]) -> str:
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    taken.add(out)
    return out


def _in_house(opt: InHouseOption, where: str, currency: str) -> Deployment:
    """The catalog's USD prices enter in ``currency`` (the scenario's) here."""
    if opt.server is not None:
        srv: ServerSpec = catalog.get_server(opt.server, f"{where}.server")
        ref = _row_ref("servers", srv)
        srv = fx.in_currency(srv, currency)
        direct = {k: getattr(opt, k) for k in ("gpu", "gpu_count", "purchase_usd", "max_power_kw", "idle_power_kw")
                  if getattr(opt, k) is not None}
        srv = _override(srv, {**direct, **opt.overrides}, where)  # type: ignore[assignment]
    else:
        gpu = catalog.get_gpu(opt.gpu or "", f"{where}.gpu")
        site = catalog.site_defaults()
        max_kw = opt.max_power_kw
        basis = SCENARIO_SOURCE
        if max_kw is None:
            tdp = gpu.tdp_w or site["gpu_tdp_fallback_w"].value
            host_kw = site["custom_server_host_power_kw"].value
            max_kw = (opt.gpu_count or 1) * tdp / 1000.0 + host_kw
            basis = f"DERIVED: GPU TDP {tdp:g} W x count + {host_kw:g} kW host allowance (site.csv)"
        idle_share = site["custom_server_idle_share_of_max"].value
        idle_kw = opt.idle_power_kw if opt.idle_power_kw is not None else idle_share * max_kw
        srv = ServerSpec(
            id=opt.id or f"custom-{opt.gpu_count}x-{gpu.id}",
            name=opt.label or f"{opt.gpu_count}x {gpu.name} server",
            gpu=gpu.id,
            gpu_count=opt.gpu_count or 1,
            purchase_usd=opt.purchase_usd or 0.0,
            max_power_kw=max_kw,
            idle_power_kw=idle_kw,
            power_basis=basis if opt.idle_power_kw is not None
            else f"{basis}; idle = {idle_share * 100:g} % of max (assumption, site.csv)",
            as_of="scenario",
            source=SCENARIO_SOURCE,
        )
        ref = CatalogRowRef(catalog="scenario", id=srv.id, as_of="scenario", source=SCENARIO_SOURCE)
    gpu = catalog.get_gpu(srv.gpu, f"{where}.gpu")
    d = Deployment(id=opt.id or f"in-house-{srv.id}", kind="in_house", label=opt.label or srv.name,
                   option=opt, server=srv, gpu=gpu)
    d.catalog_rows += [ref, _row_ref("gpus", gpu)]
    d.note("server purchase price", srv.purchase_usd, currency, srv.source, srv.as_of)
    d.note("server max power", srv.max_power_kw, "kW", srv.source, srv.as_of)
    d.note("server idle power", srv.idle_power_kw, "kW", srv.power_basis or srv.source, srv.as_of)
    return d


def _cloud(opt: CloudOption, where: str, currency: str) -> Deployment:
    """The catalog's USD prices enter in ``currency`` (the scenario's) here."""
    if opt.instance is not None:
        row: CloudSpec = catalog.get_cloud(opt.instance, f"{where}.instance")
        ref = _row_ref("clouds", row)
        row = fx.in_currency(row, currency)
        direct = {k: getattr(opt, k) for k in ("gpu", "gpu_count") if getattr(opt, k) is not None}
        row = _override(row, {**direct, **opt.overrides}, where)  # type: ignore[assignment]
    else:
        gpu = catalog.get_gpu(opt.gpu or "", f"{where}.gpu")
        row = CloudSpec(
            id=opt.id or f"custom/{opt.gpu_count}x-{gpu.id}",
            provider="custom",
            instance_type=f"{opt.gpu_count}x-{gpu.id}",
            region="-",
            gpu=gpu.id,
            gpu_count=opt.gpu_count or 1,
            on_demand_usd_per_hour=opt.usd_per_hour or 0.0,
            as_of="scenario",
            source=SCENARIO_SOURCE,
        )
        ref = CatalogRowRef(catalog="scenario", id=row.id, as_of="scenario", source=SCENARIO_SOURCE)
    gpu = catalog.get_gpu(row.gpu, f"{where}.gpu")
    plan_label = opt.plan.replace("_", " ")
    d = Deployment(id=opt.id or f"cloud-{row.provider}-{row.instance_type}-{opt.plan}".replace("/", "-"),
                   kind="cloud", label=opt.label or f"{row.provider} {row.instance_type} ({plan_label})",
                   option=opt, cloud=row, gpu=gpu)
    d.catalog_rows += [ref, _row_ref("gpus", gpu)]
    return d


def _api(opt: ApiOption, s: Scenario, where: str) -> Deployment:
    model_name = opt.model or s.model.name
    if opt.provider is not None and (opt.input_usd_per_mtok is None or opt.output_usd_per_mtok is None):
        known = catalog.table("models").find(model_name) is not None or any(
            catalog.normalize(o.model) == catalog.normalize(model_name) for o in catalog.api_offers())
        if not known:  # name the model first: a provider cannot be checked against an unknown model
            catalog.get_model(model_name, f"{where}.model" if opt.model else "model.name")
        try:
            offer = catalog.get_api_offer(opt.provider, model_name, f"{where}.provider")
        except InputError as exc:
            offers = catalog.api_offers(model_name) if catalog.table("models").find(model_name) else []
            providers = ", ".join(sorted(o.provider for o in offers)) or "none in the catalog for this model"
            hint = "or give input_usd_per_mtok and output_usd_per_mtok"
            withdrawn = catalog.withdrawn_api_offer(opt.provider, model_name)
            raise InputError(f"{where}.provider", opt.provider,
                             f"a provider offering {model_name}: {providers}",
                             f"withdrawn: {withdrawn}; {hint}" if withdrawn else hint) from exc
        ref = _row_ref("apis", offer)
        offer = fx.in_currency(offer, s.finance.currency)
        updates = {k: getattr(opt, k) for k in ("input_usd_per_mtok", "output_usd_per_mtok",
                                                 "cached_input_usd_per_mtok") if getattr(opt, k) is not None}
        offer = _override(offer, {**updates, **opt.overrides}, where)  # type: ignore[assignment]
    else:
        provider = opt.provider or "custom"
        offer = ApiOffer(
            id=f"{provider}/{model_name}",
            model=model_name,
            provider=provider,
            provider_model_id=model_name,
            input_usd_per_mtok=opt.input_usd_per_mtok or 0.0,
            output_usd_per_mtok=opt.output_usd_per_mtok or 0.0,
            cached_input_usd_per_mtok=opt.cached_input_usd_per_mtok,
            as_of="scenario",
            source=SCENARIO_SOURCE,
        )
        ref = CatalogRowRef(catalog="scenario", id=offer.id, as_of="scenario", source=SCENARIO_SOURCE)
    d = Deployment(id=opt.id or f"api-{offer.provider}", kind="api",
                   label=opt.label or f"{offer.provider} API ({offer.provider_model_id})", option=opt, api=offer)
    d.catalog_rows.append(ref)
    if opt.batch_share > 0 and opt.batch_discount_pct is None and offer.batch_discount_pct is None:
        row = catalog.site_defaults()["api_batch_discount_pct"]
        d.note("batch discount", row.value, "%", row.source, row.as_of)
    d.note("API input price", offer.input_usd_per_mtok, f"{s.finance.currency}/Mtok", offer.source, offer.as_of)
    d.note("API output price", offer.output_usd_per_mtok, f"{s.finance.currency}/Mtok", offer.source, offer.as_of)
    if offer.cached_input_usd_per_mtok is not None:
        d.note("API cached-input price", offer.cached_input_usd_per_mtok, f"{s.finance.currency}/Mtok", offer.source,
               offer.as_of)
    return d


def _capacity(d: Deployment, s: Scenario, where: str) -> None:
    """Fill ``d.capacity`` from the scenario's measured throughput or the sizing engine."""
    opt = d.option
    assert not isinstance(opt, HybridOption)
    unit_gpus = d.server.gpu_count if d.server else d.cloud.gpu_count if d.cloud else 0
    w = s.workload
    if opt.throughput_tokens_per_s is not None:
        _measured_capacity(d, opt, opt.throughput_tokens_per_s * (
            w.output_share if opt.throughput_counts == "total" else 1.0), unit_gpus, where)
        return
    from . import sizing  # the sizing engine estimates what the scenario does not give

    assert d.gpu is not None
    model = resolve_model(s)
    engine = s.model.engine or sizing.DEFAULT_ENGINE
    fewest = opt.gpus_per_replica or sizing.min_gpus(
        model, d.gpu, s.model.precision, int(w.input_tokens_per_request), int(w.output_tokens_per_request),
        kv_precision=s.model.kv_precision, max_gpus=unit_gpus,
    )
    if fewest is None or fewest > unit_gpus or getattr(opt, "expert_parallel", False) or getattr(
            opt, "dp_attention", False):
        from .multiserver import size_multi_unit  # a replica over several units, or an EP / DP-attention layout

        if not size_multi_unit(d, s, where, model, engine, unit_gpus, fewest):
            d.infeasible_reason = (f"{model.id} in {s.model.precision} does not fit in the {unit_gpus} x "
                                   f"{d.gpu.id} of one unit" + (", nor in whole groups of such units (up to 32)"
                                   if unit_gpus == 8 else "; replicas over several units are modelled for 8-GPU "
                                   "units only"))
        return
    # tensor-parallel degree: the scenario's, else the one (from the fewest GPUs that fit up to the whole
    # unit) that serves the most tokens per unit within the latency targets, as an operator would tune it
    degrees = [opt.gpus_per_replica] if opt.gpus_per_replica else \
        [g for g in (1, 2, 4, 8) if fewest <= g <= unit_gpus]
    best: tuple[float, int, SizingResult] | None = None
    first_info: SizingResult | None = None
    ttft_ms, tpot_ms = latency_targets(s, d)
    run = _estimator(s, model)  # sizing.estimate, with speculative decoding where the scenario asks for it
    for gpr in degrees:
        info = run(
            model, d.gpu, gpr, s.model.precision, engine,
            input_tokens=int(w.input_tokens_per_request), output_tokens=int(w.output_tokens_per_request),
            kv_precision=s.model.kv_precision, ttft_ms=ttft_ms, tpot_ms=tpot_ms,
        )
        first_info = first_info or info
        if not info.fits or not info.output_tokens_per_s or info.meets_targets is False:
            continue
        per_unit = (unit_gpus // gpr) * float(info.output_tokens_per_s)
        if best is None or per_unit > best[0] * (1 + TIE_REL_TOL):
            best = (per_unit, gpr, info)
    if best is None:
        d.infeasible_reason = (first_info.reason if first_info is not None else None) or (
            f"{model.id} cannot meet the latency targets on {d.gpu.id} at any concurrency")
        return
    _, gpr, info = best
    tps = float(info.output_tokens_per_s or 0.0)
    d.capacity = Capacity(tps, gpr, unit_gpus // gpr,
                          f"sizing estimate ({engine}, {info.efficiency_source or 'calibrated efficiency'})",
                          sizing=info)
    _note_sizing(d, info, gpr, tps)


def _measured_capacity(d: Deployment, opt: InHouseOption | CloudOption | ApiOption, tps: float, unit_gpus: int,
                       where: str) -> None:
    """Capacity from the scenario's measured replica throughput [output tokens/s]."""
    gpr = opt.gpus_per_replica or unit_gpus
    if gpr > unit_gpus:  # one replica over several units, bought or rented in whole groups
        from .multiserver import measured_multi_unit

        d.infeasible_reason = measured_multi_unit(d, gpr, unit_gpus, tps, where)
        return
    d.capacity = Capacity(tps, gpr, unit_gpus // gpr, f"measured (scenario {where}.throughput_tokens_per_s)")
    d.note("replica throughput", tps, "output tokens/s", SCENARIO_SOURCE)


#: sizing estimates kept per process (the web page's live recompute sizes the same workload again and again)
SIZING_MEMO_ENTRIES = 256


@lru_cache(maxsize=SIZING_MEMO_ENTRIES)
def _estimate_kept(*args: Any, **kwargs: Any) -> SizingResult:
    from . import sizing

    return sizing.estimate(*args, **kwargs)


def _estimate(*args: Any, **kwargs: Any) -> SizingResult:
    """:func:`llmplace.sizing.estimate`, remembered: a pure function of its arguments (catalog rows are frozen and
    compared by value; the calibrated efficiency is loaded once per process) whose result is frozen. Arguments
    that cannot be hashed are estimated afresh."""
    try:
        hash((args, tuple(kwargs.items())))
    except TypeError:
        from . import sizing

        return sizing.estimate(*args, **kwargs)
    return _estimate_kept(*args, **kwargs)


def _note_sizing(d: Deployment, info: SizingResult, gpr: int, tps: float) -> None:
    """The assumptions a sized option records: replica throughput, TP degree, a precision read."""
    d.note("replica throughput", round(tps, 1), "output tokens/s", d.capacity.source if d.capacity else "")
    d.note("GPUs per replica", gpr, "GPUs", "chosen: most output tokens/s per unit within the latency targets")
    if info.precision_note:  # the deprecated fp4 alias, read per GPU
        d.note("weight precision", info.precision, "", info.precision_note)
    note_speculation(d, info)


def note_speculation(d: Deployment, info: SizingResult) -> None:
    """The assumptions of an option sized with speculative decoding (none when ``info`` has no drafter)."""
    from .sizing.spec_estimate import SpeculativeSizingResult

    if isinstance(info, SpeculativeSizingResult):
        sp = info.speculative
        d.note("speculative decoding: tokens per verify pass", round(sp.expected_tokens_per_pass, 2), "tokens",
               f"{sp.method}, k = {sp.draft_tokens}, acceptance {sp.acceptance_rate:.2f} (scenario "
               "model.speculative; Leviathan et al. 2023, arXiv:2211.17192)")
        if sp.capacity_ratio is not None:
            d.note("speculative decoding: replica capacity vs off", round(sp.capacity_ratio, 2), "x",
                   f"sizing estimate, each at its own operating point (concurrency {info.concurrency} with, "
                   f"{sp.concurrency_without} without; below 1: speculation costs capacity here)")
        for text in sp.assumptions:
            d.note("speculative decoding assumption", text, "", "model.speculative")


def _estimator(s: Scenario, model: ModelSpec) -> Callable[..., SizingResult]:
    """:func:`~llmplace.sizing.estimate` or, with ``model.speculative``, its speculative variant."""
    from . import sizing

    spec = speculation(s, model)
    return _estimate if spec is None else partial(sizing.estimate_speculative, speculative=spec)


def speculation(s: Scenario, model: ModelSpec) -> Speculation | None:
    """The scenario's speculative decoding after the method's defaults, checked against ``model``; None
    when off."""
    from .sizing.speculative import check_supported, resolve_speculation

    sp = s.model.speculative
    if sp is None:
        return None
    out = resolve_speculation(sp.method, sp.draft_tokens, sp.acceptance_rate, sp.draft_model, "model.speculative")
    check_supported(out, model, "model.speculative.method")
    if out.draft_model:
        catalog.get_model(out.draft_model, "model.speculative.draft_model")
    return out


def latency_targets(s: Scenario, d: Deployment | None = None) -> tuple[float | None, float | None]:
    """The scenario's TTFT and TPOT targets [ms] after :func:`~llmplace.sizing.document.default_latency`;
    each default applied is noted among ``d``'s assumptions."""
    ttft, tpot, used = default_latency(s.latency.workload, s.latency.ttft_ms, s.latency.tpot_ms)
    if d is not None:
        for row in used:
            what = "time to first token" if row.key == "interactive_ttft_ms" else "time per output token"
            d.note(f"{what} target (interactive default)", row.value, "ms", row.source, row.as_of)
    return ttft, tpot


def resolve_options(s: Scenario) -> list[Deployment]:
    """Every option of the scenario as a :class:`Deployment` (infeasible ones carry a reason)."""
    out: list[Deployment] = []
    taken: set[str] = set()
    for i, opt in enumerate(s.options):
        where = f"options[{i}]"
        if isinstance(opt, HybridOption):
            continue
        if isinstance(opt, InHouseOption):
            d = _in_house(opt, where, s.finance.currency)
        elif isinstance(opt, CloudOption):
            d = _cloud(opt, where, s.finance.currency)
        else:
            d = _api(opt, s, where)
        d.id = _unique_id(d.id, taken)
        if getattr(opt, "fabric", None):  # checked even where one unit holds the model and it goes unused
            fabric_row(opt.fabric, f"{where}.fabric")  # type: ignore[union-attr]
        if d.kind != "api":
            _capacity(d, s, where)
        out.append(d)
    by_id = {d.option.id: d for d in out if d.option.id}
    for opt in s.options:
        if isinstance(opt, HybridOption):
            base, over = by_id[opt.base], by_id[opt.overflow]
            d = Deployment(id=_unique_id(opt.id or f"hybrid-{base.id}-{over.id}", taken), kind="hybrid",
                           label=opt.label or f"{base.label} + overflow to {over.label}", option=opt,
                           gpu=base.gpu, capacity=base.capacity)
            d.parts = (base, over)
            bad = base.infeasible_reason or over.infeasible_reason
            if bad:
                d.infeasible_reason = f"a part cannot serve: {bad}"
            d.catalog_rows = base.catalog_rows + over.catalog_rows
            out.append(d)
    return out


def attach_bridges(s: Scenario, deployments: list[Deployment], allowed: set[str] | None = None) -> None:
    """Set, on each in-house deployment, who serves the demand before its first servers arrive (``bridge``).

    The scenario's ``bridge`` (an option id, or ``none``); by default the api option with the lowest price
    for the workload's token mix among the feasible ones in ``allowed`` (every feasible one when None), the
    first in the scenario on a tie; when there is none, nobody (that demand goes unserved).
    """
    by_id = {d.option.id: d for d in deployments if d.option.id}
    apis = [d for d in deployments if d.kind == "api" and d.infeasible_reason is None
            and (allowed is None or d.id in allowed)]
    cheapest = min(apis, key=lambda d: blended_usd_per_mtok(d, s), default=None)
    for d in deployments:
        if isinstance(d.option, InHouseOption):
            d.bridge, d.bridge_basis = _bridge_for(d.option, by_id, cheapest, s)


def _bridge_for(opt: InHouseOption, by_id: dict[str, Deployment], cheapest: Deployment | None,
                s: Scenario) -> tuple[Deployment | None, str]:
    named = opt.bridge
    if named == "none":
        return None, "bridge: none (scenario)"
    if named is not None:
        why = by_id[named].infeasible_reason
        if why is not None:
            return None, f"bridge: {named} (scenario) cannot serve: {why}"
        return by_id[named], f"bridge: {named} (scenario)"
    if cheapest is not None:
        return cheapest, (f"default: the api option with the lowest price for this token mix "
                          f"({blended_usd_per_mtok(cheapest, s):,.4g} {s.finance.currency}/Mtok) that the constraints "
                          "allow")
    return None, ("default: no api option in the scenario that the constraints allow (bridge can name one, or an "
                  "on-demand or spot cloud option)")


def blended_usd_per_mtok(d: Deployment, s: Scenario) -> float:
    """Price of an api option for the workload's mix of input, cached-input and output tokens [USD/Mtok]."""
    a, opt, w = d.api, d.option, s.workload
    assert a is not None and isinstance(opt, ApiOption)
    out = w.output_share
    cached = (1.0 - out) * w.cached_input_share
    cached_price = a.cached_input_usd_per_mtok if a.cached_input_usd_per_mtok is not None else a.input_usd_per_mtok
    disc = opt.batch_discount_pct if opt.batch_discount_pct is not None else (
        a.batch_discount_pct if a.batch_discount_pct is not None else catalog.site_default("api_batch_discount_pct"))
    price = (1.0 - out - cached) * a.input_usd_per_mtok + cached * cached_price + out * a.output_usd_per_mtok
    return float(price * (1.0 - opt.batch_share * disc / 100.0))


def units_needed(peak_output_tokens_per_s: Any, cap: Capacity, target_utilisation: float,
                 goodput: float = 1.0) -> Any:
    """Whole units (servers or instances) to carry the peak rate at the planned utilisation."""
    per_replica = cap.output_tokens_per_s * target_utilisation * goodput
    replicas = whole_units(np.asarray(peak_output_tokens_per_s) / per_replica)
    return whole_units(replicas / cap.replicas_per_unit)

