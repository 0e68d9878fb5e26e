"""A portfolio: several workloads in one file, each compared on the options they share.

A portfolio document is a scenario whose single ``workload`` is replaced by ``workloads``, a list of
entries ``{id, workload, model?, latency?, constraints?}``. Each entry becomes one ordinary
:class:`~llmplace.scenario.schema.Scenario`: the file's other sections (options, site, finance, criteria,
uncertainty) with the entry's workload, and the entry's model, latency and constraints in place of the
file's where it gives them. A portfolio of one workload is therefore exactly the single-workload scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from ..errors import InputError
from .base import StrictModel
from .criteria_settings import Constraints
from .loading import parse_scenario, read_document, relative_to_file
from .schema import Latency, ModelChoice, Scenario, Workload

__all__ = ["MAX_WORKLOADS", "Portfolio", "PortfolioEntry", "is_portfolio", "load_any", "load_portfolio",
           "parse_portfolio"]

MAX_WORKLOADS = 20  #: workloads per portfolio (each is compared on every option)
_OWN = ("model", "latency", "constraints")  # what an entry may give in place of the file's


class PortfolioEntry(StrictModel):
    """One workload of a portfolio, with what differs from the file's sections."""

    id: str = Field(min_length=1, max_length=200, description="short id of the workload (a team or product)")
    workload: Workload
    model: ModelChoice | None = Field(None, description="the model this workload serves; default: the file's model")
    latency: Latency | None = Field(None, description="this workload's latency targets; default: the file's")
    constraints: Constraints | None = Field(
        None, description="this workload's hard constraints; default: the file's (the regulated workload may not "
                          "leave the building while the public one may)")


class Portfolio(StrictModel):
    """The workloads of a portfolio, each as a complete single-workload scenario."""

    name: str
    scenarios: list[tuple[str, Scenario]]  #: (workload id, its scenario), in file order
    #: per workload, in file order, the sections (model, latency, constraints) its entry gives in place of the file's
    own_sections: list[list[str]] = Field(default_factory=list)

    def field_of(self, i: int, field: str) -> str:
        """Where ``field`` of workload ``i``'s scenario is written in the file: ``workloads[i].<field>`` for its
        workload and the sections its entry gives itself, else the file's own section."""
        head = field.split(".")[0].split("[")[0]
        own = self.own_sections[i] if i < len(self.own_sections) else []
        return f"workloads[{i}].{field}" if head == "workload" or head in own else field


def is_portfolio(data: Any) -> bool:
    """Whether a parsed document is a portfolio (it has ``workloads``)."""
    return isinstance(data, dict) and "workloads" in data


def _entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    if "workload" in data:
        raise InputError("workloads", "workload and workloads", "either workload (one) or workloads (a list of "
                         "{id, workload, model?, latency?, constraints?}), not both")
    entries = data["workloads"]
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_WORKLOADS:
        raise InputError("workloads", "{...}" if isinstance(entries, dict) else entries,
                         f"a list of 1 to {MAX_WORKLOADS} entries {{id, workload, model?, latency?, constraints?}}")
    ids: list[str] = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            raise InputError(f"workloads[{i}]", e, "a mapping {id, workload, model?, latency?, constraints?}")
        extra = sorted(set(e) - {"id", "workload", *_OWN})
        if extra:
            raise InputError(f"workloads[{i}].{extra[0]}", e[extra[0]], "only id, workload, model, latency and "
                             "constraints", "unknown field")
        if not isinstance(e.get("id"), str) or not e["id"].strip():
            raise InputError(f"workloads[{i}].id", e.get("id"), "a short text naming the workload")
        if not isinstance(e.get("workload"), dict):
            raise InputError(f"workloads[{i}].workload", "{...}" if "workload" in e else None,
                             "a mapping of workload fields (requests_per_month or tokens_per_month, ...)")
        if e["id"] in ids:
            raise InputError(f"workloads[{i}].id", e["id"], "an id no other workload uses")
        ids.append(e["id"])
    return entries


def _member(data: dict[str, Any], i: int, entry: dict[str, Any]) -> Scenario:
    """The single-workload scenario of entry ``i``: the entry's workload (and own sections) in the file's."""
    doc = {k: v for k, v in data.items() if k != "workloads"}
    doc["workload"] = entry.get("workload")
    doc.update({k: entry[k] for k in _OWN if k in entry})
    if len(data["workloads"]) > 1:
        doc["name"] = f"{data.get('name', 'scenario')}: {entry['id']}"
    try:
        return parse_scenario(doc)
    except InputError as exc:
        head = exc.field.split(".")[0].split("[")[0]
        if head == "workload" or (head in _OWN and head in entry):
            raise InputError(f"workloads[{i}].{exc.field}", exc.value, exc.allowed, exc.detail) from None
        raise


def parse_portfolio(data: Any) -> Portfolio:
    """Validate a portfolio document (already parsed from YAML/JSON): one scenario per workload."""
    if not is_portfolio(data):
        raise InputError("workloads", None, "a list of workloads (this document has none)")
    entries = _entries(data)
    members = [(e["id"], _member(data, i, e)) for i, e in enumerate(entries)]
    return Portfolio(name=str(data.get("name", "portfolio")), scenarios=members,
                     own_sections=[[k for k in _OWN if k in e] for e in entries])


def load_portfolio(path: str | Path) -> Portfolio:
    """Read and validate a portfolio file (YAML or JSON); relative file names are relative to it."""
    out = load_any(path)
    if not isinstance(out, Portfolio):
        raise InputError("workloads", None, "a list of workloads (this file has one workload: a scenario)")
    return out


def load_any(path: str | Path) -> Scenario | Portfolio:
    """A scenario file read once: a :class:`Portfolio` when it has ``workloads``, else a :class:`Scenario`."""
    data = read_document(path)
    if is_portfolio(data):
        out = parse_portfolio(data)
        for _, s in out.scenarios:
            relative_to_file(s, Path(path))
        return out
    s = parse_scenario(data)
    relative_to_file(s, Path(path))
    return s
