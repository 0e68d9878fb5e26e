"""Cost lines beyond the hardware, the instances and the tokens: warranty-aware maintenance, GPU replacements,
software licences, the in-house network and storage, cloud support plans, a standby's upkeep and the tax shield.

Each function is pure and works on (..., months) arrays; each line's default is a dated site.csv row and
each can be overridden in the scenario (see :mod:`llmplace.site`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..results import Assumption
from ..scenario import Scenario
from ..site import SiteValues
from .flows import Flows

__all__ = [
    "BUNDLED_LICENCE_YEARS", "cloud_support_usd", "gpu_replacements_usd", "in_house_notes", "in_warranty",
    "licence_exempt",
    "maintenance_usd", "software_licences_usd", "support_note", "tax_shield_usd", "with_tax_shield",
]

Array = NDArray[np.float64]

#: GPUs sold with a 5-year NVIDIA AI Enterprise subscription: H100 PCIe and H100 NVL (NVIDIA enterprise
#: licensing guide, as cited at https://fundalyst.xyz/NVDA/non_gpu/software/enterprise_licensing) [years]
BUNDLED_LICENCE_YEARS = {"h100-pcie": 5.0, "h100-nvl": 5.0}

#: upper bounds of the cloud support plan's bands [USD/month] and the site.csv rows of their rates
_SUPPORT_BANDS = ((10_000.0, "cloud_support_pct_first_10k"), (80_000.0, "cloud_support_pct_10k_to_80k"),
                  (250_000.0, "cloud_support_pct_80k_to_250k"), (np.inf, "cloud_support_pct_above_250k"))


def in_warranty(entries: Array, years: Any) -> Array:
    """Units still in their first ``years`` of service each month, from the units entering service each month.

    ``entries[..., m]``: servers (new or refresh replacements) entering service in month ``m``. A unit is
    covered in the months ``m0 .. m0 + 12 x years - 1``; a fractional last month counts pro rata.

    With ``L = 12 x years`` months of cover, ``k = floor(L)`` and ``f = L - k``, month ``m`` counts the entries of
    months ``m - k + 1 .. m`` in full and those of month ``m - k`` for ``f``: a difference of running sums, linear
    in the months (not a months x months matrix).
    """
    entries = np.asarray(entries, dtype=float)
    months = entries.shape[-1]
    cover_m = max(float(years) * 12.0, 0.0)
    full = min(int(np.floor(cover_m)), months)
    part = cover_m - np.floor(cover_m) if full < months else 0.0
    running = np.cumsum(entries, axis=-1)
    out = running.copy()
    if full > 0:
        out[..., full:] -= running[..., :months - full]
    else:
        out[:] = 0.0
    if part > 0.0 and full < months:
        out[..., full:] += part * entries[..., :months - full]
    return out


def maintenance_usd(owned: Any, covered: Array, price_usd: Any, pct_per_year: Any) -> Array:
    """Hardware maintenance [USD/month]: ``pct_per_year`` of the purchase price of each server out of warranty."""
    return np.maximum(owned - covered, 0.0) * price_usd * pct_per_year / 100.0 / 12.0


def gpu_replacements_usd(owned: Any, covered: Array, gpu_count: int, price_usd: Any, gpu_share_pct: Any,
                         failure_rate_per_year: Any) -> Array:
    """Replacement GPUs bought for the GPUs that fail out of warranty [USD/month].

    GPUs out of warranty x annual failure rate / 12 x the price of one GPU (the server's price x the GPUs'
    share of it / GPUs per server). Inside the warranty the vendor replaces them.
    """
    gpus_out = np.maximum(owned - covered, 0.0) * gpu_count
    return gpus_out * failure_rate_per_year / 12.0 * (price_usd * gpu_share_pct / 100.0 / gpu_count)


def licence_exempt(gpu: str) -> float:
    """Years of software subscription that come with a GPU (0 where none is bundled)."""
    return BUNDLED_LICENCE_YEARS.get(gpu, 0.0)


def software_licences_usd(owned: Any, bundled: Array, gpu_count: int, usd_per_gpu_year: Any) -> Array:
    """Per-GPU software subscriptions of the servers in service [USD/month], less those bundled with the GPUs."""
    return np.maximum(owned - bundled, 0.0) * gpu_count * usd_per_gpu_year / 12.0


def cloud_support_usd(spend_usd: Array, sv: SiteValues) -> Array:
    """A cloud support plan on a month's spend [USD/month]: the greater of the minimum or the tiered share.

    Tiers (site.csv, AWS Business Support): 10 % of the first 10,000 USD, 7 % to 80,000, 5 % to 250,000, 3 %
    above; at least ``cloud_support_min_usd_per_month`` in a month with any spend. ``site.cloud_support_pct``
    replaces the tiers by one flat share (0 turns the plan off).
    """
    spend = np.maximum(np.asarray(spend_usd, dtype=float), 0.0)
    flat = sv.values.get("cloud_support_pct")
    if flat is not None:
        return spend * float(flat) / 100.0
    fee = np.zeros(spend.shape)
    low = 0.0
    for high_usd, key in _SUPPORT_BANDS:  # the bands are USD amounts: in the scenario's currency here
        high = high_usd * sv.units_per_usd
        fee = fee + np.clip(spend - low, 0.0, high - low) * sv[key] / 100.0
        low = high
    return np.where(spend > 0, np.maximum(fee, sv["cloud_support_min_usd_per_month"]), 0.0)


def _bands(sv: SiteValues) -> str:
    """The band limits as written in the support note: '10k / 80k / 250k' (USD), converted otherwise."""
    if sv.units_per_usd == 1.0:
        return "10k / 80k / 250k"
    return " / ".join(f"{h * sv.units_per_usd:,.0f} {sv.currency}" for h, _ in _SUPPORT_BANDS[:-1])


def support_note(sv: SiteValues) -> Assumption:
    """How the cloud support plan is charged."""
    flat = sv.values.get("cloud_support_pct")
    if flat is not None:
        return Assumption(name="cloud support plan", value=f"{float(flat):g} % of the month's cloud spend",
                          unit="", source="site.cloud_support_pct in the scenario")
    src, as_of = sv.sources["cloud_support_min_usd_per_month"]
    return Assumption(
        name="cloud support plan",
        value=f"greater of {float(sv['cloud_support_min_usd_per_month']):g} {sv.currency} or "
              f"{float(sv['cloud_support_pct_first_10k']):g} / {float(sv['cloud_support_pct_10k_to_80k']):g} / "
              f"{float(sv['cloud_support_pct_80k_to_250k']):g} / {float(sv['cloud_support_pct_above_250k']):g} % "
              f"of the month's spend in bands to {_bands(sv)} / above (support_plan; AWS Business Support, a proxy "
              "for other providers' production plans), charged on this option's spend as if it were the "
              "account's only spend",
        unit="", source=src, as_of=as_of)


def tax_shield_usd(expensed_usd: Array, rate_pct: Any) -> Array:
    """Cash tax saved by deducting the month's expenses as booked [USD/month, negative].

    ``expensed_usd``: the amortised view's month (depreciation for owned servers, running costs, rent and
    tokens as incurred). Every option deducts its costs alike; a loss-making business saves nothing.
    """
    return -np.asarray(expensed_usd, dtype=float) * np.asarray(rate_pct, dtype=float) / 100.0


def with_tax_shield(f: Flows, s: Scenario, sv: SiteValues) -> Flows:
    """The flows with a ``tax_shield`` line in both views when ``finance.tax_shield`` is on (else unchanged).

    The line is the tax saved by deducting the amortised view's month (depreciation for owned servers, every
    running cost as incurred) at ``tax_rate_pct``: cash tax paid that month is lower by that much. Gains
    on a sale of hardware are not taxed here (a simplification the assumption row states).
    """
    if not s.finance.tax_shield:
        return f
    rate = sv["tax_rate_pct"]
    shield = tax_shield_usd(f.monthly("amortised"), rate)
    src, as_of = sv.sources["tax_rate_pct"]
    row = Assumption(name="tax shield", value=f"{float(np.mean(rate)):g} % of each month's expenses as booked "
                     "(depreciation for owned servers, running costs when incurred): lower cash tax (tax_shield); "
                     "assumes taxable profits to deduct them from; gains on hardware sales not taxed",
                     unit="", source=src, as_of=as_of)
    return replace(f, cash={**f.cash, "tax_shield": shield}, amortised={**f.amortised, "tax_shield": shield},
                   assumptions=[*f.assumptions, row])


def _row(name: str, value: str, sv: SiteValues, key: str) -> Assumption:
    src, as_of = sv.sources[key]
    return Assumption(name=name, value=value, unit="", source=src, as_of=as_of)


def in_house_notes(sv: SiteValues, gpu: str, setup_usd: Any, max_power_kw: float) -> list[Assumption]:
    """How the owned fleet's upkeep lines are charged, each with the source of its default."""
    years, bundled = float(sv["hardware_warranty_years"]), licence_exempt(gpu)
    flat = sv.values.get("setup_usd_per_server")
    return [
        _row("maintenance", f"{float(np.mean(sv['maintenance_pct_of_capex_per_year'])):g} % of the purchase price a "
             f"year, from the end of the {years:g}-year warranty included in the price", sv, "hardware_warranty_years"),
        _row("GPU replacements", f"{float(np.mean(sv['gpu_annual_failure_rate'])):g} of the GPUs a year fail out of "
             f"warranty, each replaced at {float(np.mean(sv['gpu_share_of_server_price_pct'])):g} % of the server "
             "price / GPUs per server (gpu_replacements)", sv, "gpu_annual_failure_rate"),
        _row("software licences", f"{float(np.mean(sv['software_licence_usd_per_gpu_year'])):g} {sv.currency} "
             "per owned GPU a year (software_licences)"
             + (f"; none for the first {bundled:g} years, bundled with the {gpu}" if bundled else ""),
             sv, "software_licence_usd_per_gpu_year"),
        _row("network and storage", f"{float(np.mean(sv['network_storage_pct_of_server_price'])):g} % of the server "
             "price, bought and depreciated with it (network_storage)", sv, "network_storage_pct_of_server_price"),
        _row("installation", f"{float(np.mean(setup_usd)):,.0f} {sv.currency} per server" + (
            " (site.setup_usd_per_server)" if flat is not None else
            f" = {float(np.mean(sv['setup_usd_per_kw'])):g} {sv.currency}/kW x {max_power_kw:g} kW max power"),
            sv, "setup_usd_per_server" if flat is not None else "setup_usd_per_kw"),
    ]
