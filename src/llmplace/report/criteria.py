"""The criteria section: each option's 0-10 scores beyond cost, the weights, the rank and the reasons.

The scores and the weights are the criteria step's own (``OptionResult.criteria``, ``CompareResult.weights``),
rounded for the table; the same score grid feeds the table and the heat map.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..results import CompareResult, OptionCriteria
from .formatting import option_names, pretty
from .model import CriteriaData, CriteriaOption, Section
from .tables import Cell, Table, section_table

__all__ = ["ScoreGrid", "criteria", "score_grid"]

WHAT = "Criteria scores"
SCORES_TITLE = "Scores beyond cost (0 to 10, higher is better)"


@dataclass(frozen=True)
class ScoreGrid:
    """The options that have scores, best ranked first, and every criterion any of them is scored on."""

    per: dict[str, OptionCriteria]
    ids: list[str]
    criteria: list[str]
    shares: dict[str, float]

    def score(self, option_id: str, criterion: str) -> float | None:
        """The option's score on the criterion, to one decimal (None where it has none)."""
        s = self.per[option_id].scores.get(criterion)
        return round(s.score, 1) if s is not None else None

    def total(self, option_id: str) -> float | None:
        wt = self.per[option_id].weighted_total
        return round(wt, 2) if wt is not None else None

    def rank(self, option_id: str) -> Cell:
        c = self.per[option_id]
        if c.rank is not None:
            return c.rank
        return "-" if c.eligible else "excluded"

    def rows(self) -> list[tuple[str, str, list[float | None]]]:
        """(row name, weight, one value per option) for each criterion and the weighted total."""
        rows = [(pretty(k), f"{self.shares[k]:.0%}" if k in self.shares else "-",
                 [self.score(i, k) for i in self.ids]) for k in self.criteria]
        rows.append(("weighted total (0-10)", "100%" if self.shares else "-", [self.total(i) for i in self.ids]))
        return rows


def score_grid(result: CompareResult) -> ScoreGrid | None:
    """The grid of scores, or None when the criteria step scored no option."""
    per = {o.id: o.criteria for o in result.options if o.criteria is not None and o.criteria.scores}
    if not per:
        return None
    crits: list[str] = []
    for c in per.values():
        crits += [k for k in c.scores if k not in crits]
    ids = sorted(per, key=lambda i: (per[i].rank is None, per[i].rank or 0, -(per[i].weighted_total or 0)))
    shares = result.weights.shares if result.weights is not None else {}
    return ScoreGrid(per=per, ids=ids, criteria=crits, shares=shares)


def _tables(grid: ScoreGrid, names: dict[str, str]) -> list[Table]:
    rows: list[list[Cell]] = [[name, weight, *values] for name, weight, values in grid.rows()]
    rows.append(["rank", "", *[grid.rank(i) for i in grid.ids]])
    tables = [section_table(SCORES_TITLE, ["criterion", "weight", *[names.get(i, i) for i in grid.ids]], rows)]
    excluded: list[list[Cell]] = [[names.get(i, i), "; ".join(grid.per[i].excluded_by)]
                                  for i in grid.ids if grid.per[i].excluded_by]
    if excluded:
        tables.append(section_table("Excluded by a hard constraint", ["option", "reason"], excluded))
    why: list[list[Cell]] = [
        [pretty(k), names.get(i, i), grid.score(i, k), s.reason, s.basis]
        for k in grid.criteria for i in grid.ids if (s := grid.per[i].scores.get(k)) is not None]
    tables.append(section_table("Why each score", ["criterion", "option", "score", "reason", "basis"], why,
                                collapsed=True))
    return tables


def criteria(result: CompareResult) -> Section[CriteriaData]:
    """Scores beyond cost: from each option's ``criteria`` and the result's ``weights``."""
    grid = score_grid(result)
    if grid is None:
        return Section[CriteriaData].absent(WHAT)
    options = {i: CriteriaOption(scores={k: grid.score(i, k) for k in grid.criteria},
                                 weighted_total=grid.per[i].weighted_total, rank=grid.per[i].rank,
                                 eligible=grid.per[i].eligible) for i in grid.ids}
    w = result.weights
    note = f"Weights: {w.profile} profile ({w.source})." if w is not None else None
    return Section[CriteriaData](computed=True, what=WHAT, note=note, data=CriteriaData(weights=w, options=options),
                                 tables=_tables(grid, option_names(result)))
