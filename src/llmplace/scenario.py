"""The scenario: one business's question, as a validated pydantic v2 model.

A scenario file (YAML or JSON) names the model, the workload, the latency the users need, the
options to compare (in-house server builds, cloud instances with a pricing plan, managed APIs),
and the site and finance assumptions. Every field that is left out falls back on a dated catalog
default, and every catalog value can be overridden in the file (``overrides`` on an option,
``model.overrides`` for the architecture).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .criteria.settings import Constraints, CriteriaSettings
from .errors import InputError

__all__ = [
    "ApiOption",
    "Burst",
    "CloudOption",
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
    "collect_distributions",
    "Workload",
    "load_scenario",
    "parse_scenario",
    "scenario_json_schema",
]

Precision = Literal["fp16", "bf16", "fp8", "int8", "int4", "fp4"]
Engine = Literal["trt-llm", "vllm", "sglang", "tgi"]
Plan = Literal["on_demand", "reserved_1y", "reserved_3y", "spot"]
Billing = Literal["always_on", "active_hours", "autoscaled"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ModelChoice(_Strict):
    """The open-weight model to serve."""

    name: str = Field(description="catalog model id or alias, e.g. llama-3.3-70b")
    precision: Precision = Field("fp8", description="weight precision")
    kv_precision: Precision | None = Field(None, description="KV-cache precision; default fp16, fp8 for fp8")
    engine: Engine | None = Field(None, description="serving engine; default vllm")
    overrides: dict[str, Any] = Field(default_factory=dict, description="catalog architecture values to replace")


class Burst(_Strict):
    """A one-off surge of demand in one month of the horizon."""

    month: int = Field(ge=1, description="month of the horizon (1 = first)")
    multiplier: float = Field(gt=0, description="demand in that month relative to the trend")


class Workload(_Strict):
    """What the users ask of the model, per month."""

    requests_per_month: float | None = Field(None, ge=0, description="requests per month [1/month]")
    tokens_per_month: float | None = Field(
        None, ge=0, description="input plus output tokens per month; alternative to requests_per_month"
    )
    input_tokens_per_request: float = Field(1000, gt=0, description="prompt tokens per request")
    output_tokens_per_request: float = Field(300, gt=0, description="generated tokens per request")
    cached_input_share: float = Field(0.0, ge=0, le=1, description="share of input tokens served from cache")
    active_hours_per_month: float | None = Field(
        None, gt=0, description="hours a month with traffic [h]; default: every hour of the month"
    )
    peak_to_average: float = Field(
        1.5, ge=1, le=50, description="busiest-hour rate over the active-hours average (flat shape only)"
    )
    growth_pct_per_month: float = Field(0.0, ge=-50, le=100, description="demand growth [% per month]")
    shape: Literal["flat", "business_hours", "always_on_consumer", "nightly_batch"] = Field(
        "flat", description="daily/weekly load shape preset; flat = active hours with peak_to_average"
    )
    hourly_weights: list[float] | None = Field(
        None, description="custom load shape: 24 hour-of-day or 168 hour-of-week weights (Monday 00:00 first)"
    )
    trace_csv: str | None = Field(None, description="hourly trace CSV (columns timestamp,tokens) giving the shape")
    monthly_multipliers: list[float] | None = Field(
        None, min_length=12, max_length=12, description="seasonality: 12 multipliers, January first"
    )
    start_month: int = Field(1, ge=1, le=12, description="calendar month of the horizon's first month")
    bursts: list[Burst] = Field(default_factory=list, description="one-off surges: month and multiplier")

    @model_validator(mode="after")
    def _volume(self) -> Workload:
        if self.requests_per_month is None and self.tokens_per_month is None and self.trace_csv is None:
            raise ValueError("give requests_per_month or tokens_per_month (or a trace_csv)")
        if self.requests_per_month is not None and self.tokens_per_month is not None:
            raise ValueError("give requests_per_month or tokens_per_month, not both")
        shaped = self.shape != "flat" or self.hourly_weights is not None or self.trace_csv is not None
        if shaped and ("peak_to_average" in self.model_fields_set or "active_hours_per_month" in self.model_fields_set):
            raise ValueError("peak_to_average and active_hours_per_month describe the flat shape; a shape preset, "
                             "hourly_weights or trace_csv sets the peak itself")
        if self.monthly_multipliers is not None and any(m < 0 for m in self.monthly_multipliers):
            raise ValueError("monthly_multipliers must be >= 0")
        return self

    @property
    def output_share(self) -> float:
        return self.output_tokens_per_request / (self.input_tokens_per_request + self.output_tokens_per_request)

    def tokens_per_month_total(self) -> float:
        if self.tokens_per_month is not None:
            return self.tokens_per_month
        if self.requests_per_month is None:
            return 0.0
        return self.requests_per_month * (self.input_tokens_per_request + self.output_tokens_per_request)


class Latency(_Strict):
    """Latency the users need (targets the sizing must meet)."""

    ttft_ms: float | None = Field(None, gt=0, description="time to first token target [ms]")
    tpot_ms: float | None = Field(None, gt=0, description="time per output token target [ms]")


class _OptionBase(_Strict):
    id: str | None = Field(None, description="short id used in results; default derived from the option")
    label: str | None = Field(None, description="human-readable name")
    overrides: dict[str, Any] = Field(default_factory=dict, description="catalog values to replace for this option")
    throughput_tokens_per_s: float | None = Field(
        None, gt=0, description="measured throughput of one replica [tokens/s]; default: the sizing estimate"
    )
    throughput_counts: Literal["output", "total"] = Field(
        "output", description="whether throughput_tokens_per_s counts output tokens only or input plus output"
    )
    gpus_per_replica: int | None = Field(None, gt=0, description="GPUs per model replica; default: the fewest that fit")
    target_utilisation: float = Field(0.8, gt=0, le=1, description="planned load at peak as a share of capacity")
    staff_fte: float | None = Field(None, ge=0, description="staff full-time equivalents for this option")


class InHouseOption(_OptionBase):
    """Buy servers and run them on site or in colocation."""

    kind: Literal["in_house"] = "in_house"
    server: str | None = Field(None, description="catalog server build id; or give gpu, gpu_count and prices")
    gpu: str | None = None
    gpu_count: int | None = Field(None, gt=0)
    purchase_usd: float | None = Field(None, gt=0, description="price of one server [USD]")
    max_power_kw: float | None = Field(None, gt=0, description="draw of one server at full load [kW]")
    idle_power_kw: float | None = Field(None, ge=0, description="draw of one idle server [kW]")
    opex_usd_per_hour: float = Field(0.0, ge=0, description="other running cost per server-hour, as quoted [USD/h]")
    hosting: Literal["on_site", "colocation"] = Field("on_site", description="where the servers stand")
    servers: int | None = Field(None, gt=0, description="fixed number of servers; default: as many as demand needs")
    power_off_when_idle: bool = Field(False, description="servers are switched off outside active hours")
    lead_time_weeks: float | None = Field(None, ge=0, le=104, description="procurement lead time; default site.csv")
    headroom_pct: float = Field(20.0, ge=0, le=200, description="capacity kept above the known peak when ordering")
    planning: Literal["forecast", "reactive"] = Field(
        "forecast",
        description="forecast: order so servers arrive when the forecast needs them; reactive: order only when "
                    "the current peak (plus headroom) exceeds capacity",
    )
    n_plus_one: bool = Field(False, description="keep one spare server beyond what the load needs")
    second_site: bool = Field(False, description="mirror the fleet at a second site for disaster recovery")
    acquisition: Literal["buy", "lease"] = Field("buy", description="buy the servers or lease them")
    lease_rate_pct_per_year: float = Field(8.0, ge=0, le=50, description="interest rate implied by a lease [%/year]")

    @model_validator(mode="after")
    def _source(self) -> InHouseOption:
        if self.server is None and (self.gpu is None or self.gpu_count is None or self.purchase_usd is None):
            raise ValueError("give server (a catalog build) or gpu, gpu_count and purchase_usd")
        return self


class CloudOption(_OptionBase):
    """Rent GPU instances by the hour."""

    kind: Literal["cloud"] = "cloud"
    instance: str | None = Field(None, description="catalog instance: provider/instance_type[/region]")
    gpu: str | None = None
    gpu_count: int | None = Field(None, gt=0)
    usd_per_hour: float | None = Field(None, gt=0, description="price of one instance for the chosen plan [USD/h]")
    plan: Plan = Field("on_demand", description="pricing plan")
    billing: Billing = Field(
        "always_on", description="always_on: peak fleet every hour; active_hours: peak fleet in hours with load; "
                                 "autoscaled: whole instances following the hourly load"
    )
    min_instances: int = Field(1, ge=0, description="instances kept running even without load")
    scale_step_instances: int = Field(1, ge=1, description="autoscaling adds or removes this many instances at a time")
    reserved_instances: int | None = Field(
        None, ge=0, description="reserved plans: committed instances (billed every hour); on-demand above them. "
                                "Default: always_on reserves the whole fleet every month; autoscaled commits "
                                "the fleet month 1 needs at its peak"
    )
    storage_gb: float = Field(0.0, ge=0, description="block storage kept per instance [GB]")
    egress_gb_per_month: float = Field(0.0, ge=0, description="data leaving the cloud per month [GB]")
    zones: int = Field(default=1, ge=1, le=6,
                       description="availability zones the instances are spread over (availability)")
    regions: int = Field(default=1, ge=1, le=4,
                         description="regions the instances are spread over (availability)")

    @model_validator(mode="after")
    def _source(self) -> CloudOption:
        if self.instance is None and (self.gpu is None or self.gpu_count is None or self.usd_per_hour is None):
            raise ValueError("give instance (a catalog instance) or gpu, gpu_count and usd_per_hour")
        if self.plan.startswith("reserved") and self.billing == "active_hours":
            raise ValueError("reserved instances are billed every hour: billing must be always_on or autoscaled")
        return self


class ApiOption(_OptionBase):
    """Pay a managed API per token."""

    kind: Literal["api"] = "api"
    provider: str | None = Field(None, description="provider id, e.g. together; or give the prices")
    model: str | None = Field(None, description="model at the provider; default: the scenario's model")
    input_usd_per_mtok: float | None = Field(None, ge=0)
    output_usd_per_mtok: float | None = Field(None, ge=0)
    cached_input_usd_per_mtok: float | None = Field(None, ge=0)
    batch_share: float = Field(0.0, ge=0, le=1, description="share of tokens sent through the batch API")
    batch_discount_pct: float | None = Field(None, ge=0, le=100, description="batch discount; default 50 %")

    @model_validator(mode="after")
    def _source(self) -> ApiOption:
        if self.provider is None and (self.input_usd_per_mtok is None or self.output_usd_per_mtok is None):
            raise ValueError("give provider (a catalog API offer) or input_usd_per_mtok and output_usd_per_mtok")
        return self


class HybridOption(_Strict):
    """A base of owned servers or reserved instances, with overflow to on-demand cloud or an API."""

    kind: Literal["hybrid"] = "hybrid"
    id: str | None = None
    label: str | None = None
    base: str = Field(description="id of an in_house option, or of a cloud option with a reserved plan")
    overflow: str = Field(description="id of a cloud (on-demand or spot) or api option")
    base_units: int | None = Field(None, ge=0, description="fixed base size; default: the optimiser chooses")
    objective: Literal["tco", "npv"] = Field("tco", description="what the optimiser minimises")


Option = Annotated[InHouseOption | CloudOption | ApiOption | HybridOption, Field(discriminator="kind")]


class Site(_Strict):
    """Site assumptions for in-house servers; blanks take the catalog defaults (site.csv)."""

    electricity_usd_per_kwh: float | None = Field(None, ge=0)
    pue: float | None = Field(None, ge=1, le=3)
    colocation_usd_per_kw_month: float | None = Field(None, ge=0)
    facility_usd_per_month: float = Field(0.0, ge=0, description="other facility cost per month [USD]")
    maintenance_pct_of_capex_per_year: float | None = Field(None, ge=0, le=100)
    staff_loaded_usd_per_year: float | None = Field(None, ge=0)
    staff_fte_per_server: float | None = Field(None, ge=0)
    setup_usd_per_server: float | None = Field(None, ge=0)


class Finance(_Strict):
    """Money conventions."""

    horizon_months: int = Field(36, ge=1, le=240)
    hours_per_month: float = Field(730.0, gt=0, le=744, description="hours in a month [h]; 8,760 / 12 = 730")
    discount_rate_pct_per_year: float | None = Field(None, ge=0, le=100)
    useful_life_years: float | None = Field(None, gt=0, le=20)
    residual_value_pct: float | None = Field(None, ge=0, le=100)
    terminal_value: Literal["book", "none"] = Field(
        "book", description="credit the book value of owned hardware at the horizon's end (cash view)"
    )
    api_price_change_pct_per_year: float = Field(0.0, ge=-90, le=100, description="API price trend [%/year]")
    cloud_price_change_pct_per_year: float = Field(0.0, ge=-90, le=100, description="cloud GPU price trend")
    hardware_price_change_pct_per_year: float = Field(0.0, ge=-90, le=100, description="server price trend")
    electricity_price_change_pct_per_year: float = Field(0.0, ge=-90, le=100, description="electricity trend")
    salary_growth_pct_per_year: float = Field(0.0, ge=-50, le=100, description="staff cost trend")
    currency: Literal["USD"] = "USD"


class UncertainInput(_Strict):
    """A distribution for one numeric input of the scenario.

    Give ``low``/``mode``/``high`` (triangular, or PERT with ``dist: pert``), ``p10``/``p90``
    (lognormal), or ``values`` (each equally likely). ``path`` names the field, e.g.
    ``workload.requests_per_month`` or ``options.own-8xh100.purchase_usd`` (an option by id or index).
    """

    path: str
    dist: Literal["triangular", "pert", "lognormal", "discrete"] | None = None
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    p10: float | None = None
    p90: float | None = None
    values: list[float] | None = None

    @model_validator(mode="after")
    def _kind(self) -> UncertainInput:
        tri = (self.low, self.mode, self.high)
        if all(v is not None for v in tri):
            lo, mo, hi = tri  # type: ignore[misc]
            if not lo <= mo <= hi:  # type: ignore[operator]
                raise ValueError("needs low <= mode <= high")
            if self.dist not in (None, "triangular", "pert"):
                raise ValueError("low/mode/high describe a triangular or pert distribution")
            if self.dist is None:
                self.dist = "triangular"
        elif self.p10 is not None and self.p90 is not None:
            if not 0 < self.p10 <= self.p90:
                raise ValueError("needs 0 < p10 <= p90 (lognormal)")
            self.dist = "lognormal"
        elif self.values:
            self.dist = "discrete"
        else:
            raise ValueError("give low, mode and high; or p10 and p90; or a list of values")
        return self

    @property
    def point(self) -> float:
        """The value the deterministic result uses: the mode, the lognormal median, the middle value."""
        if self.dist in ("triangular", "pert"):
            return float(self.mode)  # type: ignore[arg-type]
        if self.dist == "lognormal":
            return float((self.p10 * self.p90) ** 0.5)  # type: ignore[operator]
        vals = sorted(self.values or [])
        return float(vals[len(vals) // 2]) if len(vals) % 2 else float(sum(vals[len(vals) // 2 - 1:][:2]) / 2)


class Uncertainty(_Strict):
    """Monte Carlo settings and the uncertain inputs (inline distributions are collected here too)."""

    samples: int = Field(10000, ge=100, le=200000, description="Monte Carlo samples when sampling is asked for")
    seed: int = Field(0, ge=0, description="random seed: the same seed gives the same numbers")
    defaults: bool = Field(True, description="add the documented default uncertainty for common inputs")
    inputs: list[UncertainInput] = Field(default_factory=list)


class Scenario(_Strict):
    """A complete question: model, workload, options, site and finance."""

    name: str = "scenario"
    description: str | None = None
    model: ModelChoice
    workload: Workload
    latency: Latency = Field(default_factory=Latency)
    options: list[Option] = Field(min_length=1)
    site: Site = Field(default_factory=Site)
    finance: Finance = Field(default_factory=Finance)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    constraints: Constraints = Field(default_factory=lambda: Constraints(), description="hard constraints")
    criteria: CriteriaSettings = Field(default_factory=lambda: CriteriaSettings(),
                                       description="weights and answers for the criteria beyond cost")

    @model_validator(mode="after")
    def _unique_ids(self) -> Scenario:
        ids = [o.id for o in self.options if o.id]
        for i, o in enumerate(self.options):
            if o.id and ids.count(o.id) > 1:  # an InputError passes through pydantic with its own field
                raise InputError(f"options[{i}].id", o.id, "an id no other option uses")
        kinds = {o.id: o for o in self.options if o.id}
        for i, o in enumerate(self.options):
            if isinstance(o, HybridOption):
                base, over = kinds.get(o.base), kinds.get(o.overflow)
                ok_base = isinstance(base, InHouseOption) or (
                    isinstance(base, CloudOption) and base.plan.startswith("reserved"))
                if not ok_base:
                    raise InputError(f"options[{i}].base", o.base, "the id of an in_house option or of a cloud "
                                     "option with a reserved plan (give that option an id)")
                ok_over = isinstance(over, ApiOption) or (
                    isinstance(over, CloudOption) and not over.plan.startswith("reserved"))
                if not ok_over:
                    raise InputError(f"options[{i}].overflow", o.overflow, "the id of an api option or of an "
                                     "on-demand or spot cloud option (give that option an id)")
        return self


def _loc(err: Any) -> str:
    parts: list[str] = []
    for p in err.get("loc", ()):
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif p in ("in_house", "cloud", "api", "hybrid") and parts and parts[-1].startswith("["):
            continue  # the discriminator tag adds nothing for the reader
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts) or "scenario"


def _first_error(exc: ValidationError) -> InputError:
    err = exc.errors()[0]
    field = _loc(err)
    value = err.get("input")
    msg = err.get("msg", "invalid")
    if err.get("type") == "missing":
        return InputError(field, None, "a value (this field is required)")
    if err.get("type") == "extra_forbidden":
        return InputError(field, value, "only the fields listed by `llmplace schema`", "unknown field")
    msg = msg.removeprefix("Value error, ")
    if isinstance(value, dict):
        value = "{...}"
    return InputError(field, value, msg)


_DIST_KEYS = {"low", "mode", "high", "p10", "p90", "values", "dist"}
_NOT_NUMERIC_LISTS = {"hourly_weights", "monthly_multipliers", "options", "bursts", "inputs", "values"}


def _collect_distributions(node: Any, path: str, found: list[dict[str, Any]]) -> Any:
    """Replace inline distributions by their point value and record them with their path."""
    if isinstance(node, dict):
        if node and set(node) <= _DIST_KEYS and any(k in node for k in ("low", "p10", "values")):
            try:
                dist = UncertainInput.model_validate({"path": path, **node})
            except ValidationError as exc:
                raise InputError(path, node, exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
            found.append(dist.model_dump(exclude_none=True))
            return dist.point
        return {k: _collect_distributions(v, f"{path}.{k}" if path else str(k), found)
                for k, v in node.items() if not (path == "" and k == "uncertainty")} | (
            {"uncertainty": node["uncertainty"]} if path == "" and "uncertainty" in node else {})
    if isinstance(node, list):
        key = path.rsplit(".", 1)[-1]
        if key not in _NOT_NUMERIC_LISTS and node and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in node):
            dist = UncertainInput(path=path, values=[float(v) for v in node])
            found.append(dist.model_dump(exclude_none=True))
            return dist.point
        return [_collect_distributions(v, f"{path}[{i}]", found) for i, v in enumerate(node)]
    return node


def collect_distributions(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with inline distributions replaced by point values and listed under ``uncertainty.inputs``."""
    found: list[dict[str, Any]] = []
    out = _collect_distributions(doc, "", found)
    if found:
        unc = dict(out.get("uncertainty") or {})
        unc["inputs"] = list(unc.get("inputs") or []) + found
        out["uncertainty"] = unc
    return dict(out)


