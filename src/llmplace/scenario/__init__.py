"""The scenario: one business's question, validated, and the first stage of every comparison.

- :mod:`.schema`: the model, workload, latency, option, site and finance sections;
- :mod:`.distributions`: uncertain inputs and the Monte Carlo settings;
- :mod:`.criteria_settings`: hard constraints and the settings of the criteria beyond cost;
- :mod:`.loading`: reading YAML or JSON, error translation and the JSON Schema;
- :mod:`.starter`: the commented starter scenario that ``llmplace init`` writes.

Nothing in this package imports a later stage (sizing, costs, criteria, decision, the faces).
"""

from __future__ import annotations

from .criteria_settings import Answers, Constraints, CriteriaSettings
from .distributions import UncertainInput, Uncertainty, collect_distributions
from .loading import load_scenario, parse_scenario, scenario_json_schema
from .schema import (
    DEPRECATED_SITE_FIELDS,
    ApiOption,
    Burst,
    CloudOption,
    Finance,
    HybridOption,
    InHouseOption,
    Latency,
    ModelChoice,
    Option,
    Scenario,
    Site,
    Workload,
)
from .starter import starter_scenario

__all__ = [
    "DEPRECATED_SITE_FIELDS",
    "Answers",
    "ApiOption",
    "Burst",
    "CloudOption",
    "Constraints",
    "CriteriaSettings",
    "Finance",
    "HybridOption",
    "InHouseOption",
    "Latency",
    "ModelChoice",
    "Option",
    "Scenario",
    "Site",
    "UncertainInput",
    "Uncertainty",
    "Workload",
    "collect_distributions",
    "load_scenario",
    "parse_scenario",
    "scenario_json_schema",
    "starter_scenario",
]
