"""The ``size`` document: catalog lookups, input checks and defaults shared by the CLI and the REST API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..catalog import GpuSpec, ModelSpec, SiteDefault, get_gpu, get_model, site_defaults
from ..errors import InputError, not_one_of
from .efficiency import ENGINES
from .estimate import DEFAULT_ENGINE, SizingResult, estimate, min_gpus
from .fabric import GPUS_PER_NODE
from .layout import min_multinode_gpus, suggest_layouts
from .memory import PRECISIONS
from .multinode import estimate_layout
from .parallel import Layout, layout_for

__all__ = ["WORKLOADS", "ParallelAsk", "default_latency", "size_document"]

WORKLOADS = ("interactive", "batch")


def default_latency(workload: str, ttft_ms: float | None, tpot_ms: float | None
                    ) -> tuple[float | None, float | None, list[SiteDefault]]:
    """TTFT and TPOT targets [ms] after the interactive defaults, and the site.csv rows applied.

    An ``interactive`` workload gets ``interactive_ttft_ms`` / ``interactive_tpot_ms`` for a target it
    leaves out; a ``batch`` workload keeps only the targets it names (none: the largest batch that fits).
    """
    if workload == "batch":
        return ttft_ms, tpot_ms, []
    site = site_defaults()
    used = [site[k] for k, v in (("interactive_ttft_ms", ttft_ms), ("interactive_tpot_ms", tpot_ms)) if v is None]
    ttft = ttft_ms if ttft_ms is not None else site["interactive_ttft_ms"].value
    tpot = tpot_ms if tpot_ms is not None else site["interactive_tpot_ms"].value
    return ttft, tpot, used


def _speculative(data: dict[str, Any], ask: tuple[str | None, int | None, float | None, str | None],
                 field: Callable[[str], str], *args: Any) -> dict[str, Any]:
    """The document with speculative decoding when ``ask`` = (``spec_method``, ``spec_tokens``,
    ``spec_acceptance``, ``spec_draft_model``) names a method (the estimate again, with the drafter: its
    ``speculative`` block states the assumptions and the figures without it), else ``data`` as it is.
    ``args``: the model and GPU rows, GPUs, precision, engine, the layout (None: tensor parallelism in one
    server) and the estimate's keyword arguments. A layout of one stage keeps its communication and memory;
    pipeline stages are refused with a message saying what combines."""
    from .spec_estimate import check_layout, estimate_speculative, estimate_speculative_layout
    from .speculative import METHODS, check_supported, resolve_speculation

    method, tokens, acceptance, draft_model = ask
    if not method:
        for name, value in zip(("spec_tokens", "spec_acceptance", "spec_draft_model"), ask[1:], strict=True):
            if value is not None:
                raise InputError(field(name), value, f"set only with {field('spec_method')} "
                                 f"(one of {', '.join(METHODS)})")
        return data
    try:
        sp = resolve_speculation(method, tokens, acceptance, draft_model or None)
    except InputError as err:
        name = {"method": "spec_method", "draft_tokens": "spec_tokens", "acceptance_rate": "spec_acceptance",
                "draft_model": "spec_draft_model"}.get(err.field.rsplit(".", 1)[-1], "spec_method")
        raise InputError(field(name), err.value, err.allowed, err.detail) from None
    model, gpu, gpus, precision, engine, layout, kwargs = args
    if layout is not None:
        check_layout(layout, field("spec_method"), method, (  # pipeline stages: refused, naming what combines
            f"{field('ep')}, {field('dp_attention')} or {field('tp_across_nodes')} for a replica over several "
            f"servers (one stage), or {field('gpus')} 1, 2, 4 or 8 (one server)"))
    check_supported(sp, model, field("spec_method"))  # MTP needs the model's MTP layers
    if sp.draft_model:
        get_model(sp.draft_model, field("spec_draft_model"))
    if layout is None:
        res = estimate_speculative(model, gpu, gpus, precision, engine, speculative=sp, **kwargs)
        return {**res.to_dict(), "workload": data["workload"]}
    res, info = estimate_speculative_layout(model, gpu, layout, precision, engine, speculative=sp, **kwargs)
    return {**res.to_dict(), "workload": data["workload"], "layout": info.model_dump(mode="json")}


def size_document(
    model: str, gpu: str, *, gpus: int = 0, precision: str = "fp8", engine: str | None = None,
    spec_method: str | None = None, spec_tokens: int | None = None, spec_acceptance: float | None = None,
    spec_draft_model: str | None = None,
    input_tokens: int = 1000, output_tokens: int = 1000, concurrency: int | None = None,
    kv_precision: str | None = None, ttft_ms: float | None = None, tpot_ms: float | None = None,
    rps: float | None = None, peak_to_average: float = 1.0, field: Callable[[str], str] = lambda n: n,
    workload: str = "interactive", parallel: ParallelAsk | None = None,
) -> dict[str, Any]:
    """Check the inputs, look the names up and estimate; ``field`` names each input in error messages
    (``--precision`` on the command line, ``precision`` in the API). ``gpus=0``: the fewest that fit.
    An ``interactive`` workload gets the default latency targets it leaves out (``latency_defaults``
    in the document names them); a ``batch`` one none. ``parallel`` asks for a multi-server or
    expert-parallel layout (:class:`ParallelAsk`); the document then has a ``layout`` block."""
    if workload not in WORKLOADS:
        raise not_one_of(field("workload"), workload, WORKLOADS)
    m = get_model(model, field("model"))
    g = get_gpu(gpu, field("gpu"))
    if precision not in PRECISIONS:
        raise not_one_of(field("precision"), precision, PRECISIONS)
    eng = engine or DEFAULT_ENGINE
    if eng not in ENGINES:
        raise not_one_of(field("engine"), engine, ENGINES)
    if kv_precision is not None and kv_precision not in PRECISIONS:
        raise not_one_of(field("kv_precision"), kv_precision, PRECISIONS)
    for name, val in (("input_tokens", input_tokens), ("output_tokens", output_tokens)):
        if val <= 0:
            raise InputError(field(name), val, "a whole number of tokens > 0")
    for name, fval in (("ttft_ms", ttft_ms), ("tpot_ms", tpot_ms), ("rps", rps)):
        if fval is not None and fval < 0:
            raise InputError(field(name), fval, "a number >= 0 (0 = no target)")
    if peak_to_average < 1:
        raise InputError(field("peak_to_average"), peak_to_average, "a number >= 1")
    if concurrency is not None and concurrency < 1:
        raise InputError(field("concurrency"), concurrency, "a whole number >= 1 or 'max'")
    ask = parallel or ParallelAsk()
    n = _replica_gpus(m, g, gpus, precision, input_tokens, output_tokens, kv_precision, ask, field)
    ttft, tpot, defaults = default_latency(workload, ttft_ms or None, tpot_ms or None)
    kwargs: dict[str, Any] = dict(input_tokens=input_tokens, output_tokens=output_tokens, concurrency=concurrency,
                                  kv_precision=kv_precision, ttft_ms=ttft, tpot_ms=tpot, rps=rps or None,
                                  peak_to_average=peak_to_average)
    lay = _layout(m, n, ask, field)
    res, layout_block = _estimate(m, g, n, precision, eng, lay, kwargs)
    data: dict[str, Any] = res.to_dict()
    data["workload"] = workload
    if layout_block is not None:
        data["layout"] = layout_block
    data = _speculative(data, (spec_method, spec_tokens, spec_acceptance, spec_draft_model), field, m, g, n,
                        precision, eng, lay, dict(kwargs))
    if g.engines and eng not in g.engines:  # the catalog lists the serving engines that run on each accelerator
        data["engine_note"] = (f"{eng} does not run on {g.id} (engines listed for it: {', '.join(g.engines)}); "
                               f"the figures assume it did")
    data["latency_defaults"] = [{"target": r.key, "value_ms": r.value, "source": r.source, "as_of": r.as_of}
                                for r in defaults]
    data["layouts_that_fit"] = [] if data.get("fits") else suggest_layouts(
        m, g, min(n, 8), res.precision, input_tokens, output_tokens)
    return data


@dataclass(frozen=True)
class ParallelAsk:
    """The layout options of ``size``: servers, pipeline stages, EP, DP attention, the fabric."""

    nodes: int = 0
    pp: int = 0
    ep: bool = False
    dp_attention: bool = False
    tp_across_nodes: bool = False
    fabric: str | None = None

    def wants_layout(self, gpus: int) -> bool:
        return gpus > GPUS_PER_NODE or bool(self.pp or self.ep or self.dp_attention or self.tp_across_nodes)


def _layout(m: ModelSpec, n: int, ask: ParallelAsk, field: Callable[[str], str]) -> Layout | None:
    """The layout ``ask`` wants for ``n`` GPUs; None for tensor parallelism inside one server."""
    if not ask.wants_layout(n):
        return None
    return layout_for(n, pp=ask.pp, expert_parallel=ask.ep, dp_attention=ask.dp_attention,
                      tp_across_nodes=ask.tp_across_nodes, fabric=ask.fabric, model=m, field=field)


def _estimate(m: ModelSpec, g: GpuSpec, n: int, precision: str, eng: str, lay: Layout | None,
              kwargs: dict[str, Any]) -> tuple[SizingResult, dict[str, Any] | None]:
    """One server's tensor-parallel estimate, or the layout's with its ``layout`` block."""
    if lay is None:
        return estimate(m, g, n, precision, eng, **kwargs), None
    res, info = estimate_layout(m, g, lay, precision, eng, **kwargs)
    return res, info.model_dump(mode="json")


def _replica_gpus(m: ModelSpec, g: GpuSpec, gpus: int, precision: str, input_tokens: int, output_tokens: int,
                  kv_precision: str | None, ask: ParallelAsk, field: Callable[[str], str]) -> int:
    """GPUs of the replica: as given, ``nodes`` x 8, else the fewest that fit in one server, else the
    smallest multi-server layout that fits (8 when none does: the document then says why)."""
    if gpus < 0:
        raise InputError(field("gpus"), gpus, "a whole number of GPUs (0 for the fewest that fit)")
    if ask.nodes < 0:
        raise InputError(field("nodes"), ask.nodes, "a whole number of servers >= 1 (0: from --gpus)")
    if ask.nodes:
        if gpus and gpus != ask.nodes * GPUS_PER_NODE:
            raise InputError(field("nodes"), ask.nodes, f"{gpus // GPUS_PER_NODE or 1} for --gpus {gpus} "
                             f"({GPUS_PER_NODE} GPUs per server), or leave one of them out")
        return ask.nodes * GPUS_PER_NODE
    if gpus:
        return gpus
    return (min_gpus(m, g, precision, input_tokens, output_tokens, kv_precision=kv_precision)
            or min_multinode_gpus(m, g, precision, input_tokens, output_tokens, kv_precision) or GPUS_PER_NODE)
