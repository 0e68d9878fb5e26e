"""What a decision map needs to re-score the money-driven criteria of an option in every cell of a grid.

The scorers in :mod:`.scores` read one point's facts. Two of their inputs are fixed per option whatever the
cell: the share of each cost category's spend that moves with usage or market prices (``exposure.*`` rows of
``option_facts.csv``) and the maintenance skills penalty (``criteria_traits.csv``). This module reads both once
from the scenario's own comparison, through the same functions the scorers use, so a map's per-cell scores
(:mod:`llmplace.maps`) follow the same formulas and rows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..results import CompareResult
from ..scenario.criteria_settings import Constraints, CriteriaSettings
from .facts import OptionFacts, gather
from .scores import HALF_SCORE_FTE, ScoreContext, exposure_share, trait_for

__all__ = ["HALF_SCORE_FTE", "OptionConstants", "option_constants"]


class OptionConstants:
    """Per option: the exposure of a cost category [share] and the maintenance skills penalty [points]."""

    def __init__(self, facts: OptionFacts, skills_penalty: float) -> None:
        self._facts, self.skills_penalty = facts, skills_penalty
        self._exposure: dict[str, float] = {}

    def exposure(self, category: str) -> float:
        """The share of the category's spend that moves with usage or market prices (``exposure.*`` rows)."""
        if category not in self._exposure:
            self._exposure[category] = exposure_share(replace(self._facts, by_category_usd={category: 1.0}))[0]
        return self._exposure[category]


class _View:
    def __init__(self, s: Any) -> None:
        self._s = s
        self.constraints = getattr(s, "constraints", None) or Constraints()
        self.criteria = getattr(s, "criteria", None) or CriteriaSettings()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s, name)


def option_constants(scenario: Any, result: CompareResult) -> dict[str, OptionConstants]:
    """Exposure per cost category and skills penalty of every non-hybrid option that has criteria scores."""
    ctx = ScoreContext(reference=[], scenario=_View(scenario), availability={}, latency={})
    out: dict[str, OptionConstants] = {}
    for f in gather(scenario, result):
        if f.kind == "hybrid" or f.result.criteria is None:
            continue
        out[f.id] = OptionConstants(f, trait_for("maintenance_skills", f, ctx)[0])
    return out
