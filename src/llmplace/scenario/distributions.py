"""Uncertain inputs: distributions for numeric scenario fields and the Monte Carlo settings.

A distribution is given either under ``uncertainty.inputs`` with the path of its field, or inline in
place of a number (``{low, mode, high}``, ``{p10, p90}`` or a list of values);
:func:`collect_distributions` moves inline ones to ``uncertainty.inputs`` and leaves their point value.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

import annotated_types as at
from pydantic import BaseModel, Field, ValidationError, model_validator

from ..conventions import DEFAULT_SAMPLES, MAX_SAMPLES, MIN_SAMPLES
from ..errors import InputError
from .base import StrictModel

if TYPE_CHECKING:
    from .schema import Scenario

__all__ = ["UncertainInput", "Uncertainty", "check_support", "collect_distributions"]


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
    def support(self) -> tuple[float, float]:
        """The lowest and highest value a draw can take (a lognormal is unbounded above, above zero)."""
        if self.dist in ("triangular", "pert"):
            return float(self.low), float(self.high)  # type: ignore[arg-type]
        if self.dist == "lognormal":
            return 0.0, float("inf")
        vals = self.values or [0.0]
        return float(min(vals)), float(max(vals))

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

    samples: int = Field(DEFAULT_SAMPLES, ge=MIN_SAMPLES, le=MAX_SAMPLES,
                         description="Monte Carlo samples of the CLI, the web app and the REST API unless the "
                                     "request names a count; of the Python compare() when inputs are listed")
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




_OPTION_FIELD = re.compile(r"^options(?:\[(\d+)\]|\.([^.]+))\.([^.]+)$")


def _field_model(s: Scenario, path: str) -> tuple[BaseModel, str] | None:
    """The scenario section (or option) and field name ``path`` names, or None when it names no plain field."""
    m = _OPTION_FIELD.match(path)
    if m is not None:
        ids = [o.id for o in s.options]
        if m.group(1) is not None:
            i = int(m.group(1))
        elif m.group(2) in ids:
            i = ids.index(m.group(2))
        else:
            return None
        return (s.options[i], m.group(3)) if i < len(s.options) else None
    section, _, key = path.partition(".")
    model = getattr(s, section, None) if section in ("workload", "finance", "site") else None
    return (model, key) if isinstance(model, BaseModel) and "." not in key else None


def _limits(model: BaseModel, key: str) -> tuple[float | None, bool, float | None, bool]:
    """(lowest, strictly above?, highest, strictly below?) of a field from its schema constraints."""
    info = type(model).model_fields.get(key)
    lo = hi = None
    lo_strict = hi_strict = False
    for c in info.metadata if info is not None else []:
        if isinstance(c, at.Ge):
            lo = float(c.ge)  # type: ignore[arg-type]
        elif isinstance(c, at.Gt):
            lo, lo_strict = float(c.gt), True  # type: ignore[arg-type]
        elif isinstance(c, at.Le):
            hi = float(c.le)  # type: ignore[arg-type]
        elif isinstance(c, at.Lt):
            hi, hi_strict = float(c.lt), True  # type: ignore[arg-type]
    return lo, lo_strict, hi, hi_strict


def check_support(s: Scenario) -> None:
    """Every explicit distribution's whole range lies within its field's limits (InputError otherwise).

    Only the central value passes through the schema; without this check a ``{low: -50, mode: 10,
    high: 20}`` price would let Monte Carlo draw negative prices.
    """
    for inp in s.uncertainty.inputs:
        found = _field_model(s, inp.path)
        if found is None:
            continue
        lo, lo_strict, hi, hi_strict = _limits(*found)
        low, high = inp.support
        below = lo is not None and (low < lo or (lo_strict and low <= lo and inp.dist != "lognormal"))
        above = hi is not None and (high > hi or (hi_strict and high >= hi))
        if below or above:
            limits = " and ".join(
                f"{op} {v:g}" for op, v in ((">" if lo_strict else ">=", lo), ("<" if hi_strict else "<=", hi))
                if v is not None)
            shown = "unbounded above" if high == float("inf") else f"{low:g} to {high:g}"
            raise InputError(f"uncertainty input {inp.path}", shown,
                             f"a distribution whose every draw is {limits} (the field's limits)")
