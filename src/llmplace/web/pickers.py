"""What the page's option builder offers: catalog rows that can serve the scenario's model.

A server build or a cloud instance is offered when one unit holds a replica of the model: the sizing's
own fit check (:func:`llmplace.sizing.min_gpus`: weights, activation reserve and the KV cache of one
``input + output`` sequence in the unit's GPUs) finds a tensor-parallel degree no larger than the unit's
GPU count, or, for an 8-GPU unit, when whole groups of units hold one (``gpus_per_replica`` is then larger than
the unit's GPUs: :func:`llmplace.sizing.layout.min_multinode_gpus`, the layout ``compare`` then sizes). An API
provider is offered when the catalog has a live offer for the model. Latency targets
are not checked here: an option that fits but misses them is still listed, and the comparison then
shows it as infeasible with its reason.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from .. import catalog, sizing
from ..catalog.specs import CloudSpec, GpuSpec, ModelSpec
from ..errors import InputError
from ..sizing.fabric import GPUS_PER_NODE
from ..sizing.layout import min_multinode_gpus

__all__ = ["ApiChoice", "InstanceChoice", "PickerChoices", "RegionChoice", "ServerChoice", "picker_choices"]

PLANS = ("on_demand", "spot", "reserved_1y", "reserved_3y")
"""Pricing plans in the order the page lists them (the scenario schema's ``Plan`` values)."""


class ServerChoice(BaseModel):
    id: str = Field(description="catalog server build id (an in_house option's server)")
    name: str
    gpu: str
    gpu_count: int
    gpus_per_replica: int = Field(description="fewest GPUs of this build that hold one replica (more than the "
                                              "build has: a replica over several builds)")
    purchase_usd: float = Field(description="catalog price of one server [USD]")


class RegionChoice(BaseModel):
    region: str
    default: bool = Field(description="the region the instance name alone resolves to")
    plans: list[str] = Field(description="pricing plans with a catalog price in this region")


class InstanceChoice(BaseModel):
    instance: str = Field(description="provider/instance_type (a cloud option's instance; add /region for another)")
    provider: str
    instance_type: str
    gpu: str
    gpu_count: int
    gpus_per_replica: int = Field(description="fewest GPUs of this instance that hold one replica (more than "
                                              "the instance has: a replica over several instances)")
    regions: list[RegionChoice]


class ApiChoice(BaseModel):
    provider: str = Field(description="an api option's provider")
    provider_model_id: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float


class PickerChoices(BaseModel):
    model: str = Field(description="the catalog model id the choices were checked against")
    precision: str
    servers: list[ServerChoice]
    instances: list[InstanceChoice]
    apis: list[ApiChoice]
    servers_excluded: int = Field(description="catalog server builds too small for one replica")
    instances_excluded: int = Field(description="catalog instances too small for one replica")


class _Fit:
    """The fewest GPUs holding one replica, per (GPU, unit size); None where the unit is too small."""

    def __init__(self, model: ModelSpec, precision: str, kv_precision: str | None, input_tokens: int,
                 output_tokens: int) -> None:
        self.args = (model, precision, input_tokens, output_tokens, kv_precision)
        self.seen: dict[tuple[str, int], int | None] = {}

    def __call__(self, gpu_id: str, gpu_count: int) -> int | None:
        key = (gpu_id, gpu_count)
        if key not in self.seen:
            model, precision, input_tokens, output_tokens, kv_precision = self.args
            gpu: GpuSpec | None = catalog.table("gpus").find(gpu_id)
            try:
                self.seen[key] = None if gpu is None else sizing.min_gpus(
                    model, gpu, precision, input_tokens, output_tokens, kv_precision=kv_precision,
                    max_gpus=gpu_count)
                if gpu is not None and self.seen[key] is None and gpu_count == GPUS_PER_NODE:
                    self.seen[key] = min_multinode_gpus(model, gpu, precision, input_tokens, output_tokens,
                                                        kv_precision)
            except InputError:  # a precision this GPU cannot hold: not offered
                self.seen[key] = None
        return self.seen[key]


def _plans(row: CloudSpec) -> list[str]:
    prices = {"on_demand": row.on_demand_usd_per_hour, "spot": row.spot_usd_per_hour,
              "reserved_1y": row.reserved_1y_usd_per_hour, "reserved_3y": row.reserved_3y_usd_per_hour}
    return [p for p in PLANS if prices[p] is not None]


def _instances(fit: _Fit) -> tuple[list[InstanceChoice], int]:
    grouped: dict[str, InstanceChoice] = {}
    excluded: set[str] = set()
    for row in catalog.table("clouds"):
        name = f"{row.provider}/{row.instance_type}"
        tp = fit(row.gpu, row.gpu_count)
        if tp is None:
            excluded.add(name)
            continue
        choice = grouped.setdefault(name, InstanceChoice(
            instance=name, provider=row.provider, instance_type=row.instance_type, gpu=row.gpu,
            gpu_count=row.gpu_count, gpus_per_replica=tp, regions=[]))
        choice.regions.append(RegionChoice(region=row.region, default=row.default_region, plans=_plans(row)))
    for choice in grouped.values():
        choice.regions.sort(key=lambda r: (not r.default, r.region))
    ordered = sorted(grouped.values(), key=lambda c: (c.provider, c.gpu_count, c.instance_type))
    return ordered, len(excluded - set(grouped))


def picker_choices(model: str, precision: str = "fp8", kv_precision: str | None = None,
                   input_tokens: int = 1000, output_tokens: int = 300) -> PickerChoices:
    """Server builds, cloud instances (with regions and plans) and API providers that can serve ``model``.

    ``precision`` and ``kv_precision`` are the scenario's ``model.precision`` and ``model.kv_precision``;
    ``input_tokens`` and ``output_tokens`` its tokens per request (the sequence the fit check holds).
    Raises :class:`~llmplace.errors.InputError` naming ``model.name`` for an unknown model.
    """
    spec = catalog.get_model(model, "model.name")
    fit = _Fit(spec, precision, kv_precision, input_tokens, output_tokens)
    servers: list[ServerChoice] = []
    servers_excluded = 0
    for srv in catalog.table("servers"):
        tp = fit(srv.gpu, srv.gpu_count)
        if tp is None:
            servers_excluded += 1
            continue
        servers.append(ServerChoice(id=srv.id, name=srv.name, gpu=srv.gpu, gpu_count=srv.gpu_count,
                                    gpus_per_replica=tp, purchase_usd=srv.purchase_usd))
    instances, instances_excluded = _instances(fit)
    apis = [ApiChoice(provider=o.provider, provider_model_id=o.provider_model_id,
                      input_usd_per_mtok=o.input_usd_per_mtok, output_usd_per_mtok=o.output_usd_per_mtok)
            for o in sorted(catalog.api_offers(spec.id), key=lambda o: o.provider)]
    return PickerChoices(model=spec.id, precision=precision, servers=servers, instances=instances, apis=apis,
                         servers_excluded=servers_excluded, instances_excluded=instances_excluded)
