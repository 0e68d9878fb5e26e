"""Parallel layouts of one replica: tensor, pipeline and expert parallelism, data-parallel attention.

A :class:`Layout` says how ``gpus`` GPUs share one copy of the model:

- **tensor parallelism** (TP, degree ``tp``): every layer's matrices split over ``tp`` GPUs, two
  all-reduces per layer; inside one server by default (NVLink/xGMI), across servers only when asked;
- **pipeline parallelism** (PP, ``pp`` stages): the layers cut into ``pp`` consecutive stages, one per
  server (the default for a replica larger than one server); a stage sends its activations to the next
  (``tokens x hidden x 2`` bytes) over the fabric;
- **expert parallelism** (EP): a mixture-of-experts model's routed experts spread whole over all the
  replica's GPUs instead of being sliced; each MoE layer sends every token's hidden state to its top-k
  experts' GPUs and back (an all-to-all dispatch and combine);
- **data-parallel attention** (DP attention): each GPU runs the attention of its own sequences with the
  whole attention weights and its own KV cache (no KV-head replication, no attention all-reduce), as
  SGLang's ``--enable-dp-attention`` does for DeepSeek's latent attention, whose single KV head tensor
  parallelism must copy onto every GPU.

Memory per GPU under a layout (weights, KV per token) is computed here; the time of a step is in
:mod:`llmplace.sizing.multinode`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..catalog.specs import GpuSpec, ModelSpec
from ..errors import InputError
from . import memory as mem
from .fabric import DEFAULT_FABRIC, GPUS_PER_NODE, fabric_row

__all__ = ["Layout", "attention_bytes", "layout_for", "stage_fraction"]


@dataclass(frozen=True)
class Layout:
    """How one replica's GPUs are used. ``gpus = tp x pp``."""

    tp: int
    pp: int = 1
    expert_parallel: bool = False
    dp_attention: bool = False
    fabric: str = DEFAULT_FABRIC
    fabric_assumed: bool = True  # the fabric was not given: the conservative default

    @property
    def gpus(self) -> int:
        return self.tp * self.pp

    @property
    def nodes(self) -> int:
        return math.ceil(self.gpus / GPUS_PER_NODE)

    @property
    def gpus_per_node(self) -> int:
        return min(self.gpus, GPUS_PER_NODE)

    @property
    def is_plain_tp(self) -> bool:
        """One server, tensor parallelism only: the single-node model applies unchanged."""
        return self.pp == 1 and self.nodes == 1 and not self.expert_parallel and not self.dp_attention

    def label(self) -> str:
        parts = [f"TP{self.tp}"] + ([f"PP{self.pp}"] if self.pp > 1 else [])
        parts += ["EP" + str(self.gpus)] if self.expert_parallel else []
        parts += ["DP-attention" + str(self.gpus)] if self.dp_attention else []
        where = f"{self.nodes} servers over {self.fabric}" if self.nodes > 1 else "1 server"
        return " x ".join(parts) + f" ({self.gpus} GPUs, {where})"


def layout_for(gpus: int, *, pp: int = 0, expert_parallel: bool = False, dp_attention: bool = False,
               tp_across_nodes: bool = False, fabric: str | None = None, model: ModelSpec | None = None,
               field: Callable[[str], str] = lambda n: n) -> Layout:
    """The layout of ``gpus`` GPUs: TP inside a server and one pipeline stage per server by default.

    ``pp`` > 0 fixes the stages (``gpus / pp`` must be a TP degree: 1, 2, 4 or 8). Expert parallelism and
    DP attention (and ``tp_across_nodes``) span the whole replica with one TP group and no pipeline, as
    SGLang and vLLM run them. Bad combinations raise :class:`InputError` naming the input as ``field(name)``
    spells it (``--pp`` on the command line).
    """
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 1:
        raise InputError(field("gpus"), gpus, "a whole number of GPUs >= 1")
    if gpus > GPUS_PER_NODE and gpus % GPUS_PER_NODE:
        raise InputError(field("gpus"), gpus, f"1, 2, 4, 8 or a multiple of {GPUS_PER_NODE} (whole servers)")
    if gpus <= GPUS_PER_NODE and gpus not in mem.TP_DEGREES:
        raise InputError(field("gpus"), gpus, "1, 2, 4 or 8 inside one server, or a multiple of 8")
    if expert_parallel and model is not None and not model.is_moe:
        raise InputError(field("ep"), True, "expert parallelism only for a mixture-of-experts model",
                         f"{model.id} is dense")
    name = fabric_row(fabric, field("fabric")).fabric  # validates the name
    spans = expert_parallel or dp_attention or tp_across_nodes
    if pp and spans:
        raise InputError(field("pp"), pp, "0 with --ep, --dp-attention or --tp-across-nodes (they span the replica "
                         "with one tensor-parallel group)")
    if pp:
        if gpus % pp or gpus // pp not in mem.TP_DEGREES:
            raise InputError(field("pp"), pp, f"a number of stages that leaves 1, 2, 4 or 8 GPUs per stage of {gpus}")
        tp = gpus // pp
    elif spans or gpus <= GPUS_PER_NODE:
        tp = gpus
    else:
        tp = GPUS_PER_NODE
    return Layout(tp=tp, pp=gpus // tp, expert_parallel=expert_parallel, dp_attention=dp_attention,
                  fabric=name, fabric_assumed=fabric is None)


def stage_fraction(model: ModelSpec, pp: int) -> float:
    """Share of the layers the largest pipeline stage holds: ceil(layers / pp) / layers (it sets the pace)."""
    return math.ceil(model.layers / pp) / model.layers if pp > 1 else 1.0


