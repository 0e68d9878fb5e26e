"""The two axes of a decision map: ``PATH=LOW:HIGH[:log][:N]``, their values and their cell boundaries."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["DEFAULT_STEPS", "MAX_STEPS", "Axis", "parse_axis"]

DEFAULT_STEPS = 20  #: values per axis when the spec names none
MAX_STEPS = 200  #: values per axis at most
ALLOWED = "PATH=LOW:HIGH[:log][:N], e.g. workload.requests_per_month=1e5:1e8:log:30"


@dataclass(frozen=True)
class Axis:
    """One axis of a map: the input path and the values it takes."""

    path: str
    low: float
    high: float
    log: bool = False
    steps: int = DEFAULT_STEPS

    def values(self) -> list[float]:
        if self.log:
            return [float(v) for v in np.geomspace(self.low, self.high, self.steps)]
        return [float(v) for v in np.linspace(self.low, self.high, self.steps)]

    def edges(self) -> list[float]:
        """Cell boundaries: midpoints between neighbouring values (geometric on a log axis), half a step
        beyond the first and the last value."""
        v = np.asarray(self.values())
        t = np.log(v) if self.log else v
        mid = (t[1:] + t[:-1]) / 2.0
        e = np.concatenate([[t[0] - (t[1] - t[0]) / 2.0], mid, [t[-1] + (t[-1] - t[-2]) / 2.0]])
        return [float(x) for x in (np.exp(e) if self.log else e)]

    def spec(self) -> str:
        return f"{self.path}={self.low:g}:{self.high:g}{':log' if self.log else ''}:{self.steps}"


def parse_axis(spec: str, field: str) -> Axis:
    """``PATH=LOW:HIGH[:log][:N]``, e.g. ``workload.requests_per_month=1e5:1e8:log:30``."""
    if not isinstance(spec, str):
        raise InputError(field, spec, ALLOWED)
    path, eq, rng = spec.partition("=")
    parts = rng.split(":")
    if not eq or not path.strip() or len(parts) < 2 or len(parts) > 4:
        raise InputError(field, spec, ALLOWED)
    log = "log" in parts[2:]
    rest = [p for p in parts[2:] if p != "log"]
    try:
        low, high = float(parts[0]), float(parts[1])
        steps = int(rest[0]) if rest else DEFAULT_STEPS
    except ValueError:
        raise InputError(field, spec, ALLOWED) from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high or (log and low <= 0):
        raise InputError(field, spec, "finite LOW < HIGH (LOW > 0 on a log axis)")
    if not 2 <= steps <= MAX_STEPS or len(rest) > 1:
        raise InputError(field, spec, f"N from 2 to {MAX_STEPS} steps")
    return Axis(path.strip(), low, high, log, steps)
