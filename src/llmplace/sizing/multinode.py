"""Step time and serving of a replica under a parallel layout (:mod:`llmplace.sizing.parallel`).

:class:`LayoutReplica` is the step-time model of :mod:`llmplace.sizing.performance` for one pipeline stage
(the whole replica when there is no pipeline) with the layout's communication in place of the plain
tensor-parallel all-reduce. Per forward pass over ``T`` tokens (``h`` = hidden size, 2-byte activations,
``L`` = the stage's layers, ``M`` of them mixture-of-experts):

- attention, TP: one all-reduce of ``T h 2`` bytes per layer over the TP group (a ring over the fabric
  when the group spans servers, :func:`fabric.ring_allreduce_s`); DP attention: none (each GPU attends
  its own sequences);
- MLP, TP: one all-reduce per layer; EP: per MoE layer a dispatch (each GPU sends its ``T / gpus`` tokens
  to their top-k experts: ``T / gpus x k x h`` bytes, 1 byte per value for fp8 weights as DeepEP does,
  else 2) and a combine (the same at 2 bytes), all-to-all (:func:`fabric.expert_alltoall_s`): per-expert
  sends in a decode pass, per-server sends in a pass that carries prompt tokens; the dense MLP
  layers of an EP model run data-parallel with DP attention (SGLang ``--moe-dense-tp-size 1``), else TP.

A pipeline of ``pp`` stages under continuous batching keeps ``m = min(pp, C)`` micro-batches of ``C / m``
sequences in flight (vLLM runs ``pp`` virtual engines). A token's step crosses every stage, so

    TPOT = pp x t_stage(C / m) + (pp - 1) x send(C / m tokens),    TTFT = pp x TTFT_stage + (pp - 1) x send(prompt)

and each stage is busy ``m / pp`` of the time: the bubble is ``1 - m / pp`` (none once ``C >= pp``). The
stages are taken as equal (the largest one sets the pace, :func:`parallel.stage_fraction`) and the sends
as not overlapped with compute (conservative). A stage's queueing delay is the stage's own, multiplied by
the stages: an approximation, not a pipeline queue model.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from ..catalog.specs import GpuSpec, ModelSpec
from . import memory as mem
from . import parallel as par
from .efficiency import Efficiency, default_efficiency
from .estimate import DEFAULT_ENGINE, SizingResult, _result, check_engine, choose_point
from .fabric import Fabric, expert_alltoall_s, fabric_row, ring_allreduce_s, send_s
from .interconnect import allreduce_s as _tp_allreduce_s
from .interconnect import interconnect_row
from .parallel import Layout, attention_bytes, stage_fraction
from .performance import Replica, ServingPoint, continuous

__all__ = ["LayoutInfo", "LayoutReplica", "build_layout_replica", "estimate_layout", "pipeline_point"]

_ACTIVATION_BYTES = 2.0  # 16-bit activations between stages and in the combine
_FP8_DISPATCH = ("fp8", "mxfp4", "nvfp4", "int4")  # weights whose engines dispatch fp8 tokens (DeepEP)


class LayoutInfo(BaseModel):
    """How a multi-GPU layout was modelled (the ``layout`` block of ``size``)."""

    model_config = ConfigDict(frozen=True)

    label: str
    tensor_parallel: int
    pipeline_stages: int
    expert_parallel: bool
    dp_attention: bool
    nodes: int
    fabric: str
    fabric_gb_per_s_per_gpu: float
    fabric_latency_us: float
    fabric_source: str
    fabric_note: str | None
    pipeline_bubble: float | None
    """Share of each stage's time idle at the operating point (1 - micro-batches / stages); None without PP."""
    communication_ms_per_step: float | None
    """The layout's communication in one decode step at the operating point [ms]."""
    notes: list[str]


