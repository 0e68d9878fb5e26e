"""Per-source and per-dataset assumptions of the calibration set (see :mod:`.calibration`).

Plain data: how each source's rows are read (serving regime, tensor parallelism, lengths), the mean
lengths assumed for benchmark datasets whose rows give none, and the one model built here (test-13b).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog.specs import ModelSpec

__all__ = [
    "CLOSED_LOOP_SOURCES",
    "DATASETS",
    "SOURCE_ASSUMPTIONS",
    "TEST_13B",
    "TPOT_P99_OVER_MEAN",
    "TTFT_P99_OVER_MEAN",
    "VLLM_V0_SOURCES",
    "VLLM_V1_FROM",
    "Dataset",
]

# ------------------------------------------------------------------------------------------------
# Assumptions, per source and per dataset (printed by benchmarks/sizing_accuracy.py).
# ------------------------------------------------------------------------------------------------

CLOSED_LOOP_SOURCES = frozenset({"hf-tgi-sagemaker", "nim-benchmarking", "sglang-b200-sweep", "inferencebench-h100",
                                 "gpustack-perf-lab"})
"""Sources whose rows are closed loops of ``concurrency`` clients (continuous batching in steady state)."""

VLLM_V1_FROM = (0, 8)
"""vLLM version from which the V1 engine is the default (vLLM 0.8.0, 2025-03): rows on older builds are
calibrated as engine ``vllm:v0`` (their own host overheads and batch cap, see efficiency.py)."""
VLLM_V0_SOURCES = frozenset({"argonne", "oci-mi300x-blog", "mlperf"})
"""Sources whose vLLM rows name no version and predate vLLM 0.8: Argonne LLM-Inference-Bench (2024), the
OCI MI300X post (2024-10), MLPerf rounds up to v5.0 (submissions frozen 2025-02). MLPerf v5.1 rows name
their version (0.9) and count as V1."""

TPOT_P99_OVER_MEAN = 1.15
"""MLPerf server limits are p99; the model predicts means. p99/mean of TPOT in the rows' own notes:
1.14 (row 4), 1.18 (9), 1.16 (17), 1.24 (23), 1.25 (25), 1.06 (27), 1.07 (31), 1.06 (33): ~1.15."""
TTFT_P99_OVER_MEAN = 2.5
"""p99/mean of TTFT in the same notes: 1.8 (8), 1.95 (23), 1.8 (25), 3.0 (27), 3.0 (33), 3.1 (39): ~2.5."""


@dataclass(frozen=True)
class Dataset:
    """Mean lengths assumed for a benchmark dataset whose rows give no number."""

    input_tokens: float
    output_tokens: float | None
    beams: int
    basis: str


DATASETS: dict[str, Dataset] = {
    "openorca": Dataset(
        250, 294.45, 1,
        "MLPerf llama2-70b OpenOrca (24,576 samples, input <= 1024): mean input not published in the rows; "
        "assumed 250 tokens. The ctuning/MLPerf-OpenOrca copy of the set holds 41.7 MB for system prompt + "
        "question + GPT-4 reference answer (~1,700 characters, ~400 Llama tokens per sample), leaving "
        "~200-300 tokens of prompt; a mean of 870 would need 95 % of the H200's dense fp8 peak to reach "
        "row 6. Output where blank: 294.45 tokens per sample (the benchmark's accuracy-target "
        "tokens_per_sample)."),
    "mixtral": Dataset(
        500, None, 1,
        "MLPerf mixtral-8x7b (5,000 each of OpenOrca, GSM8K and MBXP): mean input not stated; assumed "
        "500 tokens (OpenOrca ~250 as above, GSM8K few-shot prompts ~900, MBXP code prompts ~350)."),
    "llama3.1-405b": Dataset(
        9400, None, 1,
        "MLPerf llama3.1-405b (8,313 long-context samples): mean input assumed 9,400 tokens (the task "
        "force's description of the set; unverified here). At 2,000 tokens row 38 would use 12 % of the "
        "fp8 peak offline, at 9,400 about 45 %."),
    "cnn-dailymail": Dataset(
        950, 80.0, 4,
        "MLPerf GPT-J CNN-DailyMail (13,368 samples, input <= 1,919, max 128 new tokens, beam search with "
        "4 beams in the reference implementation): articles average 781 words (See et al. 2017) ~ 930 "
        "GPT-J BPE tokens + a 20-token instruction -> 950; outputs ~80 tokens (3-4 summary sentences; "
        "rows 43 and 44 agree at 31 samples/s/GPU ~ 2,470 tok/s/GPU). Each sample decodes 4 beams."),
    "sharegpt": Dataset(
        161, 50.0, 1,
        "ShareGPT prompts: mean input 161 tokens (Kwon et al. 2023, vLLM paper, ShareGPT statistics); "
        "output = max_new_tokens 50 (the k6 script sets it; generation assumed to run to the cap)."),
}

SOURCE_ASSUMPTIONS: dict[str, str] = {
    "mlperf": (
        "MLPerf Inference. Offline rows: the engine runs at its largest batch (KV-cache and engine "
        "limited). Server rows giving TTFT/TPOT: the replica holds the concurrency Little's law gives at "
        "the published arrival rate (C = rate x end-to-end latency). Server rows giving throughput: the "
        "largest concurrency whose mean TTFT/TPOT meet the round's p99 limits divided by the p99/mean "
        "ratios seen in the rows (TPOT 1.15, TTFT 2.5). Tensor parallelism: as the row states (TP1 for "
        "H200/B200 rows 6 and 14), else the degree among 1, 2, 4, 8 that maximises the system's "
        "throughput, as submitters tune; the system is 'GPUs / TP' replicas (a 72-GPU NVL72 rack: 9 replicas "
        "of up to 8 GPUs). H200 '700W TGP' = h200. v5.1 NVIDIA system pages give tokens/s only; output tokens "
        "per sample come from NVIDIA's v5.0 logs of the same benchmark (273 llama2-70b, 657 llama3.1-405b): "
        "the pages' TOKENS_PER_SAMPLE are accuracy floors (90 % of the reference). vLLM rows up to v5.0 are "
        "the V0 engine; AMD's v5.1 rows name vLLM 0.9 and are read as V1 (whether AMD's harness switched the "
        "V1 engine on is not stated)."),
    "trtllm-perf-overview": (
        "TensorRT-LLM perf-overview: offline max throughput, fixed ISL/OSL, all requests queued; TP = the "
        "row's GPU count; concurrency = min(KV-cache limit, engine max batch); FP8 checkpoints with fp8 KV."),
    "trtllm-performance-md": (
        "TensorRT-LLM performance.md (v0.5/v0.6.1 gptSessionBenchmark): a static batch of the row's size, "
        "throughput = batch x output / end-to-end; TTFT rows are a batch-1 prefill; TP = the GPU count."),
    "trtllm-blogs": (
        "TensorRT-LLM blogs (H100vsA100, H200launch, Falcon180B-H200): static batches as in "
        "performance.md; TP = the GPU count."),
    "hf-tgi-sagemaker": (
        "Hugging Face TGI 1.0.3 on SageMaker: k6 constant virtual users = concurrency in steady state "
        "(continuous batching); 'latency (ms/token)' = request latency / generated tokens; TP = the "
        "instance's GPUs (TGI num_shard); A10G rows on g5 instances, A100-40GB on p4d."),
    "argonne": (
        "Argonne LLM-Inference-Bench: static batches, input = output = the row's token count, "
        "throughput = batch x output / end-to-end batch latency; TTFT rows prefill a batch of 16 "
        "1,024-token prompts; TP = the GPU count. 'H100 (ALCF)' = H100 SXM: row 158 decodes Llama-3-8B "
        "at 7.9 ms/token, which would need 100 % of an H100 PCIe's 2.0 TB/s but 48 % of the SXM's 3.35; "
        "'A100 (ALCF Polaris)' = A100 SXM4 40GB (Polaris nodes); GH200 = the 96 GB HBM3 version."),
    "nim-benchmarking": (
        "NVIDIA NIM LLM benchmarking guide (AIPerf/genai-perf, TensorRT-LLM backend): a closed loop of "
        "the row's concurrency (each client sends its next request when the last one ends), fixed "
        "input/output lengths; TTFT and ITL are means, ITL excludes the first token (= TPOT); throughput "
        "is output tokens/s of the system; TP = the row's GPU count; fp8 weights with fp8 KV cache. "
        "'2 x H100 80G' = H100 SXM. Points past the replica's KV-cache capacity (client-side queueing) "
        "are not used."),
    "oci-mi300x-blog": (
        "Oracle Cloud Infrastructure blog (2024-10-10): Llama 3.1 405B FP8 on one BM.GPU.MI300X.8 (8 x MI300X, "
        "TP8), vLLM's benchmark_latency.py: a static batch of the row's size, 128 prompt and 128 output tokens; "
        "throughput = batch x 128 / average latency; the ROCm vLLM build of late 2024 (V0 engine). fp8 "
        "weights, fp8 KV cache (the engine default for fp8 checkpoints here). The same post's "
        "benchmark_throughput rows are not used: their engine cap on running sequences is not stated."),
    "sglang-b200-sweep": (
        "A public SGLang sweep on one 8 x B200 HGX node (2026-02, SGLang v0.5.8.post1, cookbook configs, "
        "sglang.bench_serving with random 1,024-token prompts and 1,024 output tokens): the concurrency-1 "
        "points, read as a closed loop of one client (continuous batching); TP8; gpt-oss-120b in its MXFP4 "
        "checkpoint, Qwen3-235B-A22B in BF16. TPOT excludes the first token; the throughput column is one "
        "request's output tokens over its whole latency."),
    "inferencebench-h100": (
        "InferenceBench's published concurrency-sweep recipe (2026-05, vLLM 0.21.0, the V1 engine, one H100 "
        "80GB HBM3, Llama-3.1-8B-Instruct fp16): the concurrency-1 median time per output token, read as a "
        "one-client closed loop; lengths not published, 256/256 assumed (a single sequence's KV read is "
        "under 2 % of the weight read at these lengths, so TPOT barely depends on them)."),
    "gpustack-perf-lab": (
        "GPUStack Performance Lab pages (gpustack/gpustack docs/performance-lab; undated, the engine versions "
        "they name date them to late 2025): vLLM v0.10.2/v0.11.0, "
        "SGLang v0.5.3.post3 and TensorRT-LLM v1.2.0rc1 on one H100 SXM (the serving commands pass no "
        "tensor-parallel flag: TP1; '-tp 2' rows use two), measured with `vllm bench serve` on ShareGPT "
        "prompts. Every row is a closed loop of the row's concurrency (--max-concurrency, no arrival rate): "
        "continuous batching in steady state. Not used: the pages' runs that send all requests at once "
        "(their throughput, 2-8x below the model, is bound by the HTTP API server) and their TTFT (59-75 ms "
        "for 233-token prompts through the chat API, mostly serving overhead the model does not carry). Lengths "
        "are the run's means (total input and generated tokens over the requests); ShareGPT lengths vary "
        "per request, so the model sees one mean-length request. TPOT is the "
        "'Mean TPOT (excl. 1st token)' line; throughput is 'Output token throughput'. FP8 checkpoints "
        "(Qwen's block-FP8) keep the engines' default 16-bit KV cache; gpt-oss-120b runs its native MXFP4 "
        "MoE weights weight-only (Hopper and Ampere have no FP4 tensor cores) with a bf16 KV cache. The A100 "
        "page ran on one A100 SXM 80GB of a 2-GPU node (no -tp flag). Speculative-decoding runs are not "
        "used."),
    "amd-perf-results": (
        "AMD 'Performance results with AMD ROCm software' page (vLLM section, MI300X latency table of the "
        "rocm/vllm Docker image of 2025-10-06, vLLM 0.10.2): vLLM's latency benchmark, a static batch of the "
        "row's size with 128 prompt and 2,048 output tokens, Llama 3.1 70B in AMD's FP8-KV checkpoint (fp8 "
        "weights, activations and KV cache) on 8 x MI300X with TP8; throughput = batch x 2,048 / latency. The "
        "page's throughput table is not used: it does not say whether its tokens/s count prompt tokens."),
    "kipply-fastertransformer": (
        "kipply's FasterTransformer figures via llm-analysis: test-13b (40 layers, hidden 5,120, 40 heads, "
        "GELU FFN 20,480, vocab 50,272, tied embeddings) on one A100 40GB, batch 1, 512-token prompt; "
        "FasterTransformer is counted as TensorRT-LLM (its kernels became TensorRT-LLM's)."),
}

_SOURCE_PREFIXES = (
    ("NVIDIA/TensorRT-LLM:docs/source/performance/perf-overview", "trtllm-perf-overview"),
    ("NVIDIA/TensorRT-LLM:docs/source/performance.md", "trtllm-performance-md"),
    ("NVIDIA/TensorRT-LLM:docs/source/blogs", "trtllm-blogs"),
    ("mlcommons/", "mlperf"),
    ("ntuhpc/mlperf", "mlperf"),
    ("huggingface/blog", "hf-tgi-sagemaker"),
    ("argonne-lcf/", "argonne"),
    ("cli99/llm-analysis", "kipply-fastertransformer"),
    ("docs.nvidia.com/nim/benchmarking", "nim-benchmarking"),
    ("blogs.oracle.com/cloud-infrastructure", "oci-mi300x-blog"),
    ("gist.github.com/BenHamm", "sglang-b200-sweep"),
    ("yobitelcomm.github.io/bench", "inferencebench-h100"),
    ("gpustack/gpustack:docs/performance-lab", "gpustack-perf-lab"),
    ("www.amd.com/", "amd-perf-results"),
)

_GPU_SPECIAL = (
    ("H100 (ALCF", "h100-sxm"),
    ("A100 (ALCF Polaris", "a100-40gb"),
)

TEST_13B = ModelSpec(
    id="test-13b", name="llm-analysis test-13b (kipply's 13B GPT-style model)", family="gpt",
    total_params_b=12.840, active_params_b=12.840, layers=40, hidden_size=5120, attention_heads=40,
    kv_heads=40, head_dim=128, intermediate_size=20480, vocab_size=50272, mlp="gelu", tied_embeddings=True,
    context_length=2048, as_of="2023-06",
    source="cli99/llm-analysis llm_analysis/model_configs/test-13b.json @b60b392f; parameters = "
           "40 x (4 x 5120^2 + 2 x 5120 x 20480) + 50272 x 5120 = 12.84B",
)
