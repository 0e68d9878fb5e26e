"""The calibration set: measured rows of ``perf_calibration.csv`` and how the model predicts each.

``sizing/data/perf_calibration.csv`` is a copy of the team's reference
``perf_calibration.csv`` (MLPerf Inference v3.1-v5.0, TensorRT-LLM documentation and blogs, Argonne
LLM-Inference-Bench, Hugging Face TGI benchmarks, llm-analysis/kipply). :func:`parse_calibration` maps
every row to a :class:`CalibrationCase` (model, GPU, GPUs, precision, engine, lengths, concurrency,
serving regime, metric, value) under the per-source assumptions in :data:`SOURCE_ASSUMPTIONS` and
:data:`DATASETS`; rows it cannot interpret come back as ``(row id, reason)``. :func:`predict_case`
evaluates the sizing model on a case with a given :class:`~llmplace.sizing.efficiency.Efficiency`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import numpy as np

from ..catalog.specs import GpuSpec, ModelSpec
from ..errors import LlmplaceError
from . import memory as mem
from .calibration_sources import (
    _GPU_SPECIAL,
    _SOURCE_PREFIXES,
    CLOSED_LOOP_SOURCES,
    DATASETS,
    SOURCE_ASSUMPTIONS,
    TEST_13B,
    TPOT_P99_OVER_MEAN,
    TTFT_P99_OVER_MEAN,
    VLLM_V0_SOURCES,
    VLLM_V1_FROM,
)
from .efficiency import Efficiency
from .estimate import check_engine
from .performance import Replica, ServingPoint, continuous, static_batch

__all__ = [
    "CalibrationCase",
    "DATASETS",
    "SOURCE_ASSUMPTIONS",
    "calibration_text",
    "parse_calibration",
    "predict_case",
    "resolve_gpu",
    "resolve_model",
]

# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CalibrationCase:
    """One measured row, interpreted.

    ``mode``: ``static`` (fixed batch ``concurrency``), ``continuous`` (``concurrency`` in flight),
    ``offline_max`` (largest batch), ``server_rate`` (Little's law at ``arrival_per_s``),
    ``server_capacity`` (largest concurrency meeting ``ttft_limit_ms``/``tpot_limit_ms`` means).
    ``metric``: ``output_tokens_per_s`` (system), ``output_tokens_per_s_per_gpu``, ``samples_per_s``,
    ``ttft_ms``, ``tpot_ms``, ``ms_per_token_e2e``. ``group``: throughput, ttft or tpot.
    """

    row_id: int
    source: str
    model: str
    gpu: str
    gpus: int
    tp: int | None
    precision: str
    kv_precision: str
    engine: str
    input_tokens: float
    output_tokens: float
    beams: int
    mode: str
    concurrency: float | None
    arrival_per_s: float | None
    ttft_limit_ms: float | None
    tpot_limit_ms: float | None
    metric: str
    group: str
    value: float
    raw_value: str
    assumptions: str


def calibration_text() -> str:
    """The bundled copy of perf_calibration.csv."""
    path = resources.files("llmplace.sizing").joinpath("data", "perf_calibration.csv")
    return path.read_text(encoding="utf-8")


def _source_key(source: str) -> str | None:
    for prefix, key in _SOURCE_PREFIXES:
        if source.startswith(prefix):
            return key
    return None


def _strip_paren(s: str) -> str:
    return re.sub(r"\s*\(.*\)\s*$", "", s).strip()


def _precision(raw: str) -> tuple[str, str | None]:
    r = raw.lower()
    kv = "fp8" if any(k in r for k in ("fp8 kv", "+kv", "kv (", "and kv")) else None
    if "kv cache bf16" in r:  # fp8 weights with the engine's default 16-bit cache (SGLang, trtllm-serve)
        kv = "bf16"
    if r.startswith("fp8"):
        return "fp8", kv
    if r.startswith("mxfp4"):
        return "mxfp4", kv
    if r.startswith("fp4"):  # the B200 MLPerf rows: NVFP4 checkpoints on FP4 tensor cores
        return "nvfp4", kv
    if "int4" in r:
        return "int4", kv
    if r.startswith("fp16") or r.startswith("bf16"):
        return "fp16", kv
    raise ValueError(f"precision {raw!r} not understood")


def _engine(raw: str) -> str:
    r = raw.lower()
    if "tensorrt" in r or "trt" in r or "fastertransformer" in r:
        return "trt-llm"
    if "vllm" in r:
        return "vllm"
    if "tgi" in r:
        return "tgi"
    if "sglang" in r:
        return "sglang"
    return check_engine(raw)


def _generation(engine: str, raw: str, source: str) -> str:
    """Engine key with its generation: ``vllm:v0`` for rows measured on vLLM's V0 engine.

    The version in the row's engine cell decides (V1 is the default from :data:`VLLM_V1_FROM`); a row
    without one takes its source's era (:data:`VLLM_V0_SOURCES`).
    """
    if engine != "vllm":
        return engine
    m = re.search(r"vllm\s*v?(\d+)\.(\d+)", raw.lower())
    if m:
        old = (int(m.group(1)), int(m.group(2))) < VLLM_V1_FROM
    else:
        old = source in VLLM_V0_SOURCES
    return "vllm:v0" if old else engine


def _dataset(raw_input: str) -> str | None:
    r = raw_input.lower()
    if "openorca(mlperf)" in r:
        return "openorca"
    if "mixtral" in r:
        return "mixtral"
    if "llama3.1-405b" in r:
        return "llama3.1-405b"
    if "cnn-dailymail" in r:
        return "cnn-dailymail"
    if "sharegpt" in r:
        return "sharegpt"
    return None


def _num(raw: str) -> float | None:
    m = re.fullmatch(r"\s*~?\s*([0-9]+(?:\.[0-9]+)?)\s*", raw or "")
    return float(m.group(1)) if m else None


def _limits(scenario: str) -> tuple[float | None, float | None]:
    """(TTFT p99 limit ms, TPOT p99 limit ms) named in an MLPerf scenario cell."""
    def grab(name: str) -> float | None:
        m = re.search(name + r"\s*p99\s*<=\s*([0-9.]+)\s*(ms|s)", scenario)
        if not m:
            return None
        return float(m.group(1)) * (1.0 if m.group(2) == "ms" else 1e3)
    return grab("TTFT"), grab("TPOT")


_METRICS: dict[str, tuple[str, str]] = {
    "output_tokens_per_s_system": ("output_tokens_per_s", "throughput"),
    "output_tokens_per_s_per_gpu": ("output_tokens_per_s_per_gpu", "throughput"),
    "samples_per_s": ("samples_per_s", "throughput"),
    "e2e_batch_latency": ("output_tokens_per_s", "throughput"),
    "TTFT": ("ttft_ms", "ttft"),
    "TTFT_mean": ("ttft_ms", "ttft"),
    "prefill_latency": ("ttft_ms", "ttft"),
    "TPOT": ("tpot_ms", "tpot"),
    "TPOT_mean": ("tpot_ms", "tpot"),
    "TPOT_median": ("ms_per_token_e2e", "tpot"),
}


def _case(row: dict[str, str]) -> CalibrationCase:
    rid = int(row["id"])
    src = _source_key(row["source"])
    if src is None:
        raise ValueError(f"source {row['source'][:40]!r} not recognised")
    notes: list[str] = []
    model = resolve_model(row["model"]).id
    gpu = resolve_gpu(row["gpu"]).id
    gpus = int(row["num_gpus"])
    precision, kv = _precision(row["precision"])
    kv_precision = kv or mem.default_kv_precision(precision)
    engine = _generation(_engine(row["engine"]), row["engine"], src)
    scenario = row["scenario"].lower()
    conc_raw = row["concurrency"].strip()

    ds_key = _dataset(row["input_tokens"])
    ds = DATASETS[ds_key] if ds_key else None
    inp = _num(row["input_tokens"])
    if inp is None:
        if ds is None:
            raise ValueError(f"input length {row['input_tokens']!r} not understood")
        inp = ds.input_tokens
        notes.append(f"input {inp:g} assumed ({ds_key})")
    out = _num(row["output_tokens"])
    if out is None:
        if ds is None or ds.output_tokens is None:
            raise ValueError(f"output length {row['output_tokens']!r} not understood")
        out = ds.output_tokens
        notes.append(f"output {out:g} assumed ({ds_key})")
    beams = ds.beams if ds else 1
    if beams > 1:
        notes.append(f"{beams} beams per sample")

    metric, group = _METRICS.get(row["metric"], ("", ""))
    if not metric:
        raise ValueError(f"metric {row['metric']!r} not understood")
    value = float(row["value"])
    unit = row["unit"].strip()
    if metric in ("ttft_ms", "tpot_ms", "ms_per_token_e2e") and unit == "s":
        value *= 1e3

    tp: int | None = gpus if src != "mlperf" else None
    m_tp = re.match(r"TP(\d+)", conc_raw)
    if m_tp:
        tp = int(m_tp.group(1))
    conc: float | None = None
    arrival: float | None = None
    ttft_lim = tpot_lim = None
    if src == "mlperf":
        if "server" in scenario:
            ttft_p99, tpot_p99 = _limits(row["scenario"])
            ttft_lim = ttft_p99 / TTFT_P99_OVER_MEAN if ttft_p99 else None
            tpot_lim = tpot_p99 / TPOT_P99_OVER_MEAN if tpot_p99 else None
            m_arr = re.match(r"arrival\s+([0-9.]+)", conc_raw)
            if group != "throughput" and m_arr:
                mode, arrival = "server_rate", float(m_arr.group(1))
            else:
                mode = "server_capacity"
        else:
            mode = "offline_max"
    elif "max" in conc_raw.lower():
        mode = "offline_max"
    elif src in CLOSED_LOOP_SOURCES:
        mode, conc = "continuous", float(conc_raw)
    else:
        c = _num(conc_raw)
        if c is None:
            raise ValueError(f"concurrency {conc_raw!r} not understood")
        mode, conc = "static", c

    if row["metric"] == "e2e_batch_latency":
        if conc is None:
            raise ValueError("e2e_batch_latency without a batch size")
        notes.append(f"measured {value:g} s end-to-end -> {conc:g} x {out:g} / latency tok/s")
        value = conc * out / value
    if metric == "ttft_ms" and mode == "static" and out > 1:
        notes.append("TTFT of the prefill only")
    return CalibrationCase(
        row_id=rid, source=src, model=model, gpu=gpu, gpus=gpus, tp=tp, precision=precision,
        kv_precision=kv_precision, engine=engine, input_tokens=inp, output_tokens=out, beams=beams,
        mode=mode, concurrency=conc, arrival_per_s=arrival, ttft_limit_ms=ttft_lim, tpot_limit_ms=tpot_lim,
        metric=metric, group=group, value=value, raw_value=f"{row['value']} {unit}",
        assumptions="; ".join(notes),
    )


def parse_calibration(text: str | None = None) -> tuple[list[CalibrationCase], list[tuple[int, str]]]:
    """(interpreted cases, skipped (row id, reason)) of the calibration CSV (bundled copy by default)."""
    cases: list[CalibrationCase] = []
    skipped: list[tuple[int, str]] = []
    for row in csv.DictReader(io.StringIO(text if text is not None else calibration_text())):
        try:
            cases.append(_case(row))
        except (ValueError, LlmplaceError) as exc:
            skipped.append((int(row["id"]), str(exc)))
    return cases, skipped


# ------------------------------------------------------------------------------------------------
# Catalog resolution
# ------------------------------------------------------------------------------------------------

def resolve_gpu(name: str) -> GpuSpec:
    """Catalog GPU of a calibration row's GPU cell (documented special cases first)."""
    from ..catalog import get_gpu

    for prefix, gid in _GPU_SPECIAL:
        if name.startswith(prefix):
            return get_gpu(gid)
    try:
        return get_gpu(name)
    except LlmplaceError:
        return get_gpu(_strip_paren(name))


def resolve_model(name: str) -> ModelSpec:
    """Catalog model of a calibration row's model cell (test-13b is built here)."""
    from ..catalog import get_model

    if "test-13b" in name:
        return TEST_13B
    try:
        return get_model(name)
    except LlmplaceError:
        return get_model(_strip_paren(name))


@cache
def _specs(model: str, gpu: str) -> tuple[ModelSpec, GpuSpec]:
    from ..catalog import get_gpu, get_model

    return (TEST_13B if model == TEST_13B.id else get_model(model)), get_gpu(gpu)


# ------------------------------------------------------------------------------------------------
# Prediction
# ------------------------------------------------------------------------------------------------

def _grid(c_max: float, n: int = 160) -> np.ndarray:
    """Concurrency grid from 1 to ``c_max`` (geometric), for vectorised searches."""
    if c_max <= 1.0:
        return np.array([1.0])
    return np.geomspace(1.0, c_max, n)


def _crossing(grid: np.ndarray, margin: np.ndarray) -> float:
    """Largest x on the grid's piecewise-linear interpolation with margin(x) <= 0 (margin rising)."""
    bad = np.nonzero(margin > 0)[0]
    if bad.size == 0:
        return float(grid[-1])
    i = int(bad[0])
    if i == 0:
        return float(grid[0])
    m0, m1 = float(margin[i - 1]), float(margin[i])
    return float(grid[i - 1] + (grid[i] - grid[i - 1]) * (-m0) / (m1 - m0))


def _max_concurrency(case: CalibrationCase, r: Replica, eff: Efficiency) -> tuple[float, float]:
    """(KV-cache limit, KV-cache and engine limit) on concurrent requests [requests]."""
    n = float(mem.max_concurrency_kv(r.model, r.gpu, r.gpus, r.precision, r.kv_precision,
                                     (case.input_tokens + case.output_tokens) * case.beams))
    return n, min(n, eff.max_batch(case.engine) / case.beams)


def _point(case: CalibrationCase, r: Replica, eff: Efficiency) -> ServingPoint | None:
    s, o, b = case.input_tokens, case.output_tokens, case.beams
    n_kv, c_max = _max_concurrency(case, r, eff)
    if case.mode == "static":
        batch = case.concurrency or 1.0
        if batch <= n_kv or n_kv < 1:  # fits (or cannot tell: the row ran, so evaluate as measured)
            return static_batch(r, batch, s, o, beams=b)
        wave = static_batch(r, n_kv, s, o, beams=b)  # the engine runs the batch in KV-limited waves
        return ServingPoint(wave.ttft_s, wave.tpot_s, wave.e2e_s * batch / n_kv, wave.output_tokens_per_s,
                            wave.roofline_output_tokens_per_s, wave.roofline_ttft_s)
    if case.mode == "continuous":
        return continuous(r, case.concurrency or 1.0, s, o, beams=b)
    if c_max < 1:
        return None
    if case.mode == "offline_max":
        return continuous(r, c_max, s, o, beams=b)
    grid = _grid(c_max)
    sweep = continuous(r, grid, s, o, beams=b)
    if case.mode == "server_capacity":
        margin = np.full_like(grid, -np.inf)
        if case.ttft_limit_ms is not None:
            margin = np.maximum(margin, sweep.ttft_s * 1e3 / case.ttft_limit_ms - 1.0)
        if case.tpot_limit_ms is not None:
            margin = np.maximum(margin, sweep.tpot_s * 1e3 / case.tpot_limit_ms - 1.0)
        return continuous(r, _crossing(grid, margin), s, o, beams=b)
    if case.mode == "server_rate":
        rate = (case.arrival_per_s or 0.0) / (case.gpus // r.gpus)
        # Little's law: in-flight C = rate x end-to-end(C). Below the fixed point C < rate x e2e(C) (the
        # queue grows); the first C where 1 - rate x e2e(C) / C turns >= 0 is the fixed point; if it
        # never does, the replica is overloaded and runs at its maximum.
        lag = 1.0 - rate * sweep.e2e_s / grid
        c = _crossing(grid, lag) if lag[0] < 0 else 1.0
        return continuous(r, c, s, o, beams=b)
    raise LlmplaceError(f"calibration mode {case.mode!r} unknown")


def _value(case: CalibrationCase, pt: ServingPoint, replicas: int) -> float:
    tput = float(pt.output_tokens_per_s) * replicas
    if case.metric == "output_tokens_per_s":
        return tput
    if case.metric == "output_tokens_per_s_per_gpu":
        return tput / case.gpus
    if case.metric == "samples_per_s":
        return tput / case.output_tokens
    if case.metric == "ttft_ms":
        return float(pt.ttft_s) * 1e3
    if case.metric == "tpot_ms":
        return float(pt.tpot_s) * 1e3
    if case.metric == "ms_per_token_e2e":
        return float(pt.e2e_s) / case.output_tokens * 1e3
    raise LlmplaceError(f"calibration metric {case.metric!r} unknown")


def tp_options(case: CalibrationCase) -> list[int]:
    """Tensor-parallel degrees a case may use: the row's own, else those among 1, 2, 4, 8 that fit."""
    if case.tp:
        return [case.tp]
    model, gpu = _specs(case.model, case.gpu)
    return [t for t in mem.TP_DEGREES if t <= case.gpus and case.gpus % t == 0
            and mem.fit_reason(model, gpu, t, case.precision, case.kv_precision,
                               int(case.input_tokens + case.output_tokens)) is None]


def predict_case(case: CalibrationCase, eff: Efficiency, tp: int | None = None) -> tuple[float, int]:
    """(predicted value in the case's metric units, tensor-parallel degree used) under ``eff``.

    Where the row leaves tensor parallelism open (and ``tp`` is not forced), the degree that maximises
    the system's throughput (offline, or under the server's latency limits) is used. NaN if none fits.
    """
    model, gpu = _specs(case.model, case.gpu)
    best: tuple[float, float, int] | None = None
    for t in ([tp] if tp else tp_options(case)):
        r = Replica.build(model, gpu, t, case.precision, case.kv_precision, case.engine, eff)
        replicas = case.gpus // t
        pt = _point(case, r, eff)
        if pt is None:
            continue
        score = float(pt.output_tokens_per_s) * replicas
        if case.mode == "server_rate" and not tp:  # choose by capacity under the limits, as a submitter
            cap = _point(replace(case, mode="server_capacity"), r, eff)
            score = float(cap.output_tokens_per_s) * replicas if cap is not None else -1.0
        val = _value(case, pt, replicas)
        if best is None or score > best[0]:
            best = (score, val, t)
    if best is None:
        return float("nan"), 0
    return best[1], best[2]


def ape(predicted: float, measured: float) -> float:
    """Absolute percentage error [%]."""
    return abs(predicted - measured) / measured * 100.0 if np.isfinite(predicted) else float("inf")
