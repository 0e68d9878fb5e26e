"""Sizing with speculative decoding: :func:`~llmplace.sizing.estimate.estimate` at the same inputs (checks,
memory fit, the figures without speculation), then the memory left beside the drafter and the operating point
again with it (:mod:`.speculative`).

:func:`estimate_speculative_layout` does the same on a layout of one stage (expert parallelism, DP attention,
one tensor-parallel group over several servers): the verify pass and the draft passes are timed with the
layout's communication in place of the plain all-reduce, and the drafter's memory is taken from what the
layout leaves per GPU. Pipeline stages are refused (:func:`check_layout`): the drafter would run on the last
stage while the others wait, which the step-time model does not represent."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..catalog import get_model
from ..catalog.specs import GpuSpec, ModelSpec
from ..errors import InputError
from . import memory as mem
from . import parallel as par
from .efficiency import Efficiency, default_efficiency
from .estimate import DEFAULT_ENGINE, SizingResult, _result, choose_point, estimate
from .multinode import LayoutInfo, _info, build_layout_replica, estimate_layout
from .parallel import Layout
from .performance import Replica, continuous
from .speculative import (
    Drafter,
    Speculation,
    SpeculativeResult,
    check_supported,
    continuous_speculative,
    drafter_fit,
)

__all__ = ["SpeculativeSizingResult", "check_layout", "estimate_speculative", "estimate_speculative_layout"]


class SpeculativeSizingResult(SizingResult):
    """A :class:`~llmplace.sizing.estimate.SizingResult` sized with speculative decoding."""

    speculative: SpeculativeResult
    """What speculation assumed, and the figures without it (same concurrency, and its own operating point)."""

# Fields of a result that describe its operating point (the rest describe the replica and the inputs).
_POINT_FIELDS = (
    "fits", "reason", "concurrency", "concurrency_basis", "ttft_ms", "ttft_burst_ms", "tpot_ms", "e2e_latency_s",
    "output_tokens_per_s", "output_tokens_per_s_per_gpu", "requests_per_s", "roofline_output_tokens_per_s",
    "roofline_ttft_ms", "meets_targets", "replicas_needed", "gpus_needed", "speculative",
)


def estimate_speculative(model: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, engine: str = DEFAULT_ENGINE,
                         *, speculative: Speculation, input_tokens: int = 1000, output_tokens: int = 1000,
                         concurrency: int | None = None, kv_precision: str | None = None,
                         ttft_ms: float | None = None, tpot_ms: float | None = None, rps: float | None = None,
                         peak_to_average: float = 1.0, efficiency: Efficiency | None = None) -> SizingResult:
    """:func:`~llmplace.sizing.estimate.estimate` with speculative decoding (same parameters, plus
    ``speculative`` from :func:`~llmplace.sizing.speculative.resolve_speculation`).

    The drafter's weights and KV cache take memory from the sequences (fewer fit; none: ``fits=False``
    and a reason naming the drafter); the operating point (the concurrency asked, the largest meeting the
    targets, or the offline maximum) is chosen again with speculation on. ``speculative`` in the result
    states what was assumed and the figures without speculation at the same concurrency.
    """
    plain = estimate(model, gpu, gpus, precision, engine, input_tokens=input_tokens, output_tokens=output_tokens,
                     concurrency=concurrency, kv_precision=kv_precision, ttft_ms=ttft_ms, tpot_ms=tpot_ms, rps=rps,
                     peak_to_average=peak_to_average, efficiency=efficiency)
    check_supported(speculative, model)
    draft = get_model(speculative.draft_model, "speculative.draft_model") if speculative.draft_model else None
    if not plain.fits:
        return plain
    r = Replica.build(model, gpu, plain.gpus, plain.precision, plain.kv_precision, plain.engine,
                      efficiency or default_efficiency())
    dr = Drafter.build(speculative, r, draft)
    n_kv, why = drafter_fit(model, gpu, r.gpus, r.precision, r.kv_precision, plain.input_tokens + plain.output_tokens,
                            dr)
    return _with_drafter(plain, r, speculative, dr, draft, (n_kv, why, dr.weight_bytes / r.gpus), concurrency)


def _with_drafter(plain: SizingResult, r: Replica, speculative: Speculation, dr: Drafter, draft: ModelSpec | None,
                  fit: tuple[int, str | None, float], concurrency: int | None) -> SizingResult:
    """``plain`` sized again with the drafter: ``fit`` = (sequences that fit beside it, why none, its weights
    per GPU [B]); ``r`` is the replica's step-time model (a layout's, or plain tensor parallelism)."""
    n_kv, why, draft_bytes_per_gpu = fit
    s, o = plain.input_tokens, plain.output_tokens
    base: dict[str, Any] = {k: v for k, v in plain.model_dump().items() if k not in _POINT_FIELDS}
    base.update(max_concurrency=min(n_kv, plain.engine_max_batch), max_concurrency_kv=n_kv,
                kv_capacity_gib_per_gpu=max(plain.kv_capacity_gib_per_gpu - draft_bytes_per_gpu / mem.GIB, 0.0))
    if why is not None:
        return SizingResult(**base, fits=False, reason=why,
                            **{k: None for k in _POINT_FIELDS if k not in ("fits", "reason", "speculative")})
    pt, c, basis, meets, note = choose_point(
        lambda cs: continuous_speculative(r, speculative, dr, cs, s, o), base["max_concurrency"], n_kv,
        plain.engine_max_batch, plain.engine, concurrency, plain.ttft_target_ms, plain.tpot_target_ms)
    res = _result(base, plain.gpus, pt, c, basis, meets, note, plain.rps, plain.peak_to_average)
    summary = _summary(res, r, speculative, dr, draft, c).model_copy(update={
        "concurrency_without": plain.concurrency,
        "capacity_ratio": (res.output_tokens_per_s or 0.0) / plain.output_tokens_per_s
        if plain.output_tokens_per_s else None})
    return SpeculativeSizingResult(**res.model_dump(), speculative=summary)


def _summary(res: SizingResult, r: Replica, sp: Speculation, dr: Drafter, draft: ModelSpec | None,
             c: int) -> SpeculativeResult:
    """What speculation assumed, and the figures without it at the same concurrency."""
    off = continuous(r, c, res.input_tokens, res.output_tokens)
    tput_off = float(off.output_tokens_per_s)
    e = sp.tokens_per_pass
    notes = [*sp.assumptions,
             f"speculative decoding ({sp.method}, k = {sp.draft_tokens}, a = {sp.acceptance_rate:.2f}): {e:.2f} "
             "tokens per verify pass (Leviathan et al. 2023); acceptance depends on the workload and sampling "
             "temperature: measure it on your own traffic"]
    if dr.flops_per_token > 0:
        share = dr.flops_per_token / r.linear_flops_per_token
        notes.append(f"the drafter's own prefill of each prompt (about {share:.0%} of the prompt's compute) is not "
                     "counted in the time to first token")
    if draft is not None and draft.vocab_size != r.model.vocab_size:
        notes.append(f"draft model {draft.id} has a vocabulary of {draft.vocab_size:,} tokens, {r.model.id} "
                     f"{r.model.vocab_size:,}: a drafter must share the target's tokenizer")
    return SpeculativeResult(
        method=sp.method, draft_tokens=sp.draft_tokens, acceptance_rate=sp.acceptance_rate,
        draft_model=sp.draft_model, expected_tokens_per_pass=e, draft_weights_gib=dr.weight_bytes / mem.GIB,
        tpot_ms_without=float(off.tpot_s) * 1e3, output_tokens_per_s_without=tput_off,
        speedup=(res.output_tokens_per_s or 0.0) / tput_off if tput_off > 0 else None, assumptions=notes)


PIPELINE_ALLOWED = ("one pipeline stage: expert parallelism, DP attention or one tensor-parallel group over "
                    "the servers, or tensor parallelism inside one server")
"""What speculative decoding combines with (the text of the refusal for pipeline stages)."""


def check_layout(layout: Layout, field: str, value: Any, allowed: str = PIPELINE_ALLOWED) -> None:
    """:class:`InputError` naming ``field`` when speculation is asked on a layout with pipeline stages;
    ``allowed`` says what combines, in the caller's words (flags on the command line, fields in a scenario)."""
    if layout.pp > 1:
        raise InputError(field, value, allowed, f"speculative decoding is not modelled with pipeline stages: "
                         f"{layout.label()} has {layout.pp}")