@dataclasses.dataclass(frozen=True)
class LayoutReplica(Replica):
    """A :class:`Replica` for one pipeline stage whose communication follows a :class:`Layout`."""

    layout: Layout = Layout(tp=1)
    comm_layers: float = 0.0  # the stage's layers
    comm_moe_layers: float = 0.0  # of which mixture-of-experts
    tp_nodes: int = 1  # servers the tensor-parallel group spans
    intra_hop_us: float = 0.0
    net_hop_us: float = 0.0
    net_bytes_per_s: float = 1.0  # the fabric's effective share per GPU (one direction)
    latency_factor: float = 1.0
    dispatch_bytes: float = 2.0

    def allreduce_s(self, tokens: Any, prompt_tokens: Any = 0.0) -> Any:
        """The layout's communication of one pass over ``tokens`` tokens, ``prompt_tokens`` of them prompt
        tokens [s] (replaces the TP all-reduce). A pass that carries prompt tokens runs the expert all-to-all
        on DeepEP's normal (server-forwarded) kernels, a decode pass on its low-latency (per-expert) ones
        (:func:`fabric.expert_alltoall_s`)."""
        t = np.asarray(tokens, dtype=float)
        lay, m = self.layout, self.model
        ring_bw = self.net_bytes_per_s if self.tp_nodes > 1 else self.link_bytes_per_s
        msg = t * m.hidden_size * _ACTIVATION_BYTES
        if self.tp_nodes > 1:  # across servers: NCCL's ring (peer-memory all-reduce stays inside one server)
            ring = ring_allreduce_s(msg, self.gpus, self.tp_nodes, self.intra_hop_us, self.net_hop_us, ring_bw,
                                    self.latency_factor)
        else:  # inside one server: the single-server all-reduce (sizing/interconnect.py: engine and fabric)
            ring = _tp_allreduce_s(msg, self.gpus, self.allreduce_latency_s, ring_bw)
        dense_layers = self.comm_layers - self.comm_moe_layers
        total = np.zeros_like(t)
        if not lay.dp_attention:
            total = total + self.comm_layers * ring  # attention output
        if lay.expert_parallel:
            low_latency = np.asarray(prompt_tokens, dtype=float) <= 0.0
            a2a = sum(expert_alltoall_s(t / self.gpus, m.experts_per_token, b, m.hidden_size, self.gpus,
                                        lay.gpus_per_node, self.net_hop_us, self.net_bytes_per_s,
                                        self.link_bytes_per_s, self.latency_factor, low_latency)
                      for b in (self.dispatch_bytes, _ACTIVATION_BYTES))
            total = total + self.comm_moe_layers * a2a
            if not lay.dp_attention:
                total = total + dense_layers * ring
        else:
            total = total + self.comm_layers * ring  # MLP output (gathered tokens under DP attention)
        return total


def _fabric_between_nodes(gpu: GpuSpec, layout: Layout, link_bytes_per_s: float, eff: Efficiency
                          ) -> tuple[float, float, str | None]:
    """(bytes/s per GPU, hop latency [us], note) between the replica's servers."""
    domain = gpu.scale_up_domain_gpus or 0
    ic = interconnect_row(gpu.interconnect)
    if layout.nodes == 1:
        return link_bytes_per_s, ic.hop_latency_us, None  # pipeline stages inside one server: over its own links
    if layout.gpus <= domain:
        return link_bytes_per_s, ic.hop_latency_us, (
            f"all {layout.gpus} GPUs share {gpu.id}'s {domain}-GPU {gpu.interconnect} domain: no network fabric")
    fab: Fabric = fabric_row(layout.fabric)
    note = (f"fabric not stated: {fab.fabric} assumed (the slowest in sizing/data/fabrics.csv); "
            "give --fabric for the servers' real network") if layout.fabric_assumed else None
    return fab.bytes_per_s_per_gpu(layout.gpus_per_node) * eff.comm_bandwidth_efficiency(), fab.hop_latency_us, note


def build_layout_replica(model: ModelSpec, gpu: GpuSpec, layout: Layout, precision: str, kv_precision: str,
                         engine: str, eff: Efficiency) -> tuple[LayoutReplica, str | None]:
    """The step-time model of one stage of ``layout`` and a note on the fabric used (None if nothing to say)."""
    base = Replica.build(model, gpu, layout.tp, precision, kv_precision, engine, eff)
    frac = stage_fraction(model, layout.pp)
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(Replica)}
    for name in ("weight_bytes", "dense_read_bytes", "expert_bytes", "linear_flops_per_token",
                 "attn_flops_per_token_ctx", "decode_attn_flops_per_token_ctx", "kv_bytes_per_token"):
        fields[name] = fields[name] * frac
    if layout.dp_attention:  # one copy of each token's KV; attention weights read by every GPU
        fields["kv_bytes_per_token"] = mem.kv_bytes_per_token(model, base.kv_precision) * frac
        fields["dense_read_bytes"] += attention_bytes(model, base.precision) * (layout.gpus - 1) * frac
    net_bw, net_hop, note = _fabric_between_nodes(gpu, layout, base.link_bytes_per_s, eff)
    layers = model.layers * frac
    moe_layers = (model.layers - model.dense_layers) * frac if model.is_moe else 0.0
    replica = LayoutReplica(
        **fields, layout=layout, comm_layers=layers, comm_moe_layers=moe_layers,
        tp_nodes=math.ceil(layout.tp / min(layout.tp, 8)) if layout.pp == 1 else 1,
        intra_hop_us=interconnect_row(gpu.interconnect).hop_latency_us, net_hop_us=net_hop,
        net_bytes_per_s=net_bw, latency_factor=eff.allreduce_latency_factor(),
        dispatch_bytes=1.0 if base.precision in _FP8_DISPATCH else 2.0)
    return replica, note


