"""Options whose model replica needs more than one server or instance.

When the model does not fit one unit (or ``gpus_per_replica`` asks for more GPUs than a unit has), a replica spans
``k`` units of eight GPUs, sized by :func:`llmplace.sizing.multinode.estimate_layout` with tensor parallelism
inside each unit and one pipeline stage per unit, over the network fabric between them. The option is then
bought or rented in whole groups of ``k`` units: the deployment's unit becomes the group (``k`` x the GPUs, the
price, the power, the rack space and the hourly rates of one unit), so every cost line counts ``k`` servers or
instances per replica and the fleet is always a whole number of replicas.

The fabric is the scenario's ``fabric``, else the catalog's for the unit (``sizing/data/unit_fabrics.csv``),
else the slowest (``ethernet-100g``), said in the assumptions. Switches and cables between the units have no
sourced price in the catalog: they are not counted, and the assumptions say so.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from .catalog import ModelSpec
from .conventions import SCENARIO_SOURCE
from .options import Capacity, Deployment, latency_targets, note_speculation, speculation
from .scenario import HybridOption, InHouseOption, Scenario
from .sizing.estimate import SizingResult
from .sizing.fabric import DEFAULT_FABRIC, GPUS_PER_NODE, fabric_row, unit_fabric
from .sizing.layout import min_multinode_gpus
from .sizing.multinode import LayoutInfo, estimate_layout
from .sizing.parallel import Layout, layout_for
from .sizing.spec_estimate import check_layout, estimate_speculative_layout

__all__ = ["GROUPED_CLOUD_FIELDS", "GROUPED_OPTION_FIELDS", "GROUPED_SERVER_FIELDS", "measured_multi_unit", "per_group",
           "size_multi_unit"]


def _fabric_choice(d: Deployment, where: str) -> tuple[str, str, str | None, bool]:
    """(fabric, source, as of, assumed) for the network between the option's units."""
    opt = d.option
    given = getattr(opt, "fabric", None)
    if given:
        return fabric_row(given, f"{where}.fabric").fabric, SCENARIO_SOURCE, None, False
    unit_id = d.server.id if d.server is not None else d.cloud.id if d.cloud is not None else ""
    row = unit_fabric(unit_id)
    if row is not None:
        return row.fabric, row.source, row.as_of, False
    return DEFAULT_FABRIC, (f"not stated for {unit_id or 'this unit'} in the catalog: the slowest fabric assumed "
                            f"({fabric_row(DEFAULT_FABRIC).source})"), None, True


GROUPED_SERVER_FIELDS = ("gpu_count", "purchase_usd", "purchase_usd_low", "purchase_usd_high", "max_power_kw",
                         "idle_power_kw", "rack_units")
"""Server-row fields that are k times one server's in a group of k."""
GROUPED_CLOUD_FIELDS = ("gpu_count", "on_demand_usd_per_hour", "spot_usd_per_hour", "reserved_1y_usd_per_hour",
                        "reserved_3y_usd_per_hour")
"""Cloud-row fields that are k times one instance's in a group of k."""
GROUPED_OPTION_FIELDS = ("usd_per_hour", "opex_usd_per_hour")
"""Option fields (per server or instance) that are k times one unit's in a group of k."""


def per_group(values: dict[str, Any], names: tuple[str, ...], k: int) -> dict[str, Any]:
    """Values given per server or instance (a sampled override) as values per group of ``k``."""
    return {key: v * k if key in names and k > 1 else v for key, v in values.items()}


def _scaled(row: Any, k: int, names: tuple[str, ...], extra: dict[str, Any]) -> Any:
    update = {n: getattr(row, n) * k for n in names if getattr(row, n) is not None}
    return row.model_copy(update={**update, **extra})


def _group_units(d: Deployment, k: int) -> None:
    """Make the deployment's unit a group of ``k`` servers or instances (prices, power, GPUs x k)."""
    opt = d.option
    assert not isinstance(opt, HybridOption)
    if d.server is not None:
        d.server = _scaled(d.server, k, GROUPED_SERVER_FIELDS, {"name": f"{k} x {d.server.name}"})
    if d.cloud is not None:
        d.cloud = _scaled(d.cloud, k, GROUPED_CLOUD_FIELDS, {})
    update: dict[str, Any] = {}
    price = getattr(opt, "usd_per_hour", None)
    if price is not None:
        update["usd_per_hour"] = price * k
    if isinstance(opt, InHouseOption):
        update["opex_usd_per_hour"] = opt.opex_usd_per_hour * k
        if opt.servers is not None:
            update["servers"] = math.ceil(opt.servers / k)
    d.origin = opt  # type: ignore[assignment]
    d.units_per_group = k
    d.option = opt.model_copy(update=update)
    d.label = f"{d.label} ({k} per replica)"
    d.unit_kind = f"{k}-{'server' if d.server is not None else 'instance'} groups"


def _layout_gpus(opt: Any, model: ModelSpec, d: Deployment, s: Scenario, unit_gpus: int, fewest: int | None,
                 layout_asked: bool) -> int | None:
    """GPUs of one replica: the scenario's, the whole unit for an EP / DP-attention layout that fits one, else
    the fewest whole 8-GPU units that hold the model (None: no layout to try)."""
    if opt.gpus_per_replica:
        return int(opt.gpus_per_replica)
    if layout_asked and fewest is not None and fewest <= unit_gpus:
        return unit_gpus
    if unit_gpus != GPUS_PER_NODE:
        return None
    w = s.workload
    assert d.gpu is not None
    return min_multinode_gpus(model, d.gpu, s.model.precision, int(w.input_tokens_per_request),
                              int(w.output_tokens_per_request), s.model.kv_precision)


