"""Speculative decoding: a drafter proposes ``k`` tokens, the served (target) model verifies them in one pass.

Accounting per sequence and per *iteration* (k draft steps, then one verify pass of the target):

- expected tokens per verify pass (Leviathan et al. 2023, arXiv:2211.17192, eq. 1, with a per-token
  acceptance ``a`` and ``k`` drafted tokens): ``E = (1 - a^(k+1)) / (1 - a)``, between 1 (nothing accepted:
  the verify pass still yields the target's own token) and ``k + 1`` (everything accepted, plus the bonus);
- the verify pass processes ``k + 1`` tokens of each running sequence: the weights are read once for the
  whole pass (as in any decode step), the linear and attention FLOPs grow with ``k + 1``, each sequence's KV
  cache is read once (the ``k + 1`` queries of a sequence attend over the same cached keys and values in one
  attention kernel) and ``k + 1`` new KV entries are written;
- the drafter runs ``k`` sequential small passes over the batch: a separate draft model reads its own
  weights and KV cache; EAGLE reads about one decoder layer plus its fusion layer and a reduced-vocabulary
  head (Li et al. 2025, arXiv:2503.01840); MTP reads one of the model's own multi-token-prediction layers and
  the shared LM head (DeepSeek-V3, arXiv:2412.19437, section 2.2); n-gram lookup (prompt lookup) reads
  nothing on the GPU. A draft pass pays the engine's per-pass overhead and the all-reduces in proportion
  to its layers (CUDA-graphed drafting launches per layer, as the target does); a draft model runs with
  the target's tensor parallelism over the same GPUs, in the target's weight and KV precisions.

So at batch 1 (bandwidth-bound) a verify pass costs about one decode step and the speed-up approaches ``E``;
at large batch (compute-bound) the ``k + 1`` tokens per sequence multiply the FLOPs while only ``E`` of them
are kept, and speculation slows the replica down (vLLM, "How Speculative Decoding Boosts vLLM Performance by
up to 2.8x", 2024-10-17: speed-up at QPS 1, 1.4x-1.8x slowdown at high QPS on Llama-3-70B, 4 x H100).

Time per output token = iteration time / E; the per-pass efficiencies are the calibrated ones of
:mod:`.efficiency` (not refitted for speculation), so no prediction beats the roofline of the same passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..catalog.specs import GpuSpec, ModelSpec
from ..errors import InputError, not_one_of
from . import memory as mem
from .performance import (
    Replica,
    ServingPoint,
    burst_ttft_s,
    prefill_chunks,
    prefill_roofline_s,
    queued_ttft_s,
)

__all__ = [
    "DEFAULTS",
    "METHODS",
    "Drafter",
    "Speculation",
    "SpeculativeResult",
    "check_supported",
    "continuous_speculative",
    "drafter_fit",
    "expected_tokens_per_pass",
    "resolve_speculation",
    "verify_step_roofline_s",
    "verify_step_s",
]

METHODS = ("draft", "eagle", "mtp", "ngram")
"""Drafting methods: a separate draft model, an EAGLE head, the model's own MTP layers, n-gram lookup."""

EAGLE_DRAFT_VOCAB = 32_000
"""Vocabulary of an EAGLE-3 draft head [tokens]: EAGLE-3 drafts over a reduced 32k-token vocabulary mapped
back to the target's (SafeAILab/EAGLE, EAGLE-3 draft configs ``draft_vocab_size`` = 32000, 2025)."""

SPEC_WEIGHT_BYTES_PER_PARAM = 2.0
"""EAGLE heads are served in 16-bit (the published EAGLE-3 heads are bf16 checkpoints of their own). MTP
layers ship inside the model's checkpoint and take its weight precision (DeepSeek-V3's fp8 checkpoint
stores its MTP module in fp8, 14B parameters beside the 671B)."""


@dataclass(frozen=True)
class SpecDefault:
    """Typical ``k`` and per-token acceptance of one method, and where they come from."""

    draft_tokens: int
    acceptance_rate: float
    source: str


