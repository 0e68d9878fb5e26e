"""The sizing orchestrator: memory fit, operating point and capacity of one replica.

:func:`estimate` answers for ``gpus`` GPUs running one tensor-parallel copy of a model (a *replica*):
does it fit, how many sequences it holds, and its latency and throughput at the concurrency asked, at
its offline maximum, or at the largest concurrency that meets TTFT/TPOT targets. :func:`min_gpus` gives
the smallest tensor-parallel degree that fits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from ..catalog.specs import GpuSpec, ModelSpec
from ..errors import InputError, not_one_of
from . import memory as mem
from .efficiency import ENGINES, Efficiency, default_efficiency
from .performance import Replica, ServingPoint, continuous

__all__ = ["DEFAULT_ENGINE", "ENGINE_ALIASES", "SizingResult", "check_engine", "estimate", "min_gpus"]

DEFAULT_ENGINE = "vllm"
"""Default serving engine. vLLM is the most widely deployed open-source server, runs on NVIDIA and AMD
GPUs alike, and is calibrated as slower than TensorRT-LLM, so a default estimate does not promise the
throughput of a hand-tuned vendor stack."""

ENGINE_ALIASES = {
    "trt-llm": "trt-llm", "trtllm": "trt-llm", "tensorrt-llm": "trt-llm", "tensorrt": "trt-llm",
    "vllm": "vllm", "sglang": "sglang", "tgi": "tgi", "text-generation-inference": "tgi",
}


class SizingResult(BaseModel):
    """One replica's sizing. Units are in the names; ``None`` where a figure does not apply."""

    model_config = ConfigDict(frozen=True)

    model: str
    gpu: str
    gpus: int
    precision: str
    precision_note: str | None
    """Set when the precision asked for was read as another (the deprecated ``fp4`` alias)."""
    kv_precision: str
    engine: str
    input_tokens: int
    output_tokens: int
    fits: bool
    reason: str | None
    weights_gib: float
    weights_gib_per_gpu: float
    kv_bytes_per_token: float
    kv_gib_per_sequence: float
    kv_capacity_gib_per_gpu: float
    max_concurrency: int
    max_concurrency_kv: int
    engine_max_batch: int
    concurrency: int | None
    concurrency_basis: str | None
    ttft_ms: float | None
    """Mean time to first token in steady state (clients arriving apart; queue of prompts included)."""
    ttft_burst_ms: float | None
    """Mean time to first token when the ``concurrency`` requests arrive together (worst case)."""
    tpot_ms: float | None
    e2e_latency_s: float | None
    output_tokens_per_s: float | None
    output_tokens_per_s_per_gpu: float | None
    requests_per_s: float | None
    roofline_output_tokens_per_s: float | None
    roofline_ttft_ms: float | None
    ttft_target_ms: float | None
    tpot_target_ms: float | None
    meets_targets: bool | None
    rps: float | None
    peak_to_average: float
    replicas_needed: int | None
    gpus_needed: int | None
    bandwidth_efficiency: float
    compute_efficiency: float
    efficiency_source: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (str, int, float, bool, None)."""
        return self.model_dump(mode="json")


def check_engine(engine: str, field: str = "engine") -> str:
    """Canonical engine name (aliases such as ``tensorrt-llm`` accepted) or :class:`InputError`."""
    e = ENGINE_ALIASES.get(str(engine).strip().lower())
    if e is None:
        raise not_one_of(field, engine, ENGINES)
    return e


def _check_int(field: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(field, value, f"a whole number >= {minimum}")
    return int(value)


def _check_positive(field: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not (
            math.isfinite(float(value)) and float(value) > 0):
        raise InputError(field, value, "a number > 0, or None for no target")
    return float(value)


def _check_gpus(gpus: Any) -> int:
    if isinstance(gpus, bool) or not isinstance(gpus, (int, np.integer)) or int(gpus) not in mem.TP_DEGREES:
        raise InputError("gpus", gpus, "1, 2, 4 or 8 (tensor-parallel GPUs in one server)")
    return int(gpus)


def min_gpus(model: ModelSpec, gpu: GpuSpec, precision: str, input_tokens: int, output_tokens: int,
             kv_precision: str | None = None, max_gpus: int = 8) -> int | None:
    """Smallest tensor-parallel degree in 1, 2, 4, 8 (<= ``max_gpus``) that holds the weights, the
    activation reserve and the KV cache of at least one ``input + output`` token sequence; None if none."""
    p, _note = mem.resolve_precision(precision, gpu)
    kvp = mem.check_precision(kv_precision, "kv_precision") if kv_precision else mem.default_kv_precision(p)
    s = _check_int("input_tokens", input_tokens)
    o = _check_int("output_tokens", output_tokens)
    cap = _check_int("max_gpus", max_gpus)
    for g in mem.TP_DEGREES:
        if g > cap:
            break
        if mem.fit_reason(model, gpu, g, p, kvp, s + o) is None:
            return g
    return None


def _f(x: Any) -> float:
    return float(np.asarray(x))


def estimate(model: ModelSpec, gpu: GpuSpec, gpus: int, precision: str, engine: str = DEFAULT_ENGINE,
             input_tokens: int = 1000, output_tokens: int = 1000, concurrency: int | None = None,
             kv_precision: str | None = None, ttft_ms: float | None = None, tpot_ms: float | None = None,
             rps: float | None = None, peak_to_average: float = 1.0,
             efficiency: Efficiency | None = None) -> SizingResult:
    """Memory, latency and throughput of one replica of ``model`` on ``gpus`` x ``gpu``.

    Parameters
    ----------
    gpus : tensor-parallel degree of the replica (1, 2, 4 or 8).
    precision : weight precision in :data:`~llmplace.sizing.memory.PRECISIONS` (``fp4``: see ``precision_note``).
    engine : serving engine (trt-llm, vllm, sglang, tgi).
    input_tokens, output_tokens : tokens per request [tokens].
    concurrency : sequences in flight. None: the largest that meets ``ttft_ms``/``tpot_ms`` when a target
        is given, else the offline maximum (KV-cache and engine-limited batch).
    kv_precision : KV-cache precision; default fp8 for fp8/mxfp4/nvfp4 weights, else 16-bit.
    ttft_ms, tpot_ms : mean latency targets [ms].
    rps : request rate to serve [requests/s]; fills ``replicas_needed`` with ``peak_to_average`` headroom.
    efficiency : factors to use (default: the calibrated bundled ones).

    A model that does not fit returns ``fits=False`` and a ``reason``; targets that cannot be met at any
    concurrency return ``meets_targets=False`` and a ``reason`` (the figures are then those at concurrency 1).
    """
    g = _check_gpus(gpus)
    p, p_note = mem.resolve_precision(precision, gpu)
    eng = check_engine(engine)
    s = _check_int("input_tokens", input_tokens)
    o = _check_int("output_tokens", output_tokens)
    conc = None if concurrency is None else _check_int("concurrency", concurrency)
    kvp = mem.check_precision(kv_precision, "kv_precision") if kv_precision else mem.default_kv_precision(p)
    ttft_t = _check_positive("ttft_ms", ttft_ms)
    tpot_t = _check_positive("tpot_ms", tpot_ms)
    rate = _check_positive("rps", rps)
    if isinstance(peak_to_average, bool) or not isinstance(peak_to_average, (int, float)) or not (
            math.isfinite(peak_to_average) and peak_to_average >= 1.0):
        raise InputError("peak_to_average", peak_to_average, "a number >= 1")
    eff = efficiency or default_efficiency()

    context = s + o
    w = mem.weight_bytes(model, p)
    kv_tok = mem.kv_bytes_per_token(model, kvp)
    kv_cap = mem.kv_capacity_bytes_per_gpu(model, gpu, g, p)
    reason = mem.fit_reason(model, gpu, g, p, kvp, context)
    n_kv = int(mem.max_concurrency_kv(model, gpu, g, p, kvp, context)) if reason is None else 0
    cap_engine = eff.max_batch(eng)
    n_max = min(n_kv, cap_engine)
    r = Replica.build(model, gpu, g, p, kvp, eng, eff)
    base: dict[str, Any] = dict(
        model=model.id, gpu=gpu.id, gpus=g, precision=p, precision_note=p_note, kv_precision=kvp, engine=eng,
        input_tokens=s, output_tokens=o, weights_gib=w / mem.GIB, weights_gib_per_gpu=w / g / mem.GIB,
        kv_bytes_per_token=kv_tok, kv_gib_per_sequence=float(mem.kv_bytes_per_sequence(model, kvp, context)) / mem.GIB,
        kv_capacity_gib_per_gpu=max(kv_cap, 0.0) / mem.GIB, max_concurrency=n_max, max_concurrency_kv=n_kv,
        engine_max_batch=cap_engine, ttft_target_ms=ttft_t, tpot_target_ms=tpot_t, rps=rate,
        peak_to_average=float(peak_to_average), bandwidth_efficiency=r.eta_bw, compute_efficiency=r.eta_c,
        efficiency_source=eff.source_text() + (
            "" if eff.family_known(gpu.family) else
            f"; GPU family {gpu.family!r} not calibrated: Hopper-relative factors 1.0 used"),
    )
    if reason is not None:
        return SizingResult(**base, fits=False, reason=reason, concurrency=None, concurrency_basis=None,
                            ttft_ms=None, ttft_burst_ms=None, tpot_ms=None, e2e_latency_s=None,
                            output_tokens_per_s=None, output_tokens_per_s_per_gpu=None, requests_per_s=None,
                            roofline_output_tokens_per_s=None, roofline_ttft_ms=None, meets_targets=None,
                            replicas_needed=None, gpus_needed=None)

    pt, c, basis, meets, note = choose_point(lambda cs: continuous(r, cs, s, o), n_max, n_kv, cap_engine, eng,
                                             conc, ttft_t, tpot_t)
    return _result(base, r.gpus, pt, c, basis, meets, note, rate, peak_to_average)


def choose_point(point: Callable[[Any], ServingPoint], n_max: int, n_kv: int, cap_engine: int, eng: str,
                 conc: int | None, ttft_t: float | None, tpot_t: float | None
                 ) -> tuple[ServingPoint, int, str, bool | None, str | None]:
    """The operating point: ``conc`` if given (capped at ``n_max``), else the largest concurrency meeting
    the targets, else the offline maximum; with the basis, whether the targets are met and why not.
    ``point(concurrency)`` is the serving regime (vectorised in concurrency)."""
    targets = ttft_t is not None or tpot_t is not None
    meets: bool | None = None
    note: str | None = None
    if conc is not None:
        c = min(conc, n_max)
        basis = "given" if c == conc else f"given {conc}, capped at the replica's maximum {n_max}"
        pt = point(c)
    elif targets:
        cs = np.arange(1, n_max + 1, dtype=float)
        sweep = point(cs)
        ok = np.ones_like(cs, dtype=bool)
        if ttft_t is not None:
            ok &= sweep.ttft_s * 1e3 <= ttft_t
        if tpot_t is not None:
            ok &= sweep.tpot_s * 1e3 <= tpot_t
        idx = np.nonzero(ok)[0]
        c = int(cs[idx[-1]]) if idx.size else 1
        basis = ("largest meeting the latency targets" if idx.size
                 else "1 (targets not met at any concurrency)")
        pt = point(c)
    else:
        c = n_max
        basis = "offline maximum (" + ("KV-cache" if n_kv <= cap_engine else f"{eng} max batch") + " limited)"
        pt = point(c)
    if targets:
        ttft_v, tpot_v = _f(pt.ttft_s) * 1e3, _f(pt.tpot_s) * 1e3
        meets = (ttft_t is None or ttft_v <= ttft_t * (1 + 1e-9)) and (
            tpot_t is None or tpot_v <= tpot_t * (1 + 1e-9))
        if not meets:
            parts = []
            if ttft_t is not None and ttft_v > ttft_t:
                parts.append(f"TTFT {ttft_v:,.0f} ms > target {ttft_t:,.0f} ms")
            if tpot_t is not None and tpot_v > tpot_t:
                parts.append(f"TPOT {tpot_v:,.1f} ms > target {tpot_t:,.1f} ms")
            note = f"latency targets not met at concurrency {c}: " + "; ".join(parts)
    return pt, c, basis, meets, note


def _result(base: dict[str, Any], gpus: int, pt: ServingPoint, c: int, basis: str, meets: bool | None,
            note: str | None, rate: float | None, peak_to_average: float) -> SizingResult:
    tput = _f(pt.output_tokens_per_s)
    req_per_s = tput / base["output_tokens"]
    replicas = gpus_needed = None
    if rate is not None:
        replicas = max(1, math.ceil(rate * peak_to_average / req_per_s - 1e-9))
        gpus_needed = replicas * gpus
    return SizingResult(
        **base, fits=True, reason=note, concurrency=c, concurrency_basis=basis,
        ttft_ms=_f(pt.ttft_s) * 1e3, ttft_burst_ms=None if pt.ttft_burst_s is None else _f(pt.ttft_burst_s) * 1e3,
        tpot_ms=_f(pt.tpot_s) * 1e3, e2e_latency_s=_f(pt.e2e_s),
        output_tokens_per_s=tput, output_tokens_per_s_per_gpu=tput / gpus, requests_per_s=req_per_s,
        roofline_output_tokens_per_s=_f(pt.roofline_output_tokens_per_s),
        roofline_ttft_ms=_f(pt.roofline_ttft_s) * 1e3, meets_targets=meets,
        replicas_needed=replicas, gpus_needed=gpus_needed,
    )
