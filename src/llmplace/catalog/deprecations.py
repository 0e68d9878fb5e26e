"""Server builds and cloud instances no longer sold: ``deprecations.csv``, keyed by catalog row id.

A deprecated row stays in the catalog (a scenario that names it is still costed), but it carries
``deprecated_on`` and ``deprecated_reason``: the comparison flags every option that uses it, and the
recommendation leaves it out unless no other option is eligible (:mod:`llmplace.criteria`).

A cloud row is matched by its full id (``provider/instance_type/region``) or, for every region at
once, by ``provider/instance_type``. A user catalog may mark its own rows with the same two columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = ["Deprecation", "deprecation_text", "mark"]

R = TypeVar("R", bound=BaseModel)


class Deprecation(BaseModel):
    """One row of ``deprecations.csv``: which catalog row, since when, why, and where that is published."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    catalog: str
    id: str
    deprecated_on: str
    reason: str
    as_of: str
    source: str
    notes: str | None = None


def _keys(catalog: str, row: BaseModel) -> list[str]:
    rid = str(getattr(row, "id", "")).lower()
    if catalog == "clouds":
        return [rid, f"{getattr(row, 'provider', '')}/{getattr(row, 'instance_type', '')}".lower()]
    return [rid]


def mark(catalog: str, rows: Iterable[R], entries: Iterable[Deprecation]) -> list[R]:
    """``rows`` with the deprecation of ``entries`` for ``catalog`` (servers or clouds) filled in."""
    by_id = {e.id.lower(): e for e in entries if e.catalog == catalog}
    out: list[R] = []
    for row in rows:
        hit = next((by_id[k] for k in _keys(catalog, row) if k in by_id), None)
        out.append(row if hit is None else row.model_copy(update={
            "deprecated_on": hit.deprecated_on, "deprecated_reason": f"{hit.reason} (source: {hit.source})"}))
    return out


def deprecation_text(row: BaseModel, catalog: str) -> str | None:
    """``'servers row X: deprecated since DATE: reason'``, or None for a row still on sale."""
    since = getattr(row, "deprecated_on", None)
    reason = getattr(row, "deprecated_reason", None)
    if since is None and reason is None:
        return None
    return (f"{catalog} row {getattr(row, 'id', '?')}: deprecated since {since or 'an unstated date'}: "
            f"{reason or 'no reason given'}")

