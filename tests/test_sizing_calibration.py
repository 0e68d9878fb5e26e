"""Accuracy against the calibration set, through the functions of benchmarks/sizing_accuracy.py.

In-sample targets are issue 3's (item 6): median absolute percentage error <= 15 % on throughput and
<= 20 % on TTFT and TPOT, no GPU family worse than 35 %; the leave-one-source-out test states which of
issue 13's held-out targets are met and guards the others at their present level. The bare roofline
(efficiency 1.0) is the comparison the issue asks to show; llm-analysis, GenZ and 0.7/0.9 rooflines land
at 28-85 % on throughput rows like these.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from llmplace.sizing import calibration as cal
from llmplace.sizing import default_efficiency, ideal_efficiency

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = ROOT / "benchmarks" / "sizing_accuracy.py"
    spec = importlib.util.spec_from_file_location("sizing_accuracy", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["sizing_accuracy"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def cases() -> list[cal.CalibrationCase]:
    parsed, skipped = cal.parse_calibration()
    assert len(skipped) <= 3, skipped  # "keep skips few": every row is interpreted today
    return parsed


def test_every_row_is_interpreted_with_its_assumptions(cases: list[cal.CalibrationCase]) -> None:
    assert len(cases) >= 127
    assert {c.source for c in cases} == set(cal.SOURCE_ASSUMPTIONS)
    for c in cases:
        assert c.group in ("throughput", "ttft", "tpot") and c.value > 0
        assert c.mode in ("static", "continuous", "offline_max", "server_rate", "server_capacity")
    by_id = {c.row_id: c for c in cases}
    # Argonne e2e batch latency -> throughput: row 129, 64 x 128 / 3.58 s = 2,288 tok/s (the row's note)
    assert by_id[129].value == pytest.approx(2288, rel=1e-3)
    # ALCF H100 -> SXM, Polaris A100 -> 40 GB, GH200 96 GB, FasterTransformer -> trt-llm
    assert by_id[129].gpu == "h100-sxm" and by_id[145].gpu == "a100-40gb" and by_id[169].gpu == "gh200-96gb"
    assert by_id[181].engine == "trt-llm" and by_id[181].model == "test-13b"
    # MLPerf server rows: arrival rate or p99 limits turned into mean targets
    assert by_id[9].mode == "server_rate" and by_id[9].arrival_per_s == pytest.approx(91.24)
    assert by_id[32].tpot_limit_ms == pytest.approx(40 / cal.TPOT_P99_OVER_MEAN)
    assert by_id[43].beams == 4 and by_id[43].metric == "samples_per_s"


def test_vllm_rows_carry_their_engine_generation(cases: list[cal.CalibrationCase]) -> None:
    """vLLM's V1 engine is the default from 0.8.0 (2025-03); older builds calibrate as ``vllm:v0``.

    Row 18: MLPerf v4.1 AMD, "vLLM 0.4.3+rocm614" -> V0; row 25: MLPerf v5.0 (submissions frozen
    2025-02, no version in the row) -> V0; rows 195-203: MLPerf v5.1 AMD, "vLLM 0.9.0.2" -> V1; Argonne
    (2024) and the OCI MI300X post (2024-10) -> V0; TensorRT-LLM rows keep their engine.
    """
    by_id = {c.row_id: c for c in cases}
    assert by_id[18].engine == "vllm:v0" and by_id[25].engine == "vllm:v0"
    assert all(by_id[i].engine == "vllm" for i in range(195, 204))
    assert by_id[158].engine == "vllm:v0" and by_id[204].engine == "vllm:v0"
    assert by_id[6].engine == "trt-llm" and by_id[210].engine == "sglang"


def test_new_sources_are_read_as_published(cases: list[cal.CalibrationCase]) -> None:
    """OCI post (2024-10-10): batch 256 x 128 output tokens in 17.750 s = 1,846 tok/s (the post's own TPS
    column); the SGLang B200 sweep's concurrency-1 points are a one-client closed loop, gpt-oss-120b in
    its MXFP4 checkpoint; MLPerf v5.1 MI325X Mixtral offline 68,781.4 tok/s at 145 output tokens."""
    by_id = {c.row_id: c for c in cases}
    assert by_id[209].mode == "static" and by_id[209].value == pytest.approx(1846, rel=1e-3)
    assert by_id[210].mode == "continuous" and by_id[210].precision == "mxfp4"
    assert by_id[210].metric == "tpot_ms" and by_id[210].value == pytest.approx(2.41)
    assert by_id[202].gpu == "mi325x" and by_id[202].mode == "offline_max"
    assert by_id[202].output_tokens == 145 and by_id[202].value == pytest.approx(68781.4)
    # MLPerf v5.1 NVIDIA B200 (NVFP4), v5.0 Dell 8 x L40S, and vLLM 0.21 (V1) on one H100 at concurrency 1
    assert by_id[214].precision == "nvfp4" and by_id[216].tpot_limit_ms == pytest.approx(40 / 1.15)
    assert by_id[219].gpu == "l40s" and by_id[219].mode == "offline_max"
    assert by_id[221].engine == "vllm" and by_id[221].metric == "tpot_ms" and by_id[221].value == 6.48


def test_calibrated_model_meets_the_accuracy_targets(bench: ModuleType,
                                                     cases: list[cal.CalibrationCase]) -> None:
    ev = bench.evaluate(cases, default_efficiency())
    assert np.all(np.isfinite(ev.predicted))
    s = bench.summary(cases, ev.predicted)
    assert s["overall"]["throughput"][0] <= 15.0
    assert s["overall"]["ttft"][0] <= 20.0
    assert s["overall"]["tpot"][0] <= 20.0
    for family, st in s.items():
        assert st["all"][0] <= 35.0, family


def test_bare_roofline_is_far_worse(bench: ModuleType, cases: list[cal.CalibrationCase]) -> None:
    ours = bench.summary(cases, bench.evaluate(cases, default_efficiency()).predicted)
    bare = bench.summary(cases, bench.evaluate(cases, ideal_efficiency()).predicted)
    usual = bench.summary(cases, bench.evaluate(cases, bench.usual_roofline()).predicted)
    for g in ("throughput", "ttft", "tpot"):
        assert ours["overall"][g][0] * 2 < bare["overall"][g][0], g
        assert ours["overall"][g][0] < usual["overall"][g][0], g


def test_roofline_only_ever_overpredicts_throughput(bench: ModuleType,
                                                    cases: list[cal.CalibrationCase]) -> None:
    # With efficiency 1.0 and no overheads the model is a lower bound on time: it over-predicts
    # throughput and under-predicts latency on (nearly) every measured row. Exceptions are rows whose
    # measurement exceeds our reading of the configuration (row 147: 64 sequences of 2,048 tokens do
    # not fit 4 x A100-40GB at 90 % memory use; we run it in waves).
    ev = bench.evaluate(cases, ideal_efficiency())
    wrong = [c.row_id for c, p in zip(cases, ev.predicted, strict=True)
             if (c.group == "throughput" and p < c.value) or (c.group != "throughput" and p > c.value)]
    assert set(wrong) <= {147}, wrong


def test_efficiency_table_has_provenance_and_physical_values() -> None:
    eff = default_efficiency()
    for r in eff.rows:
        assert r.as_of and r.source, r.ident
        if r.fitted:
            assert "perf_calibration" in r.source and "sizing_accuracy.py --fit" in r.source
        if r.param.endswith("_efficiency"):
            assert 0 < r.value <= 1.0, r.ident
    for fam in ("ampere", "ada", "hopper", "blackwell", "cdna3"):
        for e in ("trt-llm", "vllm", "sglang", "tgi"):
            assert 0 < eff.bandwidth(fam, e, "fp16") <= 1.0 and 0 < eff.compute(fam, e, "fp8") <= 1.0


def test_leave_one_source_out_meets_its_target(bench: ModuleType, cases: list[cal.CalibrationCase]) -> None:
    """Each source held out of the fit and predicted: issue 13's held-out targets.

    The benchmark (``python benchmarks/sizing_accuracy.py``) refits every factor from the priors for each
    held-out source (10-14 minutes on a loaded 2-core machine); this test starts each refit from the
    bundled fit (``warm=True``, at most 30 evaluations, 2 rounds of tensor-parallel choice), which reaches
    nearly the same optimum of the same objective sooner (about 270 s of CPU). On the 199 rows the factors
    were fitted on, benchmark vs this shortcut, median / p90 %: throughput 15.4 / 46.6 vs 14.5 / 45.7, TTFT
    19.9 / 68.0 vs 19.8 / 68.0, TPOT 13.5 / 54.4 vs 13.5 / 54.3, ada 32.7 vs 32.7, cdna3 32.0 vs 32.0,
    hopper 10.1 vs 9.4, ampere 16.8 vs 14.0 (the shortcut is up to 0.9 points optimistic on the overall
    throughput median, 2.8 on Ampere's). On the 210 rows of 2026-12-03 the shortcut gives throughput
    14.5 / 46.2, TTFT 19.7 / 68.0, TPOT 11.6 / 52.0, ada 32.4, cdna3 32.0, hopper 9.5, ampere 10.8,
    blackwell 16.9.

    Met and asserted: TTFT and TPOT medians <= 25 %, throughput p90 <= 50 %, Hopper, Ampere and Blackwell
    <= 30 %. Not met (guarded near their present level so they cannot silently worsen): the throughput
    median (<= 15 % asked; 15.4 % in the benchmark), TTFT and TPOT p90 (<= 50 % asked: MLPerf server TTFT
    under Poisson arrivals and the B200 Mixtral and Llama-3.1-405B server rows are under-predicted in sample
    too), AMD MI300X (Argonne's 2024 ROCm vLLM rows are 2-4x slower than every other MI300X source) and Ada
    (the 72 W L4 row and the PCIe-only 8 x L40S offline rows) above 30 %.
    """
    pred, per = bench.leave_one_source_out(cases, default_efficiency(), max_nfev=30, warm=True, rounds=2)
    s = bench.summary(cases, pred)
    assert set(per) == set(cal.SOURCE_ASSUMPTIONS)
    assert all(math.isfinite(v[0]) for v in per.values())
    assert s["overall"]["ttft"][0] <= 25.0 and s["overall"]["tpot"][0] <= 25.0
    assert s["overall"]["throughput"][1] <= 50.0
    for family in ("hopper", "ampere", "blackwell"):
        assert s[family]["all"][0] <= 30.0, family
    # Not yet at the targets: no worse than today (benchmark figures + 2 points).
    assert s["overall"]["throughput"][0] <= 17.5
    assert s["overall"]["ttft"][1] <= 71.0 and s["overall"]["tpot"][1] <= 57.0
    assert s["ada"]["all"][0] <= 35.0 and s["cdna3"]["all"][0] <= 34.0
