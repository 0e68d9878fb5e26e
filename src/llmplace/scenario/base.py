"""The base of every scenario section: unknown fields are refused, fields may be given by alias, and
every number must be finite (``.inf``, ``nan`` and the strings ``"inf"``/``"nan"`` are refused)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictModel"]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)