def parse_scenario(data: Any) -> Scenario:
    """Validate a scenario document (already parsed from YAML/JSON).

    Any numeric field may hold a distribution (``{low, mode, high}``, ``{p10, p90}`` or a list of
    values); the deterministic result uses its point value and Monte Carlo samples it.
    """
    if not isinstance(data, dict):
        raise InputError("scenario", type(data).__name__, "a mapping of fields (see `llmplace schema`)")
    doc = collect_distributions(data)
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        raise _first_error(exc) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML or JSON scenario file."""
    p = Path(path)
    if not p.is_file():
        raise InputError("scenario file", str(path), "a path to an existing YAML or JSON file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("scenario file", str(path), "a readable UTF-8 text file", str(exc)) from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f"line {mark.line + 1}, column {mark.column + 1}"
        elif isinstance(exc, json.JSONDecodeError):
            where = f"line {exc.lineno}, column {exc.colno}"
        raise InputError("scenario file", str(path), "valid YAML or JSON", f"parse error at {where}") from None
    s = parse_scenario(data)
    trace = s.workload.trace_csv
    if trace is not None and not Path(trace).is_absolute():  # relative to the scenario file
        s.workload.trace_csv = str(p.parent / trace)
    return s


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors' autocompletion)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "llmplace scenario"
    return schema
