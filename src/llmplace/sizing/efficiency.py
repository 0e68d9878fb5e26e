"""Efficiency factors of the performance model, read from ``sizing/data/efficiency.csv``.

Each row is one parameter: ``param`` (what it scales), ``scope`` (engine, family, precision, interconnect
or global), ``key`` (which engine, family ...), ``value``, ``unit``, ``prior`` (the value assumed before
fitting, used as the regularisation target and as the fallback when a source is held out), ``fitted``
(yes/no), ``as_of`` and ``source``. ``benchmarks/sizing_accuracy.py --fit`` rewrites the fitted values.

The effective bandwidth efficiency of a deployment is the product
``bandwidth_efficiency x bandwidth_factor[family] x bandwidth_factor[precision]`` capped at 1 (likewise
for compute), so the base figures are relative to a Hopper GPU at 16-bit and the family and precision
factors carry what differs (e.g. AMD MI300X under vLLM/ROCm reached a lower share of its peak bandwidth
than NVIDIA stacks in the calibration rows).

Shared engine figures: the base bandwidth and compute efficiencies and the fixed time per step are
``global`` rows shared by the current engines (TensorRT-LLM, vLLM V1, SGLang). By 2025 the three run the
same classes of kernels (cuBLAS/CUTLASS or hipBLASLt GEMMs; FlashAttention, FlashInfer or TensorRT-LLM's
own attention kernels, which vLLM and SGLang also call), capture decode steps in CUDA graphs and overlap
host scheduling with the GPU; what they still differ in is below what the calibration rows can tell
apart. One shared figure lets an engine measured by a single source borrow the others' evidence. An
``engine`` row overrides the global one where an engine is known to differ: TGI 1.0 (2023) and vLLM's V0
engine have their own bandwidth efficiency or host overheads.

Engine generations: a key such as ``vllm:v0`` names an older generation of an engine (vLLM's V0 engine,
the default before vLLM 0.8 in 2025-03). Its own rows (host time per sequence, step overhead, default
batch cap) apply to calibration rows measured on those builds; every other factor falls back to the
engine's row (``vllm``), then to the global row. Sizing a deployment always uses the current generation
(the plain engine name).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ..errors import LlmplaceError

__all__ = [
    "ENGINES",
    "Efficiency",
    "EfficiencyRow",
    "Key",
    "default_efficiency",
    "ideal_efficiency",
    "load_efficiency",
    "write_efficiency",
]

ENGINES = ("trt-llm", "vllm", "sglang", "tgi")

CSV_COLUMNS = ("param", "scope", "key", "value", "unit", "prior", "fitted", "as_of", "source", "notes")

Key = tuple[str, str, str]
"""(param, scope, key) of one efficiency row."""


@dataclass(frozen=True)
class EfficiencyRow:
    """One parameter row of ``efficiency.csv``."""

    param: str
    scope: str
    key: str
    value: float
    unit: str
    prior: float
    fitted: bool
    as_of: str
    source: str
    notes: str = ""

    @property
    def ident(self) -> Key:
        return (self.param, self.scope, self.key)


@dataclass(frozen=True)
class Efficiency:
    """Lookup of the calibrated factors. ``values`` maps (param, scope, key) to a value."""

    rows: tuple[EfficiencyRow, ...]
    values: Mapping[Key, float] = field(default_factory=dict)
    label: str = "calibrated"

    @classmethod
    def from_rows(cls, rows: Iterable[EfficiencyRow], label: str = "calibrated") -> Efficiency:
        rs = tuple(rows)
        return cls(rs, {r.ident: r.value for r in rs}, label)

    def with_values(self, values: Mapping[Key, float], label: str | None = None) -> Efficiency:
        """A copy with some values replaced (used by the fit)."""
        merged = dict(self.values)
        merged.update(values)
        return Efficiency(self.rows, merged, label or self.label)

    def priors(self) -> Efficiency:
        """A copy with every value at its prior."""
        return self.with_values({r.ident: r.prior for r in self.rows}, label="priors")

    def get(self, param: str, scope: str, key: str, default: float | None = None) -> float:
        v = self.values.get((param, scope, key))
        if v is None:
            if default is None:
                raise LlmplaceError(f"efficiency.csv lacks {param}/{scope}/{key}")
            return default
        return v

    # --- composite factors -------------------------------------------------------------------------
    def engine_value(self, param: str, engine: str, default: float | None = None) -> float:
        """``param`` of ``engine``; a generation key (``vllm:v0``) without its own row uses the engine's."""
        v = self.values.get((param, "engine", engine))
        if v is not None:
            return v
        return self.get(param, "engine", engine.split(":", 1)[0], default)

    def shared_value(self, param: str, engine: str) -> float:
        """``param`` of ``engine``: its generation's row (``vllm:v0``), else the engine's, else the global row
        shared by the current engines (module docstring)."""
        for key in (engine, engine.split(":", 1)[0]):
            v = self.values.get((param, "engine", key))
            if v is not None:
                return v
        return self.get(param, "global", "all")

    def bandwidth(self, family: str, engine: str, precision: str) -> float:
        """Share of peak memory bandwidth reached on weight and KV reads [fraction, <= 1]."""
        v = (self.shared_value("bandwidth_efficiency", engine)
             * self.get("bandwidth_factor", "family", family.lower(), 1.0)
             * self.get("bandwidth_factor", "precision", precision, 1.0))
        return min(v, 1.0)

    def compute(self, family: str, engine: str, precision: str) -> float:
        """Share of peak dense tensor throughput reached in GEMMs and attention [fraction, <= 1]."""
        v = (self.engine_compute(engine)
             * self.get("compute_factor", "family", family.lower(), 1.0)
             * self.get("compute_factor", "precision", precision, 1.0))
        return min(v, 1.0)

    def engine_compute(self, engine: str) -> float:
        """Share of peak dense tensor FLOPs the engine's GEMMs reach on a Hopper GPU at 16-bit [fraction].

        Prefill and large-batch GEMMs run the vendor GEMM libraries (cuBLAS/CUTLASS, hipBLASLt) whichever
        engine calls them, so the bundled table holds one global row (an engine row would override it).
        """
        return self.shared_value("compute_efficiency", engine)

    def step_overhead_s(self, engine: str) -> float:
        """Fixed time of every forward pass: scheduling, sampling, launches [s] (shared by the current
        engines, which all replay decode steps as CUDA graphs; TGI and vLLM V0 have their own rows)."""
        return self.shared_value("step_overhead_ms", engine) / 1e3

    def seq_overhead_s(self, engine: str) -> float:
        """Host time each running sequence adds to every step [s].

        The scheduler, sampler and detokeniser touch every running sequence once per step on the CPU. In
        vLLM's V0 engine (before 0.8) that work ran in Python between GPU steps, tens of microseconds per
        sequence; vLLM V1, SGLang and TensorRT-LLM overlap it with the GPU, so their figure is small.
        0 where the table has no row.
        """
        return self.engine_value("seq_overhead_us", engine, 0.0) / 1e6

    def max_batch(self, engine: str) -> int:
        """The engine's default cap on running sequences [sequences]."""
        return int(self.engine_value("max_batch", engine))

    def allreduce_latency_factor(self) -> float:
        """Engine time around each all-reduce, as a multiple of NCCL's ring latency (interconnects.csv)."""
        return self.get("allreduce_latency_factor", "global", "all", 1.0)

    def kv_bandwidth_factor(self) -> float:
        """Share of the weight-read bandwidth efficiency that KV-cache reads reach [fraction]."""
        return self.get("kv_bandwidth_factor", "global", "all", 1.0)

    def compute_half_tokens(self) -> float:
        """Tokens per pass at which GEMMs reach half their calibrated compute efficiency [tokens]."""
        return self.get("compute_half_tokens", "global", "all", 0.0)

    def prefill_overhead_s(self) -> float:
        """Extra fixed time of a prefill pass beyond the step overhead [s]."""
        return self.get("prefill_overhead_ms", "global", "all", 0.0) / 1e3

    def comm_bandwidth_efficiency(self, interconnect: str | None = None) -> float:
        """Share of the link bandwidth a ring all-reduce reaches [fraction]: the interconnect's own row where
        the table has one (PCIe), else the global row (NVLink, xGMI, network fabrics)."""
        if interconnect is not None:
            v = self.values.get(("comm_bandwidth_efficiency", "interconnect", interconnect.lower()))
            if v is not None:
                return v
        return self.get("comm_bandwidth_efficiency", "global", "all")

    def max_batched_tokens(self, engine: str) -> float:
        """The engine's default token budget per step, shared by decodes and prompt chunks [tokens]."""
        return self.engine_value("max_batched_tokens", engine)

    def family_known(self, family: str) -> bool:
        return ("bandwidth_factor", "family", family.lower()) in self.values

    def source_text(self) -> str:
        fitted = [r for r in self.rows if r.fitted]
        as_of = max((r.as_of for r in fitted), default="")
        return f"sizing/data/efficiency.csv ({self.label}; fitted {as_of})" if fitted else self.label


