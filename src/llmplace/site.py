"""Site and finance values after catalog defaults: the scenario's own value, else a dated catalog row."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import catalog
from .conventions import SCENARIO_SOURCE
from .memo import Memo
from .scenario import DEPRECATED_SITE_FIELDS, Scenario

__all__ = ["RESALE_AGES_MONTHS", "SiteValues", "site_values"]

#: ages of the catalog's market resale curve (``resale_pct_at_<age>_months`` rows of site.csv) [months]
RESALE_AGES_MONTHS = (12, 24, 36, 48, 60)
#: trends, wages, staff and staff rows a run derives from its site values (a handful of each) kept at once
SITE_MEMO_ENTRIES = 24


@dataclass
class SiteValues:
    """Site and finance values after catalog defaults, each with its source."""

    values: dict[str, Any]
    sources: dict[str, tuple[str, str | None]]
    #: the scenario's currency and its units per USD: catalog defaults in USD are already converted
    currency: str = "USD"
    units_per_usd: float = 1.0
    #: what every option of a run derives from these values alone (price and wage trends), once each (llmplace.memo)
    memo: Memo = field(default_factory=lambda: Memo(SITE_MEMO_ENTRIES), repr=False, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def resale_pct(self, age_months: float) -> float:
        """Market resale value of a server ``age_months`` old [% of its purchase price].

        Linear between the catalog ages of the resale curve, from 100 % when new; hardware older
        than the oldest row keeps that row's value.
        """
        ages = [0.0, *(float(a) for a in RESALE_AGES_MONTHS)]
        pcts = [100.0, *(float(self.values[f"resale_pct_at_{a}_months"]) for a in RESALE_AGES_MONTHS)]
        return float(np.interp(float(age_months), ages, pcts))


_SITE_KEYS: dict[str, tuple[str, str, str]] = {
    # scenario attribute: (catalog key, unit, section)
    "electricity_usd_per_kwh": ("electricity_usd_per_kwh", "USD/kWh", "site"),
    "pue": ("pue", "ratio", "site"),
    "colocation_usd_per_kw_month": ("colocation_usd_per_kw_month", "USD/kW/month", "site"),
    "maintenance_pct_of_capex_per_year": ("maintenance_pct_of_capex_per_year", "%/year", "site"),
    "sysadmin_loaded_usd_per_year": ("sysadmin_loaded_usd_per_year", "USD/year", "site"),
    "ml_engineer_loaded_usd_per_year": ("ml_engineer_loaded_usd_per_year", "USD/year", "site"),
    **{f"{kind}_team_{role}_fte": (f"{kind}_team_{role}_fte", "FTE", "site")
       for kind in ("in_house", "cloud", "api") for role in ("sysadmin", "ml_engineer")},
    "staff_variable_fte_at_8_gpus": ("staff_variable_fte_at_8_gpus", "FTE", "site"),
    "staff_variable_gpu_exponent": ("staff_variable_gpu_exponent", "ratio", "site"),
    "cloud_staff_variable_share": ("cloud_staff_variable_share", "ratio", "site"),
    "setup_usd_per_kw": ("setup_usd_per_kw", "USD/kW", "site"),
    "migration_engineering_fte_months": ("migration_engineering_fte_months", "FTE-months", "site"),
    "cutover_parallel_months": ("cutover_parallel_months", "months", "site"),
    "switch_data_gb": ("switch_data_gb", "GB", "site"),
    "hardware_warranty_years": ("hardware_warranty_years", "years", "site"),
    "gpu_share_of_server_price_pct": ("gpu_share_of_server_price_pct", "%", "site"),
    "gpu_annual_failure_rate": ("gpu_annual_failure_rate", "fraction/year", "site"),
    "software_licence_usd_per_gpu_year": ("software_licence_usd_per_gpu_year", "USD/GPU/year", "site"),
    "network_storage_pct_of_server_price": ("network_storage_pct_of_server_price", "%", "site"),
    "cloud_support_min_usd_per_month": ("cloud_support_min_usd_per_month", "USD/month", "site"),
    "standby_failover_tests_per_year": ("standby_failover_tests_per_year", "tests/year", "site"),
    "standby_failover_test_hours": ("standby_failover_test_hours", "h", "site"),
    "standby_sysadmin_fte": ("standby_sysadmin_fte", "FTE", "site"),
    "tax_rate_pct": ("corporate_tax_rate_pct", "%", "finance"),
    "discount_rate_pct_per_year": ("discount_rate_pct_per_year", "%/year", "finance"),
    "useful_life_years": ("useful_life_years", "years", "finance"),
    "residual_value_pct": ("residual_value_pct", "% of capex", "finance"),
    **{f"{k}_price_change_pct_per_year": (f"{k}_price_change_pct_per_year", "%/year", "finance")
       for k in ("api", "cloud", "hardware")},
}
_CATALOG_ONLY = (
    "reserved_1y_discount_pct", "reserved_3y_discount_pct", "spot_interruption_goodput",
    "block_storage_usd_per_gb_month", "egress_usd_per_gb", "procurement_lead_time_weeks", "api_batch_discount_pct",
    "instance_warmup_minutes_per_start",
    "cloud_support_pct_first_10k", "cloud_support_pct_10k_to_80k", "cloud_support_pct_80k_to_250k",
    "cloud_support_pct_above_250k",
    *(f"resale_pct_at_{age}_months" for age in RESALE_AGES_MONTHS),
)

#: site fields with no catalog row: a flat installation cost per server (else setup_usd_per_kw x the server's
#: max power) and a flat cloud support share (else the catalog's tiers)
_SCENARIO_ONLY = ("setup_usd_per_server", "cloud_support_pct")


def _deprecated(s: Scenario, attr: str) -> tuple[Any, str] | None:
    """A value given under a deprecated site field that ``attr`` replaces, with the note to show for it."""
    for old, new in DEPRECATED_SITE_FIELDS.items():
        given = getattr(s.site, old)
        if attr in new and given is not None:
            return given, f"{SCENARIO_SOURCE}: site.{old} (deprecated; write site.{' and site.'.join(new)})"
    return None


def _warn_deprecated(s: Scenario) -> None:
    for old, new in DEPRECATED_SITE_FIELDS.items():
        if getattr(s.site, old) is not None:
            warnings.warn(f"site.{old} is deprecated; write site.{' and site.'.join(new)}", FutureWarning,
                          stacklevel=3)


def site_values(s: Scenario, warn: bool = True) -> SiteValues:
    """Resolve every site/finance value: the scenario's if given (or a deprecated field's), else the dated
    catalog default."""
    values: dict[str, float] = {}
    sources: dict[str, tuple[str, str | None]] = {}
    defaults = _in_currency(catalog.site_defaults(), s.finance.currency)
    if warn:  # said once, by the comparison; its later stages resolve the same values again quietly
        _warn_deprecated(s)
    for attr, (key, _unit, section) in _SITE_KEYS.items():
        given = getattr(s.site if section == "site" else s.finance, attr)
        old = _deprecated(s, attr) if section == "site" and given is None else None
        if given is not None:
            values[attr], sources[attr] = given, (SCENARIO_SOURCE, "scenario")
        elif old is not None:
            values[attr], sources[attr] = old[0], (old[1], "scenario")
        else:
            row = defaults[key]
            values[attr], sources[attr] = row.value, (row.source, row.as_of)
    for key in _CATALOG_ONLY:
        row = defaults[key]
        values[key], sources[key] = row.value, (row.source, row.as_of)
    for attr in _SCENARIO_ONLY:  # no catalog default: absent unless the scenario sets it
        if getattr(s.site, attr) is not None:
            values[attr], sources[attr] = getattr(s.site, attr), (SCENARIO_SOURCE, "scenario")
    return SiteValues(values, sources, s.finance.currency, catalog.fx.units_per_usd(s.finance.currency))


def _in_currency(defaults: dict[str, Any], currency: str) -> dict[str, Any]:
    """The catalog's site defaults with every USD amount (a unit starting with USD) in ``currency``."""
    rate = catalog.fx.units_per_usd(currency)
    if rate == 1.0:
        return defaults
    out = dict(defaults)
    for key, d in defaults.items():
        if d.unit.startswith(catalog.fx.CATALOG_CURRENCY):
            out[key] = d.model_copy(update={
                "value": d.value * rate, "unit": currency + d.unit[len(catalog.fx.CATALOG_CURRENCY):],
                "source": f"{d.source} ({catalog.fx.conversion_note(currency)})"})
    return out
