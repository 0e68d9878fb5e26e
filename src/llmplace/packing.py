"""Whole replicas packed into whole units (servers, instances, GPUs), and money split in whole cents.

Pure helpers of the portfolio plans: :func:`pack_servers` places replicas first-fit decreasing;
:func:`cents_adding_up` rounds a showback so that its parts add up to the plan's total.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["cents_adding_up", "pack_servers"]


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