DEFAULTS: dict[str, SpecDefault] = {
    "mtp": SpecDefault(1, 0.85, "DeepSeek-V3 technical report (arXiv:2412.19437, section 5.4.3, 2024-12): "
                       "acceptance of the second (MTP) token 85-90 %; the low end taken"),
    "eagle": SpecDefault(3, 0.65, "RedHatAI/Llama-3.3-70B-Instruct-speculator.eagle3 as measured by "
                         "nebius/EAGLE3-Llama-3.3-70B-Instruct model card (huggingface.co, 2025): mean "
                         "acceptance length 2.88 on MT-bench at k = 7, i.e. a per-token acceptance of about 0.65"),
    "draft": SpecDefault(4, 0.7, "Leviathan et al. 2023 (arXiv:2211.17192, table 3): per-token acceptance "
                         "mostly 0.5-0.9 for small drafters of the same family; 0.7 assumed"),
    "ngram": SpecDefault(3, 0.3, "assumed: prompt lookup accepts little on open chat and much on "
                         "summarisation or code editing (vLLM blog 2024-10-17: 2.8x on CNN/DailyMail at QPS 1); "
                         "0.3 is a chat-like workload"),
}


def expected_tokens_per_pass(acceptance_rate: Any, draft_tokens: Any) -> Any:
    """Expected tokens one verify pass yields per sequence: (1 - a^(k+1)) / (1 - a) [tokens].

    Leviathan et al. 2023 (arXiv:2211.17192), eq. 1; ``k + 1`` when ``a`` = 1. Vectorised.
    """
    a = np.asarray(acceptance_rate, dtype=float)
    k = np.asarray(draft_tokens, dtype=float)
    safe = np.where(a < 1.0, a, 0.5)
    return np.where(a < 1.0, (1.0 - safe ** (k + 1.0)) / (1.0 - safe), k + 1.0)


class SpeculativeResult(BaseModel):
    """What speculation assumed and what it changed at the operating point (units in the names)."""

    model_config = ConfigDict(frozen=True)

    method: str
    draft_tokens: int
    acceptance_rate: float
    draft_model: str | None
    expected_tokens_per_pass: float
    draft_weights_gib: float
    """Extra resident weights of the drafter on the whole replica (0 for n-gram)."""
    tpot_ms_without: float | None
    output_tokens_per_s_without: float | None
    speedup: float | None
    """Output tokens/s with speculation / without, at the same concurrency."""
    concurrency_without: int | None = None
    """The operating point without speculation (the concurrency asked, the largest meeting the targets, or
    the offline maximum: it can differ, since speculation changes TPOT and the memory left)."""
    capacity_ratio: float | None = None
    """Output tokens/s with speculation / without, each at its own operating point: what it does to the
    replica's capacity, hence to the number of GPUs a demand needs."""
    assumptions: list[str]


class Speculation(BaseModel):
    """A speculative-decoding setting after defaults: method, k, acceptance, the draft model for ``draft``."""

    model_config = ConfigDict(frozen=True)

    method: Literal["draft", "eagle", "mtp", "ngram"]
    draft_tokens: int = Field(ge=1, le=16)
    acceptance_rate: float = Field(ge=0.0, le=1.0)
    draft_model: str | None = None
    assumptions: list[str] = []

    @property
    def tokens_per_pass(self) -> float:
        return float(expected_tokens_per_pass(self.acceptance_rate, self.draft_tokens))


