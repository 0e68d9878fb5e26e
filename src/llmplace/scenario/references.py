"""Checks across a scenario's options: the ids a hybrid, a bridge or a phased plan refers to name options that can
take that role (with the nearest fitting ids suggested)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InputError, did_you_mean
from .schema import ApiOption, CloudOption, HybridOption, InHouseOption, PhasedPlan

__all__ = ["check_references"]


def check_references(options: list[Any], phased: list[PhasedPlan], horizon: int) -> None:
    """Raise an InputError naming the first reference that names no option able to take its role."""
    kinds = {o.id: o for o in options if o.id}
    for i, o in enumerate(options):
        if isinstance(o, InHouseOption) and o.bridge is not None and o.bridge != "none" \
                and not _elastic(kinds.get(o.bridge)):
            raise InputError(f"options[{i}].bridge", o.bridge, "none, or the id of an api option or of an "
                             "on-demand or spot cloud option (give that option an id)",
                             _near_ids(o.bridge, kinds, _elastic))
        if isinstance(o, HybridOption):
            base, over = kinds.get(o.base), kinds.get(o.overflow)
            if not _can_be_base(base):
                raise InputError(f"options[{i}].base", o.base, "the id of an in_house option or of a cloud "
                                 "option with a reserved plan (give that option an id)",
                                 _near_ids(o.base, kinds, _can_be_base))
            if not _elastic(over):
                raise InputError(f"options[{i}].overflow", o.overflow, "the id of an api option or of an "
                                 "on-demand or spot cloud option (give that option an id)",
                                 _near_ids(o.overflow, kinds, _elastic))
    for k, plan in enumerate(phased):
        _check_plan(f"phased[{k}]", plan, kinds, horizon)


def _owns_servers(o: Any, kinds: dict[str, Any]) -> bool:
    return isinstance(o, InHouseOption) or (isinstance(o, HybridOption) and isinstance(kinds.get(o.base),
                                                                                      InHouseOption))


def _check_plan(where: str, plan: PhasedPlan, kinds: dict[str, Any], horizon: int) -> None:
    first, second = plan.phases
    if plan.id in kinds:
        raise InputError(f"{where}.id", plan.id, "an id no option uses")
    if first.start_month != 1:
        raise InputError(f"{where}.phases[0].start_month", first.start_month, "1 (the first phase serves from "
                         "month 1)")
    if not isinstance(kinds.get(first.option), (ApiOption, CloudOption)):
        raise InputError(f"{where}.phases[0].option", first.option, "the id of an api option or of a cloud option "
                         "(a reserved plan's reservations are paid to the end of their term)",
                         _near_ids(first.option, kinds, lambda o: isinstance(o, (ApiOption, CloudOption))))
    if not _owns_servers(kinds.get(second.option), kinds):
        raise InputError(f"{where}.phases[1].option", second.option, "the id of an in_house option or of a "
                         "hybrid whose base is an in_house option",
                         _near_ids(second.option, kinds, lambda o: _owns_servers(o, kinds)))
    if not 2 <= second.start_month <= horizon:
        raise InputError(f"{where}.phases[1].start_month", second.start_month, f"a month from 2 to {horizon}")


def _can_be_base(o: Any) -> bool:
    """An option a hybrid may keep as its base: in-house servers or reserved cloud instances."""
    return isinstance(o, InHouseOption) or (isinstance(o, CloudOption) and o.plan.startswith("reserved"))


def _near_ids(value: Any, kinds: dict[str, Any], fits: Callable[[Any], bool]) -> str | None:
    """'did you mean ...?' with the ids of the options that could take the role, nearest first."""
    return did_you_mean(str(value), [k for k, o in kinds.items() if fits(o)])


def _elastic(o: Any) -> bool:
    """An option paid only as used: an API, or on-demand or spot cloud instances (an overflow or a bridge)."""
    return isinstance(o, ApiOption) or (isinstance(o, CloudOption) and not o.plan.startswith("reserved"))
