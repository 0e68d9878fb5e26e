"""One tidy row per (scenario, option): what a worker computes for a chunk of scenarios.

Rows are plain dictionaries of str, int, float, bool and None, so they cross process and machine
boundaries cheaply and become one Arrow table. The TCO is the cash view over the scenario's horizon. Money
columns keep their ``_usd`` names (readers select them by name) but hold the row's ``currency``
(the scenario's finance.currency).
"""

from __future__ import annotations

import copy
from typing import Any

from ..decision import compare
from ..errors import InputError
from ..results import CompareResult, OptionResult
from ..scenario.loading import scenario_from_document
from .spec import Task

__all__ = ["ROW_FIELDS", "run_chunk", "scenario_rows"]

#: the table's columns after the scenario's own key columns, in order
ROW_FIELDS = ("scenario_index", "scenario_key", "option_index", "option_id", "kind", "label", "feasible",
              "eligible", "excluded_by", "infeasible_reason", "currency", "tco_usd", "npv_usd", "upfront_usd",
              "usd_per_mtok", "peak_units", "unit_kind", "served_share", "recommended", "cheapest",
              "tco_p10_usd", "tco_p90_usd", "probability_cheapest", "error")


def _option_row(o: OptionResult, result: CompareResult) -> dict[str, Any]:
    crit, risk = o.criteria, o.risk
    recommended = result.recommendation.option if result.recommendation is not None else None
    return {
        "option_id": o.id, "kind": o.kind, "label": o.label, "feasible": o.feasible,
        "eligible": crit.eligible if crit is not None else None,
        "excluded_by": "; ".join(crit.excluded_by) if crit is not None and crit.excluded_by else None,
        "infeasible_reason": o.infeasible_reason, "currency": result.convention.currency,
        "tco_usd": o.tco_usd if o.feasible else None, "npv_usd": o.npv_usd if o.feasible else None,
        "upfront_usd": o.upfront_usd if o.feasible else None, "usd_per_mtok": o.usd_per_mtok,
        "peak_units": o.peak_units, "unit_kind": o.unit_kind, "served_share": o.served_share,
        "recommended": o.id == recommended, "cheapest": o.id == result.cheapest,
        "tco_p10_usd": risk.tco_usd.p10 if risk is not None else None,
        "tco_p90_usd": risk.tco_usd.p90 if risk is not None else None,
        "probability_cheapest": risk.probability_cheapest if risk is not None else None,
        "error": None,
    }


def scenario_rows(task: Task, samples: int, seed: int | None) -> list[dict[str, Any]]:
    """The rows of one scenario; a scenario the model refuses gives one row with its one-line error."""
    head = {**task.columns, "scenario_index": task.index, "scenario_key": task.key}
    try:
        scenario = scenario_from_document(copy.deepcopy(task.document), task.folder)
        result = compare(scenario, samples=samples, seed=seed)
    except InputError as exc:
        blank = dict.fromkeys(ROW_FIELDS)
        return [{**blank, **head, "error": str(exc)}]
    return [{**head, "option_index": i, **_option_row(o, result)} for i, o in enumerate(result.options)]


def run_chunk(tasks: list[Task], samples: int, seed: int | None) -> list[dict[str, Any]]:
    """The rows of a chunk of scenarios (what one worker runs in one go)."""
    return [row for task in tasks for row in scenario_rows(task, samples, seed)]
