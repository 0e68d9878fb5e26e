"""A replica on a MIG-style slice of a GPU, sized as a smaller GPU.

A slice of profile ``<c>g.<m>gb`` (:class:`~llmplace.catalog.mig.MigProfile`) is modelled as one GPU with

* memory: the memory the slice exposes (``usable_memory_gib``, as ``nvidia-smi mig -lgip`` lists it: 9.75 GiB
  for an H100 1g.10gb), at most ``m / 8`` of the GPU's;
* memory bandwidth: ``m / 8`` of the GPU's (each memory slice brings its share of memory controllers and L2);
* dense compute (every precision): its SMs of the whole GPU's (``sms / gpu_sms``: 16 of 132 for an H100 1g slice,
  0.121 of the GPU, not ``c / 7`` = 0.143);
* no interconnect to other GPUs (a replica on a slice is one slice: tensor parallelism across slices is not
  modelled).

The same calibrated efficiencies as on the whole GPU are used: the slice is assumed to run as efficiently as the
GPU it is cut from (an assumption the output states: no measurement of MIG slices is bundled).
"""

from __future__ import annotations

from typing import Any

from ..catalog.mig import MigProfile
from ..catalog.specs import GpuSpec, ModelSpec
from .estimate import DEFAULT_ENGINE, SizingResult, estimate

__all__ = ["SLICE_ASSUMPTION", "estimate_on_slice", "slice_gpu"]

SLICE_ASSUMPTION = ("a replica on a MIG slice is sized as a GPU with the slice's usable memory, its share of the "
                    "memory slices of the bandwidth and its SMs' share of the compute, at the whole GPU's "
                    "calibrated efficiency (no MIG measurement bundled)")


def slice_gpu(gpu: GpuSpec, profile: MigProfile) -> GpuSpec:
    """``gpu`` cut to ``profile``: memory, bandwidth and dense compute scaled as the module says."""
    if profile.gpu != gpu.id:
        raise ValueError(f"profile {profile.profile} is a profile of {profile.gpu}, not of {gpu.id}")
    c, m = profile.compute_fraction, profile.memory_share

    def scaled(x: float | None) -> float | None:
        return None if x is None else x * c

    return gpu.model_copy(update={
        "id": f"{gpu.id}:{profile.profile}", "name": f"{gpu.name}, MIG {profile.profile}",
        "memory_gb": min(profile.usable_memory_gib, gpu.memory_gb * m),
        "memory_bandwidth_tbps": gpu.memory_bandwidth_tbps * m,
        "fp16_dense_tflops": gpu.fp16_dense_tflops * c, "fp8_dense_tflops": scaled(gpu.fp8_dense_tflops),
        "int8_dense_tops": scaled(gpu.int8_dense_tops), "fp4_dense_tflops": scaled(gpu.fp4_dense_tflops),
        "tdp_w": scaled(gpu.tdp_w), "scale_up_domain_gpus": 1,
    })


def estimate_on_slice(model: ModelSpec, gpu: GpuSpec, profile: MigProfile, precision: str,
                      engine: str = DEFAULT_ENGINE, **kwargs: Any) -> SizingResult:
    """:func:`~llmplace.sizing.estimate` of one replica on one slice of ``gpu`` (``kwargs``: its other
    arguments: lengths, latency targets, concurrency, ...)."""
    return estimate(model, slice_gpu(gpu, profile), 1, precision, engine, **kwargs)