def resolve_speculation(method: str, draft_tokens: int | None = None, acceptance_rate: float | None = None,
                        draft_model: str | None = None, field: str = "speculative") -> Speculation:
    """Check a speculation setting and fill the method's published defaults; each default is an assumption."""
    m = str(method).strip().lower()
    if m not in METHODS:
        raise not_one_of(f"{field}.method", method, METHODS)
    d = DEFAULTS[m]
    notes: list[str] = []
    if draft_tokens is None:
        draft_tokens = d.draft_tokens
        notes.append(f"draft tokens per step k = {d.draft_tokens} ({m} default; {d.source})")
    if isinstance(draft_tokens, bool) or not isinstance(draft_tokens, (int, np.integer)) or not 1 <= draft_tokens <= 16:
        raise InputError(f"{field}.draft_tokens", draft_tokens, "a whole number from 1 to 16")
    if acceptance_rate is None:
        acceptance_rate = d.acceptance_rate
        notes.append(f"per-token acceptance a = {d.acceptance_rate:.2f} ({m} default; {d.source})")
    if isinstance(acceptance_rate, bool) or not isinstance(acceptance_rate, (int, float)) or not (
            0.0 <= float(acceptance_rate) <= 1.0):
        raise InputError(f"{field}.acceptance_rate", acceptance_rate, "a number from 0 to 1 (share of drafted "
                         "tokens the target accepts, per token)")
    if m == "draft" and not draft_model:
        raise InputError(f"{field}.draft_model", draft_model, "a catalog model id (method draft needs the draft "
                         "model, e.g. llama-3.1-8b for llama-3.1-70b)")
    if m != "draft" and draft_model:
        raise InputError(f"{field}.draft_model", draft_model, f"none for method {m} (only method draft runs a "
                         "separate draft model)")
    return Speculation(method=m, draft_tokens=int(draft_tokens),  # type: ignore[arg-type]
                       acceptance_rate=float(acceptance_rate), draft_model=draft_model, assumptions=notes)


def check_supported(sp: Speculation, model: ModelSpec, field: str = "speculative.method") -> None:
    """:class:`InputError` when ``model`` cannot run ``sp`` (MTP on a model without MTP layers)."""
    if sp.method == "mtp" and model.mtp_layers < 1:
        raise InputError(field, "mtp", "eagle, draft or ngram for this model",
                         f"{model.id} ships no multi-token-prediction layer (mtp_layers = 0)")


@dataclass(frozen=True)
class Drafter:
    """What one draft step costs on a replica (whole-replica bytes and FLOPs) and what the drafter holds."""

    weight_bytes: float  # extra resident weights
    step_read_bytes: float  # weights one draft step reads (batch-independent part)
    expert_bytes: float  # one routed expert of an MTP layer (MoE targets), read per expert touched
    kv_bytes_per_token: float  # extra KV cache per context token (whole replica, replication included)
    flops_per_token: float  # per drafted token
    layers: float  # decoder layers a draft step runs (overhead share)
    moe: bool

    @classmethod
    def build(cls, spec: Speculation, r: Replica, draft: ModelSpec | None) -> Drafter:
        if spec.method == "ngram":
            return cls(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, False)
        if spec.method == "draft":
            if draft is None:
                raise InputError("speculative.draft_model", spec.draft_model, "a catalog model id (method draft)")
            w = mem.weight_bytes(draft, r.precision)
            emb, _ = mem.embedding_params(draft)
            read = w - (0.0 if draft.tied_embeddings else emb * mem.EMBEDDING_BYTES_PER_PARAM)
            kv = mem.kv_bytes_per_token(draft, r.kv_precision) * mem.kv_replication(draft, r.gpus)
            lin = 2.0 * (draft.active_params_b * 1e9 - (0.0 if draft.tied_embeddings else emb))
            return cls(w, read, 0.0, kv, lin, float(draft.layers), False)
        return _layer_drafter(spec, r)