def stage_send_s(r: LayoutReplica, tokens: Any) -> Any:
    """One stage-to-stage activation send of ``tokens`` tokens over the fabric [s]."""
    return send_s(np.asarray(tokens, dtype=float) * r.model.hidden_size * _ACTIVATION_BYTES,
                  r.net_hop_us / 1e6 * r.latency_factor, r.net_bytes_per_s)


def micro_batches(pp: int, concurrency: Any) -> Any:
    """Micro-batches in flight: min(stages, sequences), at least 1."""
    return np.clip(np.floor(np.asarray(concurrency, dtype=float)), 1.0, float(pp))


def pipeline_point(r: LayoutReplica, concurrency: Any, input_tokens: Any, output_tokens: Any) -> ServingPoint:
    """Continuous batching over the layout's pipeline (the module docstring gives the formulas)."""
    pp = r.layout.pp
    c = np.maximum(np.asarray(concurrency, dtype=float), 1.0)
    if pp == 1:
        return continuous(r, c, input_tokens, output_tokens)
    s = np.asarray(input_tokens, dtype=float)
    o = np.asarray(output_tokens, dtype=float)
    m = micro_batches(pp, c)
    stage = continuous(r, c / m, s, o)
    tpot = pp * stage.tpot_s + (pp - 1) * stage_send_s(r, c / m)
    ttft = pp * stage.ttft_s + (pp - 1) * stage_send_s(r, s)
    burst = pp * stage.ttft_burst_s + (pp - 1) * stage_send_s(r, s)
    e2e = ttft + np.maximum(o - 1.0, 0.0) * tpot
    return ServingPoint(ttft, tpot, e2e, c * o / e2e, m / pp * stage.roofline_output_tokens_per_s,
                        pp * stage.roofline_ttft_s, np.maximum(burst, ttft))


def _layout_base(model: ModelSpec, gpu: GpuSpec, layout: Layout, p: str, p_note: str | None, kvp: str, eng: str,
                 s: int, o: int, r: LayoutReplica, eff: Efficiency, n_kv: int, cap_engine: int) -> dict[str, Any]:
    """The figures of a :class:`SizingResult` that do not depend on the operating point."""
    w = mem.weight_bytes(model, p)
    return dict(
        model=model.id, gpu=gpu.id, gpus=layout.gpus, precision=p, precision_note=p_note, kv_precision=kvp,
        engine=eng, input_tokens=s, output_tokens=o, weights_gib=w / mem.GIB,
        weights_gib_per_gpu=par.weight_bytes_per_gpu(model, p, layout) / mem.GIB,
        kv_bytes_per_token=mem.kv_bytes_per_token(model, kvp),
        kv_gib_per_sequence=float(mem.kv_bytes_per_sequence(model, kvp, s + o)) / mem.GIB,
        kv_capacity_gib_per_gpu=max(par.kv_capacity_bytes_per_gpu(model, gpu, p, layout), 0.0) / mem.GIB,
        max_concurrency=min(n_kv, cap_engine), max_concurrency_kv=n_kv, engine_max_batch=cap_engine,
        bandwidth_efficiency=r.eta_bw, compute_efficiency=r.eta_c,
        efficiency_source=eff.source_text() + (
            "" if eff.family_known(gpu.family) else
            f"; GPU family {gpu.family!r} not calibrated: Hopper-relative factors 1.0 used"),
    )


