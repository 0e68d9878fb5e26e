"""Network fabrics between servers (``sizing/data/fabrics.csv``) and the communication they cost.

A replica that spans servers talks over the data-centre fabric: InfiniBand NDR or RoCE at one NIC per
GPU (400 or 200 Gb/s), or a plain Ethernet port shared by the server's GPUs. Each row gives the line rate
[Gb/s], whether it is per GPU or per server, and the latency NCCL's cost model charges per inter-node
step [us], with sources. Three collectives are built on these facts:

- a point-to-point send (pipeline stages): ``t = hop + bytes / bandwidth``;
- a ring all-reduce over ``n`` GPUs in ``k`` servers (tensor parallelism across servers), NCCL's ring
  model (``src/graph/tuning.cc``): ``t = base + 2 (n - k) x 1.8 hop_intra + 2 (k - 1) x hop_net
  + 2 (n - 1) / n x bytes / min(link, fabric)``; the ring's slowest link sets its bandwidth;
- an all-to-all (expert-parallel dispatch or combine): each GPU sends its share to the other ``n - 1``
  at once; the bytes bound for other servers cross the fabric, the rest NVLink/xGMI, both in parallel:
  ``t = base + hop + max(bytes_off_node / fabric, bytes_on_node / link)``. Decode passes send one copy
  per routed expert straight over RDMA (DeepEP's low-latency kernels, whose buffer the engine sizes to
  its decode batch: SGLang stops with an error when a batch outgrows the preallocation, lmsys.org/blog/
  2025-05-05-large-scale-ep); passes that carry prompt tokens send one copy per destination server and
  fan it out over NVLink there (DeepEP's normal kernels: the low-latency ones take no long inputs, so an
  engine that prefills and decodes in the same passes with DP attention runs the normal ones, same
  blog, "Expert Parallelism with DeepEP" table), so a token crosses the fabric once per other server
  its top-k experts live on: ``(N - 1) x (1 - (1 - 1/N)^k)`` servers on average for ``N`` servers and
  uniform routing (0.996 of a copy for two servers, where per-expert sends put 4 of the 8 copies on
  the fabric).

Units: bytes, seconds, bytes/s. ``bytes_per_s`` figures are one direction per GPU.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from ..errors import LlmplaceError, not_one_of

__all__ = ["DEFAULT_FABRIC", "GPUS_PER_NODE", "Fabric", "UnitFabric", "alltoall_s", "expert_alltoall_s",
           "fabric_row", "load_fabrics", "ring_allreduce_s", "send_s", "unit_fabric"]

DEFAULT_FABRIC = "ethernet-100g"
"""Fabric assumed where the catalog does not say: the slowest row (a shared 100 Gb/s Ethernet port), so a
multi-server estimate is never better than the hardware the buyer may actually get."""

GPUS_PER_NODE = 8
"""GPUs per server in the layouts: the HGX/DGX/MI300X platform boards hold eight (tensor parallelism
inside a server is 1, 2, 4 or 8, ``memory.TP_DEGREES``)."""

_NCCL_BASE_LATENCY_US = 3.6  # NVIDIA/nccl src/graph/tuning.cc @01afd20a baseLat[Ring][LL]
_NCCL_MULTINODE_INTRA_FACTOR = 1.8  # same file: intraLat *= 1.8 when nNodes > 1 (LL protocol)


@dataclass(frozen=True)
class Fabric:
    """One row of fabrics.csv."""

    fabric: str
    gbit_per_s: float
    per: str  # "gpu": one port per GPU; "node": one port shared by the server's GPUs
    hop_latency_us: float
    as_of: str
    source: str
    notes: str = ""

    def bytes_per_s_per_gpu(self, gpus_per_node: int = GPUS_PER_NODE) -> float:
        """Line rate each GPU gets, one direction [B/s]."""
        rate = self.gbit_per_s * 1e9 / 8.0
        return rate / max(gpus_per_node, 1) if self.per == "node" else rate


def load_fabrics(text: str | None = None) -> dict[str, Fabric]:
    """Parse ``fabrics.csv`` (the bundled file unless ``text`` is given)."""
    if text is None:
        text = resources.files("llmplace.sizing").joinpath("data", "fabrics.csv").read_text(encoding="utf-8")
    rows: dict[str, Fabric] = {}
    for i, raw in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            per = raw["per"].strip().lower()
            if per not in ("gpu", "node"):
                raise ValueError(f"per must be gpu or node, not {per!r}")
            row = Fabric(fabric=raw["fabric"].strip().lower(), gbit_per_s=float(raw["gbit_per_s"]), per=per,
                         hop_latency_us=float(raw["hop_latency_us"]), as_of=raw["as_of"].strip(),
                         source=raw["source"].strip(), notes=(raw.get("notes") or "").strip())
        except (KeyError, ValueError, AttributeError) as exc:
            raise LlmplaceError(f"sizing/data/fabrics.csv line {i} is invalid: {exc}") from exc
        rows[row.fabric] = row
    return rows


@cache
def _bundled() -> dict[str, Fabric]:
    return load_fabrics()


def fabric_row(name: str | None, field: str = "fabric") -> Fabric:
    """The fabric called ``name`` (None: :data:`DEFAULT_FABRIC`); an unknown name is an InputError."""
    rows = _bundled()
    key = (name or DEFAULT_FABRIC).strip().lower()
    if key not in rows:
        raise not_one_of(field, name, tuple(rows))
    return rows[key]


def send_s(message_bytes: Any, latency_s: float, bytes_per_s: float) -> Any:
    """One point-to-point send of ``message_bytes`` [s]."""
    return latency_s + np.asarray(message_bytes, dtype=float) / bytes_per_s


def ring_allreduce_s(message_bytes: Any, gpus: int, nodes: int, intra_hop_us: float, net_hop_us: float,
                     bytes_per_s: float, latency_factor: float = 1.0) -> Any:
    """Ring all-reduce over ``gpus`` GPUs spread over ``nodes`` servers (NCCL's ring model) [s].

    ``bytes_per_s`` is the slowest link of the ring (the fabric's share per GPU once ``nodes`` > 1).
    """
    m = np.asarray(message_bytes, dtype=float)
    if gpus <= 1:
        return np.zeros_like(m)
    steps, inter = 2 * (gpus - 1), 2 * max(nodes - 1, 0)
    intra = intra_hop_us * (_NCCL_MULTINODE_INTRA_FACTOR if nodes > 1 else 1.0)
    lat_s = (_NCCL_BASE_LATENCY_US + (steps - inter) * intra + inter * net_hop_us) / 1e6 * latency_factor
    return lat_s + 2.0 * (gpus - 1) / gpus * m / bytes_per_s


def alltoall_s(bytes_per_gpu: Any, gpus: int, gpus_per_node: int, hop_us: float, fabric_bytes_per_s: float,
               link_bytes_per_s: float, latency_factor: float = 1.0) -> Any:
    """All-to-all where each of ``gpus`` GPUs spreads ``bytes_per_gpu`` evenly over all of them [s].

    A share 1 / gpus stays on the GPU; (gpus_per_node - 1) / gpus goes over NVLink/xGMI; the rest
    crosses the fabric. Both paths run at once, so the slower one sets the time.
    """
    b = np.asarray(bytes_per_gpu, dtype=float)
    if gpus <= 1:
        return np.zeros_like(b)
    local = min(gpus, gpus_per_node)
    on_node = b * (local - 1) / gpus
    off_node = b * (gpus - local) / gpus
    t_bw = np.maximum(on_node / link_bytes_per_s, off_node / fabric_bytes_per_s)
    hop = hop_us if gpus > gpus_per_node else 0.0
    return (_NCCL_BASE_LATENCY_US + hop) / 1e6 * latency_factor + t_bw


def expert_alltoall_s(tokens_per_gpu: Any, experts_per_token: int, value_bytes: float, hidden: int, gpus: int,
                      gpus_per_node: int, hop_us: float, fabric_bytes_per_s: float, link_bytes_per_s: float,
                      latency_factor: float = 1.0, low_latency: Any = True) -> Any:
    """One expert-parallel dispatch (or combine) of ``tokens_per_gpu`` tokens on each GPU [s].

    ``low_latency`` (a bool, or one per element): per-expert sends (a decode pass) where true, per-server
    sends (a pass that carries prompt tokens) where false (module docstring).
    """
    t = np.asarray(tokens_per_gpu, dtype=float)
    per_copy = t * hidden * value_bytes
    per_expert = alltoall_s(per_copy * experts_per_token, gpus, gpus_per_node, hop_us, fabric_bytes_per_s,
                            link_bytes_per_s, latency_factor)
    nodes = max(gpus // max(gpus_per_node, 1), 1)
    if nodes <= 1:
        return per_expert
    remote_nodes = (nodes - 1) * (1.0 - (1.0 - 1.0 / nodes) ** experts_per_token)
    on_node = per_copy * experts_per_token * (gpus_per_node - 1) / gpus_per_node
    forwarded = ((_NCCL_BASE_LATENCY_US + hop_us) / 1e6 * latency_factor
                 + np.maximum(per_copy * remote_nodes / fabric_bytes_per_s, on_node / link_bytes_per_s))
    return np.where(np.asarray(low_latency, dtype=bool), per_expert, forwarded)


@dataclass(frozen=True)
class UnitFabric:
    """The fabric a catalog server build or cloud instance comes with (``unit_fabrics.csv``)."""

    unit: str
    fabric: str
    as_of: str
    source: str


@cache
def _unit_fabrics() -> dict[str, UnitFabric]:
    text = resources.files("llmplace.sizing").joinpath("data", "unit_fabrics.csv").read_text(encoding="utf-8")
    rows = {}
    for i, raw in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        row = UnitFabric(unit=raw["unit"].strip(), fabric=raw["fabric"].strip().lower(), as_of=raw["as_of"].strip(),
                         source=raw["source"].strip())
        if row.fabric not in _bundled():
            raise LlmplaceError(f"sizing/data/unit_fabrics.csv line {i}: unknown fabric {row.fabric!r}")
        rows[row.unit] = row
    return rows


def unit_fabric(unit_id: str) -> UnitFabric | None:
    """The fabric of a server build id or a cloud instance id (``provider/instance_type[/region]``); None when
    the catalog does not say (then :data:`DEFAULT_FABRIC` applies, and the caller says so)."""
    rows = _unit_fabrics()
    parts = unit_id.split("/")
    return rows.get(unit_id) or (rows.get("/".join(parts[:2])) if len(parts) > 2 else None)
