"""Tensor-parallel communication from interconnect facts (``sizing/data/interconnects.csv``).

One tensor-parallel all-reduce of ``message`` bytes over ``n`` GPUs costs, for a ring (NCCL's default for
the small messages of inference)::

    t = latency_factor x (base + 2 (n - 1) x hop) + 2 (n - 1) / n x message / link bandwidth

``base`` and ``hop`` are NCCL's own cost-model latencies per interconnect kind [us] (the table cites
them), 2 (n - 1) is the number of synchronised ring steps, and the bandwidth term is the ring's bus
traffic per GPU over the GPU's one-direction link rate (catalog ``interconnect_gb_per_s`` / 2) at the
all-reduce's bandwidth efficiency. ``latency_factor`` >= 1 is the one fitted number: kernel launch and
synchronisation that the engine adds around each call; it is bounded so the latency stays physical.

Inference engines do not use NCCL's ring for the small all-reduces of tensor parallelism where every GPU
can write into every other's memory (NVLink through NVSwitch, AMD's fully connected xGMI): TensorRT-LLM's
AllReduce plugin (one-shot/two-shot strategies), vLLM's custom all-reduce (used when the GPUs are fully
connected by NVLink or xGMI, since vLLM 0.2.7, 2024-01) and SGLang (the same kernels) reduce-scatter and
all-gather through peer memory in two synchronised steps whatever the GPU count. Their latency is
``base + 2 x hop`` instead of ``base + 2 (n - 1) x hop``; the bytes each GPU moves are those of the ring,
2 (n - 1) / n x message. Over PCIe (no full peer mesh) and in engines without such kernels (TGI 1.0 used
NCCL through torch.distributed) the ring applies.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from ..errors import LlmplaceError

__all__ = ["P2P_ALLREDUCE_ENGINES", "InterconnectRow", "allreduce_latency_s", "allreduce_s", "interconnect_row",
           "load_interconnects"]

P2P_ALLREDUCE_ENGINES = frozenset({"trt-llm", "vllm", "sglang"})
"""Engines whose small all-reduces run in two peer-memory steps over a full NVLink/xGMI mesh (docstring)."""
P2P_INTERCONNECTS = frozenset({"nvlink", "xgmi"})
"""Interconnect kinds that give every GPU of a server direct access to every other's memory."""


@dataclass(frozen=True)
class InterconnectRow:
    """Latency facts of one interconnect kind (``interconnect`` values of gpus.csv)."""

    interconnect: str
    base_latency_us: float
    hop_latency_us: float
    as_of: str
    source: str
    notes: str = ""

    def ring_latency_s(self, gpus: int) -> float:
        """Latency of one ring all-reduce over ``gpus`` GPUs, before any engine overhead [s]."""
        if gpus <= 1:
            return 0.0
        return (self.base_latency_us + 2.0 * (gpus - 1) * self.hop_latency_us) / 1e6

    def two_step_latency_s(self, gpus: int) -> float:
        """Latency of one peer-memory (two-shot) all-reduce over ``gpus`` GPUs: two synchronised steps [s]."""
        if gpus <= 1:
            return 0.0
        return (self.base_latency_us + 2.0 * self.hop_latency_us) / 1e6


def load_interconnects(text: str | None = None) -> dict[str, InterconnectRow]:
    """Parse ``interconnects.csv`` (the bundled file unless ``text`` is given)."""
    if text is None:
        text = resources.files("llmplace.sizing").joinpath("data", "interconnects.csv").read_text(encoding="utf-8")
    rows: dict[str, InterconnectRow] = {}
    for i, raw in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            row = InterconnectRow(
                interconnect=raw["interconnect"].strip().lower(),
                base_latency_us=float(raw["base_latency_us"]), hop_latency_us=float(raw["hop_latency_us"]),
                as_of=raw["as_of"].strip(), source=raw["source"].strip(), notes=(raw.get("notes") or "").strip())
        except (KeyError, ValueError, AttributeError) as exc:
            raise LlmplaceError(f"sizing/data/interconnects.csv line {i} is invalid: {exc}") from exc
        rows[row.interconnect] = row
    return rows


@cache
def _bundled() -> dict[str, InterconnectRow]:
    return load_interconnects()


def interconnect_row(interconnect: str | None) -> InterconnectRow:
    """Row of an interconnect kind; an unknown or missing kind is treated as PCIe (the slowest)."""
    rows = _bundled()
    return rows.get((interconnect or "pcie").strip().lower(), rows["pcie"])


def allreduce_s(message_bytes: Any, gpus: int, latency_s: float, link_bytes_per_s: float) -> Any:
    """Time of one ring all-reduce of ``message_bytes`` over ``gpus`` GPUs [s] (0 on one GPU).

    ``latency_s`` is the ring's fixed latency (already scaled by the engine factor) and
    ``link_bytes_per_s`` the effective one-direction bandwidth per GPU.
    """
    m = np.asarray(message_bytes, dtype=float)
    if gpus <= 1:
        return np.zeros_like(m)
    return latency_s + 2.0 * (gpus - 1) / gpus * m / link_bytes_per_s


def allreduce_latency_s(interconnect: str | None, gpus: int, engine: str) -> float:
    """Fixed latency of one tensor-parallel all-reduce of ``engine`` over ``gpus`` GPUs [s], before the
    engine factor: two peer-memory steps on NVLink/xGMI for the engines that have such kernels, NCCL's ring
    otherwise (module docstring). ``engine`` may carry a generation (``vllm:v0``)."""
    row = interconnect_row(interconnect)
    if row.interconnect in P2P_INTERCONNECTS and engine.split(":", 1)[0] in P2P_ALLREDUCE_ENGINES:
        return row.two_step_latency_s(gpus)
    return row.ring_latency_s(gpus)
