"""Uncertain inputs: distributions for numeric scenario fields and the Monte Carlo settings.

A distribution is given either under ``uncertainty.inputs`` with the path of its field, or inline in
place of a number (``{low, mode, high}``, ``{p10, p90}`` or a list of values);
:func:`collect_distributions` moves inline ones to ``uncertainty.inputs`` and leaves their point value.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from ..conventions import DEFAULT_SCENARIO_SAMPLES, MAX_SAMPLES, MIN_SAMPLES
from ..errors import InputError
from .base import StrictModel

__all__ = ["UncertainInput", "Uncertainty", "collect_distributions"]


class UncertainInput(StrictModel):
    """A distribution for one numeric input of the scenario.

    Give ``low``/``mode``/``high`` (triangular, or PERT with ``dist: pert``), ``p10``/``p90``
    (lognormal), or ``values`` (each equally likely). ``path`` names the field, e.g.
    ``workload.requests_per_month`` or ``options.own-8xh100.purchase_usd`` (an option by id or index).
    """

    path: str
    dist: Literal["triangular", "pert", "lognormal", "discrete"] | None = None
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    p10: float | None = None
    p90: float | None = None
    values: list[float] | None = None

    @model_validator(mode="after")
    def _kind(self) -> UncertainInput:
        tri = (self.low, self.mode, self.high)
        if all(v is not None for v in tri):
            lo, mo, hi = tri  # type: ignore[misc]
            if not lo <= mo <= hi:  # type: ignore[operator]
                raise ValueError("needs low <= mode <= high")
            if self.dist not in (None, "triangular", "pert"):
                raise ValueError("low/mode/high describe a triangular or pert distribution")
            if self.dist is None:
                self.dist = "triangular"
        elif self.p10 is not None and self.p90 is not None:
            if not 0 < self.p10 <= self.p90:
                raise ValueError("needs 0 < p10 <= p90 (lognormal)")
            self.dist = "lognormal"
        elif self.values:
            self.dist = "discrete"
        else:
            raise ValueError("give low, mode and high; or p10 and p90; or a list of values")
        return self

    @property
    def point(self) -> float:
        """The value the deterministic result uses: the mode, the lognormal median, the middle value."""
        if self.dist in ("triangular", "pert"):
            return float(self.mode)  # type: ignore[arg-type]
        if self.dist == "lognormal":
            return float((self.p10 * self.p90) ** 0.5)  # type: ignore[operator]
        vals = sorted(self.values or [])
        return float(vals[len(vals) // 2]) if len(vals) % 2 else float(sum(vals[len(vals) // 2 - 1:][:2]) / 2)


class Uncertainty(StrictModel):
    """Monte Carlo settings and the uncertain inputs (inline distributions are collected here too)."""

    samples: int = Field(DEFAULT_SCENARIO_SAMPLES, ge=MIN_SAMPLES, le=MAX_SAMPLES,
                         description="Monte Carlo samples when sampling is asked for")
    seed: int = Field(0, ge=0, description="random seed: the same seed gives the same numbers")
    defaults: bool = Field(True, description="add the documented default uncertainty for common inputs")
    inputs: list[UncertainInput] = Field(default_factory=list)


_DIST_KEYS = {"low", "mode", "high", "p10", "p90", "values", "dist"}
_NOT_NUMERIC_LISTS = {"hourly_weights", "monthly_multipliers", "options", "bursts", "inputs", "values"}


def _collect_distributions(node: Any, path: str, found: list[dict[str, Any]]) -> Any:
    """Replace inline distributions by their point value and record them with their path."""
    if isinstance(node, dict):
        if node and set(node) <= _DIST_KEYS and any(k in node for k in ("low", "p10", "values")):
            try:
                dist = UncertainInput.model_validate({"path": path, **node})
            except ValidationError as exc:
                raise InputError(path, node, exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
            found.append(dist.model_dump(exclude_none=True))
            return dist.point
        return {k: _collect_distributions(v, f"{path}.{k}" if path else str(k), found)
                for k, v in node.items() if not (path == "" and k == "uncertainty")} | (
            {"uncertainty": node["uncertainty"]} if path == "" and "uncertainty" in node else {})
    if isinstance(node, list):
        key = path.rsplit(".", 1)[-1]
        if key not in _NOT_NUMERIC_LISTS and node and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in node):
            dist = UncertainInput(path=path, values=[float(v) for v in node])
            found.append(dist.model_dump(exclude_none=True))
            return dist.point
        return [_collect_distributions(v, f"{path}[{i}]", found) for i, v in enumerate(node)]
    return node


def collect_distributions(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with inline distributions replaced by point values and listed under ``uncertainty.inputs``."""
    found: list[dict[str, Any]] = []
    out = _collect_distributions(doc, "", found)
    if found:
        unc = dict(out.get("uncertainty") or {})
        unc["inputs"] = list(unc.get("inputs") or []) + found
        out["uncertainty"] = unc
    return dict(out)


