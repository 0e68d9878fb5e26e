"""Layouts that fit: when a model does not fit the GPUs asked for, the smallest layouts that do.

Tried in order, each with the same context (input + output tokens): more GPUs of the same kind at the same
precision (tensor parallelism 1, 2, 4, 8 inside one node); the same GPU at a smaller weight precision
(fp8, then 4 bits where the GPU runs them); other catalog GPUs with more memory at the same precision.
Beyond eight GPUs a replica spans servers: the smallest multiple of eight GPUs that holds the model as
one pipeline stage per server (:func:`min_multinode_gpus`) is suggested, up to
:data:`MAX_MULTINODE_GPUS`.
"""

from __future__ import annotations

import math

from ..catalog import GpuSpec, ModelSpec, table
from . import memory as mem
from . import parallel as par
from .estimate import min_gpus
from .fabric import GPUS_PER_NODE

__all__ = ["MAX_MULTINODE_GPUS", "MAX_OTHER_GPUS", "min_multinode_gpus", "suggest_layouts"]

MAX_MULTINODE_GPUS = 256  #: the largest replica searched (32 eight-GPU servers)

MAX_OTHER_GPUS = 3  #: other catalog GPUs named at most
_SMALLER = {"fp16": ("fp8", "int4"), "bf16": ("fp8", "int4"), "int8": ("int4",), "fp8": ("int4",)}


def _fits(model: ModelSpec, gpu: GpuSpec, precision: str, input_tokens: int, output_tokens: int) -> int | None:
    try:
        return min_gpus(model, gpu, precision, input_tokens, output_tokens)
    except Exception:  # noqa: BLE001 - a precision the GPU cannot run is simply not a suggestion
        return None


def _memory_minimum(model: ModelSpec, gpu: GpuSpec, precision: str) -> int:
    """GPUs whose usable memory holds the weights alone (a lower bound), rounded up to a power of two."""
    need = mem.weight_bytes(model, precision) / mem.usable_bytes_per_gpu(gpu)
    return 2 ** math.ceil(math.log2(max(need, 1.0)))


def suggest_layouts(model: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, input_tokens: int,
                    output_tokens: int) -> list[str]:
    """Layouts that hold the model and one sequence, best first; empty when the layout asked for fits."""
    if mem.fit_reason(model, gpu, gpus, precision, mem.default_kv_precision(precision),
                      input_tokens + output_tokens) is None:
        return []
    out: list[str] = []
    n = _fits(model, gpu, precision, input_tokens, output_tokens)
    if n is not None and n != gpus:
        out.append(f"--gpus {n} (tensor parallelism {n} on {gpu.id}, {precision})")
    for p in _SMALLER.get(precision, ()):
        k = _fits(model, gpu, p, input_tokens, output_tokens)
        if k is not None:
            out.append(f"--precision {p} --gpus {k} (weights in {p}: quality may drop; check the model's "
                       "quantised results)")
            break
    others = []
    for g in table("gpus"):
        if g.id == gpu.id or g.memory_gb <= gpu.memory_gb:
            continue
        k = _fits(model, g, precision, input_tokens, output_tokens)
        if k is not None:
            others.append((k, g.memory_gb, g.id))
    out += [f"--gpu {gid} --gpus {k} ({mem_gb:g} GB each)" for k, mem_gb, gid in sorted(others)[:MAX_OTHER_GPUS]]
    if n is None:
        multi = min_multinode_gpus(model, gpu, precision, input_tokens, output_tokens)
        if multi is not None and multi != gpus:
            lay = par.layout_for(multi)
            out.append(f"--gpus {multi} ({lay.nodes} servers: tensor parallelism {lay.tp} in each, "
                       f"{lay.pp} pipeline stages over the network; give --fabric for its speed)")
            out += _expert_parallel_tip(model, gpu, precision, input_tokens + output_tokens, multi)
        elif multi is None:
            least = _memory_minimum(model, gpu, precision)
            out.append(f"{least} x {gpu.id} at least for the {precision} weights alone: more than "
                       f"{MAX_MULTINODE_GPUS} GPUs, beyond the layouts searched")
    return out


def _expert_parallel_tip(model: ModelSpec, gpu: GpuSpec, precision: str, context_tokens: int, gpus: int) -> list[str]:
    """For a mixture-of-experts model: the same GPUs with expert parallelism and DP attention, where they fit."""
    if not model.is_moe:
        return []
    lay = par.layout_for(gpus, expert_parallel=True, dp_attention=True, model=model)
    p, _note = mem.resolve_precision(precision, gpu)
    if par.fit_reason(model, gpu, p, mem.default_kv_precision(p), lay, context_tokens) is not None:
        return []
    return [f"--gpus {gpus} --ep --dp-attention --fabric infiniband-ndr (experts spread over the {gpus} GPUs, "
            "attention data-parallel: over an RDMA fabric usually far more sequences and throughput than pipeline "
            "stages; over a shared Ethernet port the expert all-to-all is slow)"]


def min_multinode_gpus(model: ModelSpec, gpu: GpuSpec, precision: str, input_tokens: int, output_tokens: int,
                       kv_precision: str | None = None, max_gpus: int = MAX_MULTINODE_GPUS) -> int | None:
    """Smallest multiple of eight GPUs (two servers or more) whose default layout (TP 8 in each server,
    one pipeline stage per server) holds the weights and one ``input + output`` sequence; None if none
    up to ``max_gpus``."""
    try:
        p, _note = mem.resolve_precision(precision, gpu)
    except Exception:  # noqa: BLE001 - a precision the GPU cannot run is simply not a suggestion
        return None
    kvp = kv_precision or mem.default_kv_precision(p)
    for g in range(2 * GPUS_PER_NODE, max_gpus + 1, GPUS_PER_NODE):
        lay = par.layout_for(g)
        if lay.pp > model.layers:
            return None
        if par.fit_reason(model, gpu, p, kvp, lay, input_tokens + output_tokens) is None:
            return g
    return None