def estimate_speculative_layout(model: ModelSpec, gpu: GpuSpec, layout: Layout, precision: str,
                                engine: str = DEFAULT_ENGINE, *, speculative: Speculation, input_tokens: int = 1000,
                                output_tokens: int = 1000, concurrency: int | None = None,
                                kv_precision: str | None = None, ttft_ms: float | None = None,
                                tpot_ms: float | None = None, rps: float | None = None, peak_to_average: float = 1.0,
                                efficiency: Efficiency | None = None) -> tuple[SizingResult, LayoutInfo]:
    """:func:`~llmplace.sizing.multinode.estimate_layout` with speculative decoding, for a layout of one stage.

    The same layout, its communication and its memory: the drafter's weights are spread over the replica's
    GPUs like the target's, its KV cache sits beside each sequence's (on the sequence's own GPU under DP
    attention), and a draft pass pays the layout's communication per layer in proportion to its layers."""
    check_layout(layout, "speculative.method", speculative.method)
    plain, info = estimate_layout(model, gpu, layout, precision, engine, input_tokens=input_tokens,
                                  output_tokens=output_tokens, concurrency=concurrency, kv_precision=kv_precision,
                                  ttft_ms=ttft_ms, tpot_ms=tpot_ms, rps=rps, peak_to_average=peak_to_average,
                                  efficiency=efficiency)
    check_supported(speculative, model)
    draft = get_model(speculative.draft_model, "speculative.draft_model") if speculative.draft_model else None
    if not plain.fits:
        return plain, info
    r, fabric_note = build_layout_replica(model, gpu, layout, plain.precision, plain.kv_precision, plain.engine,
                                          efficiency or default_efficiency())
    dr = Drafter.build(speculative, r, draft)
    if layout.dp_attention and dr.kv_bytes_per_token > 0:  # each sequence's draft KV on its own GPU, once
        dr = dataclasses.replace(dr, kv_bytes_per_token=dr.kv_bytes_per_token
                                 / mem.kv_replication(draft or model, r.gpus))
    n_kv, why = _layout_drafter_fit(model, gpu, plain.precision, plain.kv_precision, layout,
                                    plain.input_tokens + plain.output_tokens, dr)
    res = _with_drafter(plain, r, speculative, dr, draft, (n_kv, why, dr.weight_bytes / layout.gpus), concurrency)
    out = _info(r, layout, res.concurrency, fabric_note)
    return res, out.model_copy(update={"notes": [*out.notes, (
        "speculative decoding on this layout: a verify pass carries k + 1 tokens per sequence through the "
        "layout's communication; a draft pass pays its per-layer average; the drafter's weights are spread over "
        "the GPUs like the target's (communication per step above is a plain decode step's)")]})