def attention_bytes(model: ModelSpec, precision: str) -> float:
    """Attention weights of all layers [B]: q and o (heads x head_dim x hidden each), k and v.

    Grouped-query attention: k and v are kv_heads x head_dim x hidden. Latent attention (``kv_lora_rank``;
    DeepSeek-V2 arXiv:2405.04434 section 2.1): the query through its low rank ``q_lora_rank`` where the
    model has one (hidden x rank, then rank x heads x (head_dim + rope_head_dim)), the down-projection to the
    latent and rope key, the up-projections of k and v from the latent, and the output projection from the
    ``v_head_dim``-wide value heads. DeepSeek-V3: 187.1 M parameters per layer.
    """
    h, d, heads = model.hidden_size, model.head_dim, model.attention_heads
    if model.kv_lora_rank is not None:
        rope, rank, qr = model.rope_head_dim or 0, model.kv_lora_rank, model.q_lora_rank
        v = model.v_head_dim or d
        q = h * qr + qr * heads * (d + rope) if qr else h * heads * (d + rope)
        per_layer = q + h * (rank + rope) + rank * heads * (d + v) + heads * v * h
    else:
        per_layer = 2 * h * heads * d + 2 * h * model.kv_heads * d
    return float(model.layers * per_layer * mem.WEIGHT_BYTES_PER_PARAM[mem.check_precision(precision)])


def weight_bytes_per_gpu(model: ModelSpec, precision: str, layout: Layout) -> float:
    """Weights each GPU holds under ``layout`` [B].

    TP x PP: the largest stage's share split over ``tp``. EP: the routed experts spread over all GPUs,
    the rest split by TP (same total as TP). DP attention: the attention weights whole on every GPU.
    """
    w = mem.weight_bytes(model, precision)
    per_gpu = w * stage_fraction(model, layout.pp) / layout.tp
    if layout.dp_attention:
        attn = attention_bytes(model, precision)
        per_gpu += attn - attn / layout.gpus
    return per_gpu


def kv_bytes_per_token_per_gpu(model: ModelSpec, kv_precision: str, layout: Layout) -> float:
    """KV-cache bytes one token of a sequence costs on each GPU that holds it [B/token].

    TP: its KV heads split over ``tp`` (replicated where there are fewer heads than GPUs; latent attention
    copied on every GPU), the stage's layers only. DP attention: the sequence lives on one GPU, which
    holds its whole KV cache; the per-replica figure is then this / ``gpus`` per sequence.
    """
    full = mem.kv_bytes_per_token(model, kv_precision) * stage_fraction(model, layout.pp)
    if layout.dp_attention:
        return full / layout.gpus
    return full * mem.kv_replication(model, layout.tp) / layout.tp


def kv_capacity_bytes_per_gpu(model: ModelSpec, gpu: GpuSpec, precision: str, layout: Layout) -> float:
    """Memory left for the KV cache on each GPU [B] (may be negative)."""
    return (mem.usable_bytes_per_gpu(gpu) - weight_bytes_per_gpu(model, precision, layout)
            - mem.activation_bytes_per_gpu(model, layout.tp))


def max_concurrency_kv(model: ModelSpec, gpu: GpuSpec, precision: str, kv_precision: str, layout: Layout,
                       context_tokens: int) -> int:
    """Sequences of ``context_tokens`` whose KV cache the replica holds (0 if not one) [sequences].

    Windowed layers are capped at their window as in :func:`memory.kv_bytes_per_sequence`.
    """
    cap = kv_capacity_bytes_per_gpu(model, gpu, precision, layout)
    per_tok = kv_bytes_per_token_per_gpu(model, kv_precision, layout)
    full_tok = mem.kv_bytes_per_token(model, kv_precision)
    per_seq = float(mem.kv_bytes_per_sequence(model, kv_precision, context_tokens)) * per_tok / full_tok
    if layout.dp_attention:  # whole sequences per GPU: floor per GPU, then x GPUs
        per_gpu_seq = per_seq * layout.gpus
        return int(max(cap, 0.0) // max(per_gpu_seq, 1e-9)) * layout.gpus
    return int(max(cap, 0.0) // max(per_seq, 1e-9))


def fit_reason(model: ModelSpec, gpu: GpuSpec, precision: str, kv_precision: str, layout: Layout,
               context_tokens: int) -> str | None:
    """Why ``layout`` cannot serve one sequence of ``context_tokens``; None if it can."""
    if context_tokens > model.context_length:
        return (f"input + output = {context_tokens:,} tokens exceeds {model.id}'s context length of "
                f"{model.context_length:,} tokens")
    usable = mem.usable_bytes_per_gpu(gpu)
    w = weight_bytes_per_gpu(model, precision, layout)
    act = mem.activation_bytes_per_gpu(model, layout.tp)
    if w + act > usable:
        return (f"weights need {w / mem.GIB:,.1f} GiB per GPU (+{act / mem.GIB:,.1f} GiB activations) but only "
                f"{usable / mem.GIB:,.1f} GiB of {gpu.id}'s memory is usable ({mem.MEMORY_UTILIZATION:.0%}) "
                f"with {layout.label()}")
    if max_concurrency_kv(model, gpu, precision, kv_precision, layout, context_tokens) < 1:
        return (f"no room for the KV cache of one {context_tokens:,}-token sequence after {w / mem.GIB:,.1f} GiB "
                f"of weights per GPU with {layout.label()}")
    return None
