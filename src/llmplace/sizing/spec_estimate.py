"""Sizing with speculative decoding: :func:`~llmplace.sizing.estimate.estimate` at the same inputs (checks,
memory fit, the figures without speculation), then the memory left beside the drafter and the operating point
again with it (:mod:`.speculative`)."""

from __future__ import annotations

from typing import Any

from ..catalog import get_model
from ..catalog.specs import GpuSpec, ModelSpec
from . import memory as mem
from .efficiency import Efficiency, default_efficiency
from .estimate import DEFAULT_ENGINE, SizingResult, _result, choose_point, estimate
from .performance import Replica, continuous
from .speculative import (
    Drafter,
    Speculation,
    SpeculativeResult,
    check_supported,
    continuous_speculative,
    drafter_fit,
)

__all__ = ["SpeculativeSizingResult", "estimate_speculative"]


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
    s, o = plain.input_tokens, plain.output_tokens
    n_kv, why = drafter_fit(model, gpu, r.gpus, r.precision, r.kv_precision, s + o, dr)
    base: dict[str, Any] = {k: v for k, v in plain.model_dump().items() if k not in _POINT_FIELDS}
    base.update(max_concurrency=min(n_kv, plain.engine_max_batch), max_concurrency_kv=n_kv,
                kv_capacity_gib_per_gpu=max(plain.kv_capacity_gib_per_gpu - dr.weight_bytes / r.gpus / mem.GIB, 0.0))
    if why is not None:
        return SizingResult(**base, fits=False, reason=why,
                            **{k: None for k in _POINT_FIELDS if k not in ("fits", "reason", "speculative")})
    pt, c, basis, meets, note = choose_point(
        lambda cs: continuous_speculative(r, speculative, dr, cs, s, o), base["max_concurrency"], n_kv,
        plain.engine_max_batch, plain.engine, concurrency, plain.ttft_target_ms, plain.tpot_target_ms)
    res = _result(base, r.gpus, pt, c, basis, meets, note, plain.rps, plain.peak_to_average)
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