def _parse(text: str) -> list[EfficiencyRow]:
    rows: list[EfficiencyRow] = []
    for i, raw in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            rows.append(EfficiencyRow(
                param=raw["param"].strip(), scope=raw["scope"].strip(), key=raw["key"].strip(),
                value=float(raw["value"]), unit=raw["unit"].strip(), prior=float(raw["prior"]),
                fitted=raw["fitted"].strip().lower() == "yes", as_of=raw["as_of"].strip(),
                source=raw["source"].strip(), notes=(raw.get("notes") or "").strip(),
            ))
        except (KeyError, ValueError, AttributeError) as exc:
            raise LlmplaceError(f"sizing/data/efficiency.csv line {i} is invalid: {exc}") from exc
    return rows


def load_efficiency(text: str | None = None) -> Efficiency:
    """Parse ``efficiency.csv`` (the bundled file unless ``text`` is given)."""
    if text is None:
        path = resources.files("llmplace.sizing").joinpath("data", "efficiency.csv")
        text = path.read_text(encoding="utf-8")
    return Efficiency.from_rows(_parse(text))


@cache
def default_efficiency() -> Efficiency:
    """The bundled, calibrated factors (loaded once)."""
    return load_efficiency()


def ideal_efficiency() -> Efficiency:
    """Bare roofline: every efficiency 1.0, no per-step overhead, no all-reduce latency."""
    base = default_efficiency()
    vals: dict[Key, float] = {}
    for r in base.rows:
        if r.param in ("bandwidth_efficiency", "compute_efficiency", "bandwidth_factor", "compute_factor",
                       "comm_bandwidth_efficiency", "kv_bandwidth_factor"):
            vals[r.ident] = 1.0
        elif r.param in ("step_overhead_ms", "seq_overhead_us", "allreduce_latency_factor",
                         "prefill_overhead_ms", "compute_half_tokens"):
            vals[r.ident] = 0.0
    return base.with_values(vals, label="bare roofline (efficiency 1.0)")


def write_efficiency(eff: Efficiency, as_of: str, source: str) -> str:
    """CSV text of ``eff`` with fitted rows stamped with ``as_of`` and ``source``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in eff.rows:
        value = eff.values[r.ident]
        w.writerow([r.param, r.scope, r.key, _fmt(value), r.unit, _fmt(r.prior), "yes" if r.fitted else "no",
                    as_of if r.fitted else r.as_of, source if r.fitted else r.source, r.notes])
    return buf.getvalue()


def _fmt(x: float) -> str:
    return f"{x:.4g}"
