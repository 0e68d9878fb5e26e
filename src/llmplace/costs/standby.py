"""What it costs to keep a hybrid's overflow ready to carry the base's load while the base is down.

An elastic overflow (on-demand cloud instances or an API) earns availability credit as a standby only
if it is kept able to take over: a warm image of the model next to the instances, regular failover
drills in which it carries the base's full load, and the SRE time to keep quotas, image and runbook
current. With ``standby: tested`` (the default) the hybrid pays for that in the months its base is in
service (``standby_drills``, ``standby_image``, ``standby_staff``); with ``standby: none`` it pays
nothing and its overflow earns no availability credit (see :mod:`llmplace.criteria`). On-demand
capacity is not reserved: a capacity reservation would cost the instance price every hour.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..options import Deployment
from ..results import Assumption
from ..scenario import ApiOption, CloudOption, HybridOption, InHouseOption, Scenario
from ..site import SiteValues
from .cloud import cloud_price_per_hour

__all__ = ["STANDBY_ROW", "standby_usd"]

Array = NDArray[np.float64]
STANDBY_ROW = "standby (overflow kept ready for a base outage)"
_GB_PER_GIB = 1.073741824


def _base_capacity(base: Deployment, units: Array) -> Array:
    """Output tokens/s the base's units carry at full capacity [tokens/s] (spares included)."""
    assert base.capacity is not None and isinstance(base.option, (InHouseOption, CloudOption))
    return np.asarray(units, dtype=float) * base.capacity.replicas_per_unit * base.capacity.output_tokens_per_s


def _drill_usd_per_hour(over: Deployment, sv: SiteValues, base_tokens_per_s: Array, total_per_output: Any) -> Array:
    """What one hour of the overflow carrying the base's full capacity costs [USD/h]."""
    if isinstance(over.option, CloudOption):
        assert over.capacity is not None
        per_inst = over.capacity.replicas_per_unit * over.capacity.output_tokens_per_s
        price, _ = cloud_price_per_hour(over, sv)
        instances = np.ceil(base_tokens_per_s / per_inst - 1e-9)
        return np.asarray(instances * price, dtype=float)
    assert isinstance(over.option, ApiOption) and over.api is not None
    a = over.api
    out_per_h = base_tokens_per_s * 3600.0
    return np.asarray(out_per_h * (a.output_usd_per_mtok + (total_per_output - 1.0) * a.input_usd_per_mtok) / 1e6,
                      dtype=float)


def _image_usd_per_month(over: Deployment, sv: SiteValues) -> float:
    """Block storage for a warm copy of the weights next to a cloud overflow [USD/month]; none for an API."""
    if not isinstance(over.option, CloudOption) or over.capacity is None or over.capacity.sizing is None:
        return 0.0
    return float(over.capacity.sizing.weights_gib * _GB_PER_GIB * sv["block_storage_usd_per_gb_month"])


def standby_usd(d: Deployment, s: Scenario, sv: SiteValues, base_units: Any, total_per_output: Any,
                sysadmin_usd_per_month: Any) -> tuple[dict[str, Array], list[Assumption]]:
    """The standby's monthly lines for a hybrid whose base has ``base_units`` units in service each month.

    ``standby_drills``: tests a year / 12 x hours per test x the overflow's price of carrying the base's
    full capacity; ``standby_image``: the weights kept on block storage next to a cloud overflow;
    ``standby_staff``: ``standby_sysadmin_fte`` at the sysadmin wage (``sysadmin_usd_per_month``, the team's,
    with its salary trend). Nothing in months without a base.
    """
    opt = d.option
    assert isinstance(opt, HybridOption) and d.parts is not None
    if opt.standby == "none":
        return {}, []
    base, over = d.parts
    units = np.asarray(base_units, dtype=float)
    in_service = units > 0
    drill_h = sv["standby_failover_tests_per_year"] / 12.0 * sv["standby_failover_test_hours"]
    lines = {
        "standby_drills": drill_h * _drill_usd_per_hour(over, sv, _base_capacity(base, units), total_per_output)
        * in_service,
        "standby_image": _image_usd_per_month(over, sv) * in_service,
        "standby_staff": sv["standby_sysadmin_fte"] * sysadmin_usd_per_month * in_service,
    }
    lines = {k: np.asarray(v, dtype=float) for k, v in lines.items() if np.any(v)}
    if not lines:
        return {}, []
    tests = float(np.mean(sv["standby_failover_tests_per_year"]))
    hours = float(np.mean(sv["standby_failover_test_hours"]))
    src, as_of = sv.sources["standby_failover_tests_per_year"]
    row = Assumption(
        name=STANDBY_ROW,
        value=f"{over.id} kept ready: {tests:g} failover drills a year of {hours:g} h at the base's full load, "
              f"{float(np.mean(sv['standby_sysadmin_fte'])):g} FTE of SRE, a warm image for cloud instances; "
              "on-demand capacity is not reserved (standby: none drops the cost and the availability credit)",
        unit="", source=src, as_of=as_of)
    return lines, [row]