def _layout_drafter_fit(model: ModelSpec, gpu: GpuSpec, precision: str, kv_precision: str, layout: Layout,
                        context_tokens: int, dr: Drafter) -> tuple[int, str | None]:
    """:func:`~llmplace.sizing.speculative.drafter_fit` under ``layout``: (sequences that fit, why none)."""
    cap = par.kv_capacity_bytes_per_gpu(model, gpu, precision, layout) - dr.weight_bytes / layout.gpus
    per_tok = par.kv_bytes_per_token_per_gpu(model, kv_precision, layout)
    seq = (float(mem.kv_bytes_per_sequence(model, kv_precision, context_tokens)) * per_tok
           / mem.kv_bytes_per_token(model, kv_precision) + dr.kv_bytes_per_token * context_tokens / layout.gpus)
    if layout.dp_attention:  # whole sequences per GPU
        n = int(max(cap, 0.0) // max(seq * layout.gpus, 1e-9)) * layout.gpus
    else:
        n = int(max(cap, 0.0) // max(seq, 1e-9))
    if n >= 1:
        return n, None
    return 0, (f"no room for one {context_tokens:,}-token sequence once the drafter's "
               f"{dr.weight_bytes / layout.gpus / mem.GIB:,.1f} GiB of weights per GPU are loaded beside the model "
               f"with {layout.label()}")
