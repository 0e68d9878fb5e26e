"""MIG-style partitions of a GPU: the profiles ``mig.csv`` lists per GPU id, as NVIDIA's MIG user guide gives them.

A profile ``<c>g.<m>gb`` holds ``c`` of the GPU's 7 compute slices (``sms`` of the GPU's ``gpu_sms``
streaming multiprocessors, as ``nvidia-smi mig -lgip`` lists them: fewer than ``c / 7`` of them) and ``m`` of its
8 memory slices (``usable_memory_gib`` of memory, a little under the nominal GB, and that fraction of its memory
bandwidth, since each memory slice brings its own memory controllers and L2 share); ``max_instances`` is how
many of that profile one GPU holds. Profiles with media extensions (``+me``) are left out: they add video
decoders, nothing an LLM replica uses.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["COMPUTE_SLICES", "MEMORY_SLICES", "MigProfile", "mig_profiles"]

COMPUTE_SLICES = 7  #: compute slices of a MIG-capable GPU (A100, H100, H200, B200), per NVIDIA's MIG user guide
MEMORY_SLICES = 8  #: memory slices of the same GPUs


class MigProfile(BaseModel):
    """One MIG profile of one GPU: its memory, its share of the compute and memory slices, dated and sourced."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    gpu: str = Field(description="GPU id of gpus.csv")
    profile: str = Field(description="NVIDIA's profile name, e.g. 1g.10gb")
    memory_gb: float = Field(gt=0, description="the profile's nominal memory [GB]")
    compute_sevenths: int = Field(ge=1, le=COMPUTE_SLICES, description="compute slices of 7 (fraction of SMs)")
    memory_eighths: int = Field(ge=1, le=MEMORY_SLICES, description="memory slices of 8 (memory and bandwidth)")
    max_instances: int = Field(ge=1, le=COMPUTE_SLICES, description="instances of this profile one GPU holds")
    sms: int = Field(ge=1, description="streaming multiprocessors of the slice (nvidia-smi mig -lgip, SM column)")
    gpu_sms: int = Field(ge=1, description="SMs of the whole GPU as its sizing counts them (its dense TFLOPs)")
    usable_memory_gib: float = Field(gt=0, description="memory the slice exposes [GiB] (nvidia-smi mig -lgip)")
    as_of: str
    source: str
    notes: str | None = None

    @property
    def compute_share(self) -> float:
        """Its compute slices of the GPU's 7 (what it occupies when slices are placed)."""
        return self.compute_sevenths / COMPUTE_SLICES

    @property
    def compute_fraction(self) -> float:
        """The share of the whole GPU's compute it holds: its SMs of the GPU's (a 1g slice of an H100 SXM holds
        16 of 132 SMs, 0.121, not 1/7 = 0.143; the 7 slices of an A100 hold 98 of its 108)."""
        return min(self.sms / self.gpu_sms, 1.0)

    @property
    def memory_share(self) -> float:
        return self.memory_eighths / MEMORY_SLICES

    @property
    def gpu_share(self) -> float:
        """The share of a GPU the slice takes: the larger of its compute and memory shares."""
        return max(self.compute_share, self.memory_share)


@cache
def _all() -> tuple[MigProfile, ...]:
    from . import _typed  # the same reader and validation as every bundled table

    return tuple(_typed("mig.csv", MigProfile))


def mig_profiles(gpu_id: str) -> list[MigProfile]:
    """The MIG profiles of ``gpu_id`` (none: the GPU is not partitioned), smallest first."""
    rows = [p for p in _all() if p.gpu == gpu_id]
    return sorted(rows, key=lambda p: (p.memory_eighths, p.compute_sevenths))