def _layer_drafter(spec: Speculation, r: Replica) -> Drafter:
    """EAGLE head or MTP layer: one decoder layer of the target's shape plus a fusion layer and a head."""
    m = r.model
    emb, _head = mem.embedding_params(m)
    per_expert, always = mem.expert_params(m)
    moe_layers = max(m.layers - m.dense_layers, 1)
    h = float(m.hidden_size)
    if spec.method == "mtp":
        check_supported(spec, m)
        # one full layer (dense part + all its experts resident), an h x 2h projection, the shared LM head
        dense_layer = (always - emb - (0.0 if m.tied_embeddings else emb)) / m.layers
        expert_layer = per_expert / moe_layers if m.is_moe else 0.0
        bpp = mem.WEIGHT_BYTES_PER_PARAM[r.precision]  # MTP layers ship in the checkpoint's precision
        own = dense_layer + 2.0 * h * h
        resident = (own + m.experts * expert_layer) * bpp * m.mtp_layers
        read = own * bpp + emb * mem.EMBEDDING_BYTES_PER_PARAM
        active = own + (m.experts_per_token * expert_layer if m.is_moe else 0.0) + emb
        kv = mem.kv_bytes_per_token(m, r.kv_precision) / m.layers * m.mtp_layers
        return Drafter(resident, read, expert_layer * bpp, kv * mem.kv_replication(m, r.gpus), 2.0 * active, 1.0,
                       m.is_moe)
    # EAGLE-3: one dense decoder layer of the target's active width, a 3h -> h fusion layer, a 32k head
    layer = (m.active_params_b * 1e9 - emb - (0.0 if m.tied_embeddings else emb)) / m.layers
    head = float(min(m.vocab_size or EAGLE_DRAFT_VOCAB, EAGLE_DRAFT_VOCAB)) * h
    params = layer + 3.0 * h * h + head
    kv = mem.kv_bytes_per_token(m, r.kv_precision) / m.layers * mem.kv_replication(m, r.gpus)
    return Drafter(params * SPEC_WEIGHT_BYTES_PER_PARAM, params * SPEC_WEIGHT_BYTES_PER_PARAM, 0.0, kv,
                   2.0 * params, 1.0, False)


def _draft_read_bytes(dr: Drafter, r: Replica, batch: Any) -> Any:
    b = np.asarray(batch, dtype=float)
    if not dr.moe:
        return np.full_like(b, dr.step_read_bytes)
    return dr.step_read_bytes + mem.experts_touched(r.model, b) * dr.expert_bytes


def draft_steps_s(r: Replica, dr: Drafter, k: int, batch: Any, context: Any) -> Any:
    """Time of the ``k`` sequential draft passes over ``batch`` sequences at mean ``context`` [s]."""
    b = np.asarray(batch, dtype=float)
    if dr.layers == 0.0:
        return np.zeros_like(b)
    t_mem = r.memory_time_s(_draft_read_bytes(dr, r, b), b * np.asarray(context, dtype=float) * dr.kv_bytes_per_token)
    t_comp = r.compute_time_s(b * dr.flops_per_token, b)
    share = dr.layers / r.model.layers  # all-reduces and launch overhead scale with the layers a pass runs
    return k * (np.maximum(t_mem, t_comp) + (r.allreduce_s(b) + r.overhead_s) * share)


def verify_step_s(r: Replica, sp: Speculation, decodes: Any, context: Any, prefill_tokens: Any,
                  prompt: Any) -> Any:
    """One verify pass: ``decodes`` sequences x (k + 1) tokens, plus ``prefill_tokens`` of prompts [s].

    Weights read once for all tokens, each sequence's KV read once, k + 1 KV entries written per sequence;
    FLOPs of (k + 1) decode tokens per sequence. The same roofline form as :func:`mixed_step_s`.
    """
    d = np.asarray(decodes, dtype=float)
    p = np.asarray(prefill_tokens, dtype=float)
    s = np.maximum(np.asarray(prompt, dtype=float), 1.0)
    q = float(sp.draft_tokens + 1)
    tokens = d * q + p
    kv = r.decode_kv_bytes(d, context) + (d * q + p) * r.kv_bytes_per_token
    flops = r.decode_flops(d * q, context) + p / s * r.prefill_flops(1.0, s)
    t_mem = r.memory_time_s(r.weight_read_bytes(tokens), kv)
    t_comp = r.compute_time_s(flops, tokens)
    return (np.maximum(t_mem, t_comp) + r.allreduce_s(tokens, p) + r.overhead_s + r.seq_overhead_s * d
            + np.minimum(p / s, 1.0) * r.prefill_overhead_s)


def verify_step_roofline_s(r: Replica, sp: Speculation, decodes: Any, context: Any, prefill_tokens: Any,
                           prompt: Any) -> Any:
    """Hardware lower bound of a verify pass: max(bytes / peak BW, FLOPs / peak) [s] (drafting not counted)."""
    d = np.asarray(decodes, dtype=float)
    p = np.asarray(prefill_tokens, dtype=float)
    s = np.maximum(np.asarray(prompt, dtype=float), 1.0)
    q = float(sp.draft_tokens + 1)
    byts = (r.weight_read_bytes(d * q + p) + r.decode_kv_bytes(d, context) + (d * q + p) * r.kv_bytes_per_token)
    flops = r.decode_flops(d * q, context) + p / s * r.prefill_flops(1.0, s)
    return np.maximum(byts / r.gpus / r.bw_bytes_per_s, flops / r.gpus / r.flops_per_s)


