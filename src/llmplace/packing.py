"""Whole replicas packed into whole units (servers, instances, GPUs), and money split in whole cents.

Pure helpers of the portfolio plans: :func:`pack_servers` places replicas first-fit decreasing;
:func:`pack_slices` places replicas on MIG-style slices into GPUs (a GPU in MIG mode holds only slices);
:func:`pack_units` does both, the GPUs of slices being one-GPU items of the servers;
:func:`cents_adding_up` rounds a showback so that its parts add up to the plan's total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .catalog.mig import COMPUTE_SLICES, MEMORY_SLICES

__all__ = ["SliceShape", "cents_adding_up", "pack_servers", "pack_slices", "pack_units", "packed_units"]



@dataclass(frozen=True, order=True)
class SliceShape:
    """A MIG-style slice as packing sees it: its memory and compute slices, and how many of it one GPU holds."""

    memory_eighths: int
    compute_sevenths: int
    max_per_gpu: int

    @property
    def per_gpu(self) -> int:
        """Slices of this shape one GPU holds on its own."""
        return min(self.max_per_gpu, COMPUTE_SLICES // self.compute_sevenths, MEMORY_SLICES // self.memory_eighths)


def pack_servers(replicas: Sequence[tuple[int, int]], gpus_per_server: int) -> int:
    """Servers that hold ``replicas`` [(count, GPUs per replica), ...] packed first-fit decreasing.

    A replica never spans servers. Items of one size are placed first into the room the larger ones left,
    then into new servers of ``gpus_per_server // size`` replicas each; so the count never exceeds
    ``sum(ceil(count / (gpus_per_server // size)))``, the servers of separate fleets.
    """
    free: list[int] = []  # GPUs left on each open server, in opening order
    for count, size in sorted(replicas, key=lambda r: -r[1]):
        if size > gpus_per_server:
            raise ValueError(f"a replica of {size} GPUs does not fit a server of {gpus_per_server}")
        left = int(count)
        for k, room in enumerate(free):
            if left == 0:
                break
            fit = min(room // size, left)
            free[k] -= fit * size
            left -= fit
        per_server = gpus_per_server // size
        while left > 0:
            fit = min(per_server, left)
            free.append(gpus_per_server - fit * size)
            left -= fit
    return len(free)


def cents_adding_up(total_usd: float, parts: list[float]) -> list[float]:
    """``parts`` in whole cents adding up to ``total_usd`` in whole cents (largest remainders get the rest)."""
    want = round(total_usd * 100)
    raw = [p * 100 for p in parts]
    cents = [int(np.floor(r)) for r in raw]
    order = sorted(range(len(raw)), key=lambda k: cents[k] - raw[k])
    for k in order[: want - sum(cents)]:
        cents[k] += 1
    return [c / 100 for c in cents]


def pack_slices(slices: Sequence[tuple[int, SliceShape]]) -> int:
    """GPUs in MIG mode that hold ``slices`` [(count, shape), ...], first-fit decreasing.

    A GPU holds slices whose compute slices add up to at most 7 and memory slices to at most 8, and at most
    ``max_per_gpu`` of each shape (two budgets and a count: NVIDIA's placement table is not modelled slice by
    slice). As in :func:`pack_servers`, slices of one shape first fill the room larger ones left, then new GPUs of
    ``per_gpu`` slices each: never more GPUs than ``sum(ceil(count / per_gpu))``.
    """
    gpus: list[tuple[int, int, dict[SliceShape, int]]] = []  # compute and memory slices left, slices held
    for count, shape in sorted(slices, key=lambda x: x[1], reverse=True):
        left = int(count)
        for k, (comp, mem, held) in enumerate(gpus):
            if left == 0:
                break
            fit = min(comp // shape.compute_sevenths, mem // shape.memory_eighths,
                      shape.max_per_gpu - held.get(shape, 0), left)
            if fit > 0:
                gpus[k] = (comp - fit * shape.compute_sevenths, mem - fit * shape.memory_eighths,
                           {**held, shape: held.get(shape, 0) + fit})
                left -= fit
        while left > 0:
            fit = min(shape.per_gpu, left)
            gpus.append((COMPUTE_SLICES - fit * shape.compute_sevenths, MEMORY_SLICES - fit * shape.memory_eighths,
                         {shape: fit}))
            left -= fit
    return len(gpus)


def pack_units(replicas: Sequence[tuple[int, int]], slices: Sequence[tuple[int, SliceShape]],
               gpus_per_unit: int) -> int:
    """Servers (or instances) holding whole-GPU ``replicas`` [(count, GPUs per replica)] and the GPUs that
    :func:`pack_slices` fills with ``slices``."""
    mig_gpus = pack_slices(slices) if slices else 0
    return pack_servers([*replicas, *([(mig_gpus, 1)] if mig_gpus else [])], gpus_per_unit)


def packed_units(items: Sequence[tuple[Any, int, SliceShape | None]], gpus_per_unit: int) -> NDArray[np.int64]:
    """Units needed element by element (each month, or month and bin) by ``items``: (counts, GPUs per replica,
    None) for whole-GPU replicas, (counts, 0, shape) for replicas on slices; counts are arrays of one shape."""
    flat = np.stack([np.asarray(c, dtype=np.int64).reshape(-1) for c, _, _ in items], axis=-1)
    rows, where = np.unique(flat, axis=0, return_inverse=True)  # months and bins often repeat the same counts
    out = []
    for row in rows:
        whole = [(int(n), g) for n, (_, g, sh) in zip(row, items, strict=True) if sh is None]
        parts = [(int(n), sh) for n, (_, _, sh) in zip(row, items, strict=True) if sh is not None]
        out.append(pack_units(whole, parts, gpus_per_unit))
    return np.asarray(out, dtype=np.int64)[np.reshape(where, -1)].reshape(np.shape(items[0][0]))
