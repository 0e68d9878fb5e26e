"""Scenario sections for what cost does not show: hard ``constraints`` and the ``criteria`` settings.

Both have defaults, so scenario files without them stay valid. Codes and names are checked against
the bundled data (``locations.csv``, ``criteria_profiles.csv``) so a typo fails with the field named.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from ..catalog import criteria_data as data
from .base import StrictModel

__all__ = ["Answers", "Constraints", "CriteriaSettings", "DataClassification", "UsersLocation"]

DataClassification = Literal["public", "internal", "confidential", "regulated"]
UsersLocation = Literal["on_site", "remote", "cloud"]


def _weight(w: float) -> float:
    """A weight in points: a finite number >= 0 (infinity or NaN would break the weighted means)."""
    if not (math.isfinite(w) and w >= 0):
        raise ValueError("finite numbers >= 0")
    return w


def _country(v: str | None, what: str) -> str | None:
    if v is None:
        return None
    code = v.strip().upper()
    if data.location("country", code) is None:
        known = ", ".join(sorted(loc.key for loc in data.locations("country")))
        raise ValueError(f"{what} must be an ISO country code listed in locations.csv ({known})")
    return code


class Constraints(StrictModel):
    """Hard constraints: an option that breaks one is excluded, with the reason stated."""

    data_classification: DataClassification = Field(
        default="internal",
        description="the most sensitive data the model will see: public, internal, confidential, regulated",
    )
    third_party_processing: bool | None = Field(
        default=None,
        description="whether a third party (a managed API) may process the data; default: by classification "
        "(data_classes.csv)",
    )
    third_party_hosting: bool | None = Field(
        default=None,
        description="whether the data may sit on hardware a third party operates (cloud instances); "
        "default: by classification",
    )
    data_residency: list[str] = Field(
        default_factory=list,
        description="countries (ISO codes), groups (EU, EEA) or areas (EUROPE, NORTH_AMERICA) where the "
        "data may be processed; empty = anywhere",
    )
    offline: bool = Field(
        default=False, description="the service must keep working without internet access (air-gapped)"
    )
    site_power_kw: float | None = Field(
        default=None, gt=0, description="IT power available on site for in-house servers [kW]"
    )
    site_rack_units: int | None = Field(default=None, gt=0, description="rack space available on site [U]")
    capex_budget_usd: float | None = Field(
        default=None, ge=0, description="ceiling on the upfront spend [USD]"
    )
    max_latency_ms: float | None = Field(
        default=None,
        gt=0,
        description="longest acceptable time to the first token at the user: network round trip "
        "plus TTFT [ms]",
    )

    @field_validator("data_residency")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        known = data.residency_codes()
        out = []
        for code in v:
            c = code.strip().upper()
            if c not in known:
                raise ValueError(
                    f"{code!r} is not a known country, group or area code (e.g. US, DE, EU, EEA, EUROPE)"
                )
            out.append(c)
        return out

    def processing_allowed(self) -> tuple[bool, str]:
        """Whether third-party processing is allowed, and why (the explicit answer or the class default)."""
        if self.third_party_processing is not None:
            return self.third_party_processing, "constraints.third_party_processing"
        allowed, _, _ = data.data_class(self.data_classification)
        return allowed, f"data_classification={self.data_classification} (default)"

    def hosting_allowed(self) -> tuple[bool, str]:
        if self.third_party_hosting is not None:
            return self.third_party_hosting, "constraints.third_party_hosting"
        _, allowed, _ = data.data_class(self.data_classification)
        return allowed, f"data_classification={self.data_classification} (default)"


class Answers(StrictModel):
    """The business's answers where no number exists (they select rows of criteria_traits.csv)."""

    fine_tuning_needed: bool = Field(
        default=False, description="you will fine-tune the model or serve your own weights"
    )
    custom_stack_needed: bool = Field(
        default=False,
        description="you need custom hardware or serving software (engine patches, special accelerators)",
    )
    infra_team_in_house: bool = Field(
        default=False, description="you already run servers and have the skills in-house"
    )


class CriteriaSettings(StrictModel):
    """How the options are scored beyond cost: the weights, where the users are, what downtime costs."""

    profile: str = Field(
        default="balanced",
        description="organisation profile for the weights: balanced, startup, mid_size_saas, "
        "regulated_enterprise, public_sector, research_lab",
    )
    weights: dict[str, Annotated[float, AfterValidator(_weight)]] = Field(
        default_factory=dict,
        description="custom weights in points per criterion; they replace the profile's weight for the "
        "criteria named",
    )
    downtime_usd_per_hour: float | None = Field(
        default=None,
        ge=0,
        description="what one hour of outage during active hours costs the business [USD/h]",
    )
    users: UsersLocation = Field(
        default="on_site",
        description="where the callers are: on_site (the office network), remote (over the internet), "
        "cloud (an application in a cloud region)",
    )
    users_country: str | None = Field(
        default=None, description="country of the users (ISO code); default: the same area as every option"
    )
    site_country: str | None = Field(
        default=None, description="country of your own site or colocation facility (ISO code)"
    )
    option_countries: dict[str, str] = Field(
        default_factory=dict,
        description="option id -> country (ISO code) where that option processes data, overriding "
        "the catalog",
    )
    site_backup_power: bool = Field(
        default=False, description="the on-site server room has UPS and a standby generator"
    )
    answers: Answers = Field(default_factory=lambda: Answers())

    @field_validator("profile")
    @classmethod
    def _profile(cls, v: str) -> str:
        if v not in data.profiles():
            raise ValueError(f"must be one of: {', '.join(data.profiles())}")
        return v

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        for k in v:  # each value is checked by _weight (finite, >= 0)
            if k not in data.CRITERIA:
                raise ValueError(f"unknown criterion {k!r}; allowed: {', '.join(data.CRITERIA)}")
        return v

    @field_validator("users_country", "site_country")
    @classmethod
    def _countries(cls, v: str | None) -> str | None:
        return _country(v, "the country")

    @field_validator("option_countries")
    @classmethod
    def _option_countries(cls, v: dict[str, str]) -> dict[str, str]:
        return {k: _country(c, f"the country of option {k!r}") or c for k, c in v.items()}