def estimate_layout(model: ModelSpec, gpu: GpuSpec, layout: Layout, precision: str, engine: str = DEFAULT_ENGINE,
                    input_tokens: int = 1000, output_tokens: int = 1000, concurrency: int | None = None,
                    kv_precision: str | None = None, ttft_ms: float | None = None, tpot_ms: float | None = None,
                    rps: float | None = None, peak_to_average: float = 1.0,
                    efficiency: Efficiency | None = None) -> tuple[SizingResult, LayoutInfo]:
    """:func:`~llmplace.sizing.estimate.estimate` for a replica under ``layout`` (several servers, pipeline
    stages, expert parallelism, DP attention), with a :class:`LayoutInfo` saying how it was modelled.

    The engine's batch cap applies per data-parallel attention rank (SGLang schedules each rank apart)."""
    p, p_note = mem.resolve_precision(precision, gpu)
    eng = check_engine(engine)
    kvp = mem.check_precision(kv_precision, "kv_precision") if kv_precision else mem.default_kv_precision(p)
    eff = efficiency or default_efficiency()
    s, o = int(input_tokens), int(output_tokens)
    r, fabric_note = build_layout_replica(model, gpu, layout, p, kvp, eng, eff)
    reason = par.fit_reason(model, gpu, p, kvp, layout, s + o)
    n_kv = par.max_concurrency_kv(model, gpu, p, kvp, layout, s + o) if reason is None else 0
    cap_engine = eff.max_batch(eng) * (layout.gpus if layout.dp_attention else 1)
    base = _layout_base(model, gpu, layout, p, p_note, kvp, eng, s, o, r, eff, n_kv, cap_engine)
    base.update(ttft_target_ms=ttft_ms, tpot_target_ms=tpot_ms, rps=rps, peak_to_average=float(peak_to_average))
    if reason is not None:
        res = SizingResult(**base, fits=False, reason=reason, concurrency=None, concurrency_basis=None,
                           ttft_ms=None, ttft_burst_ms=None, tpot_ms=None, e2e_latency_s=None,
                           output_tokens_per_s=None, output_tokens_per_s_per_gpu=None, requests_per_s=None,
                           roofline_output_tokens_per_s=None, roofline_ttft_ms=None, meets_targets=None,
                           replicas_needed=None, gpus_needed=None)
        return res, _info(r, layout, None, fabric_note)
    pt, c, basis, meets, note = choose_point(lambda cs: pipeline_point(r, cs, s, o), min(n_kv, cap_engine), n_kv,
                                             cap_engine, eng, concurrency, ttft_ms, tpot_ms)
    res = _result(base, layout.gpus, pt, c, basis, meets, note, rps, peak_to_average)
    return res, _info(r, layout, c, fabric_note)


def _info(r: LayoutReplica, layout: Layout, concurrency: int | None, fabric_note: str | None) -> LayoutInfo:
    fab = fabric_row(layout.fabric)
    notes = []
    if layout.pp > 1:
        notes.append("pipeline stages taken as equal (the largest sets the pace); stage-to-stage sends not "
                     "overlapped with compute")
    if layout.expert_parallel:
        notes.append("routed experts spread evenly with balanced load (an expert-placement balancer such as "
                     "EPLB assumed); dispatch and combine not overlapped with compute (conservative); passes that "
                     "carry prompt tokens on DeepEP's normal kernels (one copy per server), decode passes on its "
                     "low-latency ones (one copy per expert); the CUDA graphs the normal kernels forgo not charged")
        if layout.nodes > 1 and fab.per == "node" and layout.gpus > (r.gpu.scale_up_domain_gpus or 0):
            notes.append(f"expert parallelism across servers over {fab.fabric}: its all-to-all kernels (DeepEP) "
                         "need an RDMA NIC per GPU; modelled at the port's line rate shared by the server's GPUs")
    if layout.dp_attention:
        notes.append("attention weights copied on every GPU; each sequence's KV cache on one GPU")
    bubble = comm = None
    if concurrency is not None:
        m = float(micro_batches(layout.pp, concurrency))
        bubble = 1.0 - m / layout.pp if layout.pp > 1 else None
        comm = float(np.asarray(r.allreduce_s(concurrency / m))) * 1e3 * layout.pp + (
            float(np.asarray(stage_send_s(r, concurrency / m))) * 1e3 * (layout.pp - 1))
    name, rate, hop, source = (fab.fabric, fab.bytes_per_s_per_gpu(layout.gpus_per_node), fab.hop_latency_us,
                               f"{fab.source} (as of {fab.as_of})")
    label = layout.label()
    if layout.nodes > 1 and layout.gpus <= (r.gpu.scale_up_domain_gpus or 0):  # one NVLink/xGMI domain
        ic = r.gpu.interconnect or "pcie"
        name, rate, hop = f"{ic} domain", (r.gpu.interconnect_gb_per_s or 0.0) * 1e9 / 2.0, r.intra_hop_us
        source = f"{r.gpu.id} catalog row: {r.gpu.scale_up_domain_gpus}-GPU scale-up domain ({r.gpu.source})"
        label = label.replace(f"over {layout.fabric}", f"in one {ic} domain")
    return LayoutInfo(
        label=label, tensor_parallel=layout.tp, pipeline_stages=layout.pp,
        expert_parallel=layout.expert_parallel, dp_attention=layout.dp_attention, nodes=layout.nodes,
        fabric=name, fabric_gb_per_s_per_gpu=rate / 1e9, fabric_latency_us=hop, fabric_source=source,
        fabric_note=fabric_note, pipeline_bubble=bubble, communication_ms_per_step=comm, notes=notes)
