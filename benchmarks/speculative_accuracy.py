"""Speculative decoding: modelled speed-ups against published ones, and the speed-up over concurrency.

Usage: python benchmarks/speculative_accuracy.py
Target (issue 13): every published ratio within 30 % (tests/published/test_published_speculative.py
asserts the same cases; the sources and why the settings are what they are are in its docstrings).
"""

from __future__ import annotations

from dataclasses import dataclass

from llmplace.catalog import get_gpu, get_model
from llmplace.sizing import estimate_speculative
from llmplace.sizing.speculative import resolve_speculation


@dataclass(frozen=True)
class Case:
    label: str
    model: str
    gpu: str
    gpus: int
    precision: str
    engine: str
    concurrency: int
    input_tokens: int
    output_tokens: int
    method: str
    draft_tokens: int
    acceptance: float
    published: float
    source: str


CASES = (
    Case("EAGLE-3 Llama-3.1-8B bs1", "llama-3.1-8b", "h100-sxm", 1, "bf16", "sglang", 1, 100, 500, "eagle", 5,
         0.651, 373.25 / 158.34, "docs.sglang.ai speculative decoding (2025)"),
    Case("EAGLE-3 Llama-3.1-8B bs64", "llama-3.1-8b", "h100-sxm", 1, "bf16", "sglang", 64, 100, 500, "eagle", 5,
         0.651, 1.38, "arXiv:2503.01840 abstract"),
    Case("MTP DeepSeek-V3 bs1 (SGLang)", "deepseek-v3", "h200", 8, "fp8", "sglang", 1, 1000, 1000, "mtp", 1, 0.9,
         1.76, "sgl-project/sglang#3582 (2025-02-14)"),
    Case("MTP DeepSeek-V3 (report) c16", "deepseek-v3", "h200", 8, "fp8", "sglang", 16, 1000, 1000, "mtp", 1,
         0.875, 1.8, "arXiv:2412.19437 sec. 5.4.3"),
    Case("MTP DeepSeek-V3 (report) c256", "deepseek-v3", "h200", 8, "fp8", "sglang", 256, 1000, 1000, "mtp", 1,
         0.875, 1.8, "arXiv:2412.19437 sec. 5.4.3"),
)

# Published, but outside the 30 % target: printed so the gap stays visible. DeepSeek-R1 with MTP (k = 1,
# acceptance 1918 of 2180 drafted tokens = 0.88) in HabanaAI/vllm-fork#1264 (2025-05-15), 8 Gaudi cards (generation
# not stated; Gaudi 3 here), 1024 in / 1024 out: 1.6x at batch 4, 1.5x at 32, 1.35x at 128, none at 256 (the
# engine's batch cap). The model keeps ~1.7x up to 256: every batch still reads all experts (bandwidth-bound).
# Counting latent attention's absorbed form (2 x heads x 1,088 FLOPs per context token and layer) does not move
# it: under tensor parallelism 8 each GPU reads the whole 576-value latent for 16 of the 128 heads, 60 FLOPs
# per byte of fp8 cache, so attention stays bandwidth-bound; the measured fall-off is not explained.
GAPS = (
    Case("MTP DeepSeek-R1 Gaudi bs4", "deepseek-r1", "gaudi3", 8, "fp8", "vllm", 4, 1024, 1024, "mtp", 1, 0.88, 1.6,
         "HabanaAI/vllm-fork#1264 (2025-05-15)"),
    Case("MTP DeepSeek-R1 Gaudi bs32", "deepseek-r1", "gaudi3", 8, "fp8", "vllm", 32, 1024, 1024, "mtp", 1, 0.88,
         1.5, "HabanaAI/vllm-fork#1264 (2025-05-15)"),
    Case("MTP DeepSeek-R1 Gaudi bs128", "deepseek-r1", "gaudi3", 8, "fp8", "vllm", 128, 1024, 1024, "mtp", 1, 0.88,
         1.35, "HabanaAI/vllm-fork#1264 (2025-05-15)"),
)

SWEEP = (
    ("llama-3.3-70b", "h100-sxm", 4, "draft", 4, 0.7, "llama-3.1-8b"),
    ("llama-3.3-70b", "h100-sxm", 4, "eagle", 3, 0.65, None),
    ("llama-3.3-70b", "h100-sxm", 4, "ngram", 3, 0.3, None),
    ("deepseek-v3", "h200", 8, "mtp", 1, 0.85, None),
)


def _speedup(model: str, gpu: str, gpus: int, precision: str, engine: str, concurrency: int | None, s: int,
             o: int, method: str, k: int, a: float, draft: str | None = None) -> tuple[float, int]:
    res = estimate_speculative(get_model(model), get_gpu(gpu), gpus, precision, engine, input_tokens=s, output_tokens=o,
                   concurrency=concurrency, speculative=resolve_speculation(method, k, a, draft))
    assert res.speculative is not None and res.speculative.speedup is not None and res.concurrency is not None
    return res.speculative.speedup, res.concurrency


def _table(cases: tuple[Case, ...]) -> float:
    print(f"{'case':32s} {'k':>2s} {'a':>5s} {'model':>6s} {'published':>9s} {'error':>7s}  source")
    worst = 0.0
    for c in cases:
        got, _ = _speedup(c.model, c.gpu, c.gpus, c.precision, c.engine, c.concurrency, c.input_tokens,
                          c.output_tokens, c.method, c.draft_tokens, c.acceptance)
        err = got / c.published - 1.0
        worst = max(worst, abs(err))
        print(f"{c.label:32s} {c.draft_tokens:2d} {c.acceptance:5.3f} {got:5.2f}x {c.published:8.2f}x "
              f"{err:+7.1%}  {c.source}")
    return worst


def main() -> None:
    worst = _table(CASES)
    print(f"worst |error| {worst:.1%} (target <= 30 %)\n")
    print("known gap (outside the target; see GAPS in this script):")
    _table(GAPS)
    print()
    print("speed-up (on / off, same concurrency), 1000 in / 500 out, by concurrency:")
    levels = (1, 4, 16, 64, 256, None)
    print(f"{'model / method':40s} " + " ".join(f"{'max' if n is None else n:>7}" for n in levels))
    for model, gpu, gpus, method, k, a, draft in SWEEP:
        cells = []
        for n in levels:
            got, used = _speedup(model, gpu, gpus, "fp8", "vllm", n, 1000, 500, method, k, a, draft)
            cells.append(f"{got:6.2f}x" if n is not None else f"{got:4.2f}x@{used}")
        print(f"{model + ' ' + method + f' k={k} a={a}':40s} " + " ".join(f"{x:>7s}" for x in cells))


if __name__ == "__main__":
    main()