def drafter_fit(model: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, kv_precision: str,
                context_tokens: int, dr: Drafter) -> tuple[int, str | None]:
    """(largest concurrency whose KV caches fit beside target and drafter, why none fits or None).

    The drafter's weights take memory from the KV cache; every sequence also holds the drafter's KV cache
    over its whole context (vLLM and SGLang allocate both in the same pool)."""
    cap = mem.kv_capacity_bytes_per_gpu(model, gpu, gpus, precision) - dr.weight_bytes / gpus
    per_seq = (mem.kv_bytes_per_sequence(model, kv_precision, context_tokens) * mem.kv_replication(model, gpus)
               + dr.kv_bytes_per_token * context_tokens) / gpus
    n = int(np.floor(max(cap, 0.0) / max(float(per_seq), 1e-9)))
    if n >= 1:
        return n, None
    return 0, (f"no room for one {context_tokens:,}-token sequence once the drafter's "
               f"{dr.weight_bytes / gpus / mem.GIB:,.1f} GiB of weights per GPU are loaded beside the model")


def continuous_speculative(r: Replica, sp: Speculation, dr: Drafter, concurrency: Any, input_tokens: Any,
                           output_tokens: Any) -> ServingPoint:
    """:func:`~llmplace.sizing.performance.continuous` with speculative decoding.

    Same closed-loop accounting, per iteration (k draft passes + one verify pass) instead of per decode
    step: each sequence gains E tokens per iteration, so a request takes (o - 1) / E iterations after its
    first token, C x E / o prompts are admitted per iteration, and TPOT = iteration time / E. A newcomer's
    prefill rides, in budget-sized chunks, with the running iterations, whose (k + 1) verify tokens per
    sequence use the step's token budget. Throughput = C x o / end-to-end (Little's law). The burst TTFT
    (all requests at once) is the plain model's: the burst is prefill-bound, before any drafting starts.
    """
    c = np.maximum(np.asarray(concurrency, dtype=float), 1.0)
    s = np.asarray(input_tokens, dtype=float)
    o = np.asarray(output_tokens, dtype=float)
    e = sp.tokens_per_pass
    q = float(sp.draft_tokens + 1)
    ctx = s + o / 2.0
    iters = np.maximum(o - 1.0, 0.0) / e
    step = verify_step_s(r, sp, c, ctx, c * e / o * s, s) + draft_steps_s(r, dr, sp.draft_tokens, c, ctx)
    decoding = (c - 1.0) * np.maximum(o - 1.0, 0.0) / o
    chunks = prefill_chunks(r, decoding * q, s)  # the verify tokens use the step's token budget
    idle = verify_step_s(r, sp, decoding, ctx, 0.0, s) + draft_steps_s(r, dr, sp.draft_tokens, decoding, ctx)
    own = chunks * (idle + verify_step_s(r, sp, decoding, ctx, s / chunks, s)
                    - verify_step_s(r, sp, decoding, ctx, 0.0, s))
    service = own - chunks * idle
    floor = r.compute_time_s(r.prefill_flops(1.0, s), s)
    ttft = queued_ttft_s(0.5 * step * (c - 1.0) / c, own, service, floor, iters * step, c)
    e2e = ttft + iters * step
    roof_step = verify_step_roofline_s(r, sp, c, ctx, c * e / o * s, s)
    roof_ttft = prefill_roofline_s(r, 1.0, s)
    roof_e2e = np.maximum(roof_ttft + iters * roof_step, c * r.prefill_flops(1.0, s) / r.gpus / r.flops_per_s)
    return ServingPoint(ttft, step / e, e2e, c * o / e2e, c * o / roof_e2e, roof_ttft,
                        np.maximum(burst_ttft_s(r, c, s), ttft))
