"""Staff: a fixed platform team per option kind plus a variable part that grows with the GPUs operated.

Staff in a month [FTE], per role (``sysadmin``: sysadmin/SRE work on hardware and the fleet;
``ml_engineer``: serving and model work):

* a **fixed team** per option kind (site ``<kind>_team_<role>_fte``: in-house > cloud > API; an API
  still needs integration, evaluation and vendor work), charged in the months the option holds
  capacity or serves tokens;
* a **variable** sysadmin part ``v x (GPUs / 8) ^ b`` for the GPUs operated, with ``b < 1``
  (``staff_variable_gpu_exponent``): economies of scale, each further GPU needs less time. ``v`` is
  ``staff_variable_fte_at_8_gpus`` for owned GPUs and ``cloud_staff_variable_share`` of it for rented
  ones; an API operates no GPUs. Owned servers count every month they are owned; rented instances count
  their instance-hours over the month's hours (an autoscaled or overflow fleet only while it runs),
  and committed instances all month.

Each role is paid its own loaded wage (``sysadmin_loaded_usd_per_year``,
``ml_engineer_loaded_usd_per_year``), grown by ``finance.salary_growth_pct_per_year``. An option's
``staff_fte`` replaces the total, priced at the role mix of its kind's fixed team. The parts of a
hybrid share one team: per role the larger fixed team of the parts in use that month, plus each part's
variable staff, so an unused overflow carries no staff and a used one only its variable part.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..conventions import SCENARIO_SOURCE
from ..results import Assumption
from ..scenario import Scenario
from ..site import SiteValues
from .flows import trend_of

__all__ = ["REFERENCE_GPUS", "ROLES", "Staff", "staff_for", "staff_note"]

Array = NDArray[np.float64]

ROLES = ("sysadmin", "ml_engineer")
REFERENCE_GPUS = 8.0  #: the fleet size at which the variable part equals ``staff_variable_fte_at_8_gpus``
_WAGE_KEY = {"sysadmin": "sysadmin_loaded_usd_per_year", "ml_engineer": "ml_engineer_loaded_usd_per_year"}


@dataclass(frozen=True)
class Staff:
    """Staff charged each month, by role: the fixed team and the variable part [FTE], and each role's
    loaded cost per FTE-month [USD] (salary trend included)."""

    fixed: dict[str, Array]
    variable: dict[str, Array]
    wage: dict[str, Array]

    def fte(self) -> Array:
        """Total FTE each month (read-only: options sharing a staff share it, see :func:`staff_for`)."""
        return self._fte

    def usd(self) -> Array:
        """Staff cost each month: every role at its own wage (read-only, as :meth:`fte`)."""
        return self._usd

    @cached_property
    def _fte(self) -> Array:
        return _read_only(np.asarray(sum(self.fixed[r] + self.variable[r] for r in ROLES), dtype=float))

    @cached_property
    def _usd(self) -> Array:
        return _read_only(np.asarray(sum((self.fixed[r] + self.variable[r]) * self.wage[r] for r in ROLES),
                                     dtype=float))

    def model_usd(self) -> Array:
        """Cost each month of the fixed team's part that serves one model [USD]: its ML engineers (serving and
        model work: each further model a shared fleet serves needs it again; the sysadmins run the platform once)."""
        return np.asarray(self.fixed["ml_engineer"] * self.wage["ml_engineer"], dtype=float)

    def shared_with(self, other: Staff) -> Staff:
        """One team running both: per role the larger fixed team, plus both variable parts."""
        return Staff(fixed={r: np.maximum(self.fixed[r], other.fixed[r]) for r in ROLES},
                     variable={r: self.variable[r] + other.variable[r] for r in ROLES}, wage=self.wage)


def _read_only(a: Array) -> Array:
    a.flags.writeable = False
    return a


def _team(kind: str, sv: SiteValues) -> dict[str, Any]:
    return {r: sv[f"{kind}_team_{r}_fte"] for r in ROLES}


def _variable(kind: str, gpus: Any, sv: SiteValues) -> Any:
    """Variable sysadmin FTE for ``gpus`` operated: v x (GPUs / 8) ^ b, none without GPUs."""
    if kind == "api":
        return 0.0
    v = sv["staff_variable_fte_at_8_gpus"]
    if kind == "cloud":
        v = v * sv["cloud_staff_variable_share"]
    g = np.asarray(gpus, dtype=float)
    scaled = np.power(np.maximum(g, 0.0) / REFERENCE_GPUS, sv["staff_variable_gpu_exponent"])
    return np.where(g > 0, v * scaled, 0.0)


def _wages(s: Scenario, sv: SiteValues, horizon: int) -> dict[str, Array]:
    """Each role's loaded cost per FTE-month with the salary trend [USD]: the same for every option of a run, so
    computed once per site values (:mod:`llmplace.memo`)."""
    growth_pct = s.finance.salary_growth_pct_per_year
    yearly = tuple(sv[_WAGE_KEY[r]] for r in ROLES)

    def compute() -> tuple[Array, ...]:
        growth = trend_of(sv, growth_pct, horizon)
        return tuple(np.asarray(usd, dtype=float) / 12.0 * growth for usd in yearly)

    return dict(zip(ROLES, sv.memo.get("wages", (growth_pct, horizon, *yearly), compute), strict=True))


def _site_inputs(kind: str, sv: SiteValues) -> tuple[Any, ...]:
    """Every site value the staff of an option of ``kind`` reads (wages, the kind's team, the variable part)."""
    keys = [_WAGE_KEY[r] for r in ROLES] + [f"{kind}_team_{r}_fte" for r in ROLES]
    if kind != "api":
        keys += ["staff_variable_fte_at_8_gpus", "staff_variable_gpu_exponent"]
        keys += ["cloud_staff_variable_share"] if kind == "cloud" else []
    return tuple(sv[k] for k in keys)


def staff_for(kind: str, gpus: Any, in_use: Any, override: float | None, s: Scenario, sv: SiteValues,
              horizon: int) -> Staff:
    """Staff of one option of ``kind`` (``in_house``, ``cloud``, ``api``) operating ``gpus`` each month.

    ``in_use``: the months the option holds capacity or serves tokens (the fixed team's months);
    ``override``: the option's ``staff_fte``, which replaces the total in those months. Options with the same
    inputs (the same fleet at other prices, every API serving one load) share one :class:`Staff`, computed once
    per run's site values (:mod:`llmplace.memo`).
    """
    inputs = (kind, gpus, in_use, override, horizon, s.finance.salary_growth_pct_per_year, *_site_inputs(kind, sv))
    return sv.memo.get("staff", inputs, lambda: _staff(kind, gpus, in_use, override, s, sv, horizon))


def _staff(kind: str, gpus: Any, in_use: Any, override: float | None, s: Scenario, sv: SiteValues,
           horizon: int) -> Staff:
    use = np.asarray(in_use, dtype=float)
    wage = _wages(s, sv, horizon)
    team = _team(kind, sv)
    zero = np.zeros(np.broadcast_shapes(np.shape(use), np.shape(gpus)))
    if override is not None:
        total = sum(np.asarray(team[r], dtype=float) for r in ROLES)
        safe = np.where(total > 0, total, 1.0)
        mix = {"sysadmin": np.where(total > 0, team["sysadmin"] / safe, 1.0),
               "ml_engineer": np.where(total > 0, team["ml_engineer"] / safe, 0.0)}
        return Staff(fixed={r: zero + override * mix[r] * use for r in ROLES},
                     variable={r: zero for r in ROLES}, wage=wage)
    var = _variable(kind, gpus, sv)
    return Staff(fixed={r: zero + team[r] * use for r in ROLES},
                 variable={"sysadmin": zero + var, "ml_engineer": zero}, wage=wage)


def _g(x: Any) -> str:
    return f"{float(np.mean(x)):g}"


def staff_note(kind: str, sv: SiteValues, override: float | None) -> Assumption:
    """The staff rule an option of ``kind`` was charged by, with the site values it read (once per run's site
    values for each kind and override, :mod:`llmplace.memo`: the row is frozen, so options share it)."""
    inputs = (kind, override, sv.currency, *_site_inputs(kind, sv))
    return sv.memo.get("staff note", inputs, lambda: _staff_note(kind, sv, override))


def _staff_note(kind: str, sv: SiteValues, override: float | None) -> Assumption:
    label = {"in_house": "in-house", "cloud": "cloud", "api": "API"}[kind]
    wages = (f"sysadmin at {_g(sv['sysadmin_loaded_usd_per_year'])} and ML engineer at "
             f"{_g(sv['ml_engineer_loaded_usd_per_year'])} {sv.currency}/year")
    if override is not None:
        return Assumption(name="staff", value=f"{_g(override)} FTE (the option's staff_fte), priced at the {label} "
                          f"team's role mix: {wages}", unit="FTE", source=SCENARIO_SOURCE)
    team = _team(kind, sv)
    value = f"{_g(team['sysadmin'])} sysadmin + {_g(team['ml_engineer'])} ML engineer FTE ({label} team)"
    keys = [f"{kind}_team_sysadmin_fte", f"{kind}_team_ml_engineer_fte"]
    if kind != "api":
        v = sv["staff_variable_fte_at_8_gpus"] * (sv["cloud_staff_variable_share"] if kind == "cloud" else 1.0)
        value += f" + {_g(v)} x (GPUs / 8) ^ {_g(sv['staff_variable_gpu_exponent'])} sysadmin FTE"
        keys += ["staff_variable_fte_at_8_gpus", "staff_variable_gpu_exponent"]
        keys += ["cloud_staff_variable_share"] if kind == "cloud" else []
    return Assumption(name="staff", value=f"{value}; {wages}", unit="FTE",
                      source=f"site values {', '.join(keys)} (each with its source among the site assumptions)")
