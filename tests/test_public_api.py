"""The public API is closed: exactly the names in __all__, each importable."""

from __future__ import annotations

import llmplace

EXPECTED = {
    "BreakEven", "CompareResult", "InfeasibleError", "InputError", "LlmplaceError", "OptionResult", "Scenario",
    "UnknownNameError", "__version__", "compare", "load_scenario", "parse_scenario", "scenario_json_schema",
    "PortfolioResult", "compare_portfolio",
}


def test_all_is_exactly_the_documented_api():
    assert set(llmplace.__all__) == EXPECTED
    for name in llmplace.__all__:
        assert hasattr(llmplace, name), name


def test_error_tree_has_one_root():
    assert issubclass(llmplace.InputError, llmplace.LlmplaceError)
    assert issubclass(llmplace.UnknownNameError, llmplace.InputError)
    assert issubclass(llmplace.InfeasibleError, llmplace.InputError)
