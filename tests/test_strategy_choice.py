"""The recommendation may be a strategy over time: scored on the same criteria as the single options (beyond cost
the lowest score of the deployments it runs on, the cost criteria from its own figures), named when it wins on
that basis by a material saving."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmplace import CompareResult, compare
from llmplace.catalog import criteria_data as data
from llmplace.conventions import STRATEGY_MIN_SAVING_SHARE
from llmplace.criteria.strategy import choose_strategy
from llmplace.results import Recommendation

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "growing-chat-startup.yaml"
#: only the total cost counts: the two weighted totals are then the total-cost scores alone
COST_ONLY = {c: (1.0 if c == "total_cost" else 0.0) for c in data.CRITERIA}


def _growing(weights: dict[str, float] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    if weights is not None:
        doc["criteria"]["weights"] = weights
    return doc


@pytest.fixture(scope="module")
def cost_only() -> CompareResult:
    return compare(_growing(COST_ONLY), samples=0)


def test_a_strategy_that_wins_on_the_same_basis_is_the_recommendation(cost_only: CompareResult) -> None:
    """With only the total cost weighed, the best single option (groq) scores 10 x strategy TCO / its TCO < 10 and
    the strategy, the cheapest, scores 10; the strategy also saves more than the material share of groq's TCO, so
    it is the recommendation: kind 'strategy', id 'first -> second', groq as the runner-up, the plan in plain
    words first. (Before, the recommendation could only name a single option.)"""
    r = cost_only
    st, rec = r.strategy, r.recommendation
    assert st is not None and rec is not None
    groq = r.find("groq")
    assert groq is not None and st.best_single == "groq"
    assert (groq.tco_usd - st.tco_usd) / groq.tco_usd >= STRATEGY_MIN_SAVING_SHARE  # precondition: 12 % here
    assert st.recommended and rec.kind == "strategy"
    assert rec.id == f"{st.first} -> {st.second}" and rec.option == st.first and rec.runner_up == "groq"
    assert rec.plan[0] == f"Over time: {st.plain_words}"
    assert st.scores["total_cost"].score == pytest.approx(10.0)
    assert st.weighted_total == pytest.approx(10.0)
    doc = json.loads(json.dumps(r.to_dict()))
    assert doc["recommendation"]["kind"] == "strategy" and doc["recommendation"]["id"] == rec.id
    assert doc["strategy"]["recommended"] is True


def test_the_report_and_the_cli_name_the_strategy(cost_only: CompareResult, invoke: Any, tmp_path: Path) -> None:
    """The report's summary headline names the strategy (not its first option alone), no option row is marked
    recommended, and the CLI's table marks the strategy's row; its text repeats the same recommendation."""
    from llmplace.report.content import build

    content = build(cost_only)
    assert content.summary.headline.startswith("Recommended strategy:")
    assert content.summary.recommended == cost_only.recommendation.id  # type: ignore[union-attr]
    path = tmp_path / "growing.yaml"
    path.write_text(yaml.safe_dump(_growing(COST_ONLY)))
    out = invoke("compare", str(path), "--samples", "0")
    assert out.exit_code == 0, out.output
    assert "strategy (recommended)" in out.output
    assert "Recommended: a strategy over time, groq until month" in out.output


def test_each_criterion_beyond_cost_takes_the_weakest_deployment() -> None:
    """With the example's own (startup) weights the strategy's score on every criterion beyond cost is the lowest of
    the deployments it runs on: groq, the hybrid, and the hybrid's base (own-8xh100) and overflow (groq); with
    the owned servers' weaker scores the API alone stays recommended, though the strategy costs less."""
    r = compare(_growing(), samples=0)
    st, rec = r.strategy, r.recommendation
    assert st is not None and rec is not None and st.pays_off
    runs_on = [r.find(i) for i in ("groq", "own-base-api-overflow", "own-8xh100")]
    for c in data.CRITERIA:
        if c in ("total_cost", "initial_cost"):
            continue
        assert st.scores[c].score == min(o.criteria.scores[c].score for o in runs_on if o and o.criteria), c
    assert st.scores["maintenance_burden"].score < r.find("groq").criteria.scores["maintenance_burden"].score  # type: ignore[union-attr]
    assert not st.recommended and rec.kind == "option" and rec.option == "groq"


def test_a_small_saving_does_not_replace_the_recommended_option() -> None:
    """A strategy whose weighted total is higher only through a saving under the material share (the test
    scenario of test_strategy over 36 months saves about 1.5 % against owning servers from the start) is not
    recommended: a switch is a project whose execution risk a saving that small does not pay for."""
    from tests.test_strategy import _scenario

    doc = _scenario(horizon=36)
    del doc["options"][0]["bridge"]  # the in-house option bridges on the API until its servers arrive: eligible
    doc["criteria"] = {"weights": COST_ONLY}
    r = compare(doc)
    st, rec = r.strategy, r.recommendation
    assert st is not None and rec is not None and st.best_single == rec.option
    assert 0 < st.saving_usd < STRATEGY_MIN_SAVING_SHARE * st.best_single_tco_usd  # type: ignore[operator]
    # on the same basis (the strategy's lower TCO as the reference) the single option scores 10 x TCO ratio < 10
    assert st.weighted_total == pytest.approx(10.0) and 10.0 * st.tco_usd / st.best_single_tco_usd < 10.0  # type: ignore[operator]
    assert not st.recommended and rec.kind == "option"
    assert st.not_recommended_because is not None and "under the 5% a switch must save" in st.not_recommended_because


def test_a_switch_that_pays_off_in_too_few_samples_is_not_recommended(cost_only: CompareResult) -> None:
    """Under uncertainty a strategy must pay off in at least half the samples to be recommended: the same plan
    with a probability of 40 % (the example's own Monte Carlo figure) is not, with 60 % it is."""
    st = cost_only.strategy
    assert st is not None
    single = Recommendation(option="groq", id="groq", summary="Recommended: groq")
    base = cost_only.model_copy(update={"recommendation": single})
    low, rec_low = choose_strategy(base, st.model_copy(update={"probability_pays_off": 0.4}))
    high, rec_high = choose_strategy(base, st.model_copy(update={"probability_pays_off": 0.6}))
    assert rec_low is None and not low.recommended
    assert low.not_recommended_because == ("switching pays off in only 40% of the Monte Carlo samples "
                                           "(at least 50% needed)")
    assert rec_high is not None and rec_high.kind == "strategy" and high.recommended
