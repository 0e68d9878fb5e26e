"""The ``size`` document: catalog lookups, input checks and defaults shared by the CLI and the REST API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..catalog import SiteDefault, get_gpu, get_model, site_defaults
from ..errors import InputError, not_one_of
from .efficiency import ENGINES
from .estimate import DEFAULT_ENGINE, estimate, min_gpus
from .layout import suggest_layouts
from .memory import PRECISIONS

__all__ = ["WORKLOADS", "default_latency", "size_document"]

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
    ``args``: the model and GPU rows, GPUs, precision, engine and the estimate's keyword arguments."""
    from .memory import TP_DEGREES
    from .spec_estimate import estimate_speculative
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
    model, gpu, gpus, precision, engine, kwargs = args
    if gpus not in TP_DEGREES:  # a replica over several servers (multi-node layouts): not modelled with a drafter
        raise InputError(field("spec_method"), method, "none for a replica over several servers",
                         "speculative decoding is modelled for tensor-parallel replicas within one server")
    check_supported(sp, model, field("spec_method"))  # MTP needs the model's MTP layers
    if sp.draft_model:
        get_model(sp.draft_model, field("spec_draft_model"))
    res = estimate_speculative(model, gpu, gpus, precision, engine, speculative=sp, **kwargs)
    return {**res.to_dict(), "workload": data["workload"]}


def size_document(
    model: str, gpu: str, *, gpus: int = 0, precision: str = "fp8", engine: str | None = None,
    spec_method: str | None = None, spec_tokens: int | None = None, spec_acceptance: float | None = None,
    spec_draft_model: str | None = None,
    input_tokens: int = 1000, output_tokens: int = 1000, concurrency: int | None = None,
    kv_precision: str | None = None, ttft_ms: float | None = None, tpot_ms: float | None = None,
    rps: float | None = None, peak_to_average: float = 1.0, field: Callable[[str], str] = lambda n: n,
    workload: str = "interactive",
) -> dict[str, Any]:
    """Check the inputs, look the names up and estimate; ``field`` names each input in error messages
    (``--precision`` on the command line, ``precision`` in the API). ``gpus=0``: the fewest that fit.
    An ``interactive`` workload gets the default latency targets it leaves out (``latency_defaults``
    in the document names them); a ``batch`` one none."""
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
    if gpus < 0:
        raise InputError(field("gpus"), gpus, "1, 2, 4 or 8 (or 0 for the fewest that fit)")
    n = gpus or min_gpus(m, g, precision, input_tokens, output_tokens, kv_precision=kv_precision) or 8
    ttft, tpot, defaults = default_latency(workload, ttft_ms or None, tpot_ms or None)
    res = estimate(m, g, n, precision, eng, input_tokens=input_tokens, output_tokens=output_tokens,
                   concurrency=concurrency, kv_precision=kv_precision, ttft_ms=ttft, tpot_ms=tpot,
                   rps=rps or None, peak_to_average=peak_to_average)
    data: dict[str, Any] = res.to_dict()
    data["workload"] = workload
    data = _speculative(data, (spec_method, spec_tokens, spec_acceptance, spec_draft_model), field, m, g, n,
                        precision, eng, dict(input_tokens=input_tokens, output_tokens=output_tokens,
                                             concurrency=concurrency, kv_precision=kv_precision, ttft_ms=ttft,
                                             tpot_ms=tpot, rps=rps or None, peak_to_average=peak_to_average))
    if g.engines and eng not in g.engines:  # the catalog lists the serving engines that run on each accelerator
        data["engine_note"] = (f"{eng} does not run on {g.id} (engines listed for it: {', '.join(g.engines)}); "
                               f"the figures assume it did")
    data["latency_defaults"] = [{"target": r.key, "value_ms": r.value, "source": r.source, "as_of": r.as_of}
                                for r in defaults]
    data["layouts_that_fit"] = [] if data.get("fits") else suggest_layouts(
        m, g, n, res.precision, input_tokens, output_tokens)
    return data
