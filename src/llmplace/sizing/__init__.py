"""Sizing engine: memory, throughput and latency of a model on a GPU, calibrated on measurements.

Public API (used by ``llmplace size`` and the cost engine)::

    estimate(model, gpu, gpus, precision, engine="vllm", input_tokens=1000, output_tokens=1000,
             concurrency=None, kv_precision=None, ttft_ms=None, tpot_ms=None, rps=None,
             peak_to_average=1.0) -> SizingResult
    estimate_speculative(..., speculative=resolve_speculation("eagle")) -> SizingResult  (same parameters)
    min_gpus(model, gpu, precision, input_tokens, output_tokens, kv_precision=None, max_gpus=8) -> int | None

Replicas over several servers, expert parallelism and DP attention: ``parallel.layout_for(gpus, pp=0,
expert_parallel=False, dp_attention=False, tp_across_nodes=False, fabric=None)`` -> ``Layout`` and
``multinode.estimate_layout(model, gpu, layout, precision, ...)`` -> ``(SizingResult, LayoutInfo)``; the
network between servers is :mod:`.fabric` (``data/fabrics.csv``, ``data/unit_fabrics.csv``).

``model`` and ``gpu`` are catalog rows (:class:`~llmplace.catalog.specs.ModelSpec`,
:class:`~llmplace.catalog.specs.GpuSpec`), not names. Modules: :mod:`.memory` (weights, KV cache, fit),
:mod:`.performance` (phase-aware step times, serving regimes, roofline), :mod:`.speculative` (speculative
decoding: ``resolve_speculation(method, ...)`` gives the ``speculative`` argument), :mod:`.efficiency` (calibrated
factors in ``data/efficiency.csv``), :mod:`.calibration` (the measured rows and their interpretation);
``benchmarks/sizing_accuracy.py`` replays the measurements and refits the factors.
"""

from __future__ import annotations

from .document import ParallelAsk, size_document
from .efficiency import ENGINES, Efficiency, default_efficiency, ideal_efficiency
from .estimate import DEFAULT_ENGINE, SizingResult, estimate, min_gpus
from .memory import (
    PRECISIONS,
    default_kv_precision,
    kv_bytes_per_token,
    max_concurrency_kv,
    weight_bytes,
)
from .spec_estimate import SpeculativeSizingResult, estimate_speculative
from .speculative import Speculation, SpeculativeResult, resolve_speculation

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "Efficiency",
    "PRECISIONS",
    "ParallelAsk",
    "SizingResult",
    "Speculation",
    "SpeculativeResult",
    "SpeculativeSizingResult",
    "default_efficiency",
    "default_kv_precision",
    "estimate",
    "estimate_speculative",
    "ideal_efficiency",
    "kv_bytes_per_token",
    "max_concurrency_kv",
    "min_gpus",
    "resolve_speculation",
    "size_document",
    "weight_bytes",
]
