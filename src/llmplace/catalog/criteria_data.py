"""Registry of the bundled criteria data: weight presets, failure rates, round trips, locations, facts.

Every table is a CSV in ``catalog/data`` whose rows carry ``as_of`` and ``source``; this module only
reads them (once) and answers lookups. Nothing here imports the scenario or the orchestrator.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..errors import LlmplaceError

__all__ = [
    "CRITERIA",
    "CRITERION_LABELS",
    "AvailabilityRow",
    "Fact",
    "Location",
    "Trait",
    "availability_row",
    "data_class",
    "fact",
    "location",
    "locations",
    "profiles",
    "profile_weights",
    "rtt_ms",
    "traits",
]

#: The scored criteria, in display order. Every score is 0 to 10, higher is better.
CRITERIA: tuple[str, ...] = (
    "initial_cost",
    "total_cost",
    "cost_predictability",
    "scalability",
    "latency",
    "availability",
    "maintenance_burden",
    "control",
    "data_privacy",
    "internet_dependency",
    "accelerator_access",
    "ease_of_use",
    "remote_access",
)

CRITERION_LABELS: dict[str, str] = {
    "initial_cost": "initial cost",
    "total_cost": "total cost",
    "cost_predictability": "cost predictability",
    "scalability": "scalability",
    "latency": "latency",
    "availability": "availability and disaster recovery",
    "maintenance_burden": "maintenance burden",
    "control": "control and customisation",
    "data_privacy": "data privacy and security",
    "internet_dependency": "internet dependency",
    "accelerator_access": "access to accelerators",
    "ease_of_use": "ease of use and managed services",
    "remote_access": "accessibility for remote teams",
}


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("llmplace.catalog").joinpath("data", filename).read_text(encoding="utf-8")
    out = []
    for lineno, raw in enumerate(csv.DictReader(text.splitlines()), start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not row.get("as_of") or not row.get("source"):
            raise LlmplaceError(f"bundled {filename} line {lineno} lacks as_of or source")
        out.append(row)
    return out


def _float(filename: str, row: dict[str, str], key: str) -> float | None:
    v = row.get(key, "")
    if v == "":
        return None
    try:
        return float(v)
    except ValueError as exc:
        raise LlmplaceError(f"bundled {filename}: {key}={v!r} is not a number") from exc


# --- weight presets -------------------------------------------------------------------------------


@cache
def _profiles() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for r in _rows("criteria_profiles.csv"):
        if r["criterion"] not in CRITERIA:
            raise LlmplaceError(f"criteria_profiles.csv: unknown criterion {r['criterion']!r}")
        out.setdefault(r["profile"], {})[r["criterion"]] = float(r["weight"])
    for name, ws in out.items():
        if set(ws) != set(CRITERIA):
            raise LlmplaceError(f"criteria_profiles.csv: profile {name!r} lacks a weight for some criteria")
    return out


def profiles() -> tuple[str, ...]:
    """Names of the organisation-profile presets."""
    return tuple(_profiles())


def profile_weights(name: str) -> dict[str, float]:
    """The preset weights (points) of a profile; raises KeyError for an unknown one."""
    return dict(_profiles()[name])


# --- availability ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AvailabilityRow:
    component: str
    applies_to: str
    failures_per_year: float | None
    mttr_hours: float | None
    availability_pct: float | None
    unit: str
    as_of: str
    source: str

    @property
    def unavailability(self) -> float:
        """Steady-state share of time down: MTTR / (MTBF + MTTR), or 1 - availability."""
        if self.availability_pct is not None:
            return 1.0 - self.availability_pct / 100.0
        lam, mttr = self.failures_per_year or 0.0, self.mttr_hours or 0.0
        return lam * mttr / (8760.0 + lam * mttr)

    def ref(self) -> dict[str, str]:
        return {
            "table": "availability.csv",
            "key": self.component,
            "as_of": self.as_of,
            "source": self.source,
        }


@cache
def _availability() -> dict[str, AvailabilityRow]:
    f = "availability.csv"
    return {
        r["component"]: AvailabilityRow(
            r["component"],
            r["applies_to"],
            _float(f, r, "failures_per_year"),
            _float(f, r, "mttr_hours"),
            _float(f, r, "availability_pct"),
            r["unit"],
            r["as_of"],
            r["source"],
        )
        for r in _rows(f)
    }


def availability_row(component: str) -> AvailabilityRow:
    try:
        return _availability()[component]
    except KeyError as exc:
        raise LlmplaceError(f"bundled availability.csv lacks the component {component!r}") from exc


# --- network round trips --------------------------------------------------------------------------


@cache
def _rtt() -> dict[str, tuple[float, str, str]]:
    return {r["path"]: (float(r["rtt_ms"]), r["as_of"], r["source"]) for r in _rows("network_rtt.csv")}


def rtt_ms(path: str) -> tuple[float, dict[str, str]]:
    """Round trip of a network path [ms] and the row it comes from."""
    try:
        v, as_of, src = _rtt()[path]
    except KeyError as exc:
        raise LlmplaceError(f"bundled network_rtt.csv lacks the path {path!r}") from exc
    return v, {"table": "network_rtt.csv", "key": path, "as_of": as_of, "source": src}


# --- locations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    key: str
    kind: str
    country: str | None
    area: str
    groups: tuple[str, ...]
    as_of: str
    source: str

    def codes(self) -> set[str]:
        """Every code a residency rule may name that this place satisfies."""
        out = {self.area.upper()} | {g.upper() for g in self.groups}
        if self.country:
            out.add(self.country.upper())
            c = _locations().get(("country", self.country.upper()))
            if c is not None:
                out |= {g.upper() for g in c.groups} | {c.area.upper()}
        return out


@cache
def _locations() -> dict[tuple[str, str], Location]:
    out = {}
    for r in _rows("locations.csv"):
        groups = tuple(g.strip() for g in r["groups"].split(";") if g.strip())
        key = r["key"].upper() if r["kind"] == "country" else r["key"].lower()
        out[(r["kind"], key)] = Location(
            key, r["kind"], r["country"] or None, r["area"], groups, r["as_of"], r["source"]
        )
    return out


def location(kind: str, key: str) -> Location | None:
    """A country (``kind='country'``), cloud region (``provider/region``) or API provider, or None."""
    k = key.upper() if kind == "country" else key.lower()
    return _locations().get((kind, k))


def locations(kind: str) -> list[Location]:
    return [v for (k, _), v in _locations().items() if k == kind]


def residency_codes() -> set[str]:
    """Every code allowed in ``constraints.data_residency``: countries, groups (EU, EEA) and areas."""
    out: set[str] = set()
    for loc in locations("country"):
        out |= {loc.key, loc.area.upper()} | {g.upper() for g in loc.groups}
    return out


# --- facts, data classes and traits ---------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    key: str
    applies_to: str
    value: float
    unit: str
    as_of: str
    source: str

    def ref(self) -> dict[str, str]:
        return {
            "table": "option_facts.csv",
            "key": f"{self.key} [{self.applies_to}]",
            "as_of": self.as_of,
            "source": self.source,
        }


@cache
def _facts() -> dict[tuple[str, str], Fact]:
    return {
        (r["key"], r["applies_to"]): Fact(
            r["key"], r["applies_to"], float(r["value"]), r["unit"], r["as_of"], r["source"]
        )
        for r in _rows("option_facts.csv")
    }


def fact(key: str, *applies_to: str) -> Fact | None:
    """The first fact ``key`` found for the most specific of ``applies_to`` (then ``*``)."""
    table = _facts()
    for a in (*applies_to, "*"):
        hit = table.get((key, a))
        if hit is not None:
            return hit
    return None


@cache
def _data_classes() -> dict[str, tuple[bool, bool, str, str]]:
    def yes(v: str) -> bool:
        return v.strip().lower() == "true"

    return {
        r["classification"]: (
            yes(r["third_party_processing"]),
            yes(r["third_party_hosting"]),
            r["as_of"],
            r["source"],
        )
        for r in _rows("data_classes.csv")
    }


def data_class(name: str) -> tuple[bool, bool, dict[str, str]]:
    """Default (third-party processing allowed, third-party hosting allowed) for a data classification."""
    p, h, as_of, src = _data_classes()[name]
    return p, h, {"table": "data_classes.csv", "key": name, "as_of": as_of, "source": src}


@dataclass(frozen=True)
class Trait:
    criterion: str
    kind: str
    when: tuple[tuple[str, str], ...]
    score: float
    reason: str
    as_of: str
    source: str

    def matches(self, kind: str, context: dict[str, str]) -> bool:
        return self.kind in (kind, "*") and all(context.get(k) == v for k, v in self.when)


@cache
def traits() -> tuple[Trait, ...]:
    out = []
    for r in _rows("criteria_traits.csv"):
        when = tuple(tuple(c.split("=", 1)) for c in r["when"].split("&") if c.strip())
        out.append(
            Trait(
                r["criterion"],
                r["kind"],
                tuple((k.strip(), v.strip()) for k, v in when),
                float(r["score"]),
                r["reason"],
                r["as_of"],
                r["source"],
            )
        )
    return tuple(out)
