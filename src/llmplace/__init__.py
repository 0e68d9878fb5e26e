"""llmplace: where to run open-weight LLMs.

The public API is closed: everything importable from ``llmplace`` is listed in ``__all__``.
Modules not named here are private and may change.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .decision import BreakEven, CompareResult, OptionResult, compare  # noqa: E402
from .errors import InfeasibleError, InputError, LlmplaceError, UnknownNameError  # noqa: E402
from .portfolio import compare_portfolio  # noqa: E402
from .results.portfolio import PortfolioResult  # noqa: E402
from .scenario import Scenario, load_scenario, parse_scenario, scenario_json_schema  # noqa: E402

__all__ = [
    "BreakEven",
    "CompareResult",
    "InfeasibleError",
    "InputError",
    "LlmplaceError",
    "OptionResult",
    "PortfolioResult",
    "Scenario",
    "UnknownNameError",
    "__version__",
    "compare",
    "compare_portfolio",
    "load_scenario",
    "parse_scenario",
    "scenario_json_schema",
]