def size_multi_unit(d: Deployment, s: Scenario, where: str, model: ModelSpec, engine: str, unit_gpus: int,
                    fewest: int | None = None) -> bool:
    """Size ``d`` with a layout: replicas over several units, or expert parallelism / DP attention asked by the
    option. False when no such layout applies (the caller then says the model does not fit), True when ``d``
    got a capacity or an infeasibility reason."""
    opt = d.option
    assert not isinstance(opt, HybridOption) and d.gpu is not None
    ep, dpa = bool(getattr(opt, "expert_parallel", False)), bool(getattr(opt, "dp_attention", False))
    gpus = _layout_gpus(opt, model, d, s, unit_gpus, fewest, ep or dpa)
    if gpus is None or (gpus > unit_gpus and unit_gpus != GPUS_PER_NODE):
        return False
    if gpus > unit_gpus and gpus % unit_gpus:
        d.infeasible_reason = f"gpus_per_replica {gpus} is not a whole number of {unit_gpus}-GPU units"
        return True
    fabric, source, as_of, assumed = _fabric_choice(d, where)
    names = {"ep": "expert_parallel"}
    layout = dataclasses.replace(
        layout_for(gpus, expert_parallel=ep, dp_attention=dpa, fabric=fabric, model=model,
                   field=lambda n: f"{where}.{names.get(n, n)}"), fabric_assumed=assumed)
    info, lay = _estimate(d, s, where, model, engine, layout)
    if not info.fits or not info.output_tokens_per_s or info.meets_targets is False:
        d.infeasible_reason = info.reason or f"{model.id} cannot meet the latency targets over {lay.label}"
        return True
    k = max(gpus // unit_gpus, 1)
    if k > 1:
        _group_units(d, k)
    tps = float(info.output_tokens_per_s)
    d.capacity = Capacity(tps, gpus, max(unit_gpus // gpus, 1),
                          f"sizing estimate ({engine}, {lay.label}; {info.efficiency_source})", sizing=info)
    d.note("replica throughput", round(tps, 1), "output tokens/s", d.capacity.source)
    note_speculation(d, info)
    d.note("GPUs per replica", gpus, "GPUs", SCENARIO_SOURCE if opt.gpus_per_replica else
           f"{lay.label}: the fewest whole units that hold the model" if k > 1 else f"{lay.label}: the whole unit")
    if k > 1:
        d.note("units per replica", k, "servers or instances", "each unit counted in this option is a group of "
               f"{k} bought or rented together (one model replica)")
        _note_fabric(d, fabric, source, as_of)
    return True


def _estimate(d: Deployment, s: Scenario, where: str, model: ModelSpec, engine: str, layout: Layout
              ) -> tuple[SizingResult, LayoutInfo]:
    """The option's replica under ``layout``, with the scenario's speculative decoding when it asks for it
    (refused, naming ``model.speculative`` and the option, for a layout of pipeline stages)."""
    assert d.gpu is not None
    ttft_ms, tpot_ms = latency_targets(s, d)
    w = s.workload
    kwargs: dict[str, Any] = dict(input_tokens=int(w.input_tokens_per_request),
                                  output_tokens=int(w.output_tokens_per_request), kv_precision=s.model.kv_precision,
                                  ttft_ms=ttft_ms, tpot_ms=tpot_ms)
    spec = speculation(s, model)
    if spec is None:
        return estimate_layout(model, d.gpu, layout, s.model.precision, engine, **kwargs)
    one_stage = (f"set {where}.expert_parallel and {where}.dp_attention: true (one stage over the units), or "
                 if model.is_moe else "")
    check_layout(layout, "model.speculative", spec.method, (
        f"no model.speculative with option {where} ({d.id}), whose replica spans {layout.nodes} units as "
        f"{layout.pp} pipeline stages; or {one_stage}choose a unit that holds the model"))
    return estimate_speculative_layout(model, d.gpu, layout, s.model.precision, engine, speculative=spec, **kwargs)


def _note_fabric(d: Deployment, fabric: str, source: str, as_of: str | None) -> None:
    d.note("network fabric between units", fabric, "", source, as_of)
    d.note("fabric switches and cables", 0.0, "USD", "not counted: the catalog holds no sourced price for the "
           "switches and cables between the units")


def measured_multi_unit(d: Deployment, gpus: int, unit_gpus: int, tps: float, where: str) -> str | None:
    """A measured replica throughput for ``gpus`` > ``unit_gpus``: whole groups of units; the reason it
    cannot be, or None."""
    if gpus % unit_gpus:
        return f"gpus_per_replica {gpus} is not a whole number of {unit_gpus}-GPU units"
    k = gpus // unit_gpus
    fabric, source, as_of, _assumed = _fabric_choice(d, where)
    _group_units(d, k)
    d.capacity = Capacity(tps, gpus, 1, f"measured (scenario {where}.throughput_tokens_per_s)")
    d.note("replica throughput", tps, "output tokens/s", SCENARIO_SOURCE)
    d.note("units per replica", k, "servers or instances", "each unit counted in this option is a group of "
           f"{k} bought or rented together (one model replica)")
    _note_fabric(d, fabric, source, as_of)
    return None
